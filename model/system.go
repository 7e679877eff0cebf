package model

import (
	"github.com/confine-app/confine/overrides"
)

// The administrator's side: the system overrides in the default system
// installation ($FLATPAK_SYSTEM_DIR/overrides), which Flatpak lays under
// every user's own for apps installed system-wide. The window only reads
// them; the command line writes them for root (`--system`).

// EnableSystemWrites makes the system store writable. Only the command
// line calls it, for root and an explicit --system: nothing else in
// Confine ever writes system overrides.
func (m *Model) EnableSystemWrites() {
	m.System = &overrides.Store{Dir: m.System.Dir}
}

// SystemCopy returns the copy of an app that the system overrides apply
// to: the first one installed system-wide. When the app is installed
// only per user it returns that copy and perUser=true (Flatpak ignores
// system overrides for it); nil when it is not installed at all.
func (m *Model) SystemCopy(id string) (a *App, perUser bool) {
	copies := m.Find(id)
	for _, c := range copies {
		if usesSystemOverrides(c) {
			return c, false
		}
	}
	if len(copies) > 0 {
		return copies[0], true
	}
	return nil, false
}

// SystemLayers is what the administrator's overrides give a target before
// any user's own: for an app, its metadata (when a is non-nil) ← system
// global ← system app; for "global", the system global override alone.
func (m *Model) SystemLayers(a *App, target string) []Layer {
	return m.ScopeLayers(a, target, true, nil)
}

// SystemEffective merges SystemLayers; Own is the top layer's file.
func (m *Model) SystemEffective(a *App, target string) *Effective {
	ls := m.SystemLayers(a, target)
	e := Merge(m.Dialect, ls)
	e.Own = ls[len(ls)-1].File
	return e
}

// ScopeLayers builds the stack Flatpak merges for target (a nil app: its
// metadata is left out), as far as the scope reaches: system scope stops
// at the system app override, user scope adds the user's layers (and the
// system ones only for apps installed system-wide, as Flatpak does).
// planned replaces what is on disk for the scope's own store (target →
// bytes, nil: no file); it is how a policy is judged before anything is
// written.
func (m *Model) ScopeLayers(a *App, target string, system bool, planned map[string][]byte) []Layer {
	var out []Layer
	if a != nil {
		out = append(out, a.metadataLayer())
	}
	get := func(src Source, s *overrides.Store, t string, own bool) Layer {
		if data, ok := planned[t]; ok && own {
			p, _ := s.Path(t)
			return m.layerOf(src, p, data, nil)
		}
		return m.layer(src, s, t)
	}
	isApp := target != overrides.Global
	if system {
		out = append(out, get(SourceSystemGlobal, m.System, overrides.Global, true))
		if isApp {
			out = append(out, get(SourceSystem, m.System, target, true))
		}
		return out
	}
	if !isApp || usesSystemOverrides(a) {
		out = append(out, get(SourceSystemGlobal, m.System, overrides.Global, false))
	}
	if isApp && usesSystemOverrides(a) {
		out = append(out, get(SourceSystem, m.System, target, false))
	}
	out = append(out, get(SourceGlobal, m.User, overrides.Global, true))
	if isApp {
		out = append(out, get(SourceUser, m.User, target, true))
	}
	return out
}
