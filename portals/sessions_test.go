package portals_test

import (
	"errors"
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
