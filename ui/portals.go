package ui

import "github.com/confine-app/confine/model"

// addPortals adds the Portals group (portal permissions from the permission
// store).
func (v *pageView) addPortals(g model.GroupInfo) {}

// portalOverview adds "who can use my camera…" to the overview.
func (w *Window) portalOverview(v *pageView) {}
