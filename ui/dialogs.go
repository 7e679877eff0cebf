package ui

import (
	"fmt"
	"strings"

	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
)

// showCommand shows the `flatpak override` command that gives the user's
// override for the shown app, ready to copy.
func (w *Window) showCommand() {
	if w.current == nil || w.current.overview {
		return
	}
	w.flush()
	cmd := w.m.OwnCommand(model.Target(w.current.app))
	dialog, box := w.newDialog(T("Equivalent Command"), 560, 0)
	box.Append(wrapLabel(T("Run this in a terminal to give the same permissions with the flatpak command:")))
	box.Append(wrapLabel(cmd, "monospace"))
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

// newDialog is a modal dialog over the window, with its title and default
// size; it returns the content box (spaced, with margins) to fill.
func (w *Window) newDialog(title string, width, height int) (*gtk.Dialog, *gtk.Box) {
	dialog := gtk.NewDialog()
	dialog.SetTransientFor(&w.win.Window)
	dialog.SetModal(true)
	dialog.SetTitle(title)
	dialog.SetDefaultSize(width, height)
	box := dialog.ContentArea()
	box.SetSpacing(12)
	for _, f := range []func(int){box.SetMarginTop, box.SetMarginBottom, box.SetMarginStart, box.SetMarginEnd} {
		f(18)
	}
	return dialog, box
}

// cancelApply ends a dialog's box with Cancel (closes it) and Apply (the
// suggested action, returned for the caller to connect).
func cancelApply(dialog *gtk.Dialog, box *gtk.Box) *gtk.Button {
	_, apply := cancelAnd(dialog, box, T("Apply"), "suggested-action")
	return apply
}

// cancelAnd ends a dialog's box with Cancel (closes it) and an action
// button styled with css, returned for the caller to connect.
func cancelAnd(dialog *gtk.Dialog, box *gtk.Box, label, css string) (cancel, action *gtk.Button) {
	buttons := gtk.NewBox(gtk.OrientationHorizontal, 6)
	buttons.SetHAlign(gtk.AlignEnd)
	cancel = gtk.NewButtonWithLabel(T("Cancel"))
	cancel.ConnectClicked(func() { dialog.Close() })
	action = gtk.NewButtonWithLabel(label)
	action.AddCSSClass(css)
	buttons.Append(cancel)
	buttons.Append(action)
	box.Append(buttons)
	return cancel, action
}

// wrapLabel is a left-aligned label that wraps, with CSS classes;
// monospace ones (IDs, commands) can be selected to copy.
func wrapLabel(text string, classes ...string) *gtk.Label {
	l := gtk.NewLabel(text)
	l.SetXAlign(0)
	l.SetWrap(true)
	for _, c := range classes {
		l.AddCSSClass(c)
		if c == "monospace" {
			l.SetSelectable(true)
		}
	}
	return l
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
	apply := cancelApply(dialog, box)
	var plan model.HardenPlan
	update := func() {
		var err error
		plan, err = w.m.PlanHarden(v.app, suggested)
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
		c, err := w.m.ApplyHarden(plan)
		dialog.Close()
		w.afterChange(c, err, T("The app was hardened"))
	})
	update()
	dialog.Show()
}

// confirmDisplayLoss asks before a change that would leave the app without
// a display in a kind of session ("Wayland", "X11"); yes runs when the
// person confirms, no when they cancel or close the dialog.
func (w *Window) confirmDisplayLoss(a *model.App, what string, sessions []string, yes, no func()) {
	dialog, box := w.newDialog(T("The App Would Have No Display"), 460, 0)
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
	box.Append(wrapLabel(fmt.Sprintf(text, what, a.Name)))
	cancel, change := cancelAnd(dialog, box, T("Change Anyway"), "destructive-action")
	decided := false
	change.ConnectClicked(func() {
		decided = true
		dialog.Close()
		yes()
	})
	dialog.ConnectCloseRequest(func() bool {
		if !decided {
			decided = true
			no()
		}
		return false
	})
	w.confirming = &confirmation{dialog: dialog, yes: change, no: cancel}
	dialog.Show()
}

// confirmation is a question on screen and its two answers.
type confirmation struct {
	dialog  *gtk.Dialog
	yes, no *gtk.Button
}
