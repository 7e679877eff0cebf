package ui

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/diamondburned/gotk4/pkg/glib/v2"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/portals"
)

// Files This App Can Open: every file or folder the app was given through
// the file chooser or by drag and drop, which the document portal keeps
// granted to it until revoked. Read with the page's other portal answers
// (portals.go), newest first; each can be revoked, or all at once, with an
// Undo that gives back exactly what was there.

// fillDocuments shows the app's files; err says why they could not be
// read.
func (v *pageView) fillDocuments(docs *portals.Documents, err error) {
	g := v.portal.files
	g.clear()
	v.portal.revokeFile = map[string]*gtk.Button{}
	switch {
	case err != nil:
		g.add(v.portalUnavailableRow(err))
		g.SetVisible(true)
		return
	case docs == nil || len(docs.Docs) == 0:
		g.SetVisible(false)
		return
	}
	if !docs.Live {
		// Said once, above the list: where the list comes from and when a
		// revocation takes effect.
		g.add(v.cachedRow("files\x00why\x00"+docs.Why, func() (gtk.Widgetter, func()) {
			row := newActionRow(T("Read from the permission store"), T(docs.Why))
			row.obj.SetObjectProperty("subtitle-lines", 0)
			row.addPrefix(gtk.NewImageFromIconName("dialog-information-symbolic"))
			return row, nil
		}))
	}
	for _, d := range docs.Docs {
		g.add(v.documentRow(d))
	}
	if len(docs.Docs) > 1 {
		// TRANSLATORS: %d counts the files an app holds
		all := fmt.Sprintf(NT("Revoke %d File…", "Revoke All %d Files…", len(docs.Docs)), len(docs.Docs))
		g.add(v.cachedRow("files\x00all\x00"+all, func() (gtk.Widgetter, func()) {
			row := newButtonRow(all, "")
			row.AddCSSClass("destructive-action")
			v.cs.add(row, row.Connect("activated", v.revokeAllFiles))
			return row, nil
		}))
	}
	g.SetVisible(true)
	v.applyFilter()
}

// documentRow is one file: its name and folder, what the app may do with
// it, whether it is still there, and Revoke.
func (v *pageView) documentRow(d portals.Document) gtk.Widgetter {
	path := strings.ToValidUTF8(d.Path, "\uFFFD")
	sub := d.Modes(T)
	if state := d.State(T); state != "" {
		sub += " — " + state
	}
	if len(d.Others) > 0 {
		var names []string
		for _, id := range d.Others {
			names = append(names, v.w.appName(id))
		}
		slices.SortStableFunc(names, model.CompareNames)
		// TRANSLATORS: %s lists other apps that hold the same file
		sub += " — " + fmt.Sprintf(T("also held by %s"), strings.Join(names, ", "))
	}
	key := fmt.Sprintf("file\x00%s\x00%s\x00%s", d.ID, path, sub)
	row := v.cachedRow(key, func() (gtk.Widgetter, func()) {
		name, dir := filepath.Base(path), filepath.Dir(path)
		if dir == "." {
			dir = ""
		}
		row := newActionRow(name, dir+"\n"+sub)
		row.obj.SetObjectProperty("subtitle-lines", 0)
		icon := "text-x-generic-symbolic"
		if d.Folder {
			icon = "folder-symbolic"
		}
		img := gtk.NewImageFromIconName(icon)
		if d.Exists == portals.ExistsNo {
			img.SetFromIconName("action-unavailable-symbolic")
			row.AddCSSClass("dim-label")
		}
		row.addPrefix(img)
		b := gtk.NewButtonWithLabel(T("Revoke"))
		b.SetVAlign(gtk.AlignCenter)
		b.SetTooltipText(T("The app can no longer open it; Undo gives it back"))
		// TRANSLATORS: %s is a file's name: the button that takes it from the app
		setAccessibleLabel(b, fmt.Sprintf(T("Revoke %s"), name))
		id := d.ID
		v.cs.add(b, b.ConnectClicked(func() { v.revokeFiles([]string{id}, name) }))
		row.addSuffix(b)
		v.portal.fileButtons[key] = b
		return row, nil
	})
	v.portal.revokeFile[d.ID] = v.portal.fileButtons[key]
	v.note(row, true, path)
	return row
}

// revokeFiles takes documents from the app, with Undo; name names one
// file for the messages ("" for all of them).
func (v *pageView) revokeFiles(ids []string, name string) {
	w, app := v.w, v.app.ID
	w.withPortals(func(pm *portals.Manager) {
		var rev *portals.RevokedDocuments
		var err error
		if ids == nil {
			rev, err = pm.RevokeAllDocuments(app)
		} else {
			rev, err = pm.RevokeDocuments(app, ids)
		}
		glib.IdleAdd(func() {
			if err != nil {
				w.toast(fmt.Sprintf(T("Could not revoke: %v"), err))
			}
			// A revocation that failed midway still took some: their
			// Undo is offered all the same.
			if rev != nil && rev.Count() > 0 {
				// TRANSLATORS: a change in the undo history; %s is a file's name
				label := fmt.Sprintf(T("Revoked file %s"), name)
				msg := fmt.Sprintf(T("%s revoked: the app can no longer open it"), name)
				if name == "" {
					// TRANSLATORS: a change in the undo history; %d counts files
					label = fmt.Sprintf(NT("%d revoked file", "%d revoked files", rev.Count()), rev.Count())
					// TRANSLATORS: %d counts the files taken from an app
					msg = fmt.Sprintf(NT("%d file revoked: the app can no longer open it", "%d files revoked: the app can no longer open them", rev.Count()), rev.Count())
				}
				if d := rev.DeferredText(); d != "" {
					msg = T(d)
				}
				w.offerUndo(label, msg, func() {
					w.withPortals(func(pm *portals.Manager) {
						err := pm.RestoreDocuments(rev)
						glib.IdleAdd(func() {
							if err != nil {
								w.toast(fmt.Sprintf(T("Could not give the files back: %v"), err))
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

// revokeAllFiles asks before taking every file from the app.
func (v *pageView) revokeAllFiles() {
	app := v.app
	// TRANSLATORS: %s is an app's name
	q := newAlert(fmt.Sprintf(T("Revoke Every File of %s?"), app.Name),
		T("The app can no longer open any of the files and folders it was given. Undo gives them back."))
	q.response("cancel", T("_Cancel"), responseDefault)
	q.response("revoke", T("_Revoke All"), responseDestructive)
	q.obj.SetObjectProperty("close-response", "cancel")
	q.obj.SetObjectProperty("default-response", "cancel")
	q.onResponse(func(id string) {
		if id == "revoke" && v.app == app {
			v.revokeFiles(nil, "")
		}
	})
	q.present(v.w.win)
}

// documentCounts is the Overview's row of files apps hold: each app with
// how many files it may open, and how many of them it may change.
func (v *pageView) documentCounts(totals *portals.DocumentTotals) gtk.Widgetter {
	type held struct {
		name string
		portals.DocumentCount
	}
	var apps []held
	for id, c := range totals.Apps {
		apps = append(apps, held{v.w.appName(id), c})
	}
	slices.SortStableFunc(apps, func(a, b held) int {
		if a.Files != b.Files {
			return b.Files - a.Files
		}
		return model.CompareNames(a.name, b.name)
	})
	var names []string
	for _, a := range apps {
		// TRANSLATORS: an app in the Overview, with how many files it may open and how many of them it may change, e.g. “Notes (12, 3 writable)”
		names = append(names, fmt.Sprintf(NT("%s (%d, %d writable)", "%s (%d, %d writable)", a.Files), a.name, a.Files, a.Writable))
	}
	return v.countRow("files", T(portals.DocumentsQuestion), names)
}
