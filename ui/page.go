package ui

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"

	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
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

	fixed     map[string]*fixedRow
	lists     []*listGroup
	wayland   *gtk.Label
	ratingTag *gtk.Label
	bannerOK  bool
	slots     []*findingSlot // the Advisor's rows, see findingSlot
	overview  bool

	portalGroup *prefsGroup
	cs          *conns
	header      *header
	harden      *gtk.Button
	cache       map[string]cachedRow
	root        *gtk.Box // the page's widgets, swapped into the window
	ov          *overview
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
	build func(e *model.Effective, own *overrides.File) (sig string, rows []gtk.Widgetter)
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

// attach shows v's root in the window.
func (w *Window) attach(v *pageView) {
	if w.shown == v {
		return
	}
	clearBox(w.page)
	w.page.Append(v.root)
	w.shown = v
}

// teardown drops every page: their handlers are disconnected and their
// widgets left to be freed.
func (w *Window) teardown() {
	for k, v := range w.views {
		v.cs.drop()
		delete(w.views, k)
	}
	w.shown = nil
	w.adaptive = nil
	clearBox(w.page)
	// GTK frees a discarded page only after Go collects its widget
	// wrappers, and GTK's memory does not count towards Go's GC pacing: ask
	// for a collection once the user pauses.
	if w.gcTimer != 0 {
		glib.SourceRemove(w.gcTimer)
	}
	w.gcTimer = glib.TimeoutAdd(1000, func() bool {
		w.gcTimer = 0
		runtime.GC()
		return false
	})
}

// prewarmSlots is how many Advisor rows an app page makes ahead.
const prewarmSlots = 12

// Rough heights in pixels, to tell which groups the first screen shows.
const headerHeight, groupHeight, rowHeight = 200, 80, 56

func newPageView(w *Window, a *model.App) *pageView {
	v := &pageView{w: w, app: a, fixed: map[string]*fixedRow{}, cs: &conns{}, cache: map[string]cachedRow{},
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
	if v := w.views[kind]; v != nil {
		w.view = v
		w.attach(v)
		if a != nil && v.app != a {
			v.switchTo(a)
		} else {
			v.refresh()
		}
		return v
	}
	v := newPageView(w, a)
	w.views[kind] = v
	w.view = v
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
			if w.views[v.kind()] != v {
				return false // torn down meanwhile (apps re-read)
			}
			later[step]()
			step++
			// A group added to the page shown gets its rows' state now,
			// not after the last one.
			if step <= groups && w.view == v {
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
			v.fixed[p.ID] = r
		}
		v.root.Append(grp)
	case model.GroupFilesystem:
		v.addList(g, v.filesystemRows, v.addFilesystemRow())
	case model.GroupPersistent:
		v.addList(g, v.persistentRows, v.addEntryRow(T("Add path in the app's home, e.g. .cache/thumbnails"), validPersistent,
			func(s string) {
				v.queue("persist:"+s, func() (model.Change, error) { return w.m.AddPersistent(v.app, s) })
			}))
	case model.GroupEnvironment:
		v.addList(g, v.envRows, v.addEntryRow(T("Set a variable: NAME=value"), validEnv,
			func(s string) {
				n, val, _ := overrides.ParseEnvArg(s)
				v.queue("env:"+n, func() (model.Change, error) { return w.m.SetEnv(v.app, n, val) })
			}))
	case model.GroupPortals:
		v.addPortals(g)
	case model.GroupSessionBus, model.GroupSystemBus:
		b := overrides.SessionBus
		if g.ID == model.GroupSystemBus {
			b = overrides.SystemBus
		}
		v.addList(g, func(e *model.Effective, own *overrides.File) (string, []gtk.Widgetter) { return v.busRows(b, e, own) },
			v.addEntryRow(T("Add a bus name, e.g. org.freedesktop.secrets"), validBus,
				func(s string) {
					v.queue("bus:"+b.String()+":"+s, func() (model.Change, error) { return w.m.SetBus(v.app, b, s, overrides.PolicyTalk) })
				}))
	}
}

func (v *pageView) addList(g model.GroupInfo, build func(*model.Effective, *overrides.File) (string, []gtk.Widgetter), tail ...gtk.Widgetter) {
	lg := &listGroup{group: newGroup(T(g.Title), T(g.Description)), build: build, tail: tail, sig: "\x00unbuilt"}
	v.lists = append(v.lists, lg)
	v.root.Append(lg.group)
}

func (v *pageView) queue(key string, run func() (model.Change, error)) { v.w.queue(key, run) }

func (v *pageView) pending(key string) bool {
	for _, p := range v.w.pending {
		if p.key == key {
			return true
		}
	}
	return false
}

func (v *pageView) refresh() { v.refreshWith(v.w.m.Effective(v.app)) }

func (v *pageView) refreshWith(eff *model.Effective) {
	// The user's file as this merge read it (not read again).
	own := eff.Own
	if own == nil {
		own = overrides.NewFile()
	}
	for _, r := range v.fixed {
		if !v.pending(r.p.ID) {
			r.update(eff, own)
		}
	}
	for _, lg := range v.lists {
		sig, rows := lg.build(eff, own)
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
	v.banner(eff)
}

func target(a *model.App) string {
	if a == nil {
		return overrides.Global
	}
	return a.ID
}

// ---- header and banners ---------------------------------------------------

// header is the top of a page: icon, name and facts, tags. It is built
// once per page and refilled on every switch (GTK would keep a discarded
// header alive, see cachedRow).
type header struct {
	box                              *gtk.Box
	icon                             *gtk.Image
	name, summary, meta, id, runtime *gtk.Label
	shadowed                         *gtk.Label
	icons                            *iconCache
}

func (v *pageView) newHeader() *header {
	h := &header{box: gtk.NewBox(gtk.OrientationHorizontal, 18), icon: gtk.NewImage(), icons: v.w.icons}
	h.icon.SetPixelSize(64)
	h.icon.SetVAlign(gtk.AlignStart)
	h.box.Append(h.icon)
	info := gtk.NewBox(gtk.OrientationVertical, 4)
	info.SetHExpand(true)
	line := func(classes ...string) *gtk.Label {
		l := wrapLabel("", classes...)
		info.Append(l)
		return l
	}
	h.box.Append(info)
	h.name = line("title-2")
	h.summary = line()
	h.meta = line("dim-label")
	if v.app == nil {
		h.icon.SetFromIconName("view-app-grid-symbolic")
		h.name.SetText(T("All Applications"))
		h.meta.SetText(T("What you set here applies to every app, unless an app's own page says otherwise. Each permission can be left to the apps, allowed, or denied."))
		h.summary.SetVisible(false)
		return h
	}
	h.id = line("monospace", "dim-label")
	h.runtime = line("dim-label", "caption")
	tags := gtk.NewBox(gtk.OrientationHorizontal, 6)
	tags.SetMarginTop(4)
	v.ratingTag = gtk.NewLabel("")
	v.ratingTag.AddCSSClass("tag")
	v.ratingTag.SetTooltipText(T("The advisor's verdict; see Advisor below"))
	tags.Append(v.ratingTag)
	v.wayland = gtk.NewLabel(T("Wayland-native"))
	v.wayland.AddCSSClass("tag")
	v.wayland.AddCSSClass("wayland")
	v.wayland.SetTooltipText(T("Shows its windows with Wayland and only falls back to X11 without a Wayland session: X11 and IPC access can be removed"))
	tags.Append(v.wayland)
	h.shadowed = gtk.NewLabel(T("Not the copy that runs"))
	h.shadowed.AddCSSClass("tag")
	h.shadowed.AddCSSClass("risk-medium")
	h.shadowed.SetTooltipText(T("This app is also installed in an installation Flatpak prefers; that copy is the one that starts"))
	tags.Append(h.shadowed)
	if v.w.app.opts.Demo {
		t := gtk.NewLabel(T("Demo"))
		t.AddCSSClass("tag")
		t.AddCSSClass("demo")
		tags.Append(t)
	}
	info.Append(tags)
	return h
}

// show fills the header with an app's facts.
func (h *header) show(a *model.App) {
	if a == nil {
		return
	}
	if a.Icon != "" {
		h.icon.SetFromGIcon(h.icons.gicon(a.Icon, 64, h.icon.ScaleFactor()))
	} else {
		h.icon.SetFromIconName("application-x-executable")
	}
	h.name.SetText(a.Name)
	h.summary.SetText(a.Summary)
	h.summary.SetVisible(a.Summary != "")
	var meta []string
	if a.Developer != "" {
		meta = append(meta, a.Developer)
	}
	if a.Version != "" {
		meta = append(meta, fmt.Sprintf(T("Version %s"), a.Version))
	}
	meta = append(meta, T(a.Installation.Label()))
	h.meta.SetText(strings.Join(meta, " · "))
	h.id.SetText(a.ID)
	h.runtime.SetText(fmt.Sprintf(T("Runtime %s"), a.Runtime))
	h.runtime.SetVisible(a.Runtime != "")
	h.shadowed.SetVisible(a.Shadowed)
}

// banner shows problems that keep the page from being the whole truth: a
// demo installation, an override file that cannot be read, an app whose
// files are broken.
func (v *pageView) banner(eff *model.Effective) {
	w := v.w
	type banner struct{ text, css string }
	var bs []banner
	if w.app.opts.Demo {
		bs = append(bs, banner{T("Demo installation: these apps were generated so you can try Confine. Nothing on this computer is changed."), "demo"})
	}
	if v.app != nil && v.app.Err != nil {
		bs = append(bs, banner{fmt.Sprintf(T("Flatpak cannot read this app's files: %v"), v.app.Err), "error"})
	}
	var errs []string
	for _, e := range eff.Broken {
		if v.app != nil && errors.Is(e, v.app.Err) {
			continue
		}
		errs = append(errs, e.Error())
	}
	if len(errs) > 0 {
		bs = append(bs, banner{fmt.Sprintf(T("Flatpak will refuse to start this app until this is fixed: %s. Confine does not write over a file it cannot read."), strings.Join(errs, "; ")), "broken"})
	}
	v.bannerOK = len(errs) == 0
	// Every refresh comes here: the banners are rebuilt only when what
	// they say changes, and their buttons' handlers go with them.
	sig := fmt.Sprint(bs)
	if sig == w.bannerSig {
		return
	}
	w.bannerSig = sig
	w.bannerConns.drop()
	clearBox(w.banners)
	for _, b := range bs {
		box := gtk.NewBox(gtk.OrientationHorizontal, 12)
		box.AddCSSClass("banner")
		l := wrapLabel(b.text)
		l.SetHExpand(true)
		box.Append(l)
		if b.css != "broken" {
			box.AddCSSClass(b.css)
			w.banners.Append(box)
			continue
		}
		box.AddCSSClass("error")
		open := gtk.NewButtonWithLabel(T("Open Folder"))
		w.bannerConns.add(open, open.ConnectClicked(w.openFolder))
		reset := gtk.NewButtonWithLabel(T("Reset"))
		reset.AddCSSClass("destructive-action")
		w.bannerConns.add(reset, reset.ConnectClicked(w.resetCurrent))
		reset.SetTooltipText(T("Delete your override file for this app; Undo brings it back"))
		for _, b := range []*gtk.Button{open, reset} {
			b.SetVAlign(gtk.AlignCenter)
			box.Append(b)
		}
		w.banners.Append(box)
	}
}

// ---- fixed-name rows --------------------------------------------------------

// fixedRow is a switch (app pages) or an inherit/allow/deny choice (All
// Applications) for one shared/socket/device/feature permission.
type fixedRow struct {
	v        *pageView
	p        *model.Permission
	row      *actionRow
	sw       *gtk.Switch
	choice   *choice
	prov     *gtk.Image
	provSrc  model.Source // what prov shows, once provSet
	provSet  bool
	warn     *gtk.Image
	warnTip  string
	reset    *gtk.Button
	updating bool
}

var provenanceIcons = map[model.Source]string{
	model.SourceApp:          "package-x-generic-symbolic",
	model.SourceSystemGlobal: "emblem-system-symbolic",
	model.SourceSystem:       "emblem-system-symbolic",
	model.SourceGlobal:       "view-app-grid-symbolic",
	model.SourceUser:         "document-edit-symbolic",
}

func (v *pageView) newFixedRow(p *model.Permission) *fixedRow {
	r := &fixedRow{v: v, p: p, row: newActionRow(T(p.Title), p.Syntax())}
	r.row.SetTooltipText(T(p.Description))
	r.prov = provenanceIcon(model.SourceDefault)
	r.row.addPrefix(r.prov)
	r.warn = gtk.NewImageFromIconName("dialog-warning-symbolic")
	r.warn.AddCSSClass("warning")
	r.warn.SetVisible(false)
	r.row.addSuffix(r.warn)
	r.reset = v.actionButton("edit-undo-symbolic", T("Reset to the default"), p.ID, func() (model.Change, error) {
		return v.w.m.SetFixed(v.app, p.Key, p.Value, overrides.Inherit)
	})
	r.reset.UpdateProperty([]gtk.AccessibleProperty{gtk.AccessiblePropertyLabel}, []coreglib.Value{*coreglib.NewValue(fmt.Sprintf(T("Reset %s"), T(p.Title)))})
	r.row.addSuffix(r.reset)
	if v.app == nil {
		r.choice = newChoice(v.cs, T(p.Title), T("Default"), T("Allow"), T("Deny"))
		r.choice.onChanged(func() {
			want := []overrides.State{overrides.Inherit, overrides.Grant, overrides.Revoke}[r.choice.Selected()]
			r.v.queue(p.ID, func() (model.Change, error) { return r.v.w.m.SetFixed(nil, p.Key, p.Value, want) })
		})
		r.row.addSuffix(r.choice)
	} else {
		r.sw = gtk.NewSwitch()
		r.sw.SetVAlign(gtk.AlignCenter)
		// The row labels its activatable switch itself (AdwActionRow sets
		// labelled-by); an extra label would make screen readers say the
		// title twice.
		v.cs.add(r.sw, r.sw.ConnectStateSet(func(state bool) bool {
			if r.updating {
				return false
			}
			want := overrides.Revoke
			if state {
				want = overrides.Grant
			}
			r.v.queue(p.ID, func() (model.Change, error) { return r.v.w.m.SetFixed(r.v.app, p.Key, p.Value, want) })
			return false
		}))
		r.row.addSuffix(r.sw)
		r.row.setActivatable(r.sw)
	}
	if !p.Supported(v.w.m.Flatpak) {
		r.row.SetSensitive(false)
		r.row.SetTooltipText(fmt.Sprintf(T("Needs Flatpak %s or newer; this system has %s"), p.MinVersion, v.w.m.Flatpak))
	}
	return r
}

func (r *fixedRow) update(e *model.Effective, own *overrides.File) {
	r.updating = true
	defer func() { r.updating = false }()
	on, src := e.FixedOn(r.p.Key, r.p.Value)
	if r.sw != nil {
		r.sw.SetActive(on)
		r.sw.SetState(on)
		r.reset.SetVisible(src == model.SourceUser)
	} else {
		state := own.Fixed(r.p.Key, r.p.Value)
		r.choice.SetSelected(uint(map[overrides.State]int{overrides.Inherit: 0, overrides.Grant: 1, overrides.Revoke: 2}[state]))
		r.reset.SetVisible(false)
		// What "Default" means here: the administrator's choice, if any.
		if src == model.SourceSystemGlobal {
			r.row.setSubtitle(fmt.Sprintf("%s · %s", r.p.Syntax(), map[bool]string{true: T("allowed by the administrator"), false: T("denied by the administrator")}[on]))
		}
	}
	// Setting an image's icon relayouts it even when it is the same: on
	// switching apps most rows keep their source.
	if !r.provSet || r.provSrc != src {
		setProvenance(r.prov, src)
		r.provSrc, r.provSet = src, true
	}
}

func setProvenance(img *gtk.Image, src model.Source) {
	if name, ok := provenanceIcons[src]; ok {
		img.SetFromIconName(name)
		img.SetTooltipText(T(src.Describe()))
		img.SetOpacity(1)
	} else {
		img.SetFromIconName("package-x-generic-symbolic")
		img.SetTooltipText(T(src.Describe()))
		img.SetOpacity(0)
	}
	for _, c := range []string{"user", "system"} {
		img.RemoveCSSClass(c)
	}
	switch src {
	case model.SourceUser, model.SourceGlobal:
		img.AddCSSClass("user")
	case model.SourceSystem, model.SourceSystemGlobal:
		img.AddCSSClass("system")
	}
}

// ---- list rows ------------------------------------------------------------

func (v *pageView) addEntryRow(title string, validate func(string) error, apply func(string)) *entryRow {
	e := newEntryRow(title)
	v.cs.add(e.obj, e.onChanged(func() {
		s := strings.TrimSpace(e.text())
		if s == "" {
			e.RemoveCSSClass("error")
			e.SetTooltipText("")
			return
		}
		if err := validate(s); err != nil {
			e.AddCSSClass("error")
			e.SetTooltipText(err.Error())
		} else {
			e.RemoveCSSClass("error")
			e.SetTooltipText("")
		}
	}))
	v.cs.add(e.obj, e.onApply(func() {
		s := strings.TrimSpace(e.text())
		if err := validate(s); err != nil {
			v.w.toast(err.Error())
			return
		}
		apply(s)
		e.setText("")
		v.w.flush()
	}))
	return e
}

func validPersistent(s string) error { return overrides.ValidatePersistent(s) }
func validEnv(s string) error        { _, _, err := overrides.ParseEnvArg(s); return err }
func validBus(s string) error        { return overrides.ValidateBusName(s) }

func (v *pageView) addFilesystemRow() *entryRow {
	e := v.addEntryRow(T("Add a folder, e.g. ~/Games or xdg-music"), func(s string) error {
		_, _, err := overrides.ParseFilesystemArg(s, false)
		return err
	}, func(s string) {
		fs, _, _ := overrides.ParseFilesystemArg(s, false)
		v.queue("fs:"+fs.Location, func() (model.Change, error) { return v.w.m.SetFilesystem(v.app, fs.Location, fs.Mode) })
	})
	pick := gtk.NewButtonFromIconName("folder-open-symbolic")
	pick.AddCSSClass("flat")
	pick.SetVAlign(gtk.AlignCenter)
	pick.SetTooltipText(T("Choose a folder"))
	v.cs.add(pick, pick.ConnectClicked(func() {
		chooser := gtk.NewFileChooserNative(T("Choose a Folder"), &v.w.win.Window, gtk.FileChooserActionSelectFolder, T("_Select"), T("_Cancel"))
		chooser.ConnectResponse(func(resp int) {
			if resp == int(gtk.ResponseAccept) {
				if f := chooser.File(); f != nil {
					e.setText(homeRelative(f.Path()))
				}
			}
			chooser.Destroy()
		})
		chooser.Show()
	}))
	e.addSuffix(pick)
	return e
}

// homeRelative writes a path under the home folder as "~/…", the form that
// keeps working for other users and in exported settings.
func homeRelative(p string) string {
	home, err := os.UserHomeDir()
	if err == nil && (p == home || strings.HasPrefix(p, home+"/")) {
		return "~" + strings.TrimPrefix(p, home)
	}
	return p
}

var modeNames = []overrides.Mode{overrides.ModeRead, overrides.ModeReadWrite, overrides.ModeCreate}

// filesystemRows lists the usual folders plus every location some layer
// mentions.
func (v *pageView) filesystemRows(e *model.Effective, own *overrides.File) (string, []gtk.Widgetter) {
	locs := map[string]bool{}
	var order []string
	for _, p := range model.InGroup(model.GroupFilesystem) {
		locs[p.Value] = true
		order = append(order, p.Value)
	}
	var extra []string
	for loc := range e.Filesystems {
		if !locs[loc] {
			extra = append(extra, loc)
		}
	}
	if v.app == nil {
		for _, fs := range own.Filesystems() {
			if !locs[fs.Location] && fs.Location != overrides.ResetLocation && !contains(extra, fs.Location) {
				extra = append(extra, fs.Location)
			}
		}
	}
	sort.Strings(extra)
	order = append(order, extra...)
	var sig strings.Builder
	var rows []gtk.Widgetter
	for _, loc := range order {
		mode, src := e.FilesystemMode(loc)
		fmt.Fprintf(&sig, "%s=%v/%v;", loc, mode, src)
		rows = append(rows, v.filesystemRow(loc, mode, src))
	}
	fmt.Fprintf(&sig, "reset=%v", e.ResetBy)
	rows = append(rows, v.resetFilesystemRow(e))
	return sig.String(), rows
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

func (v *pageView) filesystemRow(loc string, mode overrides.Mode, src model.Source) gtk.Widgetter {
	return v.cachedRow(fmt.Sprintf("fs\x00%s\x00%v\x00%v", loc, mode, src), func() (gtk.Widgetter, func()) {
		return v.newFilesystemRow(loc, mode, src)
	})
}

func (v *pageView) newFilesystemRow(loc string, mode overrides.Mode, src model.Source) (gtk.Widgetter, func()) {
	syncing := false
	title := loc
	if p := model.Lookup(overrides.KeyFilesystems + "/" + loc); p != nil {
		title = T(p.Title)
	}
	row := newActionRow(title, "filesystems="+overrides.Filesystem{Location: loc, Mode: mode}.String())
	if mode == overrides.ModeNone {
		row.setSubtitle("filesystems=" + overrides.Filesystem{Location: loc, Mode: overrides.ModeReadWrite}.String())
	}
	row.addPrefix(provenanceIcon(src))
	key := "fs:" + loc
	label := []coreglib.Value{*coreglib.NewValue(title)}
	if v.ownSource(src) {
		row.addSuffix(v.actionButton("edit-undo-symbolic", T("Reset to the default"), key, func() (model.Change, error) { return v.w.m.ResetFilesystem(v.app, loc) }))
	}
	dd := newChoice(v.cs, fmt.Sprintf(T("Access to %s"), title), T("Read-only"), T("Read-write"), T("Create"))
	for i, m := range modeNames {
		if m == mode {
			dd.SetSelected(uint(i))
		}
	}
	if mode == overrides.ModeNone {
		dd.SetSelected(1)
		dd.SetSensitive(false)
	}
	sw := gtk.NewSwitch()
	sw.SetVAlign(gtk.AlignCenter)
	sw.SetActive(mode != overrides.ModeNone)
	sw.UpdateProperty([]gtk.AccessibleProperty{gtk.AccessiblePropertyLabel}, label)
	dd.onChanged(func() {
		if !sw.Active() {
			return
		}
		m := modeNames[dd.Selected()]
		v.queue(key, func() (model.Change, error) { return v.w.m.SetFilesystem(v.app, loc, m) })
	})
	v.cs.add(sw, sw.ConnectStateSet(func(on bool) bool {
		if syncing {
			return false
		}
		m := overrides.ModeNone
		if on {
			m = modeNames[dd.Selected()]
		}
		dd.SetSensitive(on)
		v.queue(key, func() (model.Change, error) { return v.w.m.SetFilesystem(v.app, loc, m) })
		return false
	}))
	row.addSuffix(dd)
	row.addSuffix(sw)
	row.setActivatable(sw)
	if v.app == nil {
		row.SetTooltipText(T("On All Applications, off writes a denial that every app inherits"))
	}
	sync := func() {
		syncing = true
		defer func() { syncing = false }()
		sw.SetActive(mode != overrides.ModeNone)
		dd.SetSensitive(mode != overrides.ModeNone)
		dd.SetSelected(1)
		for i, m := range modeNames {
			if m == mode {
				dd.SetSelected(uint(i))
			}
		}
	}
	return row, sync
}

func (v *pageView) resetFilesystemRow(e *model.Effective) gtk.Widgetter {
	return v.cachedRow(fmt.Sprintf("fsreset\x00%v", e.ResetBy), func() (gtk.Widgetter, func()) { return v.newResetFilesystemRow(e) })
}

func (v *pageView) newResetFilesystemRow(e *model.Effective) (gtk.Widgetter, func()) {
	syncing := false
	on := e.ResetBy == model.SourceUser || v.app == nil && e.ResetBy == model.SourceGlobal
	row := newActionRow(T("Block the app's own folder requests"), "filesystems=!host:reset")
	row.SetTooltipText(T("Drops every folder the app (and the layers below) ask for; only folders you add here stay"))
	sw := gtk.NewSwitch()
	sw.SetVAlign(gtk.AlignCenter)
	sw.SetActive(on)
	v.cs.add(sw, sw.ConnectStateSet(func(on bool) bool {
		if !syncing {
			v.queue("fs-reset", func() (model.Change, error) { return v.w.m.SetFilesystemReset(v.app, on) })
		}
		return false
	}))
	row.addPrefix(provenanceIcon(e.ResetBy))
	row.addSuffix(sw)
	row.setActivatable(sw)
	return row, func() {
		syncing = true
		sw.SetActive(on)
		syncing = false
	}
}

func (v *pageView) persistentRows(e *model.Effective, own *overrides.File) (string, []gtk.Widgetter) {
	paths := slices.Sorted(maps.Keys(e.Persistent))
	var sig strings.Builder
	var rows []gtk.Widgetter
	for _, p := range paths {
		src := e.Persistent[p]
		fmt.Fprintf(&sig, "%s/%v;", p, src)
		rows = append(rows, v.cachedRow(fmt.Sprintf("persist\x00%s\x00%v", p, src), func() (gtk.Widgetter, func()) { return v.persistentRow(p, src), nil }))
	}
	return sig.String(), rows
}

func (v *pageView) persistentRow(p string, src model.Source) gtk.Widgetter {
	row := newActionRow("~/"+p, "persistent="+p)
	row.addPrefix(provenanceIcon(src))
	if v.ownSource(src) {
		row.addSuffix(v.actionButton("user-trash-symbolic", T("Remove"), "persist:"+p, func() (model.Change, error) { return v.w.m.RemovePersistent(v.app, p) }))
	} else {
		row.SetTooltipText(T("Persistent folders add up: one the app asks for cannot be removed, and it only holds the app's own data"))
	}
	return row
}

func (v *pageView) envRows(e *model.Effective, own *overrides.File) (string, []gtk.Widgetter) {
	names := slices.Sorted(maps.Keys(e.Env))
	var sig strings.Builder
	var rows []gtk.Widgetter
	for _, n := range names {
		s := e.Env[n]
		k := fmt.Sprintf("%s=%q/%v/%v;", n, s.Value, s.Unset, s.Source)
		sig.WriteString(k)
		rows = append(rows, v.cachedRow("env\x00"+k, func() (gtk.Widgetter, func()) { return v.envRow(n, s), nil }))
	}
	return sig.String(), rows
}

func (v *pageView) envRow(n string, s model.EnvState) gtk.Widgetter {
	sub := n + "=" + s.Value
	if s.Unset {
		sub = T("removed from the environment")
	}
	row := newActionRow(n, sub)
	row.addPrefix(provenanceIcon(s.Source))
	if !s.Unset {
		row.addSuffix(v.actionButton("list-remove-symbolic", T("Remove from the app's environment"), "env:"+n, func() (model.Change, error) { return v.w.m.UnsetEnv(v.app, n) }))
	}
	if v.ownSource(s.Source) {
		row.addSuffix(v.actionButton("edit-undo-symbolic", T("Reset to the default"), "env:"+n, func() (model.Change, error) { return v.w.m.ResetEnv(v.app, n) }))
	}
	return row
}

var policyChoices = []overrides.Policy{overrides.PolicyNone, overrides.PolicySee, overrides.PolicyTalk, overrides.PolicyOwn}

func (v *pageView) busRows(b overrides.Bus, e *model.Effective, own *overrides.File) (string, []gtk.Widgetter) {
	states := e.Bus(b)
	names := slices.Sorted(maps.Keys(states))
	var sig strings.Builder
	var rows []gtk.Widgetter
	for _, n := range names {
		s := states[n]
		k := fmt.Sprintf("%s=%v/%v;", n, s.Policy, s.Source)
		sig.WriteString(k)
		rows = append(rows, v.cachedRow("bus\x00"+b.String()+"\x00"+k, func() (gtk.Widgetter, func()) { return v.busRow(b, n, s) }))
	}
	return sig.String(), rows
}

func (v *pageView) busRow(b overrides.Bus, n string, s model.BusState) (gtk.Widgetter, func()) {
	row := newActionRow(n, T(s.Source.Describe()))
	row.addPrefix(provenanceIcon(s.Source))
	key := "bus:" + b.String() + ":" + n
	if v.ownSource(s.Source) {
		row.addSuffix(v.actionButton("edit-undo-symbolic", T("Reset to the default"), key, func() (model.Change, error) { return v.w.m.ResetBus(v.app, b, n) }))
	}
	dd := newChoice(v.cs, n, T("None"), T("See"), T("Talk"), T("Own"))
	dd.SetSelected(uint(s.Policy))
	dd.onChanged(func() {
		p := policyChoices[dd.Selected()]
		v.queue(key, func() (model.Change, error) { return v.w.m.SetBus(v.app, b, n, p) })
	})
	row.addSuffix(dd)
	return row, func() { dd.SetSelected(uint(s.Policy)) }
}

// OverridePath is the user override file of the page (tests).
func (v *pageView) OverridePath() string {
	return filepath.Join(v.w.m.User.Dir, target(v.app))
}

// Toggle flips a fixed permission's switch as a click would (tests).
func (v *pageView) Toggle(id string, on bool) bool {
	r := v.fixed[id]
	if r == nil || r.sw == nil {
		return false
	}
	r.sw.SetActive(on)
	return true
}

// SwitchState reports a fixed permission's switch (tests).
func (v *pageView) SwitchState(id string) (bool, bool) {
	r := v.fixed[id]
	if r == nil || r.sw == nil {
		return false, false
	}
	return r.sw.Active(), true
}

// Choose picks an All Applications choice as a person would: 0 default,
// 1 allow, 2 deny (tests).
func (v *pageView) Choose(id string, choice uint) bool {
	r := v.fixed[id]
	if r == nil || r.choice == nil {
		return false
	}
	r.choice.pick(choice)
	return true
}

// BannerShown reports whether a problem banner is up (tests).
func (v *pageView) BannerShown() bool { return !v.bannerOK }

// provenanceIcon shows which layer decided a row.
func provenanceIcon(src model.Source) *gtk.Image {
	img := gtk.NewImage()
	img.AddCSSClass("provenance")
	setProvenance(img, src)
	return img
}

// ownSource reports whether the page's own override decided something
// (the user's per-app override, or the global one on All Applications),
// which is what a reset or remove button undoes.
func (v *pageView) ownSource(src model.Source) bool {
	return src == model.SourceUser || v.app == nil && src == model.SourceGlobal
}

// actionButton is a flat icon button that writes one edit at once.
func (v *pageView) actionButton(icon, tooltip, key string, run func() (model.Change, error)) *gtk.Button {
	b := gtk.NewButtonFromIconName(icon)
	b.AddCSSClass("flat")
	b.SetVAlign(gtk.AlignCenter)
	b.SetTooltipText(tooltip)
	v.cs.add(b, b.ConnectClicked(func() {
		v.queue(key, run)
		v.w.flush()
	}))
	return b
}
