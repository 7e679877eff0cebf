package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/confine-app/confine/overrides"
)

// A policy states the overrides a machine should have, for `confine
// apply`. It is JSON (Ansible writes it from YAML with to_json):
//
//	{"format": "confine-policy", "version": 1,
//	 "overrides": {
//	   "global": {"permissions": {"shared/network": "off"}},
//	   "org.example.App": {"permissions": {"shared/network": "on"},
//	                       "folders": {"reset": true, "xdg-download": "rw"},
//	                       "variables": {"GTK_USE_PORTAL": "1", "LD_PRELOAD": null},
//	                       "session-bus": {"org.freedesktop.secrets": "none"},
//	                       "harden": "recommended", "lock": true},
//	   "org.example.Other": "[Context]\nshared=network;\n"}}
//
// An object names desired states and touches nothing else in the file; a
// string is the whole file, exactly; null means no file. Confine's export
// format ("confine-overrides") is accepted too: every file exactly.

// PolicyFormat names policy files.
const PolicyFormat = "confine-policy"

// ExportFormat names `confine export` files, which apply reads as a policy
// of whole files.
const ExportFormat = "confine-overrides"

// Policy is a parsed, validated policy.
type Policy struct {
	Name    string // the file, for messages
	targets []policyTarget
}

// A policy's harden levels: the recommended fixes, or all (the suggested
// ones too).
const hardenRecommended, hardenAll = "recommended", "all"

type policyTarget struct {
	target string
	d      *overrides.Dialect // the release the policy is checked for
	// exact: the file is file (nil: no file); nothing else applies.
	exact bool
	file  []byte

	fixed   []fixedWant
	folders []folderWant
	env     []envWant
	bus     []busWant
	lock    bool
	harden  string // "", "recommended" or "all"
}

type fixedWant struct {
	key, name string
	state     overrides.State // Inherit: forget the entry
}

type folderWant struct {
	fs     overrides.Filesystem // Location ResetLocation for the reset
	forget bool
}

type envWant struct {
	name, value string
	unset       bool
}

type busWant struct {
	bus    overrides.Bus
	name   string
	policy overrides.Policy
	forget bool
}

// PolicyError is a policy that is refused; nothing was written.
type PolicyError struct {
	Name, Where, Msg string
}

func (e *PolicyError) Error() string {
	if e.Where == "" {
		return e.Name + ": " + e.Msg
	}
	return e.Name + ": " + e.Where + ": " + e.Msg
}

// member is one key of a JSON object, in file order.
type member struct {
	key string
	val json.RawMessage
}

// members reads a JSON object keeping its order and refusing a key given
// twice (encoding/json would silently keep the last one).
func members(raw json.RawMessage) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("must be an object")
	}
	var out []member
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k := tok.(string) // object keys are strings
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if seen[k] {
			return nil, fmt.Errorf("%q is given twice", k)
		}
		seen[k] = true
		out = append(out, member{k, v})
	}
	return out, nil
}

// jsonValue decodes a raw value that is a string, a boolean or null.
func jsonValue(raw json.RawMessage) (s string, b, isStr, isBool, isNull bool) {
	t := bytes.TrimSpace(raw)
	switch {
	case bytes.Equal(t, []byte("null")):
		return "", false, false, false, true
	case bytes.Equal(t, []byte("true")), bytes.Equal(t, []byte("false")):
		return "", t[0] == 't', false, true, false
	case len(t) > 0 && t[0] == '"':
		if json.Unmarshal(t, &s) == nil {
			return s, false, true, false, false
		}
	}
	return "", false, false, false, false
}

// ParsePolicy reads and checks a policy; name is used in messages.
// Everything is checked here, before anything is read from or written to
// the overrides: unknown keys and permissions, malformed values, invalid
// app IDs, and permissions the installed Flatpak (flatpak; zero: unknown)
// cannot honour.
func ParsePolicy(name string, data []byte, flatpak Version) (*Policy, error) {
	p := &Policy{Name: name}
	bad := func(where, format string, a ...any) error {
		return &PolicyError{Name: name, Where: where, Msg: fmt.Sprintf(format, a...)}
	}
	if !json.Valid(data) {
		var v any
		err := json.Unmarshal(data, &v)
		return nil, bad("", "not valid JSON (%v)", err)
	}
	top, err := members(data)
	if err != nil {
		return nil, bad("", "the policy %v", err)
	}
	var format string
	var version json.Number
	var targets json.RawMessage
	for _, m := range top {
		switch m.key {
		case "format":
			s, _, ok, _, _ := jsonValue(m.val)
			if !ok {
				return nil, bad("format", "must be a string")
			}
			format = s
		case "version":
			if err := json.Unmarshal(m.val, &version); err != nil {
				return nil, bad("version", "must be a number")
			}
		case "note":
		case "overrides":
			targets = m.val
		case "portals":
			if t := bytes.TrimSpace(m.val); !bytes.Equal(t, []byte("null")) && !bytes.Equal(t, []byte("{}")) {
				return nil, bad("portals", "portal permissions are kept by each user's desktop; apply does not set them (use confine import as that user)")
			}
		default:
			return nil, bad(m.key, "unknown key; a policy has format, version, note and overrides")
		}
	}
	exactOnly := false
	switch format {
	case PolicyFormat:
	case ExportFormat:
		exactOnly = true
	case "":
		return nil, bad("format", "missing; say \"format\": %q", PolicyFormat)
	default:
		return nil, bad("format", "%q is not a Confine policy (this Confine reads %s and %s)", format, PolicyFormat, ExportFormat)
	}
	if version == "" {
		return nil, bad("version", "missing; say \"version\": 1")
	}
	if version.String() != "1" {
		return nil, bad("version", "%q is not supported (this Confine reads version 1)", version.String())
	}
	if targets == nil {
		return nil, bad("overrides", "missing: name global and app IDs there")
	}
	ts, err := members(targets)
	if err != nil {
		return nil, bad("overrides", "%v", err)
	}
	for _, m := range ts {
		if err := overrides.ValidateTarget(m.key); err != nil {
			return nil, bad(m.key, "%v", err)
		}
		t := policyTarget{target: m.key}
		s, _, isStr, _, isNull := jsonValue(m.val)
		switch {
		case isNull:
			t.exact = true
		case isStr:
			t.exact, t.file = true, []byte(s)
			if err := checkExactFile(t.file, flatpak); err != nil {
				return nil, bad(m.key, "%v", err)
			}
		case exactOnly:
			return nil, bad(m.key, "an export file holds each override as text")
		default:
			if err := parseTargetPolicy(&t, m.val, flatpak); err != nil {
				var pe *PolicyError
				if errors.As(err, &pe) {
					return nil, bad(m.key+": "+pe.Where, "%s", pe.Msg)
				}
				return nil, bad(m.key, "%v", err)
			}
		}
		p.targets = append(p.targets, t)
	}
	// The global override first: the apps' plans are judged over it.
	slices.SortStableFunc(p.targets, func(a, b policyTarget) int {
		switch {
		case a.target == b.target:
			return 0
		case a.target == overrides.Global:
			return -1
		case b.target == overrides.Global:
			return 1
		}
		return strings.Compare(a.target, b.target)
	})
	return p, nil
}

// checkExactFile checks a whole file given in a policy: GLib must read it,
// Flatpak must accept it, and the installed Flatpak must know its names.
func checkExactFile(data []byte, flatpak Version) error {
	d := DialectOf(flatpak)
	f, err := overrides.Parse(data)
	if err != nil {
		return fmt.Errorf("the file cannot be read: %v", err)
	}
	c, probs := f.Context(d)
	if p := overrides.FatalProblem(probs); p != nil {
		return fmt.Errorf("Flatpak would refuse the file: %s", p)
	}
	for _, key := range overrides.FixedKeys {
		for _, n := range d.Names(key) {
			if _, ok := c.Fixed[key][n]; ok {
				if err := supported(LookupFixed(key, n), flatpak); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func supported(p *Permission, v Version) error {
	if p != nil && !p.Supported(v) {
		return fmt.Errorf("%s needs Flatpak %s; this system has %s", p.ID, p.MinVersion, v)
	}
	return nil
}

// fixedIDs lists the permission IDs a policy may name, for messages.
func fixedIDs() string {
	var ids []string
	for _, p := range Catalogue {
		if slices.Contains(overrides.FixedKeys, p.Key) && p.Group != GroupPortals {
			ids = append(ids, p.ID)
		}
	}
	return strings.Join(ids, ", ")
}

func parseTargetPolicy(t *policyTarget, raw json.RawMessage, flatpak Version) error {
	d := DialectOf(flatpak)
	t.d = d
	bad := func(where, format string, a ...any) error {
		return &PolicyError{Where: where, Msg: fmt.Sprintf(format, a...)}
	}
	ms, err := members(raw)
	if err != nil {
		return bad("", "%v (desired states), a string (the whole file) or null (no file)", err)
	}
	isApp := t.target != overrides.Global
	for _, sec := range ms {
		var entries []member
		switch sec.key {
		case "permissions", "folders", "variables", string(GroupSessionBus), string(GroupSystemBus):
			if entries, err = members(sec.val); err != nil {
				return bad(sec.key, "%v", err)
			}
		}
		switch sec.key {
		case "permissions":
			for _, e := range entries {
				where := fmt.Sprintf("permissions: %q", e.key)
				key, name, _ := strings.Cut(e.key, "/")
				p := Lookup(e.key)
				if p == nil || !slices.Contains(overrides.FixedKeys, key) {
					hint := ""
					if key == overrides.KeyFilesystems {
						hint = " (folders go under \"folders\")"
					} else if key == "portals" {
						hint = " (portal permissions are each user's, kept by the desktop)"
					}
					return bad(where, "unknown permission%s; known: %s", hint, fixedIDs())
				}
				s, b, isStr, isBool, _ := jsonValue(e.val)
				var st overrides.State
				switch {
				case isBool && b, isStr && s == "on":
					st = overrides.Grant
				case isBool && !b, isStr && s == "off":
					st = overrides.Revoke
				case isStr && s == "default":
					st = overrides.Inherit
				default:
					return bad(where, "%s is not on, off or default", bytes.TrimSpace(e.val))
				}
				if st != overrides.Inherit {
					if err := supported(p, flatpak); err != nil {
						return bad(where, "%v", err)
					}
				}
				t.fixed = append(t.fixed, fixedWant{key, name, st})
			}
		case "folders":
			for _, e := range entries {
				where := fmt.Sprintf("folders: %q", e.key)
				s, b, isStr, isBool, _ := jsonValue(e.val)
				if e.key == "reset" {
					if !isBool {
						return bad(where, "must be true (drop every folder the lower layers grant: !host:reset) or false")
					}
					t.folders = append(t.folders, folderWant{fs: overrides.Filesystem{Location: overrides.ResetLocation}, forget: !b})
					continue
				}
				norm, err := overrides.NormaliseLocation(d, e.key)
				if err != nil {
					return bad(where, "%v", err)
				}
				w := folderWant{fs: overrides.Filesystem{Location: norm}}
				switch {
				case !isStr:
					return bad(where, "%s is not ro, rw, create, none or default", bytes.TrimSpace(e.val))
				case s == "ro":
					w.fs.Mode = overrides.ModeRead
				case s == "rw":
					w.fs.Mode = overrides.ModeReadWrite
				case s == "create":
					w.fs.Mode = overrides.ModeCreate
				case s == "none":
					w.fs.Mode = overrides.ModeNone
				case s == "default":
					w.forget = true
				default:
					return bad(where, "%q is not ro, rw, create, none or default", s)
				}
				// What is written must read back as the same entry
				// (control characters make Flatpak refuse the file).
				if back, _, err := overrides.ParseFilesystem(d, w.fs.String()); err != nil || back != w.fs {
					msg := "cannot be written as a Flatpak filesystem entry"
					if err != nil {
						msg = err.Error()
					}
					return bad(where, "%s", msg)
				}
				t.folders = append(t.folders, w)
			}
		case "variables":
			for _, e := range entries {
				where := fmt.Sprintf("variables: %q", e.key)
				if err := overrides.ValidateEnvName(e.key); err != nil {
					return bad(where, "%v", err)
				}
				s, _, isStr, _, isNull := jsonValue(e.val)
				switch {
				case isNull:
					t.env = append(t.env, envWant{name: e.key, unset: true})
				case isStr:
					if _, _, err := overrides.ParseEnvArg(e.key + "=" + s); err != nil {
						return bad(where, "%v", err)
					}
					t.env = append(t.env, envWant{name: e.key, value: s})
				default:
					return bad(where, "%s must be a string (in YAML, quote values such as on, yes or 1) or null to unset", bytes.TrimSpace(e.val))
				}
			}
		case string(GroupSessionBus), string(GroupSystemBus):
			bus := overrides.SessionBus
			if sec.key == string(GroupSystemBus) {
				bus = overrides.SystemBus
			}
			for _, e := range entries {
				where := fmt.Sprintf("%s: %q", sec.key, e.key)
				if err := overrides.ValidateBusName(e.key); err != nil {
					return bad(where, "%v", err)
				}
				s, _, isStr, _, _ := jsonValue(e.val)
				w := busWant{bus: bus, name: e.key}
				if isStr && s == "default" {
					w.forget = true
				} else if pol, err := overrides.ParsePolicy(s); isStr && err == nil {
					w.policy = pol
				} else {
					return bad(where, "%s is not none, see, talk, own or default", bytes.TrimSpace(e.val))
				}
				t.bus = append(t.bus, w)
			}
		case "lock":
			_, b, _, isBool, _ := jsonValue(sec.val)
			if !isBool {
				return bad("lock", "must be true or false")
			}
			if b && !isApp {
				return bad("lock", "locks an app; the global override has nothing to lock")
			}
			t.lock = b
		case "harden":
			s, _, isStr, _, _ := jsonValue(sec.val)
			if !isStr || (s != hardenRecommended && s != hardenAll) {
				return bad("harden", "must be \"recommended\" or \"all\" (recommended and suggested fixes)")
			}
			if !isApp {
				return bad("harden", "hardens an app; name the apps, or give the global override's permissions")
			}
			t.harden = s
		default:
			return bad(sec.key, "unknown key; a target has permissions, folders, variables, session-bus, system-bus, lock and harden")
		}
	}
	return nil
}

// apply makes a file say what the target's entries want, touching nothing
// else.
func (t *policyTarget) apply(f *overrides.File) error {
	d := t.d
	for _, w := range t.fixed {
		if err := f.SetFixed(d, w.key, w.name, w.state); err != nil {
			return err
		}
	}
	for _, w := range t.folders {
		var err error
		if w.forget {
			err = f.RemoveFilesystem(d, w.fs.Location)
		} else {
			err = f.SetFilesystem(d, w.fs)
		}
		if err != nil {
			return err
		}
	}
	for _, w := range t.env {
		var err error
		if w.unset {
			err = f.UnsetEnv(w.name)
		} else {
			err = f.SetEnv(w.name, w.value)
		}
		if err != nil {
			return err
		}
	}
	for _, w := range t.bus {
		if w.forget {
			f.RemoveBusPolicy(w.bus, w.name)
		} else if err := f.SetBusPolicy(w.bus, w.name, w.policy); err != nil {
			return err
		}
	}
	return nil
}

// PolicyFile is one override file a policy names: what it holds and what
// it will hold (nil: no file).
type PolicyFile struct {
	Target, Path  string
	Before, After []byte
}

// Changed reports whether applying changes the file.
func (f PolicyFile) Changed() bool {
	return !overrides.SameFile(f.Before, f.After)
}

// PolicyNote is something worth saying about a plan: an app that is not
// installed, a fix that hardening applied.
type PolicyNote struct {
	Target   string
	Severity string // "info" or "warning"
	ID       string // the advisor's finding, for hardening
	Message  string
}

// PolicyPlan is every new file content of a policy, computed and checked
// before anything is written.
type PolicyPlan struct {
	System bool
	Files  []PolicyFile
	Notes  []PolicyNote
	store  *overrides.Store
}

// Changed reports whether any file changes.
func (p *PolicyPlan) Changed() bool {
	for _, f := range p.Files {
		if f.Changed() {
			return true
		}
	}
	return false
}

// PlanPolicy computes what applying a policy gives, for the user's
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
// are skipped with a warning, its entries still written.
func (m *Model) PlanPolicy(pol *Policy, system bool) (*PolicyPlan, error) {
	store := m.User
	if system {
		store = m.System
	}
	plan := &PolicyPlan{System: system, store: store}
	note := func(target, sev, id, format string, a ...any) {
		plan.Notes = append(plan.Notes, PolicyNote{Target: target, Severity: sev, ID: id, Message: fmt.Sprintf(format, a...)})
	}
	if m.FlatpakErr != nil {
		note("", "warning", "", "the installed Flatpak's version is unknown (%v); permissions were not checked against it", OneLine(m.FlatpakErr.Error()))
	}
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
		pf := PolicyFile{Target: t.target, Path: path, Before: before}
		var app *App
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
				note(t.target, "warning", "", "its metadata cannot be read (%s): lock and harden were skipped", OneLine(app.Err.Error()))
				app = nil
			}
		}
		if t.exact {
			pf.After = t.file
		} else if pf.After, err = m.planTarget(t, app, before, system, planned, note); err != nil {
			return nil, &PolicyError{Name: pol.Name, Where: t.target, Msg: err.Error() + " (nothing was written)"}
		}
		planned[t.target] = pf.After
		plan.Files = append(plan.Files, pf)
	}
	return plan, nil
}

func (m *Model) planTarget(t policyTarget, app *App, before []byte, system bool, planned map[string][]byte, note func(target, sev, id, format string, a ...any)) ([]byte, error) {
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
	effective := func() *Effective {
		in := maps.Clone(planned)
		in[t.target] = final.Bytes()
		return Merge(m.Dialect, m.scopeLayers(app, t.target, system, in))
	}
	if app != nil && t.harden != "" {
		found, ops := fixes(appFindings(effective()), t.harden == hardenAll)
		if err := cur.ApplyOps(m.Dialect, ops); err != nil {
			return nil, err
		}
		if err := withEntries(); err != nil {
			return nil, err
		}
		for _, fd := range found {
			title, _ := fd.Text(English)
			note(t.target, "info", fd.ID, "harden (%s): %s", fd.Level, title)
		}
	}
	if app != nil && t.lock {
		if err := cur.ApplyOps(m.Dialect, m.lockOps(effective())); err != nil {
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
func (p *PolicyPlan) writeOrder() []PolicyFile {
	var out []PolicyFile
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

// WritePolicy writes a plan's changed files, the apps' before the global
// one (writeOrder). Each write checks that the file still holds what the
// plan was computed from. On a failure it returns the targets already
// written.
func (m *Model) WritePolicy(p *PolicyPlan) (written []string, err error) {
	done, err := p.write()
	for _, c := range done {
		written = append(written, c.Target)
	}
	return written, err
}

// write writes the plan's changed files in writeOrder, each provided it
// still holds what the plan was computed from, and returns what it wrote.
func (p *PolicyPlan) write() ([]Change, error) {
	var done []Change
	for _, f := range p.writeOrder() {
		if err := p.store.Write(f.Target, f.Before, f.After); err != nil {
			return done, fmt.Errorf("%s: %w", f.Path, err)
		}
		done = append(done, Change{Target: f.Target, Before: f.Before, After: f.After})
	}
	return done, nil
}
