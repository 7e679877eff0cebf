package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/confine-app/confine/model"
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

// Format names policy files.
const Format = "confine-policy"

// ExportFormat names `confine export` files, which apply reads as a policy
// of whole files.
const ExportFormat = "confine-overrides"

// Policy is a parsed, validated policy.
type Policy struct {
	Name    string // the file, for messages
	targets []target
}

// A policy's harden levels: the recommended fixes, or all (the suggested
// ones too).
const hardenRecommended, hardenAll = "recommended", "all"

// target is what a policy says about one override file.
type target struct {
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
	policy overrides.BusPolicy
	forget bool
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

// Parse reads and checks a policy; name is used in messages. Everything is
// checked here, before anything is read from or written to the overrides:
// unknown keys and permissions, malformed values, invalid app IDs, and
// permissions the installed Flatpak (flatpak; zero: unknown) cannot
// honour. A refused policy is an *Error with every problem found.
func Parse(name string, data []byte, flatpak model.Version) (*Policy, error) {
	ps := &problems{policy: name}
	if !json.Valid(data) {
		var v any
		err := json.Unmarshal(data, &v)
		ps.add("", "not valid JSON (%v)", err)
		return nil, ps.err()
	}
	top, err := members(data)
	if err != nil {
		ps.add("", "the policy %v", err)
		return nil, ps.err()
	}
	format, targets, ok := parseHeader(top, ps)
	if !ok {
		// Without a format and version the rest cannot be read.
		return nil, ps.err()
	}
	if targets == nil {
		// A key the policy does not know is most likely the overrides
		// misspelt: then that is all there is to say.
		if len(ps.list) == 0 {
			ps.add("overrides", "missing: name global and app IDs there")
		}
		return nil, ps.err()
	}
	ts, err := members(targets)
	if err != nil {
		ps.add("overrides", "%v", err)
		return nil, ps.err()
	}
	p := &Policy{Name: name}
	for _, m := range ts {
		if err := overrides.ValidateTarget(m.key); err != nil {
			ps.add(m.key, "%v", err)
			continue
		}
		t := target{target: m.key}
		s, _, isStr, _, isNull := jsonValue(m.val)
		switch {
		case isNull:
			t.exact = true
		case isStr:
			t.exact, t.file = true, []byte(s)
			if err := checkExactFile(t.file, flatpak); err != nil {
				ps.add(m.key, "%v", err)
			}
		case format == ExportFormat:
			ps.add(m.key, "an export file holds each override as text")
		default:
			parseTarget(&t, m.val, flatpak, func(where, format string, a ...any) {
				ps.add(m.key+": "+where, format, a...)
			})
		}
		p.targets = append(p.targets, t)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	// The global override first: the apps' plans are judged over it.
	slices.SortStableFunc(p.targets, func(a, b target) int {
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

// parseHeader reads a policy's top-level keys; ok is false when its format
// or version is missing or not one this Confine reads.
func parseHeader(top []member, ps *problems) (format string, targets json.RawMessage, ok bool) {
	var version json.Number
	formatBad, versionBad := false, false
	for _, m := range top {
		switch m.key {
		case "format":
			s, _, isStr, _, _ := jsonValue(m.val)
			if !isStr {
				ps.add("format", "must be a string")
				formatBad = true
			}
			format = s
		case "version":
			if err := json.Unmarshal(m.val, &version); err != nil {
				ps.add("version", "must be a number")
				versionBad = true
			}
		case "note":
		case "overrides":
			targets = m.val
		case "portals":
			if t := bytes.TrimSpace(m.val); !bytes.Equal(t, []byte("null")) && !bytes.Equal(t, []byte("{}")) {
				ps.add("portals", "portal permissions are kept by each user's desktop; apply does not set them (use confine import as that user)")
			}
		default:
			ps.add(m.key, "unknown key; a policy has format, version, note and overrides")
		}
	}
	ok = !formatBad && !versionBad
	switch {
	case formatBad, format == Format, format == ExportFormat:
	case format == "":
		ps.add("format", "missing; say \"format\": %q", Format)
		ok = false
	default:
		ps.add("format", "%q is not a Confine policy (this Confine reads %s and %s)", format, Format, ExportFormat)
		ok = false
	}
	switch {
	case versionBad:
	case version == "":
		ps.add("version", "missing; say \"version\": 1")
		ok = false
	case version.String() != "1":
		ps.add("version", "%q is not supported (this Confine reads version 1)", version.String())
		ok = false
	}
	return format, targets, ok
}

// checkExactFile checks a whole file given in a policy: GLib must read it,
// Flatpak must accept it, and the installed Flatpak must know its names.
func checkExactFile(data []byte, flatpak model.Version) error {
	d := model.DialectOf(flatpak)
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
				if err := supported(model.LookupFixed(key, n), flatpak); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func supported(p *model.Permission, v model.Version) error {
	if p != nil && !p.Supported(v) {
		return fmt.Errorf("%s needs Flatpak %s; this system has %s", p.ID, p.MinVersion, v)
	}
	return nil
}

// fixedIDs lists the permission IDs a policy may name, for messages.
func fixedIDs() string {
	var ids []string
	for _, p := range model.Catalogue {
		if slices.Contains(overrides.FixedKeys, p.Key) {
			ids = append(ids, p.ID)
		}
	}
	return strings.Join(ids, ", ")
}

// badFunc reports one problem of a target's desired states: where in the
// target, and what is wrong.
type badFunc func(where, format string, a ...any)

// parseTarget reads a target's desired states into t, reporting every
// problem to bad.
func parseTarget(t *target, raw json.RawMessage, flatpak model.Version, bad badFunc) {
	t.d = model.DialectOf(flatpak)
	ms, err := members(raw)
	if err != nil {
		bad("", "%v (desired states), a string (the whole file) or null (no file)", err)
		return
	}
	isApp := t.target != overrides.Global
	for _, sec := range ms {
		var entries []member
		switch sec.key {
		case "permissions", "folders", "variables", string(model.GroupSessionBus), string(model.GroupSystemBus):
			if entries, err = members(sec.val); err != nil {
				bad(sec.key, "%v", err)
				continue
			}
		}
		switch sec.key {
		case "permissions":
			t.parsePermissions(entries, flatpak, bad)
		case "folders":
			t.parseFolders(entries, bad)
		case "variables":
			t.parseVariables(entries, bad)
		case string(model.GroupSessionBus):
			t.parseBus(overrides.SessionBus, sec.key, entries, bad)
		case string(model.GroupSystemBus):
			t.parseBus(overrides.SystemBus, sec.key, entries, bad)
		case "lock":
			_, b, _, isBool, _ := jsonValue(sec.val)
			switch {
			case !isBool:
				bad("lock", "must be true or false")
			case b && !isApp:
				bad("lock", "locks an app; the global override has nothing to lock")
			default:
				t.lock = b
			}
		case "harden":
			s, _, isStr, _, _ := jsonValue(sec.val)
			switch {
			case !isStr || (s != hardenRecommended && s != hardenAll):
				bad("harden", "must be \"recommended\" or \"all\" (recommended and suggested fixes)")
			case !isApp:
				bad("harden", "hardens an app; name the apps, or give the global override's permissions")
			default:
				t.harden = s
			}
		default:
			bad(sec.key, "unknown key; a target has permissions, folders, variables, session-bus, system-bus, lock and harden")
		}
	}
}

// parsePermissions reads "permissions": fixed names on, off or default.
func (t *target) parsePermissions(entries []member, flatpak model.Version, bad badFunc) {
	for _, e := range entries {
		where := fmt.Sprintf("permissions: %q", e.key)
		key, name, _ := strings.Cut(e.key, "/")
		p := model.Lookup(e.key)
		if p == nil || !slices.Contains(overrides.FixedKeys, key) {
			hint := ""
			if key == overrides.KeyFilesystems {
				hint = " (folders go under \"folders\")"
			} else if key == string(model.GroupPortals) {
				hint = " (portal permissions are each user's, kept by the desktop)"
			}
			bad(where, "unknown permission%s; known: %s", hint, fixedIDs())
			continue
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
			bad(where, "%s is not on, off or default", bytes.TrimSpace(e.val))
			continue
		}
		if st != overrides.Inherit {
			if err := supported(p, flatpak); err != nil {
				bad(where, "%v", err)
				continue
			}
		}
		t.fixed = append(t.fixed, fixedWant{key, name, st})
	}
}

// parseFolders reads "folders": locations with a mode or default, and the
// reset.
func (t *target) parseFolders(entries []member, bad badFunc) {
	for _, e := range entries {
		where := fmt.Sprintf("folders: %q", e.key)
		s, b, isStr, isBool, _ := jsonValue(e.val)
		if e.key == "reset" {
			if !isBool {
				bad(where, "must be true (drop every folder the lower layers grant: !host:reset) or false")
				continue
			}
			t.folders = append(t.folders, folderWant{fs: overrides.Filesystem{Location: overrides.ResetLocation}, forget: !b})
			continue
		}
		norm, err := overrides.NormaliseLocation(t.d, e.key)
		if err != nil {
			bad(where, "%v", err)
			continue
		}
		w := folderWant{fs: overrides.Filesystem{Location: norm}}
		switch {
		case !isStr:
			bad(where, "%s is not ro, rw, create, none or default", bytes.TrimSpace(e.val))
			continue
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
			bad(where, "%q is not ro, rw, create, none or default", s)
			continue
		}
		// What is written must read back as the same entry (control
		// characters make Flatpak refuse the file).
		if back, _, err := overrides.ParseFilesystem(t.d, w.fs.String()); err != nil || back != w.fs {
			msg := "cannot be written as a Flatpak filesystem entry"
			if err != nil {
				msg = err.Error()
			}
			bad(where, "%s", msg)
			continue
		}
		t.folders = append(t.folders, w)
	}
}

// parseVariables reads "variables": a value, or null to unset.
func (t *target) parseVariables(entries []member, bad badFunc) {
	for _, e := range entries {
		where := fmt.Sprintf("variables: %q", e.key)
		if err := overrides.ValidateEnvName(e.key); err != nil {
			bad(where, "%v", err)
			continue
		}
		s, _, isStr, _, isNull := jsonValue(e.val)
		switch {
		case isNull:
			t.env = append(t.env, envWant{name: e.key, unset: true})
		case isStr:
			if _, _, err := overrides.ParseEnvArg(e.key + "=" + s); err != nil {
				bad(where, "%v", err)
				continue
			}
			t.env = append(t.env, envWant{name: e.key, value: s})
		default:
			bad(where, "%s must be a string (in YAML, quote values such as on, yes or 1) or null to unset", bytes.TrimSpace(e.val))
		}
	}
}

// parseBus reads "session-bus" or "system-bus" (section): bus names with
// a policy or default.
func (t *target) parseBus(bus overrides.Bus, section string, entries []member, bad badFunc) {
	for _, e := range entries {
		where := fmt.Sprintf("%s: %q", section, e.key)
		if err := overrides.ValidateBusName(e.key); err != nil {
			bad(where, "%v", err)
			continue
		}
		s, _, isStr, _, _ := jsonValue(e.val)
		w := busWant{bus: bus, name: e.key}
		if isStr && s == "default" {
			w.forget = true
		} else if pol, err := overrides.ParseBusPolicy(s); isStr && err == nil {
			w.policy = pol
		} else {
			bad(where, "%s is not none, see, talk, own or default", bytes.TrimSpace(e.val))
			continue
		}
		t.bus = append(t.bus, w)
	}
}

// apply makes a file say what the target's entries want, touching nothing
// else. Folders, variables and bus names are each edited in one pass: a
// policy may name thousands.
func (t *target) apply(f *overrides.File) error {
	d := t.d
	for _, w := range t.fixed {
		if err := f.SetFixed(d, w.key, w.name, w.state); err != nil {
			return err
		}
	}
	fs := make([]overrides.FilesystemEdit, len(t.folders))
	for i, w := range t.folders {
		fs[i] = overrides.FilesystemEdit{FS: w.fs, Forget: w.forget}
	}
	if err := f.EditFilesystems(d, fs); err != nil {
		return err
	}
	env := make([]overrides.EnvEdit, len(t.env))
	for i, w := range t.env {
		env[i] = overrides.EnvEdit{Name: w.name, Value: w.value, Unset: w.unset}
	}
	if err := f.EditEnv(env); err != nil {
		return err
	}
	// The bus named first first, so that its group, if new, comes first.
	buses := []overrides.Bus{overrides.SessionBus, overrides.SystemBus}
	if len(t.bus) > 0 && t.bus[0].bus == overrides.SystemBus {
		slices.Reverse(buses)
	}
	for _, bus := range buses {
		var edits []overrides.BusEdit
		for _, w := range t.bus {
			if w.bus == bus {
				edits = append(edits, overrides.BusEdit{Name: w.name, Policy: w.policy, Forget: w.forget})
			}
		}
		if err := f.EditBusPolicies(bus, edits); err != nil {
			return err
		}
	}
	return nil
}
