package ui

import (
	"context"
	"maps"
	"slices"

	"github.com/diamondburned/gotk4/pkg/gio/v2"
	"github.com/diamondburned/gotk4/pkg/glib/v2"
)

// watcher follows the folders whose changes the window shows.
type watcher struct {
	monitors  []gio.FileMonitorrer
	reloadTmr glib.SourceHandle // coalesces a burst of events
}

// watch follows the override folders and the installations' app folders,
// so changes made by `flatpak override` or `flatpak install` show up.
func (w *Window) watch() {
	overrideDirs, appDirs := w.m.WatchDirs()
	dirs := map[string]bool{}
	for _, d := range overrideDirs {
		dirs[d] = false
	}
	for _, d := range appDirs {
		dirs[d] = true
	}
	for _, d := range slices.Sorted(maps.Keys(dirs)) {
		apps := dirs[d]
		mon, err := gio.NewFileForPath(d).MonitorDirectory(context.Background(), gio.FileMonitorWatchMoves)
		if err != nil {
			continue
		}
		gio.BaseFileMonitor(mon).ConnectChanged(func(_, _ gio.Filer, ev gio.FileMonitorEvent) {
			if ev == gio.FileMonitorEventAttributeChanged {
				return
			}
			w.scheduleReload(apps)
		})
		w.watcher.monitors = append(w.watcher.monitors, mon)
	}
}

// scheduleReload coalesces bursts of file events (a rename is several).
func (w *Window) scheduleReload(apps bool) {
	if w.watcher.reloadTmr != 0 {
		glib.SourceRemove(w.watcher.reloadTmr)
	}
	w.watcher.reloadTmr = glib.TimeoutAdd(150, func() bool {
		w.watcher.reloadTmr = 0
		if apps {
			w.reloadApps()
		} else {
			w.refresh()
		}
		return false
	})
}

// reloadApps re-reads installations after apps were installed or removed,
// keeping the shown page.
func (w *Window) reloadApps() {
	w.flush()
	keep := ""
	if w.current != nil && w.current.app != nil {
		keep = w.current.app.ID
	}
	w.current = nil
	w.pages.shown = nil
	w.teardown()
	w.load()
	w.updateRatings(nil)
	if keep != "" {
		w.ShowApp(keep)
	} else {
		w.selectRow(w.rows[0])
	}
}
