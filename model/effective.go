package model

import (
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

// FixedState is the effective state of one fixed-name permission.
type FixedState struct {
	On     bool
	Source Source
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
	Policy overrides.Policy
	Source Source
}

// Effective is what an app may do once every layer is merged, with the layer
// that decided each permission.
type Effective struct {
	Fixed       map[string]map[string]FixedState
	Filesystems map[string]FsState
	// ResetBy is the layer whose "!host:reset" dropped the grants below
	// it (SourceDefault when none did).
	ResetBy    Source
	Persistent map[string]Source
	Env        map[string]EnvState
	SessionBus map[string]BusState
	SystemBus  map[string]BusState
	// Broken lists layers Flatpak refuses; it then refuses to run the app.
	Broken []error
	// Own is the user's override file of the target as read for this
	// merge (nil when there is none, or it cannot be read: then its
	// error is in Broken). Set by Model.Effective.
	Own *overrides.File
}

func newEffective() *Effective {
	e := &Effective{Fixed: map[string]map[string]FixedState{}, Filesystems: map[string]FsState{}, Persistent: map[string]Source{},
		Env: map[string]EnvState{}, SessionBus: map[string]BusState{}, SystemBus: map[string]BusState{}}
	for _, k := range overrides.FixedKeys {
		e.Fixed[k] = map[string]FixedState{}
	}
	return e
}

// Merge computes the effective permissions of a stack of layers, lowest
// first, with Flatpak's rules: a layer's fixed names, filesystem locations,
// variables and bus names replace the ones below; persistent paths add up; a
// filesystem reset drops every filesystem entry below it.
func Merge(layers []Layer) *Effective {
	e := newEffective()
	for _, l := range layers {
		if l.Err != nil {
			e.Broken = append(e.Broken, l.Err)
			continue
		}
		if l.Context == nil {
			continue
		}
		e.apply(l.Context, l.Source)
	}
	return e
}

func (e *Effective) apply(c *overrides.Context, src Source) {
	for key, names := range c.Fixed {
		for n, on := range names {
			e.Fixed[key][n] = FixedState{On: on, Source: src}
		}
	}
	if _, reset := c.Filesystems[overrides.ResetLocation]; reset {
		e.Filesystems = map[string]FsState{}
		e.ResetBy = src
	}
	for loc, m := range c.Filesystems {
		if loc == overrides.ResetLocation {
			continue
		}
		e.Filesystems[loc] = FsState{Mode: m, Source: src}
	}
	for p := range c.Persistent {
		if _, ok := e.Persistent[p]; !ok {
			e.Persistent[p] = src
		}
	}
	for k, v := range c.Env {
		e.Env[k] = EnvState{EnvValue: v, Source: src}
	}
	for n, p := range c.SessionBus {
		e.SessionBus[n] = BusState{Policy: p, Source: src}
	}
	for n, p := range c.SystemBus {
		e.SystemBus[n] = BusState{Policy: p, Source: src}
	}
}

// FixedOn reports whether a fixed-name permission is granted and who said so.
func (e *Effective) FixedOn(key, name string) (bool, Source) {
	s := e.Fixed[key][name]
	return s.On, s.Source
}

// On reports whether a fixed-name catalogue permission is granted.
func (e *Effective) On(p *Permission) bool {
	on, _ := e.FixedOn(p.Key, p.Value)
	return on
}

// Socket is FixedOn for sockets.
func (e *Effective) Socket(name string) bool {
	on, _ := e.FixedOn(overrides.KeySockets, name)
	return on
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

// WaylandNative reports an app that shows its windows with Wayland and only
// falls back to X11 where no Wayland session runs: wayland is granted and
// x11 is either absent or accompanied by fallback-x11 (Flatpak writes
// "x11;fallback-x11;" so older releases still get X11).
func (e *Effective) WaylandNative() bool {
	return e.On(Wayland) && (!e.On(X11) || e.On(FallbackX11))
}

// Context converts the effective state back to a context (e.g. to show the
// merged permissions in keyfile form or to compare with Flatpak's output).
func (e *Effective) Context() *overrides.Context {
	c := overrides.NewContext()
	for key, names := range e.Fixed {
		for n, s := range names {
			c.Fixed[key][n] = s.On
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
	return c
}
