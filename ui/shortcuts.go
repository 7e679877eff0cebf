package ui

import (
	"fmt"
	"html"
	"strings"

	"github.com/diamondburned/gotk4/pkg/gtk/v4"
)

// shortcuts are the window's keyboard shortcuts, by section, as the
// shortcuts dialog lists them (the accelerators themselves are set in
// app.go and undo.go).
var shortcuts = []struct {
	section string
	items   [][2]string // title, accelerator
}{
	{N("General"), [][2]string{
		{N("Search applications"), "<Control>f"},
		{N("Keyboard shortcuts"), "<Control>question F1"},
		{N("Close window"), "<Control>w"},
		{N("Quit"), "<Control>q"},
	}},
	{N("Permissions"), [][2]string{
		{N("Find in page"), "<Control><Shift>f"},
		{N("Undo the last change"), "<Control>z"},
		{N("Reset all changes of the shown app"), "<Control><Shift>r"},
	}},
}

// shortcutsXML is the shortcuts dialog as GtkBuilder XML: libadwaita's own
// AdwShortcutsDialog where the running libadwaita has it (1.8, GNOME 49),
// else GtkShortcutsWindow. Built from the table at run time, so one list
// serves both and a 1.7 build runs the newer dialog on a newer desktop.
func shortcutsXML(adwaita bool) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><interface domain="confine">`)
	esc := html.EscapeString
	if adwaita {
		b.WriteString(`<object class="AdwShortcutsDialog" id="shortcuts">`)
		for _, s := range shortcuts {
			fmt.Fprintf(&b, `<child><object class="AdwShortcutsSection"><property name="title">%s</property>`, esc(T(s.section)))
			for _, it := range s.items {
				fmt.Fprintf(&b, `<child><object class="AdwShortcutsItem"><property name="title">%s</property><property name="accelerator">%s</property></object></child>`, esc(T(it[0])), esc(it[1]))
			}
			b.WriteString(`</object></child>`)
		}
		b.WriteString(`</object></interface>`)
		return b.String()
	}
	b.WriteString(`<object class="GtkShortcutsWindow" id="shortcuts"><property name="modal">True</property><child><object class="GtkShortcutsSection"><property name="section-name">shortcuts</property>`)
	for _, s := range shortcuts {
		fmt.Fprintf(&b, `<child><object class="GtkShortcutsGroup"><property name="title">%s</property>`, esc(T(s.section)))
		for _, it := range s.items {
			fmt.Fprintf(&b, `<child><object class="GtkShortcutsShortcut"><property name="title">%s</property><property name="accelerator">%s</property></object></child>`, esc(T(it[0])), esc(it[1]))
		}
		b.WriteString(`</object></child>`)
	}
	b.WriteString(`</object></child></object></interface>`)
	return b.String()
}

// showShortcuts presents the shortcuts dialog.
func (w *Window) showShortcuts() {
	adwaita := adwMinor() >= 8
	xml := shortcutsXML(adwaita)
	obj := gtk.NewBuilderFromString(xml, len(xml)).GetObject("shortcuts")
	w.shortcuts = obj
	if adwaita {
		d := &sheet{obj: obj}
		d.present(w.win)
		return
	}
	win := obj.Cast().(*gtk.ShortcutsWindow)
	win.SetTransientFor(&w.win.Window)
	win.Present()
}
