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
	harden      *gtk.ListBoxRow
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
	// addRows are the rows where entries are typed, with their drafts.
	addRows []*addRow
	root    *gtk.Box // the page's widgets, swapped into the window
	ov      *overview
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
	v.draftsTo(model.Target(a))
	eff := v.w.m.Effective(a)
	v.header.show(a)
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
	w.layout.onFold = nil
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
			// The store may have changed while another page was shown
			// (its watch refreshes only the page on screen).
			if v.portalGroup != nil {
				v.loadPortals()
			}
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
	// The Advisor's own action is a button row at its end (beside the
	// group's title it would not fit a phone's width in every language).
	var act *gtk.ListBoxRow
	if a != nil {
		act = newButtonRow(T("Harden This App…"), "go-next-symbolic")
		act.SetTooltipText(T("Preview the override the advisor recommends, then apply it"))
		act.SetActionName("win.harden-app")
		v.harden = act
	} else {
		act = newButtonRow(T("Apply a Preset…"), "go-next-symbolic")
		act.SetTooltipText(T("A hardening baseline for every app, with the exceptions each installed app needs"))
		act.SetActionName("win.presets")
	}
	v.addList(adv, v.advisorRows, act)
	// The window's first frame shows the page's head and its Advisor —
	// most of the first screen; the groups of permissions follow, one per
	// main-loop turn, right after it (a few frames later).
	var later []func()
	for _, g := range model.Groups {
		g := g
		build := func() { v.addGroup(g) }
		if w.firstFrame {
			build()
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
		v.addList(g, v.filesystemRows, v.addFilesystemRow().rows()...)
	case model.GroupPersistent:
		v.addList(g, v.persistentRows, v.newAddRow(T("Add path in the app's home, e.g. .cache/thumbnails"), model.CheckPersistent, explainPersistent,
			func(s string) {
				v.queue(model.Ref{Group: model.GroupPersistent, Name: s}, func() (model.Change, error) { return w.m.AddPersistent(v.app, s) })
			}).rows()...)
	case model.GroupEnvironment:
		v.addList(g, v.envRows, v.newAddRow(T("Set a variable: NAME=value"), func(s string) error { _, _, err := model.ParseVariable(s); return err }, explainVariable,
			func(s string) {
				n, val, _ := model.ParseVariable(s)
				v.queue(model.Ref{Group: model.GroupEnvironment, Name: n}, func() (model.Change, error) { return w.m.SetEnv(v.app, n, val) })
			}).rows()...)
	case model.GroupPortals:
		v.addPortals(g)
	case model.GroupUSB:
		v.addList(g, v.usbRows, v.addUSBEntryRow().rows()...)
	case model.GroupSessionBus, model.GroupSystemBus:
		b := overrides.SessionBus
		if g.ID == model.GroupSystemBus {
			b = overrides.SystemBus
		}
		v.addList(g, func(e *model.Effective) (string, []gtk.Widgetter) { return v.busRows(b, e) },
			v.newAddRow(fmt.Sprintf(T("Add a bus name, e.g. %s"), model.Secrets.Value), model.CheckBusName, explainBusName,
				func(s string) {
					v.queue(model.Ref{Group: g.ID, Name: s}, func() (model.Change, error) { return w.m.SetBus(v.app, b, s, overrides.PolicyTalk) })
				}).rows()...)
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
	v.w.edits.queue(v.w, key, changeLabel(refName(key), v.app), run)
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
	if v.harden != nil {
		v.harden.SetVisible(v.canHarden())
	}
	if v.w.pages.shown == v {
		v.w.updateActions()
	}
}
