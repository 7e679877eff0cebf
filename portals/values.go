package portals

import (
	"errors"
	"fmt"
	"slices"

	"github.com/confine-app/confine/permstore"
)

// Value is an app's stored value for one ID of a table Confine knows (nil:
// nothing stored, or no such ID).
func (pm *Manager) Value(table, id, app string) ([]string, error) {
	if pm.Err != nil {
		return nil, pm.Err
	}
	if !KnownTable(table) {
		return nil, errUnknownTable(table)
	}
	v, err := pm.Store.GetPermission(table, id, app)
	if errors.Is(err, permstore.ErrNotFound) || err == nil && len(v) == 0 {
		return nil, nil
	}
	return v, err
}

// PutValue stores an app's value for one ID of a table Confine knows (nil
// removes it), as Write does for a permission: never creating a table.
// It is how a command-line Undo puts an answer back.
func (pm *Manager) PutValue(table, id, app string, value []string) error {
	if pm.Err != nil {
		return pm.Err
	}
	return pm.write(table, id, app, slices.Clone(value))
}

func errUnknownTable(table string) error {
	return fmt.Errorf("%q is not a portal table Confine knows", table)
}
