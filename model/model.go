package model

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/confine-app/confine/overrides"
)

// Model is everything Confine knows about this machine's Flatpak apps.
type Model struct {
	Env           Env
	Installations []*Installation
	// Apps holds every app of every installation, sorted by name.
	Apps []*App
	// User is the writable store of the user's overrides; System the
	// read-only store of the administrator's.
	User, System *overrides.Store
	// Flatpak is the installed Flatpak's version (zero when unknown,
	// FlatpakErr says why); Dialect is how that release reads, merges,
	// evaluates and writes override files.
	Flatpak    Version
	FlatpakErr error
	Dialect    *overrides.Dialect
	// Errors are problems that hide installations (never single apps: those
	// are on the App).
	Errors []error

	sessionOnce sync.Once
	session     overrides.Session
	usbOnce     sync.Once
	usbNames    *USBNames
}

// Load discovers installations and apps. It never fails as a whole: every
// problem is recorded where it belongs.
func Load(env Env) *Model {
	m := &Model{Env: env}
	m.User = overrides.NewUserStore(env.hostEnv())
	m.System = overrides.NewSystemStore(env.getenv)
	m.Flatpak, m.FlatpakErr = DetectFlatpakVersion(env)
	m.Dialect = DialectOf(m.Flatpak)
	var errs []error
	m.Installations, errs = DiscoverInstallations(env)
	m.Errors = append(m.Errors, errs...)
	locales := Locales(env)
	seen := map[string]bool{}
	for _, inst := range m.Installations {
		if inst.Err != nil {
			m.Errors = append(m.Errors, inst.Err)
			continue
		}
		apps, err := LoadApps(inst, locales, m.Dialect)
		if err != nil {
			m.Errors = append(m.Errors, fmt.Errorf("%s installation (%s): %w", inst.Label(), inst.Path, err))
			continue
		}
		// Installations come highest priority first: the first copy of
		// an ID is the one `flatpak run` starts.
		for _, a := range apps {
			a.Shadowed = seen[a.ID]
			seen[a.ID] = true
		}
		m.Apps = append(m.Apps, apps...)
	}
	SortApps(m.Apps)
	return m
}

// Find returns every installed copy of an app, the one `flatpak run` starts
// first.
func (m *Model) Find(id string) []*App {
	var out []*App
	for _, a := range m.Apps {
		if a.ID == id {
			if !a.Shadowed {
				out = append([]*App{a}, out...)
			} else {
				out = append(out, a)
			}
		}
	}
	return out
}

// App returns the copy of id that `flatpak run` starts, or an error that
// says what is wrong with the name.
func (m *Model) App(id string) (*App, error) {
	if err := overrides.ValidateAppID(id); err != nil {
		return nil, err
	}
	if apps := m.Find(id); len(apps) > 0 {
		return apps[0], nil
	}
	return nil, fmt.Errorf("%s is not installed", id)
}

// RunnableApps are the apps the advisor can judge: the copies `flatpak run`
// starts, whose files Flatpak can read.
func (m *Model) RunnableApps() []*App {
	var out []*App
	for _, a := range m.Apps {
		if !a.Shadowed && a.Err == nil {
			out = append(out, a)
		}
	}
	return out
}

// usesSystemOverrides: Flatpak applies the administrator's overrides only
// to apps installed system-wide (any system installation).
func usesSystemOverrides(a *App) bool { return a != nil && a.Installation.Kind != KindUser }

func (m *Model) layer(src Source, s *overrides.Store, target string) Layer {
	path, _ := s.Path(target)
	data, err := s.Read(target)
	return m.layerOf(src, path, data, err)
}

// layerOf interprets an override's bytes (nil: no file) or the error
// reading it.
func (m *Model) layerOf(src Source, path string, data []byte, err error) Layer {
	l := Layer{Source: src, Path: path}
	if err != nil {
		l.Err = err
		return l
	}
	if data == nil {
		return l
	}
	f, err := overrides.Parse(data)
	if err != nil {
		l.Err = &overrides.LoadError{Path: l.Path, Err: err}
		return l
	}
	l.File = f
	l.Context, l.Problems = f.Context(m.Dialect)
	l.Err = fatalFileErr(l.Path, m.Dialect, l.Problems)
	return l
}

// fatalFileErr says that the release refuses or crashes on the file at
// path, when one of its problems makes it do so (nil otherwise): the app
// then does not start.
func fatalFileErr(path string, d *overrides.Dialect, probs []overrides.Problem) error {
	p := overrides.FatalProblem(probs)
	switch {
	case p == nil:
		return nil
	case p.Crash:
		return fmt.Errorf("%s: %s crashes on this file: %s", path, d, p)
	}
	return fmt.Errorf("%s: %s refuses this file: %s", path, d, p)
}

// metadataLayer is the app's own request, the bottom of every stack.
func (a *App) metadataLayer() Layer {
	md := Layer{Source: SourceApp, Path: filepath.Join(a.Deploy, "metadata")}
	switch {
	case a.Err != nil:
		md.Err = a.Err
	case a.Metadata != nil:
		md.File = a.Metadata
		md.Context, md.Problems = a.metaContext, a.metaProblems
		// The app's own file can be one the installed Flatpak refuses or
		// crashes on (1.18 on `sockets=;`): then the app does not start,
		// and that is said, as for an override file.
		md.Err = a.metaErr
	}
	return md
}

// Layers reads, fresh from disk, the stack Flatpak merges for an app (nil
// means the "All applications" page: the global overrides only), lowest
// first: metadata ← system global ← system app ← user global ← user app, the
// system ones only for apps installed system-wide.
func (m *Model) Layers(a *App) []Layer { return m.ScopeLayers(a, Target(a), false, nil) }

// Effective merges an app's layers (nil: the global overrides alone).
func (m *Model) Effective(a *App) *Effective {
	ls := m.Layers(a)
	e := Merge(m.Dialect, ls)
	e.Own = ls[len(ls)-1].File // the user's layer is the top one
	return e
}

// HasUserOverride reports whether the user changed anything for id
// ("global" included).
func (m *Model) HasUserOverride(id string) bool {
	data, err := m.User.Read(id)
	return err != nil || data != nil
}

// Change records one write so it can be undone.
type Change struct {
	Target        string
	Before, After []byte // nil: no file
}

// Changed reports whether the write changed anything.
func (c Change) Changed() bool {
	return !overrides.SameFile(c.Before, c.After)
}

// Undo puts the file back as it was before c, provided nobody changed it
// since.
func (m *Model) Undo(c Change) error {
	return m.User.Write(c.Target, c.After, c.Before)
}

// UndoAll reverts changes made together, last first, all or nothing as
// far as it can tell: when a file was changed since, nothing is undone
// (undoing the rest could leave the files in a state nobody chose).
func (m *Model) UndoAll(cs []Change) error {
	var changed []string
	for _, c := range cs {
		if now, err := m.User.Read(c.Target); err != nil || !overrides.SameFile(now, c.After) {
			p, _ := m.User.Path(c.Target)
			changed = append(changed, p)
		}
	}
	if len(changed) > 0 {
		return fmt.Errorf("changed since, so nothing was undone: %s", strings.Join(changed, ", "))
	}
	for _, c := range slices.Backward(cs) {
		if err := m.Undo(c); err != nil {
			return err
		}
	}
	return nil
}

// Global names the override for all apps (the "All Applications" page).
const Global = overrides.Global

// Target is the override an app's page edits: its ID, or Global for nil.
func Target(a *App) string {
	if a == nil {
		return Global
	}
	return a.ID
}

// Overridden lists the targets (app IDs and Global) the user has an
// override file for.
func (m *Model) Overridden() (map[string]bool, error) {
	ids, err := m.User.List()
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, id := range ids {
		have[id] = true
	}
	return have, nil
}

// WatchDirs are the folders whose changes change what the model shows:
// the override folders (a change re-reads permissions) and each
// installation's app folder (a change re-reads the apps).
func (m *Model) WatchDirs() (overrideDirs, appDirs []string) {
	overrideDirs = []string{m.System.Dir}
	if m.User.Err == nil { // else there is no folder to watch
		overrideDirs = append(overrideDirs, m.User.Dir)
	}
	for _, inst := range m.Installations {
		if inst.Err == nil {
			appDirs = append(appDirs, filepath.Join(inst.Path, "app"))
		}
	}
	return overrideDirs, appDirs
}

// ErrUnsupported is returned for a permission the installed Flatpak cannot
// honour.
var ErrUnsupported = errors.New("not supported by the installed Flatpak")

func (m *Model) checkSupported(p *Permission) error {
	if p != nil && !p.Supported(m.Flatpak) {
		return fmt.Errorf("%s needs Flatpak %s; this system has %s: %w", p.Syntax(), p.MinVersion, m.Flatpak, ErrUnsupported)
	}
	return nil
}

// edit is the one write path of the window: it re-reads the user override,
// forgets what it says about one permission, and writes a value back only
// if the layers below do not already give what is wanted. For the global
// override (a == nil) the wanted value is written as asked, since "inherit",
// "allow" and "deny" are three different choices there.
func (m *Model) edit(a *App, forget func(*overrides.File) error, satisfied func(*Effective) bool, write func(*overrides.File) error) (Change, error) {
	t := Target(a)
	var lower []Layer
	if a != nil {
		ls := m.Layers(a)
		lower = ls[:len(ls)-1]
	}
	before, after, err := m.User.Update(t, func(f *overrides.File) error {
		// A file this Flatpak refuses is never written over: Repair or
		// Reset first.
		if _, probs := f.Context(m.Dialect); overrides.FatalProblem(probs) != nil {
			return fmt.Errorf("%s cannot use this override (%s); repair or reset it first", m.Dialect, overrides.FatalProblem(probs))
		}
		if write == nil {
			return forget(f)
		}
		if a != nil {
			// Would the layers below give what is wanted if the user's
			// override said nothing about it?
			probe := f.Clone()
			if err := forget(probe); err != nil {
				return err
			}
			c, probs := probe.Context(m.Dialect)
			if overrides.FatalProblem(probs) == nil && satisfied(Merge(m.Dialect, append(lower, Layer{Source: SourceUser, Context: c}))) {
				return forget(f)
			}
		}
		// Written in place, so an entry keeps its position in the file.
		return write(f)
	})
	return Change{Target: t, Before: before, After: after}, err
}

// SetFixed makes a shared/socket/device/feature permission granted (Grant),
// revoked (Revoke) or as the lower layers give it (Inherit).
func (m *Model) SetFixed(a *App, key, name string, want overrides.State) (Change, error) {
	if want != overrides.Inherit {
		// The catalogue says which release a name needs, in words.
		if err := m.checkSupported(LookupFixed(key, name)); err != nil {
			return Change{}, err
		}
	}
	if err := m.Dialect.ValidateName(key, name); err != nil {
		return Change{}, err
	}
	forget, satisfied, write := m.fixedEdit(a, key, name, want)
	if want == overrides.Inherit {
		return m.edit(a, forget, nil, nil)
	}
	return m.edit(a, forget, satisfied, write)
}

// fixedEdit is SetFixed's edit: how to forget what the user's override
// says, when the layers below already give what is wanted, and how to
// write it.
func (m *Model) fixedEdit(a *App, key, name string, want overrides.State) (forget func(*overrides.File) error, satisfied func(*Effective) bool, write func(*overrides.File) error) {
	forget = func(f *overrides.File) error { return f.SetFixed(m.Dialect, key, name, overrides.Inherit) }
	write = func(f *overrides.File) error { return f.SetFixed(m.Dialect, key, name, want) }
	if a != nil && key == overrides.KeySockets && name == X11.Value && !m.Dialect.Conditional {
		// Before 1.18 fallback-x11 decides X11 on its own where the app
		// has it: X11 on everywhere, or off everywhere, needs it off too;
		// resetting X11 gives it back.
		lower := m.Layers(a)
		lower = lower[:len(lower)-1]
		fallbackAfter := func(f *overrides.File) bool {
			c, _ := f.Context(m.Dialect)
			return Merge(m.Dialect, append(lower, Layer{Source: SourceUser, Context: c})).On(FallbackX11)
		}
		forget = func(f *overrides.File) error {
			if err := f.SetFixed(m.Dialect, key, name, overrides.Inherit); err != nil {
				return err
			}
			probe := f.Clone()
			if err := probe.SetFixed(m.Dialect, key, FallbackX11.Value, overrides.Inherit); err != nil {
				return err
			}
			if f.Fixed(m.Dialect, key, FallbackX11.Value) == overrides.Revoke && fallbackAfter(probe) {
				return f.SetFixed(m.Dialect, key, FallbackX11.Value, overrides.Inherit)
			}
			return nil
		}
		write = func(f *overrides.File) error {
			if err := f.SetFixed(m.Dialect, key, name, want); err != nil {
				return err
			}
			if fallbackAfter(f) {
				return f.SetFixed(m.Dialect, key, FallbackX11.Value, overrides.Revoke)
			}
			return nil
		}
	}
	// Satisfied when the layers below give it in every session, outright
	// (Grant), or in none (Revoke): a grant under conditions, or X11
	// through fallback-x11, is neither.
	satisfied = func(e *Effective) bool {
		s := m.Session()
		w, x := s, s
		w.Wayland, x.Wayland = true, false
		if want == overrides.Grant {
			return e.Allowed(key, name, w) && e.Allowed(key, name, x) && !e.Fixed[key][name].Conditional()
		}
		return !e.Allowed(key, name, w) && !e.Allowed(key, name, x) && !e.Fixed[key][name].Conditional()
	}
	return forget, satisfied, write
}

// SetFilesystem gives a location a mode (ModeNone hides it, writing "!loc"
// when a lower layer grants it).
func (m *Model) SetFilesystem(a *App, loc string, mode overrides.Mode) (Change, error) {
	norm, err := overrides.NormaliseLocation(m.Dialect, loc)
	if err != nil {
		return Change{}, err
	}
	return m.edit(a, func(f *overrides.File) error { return f.RemoveFilesystem(m.Dialect, norm) },
		func(e *Effective) bool { got, _ := e.FilesystemMode(norm); return got == mode },
		func(f *overrides.File) error {
			return f.SetFilesystem(m.Dialect, overrides.Filesystem{Location: norm, Mode: mode})
		})
}

// ResetFilesystem forgets what the user said about a location.
func (m *Model) ResetFilesystem(a *App, loc string) (Change, error) {
	norm, err := overrides.NormaliseLocation(m.Dialect, loc)
	if err != nil {
		return Change{}, err
	}
	return m.edit(a, func(f *overrides.File) error { return f.RemoveFilesystem(m.Dialect, norm) }, nil, nil)
}

// SetFilesystemReset adds or removes "!host:reset" in the user override,
// which drops every filesystem grant of the lower layers.
func (m *Model) SetFilesystemReset(a *App, on bool) (Change, error) {
	forget := func(f *overrides.File) error { return f.RemoveFilesystem(m.Dialect, overrides.ResetLocation) }
	if !on {
		return m.edit(a, forget, nil, nil)
	}
	return m.edit(a, forget, func(*Effective) bool { return false },
		func(f *overrides.File) error {
			return f.SetFilesystem(m.Dialect, overrides.Filesystem{Location: overrides.ResetLocation, Mode: overrides.ModeNone})
		})
}

// SetEnv sets a variable for the app.
func (m *Model) SetEnv(a *App, name, value string) (Change, error) {
	if err := overrides.ValidateEnvName(name); err != nil {
		return Change{}, err
	}
	want := overrides.EnvValue{Value: value}
	return m.edit(a, func(f *overrides.File) error { return f.RemoveEnv(name) },
		func(e *Effective) bool { s, ok := e.Env[name]; return ok && s.EnvValue == want },
		func(f *overrides.File) error { return f.SetEnv(name, value) })
}

// UnsetEnv removes a variable from the app's environment.
func (m *Model) UnsetEnv(a *App, name string) (Change, error) {
	if err := overrides.ValidateEnvName(name); err != nil {
		return Change{}, err
	}
	return m.edit(a, func(f *overrides.File) error { return f.RemoveEnv(name) },
		// A variable no layer mentions still comes from the host, so only
		// an explicit unset below satisfies the wish.
		func(e *Effective) bool { s, ok := e.Env[name]; return ok && s.Unset },
		func(f *overrides.File) error { return f.UnsetEnv(name) })
}

// ResetEnv forgets what the user said about a variable.
func (m *Model) ResetEnv(a *App, name string) (Change, error) {
	return m.edit(a, func(f *overrides.File) error { return f.RemoveEnv(name) }, nil, nil)
}

// SetBus sets the policy for a bus name.
func (m *Model) SetBus(a *App, b overrides.Bus, name string, p overrides.BusPolicy) (Change, error) {
	if err := overrides.ValidateBusName(name); err != nil {
		return Change{}, err
	}
	return m.edit(a, func(f *overrides.File) error { f.RemoveBusPolicy(b, name); return nil },
		func(e *Effective) bool {
			s, ok := e.Bus(b)[name]
			return ok && s.Policy == p || !ok && p == overrides.PolicyNone
		},
		func(f *overrides.File) error { return f.SetBusPolicy(b, name, p) })
}

// ResetBus forgets what the user said about a bus name.
func (m *Model) ResetBus(a *App, b overrides.Bus, name string) (Change, error) {
	return m.edit(a, func(f *overrides.File) error { f.RemoveBusPolicy(b, name); return nil }, nil, nil)
}

// AddPersistent keeps a home-relative path across runs. Persistent paths
// add up across layers: one granted below cannot be taken away.
func (m *Model) AddPersistent(a *App, p string) (Change, error) {
	if err := overrides.ValidatePersistent(p); err != nil {
		return Change{}, err
	}
	return m.edit(a, func(f *overrides.File) error { return f.RemovePersistent(p) },
		func(e *Effective) bool { _, ok := e.Persistent[p]; return ok },
		func(f *overrides.File) error { return f.AddPersistent(p) })
}

// RemovePersistent removes a path the user added.
func (m *Model) RemovePersistent(a *App, p string) (Change, error) {
	return m.edit(a, func(f *overrides.File) error { return f.RemovePersistent(p) }, nil, nil)
}

// Repair removes from the user's override of an app (nil: the global one)
// the entries the installed Flatpak refuses or crashes on, and nothing
// else; Undo brings them back.
func (m *Model) Repair(a *App) (Change, error) {
	t := Target(a)
	before, after, err := m.User.Update(t, func(f *overrides.File) error {
		_, err := f.Repair(m.Dialect)
		return err
	})
	return Change{Target: t, Before: before, After: after}, err
}

// Reset deletes the user's override for an app (nil: the global one).
func (m *Model) Reset(a *App) (Change, error) {
	t := Target(a)
	before, err := m.User.Reset(t)
	return Change{Target: t, Before: before}, err
}

// Override applies `flatpak override` options to "global" or an app ID, as
// the command line does: everything is recorded as asked, nothing is
// collapsed into the defaults. Options naming permissions newer than the
// installed Flatpak are refused, as that Flatpak's CLI would.
func (m *Model) Override(t string, ops []overrides.Op) (Change, error) {
	return m.OverrideIn(m.User, t, ops)
}

// OverrideIn is Override on a given store: the system one, for an
// administrator's `confine override --system`.
func (m *Model) OverrideIn(s *overrides.Store, t string, ops []overrides.Op) (Change, error) {
	if err := overrides.ValidateTarget(t); err != nil {
		return Change{}, err
	}
	for _, o := range ops {
		if _, err := o.Validate(m.Dialect); err != nil {
			return Change{}, err
		}
		if key, _, ok := overrides.FixedFlagKey(o.Flag); ok {
			if err := m.checkSupported(LookupFixed(key, o.Value)); err != nil {
				return Change{}, err
			}
		}
	}
	before, after, err := s.Update(t, func(f *overrides.File) error { return f.ApplyOps(m.Dialect, ops) })
	return Change{Target: t, Before: before, After: after}, err
}
