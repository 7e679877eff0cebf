package hostile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/permstore"
)

// Hostile entries in the document portal's table (the real store on a
// private bus, no document portal running): a file's name is whatever the
// person who named it, or the app that saved it, chose; the table is a
// file anyone with the user's rights could have written.
func TestDocumentsHostileEntries(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	store := permstore.New(bus.Conn)
	app := plainApp.ID
	data := func(path string, flags uint32) dbus.Variant {
		return dbus.MakeVariant(struct {
			Path       []byte
			Dev, Inode uint64
			Flags      uint32
		}{append([]byte(path), 0), 2049, 4242, flags})
	}
	for _, e := range []struct {
		id    string
		perms []string
		data  dbus.Variant
	}{
		{"a1", []string{"read", "write"}, data("/home/u/"+hostileText+".pdf", 0)},
		{"a2", []string{"read"}, data("/home/u/not-utf8-\xff\xfe/\n\u202e.txt", 4)},
		{"a3", []string{"read", hostileText}, data("/home/u/odd-permission.txt", 0)},
		{"a4", []string{"read"}, dbus.MakeVariant(hostileText)}, // not the portal's layout
		{"a5", []string{"write"}, data("", 0)},
	} {
		if err := store.Set("documents", true, e.id, map[string][]string{app: e.perms, "org." + "hostile.Other": {"read"}}, e.data); err != nil {
			t.Fatal(err)
		}
	}
	w := newWorld(t)
	w.installDemo(t, plainApp)
	w.vars["DBUS_SESSION_BUS_ADDRESS"] = bus.Address
	r := w.confine(t, "files", app)
	mustContain(t, "files", r.stdout, `Evil\x1B[2J`, `\xFF\xFE`, "odd-permission.txt")
	r = w.confine(t, "files", app, "--json")
	var docs struct {
		Documents []struct {
			Path       string `json:"path"`
			PathBase64 string `json:"path_base64"`
		} `json:"documents"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &docs); err != nil || len(docs.Documents) != 5 {
		t.Fatalf("files --json: %v\n%s", err, r)
	}
	for _, d := range docs.Documents {
		if strings.Contains(d.Path, "not-utf8") && d.PathBase64 == "" {
			t.Errorf("a path that is not UTF-8 is not kept byte for byte: %+v", d)
		}
	}
	w.confine(t, "files")
	w.confine(t, "show", app)
	w.confine(t, "files", "revoke", app, hostileText)
	w.confine(t, "files", "revoke", app, "/home/u/"+hostileText+".pdf")
	w.confine(t, "undo")
	// Revoke them all and undo: the table as it was, odd values included.
	before, _ := store.Lookup("documents", "a3")
	r = w.confine(t, "files", "revoke", app, "--all", "--json")
	var rev struct{ Undo string }
	json.Unmarshal([]byte(r.stdout), &rev)
	if r.code != 0 || rev.Undo == "" {
		t.Fatalf("revoke --all: %s", r)
	}
	if r := w.confine(t, "undo", rev.Undo); r.code != 0 {
		t.Fatalf("undo: %s", r)
	}
	if after, _ := store.Lookup("documents", "a3"); strings.Join(after[app], "|") != strings.Join(before[app], "|") {
		t.Errorf("a3: %q after Undo, %q before", after[app], before[app])
	}
}

// Hostile undo records: a FIFO, a link, junk, a huge or deep file, names
// that try to leave the folder. Each ends in time with a message.
func TestUndoHostileRecords(t *testing.T) {
	w := newWorld(t)
	dir := filepath.Join(w.root, "state", "confine", "undo")
	os.MkdirAll(dir, 0o700)
	if err := syscall.Mkfifo(filepath.Join(dir, "20260101-000000-fifo.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Symlink("/dev/zero", filepath.Join(dir, "20260101-000000-zero.json"))
	os.WriteFile(filepath.Join(dir, "20260101-000000-junk.json"), []byte(hostileText), 0o600)
	os.WriteFile(filepath.Join(dir, "20260101-000000-deep.json"), []byte(strings.Repeat("[", 100000)), 0o600)
	what, _ := json.Marshal(map[string]any{"format": "confine-undo", "version": 1, "name": "x", "app": "org.a.App", "what": hostileText})
	os.WriteFile(filepath.Join(dir, "20260101-000000-what.json"), what, 0o600)
	r := w.confine(t, "undo")
	mustContain(t, "undo", r.stdout, `Evil\x1B[2J`)
	for _, name := range []string{"20260101-000000-fifo", "20260101-000000-zero", "20260101-000000-junk", "20260101-000000-deep", "20260101-000000-what", "../../../etc/passwd", hostileText} {
		if r := w.confine(t, "undo", name); r.code == 0 {
			t.Errorf("undo %q succeeded: %s", name, r)
		}
	}
}
