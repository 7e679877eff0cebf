package portals_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/permstore"
	"github.com/confine-app/confine/portals"
)

// Every table against the real xdg-permission-store, seeded the way
// xdg-desktop-portal (or a settings panel, for the tables the portal only
// reads) writes them.

const app = "org.a.App"

func get(t *testing.T, s *permstore.Store, table, id, app string) string {
	t.Helper()
	perms, err := s.Lookup(table, id)
	if err != nil {
		t.Fatalf("lookup %s/%s: %v", table, id, err)
	}
	return strings.Join(perms[app], ",")
}

// pick stores the choice labelled label, as the window does.
func pick(t *testing.T, pm *portals.Manager, id, label string) {
	t.Helper()
	st := status(t, pm, app)[id]
	cs, _ := st.Choices()
	for _, c := range cs {
		if c.Label == label {
			if err := pm.Write(app, st.Perm, c.Value); err != nil {
				t.Fatalf("%s → %s: %v", id, label, err)
			}
			return
		}
	}
	t.Fatalf("%s has no choice %q (%+v)", id, label, cs)
}

func choice(t *testing.T, st portals.Status) string {
	t.Helper()
	cs, sel := st.Choices()
	if sel < 0 {
		return "<none>"
	}
	return cs[sel].Label
}

func TestTablesEveryValue(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	s := permstore.New(bus.Conn)
	// What the portal writes for another app makes each table exist.
	for _, e := range []struct {
		table, id string
		v         []string
	}{
		{"devices", "camera", []string{"yes"}},
		{"location", "location", []string{"EXACT", "734512345678"}},
		{"screenshot", "screenshot", []string{"no"}},
		{"wallpaper", "wallpaper", []string{"yes"}},
		{"background", "background", []string{"yes"}},
		{"notifications", "notification", []string{"yes"}},
		{"inhibit", "inhibit", []string{""}},
		{"gamemode", "gamemode", []string{"no"}},
		{"realtime", "realtime", []string{"no"}},
		{"usb", "usb", []string{"no"}},
	} {
		seed(t, s, e.table, e.id, "org.other.App", e.v...)
	}
	pm := portals.NewFor(s)

	// Nothing stored for our app: each table's own default.
	st := status(t, pm, app)
	for id, want := range map[string]string{
		"portals/camera": "Ask", "portals/location": "Ask", "portals/screenshot": "Ask", "portals/wallpaper": "Ask",
		"portals/background": "Allow", "portals/notification": "Allow", "portals/gamemode": "Allow",
		"portals/realtime": "Allow", "portals/usb": "Allow",
	} {
		s, ok := st[id]
		if !ok || s.State != portals.Unset || s.ReadOnly || !s.Table {
			t.Errorf("%s: %+v", id, s)
			continue
		}
		if got := choice(t, s); got != want {
			t.Errorf("%s unset shows %q, want %q", id, got, want)
		}
		if s.Granted() != (want == "Allow") {
			t.Errorf("%s unset granted=%v", id, s.Granted())
		}
	}
	if s := st["portals/inhibit"]; strings.Join(s.Flags, ",") != "logout,switch,suspend,idle" || !s.Granted() {
		t.Errorf("inhibit with nothing stored: %+v", s)
	}

	// Each choice writes what the portal reads, and reads back as chosen.
	for _, c := range []struct{ id, label, table, pid, want, state string }{
		{"portals/camera", "Allow", "devices", "camera", "yes", "allowed"},
		{"portals/camera", "Deny", "devices", "camera", "no", "denied"},
		{"portals/screenshot", "Ask Every Time", "screenshot", "screenshot", "ask", "ask"},
		{"portals/wallpaper", "Deny", "wallpaper", "wallpaper", "no", "denied"},
		{"portals/background", "Ask Every Time", "background", "background", "ask", "ask"},
		{"portals/notification", "Deny", "notifications", "notification", "no", "denied"},
		{"portals/gamemode", "Deny", "gamemode", "gamemode", "no", "denied"},
		{"portals/realtime", "Deny", "realtime", "realtime", "no", "denied"},
		{"portals/usb", "Deny", "usb", "usb", "no", "denied"},
		{"portals/location", "City", "location", "location", "CITY,0", "allowed"},
		{"portals/location", "Deny", "location", "location", "NONE,0", "denied"},
		{"portals/camera", "Ask", "devices", "camera", "", "unset"},
	} {
		pick(t, pm, c.id, c.label)
		if got := get(t, s, c.table, c.pid, app); got != c.want {
			t.Errorf("%s %s stored %q, want %q", c.id, c.label, got, c.want)
		}
		now := status(t, pm, app)[c.id]
		if now.State.String() != c.state || choice(t, now) != c.label {
			t.Errorf("%s after %s: %v shown as %q", c.id, c.label, now.State, choice(t, now))
		}
	}
	// The camera offers no "ask every time" (the camera would stay
	// closed), the notifications no "ask" at all.
	for id, not := range map[string]string{"portals/camera": "Ask Every Time", "portals/notification": "Ask"} {
		cs, _ := status(t, pm, app)[id].Choices()
		for _, c := range cs {
			if c.Label == not {
				t.Errorf("%s offers %q", id, not)
			}
		}
	}
	// The location keeps the portal's last-use time.
	seed(t, s, "location", "location", app, "EXACT", "734512345678")
	pick(t, pm, "portals/location", "Street")
	if got := get(t, s, "location", "location", app); got != "STREET,734512345678" {
		t.Errorf("location street: %q", got)
	}

	// Values the portal reads its own way.
	for _, c := range []struct {
		table, id, pid string
		v              []string
		state          string
		understood     bool
		granted        bool
	}{
		{"gamemode", "gamemode", "portals/gamemode", []string{""}, "allowed", true, true},
		{"gamemode", "gamemode", "portals/gamemode", []string{"yes", "no"}, "denied", true, false},
		{"realtime", "realtime", "portals/realtime", []string{"ask"}, "ask", true, true},
		{"notifications", "notification", "portals/notification", []string{"ask"}, "ask", true, true},
		{"devices", "camera", "portals/camera", []string{"ask"}, "ask", true, false},
		{"devices", "camera", "portals/camera", []string{"yes", "extra"}, "unset", false, false},
		{"screenshot", "screenshot", "portals/screenshot", []string{"maybe"}, "unset", false, false},
		{"location", "location", "portals/location", []string{"CITY"}, "unset", false, false},
		{"location", "location", "portals/location", []string{"SOMEWHERE", "0"}, "denied", false, false},
	} {
		seed(t, s, c.table, c.id, app, c.v...)
		st := status(t, pm, app)[c.pid]
		if st.State.String() != c.state || st.Understood != c.understood || st.Granted() != c.granted {
			t.Errorf("%s %q: %v understood=%v granted=%v", c.pid, c.v, st.State, st.Understood, st.Granted())
		}
		if f, _ := st.Meaning(); f == "" {
			t.Errorf("%s %q has no meaning", c.pid, c.v)
		}
	}
	if got := choice(t, status(t, pm, app)["portals/location"]); got != "Deny" {
		t.Errorf("an unknown accuracy counts as NONE: shows %q", got)
	}

	// Inhibit: the flags, with all four as nothing stored and none as [""].
	inh := portals.Lookup("portals/inhibit")
	for _, c := range []struct {
		allow       []string
		want, state string
		flags       string
	}{
		{[]string{"idle", "suspend"}, "suspend,idle", "allowed", "suspend,idle"},
		{nil, "", "denied", ""},
		{[]string{"logout", "switch", "suspend", "idle"}, "<absent>", "unset", "logout,switch,suspend,idle"},
	} {
		if err := pm.Write(app, inh, portals.InhibitValue(c.allow)); err != nil {
			t.Fatal(err)
		}
		perms, _ := s.Lookup("inhibit", "inhibit")
		got, ok := perms[app]
		stored := strings.Join(got, ",")
		if !ok {
			stored = "<absent>"
		}
		if stored != c.want {
			t.Errorf("inhibit %v stored %q, want %q", c.allow, stored, c.want)
		}
		st := status(t, pm, app)["portals/inhibit"]
		if st.State.String() != c.state || !st.Understood || strings.Join(st.Flags, ",") != c.flags {
			t.Errorf("inhibit %v reads %v understood=%v flags %v", c.allow, st.State, st.Understood, st.Flags)
		}
	}
}

func TestNeverCreatesATable(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	s := permstore.New(bus.Conn)
	pm := portals.NewFor(s)
	if st := pm.Status(app); len(st) != 0 {
		t.Fatalf("rows without tables or portals: %+v", st)
	}
	for _, p := range portals.Permissions() {
		for _, allow := range []bool{true, false} {
			if p.Key == "inhibit" && allow {
				continue // all flags: nothing stored, nothing to create
			}
			if err := pm.Set(app, p, allow); err == nil || !strings.Contains(err.Error(), "never creates") {
				t.Errorf("%s set %v: %v", p.ID, allow, err)
			}
		}
		if err := pm.Unset(app, p); err != nil {
			t.Errorf("%s unset on no table: %v", p.ID, err)
		}
	}
	if err := pm.Restore(app, portals.Snapshot{"devices/camera": {"yes"}}); err == nil || !strings.Contains(err.Error(), "no devices table") {
		t.Errorf("restore into no table: %v", err)
	}
	if err := pm.Remember(portals.OpenWithTable, "application/pdf", app, []string{"org.gnome.Evince", "3", "3"}); !errors.Is(err, permstore.ErrNotFound) {
		t.Errorf("remember into no entry: %v", err)
	}
	for _, table := range []string{"background", "devices", "gamemode", "inhibit", "location", "notifications", "realtime",
		"screenshot", "usb", "wallpaper", "desktop-used-apps", "screencast", "remote-desktop", "input-capture"} {
		if ids, err := s.List(table); err != nil || len(ids) != 0 {
			t.Errorf("%s: %v %v", table, ids, err)
		}
		if _, err := os.Stat(bus.TableFile(table)); !os.IsNotExist(err) {
			t.Errorf("table file %s: %v", table, err)
		}
	}
	// Table names never come from outside the fixed list.
	if err := pm.Restore(app, portals.Snapshot{"../evil/x": {"yes"}}); err == nil {
		t.Error("restored an unknown table")
	}
}

// With the real portal frontend and no backend, the desktop has the game
// mode and realtime portals: their rows appear although their tables do
// not exist, read-only, allowed by default.
func TestRowsOfTheDesktopsPortals(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	bus.StartPortal(t)
	pm := portals.NewFor(permstore.New(bus.Conn))
	if v := pm.Portals(); v["GameMode"] == 0 || v["Realtime"] == 0 || v["Camera"] != 0 {
		t.Fatalf("portals %v", v)
	}
	st := status(t, pm, app)
	if len(st) != 2 {
		t.Errorf("rows %v", st)
	}
	for _, id := range []string{"portals/gamemode", "portals/realtime"} {
		s, ok := st[id]
		if !ok || s.Table || s.Portal == 0 || !s.ReadOnly || !s.Granted() || !strings.Contains(s.WhyText(model.English), "never creates") {
			t.Errorf("%s: %+v", id, s)
		}
		if err := pm.Set(app, s.Perm, false); err == nil {
			t.Errorf("%s written without a table", id)
		}
	}
	shown, apps, err := pm.Answer(portals.Question{Title: "Game mode", Perm: portals.Lookup("portals/gamemode")}, []string{"org.b.App", app})
	if err != nil || !shown || strings.Join(apps, ",") != "org.a.App,org.b.App" {
		t.Errorf("who may use game mode: %v %v %v", shown, apps, err)
	}
	if shown, _, _ := pm.Answer(portals.Question{Perm: portals.Lookup("portals/camera")}, nil); shown {
		t.Error("camera question shown without a camera portal or table")
	}
}

func TestOverviewAnswers(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	s := permstore.New(bus.Conn)
	seed(t, s, "inhibit", "inhibit", "org.idle.Only", "idle")
	seed(t, s, "inhibit", "inhibit", "org.no.Inhibit", "")
	seed(t, s, "wallpaper", "wallpaper", "org.paint.App", "yes")
	seed(t, s, "wallpaper", "wallpaper", "org.ask.App", "ask")
	seed(t, s, "location", "location", "org.maps.App", "CITY", "1")
	seed(t, s, "location", "location", "org.spy.App", "NONE", "0")
	pm := portals.NewFor(s)
	installed := []string{"org.idle.Only", "org.no.Inhibit", "org.plain.App"}
	ask := func(q portals.Question) string {
		shown, apps, err := pm.Answer(q, installed)
		if err != nil {
			t.Fatal(err)
		}
		if !shown {
			return "<hidden>"
		}
		return strings.Join(apps, ",")
	}
	got := map[string]string{}
	for _, q := range portals.Questions() {
		got[q.Title] = ask(q)
	}
	for q, want := range map[string]string{
		"May prevent suspend":                 "org.plain.App",
		"May keep the screen from going idle": "org.idle.Only,org.plain.App",
		"Wallpaper":                           "org.paint.App",
		"Location":                            "org.maps.App",
		"Camera":                              "<hidden>",
		"Saved screen-sharing sessions":       "<hidden>",
	} {
		if got[q] != want {
			t.Errorf("%s: %q, want %q", q, got[q], want)
		}
	}
}

// gdbus asks GLib's own client (an independent reader) what the store
// holds.
func gdbus(t *testing.T, bus *portaltest.Bus, method string, args ...string) string {
	t.Helper()
	bin := testbin.Need(t, "/usr/bin/gdbus")
	cmd := exec.Command(bin, append([]string{"call", "--address", bus.Address, "--dest", "org.freedesktop.impl.portal.PermissionStore",
		"--object-path", "/org/freedesktop/impl/portal/PermissionStore", "--method", "org.freedesktop.impl.portal.PermissionStore." + method}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gdbus %s %v: %v\n%s", method, args, err, out)
	}
	return strings.TrimSpace(string(out))
}

const tok1, tok2 = "3f2c8a1e-5b7d-4c1a-9e0f-2b6d8c4a7e19", "q3Zk_Vb8T1aF0dX9m2L7wA"

func TestSessionsRevokeAndUndo(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	s := permstore.New(bus.Conn)
	// 1.16 to 1.18 save a session in two steps: the app's ["yes"], then
	// the data.
	seed(t, s, "screencast", tok1, "com.obsproject.Studio", "yes")
	if err := s.SetValue("screencast", true, tok1, portaltest.GnomeScreencast(portaltest.MonitorStream(0, "DEL:DELL U2720Q:7F9X2K3"), portaltest.WindowStream(1, "org.mozilla.firefox", "Mozilla Firefox"), portaltest.VirtualStream(2))); err != nil {
		t.Fatal(err)
	}
	// 1.19 and later in one Set; here written by GLib's gdbus, a KDE
	// session (QDataStream bytes: opaque), and a remote-desktop one.
	gdbus(t, bus, "Set", "screencast", "true", tok2, "{'com.obsproject.Studio': ['yes']}", "<('KDE', uint32 1, <[byte 0x00, 0x00, 0x00, 0x01]>)>")
	gdbus(t, bus, "Set", "remote-desktop", "true", "rd1", "{'org.remmina.Remmina': ['yes']}",
		"<('GNOME', uint32 1, <(int64 1732950000000000, int64 1732953600000000, uint32 3, true, [(uint32 0, uint32 1, <'Virtual-1'>)])>)>")
	gdbus(t, bus, "Set", "input-capture", "true", "ic1", "{'org.deskflow.Deskflow': ['yes']}",
		"<('wlroots', uint32 1, <{'output_name': <'DP-1'>}>)>")
	gdbus(t, bus, "Set", "screencast", "true", "orphan", "{'org.other.App': ['yes']}", "<byte 0x00>")

	pm := portals.NewFor(s)
	ss, err := pm.SavedSessions("com.obsproject.Studio")
	if err != nil || len(ss) != 2 {
		t.Fatalf("sessions %+v %v", ss, err)
	}
	byTok := map[string]portals.SavedSession{}
	for _, x := range ss {
		byTok[x.Token] = x
	}
	g := byTok[tok1]
	if !g.Decoded || g.Backend != "GNOME" || len(g.Streams) != 3 || g.Streams[0].Name != "DELL U2720Q" || g.Streams[1].Detail != "org.mozilla.firefox" ||
		g.Streams[2].Kind != portals.StreamVirtual || g.Created.UnixMicro() != 1732950000000000 || g.LastUsed.UnixMicro() != 1732953600000000 {
		t.Errorf("GNOME session %+v", g)
	}
	if d := g.Describe(model.English); d != "Restores: monitor DELL U2720Q, window “Mozilla Firefox” of org.mozilla.firefox, a virtual monitor" {
		t.Errorf("described %q", d)
	}
	if k := byTok[tok2]; k.Decoded || k.Backend != "KDE" || !strings.Contains(k.Describe(model.English), "KDE") {
		t.Errorf("KDE session %+v", k)
	}
	rd, _ := pm.SavedSessions("org.remmina.Remmina")
	if len(rd) != 1 || rd[0].Table != "remote-desktop" || rd[0].Devices != 3 || rd[0].Clipboard == nil || !*rd[0].Clipboard ||
		rd[0].Describe(model.English) != "Restores: monitor Virtual-1, keyboard, pointer, clipboard" {
		t.Errorf("remote desktop %+v", rd)
	}
	ic, _ := pm.SavedSessions("org.deskflow.Deskflow")
	if len(ic) != 1 || ic[0].Describe(model.English) != "Restores: monitor DP-1" {
		t.Errorf("input capture %+v", ic)
	}
	if o, _ := pm.SavedSessions("org.other.App"); len(o) != 1 || o[0].Backend != "" || o[0].Decoded {
		t.Errorf("orphan %+v", o)
	}

	// Revoke: the entry is gone (the next request asks again); Undo: the
	// same entry, to the byte, as GLib reads it and as the store's file
	// holds it.
	for _, c := range []struct{ table, token string }{{"screencast", tok1}, {"screencast", tok2}, {"remote-desktop", "rd1"}, {"input-capture", "ic1"}} {
		before := gdbus(t, bus, "Lookup", c.table, c.token)
		file, err := os.ReadFile(bus.TableFile(c.table))
		if err != nil {
			t.Fatal(err)
		}
		e, err := pm.Revoke(c.table, c.token)
		if err != nil {
			t.Fatalf("revoke %s: %v", c.token, err)
		}
		if _, err := s.Lookup(c.table, c.token); !errors.Is(err, permstore.ErrNotFound) {
			t.Fatalf("%s still there: %v", c.token, err)
		}
		if ids, _ := s.List(c.table); slices.Contains(ids, c.token) {
			t.Fatalf("%s still listed", c.token)
		}
		if err := pm.Unrevoke(e); err != nil {
			t.Fatal(err)
		}
		if after := gdbus(t, bus, "Lookup", c.table, c.token); after != before {
			t.Errorf("undo of %s:\n got %s\nwant %s", c.token, after, before)
		}
		// The store writes its file in the background after replying.
		var again []byte
		for range 50 {
			if again, _ = os.ReadFile(bus.TableFile(c.table)); string(again) == string(file) {
				break
			}
			pm.Status(app) // a round trip
		}
		if string(again) != string(file) {
			t.Errorf("%s: the table file differs after undo (%d bytes, was %d)", c.token, len(again), len(file))
		}
		// Undo twice (the session saved itself again meanwhile): kept.
		if err := pm.Unrevoke(e); !errors.Is(err, portals.ErrSavedAgain) {
			t.Errorf("second undo: %v", err)
		}
	}
	if _, err := pm.Revoke("devices", "camera"); err == nil {
		t.Error("revoked an entry of a permission table")
	}
}

func TestOpenWithAndUSBDevices(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	s := permstore.New(bus.Conn)
	seed(t, s, portals.OpenWithTable, "application/pdf", app, "org.gnome.Evince", "3", "3")
	seed(t, s, portals.OpenWithTable, "x-scheme-handler/https", app, "org.mozilla.firefox", "1", "3")
	seed(t, s, portals.OpenWithTable, "image/png", "org.other.App", "org.gnome.Loupe", "2", "3")
	gdbus(t, bus, "SetValue", portals.OpenWithTable, "false", "x-scheme-handler/https", "<{'always-ask': <true>}>")
	seed(t, s, portals.USBTable, "usb:1050/0407/Yubico_YubiKey_OTP+FIDO+CCID", app, "yes")
	seed(t, s, portals.USBTable, "usb:046d/c52b/", app, "no")
	seed(t, s, portals.USBTable, "usb", "org.other.App", "no")
	pm := portals.NewFor(s)
	ow, err := pm.OpenWith(app)
	if err != nil || len(ow) != 2 {
		t.Fatalf("open with %+v %v", ow, err)
	}
	if ow[0].ContentType != "application/pdf" || ow[0].Handler != "org.gnome.Evince" || !ow[0].Skips() {
		t.Errorf("pdf %+v", ow[0])
	}
	if ow[1].Skips() || !ow[1].AlwaysAsk || ow[1].Count != 1 {
		t.Errorf("https %+v", ow[1])
	}
	old, err := pm.Forget(portals.OpenWithTable, "application/pdf", app)
	if err != nil || strings.Join(old, ",") != "org.gnome.Evince,3,3" {
		t.Fatalf("forget %v %v", old, err)
	}
	if ow, _ := pm.OpenWith(app); len(ow) != 1 {
		t.Errorf("after forget %+v", ow)
	}
	if err := pm.Remember(portals.OpenWithTable, "application/pdf", app, old); err != nil || get(t, s, portals.OpenWithTable, "application/pdf", app) != "org.gnome.Evince,3,3" {
		t.Errorf("remember: %v", err)
	}

	devs, err := pm.USBDecisions(app)
	if err != nil || len(devs) != 2 {
		t.Fatalf("usb %+v %v", devs, err)
	}
	if devs[0].Vendor != "1050" || devs[0].Product != "0407" || devs[0].Serial != "Yubico_YubiKey_OTP+FIDO+CCID" || devs[0].Hidden || !devs[1].Hidden {
		t.Errorf("devices %+v", devs)
	}
	if err := pm.Remember(portals.USBTable, devs[0].ID, app, []string{"no"}); err != nil || get(t, s, portals.USBTable, devs[0].ID, app) != "no" {
		t.Errorf("hide a device: %v", err)
	}
	// The app-wide switch of another app makes the usb row appear.
	if st, ok := status(t, pm, app)["portals/usb"]; !ok || st.ReadOnly || !st.Granted() {
		t.Errorf("usb row %+v", st)
	}

	// Export and a restore into the same desktop.
	snap, err := pm.Export(app)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(snap["desktop-used-apps/x-scheme-handler/https"], ",") != "org.mozilla.firefox,1,3" || strings.Join(snap["usb/usb:046d/c52b/"], ",") != "no" {
		t.Errorf("export %v", snap)
	}
	pm.Forget(portals.USBTable, "usb:046d/c52b/", app)
	if err := pm.Restore(app, snap); err != nil {
		t.Fatal(err)
	}
	if get(t, s, portals.USBTable, "usb:046d/c52b/", app) != "no" {
		t.Error("usb device decision not restored")
	}
}

// BenchmarkPortalAppPage reads what an app page shows from a store with a
// long-used desktop's amounts: 300 apps in every permission table, 150
// Open With types, 40 saved sessions.
func BenchmarkAppPage(b *testing.B) {
	bus := portaltest.NewBus(b, true)
	s := permstore.New(bus.Conn)
	for i := range 300 {
		a := fmt.Sprintf("org.bench.App%03d", i)
		for _, e := range [][]string{{"devices", "camera", "yes"}, {"background", "background", "yes"}, {"notifications", "notification", "yes"},
			{"screenshot", "screenshot", "no"}, {"wallpaper", "wallpaper", "ask"}, {"gamemode", "gamemode", "no"}, {"realtime", "realtime", "no"},
			{"inhibit", "inhibit", "idle"}, {"usb", "usb", "no"}} {
			if err := s.SetPermission(e[0], true, e[1], a, e[2:]); err != nil {
				b.Fatal(err)
			}
		}
		s.SetPermission("location", true, "location", a, []string{"CITY", "0"})
	}
	for i := range 150 {
		s.SetPermission(portals.OpenWithTable, true, fmt.Sprintf("application/x-bench-%d", i), fmt.Sprintf("org.bench.App%03d", i%10), []string{"org.gnome.Evince", "1", "3"})
	}
	for i := range 40 {
		s.Set("screencast", true, fmt.Sprintf("tok%02d", i), map[string][]string{fmt.Sprintf("org.bench.App%03d", i%10): {"yes"}}, portaltest.GnomeScreencast(portaltest.MonitorStream(0, "DEL:DELL U2720Q:7F9X2K3"), portaltest.WindowStream(1, "org.mozilla.firefox", "Mozilla Firefox"), portaltest.VirtualStream(2)))
	}
	pm := portals.NewFor(s)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"status", func() { pm.Status("org.bench.App001") }},
		{"sessions", func() { pm.SavedSessions("org.bench.App001") }},
		{"openwith", func() { pm.OpenWith("org.bench.App001") }},
		{"usb", func() { pm.USBDecisions("org.bench.App001") }},
	} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				c.f()
			}
		})
	}
}
