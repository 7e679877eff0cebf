package model

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/confine-app/confine/overrides"
)

// A usb.ids in the repository's own words (the real file is the system's).
const usbIDs = `# test list
091e  Trail Devices Inc.
	0003  Trail GPS
1234  Example Corp
C 03  Human Interface Device
	01  Boot Interface Subclass
C 08  Mass Storage
AT 0100  USB
R 00  None
`

func TestUSBWords(t *testing.T) {
	p := filepath.Join(t.TempDir(), "usb.ids")
	os.WriteFile(p, []byte(usbIDs), 0o644)
	names := LoadUSBNames(MapEnv(map[string]string{"CONFINE_USB_IDS": p}))
	for _, tc := range []struct{ query, want string }{
		{"all", "Every USB device"},
		{"vnd:091E", "Any device of vendor 091e (Trail Devices Inc.)"},
		{"vnd:091e+dev:0003", "Device 0003 (Trail GPS) of vendor 091e (Trail Devices Inc.)"},
		{"dev:0009+vnd:091e", "Device 0009 of vendor 091e (Trail Devices Inc.)"},
		{"cls:03:*", "Any device of class 03 (Human Interface Device)"},
		{"cls:03:01", "Any device of class 03 (Human Interface Device), subclass 01 (Boot Interface Subclass)"},
		{"cls:08:*+vnd:1234", "Any device of vendor 1234 (Example Corp) in class 08 (Mass Storage)"},
		{"vnd:ffff", "Any device of vendor ffff"},
	} {
		q, err := overrides.ParseUSBQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		f, args := names.Describe(q)
		if got := fmt.Sprintf(f, args...); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.query, got, tc.want)
		}
	}
}

func TestUSBRulesAreEditedMinimally(t *testing.T) {
	w := newWorld(t)
	w.install("system", "org.example.App", "[Application]\nname=org.example.App\n\n[USB Devices]\nenumerable-devices=vnd:091e;\n")
	env := w.env()
	env = env.With(map[string]string{"CONFINE_FLATPAK_VERSION": "1.18.1"})
	m := Load(env)
	a, _ := m.App("org.example.App")
	q, hidden, err := ParseUSBRule("vnd:091E")
	if err != nil || hidden {
		t.Fatal(err)
	}
	if c, err := m.AddUSB(a, q, false); err != nil || c.Changed() {
		t.Fatalf("a rule the app has already was written: %v %+v", err, c)
	}
	q, hidden, _ = ParseUSBRule("!vnd:091e+dev:0003")
	if _, err := m.AddUSB(a, q, hidden); err != nil {
		t.Fatal(err)
	}
	if data, _ := m.User.Read(a.ID); string(data) != "[USB Devices]\nhidden-devices=vnd:091e+dev:0003;\n" {
		t.Fatalf("wrote %q", data)
	}
	if _, ok := m.Effective(a).USBHidden["vnd:091e+dev:0003"]; !ok {
		t.Fatal("not in effect")
	}
	if _, err := m.RemoveUSB(a, q, true); err != nil {
		t.Fatal(err)
	}
	if data, _ := m.User.Read(a.ID); data != nil {
		t.Fatalf("left %q", data)
	}
	// 1.14 has no USB rules.
	env = env.With(map[string]string{"CONFINE_FLATPAK_VERSION": "1.14.10"})
	if _, err := Load(env).AddUSB(a, q, false); err == nil {
		t.Fatal("USB rule written for 1.14")
	}
}
