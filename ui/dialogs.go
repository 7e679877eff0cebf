package ui

import (
	"fmt"
	"strings"

	"github.com/diamondburned/gotk4/pkg/gtk/v4"
	"github.com/diamondburned/gotk4/pkg/pango"

	"github.com/confine-app/confine/model"
)

// showCommand shows the `flatpak override` command that gives the user's
// override for the shown page, one option per line, ready to copy.
func (w *Window) showCommand() {
	if w.current == nil || w.current.overview {
		return
	}
	w.flush()
	target := model.Target(w.current.app)
	// One option per line; OwnCommand says what to run without options
	// (a reset) or why there is nothing to show.
	var cmd string
	if ops, err := w.m.OwnOps(target); err == nil && len(ops) > 0 {
		cmd = model.CommandLines(target, ops)
	} else {
		cmd = w.m.OwnCommand(target)
	}
	d := newSheet(T("Equivalent Command"), 560, 0)
	d.content.Append(wrapLabel(T("Run this in a terminal to give the same permissions with the flatpak command:")))
	d.content.Append(codeBlock(cmd))
	copyBtn := gtk.NewButtonWithMnemonic(T("_Copy"))
	copyBtn.AddCSSClass("suggested-action")
	copyBtn.AddCSSClass("pill")
	copyBtn.SetHAlign(gtk.AlignCenter)
	copyBtn.ConnectClicked(func() {
		w.win.Clipboard().SetText(cmd)
		w.toast(T("Copied"))
		d.close()
	})
	d.content.Append(copyBtn)
	d.obj.SetObjectProperty("focus-widget", copyBtn)
	w.dialog = d
	d.onClosed(func() { w.dialog = nil })
	d.present(w.win)
}

// codeBlock shows text as code in a card: monospace, selectable, and
// broken only where the text has line breaks (a horizontal scroll bar
// otherwise), so no option is split in two.
func codeBlock(text string) gtk.Widgetter {
	l := gtk.NewLabel(text)
	l.SetXAlign(0)
	l.SetSelectable(true)
	l.AddCSSClass("monospace")
	for _, f := range []func(int){l.SetMarginTop, l.SetMarginBottom, l.SetMarginStart, l.SetMarginEnd} {
		f(12)
	}
	scroll := gtk.NewScrolledWindow()
	scroll.SetPolicy(gtk.PolicyAutomatic, gtk.PolicyNever)
	scroll.SetChild(l)
	scroll.AddCSSClass("card")
	return scroll
}

// wrapLabel is a left-aligned label that wraps, with CSS classes;
// monospace ones (IDs, commands) can be selected to copy.
func wrapLabel(text string, classes ...string) *gtk.Label {
	l := gtk.NewLabel(text)
	l.SetXAlign(0)
	l.SetWrap(true)
	l.SetWrapMode(pango.WrapWordChar)
	for _, c := range classes {
		l.AddCSSClass(c)
		if c == "monospace" {
			l.SetSelectable(true)
		}
	}
	return l
}

// planDialog previews a change to an app's override — Harden This App,
// Lock Permissions — as what it fixes, the override before and after, and
// the equivalent command; Apply writes exactly what was previewed (and
// fails if the file changed meanwhile), with Undo.
type planDialog struct {
	w       *Window
	d       *sheet
	apply   *gtk.Button
	intro   *gtk.Label
	fixes   *prefsGroup
	diff    *gtk.Label
	cmd     *gtk.Label
	plan    model.HardenPlan
	planned bool
}

func (w *Window) newPlanDialog(title, applyLabel string) *planDialog {
	p := &planDialog{w: w, d: newSheet(title, 640, 560)}
	_, p.apply = p.d.actions(applyLabel, "suggested-action")
	p.intro = wrapLabel("")
	p.d.content.Append(p.intro)
	p.fixes = newGroup("", "")
	p.d.content.Append(p.fixes)
	p.d.content.Append(sectionHeading(T("Your Override"), T("The file before and after, as a diff")))
	p.diff = gtk.NewLabel("")
	p.diff.SetXAlign(0)
	p.diff.SetSelectable(true)
	p.diff.AddCSSClass("monospace")
	for _, f := range []func(int){p.diff.SetMarginTop, p.diff.SetMarginBottom, p.diff.SetMarginStart, p.diff.SetMarginEnd} {
		f(12)
	}
	diffScroll := gtk.NewScrolledWindow()
	diffScroll.SetPolicy(gtk.PolicyAutomatic, gtk.PolicyNever)
	diffScroll.SetChild(p.diff)
	diffScroll.AddCSSClass("card")
	p.d.content.Append(diffScroll)
	p.d.content.Append(sectionHeading(T("Equivalent Command"), ""))
	p.cmd = gtk.NewLabel("")
	p.cmd.SetXAlign(0)
	p.cmd.SetSelectable(true)
	p.cmd.AddCSSClass("monospace")
	cmdScroll := gtk.NewScrolledWindow()
	cmdScroll.SetPolicy(gtk.PolicyAutomatic, gtk.PolicyNever)
	cmdScroll.SetChild(p.cmd)
	p.d.content.Append(cmdScroll)
	w.dialog = p.d
	p.d.onClosed(func() {
		if w.dialog == p.d {
			w.dialog = nil
		}
	})
	return p
}

// show fills the dialog with a plan, or with why there is none.
func (p *planDialog) show(plan model.HardenPlan, err error, nothing string) {
	p.fixes.clear()
	if err != nil {
		p.intro.SetText(err.Error())
		p.apply.SetSensitive(false)
		p.planned = false
		return
	}
	p.plan, p.planned = plan, len(plan.Ops) > 0
	p.intro.SetText(nothing)
	if p.planned {
		p.intro.SetText(T("These changes will be written to your override for this app:"))
	}
	for _, f := range plan.Findings {
		title, reason := f.Text(T)
		row := newActionRow(title, reason)
		row.obj.SetObjectProperty("subtitle-lines", 0)
		p.fixes.add(row)
	}
	p.fixes.SetVisible(len(plan.Findings) > 0)
	p.diff.SetText(strings.TrimRight(model.Diff(plan.Before, plan.After), "\n"))
	p.cmd.SetText(model.CommandLines(plan.Target, plan.Ops))
	p.apply.SetSensitive(p.planned)
}

// onApply makes Apply write the plan shown (refused if the file changed
// since), close, and report done with Undo (label names the change).
func (p *planDialog) onApply(label, done string) {
	p.apply.ConnectClicked(func() {
		if !p.planned {
			return
		}
		c, err := p.w.m.ApplyHarden(p.plan)
		p.d.close()
		p.w.afterChange(c, err, label, done)
	})
}

// hardenDialog previews "Harden This App": the advisor's recommended
// fixes, and on request its suggestions too.
func (v *pageView) hardenDialog() {
	w, app := v.w, v.app
	w.flush()
	p := w.newPlanDialog(T("Harden This App"), T("_Apply"))
	suggested := newSwitchRow(T("Include Suggestions"), T("Network, sound, devices and broad folders too — the app may lose features"))
	opts := newGroup("", "")
	opts.add(suggested.row)
	p.d.content.Prepend(opts)
	update := func() {
		plan, err := w.m.PlanHarden(app, suggested.sw.Active())
		p.show(plan, err, T("Nothing to change: the advisor has no fix to apply for this app."))
	}
	suggested.sw.NotifyProperty("active", update)
	p.onApply(changeLabel(T("Harden This App"), app), T("The app was hardened"))
	update()
	p.d.present(w.win)
}

// lockDialog previews Lock Permissions: an explicit revocation of every
// permission the app does not have, so that an update cannot widen it
// silently.
func (w *Window) lockDialog() {
	if w.current == nil || w.current.app == nil || w.current.app.Err != nil {
		return
	}
	app := w.current.app
	w.flush()
	p := w.newPlanDialog(T("Lock Permissions"), T("_Lock"))
	plan, err := w.m.PlanLock(app)
	p.show(plan, err, T("Nothing to lock: your override already revokes everything this app does not have."))
	if p.planned {
		p.intro.SetText(T("Everything this app does not have now is revoked explicitly in your override, so that an update cannot give it more without you noticing:"))
	}
	p.onApply(changeLabel(T("Lock Permissions"), app), T("Permissions locked against future updates"))
	p.d.present(w.win)
}

// switchRow is an action row with a switch that is the row's control.
type switchRow struct {
	row *actionRow
	sw  *gtk.Switch
}

func newSwitchRow(title, subtitle string) switchRow {
	r := switchRow{row: newActionRow(title, subtitle), sw: gtk.NewSwitch()}
	r.sw.SetVAlign(gtk.AlignCenter)
	r.row.addSuffix(r.sw)
	r.row.setActivatable(r.sw)
	return r
}

// confirmDisplayLoss asks before a change that would leave the app without
// a display in a kind of session ("Wayland", "X11"); yes runs when the
// person confirms, no when they cancel or close the question.
func (w *Window) confirmDisplayLoss(a *model.App, what string, sessions []string, yes, no func()) {
	// TRANSLATORS: the first %s is a permission's name, the second an app's
	text := T("With this change to “%s”, %s cannot open a window when it starts in a Wayland session. The advisor can give the display back.")
	switch {
	case len(sessions) > 1:
		// TRANSLATORS: the first %s is a permission's name, the second an app's
		text = T("With this change to “%s”, %s cannot open a window when it starts in a Wayland or an X11 session. The advisor can give the display back.")
	case len(sessions) == 1 && sessions[0] == "X11":
		// TRANSLATORS: the first %s is a permission's name, the second an app's
		text = T("With this change to “%s”, %s cannot open a window when it starts in an X11 session. The advisor can give the display back.")
	}
	q := newAlert(T("The App Would Have No Display"), fmt.Sprintf(text, what, a.Name))
	q.response("cancel", T("_Cancel"), responseDefault)
	q.response("change", T("C_hange Anyway"), responseDestructive)
	// Escape and Enter keep things as they are.
	q.obj.SetObjectProperty("close-response", "cancel")
	q.obj.SetObjectProperty("default-response", "cancel")
	q.onResponse(func(id string) {
		w.confirming = nil
		if id == "change" {
			yes()
		} else {
			no()
		}
	})
	w.confirming = q
	q.present(w.win)
}
