package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/policy"
)

// ApplyFile is one override file in `confine apply --json`.
type ApplyFile struct {
	Path    string `json:"path"`
	Target  string `json:"target"`
	Scope   string `json:"scope"` // "user" or "system"
	Changed bool   `json:"changed"`
	// Pruned: not named in the policy, removed by --prune.
	Pruned bool `json:"pruned,omitempty"`
	// Diff is the unified diff of the change ("" when unchanged).
	Diff string `json:"diff"`
	// Before and After (with --diff) are the whole file now and after
	// applying; "" for no file.
	Before *string `json:"before,omitempty"`
	After  *string `json:"after,omitempty"`
}

// ApplyFinding is a note about the apply in `confine apply --json`.
type ApplyFinding struct {
	Target   string `json:"target,omitempty"`
	Severity string `json:"severity"` // "info" or "warning"
	ID       string `json:"id,omitempty"`
	Message  string `json:"message"`
}

// ApplyResult is `confine apply --json`.
type ApplyResult struct {
	Changed  bool           `json:"changed"`
	Check    bool           `json:"check"`
	Files    []ApplyFile    `json:"files"`
	Findings []ApplyFinding `json:"findings"`
	// Error says why the apply failed or was refused (exit status 1): for
	// a refused policy, every problem found, one line each. Written then
	// lists the targets already written, if any.
	Error   string   `json:"error,omitempty"`
	Written []string `json:"written,omitempty"`
}

// problemLines are the lines an error is reported in: one for each
// problem of a refused policy, else one.
func problemLines(err error) []string {
	var pe *policy.Error
	if errors.As(err, &pe) && len(pe.Problems) > 1 {
		lines := make([]string, len(pe.Problems))
		for i, p := range pe.Problems {
			lines[i] = model.OneLine(p.Error())
		}
		return lines
	}
	return []string{model.OneLine(err.Error())}
}

// Exit statuses of apply beyond the usual ones.
const exitChanged = 3

func (c *command) apply(args []string) error {
	fs := c.flags("POLICY|-|--preset=NAME [--system] [--prune] [--check] [--diff] [--json]\n\n" +
		"Makes the overrides match a policy (see README: Many computers). Exit status:\n" +
		"0 nothing to change, 3 changed (or would change, with --check), 1 failed or refused, 2 bad usage.")
	system := fs.Bool("system", false, "the administrator's overrides (root; --check needs no rights)")
	check := fs.Bool("check", false, "write nothing; report what would change")
	showDiff := fs.Bool("diff", false, "print a unified diff per changed file (with --json: add before and after)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	prune := fs.Bool("prune", false, "also remove every override file (of the scope) the policy does not name")
	preset := fs.String("preset", "", "apply a preset (strict or balanced; see confine presets) to your overrides instead of a policy file")
	if err := fs.Parse(reorder(args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: 2} // the flag package has said why
	}
	switch {
	case *preset != "" && fs.NArg() != 0:
		return usageErr("give a policy file or --preset, not both")
	case *preset != "" && *system:
		return usageErr("presets are for your own overrides: they are worked out from what each app needs, as you run it")
	case *preset == "" && fs.NArg() != 1:
		return usageErr("name one policy file (- for standard input), or --preset")
	}
	res := ApplyResult{Check: *check, Files: []ApplyFile{}, Findings: []ApplyFinding{}}
	failed := func(err error) error {
		lines := problemLines(err)
		if *asJSON {
			res.Error = strings.Join(lines, "\n")
			if perr := c.printJSON(res); perr != nil {
				return perr
			}
		}
		return fail("%s", strings.Join(lines, "\nconfine "+c.name+": "))
	}
	if *system && !*check && !c.isRoot() {
		return failed(errNeedRoot)
	}
	m := c.model()
	var pol *policy.Policy
	if *preset != "" {
		p, err := policy.LoadPreset(*preset)
		if err != nil {
			return failed(err)
		}
		if _, pol, err = p.Policy(m); err != nil {
			return failed(err)
		}
	} else {
		name := fs.Arg(0)
		data, err := c.readArg(name)
		if name == "-" {
			name = "standard input"
		}
		if err != nil {
			return failed(fmt.Errorf("cannot read the policy: %w", err))
		}
		if pol, err = policy.Parse(name, data, m.Flatpak); err != nil {
			return failed(err)
		}
	}
	if *system && !*check {
		m.EnableSystemWrites()
	}
	plan, err := pol.Plan(m, *system)
	if err == nil && *prune {
		err = plan.Prune()
	}
	if err != nil {
		return failed(err)
	}
	scope := "user"
	if *system {
		scope = "system"
	}
	for _, f := range plan.Files {
		af := ApplyFile{Path: f.Path, Target: f.Target, Scope: scope, Changed: f.Changed(), Pruned: f.Pruned}
		if af.Changed {
			af.Diff = model.UnifiedDiff(f.Path, f.Before, f.After)
			res.Changed = true
		}
		if *showDiff && *asJSON {
			before, after := string(f.Before), string(f.After)
			af.Before, af.After = &before, &after
		}
		res.Files = append(res.Files, af)
	}
	for _, n := range plan.Notes {
		res.Findings = append(res.Findings, ApplyFinding{Target: n.Target, Severity: n.Severity, ID: n.ID, Message: n.Message})
	}
	if !*check {
		done, err := plan.Write()
		for _, c := range done {
			res.Written = append(res.Written, c.Target)
		}
		if err != nil {
			switch {
			case len(done) > 0:
				err = fmt.Errorf("%w; already written: %s; the other files are unchanged", err, strings.Join(res.Written, ", "))
			case !errors.Is(err, policy.ErrChanged):
				err = fmt.Errorf("%w; nothing was written", err)
			}
			return failed(err)
		}
	}
	if *asJSON {
		if err := c.printJSON(res); err != nil {
			return err
		}
	} else {
		c.reportApply(res, *check, *showDiff)
	}
	if res.Changed {
		return &exitError{code: exitChanged}
	}
	return nil
}

func (c *command) reportApply(res ApplyResult, check, showDiff bool) {
	for _, f := range res.Findings {
		where := ""
		if f.Target != "" {
			where = f.Target + ": "
		}
		if f.Severity == "warning" {
			fmt.Fprintln(c.env.Stderr, "warning: "+where+f.Message)
		} else {
			fmt.Fprintln(c.env.Stdout, "# "+where+f.Message)
		}
	}
	verb := "changed"
	if check {
		verb = "would change"
	}
	n := 0
	for _, f := range res.Files {
		if !f.Changed {
			continue
		}
		n++
		v := verb
		if f.Pruned {
			v = map[bool]string{false: "removed", true: "would remove"}[check]
		}
		fmt.Fprintf(c.env.Stdout, "%s: %s\n", v, f.Path)
		if showDiff {
			fmt.Fprint(c.env.Stdout, f.Diff)
		}
	}
	if n == 0 {
		fmt.Fprintf(c.env.Stdout, "unchanged: %d override files already match\n", len(res.Files))
	}
}

// presets lists the presets, or prints one as the policy it makes for the
// apps installed here.
func (c *command) presets(args []string) error {
	fs := c.flags("[show NAME]\n\nLists the hardening presets; show prints one as a policy for the apps installed here (apply it with confine apply --preset=NAME).")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() == 0:
		ps, err := policy.Presets()
		if err != nil {
			return err
		}
		for _, p := range ps {
			fmt.Fprintf(c.env.Stdout, "%s\t%s\n\t%s\n", p.Name, p.Title, p.Blurb)
		}
		return nil
	case fs.NArg() == 2 && fs.Arg(0) == "show":
		p, err := policy.LoadPreset(fs.Arg(1))
		if err != nil {
			return err
		}
		data, _, err := p.Policy(c.model())
		if err != nil {
			return err
		}
		_, err = c.env.Stdout.Write(append(data, '\n'))
		return err
	}
	return usageErr("confine presets, or confine presets show NAME")
}
