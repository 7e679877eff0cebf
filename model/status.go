package model

import (
	"fmt"
	"slices"
	"strings"

	"github.com/confine-app/confine/overrides"
)

// Status is how a fixed-name permission stands for an app as the installed
// Flatpak would start it: on, off, or on only under conditions — with its
// value in each kind of session.
type Status struct {
	// On: granted outright. Otherwise it is granted while one of the
	// Conditions holds (none: off). For X11 the conditions include what
	// fallback-x11 does ("!has-wayland").
	On         bool
	Conditions []string
	// Wayland and X11: granted when the app starts in a Wayland session,
	// in an X11 session; Now: in the session Confine runs in.
	Wayland, X11, Now bool
	Source            Source
	// Words is what each layer said about it, lowest first.
	Words []Word
}

// Conditional reports a grant that depends on conditions.
func (s Status) Conditional() bool { return !s.On && len(s.Conditions) > 0 }

// Value is "on", "off" or "conditional".
func (s Status) Value() string {
	switch {
	case s.On:
		return "on"
	case s.Conditional():
		return "conditional"
	}
	return "off"
}

// StatusOf says how a fixed-name permission stands for the app; now is the
// running session (Model.Session).
func (e *Effective) StatusOf(key, name string, now overrides.Session) Status {
	fs := e.Fixed[key][name]
	st := Status{Source: fs.Source, Words: fs.Words}
	withPortal := func(s overrides.Session) overrides.Session { s.USBPortal = now.USBPortal; return s }
	st.Wayland = e.Allowed(key, name, withPortal(WaylandSession))
	st.X11 = e.Allowed(key, name, withPortal(X11Session))
	st.Now = e.Allowed(key, name, now)
	p := fs.Perm
	if key == overrides.KeySockets && name == overrides.SocketX11 {
		if fb := e.Fixed[key][overrides.SocketFallbackX11]; fb.Allowed {
			// fallback-x11 decides X11 in the end: say so as the
			// condition 1.18 makes of it.
			switch {
			case e.Dialect.Conditional:
				p = onlyWithoutWayland(p)
			case st.Wayland:
				// Before 1.18 an app without Wayland gets X11 everywhere.
				p = overrides.Perm{Allowed: true, Reset: true}
			default:
				p = overrides.Perm{Conditions: []string{"!" + overrides.CondHasWayland}}
			}
			if fb.Source > st.Source {
				st.Source = fb.Source
			}
		}
	}
	st.On = p.Allowed
	if !p.Allowed {
		st.Conditions = p.Conditions
	}
	return st
}

// StatusIn is StatusOf for a catalogue entry.
func (e *Effective) StatusIn(p *Permission, now overrides.Session) Status {
	return e.StatusOf(p.Key, p.Value, now)
}

// Syntax is the permission as the app gets it, in key-file form:
// "sockets=x11", or for a conditional grant "sockets=x11;if:x11:!has-wayland"
// (what fallback-x11 becomes on 1.18, and what it means before).
func (s Status) Syntax(p *Permission) string {
	if !s.Conditional() {
		return p.Syntax()
	}
	return p.syntaxOf(overrides.Perm{Conditions: s.Conditions})
}

// ConditionText says in words when a condition holds, as the release d
// evaluates it (untranslated format and its arguments).
func ConditionText(d *overrides.Dialect, cond string) (string, []any) {
	c, neg := strings.CutPrefix(cond, "!")
	if !slices.Contains(overrides.KnownConditions, c) {
		// TRANSLATORS: %s is a condition as written in the override file, e.g. has-wayland
		return N_("Never: this Flatpak does not know the condition “%s”"), []any{cond}
	}
	if neg && d.NegatedTrueBug && (c == overrides.CondTrue || c == overrides.CondHasInputDevice || c == overrides.CondHasUSBDevice) {
		// 1.18.1 evaluates these as true (fixed in 1.19).
		return N_("Always on this Flatpak: it wrongly holds “%s” true (fixed in Flatpak 1.19)"), []any{cond}
	}
	texts := map[string][2]string{
		// TRANSLATORS: when a conditional permission applies: at every start of the app
		overrides.CondTrue: {N_("Always"),
			// TRANSLATORS: when a conditional permission applies: not at all
			N_("Never")},
		overrides.CondFalse:          {N_("Never"), N_("Always")},
		overrides.CondHasWayland:     {N_("Only in a Wayland session"), N_("Only when no Wayland session is running")},
		overrides.CondHasUSBPortal:   {N_("Only with the USB portal"), N_("Only without the USB portal")},
		overrides.CondHasInputDevice: {N_("Always: this Flatpak can give input devices alone"), N_("Only when Flatpak cannot give input devices alone")},
		overrides.CondHasUSBDevice:   {N_("Always: this Flatpak can give USB devices alone"), N_("Only when Flatpak cannot give USB devices alone")},
	}[c]
	if neg {
		return texts[1], nil
	}
	return texts[0], nil
}

// ConditionsText says in words when a conditional grant holds (any of its
// conditions), translated by tr.
func ConditionsText(d *overrides.Dialect, conds []string, tr func(string) string) string {
	var parts []string
	for _, c := range conds {
		f, args := ConditionText(d, c)
		parts = append(parts, fmt.Sprintf(tr(f), args...))
	}
	if len(parts) == 0 {
		return ""
	}
	text := parts[0]
	for _, p := range parts[1:] {
		text = fmt.Sprintf(tr("%s, or: %s"), text, p)
	}
	return text
}

// Why explains a row whose state is not what the page's own override says
// of it — the file says "!x11" and the app still gets X11 now — or returns
// "" when the two agree. own is the source of the page's own override
// (SourceUser for an app, SourceGlobal on All Applications); the text is
// untranslated, with its arguments.
func (s Status) Why(d *overrides.Dialect, p *Permission, own Source) (string, []any) {
	var word *Word
	for i := range s.Words {
		if s.Words[i].Source == own {
			word = &s.Words[i]
		}
	}
	if word == nil || len(word.Conditions) > 0 {
		return "", nil // nothing said here, or a condition the row shows already
	}
	if word.Allowed == s.Now {
		return "", nil
	}
	if !word.Allowed && p.Key == overrides.KeySockets && p.Value == overrides.SocketX11 && s.Now && len(s.Conditions) > 0 {
		// TRANSLATORS: the first %s is the Flatpak release, e.g. 1.14; the second the title of the permission fallback-x11
		return N_("Your override says “!x11”, but the app also falls back to X11 (fallback-x11) when no Wayland session runs, which is the case now; Flatpak %s keeps the two apart. Turn off “%s” as well to remove X11."), []any{d.Name, FallbackX11.Title}
	}
	if !word.Allowed {
		// TRANSLATORS: %s is a permission in key-file form, e.g. sockets=!x11
		return N_("Your override says “%s”, but the app gets it now: a condition in the layers below grants it."), []any{word.Syntax(p)}
	}
	// TRANSLATORS: the first %s is a permission in key-file form, e.g. sockets=x11; the second the Flatpak release
	return N_("Your override says “%s”, but Flatpak %s does not give it now."), []any{word.Syntax(p), d.Name}
}
