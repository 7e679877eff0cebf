package model

import (
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/confine-app/confine/overrides"
)

// Confine's own memory lives in $XDG_STATE_HOME/confine, shared by the
// window and the command line: findings the user dismissed ("I need
// this"), and the permissions each app declared when Confine last saw it.

const dismissedFile = "dismissed"

// stateFile is where one state file is kept; "" when there is no state
// folder (no home folder can be found).
func (m *Model) stateFile(name string) string {
	dir := m.Env.StateDir()
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, name)
}

// errNoStateDir refuses to remember anything when there is nowhere to keep
// it (never the current folder).
var errNoStateDir = errors.New("cannot remember this: no folder for Confine's state (set HOME or XDG_STATE_HOME to an absolute path)")

// maxStateFile bounds what is read of a state file: they hold a line per
// app or finding.
const maxStateFile = overrides.MaxFileSize

func (m *Model) readState(name string) *overrides.File {
	p := m.stateFile(name)
	if p == "" {
		return overrides.NewFile()
	}
	data, err := overrides.ReadRegular(p, maxStateFile)
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
	p := m.stateFile(name)
	if p == "" {
		return errNoStateDir
	}
	return overrides.WriteFileAtomic(p, f.Bytes(), 0o600)
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
