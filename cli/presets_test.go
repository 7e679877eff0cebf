package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestPresetsFromTheCommandLine: a preset applied with confine apply
// changes the demo's overrides once (exit 3), then nothing (exit 0); show
// prints the policy it makes, which applies the same way.
func TestPresetsFromTheCommandLine(t *testing.T) {
	env := demo(t)
	if r := confine(t, env, "presets"); r.code != 0 || !strings.Contains(r.stdout, "strict") || !strings.Contains(r.stdout, "balanced") {
		t.Fatalf("presets: %+v", r)
	}
	r := confine(t, env, "presets", "show", "balanced")
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc["format"] != "confine-policy" {
		t.Fatalf("presets show: %v\n%s", err, r.stdout)
	}
	if r := confine(t, env, "apply", "--preset=strict", "--check"); r.code != 3 {
		t.Fatalf("check: %+v", r)
	}
	if r := confine(t, env, "apply", "--preset=strict"); r.code != 3 {
		t.Fatalf("apply: %+v", r)
	}
	if r := confine(t, env, "apply", "--preset=strict"); r.code != 0 {
		t.Fatalf("second apply: %+v", r)
	}
	if r := confine(t, env, "apply", "--preset=nonesuch"); r.code != 1 || !strings.Contains(r.stderr, "no preset") {
		t.Fatalf("unknown preset: %+v", r)
	}
	if r := confine(t, env, "apply", "--preset=strict", "--system"); r.code != 2 {
		t.Fatalf("preset with --system: %+v", r)
	}
}
