package cli_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-app/confine/cli"
	"github.com/confine-app/confine/internal/fptest"
	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
	"github.com/confine-app/confine/permstore"
	"github.com/confine-app/confine/portals"
)

// These tests run the command line in-process, through cli.Main with an
// injected environment (no binary, no GTK build); the real flatpak CLI is
// the oracle.

type run struct {
	stdout, stderr string
	code           int
}

// confine runs one command line with exactly the variables in env (and
// the Flatpak version the oracle has).
func confine(t *testing.T, env []string, args ...string) run {
	t.Helper()
	vars := map[string]string{"CONFINE_FLATPAK_VERSION": "1.14.10"}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	var out, errb bytes.Buffer
	code := cli.Main(cli.Env{Model: model.MapEnv(vars), Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}, args)
	return run{out.String(), errb.String(), code}
}

// execIn runs a program (the flatpak oracle) with env added to this
// process's environment.
func execIn(t *testing.T, env []string, name string, args ...string) run {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(append(os.Environ(), "DISPLAY="), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return run{out.String(), errb.String(), code}
}

func userEnv(dir string) []string {
	return []string{"FLATPAK_USER_DIR=" + filepath.Join(dir, "user"), "FLATPAK_SYSTEM_DIR=" + filepath.Join(dir, "system"),
		"FLATPAK_CONFIG_DIR=" + filepath.Join(dir, "etc"), "XDG_STATE_HOME=" + filepath.Join(dir, "state"), "HOME=" + dir}
}

// meaning asks an oracle what a file means (it loads it and writes it
// back), read by Confine in the oracle's dialect.
func meaning(t *testing.T, o fptest.Oracle, data []byte) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "user", "overrides", "org.confine.Cli")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, data, 0o644)
	if r := execIn(t, userEnv(dir), o.Bin, "override", "--user", "org.confine.Cli"); r.code != 0 {
		t.Fatalf("flatpak %s refuses %q: %s", o.Version, data, r.stderr)
	}
	back, _ := os.ReadFile(p)
	f, err := overrides.Parse(back)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := f.Context(model.DialectOf(model.MustVersion(o.Version)))
	return c.Canonical()
}

// versionEnv is the environment for Confine to speak an oracle's release.
func versionEnv(o fptest.Oracle, env []string) []string {
	return append(env, "CONFINE_FLATPAK_VERSION="+o.Version)
}

func randomFlags(r *rand.Rand, d *overrides.Dialect) []string {
	pick := func(s ...string) string { return s[r.Intn(len(s))] }
	var out []string
	for i := 0; i < 1+r.Intn(5); i++ {
		switch r.Intn(8) {
		case 0:
			out = append(out, "--"+pick("share", "unshare")+"="+pick("network", "ipc", "bogus"))
		case 1:
			out = append(out, "--"+pick("socket", "nosocket")+"="+pick("x11", "wayland", "fallback-x11", "pulseaudio", "cups", "inherit-wayland-socket"))
		case 2:
			out = append(out, "--"+pick("device", "nodevice", "allow", "disallow")+"="+pick("dri", "all", "devel", "bluetooth", "input", "usb"))
		case 3:
			out = append(out, "--"+pick("filesystem", "nofilesystem")+"="+pick("home", "~/Music", "xdg-download/x", "/opt/a//b/", "host:reset", "xdg-run", "/a/../b", "host-root")+pick("", ":ro", ":create"))
		case 4:
			out = append(out, "--"+pick("env", "unset-env", "persist")+"="+pick("A=1", "B", "C=x;y"))
		case 5:
			if d.USB || r.Intn(10) == 0 {
				out = append(out, pick("--usb=", "--nousb=")+pick("vnd:091E", "cls:03:*", "vnd:1234+dev:0001", "1234:5678"), "--a11y-own-name="+pick("org.a.b", "bad"))
				continue
			}
			fallthrough
		case 6:
			if d.Conditional || r.Intn(10) == 0 {
				out = append(out, "--"+pick("socket-if", "device-if", "share-if")+"="+pick("x11", "all", "network", "fallback-x11")+":"+pick("!has-wayland", "true", "!has-input-device", "has-usb-portal"))
				continue
			}
			fallthrough
		default:
			out = append(out, "--"+pick("talk-name", "no-talk-name", "own-name", "system-talk-name")+"="+pick("org.a.b", "org.c.*", "bad"))
		}
	}
	return out
}

// TestOverrideLikeFlatpak runs the same random option sets through each
// release's `flatpak override --user` and `confine override` speaking that
// release, in two installations.
func TestOverrideLikeFlatpak(t *testing.T) {
	fptest.ForEachOracle(t, func(t *testing.T, o fptest.Oracle) {
		d := model.DialectOf(model.MustVersion(o.Version))
		for seed := int64(1); seed <= 40; seed++ {
			r := rand.New(rand.NewSource(seed))
			fpDir, cfDir := t.TempDir(), t.TempDir()
			for inv := 0; inv < 1+r.Intn(3); inv++ {
				flags := randomFlags(r, d)
				fp := execIn(t, userEnv(fpDir), o.Bin, append(append([]string{"override", "--user"}, flags...), "org.confine.Cli")...)
				cf := confine(t, versionEnv(o, userEnv(cfDir)), append(append([]string{"override", "--user"}, flags...), "org.confine.Cli")...)
				if (fp.code == 0) != (cf.code == 0) {
					t.Fatalf("seed %d %v: flatpak rc %d (%s), confine rc %d (%s)", seed, flags, fp.code, fp.stderr, cf.code, cf.stderr)
				}
				if cf.code != 0 && !strings.HasPrefix(cf.stderr, "confine override: ") {
					t.Fatalf("error not one clear line: %q", cf.stderr)
				}
				a, _ := os.ReadFile(filepath.Join(fpDir, "user", "overrides", "org.confine.Cli"))
				b, _ := os.ReadFile(filepath.Join(cfDir, "user", "overrides", "org.confine.Cli"))
				if meaning(t, o, a) != meaning(t, o, b) {
					t.Fatalf("seed %d %v:\nflatpak wrote %q\nconfine wrote %q", seed, flags, a, b)
				}
			}
		}
	})
}

// TestBadValuesRejectedLikeFlatpak gives each release's flatpak and
// Confine speaking that release the same bad options: both refuse them,
// nothing is written, and Confine says why in one line — in flatpak's words.
func TestBadValuesRejectedLikeFlatpak(t *testing.T) {
	bad := [][]string{
		{"--socket=bogus"}, {"--share=internet"}, {"--device=gpu"}, {"--allow=root"},
		{"--filesystem=xdg-run"}, {"--filesystem=/"}, {"--filesystem=/a/../b"}, {"--filesystem=relative"}, {"--filesystem=host:reset"},
		{"--filesystem=host-reset"}, {"--filesystem=~/a\tb"}, {"--talk-name=bad"}, {"--own-name=org.*"}, {"--system-talk-name=:1.2"},
		{"--env=NOEQ"}, {"--env==x"}, {"--socket"},
		// Newer options and names, refused by the releases without them.
		{"--socket=inherit-wayland-socket"}, {"--device=input"}, {"--usb=vnd:1234"}, {"--a11y-own-name=org.a.b"}, {"--socket-if=x11:true"}, {"--filesystem=host-root"},
		// Refused by the releases that have them.
		{"--usb=1234:5678"}, {"--nousb=0fd9:*"}, {"--usb=vnd:12345"}, {"--usb=all+vnd:1234"}, {"--usb=dev:0001"}, {"--usb="},
		{"--a11y-own-name=bad"}, {"--socket-if=fallback-x11:true"}, {"--socket-if=x11"}, {"--device-if=gpu:true"},
		{"--filesystem=~/.."},
		// Flatpak's rule for the characters of a path (g_unichar_isgraph or
		// a space), for folders and persistent paths alike.
		{"--persist=a\x01b"}, {"--persist=a\tb"}, {"--persist=a\x7f"}, {"--persist=a\u0085"}, {"--persist=a\u00a0b"},
		{"--persist=a\u200bb"}, {"--persist=a\ue000b"}, {"--persist=a\u2028b"}, {"--filesystem=~/a\u00a0b"}, {"--filesystem=~/a\ue000b"},
	}
	fptest.ForEachOracle(t, func(t *testing.T, o fptest.Oracle) {
		for _, args := range bad {
			dir := t.TempDir()
			fp := execIn(t, userEnv(dir), o.Bin, append(append([]string{"override", "--user"}, args...), "org.confine.Cli")...)
			cf := confine(t, versionEnv(o, userEnv(dir)), append(append([]string{"override"}, args...), "org.confine.Cli")...)
			if (fp.code == 0) != (cf.code == 0) {
				t.Errorf("%v: flatpak rc %d (%s), confine rc %d (%s)", args, fp.code, strings.TrimSpace(fp.stderr), cf.code, strings.TrimSpace(cf.stderr))
				continue
			}
			if fp.code == 0 {
				continue // accepted by this release, and by Confine
			}
			if _, err := os.Stat(filepath.Join(dir, "user", "overrides", "org.confine.Cli")); err == nil {
				t.Errorf("%v: a file was written", args)
			}
			if n := strings.Count(strings.TrimSpace(cf.stderr), "\n"); n > 0 {
				t.Errorf("%v: error is not one line: %q", args, cf.stderr)
			}
			fpMsg := strings.TrimPrefix(strings.TrimSpace(fp.stderr), "error: ")
			cfMsg := strings.TrimPrefix(strings.TrimSpace(cf.stderr), "confine override: ")
			if *showMessages {
				t.Logf("%v\n  flatpak: %s\n  confine: %s", args, fpMsg, cfMsg)
			}
			// Confine names a control character and the whole location
			// ("U+0009 in filesystem location …"); flatpak prints it raw.
			if fpMsg != cfMsg && !strings.HasPrefix(fpMsg, "Non-graphical character") {
				t.Errorf("%v: flatpak says %q, Confine %q", args, fpMsg, cfMsg)
			}
		}
	})
	dir := t.TempDir()
	for _, id := range []string{"../evil", "org.a", "org.a.B/../../x"} {
		if r := confine(t, userEnv(dir), "override", "--share=network", id); r.code == 0 {
			t.Errorf("app ID %q accepted", id)
		}
	}
	if r := confine(t, userEnv(dir), "override", "--installation=extra", "--share=network", "org.a.B"); r.code != 2 || !strings.Contains(r.stderr, "--system") {
		t.Errorf("--installation: %+v", r)
	}
}

var showMessages = flag.Bool("messages", false, "print flatpak's and Confine's error messages side by side")

// overrideFiles lists a folder without Confine's lock file, which stays.
func overrideFiles(dir string) []string {
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if e.Name() != overrides.LockName {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestExportResetImportRestoresBytes(t *testing.T) {
	dir := t.TempDir()
	env := userEnv(dir)
	files := map[string]string{
		"global":       "# by hand\n[Context]\nshared = !network;\n\n[X-Future]\nk=v\n",
		"org.a.B":      "[Context]\nsockets=!x11;if:x11:!has-wayland;\n",
		"org.c.D-Beta": "[Environment]\nA=\\sx;y\n",
	}
	ov := filepath.Join(dir, "user", "overrides")
	os.MkdirAll(ov, 0o755)
	for k, v := range files {
		os.WriteFile(filepath.Join(ov, k), []byte(v), 0o644)
	}
	ex := confine(t, env, "export")
	if ex.code != 0 {
		t.Fatal(ex.stderr)
	}
	exportFile := filepath.Join(dir, "export.json")
	os.WriteFile(exportFile, []byte(ex.stdout), 0o644)
	for k := range files {
		if r := confine(t, env, "reset", k); r.code != 0 {
			t.Fatal(r.stderr)
		}
	}
	if ents := overrideFiles(ov); len(ents) != 0 {
		t.Fatalf("reset left %v", ents)
	}
	if r := confine(t, env, "import", "--dry-run", exportFile); r.code != 0 || !strings.Contains(r.stdout, "+ sockets=!x11;if:x11:!has-wayland;") {
		t.Fatalf("dry run: %+v", r)
	}
	if ents := overrideFiles(ov); len(ents) != 0 {
		t.Fatal("dry run wrote files")
	}
	if r := confine(t, env, "import", exportFile); r.code != 0 {
		t.Fatal(r.stderr)
	}
	for k, v := range files {
		if got, _ := os.ReadFile(filepath.Join(ov, k)); string(got) != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	// A bad entry stops the whole import before anything is written.
	var e cli.Export
	json.Unmarshal([]byte(ex.stdout), &e)
	e.Overrides["org.z.Bad"] = "[Session Bus Policy]\nnot-a-name=talk\n"
	e.Overrides["org.a.B"] = "[Context]\nshared=!ipc;\n"
	bad, _ := json.Marshal(e)
	badFile := filepath.Join(dir, "bad.json")
	os.WriteFile(badFile, bad, 0o644)
	if r := confine(t, env, "import", badFile); r.code == 0 || !strings.Contains(r.stderr, "org.z.Bad") {
		t.Fatalf("bad import: %+v", r)
	}
	if got, _ := os.ReadFile(filepath.Join(ov, "org.a.B")); string(got) != files["org.a.B"] {
		t.Fatal("a rejected import changed a file")
	}
	os.WriteFile(badFile, []byte(`{"format":"something-else","version":1,"overrides":{}}`), 0o644)
	if r := confine(t, env, "import", badFile); r.code == 0 {
		t.Fatal("foreign file imported")
	}
}

func demo(t *testing.T) []string {
	dir := t.TempDir()
	env, err := model.GenerateDemo(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range []string{"FLATPAK_USER_DIR", "FLATPAK_SYSTEM_DIR", "FLATPAK_CONFIG_DIR", "XDG_STATE_HOME", "HOME"} {
		out = append(out, k+"="+env.Getenv(k))
	}
	return out
}

func TestAuditExitCodes(t *testing.T) {
	env := demo(t)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"audit", "dev.codeloom.IDE", "--fail-on=escape"}, 1},   // talks to org.freedesktop.Flatpak… but global denies it; devel remains
		{[]string{"audit", "org.notes.Notebook", "--fail-on=escape"}, 0}, // Wayland-native, nothing dangerous
		{[]string{"audit", "org.notes.Notebook", "--fail-on=high"}, 0},   // keeping X11 with fallback-x11 is low
		{[]string{"audit", "org.notes.Notebook", "--fail-on=low"}, 1},    // …but still recommended
		{[]string{"audit", "org.gnomish.Sketch", "--fail-on=medium"}, 0}, // Wayland-native drawing app: only low findings
		{[]string{"audit", "org.tunebox.Player", "--fail-on=medium"}, 1},
		{[]string{"audit", "--fail-on=nonsense"}, 2},
		{[]string{"audit", "org.not.Installed"}, 1},
	} {
		r := confine(t, env, tc.args...)
		if r.code != tc.code {
			t.Errorf("%v: rc %d, want %d\n%s%s", tc.args, r.code, tc.code, r.stdout, r.stderr)
		}
	}
	r := confine(t, env, "audit", "--json", "--fail-on=info")
	var report []cli.AuditApp
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil || len(report) < 12 || r.code != 1 {
		t.Fatalf("audit --json: %v rc %d %d apps", err, r.code, len(report))
	}
}

func TestHardenAppliesAndAuditPasses(t *testing.T) {
	env := demo(t)
	if r := confine(t, env, "harden", "org.notes.Notebook"); r.code != 0 || !strings.Contains(r.stdout, "flatpak override --user --nosocket=x11 --unshare=ipc org.notes.Notebook") {
		t.Fatalf("preview: %+v", r)
	}
	if r := confine(t, env, "audit", "org.notes.Notebook", "--fail-on=low"); r.code != 1 {
		t.Fatal("preview wrote something")
	}
	if r := confine(t, env, "harden", "org.notes.Notebook", "--apply"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := confine(t, env, "audit", "org.notes.Notebook", "--fail-on=low"); r.code != 0 {
		t.Fatalf("after harden: %s", r.stdout)
	}
}

func TestListAndShowJSON(t *testing.T) {
	env := demo(t)
	r := confine(t, env, "list", "--json")
	var apps []cli.ListEntry
	if err := json.Unmarshal([]byte(r.stdout), &apps); err != nil || r.code != 0 {
		t.Fatalf("%v %s", err, r.stderr)
	}
	byID := map[string]cli.ListEntry{}
	for _, a := range apps {
		if a.Used {
			byID[a.ID] = a
		}
	}
	if b := byID["net.waveline.Browser"]; !b.Changed || b.Rating != "potentially-unsafe" || !b.WaylandNtv {
		t.Errorf("browser: %+v", b)
	}
	if c := byID["dev.codeloom.IDE"]; c.Rating != "unsafe" || c.Installation != "user" {
		t.Errorf("IDE: %+v", c)
	}
	if byID["com.broken.Example"].Error == "" {
		t.Error("broken app has no error")
	}
	// The demo's browser falls back to X11 and the user revoked x11. On
	// 1.14 fallback-x11 still gives X11 where no Wayland session runs; on
	// 1.18 the !x11 discards fallback-x11, and X11 is gone everywhere.
	for _, tc := range []struct {
		version string
		want    map[string]string
	}{
		{"1.14.10", map[string]string{"sockets/x11": "conditional user Only when no Wayland session is running wayland:off x11:on", "devices/dri": "on user  wayland:on x11:on",
			"sockets/ssh-auth": "off system-global  wayland:off x11:off", "shared/network": "on app  wayland:on x11:on",
			"session-bus/org.freedesktop.Flatpak": "none global  wayland: x11:", "filesystems/xdg-download": "rw app  wayland: x11:"}},
		{"1.18.1", map[string]string{"sockets/x11": "off user  wayland:off x11:off", "sockets/wayland": "on app  wayland:on x11:on"}},
	} {
		r = confine(t, append(env, "CONFINE_FLATPAK_VERSION="+tc.version), "show", "net.waveline.Browser", "--json")
		var show cli.ShowResult
		if err := json.Unmarshal([]byte(r.stdout), &show); err != nil {
			t.Fatal(err)
		}
		for _, p := range show.Permissions {
			k := p.Key + "/" + p.Name
			if w, ok := tc.want[k]; ok {
				if got := p.Value + " " + p.Source + " " + p.Condition + " wayland:" + p.Wayland + " x11:" + p.X11; got != w {
					t.Errorf("%s %s: %s, want %s", tc.version, k, got, w)
				}
				delete(tc.want, k)
			}
		}
		if len(tc.want) > 0 || !show.WaylandNative {
			t.Errorf("%s: missing %v; wayland %v", tc.version, tc.want, show.WaylandNative)
		}
	}
	// On 1.18 that leaves the browser without a display in X11 sessions,
	// and the advisor says so.
	r = confine(t, append(env, "CONFINE_FLATPAK_VERSION=1.18.1"), "audit", "net.waveline.Browser", "--json")
	if !strings.Contains(r.stdout, `"id": "display/x11"`) {
		t.Errorf("1.18 audit does not report the lost display:\n%s", r.stdout)
	}
	r = confine(t, env, "audit", "net.waveline.Browser", "--json")
	if strings.Contains(r.stdout, `"id": "display/`) {
		t.Errorf("1.14 audit reports a lost display:\n%s", r.stdout)
	}
	if r := confine(t, env, "show", "global"); r.code != 0 || !strings.Contains(r.stdout, "org.freedesktop.Flatpak") {
		t.Errorf("show global: %+v", r)
	}
}

func TestHelp(t *testing.T) {
	for _, c := range cli.Commands {
		r := confine(t, nil, c, "--help")
		if r.code != 0 || !strings.Contains(r.stdout+r.stderr, "Usage: confine "+c) {
			t.Errorf("%s --help: %+v", c, r)
		}
	}
}

func TestExportImportPortalPermissions(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	store := permstore.New(bus.Conn)
	for _, s := range []struct{ table, id, app, v string }{{"devices", "camera", "net.waveline.Browser", "yes"}, {"devices", "microphone", "net.waveline.Browser", "no"}, {"background", "background", "im.chatterly.Desktop", "yes"}} {
		if err := store.SetPermission(s.table, true, s.id, s.app, []string{s.v}); err != nil {
			t.Fatal(err)
		}
	}
	env := append(demo(t), "DBUS_SESSION_BUS_ADDRESS="+bus.Address)
	ex := confine(t, env, "export", "--portals")
	if ex.code != 0 {
		t.Fatal(ex.stderr)
	}
	var e cli.Export
	if err := json.Unmarshal([]byte(ex.stdout), &e); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(e.Portals["net.waveline.Browser"]["devices/camera"], ","); got != "yes" {
		t.Fatalf("exported portals %v", e.Portals)
	}
	pm := portals.NewFor(store)
	pm.Reset("net.waveline.Browser")
	pm.Reset("im.chatterly.Desktop")
	file := filepath.Join(t.TempDir(), "ex.json")
	os.WriteFile(file, []byte(ex.stdout), 0o644)
	if r := confine(t, env, "import", file); r.code != 0 {
		t.Fatal(r.stderr)
	}
	got, _ := store.Lookup("devices", "microphone")
	if strings.Join(got["net.waveline.Browser"], ",") != "no" {
		t.Fatalf("microphone not restored: %v", got)
	}
	got, _ = store.Lookup("background", "background")
	if strings.Join(got["im.chatterly.Desktop"], ",") != "yes" {
		t.Fatalf("background not restored: %v", got)
	}
	// Unknown portal names are refused before anything is written.
	e.Portals["net.waveline.Browser"]["devices/teleporter"] = []string{"yes"}
	bad, _ := json.Marshal(e)
	os.WriteFile(file, bad, 0o644)
	if r := confine(t, env, "import", file); r.code == 0 || !strings.Contains(r.stderr, "teleporter") {
		t.Fatalf("bad portal entry: %+v", r)
	}
}

func TestShowPortals(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	store := permstore.New(bus.Conn)
	for _, s := range []struct {
		table, id, app string
		v              []string
	}{
		{"devices", "camera", "net.waveline.Browser", []string{"yes"}},
		{"inhibit", "inhibit", "net.waveline.Browser", []string{"idle"}},
		{"desktop-used-apps", "application/pdf", "net.waveline.Browser", []string{"org.gnome.Evince", "3", "3"}},
		{"usb", "usb:1050/0407/Yubico_YubiKey", "net.waveline.Browser", []string{"no"}},
	} {
		if err := store.SetPermission(s.table, true, s.id, s.app, s.v); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Set("screencast", true, "3f2c8a1e-5b7d-4c1a-9e0f-2b6d8c4a7e19", map[string][]string{"net.waveline.Browser": {"yes"}}, portaltest.GnomeScreencast(portaltest.MonitorStream(0, "DEL:DELL U2720Q:7F9X2K3"))); err != nil {
		t.Fatal(err)
	}
	env := append(demo(t), "DBUS_SESSION_BUS_ADDRESS="+bus.Address)
	r := confine(t, env, "show", "net.waveline.Browser", "--json")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	var res cli.ShowResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	p := res.Portals
	if p == nil || p.Error != "" {
		t.Fatalf("portals %+v", p)
	}
	got := map[string]cli.ShowPortal{}
	for _, s := range p.Permissions {
		got[s.Table+"/"+s.ID] = s
	}
	// The tables that exist, and only those (no portal frontend here).
	if len(got) != 3 || got["devices/camera"].State != "allowed" || !got["devices/camera"].Granted ||
		strings.Join(got["inhibit/inhibit"].Flags, ",") != "idle" || got["inhibit/inhibit"].Meaning != "The app may block only: idle" || got["usb/usb"].State != "unset" || !got["usb/usb"].Granted {
		t.Errorf("permissions %+v", p.Permissions)
	}
	if len(p.Sessions) != 1 || p.Sessions[0].Restores != "Restores: monitor DELL U2720Q" || p.Sessions[0].LastUsed != "2024-11-30T08:00:00Z" || p.Sessions[0].Backend != "GNOME" {
		t.Errorf("sessions %+v", p.Sessions)
	}
	if len(p.OpenWith) != 1 || p.OpenWith[0].Handler != "org.gnome.Evince" || !p.OpenWith[0].Skips {
		t.Errorf("open with %+v", p.OpenWith)
	}
	if len(p.USBDevices) != 1 || !p.USBDevices[0].Hidden {
		t.Errorf("usb %+v", p.USBDevices)
	}
	r = confine(t, env, "show", "net.waveline.Browser")
	for _, want := range []string{"devices/camera", `["yes"]`, "SAVED SESSION", "3f2c8a1e-5b7d-4c1a-9e0f-2b6d8c4a7e19", "Restores: monitor DELL U2720Q", "application/pdf", "hidden from the app"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("show lacks %q:\n%s", want, r.stdout)
		}
	}
	// Without a session bus, one line says so.
	r = confine(t, demo(t), "show", "net.waveline.Browser")
	if r.code != 0 || !strings.Contains(r.stdout, "Portal permissions: unavailable: no session bus") {
		t.Errorf("show without a bus: %+v", r)
	}
}

func TestImportRefusesATableTheDesktopLacks(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	store := permstore.New(bus.Conn)
	if err := store.SetPermission("devices", true, "camera", "org.other.App", []string{"yes"}); err != nil {
		t.Fatal(err)
	}
	env := append(demo(t), "DBUS_SESSION_BUS_ADDRESS="+bus.Address)
	before := confine(t, env, "export")
	// A version 1 file as Confine wrote it before the newer tables: it
	// still imports.
	old := `{"format": "confine-overrides", "version": 1, "note": "x", "overrides": {}, "portals": {"net.waveline.Browser": {"devices/camera": ["no"]}}}`
	file := filepath.Join(t.TempDir(), "ex.json")
	os.WriteFile(file, []byte(old), 0o644)
	if r := confine(t, env, "import", file); r.code != 0 {
		t.Fatalf("old file: %+v", r)
	}
	if got, _ := store.Lookup("devices", "camera"); strings.Join(got["net.waveline.Browser"], ",") != "no" {
		t.Fatalf("camera %v", got)
	}
	// Game mode: no table on this desktop. Nothing is written, not even
	// the override the file also holds.
	bad := `{"format": "confine-overrides", "version": 1, "note": "x", "overrides": {"org.tunebox.Player": "[Context]\nshared=!network;\n"},
	  "portals": {"net.waveline.Browser": {"devices/camera": ["yes"], "gamemode/gamemode": ["no"]}}}`
	os.WriteFile(file, []byte(bad), 0o644)
	for _, args := range [][]string{{"import", file}, {"import", "--dry-run", file}} {
		r := confine(t, env, args...)
		if r.code == 0 || !strings.Contains(r.stderr, "no gamemode table") || !strings.Contains(r.stderr, "never creates") {
			t.Errorf("%v: %+v", args, r)
		}
	}
	if ids, _ := store.List("gamemode"); len(ids) != 0 {
		t.Error("gamemode table created")
	}
	if got, _ := store.Lookup("devices", "camera"); strings.Join(got["net.waveline.Browser"], ",") != "no" {
		t.Errorf("camera written by a refused import: %v", got)
	}
	if after := confine(t, env, "export"); after.stdout != before.stdout {
		t.Errorf("overrides written by a refused import:\n%s", after.stdout)
	}
	// Saved sessions and unknown tables are refused by name.
	for k, want := range map[string]string{`"screencast/tok": ["yes"]`: "saved sessions are not restored", `"../evil/x": ["yes"]`: "unknown portal permission"} {
		os.WriteFile(file, []byte(`{"format": "confine-overrides", "version": 1, "note": "", "overrides": {}, "portals": {"net.waveline.Browser": {`+k+`}}}`), 0o644)
		if r := confine(t, env, "import", file); r.code == 0 || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: %+v", k, r)
		}
	}
}
