package ui

import (
	"fmt"
	"strings"

	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
	"github.com/diamondburned/gotk4/pkg/glib/v2"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
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
	w.ratings.running = true
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
		w.ratings.running = false
		if onDone != nil {
			onDone()
		}
		if w.ratings.again {
			w.ratings.again = false
			w.rerate()
		}
		return false
	})
}

// ratings is the state of the sidebar's rating pass.
type ratings struct {
	running, again bool
}

// rerate rates every app again after a change, whoever made it: a preset,
// an override for all apps or one written by flatpak override changes the
// verdict of apps whose pages are not open. One pass at a time; a change
// during a pass asks for another.
func (w *Window) rerate() {
	if !w.firstFrame {
		return // the first pass is still to come
	}
	if w.ratings.running {
		w.ratings.again = true
		return
	}
	w.updateRatings(nil)
}

// canHarden reports whether Harden This App has something to apply: a
// finding not dismissed with a fix.
func (v *pageView) canHarden() bool {
	if v.app == nil || v.app.Err != nil {
		return false
	}
	for _, f := range v.findings {
		if !f.Dismissed && len(f.Ops) > 0 {
			return true
		}
	}
	return false
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
	row                  *gtk.ListBoxRow
	line, text           *gtk.Box
	titleL, reasonL      *gtk.Label
	icon                 *gtk.Image
	iconCSS              string
	acts                 *wrapBox
	rowTip, iconTip      *lazyTip
	need, fix, undismiss *gtk.Button
	f                    model.Finding
	title                string
	key                  string // what the row shows now
}

func (v *pageView) findingSlot(i int) *findingSlot {
	if i < len(v.slots) {
		return v.slots[i]
	}
	// A row of its own rather than an AdwActionRow: its buttons sit beside
	// the text in a wide window and under it in a narrow one, where beside
	// it they would leave the text a word per line.
	sl := &findingSlot{row: newPrefsRow(), icon: gtk.NewImage()}
	sl.row.SetActivatable(false)
	sl.row.AddCSSClass("finding")
	// Refilled at every app switch: tooltips made when asked for.
	sl.rowTip, sl.iconTip = newLazyTip(sl.row), newLazyTip(sl.icon)
	sl.line = gtk.NewBox(gtk.OrientationHorizontal, 12)
	sl.row.SetChild(sl.line)
	sl.icon.AddCSSClass("tag")
	sl.icon.SetVAlign(gtk.AlignCenter)
	sl.line.Append(sl.icon)
	sl.text = gtk.NewBox(gtk.OrientationVertical, 3)
	sl.text.SetHExpand(true)
	sl.text.SetVAlign(gtk.AlignCenter)
	sl.titleL = wrapLabel("")
	sl.reasonL = wrapLabel("", "dim-label", "finding-reason")
	sl.text.Append(sl.titleL)
	sl.text.Append(sl.reasonL)
	sl.line.Append(sl.text)
	// The buttons wrap under each other when even a line of their own is
	// too narrow for them (long translations on a phone).
	sl.acts = newWrapBox(6)
	sl.acts.SetVAlign(gtk.AlignCenter)
	sl.acts.obj.SetObjectProperty("pack-direction", 1) // ADW_PACK_END_TO_START: the main button last, at the end
	sl.line.Append(sl.acts)
	v.w.onFold(func(folded bool) {
		parent := gtk.BaseWidget(sl.acts).Parent()
		if folded && parent != nil && coreglib.BaseObject(parent).Native() == coreglib.BaseObject(sl.line).Native() {
			sl.line.Remove(sl.acts)
			sl.acts.SetHAlign(gtk.AlignEnd)
			sl.text.Append(sl.acts)
		} else if !folded && parent != nil && coreglib.BaseObject(parent).Native() == coreglib.BaseObject(sl.text).Native() {
			sl.text.Remove(sl.acts)
			sl.acts.SetHAlign(gtk.AlignFill)
			sl.line.Append(sl.acts)
		}
	})
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
		if sl.f.Repair {
			tip.SetText(T("Remove the entries this Flatpak cannot use from your override; Undo brings them back"))
		} else {
			tip.SetText(model.Command(model.Target(v.app), sl.f.Ops))
		}
		return true
	}))
	v.cs.add(sl.fix, sl.fix.ConnectClicked(func() {
		if sl.f.Repair {
			v.w.repairCurrent()
			return
		}
		v.w.flush()
		c, err := v.w.m.Override(model.Target(v.app), sl.f.Ops)
		// TRANSLATORS: %s is the advisor's finding that was fixed, e.g. “Can record audio without asking”
		v.w.afterChange(c, err, changeLabel(sl.title, v.app), fmt.Sprintf(T("Applied the advisor’s fix for “%s”"), sl.title))
	}))
	for _, b := range []*gtk.Button{sl.fix, sl.need, sl.undismiss} {
		b.SetVAlign(gtk.AlignCenter)
		sl.acts.append(b)
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
	key := fmt.Sprintf("%s\x00%v\x00%v\x00%v\x00%s\x00%s\x00%s\x00%v\x00%v", f.ID, f.Dismissed, f.Severity, f.Level, title, reason, f.Fix, len(f.Ops) > 0, f.Repair)
	if key == sl.key {
		return
	}
	sl.key = key
	sl.titleL.SetText(title)
	sl.reasonL.SetText(reason)
	sl.rowTip.text = T(f.Fix)
	sl.icon.SetFromIconName(severityIcons[f.Severity])
	if sl.iconCSS != "" {
		sl.icon.RemoveCSSClass(sl.iconCSS)
	}
	sl.iconCSS = "risk-" + f.Severity.String()
	sl.icon.AddCSSClass(sl.iconCSS)
	sl.iconTip.text = fmt.Sprintf("%s · %s", f.Severity, f.Level)
	sl.row.SetOpacity(map[bool]float64{true: 0.6, false: 1}[f.Dismissed])
	sl.undismiss.SetVisible(f.Dismissed)
	sl.need.SetVisible(!f.Dismissed && f.Level != model.LevelInfo)
	sl.fix.SetVisible(!f.Dismissed && (len(f.Ops) > 0 || f.Repair))
	if f.Repair {
		sl.fix.SetLabel(T("Repair"))
	} else {
		sl.fix.SetLabel(T("Apply"))
	}
	if f.Level == model.LevelRecommended {
		sl.fix.AddCSSClass("suggested-action")
	} else {
		sl.fix.RemoveCSSClass("suggested-action")
	}
}

func (v *pageView) dismiss(f model.Finding, on bool) {
	if err := v.w.m.Dismiss(model.Target(v.app), f.ID, on); err != nil {
		v.w.toast(fmt.Sprintf(T("Could not save: %v"), err))
	}
	v.w.refresh()
}

// advisorRows builds the Advisor group's rows.
func (v *pageView) advisorRows(e *model.Effective) (string, []gtk.Widgetter) {
	fs := v.w.m.AuditOf(v.app, e)
	var sig strings.Builder
	var rows []gtk.Widgetter
	if v.app != nil {
		rating := model.RatingOf(fs)
		fmt.Fprintf(&sig, "%v;", rating)
		// This copy's own entry (rowFor would be the copy that runs).
		if r := v.w.sidebar.byKey[v.app.Key()]; r != nil {
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
	v.findings = fs // marked on the rows once every group is refreshed
	return sig.String(), rows
}

// markRows puts a warning icon on the permission rows a finding concerns.
func (v *pageView) markRows(fs []model.Finding) {
	byRef := map[model.Ref]model.Finding{}
	for _, f := range fs {
		if f.Dismissed || f.Ref.Group == "" {
			continue
		}
		if _, ok := byRef[f.Ref]; !ok {
			byRef[f.Ref] = f
		}
	}
	for ref, r := range v.fixed {
		f, ok := byRef[ref]
		r.warn.show(f, ok)
	}
	for ref, w := range v.warnShown {
		f, ok := byRef[ref]
		w.show(f, ok)
	}
}

// warnIcon is a row's warning sign: shown while a finding concerns the row,
// with the finding as its tooltip.
type warnIcon struct {
	img *gtk.Image
	tip *lazyTip
}

func newWarnIcon() *warnIcon {
	w := &warnIcon{img: gtk.NewImageFromIconName("dialog-warning-symbolic")}
	w.img.AddCSSClass("warning")
	w.img.SetVisible(false)
	w.tip = newLazyTip(w.img)
	return w
}

func (w *warnIcon) show(f model.Finding, on bool) {
	if w == nil {
		return
	}
	w.img.SetVisible(on)
	if !on {
		return
	}
	title, reason := f.Text(T)
	w.tip.text = title + " — " + reason
}
