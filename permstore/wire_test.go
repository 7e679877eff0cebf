package permstore_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/permstore"
)

// Stored data kept as bytes (a command-line Undo) goes back to the real
// store as the same GVariant it was read as.
func TestMarshalVariantRoundTrip(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	s := permstore.New(bus.Conn)
	for i, data := range []dbus.Variant{
		portaltest.GnomeScreencast(portaltest.MonitorStream(0, "DEL:DELL U2720Q:7F9X2K3"), portaltest.WindowStream(1, "org.mozilla.firefox", "Mozilla Firefox"), portaltest.VirtualStream(2)),
		dbus.MakeVariant(map[string]dbus.Variant{"output_name": dbus.MakeVariant("DP-1")}),
		dbus.MakeVariant(struct {
			Path       []byte
			Dev, Inode uint64
			Flags      uint32
		}{[]byte("/home/u/Documents/r\xe9sum\xe9.pdf\x00"), 2049, 1234567, 4}),
	} {
		id := fmt.Sprintf("w%d", i)
		read, exact := storeAndRead(t, s, id, data)
		bytes, err := permstore.MarshalVariant(exact)
		if err != nil {
			t.Fatalf("%s: %v", read.Signature(), err)
		}
		back, err := permstore.UnmarshalVariant(bytes)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Set("screencast", true, id+"-again", map[string][]string{"org.a.App": {"yes"}}, back); err != nil {
			t.Fatal(err)
		}
		_, again, err := s.LookupEntry("screencast", id+"-again")
		if err != nil || again.Signature() != read.Signature() || !reflect.DeepEqual(again.Value(), read.Value()) {
			t.Errorf("%s comes back as %s %v (%v)", read.Signature(), again.Signature(), again.Value(), err)
		}
	}
	if _, err := permstore.UnmarshalVariant([]byte("not a message")); err == nil {
		t.Error("junk was read as data")
	}
}
