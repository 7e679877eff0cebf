package portals

import (
	"slices"

	"github.com/confine-app/confine/model"
)

// N_ marks a string for translation without translating it, as model.N_
// does: the window and the command line translate at display time
// (xgettext extracts N_ calls).
func N_(s string) string { return s }

// Kind is how a permission's values read.
type Kind int

const (
	KindTristate Kind = iota // exactly ["yes"], ["no"] or ["ask"]; anything else counts as nothing
	KindAnyNo                // denied when the list holds "no", allowed otherwise (game mode)
	KindLocation             // [ACCURACY, LAST_USED]
	KindInhibit              // the flags the app may inhibit
	KindAnyYes               // allowed when the list holds "yes"; anything else asks (KDE's kde-authorized)
)

// Spec is one portal permission: where the desktop keeps its answers, the
// portal that asks, how that portal reads an app's value and what each
// value makes the desktop do, and the row Confine shows for it. Everything
// Confine does with a portal permission follows from its Spec.
type Spec struct {
	// Perm is the permission's catalogue entry: its Key is the store's
	// table, its Value the entry's ID in that table.
	Perm *model.Permission
	// Portal is the interface that reads the table
	// (org.freedesktop.portal.<Portal>), from version Since on; "" for a
	// table only one desktop's own backend reads (kde-authorized), whose
	// row is shown only where the table exists.
	Portal string
	Since  uint32
	Kind   Kind
	// AllowedByDefault: an app with nothing stored is allowed (else the
	// desktop asks the first time and stores the answer).
	AllowedByDefault bool
	// OnlyNo: every value but "no" allows; the portal never asks.
	OnlyNo bool
	// AskEveryTime: "ask" gives a dialog on each request.
	AskEveryTime bool
	// NeedsID: the row is the desktop's only when its ID is in the table
	// or the portal exists (microphone and speakers: only portals before
	// 1.19 write them).
	NeedsID bool
	// Denied and Asking say what the desktop does with "no" and with
	// "ask" when it does more than refuse or ask each time (untranslated;
	// empty: the usual words).
	Denied, Asking string
	// FlagQuestions replace the Overview's one question about the
	// permission with one per flag (KindInhibit), in the Overview's order.
	FlagQuestions []FlagQuestion
}

// FlagQuestion is the Overview's question about one flag of a permission.
type FlagQuestion struct {
	Flag  string // as stored
	Title string // untranslated
}

// perm is a portal permission's catalogue entry, with the ID
// "portals/<id>": the IDs of the tables xdg-desktop-portal reads are
// unique among themselves, and exports, policies and scripts already use
// them.
func perm(table, id, title, desc string, risk model.Severity) *model.Permission {
	return &model.Permission{ID: string(model.GroupPortals) + "/" + id, Group: model.GroupPortals, Key: table, Value: id, Title: title, Description: desc, Risk: risk}
}

// qualifiedPerm is perm with the ID "portals/<table>/<id>", for a table
// whose IDs repeat another table's names (kde-authorized's
// "remote-desktop" is also the saved remote-desktop sessions' table, and
// KDE means to add more portals' names to it).
func qualifiedPerm(table, id, title, desc string, risk model.Severity) *model.Permission {
	p := perm(table, id, title, desc, risk)
	p.ID = string(model.GroupPortals) + "/" + table + "/" + id
	return p
}

// Specs are the portal permissions Confine shows, in display order: one
// entry each. Adding a portal permission is adding its entry here (and
// translating its texts): the rows, the Overview's questions, import and
// export, and the tables and portals Confine asks about follow from it.
var Specs = []Spec{
	{Perm: perm("devices", "camera", N_("Camera"), N_("Use the camera"), model.SeverityHigh), Portal: "Camera", Since: 1,
		Asking: N_("Asks every time, but the camera stays closed: the desktop opens it only when allowed")},
	{Perm: perm("devices", "microphone", N_("Microphone"), N_("Record from the microphone"), model.SeverityHigh), Portal: "Device", Since: 1,
		AskEveryTime: true, NeedsID: true},
	{Perm: perm("devices", "speakers", N_("Speakers"), N_("Play sound"), model.SeverityLow), Portal: "Device", Since: 1,
		AskEveryTime: true, NeedsID: true},
	{Perm: perm("location", "location", N_("Location"), N_("Know where you are"), model.SeverityHigh), Portal: "Location", Since: 1,
		Kind: KindLocation},
	{Perm: perm("screenshot", "screenshot", N_("Screenshots"), N_("Take screenshots without asking each time"), model.SeverityMedium), Portal: "Screenshot", Since: 2,
		AskEveryTime: true},
	{Perm: perm("wallpaper", "wallpaper", N_("Wallpaper"), N_("Change the desktop and lock screen background"), model.SeverityLow), Portal: "Wallpaper", Since: 1,
		AskEveryTime: true},
	{Perm: perm("background", "background", N_("Run in background"), N_("Keep running after its windows are closed"), model.SeverityLow), Portal: "Background", Since: 1,
		AllowedByDefault: true, AskEveryTime: true,
		Denied: N_("Denied: the desktop refuses, and stops the app if it keeps running in the background")},
	{Perm: perm("notifications", "notification", N_("Notifications"), N_("Show notifications"), model.SeverityNone), Portal: "Notification", Since: 1,
		AllowedByDefault: true, OnlyNo: true},
	{Perm: perm("inhibit", "inhibit", N_("Keep the session awake"), N_("Block logging out, user switching, suspend or the session going idle"), model.SeverityLow), Portal: "Inhibit", Since: 1,
		Kind: KindInhibit, AllowedByDefault: true,
		FlagQuestions: []FlagQuestion{
			{"suspend", N_("May prevent suspend")}, {"idle", N_("May keep the screen from going idle")},
			{"logout", N_("May prevent logging out")}, {"switch", N_("May prevent switching users")},
		}},
	{Perm: perm("gamemode", "gamemode", N_("Game mode"), N_("Ask the system to tune itself for a game"), model.SeverityNone), Portal: "GameMode", Since: 1,
		Kind: KindAnyNo, AllowedByDefault: true, OnlyNo: true},
	{Perm: perm("realtime", "realtime", N_("Realtime scheduling"), N_("Run threads at realtime or raised priority"), model.SeverityLow), Portal: "Realtime", Since: 1,
		AllowedByDefault: true, OnlyNo: true},
	// Shown in the USB Devices group, next to the device rules.
	{Perm: perm(USBTable, "usb", N_("USB portal"), N_("Ask the desktop for USB devices"), model.SeverityMedium), Portal: "Usb", Since: 1,
		AllowedByDefault: true, OnlyNo: true},
	// KDE Plasma's own table (Plasma 6.3 and later): an app whose list
	// holds "yes" gets remote-desktop sessions, keyboard and mouse
	// included, without the desktop's dialog. Only KDE's portal backend
	// reads it, and "no" or nothing both mean the dialog.
	{Perm: qualifiedPerm("kde-authorized", "remote-desktop", N_("Remote control without asking"), N_("Control the keyboard and mouse, and see the screen, in remote-desktop sessions without the desktop asking (KDE Plasma)"), model.SeverityHigh),
		Kind: KindAnyYes},
}

// SavedSessionTable is one table of saved sessions (see SavedSession).
type SavedSessionTable struct {
	Table    string
	Title    string // untranslated: "Screen sharing"
	Question string // the Overview's question
	// Portal is the interface that saves sessions in the table
	// (org.freedesktop.portal.<Portal>), from version Since on.
	Portal string
	Since  uint32
}

// SavedSessionTables are the tables of saved sessions.
var SavedSessionTables = []SavedSessionTable{
	{"screencast", N_("Screen sharing"), N_("Saved screen-sharing sessions"), "ScreenCast", 4},
	{"remote-desktop", N_("Remote desktop"), N_("Saved remote-desktop sessions"), "RemoteDesktop", 2},
	{"input-capture", N_("Input capture"), N_("Saved input-capture sessions"), "InputCapture", 2},
}

// The tables of an app's answers under many IDs: its Open With choices
// (written through the OpenURI portal) and the USB portal's decisions
// about single devices (in the USB portal permission's table).
const (
	OpenWithTable = "desktop-used-apps"
	USBTable      = "usb"
)

// DocumentsTable is where the document portal keeps the files it gives
// apps (see documents.go).
const DocumentsTable = "documents"

// tables are the tables of the store Confine reads and writes, and
// portalInterfaces the portals whose versions it asks the desktop for,
// both derived from the specs. Table names only ever come from this list:
// the store makes a file of whatever name it is given.
var tables, portalInterfaces = func() (tables, ifaces []string) {
	add := func(table, iface string) {
		if !slices.Contains(tables, table) {
			tables = append(tables, table)
		}
		if iface != "" && !slices.Contains(ifaces, iface) {
			ifaces = append(ifaces, iface)
		}
	}
	for _, s := range Specs {
		add(s.Perm.Key, s.Portal)
	}
	for _, t := range SavedSessionTables {
		add(t.Table, t.Portal)
	}
	add(OpenWithTable, "OpenURI")
	add(USBTable, "Usb")
	// Not one the frontend exports: only its table is added.
	add(DocumentsTable, "")
	return tables, ifaces
}()

// KnownTable reports whether a table is one Confine knows.
func KnownTable(table string) bool { return slices.Contains(tables, table) }

var specByID = func() map[string]*Spec {
	m := map[string]*Spec{}
	for i := range Specs {
		m[Specs[i].Perm.ID] = &Specs[i]
	}
	return m
}()

// specOf is a permission's spec (the zero Spec for one that is not a
// portal permission).
func specOf(p *model.Permission) Spec {
	if s := specByID[p.ID]; s != nil {
		return *s
	}
	return Spec{}
}

// Permissions are the portal permissions' catalogue entries, in display
// order.
func Permissions() []*model.Permission {
	out := make([]*model.Permission, len(Specs))
	for i, s := range Specs {
		out[i] = s.Perm
	}
	return out
}

// Lookup finds a portal permission by its catalogue ID ("portals/camera");
// nil when there is none.
func Lookup(id string) *model.Permission {
	if s := specByID[id]; s != nil {
		return s.Perm
	}
	return nil
}

// SavedSessionTableOf is the saved-session table named table; its Table
// is "" when there is none.
func SavedSessionTableOf(table string) SavedSessionTable {
	for _, t := range SavedSessionTables {
		if t.Table == table {
			return t
		}
	}
	return SavedSessionTable{}
}
