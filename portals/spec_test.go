package portals

import (
	"go/token"
	"slices"
	"testing"

	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

// TestSpecsAreConsistent: every portal permission has one complete entry,
// and its table, portal and questions are among what Confine asks for.
func TestSpecsAreConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Specs {
		p := s.Perm
		// "portals/<id>", or qualified with the table: "portals/<table>/<id>"
		// (see qualifiedPerm), so that no ID is another's.
		short, qualified := string(model.GroupPortals)+"/"+p.Value, string(model.GroupPortals)+"/"+p.Key+"/"+p.Value
		if seen[p.ID] || p.ID != short && p.ID != qualified || p.Group != model.GroupPortals || p.Title == "" || p.Description == "" {
			t.Errorf("bad entry %+v", p)
		}
		seen[p.ID] = true
		// A table no portal frontend reads (a desktop's own) has no
		// portal or version: its row shows where the table exists.
		if (s.Portal == "") != (s.Since == 0) || s.Portal != "" && !slices.Contains(portalInterfaces, s.Portal) || !KnownTable(p.Key) {
			t.Errorf("%s: portal %q version %d, table %q", p.ID, s.Portal, s.Since, p.Key)
		}
		if Lookup(p.ID) != p {
			t.Errorf("%s: Lookup finds %v", p.ID, Lookup(p.ID))
		}
		var flags []string
		for _, q := range s.FlagQuestions {
			flags = append(flags, q.Flag)
		}
		slices.Sort(flags)
		want := slices.Sorted(slices.Values(inhibitFlagNames))
		if (s.Kind == KindInhibit) != (len(flags) > 0) || len(flags) > 0 && !slices.Equal(flags, want) {
			t.Errorf("%s: questions about flags %v, want one per flag of %v", p.ID, flags, want)
		}
	}
	// An unqualified ID is no other table's name, and no two share it:
	// the short names the command line takes ("camera") are never
	// ambiguous.
	short := map[string]string{}
	for _, s := range Specs {
		p := s.Perm
		if p.ID != string(model.GroupPortals)+"/"+p.Value {
			continue
		}
		if p.Value != p.Key && slices.Contains(tables, p.Value) {
			t.Errorf("%s is also a table's name; qualify it", p.ID)
		}
		if other, dup := short[p.Value]; dup {
			t.Errorf("%s and %s share the short ID %q", p.ID, other, p.Value)
		}
		short[p.Value] = p.ID
	}
	for _, st := range SavedSessionTables {
		if !KnownTable(st.Table) || !slices.Contains(portalInterfaces, st.Portal) || st.Since == 0 || st.Title == "" || st.Question == "" {
			t.Errorf("bad saved-session table %+v", st)
		}
	}
	// One definition each: the model's catalogue has no portal entries.
	for _, p := range model.Catalogue {
		if p.Group == model.GroupPortals {
			t.Errorf("%s is in model.Catalogue too", p.ID)
		}
	}
}

// TestNamesOnlyInSpecs: the store's table names and the portal
// permissions' IDs are spelled out only in spec.go, so adding or renaming
// one is a change in one place. Names that are also override-file names
// ("devices", "usb") are model's test's; tests and data are not checked.
func TestNamesOnlyInSpecs(t *testing.T) {
	names := map[string]bool{}
	for _, tb := range tables {
		names[tb] = true
	}
	for _, s := range Specs {
		names[s.Perm.Value] = true
	}
	for _, key := range overrides.FixedKeys {
		delete(names, key)
		for _, n := range overrides.Names(key) {
			delete(names, n)
		}
	}
	testbin.CodeStrings(t, func(rel string, pos token.Position, v string) {
		if names[v] && rel != "portals/spec.go" {
			t.Errorf("%s: %q is a portal table or ID; use portals/spec.go", pos, v)
		}
	})
}
