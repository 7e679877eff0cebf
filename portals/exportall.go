package portals

import (
	"slices"
	"strings"

	"github.com/confine-app/confine/permstore"
)

// ExportAll is Export for many apps at once, with the same result for
// each: every table is read whole, its entries asked in one batch,
// instead of each app's values one call after another (for 1,000 apps
// that was tens of thousands of round trips). Apps with nothing stored
// are left out.
func (pm *Manager) ExportAll(apps []string) (map[string]Snapshot, error) {
	if pm.Err != nil {
		return nil, pm.Err
	}
	want := map[string]bool{}
	for _, a := range apps {
		want[a] = true
	}
	out := map[string]Snapshot{}
	add := func(table string, entries map[string]permstore.Entry) {
		for id, e := range entries {
			for app, v := range e.Perms {
				if !want[app] || len(v) == 0 {
					continue
				}
				if out[app] == nil {
					out[app] = Snapshot{}
				}
				out[app][table+"/"+id] = v
			}
		}
	}
	// The permission rows' IDs, per table; then the tables of answers
	// under many IDs (every Open With type, every USB device).
	specIDs := map[string][]string{}
	var order []string
	for _, p := range Permissions() {
		if _, ok := specIDs[p.Key]; !ok {
			order = append(order, p.Key)
		}
		specIDs[p.Key] = append(specIDs[p.Key], p.Value)
	}
	for _, table := range order {
		ids, _, err := pm.tableIDs(table)
		if err != nil {
			return nil, err
		}
		keep := slices.DeleteFunc(ids, func(id string) bool {
			return !slices.Contains(specIDs[table], id) && !(table == USBTable && strings.HasPrefix(id, "usb:"))
		})
		entries, err := pm.Store.LookupEntries(table, keep)
		if err != nil {
			return nil, err
		}
		add(table, entries)
	}
	ids, _, err := pm.tableIDs(OpenWithTable)
	if err != nil {
		return nil, err
	}
	entries, err := pm.Store.LookupEntries(OpenWithTable, ids)
	if err != nil {
		return nil, err
	}
	add(OpenWithTable, entries)
	return out, nil
}
