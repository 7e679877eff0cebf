package ui

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/diamondburned/gotk4/pkg/gtk/v4"
	"github.com/godbus/dbus/v5"

	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/permstore"
)

// The window against the real xdg-permission-store on a private bus.

// usePortalBus points the window at a private bus: its next portal call
// connects there. The test's cleanup disconnects it again.
func usePortalBus(t *testing.T, addr string) {
	t.Helper()
	drop := testWin.portals.disconnect
	onMain(func() {
		drop()
		demoVars["DBUS_SESSION_BUS_ADDRESS"] = addr
		// The page shown re-reads the store, as after a reconnection.
		testWin.portalsChanged()
	})
	t.Cleanup(func() {
		onMain(func() {
			drop()
			delete(demoVars, "DBUS_SESSION_BUS_ADDRESS")
		})
	})
}

// gnomeScreencast is a saved session of a monitor and a browser window.
func gnomeScreencast(monitor string) dbus.Variant {
	return portaltest.GnomeScreencast(portaltest.MonitorStream(0, monitor), portaltest.WindowStream(1, "org.mozilla.firefox", "Mozilla Firefox"))
}

func subtitle(w gtk.Widgetter) string {
	r, ok := w.(*actionRow)
	if !ok {
		return ""
	}
	s, _ := r.obj.ObjectProperty("subtitle").(string)
	return s
}

func titled(rows []gtk.Widgetter, title string) gtk.Widgetter {
	for _, w := range rows {
		if r, ok := w.(*actionRow); ok {
			if s, _ := r.obj.ObjectProperty("title").(string); s == title {
				return w
			}
		}
	}
	return nil
}

const chat = "im.chatterly.Desktop"

func TestSavedSessionRevokeAndUndo(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	store := permstore.New(bus.Conn)
	const tok, tok2 = "3f2c8a1e-5b7d-4c1a-9e0f-2b6d8c4a7e19", "q3Zk_Vb8T1aF0dX9m2L7wA"
	if err := store.Set("screencast", true, tok, map[string][]string{chat: {"yes"}}, gnomeScreencast("DEL:DELL U2720Q:7F9X2K3")); err != nil {
		t.Fatal(err)
	}
	_, before, _ := store.LookupEntry("screencast", tok)
	usePortalBus(t, bus.Address)
	v := show(t, chat)
	eventually(t, "the saved session", 5*time.Second, func() bool {
		return v.portal != nil && v.portal.sessions.Visible() && slices.Contains(v.portal.shown, tok)
	})
	onMain(func() {
		if sub := subtitle(titled(v.portal.sessions.rows, "Screen sharing")); !strings.Contains(sub, "monitor DELL U2720Q, window “Mozilla Firefox” of org.mozilla.firefox") {
			t.Errorf("session row says %q", sub)
		}
	})

	// Another program saves a second session: the open window shows it.
	other := permstore.New(bus.Connect(t))
	if err := other.Set("screencast", true, tok2, map[string][]string{chat: {"yes"}}, gnomeScreencast("Virtual-1")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the second session", 5*time.Second, func() bool { return slices.Contains(v.portal.shown, tok2) })

	// Revoke: gone from the store, and from the window.
	onMain(func() { v.portal.revoke[tok].Activate() })
	eventually(t, "the session deleted", 5*time.Second, func() bool {
		_, err := store.Lookup("screencast", tok)
		return errors.Is(err, permstore.ErrNotFound) && !slices.Contains(v.portal.shown, tok)
	})
	if !slices.Contains(v.portal.shown, tok2) {
		t.Error("the other session went too")
	}
	// Undo: the same entry again.
	onMain(func() {
		if !testWin.win.Widget.ActivateAction("win.undo", nil) {
			t.Error("win.undo not found")
		}
	})
	eventually(t, "the session back", 5*time.Second, func() bool {
		perms, data, err := store.LookupEntry("screencast", tok)
		return err == nil && strings.Join(perms[chat], ",") == "yes" && data.String() == before.String() && slices.Contains(v.portal.shown, tok)
	})
}

func TestPortalRowsFollowTheStore(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	store := permstore.New(bus.Conn)
	for _, s := range []struct{ table, id, app, v string }{
		{"devices", "camera", chat, "yes"},
		{"inhibit", "inhibit", "org.other.App", "idle"},
		{"usb", "usb:1050/0407/Yubico_YubiKey_OTP+FIDO+CCID", chat, "no"},
	} {
		if err := store.SetPermission(s.table, true, s.id, s.app, []string{s.v}); err != nil {
			t.Fatal(err)
		}
	}
	usePortalBus(t, bus.Address)
	v := show(t, chat)
	camera := func() string { return subtitle(titled(v.portalGroup.rows, "Camera")) }
	eventually(t, "the camera row", 5*time.Second, func() bool { return camera() == "Allowed: the desktop does not ask" })

	// A change made elsewhere shows at once.
	other := permstore.New(bus.Connect(t))
	if err := other.SetPermission("devices", true, "camera", chat, []string{"no"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the camera denied", 5*time.Second, func() bool { return camera() == "Denied: the desktop refuses without asking" })

	// Choosing in the window writes the store.
	onMain(func() { v.portal.controls[v.portal.current["portals/camera"]].(*choice).pick(0) }) // Ask
	eventually(t, "the camera answer removed", 5*time.Second, func() bool {
		perms, _ := store.Lookup("devices", "camera")
		_, has := perms[chat]
		return !has
	})

	// Inhibit: all four allowed (nothing stored); switching suspend off
	// stores the other three.
	eventually(t, "the inhibit row", 5*time.Second, func() bool { return titled(v.portalGroup.rows, "Keep the session awake") != nil })
	onMain(func() {
		toggles := v.portal.controls[v.portal.current["portals/inhibit"]].([]*gtk.ToggleButton)
		if len(toggles) != 4 || !toggles[2].Active() {
			t.Fatalf("inhibit toggles %v", toggles)
		}
		toggles[2].SetActive(false)
	})
	eventually(t, "inhibit stored", 5*time.Second, func() bool {
		perms, _ := store.Lookup("inhibit", "inhibit")
		return strings.Join(perms[chat], ",") == "logout,switch,idle"
	})

	// The USB portal's decision shows among the app's USB device rules.
	eventually(t, "the USB decision", 5*time.Second, func() bool {
		for _, lg := range v.lists {
			for _, r := range lg.group.rows {
				if strings.HasPrefix(subtitle(r), "Hidden from the app by the USB portal") {
					return true
				}
			}
		}
		return false
	})
	// The usb table exists (it holds the device): the app-wide row too.
	if _, ok := v.portal.current["portals/usb"]; !ok {
		t.Error("no USB portal row although the usb table exists")
	}
}

func TestOverviewSavedSessions(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	store := permstore.New(bus.Conn)
	if err := store.Set("screencast", true, "tok", map[string][]string{chat: {"yes"}}, gnomeScreencast("Virtual-1")); err != nil {
		t.Fatal(err)
	}
	if err := store.SetPermission("inhibit", true, "inhibit", chat, []string{"idle"}); err != nil {
		t.Fatal(err)
	}
	usePortalBus(t, bus.Address)
	var v *pageView
	onMain(func() {
		testWin.ShowApp("overview")
		v = testWin.CurrentView()
	})
	eventually(t, "the sessions question", 5*time.Second, func() bool {
		return subtitle(titled(v.ov.portal.rows, "Saved screen-sharing sessions")) == "Chatterly"
	})
	onMain(func() {
		// Every installed app but Chatterly (which may only inhibit
		// idle), the names past the first few in the tooltip.
		row := titled(v.ov.portal.rows, "May prevent suspend")
		all := subtitle(row) + row.(*actionRow).TooltipText()
		if strings.Contains(all, "Chatterly") || !strings.Contains(all, "Tunebox") {
			t.Errorf("who may prevent suspend: %q", all)
		}
		if titled(v.ov.portal.rows, "Camera") != nil {
			t.Error("a camera question without a camera table or portal")
		}
	})
}

// TestFilesThisAppCanOpen: three things given to an app through the real
// document portal — two files (one since deleted) and a folder — are what
// its page lists; Revoke takes one from the app's own view of its files,
// Undo gives it back, and the Overview counts them.
func TestFilesThisAppCanOpen(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	dp := bus.StartDocumentPortal(t)
	dir := t.TempDir()
	notes, photo, folder := filepath.Join(dir, "notes.txt"), filepath.Join(dir, "photo.png"), filepath.Join(dir, "Trip")
	for _, f := range []string{notes, photo} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	rw := []string{"read", "write", "grant-permissions"}
	files := dp.Give(t, chat, rw, false, notes, photo)
	dirs := dp.Give(t, chat, []string{"read"}, true, folder)
	os.Remove(photo) // moved away since
	usePortalBus(t, bus.Address)
	v := show(t, chat)
	eventually(t, "the app's files", 5*time.Second, func() bool {
		return v.portal.files.Visible() && len(v.portal.revokeFile) == 3
	})
	onMain(func() {
		for id, want := range map[string]string{files[0]: "read and write", files[1]: "No longer there", dirs[0]: "read"} {
			found := false
			for _, r := range v.portal.files.rows {
				if b := v.portal.revokeFile[id]; b != nil && gtk.BaseWidget(b).IsAncestor(r) {
					found = strings.Contains(subtitle(r), want)
				}
			}
			if !found {
				t.Errorf("the row of %s does not say %q", id, want)
			}
		}
	})
	held := func() bool { _, ok := dp.AppView(t, chat)[files[0]]; return ok }
	if !held() {
		t.Fatal("precondition: the app sees notes.txt")
	}
	onMain(func() { v.portal.revokeFile[files[0]].Activate() })
	eventually(t, "notes.txt taken from the app", 5*time.Second, func() bool { return !held() && len(v.portal.revokeFile) == 2 })
	onMain(func() { testWin.win.Widget.ActivateAction("win.undo", nil) })
	eventually(t, "notes.txt given back", 5*time.Second, func() bool { return held() && len(v.portal.revokeFile) == 3 })

	onMain(func() { testWin.ShowApp("overview") })
	ov := testWin.CurrentView()
	eventually(t, "the Overview's count", 5*time.Second, func() bool {
		return strings.Contains(subtitle(titled(ov.ov.portal.rows, T("Files apps can open"))), "Chatterly (3, 2 writable)")
	})
}
