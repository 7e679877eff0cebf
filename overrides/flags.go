package overrides

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Op is one permission option of `flatpak override`, e.g. {"socket", "x11"}.
type Op struct {
	Flag  string // without the leading "--"
	Value string
}

func (o Op) String() string { return "--" + o.Flag + "=" + o.Value }

// OverrideFlags are the permission options every release's `flatpak
// override` accepts, each taking a value. (--show and --reset are actions,
// handled by the caller.) Dialect.Flags adds the newer ones.
var OverrideFlags = []string{
	"share", "unshare", "socket", "nosocket", "device", "nodevice", "allow", "disallow",
	"filesystem", "nofilesystem", "persist", "env", "unset-env",
	"talk-name", "no-talk-name", "own-name",
	"system-talk-name", "system-no-talk-name", "system-own-name",
}

// usbFlags came with 1.16, conditionalFlags with 1.18.
var (
	usbFlags         = []string{"usb", "nousb", "usb-list", "usb-list-file", "a11y-own-name"}
	conditionalFlags = []string{"share-if", "socket-if", "device-if", "allow-if"}
)

// Flags are the permission options release d's `flatpak override` takes.
func (d *Dialect) Flags() []string {
	out := slices.Clone(OverrideFlags)
	if d.USB {
		out = append(out, usbFlags...)
	}
	if d.Conditional {
		out = append(out, conditionalFlags...)
	}
	return out
}

// ifFlagKey is the key of a conditional option: "socket-if" is sockets.
var ifFlagKey = map[string]string{"share-if": KeyShared, "socket-if": KeySockets, "device-if": KeyDevices, "allow-if": KeyFeatures}

// IfFlag is the conditional option (1.18) of a key: KeySockets has
// "socket-if".
func IfFlag(key string) string { return FixedFlag(key, Grant) + "-if" }

// IfFlagKey is the key a conditional option (1.18) grants under a
// condition: "socket-if" is KeySockets.
func IfFlagKey(flag string) (key string, ok bool) {
	key, ok = ifFlagKey[flag]
	return key, ok
}

var flagKey = map[string]struct {
	key   string
	state State
}{
	"share": {KeyShared, Grant}, "unshare": {KeyShared, Revoke},
	"socket": {KeySockets, Grant}, "nosocket": {KeySockets, Revoke},
	"device": {KeyDevices, Grant}, "nodevice": {KeyDevices, Revoke},
	"allow": {KeyFeatures, Grant}, "disallow": {KeyFeatures, Revoke},
}

// FixedFlag is the option that grants or revokes a name of a fixed-name
// key: FixedFlag(KeySockets, Revoke) is "nosocket".
func FixedFlag(key string, s State) string {
	for flag, k := range flagKey {
		if k.key == key && k.state == s {
			return flag
		}
	}
	return ""
}

// FixedFlagKey is the key a fixed-name option sets, and whether it grants
// or revokes: "nosocket" is KeySockets, Revoke.
func FixedFlagKey(flag string) (key string, s State, ok bool) {
	k, ok := flagKey[flag]
	return k.key, k.state, ok
}

var flagBus = map[string]struct {
	bus    Bus
	policy BusPolicy
}{
	"talk-name": {SessionBus, PolicyTalk}, "no-talk-name": {SessionBus, PolicyNone},
	"own-name":         {SessionBus, PolicyOwn},
	"system-talk-name": {SystemBus, PolicyTalk}, "system-no-talk-name": {SystemBus, PolicyNone},
	"system-own-name": {SystemBus, PolicyOwn},
}

// IsFlag reports whether name (without "--") is a permission option of
// release d.
func (d *Dialect) IsFlag(name string) bool { return slices.Contains(d.Flags(), name) }

// Validate checks an option the way release d's command line does before
// it writes anything, and returns its warnings (the CLI prints them and goes
// on). --usb-list-file must have been read into --usb-list by the caller.
func (o Op) Validate(d *Dialect) (warnings []string, err error) {
	if !d.IsFlag(o.Flag) || o.Flag == "usb-list-file" {
		return nil, fmt.Errorf("Unknown option --%s", o.Flag)
	}
	if k, ok := flagKey[o.Flag]; ok {
		return nil, d.ValidateName(k.key, o.Value)
	}
	if key, ok := ifFlagKey[o.Flag]; ok {
		_, _, err := parseIf(d, o.Flag, key, o.Value)
		return nil, err
	}
	if _, ok := flagBus[o.Flag]; ok {
		return nil, ValidateBusName(o.Value)
	}
	switch o.Flag {
	case "filesystem", "nofilesystem":
		_, warns, err := ParseFilesystemArg(d, o.Value, o.Flag == "nofilesystem")
		return warns, err
	case "persist":
		return nil, ValidatePersistent(o.Value)
	case "env":
		name, _, err := ParseEnvArg(o.Value)
		if w := CommentVariableWarning(name); err == nil && w != "" {
			return []string{w}, nil
		}
		return nil, err
	case "unset-env":
		return nil, ValidateEnvName(o.Value)
	case "usb", "nousb":
		_, err := ParseUSBQuery(o.Value)
		return nil, err
	case "usb-list":
		return nil, nil // bad items are skipped, as Flatpak does
	case "a11y-own-name":
		return nil, ValidateBusName(o.Value)
	}
	return nil, fmt.Errorf("Unknown option --%s", o.Flag)
}

// CommentVariableWarning is the warning for setting a variable whose
// name starts with "#" ("" for any other name): Flatpak writes it too, as
// a line GLib reads back as a comment, so the variable is never set.
func CommentVariableWarning(name string) string {
	if !strings.HasPrefix(name, "#") {
		return ""
	}
	return fmt.Sprintf("the variable %s starts with \"#\": its line in the file is read back as a comment, so Flatpak never sets it", Escape(name))
}

// parseIf reads NAME:CONDITION of a --X-if option. The condition is not
// checked (Flatpak does not): an unknown one never holds.
func parseIf(d *Dialect, flag, key, value string) (name, cond string, err error) {
	name, cond, ok := strings.Cut(value, ":")
	if !ok {
		return "", "", fmt.Errorf("Invalid syntax for --%s: %s", flag, value)
	}
	if err := d.ValidateName(key, name); err != nil {
		return "", "", err
	}
	if key == KeySockets && name == SocketFallbackX11 {
		return "", "", fmt.Errorf("%s can not be conditional", SocketFallbackX11)
	}
	return name, cond, nil
}

// opArgs is one invocation's options collected on their own, before they
// are merged into the file, as Flatpak does.
type opArgs struct {
	c    *Context
	fs   []Filesystem // in the order given, for the file's order
	a11y []string
}

// ApplyOps records one `flatpak override` invocation exactly as asked, as
// release d's command line does: an explicit revocation is written even
// where it matches the app's default, so a later update cannot widen it.
// Every option is checked before anything changes, and a file d refuses is
// refused (as `flatpak override` fails to load it).
//
// Like flatpak, the options are first collected on their own and then merged
// into the file, which matters for --nofilesystem=host:reset (it clears the
// filesystem entries already in the file, but not those given before it on
// the same command line) and in 1.18 for conditions (`--socket=x11
// --socket-if=x11:C` is just x11).
func (f *File) ApplyOps(d *Dialect, ops []Op) error {
	for _, o := range ops {
		if _, err := o.Validate(d); err != nil {
			return err
		}
	}
	cur, probs := f.Context(d)
	if p := FatalProblem(probs); p != nil {
		return errors.New(p.Msg)
	}
	args := &opArgs{c: NewContext()}
	for _, o := range ops {
		args.add(d, o)
	}
	return f.merge(d, cur, args)
}

// merge lays collected options over the file, whose meaning is cur: every
// fixed name, filesystem, variable and bus name they mention replaces the
// file's (1.18: merges allowed, reset and conditions), persistent paths and
// USB queries add up, and a filesystem reset drops the file's filesystem
// entries first. Only entries whose meaning changes are rewritten.
func (f *File) merge(d *Dialect, cur *Context, args *opArgs) error {
	for _, key := range FixedKeys {
		// MergeFixed replaces entries and never changes one in place.
		merged := maps.Clone(cur.Fixed[key])
		d.MergeFixed(key, merged, args.c.Fixed[key])
		names := slices.Sorted(maps.Keys(merged))
		for n := range cur.Fixed[key] {
			if _, ok := merged[n]; !ok {
				names = append(names, n)
			}
		}
		for _, n := range names {
			was, had := cur.Fixed[key][n]
			now, has := merged[n]
			if had == has && (!has || was.equal(now)) {
				continue
			}
			var p *Perm
			if has {
				p = &now
			}
			if err := f.SetPerm(d, key, n, p); err != nil {
				return err
			}
		}
	}
	if _, reset := args.c.Filesystems[ResetLocation]; reset {
		for _, old := range f.Filesystems(d) {
			if err := f.RemoveFilesystem(d, old.Location); err != nil {
				return err
			}
		}
	}
	for _, fs := range args.fs {
		if err := f.SetFilesystem(d, fs); err != nil {
			return err
		}
	}
	for _, p := range slices.Sorted(maps.Keys(args.c.Persistent)) {
		if err := f.AddPersistent(p); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(args.c.Env)) {
		var err error
		if v := args.c.Env[k]; v.Unset {
			err = f.UnsetEnv(k)
		} else {
			err = f.SetEnv(k, v.Value)
		}
		if err != nil {
			return err
		}
	}
	for _, b := range []struct {
		bus Bus
		m   map[string]BusPolicy
	}{{SessionBus, args.c.SessionBus}, {SystemBus, args.c.SystemBus}} {
		for _, n := range slices.Sorted(maps.Keys(b.m)) {
			if err := f.SetBusPolicy(b.bus, n, b.m[n]); err != nil {
				return err
			}
		}
	}
	if d.USB {
		for _, u := range []struct {
			m      map[string]USBQuery
			hidden bool
		}{{args.c.USBEnumerable, false}, {args.c.USBHidden, true}} {
			for _, k := range slices.Sorted(maps.Keys(u.m)) {
				if err := f.AddUSB(u.m[k], u.hidden); err != nil {
					return err
				}
			}
		}
	}
	for _, n := range args.a11y {
		if err := f.SetA11yOwnName(n); err != nil {
			return err
		}
	}
	return nil
}

func (p Perm) equal(o Perm) bool {
	return p.Allowed == o.Allowed && p.Reset == o.Reset && slices.Equal(p.Conditions, o.Conditions)
}

// add collects one validated option.
func (a *opArgs) add(d *Dialect, o Op) {
	c := a.c
	if k, ok := flagKey[o.Flag]; ok {
		set := func(name string) {
			c.Fixed[k.key][name] = Perm{Allowed: k.state == Grant, Reset: true}
		}
		set(o.Value)
		// Before 1.18 fallback-x11 implies x11 in both directions on the
		// command line, so that releases without fallback-x11 still get
		// X11.
		if !d.Conditional && k.key == KeySockets && o.Value == SocketFallbackX11 {
			set(SocketX11)
		}
		return
	}
	if key, ok := ifFlagKey[o.Flag]; ok {
		name, cond, _ := parseIf(d, o.Flag, key, o.Value)
		p := c.Fixed[key][name]
		if p.Allowed || slices.Contains(p.Conditions, cond) {
			return // an unconditional grant needs no condition
		}
		p.Conditions = append(slices.Clone(p.Conditions), cond)
		sort.Strings(p.Conditions)
		c.Fixed[key][name] = p
		return
	}
	if b, ok := flagBus[o.Flag]; ok {
		if b.bus == SystemBus {
			c.SystemBus[o.Value] = b.policy
		} else {
			c.SessionBus[o.Value] = b.policy
		}
		return
	}
	switch o.Flag {
	case "filesystem", "nofilesystem":
		fs, _, _ := ParseFilesystemArg(d, o.Value, o.Flag == "nofilesystem")
		a.setFilesystem(fs)
		if fs.Location == ResetLocation {
			// A reset hides host too, as Flatpak records it.
			a.setFilesystem(Filesystem{Location: LocationHost, Mode: ModeNone})
		}
	case "persist":
		c.Persistent[o.Value] = true
	case "env":
		name, value, _ := ParseEnvArg(o.Value)
		c.Env[name] = EnvValue{Value: value}
	case "unset-env":
		c.Env[o.Value] = EnvValue{Unset: true}
	case "usb", "nousb":
		q, _ := ParseUSBQuery(o.Value)
		if o.Flag == "usb" {
			c.USBEnumerable[q.String()] = q
		} else {
			c.USBHidden[q.String()] = q
		}
	case "usb-list":
		en, hid := ParseUSBList(o.Value)
		for _, q := range en {
			c.USBEnumerable[q.String()] = q
		}
		for _, q := range hid {
			c.USBHidden[q.String()] = q
		}
	case "a11y-own-name":
		a.a11y = append(a.a11y, o.Value)
	}
}

func (a *opArgs) setFilesystem(fs Filesystem) {
	a.c.Filesystems[fs.Location] = fs.Mode
	for i, old := range a.fs {
		if old.Location == fs.Location {
			a.fs = append(a.fs[:i], a.fs[i+1:]...)
			break
		}
	}
	a.fs = append(a.fs, fs)
}

// ParseArgs reads `--flag=value` and `--flag value` permission options of
// release d, returning them in order plus the arguments that are not
// permission options (for the caller: the app ID, --show, --reset,
// --user…, and options d does not have). A missing value is an error.
func ParseArgs(d *Dialect, args []string) (ops []Op, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") {
			rest = append(rest, a)
			continue
		}
		name, value, hasValue := strings.Cut(a[2:], "=")
		if !d.IsFlag(name) {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, nil, fmt.Errorf("Missing argument for --%s", name)
			}
			i++
			value = args[i]
		}
		ops = append(ops, Op{Flag: name, Value: value})
	}
	return ops, rest, nil
}

// OpsFor describes, as release d's `flatpak override` options, how to get
// from one context to another for the keys the target mentions. It is used
// to show "the equivalent command" for an override.
func OpsFor(d *Dialect, from, to *Context) []Op {
	var ops []Op
	for _, key := range FixedKeys {
		grant, revoke := FixedFlag(key, Grant), FixedFlag(key, Revoke)
		names := d.Names(key)
		if key == KeySockets && !d.Conditional {
			// Before 1.18 --socket=fallback-x11 also sets x11: give it
			// first, so that x11's own option comes after it.
			names = append([]string{SocketFallbackX11}, slices.DeleteFunc(names, func(n string) bool { return n == SocketFallbackX11 })...)
		}
		for _, name := range names {
			p, ok := to.Fixed[key][name]
			was, had := from.Fixed[key][name]
			if !ok || (had && was.equal(p)) {
				continue
			}
			switch {
			case p.Allowed:
				ops = append(ops, Op{grant, name})
			case len(p.Conditions) > 0 && d.Conditional:
				if p.Reset {
					ops = append(ops, Op{revoke, name})
				}
				for _, c := range p.Conditions {
					ops = append(ops, Op{IfFlag(key), name + ":" + c})
				}
			default:
				ops = append(ops, Op{revoke, name})
			}
		}
	}
	fromFS := from.Filesystems
	if _, reset := to.Filesystems[ResetLocation]; reset {
		if _, had := from.Filesystems[ResetLocation]; !had {
			// On the command line a reset clears the entries the file
			// already has, so everything the target keeps is given
			// again after it.
			ops = append(ops, Op{"nofilesystem", "host:reset"})
			fromFS = map[string]Mode{ResetLocation: ModeNone, LocationHost: ModeNone}
		}
	}
	for _, loc := range slices.Sorted(maps.Keys(to.Filesystems)) {
		m := to.Filesystems[loc]
		if old, ok := fromFS[loc]; ok && old == m {
			continue
		}
		switch {
		case loc == ResetLocation:
			ops = append(ops, Op{"nofilesystem", "host:reset"})
		case m == ModeNone:
			ops = append(ops, Op{"nofilesystem", escapeLocation(loc)})
		default:
			ops = append(ops, Op{"filesystem", Filesystem{Location: loc, Mode: m}.String()})
		}
	}
	for _, p := range slices.Sorted(maps.Keys(to.Persistent)) {
		if !from.Persistent[p] {
			ops = append(ops, Op{"persist", p})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(to.Env)) {
		v := to.Env[k]
		if old, ok := from.Env[k]; ok && old == v {
			continue
		}
		if v.Unset {
			ops = append(ops, Op{"unset-env", k})
		} else {
			ops = append(ops, Op{"env", k + "=" + v.Value})
		}
	}
	for _, bus := range []struct {
		prefix   string
		from, to map[string]BusPolicy
	}{{"", from.SessionBus, to.SessionBus}, {"system-", from.SystemBus, to.SystemBus}} {
		for _, n := range slices.Sorted(maps.Keys(bus.to)) {
			p := bus.to[n]
			if old, ok := bus.from[n]; ok && old == p {
				continue
			}
			// The command line has no option for "see"; such a change
			// can only be shown as the file itself.
			if flag, ok := map[BusPolicy]string{PolicyNone: "no-talk-name", PolicyTalk: "talk-name", PolicyOwn: "own-name"}[p]; ok {
				ops = append(ops, Op{bus.prefix + flag, n})
			}
		}
	}
	if d.USB {
		for _, u := range []struct {
			flag     string
			from, to map[string]USBQuery
		}{{"usb", from.USBEnumerable, to.USBEnumerable}, {"nousb", from.USBHidden, to.USBHidden}} {
			for _, k := range slices.Sorted(maps.Keys(u.to)) {
				if _, ok := u.from[k]; !ok {
					ops = append(ops, Op{u.flag, k})
				}
			}
		}
	}
	return ops
}

func escapeLocation(loc string) string { return locationEscaper.Replace(loc) }

// locationEscaper is made once: a Replacer builds its tables on first use.
var locationEscaper = strings.NewReplacer(`\`, `\\`, `:`, `\:`)

// ShellQuote quotes an argument for a POSIX shell when it needs quoting.
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
