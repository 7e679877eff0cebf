package ui

import (
	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"
)

// choice picks one of a few options (Default/Allow/Deny, a folder's access,
// a bus policy): a menu button that shows the current option and opens a
// popover of radio buttons. It stands in for GtkDropDown, which builds a
// popover holding a list view for every instance, opened or not —
// measured with heaptrack: 4.7 MB for the ~100 drop-downs of Confine's
// pages. Here the popover is made the first time it opens.
type choice struct {
	*gtk.MenuButton
	name     string // what is being chosen, for screen readers
	options  []string
	selected uint
	changed  func()
	pop      *gtk.Popover
	radios   []*gtk.CheckButton
	cs       *conns
	syncing  bool
}

// newChoice makes a choice named name (its accessible label) between
// options, with the first selected; its handlers are registered with cs so
// a page teardown drops them.
func newChoice(cs *conns, name string, options ...string) *choice {
	c := &choice{MenuButton: gtk.NewMenuButton(), name: name, options: options, cs: cs}
	c.SetVAlign(gtk.AlignCenter)
	c.AddCSSClass("choice")
	c.SetCreatePopupFunc(func(*gtk.MenuButton) { c.fill() })
	cs.onDrop(func() { c.SetCreatePopupFunc(nil) })
	c.show()
	return c
}

// Selected is the index of the chosen option.
func (c *choice) Selected() uint { return c.selected }

// SetSelected shows option i as chosen, to match the program's state; it
// does not run the change handler (pick does), so callers need no guard
// while they sync.
func (c *choice) SetSelected(i uint) {
	if i >= uint(len(c.options)) || i == c.selected {
		return
	}
	c.selected = i
	c.show()
}

// pick chooses option i as a person does, running the change handler when
// the choice changes.
func (c *choice) pick(i uint) {
	was := c.selected
	c.SetSelected(i)
	if c.selected != was && c.changed != nil {
		c.changed()
	}
}

// onChanged sets the function run when a person changes the choice.
func (c *choice) onChanged(f func()) { c.changed = f }

// show puts the current option on the button, in its accessible
// description and on the radio buttons.
func (c *choice) show() {
	c.SetLabel(c.options[c.selected])
	// The menu button's focusable part is its inner toggle button: both
	// carry the name, so a screen reader says it whichever it reads.
	props := []gtk.AccessibleProperty{gtk.AccessiblePropertyLabel, gtk.AccessiblePropertyDescription}
	vals := []coreglib.Value{*coreglib.NewValue(c.name), *coreglib.NewValue(c.options[c.selected])}
	c.UpdateProperty(props, vals)
	if inner := c.FirstChild(); inner != nil {
		gtk.BaseWidget(inner).UpdateProperty(props, vals)
	}
	if c.radios != nil {
		c.syncing = true
		c.radios[c.selected].SetActive(true)
		c.syncing = false
	}
}

// fill makes the popover and its radio buttons when it first opens.
func (c *choice) fill() {
	if c.pop != nil {
		return
	}
	c.pop = gtk.NewPopover()
	c.pop.AddCSSClass("menu")
	box := gtk.NewBox(gtk.OrientationVertical, 0)
	for i, o := range c.options {
		i := uint(i)
		r := gtk.NewCheckButtonWithLabel(o)
		if len(c.radios) > 0 {
			r.SetGroup(c.radios[0])
		}
		r.SetActive(i == c.selected)
		c.cs.add(r, r.ConnectToggled(func() {
			if c.syncing || !r.Active() {
				return
			}
			c.pop.Popdown()
			c.pick(i)
		}))
		c.radios = append(c.radios, r)
		box.Append(r)
	}
	c.pop.SetChild(box)
	c.SetPopover(c.pop)
	// Opening puts the keyboard on the current option.
	c.cs.add(c.pop, c.pop.ConnectShow(func() { c.radios[c.selected].GrabFocus() }))
}
