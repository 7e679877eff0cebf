package ui

import (
	"fmt"
	"sync"

	"github.com/diamondburned/gotk4/pkg/glib/v2"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
)

// Portal permissions live in xdg-permission-store, reached over D-Bus.
// Every call runs off the main thread and hands its result back with
// glib.IdleAdd, so a slow or missing store never freezes the window.

type portals struct {
	once sync.Once
	mu   sync.Mutex
	pm   *model.PortalManager
	stop func()
}

// manager connects once, in the background, and calls back on the main
// loop.
func (w *Window) withPortals(f func(*model.PortalManager)) {
	go func() {
		w.portals.once.Do(func() {
			pm := model.NewPortalManager(w.m.Env)
			w.portals.mu.Lock()
			w.portals.pm = pm
			w.portals.mu.Unlock()
			if pm.Err == nil {
				// Changes made by GNOME Settings or a portal dialog show
				// up at once.
				w.portals.stop, _ = pm.Store.Watch(func(model.PortalChange) {
					glib.IdleAdd(func() {
						if w.pages.shown != nil && w.pages.shown.portalGroup != nil {
							w.pages.shown.loadPortals()
						}
					})
				})
			}
		})
		w.portals.mu.Lock()
		pm := w.portals.pm
		w.portals.mu.Unlock()
		f(pm)
	}()
}

var portalChoices = []model.PortalState{model.PortalUnset, model.PortalAllowed, model.PortalDenied}

func (v *pageView) portalLoadingRow() gtk.Widgetter {
	return v.cachedRow("portal\x00loading", func() (gtk.Widgetter, func()) {
		return newActionRow(T("Asking the permission store…"), ""), nil
	})
}

// addPortals adds the Portals group; its rows arrive when the store
// answers.
func (v *pageView) addPortals(g model.GroupInfo) {
	if v.app == nil {
		return // portal answers are per app
	}
	v.portalGroup = newGroup(T(g.Title), T(g.Description))
	v.portalGroup.add(v.portalLoadingRow())
	v.root.Append(v.portalGroup)
	v.loadPortals()
}

func (v *pageView) loadPortals() {
	id := v.app.ID
	v.w.withPortals(func(pm *model.PortalManager) {
		sts := pm.Status(id)
		glib.IdleAdd(func() {
			if v.w.pages.shown != v || v.app == nil || v.app.ID != id {
				return // another page or app is shown now
			}
			v.fillPortals(pm, sts)
		})
	})
}

// portalUnavailableRow says why no portal permission can be shown.
func (v *pageView) portalUnavailableRow(err error) gtk.Widgetter {
	return v.cachedRow("portal\x00err\x00"+err.Error(), func() (gtk.Widgetter, func()) {
		row := newActionRow(T("Portal permissions are unavailable"), err.Error())
		row.addPrefix(gtk.NewImageFromIconName("dialog-information-symbolic"))
		return row, nil
	})
}

func (v *pageView) fillPortals(pm *model.PortalManager, sts []model.PortalStatus) {
	v.portalGroup.clear()
	if pm.Err != nil {
		v.portalGroup.add(v.portalUnavailableRow(pm.Err))
		return
	}
	for _, st := range sts {
		key := fmt.Sprintf("portal\x00%s\x00%v\x00%s", st.Perm.ID, st.State, st.WhyText(T))
		row := v.cachedRow(key, func() (gtk.Widgetter, func()) { return v.portalRow(st) })
		v.note(row, st.State != model.PortalUnset, T(st.Perm.Title), st.Perm.Syntax())
		v.portalGroup.add(row)
	}
	v.applyFilter()
}

func (v *pageView) portalRow(st model.PortalStatus) (gtk.Widgetter, func()) {
	row := newActionRow(T(st.Perm.Title), T(st.Perm.Description))
	dd := newChoice(v.cs, T(st.Perm.Title), T("Ask"), T("Allow"), T("Deny"))
	selected := uint(0)
	switch st.State {
	case model.PortalAllowed:
		selected = 1
	case model.PortalDenied:
		selected = 2
	}
	dd.SetSelected(selected)
	if st.State == model.PortalUnsupported {
		row.SetSensitive(false)
		row.SetTooltipText(st.WhyText(T))
		row.setSubtitle(st.WhyText(T))
	} else if st.State == model.PortalAsk {
		row.setSubtitle(T("Asks every time"))
	}
	dd.onChanged(func() {
		choice := portalChoices[dd.Selected()]
		app := v.app.ID
		v.w.withPortals(func(pm *model.PortalManager) {
			var err error
			if choice == model.PortalUnset {
				err = pm.Unset(app, st.Perm)
			} else {
				err = pm.Set(app, st.Perm, choice == model.PortalAllowed)
			}
			glib.IdleAdd(func() {
				if err != nil {
					v.w.toast(fmt.Sprintf(T("Could not change %s: %v"), T(st.Perm.Title), err))
				}
				if v.w.pages.shown == v {
					v.loadPortals()
				}
			})
		})
	})
	row.addSuffix(dd)
	return row, func() { dd.SetSelected(selected) }
}

// resetPortals removes the app's portal answers in the background; undo
// puts them back.
func (w *Window) resetPortals(appID string, done func(model.Snapshot)) {
	w.withPortals(func(pm *model.PortalManager) {
		snap, err := pm.Reset(appID)
		glib.IdleAdd(func() {
			if err != nil {
				w.toast(fmt.Sprintf(T("Could not reset portal permissions: %v"), err))
			}
			done(snap)
		})
	})
}

func (w *Window) restorePortals(appID string, snap model.Snapshot) {
	if len(snap) == 0 {
		return
	}
	w.withPortals(func(pm *model.PortalManager) {
		err := pm.Restore(appID, snap)
		glib.IdleAdd(func() {
			if err != nil {
				w.toast(fmt.Sprintf(T("Could not restore portal permissions: %v"), err))
			}
			if w.pages.shown != nil && w.pages.shown.portalGroup != nil {
				w.pages.shown.loadPortals()
			}
		})
	})
}

// portalOverview answers "which apps can use my camera, microphone,
// location…?".
func (w *Window) portalOverview(v *pageView) {
	names := map[string]string{}
	for _, a := range w.m.Apps {
		names[a.ID] = a.Name
	}
	w.withPortals(func(pm *model.PortalManager) {
		type answer struct {
			p    *model.Permission
			apps []string
			err  error
		}
		var answers []answer
		for _, p := range model.PortalPermissions() {
			apps, err := pm.WithAccess(p)
			answers = append(answers, answer{p, apps, err})
		}
		glib.IdleAdd(func() {
			if w.pages.shown != v {
				return
			}
			v.ov.portal.clear()
			// Without a permission store every question fails the same
			// way: say it once, as an app's page does.
			if pm.Err != nil {
				v.ov.portal.add(v.portalUnavailableRow(pm.Err))
				return
			}
			for _, a := range answers {
				if a.err != nil {
					v.ov.portal.add(v.cachedRow("portal-err\x00"+a.p.ID+"\x00"+a.err.Error(), func() (gtk.Widgetter, func()) {
						row := newActionRow(T(a.p.Title), a.err.Error())
						row.addSuffix(gtk.NewImageFromIconName("dialog-warning-symbolic"))
						return row, nil
					}))
					continue
				}
				var shown []string
				for _, id := range a.apps {
					if n, ok := names[id]; ok {
						shown = append(shown, n)
					} else {
						shown = append(shown, id)
					}
				}
				v.ov.portal.add(v.countRow("portal", T(a.p.Title), shown))
			}
		})
	})
}
