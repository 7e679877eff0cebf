package overrides

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Op is one permission option of `flatpak override`, e.g. {"socket", "x11"}.
type Op struct {
	Flag  string // without the leading "--"
	Value string
}

func (o Op) String() string { return "--" + o.Flag + "=" + o.Value }

// OverrideFlags are the permission options `flatpak override` accepts, each
// taking a value. (--show and --reset are actions, handled by the caller.)
var OverrideFlags = []string{
	"share", "unshare", "socket", "nosocket", "device", "nodevice", "allow", "disallow",
	"filesystem", "nofilesystem", "persist", "env", "unset-env",
	"talk-name", "no-talk-name", "own-name",
	"system-talk-name", "system-no-talk-name", "system-own-name",
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
	policy Policy
}{
	"talk-name": {SessionBus, PolicyTalk}, "no-talk-name": {SessionBus, PolicyNone},
	"own-name":         {SessionBus, PolicyOwn},
	"system-talk-name": {SystemBus, PolicyTalk}, "system-no-talk-name": {SystemBus, PolicyNone},
	"system-own-name": {SystemBus, PolicyOwn},
}

// IsOverrideFlag reports whether name (without "--") is a permission option.
func IsOverrideFlag(name string) bool {
	for _, f := range OverrideFlags {
		if f == name {
			return true
		}
	}
	return false
}

// Validate checks an option the way the command line does before it writes
// anything, and returns its warnings (the CLI prints them and goes on).
func (o Op) Validate() (warnings []string, err error) {
	if k, ok := flagKey[o.Flag]; ok {
		return nil, ValidateName(k.key, o.Value)
	}
	if _, ok := flagBus[o.Flag]; ok {
		return nil, ValidateBusName(o.Value)
	}
	switch o.Flag {
	case "filesystem", "nofilesystem":
		_, warns, err := ParseFilesystemArg(o.Value, o.Flag == "nofilesystem")
		return warns, err
	case "persist":
		return nil, ValidatePersistent(o.Value)
	case "env":
		_, _, err := ParseEnvArg(o.Value)
		return nil, err
	case "unset-env":
		return nil, ValidateEnvName(o.Value)
	}
	return nil, fmt.Errorf("unknown option --%s", o.Flag)
}

// ApplyOps records one `flatpak override` invocation exactly as asked, as
// the command line does: an explicit revocation is written even where it
// matches the app's default, so a later update cannot widen it. Every option
// is checked before anything changes.
//
// Like flatpak, the options are first collected on their own and then merged
// into the file, which matters for --nofilesystem=host:reset: it clears the
// filesystem entries already in the file, but not those given before it on
// the same command line.
func (f *File) ApplyOps(ops []Op) error {
	for _, o := range ops {
		if _, err := o.Validate(); err != nil {
			return err
		}
	}
	args := NewFile()
	for _, o := range ops {
		if err := args.applyOne(o); err != nil {
			return err
		}
	}
	return f.Merge(args)
}

// Merge lays another override over this one, as Flatpak merges contexts:
// every fixed name, filesystem, variable and bus name the other mentions
// replaces ours, persistent paths add up, and a filesystem reset in the other
// drops our filesystem entries first.
func (f *File) Merge(other *File) error {
	oc, probs := other.Context()
	if p := FatalProblem(probs); p != nil {
		return fmt.Errorf("cannot merge an override Flatpak refuses: %s", p)
	}
	for _, key := range FixedKeys {
		for _, name := range fixedNames[key] {
			if on, ok := oc.Fixed[key][name]; ok {
				s := Revoke
				if on {
					s = Grant
				}
				if err := f.SetFixed(key, name, s); err != nil {
					return err
				}
			}
		}
	}
	fss := other.Filesystems()
	if _, reset := oc.Filesystems[ResetLocation]; reset {
		for _, old := range f.Filesystems() {
			if err := f.RemoveFilesystem(old.Location); err != nil {
				return err
			}
		}
	}
	for _, fs := range fss {
		if err := f.SetFilesystem(fs); err != nil {
			return err
		}
	}
	for _, p := range slices.Sorted(maps.Keys(oc.Persistent)) {
		if err := f.AddPersistent(p); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(oc.Env)) {
		var err error
		if v := oc.Env[k]; v.Unset {
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
		m   map[string]Policy
	}{{SessionBus, oc.SessionBus}, {SystemBus, oc.SystemBus}} {
		for _, n := range slices.Sorted(maps.Keys(b.m)) {
			if err := f.SetBusPolicy(b.bus, n, b.m[n]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *File) applyOne(o Op) error {
	if k, ok := flagKey[o.Flag]; ok {
		if err := f.SetFixed(k.key, o.Value, k.state); err != nil {
			return err
		}
		// Flatpak treats fallback-x11 as implying x11 in both directions
		// so that older Flatpak releases, which lack fallback-x11, still
		// get X11.
		if k.key == KeySockets && o.Value == SocketFallbackX11 {
			return f.SetFixed(KeySockets, SocketX11, k.state)
		}
		return nil
	}
	if b, ok := flagBus[o.Flag]; ok {
		return f.SetBusPolicy(b.bus, o.Value, b.policy)
	}
	switch o.Flag {
	case "filesystem", "nofilesystem":
		fs, _, _ := ParseFilesystemArg(o.Value, o.Flag == "nofilesystem")
		if err := f.SetFilesystem(fs); err != nil {
			return err
		}
		if fs.Location == ResetLocation {
			// A reset hides host too, as Flatpak records it.
			return f.SetFilesystem(Filesystem{Location: LocationHost, Mode: ModeNone})
		}
		return nil
	case "persist":
		return f.AddPersistent(o.Value)
	case "env":
		name, value, _ := ParseEnvArg(o.Value)
		return f.SetEnv(name, value)
	case "unset-env":
		return f.UnsetEnv(o.Value)
	}
	return fmt.Errorf("unknown option --%s", o.Flag)
}

// ParseArgs reads `--flag=value` and `--flag value` permission options,
// returning them in order plus the arguments that are not permission options
// (for the caller: the app ID, --show, --reset, --user…). A missing value is
// an error.
func ParseArgs(args []string) (ops []Op, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") {
			rest = append(rest, a)
			continue
		}
		name, value, hasValue := strings.Cut(a[2:], "=")
		if !IsOverrideFlag(name) {
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

// OpsFor describes, as `flatpak override` options, how to get from one
// context to another for the keys the target mentions. It is used to show
// "the equivalent command" for an edit.
func OpsFor(from, to *Context) []Op {
	var ops []Op
	for _, key := range FixedKeys {
		grant, revoke := FixedFlag(key, Grant), FixedFlag(key, Revoke)
		for _, name := range fixedNames[key] {
			on, ok := to.Fixed[key][name]
			was, had := from.Fixed[key][name]
			if !ok || (had && was == on) {
				continue
			}
			if on {
				ops = append(ops, Op{grant, name})
			} else {
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
		from, to map[string]Policy
	}{{"", from.SessionBus, to.SessionBus}, {"system-", from.SystemBus, to.SystemBus}} {
		for _, n := range slices.Sorted(maps.Keys(bus.to)) {
			p := bus.to[n]
			if old, ok := bus.from[n]; ok && old == p {
				continue
			}
			// The command line has no option for "see"; such a change
			// can only be shown as the file itself.
			if flag, ok := map[Policy]string{PolicyNone: "no-talk-name", PolicyTalk: "talk-name", PolicyOwn: "own-name"}[p]; ok {
				ops = append(ops, Op{bus.prefix + flag, n})
			}
		}
	}
	return ops
}

func escapeLocation(loc string) string {
	return strings.NewReplacer(`\`, `\\`, `:`, `\:`).Replace(loc)
}

// ShellQuote quotes an argument for a POSIX shell when it needs quoting.
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
