package portals_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/permstore"
	"github.com/confine-app/confine/portals"
)

// hyprlandSession is restore data as xdg-desktop-portal-hyprland saves it
// (backend "hyprland", format 3): a dict of five entries in the order of
// its hash table, which is not the order of their keys.
const hyprlandSession = "<('hyprland', uint32 3, <{'withCursor': <uint32 1>, 'token': <'todo'>, 'timeIssued': <uint64 1732950000>, 'windowClass': <'firefox'>, 'windowHandle': <uint64 94823716>}>)>"

// TestRevokeUndoKeepsTheOrderOfTheData (issue 24): Undo of a revoked
// session whose data is a dict of several entries puts it back as it was,
// entries in their order, as GLib reads it (it put them back sorted). A
// store that cannot read the order leaves the session rather than lose it.
func TestRevokeUndoKeepsTheOrderOfTheData(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	gdbus(t, bus, "Set", "screencast", "true", tok1, "{'"+app+"': ['yes']}", hyprlandSession)
	before := gdbus(t, bus, "Lookup", "screencast", tok1)
	s, err := permstore.ConnectSession(func(k string) string {
		if k == "DBUS_SESSION_BUS_ADDRESS" {
			return bus.Address
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pm := portals.NewFor(s)
	ss, err := pm.SavedSessions(app)
	if err != nil || len(ss) != 1 || ss[0].Backend != "hyprland" || ss[0].Format != 3 {
		t.Fatalf("sessions %+v %v", ss, err)
	}
	if d := ss[0].Describe(model.English); !strings.Contains(d, "hyprland") {
		t.Errorf("described %q", d)
	}
	e, err := pm.Revoke("screencast", tok1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup("screencast", tok1); !errors.Is(err, permstore.ErrNotFound) {
		t.Fatalf("still there: %v", err)
	}
	if err := pm.Unrevoke(e); err != nil {
		t.Fatal(err)
	}
	if after := gdbus(t, bus, "Lookup", "screencast", tok1); after != before {
		t.Errorf("undo:\n got %s\nwant %s", after, before)
	}

	// Without the bus's address the order cannot be read: the session
	// is left, and the message says why.
	blind := portals.NewFor(permstore.New(bus.Conn))
	if _, err := blind.Revoke("screencast", tok1); err == nil || !strings.Contains(err.Error(), "leaves it") {
		t.Errorf("revoked without a copy for Undo: %v", err)
	}
	if after := gdbus(t, bus, "Lookup", "screencast", tok1); after != before {
		t.Errorf("the session changed: %s", after)
	}
}
