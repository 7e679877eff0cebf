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
	// Selectable with the mouse, to copy; not a stop for the keyboard
	// (it would take the focus, and select itself, when the page opens).
	h.id.SetCanFocus(false)
	h.runtime = line("dim-label", "caption")
	// The tags wrap onto more lines in a narrow window.
	tags := newWrapBox(6)
	tags.SetMarginTop(4)
	v.ratingTag = gtk.NewLabel("")
	v.ratingTag.AddCSSClass("tag")
	newLazyTip(v.ratingTag).text = T("The advisor's verdict; see Advisor below")
	tags.append(v.ratingTag)
	v.wayland = gtk.NewLabel(T("Wayland-native"))
	v.wayland.AddCSSClass("tag")
	v.wayland.AddCSSClass("wayland")
	newLazyTip(v.wayland).text = T("Shows its windows with Wayland and only falls back to X11 without a Wayland session: X11 and IPC access can be removed")
	tags.append(v.wayland)
	h.shadowed = gtk.NewLabel(T("Not the copy that runs"))
	h.shadowed.AddCSSClass("tag")
	h.shadowed.AddCSSClass("risk-medium")
	newLazyTip(h.shadowed).text = T("This app is also installed in an installation Flatpak prefers; that copy is the one that starts")
	tags.append(h.shadowed)
	if v.w.app.opts.Demo {
		// TRANSLATORS: a tag on an app of the generated demo installation
		t := gtk.NewLabel(T("Demo"))
		t.AddCSSClass("tag")
		t.AddCSSClass("demo")
		tags.append(t)
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
		h.icons.set(h.icon, a.Icon, 64)
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

// banner shows, above the page, what keeps it from being the whole truth:
// an app whose files Flatpak cannot read, or an override file Flatpak
// cannot use — with Repair when Confine can remove just the entries at
// fault, else Reset (both with Undo). The demo installation has a banner
// of its own (window.ui).
func (v *pageView) banner(eff *model.Effective) {
	w := v.w
	var texts []string
	if v.app != nil && v.app.Err != nil {
		texts = append(texts, fmt.Sprintf(T("Flatpak cannot read this app's files: %v"), v.app.Err))
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
	button := ""
	if len(errs) > 0 {
		text := T("Flatpak cannot start this app until this is fixed: %s. Confine does not write over a file Flatpak cannot use.")
		// TRANSLATORS: a button on the banner about an override file Flatpak cannot use: delete the user's override (Undo brings it back)
		button = T("Reset")
		if repairable {
			text = T("Flatpak cannot start this app until this is fixed: %s. Repair removes just the entries it cannot use.")
			button = T("Repair")
		}
		texts = append(texts, fmt.Sprintf(text, strings.Join(errs, "; ")))
	}
	v.bannerOK = len(errs) == 0
	w.problem.repairable = repairable
	text := strings.Join(texts, "\n")
	if was, _ := w.problemBanner.ObjectProperty("title").(string); was != text {
		w.problemBanner.SetObjectProperty("title", text)
	}
	if was, _ := w.problemBanner.ObjectProperty("button-label").(string); was != button {
		w.problemBanner.SetObjectProperty("button-label", button)
	}
	w.problemBanner.SetObjectProperty("revealed", text != "")
}

// problemAction is the problem banner's button: Repair or Reset.
func (w *Window) problemAction() {
	if w.problem.repairable {
		w.repairCurrent()
	} else {
		w.resetCurrent()
	}
}
