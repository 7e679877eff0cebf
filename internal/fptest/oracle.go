package fptest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/confine-app/confine/internal/testbin"
)

// OracleVar names the environment variable that chooses the Flatpak
// builds oracle-backed tests run against: "1.14" (Debian 12's
// /usr/bin/flatpak), "1.16" and "1.18" (built from the release tarballs by
// build-aux/oracles), "1.16-debian" and "1.18-debian" (Flatpak as Debian 13
// and Debian testing package it, run inside their roots by
// build-aux/root), a comma-separated list of these, or "all". Unset means
// the machine's own flatpak: "1.14" on a Debian 12 host, and inside a root
// made by build-aux/root (CONFINE_ROOT set) the root's packaged one.
const OracleVar = "CONFINE_TEST_FLATPAK"

// OracleNames are the Flatpak builds tests can run against, oldest series
// first.
var OracleNames = []string{"1.14", "1.16", "1.18", "1.16-debian", "1.18-debian"}

// packaged maps the packaged oracles to the build-aux/root roots that hold
// them.
var packaged = map[string]string{"1.16-debian": "trixie", "1.18-debian": "forky"}

// Oracle is one real Flatpak CLI that tests compare Confine with.
type Oracle struct {
	Key     string // its name in OracleVar: "1.18" or "1.18-debian"
	Name    string // release series: "1.14", "1.16" or "1.18"
	Version string // what `flatpak --version` says, e.g. "1.14.10"
	Bin     string // path of the flatpak binary
	// Self is the binary's path as flatpak sees it, which it writes into
	// exported launchers: Bin, but /usr/bin/flatpak for a packaged
	// oracle, which runs inside its root.
	Self string
	// Root is the build-aux/root root a packaged oracle runs in ("" for
	// the others). Its sandboxes see that root's file system, which shares
	// only /tmp, /dev, /proc, /sys and /run with this machine.
	Root string
}

// debianFlatpak is the 1.14 oracle. It is named by path, not looked up in
// PATH, so that a newer flatpak earlier in PATH cannot stand in for it.
const debianFlatpak = "/usr/bin/flatpak"

// Oracles returns the oracles $CONFINE_TEST_FLATPAK asks for, building the
// missing ones with build-aux/oracles (at most once per test process).
// When one cannot exist here (Debian's flatpak missing, the source
// tarballs absent) the test is skipped loudly, and fails in CI.
func Oracles(t testing.TB) []Oracle {
	t.Helper()
	names, err := parseOracleNames(os.Getenv(OracleVar))
	if err != nil {
		t.Fatal(err)
	}
	var out []Oracle
	for _, name := range names {
		r := oracle(t, name)
		if r.unavailable != "" {
			testbin.Unavailable(t, fmt.Sprintf("Flatpak %s oracle unavailable: %s", name, r.unavailable))
		}
		if r.err != nil {
			t.Fatalf("Flatpak %s oracle: %v", name, r.err)
		}
		out = append(out, r.o)
	}
	return out
}

// OracleFor is the oracle key, whatever OracleVar asks for: for tests about
// one release's behaviour. Like Oracles, it skips loudly where the oracle
// cannot exist, and fails in CI.
func OracleFor(t testing.TB, key string) Oracle {
	t.Helper()
	if !slices.Contains(OracleNames, key) {
		t.Fatalf("no Flatpak oracle %q (want one of %s)", key, strings.Join(OracleNames, ", "))
	}
	r := oracle(t, key)
	if r.unavailable != "" {
		testbin.Unavailable(t, fmt.Sprintf("Flatpak %s oracle unavailable: %s", key, r.unavailable))
	}
	if r.err != nil {
		t.Fatalf("Flatpak %s oracle: %v", key, r.err)
	}
	return r.o
}

// ForEachOracle runs f as a subtest per oracle, named after its key.
func ForEachOracle(t *testing.T, f func(t *testing.T, o Oracle)) {
	t.Helper()
	for _, o := range Oracles(t) {
		t.Run(o.Key, func(t *testing.T) { f(t, o) })
	}
}

func parseOracleNames(spec string) ([]string, error) {
	spec = strings.TrimSpace(spec)
	switch spec {
	case "":
		for key, root := range packaged {
			if root == os.Getenv("CONFINE_ROOT") {
				return []string{key}, nil
			}
		}
		return []string{"1.14"}, nil
	case "all":
		return OracleNames, nil
	}
	var names []string
	for _, n := range strings.Split(spec, ",") {
		n = strings.TrimSpace(n)
		if !slices.Contains(OracleNames, n) {
			return nil, fmt.Errorf("%s=%q: unknown Flatpak series %q (want %s, a comma list of them, or all)",
				OracleVar, spec, n, strings.Join(OracleNames, ", "))
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names, nil
}

type oracleResult struct {
	o           Oracle
	unavailable string // why this oracle cannot exist on this machine
	err         error  // it should exist but does not work
}

// oracles remembers every oracle looked up or built by this process,
// failures included, so that a broken build is not retried by every test.
var oracles struct {
	sync.Mutex
	got map[string]oracleResult
}

func oracle(t testing.TB, name string) oracleResult {
	t.Helper()
	top, err := testbin.Top()
	if err != nil {
		t.Fatal(err)
	}
	return lookupOracle(top, name)
}

// lookupOracle finds, or builds, the oracle name for the source tree top.
func lookupOracle(top, name string) oracleResult {
	oracles.Lock()
	defer oracles.Unlock()
	if r, ok := oracles.got[name]; ok {
		return r
	}
	if oracles.got == nil {
		oracles.got = map[string]oracleResult{}
	}
	var r oracleResult
	switch root, isPackaged := packaged[name]; {
	case isPackaged && os.Getenv("CONFINE_ROOT") == root:
		// Already inside that root: its flatpak is the machine's.
		r = versionedOracle(name, debianFlatpak, "")
	case os.Getenv("CONFINE_ROOT") != "" && os.Getenv(RelayVar) != "":
		// Inside a root the host's oracles cannot run; the host runs
		// them through the relay.
		r = relayedOracle(top, name)
	case name == "1.14":
		r = debianOracle()
	case isPackaged:
		r = packagedOracle(top, name, root)
	default:
		r = builtOracle(top, name)
	}
	oracles.got[name] = r
	return r
}

// series is "1.18" for "1.18-debian".
func series(key string) string {
	s, _, _ := strings.Cut(key, "-")
	return s
}

// versionedOracle asks bin for its version and checks that it is of key's
// series (and exactly want, when given).
func versionedOracle(key, bin, want string) oracleResult {
	o := Oracle{Key: key, Name: series(key), Bin: bin, Self: bin}
	v, err := flatpakVersion(o)
	if err != nil {
		return oracleResult{err: err}
	}
	if want != "" && v != want {
		return oracleResult{err: fmt.Errorf("%s says it is %s, not %s", bin, v, want)}
	}
	if !strings.HasPrefix(v, o.Name+".") {
		return oracleResult{err: fmt.Errorf("%s is Flatpak %s, not %s", bin, v, o.Name)}
	}
	o.Version = v
	return oracleResult{o: o}
}

// packagedOracle runs `build-aux/root flatpak ROOT`, which makes the root
// if needed (minutes, once per machine) and prints "VERSION WRAPPER".
// From inside another root (the window's tests run in trixie), the wrapper
// enters the packaged oracle's root from there.
func packagedOracle(top, key, root string) oracleResult {
	out, err := script(top, "root", "flatpak", root)
	if err != nil {
		return oracleResult{err: err}
	}
	version, bin, ok := strings.Cut(out, " ")
	if !ok {
		return oracleResult{err: fmt.Errorf("build-aux/root flatpak %s printed %q, want \"VERSION PATH\"", root, out)}
	}
	// From the host, commands go through a server this process starts in
	// the root (rootexec.go); the wrapper enters the root for each one.
	if os.Getenv("CONFINE_ROOT") == "" {
		if served, err := rootServer(top, root, debianFlatpak); err == nil {
			bin = served
		} else {
			fmt.Fprintf(os.Stderr, "fptest: %v; running the %s oracle through its wrapper\n", err, key)
		}
	}
	r := versionedOracle(key, bin, version)
	r.o.Self, r.o.Root = debianFlatpak, root
	return r
}

// script runs build-aux/NAME ARGS… and returns what it printed, with its
// progress shown as it happens (a cold build takes minutes).
func script(top, name string, args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(top, "build-aux", name), args...)
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = io.MultiWriter(&errb, os.Stderr)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build-aux/%s %s: %w\n%s", name, strings.Join(args, " "), err, lastLines(errb.String(), 30))
	}
	return strings.TrimSpace(out.String()), nil
}

func debianOracle() oracleResult {
	if _, err := os.Stat(debianFlatpak); err != nil {
		return oracleResult{unavailable: debianFlatpak + " is not installed; run build-aux/dev deps"}
	}
	r := versionedOracle("1.14", debianFlatpak, "")
	if r.err != nil {
		// Another Debian, or a root of build-aux/root.
		return oracleResult{unavailable: fmt.Sprintf("%v (the 1.14 oracle is Debian 12's)", r.err)}
	}
	return r
}

// builtOracle runs build-aux/oracles, which prints "VERSION PREFIX" after
// building the prefix if needed, and exits 3 when the tarballs are absent.
func builtOracle(top, name string) oracleResult {
	if os.Getenv("CONFINE_ROOT") != "" {
		return oracleResult{unavailable: fmt.Sprintf("the Flatpak %s oracle is built for the host, not the %s root", name, os.Getenv("CONFINE_ROOT"))}
	}
	out, err := script(top, "oracles", name)
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) && ee.ExitCode() == 3 {
		return oracleResult{unavailable: err.Error()}
	}
	if err != nil {
		return oracleResult{err: err}
	}
	version, prefix, ok := strings.Cut(out, " ")
	if !ok || !strings.HasPrefix(version, name+".") {
		return oracleResult{err: fmt.Errorf("build-aux/oracles %s printed %q, want \"%s.N PREFIX\"", name, out, name)}
	}
	return versionedOracle(name, filepath.Join(prefix, "bin", "flatpak"), version)
}

// flatpakVersion asks the binary itself: "Flatpak 1.18.1" gives "1.18.1".
func flatpakVersion(o Oracle) (string, error) {
	out, err := exec.Command(o.Bin, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %v", o.Bin, err)
	}
	v, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "Flatpak ")
	if !ok {
		return "", fmt.Errorf("%s --version printed %q", o.Bin, out)
	}
	return v, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// NewWith makes an empty temporary installation set whose flatpak commands
// all run oracle o.
func NewWith(t testing.TB, o Oracle) *Installation {
	i := New(t)
	i.Oracle = o
	return i
}

// bin is the flatpak binary this installation runs.
func (i *Installation) bin() string {
	if i.Oracle.Bin != "" {
		return i.Oracle.Bin
	}
	return "flatpak"
}

// oracleEnviron puts the oracle first in PATH so that programs started
// with Environ (Confine itself) run the same flatpak as Run does.
func (i *Installation) oracleEnviron() []string {
	if i.Oracle.Bin == "" {
		return nil
	}
	var env []string
	if p, err := exec.LookPath("flatpak"); err != nil || p != i.Oracle.Bin {
		env = append(env, "PATH="+filepath.Dir(i.Oracle.Bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	return env
}

// Session is a simulated desktop session for RecordRun: a private
// XDG_RUNTIME_DIR, holding a listening wayland-0 socket in a Wayland
// session, and a DISPLAY.
type Session struct {
	RuntimeDir string
	Wayland    bool
	Display    string // empty: DISPLAY unset
	// Bus is a session bus address for flatpak's own questions (is there a
	// USB portal?); empty: no session bus. The launch gets no bus either
	// way (--no-session-bus, --no-a11y-bus): a bus proxy would be a second
	// bwrap, which the recorder cannot serve.
	Bus string
}

// NewSession makes a session; with wayland, a real listening socket
// $XDG_RUNTIME_DIR/wayland-0 stands for the compositor. Flatpak mostly
// checks only that the socket is there; builds with Wayland
// security-context support (Debian's packages) first ask the compositor's
// registry, and the socket answers that as a compositor without a
// security-context manager would (see answerWayland).
func NewSession(t testing.TB, wayland bool, display string) *Session {
	t.Helper()
	// Not t.TempDir: socket paths must stay under 108 bytes, and test
	// names make those long.
	dir, err := os.MkdirTemp("", "fptest-run-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	s := &Session{RuntimeDir: dir, Wayland: wayland, Display: display}
	if wayland {
		l, err := net.Listen("unix", filepath.Join(dir, "wayland-0"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go answerWayland(c)
			}
		}()
	}
	return s
}

// answerWayland speaks just enough of the Wayland wire protocol for a
// client's registry round trip: it announces no globals and answers each
// wl_display.sync. Flatpak then binds the compositor's socket into the
// sandbox directly, as every build without security-context support does;
// without an answer it would wait forever.
func answerWayland(c net.Conn) {
	defer c.Close()
	// A message: object ID, then size (header included) << 16 | opcode,
	// in the machine's byte order, then the arguments.
	send := func(object, opcode uint32, args ...uint32) error {
		msg := binary.NativeEndian.AppendUint32(nil, object)
		msg = binary.NativeEndian.AppendUint32(msg, uint32(8+4*len(args))<<16|opcode)
		for _, a := range args {
			msg = binary.NativeEndian.AppendUint32(msg, a)
		}
		_, err := c.Write(msg)
		return err
	}
	const display, syncRequest, doneEvent, deleteIDEvent = 1, 0, 0, 1
	var header [8]byte
	for {
		if _, err := io.ReadFull(c, header[:]); err != nil {
			return
		}
		object := binary.NativeEndian.Uint32(header[:4])
		size, opcode := binary.NativeEndian.Uint32(header[4:])>>16, binary.NativeEndian.Uint32(header[4:])&0xffff
		if size < 8 {
			return
		}
		args := make([]byte, size-8)
		if _, err := io.ReadFull(c, args); err != nil {
			return
		}
		if object == display && opcode == syncRequest && len(args) >= 4 {
			callback := binary.NativeEndian.Uint32(args)
			if send(callback, doneEvent, 0) != nil || send(display, deleteIDEvent, callback) != nil {
				return
			}
		}
	}
}

// environ is the session's part of the environment: variables to set and
// variables to remove. It also keeps flatpak away from the machine's
// D-Bus, which flatpak would proxy through a second bwrap that the
// recorder cannot serve.
func (s *Session) environ() (set, unset []string) {
	set = []string{"XDG_RUNTIME_DIR=" + s.RuntimeDir, "DBUS_SYSTEM_BUS_ADDRESS=unix:path=" + filepath.Join(s.RuntimeDir, "no-system-bus")}
	unset = []string{"WAYLAND_SOCKET"}
	if s.Bus != "" {
		set = append(set, "DBUS_SESSION_BUS_ADDRESS="+s.Bus)
	} else {
		unset = append(unset, "DBUS_SESSION_BUS_ADDRESS")
	}
	if s.Wayland {
		set = append(set, "WAYLAND_DISPLAY=wayland-0")
	} else {
		unset = append(unset, "WAYLAND_DISPLAY")
	}
	if s.Display != "" {
		set = append(set, "DISPLAY="+s.Display)
	} else {
		unset = append(unset, "DISPLAY")
	}
	return set, unset
}

// Launch is what `flatpak run` asked bubblewrap to do.
type Launch struct {
	// Args are bwrap's arguments, with the argument files flatpak passes
	// by descriptor (--args FD) read in place.
	Args []string
	// Environ is the environment bwrap was started with.
	Environ []string
	// Files holds the files flatpak passes by descriptor (--file,
	// --ro-bind-data, --bind-data) by their path in the sandbox, e.g.
	// "/.flatpak-info".
	Files map[string][]byte
	// Messages is what flatpak run --verbose printed on its standard error.
	Messages string
}

// recorder stands in for bwrap. It saves its arguments and its environment
// as exec'd (before sh adds PWD), NUL-separated, and a copy of every
// regular file open on a descriptor above 2 (where flatpak passes argument
// files and file contents), then exits 0 without running anything.
const recorder = `#!/bin/sh
out=%s
mkdir "$out/$$" || exit 1
for a in "$@"; do printf '%%s\000' "$a"; done >"$out/$$/argv"
cat "/proc/$$/environ" >"$out/$$/environ"
for f in /proc/self/fd/*; do
	n=${f##*/}
	case $n in 0|1|2) continue ;; esac
	if [ -f "$f" ]; then
		cat "$f" >"$out/$$/fd-$n" 2>/dev/null || rm -f "$out/$$/fd-$n"
	fi
done
exit 0
`

// RecordRun runs `flatpak run ARGS…` in session s with bubblewrap replaced
// by a recorder (FLATPAK_BWRAP), and returns what flatpak asked bwrap to
// do: what the app would be granted, without a sandbox. HOME is
// Root/home. The machine's D-Bus buses are hidden from flatpak, so the
// launch has no bus proxy.
func (i *Installation) RecordRun(s *Session, args ...string) (*Launch, error) {
	i.t.Helper()
	dir, err := os.MkdirTemp(i.Root, "bwrap-record-")
	if err != nil {
		return nil, err
	}
	script := filepath.Join(dir, "bwrap")
	if err := os.WriteFile(script, []byte(fmt.Sprintf(recorder, shellQuote(dir))), 0o755); err != nil {
		return nil, err
	}
	set, unset := s.environ()
	env := slices.DeleteFunc(append(os.Environ(), i.Environ()...), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return slices.Contains(unset, k)
	})
	env = append(append(env, set...), "FLATPAK_BWRAP="+script)
	if i.Home == "" {
		env = append(env, "HOME="+filepath.Join(i.Root, "home"))
	}
	run := []string{"run", "--verbose"}
	if s.Bus != "" {
		run = append(run, "--no-session-bus", "--no-a11y-bus")
	}
	_, messages, err := i.runBoth(env, append(run, args...)...)
	if err != nil {
		return nil, err
	}
	calls, _ := filepath.Glob(filepath.Join(dir, "[0-9]*"))
	if len(calls) != 1 {
		return nil, fmt.Errorf("flatpak run %s started bwrap %d times, want once", strings.Join(args, " "), len(calls))
	}
	l, err := readLaunch(calls[0])
	if err != nil {
		return nil, err
	}
	l.Messages = messages
	return l, nil
}

func readLaunch(dir string) (*Launch, error) {
	read := func(name string) ([]string, error) {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		return splitNUL(data), nil
	}
	fd := func(n string) ([]byte, error) {
		data, err := os.ReadFile(filepath.Join(dir, "fd-"+n))
		if err != nil {
			return nil, fmt.Errorf("bwrap was passed descriptor %s, which is not a readable file: %v", n, err)
		}
		return data, nil
	}
	argv, err := read("argv")
	if err != nil {
		return nil, err
	}
	l := &Launch{Files: map[string][]byte{}}
	if l.Environ, err = read("environ"); err != nil {
		return nil, err
	}
	for k := 0; k < len(argv); k++ {
		a := argv[k]
		n, joined := strings.CutPrefix(a, "--args=")
		if a == "--args" && k+1 < len(argv) {
			n, joined = argv[k+1], true
			k++
		}
		if !joined {
			l.Args = append(l.Args, a)
			continue
		}
		data, err := fd(n)
		if err != nil {
			return nil, err
		}
		l.Args = append(l.Args, splitNUL(data)...)
	}
	for k := 0; k+2 < len(l.Args); k++ {
		switch l.Args[k] {
		case "--file", "--ro-bind-data", "--bind-data":
			data, err := fd(l.Args[k+1])
			if err != nil {
				return nil, err
			}
			l.Files[l.Args[k+2]] = data
			k += 2
		}
	}
	return l, nil
}

func splitNUL(data []byte) []string {
	var out []string
	for _, s := range bytes.Split(data, []byte{0}) {
		out = append(out, string(s))
	}
	if len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1] // the terminator after the last one
	}
	return out
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Has reports whether args appear in a row among the launch's arguments.
func (l *Launch) Has(args ...string) bool {
	for k := 0; k+len(args) <= len(l.Args); k++ {
		if slices.Equal(l.Args[k:k+len(args)], args) {
			return true
		}
	}
	return false
}

// USB reports whether flatpak gave the app USB devices. It says so in its
// verbose messages: the bind of /dev/bus/usb that follows is left out on a
// machine without that folder.
func (l *Launch) USB() bool {
	return strings.Contains(l.Messages, "F: Allowing USB device access.\n")
}

// Getenv is a variable as the app would see it: bwrap's environment (empty
// after --clearenv), changed by --setenv and --unsetenv in order.
func (l *Launch) Getenv(name string) (string, bool) {
	val, ok := "", false
	for _, kv := range l.Environ {
		if k, v, _ := strings.Cut(kv, "="); k == name {
			val, ok = v, true
		}
	}
	for k := 0; k < len(l.Args); k++ {
		switch {
		case l.Args[k] == "--":
			return val, ok // the app's own arguments follow
		case l.Args[k] == "--clearenv":
			val, ok = "", false
		case l.Args[k] == "--setenv" && k+2 < len(l.Args):
			if l.Args[k+1] == name {
				val, ok = l.Args[k+2], true
			}
			k += 2
		case l.Args[k] == "--unsetenv" && k+1 < len(l.Args):
			if l.Args[k+1] == name {
				val, ok = "", false
			}
			k++
		}
	}
	return val, ok
}

// X11 reports whether the app gets the X11 display: flatpak passes DISPLAY
// on only when it grants X11 (it binds /tmp/.X11-unix/XN as well when
// that socket exists).
func (l *Launch) X11() bool {
	_, ok := l.Getenv("DISPLAY")
	return ok
}

// Wayland reports whether the app gets the compositor's socket: flatpak
// binds it at /run/flatpak/wayland-0 only when it grants Wayland and the
// socket exists.
func (l *Launch) Wayland() bool {
	for k := 0; k+2 < len(l.Args); k++ {
		if l.Args[k] == "--ro-bind" && strings.HasPrefix(l.Args[k+2], "/run/flatpak/wayland-") {
			return true
		}
	}
	return false
}

// Command is what bwrap would run in the sandbox: everything after "--".
func (l *Launch) Command() []string {
	if k := slices.Index(l.Args, "--"); k >= 0 {
		return l.Args[k+1:]
	}
	return nil
}

// String lists a launch's arguments one per line, for failure messages.
func (l *Launch) String() string {
	var b strings.Builder
	for _, a := range l.Args {
		fmt.Fprintf(&b, "%q\n", a)
	}
	return b.String()
}
