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
	s := bus.SessionStore(t)
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

// TestOpenWithReadAsThePortalDoes (issue 24): an Open With choice is read
// as the OpenURI portal's parse_permissions reads it (its source is the
// specification here): the handler and the count are needed, the third
// string is the threshold (3 when missing or blank), numbers are C's atoi,
// what follows the third is ignored. Export writes every such value and
// import restores it exactly; only what the store cannot hold is refused,
// saying what is wrong.
func TestOpenWithReadAsThePortalDoes(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	s := permstore.New(bus.Conn)
	cases := []struct {
		id         string
		v          []string
		understood bool
		handler    string
		count, thr int
		skips      bool
	}{
		{"application/pdf", []string{"org.gnome.Evince", "3", "3"}, true, "org.gnome.Evince", 3, 3, true},
		{"text/plain", []string{"org.gnome.TextEditor", "3"}, true, "org.gnome.TextEditor", 3, 3, true},
		{"text/html", []string{"org.mozilla.firefox"}, false, "", 0, 0, false},
		{"image/png", []string{"org.gnome.Loupe", "5", " ", "extra"}, true, "org.gnome.Loupe", 5, 3, true},
		{"image/jpeg", []string{"org.gnome.Loupe", "2", "x"}, true, "org.gnome.Loupe", 2, 0, true},
		{"audio/ogg", []string{"org.gnome.Music", " 4xyz", "5"}, true, "org.gnome.Music", 4, 5, false},
		{"video/mp4", []string{"org.gnome.Totem", "-1", "2147483647"}, true, "org.gnome.Totem", -1, 2147483647, false},
		{"x-scheme-handler/x-\u202e", []string{"Evil\x1b[2J" + strings.Repeat("x", 300), "3", "3", "", "", "", "", "", "", ""}, true, "Evil\x1b[2J" + strings.Repeat("x", 300), 3, 3, true},
	}
	for _, c := range cases {
		seed(t, s, portals.OpenWithTable, c.id, app, c.v...)
	}
	pm := portals.NewFor(s)
	ow, err := pm.OpenWith(app)
	if err != nil || len(ow) != len(cases) {
		t.Fatalf("%d choices: %v", len(ow), err)
	}
	byType := map[string]portals.OpenWith{}
	for _, o := range ow {
		byType[o.ContentType] = o
	}
	for _, c := range cases {
		o := byType[c.id]
		if o.Understood != c.understood || o.Handler != c.handler || o.Understood && (o.Count != c.count || o.Threshold != c.thr) || o.Skips() != c.skips {
			t.Errorf("%q: %+v", c.v, o)
		}
	}

	// Export, then import into another store: the same values.
	snap, err := pm.Export(app)
	if err != nil {
		t.Fatal(err)
	}
	other := portaltest.NewBus(t, true)
	dst := permstore.New(other.Conn)
	seed(t, dst, portals.OpenWithTable, "text/x-other", "org.other.App", "org.gnome.TextEditor", "1", "3") // the table exists
	opm := portals.NewFor(dst)
	if err := opm.Restore(app, snap); err != nil {
		t.Fatalf("import of what export wrote: %v", err)
	}
	for _, c := range cases {
		if got := get(t, dst, portals.OpenWithTable, c.id, app); got != strings.Join(c.v, ",") {
			t.Errorf("%s: restored %q, exported %q", c.id, got, strings.Join(c.v, ","))
		}
	}

	// What the store cannot hold is refused, saying what is wrong.
	for _, c := range []struct {
		key  string
		v    []string
		want string
	}{
		{"desktop-used-apps/text/plain", nil, "the value is empty"},
		{"desktop-used-apps/text/plain", []string{"a\x00b", "3", "3"}, "NUL"},
		{"devices/webcam", []string{"yes"}, "unknown portal permission"},
		{"screencast/tok", []string{"yes"}, "saved sessions are not restored"},
		{"nosuch/x", []string{"yes"}, "unknown portal permission"},
	} {
		table, id, _ := strings.Cut(c.key, "/")
		if err := portals.CheckKey(table, id, c.v); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %q: %v", c.key, c.v, err)
		}
	}
}
