package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/confine-app/confine/cli"
)

// apply --prune: the overrides folder ends up holding the policy's files
// and nothing else, and a second run changes nothing.
func TestApplyPrune(t *testing.T) {
	dir := t.TempDir()
	env := userEnv(dir)
	overridesDir := filepath.Join(dir, "user", "overrides")
	for _, target := range []string{"global", "org.a.App", "org.b.App"} {
		if r := confine(t, env, "override", "--nosocket=x11", target); r.code != 0 {
			t.Fatal(r.stderr)
		}
	}
	// Not a file Flatpak reads: left alone.
	backup := filepath.Join(overridesDir, "org.b.App~")
	os.WriteFile(backup, []byte("[Context]\n"), 0o644)
	policy := filepath.Join(dir, "policy.json")
	os.WriteFile(policy, []byte(`{"format": "confine-policy", "version": 1, "overrides": {"org.a.App": {"permissions": {"shared/network": "off"}}}}`), 0o644)
	files := func() []string {
		ents, _ := os.ReadDir(overridesDir)
		var out []string
		for _, e := range ents {
			if !strings.HasPrefix(e.Name(), ".") {
				out = append(out, e.Name())
			}
		}
		return out
	}

	r := confine(t, env, "apply", "--prune", "--check", "--json", policy)
	var res cli.ApplyResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 3 {
		t.Fatalf("check: %+v %v", r, err)
	}
	pruned := map[string]bool{}
	for _, f := range res.Files {
		if f.Pruned {
			pruned[f.Target] = f.Changed && strings.Contains(f.Diff, "-sockets=!x11;")
		}
	}
	if len(pruned) != 2 || !pruned["global"] || !pruned["org.b.App"] {
		t.Errorf("pruned %v in %+v", pruned, res.Files)
	}
	if got := files(); !slices.Equal(got, []string{"global", "org.a.App", "org.b.App", "org.b.App~"}) {
		t.Errorf("--check removed files: %v", got)
	}
	r = confine(t, env, "apply", "--prune", "--check", policy)
	if !strings.Contains(r.stdout, "would remove: "+filepath.Join(overridesDir, "org.b.App")) {
		t.Errorf("text --check: %+v", r)
	}

	r = confine(t, env, "apply", "--prune", policy)
	if r.code != 3 || !strings.Contains(r.stdout, "removed: "+filepath.Join(overridesDir, "global")) {
		t.Fatalf("apply: %+v", r)
	}
	if got := files(); !slices.Equal(got, []string{"org.a.App", "org.b.App~"}) {
		t.Errorf("after pruning: %v", got)
	}
	data, _ := os.ReadFile(filepath.Join(overridesDir, "org.a.App"))
	if !strings.Contains(string(data), "!network") || !strings.Contains(string(data), "!x11") {
		t.Errorf("the named file: %q", data)
	}
	// Idempotent.
	if r := confine(t, env, "apply", "--prune", policy); r.code != 0 || !strings.Contains(r.stdout, "unchanged") {
		t.Errorf("second run: %+v", r)
	}
	// A file that cannot be read refuses the whole prune: nothing is
	// written.
	if r := confine(t, env, "override", "--unshare=ipc", "org.c.App"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if err := syscall.Mkfifo(filepath.Join(overridesDir, "org.d.App"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = confine(t, env, "apply", "--prune", policy)
	if r.code != 1 || !strings.Contains(r.stderr, "cannot prune") || !strings.Contains(r.stderr, "nothing was written") {
		t.Errorf("unreadable file: %+v", r)
	}
	if got := files(); !slices.Contains(got, "org.c.App") {
		t.Errorf("pruned despite the refusal: %v", got)
	}
	// Without --prune, files the policy does not name stay.
	os.Remove(filepath.Join(overridesDir, "org.d.App"))
	if r := confine(t, env, "apply", policy); r.code != 0 || !slices.Contains(files(), "org.c.App") {
		t.Errorf("without --prune: %+v %v", r, files())
	}
}
