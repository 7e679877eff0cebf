package portals

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/godbus/dbus/v5"

	"github.com/confine-app/confine/permstore"
)

// An app's answers under many IDs of one table: its Open With choices and
// the USB portal's decisions about single devices.

// answer is an app's value for one ID of a table.
type answer struct {
	id    string
	value []string
}

// answers are an app's values among the IDs of a table, asked all at once,
// in the order of ids; IDs where the app has no value (or an empty one)
// are left out.
func (pm *Manager) answers(table string, ids []string, appID string) ([]answer, error) {
	values, err := pm.Store.GetPermissions(table, ids, appID)
	if err != nil {
		return nil, err
	}
	var out []answer
	for i, id := range ids {
		if len(values[i]) > 0 {
			out = append(out, answer{id, values[i]})
		}
	}
	return out, nil
}

// answersIn are an app's answers in a whole table, among the IDs keep
// accepts.
func (pm *Manager) answersIn(table, appID string, keep func(id string) bool) ([]answer, error) {
	if pm.Err != nil {
		return nil, pm.Err
	}
	ids, _, err := pm.tableIDs(table)
	if err != nil {
		return nil, err
	}
	return pm.answers(table, slices.DeleteFunc(ids, func(id string) bool { return !keep(id) }), appID)
}

// OpenWith is one of an app's Open With choices (the desktop-used-apps
// table): when the app asks the desktop to open a file or link of a type,
// the desktop's chooser remembers the handler picked and, once it was
// picked Threshold times in a row, opens with it without asking.
type OpenWith struct {
	ContentType string // "application/pdf", "x-scheme-handler/https"
	Handler     string // the chosen app's desktop-file ID without ".desktop"
	Count       int
	Threshold   int
	// AlwaysAsk: the entry's data says to show the chooser every time,
	// for every app.
	AlwaysAsk  bool
	Raw        []string
	Understood bool
}

// Skips reports whether the desktop opens the type without asking.
func (o OpenWith) Skips() bool {
	return o.Understood && !o.AlwaysAsk && o.Threshold < math.MaxInt32 && o.Count >= o.Threshold
}

// read takes Handler, Count and Threshold from Raw as the OpenURI portal
// does: the handler and the count are needed (without them it asks, as
// if nothing were stored); the threshold, third, is 3 when missing or
// blank; numbers are read with C's atoi (what is not one reads 0) and
// strings after the third are ignored. Older portals wrote two.
func (o *OpenWith) read() {
	if len(o.Raw) < 2 {
		return
	}
	o.Handler, o.Count, o.Threshold, o.Understood = o.Raw[0], atoi(o.Raw[1]), 3, true
	if len(o.Raw) >= 3 && strings.TrimSpace(o.Raw[2]) != "" {
		o.Threshold = atoi(o.Raw[2])
	}
}

// atoi is C's atoi as glibc has it: white space, a sign, digits, the
// rest ignored; 0 when there are no digits; the long it reads (clamped
// to its range) cut to an int.
func atoi(s string) int {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var n uint64
	over := false
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			break
		}
		if n > (math.MaxInt64-uint64(c-'0'))/10 {
			over = true
			break
		}
		n = n*10 + uint64(c-'0')
	}
	var l int64
	switch {
	case over && neg:
		l = math.MinInt64
	case over:
		l = math.MaxInt64
	case neg:
		l = -int64(n)
	default:
		l = int64(n)
	}
	return int(int32(l))
}

// OpenWith lists an app's Open With choices.
func (pm *Manager) OpenWith(appID string) ([]OpenWith, error) {
	mine, err := pm.answersIn(OpenWithTable, appID, func(string) bool { return true })
	if err != nil {
		return nil, err
	}
	var out []OpenWith
	for _, a := range mine {
		id, raw := a.id, a.value
		_, data, err := pm.Store.LookupEntry(OpenWithTable, id)
		if errors.Is(err, permstore.ErrNotFound) {
			continue
		}
		if err != nil {
			return out, err
		}
		o := OpenWith{ContentType: id, Raw: raw}
		o.read()
		if m, ok := data.Value().(map[string]dbus.Variant); ok {
			o.AlwaysAsk, _ = m["always-ask"].Value().(bool)
		}
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ContentType < out[j].ContentType })
	return out, nil
}

// USBDecision is the USB portal's decision about one device for an app: the
// portal stores "yes" when the desktop gave the app the device, and hides
// a device stored "no" from the app altogether.
type USBDecision struct {
	ID                      string // "usb:VENDOR/MODEL/SERIAL", as udev names them
	Vendor, Product, Serial string
	Raw                     []string
	Hidden                  bool
}

// USBDecisions lists an app's per-device USB decisions.
func (pm *Manager) USBDecisions(appID string) ([]USBDecision, error) {
	// The table's other ID is the app-wide switch (the USB portal row).
	mine, err := pm.answersIn(USBTable, appID, func(id string) bool { return strings.HasPrefix(id, "usb:") })
	if err != nil {
		return nil, err
	}
	var out []USBDecision
	for _, a := range mine {
		id, raw := a.id, a.value
		rest := strings.TrimPrefix(id, "usb:")
		d := USBDecision{ID: id, Raw: raw, Hidden: len(raw) == 1 && raw[0] == "no"}
		parts := strings.SplitN(rest, "/", 3)
		for len(parts) < 3 {
			parts = append(parts, "")
		}
		d.Vendor, d.Product, d.Serial = parts[0], parts[1], parts[2]
		out = append(out, d)
	}
	return out, nil
}

// Forget removes an app's stored answer for one ID of the Open With or
// USB table and returns it for Undo (Remember). The entry stays, so
// nothing is created when it is put back.
func (pm *Manager) Forget(table, id, appID string) ([]string, error) {
	if pm.Err != nil {
		return nil, pm.Err
	}
	if table != OpenWithTable && table != USBTable {
		return nil, fmt.Errorf("%q is not a table Confine forgets single answers in", table)
	}
	old, err := pm.Store.GetPermission(table, id, appID)
	if err != nil {
		return nil, err
	}
	return old, pm.Store.DeletePermission(table, id, appID)
}

// Remember stores an app's answer for an existing ID again (Undo of
// Forget, a device hidden from the app).
func (pm *Manager) Remember(table, id, appID string, value []string) error {
	if pm.Err != nil {
		return pm.Err
	}
	if table != OpenWithTable && table != USBTable {
		return fmt.Errorf("%q is not a table Confine writes single answers in", table)
	}
	if len(value) == 0 {
		return pm.Store.DeletePermission(table, id, appID)
	}
	// create=false: only an entry the store has.
	return pm.Store.SetPermission(table, false, id, appID, slices.Clone(value))
}
