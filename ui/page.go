package ui

import (
	"fmt"
	"runtime"

	"github.com/diamondburned/gotk4/pkg/glib/v2"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

// pageView is the permission page of one app (app == nil: All
// Applications). Rows are built once; refresh updates them in place, and
// rebuilds a list group only when its entries changed.
type pageView struct {
	w   *Window
	app *model.App

	fixed     map[model.Ref]*fixedRow
	lists     []*listGroup
	wayland   *gtk.Label
	ratingTag *gtk.Label
	bannerOK  bool
	slots     []*findingSlot // the Advisor's rows, see findingSlot
	overview  bool

	portalGroup *prefsGroup
	portal      *portalView // what else the page shows from the store
	cs          *conns
	header      *header
	harden      *gtk.Button
	cache       map[string]cachedRow
	// findings are the advisor's for the app shown; warnOf holds each
	// cached folder row's warning sign by cache key, warnShown the ones
	// of the rows shown now.
	findings  []model.Finding
	warnOf    map[string]*warnIcon
	warnShown map[model.Ref]*warnIcon
	// For the filters (filter.go): what each row is, the groups of
	// fixed-name rows, and the row that lists everything again.
	rowInfo      map[uintptr]rowInfo
	fixedGroups  []*prefsGroup
	showAll      *actionRow
	showAllGroup gtk.Widgetter
	root         *gtk.Box // the page's widgets, swapped into the window
	ov           *overview
}

// cachedRow returns the row built earlier for the same key — a key that
// names everything the row shows — or builds it. GTK does not free rows
// removed from a group while gotk4 holds their wrappers (measured: every
// rebuilt row stayed alive), so rows are reused instead of rebuilt; sync,
// when given, puts the row's controls back to the key's state (the user may
// have moved them since).
func (v *pageView) cachedRow(key string, build func() (gtk.Widgetter, func())) gtk.Widgetter {
	if c, ok := v.cache[key]; ok {
		if c.sync != nil {
			c.sync()
		}
		return c.row
	}
	row, sync := build()
	v.cache[key] = cachedRow{row, sync}
	return row
}

type cachedRow struct {
	row  gtk.Widgetter
	sync func()
}

// switchTo shows another app on the same page.
func (v *pageView) switchTo(a *model.App) {
	v.app = a
	eff := v.w.m.Effective(a)
	v.header.show(a)
	v.harden.SetVisible(a.Err == nil)
	// List groups keep their rows when the new app has the same entries:
	// rows are cached by everything they show (see cachedRow), and their
	// handlers read v.app when used.
	if v.portalGroup != nil {
		v.portalGroup.clear()
		v.portalGroup.add(v.portalLoadingRow())
		v.loadPortals()
	}
	v.refreshWith(eff)
}

// listGroup is a group whose rows depend on the entries present (folders,
// variables, bus names).
type listGroup struct {
	group *prefsGroup
	sig   string
	build func(e *model.Effective) (sig string, rows []gtk.Widgetter)
	tail  []gtk.Widgetter // rows that stay (the "add" entry)
}

func clearBox(b *gtk.Box) {
	for c := b.FirstChild(); c != nil; c = b.FirstChild() {
		b.Remove(c)
	}
}

// The window keeps one page per kind — apps, All Applications, Overview —
// built once and shown by swapping its root into the scrolled area. A page
// is only thrown away when the apps are re-read (teardown).

func (v *pageView) kind() string {
	switch {
	case v.overview:
		return "overview"
	case v.app == nil:
		return "global"
	}
	return "app"
}

// pages holds the window's pages, one per kind, built once (see attach).
type pages struct {
	byKind  map[string]*pageView
	shown   *pageView // the page on screen
	gcTimer glib.SourceHandle
}

// attach shows v's root in the window.
func (w *Window) attach(v *pageView) {
	if w.pages.shown == v && v.root.Parent() != nil {
		return
	}
	clearBox(w.page)
	w.page.Append(v.root)
	w.pages.shown = v
}

// teardown drops every page: their handlers are disconnected and their
// widgets left to be freed.
func (w *Window) teardown() {
	for k, v := range w.pages.byKind {
		v.cs.drop()
		delete(w.pages.byKind, k)
	}
	w.pages.shown = nil
	w.layout.adaptive = nil
	clearBox(w.page)
	// GTK frees a discarded page only after Go collects its widget
	// wrappers, and GTK's memory does not count towards Go's GC pacing: ask
	// for a collection once the user pauses.
	if w.pages.gcTimer != 0 {
		glib.SourceRemove(w.pages.gcTimer)
	}
	w.pages.gcTimer = glib.TimeoutAdd(1000, func() bool {
		w.pages.gcTimer = 0
		runtime.GC()
		return false
	})
}

// prewarmSlots is how many Advisor rows an app page makes ahead.
const prewarmSlots = 12

// Rough heights in pixels, to tell which groups the first screen shows.
const headerHeight, groupHeight, rowHeight = 200, 80, 56

func newPageView(w *Window, a *model.App) *pageView {
	v := &pageView{w: w, app: a, fixed: map[model.Ref]*fixedRow{}, cs: &conns{}, cache: map[string]cachedRow{},
		warnOf: map[string]*warnIcon{}, warnShown: map[model.Ref]*warnIcon{}, rowInfo: map[uintptr]rowInfo{},
		root: gtk.NewBox(gtk.OrientationVertical, 24)}
	return v
}

func (w *Window) buildPage(a *model.App) *pageView {
	kind := "app"
	if a == nil {
		kind = "global"
	}
	// Going from one app to another keeps the page and its rows (they are
	// the same catalogue) and only swaps the header and the lists: much
	// faster than building ~80 rows.
	if v := w.pages.byKind[kind]; v != nil {
		w.attach(v)
		if a != nil && v.app != a {
			v.switchTo(a)
		} else {
			v.refresh()
		}
		return v
	}
	v := newPageView(w, a)
	w.pages.byKind[kind] = v
	w.attach(v)
	eff := w.m.Effective(a)
	v.header = v.newHeader()
	v.header.show(a)
	v.root.Append(v.header.box)
	adv := model.GroupInfo{ID: "advisor", Title: N("Advisor"), Description: N("What Confine would tighten, and why")}
	if a == nil {
		adv.Description = N("Worth knowing about every sandbox")
	}
	v.addList(adv, v.advisorRows)
	if a != nil {
		v.harden = gtk.NewButtonWithLabel(T("Harden This App…"))
		v.harden.AddCSSClass("flat")
		v.harden.SetTooltipText(T("Preview the override the advisor recommends, then apply it"))
		v.cs.add(v.harden, v.harden.ConnectClicked(v.hardenDialog))
		v.harden.SetVisible(a.Err == nil)
		v.lists[0].group.setHeaderSuffix(v.harden)
	} else {
		presets := gtk.NewButtonWithLabel(T("Apply a Preset…"))
		presets.AddCSSClass("flat")
		presets.SetTooltipText(T("A hardening baseline for every app, with the exceptions each installed app needs"))
		presets.SetActionName("win.presets")
		v.lists[0].group.setHeaderSuffix(presets)
	}
	// While the window has not painted its first frame, only the groups
	// that fill the first screen are built (estimated from the window's
	// height and the rows above them); the rest follow, one per main-loop
	// turn, right after it.
	screen := w.firstScreenHeight() - headerHeight - groupHeight - rowHeight*max(1, len(w.m.AuditOf(a, eff)))
	var later []func()
	for _, g := range model.Groups {
		g := g
		build := func() { v.addGroup(g) }
		if w.firstFrame || screen > 0 {
			build()
			screen -= groupHeight + rowHeight*len(model.InGroup(g.ID))
		} else {
			later = append(later, build)
		}
	}
	if a != nil {
		v.showAll = v.newShowAllRow()
	}
	v.refreshWith(eff)
	// Advisor rows are refilled per app and made when an app first needs
	// more of them (~1 ms each): make the usual number while idle.
	groups := len(later)
	for range prewarmSlots {
		if a != nil {
			later = append(later, func() { v.findingSlot(len(v.slots)) })
		}
	}
	if len(later) > 0 {
		step := 0
		glib.IdleAdd(func() bool {
			if w.pages.byKind[v.kind()] != v {
				return false // torn down meanwhile (apps re-read)
			}
			later[step]()
			step++
			// A group added to the page shown gets its rows' state now,
			// not after the last one.
			if step <= groups && w.pages.shown == v {
				v.refresh()
			}
			return step < len(later)
		})
	}
	return v
}

// addGroup builds one catalogue group of the page.
func (v *pageView) addGroup(g model.GroupInfo) {
	w := v.w
	switch g.ID {
	case model.GroupShare, model.GroupSockets, model.GroupDevices, model.GroupFeatures:
		grp := newGroup(T(g.Title), T(g.Description))
		for _, p := range model.InGroup(g.ID) {
			r := v.newFixedRow(p)
			grp.add(r.row)
			v.fixed[p.Ref()] = r
		}
		v.fixedGroups = append(v.fixedGroups, grp)
		v.appendGroup(grp)
	case model.GroupFilesystem:
		v.addList(g, v.filesystemRows, v.addFilesystemRow())
	case model.GroupPersistent:
		v.addList(g, v.persistentRows, v.addEntryRow(T("Add path in the app's home, e.g. .cache/thumbnails"), model.CheckPersistent,
			func(s string) {
				v.queue(model.Ref{Group: model.GroupPersistent, Name: s}, func() (model.Change, error) { return w.m.AddPersistent(v.app, s) })
			}))
	case model.GroupEnvironment:
		v.addList(g, v.envRows, v.addEntryRow(T("Set a variable: NAME=value"), func(s string) error { _, _, err := model.ParseVariable(s); return err },
			func(s string) {
				n, val, _ := model.ParseVariable(s)
				v.queue(model.Ref{Group: model.GroupEnvironment, Name: n}, func() (model.Change, error) { return w.m.SetEnv(v.app, n, val) })
			}))
	case model.GroupPortals:
		v.addPortals(g)
	case model.GroupUSB:
		v.addList(g, v.usbRows, v.addUSBEntryRow())
	case model.GroupSessionBus, model.GroupSystemBus:
		b := overrides.SessionBus
		if g.ID == model.GroupSystemBus {
			b = overrides.SystemBus
		}
		v.addList(g, func(e *model.Effective) (string, []gtk.Widgetter) { return v.busRows(b, e) },
			v.addEntryRow(fmt.Sprintf(T("Add a bus name, e.g. %s"), model.Secrets.Value), model.CheckBusName,
				func(s string) {
					v.queue(model.Ref{Group: g.ID, Name: s}, func() (model.Change, error) { return w.m.SetBus(v.app, b, s, overrides.PolicyTalk) })
				}))
	}
}

func (v *pageView) addList(g model.GroupInfo, build func(*model.Effective) (string, []gtk.Widgetter), tail ...gtk.Widgetter) {
	lg := &listGroup{group: newGroup(T(g.Title), T(g.Description)), build: build, tail: tail, sig: "\x00unbuilt"}
	v.lists = append(v.lists, lg)
	v.appendGroup(lg.group)
}

// appendGroup adds a group at the end of the page, before Show All
// Permissions: groups are built after the first frame, the row before it.
func (v *pageView) appendGroup(g gtk.Widgetter) {
	v.root.Append(g)
	if v.showAllGroup != nil {
		v.root.ReorderChildAfter(v.showAllGroup, g)
	}
}

func (v *pageView) queue(key model.Ref, run func() (model.Change, error)) {
	v.w.edits.touched(model.Target(v.app))
	v.w.edits.queue(v.w, key, run)
}

func (v *pageView) pending(key model.Ref) bool { return v.w.edits.has(key) }

func (v *pageView) refresh() { v.refreshWith(v.w.m.Effective(v.app)) }

func (v *pageView) refreshWith(eff *model.Effective) {
	for key, r := range v.fixed {
		if !v.pending(key) {
			r.update(eff)
		}
	}
	clear(v.warnShown)
	for _, lg := range v.lists {
		sig, rows := lg.build(eff)
		if sig == lg.sig {
			continue
		}
		lg.sig = sig
		lg.group.clear()
		for _, r := range rows {
			lg.group.add(r)
		}
		for _, r := range lg.tail {
			lg.group.add(r)
		}
	}
	if v.wayland != nil {
		v.wayland.SetVisible(eff.WaylandNative())
	}
	v.markRows(v.findings)
	v.applyFilter()
	v.banner(eff)
}
