package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
	"github.com/confine-app/confine/portals"
)

// `confine portals`: what the window's portal groups do, from the command
// line. Each change prints how to undo it (see undo.go).

const portalsUsage = `APP [--json]
       confine portals set APP PERMISSION VALUE [--json]
       confine portals revoke APP TOKEN [--json]
       confine portals forget APP TYPE|DEVICE [--json]

Without a verb, what the desktop's permission store holds for the app (as in confine show).
set: store an answer for a portal permission (camera, portals/location, devices/microphone,
  kde-authorized/remote-desktop…): the window's choices in lower case (ask, allow, deny,
  ask-every-time; for location exact, street, neighbourhood, city, country; for
  keep-awake a list of logout,switch,suspend,idle, or all or none), or unset.
revoke: delete a saved screen-sharing, remote-desktop or input-capture session (its token,
  or the start of it), so the desktop asks again.
forget: forget an Open With choice (a file or link type) or the USB portal's decision about
  a device (usb:VENDOR/MODEL/SERIAL).
Each change prints the confine undo command that puts back exactly what was there.`

func (c *command) portals(args []string) error {
	verb := ""
	if len(args) > 0 && slices.Contains([]string{"set", "revoke", "forget"}, args[0]) {
		verb, args = args[0], args[1:]
	}
	fs := c.flags(portalsUsage)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(reorder(args)); err != nil {
		return err
	}
	want := map[string]int{"": 1, "set": 3, "revoke": 2, "forget": 2}[verb]
	if fs.NArg() != want {
		return usageErr("see confine portals --help")
	}
	app := fs.Arg(0)
	if err := overrides.ValidateAppID(app); err != nil {
		return usageErr("%v", err)
	}
	if verb == "" {
		p := c.portalsOf(app)
		if *asJSON {
			return c.printJSON(p)
		}
		if err := c.printPortals(p); err != nil {
			return err
		}
		if p.Error != "" {
			return fail("")
		}
		return nil
	}
	if err := c.canUndo(); err != nil {
		return fail("%v", err)
	}
	pm := portals.New(c.env.Model)
	defer pm.Close()
	if pm.Err != nil {
		return fail("cannot reach the permission store: %v", pm.Err)
	}
	switch verb {
	case "set":
		return c.portalSet(pm, app, fs.Arg(1), fs.Arg(2), *asJSON)
	case "revoke":
		return c.portalRevoke(pm, app, fs.Arg(1), *asJSON)
	}
	return c.portalForget(pm, app, fs.Arg(1), *asJSON)
}

// PortalChange is the --json result of portals set and forget.
type PortalChange struct {
	App        string   `json:"app"`
	Permission string   `json:"permission,omitempty"` // the catalogue ID, for set
	Table      string   `json:"table"`
	ID         string   `json:"id"`
	Before     []string `json:"before"` // null: nothing stored
	After      []string `json:"after"`
	Meaning    string   `json:"meaning,omitempty"`
	Undo       string   `json:"undo"`
}

func (c *command) portalSet(pm *portals.Manager, app, name, value string, asJSON bool) error {
	p := portals.Find(name)
	if p == nil {
		var known []string
		for _, q := range portals.Permissions() {
			known = append(known, strings.TrimPrefix(q.ID, string(model.GroupPortals)+"/"))
		}
		return usageErr("%s is not a portal permission; one of %s", esc(name), strings.Join(known, ", "))
	}
	st := statusOf(pm, app, p)
	switch {
	case st == nil:
		return fail("this desktop has neither the %s portal nor a %s table: nothing reads the answer", p.Title, p.Key)
	case st.State == portals.Unsupported, st.ReadOnly:
		return fail("%s", st.WhyText(model.English))
	}
	v, err := st.ValueFor(value)
	if err != nil {
		return usageErr("%s: %v", p.Title, err)
	}
	if err := pm.Write(app, p, v); err != nil {
		return fail("%v", err)
	}
	after, err := pm.Value(p.Key, p.Value, app)
	if err != nil {
		return fail("%v", err)
	}
	now := statusOf(pm, app, p)
	if now == nil {
		now = &portals.Status{Perm: p}
	}
	f, fargs := now.Meaning()
	res := PortalChange{App: app, Permission: p.ID, Table: p.Key, ID: p.Value, Before: st.Raw, After: after, Meaning: fmt.Sprintf(f, fargs...)}
	r := &UndoRecord{App: app, What: fmt.Sprintf("%s of %s was %s", p.Title, app, storedText(st.Raw)),
		Answer: &UndoAnswer{Table: p.Key, ID: p.Value, Before: st.Raw, After: after}}
	return c.reportChange(r, "portal", res, fmt.Sprintf("%s of %s: %s → %s\n%s", p.Title, esc(app), storedText(st.Raw), storedText(after), res.Meaning), asJSON)
}

// reportChange saves the Undo, then prints the change and how to undo it.
func (c *command) reportChange(r *UndoRecord, kind string, res PortalChange, text string, asJSON bool) error {
	c.saveUndo(r, kind)
	res.Undo = r.Name
	if asJSON {
		return c.printJSON(res)
	}
	fmt.Fprintln(c.env.Stdout, text)
	c.undoHint(r)
	return nil
}

// storedText is a stored value for people: its strings, or "nothing
// stored".
func storedText(v []string) string {
	if v == nil {
		return "nothing stored"
	}
	return quoteList(v)
}

// SessionRevoked is the --json result of portals revoke.
type SessionRevoked struct {
	App      string `json:"app"`
	Table    string `json:"table"`
	Token    string `json:"token"`
	Restored string `json:"restores"`
	Undo     string `json:"undo"`
}

func (c *command) portalRevoke(pm *portals.Manager, app, token string, asJSON bool) error {
	ss, err := pm.SavedSessions(app)
	if err != nil {
		return fail("%v", err)
	}
	var match []portals.SavedSession
	for _, s := range ss {
		if s.Token == token {
			match = []portals.SavedSession{s}
			break
		}
		if len(token) >= 4 && strings.HasPrefix(s.Token, token) {
			match = append(match, s)
		}
	}
	switch len(match) {
	case 0:
		return fail("%s has no saved session %s (confine portals %s lists them)", esc(app), esc(token), esc(app))
	case 1:
	default:
		var toks []string
		for _, s := range match {
			toks = append(toks, esc(s.Token))
		}
		return usageErr("%s is the start of several sessions' tokens: %s", esc(token), strings.Join(toks, ", "))
	}
	s := match[0]
	e, err := pm.Revoke(s.Table, s.Token)
	if err != nil {
		return fail("%v", err)
	}
	what := portals.SavedSessionTableOf(s.Table).Title
	r := &UndoRecord{App: app, What: fmt.Sprintf("%s session %s of %s was revoked", what, s.Token, app), Session: e}
	c.saveUndo(r, "session")
	if asJSON {
		return c.printJSON(SessionRevoked{App: app, Table: s.Table, Token: s.Token, Restored: s.Describe(model.English), Undo: r.Name})
	}
	fmt.Fprintf(c.env.Stdout, "Revoked the saved %s session %s of %s (%s): the app's next request asks again.\n"+
		"A session still open in the app saves itself again when it ends: close it in the app first.\n",
		strings.ToLower(what), esc(s.Token), esc(app), esc(s.Describe(model.English)))
	c.undoHint(r)
	return nil
}

func (c *command) portalForget(pm *portals.Manager, app, id string, asJSON bool) error {
	table := portals.OpenWithTable
	if strings.HasPrefix(id, "usb:") {
		table = portals.USBTable
	}
	old, err := pm.Value(table, id, app)
	if err != nil {
		return fail("%v", err)
	}
	if old == nil {
		what := "Open With choice"
		if table == portals.USBTable {
			what = "decision about the USB device"
		}
		return fail("%s has no %s %s (confine portals %s lists them)", esc(app), what, esc(id), esc(app))
	}
	old, err = pm.Forget(table, id, app)
	if err != nil {
		return fail("%v", err)
	}
	res := PortalChange{App: app, Table: table, ID: id, Before: old}
	what := fmt.Sprintf("Open With choice for %s of %s (%s) was forgotten", id, app, storedText(old))
	text := fmt.Sprintf("Forgot the Open With choice for %s of %s (%s): the desktop asks again.", esc(id), esc(app), storedText(old))
	if table == portals.USBTable {
		what = fmt.Sprintf("USB decision about %s of %s (%s) was forgotten", id, app, storedText(old))
		text = fmt.Sprintf("Forgot the USB portal's decision about %s for %s (%s): the desktop asks again.", esc(id), esc(app), storedText(old))
	}
	r := &UndoRecord{App: app, What: what, Answer: &UndoAnswer{Table: table, ID: id, Before: old}}
	return c.reportChange(r, "forget", res, text, asJSON)
}

// statusOf is the row of one permission among an app's portal permissions
// (nil when the desktop has neither its portal nor its table).
func statusOf(pm *portals.Manager, app string, p *model.Permission) *portals.Status {
	for _, s := range pm.Status(app) {
		if s.Perm == p {
			return &s
		}
	}
	return nil
}
