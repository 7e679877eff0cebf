package ui

import (
	"fmt"
	"strings"

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
	prov     *provenance
	provSrc  model.Source // what prov shows, once provSet
	provSet  bool
	warn     *warnIcon
	reset    *gtk.Button
	updating bool
	subtitle string // what the row's subtitle says now
	describe string // the switch's accessible description now
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
	r.warn = newWarnIcon()
	r.row.addSuffix(r.warn.img)
	r.reset = v.actionButton("edit-undo-symbolic", T("Reset to the default"), p.Ref(), func() (model.Change, error) {
		return v.w.m.SetFixed(v.app, p.Key, p.Value, overrides.Inherit)
	})
	r.reset.UpdateProperty([]gtk.AccessibleProperty{gtk.AccessiblePropertyLabel}, []coreglib.Value{*coreglib.NewValue(fmt.Sprintf(T("Reset %s"), T(p.Title)))})
	r.row.addSuffix(r.reset)
	if v.app == nil {
		r.choice = newChoice(v.cs, T(p.Title),
			// TRANSLATORS: a permission for all apps: each app keeps what it asks for
			T("Default"),
			// TRANSLATORS: a permission for all apps: given to every app
			T("Allow"),
			// TRANSLATORS: a permission for all apps: taken from every app
			T("Deny"))
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
			app := r.v.app
			queue := func() {
				r.v.queue(p.Ref(), func() (model.Change, error) { return r.v.w.m.SetFixed(app, p.Key, p.Value, want) })
			}
			// On Flatpak 1.18, X11 off for an app that falls back to it
			// leaves it no display in an X11 session: ask first.
			if lost := r.v.w.m.DisplayLostBy(app, p.Key, p.Value, want); len(lost) > 0 {
				r.v.w.confirmDisplayLoss(app, T(p.Title), lost, queue, func() {
					if r.v.app == app {
						r.update(r.v.w.m.Effective(app))
					}
				})
				return false
			}
			queue()
			return false
		}))
		r.row.addSuffix(r.sw)
		r.row.setActivatable(r.sw)
		// libadwaita describes the switch by the row's subtitle (the
		// key=value form); a screen reader hears the condition in words
		// instead, from the description update sets.
		r.sw.ResetRelation(gtk.AccessibleRelationDescribedBy)
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
	m := r.v.w.m
	st := e.StatusIn(r.p, m.Session())
	src := st.Source
	subtitle, describe := r.p.Syntax(), ""
	if r.sw != nil {
		// The switch says what the app gets if it starts now; a grant
		// under a condition says so, with the condition in words.
		r.sw.SetActive(st.Now)
		r.sw.SetState(st.Now)
		r.reset.SetVisible(ownWord(st.Words, model.SourceUser))
		if st.Conditional() {
			describe = model.ConditionsText(e.Dialect, st.Conditions, T)
			now := T("off now")
			if st.Now {
				now = T("on now")
			}
			subtitle = fmt.Sprintf("%s\n%s · %s", st.Syntax(r.p), describe, now)
		}
		// When the switch and the file disagree, the row says why.
		if f, args := st.Why(e.Dialect, r.p, model.SourceUser); f != "" {
			why := fmt.Sprintf(T(f), translated(args)...)
			subtitle += "\n" + why
			describe = strings.TrimSpace(describe + "\n" + why)
		}
	} else {
		on := st.On
		state := e.OwnState(r.p)
		r.choice.SetSelected(uint(map[overrides.State]int{overrides.Inherit: 0, overrides.Grant: 1, overrides.Revoke: 2}[state]))
		r.reset.SetVisible(false)
		// What "Default" means here: the administrator's choice, if any.
		if src == model.SourceSystemGlobal {
			subtitle = fmt.Sprintf("%s · %s", r.p.Syntax(), map[bool]string{true: T("allowed by the administrator"), false: T("denied by the administrator")}[on])
		}
	}
	// Setting a text relayouts the row even when it is the same: on
	// switching apps most rows keep theirs.
	if subtitle != r.subtitle {
		r.row.setSubtitle(subtitle)
		r.subtitle = subtitle
	}
	if r.sw != nil && describe != r.describe {
		r.sw.UpdateProperty([]gtk.AccessibleProperty{gtk.AccessiblePropertyDescription}, []coreglib.Value{*coreglib.NewValue(describe)})
		r.describe = describe
	}
	// Choice rows too: Find in Page searches All Applications.
	r.v.note(r.row, len(st.Words) > 0 || st.On || st.Conditional(), T(r.p.Title), subtitle, r.p.Syntax())
	if !r.provSet || r.provSrc != src || len(st.Words) > 1 {
		setProvenance(r.prov, src)
		r.provSrc, r.provSet = src, true
		// Where the app asked for one thing and a layer above changed
		// it, the tooltip says both.
		if tip := wordsTip(r.p, st.Words); tip != "" {
			r.prov.tip.text = tip
		}
	}
}

// ownWord reports whether a layer of the given source said something.
func ownWord(words []model.Word, src model.Source) bool {
	for _, w := range words {
		if w.Source == src {
			return true
		}
	}
	return false
}

// wordsTip lists what each layer said about a permission, when more than
// one did: "Requested by the app: sockets=x11;if:x11:!has-wayland — Changed
// by you: sockets=!x11".
func wordsTip(p *model.Permission, words []model.Word) string {
	if len(words) < 2 {
		return ""
	}
	var parts []string
	for _, w := range words {
		parts = append(parts, T(w.Source.Describe())+": "+w.Syntax(p))
	}
	return strings.Join(parts, "\n")
}

func setProvenance(img *provenance, src model.Source) {
	img.tip.text = T(src.Describe())
	if name, ok := provenanceIcons[src]; ok {
		img.SetFromIconName(name)
		img.SetOpacity(1)
	} else {
		img.SetFromIconName("package-x-generic-symbolic")
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
