package model

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/confine-app/confine/overrides"
	"golang.org/x/tools/txtar"
)

// world lays out a user and a system installation in a temp folder.
type world struct {
	t                    *testing.T
	root, user, sys, etc string
}

func newWorld(t *testing.T) *world {
	root := t.TempDir()
	w := &world{t: t, root: root, user: filepath.Join(root, "user"), sys: filepath.Join(root, "system"), etc: filepath.Join(root, "etc")}
	for _, d := range []string{w.user, w.sys, w.etc} {
		os.MkdirAll(d, 0o755)
	}
	return w
}

func (w *world) env(extra ...string) Env {
	vars := map[string]string{"FLATPAK_USER_DIR": w.user, "FLATPAK_SYSTEM_DIR": w.sys, "FLATPAK_CONFIG_DIR": w.etc,
		"HOME": filepath.Join(w.root, "home"), "CONFINE_FLATPAK_VERSION": "1.14.10", "CONFINE_FLATPAK_INFO": filepath.Join(w.root, "no-flatpak-info")}
	for i := 0; i+1 < len(extra); i += 2 {
		vars[extra[i]] = extra[i+1]
	}
	return MapEnv(vars)
}

func (w *world) dir(inst string) string {
	switch inst {
	case "user":
		return w.user
	case "system":
		return w.sys
	}
	w.t.Fatalf("unknown installation %q", inst)
	return ""
}

func (w *world) install(inst, id, metadata string) { w.installVersion(inst, id, "1", metadata) }

// installVersion installs (or updates to) a version of an app: each
// version is a deployment of its own, as an update makes.
func (w *world) installVersion(inst, id, version, metadata string) {
	w.t.Helper()
	if err := WriteDemoApp(w.dir(inst), DemoApp{ID: id, Name: FallbackName(id), RawMetadata: metadata, Version: version}); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) write(rel, content string) {
	w.t.Helper()
	p := filepath.Join(w.root, rel)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) read(rel string) string {
	data, err := os.ReadFile(filepath.Join(w.root, rel))
	if os.IsNotExist(err) {
		return "<none>"
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return string(data)
}

// TestScenarios runs every testdata/scenarios/*.txtar: files named
// "INST:ID" are app metadata installed into INST, "INST:overrides/X" are
// override files, and "want" lists expectations, one per line.
func TestScenarios(t *testing.T) {
	files, _ := filepath.Glob("testdata/scenarios/*.txtar")
	if len(files) == 0 {
		t.Fatal("no scenarios")
	}
	for _, p := range files {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(p)
			if err != nil {
				t.Fatal(err)
			}
			w := newWorld(t)
			var want string
			for _, f := range ar.Files {
				inst, rest, ok := strings.Cut(f.Name, ":")
				switch {
				case f.Name == "want":
					want = string(f.Data)
				case !ok:
					t.Fatalf("bad section %q", f.Name)
				case strings.HasPrefix(rest, "overrides/"):
					w.write(filepath.Join(filepath.Base(w.dir(inst)), rest), string(f.Data))
				default:
					w.install(inst, rest, string(f.Data))
				}
			}
			m := Load(w.env())
			for n, line := range strings.Split(strings.TrimSpace(want), "\n") {
				checkExpectation(t, m, n+1, line)
			}
		})
	}
}

func checkExpectation(t *testing.T, m *Model, n int, line string) {
	t.Helper()
	fields := strings.Fields(line)
	who, what := fields[0], fields[1]
	id, inst, _ := strings.Cut(who, "@")
	var app *App
	for _, a := range m.Apps {
		if a.ID == id && a.Installation.ID == map[string]string{"user": "user", "system": "default"}[inst] {
			app = a
		}
	}
	if app == nil {
		t.Fatalf("want line %d: %s not loaded", n, who)
	}
	if what == "error" {
		msg := strings.Join(fields[2:], " ")
		if app.Err == nil || !strings.Contains(app.Err.Error(), msg) {
			t.Errorf("line %d: %s error = %v, want %q", n, who, app.Err, msg)
		}
		return
	}
	if app.Err != nil {
		t.Fatalf("line %d: %s failed to load: %v", n, who, app.Err)
	}
	e := m.Effective(app)
	if len(e.Broken) > 0 {
		t.Fatalf("line %d: broken layers %v", n, e.Broken)
	}
	var got string
	kind, name, _ := strings.Cut(what, "/")
	switch kind {
	case "wayland-native":
		got = map[bool]string{true: "yes", false: "no"}[e.WaylandNative()]
	case "reset-by":
		got = e.ResetBy.String()
	case overrides.KeyShared, overrides.KeySockets, overrides.KeyDevices, overrides.KeyFeatures:
		on, src := e.FixedOn(kind, name)
		got = map[bool]string{true: "on", false: "off"}[on] + " " + src.String()
	case overrides.KeyFilesystems:
		mode, src := e.FilesystemMode(name)
		got = mode.String() + " " + src.String()
	case overrides.KeyPersistent:
		src, ok := e.Persistent[name]
		got = map[bool]string{true: src.String(), false: "absent"}[ok]
	case "env":
		s, ok := e.Env[name]
		switch {
		case !ok:
			got = "absent"
		case s.Unset:
			got = "unset " + s.Source.String()
		default:
			got = strconv.Quote(s.Value) + " " + s.Source.String()
			if !strings.ContainsAny(s.Value, " ") && s.Value != "" {
				got = s.Value + " " + s.Source.String()
			}
		}
	case "session-bus", "system-bus":
		b := map[string]overrides.Bus{"session-bus": overrides.SessionBus, "system-bus": overrides.SystemBus}[kind]
		s, ok := e.Bus(b)[name]
		got = map[bool]string{true: s.Policy.String() + " " + s.Source.String(), false: "absent"}[ok]
	default:
		t.Fatalf("line %d: unknown expectation %q", n, what)
	}
	if wantStr := strings.Join(fields[2:], " "); got != wantStr {
		t.Errorf("line %d: %s %s = %q, want %q", n, who, what, got, wantStr)
	}
}

const plainMetadata = "[Application]\nname=org.example.App\nruntime=r\ncommand=c\n\n[Context]\nshared=network;\nsockets=x11;\nfilesystems=home;\n\n[Environment]\nFOO=1\n"

func TestEditsAreMinimal(t *testing.T) {
	w := newWorld(t)
	w.install("system", "org.example.App", plainMetadata)
	m := Load(w.env())
	a, err := m.App("org.example.App")
	if err != nil {
		t.Fatal(err)
	}
	const file = "user/overrides/org.example.App"
	steps := []struct {
		name string
		do   func() (Change, error)
		want string
	}{
		{"grant what the app has: nothing written", func() (Change, error) { return m.SetFixed(a, overrides.KeyShared, "network", overrides.Grant) }, "<none>"},
		{"revoke network", func() (Change, error) { return m.SetFixed(a, overrides.KeyShared, "network", overrides.Revoke) }, "[Context]\nshared=!network;\n"},
		{"revert: file deleted", func() (Change, error) { return m.SetFixed(a, overrides.KeyShared, "network", overrides.Grant) }, "<none>"},
		{"hide home", func() (Change, error) { return m.SetFilesystem(a, "home", overrides.ModeNone) }, "[Context]\nfilesystems=!home;\n"},
		{"add a folder", func() (Change, error) { return m.SetFilesystem(a, "~/Games/", overrides.ModeCreate) }, "[Context]\nfilesystems=!home;~/Games:create;\n"},
		{"home read-only instead", func() (Change, error) { return m.SetFilesystem(a, "~", overrides.ModeRead) }, "[Context]\nfilesystems=home:ro;~/Games:create;\n"},
		{"home back to rw: entry goes", func() (Change, error) { return m.SetFilesystem(a, "home", overrides.ModeReadWrite) }, "[Context]\nfilesystems=~/Games:create;\n"},
		{"folder removed", func() (Change, error) { return m.SetFilesystem(a, "~/Games", overrides.ModeNone) }, "<none>"},
		{"env same value: nothing", func() (Change, error) { return m.SetEnv(a, "FOO", "1") }, "<none>"},
		{"env changed", func() (Change, error) { return m.SetEnv(a, "FOO", "2") }, "[Environment]\nFOO=2\n"},
		{"env unset", func() (Change, error) { return m.UnsetEnv(a, "FOO") }, "[Environment]\nFOO=\n\n[Context]\nunset-environment=FOO;\n"},
		{"env reset", func() (Change, error) { return m.ResetEnv(a, "FOO") }, "<none>"},
		{"bus none on a name nobody grants: nothing", func() (Change, error) {
			return m.SetBus(a, overrides.SessionBus, "org.example.Other", overrides.PolicyNone)
		}, "<none>"},
		{"bus talk", func() (Change, error) {
			return m.SetBus(a, overrides.SessionBus, "org.example.Other", overrides.PolicyTalk)
		},
			"[Session Bus Policy]\norg.example.Other=talk\n"},
		{"bus reset", func() (Change, error) { return m.ResetBus(a, overrides.SessionBus, "org.example.Other") }, "<none>"},
		{"persistent", func() (Change, error) { return m.AddPersistent(a, ".local/state/app") }, "[Context]\npersistent=.local/state/app;\n"},
		{"persistent removed", func() (Change, error) { return m.RemovePersistent(a, ".local/state/app") }, "<none>"},
	}
	for _, s := range steps {
		c, err := s.do()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := w.read(file); got != s.want {
			t.Fatalf("%s: file is\n%s\nwant\n%s", s.name, got, s.want)
		}
		if c.Target != "org.example.App" {
			t.Fatalf("%s: change target %q", s.name, c.Target)
		}
	}
}

func TestMinimalityAccountsForLowerOverrides(t *testing.T) {
	w := newWorld(t)
	w.install("system", "org.example.App", plainMetadata)
	w.write("system/overrides/org.example.App", "[Context]\nshared=!network;\n")
	w.write("user/overrides/global", "[Context]\nsockets=!x11;\n")
	m := Load(w.env())
	a, _ := m.App("org.example.App")
	// The administrator already revoked network: revoking writes nothing,
	// granting writes an explicit grant.
	if _, err := m.SetFixed(a, overrides.KeyShared, "network", overrides.Revoke); err != nil {
		t.Fatal(err)
	}
	if got := w.read("user/overrides/org.example.App"); got != "<none>" {
		t.Fatalf("got %q", got)
	}
	m.SetFixed(a, overrides.KeyShared, "network", overrides.Grant)
	m.SetFixed(a, overrides.KeySockets, "x11", overrides.Grant)
	if got := w.read("user/overrides/org.example.App"); got != "[Context]\nshared=network;\nsockets=x11;\n" {
		t.Fatalf("got %q", got)
	}
	e := m.Effective(a)
	if on, src := e.FixedOn(overrides.KeySockets, "x11"); !on || src != SourceUser {
		t.Fatalf("x11 %v %v", on, src)
	}
}

func TestGlobalEditsAreThreeState(t *testing.T) {
	w := newWorld(t)
	m := Load(w.env())
	for _, s := range []struct {
		state overrides.State
		want  string
	}{{overrides.Revoke, "[Context]\nshared=!network;\n"}, {overrides.Grant, "[Context]\nshared=network;\n"}, {overrides.Inherit, "<none>"}} {
		if _, err := m.SetFixed(nil, overrides.KeyShared, "network", s.state); err != nil {
			t.Fatal(err)
		}
		if got := w.read("user/overrides/global"); got != s.want {
			t.Fatalf("%v: got %q want %q", s.state, got, s.want)
		}
	}
}

func TestEditsMergeConcurrentExternalWrites(t *testing.T) {
	w := newWorld(t)
	w.install("system", "org.example.App", plainMetadata)
	m := Load(w.env())
	a, _ := m.App("org.example.App")
	// Someone runs `flatpak override` after Confine loaded the model.
	w.write("user/overrides/org.example.App", "# by hand\n[Context]\ndevices=dri;\n")
	if _, err := m.SetFixed(a, overrides.KeyShared, "network", overrides.Revoke); err != nil {
		t.Fatal(err)
	}
	if got := w.read("user/overrides/org.example.App"); got != "# by hand\n[Context]\ndevices=dri;\nshared=!network;\n" {
		t.Fatalf("external change clobbered: %q", got)
	}
}

func TestResetAndUndo(t *testing.T) {
	w := newWorld(t)
	w.install("system", "org.example.App", plainMetadata)
	orig := "# mine\n[Context]\nshared = !network;\n\n[X-Unknown]\nk=v\n"
	w.write("user/overrides/org.example.App", orig)
	m := Load(w.env())
	a, _ := m.App("org.example.App")
	c, err := m.Reset(a)
	if err != nil {
		t.Fatal(err)
	}
	if w.read("user/overrides/org.example.App") != "<none>" {
		t.Fatal("reset left the file")
	}
	if err := m.Undo(c); err != nil {
		t.Fatal(err)
	}
	if got := w.read("user/overrides/org.example.App"); got != orig {
		t.Fatalf("undo gave %q", got)
	}
	// An edit's undo restores the exact bytes too.
	c, _ = m.SetFixed(a, overrides.KeySockets, "x11", overrides.Revoke)
	if err := m.Undo(c); err != nil {
		t.Fatal(err)
	}
	if got := w.read("user/overrides/org.example.App"); got != orig {
		t.Fatalf("undo gave %q", got)
	}
	// Undo refuses to overwrite a file changed since.
	c, _ = m.SetFixed(a, overrides.KeySockets, "x11", overrides.Revoke)
	w.write("user/overrides/org.example.App", "[Context]\n")
	if err := m.Undo(c); err == nil {
		t.Fatal("undo overwrote a newer file")
	}
}

func TestBrokenOverrideIsNeverWritten(t *testing.T) {
	w := newWorld(t)
	w.install("system", "org.example.App", plainMetadata)
	bad := "this is not a key file\n"
	w.write("user/overrides/org.example.App", bad)
	m := Load(w.env())
	a, _ := m.App("org.example.App")
	if _, err := m.SetFixed(a, overrides.KeyShared, "network", overrides.Revoke); err == nil {
		t.Fatal("edit of a broken file succeeded")
	}
	if w.read("user/overrides/org.example.App") != bad {
		t.Fatal("broken file rewritten")
	}
	if e := m.Effective(a); len(e.Broken) != 1 || !strings.Contains(e.Broken[0].Error(), "not a key-value pair") {
		t.Fatalf("broken layer not reported: %v", e.Broken)
	}
	// A file GLib reads but Flatpak refuses is reported as broken too.
	w.write("user/overrides/org.example.App", "[Session Bus Policy]\nnot-a-name=talk\n")
	if e := m.Effective(a); len(e.Broken) != 1 || !strings.Contains(e.Broken[0].Error(), "Flatpak refuses") {
		t.Fatalf("refused layer not reported: %v", e.Broken)
	}
}

func TestUnsupportedPermissionsAreRefused(t *testing.T) {
	w := newWorld(t)
	w.install("system", "org.example.App", plainMetadata)
	m := Load(w.env())
	a, _ := m.App("org.example.App")
	_, err := m.SetFixed(a, overrides.KeyDevices, "usb", overrides.Grant)
	if err == nil || !strings.Contains(err.Error(), "needs Flatpak 1.15.11") {
		t.Fatalf("got %v", err)
	}
	if _, err := m.Override("org.example.App", []overrides.Op{{Flag: "device", Value: "input"}}); err == nil {
		t.Fatal("--device=input accepted on 1.14")
	}
	m.Flatpak = MustVersion("1.16.0")
	m.Dialect = DialectOf(m.Flatpak)
	if _, err := m.SetFixed(a, overrides.KeyDevices, "usb", overrides.Grant); err != nil {
		t.Fatal(err)
	}
}

func TestOverrideRecordsWhatWasAsked(t *testing.T) {
	w := newWorld(t)
	w.install("system", "org.example.App", plainMetadata)
	m := Load(w.env())
	// The app already has network; the CLI still records the explicit
	// grant, so a later update that drops it cannot change the result.
	if _, err := m.Override("org.example.App", []overrides.Op{{Flag: "share", Value: "network"}, {Flag: "nosocket", Value: "fallback-x11"}}); err != nil {
		t.Fatal(err)
	}
	if got := w.read("user/overrides/org.example.App"); got != "[Context]\nshared=network;\nsockets=!x11;!fallback-x11;\n" {
		t.Fatalf("got %q", got)
	}
	for _, bad := range []string{"../x", "org.example", "org.example.App/.."} {
		if _, err := m.Override(bad, nil); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestBadInstallations(t *testing.T) {
	w := newWorld(t)
	w.install("system", "org.example.Good", plainMetadata)
	extra := filepath.Join(w.root, "extra")
	w.write("etc/installations.d/a.conf", "[Installation \"relative\"]\nPath=some/where\n\n[Installation \"nopath\"]\nDisplayName=No path\n\n[Installation \"good\"]\nPath="+extra+"\nPriority=10\nDisplayName=Extra\n")
	w.write("etc/installations.d/b.conf", "garbage\n")
	WriteDemoApp(extra, DemoApp{ID: "org.example.Good", Name: "Good (extra)", RawMetadata: plainMetadata})
	// app folders that must not stop the others
	os.MkdirAll(filepath.Join(w.sys, "app", "org.example.NoCurrent"), 0o755)
	os.MkdirAll(filepath.Join(w.sys, "app", "org.example.Cycle"), 0o755)
	os.Symlink("current", filepath.Join(w.sys, "app", "org.example.Cycle", "current"))
	os.MkdirAll(filepath.Join(w.sys, "app", ".."+"evil"), 0o755)
	os.MkdirAll(filepath.Join(w.sys, "app", "org.example.Sdk.BaseApp"), 0o755)
	w.write("system/app/org.example.NotDir", "a file where a folder should be")
	m := Load(w.env())
	var errs []string
	for _, e := range m.Errors {
		errs = append(errs, e.Error())
	}
	if len(m.Errors) != 3 || !strings.Contains(errs[0], "b.conf") {
		t.Fatalf("installation errors %q", errs)
	}
	byID := map[string]*Installation{}
	for _, i := range m.Installations {
		byID[i.ID] = i
	}
	if e := byID["relative"].Err; e == nil || !strings.Contains(e.Error(), "relative Path") {
		t.Errorf("relative: %v", e)
	}
	if e := byID["nopath"].Err; e == nil || !strings.Contains(e.Error(), "no Path") {
		t.Errorf("nopath: %v", e)
	}
	apps := map[string]*App{}
	for _, a := range m.Apps {
		apps[a.Installation.ID+"/"+a.ID] = a
	}
	for key, want := range map[string]string{
		"default/org.example.NoCurrent": "no current deployment",
		"default/org.example.Cycle":     "no active deployment",
		"default/..evil":                "not a valid application name",
		"default/org.example.NotDir":    "no current deployment",
	} {
		if a := apps[key]; a == nil || a.Err == nil || !strings.Contains(a.Err.Error(), want) {
			t.Errorf("%s: %+v, want error %q", key, a, want)
		}
	}
	if _, ok := apps["default/org.example.Sdk.BaseApp"]; ok {
		t.Error("BaseApp listed as an app")
	}
	// The extra installation has the higher priority: its copy runs.
	run, _ := m.App("org.example.Good")
	if run == nil || run.Installation.ID != "good" || run.Name != "Good (extra)" {
		t.Fatalf("the copy flatpak runs: %+v", run)
	}
	if copies := m.Find("org.example.Good"); len(copies) != 2 || !copies[1].Shadowed {
		t.Fatalf("copies %+v", copies)
	}
	// Extra (system-wide) installations use the system overrides.
	w.write("system/overrides/org.example.Good", "[Context]\nshared=!network;\n")
	if on, src := m.Effective(run).FixedOn(overrides.KeyShared, "network"); on || src != SourceSystem {
		t.Fatalf("extra installation ignores system overrides: %v %v", on, src)
	}
}

func TestUnreadableFolder(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("running as root: permissions do not stop reads (TestBadInstallations covers a file in place of a folder)")
	}
	w := newWorld(t)
	w.install("system", "org.example.Good", plainMetadata)
	locked := filepath.Join(w.user, "app")
	os.MkdirAll(locked, 0o000)
	defer os.Chmod(locked, 0o755)
	m := Load(w.env())
	if len(m.Errors) != 1 || len(m.Apps) != 1 {
		t.Fatalf("errors %v apps %d", m.Errors, len(m.Apps))
	}
}

func TestAppDetails(t *testing.T) {
	env, err := GenerateDemo(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	env = env.With(map[string]string{"LANG": "de_DE.UTF-8", "CONFINE_FLATPAK_VERSION": "1.14.10"})
	m := Load(env)
	a, err := m.App("org.paperwork.Office")
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "Paperwork Office (Demo)" || a.Developer != "The Paperwork Foundation" || a.Version != "24.8.2" || a.ReleaseDate != "2026-10-01" ||
		a.Summary != "Write documents, spreadsheets and slides" || !strings.HasSuffix(a.Icon, ".svg") || a.Runtime != "org.freedesktop.Platform/x86_64/23.08" ||
		a.Branch != "stable" || a.Arch != "x86_64" {
		t.Fatalf("details: %+v", a)
	}
	broken, _ := m.App("com.broken.Example")
	if broken.Name != "Example" || broken.Err == nil {
		t.Fatalf("broken app: %+v", broken)
	}
	if len(m.Apps) != len(DemoApps)+1 {
		t.Fatalf("%d apps, want %d", len(m.Apps), len(DemoApps)+1)
	}
}

func TestLocales(t *testing.T) {
	got := Locales(MapEnv(map[string]string{"LANG": "de_AT.UTF-8@euro", "LANGUAGE": "fr_CA:en"}))
	want := "fr_CA fr en de_AT@euro de_AT de@euro de"
	if strings.Join(got, " ") != want {
		t.Fatalf("got %q want %q", got, want)
	}
	if l := Locales(MapEnv(map[string]string{"LC_ALL": "C"})); len(l) != 0 {
		t.Fatalf("C locale gave %q", l)
	}
}

func TestFlatpakVersion(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Version
		ok   bool
	}{{"Flatpak 1.14.10\n", Version{1, 14, 10}, true}, {"1.15", Version{1, 15, 0}, true}, {"one", Version{}, false}, {"1.2.3.4", Version{}, false}} {
		v, err := ParseVersion(tc.in)
		if (err == nil) != tc.ok || v != tc.want {
			t.Errorf("%q: %v %v", tc.in, v, err)
		}
	}
	if !(Version{1, 14, 10}).Less(Version{1, 15, 0}) || (Version{1, 15, 0}).Less(Version{1, 14, 99}) {
		t.Error("ordering")
	}
	dir := t.TempDir()
	info := filepath.Join(dir, "flatpak-info")
	os.WriteFile(info, []byte("[Application]\nname=io.github.confine_app.Confine\n\n[Instance]\nflatpak-version=1.16.1\n"), 0o644)
	v, err := DetectFlatpakVersion(MapEnv(map[string]string{"CONFINE_FLATPAK_INFO": info}))
	if err != nil || v != (Version{1, 16, 1}) {
		t.Fatalf("sandboxed: %v %v", v, err)
	}
	if _, err := DetectFlatpakVersion(MapEnv(map[string]string{"CONFINE_FLATPAK_VERSION": "x"})); err == nil {
		t.Fatal("bad override accepted")
	}
	if p := Lookup("devices/usb"); p.Supported(Version{1, 14, 10}) || !p.Supported(Version{1, 15, 11}) || !p.Supported(Version{}) {
		t.Fatal("usb support gate")
	}
}

func TestSandboxPaths(t *testing.T) {
	dir := t.TempDir()
	info := filepath.Join(dir, "flatpak-info")
	os.WriteFile(info, []byte("[Instance]\nflatpak-version=1.14.10\n"), 0o644)
	vars := map[string]string{"CONFINE_FLATPAK_INFO": info, "HOME": "/home/u", "XDG_DATA_HOME": "/home/u/.var/app/x/data"}
	env := MapEnv(vars)
	userDir := func(e Env) string {
		d, err := e.UserDir()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if !env.Sandboxed() || userDir(env) != "/home/u/.local/share/flatpak" || env.ConfigDir() != "/run/host/etc/flatpak" {
		t.Fatalf("sandbox: %v %q %q", env.Sandboxed(), userDir(env), env.ConfigDir())
	}
	vars["HOST_XDG_DATA_HOME"] = "/data/u"
	if userDir(env) != "/data/u/flatpak" {
		t.Fatalf("HOST_XDG_DATA_HOME ignored: %q", userDir(env))
	}
	vars["FLATPAK_USER_DIR"] = "/x"
	if userDir(env) != "/x" {
		t.Fatal("FLATPAK_USER_DIR ignored")
	}
	host := MapEnv(map[string]string{"CONFINE_FLATPAK_INFO": filepath.Join(dir, "none"), "HOME": "/home/u", "XDG_DATA_HOME": "/xdg"})
	if host.Sandboxed() || userDir(host) != "/xdg/flatpak" || host.SystemDir() != "/var/lib/flatpak" || host.ConfigDir() != "/etc/flatpak" {
		t.Fatalf("host: %q %q %q", userDir(host), host.SystemDir(), host.ConfigDir())
	}
}

func TestCatalogueIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Catalogue {
		if seen[p.ID] || p.Title == "" || p.Description == "" || p.Group == "" {
			t.Errorf("bad entry %+v", p)
		}
		seen[p.ID] = true
		switch p.Group {
		case GroupShare, GroupSockets, GroupDevices, GroupFeatures:
			if err := overrides.Flatpak119.ValidateName(p.Key, p.Value); err != nil {
				t.Errorf("%s: %v", p.ID, err)
			}
		case GroupFilesystem:
			if _, err := overrides.NormaliseLocation(overrides.Flatpak119, p.Value); err != nil {
				t.Errorf("%s: %v", p.ID, err)
			}
		}
	}
	// Every fixed name the override engine knows has a row.
	for _, key := range overrides.FixedKeys {
		for _, n := range overrides.Names(key) {
			if LookupFixed(key, n) == nil {
				t.Errorf("%s=%s has no catalogue entry", key, n)
			}
		}
	}
}

func TestDemoIsRealistic(t *testing.T) {
	dir := t.TempDir()
	env, err := GenerateDemo(dir, 5)
	if err != nil {
		t.Fatal(err)
	}
	m := Load(env)
	if len(m.Apps) != len(DemoApps)+1+5 {
		t.Fatalf("%d apps", len(m.Apps))
	}
	var native, x11only, escape int
	for _, a := range m.Apps {
		if a.Err != nil {
			continue
		}
		e := m.Effective(a)
		if e.WaylandNative() {
			native++
		}
		if e.Socket("x11") && !e.Socket("wayland") {
			x11only++
		}
		if s, ok := e.SessionBus["org.freedesktop.Flatpak"]; ok && s.Policy >= overrides.PolicyTalk {
			escape++
		}
	}
	if native == 0 || x11only == 0 {
		t.Fatalf("demo lacks variety: %d native, %d X11-only", native, x11only)
	}
	// The user's global override takes org.freedesktop.Flatpak away from
	// user-installed apps too (their metadata asks for it).
	if escape != 0 {
		t.Fatalf("%d apps still talk to org.freedesktop.Flatpak", escape)
	}
	if !bytes.Contains([]byte(readFile(t, filepath.Join(dir, "user", "overrides", "global"))), []byte("org.freedesktop.Flatpak=none")) {
		t.Fatal("demo global override missing")
	}
}

func readFile(t *testing.T, p string) string {
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
