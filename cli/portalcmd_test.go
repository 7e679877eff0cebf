package cli_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/confine-app/confine/cli"
	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/permstore"
)

const browser = "net.waveline.Browser"

// undoName is the record name a command printed.
func undoName(t *testing.T, r run) string {
	t.Helper()
	i := strings.Index(r.stdout, "Undo: confine undo ")
	if i < 0 {
		t.Fatalf("no Undo line: %+v", r)
	}
	return strings.TrimSpace(r.stdout[i+len("Undo: confine undo "):])
}

func value(t *testing.T, s *permstore.Store, table, id, app string) string {
	t.Helper()
	perms, err := s.Lookup(table, id)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	if v, ok := perms[app]; ok {
		return strings.Join(v, ",")
	}
	return "<none>"
}

// The window's portal changes from the command line, each with its Undo.
func TestPortalsCommandLine(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	s := permstore.New(bus.Conn)
	for _, e := range []struct{ table, id, app, v string }{
		{"devices", "camera", "org.other.App", "yes"},
		{"location", "location", "org.other.App", "EXACT,734512345678"},
		{"inhibit", "inhibit", "org.other.App", "idle"},
		{"kde-authorized", "remote-desktop", "org.kde.krdpserver", "yes"},
		{"desktop-used-apps", "application/pdf", browser, "org.gnome.Evince,3,3"},
		{"usb", "usb:1050/0407/Yubico_YubiKey", browser, "no"},
	} {
		if err := s.SetPermission(e.table, true, e.id, e.app, strings.Split(e.v, ",")); err != nil {
			t.Fatal(err)
		}
	}
	session := portaltest.GnomeScreencast(portaltest.MonitorStream(0, "DEL:DELL U2720Q:7F9X2K3"))
	const token = "3f2c8a1e-5b7d-4c1a-9e0f-2b6d8c4a7e19"
	if err := s.Set("screencast", true, token, map[string][]string{browser: {"yes"}}, session); err != nil {
		t.Fatal(err)
	}
	env := append(demo(t), "DBUS_SESSION_BUS_ADDRESS="+bus.Address)

	// set, then undo: nothing stored again.
	r := confine(t, env, "portals", "set", browser, "camera", "deny")
	if r.code != 0 || value(t, s, "devices", "camera", browser) != "no" || !strings.Contains(r.stdout, `Camera of net.waveline.Browser: nothing stored → ["no"]`) ||
		!strings.Contains(r.stdout, "Denied: the desktop refuses without asking") {
		t.Fatalf("set camera: %+v", r)
	}
	if u := confine(t, env, "undo", undoName(t, r)); u.code != 0 || value(t, s, "devices", "camera", browser) != "<none>" {
		t.Errorf("undo camera: %+v, now %s", u, value(t, s, "devices", "camera", browser))
	}
	// Every way of naming a permission; the values the window offers.
	for _, c := range []struct{ name, v, table, id, want string }{
		{"portals/location", "city", "location", "location", "CITY,0"},
		{"location/location", "neighborhood", "location", "location", "NEIGHBORHOOD,0"},
		{"inhibit", "logout,idle", "inhibit", "inhibit", "logout,idle"},
		{"inhibit", "none", "inhibit", "inhibit", ""},
		{"kde-authorized/remote-desktop", "allow", "kde-authorized", "remote-desktop", "yes"},
		{"portals/kde-authorized/remote-desktop", "ask", "kde-authorized", "remote-desktop", "<none>"},
		{"devices/camera", "allow", "devices", "camera", "yes"},
	} {
		if r := confine(t, env, "portals", "set", browser, c.name, c.v); r.code != 0 || value(t, s, c.table, c.id, browser) != c.want {
			t.Errorf("set %s %s: %+v, stored %s", c.name, c.v, r, value(t, s, c.table, c.id, browser))
		}
	}
	// An Undo never overwrites a newer answer.
	r = confine(t, env, "portals", "set", browser, "camera", "deny", "--json")
	var ch cli.PortalChange
	if err := json.Unmarshal([]byte(r.stdout), &ch); err != nil || strings.Join(ch.Before, ",") != "yes" || strings.Join(ch.After, ",") != "no" || ch.Undo == "" || ch.Permission != "portals/camera" {
		t.Fatalf("--json: %+v %v", r, err)
	}
	s.SetPermission("devices", true, "camera", browser, []string{"ask"})
	if u := confine(t, env, "undo", ch.Undo); u.code != 1 || !strings.Contains(u.stderr, `changed since (it is now ["ask"])`) || value(t, s, "devices", "camera", browser) != "ask" {
		t.Errorf("undo over a newer answer: %+v", u)
	}
	// Refusals.
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"portals", "set", browser, "camera", "maybe"}, 2, `"maybe" is not one of ask, allow, ask-every-time, deny, unset`},
		{[]string{"portals", "set", browser, "teleporter", "allow"}, 2, "not a portal permission; one of camera, microphone"},
		{[]string{"portals", "set", browser, "gamemode", "deny"}, 1, "neither the Game mode portal nor a gamemode table"},
		{[]string{"portals", "set", "bad", "camera", "deny"}, 2, "not a valid application name"},
		{[]string{"portals", "revoke", browser, "nope"}, 1, "has no saved session nope"},
		{[]string{"portals", "forget", browser, "text/plain"}, 1, "has no Open With choice text/plain"},
		{[]string{"portals", "set", browser}, 2, "see confine portals --help"},
	} {
		if r := confine(t, env, c.args...); r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: %+v", c.args, r)
		}
	}

	// A saved session, by the start of its token; Undo puts back the
	// very entry, data included.
	perms0, data0, _ := s.LookupEntry("screencast", token)
	r = confine(t, env, "portals", "revoke", browser, "3f2c8a1e")
	if r.code != 0 || !strings.Contains(r.stdout, "Restores: monitor DELL U2720Q") {
		t.Fatalf("revoke: %+v", r)
	}
	if _, _, err := s.LookupEntry("screencast", token); err == nil {
		t.Fatal("session still saved")
	}
	if u := confine(t, env, "undo", undoName(t, r)); u.code != 0 {
		t.Fatal(u.stderr)
	}
	perms1, data1, err := s.LookupEntry("screencast", token)
	if err != nil || !reflect.DeepEqual(perms0, perms1) || data0.Signature() != data1.Signature() || !reflect.DeepEqual(data0.Value(), data1.Value()) {
		t.Errorf("restored %v %v, was %v %v (%v)", perms1, data1, perms0, data0, err)
	}
	// Saved again meanwhile: Undo keeps the newer one.
	r = confine(t, env, "portals", "revoke", browser, token, "--json")
	var sr cli.SessionRevoked
	json.Unmarshal([]byte(r.stdout), &sr)
	s.Set("screencast", true, token, map[string][]string{browser: {"yes"}}, session)
	if u := confine(t, env, "undo", sr.Undo); u.code != 1 || !strings.Contains(u.stderr, "saved again") {
		t.Errorf("undo over a newer session: %+v", u)
	}

	// Forget an Open With choice and a USB decision; Undo remembers.
	for _, c := range []struct{ table, id, was string }{{"desktop-used-apps", "application/pdf", "org.gnome.Evince,3,3"}, {"usb", "usb:1050/0407/Yubico_YubiKey", "no"}} {
		r := confine(t, env, "portals", "forget", browser, c.id)
		if r.code != 0 || value(t, s, c.table, c.id, browser) != "<none>" {
			t.Fatalf("forget %s: %+v", c.id, r)
		}
		if u := confine(t, env, "undo", undoName(t, r)); u.code != 0 || value(t, s, c.table, c.id, browser) != c.was {
			t.Errorf("undo forget %s: %+v, stored %s", c.id, u, value(t, s, c.table, c.id, browser))
		}
	}
	// --json everywhere: the app's portal page.
	r = confine(t, env, "portals", browser, "--json")
	var p cli.ShowPortals
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || r.code != 0 || len(p.OpenWith) != 1 || len(p.Sessions) != 1 || p.Documents == nil {
		t.Errorf("portals --json: %+v %v", r, err)
	}
}
