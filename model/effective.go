package model

import (
	"maps"
	"slices"
	"sort"

	"github.com/confine-app/confine/overrides"
)

// Source is the layer that decided a permission.
type Source int

const (
	SourceDefault      Source = iota // nothing mentions it: Flatpak's default (off)
	SourceApp                        // the app's own metadata
	SourceSystemGlobal               // the administrator's override for all apps
	SourceSystem                     // the administrator's override for this app
	SourceGlobal                     // the user's override for all apps
	SourceUser                       // the user's override for this app
)

var sourceNames = []string{"default", "app", "system-global", "system", "global", "user"}

func (s Source) String() string { return sourceNames[s] }

// Describe is the provenance shown in tooltips.
func (s Source) Describe() string {
	return [...]string{
		N_("Not granted by the app"),
		N_("Requested by the app"),
		N_("Set for all apps by the system administrator"),
		N_("Set by the system administrator"),
		N_("Changed for all apps by you"),
		N_("Changed by you"),
	}[s]
}

// Layer is one file of the stack Flatpak merges for an app.
type Layer struct {
	Source   Source
	Path     string
	File     *overrides.File // nil when there is no file
	Context  *overrides.Context
	Problems []overrides.Problem
	// Err is set when the file exists but cannot be used; Flatpak then
	// refuses to start the app.
	Err error
}

// FixedState is the effective state of one fixed-name permission: what
// the merged layers say about it (granted outright, revoked, or — in 1.18 —
// granted under conditions), the highest layer that said something, and
// what each layer said, lowest first.
type FixedState struct {
	overrides.Perm
	Source Source
	Words  []Word
}

// Word is what one layer says about a fixed-name permission.
type Word struct {
	Source Source
	overrides.Perm
}

// Syntax is what the layer's file says of p, in key-file form
// ("sockets=x11;if:x11:!has-wayland").
func (w Word) Syntax(p *Permission) string {
	return p.syntaxOf(w.Perm)
}

// FsState is the effective state of one filesystem location.
type FsState struct {
	Mode   overrides.Mode // ModeNone: hidden (a revocation)
	Source Source
}

// EnvState is the effective value of one variable.
type EnvState struct {
	overrides.EnvValue
	Source Source
}

// BusState is the effective policy for one bus name.
type BusState struct {
	Policy overrides.BusPolicy
	Source Source
}

// USBState is one [USB Devices] query and the lowest layer that lists it
// (queries add up across layers: none can take one away).
type USBState struct {
	Query  overrides.USBQuery
	Source Source
}

// Effective is what an app may do once every layer is merged, with the layer
// that decided each permission, in the dialect of the installed Flatpak.
type Effective struct {
	Dialect     *overrides.Dialect
	Fixed       map[string]map[string]FixedState
	Filesystems map[string]FsState
	// ResetBy is the layer whose "!host:reset" dropped the grants below
	// it (SourceDefault when none did).
	ResetBy    Source
	Persistent map[string]Source
	Env        map[string]EnvState
	SessionBus map[string]BusState
	SystemBus  map[string]BusState
	// USBEnumerable and USBHidden are the device queries (1.16 and later).
	USBEnumerable, USBHidden map[string]USBState
	// Broken lists layers Flatpak refuses; it then refuses to run the app.
	Broken []error
	// Own is the user's override file of the target as read for this
	// merge (nil when there is none, or it cannot be read: then its
	// error is in Broken). Set by Model.Effective.
	Own *overrides.File
}

func newEffective(d *overrides.Dialect) *Effective {
	e := &Effective{Dialect: d, Fixed: map[string]map[string]FixedState{}, Filesystems: map[string]FsState{}, Persistent: map[string]Source{},
		Env: map[string]EnvState{}, SessionBus: map[string]BusState{}, SystemBus: map[string]BusState{},
		USBEnumerable: map[string]USBState{}, USBHidden: map[string]USBState{}}
	for _, k := range overrides.FixedKeys {
		e.Fixed[k] = map[string]FixedState{}
	}
	return e
}

// Merge computes the effective permissions of a stack of layers, lowest
// first, with the rules of Flatpak release d. Like `flatpak run`, it first
// merges the override layers among themselves and then lays the result over
// the app's metadata (in 1.18 the merge of conditions depends on that
// order). A layer's filesystem locations, variables and bus names replace
// the ones below, persistent paths and USB queries add up, a filesystem
// reset drops every filesystem entry below it; fixed names merge as d says.
func Merge(d *overrides.Dialect, layers []Layer) *Effective {
	base, over := newEffective(d), newEffective(d)
	for _, l := range layers {
		if l.Err != nil {
			base.Broken = append(base.Broken, l.Err)
			continue
		}
		if l.Context == nil {
			continue
		}
		if l.Source == SourceApp {
			base.apply(l.Context, l.Source)
		} else {
			over.apply(l.Context, l.Source)
		}
	}
	base.applyEffective(over)
	return base
}

// apply lays one layer's context over e.
func (e *Effective) apply(c *overrides.Context, src Source) {
	upper := newEffective(e.Dialect)
	for key, names := range c.Fixed {
		for n, p := range names {
			upper.Fixed[key][n] = FixedState{Perm: p, Source: src, Words: []Word{{src, p}}}
		}
	}
	if _, reset := c.Filesystems[overrides.ResetLocation]; reset {
		upper.ResetBy = src
	}
	for loc, m := range c.Filesystems {
		if loc != overrides.ResetLocation {
			upper.Filesystems[loc] = FsState{Mode: m, Source: src}
		}
	}
	for p := range c.Persistent {
		upper.Persistent[p] = src
	}
	for k, v := range c.Env {
		upper.Env[k] = EnvState{EnvValue: v, Source: src}
	}
	for n, p := range c.SessionBus {
		upper.SessionBus[n] = BusState{Policy: p, Source: src}
	}
	for n, p := range c.SystemBus {
		upper.SystemBus[n] = BusState{Policy: p, Source: src}
	}
	for k, q := range c.USBEnumerable {
		upper.USBEnumerable[k] = USBState{q, src}
	}
	for k, q := range c.USBHidden {
		upper.USBHidden[k] = USBState{q, src}
	}
	e.applyEffective(upper)
}

// applyEffective lays an already merged stack over e.
func (e *Effective) applyEffective(u *Effective) {
	for _, key := range overrides.FixedKeys {
		lower, upper := map[string]overrides.Perm{}, map[string]overrides.Perm{}
		for n, s := range e.Fixed[key] {
			lower[n] = s.Perm
		}
		for n, s := range u.Fixed[key] {
			upper[n] = s.Perm
		}
		e.Dialect.MergeFixed(key, lower, upper)
		merged := map[string]FixedState{}
		for n, p := range lower {
			st := FixedState{Perm: p}
			if below, ok := e.Fixed[key][n]; ok {
				st.Source, st.Words = below.Source, below.Words
			}
			if above, ok := u.Fixed[key][n]; ok {
				st.Source = above.Source
				st.Words = append(slices.Clone(st.Words), above.Words...)
			}
			merged[n] = st
		}
		e.Fixed[key] = merged
	}
	if u.ResetBy != SourceDefault {
		e.Filesystems = map[string]FsState{}
		e.ResetBy = u.ResetBy
	}
	maps.Copy(e.Filesystems, u.Filesystems)
	for p, src := range u.Persistent {
		if _, ok := e.Persistent[p]; !ok {
			e.Persistent[p] = src
		}
	}
	maps.Copy(e.Env, u.Env)
	maps.Copy(e.SessionBus, u.SessionBus)
	maps.Copy(e.SystemBus, u.SystemBus)
	for _, m := range []struct{ to, from map[string]USBState }{{e.USBEnumerable, u.USBEnumerable}, {e.USBHidden, u.USBHidden}} {
		for k, s := range m.from {
			if _, ok := m.to[k]; !ok {
				m.to[k] = s
			}
		}
	}
}

// FixedOn reports whether a fixed-name permission is granted outright and
// who said so.
func (e *Effective) FixedOn(key, name string) (bool, Source) {
	s := e.Fixed[key][name]
	return s.Allowed, s.Source
}

// On reports whether a fixed-name catalogue permission is granted outright.
func (e *Effective) On(p *Permission) bool {
	on, _ := e.FixedOn(p.Key, p.Value)
	return on
}

// Socket is FixedOn for sockets.
func (e *Effective) Socket(name string) bool {
	on, _ := e.FixedOn(overrides.KeySockets, name)
	return on
}

// The two kinds of desktop session an app may start in. (Whether the USB
// portal is there is the same in both; Model.Session says.)
var (
	WaylandSession = overrides.Session{Wayland: true}
	X11Session     = overrides.Session{}
)

// onlyWithoutWayland is what 1.18 makes of x11 (p) for an app that also
// has fallback-x11: X11 only where no Wayland session runs.
func onlyWithoutWayland(p overrides.Perm) overrides.Perm {
	p.Allowed = false
	if !slices.Contains(p.Conditions, "!"+overrides.CondHasWayland) {
		p.Conditions = append(slices.Clone(p.Conditions), "!"+overrides.CondHasWayland)
	}
	return p
}

// Allowed reports whether the app gets a fixed-name permission when started
// in session s, as the installed Flatpak decides at start: conditions
// evaluated (1.18), and fallback-x11 turned into X11 only without a Wayland
// session (1.18: "x11 if !has-wayland"; before: X11 unless the app shows
// its windows with Wayland in this session).
func (e *Effective) Allowed(key, name string, s overrides.Session) bool {
	d := e.Dialect
	if key == overrides.KeySockets && name == overrides.SocketX11 {
		fb := e.Fixed[key][overrides.SocketFallbackX11]
		if d.Conditional && fb.Allowed {
			return d.Granted(onlyWithoutWayland(e.Fixed[key][name].Perm), s)
		}
		if !d.Conditional && fb.Allowed {
			// 1.14 and 1.16 ask whether the app connected to Wayland.
			return !(s.Wayland && e.Fixed[key][Wayland.Value].Allowed)
		}
	}
	return d.Granted(e.Fixed[key][name].Perm, s)
}

// AllowedIn is Allowed for a catalogue entry.
func (e *Effective) AllowedIn(p *Permission, s overrides.Session) bool {
	return e.Allowed(p.Key, p.Value, s)
}

// Display reports whether the app can show windows in a session: with
// Wayland in a Wayland session, or with X11 (a Wayland session serves X11
// apps too).
func (e *Effective) Display(s overrides.Session) bool {
	return s.Wayland && e.AllowedIn(Wayland, s) || e.AllowedIn(X11, s)
}

// FilesystemMode is the access granted for exactly this location
// (ModeNone when hidden or never granted).
func (e *Effective) FilesystemMode(loc string) (overrides.Mode, Source) {
	s, ok := e.Filesystems[loc]
	if !ok {
		return overrides.ModeNone, SourceDefault
	}
	return s.Mode, s.Source
}

// Granted lists the locations with access, sorted.
func (e *Effective) Granted() []string {
	var out []string
	for loc, s := range e.Filesystems {
		if s.Mode != overrides.ModeNone {
			out = append(out, loc)
		}
	}
	sort.Strings(out)
	return out
}

// Bus returns the bus policies of one bus.
func (e *Effective) Bus(b overrides.Bus) map[string]BusState {
	if b == overrides.SystemBus {
		return e.SystemBus
	}
	return e.SessionBus
}

// WaylandNative reports an app that shows its windows with Wayland and
// gets no X11 in a Wayland session, under the installed Flatpak's rules
// (fallback-x11, or in 1.18 X11 granted only "if !has-wayland"). Flatpak
// writes "x11;fallback-x11;" for older releases, so that is native too.
func (e *Effective) WaylandNative() bool {
	return e.AllowedIn(Wayland, WaylandSession) && !e.AllowedIn(X11, WaylandSession)
}

// Context converts the effective state back to a context (e.g. to show the
// merged permissions in keyfile form or to compare with Flatpak's output).
func (e *Effective) Context() *overrides.Context {
	c := overrides.NewContext()
	for key, names := range e.Fixed {
		for n, s := range names {
			c.Fixed[key][n] = s.Perm
		}
	}
	for loc, s := range e.Filesystems {
		c.Filesystems[loc] = s.Mode
	}
	if e.ResetBy != SourceDefault {
		c.Filesystems[overrides.ResetLocation] = overrides.ModeNone
	}
	for p := range e.Persistent {
		c.Persistent[p] = true
	}
	for k, v := range e.Env {
		c.Env[k] = v.EnvValue
	}
	for n, s := range e.SessionBus {
		c.SessionBus[n] = s.Policy
	}
	for n, s := range e.SystemBus {
		c.SystemBus[n] = s.Policy
	}
	for k, s := range e.USBEnumerable {
		c.USBEnumerable[k] = s.Query
	}
	for k, s := range e.USBHidden {
		c.USBHidden[k] = s.Query
	}
	return c
}
