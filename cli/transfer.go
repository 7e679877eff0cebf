package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

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
	// Encoded holds, base64-encoded, the files that are not UTF-8 text,
	// which a JSON string cannot hold byte for byte (encoding/json would
	// put U+FFFD in place of each stray byte).
	Encoded map[string]string `json:"overrides_base64,omitempty"`
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
	}
	// A file that cannot be read is left out and said, and the command
	// fails, but the others are exported: one bad file must not cost the
	// backup of all of them, nor pass for a complete one.
	var missed []string
	for _, t := range targets {
		data, err := m.User.Read(t)
		switch {
		case err != nil:
			fmt.Fprintf(c.env.Stderr, "confine export: %s is not in the export: %s\n", t, model.OneLine(err.Error()))
			missed = append(missed, t)
		case data == nil:
		case utf8.Valid(data):
			ex.Overrides[t] = string(data)
		default:
			if ex.Encoded == nil {
				ex.Encoded = map[string]string{}
			}
			ex.Encoded[t] = base64.StdEncoding.EncodeToString(data)
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
		ids = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == overrides.Global })
		all, err := pm.ExportAll(ids)
		if err != nil {
			return fail("cannot read the portal permissions: %v", err)
		}
		ex.Portals = map[string]map[string][]string{}
		for id, snap := range all {
			ex.Portals[id] = snap
		}
	}
	if err := c.printJSON(ex); err != nil {
		return err
	}
	if len(missed) > 0 {
		return fail("%d override files could not be read and are not in the export: %s", len(missed), strings.Join(missed, ", "))
	}
	return nil
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
	// Check everything, then write: the files, the current files they
	// replace, the portal tables.
	files := map[string][]byte{}
	for t, text := range ex.Overrides {
		files[t] = []byte(text)
	}
	for t, b64 := range ex.Encoded {
		if _, dup := files[t]; dup {
			return fail("%s is in both overrides and overrides_base64", esc(t))
		}
		data, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return fail("overrides_base64: %s: %v", esc(t), err)
		}
		files[t] = data
	}
	for t, data := range files {
		if err := overrides.ValidateTarget(t); err != nil {
			return fail("%v", err)
		}
		f, err := overrides.Parse(data)
		if err != nil {
			return fail("override for %s cannot be read: %v", t, err)
		}
		if _, probs := f.Context(c.model().Dialect); overrides.FatalProblem(probs) != nil {
			return fail("override for %s would make Flatpak refuse the app: %s", t, overrides.FatalProblem(probs))
		}
	}
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
	// Each app's file before the global one, as apply writes them: an
	// app's file alone takes nothing away from the others, a new global
	// one alone could.
	targets := slices.Sorted(maps.Keys(files))
	if i := slices.Index(targets, overrides.Global); i >= 0 {
		targets = append(slices.Delete(targets, i, i+1), overrides.Global)
	}
	m := c.model()
	current := map[string][]byte{}
	for _, t := range targets {
		cur, err := m.User.Read(t)
		if err != nil {
			return fail("%s; nothing was written", model.OneLine(err.Error()))
		}
		current[t] = cur
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
	var written []string
	for _, t := range targets {
		cur, want := current[t], files[t]
		if overrides.SameFile(cur, want) {
			continue
		}
		fmt.Fprintf(c.env.Stdout, "--- %s\n%s", t, model.Diff(cur, want))
		if *dry {
			continue
		}
		if err := m.User.Write(t, cur, want); err != nil {
			if len(written) == 0 {
				return fail("%s; nothing was written", model.OneLine(err.Error()))
			}
			return fail("%s; already written: %s; the other files are unchanged", model.OneLine(err.Error()), strings.Join(written, ", "))
		}
		written = append(written, t)
	}
	if len(ex.Portals) > 0 {
		apps := slices.Sorted(maps.Keys(ex.Portals))
		c.reportPortalImport(pm, ex.Portals)
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

// maxInput bounds what a command reads from a file or standard input: a
// mistaken /dev/zero or pipe must not fill the memory.
const maxInput = 64 << 20

// readArg reads the file a command names, or standard input for "-": a
// regular file or a pipe, at most maxInput bytes; a device, socket or
// folder is refused.
func (c *command) readArg(name string) ([]byte, error) {
	if name == "-" {
		data, err := io.ReadAll(io.LimitReader(c.env.Stdin, maxInput+1))
		if err == nil && len(data) > maxInput {
			err = fmt.Errorf("standard input holds more than %d MiB", maxInput>>20)
		}
		return data, err
	}
	data, err := overrides.ReadInput(name, maxInput)
	var tl *overrides.TooLargeError
	if errors.As(err, &tl) {
		err = fmt.Errorf("%s holds more than %d MiB", name, maxInput>>20)
	}
	return data, err
}
