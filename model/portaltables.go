package model

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/confine-app/confine/permstore"
)

// How xdg-desktop-portal (1.16 to 1.22) reads each table of the permission
// store. Every table is keyed by an ID and holds, per app, a list of
// strings; the portal reads them at each request (it keeps no copy), so a
// change counts from the app's next request.

// KnownPortalTable reports whether a table is one Confine knows.
func KnownPortalTable(table string) bool { return slices.Contains(portalTables, table) }

// PortalKind is how a table's values read.
type PortalKind int

const (
	PortalTristate PortalKind = iota // exactly ["yes"], ["no"] or ["ask"]; anything else counts as nothing
	PortalAnyNo                      // denied when the list holds "no", allowed otherwise (game mode)
	PortalLocation                   // [ACCURACY, LAST_USED]
	PortalInhibit                    // the flags the app may inhibit
)

// portalSpec is what the portal does with one permission's values.
type portalSpec struct {
	iface string // org.freedesktop.portal.<iface>
	min   uint32 // the interface version that reads the table
	kind  PortalKind
	// allowedByDefault: an app with nothing stored is allowed (else the
	// desktop asks the first time and stores the answer).
	allowedByDefault bool
	// onlyNo: every value but "no" allows; the portal never asks.
	onlyNo bool
	// askEveryTime: "ask" gives a dialog on each request.
	askEveryTime bool
	// needsID: the row is the desktop's only when its ID is in the table
	// or the Device portal exists (microphone and speakers: only portals
	// before 1.19 write them).
	needsID bool
}

var portalSpecs = map[string]portalSpec{
	"portals/camera":       {iface: "Camera", min: 1},
	"portals/microphone":   {iface: "Device", min: 1, askEveryTime: true, needsID: true},
	"portals/speakers":     {iface: "Device", min: 1, askEveryTime: true, needsID: true},
	"portals/location":     {iface: "Location", min: 1, kind: PortalLocation},
	"portals/screenshot":   {iface: "Screenshot", min: 2, askEveryTime: true},
	"portals/wallpaper":    {iface: "Wallpaper", min: 1, askEveryTime: true},
	"portals/background":   {iface: "Background", min: 1, allowedByDefault: true, askEveryTime: true},
	"portals/notification": {iface: "Notification", min: 1, allowedByDefault: true, onlyNo: true},
	"portals/inhibit":      {iface: "Inhibit", min: 1, kind: PortalInhibit, allowedByDefault: true},
	"portals/gamemode":     {iface: "GameMode", min: 1, kind: PortalAnyNo, allowedByDefault: true, onlyNo: true},
	"portals/realtime":     {iface: "Realtime", min: 1, allowedByDefault: true, onlyNo: true},
	"portals/usb":          {iface: "Usb", min: 1, allowedByDefault: true, onlyNo: true},
}

func specOf(p *Permission) portalSpec { return portalSpecs[p.ID] }

// portalInterfaces are the portals whose versions Confine asks for.
var portalInterfaces = []string{"Background", "Camera", "Device", "GameMode", "Inhibit", "Location", "Notification",
	"Realtime", "Screenshot", "Wallpaper", "Usb", "OpenURI", "ScreenCast", "RemoteDesktop", "InputCapture"}

// Kind is how the permission's values read.
func (st PortalStatus) Kind() PortalKind { return specOf(st.Perm).kind }

func (st *PortalStatus) interpret() {
	spec := specOf(st.Perm)
	raw := st.Raw
	st.Understood = true
	st.State = PortalUnset
	st.Level, st.Flags = "", nil
	switch spec.kind {
	case PortalLocation:
		switch {
		case len(raw) == 0:
		case len(raw) < 2:
			st.Understood = false // the portal asks again
		case slices.Contains(LocationLevels, raw[0]):
			st.Level = raw[0]
			st.State = PortalAllowed
			if raw[0] == "NONE" {
				st.State = PortalDenied
			}
		default:
			st.Understood, st.Level, st.State = false, "NONE", PortalDenied // read as NONE
		}
	case PortalInhibit:
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
		st.State = PortalAllowed
		if len(st.Flags) == 0 {
			st.State = PortalDenied
		}
	case PortalAnyNo:
		switch {
		case len(raw) == 0:
		case slices.Contains(raw, "no"):
			st.State = PortalDenied
		default:
			st.State = PortalAllowed
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
			st.State = PortalAllowed
		case "no":
			st.State = PortalDenied
		case "ask":
			st.State = PortalAsk
		default:
			st.Understood = false
		}
	}
}

// Granted reports whether the app gets the permission at its next request
// without a question.
func (st PortalStatus) Granted() bool {
	spec := specOf(st.Perm)
	switch st.State {
	case PortalAllowed:
		return true
	case PortalUnset:
		return spec.allowedByDefault
	case PortalAsk:
		return spec.onlyNo
	}
	return false
}

// PortalChoice is one entry of a permission's menu: a label and the value
// it stores (nil: the app's answer is removed).
type PortalChoice struct {
	Label string // untranslated
	Value []string
}

// Choices are the values a person can pick for the permission, and the
// index of the one stored now (-1 when none matches, e.g. a value the
// portal does not understand).
func (st PortalStatus) Choices() ([]PortalChoice, int) {
	spec := specOf(st.Perm)
	ask := PortalChoice{N_("Ask"), nil}
	allow := PortalChoice{N_("Allow"), []string{"yes"}}
	deny := PortalChoice{N_("Deny"), []string{"no"}}
	every := PortalChoice{N_("Ask Every Time"), []string{"ask"}}
	switch spec.kind {
	case PortalLocation:
		cs := []PortalChoice{ask}
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
			cs = append(cs, PortalChoice{label, LocationValue(l, st.Raw)})
		}
		cs = append(cs, PortalChoice{N_("Deny"), LocationValue("NONE", st.Raw)})
		if st.State == PortalDenied {
			sel = len(cs) - 1
		}
		return cs, sel
	case PortalInhibit:
		return nil, -1 // flags, see InhibitValue
	}
	var cs []PortalChoice
	if spec.allowedByDefault {
		cs = []PortalChoice{allow}
	} else {
		cs = []PortalChoice{ask, allow}
	}
	if spec.askEveryTime && !spec.onlyNo || st.State == PortalAsk && !spec.onlyNo {
		cs = append(cs, every)
	}
	cs = append(cs, deny)
	// The entry shown is what the desktop does now: a value it does not
	// understand counts as nothing stored.
	sel := -1
	for i, c := range cs {
		v := PortalStatus{Perm: st.Perm, Raw: c.Value}
		v.interpret()
		if v.State == st.State {
			sel = i
		}
	}
	if sel < 0 && st.Granted() {
		sel = slices.IndexFunc(cs, func(c PortalChoice) bool { return c.Label == allow.Label })
	}
	return cs, sel
}

// Meaning says in words what the stored value makes the desktop do (an
// untranslated format and its arguments).
func (st PortalStatus) Meaning() (string, []any) {
	spec := specOf(st.Perm)
	if !st.Understood {
		what := N_("Stored value “%s” is not one the desktop understands: it acts as if nothing were stored")
		if spec.kind == PortalLocation && len(st.Raw) >= 2 {
			what = N_("Stored value “%s” is not one the desktop understands: it denies the location")
		}
		return what, []any{strings.Join(st.Raw, ", ")}
	}
	switch spec.kind {
	case PortalLocation:
		switch st.State {
		case PortalUnset:
			return N_("Not asked yet: the desktop asks the first time the app wants it"), nil
		case PortalDenied:
			return N_("Denied: the desktop refuses without asking"), nil
		}
		return N_("Allowed without asking, accurate to: %s"), []any{locationLabels[st.Level]}
	case PortalInhibit:
		if st.State == PortalUnset {
			return N_("Nothing stored: the app may block all four"), nil
		}
		if st.State == PortalDenied {
			return N_("The app may block none of them (its request goes unanswered)"), nil
		}
		return N_("The app may block only: %s"), []any{strings.Join(st.Flags, ", ")}
	}
	switch st.State {
	case PortalUnset:
		switch {
		case spec.onlyNo:
			return N_("Nothing stored: allowed (the desktop only refuses when you deny it)"), nil
		case spec.allowedByDefault:
			return N_("Nothing stored: allowed at the app's first request, and remembered"), nil
		}
		return N_("Not asked yet: the desktop asks the first time the app wants it"), nil
	case PortalAllowed:
		return N_("Allowed: the desktop does not ask"), nil
	case PortalDenied:
		if st.Perm.ID == "portals/background" {
			return N_("Denied: the desktop refuses, and stops the app if it keeps running in the background"), nil
		}
		return N_("Denied: the desktop refuses without asking"), nil
	case PortalAsk:
		switch {
		case spec.onlyNo:
			return N_("Allowed (“ask” means nothing here: only Deny refuses)"), nil
		case st.Perm.ID == "portals/camera":
			return N_("Asks every time, but the camera stays closed: the desktop opens it only when allowed"), nil
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

// CheckPortalKey says why a "table/id" with a value is not one Confine
// restores (import, undo): an unknown table, or an ID that table does not
// have, or a value that is not a short list of strings.
func CheckPortalKey(table, id string, value []string) error {
	key := table + "/" + id
	if !KnownPortalTable(table) {
		return fmt.Errorf("unknown portal permission %q", key)
	}
	if len(value) == 0 || len(value) > 8 {
		return fmt.Errorf("portal permission %q: a value is 1 to 8 strings", key)
	}
	for _, v := range value {
		if len(v) > 256 || strings.ContainsFunc(v, unicode.IsControl) {
			return fmt.Errorf("portal permission %q: bad value %q", key, v)
		}
	}
	if SessionTableOf(table).Table != "" {
		return fmt.Errorf("portal permission %q: saved sessions are not restored from a file", key)
	}
	switch table {
	case OpenWithTable:
		if !validContentType(id) || len(value) != 3 {
			return fmt.Errorf("unknown portal permission %q", key)
		}
		return nil
	case USBTable:
		if strings.HasPrefix(id, "usb:") && len(id) < 256 && !strings.ContainsFunc(id, unicode.IsControl) {
			return nil
		}
	}
	for _, p := range PortalPermissions() {
		if p.Key == table && p.Value == id {
			return nil
		}
	}
	return fmt.Errorf("unknown portal permission %q", key)
}

// validContentType accepts a MIME type ("application/pdf",
// "x-scheme-handler/https").
func validContentType(s string) bool {
	major, minor, ok := strings.Cut(s, "/")
	if !ok || major == "" || minor == "" || len(s) > 255 {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return !(r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("!#$&^_.+-/", r)))
	})
}

// PortalQuestion is one row of the Overview's portal group: which apps may
// do something.
type PortalQuestion struct {
	Title string // untranslated
	Perm  *Permission
	Flag  string // with the inhibit permission: this flag
	// Sessions: the apps with saved sessions in this table.
	Sessions string
}

// PortalQuestions lists the Overview's questions.
func PortalQuestions() []PortalQuestion {
	var out []PortalQuestion
	for _, p := range PortalPermissions() {
		if p.Key == "inhibit" {
			for _, f := range []struct{ flag, title string }{
				{"suspend", N_("May prevent suspend")}, {"idle", N_("May keep the screen from going idle")},
				{"logout", N_("May prevent logging out")}, {"switch", N_("May prevent switching users")},
			} {
				out = append(out, PortalQuestion{Title: f.title, Perm: p, Flag: f.flag})
			}
			continue
		}
		out = append(out, PortalQuestion{Title: p.Title, Perm: p})
	}
	for _, t := range SessionTables {
		out = append(out, PortalQuestion{Title: t.Question, Sessions: t.Table})
	}
	return out
}

// Answer is the apps a question holds for, given the installed apps (an
// app never asked counts when the table allows by default), and whether
// the desktop has that portal or table at all (shown).
func (pm *PortalManager) Answer(q PortalQuestion, installed []string) (shown bool, apps []string, err error) {
	if pm.Err != nil {
		return false, nil, pm.Err
	}
	if q.Sessions != "" {
		t := SessionTableOf(q.Sessions)
		ids, exists, err := pm.tableIDs(t.Table)
		if err != nil {
			return false, nil, err
		}
		if v := pm.Portals()[t.iface]; !exists && v < t.min {
			return false, nil, nil
		}
		ss, err := pm.sessions(t.Table, ids, "")
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
		st := PortalStatus{Perm: p, Raw: raw}
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
