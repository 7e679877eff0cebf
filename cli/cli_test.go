package cli_test

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-app/confine/cli"
	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

// These tests run the built confine binary, as a script would.

var confineBin string

func TestMain(m *testing.M) {
	testbin.Main(m, &confineBin)
}

type run struct {
	stdout, stderr string
	code           int
}

func execIn(t *testing.T, env []string, name string, args ...string) run {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(append(os.Environ(), "CONFINE_FLATPAK_VERSION=1.14.10", "DISPLAY="), env...)
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

// meaning asks flatpak what a file means (it loads it and writes it back).
func meaning(t *testing.T, data []byte) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "user", "overrides", "org.confine.Cli")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, data, 0o644)
	if r := execIn(t, userEnv(dir), "flatpak", "override", "--user", "org.confine.Cli"); r.code != 0 {
		t.Fatalf("flatpak refuses %q: %s", data, r.stderr)
	}
	back, _ := os.ReadFile(p)
	f, err := overrides.Parse(back)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := f.Context()
	return c.Canonical()
}

func randomFlags(r *rand.Rand) []string {
	pick := func(s ...string) string { return s[r.Intn(len(s))] }
	var out []string
	for i := 0; i < 1+r.Intn(5); i++ {
		switch r.Intn(6) {
		case 0:
			out = append(out, "--"+pick("share", "unshare")+"="+pick("network", "ipc", "bogus"))
		case 1:
			out = append(out, "--"+pick("socket", "nosocket")+"="+pick("x11", "wayland", "fallback-x11", "pulseaudio", "cups"))
		case 2:
			out = append(out, "--"+pick("device", "nodevice", "allow", "disallow")+"="+pick("dri", "all", "devel", "bluetooth"))
		case 3:
			out = append(out, "--"+pick("filesystem", "nofilesystem")+"="+pick("home", "~/Music", "xdg-download/x", "/opt/a//b/", "host:reset", "xdg-run", "/a/../b")+pick("", ":ro", ":create"))
		case 4:
			out = append(out, "--"+pick("env", "unset-env", "persist")+"="+pick("A=1", "B", "C=x;y"))
		default:
			out = append(out, "--"+pick("talk-name", "no-talk-name", "own-name", "system-talk-name")+"="+pick("org.a.b", "org.c.*", "bad"))
		}
	}
	return out
}

// TestOverrideLikeFlatpak runs the same random option sets through
// `flatpak override --user` and `confine override` in two installations.
func TestOverrideLikeFlatpak(t *testing.T) {
	testbin.Need(t, "flatpak")
	for seed := int64(1); seed <= 40; seed++ {
		r := rand.New(rand.NewSource(seed))
		fpDir, cfDir := t.TempDir(), t.TempDir()
		for inv := 0; inv < 1+r.Intn(3); inv++ {
			flags := randomFlags(r)
			fp := execIn(t, userEnv(fpDir), "flatpak", append(append([]string{"override", "--user"}, flags...), "org.confine.Cli")...)
			cf := execIn(t, userEnv(cfDir), confineBin, append(append([]string{"override", "--user"}, flags...), "org.confine.Cli")...)
			if (fp.code == 0) != (cf.code == 0) {
				t.Fatalf("seed %d %v: flatpak rc %d (%s), confine rc %d (%s)", seed, flags, fp.code, fp.stderr, cf.code, cf.stderr)
			}
			if cf.code != 0 && !strings.HasPrefix(cf.stderr, "confine override: ") {
				t.Fatalf("error not one clear line: %q", cf.stderr)
			}
			a, _ := os.ReadFile(filepath.Join(fpDir, "user", "overrides", "org.confine.Cli"))
			b, _ := os.ReadFile(filepath.Join(cfDir, "user", "overrides", "org.confine.Cli"))
			if meaning(t, a) != meaning(t, b) {
				t.Fatalf("seed %d %v:\nflatpak wrote %q\nconfine wrote %q", seed, flags, a, b)
			}
		}
	}
}

func TestBadValuesRejectedLikeFlatpak(t *testing.T) {
	testbin.Need(t, "flatpak")
	for _, args := range [][]string{
		{"--socket=bogus"}, {"--share=internet"}, {"--device=gpu"}, {"--allow=root"},
		{"--filesystem=xdg-run"}, {"--filesystem=/"}, {"--filesystem=/a/../b"}, {"--filesystem=relative"}, {"--filesystem=host:reset"},
		{"--filesystem=host-reset"}, {"--filesystem=~/a\tb"}, {"--talk-name=bad"}, {"--own-name=org.*"}, {"--system-talk-name=:1.2"},
		{"--env=NOEQ"}, {"--env==x"}, {"--socket"},
	} {
		dir := t.TempDir()
		fp := execIn(t, userEnv(dir), "flatpak", append(append([]string{"override", "--user"}, args...), "org.confine.Cli")...)
		cf := execIn(t, userEnv(dir), confineBin, append(append([]string{"override"}, args...), "org.confine.Cli")...)
		if fp.code == 0 || cf.code == 0 {
			t.Errorf("%v: flatpak rc %d, confine rc %d (%s)", args, fp.code, cf.code, cf.stdout)
		}
		if _, err := os.Stat(filepath.Join(dir, "user", "overrides", "org.confine.Cli")); err == nil {
			t.Errorf("%v: a file was written", args)
		}
		if n := strings.Count(strings.TrimSpace(cf.stderr), "\n"); n > 0 {
			t.Errorf("%v: error is not one line: %q", args, cf.stderr)
		}
	}
	dir := t.TempDir()
	for _, id := range []string{"../evil", "org.a", "org.a.B/../../x"} {
		if r := execIn(t, userEnv(dir), confineBin, "override", "--share=network", id); r.code == 0 {
			t.Errorf("app ID %q accepted", id)
		}
	}
	if r := execIn(t, userEnv(dir), confineBin, "override", "--installation=extra", "--share=network", "org.a.B"); r.code != 2 || !strings.Contains(r.stderr, "--system") {
		t.Errorf("--installation: %+v", r)
	}
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
	ex := execIn(t, env, confineBin, "export")
	if ex.code != 0 {
		t.Fatal(ex.stderr)
	}
	exportFile := filepath.Join(dir, "export.json")
	os.WriteFile(exportFile, []byte(ex.stdout), 0o644)
	for k := range files {
		if r := execIn(t, env, confineBin, "reset", k); r.code != 0 {
			t.Fatal(r.stderr)
		}
	}
	if ents, _ := os.ReadDir(ov); len(ents) != 0 {
		t.Fatalf("reset left %v", ents)
	}
	if r := execIn(t, env, confineBin, "import", "--dry-run", exportFile); r.code != 0 || !strings.Contains(r.stdout, "+ sockets=!x11;if:x11:!has-wayland;") {
		t.Fatalf("dry run: %+v", r)
	}
	if ents, _ := os.ReadDir(ov); len(ents) != 0 {
		t.Fatal("dry run wrote files")
	}
	if r := execIn(t, env, confineBin, "import", exportFile); r.code != 0 {
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
	if r := execIn(t, env, confineBin, "import", badFile); r.code == 0 || !strings.Contains(r.stderr, "org.z.Bad") {
		t.Fatalf("bad import: %+v", r)
	}
	if got, _ := os.ReadFile(filepath.Join(ov, "org.a.B")); string(got) != files["org.a.B"] {
		t.Fatal("a rejected import changed a file")
	}
	os.WriteFile(badFile, []byte(`{"format":"something-else","version":1,"overrides":{}}`), 0o644)
	if r := execIn(t, env, confineBin, "import", badFile); r.code == 0 {
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
		r := execIn(t, env, confineBin, tc.args...)
		if r.code != tc.code {
			t.Errorf("%v: rc %d, want %d\n%s%s", tc.args, r.code, tc.code, r.stdout, r.stderr)
		}
	}
	r := execIn(t, env, confineBin, "audit", "--json", "--fail-on=info")
	var report []cli.AuditApp
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil || len(report) < 12 || r.code != 1 {
		t.Fatalf("audit --json: %v rc %d %d apps", err, r.code, len(report))
	}
}

func TestHardenAppliesAndAuditPasses(t *testing.T) {
	env := demo(t)
	if r := execIn(t, env, confineBin, "harden", "org.notes.Notebook"); r.code != 0 || !strings.Contains(r.stdout, "flatpak override --user --nosocket=x11 --unshare=ipc org.notes.Notebook") {
		t.Fatalf("preview: %+v", r)
	}
	if r := execIn(t, env, confineBin, "audit", "org.notes.Notebook", "--fail-on=low"); r.code != 1 {
		t.Fatal("preview wrote something")
	}
	if r := execIn(t, env, confineBin, "harden", "org.notes.Notebook", "--apply"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := execIn(t, env, confineBin, "audit", "org.notes.Notebook", "--fail-on=low"); r.code != 0 {
		t.Fatalf("after harden: %s", r.stdout)
	}
}

func TestListAndShowJSON(t *testing.T) {
	env := demo(t)
	r := execIn(t, env, confineBin, "list", "--json")
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
	r = execIn(t, env, confineBin, "show", "net.waveline.Browser", "--json")
	var show cli.ShowResult
	if err := json.Unmarshal([]byte(r.stdout), &show); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"sockets/x11": "off user", "devices/dri": "on user", "sockets/ssh-auth": "off system-global", "shared/network": "on app",
		"session-bus/org.freedesktop.Flatpak": "none global", "filesystems/xdg-download": "rw app"}
	for _, p := range show.Permissions {
		k := p.Key + "/" + p.Name
		if w, ok := want[k]; ok {
			if got := p.Value + " " + p.Source; got != w {
				t.Errorf("%s: %s, want %s", k, got, w)
			}
			delete(want, k)
		}
	}
	if len(want) > 0 || !show.WaylandNative {
		t.Errorf("missing %v; wayland %v", want, show.WaylandNative)
	}
	if r := execIn(t, env, confineBin, "show", "global"); r.code != 0 || !strings.Contains(r.stdout, "org.freedesktop.Flatpak") {
		t.Errorf("show global: %+v", r)
	}
}

func TestHelp(t *testing.T) {
	for _, c := range cli.Commands {
		r := execIn(t, nil, confineBin, c, "--help")
		if r.code != 0 || !strings.Contains(r.stdout+r.stderr, "Usage: confine "+c) {
			t.Errorf("%s --help: %+v", c, r)
		}
	}
}

func TestExportImportPortalPermissions(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	store := model.NewPortalStore(bus.Conn)
	for _, s := range []struct{ table, id, app, v string }{{"devices", "camera", "net.waveline.Browser", "yes"}, {"devices", "microphone", "net.waveline.Browser", "no"}, {"background", "background", "im.chatterly.Desktop", "yes"}} {
		if err := store.SetPermission(s.table, true, s.id, s.app, []string{s.v}); err != nil {
			t.Fatal(err)
		}
	}
	env := append(demo(t), "DBUS_SESSION_BUS_ADDRESS="+bus.Address)
	ex := execIn(t, env, confineBin, "export", "--portals")
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
	pm := model.NewPortalManagerFor(store)
	pm.Reset("net.waveline.Browser")
	pm.Reset("im.chatterly.Desktop")
	file := filepath.Join(t.TempDir(), "ex.json")
	os.WriteFile(file, []byte(ex.stdout), 0o644)
	if r := execIn(t, env, confineBin, "import", file); r.code != 0 {
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
	if r := execIn(t, env, confineBin, "import", file); r.code == 0 || !strings.Contains(r.stderr, "teleporter") {
		t.Fatalf("bad portal entry: %+v", r)
	}
}
