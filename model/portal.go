package model

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/confine-app/confine/permstore"
)

// Portal permissions are not in any keyfile: the desktop asks while the app
// runs and xdg-permission-store keeps the answer. PortalManager reads and
// writes them through a permstore.Store, and asks the portal frontend
// which portals this desktop has.

// PortalState is what the store says about one app and one permission.
type PortalState int

const (
	PortalUnset       PortalState = iota // nothing stored: see the table's default
	PortalAllowed                        // "yes" (location: any accuracy but NONE; inhibit: some flags)
	PortalDenied                         // "no" (location: NONE; inhibit: no flag)
	PortalAsk                            // "ask": ask every time
	PortalUnsupported                    // see PortalStatus.Why
)

func (s PortalState) String() string {
	return [...]string{"unset", "allowed", "denied", "ask", "unsupported"}[s]
}

// PortalStatus is a portal permission's state for one app.
type PortalStatus struct {
	Perm  *Permission
	State PortalState
	Raw   []string // the store's value, e.g. ["yes"] or ["EXACT", "734512345678"]
	// Understood is false for a stored value the portal does not read as
	// it stands (it then acts as if nothing were stored, or as NONE).
	Understood bool
	// Level is the stored location accuracy ("CITY"); Flags what the app
	// may inhibit ("suspend", "idle"; all four when nothing is stored).
	Level string
	Flags []string
	// Table: the store has the permission's table. Portal: the version of
	// the portal's interface on this desktop, 0 when it has none.
	Table  bool
	Portal uint32
	// ReadOnly rows are shown but not changed (Why says why): Confine
	// never creates a table.
	ReadOnly bool
	Why      string // untranslated format
	// WhyArgs fill Why's %s after translation.
	WhyArgs []any
}

// WhyText formats Why with tr (a translation function).
func (s PortalStatus) WhyText(tr func(string) string) string {
	if s.Why == "" {
		return ""
	}
	if len(s.WhyArgs) > 0 {
		return fmt.Sprintf(tr(s.Why), s.WhyArgs...)
	}
	return tr(s.Why)
}

// PortalManager answers the window's and the command line's questions
// about portal permissions with the rules Confine follows: an unreachable
// store or one older than version 2 makes every permission unsupported;
// a row is shown where the desktop has the table or the portal; and no
// table is ever created by Confine (the store would create one for any
// name it is given, as a file).
type PortalManager struct {
	Store   *permstore.Store
	Err     error // why there is no store
	version uint32

	mu sync.Mutex
	// seen are tables seen with entries: the store never removes a table
	// file, so a table seen once stays (and an entry deleted from it can
	// be put back without creating anything).
	seen    map[string]bool
	portals map[string]uint32 // nil until asked
}

// NewPortalManager connects to the store of the session bus.
func NewPortalManager(env Env) *PortalManager {
	s, err := permstore.ConnectSession(env.Getenv)
	return newPortalManager(s, err)
}

// NewPortalManagerFor uses a given store (tests, private buses).
func NewPortalManagerFor(s *permstore.Store) *PortalManager { return newPortalManager(s, nil) }

func newPortalManager(s *permstore.Store, err error) *PortalManager {
	pm := &PortalManager{Store: s, Err: err, seen: map[string]bool{}}
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

// Close closes the manager's connection.
func (pm *PortalManager) Close() {
	if pm.Store != nil {
		pm.Store.Close()
	}
}

// Portals is DesktopPortals, asked once: the frontend's portals do not
// change while it runs. Without a frontend the map is empty.
func (pm *PortalManager) Portals() map[string]uint32 {
	pm.mu.Lock()
	have := pm.portals
	pm.mu.Unlock()
	if have != nil {
		return have
	}
	have, err := pm.Store.DesktopPortals(portalInterfaces)
	if err != nil {
		have = map[string]uint32{}
	}
	pm.mu.Lock()
	pm.portals = have
	pm.mu.Unlock()
	return have
}

// tableIDs lists a table of the fixed list, and remembers it when it has
// entries.
func (pm *PortalManager) tableIDs(table string) (ids []string, exists bool, err error) {
	if !KnownPortalTable(table) {
		return nil, false, fmt.Errorf("%q is not a portal table Confine knows", table)
	}
	ids, err = pm.Store.List(table)
	if err != nil {
		return nil, false, err
	}
	pm.mu.Lock()
	defer pm.mu.Unlock()
	if len(ids) > 0 {
		pm.seen[table] = true
	}
	return ids, pm.seen[table], nil
}

// TableExists reports whether the store has a table (one of Confine's
// fixed list).
func (pm *PortalManager) TableExists(table string) (bool, error) {
	if pm.Err != nil {
		return false, pm.Err
	}
	return pm.tableExists(table)
}

// tableExists answers from the tables seen before (they never go away) and
// lists the table only when it has not been seen.
func (pm *PortalManager) tableExists(table string) (bool, error) {
	if KnownPortalTable(table) {
		pm.mu.Lock()
		seen := pm.seen[table]
		pm.mu.Unlock()
		if seen {
			return true, nil
		}
	}
	_, ok, err := pm.tableIDs(table)
	return ok, err
}

// errNoTable is the refusal to create a table.
func errNoTable(table string) error {
	return fmt.Errorf("the desktop has no %s table yet (no app has been asked); Confine never creates portal tables", table)
}

// PortalPermissions are the catalogue's portal rows.
func PortalPermissions() []*Permission { return InGroup(GroupPortals) }

// present is the rule for showing a permission: the desktop has its
// portal, or the store has its table (its ID, for the two that only old
// portals write).
func (pm *PortalManager) present(p *Permission, ids []string, table bool) (bool, uint32) {
	spec := specOf(p)
	v := pm.Portals()[spec.iface]
	if v < spec.min {
		v = 0
	}
	if spec.needsID {
		return v > 0 || slices.Contains(ids, p.Value), v
	}
	return v > 0 || table, v
}

// Status reads every portal permission the desktop has for an app (the
// rows to show); without a store, every permission, unsupported.
func (pm *PortalManager) Status(appID string) []PortalStatus {
	var out []PortalStatus
	if pm.Err != nil {
		for _, p := range PortalPermissions() {
			out = append(out, PortalStatus{Perm: p, State: PortalUnsupported, Why: pm.Err.Error(), ReadOnly: true})
		}
		return out
	}
	type listing struct {
		ids    []string
		exists bool
		err    error
	}
	tables := map[string]listing{}
	for _, p := range PortalPermissions() {
		l, ok := tables[p.Key]
		if !ok {
			l.ids, l.exists, l.err = pm.tableIDs(p.Key)
			tables[p.Key] = l
		}
		if l.err != nil {
			out = append(out, PortalStatus{Perm: p, State: PortalUnsupported, Why: l.err.Error(), ReadOnly: true})
			continue
		}
		shown, version := pm.present(p, l.ids, l.exists)
		if !shown {
			continue
		}
		st := PortalStatus{Perm: p, Table: l.exists, Portal: version}
		if slices.Contains(l.ids, p.Value) {
			raw, err := pm.Store.GetPermission(p.Key, p.Value, appID)
			if err != nil && !errors.Is(err, permstore.ErrNotFound) {
				out = append(out, PortalStatus{Perm: p, State: PortalUnsupported, Why: err.Error(), ReadOnly: true})
				continue
			}
			// The store answers [] for an app it has no value for (an
			// empty list counts as none for every portal).
			if len(raw) > 0 {
				st.Raw = raw
			}
		}
		st.interpret()
		if !st.Table {
			st.ReadOnly = true
			st.Why, st.WhyArgs = N_("Read-only: the desktop has no %s table yet, and Confine never creates one; it appears when the desktop first stores an answer"), []any{p.Key}
		}
		out = append(out, st)
	}
	return out
}

// Write stores an app's value for a permission; nil removes the app's
// answer (the portal then acts as if never asked). The table must exist.
func (pm *PortalManager) Write(appID string, p *Permission, value []string) error {
	if pm.Err != nil {
		return pm.Err
	}
	return pm.write(p.Key, p.Value, appID, value)
}

func (pm *PortalManager) write(table, id, appID string, value []string) error {
	if !KnownPortalTable(table) {
		return fmt.Errorf("%q is not a portal table Confine knows", table)
	}
	if value == nil {
		err := pm.Store.DeletePermission(table, id, appID)
		if errors.Is(err, permstore.ErrNotFound) {
			return nil
		}
		return err
	}
	exists, err := pm.tableExists(table)
	if err != nil {
		return err
	}
	if !exists {
		return errNoTable(table)
	}
	return pm.Store.SetPermission(table, true, id, appID, value)
}

// Set allows (true) or denies (false) a portal permission for an app.
func (pm *PortalManager) Set(appID string, p *Permission, allow bool) error {
	var old []string
	if pm.Err == nil {
		if perms, err := pm.Store.Lookup(p.Key, p.Value); err == nil {
			old = perms[appID]
		}
	}
	switch specOf(p).kind {
	case PortalLocation:
		level := "NONE"
		if allow {
			level = "EXACT"
		}
		return pm.Write(appID, p, LocationValue(level, old))
	case PortalInhibit:
		if allow {
			return pm.Write(appID, p, nil)
		}
		return pm.Write(appID, p, InhibitValue(nil))
	}
	if allow {
		return pm.Write(appID, p, []string{"yes"})
	}
	return pm.Write(appID, p, []string{"no"})
}

// Unset removes the app's answer so the portal asks again.
func (pm *PortalManager) Unset(appID string, p *Permission) error {
	return pm.Write(appID, p, nil)
}

// Snapshot is an app's stored portal values, for undo and export.
type Snapshot map[string][]string // "table/id" → value

// Reset removes every portal answer of an app (the permission rows, not
// the saved sessions) and returns what it held.
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

// CheckSnapshot says why a snapshot cannot be restored here, before
// anything is written: a key Confine does not know, or a table the
// desktop does not have.
func (pm *PortalManager) CheckSnapshot(snap Snapshot) error {
	if pm.Err != nil {
		return pm.Err
	}
	for _, k := range slices.Sorted(maps.Keys(snap)) {
		table, id, _ := strings.Cut(k, "/")
		if err := CheckPortalKey(table, id, snap[k]); err != nil {
			return err
		}
		ok, err := pm.TableExists(table)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%s: %w", k, errNoTable(table))
		}
	}
	return nil
}

// Restore puts a snapshot back (undo of Reset, import). Every key is
// checked first; nothing is written when one cannot be restored.
func (pm *PortalManager) Restore(appID string, snap Snapshot) error {
	if err := pm.CheckSnapshot(snap); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(snap)) {
		table, id, _ := strings.Cut(k, "/")
		if err := pm.write(table, id, appID, snap[k]); err != nil {
			return err
		}
	}
	return nil
}

// Export is an app's stored answers: the permission rows, its Open With
// choices and its USB portal decisions (not the saved sessions, whose
// data only the desktop it was saved on can use).
func (pm *PortalManager) Export(appID string) (Snapshot, error) {
	snap := Snapshot{}
	if pm.Err != nil {
		return snap, pm.Err
	}
	for _, st := range pm.Status(appID) {
		if st.State == PortalUnsupported {
			return snap, errors.New(st.WhyText(English))
		}
		if st.Raw != nil {
			snap[st.Perm.Key+"/"+st.Perm.Value] = st.Raw
		}
	}
	ow, err := pm.OpenWith(appID)
	if err != nil {
		return snap, err
	}
	for _, o := range ow {
		snap[OpenWithTable+"/"+o.ContentType] = o.Raw
	}
	devs, err := pm.USBDevices(appID)
	if err != nil {
		return snap, err
	}
	for _, d := range devs {
		snap[USBTable+"/"+d.ID] = d.Raw
	}
	return snap, nil
}

// WithAccess lists the apps a portal permission is granted to by a stored
// answer (who can use my camera?).
func (pm *PortalManager) WithAccess(p *Permission) ([]string, error) {
	if pm.Err != nil {
		return nil, pm.Err
	}
	perms, err := pm.Store.Lookup(p.Key, p.Value)
	if errors.Is(err, permstore.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for app, v := range perms {
		st := PortalStatus{Perm: p, Raw: v}
		st.interpret()
		if st.State == PortalAllowed {
			out = append(out, app)
		}
	}
	sort.Strings(out)
	return out, nil
}
