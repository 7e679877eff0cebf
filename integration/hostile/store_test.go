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

// Issue 24 (portal store): values the portal reads its own way, or that
// only another program writes, went out with export --portals and were
// refused by import ("unknown portal permission" for an Open With choice
// of other than three strings, "bad value" for an escape sequence):
// import now restores exactly what export read. And an inhibit value with
// a flag the portal does not know is read as the portal reads it.
func TestStoreExportImportOddValues(t *testing.T) {
	app := plainApp.ID
	values := []struct {
		table, id string
		v         []string
	}{
		{"inhibit", "inhibit", []string{"idle", "bogus"}},
		{"devices", "camera", []string{"yes", "extra"}},
		{"location", "location", []string{"CITY"}},
		{"desktop-used-apps", "text/plain", []string{"org.gnome.TextEditor", "3"}},
		{"desktop-used-apps", "text/html", []string{"org.mozilla.firefox"}},
		{"desktop-used-apps", "image/png", []string{"org.gnome.Loupe", "1", "3", "x", "y"}},
		{"desktop-used-apps", "application/pdf", []string{hostileText, "3", "3"}},
		{"desktop-used-apps", "x-scheme-handler/" + hostileText, []string{strings.Repeat("x", 300), "1", "3"}},
		{"usb", "usb:1050/0407/" + hostileText, []string{"no", "extra"}},
	}
	from := portaltest.NewBus(t, true)
	fromStore := permstore.New(from.Conn)
	to := portaltest.NewBus(t, true)
	toStore := permstore.New(to.Conn)
	for _, v := range values {
		if err := fromStore.SetPermission(v.table, true, v.id, app, v.v); err != nil {
			t.Fatal(err)
		}
		// The other desktop has the tables (Confine never makes one).
		if err := toStore.SetPermission(v.table, true, "x-"+v.table, "org.other.App", []string{"yes"}); err != nil {
			t.Fatal(err)
		}
	}
	w := newWorld(t)
	w.installDemo(t, plainApp)
	w.vars["DBUS_SESSION_BUS_ADDRESS"] = from.Address
	r := w.confine(t, "show", app, "--json")
	var res struct {
		Portals struct {
			Permissions []struct{ ID, Meaning string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("show --json: %v\n%s", err, r)
	}
	for _, p := range res.Portals.Permissions {
		if p.ID == "portals/inhibit" && (strings.Contains(p.Meaning, "as if nothing were stored") || !strings.Contains(p.Meaning, "may block only: idle")) {
			t.Errorf("inhibit [idle bogus] means %q; the portal lets the app block idle", p.Meaning)
		}
	}
	r = w.confine(t, "export", "--portals", app)
	if r.code != 0 {
		t.Fatalf("export --portals:\n%s", r)
	}
	export := w.file(t, "export.json", []byte(r.stdout))
	w.vars["DBUS_SESSION_BUS_ADDRESS"] = to.Address
	if r := w.confine(t, "import", export); r.code != 0 {
		t.Fatalf("import of what export wrote:\n%s", r)
	}
	for _, v := range values {
		got, err := toStore.GetPermission(v.table, v.id, app)
		if err != nil || strings.Join(got, "\x00") != strings.Join(v.v, "\x00") {
			t.Errorf("%s/%q: imported %q (%v), exported %q", v.table, v.id, got, err, v.v)
		}
	}
}
