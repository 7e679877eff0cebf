package ui

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

func (v *pageView) addFilesystemRow() *addRow {
	r := v.newAddRow(T("Add a folder, e.g. ~/Games or xdg-music"), func(s string) error {
		_, _, err := v.w.m.ParseFolder(s)
		return err
	}, explainFolder, func(s string) {
		loc, mode, _ := v.w.m.ParseFolder(s)
		v.queue(model.Ref{Group: model.GroupFilesystem, Name: loc}, func() (model.Change, error) { return v.w.m.SetFilesystem(v.app, loc, mode) })
	})
	pick := gtk.NewButtonFromIconName("folder-open-symbolic")
	pick.AddCSSClass("flat")
	pick.SetVAlign(gtk.AlignCenter)
	pick.SetTooltipText(T("Choose a Folder"))
	setAccessibleLabel(pick, T("Choose a Folder"))
	v.cs.add(pick, pick.ConnectClicked(func() {
		target := model.Target(v.app)
		chooser := gtk.NewFileChooserNative(T("Choose a Folder"), &v.w.win.Window, gtk.FileChooserActionSelectFolder, T("_Select"), T("_Cancel"))
		chooser.ConnectResponse(func(resp int) {
			// The answer belongs to the app the chooser was opened for.
			if resp == int(gtk.ResponseAccept) && model.Target(v.app) == target {
				if f := chooser.File(); f != nil {
					r.fill(v.w.m.FolderOf(f.Path()))
				}
			}
			chooser.Destroy()
		})
		chooser.Show()
	}))
	r.entry.addSuffix(pick)
	return r
}

var modeNames = []overrides.Mode{overrides.ModeRead, overrides.ModeReadWrite, overrides.ModeCreate}

// filesystemRows lists the usual folders plus every location some layer
// mentions.
func (v *pageView) filesystemRows(e *model.Effective) (string, []gtk.Widgetter) {
	locs := map[string]bool{}
	var order []string
	for _, p := range model.InGroup(model.GroupFilesystem) {
		locs[p.Value] = true
		order = append(order, p.Value)
	}
	var extra []string
	for loc := range e.Filesystems {
		if !locs[loc] {
			extra = append(extra, loc)
		}
	}
	if v.app == nil {
		for _, loc := range e.OwnLocations() {
			if !locs[loc] && !slices.Contains(extra, loc) {
				extra = append(extra, loc)
			}
		}
	}
	sort.Strings(extra)
	order = append(order, extra...)
	var sig strings.Builder
	var rows []gtk.Widgetter
	for _, loc := range order {
		mode, src := e.FilesystemMode(loc)
		fmt.Fprintf(&sig, "%s=%v/%v;", loc, mode, src)
		rows = append(rows, v.filesystemRow(loc, mode, src))
	}
	fmt.Fprintf(&sig, "reset=%v", e.ResetBy)
	rows = append(rows, v.resetFilesystemRow(e))
	return sig.String(), rows
}

func (v *pageView) filesystemRow(loc string, mode overrides.Mode, src model.Source) gtk.Widgetter {
	key := fmt.Sprintf("fs\x00%s\x00%v\x00%v", loc, mode, src)
	row := v.cachedRow(key, func() (gtk.Widgetter, func()) {
		return v.newFilesystemRow(key, loc, mode, src)
	})
	// The advisor marks the row shown for this location (markRows).
	ref := model.Ref{Group: model.GroupFilesystem, Name: loc}
	v.warnShown[ref] = v.warnOf[key]
	title := loc
	if p := ref.Permission(); p != nil {
		title = T(p.Title)
	}
	v.note(row, src != model.SourceDefault, title, model.FilesystemSyntax(loc, mode))
	return row
}

func (v *pageView) newFilesystemRow(cacheKey, loc string, mode overrides.Mode, src model.Source) (gtk.Widgetter, func()) {
	syncing := false
	title := loc
	key := model.Ref{Group: model.GroupFilesystem, Name: loc}
	p := key.Permission()
	if p != nil {
		title = T(p.Title)
	}
	row := newActionRow(title, model.FilesystemSyntax(loc, mode))
	row.addPrefix(provenanceIcon(src))
	warn := newWarnIcon()
	row.addSuffix(warn.img)
	v.warnOf[cacheKey] = warn
	if v.ownSource(src) {
		row.addSuffix(v.actionButton("edit-undo-symbolic", T("Reset to the default"), key, func() (model.Change, error) { return v.w.m.ResetFilesystem(v.app, loc) }))
	}
	dd := newChoice(v.cs, fmt.Sprintf(T("Access to %s"), title), T("Read-only"), T("Read-write"),
		// TRANSLATORS: folder access: read-write, and the folder is created if it is missing
		T("Create"))
	sw := gtk.NewSwitch()
	sw.SetVAlign(gtk.AlignCenter)
	// sync shows mode: the switch on unless the folder is hidden, and its
	// access in the choice (read-write while off, greyed out).
	sync := func() {
		syncing = true
		defer func() { syncing = false }()
		sw.SetActive(mode != overrides.ModeNone)
		dd.SetSensitive(mode != overrides.ModeNone)
		dd.SetSelected(1)
		for i, m := range modeNames {
			if m == mode {
				dd.SetSelected(uint(i))
			}
		}
	}
	sync()
	dd.onChanged(func() {
		if !sw.Active() {
			return
		}
		m := modeNames[dd.Selected()]
		v.queue(key, func() (model.Change, error) { return v.w.m.SetFilesystem(v.app, loc, m) })
	})
	v.cs.add(sw, sw.ConnectStateSet(func(on bool) bool {
		if syncing {
			return false
		}
		m := overrides.ModeNone
		if on {
			m = modeNames[dd.Selected()]
		}
		dd.SetSensitive(on)
		v.queue(key, func() (model.Change, error) { return v.w.m.SetFilesystem(v.app, loc, m) })
		return false
	}))
	row.addSuffix(dd)
	row.addSuffix(sw)
	row.setActivatable(sw)
	switch {
	case p != nil && !p.Supported(v.w.m.Flatpak):
		row.SetSensitive(false)
		row.SetTooltipText(fmt.Sprintf(T("Needs Flatpak %s or newer; this system has %s"), p.MinVersion, v.w.m.Flatpak))
	case v.app == nil:
		row.SetTooltipText(T("On All Applications, off writes a denial that every app inherits"))
	case p != nil:
		row.SetTooltipText(T(p.Description))
	}
	return row, sync
}

func (v *pageView) resetFilesystemRow(e *model.Effective) gtk.Widgetter {
	row := v.cachedRow(fmt.Sprintf("fsreset\x00%v", e.ResetBy), func() (gtk.Widgetter, func()) { return v.newResetFilesystemRow(e) })
	v.note(row, e.ResetBy != model.SourceDefault, T("Block the app's own folder requests"), model.ResetSyntax)
	return row
}

func (v *pageView) newResetFilesystemRow(e *model.Effective) (gtk.Widgetter, func()) {
	syncing := false
	on := v.ownSource(e.ResetBy)
	row := newActionRow(T("Block the app's own folder requests"), model.ResetSyntax)
	row.SetTooltipText(T("Drops every folder the app (and the layers below) ask for; only folders you add here stay"))
	sw := gtk.NewSwitch()
	sw.SetVAlign(gtk.AlignCenter)
	sw.SetActive(on)
	v.cs.add(sw, sw.ConnectStateSet(func(on bool) bool {
		if !syncing {
			v.queue(model.Ref{Group: model.GroupFilesystem, Name: model.ResetLocation}, func() (model.Change, error) { return v.w.m.SetFilesystemReset(v.app, on) })
		}
		return false
	}))
	row.addPrefix(provenanceIcon(e.ResetBy))
	row.addSuffix(sw)
	row.setActivatable(sw)
	return row, func() {
		syncing = true
		sw.SetActive(on)
		syncing = false
	}
}

func (v *pageView) persistentRows(e *model.Effective) (string, []gtk.Widgetter) {
	paths := slices.Sorted(maps.Keys(e.Persistent))
	var sig strings.Builder
	var rows []gtk.Widgetter
	for _, p := range paths {
		src := e.Persistent[p]
		fmt.Fprintf(&sig, "%s/%v;", p, src)
		row := v.cachedRow(fmt.Sprintf("persist\x00%s\x00%v", p, src), func() (gtk.Widgetter, func()) { return v.persistentRow(p, src), nil })
		v.note(row, true, "~/"+p, model.PersistentSyntax(p))
		rows = append(rows, row)
	}
	return sig.String(), rows
}

func (v *pageView) persistentRow(p string, src model.Source) gtk.Widgetter {
	row := newActionRow("~/"+p, model.PersistentSyntax(p))
	row.addPrefix(provenanceIcon(src))
	if v.ownSource(src) {
		row.addSuffix(v.actionButton("user-trash-symbolic", T("Remove"), model.Ref{Group: model.GroupPersistent, Name: p}, func() (model.Change, error) { return v.w.m.RemovePersistent(v.app, p) }))
	} else {
		row.SetTooltipText(T("Persistent folders add up: one the app asks for cannot be removed, and it only holds the app's own data"))
	}
	return row
}

func (v *pageView) envRows(e *model.Effective) (string, []gtk.Widgetter) {
	names := slices.Sorted(maps.Keys(e.Env))
	var sig strings.Builder
	var rows []gtk.Widgetter
	for _, n := range names {
		s := e.Env[n]
		k := fmt.Sprintf("%s=%q/%v/%v;", n, s.Value, s.Unset, s.Source)
		sig.WriteString(k)
		row := v.cachedRow("env\x00"+k, func() (gtk.Widgetter, func()) { return v.envRow(n, s), nil })
		v.note(row, true, model.EnvSyntax(n, s.Value))
		rows = append(rows, row)
	}
	return sig.String(), rows
}

func (v *pageView) envRow(n string, s model.EnvState) gtk.Widgetter {
	sub := model.EnvSyntax(n, s.Value)
	if s.Unset {
		sub = T("removed from the environment")
	}
	row := newActionRow(n, sub)
	row.addPrefix(provenanceIcon(s.Source))
	key := model.Ref{Group: model.GroupEnvironment, Name: n}
	if !s.Unset {
		row.addSuffix(v.actionButton("list-remove-symbolic", T("Remove from the app's environment"), key, func() (model.Change, error) { return v.w.m.UnsetEnv(v.app, n) }))
	}
	if v.ownSource(s.Source) {
		row.addSuffix(v.actionButton("edit-undo-symbolic", T("Reset to the default"), key, func() (model.Change, error) { return v.w.m.ResetEnv(v.app, n) }))
	}
	return row
}

var policyChoices = []overrides.BusPolicy{overrides.PolicyNone, overrides.PolicySee, overrides.PolicyTalk, overrides.PolicyOwn}

func (v *pageView) busRows(b overrides.Bus, e *model.Effective) (string, []gtk.Widgetter) {
	states := e.Bus(b)
	names := slices.Sorted(maps.Keys(states))
	var sig strings.Builder
	var rows []gtk.Widgetter
	for _, n := range names {
		s := states[n]
		k := fmt.Sprintf("%s=%v/%v;", n, s.Policy, s.Source)
		sig.WriteString(k)
		row := v.cachedRow("bus\x00"+b.String()+"\x00"+k, func() (gtk.Widgetter, func()) { return v.busRow(b, n, s) })
		v.note(row, true, n+"="+s.Policy.String())
		rows = append(rows, row)
	}
	return sig.String(), rows
}

func (v *pageView) busRow(b overrides.Bus, n string, s model.BusState) (gtk.Widgetter, func()) {
	row := newActionRow(n, T(s.Source.Describe()))
	row.addPrefix(provenanceIcon(s.Source))
	key := model.Ref{Group: model.BusGroup(b), Name: n}
	if v.ownSource(s.Source) {
		row.addSuffix(v.actionButton("edit-undo-symbolic", T("Reset to the default"), key, func() (model.Change, error) { return v.w.m.ResetBus(v.app, b, n) }))
	}
	dd := newChoice(v.cs, n,
		// TRANSLATORS: D-Bus policy for a bus name: the app cannot reach it
		T("None"),
		// TRANSLATORS: D-Bus policy for a bus name: the app may see that it exists
		T("See"),
		// TRANSLATORS: D-Bus policy for a bus name: the app may call it
		T("Talk"),
		// TRANSLATORS: D-Bus policy for a bus name: the app may take the name itself
		T("Own"))
	dd.SetSelected(uint(s.Policy))
	dd.onChanged(func() {
		p := policyChoices[dd.Selected()]
		v.queue(key, func() (model.Change, error) { return v.w.m.SetBus(v.app, b, n, p) })
	})
	row.addSuffix(dd)
	return row, func() { dd.SetSelected(uint(s.Policy)) }
}

// USB device rules (Flatpak 1.16 and later): what the app may find through
// the USB portal, and what is hidden from it, in words.

func (v *pageView) addUSBEntryRow() *addRow {
	r := v.newAddRow(T("Add a device rule, e.g. vnd:091e or cls:03:* (a leading ! hides it)"), func(s string) error {
		_, _, err := model.ParseUSBRule(s)
		return err
	}, explainUSB, func(s string) {
		q, hidden, _ := model.ParseUSBRule(s)
		v.queue(model.Ref{Group: model.GroupUSB, Name: model.USBSyntax(q, hidden)}, func() (model.Change, error) { return v.w.m.AddUSB(v.app, q, hidden) })
	})
	if !v.w.m.Dialect.USB {
		r.entry.SetSensitive(false)
		r.entry.SetTooltipText(fmt.Sprintf(T("Needs Flatpak %s or newer; this system has %s"), "1.16.0", v.w.m.Flatpak))
	}
	return r
}

func (v *pageView) usbRows(e *model.Effective) (string, []gtk.Widgetter) {
	var sig strings.Builder
	var rows []gtk.Widgetter
	for _, list := range []struct {
		m      map[string]model.USBState
		hidden bool
	}{{e.USBEnumerable, false}, {e.USBHidden, true}} {
		for _, k := range slices.Sorted(maps.Keys(list.m)) {
			s := list.m[k]
			key := fmt.Sprintf("usb\x00%s\x00%v\x00%v", k, list.hidden, s.Source)
			sig.WriteString(key + ";")
			row := v.cachedRow(key, func() (gtk.Widgetter, func()) { return v.usbRow(s, list.hidden), nil })
			format, args := v.w.m.USBNames().Describe(s.Query)
			v.note(row, true, fmt.Sprintf(T(format), args...), model.USBSyntax(s.Query, list.hidden))
			rows = append(rows, row)
		}
	}
	// What the USB portal decided for the app, from the permission store.
	psig, prows := v.usbPortalRows()
	sig.WriteString(psig)
	return sig.String(), append(rows, prows...)
}

func (v *pageView) usbRow(s model.USBState, hidden bool) gtk.Widgetter {
	format, args := v.w.m.USBNames().Describe(s.Query)
	row := newActionRow(fmt.Sprintf(T(format), args...), model.USBSyntax(s.Query, hidden))
	row.addPrefix(provenanceIcon(s.Source))
	if hidden {
		// TRANSLATORS: a tag on a USB device rule: the device is hidden from the app
		tag := gtk.NewLabel(T("Hidden"))
		tag.AddCSSClass("tag")
		tag.SetVAlign(gtk.AlignCenter)
		tag.SetTooltipText(T("The USB portal never offers these devices to the app"))
		row.addSuffix(tag)
	}
	if v.ownSource(s.Source) {
		q := s.Query
		row.addSuffix(v.actionButton("user-trash-symbolic", T("Remove"), model.Ref{Group: model.GroupUSB, Name: model.USBSyntax(q, hidden)},
			func() (model.Change, error) { return v.w.m.RemoveUSB(v.app, q, hidden) }))
	} else {
		row.SetTooltipText(T("Device rules add up: one the app or the administrator gives cannot be removed here, only hidden"))
	}
	return row
}
