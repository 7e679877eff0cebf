package model

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/fptest"
	"github.com/confine-app/confine/overrides"
)

var layerSeeds = flag.Int("oracle.seeds", 150, "random layer stacks compared with flatpak info --show-permissions")

// shown renders effective permissions the way `flatpak info
// --show-permissions` prints them: only what is granted (no negations, no
// "none" bus names, no reset marker), as a canonical context.
func shown(e *Effective) string {
	c := e.Context()
	delete(c.Filesystems, overrides.ResetLocation)
	for _, names := range c.Fixed {
		for n, on := range names {
			if !on {
				delete(names, n)
			}
		}
	}
	for loc, m := range c.Filesystems {
		if m == overrides.ModeNone {
			delete(c.Filesystems, loc)
		}
	}
	for _, bus := range []map[string]overrides.Policy{c.SessionBus, c.SystemBus} {
		for n, p := range bus {
			if p == overrides.PolicyNone {
				delete(bus, n)
			}
		}
	}
	return c.Canonical()
}

func flatpakShown(t *testing.T, out string) string {
	t.Helper()
	f, err := overrides.Parse([]byte(out))
	if err != nil {
		t.Fatalf("cannot parse flatpak's output %q: %v", out, err)
	}
	c, probs := f.Context()
	if p := overrides.FatalProblem(probs); p != nil {
		t.Fatalf("flatpak printed something Confine refuses: %v", p)
	}
	return c.Canonical()
}

// randomLayer writes a random but valid override (or metadata [Context]).
func randomLayer(r *rand.Rand) *overrides.File {
	pick := func(s ...string) string { return s[r.Intn(len(s))] }
	f := overrides.NewFile()
	for i := r.Intn(7); i > 0; i-- {
		var op overrides.Op
		switch r.Intn(7) {
		case 0:
			op = overrides.Op{Flag: pick("share", "unshare"), Value: pick("network", "ipc")}
		case 1:
			op = overrides.Op{Flag: pick("socket", "nosocket"), Value: pick("x11", "wayland", "fallback-x11", "pulseaudio", "cups", "ssh-auth")}
		case 2:
			op = overrides.Op{Flag: pick("device", "nodevice", "allow", "disallow"), Value: pick("dri", "all")}
			if strings.Contains(op.Flag, "allow") {
				op.Value = pick("devel", "bluetooth")
			}
		case 3, 4:
			loc := pick("home", "host", "xdg-download", "xdg-music", "~/Games", "/opt/data", "xdg-config/app")
			if r.Intn(10) == 0 {
				op = overrides.Op{Flag: "nofilesystem", Value: "host:reset"}
			} else if r.Intn(3) == 0 {
				op = overrides.Op{Flag: "nofilesystem", Value: loc}
			} else {
				op = overrides.Op{Flag: "filesystem", Value: loc + pick("", ":ro", ":create")}
			}
		case 5:
			op = overrides.Op{Flag: pick("env", "env", "unset-env", "persist"), Value: pick("A", "B", "C")}
			if op.Flag == "env" {
				op.Value += "=" + pick("1", "", "x y")
			}
		default:
			op = overrides.Op{Flag: pick("talk-name", "no-talk-name", "own-name", "system-talk-name", "system-no-talk-name"), Value: pick("org.a.b", "org.c.*", "org.freedesktop.secrets")}
		}
		if err := f.ApplyOps([]overrides.Op{op}); err != nil {
			panic(err)
		}
	}
	return f
}

// TestEffectiveMatchesFlatpakInfo installs one app in a user and a system
// installation with the real flatpak CLI, then, for random metadata and
// random overrides in all four override layers, compares Confine's merge
// with `flatpak info --show-permissions` for both copies.
func TestEffectiveMatchesFlatpakInfo(t *testing.T) {
	inst := fptest.New(t)
	const id = "org.confine.Layers"
	inst.Install(fptest.App{ID: id}, false)
	inst.Install(fptest.App{ID: id}, true)
	deploys := map[bool]string{false: inst.Deploy(id, false), true: inst.Deploy(id, true)}
	layerFiles := []string{
		filepath.Join(inst.System, "overrides", "global"), filepath.Join(inst.System, "overrides", id),
		filepath.Join(inst.User, "overrides", "global"), filepath.Join(inst.User, "overrides", id),
	}
	for seed := 1; seed <= *layerSeeds; seed++ {
		r := rand.New(rand.NewSource(int64(seed)))
		var written []string
		for system, deploy := range deploys {
			md := randomLayer(r)
			md.KeyFile().SetValue("Application", "name", id)
			md.KeyFile().SetValue("Application", "runtime", fptest.RuntimeID+"/x86_64/1")
			md.KeyFile().SetValue("Application", "command", "run")
			if err := os.WriteFile(filepath.Join(deploy, "metadata"), md.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			written = append(written, fmt.Sprintf("metadata(system=%v):\n%s", system, md.Bytes()))
		}
		for _, p := range layerFiles {
			os.Remove(p)
			if r.Intn(10) < 7 {
				os.MkdirAll(filepath.Dir(p), 0o755)
				data := randomLayer(r).Bytes()
				if err := os.WriteFile(p, data, 0o644); err != nil {
					t.Fatal(err)
				}
				written = append(written, p+":\n"+string(data))
			}
		}
		m := Load(MapEnv(inst.Vars()))
		copies := m.Find(id)
		if len(copies) != 2 {
			t.Fatalf("want the app in two installations, got %d", len(copies))
		}
		for _, a := range copies {
			where := "--user"
			if a.Installation.Kind == KindSystem {
				where = "--system"
			}
			out, err := inst.Run(where, "info", "--show-permissions", id)
			if err != nil {
				t.Fatal(err)
			}
			want := flatpakShown(t, out)
			got := shown(m.Effective(a))
			if got != want {
				sort.Strings(written)
				t.Fatalf("seed %d, %s copy:\nConfine:\n%s\nflatpak:\n%s\nlayers:\n%s", seed, where, got, want, strings.Join(written, "\n"))
			}
		}
	}
}
