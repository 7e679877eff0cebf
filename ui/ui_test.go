package ui

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
	"github.com/diamondburned/gotk4/pkg/glib/v2"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/model"
)

// The window tests run the real application on a real X server (Xvfb,
// started here) and drive it from the GTK main loop.

func init() { runtime.LockOSThread() }

var (
	testWin  *Window
	demoVars map[string]string
	testDir  string // removed when the tests end
)

func TestMain(m *testing.M) {
	stop, err := startXvfb()
	if err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, "window tests need Xvfb in CI:", err)
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "SKIPPING the window tests LOUDLY: cannot start Xvfb:", err)
		os.Exit(0)
	}
	defer stop()
	os.Setenv("GSK_RENDERER", "cairo")
	os.Setenv("GSETTINGS_BACKEND", "memory")
	// Confine's own schema, compiled for the test, so settings work as
	// installed (in memory).
	schemas, _ := os.MkdirTemp("", "confine-ui-schemas-")
	defer os.RemoveAll(schemas)
	if out, err := exec.Command("glib-compile-schemas", "--targetdir="+schemas, "../data").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "cannot compile the GSettings schema: %v %s\n", err, out)
		os.Exit(1)
	}
	os.Setenv("GSETTINGS_SCHEMA_DIR", schemas)
	os.Setenv("GTK_A11Y", "none")
	dir, _ := os.MkdirTemp("", "confine-ui-test-")
	defer os.RemoveAll(dir)
	testDir = dir
	env, err := model.GenerateDemo(dir, 0)
	if err != nil {
		panic(err)
	}
	demoVars = map[string]string{}
	for _, k := range []string{"FLATPAK_USER_DIR", "FLATPAK_SYSTEM_DIR", "FLATPAK_CONFIG_DIR", "XDG_STATE_HOME", "HOME"} {
		demoVars[k] = env.Getenv(k)
	}
	demoVars["CONFINE_FLATPAK_VERSION"] = "1.14.10"
	env = model.MapEnv(demoVars)
	code := 1
	var app *Application
	opts := Options{Version: "test", Env: env, NonUnique: true, Start: time.Now(), OnReady: func(w *Window) {
		testWin = w
		app = w.app
		go func() {
			code = m.Run()
			glib.IdleAdd(func() { app.Quit() })
		}()
	}}
	// CONFINE_TEST_LOCALEDIR: compiled translations (TestNarrowWindowInEveryLanguage).
	InitI18n(os.Getenv("CONFINE_TEST_LOCALEDIR"))
	Run(opts, []string{"confine-test"})
	stop()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startXvfb starts a private X server and points DISPLAY at it.
func startXvfb() (func(), error) {
	if _, err := exec.LookPath("Xvfb"); err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	w.Close()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("Xvfb gave no display: %v", err)
	}
	os.Setenv("DISPLAY", ":"+strings.TrimSpace(line))
	return func() { cmd.Process.Kill(); cmd.Wait() }, nil
}

// onMain runs f on the GTK main loop and waits for it.
func onMain(f func()) {
	done := make(chan struct{})
	glib.IdleAdd(func() {
		defer close(done)
		f()
	})
	<-done
}

// eventually polls cond on the main loop until it holds or time runs out.
func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok := false
		onMain(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func overridePath(id string) string {
	return filepath.Join(demoVars["FLATPAK_USER_DIR"], "overrides", id)
}

func readOverride(t *testing.T, id string) string {
	data, err := os.ReadFile(overridePath(id))
	if os.IsNotExist(err) {
		return "<none>"
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func show(t *testing.T, id string) *pageView {
	var v *pageView
	onMain(func() {
		testWin.ShowApp(id)
		v = testWin.CurrentView()
	})
	if v == nil || model.Target(v.app) != id {
		t.Fatalf("page for %s not shown", id)
	}
	return v
}

func TestToggleWritesOverride(t *testing.T) {
	v := show(t, "org.gnomish.Sketch")
	if got := readOverride(t, "org.gnomish.Sketch"); got != "<none>" {
		t.Fatalf("precondition: %q", got)
	}
	onMain(func() {
		if on, ok := v.SwitchState("shared/ipc"); !ok || !on {
			t.Errorf("ipc switch should start on")
		}
		v.Toggle("shared/ipc", false)
	})
	// Debounced: nothing yet, then the file.
	if got := readOverride(t, "org.gnomish.Sketch"); got != "<none>" {
		t.Fatalf("written before the debounce: %q", got)
	}
	eventually(t, "the override file", 3*time.Second, func() bool { return readOverride(t, "org.gnomish.Sketch") == "[Context]\nshared=!ipc;\n" })
	// Back on: the user override is no longer needed and goes away.
	onMain(func() { v.Toggle("shared/ipc", true) })
	eventually(t, "the file to be deleted", 3*time.Second, func() bool { return readOverride(t, "org.gnomish.Sketch") == "<none>" })
}

func TestExternalChangeUpdatesSwitch(t *testing.T) {
	v := show(t, "org.notes.Notebook")
	onMain(func() {
		if on, _ := v.SwitchState("sockets/wayland"); !on {
			t.Fatal("wayland should start on")
		}
	})
	cmd := exec.Command(testbin.Need(t, "flatpak"), "override", "--user", "--nosocket=wayland", "org.notes.Notebook")
	cmd.Env = append(os.Environ(), "FLATPAK_USER_DIR="+demoVars["FLATPAK_USER_DIR"])
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("flatpak override: %v %s", err, out)
	}
	eventually(t, "the switch to follow flatpak override", 2*time.Second, func() bool {
		on, _ := v.SwitchState("sockets/wayland")
		return !on
	})
	onMain(func() {
		if !testWin.rowFor("org.notes.Notebook").changed {
			t.Error("changed badge not shown after an external change")
		}
	})
	os.Remove(overridePath("org.notes.Notebook"))
	eventually(t, "the switch to follow the reset", 2*time.Second, func() bool {
		on, _ := v.SwitchState("sockets/wayland")
		return on
	})
}

func TestSearchFilters(t *testing.T) {
	visible := func() (names []string) {
		for _, r := range testWin.visibleEntries() {
			{
				if r.app == nil {
					names = append(names, "global")
				} else {
					names = append(names, r.app.ID)
				}
			}
		}
		return
	}
	for _, tc := range []struct {
		q    string
		want string
	}{{"tune", "org.tunebox.Player"}, {"KEYVAULT", "com.keyvault.Vault"}, {"waveline.brow", "net.waveline.Browser"}} {
		onMain(func() { testWin.search.SetText(tc.q) })
		eventually(t, "filter "+tc.q, 2*time.Second, func() bool {
			v := visible()
			return len(v) == 1 && v[0] == tc.want
		})
	}
	onMain(func() { testWin.search.SetText("no such app at all") })
	eventually(t, "the no-results page", 2*time.Second, func() bool { return testWin.sidebarStack.VisibleChildName() == "no-results" })
	onMain(func() { testWin.search.SetText("") })
	eventually(t, "every row back", 2*time.Second, func() bool { return len(visible()) == len(testWin.rows) })
}

func TestGlobalDenyWritesNegation(t *testing.T) {
	before := readOverride(t, "global")
	v := show(t, "global")
	onMain(func() {
		if !v.Choose("shared/network", 2) {
			t.Fatal("no network choice on the global page")
		}
		testWin.flush()
	})
	got := readOverride(t, "global")
	if !strings.Contains(got, "[Context]\nshared=!network;\n") || !strings.Contains(got, "org.freedesktop.Flatpak=none") {
		t.Fatalf("global override: %q", got)
	}
	onMain(func() {
		v.Choose("shared/network", 0)
		testWin.flush()
	})
	if got := readOverride(t, "global"); got != before {
		t.Fatalf("back to default did not restore the file:\n%q\n%q", got, before)
	}
}

// TestBrokenAppHasNoVerdict: an app whose files Flatpak cannot read shows
// the error, not a rating.
func TestBrokenAppHasNoVerdict(t *testing.T) {
	v := show(t, "com.broken.Example")
	onMain(func() {
		if v.ratingTag.IsVisible() {
			t.Errorf("a broken app shows the rating %q", v.ratingTag.Text())
		}
	})
	v = show(t, "org.gnomish.Sketch")
	onMain(func() {
		if !v.ratingTag.IsVisible() {
			t.Error("the rating stays hidden on the next app")
		}
	})
}

func TestMalformedFileShowsBannerAndStaysUntouched(t *testing.T) {
	bad := "this is not\na key file\x01\n"
	os.MkdirAll(filepath.Dir(overridePath("com.keyvault.Vault")), 0o755)
	if err := os.WriteFile(overridePath("com.keyvault.Vault"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(overridePath("com.keyvault.Vault"))
	v := show(t, "com.keyvault.Vault")
	onMain(func() {
		if !v.BannerShown() {
			t.Error("no banner for a malformed override")
		}
		v.Toggle("shared/ipc", false)
		testWin.flush()
	})
	if got := readOverride(t, "com.keyvault.Vault"); got != bad {
		t.Fatalf("malformed file changed: %q", got)
	}
	onMain(func() {
		if on, _ := v.SwitchState("shared/ipc"); !on {
			t.Error("switch did not return to the true state after the failed write")
		}
	})
}

func TestResetAndUndoRestoreTheExactFile(t *testing.T) {
	orig := readOverride(t, "org.legacy.Scanner")
	if orig == "<none>" {
		t.Fatal("precondition: the demo has an override for the scanner")
	}
	show(t, "org.legacy.Scanner")
	onMain(func() {
		if !testWin.win.Widget.ActivateAction("win.reset-app", nil) {
			t.Error("win.reset-app not found")
		}
	})
	if got := readOverride(t, "org.legacy.Scanner"); got != "<none>" {
		t.Fatalf("reset left %q", got)
	}
	// Portal answers are reset in the background; Undo is offered after.
	eventually(t, "the undo to be offered", 5*time.Second, func() bool {
		n := len(testWin.undo.entries)
		return n > 0 && testWin.undo.entries[n-1].app != nil && testWin.undo.entries[n-1].app.ID == "org.legacy.Scanner"
	})
	onMain(func() {
		if !testWin.win.Widget.ActivateAction("win.undo", nil) {
			t.Error("win.undo not found")
		}
	})
	if got := readOverride(t, "org.legacy.Scanner"); got != orig {
		t.Fatalf("undo gave %q, want %q", got, orig)
	}
}

func TestSwitchingAppsFlushesPendingEdits(t *testing.T) {
	v := show(t, "io.github.pixelforge.Quest")
	onMain(func() { v.Toggle("shared/network", false) })
	show(t, "org.tunebox.Player")
	if got := readOverride(t, "io.github.pixelforge.Quest"); got != "[Context]\nshared=!network;\n" {
		t.Fatalf("pending edit not written on switch: %q", got)
	}
	os.Remove(overridePath("io.github.pixelforge.Quest"))
}

// TestPageReuseShowsEachAppsOwnState switches between apps on the reused
// page: every switch must show the new app's own state.
func TestPageReuseShowsEachAppsOwnState(t *testing.T) {
	// In this X11 session every one of them gets X11 (the browser through
	// fallback-x11, although the user revoked x11); all devices tell them
	// apart.
	for _, tc := range []struct {
		id          string
		x11, all    bool
		native      bool
		x11Subtitle string
	}{{"org.gnomish.Sketch", true, false, true, "Only when no Wayland session is running"}, {"net.waveline.Browser", true, false, true, "Only when no Wayland session is running"},
		{"org.legacy.Scanner", true, true, false, ""}, {"dev.codeloom.IDE", true, true, true, "Only when no Wayland session is running"}, {"org.gnomish.Sketch", true, false, true, "Only"}} {
		v := show(t, tc.id)
		onMain(func() {
			if on, _ := v.SwitchState("sockets/x11"); on != tc.x11 {
				t.Errorf("%s: x11 switch %v, want %v", tc.id, on, tc.x11)
			}
			if on, _ := v.SwitchState("devices/all"); on != tc.all {
				t.Errorf("%s: all devices switch %v, want %v", tc.id, on, tc.all)
			}
			if sub := v.fixedRow("sockets/x11").subtitle; strings.Contains(sub, "Only") != (tc.x11Subtitle != "") || !strings.Contains(sub, tc.x11Subtitle) {
				t.Errorf("%s: the X11 row says %q", tc.id, sub)
			}
			if v.wayland.IsVisible() != tc.native {
				t.Errorf("%s: Wayland-native tag %v, want %v", tc.id, v.wayland.IsVisible(), tc.native)
			}
			// The Advisor's rows are refilled, not rebuilt: they must
			// say this app's findings (checked before anything below
			// refills them).
			findings := testWin.Model().Audit(v.app)
			// (and its last row is Harden This App).
			if n := len(v.lists[0].group.rows) - len(v.lists[0].tail); n != max(1, len(findings)) {
				t.Errorf("%s: the Advisor shows %d rows for %d findings", tc.id, n, len(findings))
			}
			for i, f := range findings {
				title, _ := f.Text(T)
				if got := v.slots[i].titleL.Text(); got != title || !v.slots[i].fix.IsVisible() != (len(f.Ops) == 0 || f.Dismissed) {
					t.Errorf("%s: advisor row %d says %q, want %q", tc.id, i, got, title)
				}
			}
			// Each list group shows the rows of this app's entries (a
			// group keeps its rows only when the entries are the same).
			for i, lg := range v.lists[1:] {
				i++ // the Advisor's group (0) is checked above
				_, rows := lg.build(testWin.Model().Effective(v.app))
				want := append(rows, lg.tail...)
				if len(want) != len(lg.group.rows) {
					t.Errorf("%s: list group %d shows %d rows, want %d", tc.id, i, len(lg.group.rows), len(want))
					continue
				}
				for j := range want {
					if coreglib.BaseObject(want[j]).Native() != coreglib.BaseObject(lg.group.rows[j]).Native() {
						t.Errorf("%s: list group %d row %d is not this app's", tc.id, i, j)
					}
				}
			}
			// The header is refilled, not rebuilt: it must name this app.
			a := testWin.rowFor(tc.id).app
			if v.header.name.Text() != a.Name || v.header.id.Text() != tc.id || v.header.summary.IsVisible() != (a.Summary != "") {
				t.Errorf("%s: header shows %q %q", tc.id, v.header.name.Text(), v.header.id.Text())
			}
		})
	}
}

// TestChoicePopoverWrites picks "Deny" and then "Default" for the network
// on the All Applications page through the choice's popover, as a click
// would, and checks the global override each time.
func TestChoicePopoverWrites(t *testing.T) {
	before := readOverride(t, "global")
	v := show(t, "global")
	c := v.fixedRow("shared/network").choice
	onMain(func() {
		if c.pop != nil {
			t.Error("the popover exists before it was opened")
		}
		c.Popup()
	})
	eventually(t, "the popover to open", 2*time.Second, func() bool { return c.pop != nil && c.pop.IsVisible() })
	onMain(func() {
		if len(c.radios) != 3 || !c.radios[0].Active() || c.Label() != "Default" {
			t.Fatalf("choice starts at %q with %d options", c.Label(), len(c.radios))
		}
		c.radios[2].SetActive(true)
		if c.Selected() != 2 || c.Label() != "Deny" || c.pop.IsVisible() {
			t.Errorf("after picking Deny: selected %d, label %q, popover open %v", c.Selected(), c.Label(), c.pop.IsVisible())
		}
		testWin.flush()
	})
	if got := readOverride(t, "global"); !strings.Contains(got, "shared=!network;") {
		t.Fatalf("global override after Deny: %q", got)
	}
	onMain(func() {
		c.Popup()
		c.radios[0].SetActive(true)
		testWin.flush()
	})
	if got := readOverride(t, "global"); got != before {
		t.Fatalf("Default did not restore the file:\n%q\n%q", got, before)
	}
}

// TestOverviewShowsMoreOnRequest: Apps by Risk lists a page of apps and a
// row that adds more.
func TestOverviewShowsMoreOnRequest(t *testing.T) {
	onMain(func() {
		testWin.ShowApp("overview")
		v := testWin.CurrentView()
		if !v.overview {
			t.Fatal("the overview is not shown")
		}
		ov := v.ov
		all := len(ov.entries)
		if all < 4 {
			t.Fatalf("the demo rates only %d apps", all)
		}
		ov.limit = 2
		v.fillByRisk()
		if n := len(ov.byRisk.rows); n != 3 || ov.byRisk.rows[2] != gtk.Widgetter(ov.more) {
			t.Fatalf("with a limit of 2: %d rows, last %T", n, ov.byRisk.rows[n-1])
		}
		ov.more.obj.Emit("activated")
		if n := len(ov.byRisk.rows); n != min(all, 2+overviewStep)+map[bool]int{true: 1, false: 0}[all > 2+overviewStep] {
			t.Fatalf("after Show More: %d rows for %d apps", n, all)
		}
	})
}
