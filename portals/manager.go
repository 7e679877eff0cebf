package portals

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/permstore"
)

// Manager answers the window's and the command line's questions
// about portal permissions with the rules Confine follows: an unreachable
// store or one older than version 2 makes every permission unsupported;
// a row is shown where the desktop has the table or the portal; and no
// table is ever created by Confine (the store would create one for any
// name it is given, as a file).
type Manager struct {
	Store   *permstore.Store
	Err     error // why there is no store
	version uint32
	// Sandboxed: Confine runs in its own Flatpak, so the host's files
	// cannot be looked at and the document portal answers less (see
	// documents.go). StateDir is where Confine remembers when it first
	// saw each file an app holds; "" remembers nothing.
	Sandboxed bool
	StateDir  string

	mu sync.Mutex
	// seen are tables seen with entries: the store never removes a table
	// file, so a table seen once stays (and an entry deleted from it can
	// be put back without creating anything).
	seen    map[string]bool
	portals map[string]uint32 // nil until asked
}

// New connects to the store of the session bus.
func New(env model.Env) *Manager {
	s, err := permstore.ConnectSession(env.Getenv)
	pm := newManager(s, err)
	pm.Sandboxed, pm.StateDir = env.Sandboxed(), env.StateDir()
	return pm
}

// NewFor uses a given store (tests, private buses).
func NewFor(s *permstore.Store) *Manager { return newManager(s, nil) }

func newManager(s *permstore.Store, err error) *Manager {
	pm := &Manager{Store: s, Err: err, seen: map[string]bool{}}
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
func (pm *Manager) Close() {
	if pm.Store != nil {
		pm.Store.Close()
	}
}

// Portals is DesktopPortals, asked once: the frontend's portals do not
// change while it runs. Without a frontend the map is empty.
func (pm *Manager) Portals() map[string]uint32 {
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
func (pm *Manager) tableIDs(table string) (ids []string, exists bool, err error) {
	if !KnownTable(table) {
		return nil, false, errUnknownTable(table)
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
func (pm *Manager) TableExists(table string) (bool, error) {
	if pm.Err != nil {
		return false, pm.Err
	}
	return pm.tableExists(table)
}

// tableExists answers from the tables seen before (they never go away) and
// lists the table only when it has not been seen.
func (pm *Manager) tableExists(table string) (bool, error) {
	if KnownTable(table) {
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

// present is the rule for showing a permission: the desktop has its
// portal, or the store has its table (its ID, for the two that only old
// portals write).
func (pm *Manager) present(p *model.Permission, ids []string, table bool) (bool, uint32) {
	spec := specOf(p)
	v := pm.Portals()[spec.Portal]
	if v < spec.Since {
		v = 0
	}
	if spec.NeedsID {
		return v > 0 || slices.Contains(ids, p.Value), v
	}
	return v > 0 || table, v
}

// Status reads every portal permission the desktop has for an app (the
// rows to show); without a store, every permission, unsupported.
func (pm *Manager) Status(appID string) []Status {
	var out []Status
	if pm.Err != nil {
		for _, p := range Permissions() {
			out = append(out, Status{Perm: p, State: Unsupported, Why: pm.Err.Error(), ReadOnly: true})
		}
		return out
	}
	type listing struct {
		ids    []string
		exists bool
		err    error
	}
	tables := map[string]listing{}
	for _, p := range Permissions() {
		l, ok := tables[p.Key]
		if !ok {
			l.ids, l.exists, l.err = pm.tableIDs(p.Key)
			tables[p.Key] = l
		}
		if l.err != nil {
			out = append(out, Status{Perm: p, State: Unsupported, Why: l.err.Error(), ReadOnly: true})
			continue
		}
		shown, version := pm.present(p, l.ids, l.exists)
		if !shown {
			continue
		}
		st := Status{Perm: p, Table: l.exists, Portal: version}
		if slices.Contains(l.ids, p.Value) {
			raw, err := pm.Store.GetPermission(p.Key, p.Value, appID)
			if err != nil && !errors.Is(err, permstore.ErrNotFound) {
				out = append(out, Status{Perm: p, State: Unsupported, Why: err.Error(), ReadOnly: true})
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
func (pm *Manager) Write(appID string, p *model.Permission, value []string) error {
	if pm.Err != nil {
		return pm.Err
	}
	return pm.write(p.Key, p.Value, appID, value)
}

func (pm *Manager) write(table, id, appID string, value []string) error {
	if !KnownTable(table) {
		return errUnknownTable(table)
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
func (pm *Manager) Set(appID string, p *model.Permission, allow bool) error {
	var old []string
	if pm.Err == nil {
		if perms, err := pm.Store.Lookup(p.Key, p.Value); err == nil {
			old = perms[appID]
		}
	}
	switch specOf(p).Kind {
	case KindLocation:
		level := "NONE"
		if allow {
			level = "EXACT"
		}
		return pm.Write(appID, p, LocationValue(level, old))
	case KindInhibit:
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
func (pm *Manager) Unset(appID string, p *model.Permission) error {
	return pm.Write(appID, p, nil)
}

// WithAccess lists the apps a portal permission is granted to by a stored
// answer (who can use my camera?).
func (pm *Manager) WithAccess(p *model.Permission) ([]string, error) {
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
		st := Status{Perm: p, Raw: v}
		st.interpret()
		if st.State == Allowed {
			out = append(out, app)
		}
	}
	sort.Strings(out)
	return out, nil
}
