package model

import (
	"os"
	"path/filepath"
	"strconv"

	"github.com/confine-app/confine/overrides"
	"github.com/confine-app/confine/permstore"
)

// The session Confine runs in decides what conditional permissions give an
// app started now. Flatpak 1.18 looks for them when it starts an app; Confine
// looks the same way, so "now" means "if the app started now, here".

// DetectSession finds the running session as Flatpak 1.18 does: a Wayland
// session when $WAYLAND_DISPLAY (default wayland-0; relative to
// $XDG_RUNTIME_DIR unless absolute) is a socket, or $WAYLAND_SOCKET holds a
// file descriptor number; the USB portal when the desktop portal answers
// for org.freedesktop.portal.Usb's version.
func DetectSession(env Env) overrides.Session {
	return overrides.Session{Wayland: hasWayland(env), USBPortal: hasUSBPortal(env)}
}

func hasWayland(env Env) bool {
	name := env.Getenv("WAYLAND_DISPLAY")
	if name == "" {
		name = "wayland-0"
	}
	p := name
	if !filepath.IsAbs(name) {
		// Flatpak resolves the runtime folder first; without one there
		// is nothing to find.
		p = ""
		if rt := env.Getenv("XDG_RUNTIME_DIR"); rt != "" {
			if dir, err := filepath.EvalSymlinks(rt); err == nil {
				p = filepath.Join(dir, name)
			}
		}
	}
	if p != "" {
		if st, err := os.Stat(p); err == nil && st.Mode().Type() == os.ModeSocket {
			return true
		}
	}
	if s := env.Getenv("WAYLAND_SOCKET"); s != "" {
		if n, err := strconv.ParseUint(s, 10, 64); err == nil && n <= 1<<31-1 {
			return true
		}
	}
	return false
}

func hasUSBPortal(env Env) bool { return permstore.SessionHasPortal(env.Getenv, "Usb") }

// Session is the session Confine runs in, found once (asking the portal
// costs a bus round trip).
func (m *Model) Session() overrides.Session {
	m.sessionOnce.Do(func() { m.session = DetectSession(m.Env) })
	return m.session
}
