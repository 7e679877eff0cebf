package ui

import (
	"fmt"

	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

// fixedRow is a switch (app pages) or an inherit/allow/deny choice (All
// Applications) for one shared/socket/device/feature permission.
type fixedRow struct {
	v        *pageView
	p        *model.Permission
	row      *actionRow
	sw       *gtk.Switch
	choice   *choice
	prov     *gtk.Image
	provSrc  model.Source // what prov shows, once provSet
	provSet  bool
	warn     *gtk.Image
	warnTip  string
	reset    *gtk.Button
	updating bool
}

var provenanceIcons = map[model.Source]string{
	model.SourceApp:          "package-x-generic-symbolic",
	model.SourceSystemGlobal: "emblem-system-symbolic",
	model.SourceSystem:       "emblem-system-symbolic",
	model.SourceGlobal:       "view-app-grid-symbolic",
	model.SourceUser:         "document-edit-symbolic",
}

func (v *pageView) newFixedRow(p *model.Permission) *fixedRow {
	r := &fixedRow{v: v, p: p, row: newActionRow(T(p.Title), p.Syntax())}
	r.row.SetTooltipText(T(p.Description))
	r.prov = provenanceIcon(model.SourceDefault)
	r.row.addPrefix(r.prov)
	r.warn = gtk.NewImageFromIconName("dialog-warning-symbolic")
	r.warn.AddCSSClass("warning")
	r.warn.SetVisible(false)
	r.row.addSuffix(r.warn)
	r.reset = v.actionButton("edit-undo-symbolic", T("Reset to the default"), p.Ref(), func() (model.Change, error) {
		return v.w.m.SetFixed(v.app, p.Key, p.Value, overrides.Inherit)
	})
	r.reset.UpdateProperty([]gtk.AccessibleProperty{gtk.AccessiblePropertyLabel}, []coreglib.Value{*coreglib.NewValue(fmt.Sprintf(T("Reset %s"), T(p.Title)))})
	r.row.addSuffix(r.reset)
	if v.app == nil {
		r.choice = newChoice(v.cs, T(p.Title), T("Default"), T("Allow"), T("Deny"))
		r.choice.onChanged(func() {
			want := []overrides.State{overrides.Inherit, overrides.Grant, overrides.Revoke}[r.choice.Selected()]
			r.v.queue(p.Ref(), func() (model.Change, error) { return r.v.w.m.SetFixed(nil, p.Key, p.Value, want) })
		})
		r.row.addSuffix(r.choice)
	} else {
		r.sw = gtk.NewSwitch()
		r.sw.SetVAlign(gtk.AlignCenter)
		// The row labels its activatable switch itself (AdwActionRow sets
		// labelled-by); an extra label would make screen readers say the
		// title twice.
		v.cs.add(r.sw, r.sw.ConnectStateSet(func(state bool) bool {
			if r.updating {
				return false
			}
			want := overrides.Revoke
			if state {
				want = overrides.Grant
			}
			r.v.queue(p.Ref(), func() (model.Change, error) { return r.v.w.m.SetFixed(r.v.app, p.Key, p.Value, want) })
			return false
		}))
		r.row.addSuffix(r.sw)
		r.row.setActivatable(r.sw)
	}
	if !p.Supported(v.w.m.Flatpak) {
		r.row.SetSensitive(false)
		r.row.SetTooltipText(fmt.Sprintf(T("Needs Flatpak %s or newer; this system has %s"), p.MinVersion, v.w.m.Flatpak))
	}
	return r
}

func (r *fixedRow) update(e *model.Effective) {
	r.updating = true
	defer func() { r.updating = false }()
	on, src := e.FixedOn(r.p.Key, r.p.Value)
	if r.sw != nil {
		r.sw.SetActive(on)
		r.sw.SetState(on)
		r.reset.SetVisible(src == model.SourceUser)
	} else {
		state := e.OwnState(r.p)
		r.choice.SetSelected(uint(map[overrides.State]int{overrides.Inherit: 0, overrides.Grant: 1, overrides.Revoke: 2}[state]))
		r.reset.SetVisible(false)
		// What "Default" means here: the administrator's choice, if any.
		if src == model.SourceSystemGlobal {
			r.row.setSubtitle(fmt.Sprintf("%s · %s", r.p.Syntax(), map[bool]string{true: T("allowed by the administrator"), false: T("denied by the administrator")}[on]))
		}
	}
	// Setting an image's icon relayouts it even when it is the same: on
	// switching apps most rows keep their source.
	if !r.provSet || r.provSrc != src {
		setProvenance(r.prov, src)
		r.provSrc, r.provSet = src, true
	}
}

func setProvenance(img *gtk.Image, src model.Source) {
	if name, ok := provenanceIcons[src]; ok {
		img.SetFromIconName(name)
		img.SetTooltipText(T(src.Describe()))
		img.SetOpacity(1)
	} else {
		img.SetFromIconName("package-x-generic-symbolic")
		img.SetTooltipText(T(src.Describe()))
		img.SetOpacity(0)
	}
	for _, c := range []string{"user", "system"} {
		img.RemoveCSSClass(c)
	}
	switch src {
	case model.SourceUser, model.SourceGlobal:
		img.AddCSSClass("user")
	case model.SourceSystem, model.SourceSystemGlobal:
		img.AddCSSClass("system")
	}
}
