package ui

import (
	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
)

// What the window tests reach into: a page's rows by catalogue ID, and the
// window's state.

// fixedRow is the row of a catalogue ID ("sockets/x11").
func (v *pageView) fixedRow(id string) *fixedRow {
	p := model.Lookup(id)
	if p == nil {
		return nil
	}
	return v.fixed[p.Ref()]
}

// Toggle flips a fixed permission's switch as a click would (tests).
func (v *pageView) Toggle(id string, on bool) bool {
	r := v.fixedRow(id)
	if r == nil || r.sw == nil {
		return false
	}
	r.sw.SetActive(on)
	return true
}

// SwitchState reports a fixed permission's switch (tests).
func (v *pageView) SwitchState(id string) (bool, bool) {
	r := v.fixedRow(id)
	if r == nil || r.sw == nil {
		return false, false
	}
	return r.sw.Active(), true
}

// Choose picks an All Applications choice as a person would: 0 default,
// 1 allow, 2 deny (tests).
func (v *pageView) Choose(id string, choice uint) bool {
	r := v.fixedRow(id)
	if r == nil || r.choice == nil {
		return false
	}
	r.choice.pick(choice)
	return true
}

// list is the page's list group with this (translated) title, or nil;
// call it on the main loop.
func (v *pageView) list(title string) *listGroup {
	for _, lg := range v.lists {
		if t, _ := lg.group.obj.ObjectProperty("title").(string); t == title {
			return lg
		}
	}
	return nil
}

// BannerShown reports whether a problem banner is up (tests).
func (v *pageView) BannerShown() bool { return !v.bannerOK }

// CurrentView is the page on screen (tests).
func (w *Window) CurrentView() *pageView { return w.pages.shown }

// Model is the window's model (tests).
func (w *Window) Model() *model.Model { return w.m }

// Pending reports whether edits wait for the debounce timer (tests).
func (w *Window) Pending() bool { return len(w.edits.pending) > 0 }

// findButton is the first button under root whose label (mnemonic
// included) is label: what a click would press. Call it on the main loop.
func findButton(root gtk.Widgetter, label string) *gtk.Button {
	var found *gtk.Button
	var walk func(w gtk.Widgetter)
	walk = func(w gtk.Widgetter) {
		if found != nil || w == nil {
			return
		}
		if b, ok := w.(*gtk.Button); ok && b.Label() == label {
			found = b
			return
		}
		for c := gtk.BaseWidget(w).FirstChild(); c != nil; c = gtk.BaseWidget(c).NextSibling() {
			walk(c)
		}
	}
	walk(root)
	return found
}

// addRowOf is the add row at the end of a list group (tests).
func (v *pageView) addRowOf(lg *listGroup) *addRow {
	for _, r := range v.addRows {
		if len(lg.tail) > 0 && coreglib.BaseObject(lg.tail[0]).Native() == coreglib.BaseObject(r.entry).Native() {
			return r
		}
	}
	return nil
}

// typeIn puts text in an add row as typing does (tests).
func (r *addRow) typeIn(s string) { r.entry.setText(s) }
