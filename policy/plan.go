package policy

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

// File is one override file a policy names: what it holds and what it
// will hold (nil: no file).
type File struct {
	Target, Path  string
	Before, After []byte
	// Pruned: the policy does not name it, and Prune removes it.
	Pruned bool
}

// Changed reports whether applying changes the file.
func (f File) Changed() bool {
	return !overrides.SameFile(f.Before, f.After)
}

// Note is something worth saying about a plan: an app that is not
// installed, a fix that hardening applied.
type Note struct {
	Target   string
	Severity string // "info" or "warning"
	ID       string // the advisor's finding, for hardening
	Message  string
}

// Plan is every new file content of a policy, computed and checked before
// anything is written.
type Plan struct {
	System bool
	Files  []File
	Notes  []Note
	store  *overrides.Store
}

// Changed reports whether any file changes.
func (p *Plan) Changed() bool {
	for _, f := range p.Files {
		if f.Changed() {
			return true
		}
	}
	return false
}

// Plan computes what applying the policy gives on m, for the user's
// overrides or (system) the administrator's, without writing anything.
//
// For a target given as desired states, the file as it is now is edited
// in place; then "harden" adds the advisor's fixes and "lock" the
// revocations of Lock, both judged on the app's permissions as the
// policy leaves them, and the policy's own entries are laid again on top,
// so they win over what the verbs propose (that is how a per-app
// exception is written). A file is rewritten only when its meaning to
// Flatpak changes, so applying twice changes nothing the second time.
// Verbs need the app's metadata: for an app that is not installed they
// are skipped with a warning, its entries still written. Files the policy
// cannot be applied to are an *Error with every one of them.
func (pol *Policy) Plan(m *model.Model, system bool) (*Plan, error) {
	store := m.User
	if system {
		store = m.System
	}
	plan := &Plan{System: system, store: store}
	note := func(target, sev, id, format string, a ...any) {
		plan.Notes = append(plan.Notes, Note{Target: target, Severity: sev, ID: id, Message: fmt.Sprintf(format, a...)})
	}
	if m.FlatpakErr != nil {
		note("", "warning", "", "the installed Flatpak's version is unknown (%v); permissions were not checked against it", model.OneLine(m.FlatpakErr.Error()))
	}
	ps := &problems{policy: pol.Name}
	planned := map[string][]byte{}
	for _, t := range pol.targets {
		path, err := store.Path(t.target)
		if err != nil {
			return nil, err
		}
		before, err := store.Read(t.target)
		if err != nil {
			return nil, fmt.Errorf("%s: %w (nothing was written)", t.target, err)
		}
		f := File{Target: t.target, Path: path, Before: before}
		var app *model.App
		if t.target != overrides.Global {
			var perUser bool
			if system {
				app, perUser = m.SystemCopy(t.target)
			} else if copies := m.Find(t.target); len(copies) > 0 {
				app = copies[0]
			}
			switch {
			case app == nil && (t.lock || t.harden != ""):
				note(t.target, "warning", "", "not installed: its override is written, but lock and harden need the app and were skipped")
			case app == nil:
				note(t.target, "info", "", "not installed: its override is written for when it is")
			case perUser:
				note(t.target, "warning", "", "installed only per user: Flatpak ignores system overrides for it")
			case app.Err != nil && (t.lock || t.harden != ""):
				note(t.target, "warning", "", "its metadata cannot be read (%s): lock and harden were skipped", model.OneLine(app.Err.Error()))
				app = nil
			}
		}
		if t.exact {
			f.After = t.file
		} else if f.After, err = planTarget(m, t, app, before, system, planned, note); err != nil {
			ps.add(t.target, "%s (nothing was written)", err)
			continue
		}
		for _, w := range t.warnings {
			note(t.target, "warning", "", "%s", w)
		}
		planned[t.target] = f.After
		plan.Files = append(plan.Files, f)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return plan, nil
}

func planTarget(m *model.Model, t target, app *model.App, before []byte, system bool, planned map[string][]byte, note func(target, sev, id, format string, a ...any)) ([]byte, error) {
	cur := overrides.NewFile()
	if before != nil {
		var err error
		if cur, err = overrides.Parse(before); err != nil {
			return nil, fmt.Errorf("the override cannot be read (%v); fix or reset it, or give the whole file in the policy", err)
		}
	}
	// The verbs' changes accumulate in cur; final is cur with the
	// policy's entries laid on top, so they win.
	var final *overrides.File
	withEntries := func() error {
		final = cur.Clone()
		return t.apply(final)
	}
	if err := withEntries(); err != nil {
		return nil, err
	}
	// effective judges the app with final as the scope's own file.
	effective := func() *model.Effective {
		in := maps.Clone(planned)
		in[t.target] = final.Bytes()
		return model.Merge(m.Dialect, m.ScopeLayers(app, t.target, system, in))
	}
	if app != nil && t.harden != "" {
		found, ops := model.HardenFixes(effective(), t.harden == hardenAll)
		if err := cur.ApplyOps(m.Dialect, ops); err != nil {
			return nil, err
		}
		if err := withEntries(); err != nil {
			return nil, err
		}
		for _, fd := range found {
			title, _ := fd.Text(model.English)
			note(t.target, "info", fd.ID, "harden (%s): %s", fd.Level, title)
		}
	}
	if app != nil && t.lock {
		if err := cur.ApplyOps(m.Dialect, m.LockOps(effective())); err != nil {
			return nil, err
		}
		if err := withEntries(); err != nil {
			return nil, err
		}
	}
	if _, probs := final.Context(m.Dialect); overrides.FatalProblem(probs) != nil {
		return nil, fmt.Errorf("Flatpak would refuse the resulting file: %s; fix or reset it, or give the whole file in the policy", overrides.FatalProblem(probs))
	}
	if final.IsEmpty() {
		return nil, nil
	}
	after := final.Bytes()
	if before != nil && sameMeaning(m.Dialect, before, after) {
		// Only the order of entries differs: keep the file as it is.
		return before, nil
	}
	return after, nil
}

// sameMeaning reports whether two override files mean the same to Flatpak.
func sameMeaning(d *overrides.Dialect, a, b []byte) bool {
	fa, err1 := overrides.Parse(a)
	fb, err2 := overrides.Parse(b)
	if err1 != nil || err2 != nil {
		return false
	}
	ca, pa := fa.Context(d)
	cb, pb := fb.Context(d)
	// Entries Confine does not understand are never edited, so equal
	// problem lists mean they are the same in both.
	return slices.EqualFunc(pa, pb, func(x, y overrides.Problem) bool { return x == y }) && ca.Canonical() == cb.Canonical()
}

// writeOrder lists a plan's changed files in the order they are written:
// every app's own file first, the global file last. An app's exceptions
// alone only give back what it has, while the global baseline alone could
// take its display; so a write cut short leaves no app worse off, and an
// undo in reverse order restores the global file first.
func (p *Plan) writeOrder() []File {
	var out []File
	for _, f := range p.Files {
		if f.Changed() && f.Target != overrides.Global {
			out = append(out, f)
		}
	}
	for _, f := range p.Files {
		if f.Changed() && f.Target == overrides.Global {
			out = append(out, f)
		}
	}
	return out
}

// ErrChanged is Write's refusal when a file no longer holds what the plan
// was computed from.
var ErrChanged = errors.New("changed since the preview, so nothing was written")

// Write writes the plan's changed files, all or nothing as far as it can
// tell: when any file no longer holds what the plan was computed from,
// nothing is written. The apps' files go first (writeOrder), and each
// write checks its file again. It returns what it wrote as Changes, so
// that a caller can name the files written before a failure, roll them
// back, or undo them all (Model.UndoAll).
func (p *Plan) Write() ([]model.Change, error) {
	files := p.writeOrder()
	var changed []string
	for _, f := range files {
		if now, err := p.store.Read(f.Target); err != nil || !overrides.SameFile(now, f.Before) {
			changed = append(changed, f.Path)
		}
	}
	if len(changed) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrChanged, strings.Join(changed, ", "))
	}
	var done []model.Change
	for _, f := range files {
		if err := p.store.Write(f.Target, f.Before, f.After); err != nil {
			return done, fmt.Errorf("%s: %w", f.Path, err)
		}
		done = append(done, model.Change{Target: f.Target, Before: f.Before, After: f.After})
	}
	return done, nil
}
