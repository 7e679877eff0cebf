package ui

import (
	"fmt"

	"github.com/diamondburned/gotk4/pkg/glib/v2"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/portals"
)

// edits are the window's writes: clicks wait 300 ms for the next one
// (debounce), then go through the model; the last change can be undone.
type edits struct {
	pending    []pendingEdit
	flushTimer glib.SourceHandle
	// The last change offered for Undo, and for a reset the app and the
	// portal answers it removed.
	undo       *model.Change
	undoApp    *model.App
	undoPortal portals.Snapshot
	// undoFn undoes a change made in the permission store alone (a
	// revoked session, a forgotten choice); see offerUndo.
	undoFn func()
	// undoAll is a change of many files (a preset), undone together.
	undoAll []model.Change
	// gen numbers the offers: a toast's Undo button carries the number of
	// its offer, so an older toast still on screen cannot undo a newer
	// change.
	gen int32
}

// offerUndo makes c the change Undo reverts, with the app and portal
// answers a reset removed.
func (e *edits) offerUndo(c *model.Change, a *model.App, snap portals.Snapshot) {
	e.undo, e.undoApp, e.undoPortal, e.undoAll, e.undoFn = c, a, snap, nil, nil
	e.gen++
}

// touched forgets a many-file Undo when one of its files is edited again:
// undoing it then would put back files the person has moved on from.
func (e *edits) touched(target string) {
	for _, c := range e.undoAll {
		if c.Target == target {
			e.undoAll = nil
			return
		}
	}
}

// toastUndo shows msg with an Undo button for the change offered last.
func (w *Window) toastUndo(msg string, timeout int) {
	toast(w.toasts, msg, T("Undo"), fmt.Sprintf("win.undo-offer(%d)", w.edits.gen), timeout)
}

// undoOffer is a toast's Undo: it undoes only the change that toast was
// shown for.
func (w *Window) undoOffer(gen int32) {
	if gen == w.edits.gen {
		w.undoLast()
	}
}

// pendingEdit is a write waiting for the debounce timer.
type pendingEdit struct {
	key model.Ref
	run func() (model.Change, error)
}

// queue schedules a write; a newer edit of the same permission replaces an
// older one still waiting. Writes happen 300 ms after the last click, when
// another app is shown, and when the window closes.
func (e *edits) queue(w *Window, key model.Ref, run func() (model.Change, error)) {
	for i, p := range e.pending {
		if p.key == key {
			e.pending = append(e.pending[:i], e.pending[i+1:]...)
			break
		}
	}
	e.pending = append(e.pending, pendingEdit{key: key, run: run})
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
		if _, err := e.run(); err != nil {
			w.toast(fmt.Sprintf(T("Could not save: %v"), err))
		}
	}
	w.refresh()
}

// refresh re-reads the override files and updates the visible page and the
// badges; rows with a pending edit keep what the user just chose.
func (w *Window) refresh() {
	w.updateBadges()
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
		w.edits.offerUndo(&c, a, snap)
		w.toastUndo(fmt.Sprintf(T("Changes to %s were reset"), name), 8)
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

// lockCurrent writes explicit revocations so that updates cannot widen the
// shown app silently.
func (w *Window) lockCurrent() {
	if w.current == nil || w.current.app == nil || w.current.app.Err != nil {
		w.toast(T("Choose an app to lock"))
		return
	}
	w.flush()
	c, err := w.m.Lock(w.current.app)
	w.afterChange(c, err, T("Permissions locked against future updates"))
}

// repairCurrent removes from the user's override of the shown page the
// entries the installed Flatpak cannot use, with Undo.
func (w *Window) repairCurrent() {
	if w.current == nil || w.current.overview {
		return
	}
	w.edits.pending = nil
	c, err := w.m.Repair(w.current.app)
	w.afterChange(c, err, T("The override was repaired"))
}

func (w *Window) undoLast() {
	if f := w.edits.undoFn; f != nil {
		w.edits.undoFn = nil
		f()
		return
	}
	if all := w.edits.undoAll; len(all) > 0 {
		w.edits.undoAll = nil
		if err := w.m.UndoAll(all); err != nil {
			w.toast(fmt.Sprintf(T("Could not undo: %v"), err))
		}
		w.refresh()
		return
	}
	if w.edits.undo == nil {
		return
	}
	if err := w.m.Undo(*w.edits.undo); err != nil {
		w.toast(fmt.Sprintf(T("Could not undo: %v"), err))
	}
	if w.edits.undoApp != nil {
		w.restorePortals(w.edits.undoApp.ID, w.edits.undoPortal)
	}
	w.edits.offerUndo(nil, nil, nil)
	w.refresh()
}

// afterChange reports a write made outside the debounce queue and offers
// Undo.
func (w *Window) afterChange(c model.Change, err error, done string) {
	if err != nil {
		w.toast(fmt.Sprintf(T("Could not save: %v"), err))
		w.refresh()
		return
	}
	if c.Changed() {
		w.edits.offerUndo(&c, nil, nil)
		w.toastUndo(done, 8)
	}
	w.refresh()
}
