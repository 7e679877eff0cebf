package permstore

import (
	"context"
	"encoding/xml"
	"slices"
	"strings"

	"github.com/godbus/dbus/v5"
)

// The portal frontend (xdg-desktop-portal): it exports a portal interface
// only when the desktop has a backend for it, so what it exports is what
// the desktop can ask about.
const (
	portalName   = "org.freedesktop.portal.Desktop"
	portalPath   = dbus.ObjectPath("/org/freedesktop/portal/desktop")
	portalPrefix = "org.freedesktop.portal."
)

// portalVersion asks the frontend on conn for the version property of
// org.freedesktop.portal.<name>.
func portalVersion(conn *dbus.Conn, name string) (dbus.Variant, error) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	var v dbus.Variant
	err := conn.Object(portalName, portalPath).CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, portalPrefix+name, "version").Store(&v)
	return v, err
}

// DesktopPortals asks the portal frontend which of the named portals
// ("Camera", "Usb": org.freedesktop.portal.<name>) it exports, with each
// one's interface version: "Camera" → 1. An error means no frontend
// answered.
func (s *Store) DesktopPortals(names []string) (map[string]uint32, error) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	var data string
	if err := s.conn.Object(portalName, portalPath).CallWithContext(ctx, "org.freedesktop.DBus.Introspectable.Introspect", 0).Store(&data); err != nil {
		return nil, err
	}
	var node struct {
		Interfaces []struct {
			Name string `xml:"name,attr"`
		} `xml:"interface"`
	}
	if err := xml.Unmarshal([]byte(data), &node); err != nil {
		return nil, err
	}
	out := map[string]uint32{}
	for _, in := range node.Interfaces {
		short, ok := strings.CutPrefix(in.Name, portalPrefix)
		if !ok || !slices.Contains(names, short) {
			continue
		}
		v, err := portalVersion(s.conn, short)
		if n, ok := v.Value().(uint32); err == nil && ok {
			out[short] = n
		}
	}
	return out, nil
}

// SessionHasPortal reports whether the portal frontend on the session bus
// of an environment (see ConnectSession) answers for the version of
// org.freedesktop.portal.<name>; false when there is no bus.
func SessionHasPortal(getenv func(string) string, name string) bool {
	addr := SessionBusAddress(getenv)
	if addr == "" {
		return false
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		return false
	}
	defer conn.Close()
	_, err = portalVersion(conn, name)
	return err == nil
}
