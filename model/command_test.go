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
		t.Run(target, func(t *testing.T) {
			want, err := m.User.Load(target)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			cmd := exec.Command("sh", "-c", m.OwnCommand(target))
			cmd.Env = append(os.Environ(), "FLATPAK_USER_DIR="+dir, "LC_ALL=C.UTF-8")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v: %s", m.OwnCommand(target), err, out)
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
				t.Fatalf("%s\nwrote\n%s\nmeaning\n%s\nbut the user's override means\n%s", m.OwnCommand(target), data, gc.Canonical(), wc.Canonical())
			}
		})
	}
	// With no override the command resets.
	if got := m.OwnCommand("org.example.NotThere"); got != "flatpak override --user --reset org.example.NotThere" {
		t.Fatalf("no override: %q", got)
	}
}
