package overrides

import (
	"errors"
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
func (f *File) Clone() *File { return &File{kf: f.kf.clone()} }

// Problem is something in a file that Flatpak will not honour. A fatal
// problem makes Flatpak refuse the whole file (and so refuse to start the
// app); any other problem only makes Flatpak ignore one entry.
type Problem struct {
	Group, Key, Entry string
	Msg               string
	Fatal             bool
	// Crash: Flatpak does not refuse the file, it crashes on it.
	Crash bool
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
	// Fixed holds shared/sockets/devices/features: name → what the file
	// says about it.
	Fixed map[string]map[string]Perm
	// Filesystems maps a normalised location to its mode. A "!host:reset"
	// entry is stored under ResetLocation with ModeNone.
	Filesystems map[string]Mode
	Persistent  map[string]bool
	Env         map[string]EnvValue
	SessionBus  map[string]BusPolicy
	SystemBus   map[string]BusPolicy
	// USBEnumerable and USBHidden are the [USB Devices] queries (1.16 and
	// later), keyed by their printed form.
	USBEnumerable, USBHidden map[string]USBQuery
}

// NewContext returns an empty context.
func NewContext() *Context {
	c := &Context{Fixed: map[string]map[string]Perm{}, Filesystems: map[string]Mode{}, Persistent: map[string]bool{},
		Env: map[string]EnvValue{}, SessionBus: map[string]BusPolicy{}, SystemBus: map[string]BusPolicy{},
		USBEnumerable: map[string]USBQuery{}, USBHidden: map[string]USBQuery{}}
	for _, k := range FixedKeys {
		c.Fixed[k] = map[string]Perm{}
	}
	return c
}

// Context evaluates the file as the Flatpak release d loads it. Names d does
// not know are reported as problems; 1.14 and 1.16 ignore them, 1.18 keeps
// them (inert). Nothing is lost from the file itself. A fatal problem means
// d refuses the file (or crashes on it); the context is then empty.
func (f *File) Context(d *Dialect) (*Context, []Problem) {
	c := NewContext()
	var probs []Problem
	note := func(group, key, entry, msg string, fatal bool) {
		probs = append(probs, Problem{Group: group, Key: key, Entry: entry, Msg: msg, Fatal: fatal})
	}
	list := func(group, key string) []string {
		raw, ok := f.kf.Value(group, key)
		if !ok {
			return nil
		}
		items, err := UnescapeList(raw)
		if err != nil {
			note(group, key, "", err.Error(), true)
			return nil
		}
		return items
	}
	for _, key := range FixedKeys {
		c.Fixed[key] = d.parseFixed(key, list(GroupContext, key), func(entry, msg string, fatal, crash bool) {
			note(GroupContext, key, entry, msg, fatal)
			probs[len(probs)-1].Crash = crash
		})
	}
	for _, it := range list(GroupContext, KeyFilesystems) {
		fs, _, err := ParseFilesystem(d, it)
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
	for _, p := range list(GroupContext, KeyPersistent) {
		if err := CheckPathChars(p); err != nil {
			note(GroupContext, KeyPersistent, p, err.Error(), true)
			return NewContext(), probs
		}
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
	for _, k := range list(GroupContext, KeyUnsetEnv) {
		c.Env[k] = EnvValue{Unset: true}
	}
	for _, bus := range []struct {
		group string
		m     map[string]BusPolicy
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
			p, err := ParseBusPolicy(s)
			if err != nil {
				note(bus.group, name, s, err.Error()+", ignored", false)
				continue
			}
			bus.m[name] = p
		}
	}
	if d.USB {
		for _, u := range []struct {
			key string
			m   map[string]USBQuery
		}{{KeyUSBEnumerable, c.USBEnumerable}, {KeyUSBHidden, c.USBHidden}} {
			for _, it := range list(GroupUSB, u.key) {
				q, err := ParseUSBQuery(it)
				if err != nil {
					note(GroupUSB, u.key, it, err.Error(), true)
					return NewContext(), probs
				}
				u.m[q.String()] = q
			}
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
func (f *File) items(key string) ([]string, error) { return f.itemsIn(GroupContext, key) }

func (f *File) itemsIn(group, key string) ([]string, error) {
	raw, ok := f.kf.Value(group, key)
	if !ok {
		return nil, nil
	}
	items, err := UnescapeList(raw)
	if err != nil {
		return nil, &EditError{Key: key, Err: err}
	}
	return items, nil
}

// addItem appends item to a list key unless an item there is the same
// (same reports it); the line is written only when it changes.
func (f *File) addItem(group, key, item string, same func(string) bool) error {
	items, err := f.itemsIn(group, key)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(items, same) {
		return nil
	}
	f.setItemsIn(group, key, append(items, item))
	return nil
}

// itemsWithout reads a list key and leaves out the items drop matches;
// removed says whether it left out any. The file is not changed: callers
// decide whether an unchanged list is written back.
func (f *File) itemsWithout(group, key string, drop func(string) bool) (rest []string, removed bool, err error) {
	items, err := f.itemsIn(group, key)
	if err != nil {
		return nil, false, err
	}
	for _, it := range items {
		if drop(it) {
			removed = true
		} else {
			rest = append(rest, it)
		}
	}
	return rest, removed, nil
}

func (f *File) setItems(key string, items []string) { f.setItemsIn(GroupContext, key, items) }

func (f *File) setItemsIn(group, key string, items []string) {
	if len(items) == 0 {
		f.kf.DeleteKey(group, key)
		f.dropEmptyGroup(group)
		return
	}
	f.kf.SetValue(group, key, EscapeList(items))
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

// Fixed returns what the file itself says about one name of a fixed key,
// read in dialect d: Inherit (nothing), Grant (allowed outright) or Revoke
// (anything else it says: revoked, or granted only under conditions).
func (f *File) Fixed(d *Dialect, key, name string) State {
	c, _ := f.Context(d)
	p, ok := c.Fixed[key][name]
	switch {
	case !ok:
		return Inherit
	case p.Allowed:
		return Grant
	}
	return Revoke
}

// SetFixed records a grant, a revocation or (Inherit) nothing for one name of
// shared/sockets/devices/features, as dialect d writes it. In 1.18 that
// also removes the name's conditions. Entries Confine does not understand
// (unknown names, and in 1.14 and 1.16 conditionals) stay where they are.
func (f *File) SetFixed(d *Dialect, key, name string, s State) error {
	if err := d.ValidateName(key, name); err != nil {
		return err
	}
	switch s {
	case Grant:
		return f.SetPerm(d, key, name, &Perm{Allowed: true, Reset: true})
	case Revoke:
		return f.SetPerm(d, key, name, &Perm{Reset: true})
	}
	return f.SetPerm(d, key, name, nil)
}

// SetPerm writes what the file says about one name (nil: nothing), in
// place of the entries about it now, as dialect d writes it. A new name goes
// where d puts it: Flatpak's table order (1.14, 1.16), or sorted (1.18).
func (f *File) SetPerm(d *Dialect, key, name string, p *Perm) error {
	items, err := f.items(key)
	if err != nil {
		return err
	}
	var out []string
	at := -1
	for _, it := range items {
		if d.entryName(it) == name {
			if at < 0 {
				at = len(out)
			}
			continue
		}
		out = append(out, it)
	}
	if p != nil {
		entries := []string{name}
		switch {
		case d.Conditional:
			entries = SerializePerm(name, *p)
		case !p.Allowed:
			entries = []string{"!" + name}
		}
		if at < 0 {
			at = len(out)
			for i, it := range out {
				other := d.entryName(it)
				if d.Conditional && other > name || !d.Conditional && nameIndex(key, other) > nameIndex(key, name) {
					at = i
					break
				}
			}
		}
		out = append(out[:at], append(entries, out[at:]...)...)
	}
	f.setItems(key, out)
	return nil
}

// Filesystems returns the file's own filesystem entries that release d
// understands, in file order (the last entry for a location wins).
func (f *File) Filesystems(d *Dialect) []Filesystem {
	items, _ := f.items(KeyFilesystems)
	var out []Filesystem
	for _, it := range items {
		if fs, _, err := ParseFilesystem(d, it); err == nil {
			out = append(out, fs)
		}
	}
	return out
}

// SetFilesystem writes one entry for a location (ModeNone writes "!loc";
// ResetLocation writes "!host:reset") and removes the location's other
// entries. Entries release d does not understand are kept as they are.
func (f *File) SetFilesystem(d *Dialect, fs Filesystem) error {
	if fs.Location != ResetLocation {
		norm, err := NormaliseLocation(d, fs.Location)
		if err != nil {
			return err
		}
		fs.Location = norm
	}
	return f.editFilesystem(d, fs.Location, &fs)
}

// RemoveFilesystem forgets what the file says about a location.
func (f *File) RemoveFilesystem(d *Dialect, location string) error {
	if location != ResetLocation {
		norm, err := NormaliseLocation(d, location)
		if err != nil {
			return err
		}
		location = norm
	}
	return f.editFilesystem(d, location, nil)
}

func (f *File) editFilesystem(d *Dialect, location string, fs *Filesystem) error {
	items, err := f.items(KeyFilesystems)
	if err != nil {
		return err
	}
	var out []string
	at := -1
	for _, it := range items {
		if old, _, err := ParseFilesystem(d, it); err == nil && old.Location == location {
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
	return f.addItem(GroupContext, KeyPersistent, p, func(it string) bool { return it == p })
}

// RemovePersistent removes a persistent path from this file.
func (f *File) RemovePersistent(p string) error {
	out, _, err := f.itemsWithout(GroupContext, KeyPersistent, func(it string) bool { return it == p })
	if err != nil {
		return err
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
	if err := f.addItem(GroupContext, KeyUnsetEnv, name, func(it string) bool { return it == name }); err != nil {
		return err
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
	out, removed, err := f.itemsWithout(GroupContext, KeyUnsetEnv, func(it string) bool { return it == name })
	if err != nil {
		return err
	}
	if removed {
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
func (f *File) SetBusPolicy(b Bus, name string, p BusPolicy) error {
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

// usbKey is the list of device queries: hidden-devices or
// enumerable-devices.
func usbKey(hidden bool) string {
	if hidden {
		return KeyUSBHidden
	}
	return KeyUSBEnumerable
}

// AddUSB adds a device query to the enumerable or the hidden list (1.16 and
// later), unless a query printed the same way is there already.
func (f *File) AddUSB(q USBQuery, hidden bool) error {
	return f.addItem(GroupUSB, usbKey(hidden), q.String(), func(it string) bool {
		old, err := ParseUSBQuery(it)
		return err == nil && old.String() == q.String()
	})
}

// RemoveUSB removes a query (in any spelling Flatpak reads the same) from
// one list.
func (f *File) RemoveUSB(q USBQuery, hidden bool) error {
	key := usbKey(hidden)
	out, _, err := f.itemsWithout(GroupUSB, key, func(it string) bool {
		old, err := ParseUSBQuery(it)
		return err == nil && old.String() == q.String()
	})
	if err != nil {
		return err
	}
	f.setItemsIn(GroupUSB, key, out)
	return nil
}

// SetA11yOwnName records --a11y-own-name as 1.16 and later write it. No
// release reads it back from an override.
func (f *File) SetA11yOwnName(name string) error {
	if err := ValidateBusName(name); err != nil {
		return err
	}
	f.kf.SetValue(GroupA11y, name, PolicyOwn.String())
	return nil
}

// Canonical formats a context the way Flatpak's own writer would, with every
// list sorted: two files mean the same to Flatpak exactly when their
// canonical forms are equal.
func (c *Context) Canonical() string {
	var b strings.Builder
	for _, k := range FixedKeys {
		var items []string
		for n, p := range c.Fixed[k] {
			items = append(items, canonicalPerm(n, p))
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
		m    map[string]BusPolicy
	}{{"session-bus", c.SessionBus}, {"system-bus", c.SystemBus}} {
		var items []string
		for n, p := range bus.m {
			items = append(items, n+"="+p.String())
		}
		writeSorted(&b, bus.name, items)
	}
	for _, u := range []struct {
		key string
		m   map[string]USBQuery
	}{{KeyUSBEnumerable, c.USBEnumerable}, {KeyUSBHidden, c.USBHidden}} {
		writeSorted(&b, u.key, slices.Sorted(maps.Keys(u.m)))
	}
	return b.String()
}

// canonicalPerm is one name's state: "x", "!x", or "x if C1,C2" (with
// "reset" when it discards the lower layers' conditions).
func canonicalPerm(name string, p Perm) string {
	switch {
	case p.Allowed:
		return name
	case len(p.Conditions) > 0:
		s := name + " if " + strings.Join(p.Conditions, ",")
		if p.Reset {
			s += " reset"
		}
		return s
	case p.Reset:
		return "!" + name
	}
	return name + " nothing"
}

func writeSorted(b *strings.Builder, key string, items []string) {
	if len(items) == 0 {
		return
	}
	sort.Strings(items)
	b.WriteString(key + ": " + strings.Join(items, " | ") + "\n")
}

// Repair removes, one by one, the entries that make release d refuse the
// file (or crash on it) — an entry like `x11:foo`, an empty one, a bad USB
// query, a control character in a folder, an invalid bus name — and
// returns them. Nothing else changes. It fails when a value cannot be
// decoded at all (a bad escape): then only a reset helps.
func (f *File) Repair(d *Dialect) (removed []string, err error) {
	for range 1000 {
		_, probs := f.Context(d)
		p := FatalProblem(probs)
		if p == nil {
			return removed, nil
		}
		switch {
		case p.Group == GroupSessionBus || p.Group == GroupSystemBus:
			f.kf.DeleteKey(p.Group, p.Key)
			f.dropEmptyGroup(p.Group)
			removed = append(removed, "["+p.Group+"] "+p.Key)
		case p.Key != "":
			items, err := f.itemsIn(p.Group, p.Key)
			if err != nil {
				return removed, err
			}
			i := slices.Index(items, p.Entry)
			if i < 0 {
				return removed, fmt.Errorf("cannot repair: %s", p)
			}
			f.setItemsIn(p.Group, p.Key, slices.Delete(items, i, i+1))
			removed = append(removed, p.Key+"="+p.Entry)
		default:
			return removed, fmt.Errorf("cannot repair: %s", p)
		}
	}
	return removed, errors.New("cannot repair: too many problems")
}

// ---- many edits at once ---------------------------------------------------
//
// A policy may name thousands of folders, variables or bus names. Edited
// one by one, each edit reads and rewrites the whole list or group it is
// in, which is quadratic; these apply a list of edits in one pass and mean
// exactly what the single edits, in order, mean. (Where a group emptied by
// an edit and filled again by a later one ends up may differ: one by one,
// it is deleted and made again at the end of the file.)

// FilesystemEdit is one edit of EditFilesystems: SetFilesystem(FS), or
// with Forget RemoveFilesystem(FS.Location).
type FilesystemEdit struct {
	FS     Filesystem
	Forget bool
}

// EditFilesystems applies SetFilesystem and RemoveFilesystem edits, in
// order. Nothing changes when one fails.
func (f *File) EditFilesystems(d *Dialect, edits []FilesystemEdit) error {
	if len(edits) == 0 {
		return nil
	}
	items, err := f.items(KeyFilesystems)
	if err != nil {
		return err
	}
	// The list as a linked list, with each location's entries, so that
	// every edit costs what it touches.
	type node struct {
		text       string
		loc        string
		prev, next *node
		gone       bool
	}
	var head, tail *node
	byLoc := map[string][]*node{}
	push := func(n *node, front bool) {
		switch {
		case head == nil:
			head, tail = n, n
		case front:
			n.next, head.prev, head = head, n, n
		default:
			n.prev, tail.next, tail = tail, n, n
		}
		if n.loc != "" {
			byLoc[n.loc] = append(byLoc[n.loc], n)
		}
	}
	unlink := func(n *node) {
		n.gone = true
		if n.prev != nil {
			n.prev.next = n.next
		} else {
			head = n.next
		}
		if n.next != nil {
			n.next.prev = n.prev
		} else {
			tail = n.prev
		}
	}
	locOf := func(entry string) string {
		if fs, _, err := ParseFilesystem(d, entry); err == nil {
			return fs.Location
		}
		return "" // never matched, as editFilesystem never matches it
	}
	for _, it := range items {
		push(&node{text: it, loc: locOf(it)}, false)
	}
	type edit struct {
		loc  string
		text string // "" to forget
	}
	var plan []edit
	for _, e := range edits {
		loc := e.FS.Location
		if loc != ResetLocation {
			if loc, err = NormaliseLocation(d, loc); err != nil {
				return err
			}
		}
		ed := edit{loc: loc}
		if !e.Forget {
			ed.text = Filesystem{Location: loc, Mode: e.FS.Mode}.String()
		}
		plan = append(plan, ed)
	}
	for _, e := range plan {
		var first *node
		for _, n := range byLoc[e.loc] {
			if n.gone {
				continue
			}
			if first == nil {
				first = n
			} else {
				unlink(n)
			}
		}
		delete(byLoc, e.loc)
		switch {
		case e.text == "":
			if first != nil {
				unlink(first)
			}
		case e.loc == ResetLocation:
			// A reset always goes first (see editFilesystem).
			if first != nil {
				unlink(first)
			}
			push(&node{text: e.text, loc: locOf(e.text)}, true)
		case first != nil:
			// In place of the location's first entry.
			first.text = e.text
			first.loc = locOf(e.text)
			byLoc[first.loc] = append(byLoc[first.loc], first)
		default:
			push(&node{text: e.text, loc: locOf(e.text)}, false)
		}
	}
	var out []string
	for n := head; n != nil; n = n.next {
		out = append(out, n.text)
	}
	f.setItems(KeyFilesystems, out)
	return nil
}

// EnvEdit is one edit of EditEnv: SetEnv(Name, Value), or with Unset
// UnsetEnv(Name).
type EnvEdit struct {
	Name, Value string
	Unset       bool
}

// EditEnv applies SetEnv and UnsetEnv edits, in order. Nothing changes
// when one fails.
func (f *File) EditEnv(edits []EnvEdit) error {
	if len(edits) == 0 {
		return nil
	}
	for _, e := range edits {
		if err := ValidateEnvName(e.Name); err != nil {
			return err
		}
	}
	items, err := f.items(KeyUnsetEnv)
	if err != nil {
		return err
	}
	// unset-environment: SetEnv takes the name out, UnsetEnv adds it at
	// the end unless it is there.
	alive := make([]bool, len(items), len(items)+len(edits))
	at := map[string][]int{}
	for i, it := range items {
		alive[i] = true
		at[it] = append(at[it], i)
	}
	listChanged := false
	var kvs []KeyEdit
	for _, e := range edits {
		if e.Unset {
			if len(at[e.Name]) == 0 {
				at[e.Name] = []int{len(items)}
				items = append(items, e.Name)
				alive = append(alive, true)
				listChanged = true
			}
			kvs = append(kvs, KeyEdit{Key: e.Name, Value: ""})
			continue
		}
		for _, i := range at[e.Name] {
			alive[i] = false
			listChanged = true
		}
		delete(at, e.Name)
		kvs = append(kvs, KeyEdit{Key: e.Name, Value: EscapeString(e.Value)})
	}
	// Groups made new are made in the order the single edits make them:
	// UnsetEnv writes the list first, SetEnv only the variable.
	envFirst := !edits[0].Unset
	if envFirst {
		f.kf.SetValues(GroupEnvironment, kvs)
	}
	if listChanged {
		var out []string
		for i, it := range items {
			if alive[i] {
				out = append(out, it)
			}
		}
		f.setItems(KeyUnsetEnv, out)
	}
	if !envFirst {
		f.kf.SetValues(GroupEnvironment, kvs)
	}
	return nil
}

// BusEdit is one edit of EditBusPolicies: SetBusPolicy(Name, Policy), or
// with Forget RemoveBusPolicy(Name).
type BusEdit struct {
	Name   string
	Policy BusPolicy
	Forget bool
}

// EditBusPolicies applies SetBusPolicy and RemoveBusPolicy edits of one
// bus, in order. Nothing changes when one fails.
func (f *File) EditBusPolicies(b Bus, edits []BusEdit) error {
	var kvs []KeyEdit
	forgot := false
	for _, e := range edits {
		if e.Forget {
			kvs = append(kvs, KeyEdit{Key: e.Name, Delete: true})
			forgot = true
			continue
		}
		if err := ValidateBusName(e.Name); err != nil {
			return err
		}
		if e.Policy < PolicyNone || e.Policy > PolicyOwn {
			return fmt.Errorf("invalid bus policy %d", int(e.Policy))
		}
		kvs = append(kvs, KeyEdit{Key: e.Name, Value: e.Policy.String()})
	}
	f.kf.SetValues(b.group(), kvs)
	if forgot {
		f.dropEmptyGroup(b.group())
	}
	return nil
}
