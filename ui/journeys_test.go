package ui

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
	"github.com/diamondburned/gotk4/pkg/gdk/v4"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/model"
)

// A person's journeys through the window, each start to finish, driven as
// a person would: typing into rows, pressing Enter, switching apps,
// clicking what is on screen.

// addRowIn waits for a list group of the shown page (groups below the
// first screen are built just after it) and returns its add row.
func addRowIn(t *testing.T, v *pageView, group string) *addRow {
	t.Helper()
	var r *addRow
	eventually(t, "the "+group+" group", 3*time.Second, func() bool {
		if lg := v.list(T(group)); lg != nil {
			r = v.addRowOf(lg)
		}
		return r != nil
	})
	return r
}

// fileOr is a file of overrideFiles as readOverride reads it ("<none>"
// when there was none).
func fileOr(files map[string]string, id string) string {
	if data, ok := files[id]; ok {
		return data
	}
	return "<none>"
}

// pressEnter presses Enter in an add row's entry.
func (r *addRow) pressEnter() { r.entry.obj.Emit("entry-activated") }

// TestDraftsBelongToTheirApp: text typed for one app and not confirmed
// stays with that app. Another app's page shows its own (empty) draft,
// Enter there adds nothing, and the draft is back, and adds to the right
// app, when its app is shown again.
func TestDraftsBelongToTheirApp(t *testing.T) {
	const a, b = "org.tunebox.Player", "org.gnomish.Sketch"
	before := overrideFiles(t)
	defer putBack(t, before)
	v := show(t, a)
	env := addRowIn(t, v, "Environment")
	onMain(func() { env.typeIn("DRAFT_OF_TUNEBOX=1") })
	show(t, b)
	onMain(func() {
		if got := env.entry.text(); got != "" {
			t.Errorf("Sketch's page shows Tunebox's draft %q", got)
		}
		env.pressEnter()
		testWin.flush()
	})
	if got := readOverride(t, b); got != fileOr(before, b) || readOverride(t, a) != fileOr(before, a) {
		t.Fatalf("Enter on Sketch's page wrote: %q / %q", got, readOverride(t, a))
	}
	show(t, a)
	onMain(func() {
		if got := env.entry.text(); got != "DRAFT_OF_TUNEBOX=1" {
			t.Errorf("Tunebox's draft did not come back: %q", got)
		}
		env.pressEnter()
	})
	eventually(t, "the draft added to its app", 3*time.Second, func() bool {
		return strings.Contains(readOverride(t, a), "DRAFT_OF_TUNEBOX=1")
	})
	if got := readOverride(t, b); got != fileOr(before, b) {
		t.Fatalf("Sketch's override changed: %q", got)
	}
}

// TestIndicatorsFollowEveryChange: an override for all apps written by
// `flatpak override` in a terminal changes the verdict of apps nobody has
// opened: the sidebar's dots follow, each the model's own rating.
func TestIndicatorsFollowEveryChange(t *testing.T) {
	before := overrideFiles(t)
	defer putBack(t, before)
	ratings := func() map[string]model.Rating {
		out := map[string]model.Rating{}
		onMain(func() {
			for _, r := range testWin.rows {
				if r.app != nil && r.hasRating {
					out[r.key] = r.rating
				}
			}
		})
		return out
	}
	was := ratings()
	cmd := exec.Command(testbin.Need(t, "flatpak"), "override", "--user", "--nodevice=all", "--unshare=network",
		"--nosocket=pulseaudio", "--nofilesystem=home", "--nofilesystem=host", "--nosocket=x11", "--unshare=ipc")
	cmd.Env = append(os.Environ(), "FLATPAK_USER_DIR="+demoVars["FLATPAK_USER_DIR"])
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("flatpak override: %v %s", err, out)
	}
	eventually(t, "every dot to follow the new override", 5*time.Second, func() bool {
		// A fresh model, as flatpak reads the files now.
		m := model.Load(testWin.m.Env)
		for _, r := range testWin.rows {
			if r.app == nil || r.app.Err != nil {
				continue
			}
			for _, a := range m.Apps {
				if a.Key() == r.app.Key() && (!r.hasRating || r.rating != model.RatingOf(m.Audit(a))) {
					return false
				}
			}
		}
		return true
	})
	now, changed := ratings(), 0
	for k, r := range now {
		if was[k] != r {
			changed++
		}
	}
	if changed == 0 {
		t.Fatal("precondition: the override changed no app's rating")
	}
	// The dots on screen show the ratings.
	onMain(func() {
		for _, sr := range testWin.sidebar.bound {
			if r := sr.currentEntry; r != nil && r.app != nil && r.hasRating && sr.ratingCSS != ratingClass(r.rating) {
				t.Errorf("%s: the dot shows %s, the rating is %v", r.key, sr.ratingCSS, r.rating)
			}
		}
	})
}

// TestAddRowsCheckAsYouType: what cannot be added says why under the field
// in plain words, keeps the Add button off and Enter does nothing; a
// folder from the file chooser can be added with Enter at once; after
// adding, the field is empty and Add is off.
func TestAddRowsCheckAsYouType(t *testing.T) {
	const id = "org.tunebox.Player"
	before := overrideFiles(t)
	defer putBack(t, before)
	v := show(t, id)
	env := addRowIn(t, v, "Environment")
	onMain(func() {
		env.typeIn("1BAD NAME")
		if env.add.Sensitive() || !env.problem.Visible() || !env.entry.HasCSSClass("error") {
			t.Errorf("an entry without = : Add on %v, reason shown %v", env.add.Sensitive(), env.problem.Visible())
		}
		if got, want := env.problem.obj.ObjectProperty("title"), explainVariable("1BAD NAME", nil); got != want {
			t.Errorf("the reason says %q, want %q", got, want)
		}
		if lines, _ := env.problem.obj.ObjectProperty("title-lines").(int); lines != 0 {
			t.Errorf("the reason is cut after %d lines", lines)
		}
		env.pressEnter()
		testWin.flush()
	})
	if got := readOverride(t, id); got != fileOr(before, id) {
		t.Fatalf("Enter on an entry that cannot be added wrote %q", got)
	}
	onMain(func() {
		env.typeIn("GOOD_NAME=1")
		if !env.add.Sensitive() || env.problem.Visible() {
			t.Errorf("a good entry: Add on %v, reason shown %v", env.add.Sensitive(), env.problem.Visible())
		}
		env.typeIn("")
	})

	fs := addRowIn(t, v, "Filesystem")
	onMain(func() {
		fs.typeIn("~/Games/../.ssh")
		if fs.add.Sensitive() || !strings.Contains(fs.problem.obj.ObjectProperty("title").(string), "“..”") {
			t.Errorf("a folder going up: Add on %v, reason %q", fs.add.Sensitive(), fs.problem.obj.ObjectProperty("title"))
		}
		// As the file chooser answers: the folder is filled in, and
		// Enter adds it without another edit.
		fs.fill(testWin.m.FolderOf(demoVars["HOME"] + "/Music"))
		if !fs.add.Sensitive() {
			t.Error("the chosen folder cannot be added")
		}
		fs.pressEnter()
	})
	eventually(t, "the chosen folder written", 3*time.Second, func() bool {
		return strings.Contains(readOverride(t, id), "~/Music")
	})
	onMain(func() {
		if fs.entry.text() != "" || fs.add.Sensitive() || fs.problem.Visible() {
			t.Errorf("after adding: text %q, Add on %v", fs.entry.text(), fs.add.Sensitive())
		}
	})
}

// TestOneFind: Ctrl+F searches the apps wherever the keyboard is; Find in
// Page has its own shortcut, and a find that matches nothing says so
// instead of showing an empty page.
func TestOneFind(t *testing.T) {
	v := show(t, "org.gnomish.Sketch")
	onMain(func() {
		v.fixedRow("shared/network").sw.GrabFocus()
		testWin.win.Widget.ActivateAction("win.search", nil)
	})
	eventually(t, "the app search", 2*time.Second, func() bool {
		f := testWin.win.Focus()
		return testWin.searchBar.SearchMode() && f != nil && gtk.BaseWidget(f).IsAncestor(testWin.search)
	})
	onMain(func() {
		if testWin.pageFilter.bar.SearchMode() {
			t.Error("Ctrl+F opened Find in Page")
		}
		testWin.searchBar.SetSearchMode(false)
		testWin.win.Widget.ActivateAction("win.find-in-page", nil)
		testWin.pageFilter.entry.SetText("zzzz no such permission")
	})
	eventually(t, "the no-match page", 2*time.Second, func() bool { return testWin.contentStack.VisibleChildName() == "no-match" })
	onMain(func() {
		desc, _ := testWin.noMatch.ObjectProperty("description").(string)
		if !strings.Contains(desc, "zzzz no such permission") {
			t.Errorf("the no-match page says %q", desc)
		}
		testWin.pageFilter.entry.SetText("network")
	})
	eventually(t, "the page with its match", 2*time.Second, func() bool {
		return testWin.contentStack.VisibleChildName() == "page" && v.fixedRow("shared/network").row.Visible()
	})
	onMain(func() {
		testWin.pageFilter.entry.SetText("")
		testWin.pageFilter.bar.SetSearchMode(false)
	})
}

// TestRowSaysWhyItDiffersFromTheFile: on Flatpak 1.14 an override "!x11"
// leaves an app that falls back to X11 with X11 in an X11 session; the row
// is on, and says why.
func TestRowSaysWhyItDiffersFromTheFile(t *testing.T) {
	asRelease(t, "1.14.10", false)
	const id = "net.waveline.Browser"
	before := overrideFiles(t)
	defer putBack(t, before)
	if err := os.WriteFile(overridePath(id), []byte("[Context]\nsockets=!x11;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	onMain(func() { testWin.refresh() })
	v := show(t, id)
	var st model.Status
	onMain(func() { st = testWin.m.Effective(v.app).StatusIn(model.X11, testWin.m.Session()) })
	if !st.Now {
		t.Fatal("precondition: in this X11 session the browser gets X11 from its fallback")
	}
	f, args := st.Why(testWin.m.Dialect, model.X11, model.SourceUser)
	if f == "" {
		t.Fatal("the model has no word for the difference")
	}
	eventually(t, "the X11 row to say why", 2*time.Second, func() bool {
		r := v.fixedRow("sockets/x11")
		return r.sw.Active() && strings.Contains(r.subtitle, fmt.Sprintf(T(f), translated(args)...))
	})
}

// TestActionsOfferedOnlyWhereTheyAct: the Overview's menu has no app
// actions; Harden is offered only when there is something to harden;
// Lock is previewed, applied as previewed, and undone; Show Only What
// This App Uses keeps the rows where entries are added.
func TestActionsOfferedOnlyWhereTheyAct(t *testing.T) {
	before := overrideFiles(t)
	defer putBack(t, before)
	onMain(func() {
		testWin.ShowApp("overview")
		if v := testWin.CurrentView(); v == nil || !v.overview {
			t.Fatal("the Overview is not shown")
		}
		m := testWin.pageMenu.MenuModel()
		if m == nil || coreglib.BaseObject(m).Native() != testWin.builder.GetObject("overview_menu").Native() {
			t.Error("the Overview does not show its own menu")
		}
	})
	// Harden is offered while a finding has a fix: Trailmap's one finding,
	// once dismissed with I Need This, leaves nothing to harden.
	const trailmap = "io.github.trailmap.Sync"
	v := show(t, trailmap)
	harden := func(want bool) {
		t.Helper()
		onMain(func() {
			if got := testWin.actions.harden.Enabled(); got != want || v.harden.Visible() != want {
				t.Errorf("Harden offered %v (button %v), want %v", got, v.harden.Visible(), want)
			}
		})
	}
	harden(true)
	var fixable []model.Finding
	onMain(func() {
		for _, f := range v.findings {
			if !f.Dismissed && len(f.Ops) > 0 {
				fixable = append(fixable, f)
			}
		}
		for _, f := range fixable {
			v.dismiss(f, true)
		}
	})
	defer onMain(func() {
		for _, f := range fixable {
			v.dismiss(f, false)
		}
	})
	harden(false)
	// Lock: a preview first, then exactly what it showed.
	const id = "org.gnomish.Sketch"
	show(t, id)
	onMain(func() { testWin.win.Widget.ActivateAction("win.lock-app", nil) })
	var plan model.HardenPlan
	eventually(t, "the Lock preview", 3*time.Second, func() bool {
		if testWin.dialog == nil {
			return false
		}
		b := findButton(testWin.dialog.widget(), T("_Lock"))
		return b != nil && b.Mapped()
	})
	onMain(func() {
		var err error
		if plan, err = testWin.m.PlanLock(testWin.current.app); err != nil || len(plan.Ops) == 0 {
			t.Fatalf("no lock plan: %v", err)
		}
		if got := readOverride(t, id); got != fileOr(before, id) {
			t.Errorf("the preview wrote %q", got)
		}
		findButton(testWin.dialog.widget(), T("_Lock")).Activate()
	})
	eventually(t, "the lock written", 3*time.Second, func() bool { return readOverride(t, id) == string(plan.After) })
	onMain(func() { testWin.win.Widget.ActivateAction("win.undo", nil) })
	if got := readOverride(t, id); got != fileOr(before, id) {
		t.Fatalf("Undo of the lock left %q, want %q", got, fileOr(before, id))
	}
	// Only what the app uses: the add rows stay.
	v = show(t, "org.tunebox.Player")
	env := addRowIn(t, v, "Environment")
	onMain(func() { testWin.setOnlyUsed(true) })
	defer onMain(func() { testWin.setOnlyUsed(false) })
	onMain(func() {
		if !env.entry.Visible() || !gtk.BaseWidget(v.list(T("Environment")).group).Visible() {
			t.Error("Show Only What This App Uses hid the row where a variable is added")
		}
	})
}

// TestSidebarShowsWholeNames: the Changed mark does not take the name's
// room, and the marker of a copy that does not run is on a line of its
// own.
func TestSidebarShowsWholeNames(t *testing.T) {
	show(t, "org.legacy.Scanner") // has an override: marked Changed
	eventually(t, "the rows on screen", 2*time.Second, func() bool { return len(testWin.sidebar.bound) > 3 })
	onMain(func() {
		marker := false
		for _, sr := range testWin.sidebar.bound {
			r := sr.currentEntry
			if r == nil || r.app == nil || !sr.title.Mapped() {
				continue
			}
			if sr.title.Layout().IsEllipsized() {
				t.Errorf("%s: the name is cut off (%q)", r.key, sr.title.Text())
			}
			if r.app.Shadowed {
				marker = true
				if !sr.marker.Visible() || !strings.Contains(sr.marker.Text(), T("not used")) || sr.marker.Layout().IsEllipsized() {
					t.Errorf("%s: the copy that does not run is not marked in full: %q", r.key, sr.marker.Text())
				}
			}
		}
		if !marker {
			t.Error("precondition: the demo's second Notebook is on screen")
		}
	})
}

// TestShortcutsDialog: the shortcuts open as libadwaita's own dialog where
// the running libadwaita has it (1.8, GNOME 49, and later), else as GTK's
// window, and list every shortcut the window sets.
func TestShortcutsDialog(t *testing.T) {
	onMain(func() { testWin.win.Widget.ActivateAction("win.show-help-overlay", nil) })
	eventually(t, "the shortcuts", 3*time.Second, func() bool {
		return testWin.shortcuts != nil && gtk.BaseWidget(testWin.shortcuts.Cast().(gtk.Widgetter)).Mapped()
	})
	onMain(func() {
		want := "GtkShortcutsWindow"
		if adwMinor() >= 8 {
			want = "AdwShortcutsDialog"
		}
		if got := testWin.shortcuts.TypeFromInstance().Name(); got != want {
			t.Errorf("libadwaita 1.%d shows the shortcuts as %s, want %s", adwMinor(), got, want)
		}
		// Keys compared as GTK reads them (<Control><Shift>f is
		// <Shift><Control>f).
		type key struct {
			k uint
			m gdk.ModifierType
		}
		listed := map[key]bool{}
		for _, s := range shortcuts {
			for _, it := range s.items {
				for _, accel := range strings.Fields(it[1]) {
					k, m, _ := gtk.AcceleratorParse(accel)
					listed[key{k, m}] = true
				}
			}
		}
		for _, act := range []string{"win.search", "win.find-in-page", "win.undo", "win.reset-app", "win.show-help-overlay", "app.quit", "window.close"} {
			for _, accel := range testWin.app.AccelsForAction(act) {
				if k, m, _ := gtk.AcceleratorParse(accel); !listed[key{k, m}] {
					t.Errorf("%s (%s) is not in the shortcuts", accel, act)
				}
			}
		}
		if adwMinor() >= 8 {
			(&sheet{obj: testWin.shortcuts}).close()
		} else {
			testWin.shortcuts.Cast().(*gtk.ShortcutsWindow).Close()
		}
	})
}
