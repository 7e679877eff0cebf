package ui

import (
	"fmt"
	"strings"

	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
	"github.com/confine-app/confine/policy"
)

// presetChoice is the open presets dialog's parts (for the tests).
type presetChoice struct {
	dialog  *sheet
	apply   *gtk.Button
	choices *toggleGroup // by preset name
}

// presetsDialog offers the hardening presets. A preset is shown as what it
// does here: the change to the override for all apps, then each installed
// app that needs something back to keep working and what it gets, as
// computed for the installed Flatpak and checked so that no app loses its
// display. Apply writes every file at once; one Undo restores them all.
func (w *Window) presetsDialog() {
	w.flush()
	presets, err := policy.Presets()
	if err != nil {
		w.toast(err.Error())
		return
	}
	d := newSheet(T("Hardening Presets"), 680, 680)
	_, apply := d.actions(T("_Apply"), "suggested-action")

	var names, titles []string
	for _, p := range presets {
		names = append(names, p.Name)
		titles = append(titles, T(p.Title))
	}
	choices := newToggleGroup(names, titles)
	choices.SetHAlign(gtk.AlignCenter)
	setAccessibleLabel(choices, T("Preset"))
	d.content.Append(choices)
	blurb := wrapLabel("")
	d.content.Append(blurb)
	content := gtk.NewBox(gtk.OrientationVertical, 12)
	d.content.Append(content)
	status := wrapLabel("", "dim-label")
	d.content.Append(status)

	var shown *policy.Preview
	show := func(p *policy.Preset) {
		blurb.SetText(T(p.Blurb))
		clearBox(content)
		shown = nil
		pv, err := p.Preview(w.m)
		if err != nil {
			status.SetText(fmt.Sprintf(T("This preset cannot be applied here: %v"), err))
			apply.SetSensitive(false)
			return
		}
		shown = pv
		w.fillPresetPreview(content, pv)
		if pv.Plan.Changed() {
			// Under the rules of the release Confine speaks ("1.18"), also
			// when the installed version could not be found.
			status.SetText(fmt.Sprintf(T("Checked for Flatpak %s: every app keeps its display in Wayland and X11 sessions."), w.m.Dialect.Name))
		} else {
			status.SetText(T("Your overrides already match this preset."))
		}
		apply.SetSensitive(pv.Plan.Changed())
	}
	w.presetChoice = presetChoice{dialog: d, apply: apply, choices: choices}
	d.onClosed(func() { w.presetChoice = presetChoice{}; w.dialog = nil })
	choices.onChanged(func() {
		for _, p := range presets {
			if p.Name == choices.active() {
				show(p)
			}
		}
	})
	choices.setActive(presets[0].Name)
	if choices.active() == presets[0].Name && shown == nil {
		show(presets[0])
	}
	apply.ConnectClicked(func() {
		if shown == nil {
			return
		}
		pv := shown
		d.close()
		w.applyPreset(pv)
	})
	w.dialog = d
	d.present(w.win)
	// The choice has the focus, not the diff's selectable text (which
	// would select itself and scroll the dialog).
	choices.GrabFocus()
}

// fillPresetPreview lays out a preset's effect: the override for all apps
// as a diff, then one row per app that gets something back.
func (w *Window) fillPresetPreview(content *gtk.Box, pv *policy.Preview) {
	for _, f := range pv.Plan.Files {
		if f.Target != overrides.Global {
			continue
		}
		content.Append(sectionHeading(T("All Applications"), T("Your override for every app")))
		if f.Changed() {
			// The diff in a card, in full: the dialog scrolls, not the card.
			content.Append(codeBlock(strings.TrimRight(model.Diff(f.Before, f.After), "\n")))
		} else {
			content.Append(wrapLabel(T("Already as the preset wants it."), "dim-label"))
		}
	}
	n := len(pv.Exceptions)
	g := newGroup(T("Exceptions"), fmt.Sprintf(NT("%d app gets something back in its own override, to keep working",
		"%d apps get something back in their own overrides, to keep working", n), n))
	if len(pv.Exceptions) == 0 {
		g.add(wrapLabel(T("No app needs an exception."), "dim-label"))
	}
	for _, ex := range pv.Exceptions {
		var words []string
		for _, gr := range ex.Grants {
			words = append(words, grantWords(gr))
		}
		row := newActionRow(ex.App.Name, strings.Join(words, ", "))
		row.obj.SetObjectProperty("subtitle-lines", 0)
		row.obj.SetObjectProperty("tooltip-text", ex.App.ID)
		g.add(row)
	}
	content.Append(g)
	var notes []string
	for _, n := range pv.Plan.Notes {
		if n.Severity == "warning" {
			notes = append(notes, "• "+n.Message)
		}
	}
	if len(notes) > 0 {
		ng := newGroup(T("Worth knowing"), "")
		ng.add(wrapLabel(strings.Join(notes, "\n")))
		content.Append(ng)
	}
}

// sectionHeading is a title and a description, as a preferences group
// shows them, over content that is not a list.
func sectionHeading(title, description string) *gtk.Box {
	b := gtk.NewBox(gtk.OrientationVertical, 2)
	t := wrapLabel(title, "heading")
	t.SetMarginTop(6)
	b.Append(t)
	b.Append(wrapLabel(description, "dim-label"))
	return b
}

// grantWords names one exception: the permission's title, or a folder and
// its access.
func grantWords(g policy.Grant) string {
	if g.Folder == "" {
		return T(g.Perm.Title)
	}
	name := g.Folder
	if g.Perm != nil {
		name = T(g.Perm.Title)
	}
	switch g.Mode {
	case overrides.ModeRead:
		return fmt.Sprintf(T("%s (read-only)"), name)
	case overrides.ModeCreate:
		return fmt.Sprintf(T("%s (created if missing)"), name)
	}
	return name
}

// applyPreset writes every file of a previewed preset and offers one Undo
// for all of them.
func (w *Window) applyPreset(pv *policy.Preview) {
	w.flush()
	done, err := pv.Plan.Write()
	if err != nil {
		// Whatever was written is undone: a preset is all or nothing.
		if uerr := w.m.UndoAll(done); uerr != nil {
			err = fmt.Errorf(T("%v (and undoing the files already written failed: %v)"), err, uerr)
		}
		w.toast(fmt.Sprintf(T("Could not apply the preset: %v"), err))
		w.refresh()
		return
	}
	// TRANSLATORS: a change in the undo history; %s is a preset's name, e.g. Strict baseline
	e := &undoEntry{label: fmt.Sprintf(T("Preset %s"), T(pv.Preset.Title)), files: done}
	// TRANSLATORS: %s is a preset's name, e.g. Strict baseline; %d how many override files it changed
	msg := fmt.Sprintf(NT("Preset applied: %s (%d file changed)", "Preset applied: %s (%d files changed)", len(done)), T(pv.Preset.Title), len(done))
	// Many files at once: the toast stays until dismissed.
	w.rememberToast(e, msg, 0)
	w.refresh()
}
