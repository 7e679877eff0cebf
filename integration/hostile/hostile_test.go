// Package hostile runs a corpus of hostile inputs through the real confine
// binary: override files (NUL bytes, control characters, CRLF, FIFOs where
// files or the lock should be, links to nowhere, 4 MiB), arguments (empty
// and 255-byte app IDs, escape sequences, /dev/zero, FIFOs and pipes as
// policy files), policies (whole-file text Flatpak refuses, deep nesting,
// 20,000 variables, folders or bus names, keys of 20,000 characters, bytes
// that are not UTF-8, a variable named #A, an export with files that are
// not UTF-8), permission-store entries (window titles and handlers with
// escape sequences, values the portal reads its own way, exported and
// imported) and environments (no
// HOME, a relative one, FIFOs for configuration, metadata and state, apps
// whose names and variables carry escape sequences).
//
// Every run of confine has a time limit (a hang fails the case; the
// process group is killed), and every run is checked the same way: its
// output is terminal-safe (no control characters but new lines, tabs and
// CRLF, no bidirectional overrides, only UTF-8), it did not panic, and its
// exit status is one of Confine's. Where Flatpak has an answer, the real
// flatpak gives the expected one.
//
// CONFINE_HOSTILE_BIN=/path/to/confine runs the corpus against another
// build (an older one, to see which cases it fails).
package hostile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/model"
)

var confineBin string

func TestMain(m *testing.M) {
	if b := os.Getenv("CONFINE_HOSTILE_BIN"); b != "" {
		confineBin = b
		os.Exit(m.Run())
	}
	testbin.MainCLI(m, &confineBin)
}

// caseLimit bounds one run of confine. Every case finishes in well under
// a second; this is a guard against a hang, not a performance target.
const caseLimit = 30 * time.Second

// world is a throw-away set of Flatpak folders and a home folder. Nothing
// of the machine's own is ever read or written: every run gets exactly
// the variables of vars.
type world struct {
	root, user, system, config, home string
	vars                             map[string]string
}

func newWorld(t *testing.T) *world {
	root := t.TempDir()
	w := &world{root: root, user: filepath.Join(root, "user"), system: filepath.Join(root, "system"),
		config: filepath.Join(root, "etc"), home: filepath.Join(root, "home")}
	for _, d := range []string{w.user, w.system, w.config, w.home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	w.vars = map[string]string{
		"PATH": os.Getenv("PATH"), "LC_ALL": "C.UTF-8", "HOME": w.home,
		"FLATPAK_USER_DIR": w.user, "FLATPAK_SYSTEM_DIR": w.system, "FLATPAK_CONFIG_DIR": w.config,
		"XDG_STATE_HOME": filepath.Join(root, "state"), "XDG_CACHE_HOME": filepath.Join(root, "cache"),
		"XDG_DATA_HOME": filepath.Join(root, "data"), "CONFINE_FLATPAK_VERSION": "1.14.10",
		"CONFINE_FLATPAK_INFO": filepath.Join(root, "no-flatpak-info"), "DISPLAY": "",
		// No session bus: portal permissions are "unavailable" at once.
		"DBUS_SESSION_BUS_ADDRESS": "unix:path=" + filepath.Join(root, "no-bus"),
	}
	return w
}

// overrides is the user's overrides folder (made on first use).
func (w *world) overrides(t *testing.T) string {
	d := filepath.Join(w.user, "overrides")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

func (w *world) writeOverride(t *testing.T, target string, data []byte) string {
	t.Helper()
	p := filepath.Join(w.overrides(t), target)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readOverride is an override's bytes, nil for none.
func (w *world) readOverride(t *testing.T, target string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(w.user, "overrides", target))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// installDemo puts a few apps into the user installation, the way
// Flatpak lays them out (model.WriteDemoApp), no flatpak needed.
func (w *world) installDemo(t *testing.T, apps ...model.DemoApp) {
	t.Helper()
	for _, a := range apps {
		if err := model.WriteDemoApp(w.user, a); err != nil {
			t.Fatal(err)
		}
	}
}

// plainApp is an app that asks for nothing dangerous.
var plainApp = model.DemoApp{ID: "org.hostile.Plain", Name: "Plain", Summary: "s", Version: "1", Context: "sockets=wayland;\n"}

// call is one run of confine.
type call struct {
	args  []string
	stdin []byte
	env   map[string]string // added to (and, for "\x00unset", taken from) the world's
	dir   string            // working folder; default: a fresh empty one
	files []*os.File        // extra open files, fd 3 onwards
	uid   int               // run as this user (0: as the test)
}

type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("exit %d in %s\nstdout: %.2000q\nstderr: %.2000q", r.code, r.took.Round(time.Millisecond), r.stdout, r.stderr)
}

// confine runs the binary with the world's variables, under the time
// limit, and applies the checks every run must pass.
func (w *world) confine(t *testing.T, args ...string) result {
	t.Helper()
	return w.run(t, call{args: args})
}

func (w *world) run(t *testing.T, c call) result {
	t.Helper()
	r := runLimited(t, confineBin, w.environ(c.env), c)
	checkOutput(t, c.args, r)
	return r
}

func (w *world) environ(extra map[string]string) []string {
	vars := map[string]string{}
	for k, v := range w.vars {
		vars[k] = v
	}
	for k, v := range extra {
		if v == "\x00unset" {
			delete(vars, k)
		} else {
			vars[k] = v
		}
	}
	var env []string
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// runLimited runs a program in its own process group; a run that outlives
// caseLimit fails the test, and its whole group is killed by its ID.
func runLimited(t *testing.T, bin string, env []string, c call) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), caseLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, c.args...)
	cmd.Env = env
	cmd.Dir = c.dir
	if cmd.Dir == "" {
		cmd.Dir = t.TempDir()
	}
	cmd.Stdin = bytes.NewReader(c.stdin)
	cmd.ExtraFiles = c.files
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if c.uid != 0 {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(c.uid), Gid: uint32(c.uid)}
	}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("%s %q hung: killed after %s\n%s", filepath.Base(bin), c.args, caseLimit, r)
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ee.Exited():
		r.code = ee.ExitCode()
	case errors.As(err, &ee):
		t.Fatalf("%s %q died: %v\n%s", filepath.Base(bin), c.args, err, r)
	case err != nil:
		t.Fatal(err)
	}
	return r
}

// checkOutput holds every run of confine to the rules of the corpus.
func checkOutput(t *testing.T, args []string, r result) {
	t.Helper()
	for name, s := range map[string]string{"stdout": r.stdout, "stderr": r.stderr} {
		if err := terminalSafe(s); err != nil {
			t.Errorf("confine %q: %s is not terminal-safe: %v\n%s", args, name, err, r)
		}
	}
	if strings.Contains(r.stderr, "panic:") || strings.Contains(r.stderr, "goroutine ") {
		t.Errorf("confine %q panicked:\n%s", args, r)
	}
	switch r.code {
	case 0, 1, 2, 3:
	default:
		t.Errorf("confine %q: exit status %d is none of Confine's\n%s", args, r.code, r)
	}
}

// terminalSafe says what in s a terminal would act on rather than show:
// a control character other than a new line, a tab or the CR of a CRLF
// (C0, DEL and C1), a bidirectional embedding, override or isolate, or a
// byte that is not UTF-8.
func terminalSafe(s string) error {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return fmt.Errorf("byte %#x at %d is not UTF-8", s[i], i)
		case r == '\n' || r == '\t' || r == '\r' && strings.HasPrefix(s[i+1:], "\n"):
		case r < 0x20 || r >= 0x7f && r <= 0x9f:
			return fmt.Errorf("control character %U at %d", r, i)
		case r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
			return fmt.Errorf("bidirectional control %U at %d", r, i)
		}
		i += size
	}
	return nil
}

// hostileText is what an app, a file or the desktop may put where Confine
// prints text: a screen clear, a window title, a terminal query, an 8-bit
// CSI, a bidirectional override, a stray byte.
const hostileText = "Evil\x1b[2J\x1b]0;PWNED\x07\x1b[6n\u009b31m\u202eexe.txt\x7f"

func TestTerminalSafeCheckCatchesHostileText(t *testing.T) {
	for _, s := range []string{hostileText, "a\x1bb", "a\rb", "\u0085", "\u2066", "a\xffb"} {
		if terminalSafe(s) == nil {
			t.Errorf("%q passes the check", s)
		}
	}
	for _, s := range []string{"plain\n", "a\tb\r\n", "Данные ✓ 😀", "'Evil\\x1B[2J'"} {
		if err := terminalSafe(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
}

// mkfifo makes a FIFO nobody writes to.
func mkfifo(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
}

// mustContain fails unless s holds every want.
func mustContain(t *testing.T, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}
