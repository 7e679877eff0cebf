package hostile

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Hostile policies and export files.

func (w *world) file(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(w.root, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func policyJSON(t *testing.T, overrides map[string]any) []byte {
	t.Helper()
	data, err := json.Marshal(map[string]any{"format": "confine-policy", "version": 1, "overrides": overrides})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Issue 24, 5: a whole file in a policy, or a file in an export, with a
// persistent path Flatpak refuses is refused before anything is written.
func TestPolicyWholeFileFlatpakRefuses(t *testing.T) {
	w := newWorld(t)
	text := "[Context]\npersistent=.local/a\x1b[2Jb;\n"
	if _, ok := flatpakReads(t, []byte(text)); ok {
		t.Fatal("flatpak accepts the file")
	}
	pol := w.file(t, "policy.json", policyJSON(t, map[string]any{"global": "[Context]\nshared=!network;\n", "org.hostile.App": text}))
	for _, args := range [][]string{{"apply", "--check", pol}, {"apply", pol}, {"apply", "--json", pol}} {
		if r := w.confine(t, args...); r.code != 1 || !strings.Contains(r.stdout+r.stderr, `Non-graphical character \x1B`) {
			t.Errorf("%q:\n%s", args, r)
		}
	}
	ex, _ := json.Marshal(map[string]any{"format": "confine-overrides", "version": 1, "note": "",
		"overrides": map[string]string{"global": "[Context]\nshared=!network;\n", "org.hostile.App": text}})
	if r := w.confine(t, "import", w.file(t, "export.json", ex)); r.code != 1 || !strings.Contains(r.stderr, "refuse") {
		t.Errorf("import:\n%s", r)
	}
	if w.readOverride(t, "global") != nil || w.readOverride(t, "org.hostile.App") != nil {
		t.Error("something was written")
	}
}

// Text from a policy reaches the terminal in diffs and messages.
func TestPolicyHostileText(t *testing.T) {
	w := newWorld(t)
	w.installDemo(t, plainApp)
	pol := w.file(t, "policy.json", policyJSON(t, map[string]any{
		plainApp.ID: map[string]any{"variables": map[string]any{"EVIL": hostileText, "BAD\x1bNAME": "1"}},
	}))
	// Flatpak takes such a name (GLib refuses only "=", "[" and "]"):
	// the diff shows it escaped.
	if r := w.confine(t, "apply", "--check", "--diff", pol); !strings.Contains(r.stdout, `+BAD\x1BNAME=1`) {
		t.Errorf("apply --check --diff:\n%s", r)
	}
	pol = w.file(t, "policy2.json", policyJSON(t, map[string]any{
		plainApp.ID: map[string]any{"variables": map[string]any{"EVIL": hostileText}, "folders": map[string]any{"~/" + hostileText: "ro"},
			"session-bus": map[string]any{"org.a." + hostileText: "talk"}},
	}))
	for _, args := range [][]string{{"apply", "--check", "--diff", pol}, {"apply", "--check", "--diff", "--json", pol}} {
		w.confine(t, args...)
	}
	pol = w.file(t, "policy3.json", policyJSON(t, map[string]any{plainApp.ID: map[string]any{"variables": map[string]any{"EVIL": hostileText}}}))
	if r := w.confine(t, "apply", "--diff", pol); r.code != 3 || !strings.Contains(r.stdout, `+EVIL=Evil\x1B[2J`) {
		t.Errorf("apply --diff:\n%s", r)
	}
	w.confine(t, "show", plainApp.ID)
	w.confine(t, "override", "--show", plainApp.ID)
}

// Policies built to exhaust: deep nesting, many entries, bytes that are
// not UTF-8, a key given twice. Each ends, in time, with one of Confine's
// exit statuses; what they say is checked where it is decided (policy
// tests).
func TestPolicyExhausting(t *testing.T) {
	w := newWorld(t)
	vars := map[string]any{}
	for i := range 20000 {
		vars[fmt.Sprintf("V%05d", i)] = "1"
	}
	cases := map[string][]byte{
		"deep":      []byte(`{"format": "confine-policy", "version": 1, "overrides": {"global": ` + strings.Repeat("[", 9990) + strings.Repeat("]", 9990) + `}}`),
		"deep-open": []byte(strings.Repeat("[", 100000)),
		"many":      policyJSON(t, map[string]any{"global": map[string]any{"variables": vars}}),
		"not-utf8":  []byte("{\"format\": \"confine-policy\", \"version\": 1, \"overrides\": {\"global\": {\"variables\": {\"A\": \"\xff\xfe\"}}}}"),
		"twice":     []byte(`{"format": "confine-policy", "version": 1, "overrides": {"global": {}, "global": {}}}`),
		"empty":     nil,
		"nul":       []byte("{\x00}"),
	}
	for name, data := range cases {
		p := w.file(t, name+".json", data)
		r := w.confine(t, "apply", "--check", p)
		if name != "many" && name != "not-utf8" && r.code != 1 {
			t.Errorf("%s: accepted:\n%s", name, r)
		}
		if len(r.stderr) > 4096 {
			t.Logf("NOTE %s: the message is %d bytes long", name, len(r.stderr))
		}
	}
}
