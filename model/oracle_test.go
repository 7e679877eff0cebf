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
		for n, p := range names {
			switch {
			case p.Allowed:
			case len(p.Conditions) > 0:
				// Printed "x;if:x:C", which reads back without a reset.
				p.Reset = false
				names[n] = p
			default:
				delete(names, n)
			}
		}
	}
	for loc, m := range c.Filesystems {
		if m == overrides.ModeNone {
			delete(c.Filesystems, loc)
		}
	}
	for _, bus := range []map[string]overrides.BusPolicy{c.SessionBus, c.SystemBus} {
		for n, p := range bus {
			if p == overrides.PolicyNone {
				delete(bus, n)
			}
		}
	}
	return c.Canonical()
}

func flatpakShown(t *testing.T, d *overrides.Dialect, out string) string {
	t.Helper()
	f, err := overrides.Parse([]byte(out))
	if err != nil {
		t.Fatalf("cannot parse flatpak's output %q: %v", out, err)
	}
	c, probs := f.Context(d)
	if p := overrides.FatalProblem(probs); p != nil {
		t.Fatalf("flatpak printed something Confine refuses: %v", p)
	}
	return c.Canonical()
}

// randomLayer writes a random but valid override (or metadata [Context])
// for release d, with its newer syntax where it has it.
// Without buses it names no bus (a recorded run cannot start the bus
// proxy).
func randomLayer(r *rand.Rand, d *overrides.Dialect, buses bool) *overrides.File {
	pick := func(s ...string) string { return s[r.Intn(len(s))] }
	f := overrides.NewFile()
	for i := r.Intn(7); i > 0; i-- {
		var op overrides.Op
		switch r.Intn(9) {
		case 0:
			op = overrides.Op{Flag: pick("share", "unshare"), Value: pick("network", "ipc")}
		case 1:
			op = overrides.Op{Flag: pick("socket", "nosocket"), Value: pick("x11", "wayland", "fallback-x11", "pulseaudio", "cups", "ssh-auth")}
		case 2:
			op = overrides.Op{Flag: pick("device", "nodevice", "allow", "disallow"), Value: pick("dri", "all")}
			if strings.Contains(op.Flag, "allow") {
				op.Value = pick("devel", "bluetooth")
			}
			if d.NewerNames && r.Intn(3) == 0 && strings.Contains(op.Flag, "device") {
				op.Value = pick("input", "usb")
			}
		case 3, 4:
			loc := pick("home", "host", "xdg-download", "xdg-music", "~/Games", "/opt/data", "xdg-config/app")
			if d.Conditional && r.Intn(4) == 0 {
				loc = "host-root"
			}
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
		case 6:
			if d.USB {
				op = overrides.Op{Flag: pick("usb", "nousb"), Value: pick("all", "vnd:091e", "cls:03:*", "vnd:1234+dev:0001")}
				break
			}
			fallthrough
		case 7:
			if d.Conditional {
				flag := pick("socket-if", "socket-if", "device-if", "share-if")
				name := map[string][]string{"socket-if": {"x11", "wayland", "pulseaudio"}, "device-if": {"dri", "all", "input"}, "share-if": {"network"}}[flag]
				op = overrides.Op{Flag: flag, Value: name[r.Intn(len(name))] + ":" + pick("has-wayland", "!has-wayland", "true", "false", "!has-input-device", "has-input-device", "!has-usb-portal", "nonsense")}
				break
			}
			fallthrough
		default:
			op = overrides.Op{Flag: pick("talk-name", "no-talk-name", "own-name", "system-talk-name", "system-no-talk-name"), Value: pick("org.a.b", "org.c.*", "org.freedesktop.secrets")}
			if !buses {
				op = overrides.Op{Flag: pick("share", "unshare"), Value: "network"}
			}
		}
		if err := f.ApplyOps(d, []overrides.Op{op}); err != nil {
			panic(err)
		}
	}
	return f
}

// installFlag is the flatpak option that names a's installation.
func installFlag(a *App) string {
	if a.Installation.Kind == KindSystem {
		return "--system"
	}
	return "--user"
}

// layerWorld is one app installed in a user and a system installation with
// the oracle's flatpak, and the files of its four override layers.
type layerWorld struct {
	inst       *fptest.Installation
	d          *overrides.Dialect
	deploys    map[bool]string
	layerFiles []string
	version    string
}

const layersApp = "org.confine.Layers"

func newLayerWorld(t *testing.T, o fptest.Oracle) *layerWorld {
	inst := fptest.NewWith(t, o)
	inst.Install(fptest.App{ID: layersApp}, false)
	inst.Install(fptest.App{ID: layersApp}, true)
	return &layerWorld{inst: inst, d: DialectOf(MustVersion(o.Version)), version: o.Version,
		deploys: map[bool]string{false: inst.Deploy(layersApp, false), true: inst.Deploy(layersApp, true)},
		layerFiles: []string{
			filepath.Join(inst.System, "overrides", "global"), filepath.Join(inst.System, "overrides", layersApp),
			filepath.Join(inst.User, "overrides", "global"), filepath.Join(inst.User, "overrides", layersApp),
		}}
}

// randomize writes random metadata for both copies and random files in
// about 70% of the override layers, and says what it wrote.
func (w *layerWorld) randomize(t *testing.T, r *rand.Rand, buses bool) string {
	var written []string
	for _, system := range []bool{false, true} {
		md := randomLayer(r, w.d, buses)
		md.KeyFile().SetValue("Application", "name", layersApp)
		md.KeyFile().SetValue("Application", "runtime", fptest.RuntimeID+"/x86_64/1")
		md.KeyFile().SetValue("Application", "command", "run")
		if err := os.WriteFile(filepath.Join(w.deploys[system], "metadata"), md.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		written = append(written, fmt.Sprintf("metadata(system=%v):\n%s", system, md.Bytes()))
	}
	for _, p := range w.layerFiles {
		os.Remove(p)
		if r.Intn(10) < 7 {
			os.MkdirAll(filepath.Dir(p), 0o755)
			data := randomLayer(r, w.d, buses).Bytes()
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			written = append(written, p+":\n"+string(data))
		}
	}
	sort.Strings(written)
	return strings.Join(written, "\n")
}

// model loads the world as Confine sees it, with the oracle's version.
func (w *layerWorld) model(t *testing.T) *Model {
	vars := w.inst.Vars()
	vars["CONFINE_FLATPAK_VERSION"] = w.version
	m := Load(MapEnv(vars))
	if m.Dialect != w.d {
		t.Fatalf("Confine speaks %s for Flatpak %s", m.Dialect, w.version)
	}
	if len(m.Find(layersApp)) != 2 {
		t.Fatalf("want the app in two installations, got %d", len(m.Find(layersApp)))
	}
	return m
}

// TestEffectiveMatchesFlatpakInfo installs one app in a user and a system
// installation with each release's flatpak, then, for random metadata and
// random overrides in all four override layers (with the release's newer
// syntax: conditions, USB queries, host-root), compares Confine's merge with
// `flatpak info --show-permissions` for both copies.
func TestEffectiveMatchesFlatpakInfo(t *testing.T) {
	fptest.ForEachOracle(t, func(t *testing.T, o fptest.Oracle) {
		w := newLayerWorld(t, o)
		for seed := 1; seed <= *layerSeeds; seed++ {
			written := w.randomize(t, rand.New(rand.NewSource(int64(seed))), true)
			m := w.model(t)
			for _, a := range m.Find(layersApp) {
				where := installFlag(a)
				out, err := w.inst.Run(where, "info", "--show-permissions", layersApp)
				if err != nil {
					t.Fatal(err)
				}
				want := flatpakShown(t, m.Dialect, out)
				got := shown(m.Effective(a))
				if got != want {
					t.Fatalf("seed %d, %s copy:\nConfine:\n%s\nflatpak:\n%s\nlayers:\n%s", seed, where, got, want, written)
				}
			}
		}
	})
}

var runSeeds = flag.Int("oracle.runs", 40, "random layer stacks whose grants are compared with what flatpak run asks bubblewrap for")

// TestGrantsMatchFlatpakRun checks Confine's evaluation — conditions,
// fallback-x11, the order of layers — against what each release's `flatpak
// run` actually grants: bubblewrap is replaced by a recorder, and the app
// is started in a simulated Wayland session (a listening wayland-0 socket)
// and an X11 session, for random layer stacks.
func TestGrantsMatchFlatpakRun(t *testing.T) {
	fptest.ForEachOracle(t, func(t *testing.T, o fptest.Oracle) {
		w := newLayerWorld(t, o)
		sessions := map[string]*fptest.Session{"wayland": fptest.NewSession(t, true, ":99"), "x11": fptest.NewSession(t, false, ":99")}
		for seed := 1; seed <= *runSeeds; seed++ {
			written := w.randomize(t, rand.New(rand.NewSource(int64(seed))), false)
			m := w.model(t)
			for _, a := range m.Find(layersApp) {
				where := installFlag(a)
				e := m.Effective(a)
				for kind, s := range sessions {
					l, err := w.inst.RecordRun(s, where, layersApp)
					if err != nil {
						t.Fatal(err)
					}
					sess := overrides.Session{Wayland: s.Wayland}
					check := func(what string, confine, flatpak bool) {
						t.Helper()
						if confine != flatpak {
							t.Fatalf("seed %d, %s copy, %s session: %s: Confine says %v, flatpak run %v\nlayers:\n%s\nbwrap:\n%s", seed, where, kind, what, confine, flatpak, written, l)
						}
					}
					check("X11", e.AllowedIn(X11, sess), l.X11())
					check("Wayland", e.AllowedIn(Wayland, sess) && s.Wayland, l.Wayland())
					check("network", e.AllowedIn(Network, sess), !l.Has("--unshare-net"))
					check("all devices", e.AllowedIn(AllDevices, sess), l.Has("--dev-bind", "/dev", "/dev"))
					// Flatpak binds /dev/dri and /dev/input only where the
					// machine has them.
					if exists("/dev/dri") {
						check("GPU", e.AllowedIn(DRI, sess) || e.AllowedIn(AllDevices, sess), hasDev(l, "/dev/dri") || l.Has("--dev-bind", "/dev", "/dev"))
					}
					if m.Dialect.NewerNames && exists("/dev/input") {
						check("input devices", e.AllowedIn(Input, sess) || e.AllowedIn(AllDevices, sess), hasDev(l, "/dev/input") || l.Has("--dev-bind", "/dev", "/dev"))
					}
				}
			}
		}
	})
}

// hasDev reports whether a launch binds a device folder into the sandbox.
func hasDev(l *fptest.Launch, dev string) bool {
	for k := 0; k+2 < len(l.Args); k++ {
		if strings.HasPrefix(l.Args[k], "--dev-bind") && l.Args[k+2] == dev {
			return true
		}
	}
	return false
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }
