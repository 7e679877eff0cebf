package ui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
)

// overview holds the Overview page's groups, built once; rows come from the
// page's row cache, so revisiting costs only what changed.
type overview struct {
	byRisk, byPerm, portal *prefsGroup
	sortMode               int
	limit                  int // rows of Apps by Risk shown; more on request
	more                   *actionRow
	entries                []overviewEntry
}

type overviewEntry struct {
	a      *model.App
	rating model.Rating
	top    []model.Finding
	has    uint // bit i: model.Exposures[i] holds
}

// buildOverview is the Overview page: apps by rating with their top
// findings, and which apps hold each sensitive permission.
func (w *Window) buildOverview() *pageView {
	v := w.pages.byKind["overview"]
	if v == nil {
		v = newPageView(w, nil)
		v.overview = true
		v.ov = &overview{}
		w.pages.byKind["overview"] = v
		title := gtk.NewLabel(T("Overview"))
		title.AddCSSClass("title-2")
		title.SetXAlign(0)
		v.root.Append(title)
		v.ov.byRisk = newGroup(T("Apps by Risk"), T("Most exposed first; click an app to open it"))
		sorter := newChoice(v.cs, T("Sort apps"), T("By risk"), T("By name"))
		v.ov.byRisk.setHeaderSuffix(sorter)
		sorter.onChanged(func() {
			v.ov.sortMode = int(sorter.Selected())
			v.fillByRisk()
		})
		v.root.Append(v.ov.byRisk)
		// Hundreds of rows cost hundreds of kilobytes each and nobody
		// reads them all: the most exposed apps first, more on request.
		v.ov.limit = overviewStep
		v.ov.more = newActionRow(T("Show More Apps"), "")
		v.ov.more.SetActivatable(true)
		v.ov.more.addSuffix(gtk.NewImageFromIconName("go-down-symbolic"))
		v.cs.add(v.ov.more.obj, v.ov.more.obj.Connect("activated", func() {
			first := v.ov.limit
			v.ov.limit += overviewStep
			v.fillByRisk()
			// The activated row left the group and came back last: keep
			// the keyboard where the new rows start.
			if first < len(v.ov.byRisk.rows) {
				gtk.BaseWidget(v.ov.byRisk.rows[first]).GrabFocus()
			}
		}))
		v.ov.byPerm = newGroup(T("Browse by Permission"), T("Which apps can reach each sensitive resource"))
		v.root.Append(v.ov.byPerm)
		v.ov.portal = newGroup(T("Portal Access"), T("Which apps each portal of this desktop lets in, counting apps never asked where the portal allows them by default"))
		v.root.Append(v.ov.portal)
	}
	w.attach(v)
	ov := v.ov
	ov.entries = nil
	for _, a := range w.m.RunnableApps() {
		eff := w.m.Effective(a)
		fs := w.m.AuditOf(a, eff)
		var top []model.Finding
		for _, f := range fs {
			if !f.Dismissed && f.Level != model.LevelInfo && len(top) < 2 {
				top = append(top, f)
			}
		}
		// Only the answers are kept: 300 apps' effective permissions
		// would hold a megabyte for nothing.
		has := uint(0)
		for i, q := range model.Exposures {
			if q.Has(eff) {
				has |= 1 << i
			}
		}
		ov.entries = append(ov.entries, overviewEntry{a, model.RatingOf(fs), top, has})
	}
	v.fillByRisk()
	v.fillByPerm()
	w.portalOverview(v)
	return v
}

// overviewStep is how many more apps "Show more" adds to Apps by Risk.
const overviewStep = 15

func (v *pageView) fillByRisk() {
	ov := v.ov
	ov.byRisk.clear()
	sort.SliceStable(ov.entries, func(i, j int) bool {
		if ov.sortMode == 0 && ov.entries[i].rating != ov.entries[j].rating {
			return ov.entries[i].rating > ov.entries[j].rating
		}
		return model.CompareNames(ov.entries[i].a.Name, ov.entries[j].a.Name) < 0
	})
	for _, e := range ov.entries {
		var tops []string
		for _, f := range e.top {
			title, _ := f.Text(T)
			tops = append(tops, title)
		}
		sub := T(e.rating.Describe())
		if len(tops) > 0 {
			sub += " — " + strings.Join(tops, "; ")
		}
		id, name, rating := e.a.ID, e.a.Name, e.rating
		ov.byRisk.add(v.cachedRow("ov\x00"+id+"\x00"+name+"\x00"+sub, func() (gtk.Widgetter, func()) {
			row := newActionRow(name, sub)
			dot := gtk.NewBox(gtk.OrientationHorizontal, 0)
			dot.AddCSSClass("risk-dot")
			dot.AddCSSClass(ratingClass(rating))
			dot.SetVAlign(gtk.AlignCenter)
			row.addPrefix(dot)
			row.addSuffix(gtk.NewImageFromIconName("go-next-symbolic"))
			row.SetActivatable(true)
			v.cs.add(row.obj, row.obj.Connect("activated", func() { v.w.ShowApp(id) }))
			return row, nil
		}))
		if len(ov.byRisk.rows) == ov.limit {
			break
		}
	}
	if rest := len(ov.entries) - len(ov.byRisk.rows); rest > 0 {
		ov.more.setTitle(T("Show More Apps"))
		// TRANSLATORS: %d counts the apps the Overview lists further down, on request
		ov.more.setSubtitle(fmt.Sprintf(T("Not shown yet: %d"), rest))
		ov.byRisk.add(ov.more)
	}
}

func (v *pageView) fillByPerm() {
	ov := v.ov
	ov.byPerm.clear()
	for i, q := range model.Exposures {
		var names []string
		for _, e := range ov.entries {
			if e.has&(1<<i) != 0 {
				names = append(names, e.a.Name)
			}
		}
		sort.SliceStable(names, func(i, j int) bool { return model.CompareNames(names[i], names[j]) < 0 })
		v.ov.byPerm.add(v.countRow("perm", T(q.Title), names))
	}
}

// countNames is how many names a count row lists.
const countNames = 6

// countRow is an overview row: a question, the apps that answer it, and
// their number.
func (v *pageView) countRow(kind, title string, names []string) gtk.Widgetter {
	sub, tip := T("No app"), ""
	if len(names) > 0 {
		sub = strings.Join(names, ", ")
	}
	// A few names, the rest in the tooltip: a label listing hundreds of
	// apps costs more than the rest of the page.
	if len(names) > countNames {
		tip = sub
		sub = strings.Join(names[:countNames], ", ") + ", …"
	}
	return v.cachedRow(kind+"\x00"+title+"\x00"+sub+"\x00"+tip, func() (gtk.Widgetter, func()) {
		row := newActionRow(title, sub)
		if tip != "" {
			row.SetTooltipText(tip)
		}
		count := gtk.NewLabel(fmt.Sprint(len(names)))
		count.AddCSSClass("tag")
		count.AddCSSClass(map[bool]string{true: "risk-medium", false: "risk-low"}[len(names) > 0])
		count.SetVAlign(gtk.AlignCenter)
		row.addSuffix(count)
		return row, nil
	})
}
