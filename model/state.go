package model

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/confine-app/confine/overrides"
)

// Confine's own memory lives in $XDG_STATE_HOME/confine, shared by the
// window and the command line: findings the user dismissed ("I need
// this"), and the permissions each app declared when Confine last saw it.

const dismissedFile = "dismissed"

func (m *Model) stateFile(name string) string { return filepath.Join(m.Env.StateDir(), name) }

func (m *Model) readState(name string) *overrides.File {
	data, err := os.ReadFile(m.stateFile(name))
	if err != nil {
		return overrides.NewFile()
	}
	f, err := overrides.Parse(data)
	if err != nil {
		return overrides.NewFile()
	}
	return f
}

func (m *Model) writeState(name string, f *overrides.File) error {
	return overrides.WriteFileAtomic(m.stateFile(name), f.Bytes(), 0o600)
}

// Dismissed returns the finding IDs the user dismissed for a target.
func (m *Model) Dismissed(target string) map[string]bool {
	out := map[string]bool{}
	raw, ok := m.readState(dismissedFile).KeyFile().Value("Dismissed", target)
	if !ok {
		return out
	}
	items, _ := overrides.UnescapeList(raw)
	for _, it := range items {
		out[it] = true
	}
	return out
}

// Dismiss remembers (or forgets, on=false) that the user needs what a
// finding is about.
func (m *Model) Dismiss(target, findingID string, on bool) error {
	if err := overrides.ValidateTarget(target); err != nil {
		return err
	}
	if strings.HasPrefix(findingID, "update/") && on {
		// Accepting an update's new permissions means remembering them
		// as declared; the next widening is reported again.
		a, err := m.App(target)
		if err != nil {
			return err
		}
		return m.AcknowledgeUpdate(a)
	}
	f := m.readState(dismissedFile)
	set := m.Dismissed(target)
	if on {
		set[findingID] = true
	} else {
		delete(set, findingID)
	}
	ids := slices.Sorted(maps.Keys(set))
	if len(ids) == 0 {
		f.KeyFile().DeleteKey("Dismissed", target)
	} else {
		f.KeyFile().SetValue("Dismissed", target, overrides.EscapeList(ids))
	}
	return m.writeState(dismissedFile, f)
}
