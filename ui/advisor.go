package ui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/diamondburned/gotk4/pkg/glib/v2"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

// The advisor in the window: a rating dot in the sidebar, an "Advisor"
// group on each page with fixes to apply or dismiss, warning icons on the
// rows concerned, "Harden this app" with a preview, and the overview page.

var severityIcons = map[model.Severity]string{
	model.SeverityEscape: "dialog-warning-symbolic",
	model.SeverityHigh:   "dialog-warning-symbolic",
	model.SeverityMedium: "dialog-information-symbolic",
	model.SeverityLow:    "dialog-information-symbolic",
	model.SeverityInfo:   "dialog-information-symbolic",
}

func ratingClass(r model.Rating) string {
	return map[model.Rating]string{model.RatingSafe: "risk-low", model.RatingPotentiallyUnsafe: "risk-medium", model.RatingUnsafe: "risk-escape"}[r]
}

// updateRatings computes every app's rating after the first frame, so
// start-up stays fast, and puts the dots in the sidebar.
func (w *Window) updateRatings(onDone func()) {
	// A few dozen apps per main-loop turn: rating 300 apps takes ~80 ms.
	i := 0
	glib.IdleAdd(func() bool {
		for end := min(i+40, len(w.rows)); i < end; i++ {
			if r := w.rows[i]; r.app != nil && r.app.Err == nil {
				w.setRating(r, model.RatingOf(w.m.Audit(r.app)))
			}
		}
		if i < len(w.rows) {
			return true
		}
		if onDone != nil {
			onDone()
		}
		return false
	})
}

func (w *Window) setRating(r *appRow, rating model.Rating) {
	if r.app == nil || r.app.Err != nil || (r.hasRating && r.rating == rating) {
		return
	}
	r.rating, r.hasRating = rating, true
	w.rebind(r)
}

// findingSlot is the row of the i-th finding on a page: built once and
// refilled with whichever finding is i-th for the app shown, so switching
// apps sets texts instead of building rows (~1 ms each).
type findingSlot struct {
	row                  *actionRow
	icon                 *gtk.Image
	iconCSS              string
	acts                 *gtk.Box
	need, fix, undismiss *gtk.Button
	f                    model.Finding
	title                string
	key                  string // what the row shows now
}

func (v *pageView) findingSlot(i int) *findingSlot {
	if i < len(v.slots) {
		return v.slots[i]
	}
	sl := &findingSlot{row: newActionRow("", ""), icon: gtk.NewImage()}
	sl.icon.AddCSSClass("tag")
	sl.icon.SetVAlign(gtk.AlignCenter)
	sl.row.addPrefix(sl.icon)
	// The buttons stack when the window is narrow, so the text keeps
	// most of a phone-sized row.
	sl.acts = v.w.adaptiveBox()
	sl.acts.SetVAlign(gtk.AlignCenter)
	sl.row.addSuffix(sl.acts)
	sl.undismiss = gtk.NewButtonWithLabel(T("Undo Dismiss"))
	sl.undismiss.AddCSSClass("flat")
	v.cs.add(sl.undismiss, sl.undismiss.ConnectClicked(func() { v.dismiss(sl.f, false) }))
	sl.need = gtk.NewButtonWithLabel(T("I Need This"))
	sl.need.AddCSSClass("flat")
	sl.need.SetTooltipText(T("Keep it and stop recommending the change"))
	v.cs.add(sl.need, sl.need.ConnectClicked(func() { v.dismiss(sl.f, true) }))
	sl.fix = gtk.NewButtonWithLabel(T("Apply"))
	// The tooltip (the command, which names the app) is made when asked
	// for: setting a tooltip makes GTK re-query the one under the
	// pointer, ~1 ms, and this one would change with every app.
	sl.fix.SetHasTooltip(true)
	v.cs.add(sl.fix, sl.fix.ConnectQueryTooltip(func(_, _ int, _ bool, tip *gtk.Tooltip) bool {
		tip.SetText(model.Command(target(v.app), sl.f.Ops))
		return true
	}))
	v.cs.add(sl.fix, sl.fix.ConnectClicked(func() {
		v.w.flush()
		c, err := v.w.m.Override(target(v.app), sl.f.Ops)
		v.w.afterChange(c, err, sl.title)
	}))
	for _, b := range []*gtk.Button{sl.undismiss, sl.need, sl.fix} {
		b.SetVAlign(gtk.AlignCenter)
		sl.acts.Append(b)
	}
	v.slots = append(v.slots, sl)
	return sl
}

// show fills the slot with a finding: its fix and a way to dismiss it.
// Setting a row's texts costs a new layout, so an unchanged slot is left
// alone (apps often share findings).
func (sl *findingSlot) show(v *pageView, f model.Finding) {
	title, reason := f.Text(T)
	sl.f, sl.title = f, title
	key := fmt.Sprintf("%s\x00%v\x00%v\x00%v\x00%s\x00%s\x00%s\x00%v", f.ID, f.Dismissed, f.Severity, f.Level, title, reason, f.Fix, len(f.Ops) > 0)
	if key == sl.key {
		return
	}
	sl.key = key
	sl.row.setTitle(title)
	sl.row.setSubtitle(reason)
	sl.row.SetTooltipText(T(f.Fix))
	sl.icon.SetFromIconName(severityIcons[f.Severity])
	if sl.iconCSS != "" {
		sl.icon.RemoveCSSClass(sl.iconCSS)
	}
	sl.iconCSS = "risk-" + f.Severity.String()
	sl.icon.AddCSSClass(sl.iconCSS)
	sl.icon.SetTooltipText(fmt.Sprintf("%s · %s", f.Severity, f.Level))
	sl.row.SetOpacity(map[bool]float64{true: 0.6, false: 1}[f.Dismissed])
	sl.undismiss.SetVisible(f.Dismissed)
	sl.need.SetVisible(!f.Dismissed && f.Level != model.LevelInfo)
	sl.fix.SetVisible(!f.Dismissed && len(f.Ops) > 0)
	if f.Level == model.LevelRecommended {
		sl.fix.AddCSSClass("suggested-action")
	} else {
		sl.fix.RemoveCSSClass("suggested-action")
	}
}

func (v *pageView) dismiss(f model.Finding, on bool) {
	if err := v.w.m.Dismiss(target(v.app), f.ID, on); err != nil {
		v.w.toast(fmt.Sprintf(T("Could not save: %v"), err))
	}
	v.w.refresh()
}

// afterChange reports a write made outside the debounce queue and offers
// Undo.
func (w *Window) afterChange(c model.Change, err error, what string) {
	if err != nil {
		w.toast(fmt.Sprintf(T("Could not save: %v"), err))
		w.refresh()
		return
	}
	if c.Changed() {
		w.undo, w.undoApp = &c, nil
		toast(w.toasts, fmt.Sprintf(T("Applied: %s"), what), T("Undo"), "win.undo", 8)
	}
	w.refresh()
}

// advisorRows builds the Advisor group's rows.
func (v *pageView) advisorRows(e *model.Effective, _ *overrides.File) (string, []gtk.Widgetter) {
	fs := v.w.m.AuditOf(v.app, e)
	var sig strings.Builder
	var rows []gtk.Widgetter
	if v.app != nil {
		rating := model.RatingOf(fs)
		fmt.Fprintf(&sig, "%v;", rating)
		// This copy's own entry (rowFor would be the copy that runs).
		if r := v.w.byKey[v.app.Key()]; r != nil {
			v.w.setRating(r, rating)
		}
		// An app whose files Flatpak cannot read has no verdict (as in
		// the sidebar and confine list).
		v.ratingTag.SetVisible(v.app.Err == nil)
		v.ratingTag.SetText(T(rating.Describe()))
		for _, c := range []string{"risk-low", "risk-medium", "risk-escape"} {
			v.ratingTag.RemoveCSSClass(c)
		}
		v.ratingTag.AddCSSClass(ratingClass(rating))
	}
	// The rows are the slots, refilled in place: the group needs new rows
	// only when their number changes.
	fmt.Fprintf(&sig, "%d findings", len(fs))
	for i, f := range fs {
		sl := v.findingSlot(i)
		sl.show(v, f)
		rows = append(rows, sl.row)
	}
	if len(fs) == 0 {
		rows = append(rows, v.cachedRow("finding\x00none", func() (gtk.Widgetter, func()) {
			ok := newActionRow(T("Nothing to tighten"), T("This app asks for nothing the advisor would revoke."))
			ok.addPrefix(gtk.NewImageFromIconName("emblem-ok-symbolic"))
			return ok, nil
		}))
	}
	v.markRows(fs)
	return sig.String(), rows
}

// markRows puts a warning icon on the permission rows a finding concerns.
func (v *pageView) markRows(fs []model.Finding) {
	byPerm := map[string]model.Finding{}
	for _, f := range fs {
		if f.Dismissed || f.Permission == "" {
			continue
		}
		if _, ok := byPerm[f.Permission]; !ok {
			byPerm[f.Permission] = f
		}
	}
	for _, r := range v.fixed {
		f, ok := byPerm[r.p.Syntax()]
		r.warn.SetVisible(ok)
		if ok {
			title, reason := f.Text(T)
			if tip := title + " — " + reason; tip != r.warnTip {
				r.warnTip = tip // setting a tooltip costs ~1 ms, see findingSlot
				r.warn.SetTooltipText(tip)
			}
		}
	}
}

// hardenDialog previews "Harden this app": the findings it fixes, the
// override before and after, and the equivalent command.
func (v *pageView) hardenDialog() {
	w := v.w
	w.flush()
	suggested := false
	dialog, box := w.newDialog(T("Harden This App"), 620, 520)
	intro := wrapLabel("")
	box.Append(intro)
	check := gtk.NewCheckButtonWithLabel(T("Also apply suggestions (network, audio, devices, broad folders) — the app may lose features"))
	box.Append(check)
	scroll := gtk.NewScrolledWindow()
	scroll.SetVExpand(true)
	diff := gtk.NewLabel("")
	diff.SetSelectable(true)
	diff.SetXAlign(0)
	diff.SetYAlign(0)
	diff.AddCSSClass("monospace")
	scroll.SetChild(diff)
	box.Append(scroll)
	cmd := wrapLabel("", "monospace", "dim-label")
	box.Append(cmd)
	buttons := gtk.NewBox(gtk.OrientationHorizontal, 6)
	buttons.SetHAlign(gtk.AlignEnd)
	cancel := gtk.NewButtonWithLabel(T("Cancel"))
	cancel.ConnectClicked(func() { dialog.Close() })
	apply := gtk.NewButtonWithLabel(T("Apply"))
	apply.AddCSSClass("suggested-action")
	buttons.Append(cancel)
	buttons.Append(apply)
	box.Append(buttons)
	var plan model.HardenPlan
	update := func() {
		var err error
		plan, err = w.m.Plan(v.app, suggested)
		if err != nil {
			intro.SetText(err.Error())
			apply.SetSensitive(false)
			return
		}
		var titles []string
		for _, f := range plan.Findings {
			title, _ := f.Text(T)
			titles = append(titles, "• "+title)
		}
		if len(plan.Ops) == 0 {
			intro.SetText(T("Nothing to change: the advisor has no fix to apply for this app."))
		} else {
			intro.SetText(T("These changes will be written to your override for this app:") + "\n" + strings.Join(titles, "\n"))
		}
		diff.SetText(model.Diff(plan.Before, plan.After))
		cmd.SetText(model.Command(plan.Target, plan.Ops))
		apply.SetSensitive(len(plan.Ops) > 0)
	}
	check.ConnectToggled(func() {
		suggested = check.Active()
		update()
	})
	apply.ConnectClicked(func() {
		c, err := w.m.Apply(plan)
		dialog.Close()
		w.afterChange(c, err, T("hardened"))
	})
	update()
	dialog.Show()
}

// ---- overview ---------------------------------------------------------------

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
	has    uint // bit i: permQuestions[i] holds
}

// buildOverview is the Overview page: apps by rating with their top
// findings, and which apps hold each sensitive permission.
func (w *Window) buildOverview() *pageView {
	v := w.views["overview"]
	if v == nil {
		v = newPageView(w, nil)
		v.overview = true
		v.ov = &overview{}
		w.views["overview"] = v
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
		v.ov.portal = newGroup(T("Portal Access"), T("Apps you allowed to use each portal"))
		v.root.Append(v.ov.portal)
	}
	w.view = v
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
		for i, q := range permQuestions {
			if q.has(eff) {
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
		ov.more.setSubtitle(fmt.Sprintf(T("Not shown yet: %d"), rest))
		ov.byRisk.add(ov.more)
	}
}

// permQuestions are the Browse by Permission rows: which apps can reach
// each sensitive resource.
var permQuestions = []struct {
	title string
	has   func(*model.Effective) bool
}{
	{N("Network"), func(e *model.Effective) bool { on, _ := e.FixedOn(overrides.KeyShared, "network"); return on }},
	{N("Whole home folder"), func(e *model.Effective) bool { m, _ := e.FilesystemMode("home"); return m != overrides.ModeNone }},
	{N("All files (host)"), func(e *model.Effective) bool { m, _ := e.FilesystemMode("host"); return m != overrides.ModeNone }},
	{N("Microphone and sound (PulseAudio)"), func(e *model.Effective) bool { return e.Socket("pulseaudio") }},
	{N("Every device (webcams, USB)"), func(e *model.Effective) bool { on, _ := e.FixedOn(overrides.KeyDevices, "all"); return on }},
	{N("X11 (can watch other windows)"), func(e *model.Effective) bool { return e.Socket("x11") && !e.WaylandNative() }},
	{N("Commands outside the sandbox"), func(e *model.Effective) bool {
		return e.Socket("session-bus") || e.TalksTo("org.freedesktop.Flatpak")
	}},
	{N("Your stored passwords"), func(e *model.Effective) bool { return e.TalksTo("org.freedesktop.secrets") }},
}

func (v *pageView) fillByPerm() {
	ov := v.ov
	ov.byPerm.clear()
	for i, q := range permQuestions {
		var names []string
		for _, e := range ov.entries {
			if e.has&(1<<i) != 0 {
				names = append(names, e.a.Name)
			}
		}
		sort.SliceStable(names, func(i, j int) bool { return model.CompareNames(names[i], names[j]) < 0 })
		v.ov.byPerm.add(v.countRow("perm", T(q.title), names))
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
