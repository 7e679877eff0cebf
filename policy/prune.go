package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/confine-app/confine/model"
)

// Prune adds to the plan the removal of every override file of its scope
// that the policy does not name, as nix-flatpak's pruneUnmanagedOverrides
// does for declarative setups: after applying, the folder holds the
// policy's files and nothing else. Only files Flatpak reads are counted
// (an app ID or "global"); an editor's backup or a stray file is left
// alone. A file that cannot be read refuses the whole plan, so nothing is
// removed that could not be put back. Pruning twice removes nothing the
// second time.
func (p *Plan) Prune() error {
	named := map[string]bool{}
	for _, f := range p.Files {
		named[f.Target] = true
	}
	have, err := p.store.List()
	if err != nil {
		return fmt.Errorf("cannot list the overrides to prune: %w (nothing was written)", err)
	}
	slices.Sort(have)
	var unreadable []string
	for _, t := range have {
		if named[t] {
			continue
		}
		path, err := p.store.Path(t)
		if err != nil {
			return err
		}
		before, err := p.store.Read(t)
		if err != nil {
			unreadable = append(unreadable, model.OneLine(err.Error()))
			continue
		}
		if before == nil {
			continue // gone meanwhile
		}
		p.Files = append(p.Files, File{Target: t, Path: path, Before: before, Pruned: true})
		p.Notes = append(p.Notes, Note{Target: t, Severity: "info", Message: "not named in the policy: removed (--prune)"})
	}
	if len(unreadable) > 0 {
		return fmt.Errorf("cannot prune: %s (nothing was written)", strings.Join(unreadable, "; "))
	}
	return nil
}
