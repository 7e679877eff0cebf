package portals_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/permstore"
	"github.com/confine-app/confine/portals"
)

// inhibitBackend is a portal backend that only records the flags the
// portal frontend passes on to it: what the frontend lets an app block.
type inhibitBackend struct{ flags chan uint32 }

func (b inhibitBackend) Inhibit(handle dbus.ObjectPath, app, window string, flags uint32, options map[string]dbus.Variant) *dbus.Error {
	b.flags <- flags
	return nil
}

// realInhibit starts the real xdg-desktop-portal on the bus with a
// backend of Inhibit alone, and returns what an unsandboxed caller (app
// ID "", as the portal knows processes outside Flatpak) is let block when
// it asks to block everything (0: the request goes unanswered).
func realInhibit(t *testing.T, bus *portaltest.Bus) func() uint32 {
	t.Helper()
	backend := inhibitBackend{flags: make(chan uint32, 4)}
	conn := bus.Connect(t)
	if err := conn.Export(backend, "/org/freedesktop/portal/desktop", "org.freedesktop.impl.portal.Inhibit"); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName(portaltest.BackendName, 0); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("backend name: %v %v", reply, err)
	}
	bus.StartPortal(t, "org.freedesktop.impl.portal.Inhibit")
	app := bus.Connect(t)
	portal := app.Object("org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop")
	deadline := time.Now().Add(5 * time.Second)
	for {
		var v dbus.Variant
		err := portal.Call("org.freedesktop.DBus.Properties.Get", 0, "org.freedesktop.portal.Inhibit", "version").Store(&v)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the portal has no Inhibit: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return func() uint32 {
		var handle dbus.ObjectPath
		if err := portal.Call("org.freedesktop.portal.Inhibit.Inhibit", 0, "", uint32(1|2|4|8), map[string]dbus.Variant{}).Store(&handle); err != nil {
			t.Fatal(err)
		}
		select {
		case f := <-backend.flags:
			return f
		case <-time.After(2 * time.Second):
			return 0
		}
	}
}

// TestInhibitReadAsThePortalReadsIt (issue 24): what Confine says an app
// may block is what the real portal lets it block: flags it does not know
// are ignored (['idle', 'bogus'] is idle, not "as if nothing were
// stored"), [""] is none, and an empty list is nothing stored (the store
// keeps none).
func TestInhibitReadAsThePortalReadsIt(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	s := permstore.New(bus.Conn)
	ask := realInhibit(t, bus)
	pm := portals.NewFor(s)
	inh := portals.Lookup("portals/inhibit")
	bits := map[string]uint32{"logout": 1, "switch": 2, "suspend": 4, "idle": 8}
	for _, v := range [][]string{{"idle", "bogus"}, {"bogus"}, {}, {"suspend", "idle"}, {""}, {"logout", "logout", "x"}, nil} {
		if v == nil {
			if err := s.DeletePermission("inhibit", "inhibit", ""); err != nil {
				t.Fatal(err)
			}
		} else if err := s.SetPermission("inhibit", true, "inhibit", "", v); err != nil {
			t.Fatal(err)
		}
		portal := ask()
		var st portals.Status
		for _, x := range pm.Status("") {
			if x.Perm == inh {
				st = x
			}
		}
		var confine uint32
		for _, f := range st.Flags {
			confine |= bits[f]
		}
		if confine != portal || st.Granted() != (portal != 0) {
			t.Errorf("stored %q: the portal lets the app block %04b, Confine says %v (granted %v)", v, portal, st.Flags, st.Granted())
		}
		format, args := st.Meaning()
		meaning := format
		if len(args) > 0 {
			meaning = strings.ReplaceAll(format, "%s", "…")
		}
		if slices.Contains(v, "bogus") && strings.Contains(meaning, "as if nothing were stored") {
			t.Errorf("stored %q: the meaning says %q", v, meaning)
		}
	}
}
