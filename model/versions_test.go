package model

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/fptest"
	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/overrides"
)

// versionCase is an app's metadata and the user's override, what Confine
// must say about it under each release, and what that release's `flatpak
// run` grants (recorded, in a Wayland and an X11 session).
type versionCase struct {
	name           string
	metadata, user string // [Context] bodies
	// check is Confine's side; it may look at the recorded launches.
	check func(t *testing.T, d *overrides.Dialect, m *Model, a *App, runs map[string]*fptest.Launch)
}

func findingIDs(fs []Finding) []string {
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	return ids
}

// TestReleasesDisagree holds the cases where Flatpak 1.14, 1.16 and 1.18
// give an app different things, each checked against the real flatpak of
// every release in CONFINE_TEST_FLATPAK: Confine's answer must be that
// release's.
func TestReleasesDisagree(t *testing.T) {
	cases := []versionCase{
		{
			// Built by 1.14 with --socket=fallback-x11; the user followed
			// the old advice and revoked x11.
			name: "fallback-x11 app, x11 revoked", metadata: "sockets=x11;wayland;fallback-x11;\n", user: "sockets=!x11;\n",
			check: func(t *testing.T, d *overrides.Dialect, m *Model, a *App, runs map[string]*fptest.Launch) {
				e := m.Effective(a)
				x11Session := runs["x11"].X11()
				if got := e.AllowedIn(X11, X11Session); got != x11Session {
					t.Errorf("X11 in an X11 session: Confine %v, flatpak %v", got, x11Session)
				}
				if d.Conditional != !x11Session {
					t.Errorf("%s gives X11 in an X11 session: %v", d, x11Session)
				}
				if got := slices.Contains(findingIDs(m.Audit(a)), "display/x11"); got != d.Conditional {
					t.Errorf("lost display reported: %v", got)
				}
			},
		},
		{
			// The same app, untouched: on 1.18 the advisor must not
			// propose !x11, which would do the above.
			name: "fallback-x11 app", metadata: "sockets=x11;wayland;fallback-x11;\nshared=ipc;\n",
			check: func(t *testing.T, d *overrides.Dialect, m *Model, a *App, runs map[string]*fptest.Launch) {
				ids := findingIDs(m.Audit(a))
				if slices.Contains(ids, "revoke/x11") == d.Conditional || slices.Contains(ids, "info/x11-without-wayland") != d.Conditional {
					t.Errorf("findings %v", ids)
				}
				p, err := m.PlanHarden(a, true)
				if err != nil {
					t.Fatal(err)
				}
				if d.Conditional && strings.Contains(string(p.After), "x11") {
					t.Errorf("the plan touches X11 on %s:\n%s", d, p.After)
				}
				if !m.Effective(a).WaylandNative() || runs["wayland"].X11() || !runs["x11"].X11() {
					t.Errorf("not Wayland-native, or flatpak disagrees: %v %v", runs["wayland"].X11(), runs["x11"].X11())
				}
			},
		},
		{
			name: "fallback-x11 app, wayland revoked", metadata: "sockets=fallback-x11;wayland;\n", user: "sockets=!wayland;\n",
			check: func(t *testing.T, d *overrides.Dialect, m *Model, a *App, runs map[string]*fptest.Launch) {
				e := m.Effective(a)
				display := runs["wayland"].X11() || runs["wayland"].Wayland()
				if got := e.Display(WaylandSession); got != display {
					t.Errorf("display in a Wayland session: Confine %v, flatpak %v", got, display)
				}
				if display == d.Conditional {
					t.Errorf("%s: display in a Wayland session %v", d, display)
				}
				if got := slices.Contains(findingIDs(m.Audit(a)), "display/wayland"); got != d.Conditional {
					t.Errorf("lost display reported: %v", got)
				}
			},
		},
		{
			// 1.18 writes this for --socket-if=x11:!has-wayland.
			name: "conditional x11", metadata: "sockets=wayland;x11;if:x11:!has-wayland;\n",
			check: func(t *testing.T, d *overrides.Dialect, m *Model, a *App, runs map[string]*fptest.Launch) {
				e := m.Effective(a)
				if e.WaylandNative() != d.Conditional || runs["wayland"].X11() == d.Conditional {
					t.Errorf("Wayland-native %v; X11 in a Wayland session %v", e.WaylandNative(), runs["wayland"].X11())
				}
				if r := RatingOf(m.Audit(a)); d.Conditional && r != RatingSafe {
					t.Errorf("rated %v", r)
				}
				st := e.StatusIn(X11, WaylandSession)
				if d.Conditional && (!st.Conditional() || ConditionsText(d, st.Conditions, English) != "Only when no Wayland session is running") {
					t.Errorf("status %+v", st)
				}
			},
		},
		{
			name: "grants under false conditions", metadata: "shared=network;if:network:false;\ndevices=dri;all;if:all:false;\n",
			check: func(t *testing.T, d *overrides.Dialect, m *Model, a *App, runs map[string]*fptest.Launch) {
				e := m.Effective(a)
				for kind, l := range runs {
					s := overrides.Session{Wayland: kind == "wayland"}
					if got, want := e.AllowedIn(Network, s), !l.Has("--unshare-net"); got != want {
						t.Errorf("%s session: network Confine %v, flatpak %v", kind, got, want)
					}
					if got, want := e.AllowedIn(AllDevices, s), l.Has("--dev-bind", "/dev", "/dev"); got != want {
						t.Errorf("%s session: all devices Confine %v, flatpak %v", kind, got, want)
					}
				}
				ids := findingIDs(m.Audit(a))
				if slices.Contains(ids, "revoke/network") == d.Conditional || slices.Contains(ids, "revoke/device-all") == d.Conditional {
					t.Errorf("findings %v", ids)
				}
			},
		},
		{
			// Flathub's conditional: 1.18.1 grants all devices anyway
			// (a bug fixed in 1.19), and Confine says so.
			name: "all devices without input devices", metadata: "devices=dri;all;if:all:!has-input-device;\n",
			check: func(t *testing.T, d *overrides.Dialect, m *Model, a *App, runs map[string]*fptest.Launch) {
				e := m.Effective(a)
				got, flatpak := e.AllowedIn(AllDevices, X11Session), runs["x11"].Has("--dev-bind", "/dev", "/dev")
				if got != flatpak || !flatpak {
					t.Errorf("all devices: Confine %v, flatpak %v", got, flatpak)
				}
				if st := e.StatusIn(AllDevices, X11Session); d.Conditional && !strings.Contains(ConditionsText(d, st.Conditions, English), "fixed in Flatpak 1.19") {
					t.Errorf("the 1.18.1 bug is not named: %q", ConditionsText(d, st.Conditions, English))
				}
			},
		},
		{
			name: "host-root", metadata: "filesystems=host-root;\n",
			check: func(t *testing.T, d *overrides.Dialect, m *Model, a *App, runs map[string]*fptest.Launch) {
				bound := runs["x11"].Has("--bind", "/", "/run/host/root")
				if bound != d.Conditional {
					t.Errorf("%s binds / read-write: %v", d, bound)
				}
				ids := findingIDs(m.Audit(a))
				if slices.Contains(ids, "escape/write:host-root") != d.Conditional {
					t.Errorf("findings %v", ids)
				}
				if r := RatingOf(m.Audit(a)); (r == RatingUnsafe) != d.Conditional {
					t.Errorf("rated %v", r)
				}
			},
		},
	}
	fptest.ForEachOracle(t, func(t *testing.T, o fptest.Oracle) {
		w := newLayerWorld(t, o)
		sessions := map[string]*fptest.Session{"wayland": fptest.NewSession(t, true, ":99"), "x11": fptest.NewSession(t, false, ":99")}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				w.set(t, tc.metadata, tc.user)
				m := w.model(t)
				a := m.Find(layersApp)[0]
				runs := map[string]*fptest.Launch{}
				for kind, s := range sessions {
					where := installFlag(a)
					l, err := w.inst.RecordRun(s, where, layersApp)
					if err != nil {
						t.Fatal(err)
					}
					runs[kind] = l
				}
				tc.check(t, m.Dialect, m, a, runs)
			})
		}
	})
}

// set writes the app's metadata (both copies) and the user's override,
// and clears the other layers.
func (w *layerWorld) set(t *testing.T, metadata, user string) {
	t.Helper()
	for _, deploy := range w.deploys {
		md := "[Application]\nname=" + layersApp + "\nruntime=" + fptest.RuntimeID + "/x86_64/1\ncommand=run\n\n[Context]\n" + metadata
		if err := os.WriteFile(filepath.Join(deploy, "metadata"), []byte(md), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range w.layerFiles {
		os.Remove(p)
	}
	if user != "" {
		p := filepath.Join(w.inst.User, "overrides", layersApp)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("[Context]\n"+user), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEditsWriteWhatTheReleaseMeans: turning a conditional grant off writes
// a revocation the release reads as "never" (1.18 drops the conditions
// too), and turning it on grants it outright; the release's flatpak agrees.
func TestEditsWriteWhatTheReleaseMeans(t *testing.T) {
	fptest.ForEachOracle(t, func(t *testing.T, o fptest.Oracle) {
		w := newLayerWorld(t, o)
		sessions := []*fptest.Session{fptest.NewSession(t, true, ":99"), fptest.NewSession(t, false, ":99")}
		for _, tc := range []struct {
			metadata, user string
			want           overrides.State
		}{
			{"sockets=wayland;\n", "sockets=x11;if:x11:!has-wayland;\n", overrides.Revoke},
			{"sockets=wayland;\n", "sockets=!x11;x11;if:x11:!has-wayland;\n", overrides.Grant},
			{"sockets=wayland;\n", "sockets=x11;if:x11:!has-wayland;if:x11:has-usb-portal;\n", overrides.Revoke},
			// An app built with --socket=fallback-x11: X11 off means off in
			// X11 sessions too, on means on in Wayland sessions too.
			{"sockets=x11;wayland;fallback-x11;\n", "", overrides.Revoke},
			{"sockets=x11;wayland;fallback-x11;\n", "", overrides.Grant},
			{"sockets=wayland;fallback-x11;\n", "", overrides.Grant},
		} {
			w.set(t, tc.metadata, tc.user)
			m := w.model(t)
			a := m.Find(layersApp)[0]
			if _, err := m.SetFixed(a, overrides.KeySockets, X11.Value, tc.want); err != nil {
				t.Fatal(err)
			}
			data, _ := m.User.Read(a.ID)
			if m.Dialect.Conditional && strings.Contains(string(data), "if:") {
				t.Errorf("%q → %v left conditions: %q", tc.user, tc.want, data)
			}
			for _, s := range sessions {
				where := installFlag(a)
				l, err := w.inst.RecordRun(s, where, layersApp)
				if err != nil {
					t.Fatal(err)
				}
				if l.X11() != (tc.want == overrides.Grant) {
					t.Errorf("%q → %v wrote %q: flatpak gives X11 %v (Wayland session %v)", tc.user, tc.want, data, l.X11(), s.Wayland)
				}
				if got := m.Effective(a).AllowedIn(X11, overrides.Session{Wayland: s.Wayland}); got != l.X11() {
					t.Errorf("Confine says X11 %v, flatpak %v", got, l.X11())
				}
			}
		}
	})
}

// TestUSBPortalCondition: the real portal frontend of Debian 13
// (xdg-desktop-portal 1.20) on the session bus, once offering the USB
// portal and once not. Confine finds the portal where Flatpak does, and
// USB devices granted only with or only without it are given exactly when
// the release's flatpak gives them. Plain grants and revocations are the
// control: they show that the recording sees USB at all.
func TestUSBPortalCondition(t *testing.T) {
	withPortal, without := portaltest.NewBus(t, false), portaltest.NewBus(t, false)
	withPortal.StartPortalOf(t, "trixie", "org.freedesktop.impl.portal.Usb")
	without.StartPortalOf(t, "trixie")
	fptest.ForEachOracle(t, func(t *testing.T, o fptest.Oracle) {
		w := newLayerWorld(t, o)
		if !w.d.Knows(overrides.KeyDevices, "usb") {
			t.Logf("Flatpak %s has no USB devices permission: nothing to compare", o.Version)
			return
		}
		type session struct {
			run    *fptest.Session
			portal bool
		}
		var sessions []session
		for _, b := range []*portaltest.Bus{withPortal, without} {
			s := fptest.NewSession(t, true, ":99")
			s.Bus = b.Address
			found := DetectSession(MapEnv(map[string]string{"DBUS_SESSION_BUS_ADDRESS": b.Address, "XDG_RUNTIME_DIR": s.RuntimeDir}))
			if found.USBPortal != (b == withPortal) {
				t.Fatalf("Confine finds the USB portal %v on the bus where it is %v", found.USBPortal, b == withPortal)
			}
			sessions = append(sessions, session{s, found.USBPortal})
		}
		cases := []struct {
			metadata, user string
			conditional    bool
		}{
			{"devices=dri;\n", "devices=usb;\n", false},
			{"devices=usb;\n", "devices=!usb;\n", false},
			{"devices=dri;\n", "devices=usb;if:usb:has-usb-portal;\n", true},
			{"devices=dri;\n", "devices=usb;if:usb:!has-usb-portal;\n", true},
			{"devices=usb;if:usb:!has-usb-portal;\n", "", true},
		}
		for _, tc := range cases {
			if tc.conditional && !w.d.Conditional {
				continue
			}
			w.set(t, tc.metadata, tc.user)
			m := w.model(t)
			a := m.Find(layersApp)[0]
			given := map[bool]bool{}
			for _, s := range sessions {
				l, err := w.inst.RecordRun(s.run, installFlag(a), layersApp)
				if err != nil {
					t.Fatal(err)
				}
				given[s.portal] = l.USB()
				if got := m.Effective(a).AllowedIn(USB, overrides.Session{Wayland: true, USBPortal: s.portal}); got != l.USB() {
					t.Errorf("metadata %q, override %q, USB portal %v: Confine says USB %v, flatpak %v", tc.metadata, tc.user, s.portal, got, l.USB())
				}
			}
			if given[true] == given[false] && tc.conditional {
				t.Errorf("metadata %q, override %q: flatpak gives USB %v with the portal and without", tc.metadata, tc.user, given[true])
			}
			if !tc.conditional && given[true] != strings.Contains(tc.user, "=usb") {
				t.Errorf("override %q: flatpak gives USB %v", tc.user, given[true])
			}
		}
	})
}

// TestBrokenFilesAreFindingsWithRepair: files a release refuses or crashes
// on are reported as such, and Repair makes them usable for that release's
// flatpak while removing nothing else.
func TestBrokenFilesAreFindingsWithRepair(t *testing.T) {
	fptest.ForEachOracle(t, func(t *testing.T, o fptest.Oracle) {
		w := newLayerWorld(t, o)
		for _, user := range []string{"sockets=wayland;x11:foo;\nshared=network;\n", "sockets=;\n", "devices=dri;;all;\n",
			"shared=network;\n\n[USB Devices]\nenumerable-devices=1234:5678;vnd:091e;\n"} {
			w.set(t, "sockets=wayland;\n", user)
			m := w.model(t)
			a := m.Find(layersApp)[0]
			_, flatpakErr := w.inst.Run("info", "--show-permissions", layersApp)
			var broken *Finding
			for _, f := range m.Audit(a) {
				if f.ID == "broken/user" {
					f := f
					broken = &f
				}
			}
			if (broken != nil) != (flatpakErr != nil) {
				t.Fatalf("%q: Confine reports it broken: %v; flatpak %s: %v", user, broken != nil, o.Version, flatpakErr)
			}
			if broken == nil {
				continue
			}
			if !broken.Repair {
				t.Fatalf("%q: no repair offered: %+v", user, broken)
			}
			if _, err := m.Repair(a); err != nil {
				t.Fatal(err)
			}
			if out, err := w.inst.Run("info", "--show-permissions", layersApp); err != nil {
				t.Fatalf("%q: flatpak still refuses the repaired file: %v", user, err)
			} else if strings.Contains(user, "network") && !strings.Contains(out, "network") {
				t.Fatalf("%q: repair removed more than the bad entries:\n%s", user, out)
			}
		}
	})
}

// TestDisplayLostBy: the window asks before a switch takes an app's display
// away; on 1.18 that is turning X11 off for an app that falls back to X11.
func TestDisplayLostBy(t *testing.T) {
	w := newWorld(t)
	w.install("system", "org.example.App", "[Application]\nname=org.example.App\n\n[Context]\nsockets=fallback-x11;wayland;\n")
	for _, tc := range []struct {
		version string
		key     string
		name    string
		want    overrides.State
		lost    string
	}{
		{"1.18.1", overrides.KeySockets, "x11", overrides.Revoke, "X11"},
		{"1.18.1", overrides.KeySockets, "wayland", overrides.Revoke, "Wayland"},
		{"1.18.1", overrides.KeySockets, "x11", overrides.Grant, ""},
		// Before 1.18, X11 off also takes fallback-x11 (else X11 stays in
		// X11 sessions).
		{"1.14.10", overrides.KeySockets, "x11", overrides.Revoke, "X11"},
		{"1.14.10", overrides.KeySockets, "wayland", overrides.Revoke, ""},
		{"1.14.10", overrides.KeySockets, "fallback-x11", overrides.Revoke, "X11"},
	} {
		env := w.env()
		env = env.With(map[string]string{"CONFINE_FLATPAK_VERSION": tc.version})
		m := Load(env)
		a, _ := m.App("org.example.App")
		if got := strings.Join(m.DisplayLostBy(a, tc.key, tc.name, tc.want), ","); got != tc.lost {
			t.Errorf("%s: %s %v loses the display in %q, want %q", tc.version, tc.name, tc.want, got, tc.lost)
		}
	}
}

// A row whose state is not what the user's file says explains why: on
// 1.14, "!x11" leaves an app that falls back to X11 with X11 in an X11
// session; on 1.18 the same file takes X11 away, and the two agree.
func TestWhyTheStateDiffersFromTheFile(t *testing.T) {
	w := newWorld(t)
	w.install("user", "org.example.Fallback", "[Application]\nname=org.example.Fallback\n\n[Context]\nsockets=x11;wayland;fallback-x11;\n")
	w.write("user/overrides/org.example.Fallback", "[Context]\nsockets=!x11;\n")
	for _, c := range []struct {
		version string
		why     bool
	}{{"1.14.10", true}, {"1.16.6", true}, {"1.18.1", false}} {
		m := Load(w.env("CONFINE_FLATPAK_VERSION", c.version))
		a, _ := m.App("org.example.Fallback")
		st := m.Effective(a).StatusIn(X11, X11Session)
		format, args := st.Why(m.Dialect, X11, SourceUser)
		if (format != "") != c.why || c.why && (!st.Now || len(args) != 2 || args[0] != m.Dialect.Name || args[1] != FallbackX11.Title) {
			t.Errorf("%s: X11 now %v, why %q %v", c.version, st.Now, format, args)
		}
		// Wayland: the file says nothing of it, so nothing to explain.
		if f, _ := m.Effective(a).StatusIn(Wayland, X11Session).Why(m.Dialect, Wayland, SourceUser); f != "" {
			t.Errorf("%s: Wayland explained: %q", c.version, f)
		}
	}
}
