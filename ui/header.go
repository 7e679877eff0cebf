package ui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
)

// header is the top of a page: icon, name and facts, tags. It is built
// once per page and refilled on every switch (GTK would keep a discarded
// header alive, see cachedRow).
type header struct {
	box                              *gtk.Box
	icon                             *gtk.Image
	name, summary, meta, id, runtime *gtk.Label
	shadowed                         *gtk.Label
	icons                            *iconCache
}

func (v *pageView) newHeader() *header {
	h := &header{box: gtk.NewBox(gtk.OrientationHorizontal, 18), icon: gtk.NewImage(), icons: v.w.icons}
	h.icon.SetPixelSize(64)
	h.icon.SetVAlign(gtk.AlignStart)
	h.box.Append(h.icon)
	info := gtk.NewBox(gtk.OrientationVertical, 4)
	info.SetHExpand(true)
	line := func(classes ...string) *gtk.Label {
		l := wrapLabel("", classes...)
		info.Append(l)
		return l
	}
	h.box.Append(info)
	h.name = line("title-2")
	h.summary = line()
	h.meta = line("dim-label")
	if v.app == nil {
		h.icon.SetFromIconName("view-app-grid-symbolic")
		h.name.SetText(T("All Applications"))
		h.meta.SetText(T("What you set here applies to every app, unless an app's own page says otherwise. Each permission can be left to the apps, allowed, or denied."))
		h.summary.SetVisible(false)
		return h
	}
	h.id = line("monospace", "dim-label")
	h.runtime = line("dim-label", "caption")
	tags := gtk.NewBox(gtk.OrientationHorizontal, 6)
	tags.SetMarginTop(4)
	v.ratingTag = gtk.NewLabel("")
	v.ratingTag.AddCSSClass("tag")
	v.ratingTag.SetTooltipText(T("The advisor's verdict; see Advisor below"))
	tags.Append(v.ratingTag)
	v.wayland = gtk.NewLabel(T("Wayland-native"))
	v.wayland.AddCSSClass("tag")
	v.wayland.AddCSSClass("wayland")
	v.wayland.SetTooltipText(T("Shows its windows with Wayland and only falls back to X11 without a Wayland session: X11 and IPC access can be removed"))
	tags.Append(v.wayland)
	h.shadowed = gtk.NewLabel(T("Not the copy that runs"))
	h.shadowed.AddCSSClass("tag")
	h.shadowed.AddCSSClass("risk-medium")
	h.shadowed.SetTooltipText(T("This app is also installed in an installation Flatpak prefers; that copy is the one that starts"))
	tags.Append(h.shadowed)
	if v.w.app.opts.Demo {
		// TRANSLATORS: a tag on an app of the generated demo installation
		t := gtk.NewLabel(T("Demo"))
		t.AddCSSClass("tag")
		t.AddCSSClass("demo")
		tags.Append(t)
	}
	info.Append(tags)
	return h
}

// show fills the header with an app's facts.
func (h *header) show(a *model.App) {
	if a == nil {
		return
	}
	if a.Icon != "" {
		h.icon.SetFromGIcon(h.icons.gicon(a.Icon, 64, h.icon.ScaleFactor()))
	} else {
		h.icon.SetFromIconName("application-x-executable")
	}
	h.name.SetText(a.Name)
	h.summary.SetText(a.Summary)
	h.summary.SetVisible(a.Summary != "")
	var meta []string
	if a.Developer != "" {
		meta = append(meta, a.Developer)
	}
	if a.Version != "" {
		meta = append(meta, fmt.Sprintf(T("Version %s"), a.Version))
	}
	meta = append(meta, T(a.Installation.Label()))
	h.meta.SetText(strings.Join(meta, " · "))
	h.id.SetText(a.ID)
	h.runtime.SetText(fmt.Sprintf(T("Runtime %s"), a.Runtime))
	h.runtime.SetVisible(a.Runtime != "")
	h.shadowed.SetVisible(a.Shadowed)
}

// bannerState is what the banners say now and their buttons' handlers.
type bannerState struct {
	sig   string
	conns conns
}

// banner shows problems that keep the page from being the whole truth: a
// demo installation, an override file that cannot be read, an app whose
// files are broken.
func (v *pageView) banner(eff *model.Effective) {
	w := v.w
	type banner struct{ text, css string }
	var bs []banner
	if w.app.opts.Demo {
		bs = append(bs, banner{T("Demo installation: these apps were generated so you can try Confine. Nothing on this computer is changed."), "demo"})
	}
	if v.app != nil && v.app.Err != nil {
		bs = append(bs, banner{fmt.Sprintf(T("Flatpak cannot read this app's files: %v"), v.app.Err), "error"})
	}
	var errs []string
	for _, e := range eff.Broken {
		if v.app != nil && errors.Is(e, v.app.Err) {
			continue
		}
		errs = append(errs, e.Error())
	}
	repairable := false
	for _, f := range v.findings {
		repairable = repairable || f.Repair && !f.Dismissed
	}
	if len(errs) > 0 {
		text := T("Flatpak cannot start this app until this is fixed: %s. Confine does not write over a file Flatpak cannot use.")
		if repairable {
			text = T("Flatpak cannot start this app until this is fixed: %s. Repair removes just the entries it cannot use.")
		}
		css := "broken"
		if repairable {
			css = "repairable"
		}
		bs = append(bs, banner{fmt.Sprintf(text, strings.Join(errs, "; ")), css})
	}
	v.bannerOK = len(errs) == 0
	// Every refresh comes here: the banners are rebuilt only when what
	// they say changes, and their buttons' handlers go with them.
	sig := fmt.Sprint(bs)
	if sig == w.banner.sig {
		return
	}
	w.banner.sig = sig
	w.banner.conns.drop()
	clearBox(w.banners)
	for _, b := range bs {
		box := gtk.NewBox(gtk.OrientationHorizontal, 12)
		box.AddCSSClass("banner")
		l := wrapLabel(b.text)
		l.SetHExpand(true)
		box.Append(l)
		if b.css != "broken" && b.css != "repairable" {
			box.AddCSSClass(b.css)
			w.banners.Append(box)
			continue
		}
		box.AddCSSClass("error")
		buttons := []*gtk.Button{}
		if b.css == "repairable" {
			repair := gtk.NewButtonWithLabel(T("Repair"))
			repair.AddCSSClass("suggested-action")
			repair.SetTooltipText(T("Remove the entries this Flatpak cannot use from your override; Undo brings them back"))
			w.banner.conns.add(repair, repair.ConnectClicked(w.repairCurrent))
			buttons = append(buttons, repair)
		}
		open := gtk.NewButtonWithLabel(T("Open Folder"))
		w.banner.conns.add(open, open.ConnectClicked(w.openFolder))
		reset := gtk.NewButtonWithLabel(T("Reset"))
		reset.AddCSSClass("destructive-action")
		w.banner.conns.add(reset, reset.ConnectClicked(w.resetCurrent))
		reset.SetTooltipText(T("Delete your override file for this app; Undo brings it back"))
		for _, b := range append(buttons, open, reset) {
			b.SetVAlign(gtk.AlignCenter)
			box.Append(b)
		}
		w.banners.Append(box)
	}
}
