package ui

import (
	"fmt"

	"github.com/diamondburned/gotk4/pkg/glib/v2"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/portals"
)

// edits are the window's writes: clicks wait 300 ms for the next one
// (debounce), then go through the model; each change joins the undo
// history (undo.go).
type edits struct {
	pending    []pendingEdit
	flushTimer glib.SourceHandle
}

// pendingEdit is a write waiting for the debounce timer.
type pendingEdit struct {
	key   model.Ref
	label string // the change, for the undo history
	run   func() (model.Change, error)
}

// queue schedules a write; a newer edit of the same permission replaces an
// older one still waiting. Writes happen 300 ms after the last click, when
// another app is shown, and when the window closes.
func (e *edits) queue(w *Window, key model.Ref, label string, run func() (model.Change, error)) {
	for i, p := range e.pending {
		if p.key == key {
			e.pending = append(e.pending[:i], e.pending[i+1:]...)
			break
		}
	}
	e.pending = append(e.pending, pendingEdit{key: key, label: label, run: run})
	if e.flushTimer != 0 {
		glib.SourceRemove(e.flushTimer)
	}
	e.flushTimer = glib.TimeoutAdd(300, func() bool {
		e.flushTimer = 0
		w.flush()
		return false
	})
}

// has reports whether an edit of key waits.
func (e *edits) has(key model.Ref) bool {
	for _, p := range e.pending {
		if p.key == key {
			return true
		}
	}
	return false
}

// flush writes every pending edit now, then shows the true state.
func (w *Window) flush() {
	if w.edits.flushTimer != 0 {
		glib.SourceRemove(w.edits.flushTimer)
		w.edits.flushTimer = 0
	}
	if len(w.edits.pending) == 0 {
		return
	}
	edits := w.edits.pending
	w.edits.pending = nil
	for _, e := range edits {
		c, err := e.run()
		if err != nil {
			w.toast(fmt.Sprintf(T("Could not save: %v"), err))
			continue
		}
		w.remember(&undoEntry{label: e.label, files: []model.Change{c}})
	}
	w.refresh()
}

// refresh re-reads the override files and updates the visible page and the
// badges; rows with a pending edit keep what the user just chose.
func (w *Window) refresh() {
	w.updateBadges()
	w.rerate()
	if w.pages.shown != nil && w.pages.shown.overview {
		w.buildOverview()
	} else if w.pages.shown != nil {
		w.pages.shown.refresh()
	}
}

func (w *Window) resetCurrent() {
	if w.current == nil || w.current.overview {
		return
	}
	w.edits.pending = nil
	a := w.current.app
	c, err := w.m.Reset(a)
	if err != nil {
		w.toast(fmt.Sprintf(T("Could not reset: %v"), err))
		return
	}
	name := T("All Applications")
	if a != nil {
		name = a.Name
	}
	finish := func(snap portals.Snapshot) {
		if c.Before == nil && len(snap) == 0 {
			w.toast(T("Nothing to reset"))
			return
		}
		// TRANSLATORS: a change in the undo history; %s is an app, or All Applications
		e := &undoEntry{label: fmt.Sprintf(T("Reset of %s"), name), files: []model.Change{c}, app: a, snap: snap}
		w.rememberToast(e, fmt.Sprintf(T("Changes to %s were reset"), name), 8)
		w.refresh()
	}
	if a == nil {
		finish(nil)
		return
	}
	// The reset covers portal answers too; the store answers in the
	// background.
	w.resetPortals(a.ID, finish)
}

// repairCurrent removes from the user's override of the shown page the
// entries the installed Flatpak cannot use, with Undo.
func (w *Window) repairCurrent() {
	if w.current == nil || w.current.overview {
		return
	}
	w.edits.pending = nil
	c, err := w.m.Repair(w.current.app)
	w.afterChange(c, err, changeLabel(T("Repair"), w.current.app), T("The override was repaired"))
}

// afterChange reports a write made outside the debounce queue, remembers
// it for Undo (as label) and says done with an Undo button.
func (w *Window) afterChange(c model.Change, err error, label, done string) {
	if err != nil {
		w.toast(fmt.Sprintf(T("Could not save: %v"), err))
		w.refresh()
		return
	}
	if c.Changed() {
		w.rememberToast(&undoEntry{label: label, files: []model.Change{c}}, done, 8)
	}
	w.refresh()
}
