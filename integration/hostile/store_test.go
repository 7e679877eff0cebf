package hostile

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/permstore"
)

// Hostile entries in the desktop's permission store (the real
// xdg-permission-store on a private bus): any app sets its own window
// titles, which the store keeps in saved sessions; other tables hold what
// portals and other programs put there.

// Issue 24, 1: saved-session window titles reached the terminal raw.
func TestStoreHostileEntries(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	store := permstore.New(bus.Conn)
	app := plainApp.ID
	for _, s := range []struct {
		table, id string
		v         []string
	}{
		{"devices", "camera", []string{hostileText}},
		{"inhibit", "inhibit", []string{"idle", hostileText}},
		{"location", "location", []string{hostileText, "1732950000"}},
		{"desktop-used-apps", "text/" + hostileText, []string{"org." + hostileText, "3", "3"}},
		{"desktop-used-apps", "application/pdf", []string{hostileText, "3", "3"}},
		{"usb", "usb:1050/0407/" + hostileText, []string{"no"}},
	} {
		if err := store.SetPermission(s.table, true, s.id, app, s.v); err != nil {
			t.Fatal(err)
		}
	}
	session := portaltest.GnomeScreencast(portaltest.MonitorStream(0, "DEL:"+hostileText+":7F9X2K3"), portaltest.WindowStream(1, "org.hostile."+hostileText, hostileText))
	if err := store.Set("screencast", true, "tok-"+hostileText, map[string][]string{app: {"yes"}}, session); err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	w.installDemo(t, plainApp)
	w.vars["DBUS_SESSION_BUS_ADDRESS"] = bus.Address
	r := w.confine(t, "show", app)
	mustContain(t, "show", r.stdout, "SAVED SESSION", `Evil\x1B[2J\x1B]0;PWNED\x07`)
	r = w.confine(t, "show", app, "--json")
	var res struct {
		Portals struct {
			Sessions []struct{ Restores string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res.Portals.Sessions) != 1 || !strings.Contains(res.Portals.Sessions[0].Restores, hostileText) {
		t.Errorf("the JSON output does not hold the title as it is: %+v %v", res, err)
	}
	r = w.confine(t, "export", "--portals", app)
	if !json.Valid([]byte(r.stdout)) {
		t.Errorf("export --portals:\n%s", r)
	}
	w.confine(t, "audit", app)
	w.confine(t, "list")
}
