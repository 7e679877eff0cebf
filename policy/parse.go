package policy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

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
	// warnings are said with the plan: what the policy asks for is
	// written, but does not do what it seems to.
	warnings []string
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
			return nil, fmt.Errorf("%s is given twice", quote(k))
		}
		seen[k] = true
		out = append(out, member{k, v})
	}
	return out, nil
}

// checkText reports every string of a policy (key or value) that is not
// text: a byte that is not UTF-8, or a \u escape of half a surrogate
// pair. JSON decoding would silently put U+FFFD in its place, and the
// file written would not say what the policy says. data is valid JSON.
func checkText(data []byte, ps *problems) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type level struct {
		object  bool
		key     string // the current key (object), or index (array)
		wantKey bool
		n       int
	}
	var path []level
	where := func(withKey bool) string {
		var parts []string
		for i, l := range path {
			if i == len(path)-1 && !withKey {
				break
			}
			name := l.key
			if !l.object {
				name = fmt.Sprintf("[%d]", l.n)
			}
			switch {
			case i == 0 && name == "overrides" && len(path) > 1:
				continue // the where of the other messages starts at the target
			case len(parts) < 2 && l.object:
				name = label(name)
			case l.object:
				name = quote(name)
			}
			parts = append(parts, name)
		}
		return strings.Join(parts, ": ")
	}
	prev := dec.InputOffset()
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		end := dec.InputOffset()
		raw := data[prev:end]
		prev = end
		isKey := len(path) > 0 && path[len(path)-1].object && path[len(path)-1].wantKey
		if str, ok := tok.(string); ok {
			lit := raw[bytes.IndexByte(raw, '"'):]
			if why := notText(lit); why != "" {
				hint := ""
				if len(path) == 2 && path[0].key == "overrides" && !isKey {
					hint = " (a file that is not UTF-8 goes in overrides_base64, as confine export writes it)"
				}
				if isKey {
					ps.add(where(false), "the key %s is not UTF-8 text: %s; decoding would replace it with U+FFFD%s", excerpt(lit), why, hint)
				} else {
					ps.add(where(true), "not UTF-8 text: %s; decoding would replace it with U+FFFD%s", why, hint)
				}
			}
			if isKey {
				path[len(path)-1].key = str
				path[len(path)-1].wantKey = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			path = append(path, level{object: tok == json.Delim('{'), wantKey: true})
			continue
		case json.Delim('}'), json.Delim(']'):
			path = path[:len(path)-1]
		}
		// A value ended: the next token is a key, or the next element.
		if len(path) > 0 {
			l := &path[len(path)-1]
			l.wantKey = true
			if !l.object {
				l.n++
			}
		}
	}
}

// notText says why a JSON string literal does not decode to the text it
// holds ("" when it does).
func notText(lit []byte) string {
	for i := 1; i < len(lit)-1; {
		c := lit[i]
		switch {
		case c == '\\' && lit[i+1] == 'u':
			r, _ := strconv.ParseUint(string(lit[i+2:i+6]), 16, 32)
			switch {
			case r >= 0xdc00 && r <= 0xdfff:
				return fmt.Sprintf("\\u%04x is the second half of a surrogate pair, without the first", r)
			case r >= 0xd800 && r <= 0xdbff:
				if i+12 > len(lit) || lit[i+6] != '\\' || lit[i+7] != 'u' {
					return fmt.Sprintf("\\u%04x is the first half of a surrogate pair, without the second", r)
				}
				if r2, _ := strconv.ParseUint(string(lit[i+8:i+12]), 16, 32); r2 < 0xdc00 || r2 > 0xdfff {
					return fmt.Sprintf("\\u%04x is the first half of a surrogate pair, without the second", r)
				}
				i += 12
				continue
			}
			i += 6
		case c == '\\':
			i += 2
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(lit[i:])
			if r == utf8.RuneError && size == 1 {
				return fmt.Sprintf("byte \\x%02x at offset %d of the string", c, i-1)
			}
			i += size
		}
	}
	return ""
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
	if checkText(data, ps); len(ps.list) > 0 {
		// What the policy says cannot be read as it says it.
		return nil, ps.err()
	}
	top, err := members(data)
	if err != nil {
		ps.add("", "the policy %v", err)
		return nil, ps.err()
	}
	format, targets, encoded, ok := parseHeader(top, ps)
	if !ok {
		// Without a format and version the rest cannot be read.
		return nil, ps.err()
	}
	if targets == nil && encoded == nil {
		// A key the policy does not know is most likely the overrides
		// misspelt: then that is all there is to say.
		if len(ps.list) == 0 {
			ps.add("overrides", "missing: name global and app IDs there")
		}
		return nil, ps.err()
	}
	var ts []member
	if targets != nil {
		if ts, err = members(targets); err != nil {
			ps.add("overrides", "%v", err)
			return nil, ps.err()
		}
	}
	p := &Policy{Name: name}
	p.targets = parseEncoded(encoded, ts, flatpak, ps)
	for _, m := range ts {
		if err := overrides.ValidateTarget(m.key); err != nil {
			ps.add(label(m.key), "%s", shorten(err.Error(), m.key))
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
				if where == "" {
					ps.add(m.key, format, a...)
				} else {
					ps.add(m.key+": "+where, format, a...)
				}
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

// parseEncoded reads "overrides_base64", where confine export puts the
// files that are not UTF-8 text (a JSON string cannot hold them): target →
// the whole file, base64-encoded. Each is taken exactly, with the checks of
// a whole file given as text, as confine import takes it. named are the
// targets of "overrides": a target may not be in both.
func parseEncoded(raw json.RawMessage, named []member, flatpak model.Version, ps *problems) []target {
	if raw == nil {
		return nil
	}
	ms, err := members(raw)
	if err != nil {
		ps.add("overrides_base64", "%v", err)
		return nil
	}
	var out []target
	for _, m := range ms {
		where := "overrides_base64: " + label(m.key)
		if err := overrides.ValidateTarget(m.key); err != nil {
			ps.add(where, "%s", shorten(err.Error(), m.key))
			continue
		}
		if slices.ContainsFunc(named, func(n member) bool { return n.key == m.key }) {
			ps.add(where, "is in overrides too; a file is in one or the other")
			continue
		}
		s, _, isStr, _, _ := jsonValue(m.val)
		if !isStr {
			ps.add(where, "%s must be a string: the whole file, base64-encoded", excerpt(m.val))
			continue
		}
		data, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			ps.add(where, "not base64 (%v)", err)
			continue
		}
		if err := checkExactFile(data, flatpak); err != nil {
			ps.add(where, "%v", err)
			continue
		}
		out = append(out, target{target: m.key, exact: true, file: data})
	}
	return out
}

// parseHeader reads a policy's top-level keys; ok is false when its format
// or version is missing or not one this Confine reads.
func parseHeader(top []member, ps *problems) (format string, targets, encoded json.RawMessage, ok bool) {
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
		case "overrides_base64":
			encoded = m.val
		case "portals":
			if t := bytes.TrimSpace(m.val); !bytes.Equal(t, []byte("null")) && !bytes.Equal(t, []byte("{}")) {
				ps.add("portals", "portal permissions are kept by each user's desktop; apply does not set them (use confine import as that user)")
			}
		default:
			ps.add(label(m.key), "unknown key; a policy has format, version, note, overrides and overrides_base64")
		}
	}
	ok = !formatBad && !versionBad
	switch {
	case formatBad, format == Format, format == ExportFormat:
	case format == "":
		ps.add("format", "missing; say \"format\": %q", Format)
		ok = false
	default:
		ps.add("format", "%s is not a Confine policy (this Confine reads %s and %s)", quote(format), Format, ExportFormat)
		ok = false
	}
	switch {
	case versionBad:
	case version == "":
		ps.add("version", "missing; say \"version\": 1")
		ok = false
	case version.String() != "1":
		ps.add("version", "%s is not supported (this Confine reads version 1)", quote(version.String()))
		ok = false
	}
	return format, targets, encoded, ok
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
		return fmt.Errorf("Flatpak would refuse the file: %s", shorten(p.String(), p.Entry, p.Key))
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
			bad(label(sec.key), "unknown key; a target has permissions, folders, variables, session-bus, system-bus, lock and harden")
		}
	}
}

// parsePermissions reads "permissions": fixed names on, off or default.
func (t *target) parsePermissions(entries []member, flatpak model.Version, bad badFunc) {
	for _, e := range entries {
		where := "permissions: " + quote(e.key)
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
			bad(where, "%s is not on, off or default", excerpt(e.val))
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
		where := "folders: " + quote(e.key)
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
			bad(where, "%s", shorten(err.Error(), e.key))
			continue
		}
		w := folderWant{fs: overrides.Filesystem{Location: norm}}
		switch {
		case !isStr:
			bad(where, "%s is not ro, rw, create, none or default", excerpt(e.val))
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
			bad(where, "%s is not ro, rw, create, none or default", quote(s))
			continue
		}
		// What is written must read back as the same entry (control
		// characters make Flatpak refuse the file).
		if back, _, err := overrides.ParseFilesystem(t.d, w.fs.String()); err != nil || back != w.fs {
			msg := "cannot be written as a Flatpak filesystem entry"
			if err != nil {
				msg = err.Error()
			}
			bad(where, "%s", shorten(msg, e.key, norm, w.fs.String()))
			continue
		}
		t.folders = append(t.folders, w)
	}
}

// parseVariables reads "variables": a value, or null to unset.
func (t *target) parseVariables(entries []member, bad badFunc) {
	for _, e := range entries {
		where := "variables: " + quote(e.key)
		if err := overrides.ValidateEnvName(e.key); err != nil {
			bad(where, "%s", shorten(err.Error(), e.key))
			continue
		}
		s, _, isStr, _, isNull := jsonValue(e.val)
		switch {
		case isNull:
			t.env = append(t.env, envWant{name: e.key, unset: true})
		case isStr:
			if _, _, err := overrides.ParseEnvArg(e.key + "=" + s); err != nil {
				bad(where, "%s", shorten(err.Error(), e.key+"="+s, e.key, s))
				continue
			}
			if w := overrides.CommentVariableWarning(e.key); w != "" {
				// As flatpak override --env does: written, with a warning.
				t.warnings = append(t.warnings, where+": "+shorten(w, e.key))
			}
			t.env = append(t.env, envWant{name: e.key, value: s})
		default:
			bad(where, "%s must be a string (in YAML, quote values such as on, yes or 1) or null to unset", excerpt(e.val))
		}
	}
}

// parseBus reads "session-bus" or "system-bus" (section): bus names with
// a policy or default.
func (t *target) parseBus(bus overrides.Bus, section string, entries []member, bad badFunc) {
	for _, e := range entries {
		where := section + ": " + quote(e.key)
		if err := overrides.ValidateBusName(e.key); err != nil {
			bad(where, "%s", shorten(err.Error(), e.key))
			continue
		}
		s, _, isStr, _, _ := jsonValue(e.val)
		w := busWant{bus: bus, name: e.key}
		if isStr && s == "default" {
			w.forget = true
		} else if pol, err := overrides.ParseBusPolicy(s); isStr && err == nil {
			w.policy = pol
		} else {
			bad(where, "%s is not none, see, talk, own or default", excerpt(e.val))
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
