package portals

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/confine-app/confine/model"
)

// Snapshot is an app's stored portal values, for undo and export.
type Snapshot map[string][]string // "table/id" → value

// Reset removes every portal answer of an app (the permission rows, not
// the saved sessions) and returns what it held.
func (pm *Manager) Reset(appID string) (Snapshot, error) {
	snap := Snapshot{}
	if pm.Err != nil {
		return snap, nil
	}
	for _, st := range pm.Status(appID) {
		if st.State == Unsupported || st.Raw == nil {
			continue
		}
		snap[st.Perm.Key+"/"+st.Perm.Value] = st.Raw
		if err := pm.Unset(appID, st.Perm); err != nil {
			return snap, err
		}
	}
	return snap, nil
}

// CheckSnapshot says why a snapshot cannot be restored here, before
// anything is written: a key Confine does not know, or a table the
// desktop does not have.
func (pm *Manager) CheckSnapshot(snap Snapshot) error {
	if pm.Err != nil {
		return pm.Err
	}
	for _, k := range slices.Sorted(maps.Keys(snap)) {
		table, id, _ := strings.Cut(k, "/")
		if err := CheckKey(table, id, snap[k]); err != nil {
			return err
		}
		ok, err := pm.TableExists(table)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%s: %w", k, errNoTable(table))
		}
	}
	return nil
}

// Restore puts a snapshot back (undo of Reset, import). Every key is
// checked first; nothing is written when one cannot be restored.
func (pm *Manager) Restore(appID string, snap Snapshot) error {
	if err := pm.CheckSnapshot(snap); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(snap)) {
		table, id, _ := strings.Cut(k, "/")
		if err := pm.write(table, id, appID, snap[k]); err != nil {
			return err
		}
	}
	return nil
}

// Export is an app's stored answers: the permission rows, its Open With
// choices and its USB portal decisions (not the saved sessions, whose
// data only the desktop it was saved on can use).
func (pm *Manager) Export(appID string) (Snapshot, error) {
	snap := Snapshot{}
	if pm.Err != nil {
		return snap, pm.Err
	}
	for _, st := range pm.Status(appID) {
		if st.State == Unsupported {
			return snap, errors.New(st.WhyText(model.English))
		}
		if st.Raw != nil {
			snap[st.Perm.Key+"/"+st.Perm.Value] = st.Raw
		}
	}
	ow, err := pm.OpenWith(appID)
	if err != nil {
		return snap, err
	}
	for _, o := range ow {
		snap[OpenWithTable+"/"+o.ContentType] = o.Raw
	}
	devs, err := pm.USBDecisions(appID)
	if err != nil {
		return snap, err
	}
	for _, d := range devs {
		snap[USBTable+"/"+d.ID] = d.Raw
	}
	return snap, nil
}

// CheckKey says why a "table/id" with a value is not one Confine
// restores (import, undo): an unknown table or one of saved sessions, an
// ID that table does not have, or a value the store cannot hold. Any
// value the store holds under a key Export writes is restored as it is,
// even one the portal reads in its own way (Open With choices of two
// strings, as older portals wrote them, or of one, which it ignores; an
// inhibit flag it does not know): an export restores exactly what it
// read.
func CheckKey(table, id string, value []string) error {
	key := table + "/" + id
	if !KnownTable(table) {
		return fmt.Errorf("unknown portal permission %q", key)
	}
	if table == DocumentsTable {
		return fmt.Errorf("portal permission %q: files given to apps are not restored from a file (each stands for a file of the computer it was given on)", key)
	}
	if SavedSessionTableOf(table).Table != "" {
		return fmt.Errorf("portal permission %q: saved sessions are not restored from a file", key)
	}
	if len(value) == 0 {
		return fmt.Errorf("portal permission %q: the value is empty, which the store keeps as nothing stored; leave the entry out", key)
	}
	for _, v := range value {
		if strings.ContainsRune(v, 0) {
			return fmt.Errorf("portal permission %q: a string holds a NUL character, which the store cannot keep", key)
		}
	}
	switch table {
	case OpenWithTable:
		// Any content type the store has an entry for.
		if id == "" || strings.ContainsRune(id, 0) {
			return fmt.Errorf("portal permission %q: no content type", key)
		}
		return nil
	case USBTable:
		if strings.HasPrefix(id, "usb:") && !strings.ContainsRune(id, 0) {
			return nil
		}
	}
	for _, p := range Permissions() {
		if p.Key == table && p.Value == id {
			return nil
		}
	}
	return fmt.Errorf("unknown portal permission %q", key)
}
