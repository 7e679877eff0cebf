package portals

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/confine-app/confine/permstore"
)

// Saved sessions: when a person ticks "Remember" in a screen-sharing,
// remote-desktop or input-capture dialog, the portal stores what was shared
// under a restore token the app keeps. The token is the entry's ID, the
// app has ["yes"], and the data is (suv): the backend's name, its format
// version and its own variant. When the app hands the token back, the
// portal deletes the entry and gives the data to the backend, which
// restores the same monitors and windows without asking. Deleting the
// entry (Revoke) makes the next request ask again.

// StreamKind is what a saved stream shows.
type StreamKind int

const (
	StreamMonitor StreamKind = iota
	StreamWindow
	StreamVirtual
	StreamOther
)

// Stream is one monitor or window a session restores.
type Stream struct {
	Kind StreamKind
	// Name: the monitor's product or connector, or the window's title.
	// Detail: the monitor's vendor and serial, or the window's app ID.
	Name, Detail string
}

// SavedSession is one saved session.
type SavedSession struct {
	Table string
	Token string
	Apps  []string // who may restore it ("" is an unsandboxed app)
	// Backend and Format name the data's layout ("GNOME", 1); empty when
	// the data is not a saved session's (the portal then ignores it).
	Backend string
	Format  uint32
	// Decoded: Confine understood the backend's data; what follows is
	// then what it restores (zero times when it does not say).
	Decoded           bool
	Created, LastUsed time.Time
	Streams           []Stream
	// Devices are the input devices a remote-desktop or input-capture
	// session may use (keyboard 1, pointer 2, touchscreen 4); Clipboard
	// whether it shares the clipboard (nil: it does not say).
	Devices   uint32
	Clipboard *bool
}

// Saved-session device bits, as GNOME and KDE store them.
const (
	DeviceKeyboard    = 1
	DevicePointer     = 2
	DeviceTouchscreen = 4
)

// SavedSessions lists an app's saved sessions in every session table.
func (pm *Manager) SavedSessions(appID string) ([]SavedSession, error) {
	if pm.Err != nil {
		return nil, pm.Err
	}
	var out []SavedSession
	for _, t := range SavedSessionTables {
		ids, _, err := pm.tableIDs(t.Table)
		if err != nil {
			return out, err
		}
		ss, err := pm.savedSessions(t.Table, ids, appID)
		if err != nil {
			return out, err
		}
		out = append(out, ss...)
	}
	return out, nil
}

// savedSessions reads the entries ids of one table; appID "" means every
// app's.
func (pm *Manager) savedSessions(table string, ids []string, appID string) ([]SavedSession, error) {
	var out []SavedSession
	if appID != "" {
		// Most entries are other apps': ask for this app's values first,
		// the whole entry only where it has one.
		mine, err := pm.answers(table, ids, appID)
		if err != nil {
			return nil, err
		}
		ids = nil
		for _, a := range mine {
			ids = append(ids, a.id)
		}
	}
	for _, id := range ids {
		perms, data, err := pm.Store.LookupEntry(table, id)
		if errors.Is(err, permstore.ErrNotFound) {
			continue // restored (and so deleted) meanwhile
		}
		if err != nil {
			return out, err
		}
		if len(perms) == 0 {
			continue // no app can restore it
		}
		if appID != "" {
			if _, ok := perms[appID]; !ok {
				continue
			}
		}
		s := decodeSavedSession(table, id, data)
		for a := range perms {
			s.Apps = append(s.Apps, a)
		}
		sort.Strings(s.Apps)
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].LastUsed.After(out[j].LastUsed) })
	return out, nil
}

// decodeSavedSession reads the (suv) data the portal stores.
func decodeSavedSession(table, token string, data dbus.Variant) SavedSession {
	s := SavedSession{Table: table, Token: token}
	if data.Signature().String() != "(suv)" {
		return s
	}
	f, _ := data.Value().([]any)
	if len(f) != 3 {
		return s
	}
	s.Backend, _ = f[0].(string)
	s.Format, _ = f[1].(uint32)
	inner, _ := f[2].(dbus.Variant)
	switch {
	case s.Backend == "GNOME" && s.Format == 1:
		s.Decoded = s.decodeGNOME(inner)
	case s.Backend == "wlroots" && s.Format == 1:
		s.Decoded = s.decodeWlroots(inner)
	}
	return s
}

// decodeGNOME reads xdg-desktop-portal-gnome's layouts: screen casts
// (x creation, x last use, a(uuv) streams), remote desktop (x, x,
// u devices, b clipboard, a(uuv)) and input capture (x, x, u, b); times in
// microseconds since 1970.
func (s *SavedSession) decodeGNOME(v dbus.Variant) bool {
	f, _ := v.Value().([]any)
	var streams []any
	switch v.Signature().String() {
	case "(xxa(uuv))":
		streams = anySlice(f[2])
	case "(xxuba(uuv))":
		streams = anySlice(f[4])
		fallthrough
	case "(xxub)":
		s.Devices, _ = f[2].(uint32)
		b, _ := f[3].(bool)
		s.Clipboard = &b
	default:
		return false
	}
	created, _ := f[0].(int64)
	last, _ := f[1].(int64)
	s.Created, s.LastUsed = microTime(created), microTime(last)
	for _, st := range streams {
		sf, _ := st.([]any)
		if len(sf) != 3 {
			return false
		}
		kind, _ := sf[1].(uint32)
		src, _ := sf[2].(dbus.Variant)
		switch kind {
		case 1: // monitor: "vendor:product:serial", or a connector name
			m, _ := src.Value().(string)
			parts := strings.Split(m, ":")
			if len(parts) == 3 {
				s.Streams = append(s.Streams, Stream{Kind: StreamMonitor, Name: parts[1], Detail: parts[0] + " " + parts[2]})
			} else {
				s.Streams = append(s.Streams, Stream{Kind: StreamMonitor, Name: m})
			}
		case 2: // window: (app ID, title)
			w, _ := src.Value().([]any)
			if len(w) == 2 {
				app, _ := w[0].(string)
				title, _ := w[1].(string)
				s.Streams = append(s.Streams, Stream{Kind: StreamWindow, Name: title, Detail: app})
			}
		case 4:
			s.Streams = append(s.Streams, Stream{Kind: StreamVirtual})
		default:
			s.Streams = append(s.Streams, Stream{Kind: StreamOther})
		}
	}
	return true
}

// decodeWlroots reads xdg-desktop-portal-wlr's {"output_name": <s>}.
func (s *SavedSession) decodeWlroots(v dbus.Variant) bool {
	m, ok := v.Value().(map[string]dbus.Variant)
	if !ok {
		return false
	}
	name, ok := m["output_name"].Value().(string)
	if !ok {
		return false
	}
	s.Streams = append(s.Streams, Stream{Kind: StreamMonitor, Name: name})
	return true
}

func anySlice(v any) []any {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return nil
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out
}

func microTime(us int64) time.Time {
	if us <= 0 {
		return time.Time{}
	}
	return time.UnixMicro(us)
}

// Describe says what a session restores, in words (tr translates).
func (s SavedSession) Describe(tr func(string) string) string {
	if s.Backend == "" {
		return tr(N_("No data the desktop can restore: the portal ignores this entry"))
	}
	if !s.Decoded {
		if s.Backend == "KDE" {
			return tr(N_("Saved by KDE Plasma in its own format: Confine cannot show what it restores"))
		}
		return fmt.Sprintf(tr(N_("Saved by %s (format %d): Confine cannot show what it restores")), s.Backend, s.Format)
	}
	var parts []string
	for _, src := range s.Streams {
		switch src.Kind {
		case StreamMonitor:
			// TRANSLATORS: part of a list of what a saved screen-sharing session restores; %s is a monitor's connector, e.g. DP-1
			parts = append(parts, fmt.Sprintf(tr(N_("monitor %s")), src.Name))
		case StreamWindow:
			// TRANSLATORS: part of a list of what a saved session restores; the first %s is a window's title, the second the app that shows it
			parts = append(parts, fmt.Sprintf(tr(N_("window “%s” of %s")), src.Name, src.Detail))
		case StreamVirtual:
			parts = append(parts, tr(N_("a virtual monitor")))
		default:
			parts = append(parts, tr(N_("a stream Confine does not know")))
		}
	}
	for _, d := range []struct {
		bit  uint32
		name string
	}{
		// TRANSLATORS: part of a list of what a saved remote-desktop session may control: the keyboard
		{DeviceKeyboard, N_("keyboard")},
		// TRANSLATORS: part of a list of what a saved remote-desktop session may control: the mouse pointer
		{DevicePointer, N_("pointer")},
		// TRANSLATORS: part of a list of what a saved remote-desktop session may control: the touchscreen
		{DeviceTouchscreen, N_("touchscreen")},
	} {
		if s.Devices&d.bit != 0 {
			parts = append(parts, tr(d.name))
		}
	}
	if s.Clipboard != nil && *s.Clipboard {
		// TRANSLATORS: part of a list of what a saved remote-desktop session restores: access to the clipboard
		parts = append(parts, tr(N_("clipboard")))
	}
	if len(parts) == 0 {
		return tr(N_("Restores nothing Confine can name"))
	}
	// TRANSLATORS: %s is a comma-separated list such as “monitor DP-1, keyboard”
	return fmt.Sprintf(tr(N_("Restores: %s")), strings.Join(parts, ", "))
}

// When says when a session was saved and last used, if the data says.
func (s SavedSession) When(tr func(string) string) string {
	const layout = "2006-01-02 15:04"
	switch {
	case !s.Created.IsZero() && !s.LastUsed.IsZero():
		// TRANSLATORS: both %s are a date and time such as 2026-11-30 14:05
		return fmt.Sprintf(tr(N_("saved %s, last used %s")), s.Created.Local().Format(layout), s.LastUsed.Local().Format(layout))
	case !s.LastUsed.IsZero():
		return fmt.Sprintf(tr(N_("last used %s")), s.LastUsed.Local().Format(layout))
	}
	return ""
}

// RevokedEntry is a deleted store entry, kept for Undo.
type RevokedEntry struct {
	Table, ID string
	Perms     map[string][]string
	// Data is the entry's data in a form that encodes to the same bytes
	// (see permstore.Store.LookupExact).
	Data dbus.Variant
}

// ErrSavedAgain is Undo's answer when the entry exists again (the app's
// session saved itself meanwhile): the newer one is kept.
var ErrSavedAgain = errors.New("the session was saved again meanwhile; the newer one is kept")

// Revoke deletes a saved session: the app's next request with its token
// asks again. It returns the entry for Undo, read just before deleting.
// Note that an app's screen-sharing session that is still open saves
// itself again (under the same token) when it ends.
func (pm *Manager) Revoke(table, token string) (*RevokedEntry, error) {
	if pm.Err != nil {
		return nil, pm.Err
	}
	if SavedSessionTableOf(table).Table == "" {
		return nil, fmt.Errorf("%q is not a table of saved sessions", table)
	}
	// The copy for Undo is the data exactly as stored, down to the order
	// of a dict's entries (a backend reading it back may care).
	perms, exact, err := pm.Store.LookupExact(table, token)
	if errors.Is(err, permstore.ErrNotFound) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("Confine cannot keep a copy of this session for Undo, so it leaves it: %v", err)
	}
	if err := pm.Store.Delete(table, token); err != nil {
		return nil, err
	}
	return &RevokedEntry{Table: table, ID: token, Perms: perms, Data: exact}, nil
}

// Unrevoke puts a revoked session back as it was.
func (pm *Manager) Unrevoke(e *RevokedEntry) error {
	if pm.Err != nil {
		return pm.Err
	}
	if _, _, err := pm.Store.LookupEntry(e.Table, e.ID); err == nil {
		return ErrSavedAgain
	} else if !errors.Is(err, permstore.ErrNotFound) {
		return err
	}
	// The table exists: the entry was in it (tables are never removed).
	return pm.Store.Set(e.Table, true, e.ID, e.Perms, e.Data)
}
