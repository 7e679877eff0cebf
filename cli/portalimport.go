package cli

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/confine-app/confine/portals"
)

// What an import does to the permission store, value by value, before it
// does it (and, with --dry-run, instead): each app's changed values, and a
// warning for each value no portal writes.

// reportPortalImport prints, for each app of an export's portal answers,
// what would change; pm may be unusable (a dry run without a store), and
// then only the new values are printed.
func (c *command) reportPortalImport(pm *portals.Manager, all map[string]map[string][]string) {
	out := c.env.Stdout
	for _, app := range slices.Sorted(maps.Keys(all)) {
		snap := all[app]
		fmt.Fprintf(out, "portal permissions of %s:\n", esc(app))
		unchanged := 0
		for _, k := range slices.Sorted(maps.Keys(snap)) {
			table, id, _ := strings.Cut(k, "/")
			v := snap[k]
			if w := portals.ValueWarning(table, id, v); w != "" {
				fmt.Fprintf(c.env.Stderr, "warning: %s: %s: %s\n", esc(app), esc(k), w)
			}
			if pm == nil || pm.Err != nil {
				fmt.Fprintf(out, "  %s: %s\n", esc(k), quoteList(v))
				continue
			}
			now, err := pm.Value(table, id, app)
			switch {
			case err != nil:
				fmt.Fprintf(out, "  %s: (cannot read: %v) → %s\n", esc(k), err, quoteList(v))
			case slices.Equal(now, v) && now != nil:
				unchanged++
			default:
				fmt.Fprintf(out, "  %s: %s → %s\n", esc(k), storedText(now), quoteList(v))
			}
		}
		if unchanged > 0 {
			fmt.Fprintf(out, "  unchanged: %d\n", unchanged)
		}
	}
}
