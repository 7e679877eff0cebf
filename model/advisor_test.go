package model

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-app/confine/overrides"
)

func auditOf(t *testing.T, context string) (map[string]Finding, Rating) {
	t.Helper()
	w := newWorld(t)
	w.install("system", "org.example.App", "[Application]\nname=org.example.App\n\n[Context]\n"+context)
	m := Load(w.env())
	a, err := m.App("org.example.App")
	if err != nil {
		t.Fatal(err)
	}
	fs := m.Audit(a)
	out := map[string]Finding{}
	for _, f := range fs {
		out[f.ID] = f
	}
	return out, RatingOf(fs)
}

func TestFindings(t *testing.T) {
	tests := []struct {
		name, context string
		want, not     []string
		rating        Rating
	}{
		{"read-only home is no write escape", "filesystems=home:ro;\n", []string{"revoke/filesystem:home"}, []string{"escape/write:home"}, RatingPotentiallyUnsafe},
		{"writable home is an escape", "filesystems=home;\n", []string{"escape/write:home", "revoke/filesystem:home"}, nil, RatingUnsafe},
		{"fallback-x11 + wayland is Wayland-native", "sockets=x11;wayland;fallback-x11;\nshared=ipc;\n", []string{"revoke/x11", "revoke/ipc"}, []string{"info/x11"}, RatingSafe},
		{"x11 alone is not", "sockets=x11;\nshared=ipc;\n", []string{"info/x11"}, []string{"revoke/x11", "revoke/ipc"}, RatingPotentiallyUnsafe},
		{"x11 + wayland without fallback is not", "sockets=x11;wayland;\n", []string{"info/x11"}, []string{"revoke/x11"}, RatingPotentiallyUnsafe},
		{"pure wayland is safe", "sockets=wayland;\ndevices=dri;\n", nil, []string{"info/x11", "revoke/x11"}, RatingSafe},
		{"session bus socket", "sockets=wayland;session-bus;\n", []string{"escape/session-bus"}, nil, RatingUnsafe},
		{"system bus socket", "sockets=system-bus;\n", []string{"escape/system-bus"}, nil, RatingUnsafe},
		{"flatpak portal", "sockets=wayland;\n\n[Session Bus Policy]\norg.freedesktop.Flatpak=talk\n", []string{"escape/flatpak-portal"}, nil, RatingUnsafe},
		{"flatpak portal through a wildcard", "sockets=wayland;\n\n[Session Bus Policy]\norg.freedesktop.*=talk\n", []string{"escape/flatpak-portal", "revoke/secrets"}, nil, RatingUnsafe},
		{"seeing the flatpak name is harmless", "sockets=wayland;\n\n[Session Bus Policy]\norg.freedesktop.Flatpak=see\n", nil, []string{"escape/flatpak-portal"}, RatingSafe},
		{"devel", "features=devel;\n", []string{"escape/devel"}, nil, RatingUnsafe},
		{"xdg-config covers autostart", "filesystems=xdg-config;\n", []string{"escape/write:xdg-config"}, nil, RatingUnsafe},
		{"xdg-config/autostart", "filesystems=xdg-config/autostart:create;\n", []string{"escape/write:xdg-config/autostart"}, nil, RatingUnsafe},
		{"a harmless config folder", "filesystems=xdg-config/gtk-3.0;\n", nil, []string{"escape/write:xdg-config/gtk-3.0"}, RatingSafe},
		{"~/.local covers bin and flatpak", "filesystems=~/.local;\n", []string{"escape/write:~/.local"}, nil, RatingUnsafe},
		{"xdg-data/flatpak", "filesystems=xdg-data/flatpak;\n", []string{"escape/write:xdg-data/flatpak"}, nil, RatingUnsafe},
		{"read-only flatpak data is fine", "filesystems=xdg-data/flatpak:ro;\n", nil, []string{"escape/write:xdg-data/flatpak"}, RatingSafe},
		{"shell start-up file", "filesystems=~/.bashrc;\n", []string{"escape/write:~/.bashrc"}, nil, RatingUnsafe},
		{"host", "filesystems=host;\n", []string{"escape/write:host", "revoke/filesystem:host"}, nil, RatingUnsafe},
		{"privacy seeds", "shared=network;\nsockets=pulseaudio;ssh-auth;gpg-agent;\ndevices=all;\nfilesystems=host-os;host-etc;\n\n[Session Bus Policy]\norg.freedesktop.secrets=talk\n",
			[]string{"revoke/network", "revoke/pulseaudio", "revoke/device-all", "revoke/ssh-auth", "revoke/gpg-agent", "revoke/secrets", "revoke/filesystem:host-os", "revoke/filesystem:host-etc"}, nil, RatingPotentiallyUnsafe},
		{"revoked grants are not findings", "shared=!network;\nsockets=!x11;\ndevices=!all;\nfilesystems=!home;\n", nil, []string{"revoke/network", "info/x11", "revoke/device-all", "revoke/filesystem:home"}, RatingSafe},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, rating := auditOf(t, tc.context)
			for _, id := range tc.want {
				if _, ok := got[id]; !ok {
					t.Errorf("missing %s (have %v)", id, keysOf(got))
				}
			}
			for _, id := range tc.not {
				if _, ok := got[id]; ok {
					t.Errorf("unexpected %s", id)
				}
			}
			if rating != tc.rating {
				t.Errorf("rating %v, want %v", rating, tc.rating)
			}
			for id, f := range got {
				if f.Title == "" || f.Reason == "" || f.Fix == "" || (f.Level != LevelInfo && len(f.Ops) == 0) {
					t.Errorf("%s is incomplete: %+v", id, f)
				}
			}
		})
	}
}

func keysOf(m map[string]Finding) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestGlobalFindingsSayWhatFlatpakCannotConfine(t *testing.T) {
	m := Load(newWorld(t).env())
	fs := m.Audit(nil)
	if len(fs) != 1 || !strings.Contains(fs[0].Reason, "seccomp") || !strings.Contains(fs[0].Reason, "/proc") || !strings.Contains(fs[0].Reason, "/sys") {
		t.Fatalf("%+v", fs)
	}
}

// TestHardenDemoApps hardens every demo app with the recommended and the
// suggested fixes: afterwards no recommended finding is left, flatpak reads
// the written file to the same meaning, and undo restores the exact file.
func TestHardenDemoApps(t *testing.T) {
	dir := t.TempDir()
	env, err := GenerateDemo(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	env = env.With(map[string]string{"CONFINE_FLATPAK_VERSION": "1.14.10"})
	m := Load(env)
	_, haveFlatpak := exec.LookPath("flatpak")
	for _, a := range m.Apps {
		if a.Err != nil || a.Shadowed {
			continue
		}
		for _, suggested := range []bool{false, true} {
			p, err := m.PlanHarden(a, suggested)
			if err != nil {
				t.Fatal(err)
			}
			c, err := m.ApplyHarden(p)
			if err != nil {
				t.Fatalf("%s: %v", a.ID, err)
			}
			for _, f := range m.Audit(a) {
				if f.Level == LevelRecommended || (suggested && f.Level == LevelSuggested) {
					t.Errorf("%s (suggested=%v): %s remains after hardening:\n%s", a.ID, suggested, f.ID, p.After)
				}
			}
			if haveFlatpak == nil && p.After != nil {
				// flatpak loads the file and writes it back: same meaning.
				tmp := t.TempDir()
				os.MkdirAll(filepath.Join(tmp, "overrides"), 0o755)
				os.WriteFile(filepath.Join(tmp, "overrides", a.ID), p.After, 0o644)
				cmd := exec.Command("flatpak", "override", "--user", a.ID)
				cmd.Env = append(os.Environ(), "FLATPAK_USER_DIR="+tmp)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("flatpak refuses the hardened file: %v %s", err, out)
				}
				back, _ := os.ReadFile(filepath.Join(tmp, "overrides", a.ID))
				if confineCanon(t, back) != confineCanon(t, p.After) {
					t.Fatalf("%s: flatpak reads\n%s\nConfine wrote\n%s", a.ID, back, p.After)
				}
			}
			if err := m.Undo(c); err != nil {
				t.Fatal(err)
			}
			if got, _ := m.User.Read(a.ID); string(got) != string(p.Before) || (got == nil) != (p.Before == nil) {
				t.Fatalf("%s: undo gave %q, want %q", a.ID, got, p.Before)
			}
		}
	}
}

func confineCanon(t *testing.T, data []byte) string {
	f, err := overrides.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := f.Context(overrides.Flatpak114)
	return c.Canonical()
}

func TestDismissedFindingsAreRememberedAndNotApplied(t *testing.T) {
	w := newWorld(t)
	w.install("system", "org.example.App", "[Application]\nname=org.example.App\n\n[Context]\nsockets=x11;wayland;fallback-x11;\nshared=network;\n")
	m := Load(w.env())
	a, _ := m.App("org.example.App")
	if err := m.Dismiss(a.ID, "revoke/x11", true); err != nil {
		t.Fatal(err)
	}
	m = Load(w.env()) // a new run
	a, _ = m.App("org.example.App")
	p, err := m.PlanHarden(a, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range p.Ops {
		if o.Value == "x11" {
			t.Fatalf("dismissed finding applied: %v", p.Ops)
		}
	}
	var found bool
	for _, f := range m.Audit(a) {
		found = found || (f.ID == "revoke/x11" && f.Dismissed)
	}
	if !found {
		t.Fatal("dismissed finding not marked")
	}
	if err := m.Dismiss(a.ID, "revoke/x11", false); err != nil {
		t.Fatal(err)
	}
	if m.Dismissed(a.ID)["revoke/x11"] {
		t.Fatal("undismiss did not stick")
	}
	if err := m.Dismiss("../x", "a", true); err == nil {
		t.Fatal("bad target accepted")
	}
}

func TestDiff(t *testing.T) {
	got := Diff([]byte("[Context]\nshared=network;\n"), []byte("[Context]\nshared=!network;\nsockets=!x11;\n"))
	want := "  [Context]\n- shared=network;\n+ shared=!network;\n+ sockets=!x11;\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if Diff(nil, []byte("[G]\n")) != "+ [G]\n" {
		t.Fatal("diff from nothing")
	}
}

func TestUpdateThatWidensIsReportedUntilAcknowledged(t *testing.T) {
	w := newWorld(t)
	md := "[Application]\nname=org.example.App\n\n[Context]\nsockets=wayland;\nfilesystems=xdg-music:ro;\n"
	w.install("system", "org.example.App", md)
	m := Load(w.env())
	a, _ := m.App("org.example.App")
	for _, f := range m.Audit(a) {
		if strings.HasPrefix(f.ID, "update/") {
			t.Fatalf("first sight reported as an update: %+v", f)
		}
	}
	// The update adds network, home and a bus name.
	w.installVersion("system", "org.example.App", "2",
		"[Application]\nname=org.example.App\n\n[Context]\nsockets=wayland;\nshared=network;\nfilesystems=xdg-music:ro;home;\n\n[Session Bus Policy]\norg.freedesktop.secrets=talk\n")
	m = Load(w.env())
	a, _ = m.App("org.example.App")
	var upd *Finding
	for _, f := range m.Audit(a) {
		if strings.HasPrefix(f.ID, "update/") {
			f := f
			upd = &f
		}
	}
	if upd == nil {
		t.Fatal("widening update not reported")
	}
	for _, want := range []string{"--share=network", "--filesystem=home", "--talk-name=org.freedesktop.secrets"} {
		if _, reason := upd.Text(English); !strings.Contains(reason, want) {
			t.Errorf("gained list %q lacks %s", reason, want)
		}
	}
	if _, reason := upd.Text(English); strings.Contains(reason, "xdg-music") || strings.Contains(reason, "wayland") {
		t.Errorf("old grants reported as gained: %q", reason)
	}
	// Its fix revokes exactly what was gained.
	if _, err := m.Override(a.ID, upd.Ops); err != nil {
		t.Fatal(err)
	}
	e := m.Effective(a)
	if on, _ := e.FixedOn(overrides.KeyShared, "network"); on || e.Socket("wayland") == false {
		t.Fatal("fix did not revoke exactly the gained grants")
	}
	if mode, _ := e.FilesystemMode("xdg-music"); mode != overrides.ModeRead {
		t.Fatal("fix touched an old grant")
	}
	// Accepting it (dismiss) records the new declaration.
	if err := m.Dismiss(a.ID, upd.ID, true); err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Audit(a) {
		if strings.HasPrefix(f.ID, "update/") {
			t.Fatal("acknowledged update still reported")
		}
	}
}

// TestNewFlatpakIsNoUpdate: the same deployment read by Flatpak 1.18,
// which understands conditions and host-root that 1.14 skipped, is not an
// app update; a real update afterwards reports only what it added.
func TestNewFlatpakIsNoUpdate(t *testing.T) {
	w := newWorld(t)
	md := "[Application]\nname=org.example.App\n\n[Context]\nsockets=wayland;x11;if:x11:!has-wayland;\nfilesystems=host-root:ro;\n"
	w.install("system", "org.example.App", md)
	updates := func(version string) []string {
		m := Load(w.env("CONFINE_FLATPAK_VERSION", version))
		a, _ := m.App("org.example.App")
		var ids []string
		for _, f := range m.Audit(a) {
			if strings.HasPrefix(f.ID, "update/") {
				_, reason := f.Text(English)
				ids = append(ids, reason)
			}
		}
		return ids
	}
	if got := updates("1.14.10"); len(got) != 0 {
		t.Fatalf("first sight reported: %v", got)
	}
	if got := updates("1.18.1"); len(got) != 0 {
		t.Fatalf("a new Flatpak reported as an app update: %v", got)
	}
	w.installVersion("system", "org.example.App", "2", md+"shared=network;\n")
	got := updates("1.18.1")
	if len(got) != 1 || !strings.Contains(got[0], "--share=network") || strings.Contains(got[0], "host-root") || strings.Contains(got[0], "x11") {
		t.Fatalf("the update reports %v; want only --share=network", got)
	}
}

func TestLockStopsUpdatesFromWidening(t *testing.T) {
	w := newWorld(t)
	md := "[Application]\nname=org.example.App\n\n[Context]\nsockets=wayland;\nfilesystems=xdg-music:ro;\n"
	w.install("system", "org.example.App", md)
	m := Load(w.env())
	a, _ := m.App("org.example.App")
	before := m.Effective(a).Context().Canonical()
	if _, err := m.Lock(a); err != nil {
		t.Fatal(err)
	}
	lockedNow := shownNoNegations(m.Effective(a))
	// A later update asks for much more.
	w.installVersion("system", "org.example.App", "2",
		"[Application]\nname=org.example.App\n\n[Context]\nsockets=wayland;x11;pulseaudio;session-bus;\nshared=network;ipc;\ndevices=all;\nfeatures=devel;\nfilesystems=xdg-music:ro;home;host;\n\n[Session Bus Policy]\norg.freedesktop.Flatpak=talk\n")
	m = Load(w.env())
	a, _ = m.App("org.example.App")
	if got := shownNoNegations(m.Effective(a)); got != lockedNow {
		t.Fatalf("locked app widened by an update:\nbefore %s\nafter  %s\n(unlocked effective was %s)", lockedNow, got, before)
	}
}

func shownNoNegations(e *Effective) string { return shown(e) }
