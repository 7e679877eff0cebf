package overrides

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// File is one override (or metadata) file: the layout-preserving key file
// plus typed reads and edits of Flatpak's permission keys.
type File struct {
	kf *KeyFile
}

// Parse reads an override or metadata file. An error means GLib itself could
// not load it; such a file must be left untouched.
func Parse(data []byte) (*File, error) {
	kf, err := ParseKeyFile(data)
	if err != nil {
		return nil, err
	}
	return &File{kf: kf}, nil
}

// NewFile returns an empty override.
func NewFile() *File { return &File{kf: &KeyFile{finalNewline: true}} }

// Bytes serialises the file; an unedited file yields its original bytes.
func (f *File) Bytes() []byte { return f.kf.Bytes() }

// KeyFile exposes the underlying document for groups Confine does not model
// (e.g. [Application] of a metadata file).
func (f *File) KeyFile() *KeyFile { return f.kf }

// IsEmpty reports whether the file says nothing, so it can be deleted.
func (f *File) IsEmpty() bool { return f.kf.IsEmpty() }

// Clone returns an independent copy.
func (f *File) Clone() *File {
	c := *f.kf
	c.lines = append([]line(nil), f.kf.lines...)
	return &File{kf: &c}
}

// Problem is something in a file that Flatpak will not honour. A fatal
// problem makes Flatpak refuse the whole file (and so refuse to start the
// app); any other problem only makes Flatpak ignore one entry.
type Problem struct {
	Group, Key, Entry string
	Msg               string
	Fatal             bool
}

func (p Problem) String() string {
	where := "[" + p.Group + "]"
	if p.Key != "" {
		where += " " + p.Key
	}
	if p.Entry != "" {
		where += fmt.Sprintf(" %q", p.Entry)
	}
	return where + ": " + p.Msg
}

// EnvValue is one variable of the environment: a value, or Unset (the
// variable is removed from the app's environment).
type EnvValue struct {
	Value string
	Unset bool
}

// Context is what a file means to Flatpak, in the shape of its
// FlatpakContext: only what is mentioned is present.
type Context struct {
	// Fixed holds shared/sockets/devices/features: name → enabled, for every
	// name the file mentions (later entries win).
	Fixed map[string]map[string]bool
	// Filesystems maps a normalised location to its mode. A "!host:reset"
	// entry is stored under ResetLocation with ModeNone.
	Filesystems map[string]Mode
	Persistent  map[string]bool
	Env         map[string]EnvValue
	SessionBus  map[string]Policy
	SystemBus   map[string]Policy
}

// NewContext returns an empty context.
func NewContext() *Context {
	c := &Context{Fixed: map[string]map[string]bool{}, Filesystems: map[string]Mode{}, Persistent: map[string]bool{},
		Env: map[string]EnvValue{}, SessionBus: map[string]Policy{}, SystemBus: map[string]Policy{}}
	for _, k := range FixedKeys {
		c.Fixed[k] = map[string]bool{}
	}
	return c
}

// Context evaluates the file as Flatpak loads it. Names unknown to Confine are
// inert (Flatpak drops them too) and reported as problems; nothing is lost
// from the file itself.
func (f *File) Context() (*Context, []Problem) {
	c := NewContext()
	var probs []Problem
	note := func(group, key, entry, msg string, fatal bool) {
		probs = append(probs, Problem{Group: group, Key: key, Entry: entry, Msg: msg, Fatal: fatal})
	}
	list := func(key string) []string {
		raw, ok := f.kf.Value(GroupContext, key)
		if !ok {
			return nil
		}
		items, err := UnescapeList(raw)
		if err != nil {
			note(GroupContext, key, "", err.Error(), true)
			return nil
		}
		return items
	}
	for _, key := range FixedKeys {
		for _, it := range list(key) {
			name, neg := strings.CutPrefix(it, "!")
			if nameIndex(key, name) < 0 {
				note(GroupContext, key, it, fmt.Sprintf("unknown %s %q is ignored", cliWord[key], name), false)
				continue
			}
			c.Fixed[key][name] = !neg
		}
	}
	for _, it := range list(KeyFilesystems) {
		fs, _, err := ParseFilesystem(it)
		if err != nil {
			fe := err.(*FilesystemError)
			note(GroupContext, KeyFilesystems, it, fe.Msg, fe.Fatal)
			if fe.Fatal {
				return NewContext(), probs
			}
			continue
		}
		c.Filesystems[fs.Location] = fs.Mode
		if fs.Location == ResetLocation {
			// Flatpak records the reset and hides host at this point of
			// the list; grants after it still apply.
			c.Filesystems[LocationHost] = ModeNone
		}
	}
	for _, p := range list(KeyPersistent) {
		c.Persistent[p] = true
	}
	for _, k := range f.kf.Keys(GroupEnvironment) {
		raw, _ := f.kf.Value(GroupEnvironment, k)
		v, err := UnescapeString(raw)
		if err != nil {
			// GLib yields no value; Flatpak then unsets the variable.
			note(GroupEnvironment, k, "", err.Error(), false)
			c.Env[k] = EnvValue{Unset: true}
			continue
		}
		c.Env[k] = EnvValue{Value: v}
	}
	for _, k := range list(KeyUnsetEnv) {
		c.Env[k] = EnvValue{Unset: true}
	}
	for _, bus := range []struct {
		group string
		m     map[string]Policy
	}{{GroupSessionBus, c.SessionBus}, {GroupSystemBus, c.SystemBus}} {
		for _, name := range f.kf.Keys(bus.group) {
			if err := ValidateBusName(name); err != nil {
				note(bus.group, name, "", err.Error()+": Flatpak refuses the whole file", true)
				return NewContext(), probs
			}
			raw, _ := f.kf.Value(bus.group, name)
			s, err := UnescapeString(raw)
			if err != nil {
				note(bus.group, name, "", err.Error(), false)
				continue
			}
			p, err := ParsePolicy(s)
			if err != nil {
				note(bus.group, name, s, err.Error()+", ignored", false)
				continue
			}
			bus.m[name] = p
		}
	}
	for _, p := range probs {
		if p.Fatal {
			return NewContext(), probs
		}
	}
	return c, probs
}

// FatalProblem returns the first problem that makes Flatpak refuse the file.
func FatalProblem(probs []Problem) *Problem {
	for i := range probs {
		if probs[i].Fatal {
			return &probs[i]
		}
	}
	return nil
}

// ---- edits ----------------------------------------------------------------

// EditError is returned when a key cannot be edited without losing data
// (its current value does not decode).
type EditError struct {
	Key string
	Err error
}

func (e *EditError) Error() string {
	return fmt.Sprintf("cannot change %s: its current value is not readable (%v); fix or reset the file first", e.Key, e.Err)
}

func (e *EditError) Unwrap() error { return e.Err }

// items returns the decoded list of a [Context] key for editing.
func (f *File) items(key string) ([]string, error) {
	raw, ok := f.kf.Value(GroupContext, key)
	if !ok {
		return nil, nil
	}
	items, err := UnescapeList(raw)
	if err != nil {
		return nil, &EditError{Key: key, Err: err}
	}
	return items, nil
}

func (f *File) setItems(key string, items []string) {
	if len(items) == 0 {
		f.kf.DeleteKey(GroupContext, key)
		f.dropEmptyGroup(GroupContext)
		return
	}
	f.kf.SetValue(GroupContext, key, EscapeList(items))
}

// dropEmptyGroup removes a group that an edit left without keys, unless
// someone wrote comments in it.
func (f *File) dropEmptyGroup(group string) {
	if !f.kf.GroupIsEmpty(group) {
		return
	}
	in := false
	for _, l := range f.kf.lines {
		if l.kind == lineGroup {
			in = l.group == group
		} else if in && strings.HasPrefix(trimLeftSpace(l.raw), "#") {
			return
		}
	}
	f.kf.DeleteGroup(group)
}

// State is what an override says about one permission: nothing (inherit the
// lower layers), grant, or revoke.
type State int

const (
	Inherit State = iota
	Grant
	Revoke
)

func (s State) String() string { return [...]string{"inherit", "grant", "revoke"}[s] }

// Fixed returns what the file itself says about one name of a fixed key.
func (f *File) Fixed(key, name string) State {
	c, _ := f.Context()
	if on, ok := c.Fixed[key][name]; ok {
		if on {
			return Grant
		}
		return Revoke
	}
	return Inherit
}

// SetFixed records a grant, a revocation or (Inherit) nothing for one name of
// shared/sockets/devices/features. Entries Confine does not understand
// (unknown names, conditionals) stay where they are.
func (f *File) SetFixed(key, name string, s State) error {
	if err := ValidateName(key, name); err != nil {
		return err
	}
	items, err := f.items(key)
	if err != nil {
		return err
	}
	var out []string
	at := -1
	for _, it := range items {
		if strings.TrimPrefix(it, "!") == name {
			if at < 0 {
				at = len(out)
			}
			continue
		}
		out = append(out, it)
	}
	if s != Inherit {
		entry := name
		if s == Revoke {
			entry = "!" + name
		}
		if at < 0 {
			// Keep Flatpak's table order among known names.
			at = len(out)
			for i, it := range out {
				if j := nameIndex(key, strings.TrimPrefix(it, "!")); j > nameIndex(key, name) {
					at = i
					break
				}
			}
		}
		out = append(out[:at], append([]string{entry}, out[at:]...)...)
	}
	f.setItems(key, out)
	return nil
}

// Filesystems returns the file's own filesystem entries that Flatpak
// understands, in file order (the last entry for a location wins).
func (f *File) Filesystems() []Filesystem {
	items, _ := f.items(KeyFilesystems)
	var out []Filesystem
	for _, it := range items {
		if fs, _, err := ParseFilesystem(it); err == nil {
			out = append(out, fs)
		}
	}
	return out
}

// SetFilesystem writes one entry for a location (ModeNone writes "!loc";
// ResetLocation writes "!host:reset") and removes the location's other
// entries. Entries that do not parse are kept as they are.
func (f *File) SetFilesystem(fs Filesystem) error {
	if fs.Location != ResetLocation {
		norm, err := NormaliseLocation(fs.Location)
		if err != nil {
			return err
		}
		fs.Location = norm
	}
	return f.editFilesystem(fs.Location, &fs)
}

// RemoveFilesystem forgets what the file says about a location.
func (f *File) RemoveFilesystem(location string) error {
	if location != ResetLocation {
		norm, err := NormaliseLocation(location)
		if err != nil {
			return err
		}
		location = norm
	}
	return f.editFilesystem(location, nil)
}

func (f *File) editFilesystem(location string, fs *Filesystem) error {
	items, err := f.items(KeyFilesystems)
	if err != nil {
		return err
	}
	var out []string
	at := -1
	for _, it := range items {
		if old, _, err := ParseFilesystem(it); err == nil && old.Location == location {
			if at < 0 {
				at = len(out)
			}
			continue
		}
		out = append(out, it)
	}
	if fs != nil {
		if at < 0 {
			at = len(out)
		}
		if fs.Location == ResetLocation {
			// A reset only drops what lower layers grant; grants written
			// before it in the same file would be hidden by the "!host"
			// it implies, so it always goes first.
			at = 0
		}
		out = append(out[:at], append([]string{fs.String()}, out[at:]...)...)
	}
	f.setItems(KeyFilesystems, out)
	return nil
}

// AddPersistent adds a home-relative path kept across runs.
func (f *File) AddPersistent(p string) error {
	if err := ValidatePersistent(p); err != nil {
		return err
	}
	items, err := f.items(KeyPersistent)
	if err != nil {
		return err
	}
	for _, it := range items {
		if it == p {
			return nil
		}
	}
	f.setItems(KeyPersistent, append(items, p))
	return nil
}

// RemovePersistent removes a persistent path from this file.
func (f *File) RemovePersistent(p string) error {
	items, err := f.items(KeyPersistent)
	if err != nil {
		return err
	}
	out := items[:0]
	for _, it := range items {
		if it != p {
			out = append(out, it)
		}
	}
	f.setItems(KeyPersistent, out)
	return nil
}

// SetEnv sets a variable for the app (an empty value is stored as such).
func (f *File) SetEnv(name, value string) error {
	if err := ValidateEnvName(name); err != nil {
		return err
	}
	if err := f.removeUnset(name); err != nil {
		return err
	}
	f.kf.SetValue(GroupEnvironment, name, EscapeString(value))
	return nil
}

// UnsetEnv removes a variable from the app's environment, written as the
// command line's --unset-env does: "NAME=" plus unset-environment.
func (f *File) UnsetEnv(name string) error {
	if err := ValidateEnvName(name); err != nil {
		return err
	}
	items, err := f.items(KeyUnsetEnv)
	if err != nil {
		return err
	}
	found := false
	for _, it := range items {
		found = found || it == name
	}
	if !found {
		f.setItems(KeyUnsetEnv, append(items, name))
	}
	f.kf.SetValue(GroupEnvironment, name, "")
	return nil
}

// RemoveEnv forgets what the file says about a variable.
func (f *File) RemoveEnv(name string) error {
	if err := f.removeUnset(name); err != nil {
		return err
	}
	f.kf.DeleteKey(GroupEnvironment, name)
	f.dropEmptyGroup(GroupEnvironment)
	return nil
}

func (f *File) removeUnset(name string) error {
	items, err := f.items(KeyUnsetEnv)
	if err != nil {
		return err
	}
	out := items[:0]
	for _, it := range items {
		if it != name {
			out = append(out, it)
		}
	}
	if len(out) != len(items) {
		f.setItems(KeyUnsetEnv, out)
	}
	return nil
}

// Bus selects the session or the system bus.
type Bus int

const (
	SessionBus Bus = iota
	SystemBus
)

func (b Bus) group() string {
	if b == SystemBus {
		return GroupSystemBus
	}
	return GroupSessionBus
}

func (b Bus) String() string {
	if b == SystemBus {
		return "system"
	}
	return "session"
}

// SetBusPolicy sets the policy for a bus name.
func (f *File) SetBusPolicy(b Bus, name string, p Policy) error {
	if err := ValidateBusName(name); err != nil {
		return err
	}
	if p < PolicyNone || p > PolicyOwn {
		return fmt.Errorf("invalid bus policy %d", int(p))
	}
	f.kf.SetValue(b.group(), name, p.String())
	return nil
}

// RemoveBusPolicy forgets what the file says about a bus name.
func (f *File) RemoveBusPolicy(b Bus, name string) {
	f.kf.DeleteKey(b.group(), name)
	f.dropEmptyGroup(b.group())
}

// Canonical formats a context the way Flatpak's own writer would, with every
// list sorted: two files mean the same to Flatpak exactly when their
// canonical forms are equal.
func (c *Context) Canonical() string {
	var b strings.Builder
	for _, k := range FixedKeys {
		var items []string
		for n, on := range c.Fixed[k] {
			if !on {
				n = "!" + n
			}
			items = append(items, n)
		}
		writeSorted(&b, k, items)
	}
	var fs []string
	for loc, m := range c.Filesystems {
		fs = append(fs, Filesystem{Location: loc, Mode: m}.String())
	}
	writeSorted(&b, KeyFilesystems, fs)
	writeSorted(&b, KeyPersistent, slices.Sorted(maps.Keys(c.Persistent)))
	var unset, env []string
	for k, v := range c.Env {
		if v.Unset {
			unset = append(unset, k)
		} else {
			env = append(env, k+"="+EscapeString(v.Value))
		}
	}
	writeSorted(&b, "environment", env)
	writeSorted(&b, KeyUnsetEnv, unset)
	for _, bus := range []struct {
		name string
		m    map[string]Policy
	}{{"session-bus", c.SessionBus}, {"system-bus", c.SystemBus}} {
		var items []string
		for n, p := range bus.m {
			items = append(items, n+"="+p.String())
		}
		writeSorted(&b, bus.name, items)
	}
	return b.String()
}

func writeSorted(b *strings.Builder, key string, items []string) {
	if len(items) == 0 {
		return
	}
	sort.Strings(items)
	b.WriteString(key + ": " + strings.Join(items, " | ") + "\n")
}
