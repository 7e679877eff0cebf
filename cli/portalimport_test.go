package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/permstore"
)

// import --dry-run shows, value by value, what would change in the store,
// and warns about values no portal writes.
func TestImportDryRunShowsEachValue(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	s := permstore.New(bus.Conn)
	for _, e := range []struct{ table, id, v string }{
		{"devices", "camera", "yes"}, {"devices", "microphone", "no"}, {"notifications", "notification", "no"}, {"location", "location", "NONE,0"},
		{"desktop-used-apps", "text/plain", "org.gnome.TextEditor,1,3"},
	} {
		if err := s.SetPermission(e.table, true, e.id, browser, strings.Split(e.v, ",")); err != nil {
			t.Fatal(err)
		}
	}
	env := append(demo(t), "DBUS_SESSION_BUS_ADDRESS="+bus.Address)
	file := filepath.Join(t.TempDir(), "ex.json")
	os.WriteFile(file, []byte(`{"format": "confine-overrides", "version": 1, "note": "", "overrides": {}, "portals": {"`+browser+`": {
	  "devices/camera": ["no"], "devices/microphone": ["maybe"], "notifications/notification": ["no"], "location/location": ["CITY"],
	  "desktop-used-apps/application/pdf": ["org.gnome.Evince", "three", "3"]}}}`), 0o644)
	r := confine(t, env, "import", "--dry-run", file)
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	for _, want := range []string{
		"portal permissions of " + browser + ":",
		`devices/camera: ["yes"] → ["no"]`,
		`devices/microphone: ["no"] → ["maybe"]`,
		`location/location: ["NONE", "0"] → ["CITY"]`,
		`desktop-used-apps/application/pdf: nothing stored → ["org.gnome.Evince", "three", "3"]`,
		"unchanged: 1",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, want := range []string{
		`warning: ` + browser + `: devices/microphone: ["maybe"] is not a value any portal writes here: it acts as if nothing were stored`,
		`warning: ` + browser + `: location/location: a location without the time of its last use (["CITY"])`,
		`warning: ` + browser + `: desktop-used-apps/application/pdf: ["org.gnome.Evince", "three", "3"] is not an Open With choice`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("dry run does not warn %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "devices/camera") || strings.Contains(r.stdout, "notifications/notification:") {
		t.Errorf("a warning or a line for a value a portal writes, or an unchanged one:\n%s%s", r.stdout, r.stderr)
	}
	if got := value(t, s, "devices", "camera", browser); got != "yes" {
		t.Errorf("the dry run wrote: camera %s", got)
	}
	// Imported for real, the same lines, and the values are stored.
	if r := confine(t, env, "import", file); r.code != 0 || !strings.Contains(r.stdout, `devices/camera: ["yes"] → ["no"]`) {
		t.Fatalf("import: %+v", r)
	}
	if got := value(t, s, "location", "location", browser); got != "CITY" {
		t.Errorf("location %s", got)
	}
}
