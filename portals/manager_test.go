package portals_test

import (
	"strings"
	"testing"
	"time"

	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/permstore"
	"github.com/confine-app/confine/portals"
)

// Against the real xdg-permission-store on a private bus.

func seed(t *testing.T, s *permstore.Store, table, id, app string, value ...string) {
	t.Helper()
	if err := s.SetPermission(table, true, id, app, value); err != nil {
		t.Fatal(err)
	}
}

func status(t *testing.T, pm *portals.Manager, app string) map[string]portals.Status {
	out := map[string]portals.Status{}
	for _, st := range pm.Status(app) {
		out[st.Perm.ID] = st
	}
	return out
}

func TestStoreReadSetUnset(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	store := permstore.New(bus.Conn)
	if v, err := store.Version(); err != nil || v != 2 {
		t.Fatalf("version %d %v", v, err)
	}
	// The portals have asked about the camera and notifications, nothing
	// else yet: other tables do not exist.
	seed(t, store, "devices", "camera", "org.other.App", "no")
	seed(t, store, "notifications", "notification", "org.a.App", "yes")
	pm := portals.NewFor(store)
	st := status(t, pm, "org.a.App")
	if st["portals/notification"].State != portals.Allowed {
		t.Errorf("notification: %+v", st["portals/notification"])
	}
	if s, ok := st["portals/camera"]; !ok || s.State != portals.Unset || s.ReadOnly {
		t.Errorf("camera: %+v", s)
	}
	// Only portals before 1.19 (with the Device portal) write the
	// microphone: no such portal here and no such ID, no row.
	if s, ok := st["portals/microphone"]; ok {
		t.Errorf("microphone shown: %+v", s)
	}
	// No location table and no portal frontend on this bus: no row.
	if s, ok := st["portals/location"]; ok {
		t.Errorf("location shown: %+v", s)
	}
	// Allow the camera: the ID row exists, the devices table exists.
	cam := portals.Lookup("portals/camera")
	if err := pm.Set("org.a.App", cam, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := store.Lookup("devices", "camera"); strings.Join(got["org.a.App"], ",") != "yes" || strings.Join(got["org.other.App"], ",") != "no" {
		t.Fatalf("store holds %v", got)
	}
	// The microphone ID row is new but its table exists: allowed.
	mic := portals.Lookup("portals/microphone")
	if err := pm.Set("org.a.App", mic, false); err != nil {
		t.Fatal(err)
	}
	if s := status(t, pm, "org.a.App")["portals/microphone"]; s.State != portals.Denied {
		t.Fatalf("microphone: %+v", s)
	}
	// A table the portal never created is never created by Confine.
	loc := portals.Lookup("portals/location")
	if err := pm.Set("org.a.App", loc, true); err == nil {
		t.Fatal("location table created")
	}
	if ids, _ := store.List("location"); len(ids) != 0 {
		t.Fatal("location table exists now")
	}
	// Unset restores "ask me".
	if err := pm.Unset("org.a.App", cam); err != nil {
		t.Fatal(err)
	}
	if s := status(t, pm, "org.a.App")["portals/camera"]; s.State != portals.Unset {
		t.Fatalf("camera after unset: %+v", s)
	}
	if err := pm.Unset("org.a.App", cam); err != nil {
		t.Fatalf("unsetting twice: %v", err)
	}
	who, err := pm.WithAccess(portals.Lookup("portals/notification"))
	if err != nil || strings.Join(who, ",") != "org.a.App" {
		t.Fatalf("who has notifications: %v %v", who, err)
	}
}

func TestLocationValues(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	store := permstore.New(bus.Conn)
	seed(t, store, "location", "location", "org.other.App", "CITY", "1700000000")
	pm := portals.NewFor(store)
	loc := portals.Lookup("portals/location")
	if s := status(t, pm, "org.other.App")["portals/location"]; s.State != portals.Allowed {
		t.Fatalf("CITY should count as allowed: %+v", s)
	}
	pm.Set("org.a.App", loc, false)
	got, _ := store.Lookup("location", "location")
	if v := got["org.a.App"]; len(v) != 2 || v[0] != "NONE" {
		t.Fatalf("deny wrote %v", v)
	}
	pm.Set("org.a.App", loc, true)
	got, _ = store.Lookup("location", "location")
	if v := got["org.a.App"]; v[0] != "EXACT" {
		t.Fatalf("allow wrote %v", v)
	}
}

func TestResetAndUndo(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	store := permstore.New(bus.Conn)
	seed(t, store, "devices", "camera", "org.a.App", "yes")
	seed(t, store, "devices", "microphone", "org.a.App", "no")
	seed(t, store, "background", "background", "org.a.App", "yes")
	seed(t, store, "background", "background", "org.b.App", "no")
	pm := portals.NewFor(store)
	snap, err := pm.Reset("org.a.App")
	if err != nil || len(snap) != 3 {
		t.Fatalf("snapshot %v %v", snap, err)
	}
	for id, s := range status(t, pm, "org.a.App") {
		if s.State != portals.Unset && s.State != portals.Unsupported {
			t.Errorf("%s after reset: %v", id, s.State)
		}
	}
	if s := status(t, pm, "org.b.App")["portals/background"]; s.State != portals.Denied {
		t.Fatal("reset touched another app")
	}
	if err := pm.Restore("org.a.App", snap); err != nil {
		t.Fatal(err)
	}
	st := status(t, pm, "org.a.App")
	if st["portals/camera"].State != portals.Allowed || st["portals/microphone"].State != portals.Denied || st["portals/background"].State != portals.Allowed {
		t.Fatalf("undo: %+v", st)
	}
}

func TestStoreMissing(t *testing.T) {
	bus := portaltest.NewBus(t, false)
	start := time.Now()
	pm := portals.NewFor(permstore.New(bus.Conn))
	if pm.Err == nil {
		t.Fatal("no error without a store")
	}
	for _, s := range pm.Status("org.a.App") {
		if s.State != portals.Unsupported || !strings.Contains(s.Why, "does not answer") {
			t.Fatalf("%s: %+v", s.Perm.ID, s)
		}
	}
	if err := pm.Set("org.a.App", portals.Lookup("portals/camera"), true); err == nil {
		t.Fatal("set without a store succeeded")
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("took %v: a missing store must fail fast", d)
	}
	// A store that goes away after connecting.
	bus2 := portaltest.NewBus(t, true)
	pm2 := portals.NewFor(permstore.New(bus2.Conn))
	bus2.StopStore()
	if err := pm2.Set("org.a.App", portals.Lookup("portals/camera"), true); err == nil {
		t.Fatal("set on a vanished store succeeded")
	}
}
