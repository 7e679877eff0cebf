package portals_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/permstore"
	"github.com/confine-app/confine/portals"
)

// seedFleet fills every table Confine exports with n apps' answers, as a
// desktop used for years holds them: each app asked about the camera,
// location, background, notifications…, some Open With choices, some USB
// devices. It writes each entry whole (one Set) to be quick.
func seedFleet(tb testing.TB, s *permstore.Store, n int) []string {
	tb.Helper()
	var apps []string
	for i := range n {
		apps = append(apps, fmt.Sprintf("org.fleet.App%04d", i))
	}
	value := func(i int, vs ...[]string) []string { return vs[i%len(vs)] }
	yes, no, ask := []string{"yes"}, []string{"no"}, []string{"ask"}
	entries := []struct {
		table, id string
		v         func(i int) []string
	}{
		{"devices", "camera", func(i int) []string { return value(i, yes, no) }},
		{"devices", "microphone", func(i int) []string { return value(i, no, yes, ask) }},
		{"location", "location", func(i int) []string { return value(i, []string{"CITY", "734512345678"}, []string{"NONE", "0"}) }},
		{"background", "background", func(i int) []string { return value(i, yes, yes, no) }},
		{"notifications", "notification", func(i int) []string { return value(i, yes, no) }},
		{"screenshot", "screenshot", func(i int) []string { return value(i, no, yes) }},
		{"wallpaper", "wallpaper", func(i int) []string { return value(i, yes) }},
		{"inhibit", "inhibit", func(i int) []string { return value(i, []string{"idle"}, []string{"logout", "suspend"}) }},
		{"gamemode", "gamemode", func(i int) []string { return value(i, yes) }},
		{"realtime", "realtime", func(i int) []string { return value(i, no) }},
		{"usb", "usb", func(i int) []string { return value(i, yes, no) }},
		{"kde-authorized", "remote-desktop", func(i int) []string { return value(i, no, yes) }},
	}
	for _, e := range entries {
		perms := map[string][]string{}
		for i, a := range apps {
			perms[a] = e.v(i)
		}
		if err := s.Set(e.table, true, e.id, perms, dbus.MakeVariant(byte(0))); err != nil {
			tb.Fatal(err)
		}
	}
	// Forty file types and twenty USB devices, each chosen by a tenth of
	// the apps.
	for k := range 60 {
		table, id, perms := "desktop-used-apps", fmt.Sprintf("application/x-type%02d", k), map[string][]string{}
		if k >= 40 {
			table, id = "usb", fmt.Sprintf("usb:%04x/0407/SERIAL%d", k, k)
		}
		for i, a := range apps {
			if (i+k)%10 == 0 {
				if table == "usb" {
					perms[a] = value(i, yes, no)
				} else {
					perms[a] = []string{"org.gnome.Evince", fmt.Sprint(i % 4), "3"}
				}
			}
		}
		if err := s.Set(table, true, id, perms, dbus.MakeVariant(map[string]dbus.Variant{})); err != nil {
			tb.Fatal(err)
		}
	}
	return apps
}

// ExportAll gives every app what Export gives it, one by one.
func TestExportAllIsExportOfEach(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	s := permstore.New(bus.Conn)
	apps := seedFleet(t, s, 40)
	// An app with nothing stored, and one that is not asked for.
	apps = append(apps, "org.fleet.Nothing")
	pm := portals.NewFor(s)
	all, err := pm.ExportAll(apps[1:])
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := all[apps[0]]; ok {
		t.Error("an app not asked for is exported")
	}
	for _, a := range apps[1:] {
		one, err := pm.Export(a)
		if err != nil {
			t.Fatal(err)
		}
		if len(one) == 0 {
			if _, ok := all[a]; ok {
				t.Errorf("%s: %v for nothing stored", a, all[a])
			}
			continue
		}
		if !maps.EqualFunc(all[a], one, slices.Equal) {
			t.Errorf("%s:\nExportAll %v\nExport    %v", a, all[a], one)
		}
	}
	// The test can fail: the fleet has answers in every table.
	if n := len(all[apps[1]]); n < 12 {
		t.Errorf("%s has only %d answers", apps[1], n)
	}
}

// BenchmarkExportPortals1000: `confine export --portals` of 1,000 apps,
// the way it asked before (each app's tables one by one) and now.
func BenchmarkExportPortals1000(b *testing.B) {
	bus := portaltest.NewBus(b, true)
	s := permstore.New(bus.Conn)
	apps := seedFleet(b, s, 1000)
	b.Run("each-app", func(b *testing.B) {
		for b.Loop() {
			pm := portals.NewFor(s)
			for _, a := range apps {
				if _, err := pm.Export(a); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("all-at-once", func(b *testing.B) {
		for b.Loop() {
			if _, err := portals.NewFor(s).ExportAll(apps); err != nil {
				b.Fatal(err)
			}
		}
	})
}
