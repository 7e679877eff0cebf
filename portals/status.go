package portals

import (
	"fmt"
	"slices"
	"strings"

	"github.com/confine-app/confine/model"
)

// How xdg-desktop-portal (1.16 to 1.22) reads an app's value in a
// permission's table, following the permission's Spec: the portal reads it
// at each request (it keeps no copy), so a change counts from the app's
// next request.

// State is what the store says about one app and one permission.
type State int

const (
	Unset       State = iota // nothing stored: see the table's default
	Allowed                  // "yes" (location: any accuracy but NONE; inhibit: some flags)
	Denied                   // "no" (location: NONE; inhibit: no flag)
	Ask                      // "ask": ask every time
	Unsupported              // see Status.Why
)

func (s State) String() string {
	return [...]string{"unset", "allowed", "denied", "ask", "unsupported"}[s]
}

// Status is a portal permission's state for one app.
type Status struct {
	Perm  *model.Permission
	State State
	Raw   []string // the store's value, e.g. ["yes"] or ["EXACT", "734512345678"]
	// Understood is false for a stored value the portal does not read as
	// it stands: it then acts as if nothing were stored, reads NONE
	// (location), or ignores the flags it does not know (inhibit).
	Understood bool
	// Level is the stored location accuracy ("CITY"); Flags what the app
	// may inhibit ("suspend", "idle"; all four when nothing is stored).
	Level string
	Flags []string
	// Table: the store has the permission's table. Portal: the version of
	// the portal's interface on this desktop, 0 when it has none.
	Table  bool
	Portal uint32
	// ReadOnly rows are shown but not changed (Why says why): Confine
	// never creates a table.
	ReadOnly bool
	Why      string // untranslated format
	// WhyArgs fill Why's %s after translation.
	WhyArgs []any
}

// WhyText formats Why with tr (a translation function).
func (s Status) WhyText(tr func(string) string) string {
	if s.Why == "" {
		return ""
	}
	if len(s.WhyArgs) > 0 {
		return fmt.Sprintf(tr(s.Why), s.WhyArgs...)
	}
	return tr(s.Why)
}

// Kind is how the permission's values read.
func (st Status) Kind() Kind { return specOf(st.Perm).Kind }

func (st *Status) interpret() {
	spec := specOf(st.Perm)
	raw := st.Raw
	st.Understood = true
	st.State = Unset
	st.Level, st.Flags = "", nil
	switch spec.Kind {
	case KindLocation:
		switch {
		case len(raw) == 0:
		case len(raw) < 2:
			st.Understood = false // the portal asks again
		case slices.Contains(LocationLevels, raw[0]):
			st.Level = raw[0]
			st.State = Allowed
			if raw[0] == "NONE" {
				st.State = Denied
			}
		default:
			st.Understood, st.Level, st.State = false, "NONE", Denied // read as NONE
		}
	case KindInhibit:
		// The portal lets an app with nothing stored block all four
		// (the store keeps no empty list: [] is nothing stored);
		// otherwise the flags stored, ignoring (with a warning in its
		// log) what it does not know.
		if len(raw) == 0 {
			st.Flags = slices.Clone(inhibitFlagNames)
			return
		}
		for _, f := range raw {
			if slices.Contains(inhibitFlagNames, f) && !slices.Contains(st.Flags, f) {
				st.Flags = append(st.Flags, f)
			} else if !slices.Contains(inhibitFlagNames, f) && !(f == "" && len(raw) == 1) {
				st.Understood = false
			}
		}
		slices.SortFunc(st.Flags, func(a, b string) int {
			return slices.Index(inhibitFlagNames, a) - slices.Index(inhibitFlagNames, b)
		})
		st.State = Allowed
		if len(st.Flags) == 0 {
			st.State = Denied
		}
	case KindAnyYes:
		st.interpretAnyYes()
	case KindAnyNo:
		switch {
		case len(raw) == 0:
		case slices.Contains(raw, "no"):
			st.State = Denied
		default:
			st.State = Allowed
		}
	default:
		if len(raw) == 0 {
			return
		}
		if len(raw) != 1 {
			st.Understood = false
			return
		}
		switch raw[0] {
		case "yes":
			st.State = Allowed
		case "no":
			st.State = Denied
		case "ask":
			st.State = Ask
		default:
			st.Understood = false
		}
	}
}

// Granted reports whether the app gets the permission at its next request
// without a question.
func (st Status) Granted() bool {
	spec := specOf(st.Perm)
	switch st.State {
	case Allowed:
		return true
	case Unset:
		return spec.AllowedByDefault
	case Ask:
		return spec.OnlyNo
	}
	return false
}

// Choice is one entry of a permission's menu: a label and the value
// it stores (nil: the app's answer is removed).
type Choice struct {
	Label string // untranslated
	Value []string
}

// Choices are the values a person can pick for the permission, and the
// index of the one stored now (-1 when none matches, e.g. a value the
// portal does not understand).
func (st Status) Choices() ([]Choice, int) {
	spec := specOf(st.Perm)
	ask := Choice{N_("Ask"), nil}
	allow := Choice{N_("Allow"), []string{"yes"}}
	deny := Choice{N_("Deny"), []string{"no"}}
	every := Choice{N_("Ask Every Time"), []string{"ask"}}
	switch spec.Kind {
	case KindLocation:
		cs := []Choice{ask}
		sel := 0
		for i := len(LocationLevels) - 1; i >= 0; i-- {
			l := LocationLevels[i]
			label := locationLabels[l]
			if l == "NONE" {
				continue
			}
			if l == st.Level {
				sel = len(cs)
			}
			cs = append(cs, Choice{label, LocationValue(l, st.Raw)})
		}
		cs = append(cs, Choice{N_("Deny"), LocationValue("NONE", st.Raw)})
		if st.State == Denied {
			sel = len(cs) - 1
		}
		return cs, sel
	case KindInhibit:
		return nil, -1 // flags, see InhibitValue
	case KindAnyYes:
		return st.anyYesChoices()
	}
	var cs []Choice
	if spec.AllowedByDefault {
		cs = []Choice{allow}
	} else {
		cs = []Choice{ask, allow}
	}
	if spec.AskEveryTime && !spec.OnlyNo || st.State == Ask && !spec.OnlyNo {
		cs = append(cs, every)
	}
	cs = append(cs, deny)
	// The entry shown is what the desktop does now: a value it does not
	// understand counts as nothing stored.
	sel := -1
	for i, c := range cs {
		v := Status{Perm: st.Perm, Raw: c.Value}
		v.interpret()
		if v.State == st.State {
			sel = i
		}
	}
	if sel < 0 && st.Granted() {
		sel = slices.IndexFunc(cs, func(c Choice) bool { return c.Label == allow.Label })
	}
	return cs, sel
}

// Meaning says in words what the stored value makes the desktop do (an
// untranslated format and its arguments).
func (st Status) Meaning() (string, []any) {
	spec := specOf(st.Perm)
	if !st.Understood && spec.Kind == KindInhibit {
		if len(st.Flags) == 0 {
			return N_("Stored value “%s” holds no flag the desktop knows: the app may block none of them (its request goes unanswered)"), []any{strings.Join(st.Raw, ", ")}
		}
		return N_("Stored value “%s”: the desktop ignores what it does not know, so the app may block only: %s"), []any{strings.Join(st.Raw, ", "), strings.Join(st.Flags, ", ")}
	}
	if !st.Understood {
		what := N_("Stored value “%s” is not one the desktop understands: it acts as if nothing were stored")
		if spec.Kind == KindLocation && len(st.Raw) >= 2 {
			what = N_("Stored value “%s” is not one the desktop understands: it denies the location")
		}
		return what, []any{strings.Join(st.Raw, ", ")}
	}
	switch spec.Kind {
	case KindAnyYes:
		return st.anyYesMeaning()
	case KindLocation:
		switch st.State {
		case Unset:
			return N_("Not asked yet: the desktop asks the first time the app wants it"), nil
		case Denied:
			return N_("Denied: the desktop refuses without asking"), nil
		}
		return N_("Allowed without asking, accurate to: %s"), []any{locationLabels[st.Level]}
	case KindInhibit:
		if st.State == Unset {
			return N_("Nothing stored: the app may block all four"), nil
		}
		if st.State == Denied {
			return N_("The app may block none of them (its request goes unanswered)"), nil
		}
		return N_("The app may block only: %s"), []any{strings.Join(st.Flags, ", ")}
	}
	switch st.State {
	case Unset:
		switch {
		case spec.OnlyNo:
			return N_("Nothing stored: allowed (the desktop only refuses when you deny it)"), nil
		case spec.AllowedByDefault:
			return N_("Nothing stored: allowed at the app's first request, and remembered"), nil
		}
		return N_("Not asked yet: the desktop asks the first time the app wants it"), nil
	case Allowed:
		return N_("Allowed: the desktop does not ask"), nil
	case Denied:
		if spec.Denied != "" {
			return spec.Denied, nil
		}
		return N_("Denied: the desktop refuses without asking"), nil
	case Ask:
		switch {
		case spec.OnlyNo:
			return N_("Allowed (“ask” means nothing here: only Deny refuses)"), nil
		case spec.Asking != "":
			return spec.Asking, nil
		}
		return N_("Asks every time and remembers nothing"), nil
	}
	return "", nil
}

// LocationLevels are the accuracies the Location portal stores, from none
// to exact.
var LocationLevels = []string{"NONE", "COUNTRY", "CITY", "NEIGHBORHOOD", "STREET", "EXACT"}

var locationLabels = map[string]string{
	// TRANSLATORS: location accuracy the desktop gives an app: no location at all
	"NONE": N_("None"),
	// TRANSLATORS: location accuracy the desktop gives an app: the country only
	"COUNTRY": N_("Country"),
	// TRANSLATORS: location accuracy the desktop gives an app: the city
	"CITY": N_("City"),
	// TRANSLATORS: location accuracy the desktop gives an app: the neighbourhood
	"NEIGHBORHOOD": N_("Neighbourhood"),
	// TRANSLATORS: location accuracy the desktop gives an app: the street
	"STREET": N_("Street"),
	// TRANSLATORS: location accuracy the desktop gives an app: as exact as it knows
	"EXACT": N_("Exact"),
}

// LocationValue is the stored value for an accuracy, keeping the portal's
// last-use time (microseconds of the system's monotonic clock, which the
// portal writes; "0" when there is none).
func LocationValue(level string, old []string) []string {
	last := "0"
	if len(old) >= 2 {
		last = old[1]
	}
	return []string{level, last}
}

// InhibitFlag is one thing an app may stop through the Inhibit portal.
type InhibitFlag struct {
	Flag  string // as stored
	Title string // untranslated
}

// InhibitFlags lists them in the portal's order.
var InhibitFlags = []InhibitFlag{
	// TRANSLATORS: something an app may keep the session from doing (a toggle): logging out
	{"logout", N_("Log out")},
	// TRANSLATORS: something an app may keep the session from doing (a toggle): switching to another user
	{"switch", N_("Switch user")},
	// TRANSLATORS: something an app may keep the session from doing (a toggle): suspending the computer
	{"suspend", N_("Suspend")},
	// TRANSLATORS: something an app may keep the session from doing (a toggle): going idle (screen blank, lock)
	{"idle", N_("Idle")},
}

// inhibitFlagNames are the flags' stored names, in the portal's order.
var inhibitFlagNames = func() []string {
	var out []string
	for _, f := range InhibitFlags {
		out = append(out, f.Flag)
	}
	return out
}()

// InhibitValue is the stored value that lets an app inhibit exactly the
// given flags: nil (nothing stored) for all four, and [""] for none (an
// empty list would count as nothing stored, i.e. all four).
func InhibitValue(allowed []string) []string {
	var out []string
	for _, f := range inhibitFlagNames {
		if slices.Contains(allowed, f) {
			out = append(out, f)
		}
	}
	switch len(out) {
	case len(inhibitFlagNames):
		return nil
	case 0:
		return []string{""}
	}
	return out
}
