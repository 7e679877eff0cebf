package fptest

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/confine-app/confine/internal/testbin"
)

// Run with CONFINE_TEST_FLATPAK=all to cover every release.

func TestParseOracleNames(t *testing.T) {
	t.Setenv("CONFINE_ROOT", "")
	for spec, want := range map[string][]string{
		"": {"1.14"}, "all": {"1.14", "1.16", "1.18", "1.16-debian", "1.18-debian"}, "1.18": {"1.18"},
		" 1.18, 1.14 ,1.18": {"1.18", "1.14"}, "1.18-debian,1.18": {"1.18-debian", "1.18"},
	} {
		got, err := parseOracleNames(spec)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%q: got %q, %v; want %q", spec, got, err, want)
		}
	}
	for _, bad := range []string{"1.15", "1.18,", "1.14 1.16", "ALL", "1.18.1", "1.18-ubuntu"} {
		if got, err := parseOracleNames(bad); err == nil {
			t.Errorf("%q accepted as %q", bad, got)
		}
	}
	// Inside a root, the machine's flatpak is the root's packaged one.
	t.Setenv("CONFINE_ROOT", "forky")
	if got, err := parseOracleNames(""); err != nil || !slices.Equal(got, []string{"1.18-debian"}) {
		t.Errorf("inside forky: got %q, %v; want [1.18-debian]", got, err)
	}
}

// Each oracle is the release it claims to be, and an installation using it
// runs it rather than the flatpak in PATH.
func TestOraclesReportTheirVersion(t *testing.T) {
	ForEachOracle(t, func(t *testing.T, o Oracle) {
		if !strings.HasPrefix(o.Version, o.Name+".") || !strings.HasPrefix(o.Key, o.Name) {
			t.Fatalf("oracle %s (series %s) is version %s", o.Key, o.Name, o.Version)
		}
		inst := NewWith(t, o)
		if got := strings.TrimSpace(inst.Must("--version")); got != "Flatpak "+o.Version {
			t.Fatalf("the installation's flatpak says %q, want Flatpak %s", got, o.Version)
		}
	})
}

// An override written by each oracle is where the installation says, reads
// back with --show, shows the release's own way of writing fallback-x11,
// and reads back with every other oracle too.
func TestOracleOverridesReadBack(t *testing.T) {
	const id = "org.confine.ReadBack"
	ForEachOracle(t, func(t *testing.T, o Oracle) {
		inst := NewWith(t, o)
		inst.Must("override", "--user", "--socket=fallback-x11", "--nofilesystem=home", "--env=CONFINE_A=1", id)
		data, err := os.ReadFile(filepath.Join(inst.User, "overrides", id))
		if err != nil {
			t.Fatal(err)
		}
		// 1.18 no longer writes x11 next to fallback-x11.
		sockets := "sockets=x11;fallback-x11;"
		if o.Name == "1.18" {
			sockets = "sockets=fallback-x11;"
		}
		for _, want := range []string{"[Context]", sockets, "filesystems=!home;", "[Environment]", "CONFINE_A=1"} {
			if !slices.Contains(strings.Split(string(data), "\n"), want) {
				t.Errorf("flatpak %s wrote no line %q:\n%s", o.Version, want, data)
			}
		}
		for _, reader := range Oracles(t) {
			inst.Oracle = reader
			shown := inst.Must("override", "--user", "--show", id)
			if !strings.Contains(shown, "CONFINE_A=1") || !strings.Contains(shown, "filesystems=!home;") {
				t.Errorf("flatpak %s shows what %s wrote as:\n%s\nfile:\n%s", reader.Version, o.Version, shown, data)
			}
			if reader.Name == o.Name && shown != string(data) {
				t.Errorf("flatpak %s --show differs from its file:\n%s\nfile:\n%s", o.Version, shown, data)
			}
		}
	})
}

// Everything the tests do with flatpak works with each oracle's binary:
// build-finish, build-export (which validates icons with a helper), install
// (which runs triggers and exports launchers), info, override, a real run.
func TestOracleInstallsAndRuns(t *testing.T) {
	const id = "org.confine.Full"
	ForEachOracle(t, func(t *testing.T, o Oracle) {
		inst := NewWith(t, o)
		app := App{ID: id, Finish: []string{"--socket=wayland", "--share=network"}}
		files := map[string][]byte{
			"share/applications/" + id + ".desktop":         []byte("[Desktop Entry]\nType=Application\nName=Full\nExec=run\nIcon=" + id + "\n"),
			"share/icons/hicolor/64x64/apps/" + id + ".png": testIcon(t),
		}
		inst.InstallWithFiles(app, false, files)
		inst.InstallWithFiles(app, true, files)
		for _, where := range []string{"--user", "--system"} {
			if out := inst.Must(where, "run", id, "hello", "there"); out != "hello there\n" {
				t.Errorf("%s run printed %q", where, out)
			}
		}
		inst.Must("override", "--user", "--nosocket=wayland", id)
		perms := inst.Must("info", "--user", "--show-permissions", id)
		if !strings.Contains(perms, "shared=network;") || strings.Contains(perms, "wayland") {
			t.Errorf("info --show-permissions after --nosocket=wayland:\n%s", perms)
		}
		desktop, err := os.ReadFile(filepath.Join(inst.User, "exports", "share", "applications", id+".desktop"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(desktop), "Exec="+o.Self+" run ") {
			t.Errorf("the exported launcher does not run %s:\n%s", o.Self, desktop)
		}
		if _, err := os.Stat(filepath.Join(inst.User, "exports", "share", "icons", "hicolor", "64x64", "apps", id+".png")); err != nil {
			t.Errorf("icon not exported: %v", err)
		}
		// update-desktop-database writes this: the install ran the triggers.
		if _, err := os.Stat(filepath.Join(inst.User, "exports", "share", "applications", "mimeinfo.cache")); err != nil {
			t.Errorf("the desktop-database trigger did not run: %v", err)
		}
	})
}

func testIcon(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for x := range 64 {
		img.Set(x, x, color.RGBA{200, 40, 40, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The recorder shows what flatpak would grant a Wayland-native app with an
// X11 fallback, in an X11 and in a Wayland session, and how each release
// reads overrides that take one of the two away.
func TestRecordedRunShowsTheDisplay(t *testing.T) {
	const id = "org.confine.Display"
	ForEachOracle(t, func(t *testing.T, o Oracle) {
		inst := NewWith(t, o)
		inst.Install(App{ID: id, Finish: []string{"--socket=fallback-x11", "--socket=wayland"}}, false)
		x11Session := NewSession(t, false, ":99")
		waylandSession := NewSession(t, true, ":99")
		record := func(s *Session) *Launch {
			t.Helper()
			l, err := inst.RecordRun(s, "--user", id, "an argument")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(l.Command(), []string{"run", "an argument"}) {
				t.Fatalf("command %q:\n%s", l.Command(), l)
			}
			if info := string(l.Files["/.flatpak-info"]); !strings.Contains(info, "name="+id+"\n") {
				t.Fatalf("/.flatpak-info is %q", info)
			}
			return l
		}
		check := func(what string, s *Session, x11, wayland bool) {
			t.Helper()
			l := record(s)
			if l.X11() != x11 || l.Wayland() != wayland {
				t.Errorf("%s: X11 %v Wayland %v, want X11 %v Wayland %v; bwrap args:\n%s", what, l.X11(), l.Wayland(), x11, wayland, l)
			}
		}
		check("X11 session", x11Session, true, false)
		check("Wayland session", waylandSession, false, true)

		// 1.18 evaluates fallback-x11 as "x11 unless the host has a Wayland
		// socket" and lets an override's x11 entry replace it; older
		// releases keep fallback-x11 apart from x11 and ask whether the app
		// itself got Wayland.
		newer := o.Name == "1.18"
		inst.Must("override", "--user", "--nosocket=wayland", id)
		check("Wayland session, --nosocket=wayland", waylandSession, !newer, false)
		inst.Must("override", "--user", "--reset", id)
		inst.Must("override", "--user", "--nosocket=x11", id)
		check("X11 session, --nosocket=x11", x11Session, !newer, false)
		check("Wayland session, --nosocket=x11", waylandSession, false, true)
	})
}

func TestLaunchGetenv(t *testing.T) {
	l := &Launch{
		Environ: []string{"A=host", "B=host", "C=host"},
		Args:    []string{"--setenv", "B", "set", "--unsetenv", "C", "--setenv", "D", "x=y", "--", "run", "--setenv", "A", "app"},
	}
	for name, want := range map[string]string{"A": "host", "B": "set", "D": "x=y"} {
		if got, ok := l.Getenv(name); !ok || got != want {
			t.Errorf("%s = %q, %v; want %q", name, got, ok, want)
		}
	}
	if got, ok := l.Getenv("C"); ok {
		t.Errorf("C = %q after --unsetenv", got)
	}
	l.Args = append([]string{"--clearenv"}, l.Args...)
	if got, ok := l.Getenv("A"); ok {
		t.Errorf("A = %q after --clearenv", got)
	}
}

// A packaged oracle's commands run in its root through a server (see
// rootexec.go); to its caller a command behaves as if run directly: its
// arguments, environment, folder, input and output, its exit status, and
// death by a signal (flatpak 1.18 crashes on some files, and the suites
// tell a crash from a refusal).
func TestPackagedOracleServer(t *testing.T) {
	ForEachOracle(t, func(t *testing.T, o Oracle) {
		if o.Root == "" {
			t.Skip("not a packaged oracle")
		}
		if os.Getenv("CONFINE_ROOT") != "" {
			t.Skip("inside a root, packaged oracles run through their wrappers")
		}
		sh, err := rootServer(testbin.Root(t), o.Root, "/bin/sh")
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		cmd := exec.Command(sh, "-c", `read line; echo "$line|$1|$FPTEST_MARK|$CONFINE_ROOT|$(pwd)"; echo oops >&2; exit 3`, "sh", "arg one")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "FPTEST_MARK=marked")
		cmd.Stdin = strings.NewReader("input\n")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err = cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 3 {
			t.Fatalf("exit status: %v, want 3", err)
		}
		if want := "input|arg one|marked|" + o.Root + "|" + dir + "\n"; out.String() != want || errb.String() != "oops\n" {
			t.Fatalf("stdout %q, stderr %q; want %q and \"oops\\n\"", out.String(), errb.String(), want)
		}
		err = exec.Command(sh, "-c", "kill -SEGV $$").Run()
		if !errors.As(err, &ee) || ee.Exited() || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGSEGV {
			t.Fatalf("a command killed by SIGSEGV: %v, want the caller to die of SIGSEGV too", err)
		}
	})
}
