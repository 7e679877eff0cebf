package ui

import (
	"fmt"
	"strings"

	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
	"github.com/diamondburned/gotk4/pkg/gio/v2"
	"github.com/diamondburned/gotk4/pkg/glib/v2"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"
)

// A page lists every permission Flatpak knows, though an app uses a few.
// Two filters narrow it: "Show only what this app uses" (rows some layer
// sets — the app, the administrator, you — and rows the advisor mentions;
// remembered in GSettings), and Find in Page (a permission's name or its
// key=value). Rows say what they are with note; a pass after each refresh
// hides the others, and groups left empty.

type pageFilter struct {
	bar      *gtk.SearchBar
	entry    *gtk.SearchEntry
	onlyUsed bool
	action   *gio.SimpleAction
}

// rowInfo is what a filter needs to know of a row.
type rowInfo struct {
	text string // lower-case: title and key=value
	used bool   // some layer sets it, or it is not a catalogue row
}

func (w *Window) setupPageFilter() {
	f := &w.pageFilter
	f.bar = w.builder.GetObject("page_search_bar").Cast().(*gtk.SearchBar)
	f.entry = w.builder.GetObject("page_search_entry").Cast().(*gtk.SearchEntry)
	f.bar.ConnectEntry(f.entry)
	f.entry.ConnectSearchChanged(w.applyPageFilter)
	f.bar.NotifyProperty("search-mode-enabled", w.applyPageFilter)
	if w.settings != nil {
		f.onlyUsed = w.settings.Boolean("only-used")
	}
	f.action = gio.NewSimpleActionStateful("only-used", nil, glib.NewVariantBoolean(f.onlyUsed))
	f.action.ConnectActivate(func(*glib.Variant) { w.setOnlyUsed(!w.pageFilter.onlyUsed) })
	w.win.AddAction(f.action)
	find := gio.NewSimpleAction("find-in-page", nil)
	find.ConnectActivate(func(*glib.Variant) { w.findInPage() })
	w.win.AddAction(find)
}

// setOnlyUsed turns "Show only what this app uses" on or off.
func (w *Window) setOnlyUsed(on bool) {
	w.pageFilter.onlyUsed = on
	w.pageFilter.action.SetState(glib.NewVariantBoolean(on))
	if w.settings != nil {
		w.settings.SetBoolean("only-used", on)
	}
	w.applyPageFilter()
}

func (w *Window) findInPage() {
	w.pageFilter.bar.SetSearchMode(true)
	w.pageFilter.entry.GrabFocus()
}

// note records what a row is, for the filters.
func (v *pageView) note(row gtk.Widgetter, used bool, texts ...string) {
	v.rowInfo[coreglib.BaseObject(row).Native()] = rowInfo{text: strings.ToLower(strings.Join(texts, "\n")), used: used}
}

func (w *Window) applyPageFilter() {
	if v := w.pages.shown; v != nil && !v.overview {
		v.applyFilter()
	}
}

// applyFilter shows the rows the filters leave, hides groups left empty,
// and offers the rest one click away. "Only what this app uses" never
// hides the rows where entries are added (they are how an app gets
// something new); a find does, as it hides everything it does not match,
// and says so when nothing matches.
func (v *pageView) applyFilter() {
	f := &v.w.pageFilter
	query := ""
	if f.bar.SearchMode() {
		query = strings.ToLower(strings.TrimSpace(f.entry.Text()))
	}
	onlyUsed := f.onlyUsed && v.app != nil
	hidden, matched := 0, 0
	show := func(g *prefsGroup, tail []gtk.Widgetter) {
		visible := 0
		for _, r := range g.rows {
			info, known := v.rowInfo[coreglib.BaseObject(r).Native()]
			on := true
			switch {
			case isTail(r, tail):
				on = query == ""
				if p := v.problemOf(r); p != nil {
					on = on && p.bad
				}
			case known:
				on = (query == "" || strings.Contains(info.text, query)) && (!onlyUsed || info.used || v.marked(r))
			}
			gtk.BaseWidget(r).SetVisible(on)
			switch {
			case on && known:
				matched++
				visible++
			case on:
				visible++
			case known:
				hidden++
			}
		}
		g.SetVisible(visible > 0 || query == "" && !onlyUsed)
	}
	for _, g := range v.fixedGroups {
		show(g, nil)
	}
	for _, lg := range v.lists[1:] { // the Advisor: see below
		show(lg.group, lg.tail)
	}
	if v.portalGroup != nil {
		show(v.portalGroup, nil)
	}
	// A find is about permissions: the Advisor steps aside while it runs.
	v.lists[0].group.SetVisible(query == "")
	if v.showAll != nil {
		v.showAll.SetVisible(onlyUsed && query == "")
		// TRANSLATORS: %d counts the permissions a filtered page hides
		v.showAll.setSubtitle(fmt.Sprintf(T("Not shown: %d"), hidden))
	}
	v.w.showFindResult(query, matched)
}

// problemOf is the add row whose reason row r is, if it is one.
func (v *pageView) problemOf(r gtk.Widgetter) *addRow {
	n := coreglib.BaseObject(r).Native()
	for _, a := range v.addRows {
		if coreglib.BaseObject(a.problem).Native() == n {
			return a
		}
	}
	return nil
}

// showFindResult shows the page, or, when a find matches nothing, a page
// that says so.
func (w *Window) showFindResult(query string, matched int) {
	if query == "" || matched > 0 {
		if w.contentStack.VisibleChildName() == "no-match" {
			w.contentStack.SetVisibleChildName("page")
		}
		return
	}
	// TRANSLATORS: %s is what was searched for in the page
	w.noMatch.SetObjectProperty("description", fmt.Sprintf(T("No permission on this page has “%s” in its name or key=value."), query))
	w.contentStack.SetVisibleChildName("no-match")
}

func isTail(r gtk.Widgetter, tail []gtk.Widgetter) bool {
	for _, t := range tail {
		if coreglib.BaseObject(t).Native() == coreglib.BaseObject(r).Native() {
			return true
		}
	}
	return false
}

// marked reports whether the advisor puts a warning sign on a row.
func (v *pageView) marked(r gtk.Widgetter) bool {
	n := coreglib.BaseObject(r).Native()
	for _, fr := range v.fixed {
		if coreglib.BaseObject(fr.row).Native() == n {
			// Visible, not IsVisible: the row itself may be hidden by
			// the previous pass of the filter.
			return fr.warn.img.Visible()
		}
	}
	return false
}

// newShowAllRow is the row at the end of a filtered page that lists
// everything again.
func (v *pageView) newShowAllRow() *actionRow {
	row := newActionRow(T("Show All Permissions"), "")
	row.SetActivatable(true)
	row.addSuffix(gtk.NewImageFromIconName("go-down-symbolic"))
	v.cs.add(row.obj, row.obj.Connect("activated", func() { v.w.setOnlyUsed(false) }))
	grp := newGroup("", "")
	grp.add(row)
	v.root.Append(grp)
	v.showAllGroup = grp
	return row
}
