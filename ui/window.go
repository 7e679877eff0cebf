package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
	"github.com/diamondburned/gotk4/pkg/gdk/v4"
	"github.com/diamondburned/gotk4/pkg/gio/v2"
	"github.com/diamondburned/gotk4/pkg/glib/v2"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

// appRow is one entry of the sidebar: an app, or the "All applications"
// entry (app == nil).
type appRow struct {
	row      *gtk.ListBoxRow
	app      *model.App
	overview bool   // the Overview entry
	search   string // lower-case name and ID
	badge    *gtk.Label
	dot      *gtk.Box
	rating   model.Rating
}

// pendingEdit is a write waiting for the debounce timer.
type pendingEdit struct {
	key string
	run func() (model.Change, error)
}

// Window is Confine's main window.
type Window struct {
	app     *Application
	m       *model.Model
	builder *gtk.Builder

	win                        *gtk.ApplicationWindow
	toasts, leaflet            *coreglib.Object
	list                       *gtk.ListBox
	searchBar                  *gtk.SearchBar
	search                     *gtk.SearchEntry
	sidebarStack, contentStack *gtk.Stack
	page, banners              *gtk.Box
	scroll                     *gtk.ScrolledWindow
	contentTitle, sideTitle    *coreglib.Object

	rows     []*appRow
	queued   []*model.App // apps whose rows are still to be added
	dupes    map[string]int
	current  *appRow
	view     *pageView
	views    map[string]*pageView // one page per kind, see attach
	shown    *pageView
	settings *gio.Settings

	pending     []pendingEdit
	flushTimer  glib.SourceHandle
	undo        *model.Change
	undoApp     *model.App
	undoPortal  model.Snapshot
	portals     portals
	monitors    []gio.FileMonitorrer
	reloadTmr   glib.SourceHandle
	gcTimer     glib.SourceHandle
	firstFrame  bool // the window has painted once
	ratingsDone bool
}

func newWindow(a *Application) *Window {
	b := gtk.NewBuilderFromString(windowUI, len(windowUI))
	w := &Window{app: a, builder: b, views: map[string]*pageView{}}
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
	w.list = obj("app_list").Cast().(*gtk.ListBox)
	w.searchBar = obj("search_bar").Cast().(*gtk.SearchBar)
	w.search = obj("search_entry").Cast().(*gtk.SearchEntry)
	w.sidebarStack = obj("sidebar_stack").Cast().(*gtk.Stack)
	w.contentStack = obj("content_stack").Cast().(*gtk.Stack)
	w.page = obj("page").Cast().(*gtk.Box)
	w.banners = obj("banners").Cast().(*gtk.Box)
	w.scroll = obj("page_scroll").Cast().(*gtk.ScrolledWindow)
	w.contentTitle = obj("content_title")
	w.sideTitle = obj("sidebar_title")
	back := obj("back_button").Cast().(*gtk.Button)
	back.ConnectClicked(func() { leafletNavigate(w.leaflet, false) })

	sb := gtk.NewBuilderFromString(shortcutsUI, len(shortcutsUI))
	w.win.SetHelpOverlay(sb.GetObject("help_overlay").Cast().(*gtk.ShortcutsWindow))

	w.searchBar.SetKeyCaptureWidget(w.win)
	w.search.ConnectSearchChanged(w.filter)
	w.search.ConnectActivate(func() {
		// Enter opens the first match.
		for _, r := range w.rows {
			if r.row.IsVisible() && w.matches(r) {
				w.list.SelectRow(r.row)
				return
			}
		}
	})
	w.list.SetFilterFunc(func(row *gtk.ListBoxRow) bool {
		i := row.Index()
		return i < 0 || i >= len(w.rows) || w.matches(w.rows[i])
	})
	w.list.ConnectRowSelected(func(row *gtk.ListBoxRow) {
		if row == nil {
			return
		}
		if i := row.Index(); i >= 0 && i < len(w.rows) && w.rows[i] != w.current {
			w.showRow(w.rows[i])
			leafletNavigate(w.leaflet, true)
		}
	})
	w.list.ConnectRowActivated(func(*gtk.ListBoxRow) { leafletNavigate(w.leaflet, true) })

	w.addActions()
	w.restoreSettings()
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
	w.watch()
	w.selectInitial()
	w.updateRatings()
	w.win.ConnectMap(func() {
		clock := gdk.BaseFrameClock(w.win.FrameClock())
		var h coreglib.SignalHandle
		h = clock.ConnectAfterPaint(func() {
			clock.HandlerDisconnect(h)
			w.firstFrame = true
		})
	})
	if a.opts.OnReady != nil {
		ready := a.opts.OnReady
		glib.IdleAdd(func() { ready(w) })
	}
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
		w.searchBar.SetSearchMode(!w.searchBar.SearchMode())
		if w.searchBar.SearchMode() {
			w.search.GrabFocus()
		}
	})
	add("reset-app", w.resetCurrent)
	add("undo", w.undoLast)
	add("show-command", w.showCommand)
	add("open-folder", w.openFolder)
	add("lock-app", w.lockCurrent)
}

// load reads the model and fills the sidebar.
func (w *Window) load() {
	w.m = model.Load(w.app.opts.Env)
	for _, r := range w.rows {
		w.list.Remove(r.row)
	}
	w.rows = nil
	w.addRow(nil)
	w.addOverviewRow()
	w.dupes = map[string]int{}
	for _, a := range w.m.Apps {
		w.dupes[a.ID]++
	}
	// The first screenful of rows now, the rest right after the first
	// frame: GTK measures every row of a list box, and hundreds of rows
	// would delay the window.
	w.queued = append([]*model.App(nil), w.m.Apps...)
	w.addRows(40)
	if len(w.queued) > 0 {
		glib.IdleAdd(func() bool {
			w.addRows(60)
			return len(w.queued) > 0
		})
	}
	if len(w.m.Apps) == 0 {
		w.sideTitle.SetObjectProperty("subtitle", T("No apps installed"))
	}
}

// addRows adds up to n queued apps to the sidebar.
func (w *Window) addRows(n int) {
	for ; n > 0 && len(w.queued) > 0; n-- {
		a := w.queued[0]
		w.queued = w.queued[1:]
		r := w.addRow(a)
		r.showInstallation(w.dupes[a.ID] > 1)
		if w.ratingsDone {
			w.setRating(r, model.RatingOf(w.m.Audit(a)))
		}
	}
}

// allRows makes sure every app has its row (before a search or a lookup).
func (w *Window) allRows() []*appRow {
	w.addRows(len(w.queued))
	return w.rows
}

func (w *Window) addRow(a *model.App) *appRow {
	r := &appRow{app: a, row: gtk.NewListBoxRow()}
	box := gtk.NewBox(gtk.OrientationHorizontal, 12)
	box.SetMarginTop(6)
	box.SetMarginBottom(6)
	var icon *gtk.Image
	name, sub := T("All Applications"), T("Settings for every app")
	if a == nil {
		icon = gtk.NewImageFromIconName("view-app-grid-symbolic")
		r.search = strings.ToLower(name + " global")
	} else {
		if a.Icon != "" {
			icon = gtk.NewImageFromGIcon(gio.NewFileIcon(gio.NewFileForPath(a.Icon)))
		} else {
			icon = gtk.NewImageFromIconName("application-x-executable")
		}
		name, sub = a.Name, a.ID
		r.search = strings.ToLower(a.Name + "\n" + a.ID)
	}
	icon.SetPixelSize(32)
	box.Append(icon)
	labels := gtk.NewBox(gtk.OrientationVertical, 0)
	labels.SetHExpand(true)
	labels.SetVAlign(gtk.AlignCenter)
	title := gtk.NewLabel(name)
	title.SetXAlign(0)
	title.SetEllipsize(3) // PANGO_ELLIPSIZE_END
	labels.Append(title)
	subtitle := gtk.NewLabel(sub)
	subtitle.SetXAlign(0)
	subtitle.SetEllipsize(3)
	subtitle.AddCSSClass("dim-label")
	subtitle.AddCSSClass("app-row-id")
	labels.Append(subtitle)
	box.Append(labels)
	if a != nil {
		r.dot = gtk.NewBox(gtk.OrientationHorizontal, 0)
		r.dot.AddCSSClass("risk-dot")
		r.dot.SetVAlign(gtk.AlignCenter)
		r.dot.SetVisible(false)
	}
	r.badge = gtk.NewLabel(T("Changed"))
	r.badge.AddCSSClass("changed-badge")
	r.badge.SetVAlign(gtk.AlignCenter)
	r.badge.SetTooltipText(T("You changed permissions of this app"))
	box.Append(r.badge)
	if r.dot != nil {
		box.Append(r.dot)
	}
	r.row.SetChild(box)
	r.row.UpdateProperty([]gtk.AccessibleProperty{gtk.AccessiblePropertyLabel}, []coreglib.Value{*coreglib.NewValue(name)})
	w.list.Append(r.row)
	w.rows = append(w.rows, r)
	w.updateBadge(r)
	return r
}

func (w *Window) addOverviewRow() {
	r := &appRow{overview: true, row: gtk.NewListBoxRow(), search: strings.ToLower(T("Overview") + " overview risk")}
	box := gtk.NewBox(gtk.OrientationHorizontal, 12)
	box.SetMarginTop(6)
	box.SetMarginBottom(6)
	icon := gtk.NewImageFromIconName("security-medium-symbolic")
	icon.SetPixelSize(32)
	box.Append(icon)
	labels := gtk.NewBox(gtk.OrientationVertical, 0)
	labels.SetVAlign(gtk.AlignCenter)
	title := gtk.NewLabel(T("Overview"))
	title.SetXAlign(0)
	labels.Append(title)
	sub := gtk.NewLabel(T("Risks of every app"))
	sub.SetXAlign(0)
	sub.AddCSSClass("dim-label")
	sub.AddCSSClass("app-row-id")
	labels.Append(sub)
	box.Append(labels)
	r.row.SetChild(box)
	r.badge = gtk.NewLabel("")
	r.row.UpdateProperty([]gtk.AccessibleProperty{gtk.AccessiblePropertyLabel}, []coreglib.Value{*coreglib.NewValue(T("Overview"))})
	w.list.Append(r.row)
	w.rows = append(w.rows, r)
}

// rowFor finds the sidebar row of the copy of id that runs.
func (w *Window) rowFor(id string) *appRow {
	for _, r := range w.allRows() {
		if r.app != nil && r.app.ID == id && !r.app.Shadowed {
			return r
		}
	}
	return nil
}

// showInstallation adds the installation's name to the subtitle when the
// same ID is installed more than once.
func (r *appRow) showInstallation(on bool) {
	if !on || r.app == nil {
		return
	}
	box := r.row.Child().(*gtk.Box)
	labels := gtk.BaseWidget(box.FirstChild()).NextSibling().(*gtk.Box)
	sub := gtk.BaseWidget(labels.FirstChild()).NextSibling().(*gtk.Label)
	text := fmt.Sprintf("%s · %s", r.app.ID, T(r.app.Installation.Label()))
	if r.app.Shadowed {
		text += " · " + T("not used")
	}
	sub.SetText(text)
}

func (w *Window) updateBadge(r *appRow) {
	if r.overview {
		r.badge.SetVisible(false)
		return
	}
	id := overrides.Global
	if r.app != nil {
		id = r.app.ID
	}
	r.badge.SetVisible(w.m.HasUserOverride(id))
}

func (w *Window) matches(r *appRow) bool {
	q := strings.ToLower(strings.TrimSpace(w.search.Text()))
	return q == "" || strings.Contains(r.search, q)
}

func (w *Window) filter() {
	w.allRows()
	w.list.InvalidateFilter()
	any := false
	for _, r := range w.rows {
		any = any || w.matches(r)
	}
	if any {
		w.sidebarStack.SetVisibleChildName("list")
	} else {
		w.sidebarStack.SetVisibleChildName("no-results")
	}
}

func (w *Window) selectInitial() {
	if len(w.m.Apps) == 0 {
		// Nothing to list: say so, and why, instead of an empty page.
		empty := w.builder.GetObject("empty_page")
		if w.m.FlatpakErr != nil && len(w.m.Installations) > 0 && !exists(w.m.Installations[0].Path) && !exists(w.m.Installations[1].Path) {
			empty.SetObjectProperty("title", T("Flatpak Is Not Installed"))
			empty.SetObjectProperty("description", T("Install Flatpak from your distribution, then apps from Flathub; Confine will list them here. Settings for all apps are available already."))
		}
		w.contentTitle.SetObjectProperty("title", "Confine")
		w.contentStack.SetVisibleChildName("empty")
		return
	}
	last := ""
	if w.settings != nil {
		last = w.settings.String("last-app")
	}
	if last != "" {
		w.allRows()
	}
	for _, r := range w.rows {
		if r.app != nil && r.app.ID == last && !r.app.Shadowed {
			w.list.SelectRow(r.row)
			return
		}
	}
	if len(w.rows) > 2 {
		w.list.SelectRow(w.rows[2].row)
	} else {
		w.list.SelectRow(w.rows[0].row)
	}
}

// ShowApp opens an app's page by ID ("global" for All Applications).
func (w *Window) ShowApp(id string) {
	for _, r := range w.allRows() {
		if (r.app == nil && !r.overview && id == overrides.Global) || (r.overview && id == "overview") || (r.app != nil && r.app.ID == id && !r.app.Shadowed) {
			w.list.SelectRow(r.row)
			w.showRow(r)
			leafletNavigate(w.leaflet, true)
			return
		}
	}
	w.toast(fmt.Sprintf(T("%s is not installed"), id))
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
		w.view = w.buildOverview()
	} else {
		w.view = w.buildPage(r.app)
	}
	w.contentStack.SetVisibleChildName("page")
	w.scroll.VAdjustment().SetValue(0)
}

// CurrentView is the page on screen (tests).
func (w *Window) CurrentView() *pageView { return w.view }

// Model is the window's model (tests).
func (w *Window) Model() *model.Model { return w.m }

func (w *Window) toast(msg string) { toast(w.toasts, msg, "", "", 4) }

// queue schedules a write; a newer edit of the same permission replaces an
// older one still waiting. Writes happen 300 ms after the last click, when
// another app is shown, and when the window closes.
func (w *Window) queue(key string, run func() (model.Change, error)) {
	for i, p := range w.pending {
		if p.key == key {
			w.pending = append(w.pending[:i], w.pending[i+1:]...)
			break
		}
	}
	w.pending = append(w.pending, pendingEdit{key: key, run: run})
	if w.flushTimer != 0 {
		glib.SourceRemove(w.flushTimer)
	}
	w.flushTimer = glib.TimeoutAdd(300, func() bool {
		w.flushTimer = 0
		w.flush()
		return false
	})
}

// Pending reports whether edits wait for the debounce timer (tests).
func (w *Window) Pending() bool { return len(w.pending) > 0 }

// flush writes every pending edit now, then shows the true state.
func (w *Window) flush() {
	if w.flushTimer != 0 {
		glib.SourceRemove(w.flushTimer)
		w.flushTimer = 0
	}
	if len(w.pending) == 0 {
		return
	}
	edits := w.pending
	w.pending = nil
	for _, e := range edits {
		if _, err := e.run(); err != nil {
			w.toast(fmt.Sprintf(T("Could not save: %v"), err))
		}
	}
	w.refresh()
}

// refresh re-reads the override files and updates the visible page and the
// badges; rows with a pending edit keep what the user just chose.
func (w *Window) refresh() {
	for _, r := range w.rows {
		w.updateBadge(r)
	}
	if w.view != nil && w.view.overview {
		w.buildOverview()
	} else if w.view != nil {
		w.view.refresh()
	}
}

func (w *Window) resetCurrent() {
	if w.current == nil || w.current.overview {
		return
	}
	w.pending = nil
	a := w.current.app
	c, err := w.m.Reset(a)
	if err != nil {
		w.toast(fmt.Sprintf(T("Could not reset: %v"), err))
		return
	}
	name := T("All Applications")
	if a != nil {
		name = a.Name
	}
	finish := func(snap model.Snapshot) {
		if c.Before == nil && len(snap) == 0 {
			w.toast(T("Nothing to reset"))
			return
		}
		w.undo, w.undoApp, w.undoPortal = &c, a, snap
		toast(w.toasts, fmt.Sprintf(T("Changes to %s were reset"), name), T("Undo"), "win.undo", 8)
		w.refresh()
	}
	if a == nil {
		finish(nil)
		return
	}
	// The reset covers portal answers too; the store answers in the
	// background.
	w.resetPortals(a.ID, finish)
}

// lockCurrent writes explicit revocations so that updates cannot widen the
// shown app silently.
func (w *Window) lockCurrent() {
	if w.current == nil || w.current.app == nil || w.current.app.Err != nil {
		w.toast(T("Choose an app to lock"))
		return
	}
	w.flush()
	c, err := w.m.Lock(w.current.app)
	w.afterChange(c, err, T("permissions locked against future updates"))
}

func (w *Window) undoLast() {
	if w.undo == nil {
		return
	}
	if err := w.m.Undo(*w.undo); err != nil {
		w.toast(fmt.Sprintf(T("Could not undo: %v"), err))
	}
	if w.undoApp != nil {
		w.restorePortals(w.undoApp.ID, w.undoPortal)
	}
	w.undo, w.undoPortal = nil, nil
	w.refresh()
}

// showCommand shows the `flatpak override` command that gives the user's
// override for the shown app, ready to copy.
func (w *Window) showCommand() {
	if w.current == nil || w.current.overview {
		return
	}
	w.flush()
	target := overrides.Global
	if w.current.app != nil {
		target = w.current.app.ID
	}
	cmd := CommandFor(w.m, target)
	dialog := gtk.NewDialog()
	dialog.SetTransientFor(&w.win.Window)
	dialog.SetModal(true)
	dialog.SetTitle(T("Equivalent Command"))
	dialog.SetDefaultSize(560, 0)
	box := dialog.ContentArea()
	box.SetSpacing(12)
	box.SetMarginTop(18)
	box.SetMarginBottom(18)
	box.SetMarginStart(18)
	box.SetMarginEnd(18)
	intro := gtk.NewLabel(T("Run this in a terminal to give the same permissions with the flatpak command:"))
	intro.SetWrap(true)
	intro.SetXAlign(0)
	box.Append(intro)
	label := gtk.NewLabel(cmd)
	label.SetSelectable(true)
	label.SetWrap(true)
	label.SetXAlign(0)
	label.AddCSSClass("monospace")
	box.Append(label)
	copyBtn := gtk.NewButtonWithLabel(T("Copy"))
	copyBtn.AddCSSClass("suggested-action")
	copyBtn.SetHAlign(gtk.AlignEnd)
	copyBtn.ConnectClicked(func() {
		w.win.Clipboard().SetText(cmd)
		w.toast(T("Copied"))
		dialog.Close()
	})
	box.Append(copyBtn)
	dialog.Show()
}

// CommandFor builds the flatpak override command line that recreates the
// user's override for target from nothing.
func CommandFor(m *model.Model, target string) string {
	f, err := m.User.Load(target)
	if err != nil {
		return "# " + err.Error()
	}
	c, _ := f.Context()
	ops := overrides.OpsFor(overrides.NewContext(), c)
	parts := []string{"flatpak", "override", "--user"}
	if len(ops) == 0 {
		parts = append(parts, "--reset")
	}
	for _, o := range ops {
		parts = append(parts, overrides.ShellQuote(o.String()))
	}
	if target != overrides.Global {
		parts = append(parts, target)
	}
	return strings.Join(parts, " ")
}

func (w *Window) openFolder() {
	// The folder may not exist before the first change.
	dir := w.m.User.Dir
	if !exists(dir) {
		dir = filepath.Dir(dir)
	}
	// GIO goes through the OpenURI portal when Confine runs sandboxed.
	if err := gio.AppInfoLaunchDefaultForURI(gio.NewFileForPath(dir).URI(), nil); err != nil {
		w.toast(fmt.Sprintf(T("Could not open %s: %v"), dir, err))
	}
}

// watch follows the override folders and the installations' app folders,
// so changes made by `flatpak override` or `flatpak install` show up.
func (w *Window) watch() {
	dirs := map[string]bool{w.m.User.Dir: false, w.m.System.Dir: false}
	for _, inst := range w.m.Installations {
		if inst.Err == nil {
			dirs[filepath.Join(inst.Path, "app")] = true
		}
	}
	keys := make([]string, 0, len(dirs))
	for d := range dirs {
		keys = append(keys, d)
	}
	sort.Strings(keys)
	for _, d := range keys {
		apps := dirs[d]
		mon, err := gio.NewFileForPath(d).MonitorDirectory(context.Background(), gio.FileMonitorWatchMoves)
		if err != nil {
			continue
		}
		gio.BaseFileMonitor(mon).ConnectChanged(func(_, _ gio.Filer, ev gio.FileMonitorEvent) {
			if ev == gio.FileMonitorEventAttributeChanged {
				return
			}
			w.scheduleReload(apps)
		})
		w.monitors = append(w.monitors, mon)
	}
}

// scheduleReload coalesces bursts of file events (a rename is several).
func (w *Window) scheduleReload(apps bool) {
	if w.reloadTmr != 0 {
		glib.SourceRemove(w.reloadTmr)
	}
	w.reloadTmr = glib.TimeoutAdd(150, func() bool {
		w.reloadTmr = 0
		if apps {
			w.reloadApps()
		} else {
			w.refresh()
		}
		return false
	})
}

// reloadApps re-reads installations after apps were installed or removed,
// keeping the shown page.
func (w *Window) reloadApps() {
	w.flush()
	keep := ""
	if w.current != nil && w.current.app != nil {
		keep = w.current.app.ID
	}
	w.current = nil
	w.view = nil
	w.teardown()
	w.load()
	w.updateRatings()
	if keep != "" {
		w.ShowApp(keep)
	} else {
		w.list.SelectRow(w.rows[0].row)
	}
}

func (w *Window) restoreSettings() {
	// CONFINE_WINDOW_SIZE=WxH fixes the size (screenshots, benchmarks).
	if s := os.Getenv("CONFINE_WINDOW_SIZE"); s != "" {
		var width, height int
		if _, err := fmt.Sscanf(s, "%dx%d", &width, &height); err == nil {
			w.win.SetDefaultSize(width, height)
			return
		}
	}
	src := gio.SettingsSchemaSourceGetDefault()
	if src == nil || src.Lookup(AppID, true) == nil {
		// Running from the build tree without the schema installed:
		// nothing is remembered, nothing breaks.
		return
	}
	w.settings = gio.NewSettings(AppID)
	w.win.SetDefaultSize(int(w.settings.Int("window-width")), int(w.settings.Int("window-height")))
	if w.settings.Boolean("window-maximized") {
		w.win.Maximize()
	}
}

func (w *Window) saveSettings() {
	if w.settings == nil {
		return
	}
	width, height := w.win.DefaultSize()
	w.settings.SetInt("window-width", width)
	w.settings.SetInt("window-height", height)
	w.settings.SetBoolean("window-maximized", w.win.IsMaximized())
}
