package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/diamondburned/gotk4/pkg/gio/v2"
	"github.com/diamondburned/gotk4/pkg/glib/v2"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/permstore"
	"github.com/confine-app/confine/portals"
)

// Portal permissions live in xdg-permission-store, reached over D-Bus.
// Every call runs off the main thread and hands its result back with
// glib.IdleAdd, so a slow or missing store never freezes the window.

type portalClient struct {
	// mu guards pm and stop; it is held while connecting, so reads that
	// start together share one connection.
	mu   sync.Mutex
	pm   *portals.Manager
	stop func()
	// reads counts the page reads started (main thread only): reads run
	// in parallel, so an answer is shown only if no newer read was
	// started, else an older read finishing last would show stale values.
	reads int
}

// newRead starts a page read and returns the test that its answer is
// still the newest.
func (w *Window) newRead() func() bool {
	w.portals.reads++
	n := w.portals.reads
	return func() bool { return w.portals.reads == n }
}

// withPortals connects once, in the background, and runs f off the main
// loop with the manager (f hands results back with glib.IdleAdd).
func (w *Window) withPortals(f func(*portals.Manager)) {
	p := &w.portals
	go func() {
		p.mu.Lock()
		if p.pm == nil {
			p.pm = portals.New(w.m.Env)
			if p.pm.Err == nil {
				// Changes made by GNOME Settings, a portal dialog or
				// another Confine show up at once.
				p.stop, _ = p.pm.Store.Watch(func(permstore.Change) {
					glib.IdleAdd(w.portalsChanged)
				})
			}
		}
		pm := p.pm
		p.mu.Unlock()
		// A read still running when the client disconnects gets errors
		// from the closed manager; its answer is dropped as not the newest.
		f(pm)
	}()
}

// disconnect closes the connection; the next read connects again, with
// the environment as it is then.
func (p *portalClient) disconnect() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop != nil {
		p.stop()
	}
	if p.pm != nil {
		p.pm.Close()
	}
	p.pm, p.stop = nil, nil
}

// portalsChanged re-reads what the page shown takes from the store.
func (w *Window) portalsChanged() {
	v := w.pages.shown
	switch {
	case v == nil:
	case v.overview:
		w.portalOverview(v)
	case v.portalGroup != nil:
		v.loadPortals()
	}
}

// portalView is what an app page shows from the store besides the
// Portals group: saved sessions, Open With choices, and the USB portal's
// decisions (rows of the USB Devices group).
type portalView struct {
	app      string // whose answers are shown
	sessions *prefsGroup
	openWith *prefsGroup
	// usbRows are the USB Devices group's portal rows, usbSig what they
	// show (the group rebuilds when it changes).
	usbRows []gtk.Widgetter
	usbSig  string
	// revoke holds each session row's Revoke button by token, shown the
	// tokens of the rows shown (tests).
	revoke map[string]*gtk.Button
	shown  []string
	// controls are each cached row's choice or toggles by cache key, and
	// current the cache key each permission's row has now (tests).
	controls map[string]any
	current  map[string]string
	// answers: the store holds something for the app (Reset All Changes
	// then has something to reset).
	answers bool
	// files lists what the app holds through the document portal
	// (documents.go); revokeFile is each file row's Revoke by document ID
	// (tests).
	files      *prefsGroup
	revokeFile map[string]*gtk.Button
	// fileButtons: each cached file row's Revoke, by cache key.
	fileButtons map[string]*gtk.Button
}

func (v *pageView) portalLoadingRow() gtk.Widgetter {
	return v.cachedRow("portal\x00loading", func() (gtk.Widgetter, func()) {
		row := newActionRow(T("Asking the permission store…"), "")
		spin := newSpinner()
		spin.SetSizeRequest(16, 16)
		row.addPrefix(spin)
		return row, nil
	})
}

// addPortals adds the Portals group, and the Saved Sessions and Open With
// groups after it (hidden while empty); their rows arrive when the store
// answers.
func (v *pageView) addPortals(g model.GroupInfo) {
	if v.app == nil {
		return // portal answers are per app
	}
	v.portalGroup = newGroup(T(g.Title), T(g.Description))
	v.portalGroup.add(v.portalLoadingRow())
	v.appendGroup(v.portalGroup)
	v.portal = &portalView{revoke: map[string]*gtk.Button{}, controls: map[string]any{}, current: map[string]string{},
		sessions: newGroup(T("Saved Sessions"), T("Screen sharing, remote control and input capture the app may start again without asking. Revoke makes the desktop ask again. A session still open in the app saves itself again when it ends: close it in the app first.")),
		openWith: newGroup(T("Open With"), T("Types of files and links the app asked the desktop to open, and the app the desktop's chooser remembers: after the same pick three times in a row, it stops asking. Forget makes it ask again."))}
	v.portal.files = newGroup(T(portals.DocumentsTitle), T(portals.DocumentsDescription))
	v.portal.fileButtons = map[string]*gtk.Button{}
	v.portal.sessions.SetVisible(false)
	v.portal.openWith.SetVisible(false)
	v.portal.files.SetVisible(false)
	v.appendGroup(v.portal.files)
	v.appendGroup(v.portal.sessions)
	v.appendGroup(v.portal.openWith)
	v.loadPortals()
}

// portalAnswers is everything an app page shows from the store.
type portalAnswers struct {
	statuses []portals.Status
	sessions []portals.SavedSession
	openWith []portals.OpenWith
	usb      []portals.USBDecision
	err      error // reading sessions, Open With or USB decisions failed
	docs     *portals.Documents
	docsErr  error
}

func (v *pageView) loadPortals() {
	id := v.app.ID
	if v.portal.app != id {
		// Another app: its answers are not the last one's.
		v.portal.app = id
		v.portal.sessions.SetVisible(false)
		v.portal.openWith.SetVisible(false)
		v.portal.files.SetVisible(false)
		// The page refreshes after a switch: no refresh of its own.
		v.portal.usbRows, v.portal.usbSig = nil, ""
	}
	newest := v.w.newRead()
	v.w.withPortals(func(pm *portals.Manager) {
		a := portalAnswers{statuses: pm.Status(id)}
		if pm.Err == nil {
			var errs []error
			var err error
			a.sessions, err = pm.SavedSessions(id)
			errs = append(errs, err)
			a.openWith, err = pm.OpenWith(id)
			errs = append(errs, err)
			a.usb, err = pm.USBDecisions(id)
			a.err = errors.Join(append(errs, err)...)
			a.docs, a.docsErr = pm.Documents(id)
		}
		glib.IdleAdd(func() {
			if v.w.pages.shown != v || v.app == nil || v.app.ID != id || !newest() {
				return // another page or app is shown now, or a newer read runs
			}
			v.fillPortals(pm, a)
		})
	})
}

// portalUnavailableRow says why no portal permission can be shown.
func (v *pageView) portalUnavailableRow(err error) gtk.Widgetter {
	return v.cachedRow("portal\x00err\x00"+err.Error(), func() (gtk.Widgetter, func()) {
		row := newActionRow(T("Portal permissions are unavailable"), err.Error())
		row.addPrefix(gtk.NewImageFromIconName("dialog-information-symbolic"))
		return row, nil
	})
}

func (v *pageView) fillPortals(pm *portals.Manager, a portalAnswers) {
	v.portalGroup.clear()
	v.portal.answers = false
	defer v.w.updateActions()
	if pm.Err != nil {
		v.portalGroup.add(v.portalUnavailableRow(pm.Err))
		return
	}
	v.portal.answers = len(a.sessions)+len(a.openWith)+len(a.usb) > 0
	v.fillDocuments(a.docs, a.docsErr)
	for _, st := range a.statuses {
		v.portal.answers = v.portal.answers || st.State != portals.Unset && !st.ReadOnly
	}
	var usb *portals.Status
	for _, st := range a.statuses {
		if st.Perm.Key == portals.USBTable {
			usb = &st
			continue // in the USB Devices group
		}
		v.portalGroup.add(v.portalStatusRow(st))
	}
	if len(v.portalGroup.rows) == 0 {
		v.portalGroup.add(v.cachedRow("portal\x00none", func() (gtk.Widgetter, func()) {
			row := newActionRow(T("No portal permissions yet"), T("The desktop stores an answer when an app first asks for something; it shows here then"))
			row.addPrefix(gtk.NewImageFromIconName("dialog-information-symbolic"))
			return row, nil
		}))
	}
	if a.err != nil {
		v.portalGroup.add(v.portalUnavailableRow(a.err))
	}
	v.fillSessions(a.sessions)
	v.fillOpenWith(a.openWith)
	v.fillUSBPortal(usb, a.usb)
	v.applyFilter()
}

// portalStatusRow is a permission's row, cached by everything it shows.
func (v *pageView) portalStatusRow(st portals.Status) gtk.Widgetter {
	key := fmt.Sprintf("portal\x00%s\x00%v\x00%q\x00%v\x00%s", st.Perm.ID, st.State, st.Raw, st.ReadOnly, st.WhyText(T))
	v.portal.current[st.Perm.ID] = key
	var row gtk.Widgetter
	if st.Kind() == portals.KindInhibit {
		row = v.cachedRow(key, func() (gtk.Widgetter, func()) { return v.inhibitRow(key, st) })
	} else {
		row = v.cachedRow(key, func() (gtk.Widgetter, func()) { return v.portalRow(key, st) })
	}
	v.note(row, st.State != portals.Unset, T(st.Perm.Title), st.Perm.Syntax())
	return row
}

func meaningText(st portals.Status) string {
	f, args := st.Meaning()
	return fmt.Sprintf(T(f), args...)
}

// writePortal stores a value in the background, then shows the store's
// state again.
func (v *pageView) writePortal(p *model.Permission, value []string) {
	app := v.app.ID
	v.w.withPortals(func(pm *portals.Manager) {
		err := pm.Write(app, p, value)
		glib.IdleAdd(func() {
			if err != nil {
				v.w.toast(fmt.Sprintf(T("Could not change %s: %v"), T(p.Title), err))
			}
			if v.w.pages.shown == v && v.app != nil {
				v.loadPortals()
			}
		})
	})
}

func (v *pageView) portalRow(key string, st portals.Status) (gtk.Widgetter, func()) {
	row := newActionRow(T(st.Perm.Title), meaningText(st))
	row.SetTooltipText(T(st.Perm.Description))
	cs, sel := st.Choices()
	labels := make([]string, len(cs))
	for i, c := range cs {
		labels[i] = T(c.Label)
	}
	selected := uint(max(sel, 0))
	dd := newChoice(v.cs, T(st.Perm.Title), labels...)
	dd.SetSelected(selected)
	if st.ReadOnly {
		dd.SetSensitive(false)
		row.SetTooltipText(st.WhyText(T))
	}
	dd.onChanged(func() { v.writePortal(st.Perm, cs[dd.Selected()].Value) })
	row.addSuffix(dd)
	v.portal.controls[key] = dd
	return row, func() { dd.SetSelected(selected) }
}

// inhibitRow: what the app may stop, one toggle per flag.
func (v *pageView) inhibitRow(key string, st portals.Status) (gtk.Widgetter, func()) {
	sub := meaningText(st)
	if st.State == portals.Allowed && st.Understood {
		var names []string
		for _, f := range portals.InhibitFlags {
			if slices.Contains(st.Flags, f.Flag) {
				names = append(names, T(f.Title))
			}
		}
		sub = fmt.Sprintf(T("The app may block only: %s"), strings.Join(names, ", "))
	}
	row := newActionRow(T(st.Perm.Title), sub)
	row.SetTooltipText(T(st.Perm.Description))
	box := gtk.NewBox(gtk.OrientationHorizontal, 0)
	box.AddCSSClass("linked")
	box.SetVAlign(gtk.AlignCenter)
	var toggles []*gtk.ToggleButton
	syncing := false
	sync := func() {
		syncing = true
		for i, f := range portals.InhibitFlags {
			toggles[i].SetActive(slices.Contains(st.Flags, f.Flag))
		}
		syncing = false
	}
	for _, f := range portals.InhibitFlags {
		b := gtk.NewToggleButtonWithLabel(T(f.Title))
		b.SetTooltipText(fmt.Sprintf(T("Let the app block this: %s"), T(f.Title)))
		toggles = append(toggles, b)
		box.Append(b)
		v.cs.add(b, b.ConnectToggled(func() {
			if syncing {
				return
			}
			var allowed []string
			for i, f := range portals.InhibitFlags {
				if toggles[i].Active() {
					allowed = append(allowed, f.Flag)
				}
			}
			v.writePortal(st.Perm, portals.InhibitValue(allowed))
		}))
	}
	sync()
	if st.ReadOnly {
		box.SetSensitive(false)
		row.SetTooltipText(st.WhyText(T))
	}
	row.addSuffix(box)
	v.portal.controls[key] = toggles
	return row, sync
}

// appName is an installed app's name, else the ID ("" is any app running
// outside a sandbox).
func (w *Window) appName(id string) string {
	if id == "" {
		return T("Unsandboxed apps")
	}
	for _, a := range w.m.Apps {
		if a.ID == id && a.Name != "" {
			return a.Name
		}
	}
	return id
}

func (v *pageView) fillSessions(ss []portals.SavedSession) {
	g := v.portal.sessions
	g.clear()
	v.portal.shown = nil
	for _, s := range ss {
		sub := s.Describe(T)
		if when := s.When(T); when != "" {
			sub += " — " + when
		}
		g.add(v.cachedRow("session\x00"+s.Table+"\x00"+s.Token+"\x00"+sub, func() (gtk.Widgetter, func()) {
			row := newActionRow(T(sessionTitle(s.Table)), sub)
			row.SetTooltipText(fmt.Sprintf(T("Restore token %s, saved by %s"), s.Token, orUnknown(s.Backend)))
			b := gtk.NewButtonWithLabel(T("Revoke"))
			b.SetVAlign(gtk.AlignCenter)
			b.SetTooltipText(T("Delete the saved session: the desktop asks again at the app's next request"))
			table, token := s.Table, s.Token
			v.cs.add(b, b.ConnectClicked(func() { v.revokeSession(table, token) }))
			row.addSuffix(b)
			v.portal.revoke[s.Token] = b
			return row, nil
		}))
		v.portal.shown = append(v.portal.shown, s.Token)
	}
	g.SetVisible(len(ss) > 0)
}

func sessionTitle(table string) string {
	if t := portals.SavedSessionTableOf(table); t.Table != "" {
		return t.Title
	}
	return table
}

func orUnknown(s string) string {
	if s == "" {
		// TRANSLATORS: in place of a name the permission store did not record (an app, a portal backend)
		return T("unknown")
	}
	return s
}

// revokeSession deletes a saved session, with Undo.
func (v *pageView) revokeSession(table, token string) {
	w := v.w
	w.withPortals(func(pm *portals.Manager) {
		e, err := pm.Revoke(table, token)
		glib.IdleAdd(func() {
			if err != nil {
				w.toast(fmt.Sprintf(T("Could not revoke the session: %v"), err))
			} else {
				// TRANSLATORS: a change in the undo history
				w.offerUndo(T("Revoked session"), T("Session revoked: the desktop will ask again"), func() {
					w.withPortals(func(pm *portals.Manager) {
						err := pm.Unrevoke(e)
						glib.IdleAdd(func() {
							switch {
							case errors.Is(err, portals.ErrSavedAgain):
								w.toast(T("The app saved the session again meanwhile; that one is kept"))
							case err != nil:
								w.toast(fmt.Sprintf(T("Could not restore the session: %v"), err))
							}
							w.portalsChanged()
						})
					})
				})
			}
			w.portalsChanged()
		})
	})
}

// offerUndo remembers a change made in the permission store, and shows msg
// with an Undo button that runs undo.
func (w *Window) offerUndo(label, msg string, undo func()) {
	w.rememberToast(&undoEntry{label: label, store: undo}, msg, 8)
}

func (v *pageView) fillOpenWith(ow []portals.OpenWith) {
	g := v.portal.openWith
	g.clear()
	for _, o := range ow {
		var sub string
		handler := v.w.appName(o.Handler)
		switch {
		case !o.Understood:
			sub = fmt.Sprintf(T("Stored value “%s” is not one the desktop understands"), strings.Join(o.Raw, ", "))
		case o.AlwaysAsk:
			sub = fmt.Sprintf(T("Last chosen: %s; the desktop asks every time for this type"), handler)
		case o.Skips():
			sub = fmt.Sprintf(T("Opens with %s without asking"), handler)
		default:
			left := max(o.Threshold-o.Count, 1)
			// TRANSLATORS: %s is an app; the desktop's chooser stops asking once the same app was chosen a few times in a row
			sub = fmt.Sprintf(NT("Last chosen: %s; chosen again %d more time in a row, it opens without asking",
				"Last chosen: %s; chosen again %d more times in a row, it opens without asking", left), handler, left)
		}
		g.add(v.cachedRow("openwith\x00"+o.ContentType+"\x00"+sub, func() (gtk.Widgetter, func()) {
			// The type's name from the shared MIME database, when it
			// has one ("PDF document").
			title := o.ContentType
			if scheme, ok := strings.CutPrefix(o.ContentType, "x-scheme-handler/"); ok {
				// TRANSLATORS: %s is a URI scheme such as mailto or https; links of that kind
				title = fmt.Sprintf(T("%s links"), scheme) + " (" + o.ContentType + ")"
			} else if d := gio.ContentTypeGetDescription(o.ContentType); d != "" && !strings.Contains(d, o.ContentType) && !gio.ContentTypeIsUnknown(o.ContentType) {
				title = d + " (" + o.ContentType + ")"
			}
			row := newActionRow(title, sub)
			b := gtk.NewButtonWithLabel(T("Forget"))
			b.SetVAlign(gtk.AlignCenter)
			b.SetTooltipText(T("The desktop's chooser asks again the next time"))
			ct := o.ContentType
			v.cs.add(b, b.ConnectClicked(func() { v.forgetAnswer(portals.OpenWithTable, ct, T("Choice forgotten")) }))
			row.addSuffix(b)
			return row, nil
		}))
	}
	g.SetVisible(len(ow) > 0)
}

// forgetAnswer removes the app's answer for one entry of the Open With or
// USB table, with Undo.
func (v *pageView) forgetAnswer(table, id, done string) {
	w, app := v.w, v.app.ID
	w.withPortals(func(pm *portals.Manager) {
		old, err := pm.Forget(table, id, app)
		glib.IdleAdd(func() {
			if err != nil {
				w.toast(fmt.Sprintf(T("Could not change the stored answer: %v"), err))
			} else {
				// TRANSLATORS: a change in the undo history: a stored answer of the desktop was forgotten
				w.offerUndo(T("Forgotten answer"), done, func() {
					w.withPortals(func(pm *portals.Manager) {
						err := pm.Remember(table, id, app, old)
						glib.IdleAdd(func() {
							if err != nil {
								w.toast(fmt.Sprintf(T("Could not restore the stored answer: %v"), err))
							}
							w.portalsChanged()
						})
					})
				})
			}
			w.portalsChanged()
		})
	})
}

// fillUSBPortal makes the USB portal's rows of the USB Devices group: the
// app-wide switch and the per-device decisions.
func (v *pageView) fillUSBPortal(st *portals.Status, devs []portals.USBDecision) {
	var rows []gtk.Widgetter
	var sig strings.Builder
	if st != nil {
		fmt.Fprintf(&sig, "%v/%q/%v;", st.State, st.Raw, st.ReadOnly)
		rows = append(rows, v.portalStatusRow(*st))
	}
	names := v.w.m.USBNames()
	for _, d := range devs {
		fmt.Fprintf(&sig, "%s=%v;", d.ID, d.Hidden)
		rows = append(rows, v.cachedRow(fmt.Sprintf("usbportal\x00%s\x00%v", d.ID, d.Hidden), func() (gtk.Widgetter, func()) {
			return v.usbDecisionRow(names, d)
		}))
	}
	v.setUSBPortalRows(rows, sig.String())
}

func (v *pageView) usbDecisionRow(names *model.USBNames, d portals.USBDecision) (gtk.Widgetter, func()) {
	title := d.ID
	if q, _, err := model.ParseUSBRule("vnd:" + d.Vendor + "+dev:" + d.Product); err == nil {
		f, args := names.Describe(q)
		title = fmt.Sprintf(T(f), args...)
	}
	sub := T("The desktop gave it to the app")
	if d.Hidden {
		sub = T("Hidden from the app by the USB portal")
	}
	if d.Serial != "" {
		sub += " — " + d.Serial
	}
	row := newActionRow(title, sub)
	row.SetTooltipText(d.ID)
	dd := newChoice(v.cs, title,
		// TRANSLATORS: the USB portal's decision for one device: the app may be given it
		T("Offered"),
		// TRANSLATORS: the USB portal's decision for one device: hidden from the app
		T("Hidden"))
	selected := uint(0)
	if d.Hidden {
		selected = 1
	}
	dd.SetSelected(selected)
	id := d.ID
	dd.onChanged(func() {
		if dd.Selected() == 1 {
			app := v.app.ID
			v.w.withPortals(func(pm *portals.Manager) {
				err := pm.Remember(portals.USBTable, id, app, []string{"no"})
				glib.IdleAdd(func() {
					if err != nil {
						v.w.toast(fmt.Sprintf(T("Could not change the stored answer: %v"), err))
					}
					v.w.portalsChanged()
				})
			})
			return
		}
		v.forgetAnswer(portals.USBTable, id, T("The device is offered to the app again"))
	})
	row.addSuffix(dd)
	return row, func() { dd.SetSelected(selected) }
}

// setUSBPortalRows hands the rows to the USB Devices group, which shows
// them after its device rules (see usbRows).
func (v *pageView) setUSBPortalRows(rows []gtk.Widgetter, sig string) {
	if v.portal.usbSig == sig && len(rows) == len(v.portal.usbRows) {
		return
	}
	v.portal.usbRows, v.portal.usbSig = rows, sig
	v.refresh()
}

// usbPortalRows are the rows usbRows adds, and what they show (for the
// group's signature).
func (v *pageView) usbPortalRows() (string, []gtk.Widgetter) {
	if v.portal == nil {
		return "", nil
	}
	return "portal:" + v.portal.usbSig, v.portal.usbRows
}

// resetPortals removes the app's portal answers in the background; undo
// puts them back.
func (w *Window) resetPortals(appID string, done func(portals.Snapshot)) {
	w.withPortals(func(pm *portals.Manager) {
		snap, err := pm.Reset(appID)
		glib.IdleAdd(func() {
			if err != nil {
				w.toast(fmt.Sprintf(T("Could not reset portal permissions: %v"), err))
			}
			done(snap)
		})
	})
}

func (w *Window) restorePortals(appID string, snap portals.Snapshot) {
	if len(snap) == 0 {
		return
	}
	w.withPortals(func(pm *portals.Manager) {
		err := pm.Restore(appID, snap)
		glib.IdleAdd(func() {
			if err != nil {
				w.toast(fmt.Sprintf(T("Could not restore portal permissions: %v"), err))
			}
			w.portalsChanged()
		})
	})
}

// portalOverview answers "which apps may use the camera, prevent suspend,
// restore a screen-sharing session…?" for the portals this desktop has.
func (w *Window) portalOverview(v *pageView) {
	var installed []string
	for _, a := range w.m.Apps {
		if a.Err == nil && !slices.Contains(installed, a.ID) {
			installed = append(installed, a.ID)
		}
	}
	newest := w.newRead()
	w.withPortals(func(pm *portals.Manager) {
		type answer struct {
			q    portals.Question
			apps []string
			err  error
		}
		var answers []answer
		var files *portals.DocumentTotals
		if pm.Err == nil {
			for _, q := range portals.Questions() {
				shown, apps, err := pm.Answer(q, installed)
				if shown || err != nil {
					answers = append(answers, answer{q, apps, err})
				}
			}
			files, _ = pm.DocumentCounts()
		}
		glib.IdleAdd(func() {
			if w.pages.shown != v || !newest() {
				return
			}
			v.ov.portal.clear()
			// Without a permission store every question fails the same
			// way: say it once, as an app's page does.
			if pm.Err != nil {
				v.ov.portal.add(v.portalUnavailableRow(pm.Err))
				return
			}
			if len(answers) == 0 {
				v.ov.portal.add(v.cachedRow("portal\x00none", func() (gtk.Widgetter, func()) {
					row := newActionRow(T("No portal permissions yet"), T("The desktop stores an answer when an app first asks for something; it shows here then"))
					row.addPrefix(gtk.NewImageFromIconName("dialog-information-symbolic"))
					return row, nil
				}))
			}
			for _, a := range answers {
				if a.err != nil {
					v.ov.portal.add(v.cachedRow("portal-err\x00"+a.q.Title+"\x00"+a.err.Error(), func() (gtk.Widgetter, func()) {
						row := newActionRow(T(a.q.Title), a.err.Error())
						row.addSuffix(gtk.NewImageFromIconName("dialog-warning-symbolic"))
						return row, nil
					}))
					continue
				}
				var shown []string
				for _, id := range a.apps {
					shown = append(shown, w.appName(id))
				}
				slices.SortStableFunc(shown, model.CompareNames)
				v.ov.portal.add(v.countRow("portal", T(a.q.Title), shown))
			}
			if files != nil {
				v.ov.portal.add(v.documentCounts(files))
			}
		})
	})
}
