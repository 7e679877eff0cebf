package ui

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
	"github.com/diamondburned/gotk4/pkg/gdk/v4"
	"github.com/diamondburned/gotk4/pkg/gio/v2"
	"github.com/diamondburned/gotk4/pkg/glib/v2"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
)

// appRow is one entry of the sidebar: an app, or the "All applications"
// entry (app == nil).
type appRow struct {
	key       string // "global", "overview" or installation/app ID
	app       *model.App
	overview  bool   // the Overview entry
	search    string // lower-case name and ID
	dupe      bool   // the ID is installed more than once
	changed   bool   // the user has an override for it
	rating    model.Rating
	hasRating bool
}

// Window is Confine's main window.
type Window struct {
	app     *Application
	m       *model.Model
	builder *gtk.Builder

	win                        *gtk.ApplicationWindow
	toasts, split              *coreglib.Object
	list                       *gtk.GridView
	searchBar                  *gtk.SearchBar
	search                     *gtk.SearchEntry
	sidebarStack, contentStack *gtk.Stack
	page                       *gtk.Box
	scroll                     *gtk.ScrolledWindow
	contentTitle, sideTitle    *coreglib.Object
	contentPage, noMatch       *coreglib.Object
	demoBanner, problemBanner  *coreglib.Object
	pageMenu                   *gtk.MenuButton
	actions                    pageActions
	undo                       undoHistory

	rows         []*appRow // the sidebar's entries, see load
	current      *appRow   // the entry shown
	sidebar      sidebar
	pages        pages
	edits        edits
	watcher      watcher
	portals      portalClient
	problem      struct{ repairable bool } // what the problem banner's button does
	ratings      ratings
	layout       layout
	icons        *iconCache
	settings     *gio.Settings
	presetChoice presetChoice
	// fixedSize: the size came from CONFINE_WINDOW_SIZE, not to be saved.
	fixedSize bool

	// confirming is the question on screen, if any; dialog the dialog.
	confirming *alert
	dialog     *sheet
	shortcuts  *coreglib.Object // the shortcuts dialog last shown
	pageFilter pageFilter

	lastToast *coreglib.Object // the toast on screen, if any

	firstFrame bool     // the window has painted once
	onReady    []func() // run once every app is rated
}

// layout follows the window's width.
type layout struct {
	// folded: the window shows one pane at a time (the split view is
	// collapsed, below the "narrow" breakpoint).
	folded bool
	// onFold are run when folded changes, to lay rows out for the width.
	onFold []func(folded bool)
}

func newWindow(a *Application) *Window {
	b := gtk.NewBuilderFromString(windowUI, len(windowUI))
	w := &Window{app: a, builder: b, pages: pages{byKind: map[string]*pageView{}}, icons: a.icons}
	obj := func(id string) *coreglib.Object {
		o := b.GetObject(id)
		if o == nil {
			panic("window.ui has no object " + id)
		}
		return o
	}
	a.trace("window.ui built")
	w.win = obj("window").Cast().(*gtk.ApplicationWindow)
	w.win.SetApplication(a.Application)
	w.toasts = obj("toasts")
	w.split = obj("split_view")
	w.list = obj("app_list").Cast().(*gtk.GridView)
	w.searchBar = obj("search_bar").Cast().(*gtk.SearchBar)
	w.search = obj("search_entry").Cast().(*gtk.SearchEntry)
	w.sidebarStack = obj("sidebar_stack").Cast().(*gtk.Stack)
	w.contentStack = obj("content_stack").Cast().(*gtk.Stack)
	w.page = obj("page").Cast().(*gtk.Box)
	w.scroll = obj("page_scroll").Cast().(*gtk.ScrolledWindow)
	w.contentTitle = obj("content_title")
	w.contentPage = obj("content_page")
	w.sideTitle = obj("sidebar_title")
	w.noMatch = obj("no_match_page")
	w.demoBanner = obj("demo_banner")
	w.problemBanner = obj("problem_banner")
	w.pageMenu = obj("page_menu_button").Cast().(*gtk.MenuButton)
	w.actions.menu = "app_menu" // as window.ui sets it
	w.pageMenu.NotifyProperty("active", func() {
		if on, _ := w.pageMenu.ObjectProperty("active").(bool); on {
			w.updateActions()
			w.actions.lock.SetEnabled(w.lockable())
		}
	})
	w.split.NotifyProperty("collapsed", func() {
		folded, _ := w.split.ObjectProperty("collapsed").(bool)
		if folded == w.layout.folded {
			return
		}
		w.layout.folded = folded
		for _, f := range w.layout.onFold {
			f(folded)
		}
	})
	clearFind := obj("clear_find_button").Cast().(*gtk.Button)
	clearFind.ConnectClicked(func() {
		w.pageFilter.entry.SetText("")
		w.pageFilter.bar.SetSearchMode(false)
	})
	w.problemBanner.Connect("button-clicked", func() { w.problemAction() })

	w.searchBar.SetKeyCaptureWidget(w.win)
	w.search.ConnectSearchChanged(w.filter)
	w.search.ConnectActivate(func() {
		// Enter opens the first match.
		if w.sidebar.filtered.NItems() > 0 {
			w.sidebar.sel.SetSelected(0)
			return
		}
		for _, r := range w.rows {
			if pr := w.sidebar.pinnedOf[r]; pr != nil && pr.Visible() {
				w.selectRow(r)
				w.showContent()
				return
			}
		}
	})
	w.setupSidebar()

	w.addActions()
	w.restoreSettings()
	w.setupPageFilter()
	a.trace("window set up")
	w.win.ConnectCloseRequest(func() bool {
		w.flush()
		w.saveSettings()
		return false
	})
	if a.opts.Demo {
		w.win.SetTitle(T("Confine — Demo"))
		w.sideTitle.SetObjectProperty("subtitle", T("Demo installation"))
		w.demoBanner.SetObjectProperty("revealed", true)
	}
	w.load()
	a.trace("apps listed")
	w.watch()
	w.selectInitial()
	// The keyboard starts in the app list, on the entry shown: the first
	// focusable widget would be the pinned list, and a list box selects
	// the row the focus lands on.
	w.win.SetFocus(w.list)
	a.trace("first page built")
	if a.opts.OnReady != nil {
		ready := a.opts.OnReady
		w.onReady = append(w.onReady, func() { ready(w) })
	}
	// CONFINE_ACTIVATE=ACTION runs a window action once the window is
	// ready (build-aux/screenshots: a dialog, e.g. presets or harden-app).
	if act := os.Getenv("CONFINE_ACTIVATE"); act != "" {
		w.onReady = append(w.onReady, func() { w.win.Widget.ActivateAction("win."+act, nil) })
	}
	// The advisor's rating of every app (~80 ms for 300 apps) comes right
	// after the first frame.
	w.win.ConnectMap(func() {
		if w.firstFrame {
			return
		}
		clock := gdk.BaseFrameClock(w.win.FrameClock())
		var h coreglib.SignalHandle
		a.trace("map")
		h = clock.ConnectAfterPaint(func() {
			clock.HandlerDisconnect(h)
			a.trace("first frame")
			w.firstFrame = true
			w.updateRatings(func() {
				a.trace("every app rated")
				if !a.opts.Demo {
					// The demo's apps are not the user's: keep the cache
					// of the real ones.
					var icons []string
					for _, app := range w.m.Apps {
						icons = append(icons, app.Icon)
					}
					go w.icons.prune(icons)
				}
				// Once the rest of the first page is built too (those
				// idle callbacks come first).
				glib.IdleAddPriority(glib.PriorityLow, func() {
					for _, f := range w.onReady {
						f()
					}
					w.onReady = nil
				})
			})
		})
	})
	return w
}

func (w *Window) addActions() {
	add := func(name string, f func()) *gio.SimpleAction {
		act := gio.NewSimpleAction(name, nil)
		act.ConnectActivate(func(*glib.Variant) { f() })
		w.win.AddAction(act)
		return act
	}
	// Ctrl+F always searches the apps, wherever the keyboard is (Find in
	// Page has its own shortcut): one key, one meaning.
	add("search", func() {
		if w.layout.folded {
			showContent(w.split, false)
		}
		w.searchBar.SetSearchMode(true)
		w.search.GrabFocus()
	})
	// Built when asked for: most sessions never open it.
	add("show-help-overlay", w.showShortcuts)
	w.actions.reset = add("reset-app", w.resetCurrent)
	w.setupUndo()
	w.actions.command = add("show-command", w.showCommand)
	add("open-folder", w.openFolder)
	w.actions.lock = add("lock-app", w.lockDialog)
	w.actions.harden = add("harden-app", func() {
		if v := w.pages.shown; v != nil && v.app != nil {
			v.hardenDialog()
		}
	})
	add("presets", w.presetsDialog)
}

// pageActions are the page menu's actions that act only on some pages,
// or only when there is something to do: offered only then.
type pageActions struct {
	reset, command, lock, harden *gio.SimpleAction
	menu                         string // the page menu's model now
}

// updateActions offers the page menu's actions where they act: Harden
// and Lock when they would change something, Reset and Show Command when
// there is an override.
func (w *Window) updateActions() {
	v := w.pages.shown
	app := v != nil && !v.overview && v.app != nil && v.app.Err == nil
	own := v != nil && !v.overview && w.current != nil && w.current.changed
	w.actions.reset.SetEnabled(own || app && v.portal != nil && v.portal.answers)
	w.actions.command.SetEnabled(own)
	w.actions.harden.SetEnabled(app && v.canHarden())
	// Whether Lock would change anything is asked when the menu opens
	// (lockable): a plan per app switch would slow switching.
	w.actions.lock.SetEnabled(app)
	menu := "app_menu"
	switch {
	case v == nil || v.overview:
		menu = "overview_menu"
	case v.app == nil:
		menu = "global_menu"
	}
	// A new model rebuilds the menu's popover: only when the kind of
	// page changes, not at every app switch.
	if menu != w.actions.menu {
		w.actions.menu = menu
		w.pageMenu.SetMenuModel(w.menu(menu))
	}
}

// lockable reports whether Lock Permissions would change the shown app's
// override.
func (w *Window) lockable() bool {
	v := w.pages.shown
	if v == nil || v.overview || v.app == nil || v.app.Err != nil {
		return false
	}
	plan, err := w.m.PlanLock(v.app)
	return err == nil && len(plan.Ops) > 0 && !bytes.Equal(plan.Before, plan.After)
}

func (w *Window) menu(id string) gio.MenuModeller {
	return w.builder.GetObject(id).Cast().(gio.MenuModeller)
}

// load reads the model and fills the sidebar.
func (w *Window) load() {
	if w.app.preload != nil {
		// Loaded in the background while GTK started up.
		w.m = <-w.app.preload
		w.app.preload = nil
	} else {
		w.m = model.Load(w.app.opts.Env)
	}
	dupes := map[string]int{}
	for _, a := range w.m.Apps {
		dupes[a.ID]++
	}
	w.rows = []*appRow{
		{key: "global", search: strings.ToLower(T("All Applications") + " global")},
		{key: "overview", overview: true, search: strings.ToLower(T("Overview") + " overview risk")},
	}
	for _, a := range w.m.Apps {
		w.rows = append(w.rows, &appRow{key: a.Key(), app: a, search: strings.ToLower(a.Name + "\n" + a.ID), dupe: dupes[a.ID] > 1})
	}
	w.fillSidebar()
	w.updateBadges()
	if len(w.m.Apps) == 0 {
		w.sideTitle.SetObjectProperty("subtitle", T("No apps installed"))
	}
}

// rowFor finds the sidebar row of the copy of id that runs.
func (w *Window) rowFor(id string) *appRow {
	for _, r := range w.rows {
		if r.app != nil && r.app.ID == id && !r.app.Shadowed {
			return r
		}
	}
	return nil
}

// updateBadges marks the entries the user has an override for. One
// listing of the overrides folder, not one read per app: this runs after
// every write.
func (w *Window) updateBadges() {
	have, err := w.m.Overridden()
	if err != nil {
		return
	}
	for _, r := range w.rows {
		if r.overview {
			continue
		}
		id := model.Target(r.app)
		if have[id] != r.changed {
			r.changed = have[id]
			w.rebind(r)
		}
	}
}

func (w *Window) matches(r *appRow) bool {
	q := strings.ToLower(strings.TrimSpace(w.search.Text()))
	return q == "" || strings.Contains(r.search, q)
}

func (w *Window) filter() {
	w.sidebar.filterObj.Changed(gtk.FilterChangeDifferent)
	pinned := false
	for r, pr := range w.sidebar.pinnedOf {
		pr.SetVisible(w.matches(r))
		pinned = pinned || pr.Visible()
	}
	w.sidebar.pinned.SetVisible(pinned)
	if w.sidebar.filtered.NItems() > 0 || pinned {
		w.sidebarStack.SetVisibleChildName("list")
	} else {
		w.sidebarStack.SetVisibleChildName("no-results")
	}
}

func (w *Window) selectInitial() {
	if len(w.m.Apps) == 0 {
		// Nothing to list: say so, and why, instead of an empty page.
		empty := w.builder.GetObject("empty_page")
		if w.m.FlatpakMissing() {
			empty.SetObjectProperty("title", T("Flatpak Is Not Installed"))
			empty.SetObjectProperty("description", T("Install Flatpak from your distribution, then apps from Flathub; Confine will list them here. Settings for all apps are available already."))
		}
		w.contentTitle.SetObjectProperty("title", "Confine")
		w.contentStack.SetVisibleChildName("empty")
		return
	}
	w.selectRow(w.initialRow())
}

// showContent brings the page forward in a narrow window. A wide window
// shows both panes already, and navigating there would move the keyboard
// focus from the sidebar into the page (arrow keys would stop walking the
// list).
func (w *Window) showContent() {
	if w.layout.folded {
		showContent(w.split, true)
	}
}

// onFold registers f to lay something out for the window's width now and
// whenever it crosses the narrow breakpoint.
func (w *Window) onFold(f func(folded bool)) {
	w.layout.onFold = append(w.layout.onFold, f)
	f(w.layout.folded)
}

// initialRow is the entry shown at start: the app shown last, else the
// first app.
func (w *Window) initialRow() *appRow {
	if w.settings != nil {
		if r := w.rowFor(w.settings.String("last-app")); r != nil {
			return r
		}
	}
	if len(w.rows) > 2 {
		return w.rows[2]
	}
	return w.rows[0]
}

// ShowApp opens an app's page by ID ("global" for All Applications).
func (w *Window) ShowApp(id string) {
	var r *appRow
	switch id {
	case model.Global:
		r = w.rows[0]
	case "overview":
		r = w.rows[1]
	default:
		r = w.rowFor(id)
	}
	if r == nil {
		w.toast(fmt.Sprintf(T("%s is not installed"), id))
		return
	}
	// selectRow shows any other entry; the one shown is shown again
	// (refreshed).
	shown := w.current
	w.selectRow(r)
	if r == shown {
		w.showRow(r)
	}
	// Asked for by name (--app, the Overview): the page is what to see,
	// also once a window still being laid out turns out narrow.
	showContent(w.split, true)
}

func (w *Window) showRow(r *appRow) {
	w.flush()
	w.current = r
	title := T("All Applications")
	sub := T("Overrides for every app")
	if r.overview {
		title, sub = T("Overview"), T("Risks of every app")
	}
	if r.app != nil {
		title, sub = r.app.Name, r.app.ID
		if w.settings != nil {
			w.settings.SetString("last-app", r.app.ID)
		}
	}
	w.contentTitle.SetObjectProperty("title", title)
	w.contentTitle.SetObjectProperty("subtitle", sub)
	// The page's title is what the back button and screen readers name.
	w.contentPage.SetObjectProperty("title", title)
	if r.overview {
		w.buildOverview()
	} else {
		w.buildPage(r.app)
	}
	w.contentStack.SetVisibleChildName("page")
	w.scroll.VAdjustment().SetValue(0)
	w.applyPageFilter()
	w.updateActions()
}

func (w *Window) toast(msg string) { w.showToast(msg, "", "", 4) }

// showToast shows one toast at a time: a newer one replaces the one on
// screen, whose Undo (if any) stays in the history.
func (w *Window) showToast(msg, button, action string, timeout int) {
	if w.lastToast != nil {
		dismissToast(w.lastToast)
	}
	w.lastToast = toast(w.toasts, msg, button, action, timeout)
}

func (w *Window) openFolder() {
	dir := w.m.FolderToOpen()
	// GIO goes through the OpenURI portal when Confine runs sandboxed.
	if err := gio.AppInfoLaunchDefaultForURI(gio.NewFileForPath(dir).URI(), nil); err != nil {
		w.toast(fmt.Sprintf(T("Could not open %s: %v"), dir, err))
	}
}

func (w *Window) restoreSettings() {
	src := gio.SettingsSchemaSourceGetDefault()
	if src != nil && src.Lookup(AppID, true) != nil {
		w.settings = gio.NewSettings(AppID)
	}
	// Running from the build tree without the schema installed: nothing
	// is remembered, nothing breaks.
	// CONFINE_WINDOW_SIZE=WxH fixes the size (screenshots, benchmarks)
	// and leaves the remembered size alone.
	if s := os.Getenv("CONFINE_WINDOW_SIZE"); s != "" {
		var width, height int
		if _, err := fmt.Sscanf(s, "%dx%d", &width, &height); err == nil {
			w.win.SetDefaultSize(width, height)
			w.fixedSize = true
			return
		}
	}
	if w.settings == nil {
		return
	}
	w.win.SetDefaultSize(int(w.settings.Int("window-width")), int(w.settings.Int("window-height")))
	if w.settings.Boolean("window-maximized") {
		w.win.Maximize()
	}
}

func (w *Window) saveSettings() {
	if w.settings == nil || w.fixedSize {
		return
	}
	width, height := w.win.DefaultSize()
	w.settings.SetInt("window-width", width)
	w.settings.SetInt("window-height", height)
	w.settings.SetBoolean("window-maximized", w.win.IsMaximized())
}
