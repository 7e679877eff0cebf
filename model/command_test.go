package model

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/overrides"
)

// TestOwnCommandRecreatesOverride runs the command Show Command offers for
// every override of the demo installation with the real flatpak, in an
// empty installation: the file flatpak writes must mean what the user's
// file means.
func TestOwnCommandRecreatesOverride(t *testing.T) {
	testbin.Need(t, "flatpak")
	env, err := GenerateDemo(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	m := Load(env)
	targets, err := m.User.List()
	if err != nil || len(targets) < 2 {
		t.Fatalf("the demo should have several user overrides: %v %v", targets, err)
	}
	for _, target := range targets {
		// As one line (confine show's command) and one option per line
		// (the window's Show Command): the shell runs both alike.
		ops, err := m.OwnOps(target)
		if err != nil {
			t.Fatal(err)
		}
		for name, command := range map[string]string{"line": m.OwnCommand(target), "lines": CommandLines(target, ops)} {
			t.Run(target+"/"+name, func(t *testing.T) {
				recreates(t, m, target, command)
			})
		}
	}
	// With no override the command resets.
	if got := m.OwnCommand("org.example.NotThere"); got != "flatpak override --user --reset org.example.NotThere" {
		t.Fatalf("no override: %q", got)
	}
}

// recreates runs command in an empty installation with the real flatpak,
// and compares what it writes with the user's override for target.
func recreates(t *testing.T, m *Model, target, command string) {
	want, err := m.User.Load(target)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command("sh", "-c", command)
	cmd.Env = append(os.Environ(), "FLATPAK_USER_DIR="+dir, "LC_ALL=C.UTF-8")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", command, err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "overrides", target))
	if err != nil {
		t.Fatal(err)
	}
	got, err := overrides.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	gc, _ := got.Context(overrides.Flatpak114)
	wc, _ := want.Context(overrides.Flatpak114)
	if gc.Canonical() != wc.Canonical() {
		t.Fatalf("%s\nwrote\n%s\nmeaning\n%s\nbut the user's override means\n%s", command, data, gc.Canonical(), wc.Canonical())
	}
}
