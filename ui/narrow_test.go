package ui

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/internal/testbin"
)

// narrowWidth is a phone's: GNOME's smallest supported window.
const narrowWidth = 360

// TestNarrowWindowInEveryLanguage: at 360×720 every page and every dialog
// fits the window, in English and in every translation — no label, button
// or row asks for more width than a phone has. Each language runs in a
// process of its own (this test binary, TestHelperNarrow), with the
// translation compiled from po/.
func TestNarrowWindowInEveryLanguage(t *testing.T) {
	msgfmt := testbin.Need(t, "msgfmt")
	top := testbin.Root(t)
	langs := []string{"en"}
	f, err := os.Open(filepath.Join(top, "po", "LINGUAS"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			langs = append(langs, l)
		}
	}
	f.Close()
	locales := t.TempDir()
	for _, lang := range langs {
		t.Run(lang, func(t *testing.T) {
			// gettext ignores LANGUAGE in the C locale.
			env := append(os.Environ(), "CONFINE_UI_NARROW=1", fmt.Sprintf("CONFINE_WINDOW_SIZE=%dx720", narrowWidth), "LANG=en_US.UTF-8", "LC_ALL=")
			if lang != "en" {
				dir := filepath.Join(locales, lang, "LC_MESSAGES")
				os.MkdirAll(dir, 0o755)
				if out, err := exec.Command(msgfmt, "-o", filepath.Join(dir, Domain+".mo"), filepath.Join(top, "po", lang+".po")).CombinedOutput(); err != nil {
					t.Fatalf("msgfmt: %v %s", err, out)
				}
				env = append(env, "LANGUAGE="+lang, "CONFINE_TEST_LOCALEDIR="+locales)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperNarrow$", "-test.count=1", "-test.v")
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			// libadwaita says so when a window's content is wider than
			// the window lets it be.
			if err != nil || strings.Contains(string(out), "exceeds its size request") || !strings.Contains(string(out), "--- PASS: TestHelperNarrow") {
				t.Fatalf("%s at %d px: %v\n%s", lang, narrowWidth, err, out)
			}
		})
	}
}

// TestHelperNarrow measures every page and dialog in the narrow window it
// was started in; it runs only as TestNarrowWindowInEveryLanguage's child.
func TestHelperNarrow(t *testing.T) {
	if os.Getenv("CONFINE_UI_NARROW") == "" {
		t.Skip("run by TestNarrowWindowInEveryLanguage")
	}
	fits := func(what string, w gtk.Widgetter) {
		t.Helper()
		min, _, _, _ := gtk.BaseWidget(w).Measure(gtk.OrientationHorizontal, -1)
		if min > narrowWidth {
			t.Errorf("%s needs %d px: %s", what, min, widest(w))
		}
	}
	var keys []string
	onMain(func() {
		for _, r := range testWin.rows {
			keys = append(keys, r.key)
		}
	})
	for _, key := range keys {
		onMain(func() {
			r := testWin.sidebar.byKey[key]
			testWin.selectRow(r)
			testWin.showRow(r)
		})
		// The page's groups are built over a few main-loop turns.
		time.Sleep(100 * time.Millisecond)
		onMain(func() {
			fits("the sidebar", testWin.builder.GetObject("sidebar_page").Cast().(gtk.Widgetter))
			fits("the page of "+key, testWin.contentPage.Cast().(gtk.Widgetter))
		})
	}
	dialogs := []struct {
		what, app, action string
		open              func()
	}{
		{what: "Hardening Presets", action: "win.presets"},
		{what: "Harden This App", app: "im.chatterly.Desktop", action: "win.harden-app"},
		{what: "Lock Permissions", app: "org.gnomish.Sketch", action: "win.lock-app"},
		{what: "Show Command", app: "org.legacy.Scanner", action: "win.show-command"},
	}
	for _, d := range dialogs {
		if d.app != "" {
			show(t, d.app)
		}
		onMain(func() { testWin.win.Widget.ActivateAction(d.action, nil) })
		eventually(t, d.what, 3*time.Second, func() bool { return testWin.dialog != nil && testWin.dialog.widget().Mapped() })
		onMain(func() {
			fits(d.what, testWin.dialog.widget())
			testWin.dialog.close()
		})
		eventually(t, d.what+" to close", 3*time.Second, func() bool { return testWin.dialog == nil })
	}
}

// widest names the innermost widgets under w that ask for much of the
// narrow width, with their text: where to look.
func widest(w gtk.Widgetter) string {
	var found []string
	var walk func(w gtk.Widgetter, path string) bool
	walk = func(w gtk.Widgetter, path string) bool {
		b := gtk.BaseWidget(w)
		min, _, _, _ := b.Measure(gtk.OrientationHorizontal, -1)
		if min <= narrowWidth/2 || !b.Visible() {
			return false
		}
		name := b.CSSName()
		switch x := w.(type) {
		case *gtk.Label:
			name += fmt.Sprintf("(%q)", x.Text())
		case *gtk.Button:
			name += fmt.Sprintf("(%q)", x.Label())
		case *gtk.ListBoxRow:
			if title, ok := coreglib.BaseObject(x).ObjectProperty("title").(string); ok {
				name += fmt.Sprintf("(%q)", title)
			}
		}
		path += "/" + name + fmt.Sprintf("[%d]", min)
		inner := false
		for c := b.FirstChild(); c != nil; c = gtk.BaseWidget(c).NextSibling() {
			inner = walk(c, path) || inner
		}
		if !inner {
			found = append(found, path)
		}
		return true
	}
	walk(w, "")
	return strings.Join(found, "\n\t")
}
