package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
	"github.com/confine-app/confine/policy"
	"github.com/confine-app/confine/portals"
)

// export and import: all of a user's overrides (and portal answers) in one
// file, restored byte for byte after every entry was checked.

// ExportFormat names Confine's export files (which confine apply reads as
// a policy of whole files).
const ExportFormat = policy.ExportFormat

// Export is the file `confine export` writes: every user override, verbatim,
// so import restores byte-identical files.
type Export struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Note    string `json:"note"`
	// Overrides maps "global" or an app ID to the override file's text.
	Overrides map[string]string `json:"overrides"`
	// Portals (with --portals) maps an app ID to its stored portal answers,
	// "table/id" → value, e.g. "devices/camera": ["yes"],
	// "inhibit/inhibit": ["idle"], "desktop-used-apps/application/pdf":
	// ["org.gnome.Evince", "3", "3"] (the ID is what follows the first
	// "/"). Saved screen-sharing sessions are not exported.
	Portals map[string]map[string][]string `json:"portals,omitempty"`
}

func (c *command) export(args []string) error {
	fs := c.flags("[--portals] [APP…] > FILE")
	withPortals := fs.Bool("portals", false, "also export portal permissions (camera, microphone, location…) from the permission store")
	if err := fs.Parse(reorder(args)); err != nil {
		return err
	}
	m := c.model()
	targets := fs.Args()
	if len(targets) == 0 {
		var err error
		if targets, err = m.User.List(); err != nil {
			return err
		}
	}
	ex := Export{Format: ExportFormat, Version: 1, Note: "User Flatpak overrides exported by Confine; restore with: confine import FILE", Overrides: map[string]string{}}
	for _, t := range targets {
		if err := overrides.ValidateTarget(t); err != nil {
			return err
		}
		data, err := m.User.Read(t)
		if err != nil {
			return err
		}
		if data != nil {
			ex.Overrides[t] = string(data)
		}
	}
	if *withPortals {
		pm := portals.New(c.env.Model)
		defer pm.Close()
		if pm.Err != nil {
			return fail("cannot read portal permissions: %v", pm.Err)
		}
		ids := fs.Args()
		if len(ids) == 0 {
			for _, a := range m.Apps {
				ids = append(ids, a.ID)
			}
		}
		ex.Portals = map[string]map[string][]string{}
		for _, id := range ids {
			if id == overrides.Global {
				continue
			}
			snap, err := pm.Export(id)
			if err != nil {
				return fail("cannot read the portal permissions of %s: %v", id, err)
			}
			if len(snap) > 0 {
				ex.Portals[id] = snap
			}
		}
	}
	return c.printJSON(ex)
}

func (c *command) importFile(args []string) error {
	fs := c.flags("FILE|- [--dry-run]")
	dry := fs.Bool("dry-run", false, "check the file and show what would change, write nothing")
	if err := fs.Parse(reorder(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("name one file (- for standard input)")
	}
	data, err := c.readArg(fs.Arg(0))
	if err != nil {
		return err
	}
	var ex Export
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ex); err != nil {
		return fail("%s is not a Confine export file: %v", fs.Arg(0), err)
	}
	if ex.Format != ExportFormat || ex.Version != 1 {
		return fail("unsupported export format %q version %d (this Confine reads %s version 1)", ex.Format, ex.Version, ExportFormat)
	}
	// Validate everything before writing anything.
	targets := make([]string, 0, len(ex.Overrides))
	for t, text := range ex.Overrides {
		if err := overrides.ValidateTarget(t); err != nil {
			return fail("%v", err)
		}
		f, err := overrides.Parse([]byte(text))
		if err != nil {
			return fail("override for %s cannot be read: %v", t, err)
		}
		if _, probs := f.Context(c.model().Dialect); overrides.FatalProblem(probs) != nil {
			return fail("override for %s would make Flatpak refuse the app: %s", t, overrides.FatalProblem(probs))
		}
		targets = append(targets, t)
	}
	sort.Strings(targets)
	for app, perms := range ex.Portals {
		if err := overrides.ValidateAppID(app); err != nil {
			return fail("portal permissions: %v", err)
		}
		for k, v := range perms {
			table, id, _ := strings.Cut(k, "/")
			if err := portals.CheckKey(table, id, v); err != nil {
				return fail("portal permissions for %s: %v", app, err)
			}
		}
	}
	// The desktop must have every table the file names: Confine never
	// creates one. Checked before anything is written.
	var pm *portals.Manager
	if len(ex.Portals) > 0 {
		pm = portals.New(c.env.Model)
		defer pm.Close()
		switch {
		case pm.Err != nil && *dry:
			fmt.Fprintf(c.env.Stdout, "cannot check the portal permissions: %v\n", pm.Err)
		case pm.Err != nil:
			return fail("cannot restore portal permissions (nothing was written): %v", pm.Err)
		default:
			for _, a := range slices.Sorted(maps.Keys(ex.Portals)) {
				if err := pm.CheckSnapshot(portals.Snapshot(ex.Portals[a])); err != nil {
					return fail("portal permissions for %s (nothing was written): %v", a, err)
				}
			}
		}
	}
	m := c.model()
	for _, t := range targets {
		cur, err := m.User.Read(t)
		if err != nil {
			return err
		}
		want := []byte(ex.Overrides[t])
		if bytes.Equal(cur, want) {
			continue
		}
		fmt.Fprintf(c.env.Stdout, "--- %s\n%s", t, model.Diff(cur, want))
		if !*dry {
			if err := m.User.Write(t, cur, want); err != nil {
				return err
			}
		}
	}
	if len(ex.Portals) > 0 {
		apps := slices.Sorted(maps.Keys(ex.Portals))
		for _, a := range apps {
			fmt.Fprintf(c.env.Stdout, "portal permissions of %s: %d\n", a, len(ex.Portals[a]))
		}
		if !*dry {
			for _, a := range apps {
				if err := pm.Restore(a, portals.Snapshot(ex.Portals[a])); err != nil {
					return fail("restoring portal permissions of %s: %v", a, err)
				}
			}
		}
	}
	return nil
}

// readArg reads the file a command names, or standard input for "-" (at
// most 64 MiB: a mistaken pipe must not fill the memory).
func (c *command) readArg(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(io.LimitReader(c.env.Stdin, 64<<20))
	}
	return os.ReadFile(name)
}
