package portals_test

import (
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/permstore"
	"github.com/confine-app/confine/portals"
)

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
