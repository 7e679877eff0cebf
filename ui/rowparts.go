package ui

import (
	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
)

// provenanceIcon shows which layer decided a row.
func provenanceIcon(src model.Source) *gtk.Image {
	img := gtk.NewImage()
	img.AddCSSClass("provenance")
	setProvenance(img, src)
	return img
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
	v.cs.add(b, b.ConnectClicked(func() {
		v.queue(key, run)
		v.w.flush()
	}))
	return b
}
