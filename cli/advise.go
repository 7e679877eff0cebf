package cli

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

// audit and harden: the advisor from the command line.

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
			fmt.Fprintf(out, "%s (%s): %s\n", esc(r.Name), esc(r.ID), strings.ReplaceAll(r.Rating, "-", " "))
			for _, f := range r.Findings {
				mark := ""
				if f.Dismissed {
					mark = " [dismissed]"
				}
				fmt.Fprintf(out, "  %-7s %-11s %s%s\n", f.Severity, f.Level, f.Title, mark)
				if f.Permission != "" {
					fmt.Fprintf(out, "          %s (from %s)\n", esc(f.Permission), f.Source)
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
		p, err := m.PlanHarden(a, *suggested)
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
		fmt.Fprintf(out, "# %s (%s)\n", esc(a.Name), a.ID)
		for _, f := range p.Findings {
			title, _ := f.Text(model.English)
			fmt.Fprintf(out, "#   %s: %s\n", f.Level, title)
		}
		fmt.Fprintf(out, "--- %s (now)\n+++ %s (hardened)\n%s", a.ID, a.ID, model.Diff(p.Before, p.After))
		fmt.Fprintln(out, model.Command(a.ID, p.Ops))
		if *apply {
			if _, err := m.ApplyHarden(p); err != nil {
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
