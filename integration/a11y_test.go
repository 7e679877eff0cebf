package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/testbin"
)

// TestScreenReaderReadsSwitches starts the window on the demo installation
// in a D-Bus session with the accessibility bus, and reads it with AT-SPI
// (Debian's python3-pyatspi), as Orca would: each permission switch must be
// announced with its title and its state.
func TestScreenReaderReadsSwitches(t *testing.T) {
	needScreenReader(t)
	display, stop := startXvfb(t)
	defer stop()
	// The window registers on the accessibility bus when it maps; the reader
	// starts once it is up.
	text := readWindow(t, display, confineBin+" --demo --app net.waveline.Browser", "", "", "CONFINE_FLATPAK_VERSION=1.14.10")
	// The demo user revoked x11 for this browser, but on Flatpak 1.14 its
	// fallback-x11 still gives it X11 where no Wayland session runs (this
	// X server is such a session): a conditional grant, read out with its
	// condition. It asks for network.
	for _, want := range []string{"Network, check box, on", "X11 windowing system, check box, on, Only when no Wayland session is running", "Wayland windowing system, check box, on"} {
		if !strings.Contains(text, want) {
			t.Errorf("screen reader does not announce %q; it reads:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Network Network") || strings.Contains(text, "Downloads folder Downloads folder") {
		t.Error("titles are announced twice")
	}
}

// TestEveryControlIsNamed reads every control on screen — the header
// bars, an app's page, a toast with Undo — as a screen reader does: each
// has a name a person understands, never a widget's type, and none says
// its name twice.
func TestEveryControlIsNamed(t *testing.T) {
	needScreenReader(t)
	display, stop := startXvfb(t)
	defer stop()
	// The demo browser has an override of the demo user's (rows with
	// reset and remove buttons); then Reset All Changes: a toast with Undo.
	text := readWindow(t, display, confineBin+" --demo --app net.waveline.Browser", "--controls", "", "CONFINE_FLATPAK_VERSION=1.14.10") +
		readWindow(t, display, "CONFINE_ACTIVATE=reset-app "+confineBin+" --demo --app net.waveline.Browser", "--controls", "",
			"CONFINE_FLATPAK_VERSION=1.14.10")
	controls := 0
	undo := false
	for _, line := range strings.Split(text, "\n") {
		rest, ok := strings.CutPrefix(line, "control: ")
		if !ok {
			continue
		}
		controls++
		role, name, _ := strings.Cut(rest, ": ")
		words := strings.Fields(name)
		switch {
		case name == "" && role != "text" && role != "entry":
			t.Errorf("a %s has no name", role)
		case strings.HasPrefix(name, "Gtk") || strings.HasPrefix(name, "Adw"):
			t.Errorf("a %s is named for its widget: %q", role, name)
		case len(words) >= 2 && len(words)%2 == 0 && strings.Join(words[:len(words)/2], " ") == strings.Join(words[len(words)/2:], " "):
			t.Errorf("a %s says its name twice: %q", role, name)
		}
		undo = undo || name == "Undo"
	}
	if controls < 20 {
		t.Fatalf("only %d controls read:\n%s", controls, text)
	}
	if !undo {
		t.Errorf("no Undo button read after the reset:\n%s", text)
	}
}

// needScreenReader stops a test that reads the window through AT-SPI where
// it cannot (loudly; in CI it fails): it needs a D-Bus session, Debian's
// python3-pyatspi, Xvfb, and the other programs named.
func needScreenReader(t *testing.T, more ...string) {
	t.Helper()
	for _, tool := range append([]string{"dbus-run-session", "/usr/bin/python3", "Xvfb"}, more...) {
		testbin.Need(t, tool)
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import pyatspi").Run(); err != nil {
		testbin.Unavailable(t, "python3-pyatspi is not installed; build-aux/dev deps installs it")
	}
}

// readWindow runs launch (a shell command that starts a Confine window) on
// display in a private D-Bus session, and returns what the screen reader
// (testdata/a11y_check.py with checkArgs) reads once the window is up;
// after runs (in the shell) before the window is stopped. The window runs
// in English unless env, added last, says otherwise.
func readWindow(t *testing.T, display, launch, checkArgs, after string, env ...string) string {
	t.Helper()
	if after == "" {
		after = "true"
	}
	script := launch + " >/dev/null 2>&1 & app=$!; sleep 4; /usr/bin/python3 testdata/a11y_check.py " + checkArgs +
		"; rc=$?; " + after + "; kill $app; wait $app; exit $rc"
	cmd := exec.Command("dbus-run-session", "--", "sh", "-c", script)
	// gettext obeys LANGUAGE only under a real locale: LANG is C.UTF-8,
	// and no LC_* overrides it.
	cmd.Env = append(withoutVar(os.Environ(), "GTK_A11Y", "LC_ALL", "LC_MESSAGES", "LANGUAGE", "LANG"),
		"DISPLAY="+display, "GSK_RENDERER=cairo", "GSETTINGS_BACKEND=memory", "LANGUAGE=", "LANG=C.UTF-8")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return string(out)
}

// withoutVar drops the named variables from an environment.
func withoutVar(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, name) {
			out = append(out, kv)
		}
	}
	return out
}

// TestEmptyMachineSaysWhy starts the window where there is nothing to list
// — no apps, and then no Flatpak at all — and reads it through AT-SPI: it
// does not crash, and the page says why it is empty.
func TestEmptyMachineSaysWhy(t *testing.T) {
	needScreenReader(t, "flatpak")
	display, stop := startXvfb(t)
	defer stop()
	for _, c := range []struct {
		name, path, want string
	}{
		{"no apps", os.Getenv("PATH"), "No Flatpak Apps Installed"},
		{"no flatpak", t.TempDir(), "Flatpak Is Not Installed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			// The user installation exists only when Flatpak is there.
			user := filepath.Join(root, "user")
			if c.want == "No Flatpak Apps Installed" {
				if err := os.MkdirAll(user, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			out := readWindow(t, display, "PATH="+c.path+" "+confineBin, "--labels", "kill -0 $app || { echo confine exited; rc=1; }",
				"HOME="+root, "XDG_CONFIG_HOME="+filepath.Join(root, "config"), "XDG_STATE_HOME="+filepath.Join(root, "state"),
				"XDG_CACHE_HOME="+filepath.Join(root, "cache"), "FLATPAK_USER_DIR="+user, "FLATPAK_SYSTEM_DIR="+filepath.Join(root, "system"),
				"FLATPAK_CONFIG_DIR="+filepath.Join(root, "etc"))
			if !strings.Contains(out, "label: "+c.want+"\n") {
				t.Fatalf("the empty page does not say %q; the screen reader reads:\n%s", c.want, out)
			}
		})
	}
}
