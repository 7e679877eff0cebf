package model

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// Portal permissions are not in any keyfile: the desktop asks while the app
// runs and xdg-permission-store keeps the answer. This client talks to the
// store (org.freedesktop.impl.portal.PermissionStore on the session bus).

const (
	storeName  = "org.freedesktop.impl.portal.PermissionStore"
	storePath  = dbus.ObjectPath("/org/freedesktop/impl/portal/PermissionStore")
	storeIface = "org.freedesktop.impl.portal.PermissionStore"
	errorNotFd = "org.freedesktop.portal.Error.NotFound"
	// callTimeout bounds every call: a hung store must never hang Confine.
	callTimeout = 3 * time.Second
)

// ErrNotFound is the store's answer for a missing entry.
var ErrNotFound = errors.New("no such entry in the permission store")

// PortalState is what the store says about one app and one permission.
type PortalState int

const (
	PortalUnset       PortalState = iota // never asked, or reset: the portal will ask
	PortalAllowed                        // "yes" (location: any accuracy but NONE)
	PortalDenied                         // "no" (location: NONE)
	PortalAsk                            // "ask": ask every time (devices)
	PortalUnsupported                    // see PortalStatus.Why
)

func (s PortalState) String() string {
	return [...]string{"unset", "allowed", "denied", "ask", "unsupported"}[s]
}

// PortalStatus is a portal permission's state for one app.
type PortalStatus struct {
	Perm  *Permission
	State PortalState
	Raw   []string // the store's value, e.g. ["yes"] or ["EXACT", "1700000000"]
	Why   string   // for PortalUnsupported: what is missing (untranslated format)
	// WhyArgs fill Why's %s after translation.
	WhyArgs []any
}

// WhyText formats Why with tr (a translation function).
func (s PortalStatus) WhyText(tr func(string) string) string {
	if len(s.WhyArgs) > 0 {
		return fmt.Sprintf(tr(s.Why), s.WhyArgs...)
	}
	return tr(s.Why)
}

// PortalStore is a client of the permission store.
type PortalStore struct {
	conn *dbus.Conn
	obj  dbus.BusObject
}

// ConnectPortalStore connects to the session bus of env
// ($DBUS_SESSION_BUS_ADDRESS, else D-Bus's own default). A missing bus is
// an error the caller shows as "portal permissions unavailable".
func ConnectPortalStore(env Env) (*PortalStore, error) {
	var conn *dbus.Conn
	var err error
	if addr := env.Getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" {
		conn, err = dbus.Connect(addr)
	} else {
		conn, err = dbus.ConnectSessionBus()
	}
	if err != nil {
		return nil, fmt.Errorf("no session bus: %w", err)
	}
	return NewPortalStore(conn), nil
}

// NewPortalStore uses an existing connection.
func NewPortalStore(conn *dbus.Conn) *PortalStore {
	return &PortalStore{conn: conn, obj: conn.Object(storeName, storePath)}
}

// Close closes the connection.
func (s *PortalStore) Close() error { return s.conn.Close() }

func (s *PortalStore) call(method string, args ...any) *dbus.Call {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	return s.obj.CallWithContext(ctx, storeIface+"."+method, 0, args...)
}

func notFound(err error) bool {
	var de dbus.Error
	return errors.As(err, &de) && de.Name == errorNotFd
}

// Version reads the store's interface version (Confine needs 2).
func (s *PortalStore) Version() (uint32, error) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	var v dbus.Variant
	err := s.obj.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, storeIface, "version").Store(&v)
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
func (s *PortalStore) List(table string) ([]string, error) {
	var ids []string
	err := s.call("List", table).Store(&ids)
	return ids, err
}

// Lookup returns an ID's permissions per app; ErrNotFound when missing.
func (s *PortalStore) Lookup(table, id string) (map[string][]string, error) {
	var perms map[string][]string
	var data dbus.Variant
	err := s.call("Lookup", table, id).Store(&perms, &data)
	if notFound(err) {
		return nil, ErrNotFound
	}
	return perms, err
}

// SetPermission sets one app's value. create allows adding the ID row to
// an existing table; callers never use it on a table the portal has not
// created (see PortalManager).
func (s *PortalStore) SetPermission(table string, create bool, id, app string, perms []string) error {
	err := s.call("SetPermission", table, create, id, app, perms).Err
	if notFound(err) {
		return ErrNotFound
	}
	return err
}

// DeletePermission removes one app's value, so the portal asks again.
func (s *PortalStore) DeletePermission(table, id, app string) error {
	err := s.call("DeletePermission", table, id, app).Err
	if notFound(err) {
		return ErrNotFound
	}
	return err
}

// PortalChange is one Changed signal of the store.
type PortalChange struct {
	Table, ID string
	Deleted   bool
	Perms     map[string][]string
}

// Watch delivers the store's Changed signals (changes made by GNOME
// Settings, the portal dialog or another Confine) until stop is called.
func (s *PortalStore) Watch(f func(PortalChange)) (stop func(), err error) {
	opts := []dbus.MatchOption{dbus.WithMatchInterface(storeIface), dbus.WithMatchMember("Changed"), dbus.WithMatchObjectPath(storePath)}
	if err := s.conn.AddMatchSignal(opts...); err != nil {
		return nil, err
	}
	ch := make(chan *dbus.Signal, 16)
	s.conn.Signal(ch)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-ch:
				if sig == nil || sig.Name != storeIface+".Changed" || len(sig.Body) < 5 {
					continue
				}
				c := PortalChange{}
				c.Table, _ = sig.Body[0].(string)
				c.ID, _ = sig.Body[1].(string)
				c.Deleted, _ = sig.Body[2].(bool)
				c.Perms, _ = sig.Body[4].(map[string][]string)
				f(c)
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		s.conn.RemoveSignal(ch)
		s.conn.RemoveMatchSignal(opts...)
	}, nil
}

// PortalManager answers the window's and the command line's questions
// about portal permissions with the rules Confine follows: an unreachable
// store, a store older than version 2 and a table the portal never created
// make a permission unsupported (and say which), and no table is ever
// created by Confine.
type PortalManager struct {
	Store   *PortalStore
	Err     error // why there is no store
	version uint32
}

// NewPortalManager connects to the store of the session bus.
func NewPortalManager(env Env) *PortalManager {
	s, err := ConnectPortalStore(env)
	return newPortalManager(s, err)
}

// NewPortalManagerFor uses a given store (tests, private buses).
func NewPortalManagerFor(s *PortalStore) *PortalManager { return newPortalManager(s, nil) }

func newPortalManager(s *PortalStore, err error) *PortalManager {
	pm := &PortalManager{Store: s, Err: err}
	if err != nil {
		return pm
	}
	v, err := s.Version()
	if err != nil {
		pm.Err = fmt.Errorf("the permission store does not answer: %v", err)
		return pm
	}
	pm.version = v
	if v < 2 {
		pm.Err = fmt.Errorf("the permission store is version %d; Confine needs version 2", v)
	}
	return pm
}

// PortalPermissions are the catalogue's portal rows.
func PortalPermissions() []*Permission { return InGroup(GroupPortals) }

func interpret(p *Permission, raw []string) PortalState {
	if len(raw) == 0 {
		return PortalUnset
	}
	if p.Key == "location" {
		if raw[0] == "NONE" {
			return PortalDenied
		}
		return PortalAllowed
	}
	switch raw[0] {
	case "yes":
		return PortalAllowed
	case "no":
		return PortalDenied
	case "ask":
		return PortalAsk
	}
	return PortalUnset
}

// Status reads every portal permission of an app.
func (pm *PortalManager) Status(appID string) []PortalStatus {
	var out []PortalStatus
	tables := map[string]bool{}
	for _, p := range PortalPermissions() {
		st := PortalStatus{Perm: p}
		switch {
		case pm.Err != nil:
			st.State, st.Why = PortalUnsupported, pm.Err.Error()
		default:
			exists, ok := tables[p.Key]
			if !ok {
				ids, err := pm.Store.List(p.Key)
				exists = err == nil && len(ids) > 0
				tables[p.Key] = exists
			}
			if !exists {
				st.State, st.Why, st.WhyArgs = PortalUnsupported, N_("The %s portal has not stored any permission yet; it will once an app asks"), []any{p.Key}
				break
			}
			perms, err := pm.Store.Lookup(p.Key, p.Value)
			if err != nil && !errors.Is(err, ErrNotFound) {
				st.State, st.Why = PortalUnsupported, err.Error()
				break
			}
			st.Raw = perms[appID]
			st.State = interpret(p, st.Raw)
		}
		out = append(out, st)
	}
	return out
}

// Set allows (true) or denies (false) a portal permission for an app.
func (pm *PortalManager) Set(appID string, p *Permission, allow bool) error {
	if pm.Err != nil {
		return pm.Err
	}
	ids, err := pm.Store.List(p.Key)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return fmt.Errorf("the %s portal has not created its table yet; Confine does not create it", p.Key)
	}
	var value []string
	switch {
	case p.Key == "location" && allow:
		value = []string{"EXACT", fmt.Sprint(time.Now().Unix())}
	case p.Key == "location":
		value = []string{"NONE", fmt.Sprint(time.Now().Unix())}
	case allow:
		value = []string{"yes"}
	default:
		value = []string{"no"}
	}
	return pm.Store.SetPermission(p.Key, true, p.Value, appID, value)
}

// Unset removes the app's answer so the portal asks again.
func (pm *PortalManager) Unset(appID string, p *Permission) error {
	if pm.Err != nil {
		return pm.Err
	}
	err := pm.Store.DeletePermission(p.Key, p.Value, appID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// Snapshot is an app's stored portal values, for undo.
type Snapshot map[string][]string // "table/id" → value

// Reset removes every portal answer of an app and returns what it held.
func (pm *PortalManager) Reset(appID string) (Snapshot, error) {
	snap := Snapshot{}
	if pm.Err != nil {
		return snap, nil
	}
	for _, st := range pm.Status(appID) {
		if st.State == PortalUnsupported || st.Raw == nil {
			continue
		}
		snap[st.Perm.Key+"/"+st.Perm.Value] = st.Raw
		if err := pm.Unset(appID, st.Perm); err != nil {
			return snap, err
		}
	}
	return snap, nil
}

// Restore puts a snapshot back.
func (pm *PortalManager) Restore(appID string, snap Snapshot) error {
	for _, k := range slices.Sorted(maps.Keys(snap)) {
		table, id, _ := strings.Cut(k, "/")
		if err := pm.Store.SetPermission(table, true, id, appID, snap[k]); err != nil {
			return err
		}
	}
	return nil
}

// WithAccess lists the apps a portal permission is granted to (who can use
// my camera?).
func (pm *PortalManager) WithAccess(p *Permission) ([]string, error) {
	if pm.Err != nil {
		return nil, pm.Err
	}
	perms, err := pm.Store.Lookup(p.Key, p.Value)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for app, v := range perms {
		if interpret(p, v) == PortalAllowed {
			out = append(out, app)
		}
	}
	sort.Strings(out)
	return out, nil
}
