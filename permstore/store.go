package permstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// The store's name, object and interface on the session bus.
const (
	BusName    = "org.freedesktop.impl.portal.PermissionStore"
	ObjectPath = dbus.ObjectPath("/org/freedesktop/impl/portal/PermissionStore")
	Interface  = "org.freedesktop.impl.portal.PermissionStore"
	errorNotFd = "org.freedesktop.portal.Error.NotFound"
	// Timeout bounds every call: a hung store must never hang its caller.
	Timeout = 3 * time.Second
)

// ErrNotFound is the store's answer for a missing entry.
var ErrNotFound = errors.New("no such entry in the permission store")

// Store is a client of the permission store.
type Store struct {
	conn *dbus.Conn
	obj  dbus.BusObject
	addr string // the bus's address, when known (see LookupExact)
}

// SessionBusAddress is the session bus of an environment (getenv reads its
// variables), found as GLib and Flatpak find it: $DBUS_SESSION_BUS_ADDRESS,
// else the socket $XDG_RUNTIME_DIR/bus; "" when there is none.
func SessionBusAddress(getenv func(string) string) string {
	if addr := getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" {
		return addr
	}
	if rt := getenv("XDG_RUNTIME_DIR"); rt != "" {
		if fi, err := os.Stat(filepath.Join(rt, "bus")); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return "unix:path=" + filepath.Join(rt, "bus")
		}
	}
	return ""
}

// ConnectSession connects to the session bus of an environment: its
// $DBUS_SESSION_BUS_ADDRESS, else the bus in its $XDG_RUNTIME_DIR. Only
// getenv is consulted (never this process's own variables, never
// autolaunch), so a test's environment cannot reach the real desktop. A
// missing bus is an error.
func ConnectSession(getenv func(string) string) (*Store, error) {
	addr := SessionBusAddress(getenv)
	if addr == "" {
		return nil, errors.New("no session bus: DBUS_SESSION_BUS_ADDRESS is not set")
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		return nil, fmt.Errorf("no session bus: %w", err)
	}
	s := New(conn)
	s.addr = addr
	return s, nil
}

// New uses an existing connection.
func New(conn *dbus.Conn) *Store {
	return &Store{conn: conn, obj: conn.Object(BusName, ObjectPath)}
}

// Close closes the connection.
func (s *Store) Close() error { return s.conn.Close() }

func (s *Store) call(method string, args ...any) *dbus.Call {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	return s.obj.CallWithContext(ctx, Interface+"."+method, 0, args...)
}

func notFound(err error) bool {
	var de dbus.Error
	return errors.As(err, &de) && de.Name == errorNotFd
}

func orNotFound(err error) error {
	if notFound(err) {
		return ErrNotFound
	}
	return err
}

// Version reads the store's interface version.
func (s *Store) Version() (uint32, error) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	var v dbus.Variant
	err := s.obj.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, Interface, "version").Store(&v)
	if err != nil {
		return 0, err
	}
	n, ok := v.Value().(uint32)
	if !ok {
		return 0, fmt.Errorf("version has type %s", v.Signature())
	}
	return n, nil
}

// List returns the IDs of a table (empty for a table that does not exist).
func (s *Store) List(table string) ([]string, error) {
	var ids []string
	err := s.call("List", table).Store(&ids)
	return ids, err
}

// Lookup returns an ID's permissions per app; ErrNotFound when missing.
func (s *Store) Lookup(table, id string) (map[string][]string, error) {
	perms, _, err := s.LookupEntry(table, id)
	return perms, err
}

// LookupEntry returns an ID's permissions per app and its data.
func (s *Store) LookupEntry(table, id string) (map[string][]string, dbus.Variant, error) {
	var perms map[string][]string
	var data dbus.Variant
	err := s.call("Lookup", table, id).Store(&perms, &data)
	return perms, data, orNotFound(err)
}

// GetPermission returns one app's value (empty when the app has none;
// ErrNotFound when the ID is missing): cheaper than Lookup on an entry
// that holds hundreds of apps.
func (s *Store) GetPermission(table, id, app string) ([]string, error) {
	var perms []string
	err := s.call("GetPermission", table, id, app).Store(&perms)
	return perms, orNotFound(err)
}

// GetPermissions is GetPermission for many IDs of a table, sent at once
// rather than one round trip after another (a table of file types can hold
// hundreds). values[i] is nil for a missing ID.
func (s *Store) GetPermissions(table string, ids []string, app string) (values [][]string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	calls := make([]*dbus.Call, len(ids))
	for i, id := range ids {
		// A nil channel gives each call its own: on a shared one, <-c.Done
		// would take whichever call finished first.
		calls[i] = s.obj.GoWithContext(ctx, Interface+".GetPermission", 0, nil, table, id, app)
	}
	values = make([][]string, len(ids))
	for i, c := range calls {
		<-c.Done
		var v []string
		err := orNotFound(c.Store(&v))
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return nil, err
		default:
			values[i] = v
		}
	}
	return values, nil
}

// SetPermission sets one app's value. create allows adding the ID to the
// table (the store then also creates the table, as a file of that name).
func (s *Store) SetPermission(table string, create bool, id, app string, perms []string) error {
	return orNotFound(s.call("SetPermission", table, create, id, app, perms).Err)
}

// DeletePermission removes one app's value.
func (s *Store) DeletePermission(table, id, app string) error {
	return orNotFound(s.call("DeletePermission", table, id, app).Err)
}

// Set replaces a whole entry: every app's value and the data.
func (s *Store) Set(table string, create bool, id string, perms map[string][]string, data dbus.Variant) error {
	if perms == nil {
		perms = map[string][]string{}
	}
	return orNotFound(s.call("Set", table, create, id, perms, data).Err)
}

// SetValue replaces an entry's data and keeps its apps' values.
func (s *Store) SetValue(table string, create bool, id string, data dbus.Variant) error {
	return orNotFound(s.call("SetValue", table, create, id, data).Err)
}

// Delete removes a whole entry.
func (s *Store) Delete(table, id string) error {
	return orNotFound(s.call("Delete", table, id).Err)
}

// ErrOrderUnknown is LookupExact's answer when the data holds a dict of
// several entries and the bus cannot be read again to learn their order.
var ErrOrderUnknown = errors.New("the order of the entries of its data cannot be read on this bus")

// LookupExact is LookupEntry with the data in the form ExactVariant
// gives, but exactly as the store holds it: the order of a dict's entries
// is kept. godbus loses it (it decodes a dict into a Go map), so the
// entry is asked for again on a connection of its own whose bytes are
// read as they come. That needs the bus's address (a Store made by
// ConnectSession); without it, data whose order matters is refused
// (ErrOrderUnknown).
func (s *Store) LookupExact(table, id string) (map[string][]string, dbus.Variant, error) {
	if s.addr == "" {
		perms, data, err := s.LookupEntry(table, id)
		if err != nil {
			return nil, dbus.Variant{}, err
		}
		if hasDict(data) {
			return nil, dbus.Variant{}, ErrOrderUnknown
		}
		exact, err := ExactVariant(data)
		return perms, exact, err
	}
	nc, err := dialBus(s.addr)
	if err != nil {
		return nil, dbus.Variant{}, err
	}
	rec := &recorder{Conn: nc}
	var serial uint32
	conn, err := dbus.NewConn(rec, dbus.WithOutgoingInterceptor(func(m *dbus.Message) {
		if m.Type == dbus.TypeMethodCall {
			if member, _ := m.Headers[dbus.FieldMember].Value().(string); member == "Lookup" {
				serial = m.Serial()
			}
		}
	}))
	if err != nil {
		nc.Close()
		return nil, dbus.Variant{}, err
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return nil, dbus.Variant{}, err
	}
	if err := conn.Hello(); err != nil {
		return nil, dbus.Variant{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	var perms map[string][]string
	var data dbus.Variant
	if err := conn.Object(BusName, ObjectPath).CallWithContext(ctx, Interface+".Lookup", 0, table, id).Store(&perms, &data); err != nil {
		return nil, dbus.Variant{}, orNotFound(err)
	}
	body, err := replyBody(rec.received(), serial, "a{sas}v")
	if err != nil {
		return nil, dbus.Variant{}, fmt.Errorf("reading the store's reply: %w", err)
	}
	return perms, body[1].Interface().(dbus.Variant), nil
}

// recorder keeps what a connection receives once the authentication is
// over (the client's BEGIN): every message, as bytes.
type recorder struct {
	net.Conn
	mu    sync.Mutex
	begun bool
	in    []byte
}

func (r *recorder) Write(p []byte) (int, error) {
	if bytes.HasPrefix(p, []byte("BEGIN\r\n")) {
		r.mu.Lock()
		r.begun = true
		r.mu.Unlock()
	}
	return r.Conn.Write(p)
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	if r.begun {
		r.in = append(r.in, p[:n]...)
	}
	r.mu.Unlock()
	return n, err
}

func (r *recorder) received() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.in)
}

// dialBus connects to the first unix socket a D-Bus address names
// ("unix:path=…" or "unix:abstract=…", with %-escapes).
func dialBus(addr string) (net.Conn, error) {
	for _, a := range strings.Split(addr, ";") {
		transport, params, _ := strings.Cut(a, ":")
		if transport != "unix" {
			continue
		}
		for _, kv := range strings.Split(params, ",") {
			k, v, _ := strings.Cut(kv, "=")
			v, err := url.PathUnescape(v)
			if err != nil {
				return nil, fmt.Errorf("bus address %q: %v", addr, err)
			}
			switch k {
			case "path":
				return net.DialTimeout("unix", v, Timeout)
			case "abstract":
				return net.DialTimeout("unix", "@"+v, Timeout)
			}
		}
	}
	return nil, fmt.Errorf("%w (%s)", ErrOrderUnknown, addr)
}
