package ui

import (
	"fmt"
	"slices"

	"github.com/diamondburned/gotk4/pkg/gio/v2"
	"github.com/diamondburned/gotk4/pkg/glib/v2"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/portals"
)

// undoHistory is every change the window made this session that can still
// be taken back, newest last: a switch, an added folder, an advisor fix,
// Harden, Lock, a reset, a preset (many files at once), a revoked session.
// Ctrl+Z and the main menu's Undo take back the newest; a toast's Undo
// takes back the change it announced, even after later ones, when they
// touched other files. An entry stays until it is undone or the window
// closes — a preset that changed fourteen files can be undone long after
// its toast is gone.
//
// Undo is byte-exact and refuses to guess: each file goes back to the
// bytes it had, and only if it still holds the bytes the change left
// (model.UndoAll checks every file before writing any).
type undoHistory struct {
	entries []*undoEntry
	lastID  uint32
	newest  *gio.SimpleAction // win.undo
	byID    *gio.SimpleAction // win.undo-entry(id), for toasts
	section *gio.Menu         // the main menu's Undo item
}

// undoEntry is one change, named for the menu.
type undoEntry struct {
	id    uint32
	label string         // what was changed, e.g. “Network” of Sketch
	files []model.Change // override files, in the order they were written
	// A reset also removed the app's portal answers: they come back.
	app  *model.App
	snap portals.Snapshot
	// store undoes a change made in the permission store alone (a revoked
	// session, a forgotten choice); it reports back itself.
	store func()
}

func (w *Window) setupUndo() {
	h := &w.undo
	h.newest = gio.NewSimpleAction("undo", nil)
	h.newest.ConnectActivate(func(*glib.Variant) {
		if n := len(h.entries); n > 0 {
			w.undoEntry(h.entries[n-1])
		}
	})
	w.win.AddAction(h.newest)
	h.byID = gio.NewSimpleAction("undo-entry", glib.NewVariantType("u"))
	h.byID.ConnectActivate(func(p *glib.Variant) {
		if p == nil {
			return
		}
		id := p.Uint32()
		for _, e := range h.entries {
			if e.id == id {
				w.undoEntry(e)
				return
			}
		}
		// Undone already (Ctrl+Z), or gone with the file's later change.
		w.toast(T("That change was already undone"))
	})
	w.win.AddAction(h.byID)
	h.section = w.builder.GetObject("undo_section").Cast().(*gio.Menu)
	w.app.SetAccelsForAction("win.undo", []string{"<Control>z"})
	w.showUndo()
}

// remember adds a change to the history and returns its entry; a change
// that changed nothing is not remembered (nil).
func (w *Window) remember(e *undoEntry) *undoEntry {
	e.files = slices.DeleteFunc(e.files, func(c model.Change) bool { return !c.Changed() })
	if len(e.files) == 0 && e.store == nil && len(e.snap) == 0 {
		return nil
	}
	w.undo.lastID++
	e.id = w.undo.lastID
	w.undo.entries = append(w.undo.entries, e)
	// A session's history, not a log: the oldest go beyond a hundred.
	if n := len(w.undo.entries); n > 100 {
		w.undo.entries = slices.Delete(w.undo.entries, 0, n-100)
	}
	w.showUndo()
	return e
}

// rememberToast adds a change to the history and announces it with msg
// and an Undo button; timeout 0 keeps the toast until it is dismissed
// (changes of many files).
func (w *Window) rememberToast(e *undoEntry, msg string, timeout int) {
	if e = w.remember(e); e == nil {
		w.toast(msg)
		return
	}
	w.showToast(msg, T("Undo"), fmt.Sprintf("win.undo-entry(uint32 %d)", e.id), timeout)
}

// undoEntry takes a change back and removes it from the history.
func (w *Window) undoEntry(e *undoEntry) {
	w.flush()
	w.undo.entries = slices.DeleteFunc(w.undo.entries, func(x *undoEntry) bool { return x == e })
	w.showUndo()
	if e.store != nil {
		e.store()
		return
	}
	if err := w.m.UndoAll(e.files); err != nil {
		// The file changed since: this change can never be undone
		// exactly, and so it leaves the history.
		// TRANSLATORS: %s names the change, e.g. “Network” for Sketch; then why it could not be undone
		w.toast(fmt.Sprintf(T("Could not undo (%s): %v"), e.label, err))
	} else {
		// TRANSLATORS: %s names the change, e.g. “Network” for Sketch
		w.toast(fmt.Sprintf(T("Undone: %s"), e.label))
	}
	if e.app != nil {
		w.restorePortals(e.app.ID, e.snap)
	}
	w.refresh()
}

// showUndo updates the main menu's Undo item to name the newest change.
func (w *Window) showUndo() {
	h := &w.undo
	h.section.RemoveAll()
	h.newest.SetEnabled(len(h.entries) > 0)
	if n := len(h.entries); n > 0 {
		// TRANSLATORS: a menu item; %s names the change, e.g. “Network” for Sketch
		h.section.Append(fmt.Sprintf(T("_Undo: %s"), h.entries[n-1].label), "win.undo")
	}
}

// changeLabel names a change of a permission on a page for the history:
// “Network” for Sketch. Every label is a phrase of its own, put after a
// colon or in brackets, never into a sentence (which some languages
// would have to inflect).
func changeLabel(what string, a *model.App) string {
	if a == nil {
		// TRANSLATORS: a change in the history; %s is a permission, e.g. “Network” for all apps
		return fmt.Sprintf(T("“%s” for all apps"), what)
	}
	// TRANSLATORS: a change in the history; the first %s is a permission, the second an app
	return fmt.Sprintf(T("“%s” for %s"), what, a.Name)
}

// refName is what a person calls the permission an edit changes: its
// title in the catalogue, else the name typed (a folder, a variable).
func refName(key model.Ref) string {
	if p := key.Permission(); p != nil {
		return T(p.Title)
	}
	return key.Name
}
