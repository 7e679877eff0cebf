package ui

import (
	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
	"github.com/diamondburned/gotk4/pkg/glib/v2"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"
)

// The sidebar is a one-column GtkGridView: widgets exist only for the rows
// on screen and are recycled while scrolling. Not a GtkListView: in GTK 4.8
// a list view keeps widgets for 200 rows around the visible ones (bound,
// styled and measured: 4.8 MB and ~30 ms of start-up with 300 apps here),
// a grid view for 30 rows. Not a GtkListBox: it holds a widget set per app
// (~50 KB each). The model holds one GtkStringObject per entry whose string
// is the entry's key; Go keeps the entries themselves.

type sidebar struct {
	// pinned holds All Applications and the Overview above the apps,
	// always in view however far the list is scrolled; pinnedOf is each
	// one's row.
	pinned      *gtk.ListBox
	pinnedOf    map[*appRow]*gtk.ListBoxRow
	pinnedBound []*sidebarRow
	store       *gtk.StringList
	filterObj   *gtk.Filter
	filtered    *gtk.FilterListModel
	sel         *gtk.SingleSelection
	byKey       map[string]*appRow
	bound       map[uintptr]*sidebarRow
	selecting   bool
}

// sidebarRow is the recycled widget set of one visible entry.
type sidebarRow struct {
	box          *gtk.Box
	icon         *gtk.Image
	title, sub   *gtk.Label
	marker       *gtk.Label // which copy, for an app installed twice
	badge        *gtk.Image
	dot          *gtk.Box
	ratingCSS    string
	currentEntry *appRow
	icons        *iconCache
}

func (w *Window) setupSidebar() {
	w.sidebar.store = gtk.NewStringList(nil)
	w.sidebar.byKey = map[string]*appRow{}
	w.sidebar.bound = map[uintptr]*sidebarRow{}
	custom := gtk.NewCustomFilter(func(item *coreglib.Object) bool {
		r := w.entryOf(item)
		return r == nil || w.matches(r)
	})
	w.sidebar.filterObj = &custom.Filter
	w.sidebar.filtered = gtk.NewFilterListModel(w.sidebar.store, w.sidebar.filterObj)
	w.sidebar.sel = gtk.NewSingleSelection(w.sidebar.filtered)
	w.sidebar.sel.SetAutoselect(false)
	w.sidebar.sel.SetCanUnselect(true)

	factory := gtk.NewSignalListItemFactory()
	factory.ConnectSetup(func(li *gtk.ListItem) {
		sr := w.newSidebarRow()
		li.SetChild(sr.box)
		w.sidebar.bound[coreglib.BaseObject(li).Native()] = sr
	})
	factory.ConnectBind(func(li *gtk.ListItem) {
		sr := w.sidebar.bound[coreglib.BaseObject(li).Native()]
		r := w.entryOf(li.Item())
		if sr == nil || r == nil {
			return
		}
		sr.bind(r)
	})
	factory.ConnectUnbind(func(li *gtk.ListItem) {
		if sr := w.sidebar.bound[coreglib.BaseObject(li).Native()]; sr != nil {
			sr.currentEntry = nil
		}
	})
	factory.ConnectTeardown(func(li *gtk.ListItem) {
		delete(w.sidebar.bound, coreglib.BaseObject(li).Native())
	})
	w.list.SetFactory(&factory.ListItemFactory)
	w.list.SetModel(w.sidebar.sel)
	w.sidebar.sel.ConnectSelectionChanged(func(uint, uint) {
		if w.sidebar.selecting {
			return
		}
		if r := w.entryOf(w.sidebar.sel.SelectedItem()); r != nil && r != w.current {
			w.sidebar.pinned.UnselectAll()
			w.showRow(r)
			w.showContent()
		}
	})
	w.list.ConnectActivate(func(uint) { w.showContent() })

	w.sidebar.pinned = w.builder.GetObject("pinned_list").Cast().(*gtk.ListBox)
	w.sidebar.pinned.ConnectRowSelected(func(row *gtk.ListBoxRow) {
		if w.sidebar.selecting || row == nil {
			return
		}
		for r, pr := range w.sidebar.pinnedOf {
			if coreglib.BaseObject(pr).Native() == coreglib.BaseObject(row).Native() && r != w.current {
				w.unselectApps()
				w.showRow(r)
				w.showContent()
			}
		}
	})
	w.sidebar.pinned.ConnectRowActivated(func(*gtk.ListBoxRow) { w.showContent() })
}

// unselectApps clears the app list's selection (a pinned entry is shown).
func (w *Window) unselectApps() {
	w.sidebar.selecting = true
	w.sidebar.sel.UnselectAll()
	w.sidebar.selecting = false
}

// fillPinned puts the entries without an app (All Applications, the
// Overview) in the pinned list.
func (w *Window) fillPinned() {
	for _, pr := range w.sidebar.pinnedOf {
		w.sidebar.pinned.Remove(pr)
	}
	w.sidebar.pinnedOf = map[*appRow]*gtk.ListBoxRow{}
	for _, r := range w.rows {
		if r.app != nil {
			continue
		}
		sr := w.newSidebarRow()
		sr.bind(r)
		row := gtk.NewListBoxRow()
		row.SetChild(sr.box)
		w.sidebar.pinned.Append(row)
		w.sidebar.pinnedOf[r] = row
		w.sidebar.pinnedBound = append(w.sidebar.pinnedBound, sr)
	}
}

// newSidebarRow makes the widgets of one sidebar entry (bound to an entry
// by bind).
func (w *Window) newSidebarRow() *sidebarRow {
	sr := &sidebarRow{box: gtk.NewBox(gtk.OrientationHorizontal, 12), icons: w.icons}
	sr.box.SetMarginTop(6)
	sr.box.SetMarginBottom(6)
	sr.icon = gtk.NewImage()
	sr.icon.SetPixelSize(32)
	sr.box.Append(sr.icon)
	labels := gtk.NewBox(gtk.OrientationVertical, 0)
	labels.SetHExpand(true)
	labels.SetVAlign(gtk.AlignCenter)
	sr.title = gtk.NewLabel("")
	sr.title.SetXAlign(0)
	sr.title.SetEllipsize(3) // PANGO_ELLIPSIZE_END
	labels.Append(sr.title)
	sr.sub = gtk.NewLabel("")
	sr.sub.SetXAlign(0)
	sr.sub.SetEllipsize(2) // PANGO_ELLIPSIZE_MIDDLE: IDs differ at the end
	sr.sub.AddCSSClass("dim-label")
	sr.sub.AddCSSClass("app-row-id")
	labels.Append(sr.sub)
	// On a line of its own, so that it is never cut off: which copy of
	// an app installed twice this is, and whether it is the one that
	// runs.
	sr.marker = gtk.NewLabel("")
	sr.marker.SetXAlign(0)
	sr.marker.SetWrap(true)
	sr.marker.AddCSSClass("app-row-id")
	sr.marker.AddCSSClass("caption")
	labels.Append(sr.marker)
	sr.box.Append(labels)
	// The marks sit in a column of their own, so the name keeps the
	// row's width: a pencil when you changed the app, the rating's
	// dot under it.
	marks := gtk.NewBox(gtk.OrientationVertical, 6)
	marks.SetVAlign(gtk.AlignCenter)
	sr.dot = gtk.NewBox(gtk.OrientationHorizontal, 0)
	sr.dot.AddCSSClass("risk-dot")
	sr.dot.SetHAlign(gtk.AlignCenter)
	marks.Append(sr.dot)
	sr.badge = gtk.NewImageFromIconName("document-edit-symbolic")
	sr.badge.AddCSSClass("changed-mark")
	sr.badge.SetPixelSize(12)
	// The tooltip is made when asked for: setting one on each recycled
	// row costs about a millisecond before the first frame.
	newLazyTip(sr.badge).text = T("You changed permissions of this app")
	marks.Append(sr.badge)
	sr.box.Append(marks)
	return sr
}

func (w *Window) entryOf(item *coreglib.Object) *appRow {
	if item == nil {
		return nil
	}
	so, ok := item.Cast().(*gtk.StringObject)
	if !ok {
		return nil
	}
	return w.sidebar.byKey[so.String()]
}

// fillSidebar puts the entries of w.rows into the lists: the apps in the
// app list, the others in the pinned list.
func (w *Window) fillSidebar() {
	w.sidebar.selecting = true
	defer func() { w.sidebar.selecting = false }()
	w.sidebar.byKey = map[string]*appRow{}
	w.sidebar.pinnedBound = nil
	// The keys in one call: GTK makes the items, not one Go wrapper each.
	var keys []string
	for _, r := range w.rows {
		w.sidebar.byKey[r.key] = r
		if r.app != nil {
			keys = append(keys, r.key)
		}
	}
	w.sidebar.store.Splice(0, w.sidebar.store.NItems(), keys)
	w.fillPinned()
}

// rebind redraws one entry if it is on screen.
func (w *Window) rebind(r *appRow) {
	for _, sr := range w.sidebar.bound {
		if sr.currentEntry == r {
			sr.bind(r)
		}
	}
	for _, sr := range w.sidebar.pinnedBound {
		if sr.currentEntry == r {
			sr.bind(r)
		}
	}
}

// selectRow selects an entry without reopening its page, clearing the
// search when it hides the entry.
func (w *Window) selectRow(r *appRow) {
	w.sidebar.selecting = true
	defer func() { w.sidebar.selecting = false }()
	if pr := w.sidebar.pinnedOf[r]; pr != nil {
		if !pr.Visible() && w.search.Text() != "" {
			w.search.SetText("")
			w.filter()
		}
		w.sidebar.sel.UnselectAll()
		w.sidebar.pinned.SelectRow(pr)
		if r != w.current {
			w.showRow(r)
		}
		return
	}
	w.sidebar.pinned.UnselectAll()
	pos, ok := w.filteredPosition(r)
	if !ok && w.search.Text() != "" {
		w.search.SetText("")
		w.filter()
		pos, ok = w.filteredPosition(r)
	}
	if ok {
		w.sidebar.sel.SetSelected(pos)
		w.list.ActivateAction("list.scroll-to-item", glib.NewVariantUint32(uint32(pos)))
	}
	if r != w.current {
		w.showRow(r)
	}
}

func (w *Window) filteredPosition(r *appRow) (uint, bool) {
	n := w.sidebar.filtered.NItems()
	for i := uint(0); i < n; i++ {
		if w.entryOf(w.sidebar.filtered.Item(i)) == r {
			return i, true
		}
	}
	return 0, false
}

// visibleEntries lists the entries the search leaves (tests).
func (w *Window) visibleEntries() []*appRow {
	var out []*appRow
	for _, r := range w.rows {
		if pr := w.sidebar.pinnedOf[r]; pr != nil && pr.Visible() {
			out = append(out, r)
		}
	}
	n := w.sidebar.filtered.NItems()
	for i := uint(0); i < n; i++ {
		if r := w.entryOf(w.sidebar.filtered.Item(i)); r != nil {
			out = append(out, r)
		}
	}
	return out
}

func (sr *sidebarRow) bind(r *appRow) {
	sr.currentEntry = r
	var name, sub string
	switch {
	case r.overview:
		name, sub = T("Overview"), T("Risks of every app")
		sr.icon.SetFromIconName("security-medium-symbolic")
	case r.app == nil:
		name, sub = T("All Applications"), T("Settings for every app")
		sr.icon.SetFromIconName("view-app-grid-symbolic")
	default:
		name, sub = r.app.Name, r.app.ID
		if r.app.Icon != "" {
			sr.icons.set(sr.icon, r.app.Icon, 32)
		} else {
			sr.icon.SetFromIconName("application-x-executable")
		}
	}
	marker := ""
	if r.app != nil && r.dupe {
		marker = T(r.app.Installation.Label())
		if r.app.Shadowed {
			marker += " · " + T("not used")
		}
	}
	sr.title.SetText(name)
	sr.sub.SetText(sub)
	sr.marker.SetText(marker)
	sr.marker.SetVisible(marker != "")
	sr.marker.RemoveCSSClass("warning")
	if r.app != nil && r.app.Shadowed {
		sr.marker.AddCSSClass("warning")
	}
	sr.badge.SetVisible(r.changed)
	if sr.ratingCSS != "" {
		sr.dot.RemoveCSSClass(sr.ratingCSS)
	}
	sr.ratingCSS = ""
	sr.dot.SetVisible(r.hasRating)
	if r.hasRating {
		sr.ratingCSS = ratingClass(r.rating)
		sr.dot.AddCSSClass(sr.ratingCSS)
		sr.dot.SetTooltipText(T(r.rating.Describe()))
	}
	label := name
	if marker != "" {
		label += ", " + marker
	}
	if r.changed {
		label += ", " + T("Changed")
	}
	if r.hasRating {
		label += ", " + T(r.rating.Describe())
	}
	sr.box.UpdateProperty([]gtk.AccessibleProperty{gtk.AccessiblePropertyLabel}, []coreglib.Value{*coreglib.NewValue(label)})
}
