package model

import "github.com/confine-app/confine/overrides"

// HardenPlan is the override that applying the advisor's fixes gives.
type HardenPlan struct {
	Target        string
	Findings      []Finding
	Ops           []overrides.Op
	Before, After []byte // nil: no file
}

// Plan computes the hardening of an app without writing anything:
// recommended fixes always, suggested ones on request, dismissed findings
// never. The options are recorded as asked (explicit revocations) so a
// later update cannot widen them again.
func (m *Model) Plan(a *App, includeSuggested bool) (HardenPlan, error) {
	p := HardenPlan{Target: a.ID}
	seen := map[string]bool{}
	for _, f := range m.Audit(a) {
		if f.Dismissed || len(f.Ops) == 0 || f.Level == LevelInfo || (f.Level == LevelSuggested && !includeSuggested) {
			continue
		}
		p.Findings = append(p.Findings, f)
		for _, o := range f.Ops {
			if !seen[o.String()] {
				seen[o.String()] = true
				p.Ops = append(p.Ops, o)
			}
		}
	}
	before, err := m.User.Read(a.ID)
	if err != nil {
		return p, err
	}
	p.Before = before
	f := overrides.NewFile()
	if before != nil {
		if f, err = overrides.Parse(before); err != nil {
			return p, err
		}
	}
	if err := f.ApplyOps(p.Ops); err != nil {
		return p, err
	}
	if !f.IsEmpty() {
		p.After = f.Bytes()
	}
	return p, nil
}

// Apply writes a plan; it fails if the override changed since the plan was
// made.
func (m *Model) Apply(p HardenPlan) (Change, error) {
	c := Change{Target: p.Target, Before: p.Before, After: p.After}
	return c, m.User.Write(p.Target, p.Before, p.After)
}
