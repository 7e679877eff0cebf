package portals

import (
	"errors"
	"slices"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/permstore"
)

// Question is one row of the Overview's portal group: which apps may
// do something.
type Question struct {
	Title string // untranslated
	Perm  *model.Permission
	Flag  string // with the inhibit permission: this flag
	// Sessions: the apps with saved sessions in this table.
	Sessions string
}

// Questions lists the Overview's questions: one per portal permission
// (one per flag for a permission whose values are flags), then one per
// table of saved sessions.
func Questions() []Question {
	var out []Question
	for _, s := range Specs {
		if len(s.FlagQuestions) > 0 {
			for _, f := range s.FlagQuestions {
				out = append(out, Question{Title: f.Title, Perm: s.Perm, Flag: f.Flag})
			}
			continue
		}
		out = append(out, Question{Title: s.Perm.Title, Perm: s.Perm})
	}
	for _, t := range SavedSessionTables {
		out = append(out, Question{Title: t.Question, Sessions: t.Table})
	}
	return out
}

// Answer is the apps a question holds for, given the installed apps (an
// app never asked counts when the table allows by default), and whether
// the desktop has that portal or table at all (shown).
func (pm *Manager) Answer(q Question, installed []string) (shown bool, apps []string, err error) {
	if pm.Err != nil {
		return false, nil, pm.Err
	}
	if q.Sessions != "" {
		t := SavedSessionTableOf(q.Sessions)
		ids, exists, err := pm.tableIDs(t.Table)
		if err != nil {
			return false, nil, err
		}
		if v := pm.Portals()[t.Portal]; !exists && v < t.Since {
			return false, nil, nil
		}
		ss, err := pm.savedSessions(t.Table, ids, "")
		if err != nil {
			return true, nil, err
		}
		for _, s := range ss {
			for _, a := range s.Apps {
				if !slices.Contains(apps, a) {
					apps = append(apps, a)
				}
			}
		}
		slices.Sort(apps)
		return true, apps, nil
	}
	p := q.Perm
	ids, exists, err := pm.tableIDs(p.Key)
	if err != nil {
		return false, nil, err
	}
	if shown, _ = pm.present(p, ids, exists); !shown {
		return false, nil, nil
	}
	perms, err := pm.Store.Lookup(p.Key, p.Value)
	if err != nil && !errors.Is(err, permstore.ErrNotFound) {
		return true, nil, err
	}
	may := func(raw []string) bool {
		st := Status{Perm: p, Raw: raw}
		st.interpret()
		if q.Flag != "" {
			return slices.Contains(st.Flags, q.Flag)
		}
		return st.Granted()
	}
	for app, raw := range perms {
		if may(raw) {
			apps = append(apps, app)
		}
	}
	for _, a := range installed {
		if _, stored := perms[a]; !stored && may(nil) && !slices.Contains(apps, a) {
			apps = append(apps, a)
		}
	}
	slices.Sort(apps)
	return true, apps, nil
}
