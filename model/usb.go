package model

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/confine-app/confine/overrides"
)

// USB device rules in words. Vendor, product and class names come from the
// system's usb.ids (the USB ID Repository as distributions ship it); without
// it the numbers are shown alone.

// USBNames are the names usb.ids gives.
type USBNames struct {
	vendors    map[int]string
	products   map[[2]int]string // vendor, product
	classes    map[int]string
	subclasses map[[2]int]string // class, subclass
}

// usbIDsPaths are where distributions put usb.ids (Debian, Fedora and the
// Flatpak runtimes, the host's seen from a sandbox).
var usbIDsPaths = []string{"/usr/share/hwdata/usb.ids", "/usr/share/misc/usb.ids", "/var/lib/usbutils/usb.ids", "/run/host/usr/share/hwdata/usb.ids", "/run/host/usr/share/misc/usb.ids"}

// LoadUSBNames reads usb.ids from $CONFINE_USB_IDS or the usual places; a
// missing file gives no names.
func LoadUSBNames(env Env) *USBNames {
	n := &USBNames{vendors: map[int]string{}, products: map[[2]int]string{}, classes: map[int]string{}, subclasses: map[[2]int]string{}}
	paths := usbIDsPaths
	if p := env.Getenv("CONFINE_USB_IDS"); p != "" {
		paths = []string{p}
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		n.read(f)
		f.Close()
		break
	}
	return n
}

// read parses the file's vendor/product lines ("091e  Garmin International",
// "\t0003  GPS") and class lines ("C 03  Human Interface Device",
// "\t01  Boot Interface Subclass"); the other sections are skipped.
func (n *USBNames) read(f *os.File) {
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	section, vendor, class := "", -1, -1
	hex := func(s string) (int, bool) {
		v, err := strconv.ParseUint(s, 16, 16)
		return int(v), err == nil
	}
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, name, ok := strings.Cut(strings.TrimLeft(line, "\t"), "  ")
		if !ok {
			continue
		}
		top := !strings.HasPrefix(line, "\t")
		switch {
		case top && strings.HasPrefix(line, "C "):
			section, vendor, class = "class", -1, -1
			if c, ok := hex(strings.TrimPrefix(id, "C ")); ok {
				class = c
				n.classes[c] = name
			}
		case top && len(id) == 4:
			section, vendor, class = "", -1, -1
			if v, ok := hex(id); ok {
				section, vendor = "vendor", v
				n.vendors[v] = name
			}
		case top:
			section = "" // another list (AT, HID, L, …)
		case strings.HasPrefix(line, "\t\t"):
		case section == "vendor" && vendor >= 0:
			if p, ok := hex(id); ok {
				n.products[[2]int{vendor, p}] = name
			}
		case section == "class" && class >= 0:
			if s, ok := hex(id); ok {
				n.subclasses[[2]int{class, s}] = name
			}
		}
	}
}

func named(id string, name string) string {
	if name == "" {
		return id
	}
	return id + " (" + name + ")"
}

// Describe says what a query matches (an untranslated format and its
// arguments): "Any device of vendor %s" with "091e (Garmin International)".
func (n *USBNames) Describe(q overrides.USBQuery) (string, []any) {
	if _, ok := q.Rule(overrides.USBAll); ok {
		return N_("Every USB device"), nil
	}
	var class, vendor, product string
	if r, ok := q.Rule(overrides.USBClass); ok {
		class = named(fmt.Sprintf("%02x", r.Class), n.classes[r.Class])
		if r.Subclass >= 0 {
			class += ", " + named(fmt.Sprintf("subclass %02x", r.Subclass), n.subclasses[[2]int{r.Class, r.Subclass}])
		}
	}
	v, hasVendor := q.Rule(overrides.USBVendor)
	if hasVendor {
		vendor = named(fmt.Sprintf("%04x", v.ID), n.vendors[v.ID])
	}
	if d, ok := q.Rule(overrides.USBProduct); ok {
		product = named(fmt.Sprintf("%04x", d.ID), n.products[[2]int{v.ID, d.ID}])
	}
	switch {
	case product != "" && class != "":
		// TRANSLATORS: a USB device rule; each %s is a hexadecimal USB ID, followed by its name in parentheses when the system knows it, e.g. “091e (Garmin)”
		return N_("Device %s of vendor %s, class %s"), []any{product, vendor, class}
	case product != "":
		// TRANSLATORS: a USB device rule; each %s is a hexadecimal USB ID, with its name when known
		return N_("Device %s of vendor %s"), []any{product, vendor}
	case vendor != "" && class != "":
		// TRANSLATORS: a USB device rule; each %s is a hexadecimal USB ID or class, with its name when known
		return N_("Any device of vendor %s in class %s"), []any{vendor, class}
	case vendor != "":
		return N_("Any device of vendor %s"), []any{vendor}
	}
	return N_("Any device of class %s"), []any{class}
}

// USBNames reads usb.ids once.
func (m *Model) USBNames() *USBNames {
	m.usbOnce.Do(func() { m.usbNames = LoadUSBNames(m.Env) })
	return m.usbNames
}

// ParseUSBRule reads a device rule as a person types it: a query
// ("vnd:091e", "cls:03:*"), hidden from the app with a leading "!".
func ParseUSBRule(s string) (q overrides.USBQuery, hidden bool, err error) {
	s, hidden = strings.CutPrefix(strings.TrimSpace(s), "!")
	q, err = overrides.ParseUSBQuery(s)
	return q, hidden, err
}

// USBSyntax is a rule in key-file form: "enumerable-devices=vnd:091e".
func USBSyntax(q overrides.USBQuery, hidden bool) string {
	if hidden {
		return overrides.KeyUSBHidden + "=" + q.String()
	}
	return overrides.KeyUSBEnumerable + "=" + q.String()
}

// AddUSB lets the app see (or, hidden, never see) the devices a query
// matches (Flatpak 1.16 and later). Rules add up across layers: one the
// layers below have already is not written again.
func (m *Model) AddUSB(a *App, q overrides.USBQuery, hidden bool) (Change, error) {
	if !m.Dialect.USB {
		return Change{}, fmt.Errorf("USB device rules need Flatpak 1.16 or newer; this system has %s: %w", m.Flatpak, ErrUnsupported)
	}
	return m.edit(a, func(f *overrides.File) error { return f.RemoveUSB(q, hidden) },
		func(e *Effective) bool {
			list := e.USBEnumerable
			if hidden {
				list = e.USBHidden
			}
			_, ok := list[q.String()]
			return ok
		},
		func(f *overrides.File) error { return f.AddUSB(q, hidden) })
}

// RemoveUSB removes a rule from the user's override (rules of the layers
// below cannot be taken away).
func (m *Model) RemoveUSB(a *App, q overrides.USBQuery, hidden bool) (Change, error) {
	return m.edit(a, func(f *overrides.File) error { return f.RemoveUSB(q, hidden) }, nil, nil)
}
