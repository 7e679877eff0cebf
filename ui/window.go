package ui

import (
	"fmt"
	"os"
	"path/filepath"
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
	toasts, leaflet            *coreglib.Object
	list                       *gtk.GridView
	searchBar                  *gtk.SearchBar
	search                     *gtk.SearchEntry
	sidebarStack, contentStack *gtk.Stack
	page, banners              *gtk.Box
	scroll                     *gtk.ScrolledWindow
	contentTitle, sideTitle    *coreglib.Object

	rows         []*appRow // the sidebar's entries, see load
	current      *appRow   // the entry shown
	sidebar      sidebar
	pages        pages
	edits        edits
	watcher      watcher
	portals      portalClient
	banner       bannerState
	layout       layout
	icons        *iconCache
	settings     *gio.Settings
	presetChoice presetChoice
	// fixedSize: the size came from CONFINE_WINDOW_SIZE, not to be saved.
	fixedSize bool

	// confirming is the confirmation on screen, if any.
	confirming *confirmation
	pageFilter pageFilter

	firstFrame bool     // the window has painted once
	onReady    []func() // run once every app is rated
}

// layout follows the window's width.
type layout struct {
	folded   bool       // the leaflet shows one pane (a narrow window)
	adaptive []*gtk.Box // boxes that stack their children when folded
}

func newWindow(a *Application) *Window {
	b := gtk.NewBuilderFromString(windowUI, len(windowUI))
	w := &Window{app: a, builder: b, pages: pages{byKind: map[string]*pageView{}}, icons: newIconCache(filepath.Join(a.opts.Env.CacheDir(), "icons"))}
	obj := func(id string) *coreglib.Object {
		o := b.GetObject(id)
		if o == nil {
			panic("window.ui has no object " + id)
		}
		return o
	}
	w.win = obj("window").Cast().(*gtk.ApplicationWindow)
	w.win.SetApplication(a.Application)
	w.toasts = obj("toasts")
	w.leaflet = obj("leaflet")
	w.list = obj("app_list").Cast().(*gtk.GridView)
	w.searchBar = obj("search_bar").Cast().(*gtk.SearchBar)
	w.search = obj("search_entry").Cast().(*gtk.SearchEntry)
	w.sidebarStack = obj("sidebar_stack").Cast().(*gtk.Stack)
	w.contentStack = obj("content_stack").Cast().(*gtk.Stack)
	w.page = obj("page").Cast().(*gtk.Box)
	w.banners = obj("banners").Cast().(*gtk.Box)
	w.scroll = obj("page_scroll").Cast().(*gtk.ScrolledWindow)
	w.contentTitle = obj("content_title")
	w.sideTitle = obj("sidebar_title")
	w.leaflet.NotifyProperty("folded", func() {
		w.layout.folded, _ = w.leaflet.ObjectProperty("folded").(bool)
		for _, b := range w.layout.adaptive {
			b.SetOrientation(w.orientation())
		}
	})
	back := obj("back_button").Cast().(*gtk.Button)
	back.ConnectClicked(func() { leafletNavigate(w.leaflet, false) })

	w.searchBar.SetKeyCaptureWidget(w.win)
	w.search.ConnectSearchChanged(w.filter)
	w.search.ConnectActivate(func() {
		// Enter opens the first match.
		if w.sidebar.filtered.NItems() > 0 {
			w.sidebar.sel.SetSelected(0)
		}
	})
	w.setupSidebar()

	w.addActions()
	w.restoreSettings()
	w.setupPageFilter()
	w.win.ConnectCloseRequest(func() bool {
		w.flush()
		w.saveSettings()
		return false
	})
	if a.opts.Demo {
		w.win.SetTitle(T("Confine — Demo"))
		w.sideTitle.SetObjectProperty("subtitle", T("Demo installation"))
	}
	w.load()
	a.trace("apps listed")
	w.watch()
	w.selectInitial()
	a.trace("first page built")
	if a.opts.OnReady != nil {
		ready := a.opts.OnReady
		w.onReady = append(w.onReady, func() { ready(w) })
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
	add("search", func() {
		// Ctrl+F finds in the page when the keyboard is there.
		if w.focusInPage() {
			w.findInPage()
			return
		}
		w.searchBar.SetSearchMode(!w.searchBar.SearchMode())
		if w.searchBar.SearchMode() {
			w.search.GrabFocus()
		}
	})
	// The shortcuts window is built when first asked for, not with the
	// main window (GtkApplicationWindow's own show-help-overlay action
	// needs it up front).
	var help *gtk.ShortcutsWindow
	add("show-help-overlay", func() {
		if help == nil {
			b := gtk.NewBuilderFromString(shortcutsUI, len(shortcutsUI))
			help = b.GetObject("help_overlay").Cast().(*gtk.ShortcutsWindow)
			help.SetTransientFor(&w.win.Window)
			help.SetModal(true)
			help.SetHideOnClose(true)
		}
		help.Present()
	})
	add("reset-app", w.resetCurrent)
	add("undo", w.undoLast)
	offer := gio.NewSimpleAction("undo-offer", glib.NewVariantType("i"))
	offer.ConnectActivate(func(p *glib.Variant) {
		if p != nil {
			w.undoOffer(p.Int32())
		}
	})
	w.win.AddAction(offer)
	add("show-command", w.showCommand)
	add("open-folder", w.openFolder)
	add("lock-app", w.lockCurrent)
	add("presets", w.presetsDialog)
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
	if w.sidebar.filtered.NItems() > 0 {
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
		leafletNavigate(w.leaflet, true)
	}
}

// adaptiveBox is a box whose children sit side by side, or one above the
// other when the window is narrow.
func (w *Window) adaptiveBox() *gtk.Box {
	b := gtk.NewBox(w.orientation(), 6)
	w.layout.adaptive = append(w.layout.adaptive, b)
	return b
}

func (w *Window) orientation() gtk.Orientation {
	if w.layout.folded {
		return gtk.OrientationVertical
	}
	return gtk.OrientationHorizontal
}

// firstScreenHeight is the height the window opens with, in pixels.
func (w *Window) firstScreenHeight() int {
	if w.win.IsMaximized() {
		return 1600
	}
	_, h := w.win.DefaultSize()
	return max(h, 600)
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
	w.showContent()
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
	if r.overview {
		w.buildOverview()
	} else {
		w.buildPage(r.app)
	}
	w.contentStack.SetVisibleChildName("page")
	w.scroll.VAdjustment().SetValue(0)
}

func (w *Window) toast(msg string) { toast(w.toasts, msg, "", "", 4) }

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
