package ui

import (
	"fmt"

	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
)

// provenance is the icon that shows which layer decided a row.
type provenance struct {
	*gtk.Image
	tip *lazyTip
}

// provenanceIcon shows which layer decided a row.
func provenanceIcon(src model.Source) *provenance {
	p := &provenance{Image: gtk.NewImage()}
	p.AddCSSClass("provenance")
	p.tip = newLazyTip(p.Image)
	setProvenance(p, src)
	return p
}

// lazyTip is a tooltip whose text GTK asks for when it shows it. Setting a
// tooltip's text makes GTK look again at the one under the pointer (about
// a millisecond); rows refreshed at every app switch cannot afford that.
type lazyTip struct{ text string }

func newLazyTip(w gtk.Widgetter) *lazyTip {
	t := &lazyTip{}
	b := gtk.BaseWidget(w)
	b.SetHasTooltip(true)
	// The closure holds the text only, not the widget: it keeps nothing
	// alive that the widget does not.
	b.ConnectQueryTooltip(func(_, _ int, _ bool, tip *gtk.Tooltip) bool {
		if t.text == "" {
			return false
		}
		tip.SetText(t.text)
		return true
	})
	return t
}

// ownSource reports whether the page's own override decided something
// (the user's per-app override, or the global one on All Applications),
// which is what a reset or remove button undoes.
func (v *pageView) ownSource(src model.Source) bool {
	return src == model.SourceUser || v.app == nil && src == model.SourceGlobal
}

// actionButton is a flat icon button that writes one edit at once.
func (v *pageView) actionButton(icon, tooltip string, key model.Ref, run func() (model.Change, error)) *gtk.Button {
	b := gtk.NewButtonFromIconName(icon)
	b.AddCSSClass("flat")
	b.SetVAlign(gtk.AlignCenter)
	b.SetTooltipText(tooltip)
	// An icon has no words for a screen reader: say what and of which row.
	setAccessibleLabel(b, fmt.Sprintf("%s: %s", tooltip, refName(key)))
	v.cs.add(b, b.ConnectClicked(func() {
		v.queue(key, run)
		v.w.flush()
	}))
	return b
}
