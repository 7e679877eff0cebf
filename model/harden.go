package model

import (
	"slices"

	"github.com/confine-app/confine/overrides"
)

// HardenPlan is the override that applying the advisor's fixes gives.
type HardenPlan struct {
	Target        string
	Findings      []Finding
	Ops           []overrides.Op
	Before, After []byte // nil: no file
}

// PlanHarden computes the hardening of an app without writing anything:
// recommended fixes always, suggested ones on request, dismissed findings
// never. The options are recorded as asked (explicit revocations) so a
// later update cannot widen them again.
func (m *Model) PlanHarden(a *App, includeSuggested bool) (HardenPlan, error) {
	findings, ops := fixes(m.Audit(a), includeSuggested)
	return m.planOps(a, findings, ops)
}

// PlanLock computes Lock (see Lock) without writing anything, to be
// previewed and applied as a harden plan is.
func (m *Model) PlanLock(a *App) (HardenPlan, error) {
	return m.planOps(a, nil, m.LockOps(m.Effective(a)))
}

// planOps is the plan of writing ops to the app's override.
func (m *Model) planOps(a *App, findings []Finding, ops []overrides.Op) (HardenPlan, error) {
	p := HardenPlan{Target: a.ID, Findings: findings}
	// Checked before it is offered: a plan never leaves the app without a
	// display in a kind of session where it has one now.
	p.Ops = m.sparingDisplay(a, ops)
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
	if err := f.ApplyOps(m.Dialect, p.Ops); err != nil {
		return p, err
	}
	if !f.IsEmpty() {
		p.After = f.Bytes()
	}
	return p, nil
}

// HardenFixes are the advisor's fixes for an app with these effective
// permissions, as a policy's "harden" applies them: those of the
// catalogue's advice and of write escapes (not of the findings about
// displays, updates or unreadable files; dismissals, one person's choice,
// do not count), recommended fixes always, suggested ones on request.
func HardenFixes(e *Effective, includeSuggested bool) (picked []Finding, ops []overrides.Op) {
	return fixes(appFindings(e), includeSuggested)
}

// fixes picks the findings hardening acts on (recommended always,
// suggested on request, dismissed never) and their options, each once.
func fixes(all []Finding, includeSuggested bool) (picked []Finding, ops []overrides.Op) {
	seen := map[string]bool{}
	for _, f := range all {
		if f.Dismissed || len(f.Ops) == 0 || f.Level == LevelInfo || (f.Level == LevelSuggested && !includeSuggested) {
			continue
		}
		picked = append(picked, f)
		for _, o := range f.Ops {
			if !seen[o.String()] {
				seen[o.String()] = true
				ops = append(ops, o)
			}
		}
	}
	return picked, ops
}

// ApplyHarden writes a hardening plan; it fails if the override changed
// since the plan was made.
func (m *Model) ApplyHarden(p HardenPlan) (Change, error) {
	c := Change{Target: p.Target, Before: p.Before, After: p.After}
	return c, m.User.Write(p.Target, p.Before, p.After)
}

// displayOps are the options that can change whether an app has a display.
func displayOp(o overrides.Op) bool {
	key, _, ok := overrides.FixedFlagKey(o.Flag)
	return ok && key == overrides.KeySockets && (o.Value == X11.Value || o.Value == Wayland.Value || o.Value == FallbackX11.Value)
}

// sparingDisplay drops the display options from ops when applying them
// would leave the app without a display in a Wayland or an X11 session
// where it has one now.
func (m *Model) sparingDisplay(a *App, ops []overrides.Op) []overrides.Op {
	if m.displayAfter(a, ops) {
		return ops
	}
	return slices.DeleteFunc(slices.Clone(ops), displayOp)
}

// displayAfter reports whether the app keeps a display in each kind of
// session where it has one now, once ops are applied to the user's
// override.
func (m *Model) displayAfter(a *App, ops []overrides.Op) bool {
	return len(m.displayLost(a, func(f *overrides.File) error { return f.ApplyOps(m.Dialect, ops) })) == 0
}

// DisplayLostBy lists the kinds of session ("Wayland", "X11") in which
// setting a fixed-name permission would leave the app without a display it
// has now — e.g. turning X11 off, on Flatpak 1.18, for an app that falls
// back to X11. The window asks before it writes such a change.
func (m *Model) DisplayLostBy(a *App, key, name string, want overrides.State) []string {
	if a == nil {
		return nil
	}
	forget, _, write := m.fixedEdit(a, key, name, want)
	if want == overrides.Inherit {
		write = forget
	}
	return m.displayLost(a, write)
}

// displayLost applies edit to a copy of the user's override and compares
// the display the app has in each kind of session.
func (m *Model) displayLost(a *App, edit func(*overrides.File) error) []string {
	ls := m.Layers(a)
	user := &ls[len(ls)-1]
	f := overrides.NewFile()
	if user.File != nil {
		f = user.File.Clone()
	}
	if err := edit(f); err != nil {
		return nil // refused anyway; the caller reports the error
	}
	now := Merge(m.Dialect, ls)
	user.File = f
	user.Context, user.Problems = f.Context(m.Dialect)
	return DisplaysLost(now, Merge(m.Dialect, ls))
}

// DisplaysLost names the kinds of session ("Wayland", "X11") in which an
// app shows its windows with now but not with after.
func DisplaysLost(now, after *Effective) []string {
	var lost []string
	for _, s := range []struct {
		name string
		s    overrides.Session
	}{{"Wayland", WaylandSession}, {"X11", X11Session}} {
		if now.Display(s.s) && !after.Display(s.s) {
			lost = append(lost, s.name)
		}
	}
	return lost
}
