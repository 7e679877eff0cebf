// Package permstore is a client of xdg-permission-store
// (org.freedesktop.impl.portal.PermissionStore on the session bus), where
// the desktop keeps what a person answered when an app asked through a
// portal: one Go method per D-Bus method, its Changed signal, the lookup of
// which portals the desktop's frontend (org.freedesktop.portal.Desktop)
// exports, the session bus's address as GLib finds it, and a codec that
// sends back a stored variant exactly as it was read.
//
// It knows D-Bus and the store's interface, nothing of what a table or a
// value means: that is package portals. It imports nothing of Confine.
package permstore
