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
	"text/tabwriter"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)}
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) { fmt.Fprintln(t.tw, strings.Join(cells, "\t")) }
func (t *table) flush() error        { return t.tw.Flush() }

// ---- audit ------------------------------------------------------------------

// AuditFinding is one finding in `confine audit --json`.
type AuditFinding struct {
	ID         string         `json:"id"`
	Severity   string         `json:"severity"`
	Level      string         `json:"level"`
	Permission string         `json:"permission"`
	Source     string         `json:"source"`
	Title      string         `json:"title"`
	Reason     string         `json:"reason"`
	Fix        string         `json:"fix"`
	Options    []string       `json:"options,omitempty"`
	Dismissed  bool           `json:"dismissed,omitempty"`
	ops        []overrides.Op // Options, for the text report's command
}

// AuditApp is one app in `confine audit --json`.
type AuditApp struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Rating   string         `json:"rating"`
	Findings []AuditFinding `json:"findings"`
}

func (c *command) audit(args []string) error {
	fs := c.flags("[APP] [--json] [--fail-on=SEVERITY]")
	asJSON := fs.Bool("json", false, "print JSON")
	failOn := fs.String("fail-on", "escape", "exit with status 1 when a finding at or above this severity (escape, high, medium, low, info) is not dismissed")
	if err := fs.Parse(reorder(args)); err != nil {
		return err
	}
	threshold, ok := model.ParseSeverity(*failOn)
	if !ok || threshold == model.SeverityNone {
		return usageErr("--fail-on takes escape, high, medium, low or info, not %q", *failOn)
	}
	m := c.model()
	var apps []*model.App
	switch fs.NArg() {
	case 0:
		apps = m.RunnableApps()
	case 1:
		a, err := c.target(fs.Arg(0))
		if err != nil {
			return err
		}
		apps = append(apps, a)
	default:
		return usageErr("name at most one app")
	}
	var report []AuditApp
	failed := false
	for _, a := range apps {
		fsx := m.Audit(a)
		entry := AuditApp{ID: overrides.Global, Name: "All applications", Rating: model.RatingOf(fsx).String(), Findings: []AuditFinding{}}
		if a != nil {
			entry.ID, entry.Name = a.ID, a.Name
		}
		for _, f := range fsx {
			title, reason := f.Text(model.English)
			af := AuditFinding{ID: f.ID, Severity: f.Severity.String(), Level: f.Level.String(), Permission: f.Permission, Source: f.Source.String(),
				Title: title, Reason: reason, Fix: f.Fix, Dismissed: f.Dismissed, ops: f.Ops}
			for _, o := range f.Ops {
				af.Options = append(af.Options, o.String())
			}
			entry.Findings = append(entry.Findings, af)
			if !f.Dismissed && f.Severity >= threshold {
				failed = true
			}
		}
		report = append(report, entry)
	}
	if *asJSON {
		if report == nil {
			report = []AuditApp{}
		}
		if err := c.printJSON(report); err != nil {
			return err
		}
	} else {
		out := c.env.Stdout
		for _, r := range report {
			fmt.Fprintf(out, "%s (%s): %s\n", r.Name, r.ID, strings.ReplaceAll(r.Rating, "-", " "))
			for _, f := range r.Findings {
				mark := ""
				if f.Dismissed {
					mark = " [dismissed]"
				}
				fmt.Fprintf(out, "  %-7s %-11s %s%s\n", f.Severity, f.Level, f.Title, mark)
				if f.Permission != "" {
					fmt.Fprintf(out, "          %s (from %s)\n", f.Permission, f.Source)
				}
				fmt.Fprintf(out, "          %s\n", f.Reason)
				if len(f.Options) > 0 {
					fmt.Fprintf(out, "          fix: %s\n", model.Command(r.ID, f.ops))
				}
			}
		}
	}
	if failed {
		return &exitError{code: 1}
	}
	return nil
}

// ---- harden -----------------------------------------------------------------

func (c *command) harden(args []string) error {
	fs := c.flags("APP|--all [--apply] [--include-suggested]")
	all := fs.Bool("all", false, "every installed app")
	apply := fs.Bool("apply", false, "write the change (otherwise only show it)")
	suggested := fs.Bool("include-suggested", false, "also apply suggestions that may cost features (network, audio, devices, broad folders)")
	if err := fs.Parse(reorder(args)); err != nil {
		return err
	}
	m := c.model()
	var apps []*model.App
	switch {
	case *all && fs.NArg() == 0:
		apps = m.RunnableApps()
	case !*all && fs.NArg() == 1:
		a, err := m.App(fs.Arg(0))
		if err != nil {
			return err
		}
		apps = append(apps, a)
	default:
		return usageErr("name one app, or --all")
	}
	out := c.env.Stdout
	changed := 0
	for _, a := range apps {
		p, err := m.Plan(a, *suggested)
		if err != nil {
			return fmt.Errorf("%s: %w", a.ID, err)
		}
		if len(p.Ops) == 0 || bytes.Equal(p.Before, p.After) {
			if !*all {
				fmt.Fprintf(out, "%s: nothing to harden\n", a.ID)
			}
			continue
		}
		changed++
		fmt.Fprintf(out, "# %s (%s)\n", a.Name, a.ID)
		for _, f := range p.Findings {
			title, _ := f.Text(model.English)
			fmt.Fprintf(out, "#   %s: %s\n", f.Level, title)
		}
		fmt.Fprintf(out, "--- %s (now)\n+++ %s (hardened)\n%s", a.ID, a.ID, model.Diff(p.Before, p.After))
		fmt.Fprintln(out, model.Command(a.ID, p.Ops))
		if *apply {
			if _, err := m.Apply(p); err != nil {
				return fmt.Errorf("%s: %w", a.ID, err)
			}
			fmt.Fprintf(out, "# applied; undo with: confine reset %s (or restore the file shown as \"now\")\n", a.ID)
		}
		fmt.Fprintln(out)
	}
	if *all && changed == 0 {
		fmt.Fprintln(out, "Nothing to harden.")
	}
	return nil
}

// ---- export / import --------------------------------------------------------

// ExportFormat names Confine's export files.
const ExportFormat = "confine-overrides"

// Export is the file `confine export` writes: every user override, verbatim,
// so import restores byte-identical files.
type Export struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Note    string `json:"note"`
	// Overrides maps "global" or an app ID to the override file's text.
	Overrides map[string]string `json:"overrides"`
	// Portals (with --portals) maps an app ID to its stored portal answers,
	// "table/id" → value, e.g. "devices/camera": ["yes"].
	Portals map[string]map[string][]string `json:"portals,omitempty"`
}

func (c *command) export(args []string) error {
	fs := c.flags("[--portals] [APP…] > FILE")
	portals := fs.Bool("portals", false, "also export portal permissions (camera, microphone, location…) from the permission store")
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
	if *portals {
		pm := model.NewPortalManager()
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
			for _, st := range pm.Status(id) {
				if st.Raw != nil {
					if ex.Portals[id] == nil {
						ex.Portals[id] = map[string][]string{}
					}
					ex.Portals[id][st.Perm.Key+"/"+st.Perm.Value] = st.Raw
				}
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
	var data []byte
	var err error
	if fs.Arg(0) == "-" {
		data, err = io.ReadAll(io.LimitReader(c.env.Stdin, 64<<20))
	} else {
		data, err = os.ReadFile(fs.Arg(0))
	}
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
		if _, probs := f.Context(); overrides.FatalProblem(probs) != nil {
			return fail("override for %s would make Flatpak refuse the app: %s", t, overrides.FatalProblem(probs))
		}
		targets = append(targets, t)
	}
	sort.Strings(targets)
	for app, perms := range ex.Portals {
		if err := overrides.ValidateAppID(app); err != nil {
			return fail("portal permissions: %v", err)
		}
		for k := range perms {
			table, id, _ := strings.Cut(k, "/")
			p := model.Lookup("portals/" + id)
			if p == nil || p.Key != table {
				return fail("portal permissions for %s: unknown permission %q", app, k)
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
			pm := model.NewPortalManager()
			if pm.Err != nil {
				return fail("cannot restore portal permissions: %v", pm.Err)
			}
			for _, a := range apps {
				if err := pm.Restore(a, model.Snapshot(ex.Portals[a])); err != nil {
					return fail("restoring portal permissions of %s: %v", a, err)
				}
			}
		}
	}
	return nil
}
