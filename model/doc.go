// Package model is what the window and the command line share: which
// Flatpak installations and apps exist, what each app may do once every
// layer is merged, which layer decided each permission, and what one click
// must write. It never touches GTK.
//
// Data flows one way: files → overrides → model → ui/cli. Edits flow back
// through one call per kind of permission (SetFixed, SetFilesystem, SetEnv,
// SetBus, …); each re-reads the user's override, writes the smallest change
// that gives the wanted result given the layers below (nothing when they
// already give it), and returns a Change that Undo reverts byte for byte.
//
// Layers, lowest first, as `flatpak run` merges them (checked against
// `flatpak info --show-permissions` of Flatpak 1.14 in oracle_test.go):
// the app's metadata, then — only for apps installed system-wide — the
// administrator's global and per-app overrides, then the user's global and
// per-app overrides.
//
// The catalogue (catalogue.go) lists every permission of the override files
// Confine shows, with titles, explanations, risk and the first Flatpak
// release that honours it.
//
// What the model leaves to others: what the desktop's stored answers mean
// (portal permissions, saved sessions) is package portals, fleet policies
// and presets package policy; both import model, which never imports them.
// The permission store's D-Bus client is package permstore, a leaf the
// model asks only for the session bus and its portals (session.go).
package model
