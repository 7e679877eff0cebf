package overrides

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Perm is what a file — or a stack of merged files — says about one name of
// a fixed-name key (shared, sockets, devices, features).
//
// In 1.14 and 1.16 a mentioned name is either granted ({Allowed, Reset}) or
// revoked ({Reset}): the upper layer's word replaces the lower one. 1.18
// adds conditions: a name not allowed outright is granted while any of its
// conditions holds, and Reset says whether this layer discards the lower
// layers' conditions (without it, conditions of all layers add up).
type Perm struct {
	Allowed bool
	Reset   bool
	// Conditions are kept sorted (byte order, as Flatpak sorts them);
	// "!" negates. Flatpak does not remove duplicates read from a file.
	Conditions []string
}

// Conditional reports a grant that depends on conditions.
func (p Perm) Conditional() bool { return !p.Allowed && len(p.Conditions) > 0 }

func (p Perm) clone() Perm {
	p.Conditions = slices.Clone(p.Conditions)
	return p
}

// String is a compact description for tests and canonical forms:
// "on", "off", "if C1,C2" with " (reset)" where it matters.
func (p Perm) String() string {
	switch {
	case p.Allowed:
		return "on"
	case len(p.Conditions) > 0:
		s := "if " + strings.Join(p.Conditions, ",")
		if p.Reset {
			s += " (reset)"
		}
		return s
	case p.Reset:
		return "off"
	}
	return "nothing"
}

// Conditions Flatpak 1.18 evaluates; others are unknown to it and false.
const (
	CondTrue           = "true"
	CondFalse          = "false"
	CondHasInputDevice = "has-input-device"
	CondHasUSBDevice   = "has-usb-device"
	CondHasWayland     = "has-wayland"
	CondHasUSBPortal   = "has-usb-portal"
)

// KnownConditions lists them in Flatpak's order.
var KnownConditions = []string{CondTrue, CondFalse, CondHasInputDevice, CondHasUSBDevice, CondHasWayland, CondHasUSBPortal}

// alwaysTrue are the conditions 1.18 holds true without looking: it knows
// the device kinds they ask about.
var alwaysTrue = map[string]bool{CondTrue: true, CondHasInputDevice: true, CondHasUSBDevice: true}

// permParser reads one list the way 1.18 does (flatpak_permissions_from_strv
// and flatpak_permission_deserialize): a plain `x` may be a fallback written
// for older releases, undone by a following `if:x:C`.
type permParser struct {
	perms map[string]*permState
	order []string // names in order of first mention
}

type permState struct {
	Perm
	compat      bool // the last plain `x` may be a fallback for old releases
	compatReset bool
	parked      []string
}

// entryError is an entry 1.18 refuses (the whole file with it) or crashes
// on.
type entryError struct {
	msg   string
	crash bool
}

func (p *permParser) entry(e string) *entryError {
	if e == "" {
		// g_strsplit("") gives no token and Flatpak 1.18 dereferences it.
		return &entryError{msg: "an empty entry makes Flatpak 1.18 crash when it reads this file", crash: true}
	}
	tokens := strings.SplitN(e, ":", 3)
	var name, cond string
	negated, conditional := false, false
	if tokens[0] == "if" {
		if len(tokens) != 3 {
			return &entryError{msg: fmt.Sprintf("Invalid permission syntax: %s", e)}
		}
		name, cond, conditional = tokens[1], tokens[2], true
	} else {
		if len(tokens) != 1 {
			return &entryError{msg: fmt.Sprintf("Invalid permission syntax: %s", e)}
		}
		name, negated = strings.CutPrefix(tokens[0], "!")
	}
	s := p.perms[name]
	if s == nil {
		s = &permState{}
		p.perms[name] = s
		p.order = append(p.order, name)
	}
	switch {
	case conditional:
		if s.compat {
			// The plain entry before was the fallback: undo it.
			s.Allowed, s.Reset, s.compat = false, s.compatReset, false
			s.Conditions, s.parked = s.parked, nil
		}
		s.Conditions = append(s.Conditions, cond)
		sort.Strings(s.Conditions)
	case negated:
		s.Allowed, s.Reset = false, true
	default:
		s.compat, s.compatReset = true, s.Reset
		s.Conditions, s.parked = s.parked, s.Conditions
		s.Allowed, s.Reset = true, true
	}
	return nil
}

// parseFixed reads one fixed-name list in dialect d. Unknown names are
// reported; 1.14 and 1.16 drop them, 1.18 keeps them (they never grant
// anything). An entry 1.18 refuses is returned as a fatal problem.
func (d *Dialect) parseFixed(key string, items []string, note func(entry, msg string, fatal, crash bool)) map[string]Perm {
	out := map[string]Perm{}
	if !d.Conditional {
		for _, it := range items {
			name, neg := strings.CutPrefix(it, "!")
			if !d.Knows(key, name) {
				note(it, fmt.Sprintf("unknown %s %q is ignored by %s", cliWord[key], name, d), false, false)
				continue
			}
			out[name] = Perm{Allowed: !neg, Reset: true}
		}
		return out
	}
	p := &permParser{perms: map[string]*permState{}}
	for _, it := range items {
		if err := p.entry(it); err != nil {
			note(it, err.msg, true, err.crash)
			return map[string]Perm{}
		}
	}
	for _, name := range p.order {
		if !d.Knows(key, name) {
			note(name, fmt.Sprintf("unknown %s %q never grants anything", cliWord[key], name), false, false)
		}
		out[name] = p.perms[name].Perm
	}
	return out
}

// MergeFixed lays upper over lower (both name → Perm), as the release
// merges layers: 1.14/1.16 take the upper word for each name it mentions;
// 1.18 merges allowed, reset and conditions (flatpak_permissions_merge).
// lower is changed in place.
func (d *Dialect) MergeFixed(key string, lower, upper map[string]Perm) {
	if !d.Conditional {
		for n, p := range upper {
			lower[n] = p.clone()
		}
		return
	}
	// Resetting x11 resets its conditions, and fallback-x11 is one.
	if x, ok := upper[SocketX11]; key == KeySockets && ok && x.Reset {
		delete(lower, SocketFallbackX11)
	}
	for n, up := range upper {
		low, ok := lower[n]
		if !ok {
			lower[n] = up.clone()
			continue
		}
		if up.Reset {
			low.Reset = true
			low.Conditions = nil
		}
		low.Allowed = up.Allowed
		low.Conditions = slices.Clone(low.Conditions)
		sorted := true
		for _, c := range up.Conditions {
			if slices.Contains(low.Conditions, c) {
				if d.MergeStopsAtDuplicate {
					// 1.18.1 returns here: later conditions are lost
					// and the list is not sorted again.
					sorted = false
					break
				}
				continue
			}
			low.Conditions = append(low.Conditions, c)
		}
		if sorted {
			sort.Strings(low.Conditions)
		}
		lower[n] = low
	}
}

// SerializePerm writes a name's state as 1.18 does:
// `x`, `!x`, or `[!x;]x;if:x:C…` (the plain `x` keeps older releases
// granting it).
func SerializePerm(name string, p Perm) []string {
	switch {
	case p.Allowed:
		return []string{name}
	case len(p.Conditions) > 0:
		var out []string
		if p.Reset {
			out = append(out, "!"+name)
		}
		out = append(out, name)
		for _, c := range p.Conditions {
			out = append(out, "if:"+name+":"+c)
		}
		return out
	}
	return []string{"!" + name}
}

// entryName is the name a list entry is about, in dialect d: `x`, `!x`,
// and in 1.18 `if:x:C`.
func (d *Dialect) entryName(e string) string {
	if d.Conditional {
		if rest, ok := strings.CutPrefix(e, "if:"); ok {
			name, _, _ := strings.Cut(rest, ":")
			return name
		}
	}
	return strings.TrimPrefix(e, "!")
}

// Session is what conditions are evaluated against: the desktop session
// an app starts in.
type Session struct {
	// Wayland: a Wayland compositor's socket exists (has-wayland). In an
	// X11 session it does not.
	Wayland bool
	// USBPortal: the desktop has the USB portal (has-usb-portal).
	USBPortal bool
}

// CondHolds evaluates one condition ("!" negates) in a session, as the
// release does. Unknown conditions are false, negated or not.
func (d *Dialect) CondHolds(cond string, s Session) bool {
	c, neg := strings.CutPrefix(cond, "!")
	if !slices.Contains(KnownConditions, c) {
		return false
	}
	if alwaysTrue[c] && !neg {
		return true
	}
	var v bool
	switch c {
	case CondHasWayland:
		v = s.Wayland
	case CondHasUSBPortal:
		v = s.USBPortal
	default:
		// 1.18.1 asks its evaluator here, which answers false even for
		// the conditions it holds true: so their negation comes out true.
		v = alwaysTrue[c] && !d.NegatedTrueBug
	}
	return v == !neg
}

// Granted evaluates a Perm in a session.
func (d *Dialect) Granted(p Perm, s Session) bool {
	if p.Allowed {
		return true
	}
	if !d.Conditional {
		return false
	}
	for _, c := range p.Conditions {
		if d.CondHolds(c, s) {
			return true
		}
	}
	return false
}
