package permstore_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/permstore"
)

// Against the real xdg-permission-store on a private bus.

const tok1 = "3f2c8a1e-5b7d-4c1a-9e0f-2b6d8c4a7e19"

// watched is a store on a private bus whose Changed signals arrive on the
// channel, and a second connection to it: another program.
func watched(t *testing.T) (<-chan permstore.Change, *permstore.Store) {
	t.Helper()
	bus := portaltest.NewBus(t, true)
	got := make(chan permstore.Change, 4)
	stop, err := permstore.New(bus.Conn).Watch(func(c permstore.Change) { got <- c })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return got, permstore.New(bus.Connect(t))
}

// next waits for the next Changed signal.
func next(t *testing.T, got <-chan permstore.Change) permstore.Change {
	t.Helper()
	select {
	case c := <-got:
		return c
	case <-time.After(3 * time.Second):
		t.Fatal("no Changed signal")
	}
	return permstore.Change{}
}

func TestChangedSignal(t *testing.T) {
	got, other := watched(t)
	// Another program (here a second connection) changes a permission.
	if err := other.SetPermission("devices", true, "camera", "org.a.App", []string{"no"}); err != nil {
		t.Fatal(err)
	}
	if c := next(t, got); c.Table != "devices" || c.ID != "camera" || c.Deleted || strings.Join(c.Perms["org.a.App"], ",") != "no" {
		t.Fatalf("signal %+v", c)
	}
}

func TestChangedCarriesSessionData(t *testing.T) {
	got, other := watched(t)
	if err := other.Set("screencast", true, tok1, map[string][]string{"com.obsproject.Studio": {"yes"}}, portaltest.GnomeScreencast(portaltest.MonitorStream(0, "DEL:DELL U2720Q:7F9X2K3"), portaltest.WindowStream(1, "org.mozilla.firefox", "Mozilla Firefox"), portaltest.VirtualStream(2))); err != nil {
		t.Fatal(err)
	}
	if c := next(t, got); c.Table != "screencast" || c.ID != tok1 || c.Data.Signature().String() != "(suv)" {
		t.Fatalf("change %+v", c)
	}
}

// TestExactVariantRoundTrip: what ExactVariant makes of data read from the
// store goes over the wire as the same GVariant (decoded again, it is what
// was read), for the layouts the portal backends store, while what godbus
// decoded would not (it sends a struct as an array of variants).
func TestExactVariantRoundTrip(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	s := permstore.New(bus.Conn)
	for i, data := range []dbus.Variant{
		portaltest.GnomeScreencast(portaltest.MonitorStream(0, "DEL:DELL U2720Q:7F9X2K3"), portaltest.WindowStream(1, "org.mozilla.firefox", "Mozilla Firefox")),
		dbus.MakeVariant(map[string]dbus.Variant{"output_name": dbus.MakeVariant("DP-1")}),
		dbus.MakeVariant(struct {
			A string
			B []byte
		}{"KDE", []byte{0, 1}}),
	} {
		read, exact := storeAndRead(t, s, fmt.Sprintf("t%d", i), data)
		if back := wire(t, exact); back.Signature() != read.Signature() || !reflect.DeepEqual(back.Value(), read.Value()) {
			t.Errorf("%s comes back as %s %v", read.Signature(), back.Signature(), back.Value())
		}
		// The test can fail: godbus would send its own value as another
		// type.
		if strings.Contains(read.Signature().String(), "(") && dbus.SignatureOf(read.Value()) == read.Signature() {
			t.Errorf("%s: godbus sends what it decoded unchanged", read.Signature())
		}
	}
	if _, err := permstore.ExactVariant(dbus.MakeVariant(dbus.UnixFDIndex(0))); err == nil {
		t.Error("a file descriptor was accepted")
	}
}

// wire encodes a variant in a D-Bus message and decodes it again.
func wire(t *testing.T, v dbus.Variant) dbus.Variant {
	t.Helper()
	msg := &dbus.Message{Type: dbus.TypeSignal, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath: dbus.MakeVariant(dbus.ObjectPath("/t")), dbus.FieldInterface: dbus.MakeVariant("t.T"), dbus.FieldMember: dbus.MakeVariant("T"),
		dbus.FieldSignature: dbus.MakeVariant(dbus.SignatureOf(v)),
	}, Body: []any{v}}
	var buf bytes.Buffer
	if err := msg.EncodeTo(&buf, binary.LittleEndian); err != nil {
		t.Fatal(err)
	}
	back, err := dbus.DecodeMessage(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return back.Body[0].(dbus.Variant)
}

// gdbus asks GLib's own client what the store holds: an independent
// reader and writer of GVariants, which prints a dict in its order.
func gdbus(t *testing.T, bus *portaltest.Bus, method string, args ...string) string {
	t.Helper()
	bin := testbin.Need(t, "/usr/bin/gdbus")
	cmd := exec.Command(bin, append([]string{"call", "--address", bus.Address, "--dest", permstore.BusName,
		"--object-path", string(permstore.ObjectPath), "--method", permstore.Interface + "." + method}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gdbus %s %v: %v\n%s", method, args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestLookupExactWritesBackTheSameData (issue 24): data written by GLib
// (hyprland's saved session: a dict of five entries in its own order, and
// every other type, nested, empty arrays whose padding counts) is read by
// LookupExact and written back with Set as the same GVariant, as GLib
// prints it, dict order included; godbus's own decoding puts the entries
// in key order.
func TestLookupExactWritesBackTheSameData(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	s := bus.SessionStore(t)
	hyprland := "<('hyprland', uint32 3, <{'withCursor': <uint32 1>, 'token': <'todo'>, 'timeIssued': <uint64 1732950000>, 'windowClass': <'firefox'>, 'windowHandle': <uint64 94823716>}>)>"
	for i, data := range []string{
		hyprland,
		"<{'z': <{'b': <1>, 'a': <2>}>, 'y': <[{'d': <true>, 'c': <false>}]>, 'x': <@a{sv} {}>}>",
		"<(byte 0xff, true, int16 -2, uint16 65535, -3, uint32 4294967295, int64 -5, uint64 18446744073709551615, 2.5, 'ünï\\u00a0', objectpath '/a/b', signature 'a{sv}')>",
		"<([(byte 1, int64 2)], @a(yx) [], [byte 7], @a{ss} {}, {uint32 9: <'nine'>, uint32 3: <'three'>}, <<<'deep'>>>, [@as [], ['a', 'b']])>",
		"<@a{sv} {}>",
	} {
		id := fmt.Sprintf("t%d", i)
		gdbus(t, bus, "Set", "screencast", "true", id, "{'org.a.App': ['yes']}", data)
		want := gdbus(t, bus, "Lookup", "screencast", id)
		perms, exact, err := s.LookupExact("screencast", id)
		if err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		if strings.Join(perms["org.a.App"], ",") != "yes" {
			t.Errorf("%s: perms %v", data, perms)
		}
		if err := s.Set("screencast", true, id+"-back", perms, exact); err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		if got := gdbus(t, bus, "Lookup", "screencast", id+"-back"); got != want {
			t.Errorf("written back:\n got %s\nwant %s", got, want)
		}
	}
	// The test can fail: what godbus decodes comes back in key order.
	_, read, err := s.LookupEntry("screencast", "t0")
	if err != nil {
		t.Fatal(err)
	}
	sorted, err := permstore.ExactVariant(read)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set("screencast", true, "sorted", map[string][]string{"org.a.App": {"yes"}}, sorted); err != nil {
		t.Fatal(err)
	}
	if got := gdbus(t, bus, "Lookup", "screencast", "sorted"); !strings.Contains(got, "{'timeIssued'") {
		t.Errorf("godbus's decoding kept the order: %s", got)
	}
	// A store that does not know its bus's address refuses such data
	// rather than write it back in another order; other data it takes.
	plain := permstore.New(bus.Conn)
	if _, _, err := plain.LookupExact("screencast", "t0"); !errors.Is(err, permstore.ErrOrderUnknown) {
		t.Errorf("without the address: %v", err)
	}
	if _, _, err := plain.LookupExact("screencast", "t2"); err != nil {
		t.Errorf("without the address, a struct: %v", err)
	}
	if _, _, err := s.LookupExact("screencast", "missing"); !errors.Is(err, permstore.ErrNotFound) {
		t.Errorf("a missing entry: %v", err)
	}
}

// storeAndRead stores data under id in the screencast table, reads it back
// and returns what was read and ExactVariant's form of it.
func storeAndRead(t *testing.T, s *permstore.Store, id string, data dbus.Variant) (read, exact dbus.Variant) {
	t.Helper()
	if err := s.Set("screencast", true, id, map[string][]string{"org.a.App": {"yes"}}, data); err != nil {
		t.Fatal(err)
	}
	_, read, err := s.LookupEntry("screencast", id)
	if err != nil {
		t.Fatal(err)
	}
	if exact, err = permstore.ExactVariant(read); err != nil {
		t.Fatalf("%s: %v", read.Signature(), err)
	}
	return read, exact
}
