package overrides

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// [USB Devices] (Flatpak 1.16 and later) lists device queries an app may
// enumerate through the USB portal and queries hidden from it:
//
//	[USB Devices]
//	enumerable-devices=vnd:091e;cls:03:*;
//	hidden-devices=vnd:091e+dev:0003;
//
// A query is rules joined by "+": `all`, `cls:CC:SS` or `cls:CC:*` (device
// class, subclass), `vnd:VVVV` (vendor), `dev:PPPP` (product, with a
// vendor). Flatpak refuses a whole file with a bad query.

const (
	GroupUSB         = "USB Devices"
	KeyUSBEnumerable = "enumerable-devices"
	KeyUSBHidden     = "hidden-devices"
	// GroupA11y is written by `flatpak override --a11y-own-name` (1.16
	// and later) but never read back from an override.
	GroupA11y = "Accessibility Bus Policy"
)

// The rule types of a query.
const (
	USBAll     = "all"
	USBClass   = "cls"
	USBVendor  = "vnd"
	USBProduct = "dev"
)

// USBRule is one rule of a query.
type USBRule struct {
	Type     string // "all", "cls", "vnd" or "dev"
	Class    int    // cls
	Subclass int    // cls; -1 means any ("*")
	ID       int    // vnd, dev
}

// USBQuery is a parsed device query, rules in the order written.
type USBQuery []USBRule

func (r USBRule) String() string {
	switch r.Type {
	case "cls":
		if r.Subclass < 0 {
			return fmt.Sprintf("cls:%02x:*", r.Class)
		}
		return fmt.Sprintf("cls:%02x:%02x", r.Class, r.Subclass)
	case "vnd", "dev":
		return fmt.Sprintf("%s:%04x", r.Type, r.ID)
	}
	return r.Type
}

// String is the query as Flatpak prints it (lower-case, zero-padded hex):
// two queries are the same exactly when their strings are.
func (q USBQuery) String() string {
	parts := make([]string, len(q))
	for i, r := range q {
		parts[i] = r.String()
	}
	return strings.Join(parts, "+")
}

// Rule returns the query's rule of one type.
func (q USBQuery) Rule(typ string) (USBRule, bool) {
	for _, r := range q {
		if r.Type == typ {
			return r, true
		}
	}
	return USBRule{}, false
}

// ParseUSBQuery reads a query with Flatpak's rules and messages.
func ParseUSBQuery(s string) (USBQuery, error) {
	if s == "" {
		return nil, errors.New("Empty USB query")
	}
	var q USBQuery
	seen := map[string]bool{}
	for _, raw := range strings.Split(s, "+") {
		r, err := parseUSBRule(raw)
		if err != nil {
			return nil, err
		}
		if seen[r.Type] {
			return nil, errors.New("Multiple USB query rules of the same type is not supported")
		}
		seen[r.Type] = true
		q = append(q, r)
	}
	if seen["all"] && len(seen) > 1 {
		return nil, errors.New("'all' must not contain extra query rules")
	}
	if seen["dev"] && !seen["vnd"] {
		return nil, errors.New("USB queries with 'dev' must also specify vendors")
	}
	return q, nil
}

func parseUSBRule(s string) (USBRule, error) {
	var parts []string
	if s != "" {
		parts = strings.Split(s, ":")
	}
	if len(parts) > 3 {
		return USBRule{}, errors.New("USB device queries must be in the form TYPE:DATA")
	}
	if len(parts) == 0 {
		// Flatpak prints the missing type as "(null)".
		return USBRule{}, errors.New("Unknown USB query rule (null)")
	}
	switch parts[0] {
	case "all":
		if len(parts) != 1 {
			return USBRule{}, errors.New("USB device query 'all' must not have data")
		}
		return USBRule{Type: "all"}, nil
	case "cls":
		if len(parts) < 3 {
			return USBRule{}, errors.New("USB query rule 'cls' must be in the form CLASS:SUBCLASS or CLASS:*")
		}
		class, ok := parseHex(parts[1], 2)
		if !ok {
			return USBRule{}, errors.New("Invalid USB class")
		}
		sub := -1
		if parts[2] != "*" {
			if sub, ok = parseHex(parts[2], 2); !ok {
				return USBRule{}, errors.New("Invalid USB subclass")
			}
		}
		return USBRule{Type: "cls", Class: class, Subclass: sub}, nil
	case "vnd", "dev":
		what := map[string]string{"vnd": "vendor", "dev": "product"}[parts[0]]
		msg := fmt.Sprintf("USB query rule '%s' must have a valid 4-digit hexadecimal %s id", parts[0], what)
		if len(parts) != 2 {
			return USBRule{}, errors.New(msg)
		}
		id, ok := parseHex(parts[1], 4)
		if !ok {
			return USBRule{}, errors.New(msg)
		}
		return USBRule{Type: parts[0], ID: id}, nil
	}
	return USBRule{}, fmt.Errorf("Unknown USB query rule %s", parts[0])
}

// parseHex accepts what Flatpak's check does: exactly n characters that C's
// strtol reads completely in base 16 (so leading white space, a sign and a
// "0x" prefix count towards the length), and no negative number.
func parseHex(s string, n int) (int, bool) {
	if len(s) != n {
		return 0, false
	}
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if len(t) > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') {
		t = t[2:]
	}
	if t == "" {
		return 0, false
	}
	v, err := strconv.ParseUint(t, 16, 32)
	if err != nil || neg && v != 0 || v > 0xffff {
		return 0, false
	}
	return int(v), true
}

// ParseUSBList reads --usb-list text: lines, "#" comments, ";"-separated
// queries, "!" for hidden ones. Like Flatpak it skips queries that do not
// parse, silently.
func ParseUSBList(text string) (enumerable, hidden []USBQuery) {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, item := range strings.Split(line, ";") {
			s, hide := strings.CutPrefix(item, "!")
			q, err := ParseUSBQuery(s)
			if err != nil {
				continue
			}
			if hide {
				hidden = append(hidden, q)
			} else {
				enumerable = append(enumerable, q)
			}
		}
	}
	return enumerable, hidden
}
