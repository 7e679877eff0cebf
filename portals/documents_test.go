package portals_test

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/permstore"
	"github.com/confine-app/confine/portals"
)

// Against the real xdg-document-portal (FUSE mounted) and
// xdg-permission-store on a private bus, with files given to apps the way
// the file chooser gives them.

const (
	docApp   = "org.gnome.Papers"
	otherApp = "org.libreoffice.LibreOffice"
)

var (
	readWrite = []string{"read", "write", "grant-permissions"}
	readOnly  = []string{"read", "grant-permissions"}
)

// givenFiles is a home with files given to apps: three files to docApp
// (one of them deleted since), a folder to docApp, and one of the files to
// otherApp too.
type givenFiles struct {
	bus                         *portaltest.Bus
	dp                          *portaltest.DocumentPortal
	store                       *permstore.Store
	report, notes, gone, photos string
	reportID, notesID, goneID   string
	photosID                    string
	storedBefore                map[string][]string // document ID → docApp's value in the store
}

func giveFiles(t *testing.T) *givenFiles {
	t.Helper()
	g := &givenFiles{bus: portaltest.NewBus(t, true)}
	g.store = permstore.New(g.bus.Conn)
	g.dp = g.bus.StartDocumentPortal(t)
	home := t.TempDir()
	g.report = filepath.Join(home, "Documents", "Quarterly report.pdf")
	g.notes = filepath.Join(home, "Documents", "notes.txt")
	g.gone = filepath.Join(home, "Downloads", "old-invoice.pdf")
	g.photos = filepath.Join(home, "Pictures", "Holiday 2026")
	for _, p := range []string{g.report, g.notes, g.gone} {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("content of "+filepath.Base(p)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(g.photos, 0o755)
	os.WriteFile(filepath.Join(g.photos, "beach.jpg"), []byte("jpg"), 0o644)
	ids := g.dp.Give(t, docApp, readWrite, false, g.report, g.gone)
	g.reportID, g.goneID = ids[0], ids[1]
	g.notesID = g.dp.Give(t, docApp, readOnly, false, g.notes)[0]
	g.photosID = g.dp.Give(t, docApp, readWrite, true, g.photos)[0]
	// The same report, given to another app: the same document.
	if id := g.dp.Give(t, otherApp, readOnly, false, g.report)[0]; id != g.reportID {
		t.Fatalf("the report is %s for one app and %s for the other", g.reportID, id)
	}
	if err := os.Remove(g.gone); err != nil {
		t.Fatal(err)
	}
	g.storedBefore = g.storedValues(t)
	return g
}

// storedValues is docApp's value in the store for each document.
func (g *givenFiles) storedValues(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, id := range []string{g.reportID, g.notesID, g.goneID, g.photosID} {
		// The portal writes the store without waiting for it.
		var v []string
		for deadline := time.Now().Add(3 * time.Second); ; {
			var err error
			if v, err = g.store.GetPermission(portals.DocumentsTable, id, docApp); err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		out[id] = v
	}
	return out
}

// view is the set of document IDs docApp sees in its own view.
func (g *givenFiles) view(t *testing.T) []string {
	t.Helper()
	return slices.Sorted(maps.Keys(g.dp.AppView(t, docApp)))
}

func TestDocumentsListsWhatTheAppWasGiven(t *testing.T) {
	g := giveFiles(t)
	pm := portals.NewFor(g.store)
	docs, err := pm.Documents(docApp)
	if err != nil {
		t.Fatal(err)
	}
	if !docs.Live || docs.Why != "" {
		t.Fatalf("not read from the running portal: %+v", docs)
	}
	byID := map[string]portals.Document{}
	for _, d := range docs.Docs {
		byID[d.ID] = d
	}
	if len(byID) != 4 {
		t.Fatalf("documents %+v", docs.Docs)
	}
	want := []struct {
		id, path      string
		perms         []string
		folder        bool
		exists        portals.Existence
		modes, others string
	}{
		{g.reportID, g.report, readWrite, false, portals.ExistsYes, "read and write, give to other apps", otherApp},
		{g.notesID, g.notes, readOnly, false, portals.ExistsYes, "read, give to other apps", ""},
		{g.goneID, g.gone, readWrite, false, portals.ExistsNo, "read and write, give to other apps", ""},
		{g.photosID, g.photos, readWrite, true, portals.ExistsYes, "read and write, give to other apps", ""},
	}
	for _, w := range want {
		d := byID[w.id]
		if d.Path != w.path || !slices.Equal(d.Perms, w.perms) || d.Folder != w.folder || d.Exists != w.exists || d.Session ||
			d.Modes(model.English) != w.modes || strings.Join(d.Others, ",") != w.others {
			t.Errorf("%s: got %+v (modes %q), want %+v", filepath.Base(w.path), d, d.Modes(model.English), w)
		}
	}
	if s := byID[g.goneID].State(model.English); !strings.Contains(s, "No longer there: the file was moved or deleted") {
		t.Errorf("deleted file's state %q", s)
	}
	// The app's own view holds the same four documents.
	if got, want := g.view(t), slices.Sorted(maps.Keys(byID)); !slices.Equal(got, want) {
		t.Errorf("the app sees %v, Confine lists %v", got, want)
	}
	totals, err := pm.DocumentCounts()
	if err != nil || !totals.Live {
		t.Fatal(err, totals)
	}
	counts := totals.Apps
	if c := counts[docApp]; c.Files != 4 || c.Writable != 3 {
		t.Errorf("%s holds %+v", docApp, c)
	}
	if c := counts[otherApp]; c.Files != 1 || c.Writable != 0 {
		t.Errorf("%s holds %+v", otherApp, c)
	}
	// Another app's list is its own.
	other, err := pm.Documents(otherApp)
	if err != nil || len(other.Docs) != 1 || other.Docs[0].ID != g.reportID || strings.Join(other.Docs[0].Others, ",") != docApp {
		t.Errorf("%s: %+v %v", otherApp, other, err)
	}
}

func TestDocumentRevokeAndUndo(t *testing.T) {
	g := giveFiles(t)
	pm := portals.NewFor(g.store)
	all := g.view(t)
	if len(all) != 4 {
		t.Fatalf("the app sees %v", all)
	}
	rev, err := pm.RevokeDocuments(docApp, []string{g.reportID})
	if err != nil {
		t.Fatal(err)
	}
	if rev.Deferred || rev.Count() != 1 {
		t.Fatalf("revoked %+v", rev)
	}
	// The app's view loses the file at once; the other app keeps it.
	if got := g.view(t); slices.Contains(got, g.reportID) || len(got) != len(all)-1 {
		t.Errorf("after revoking, the app sees %v", got)
	}
	if _, ok := g.dp.AppView(t, otherApp)[g.reportID]; !ok {
		t.Errorf("%s lost the report too", otherApp)
	}
	docs, _ := pm.Documents(docApp)
	for _, d := range docs.Docs {
		if d.ID == g.reportID {
			t.Errorf("still listed: %+v", d)
		}
	}
	// Undo: the view has it again, readable, and the store holds exactly
	// what it held.
	if err := pm.RestoreDocuments(rev); err != nil {
		t.Fatal(err)
	}
	if got := g.view(t); !slices.Equal(got, all) {
		t.Errorf("after Undo, the app sees %v, want %v", got, all)
	}
	data, err := os.ReadFile(filepath.Join(g.dp.MountPoint, "by-app", docApp, g.reportID, filepath.Base(g.report)))
	if err != nil || string(data) != "content of Quarterly report.pdf" {
		t.Errorf("the app reads %q, %v", data, err)
	}
	if got := g.storedValues(t); !maps.EqualFunc(got, g.storedBefore, slices.Equal) {
		t.Errorf("store after Undo %v, before %v", got, g.storedBefore)
	}

	// All of them at once, and back.
	rev, err = pm.RevokeAllDocuments(docApp)
	if err != nil || rev.Count() != 4 {
		t.Fatalf("%+v %v", rev, err)
	}
	if got := g.view(t); len(got) != 0 {
		t.Errorf("after revoking all, the app sees %v", got)
	}
	if totals, err := pm.DocumentCounts(); err != nil || totals.Apps[docApp].Files != 0 || totals.Apps[otherApp].Files != 1 {
		t.Errorf("counts %+v %v", totals, err)
	}
	if err := pm.RestoreDocuments(rev); err != nil {
		t.Fatal(err)
	}
	if got := g.view(t); !slices.Equal(got, all) {
		t.Errorf("after Undo, the app sees %v, want %v", got, all)
	}
	if got := g.storedValues(t); !maps.EqualFunc(got, g.storedBefore, slices.Equal) {
		t.Errorf("store after Undo %v, before %v", got, g.storedBefore)
	}

	// A document that is not the app's is refused, and nothing changes.
	other, err := pm.Documents(otherApp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pm.RevokeDocuments(otherApp, []string{g.reportID, g.photosID}); !errors.Is(err, portals.ErrNoSuchDocument) {
		t.Errorf("revoking another app's document: %v", err)
	}
	if again, _ := pm.Documents(otherApp); len(again.Docs) != len(other.Docs) {
		t.Errorf("a refused revocation changed %s's documents", otherApp)
	}
}

// Where the portal does not answer (not running; from Confine's Flatpak it
// refuses), the store's table is read and written: the change reaches the
// app when the document portal next starts, and Undo puts the table back
// exactly.
func TestDocumentsThroughTheStoreTable(t *testing.T) {
	g := giveFiles(t)
	all := g.view(t)
	g.dp.Stop()
	pm := portals.NewFor(g.store)
	docs, err := pm.Documents(docApp)
	if err != nil {
		t.Fatal(err)
	}
	if docs.Live || !strings.Contains(docs.Why, "document portal is not running") || len(docs.Docs) != 4 {
		t.Fatalf("from the table: %+v", docs)
	}
	for _, d := range docs.Docs {
		if d.ID == g.photosID && !d.Folder || d.ID == g.goneID && d.Exists != portals.ExistsNo || d.ID == g.notesID && !slices.Equal(d.Perms, readOnly) {
			t.Errorf("from the table: %+v", d)
		}
	}
	rev, err := pm.RevokeDocuments(docApp, []string{g.notesID})
	if err != nil {
		t.Fatal(err)
	}
	if !rev.Deferred || rev.DeferredText() == "" {
		t.Errorf("not said to be deferred: %+v", rev)
	}
	if v, _ := g.store.GetPermission(portals.DocumentsTable, g.notesID, docApp); len(v) != 0 {
		t.Errorf("store still gives %v", v)
	}
	// The portal, started again, reads the table: the app no longer sees
	// the file.
	g.dp = g.bus.StartDocumentPortal(t)
	if got := g.view(t); slices.Contains(got, g.notesID) || len(got) != len(all)-1 {
		t.Errorf("after a restart, the app sees %v", got)
	}
	g.dp.Stop()
	if err := pm.RestoreDocuments(rev); err != nil {
		t.Fatal(err)
	}
	if got := g.storedValues(t); !maps.EqualFunc(got, g.storedBefore, slices.Equal) {
		t.Errorf("store after Undo %v, before %v", got, g.storedBefore)
	}
	g.dp = g.bus.StartDocumentPortal(t)
	if got := g.view(t); !slices.Equal(got, all) {
		t.Errorf("after Undo and a restart, the app sees %v, want %v", got, all)
	}
}

// The order is newest first, by when Confine first saw each file: the
// files held at the first look are older than that look, one given later
// comes first.
func TestDocumentsNewestFirst(t *testing.T) {
	g := giveFiles(t)
	pm := portals.NewFor(g.store)
	pm.StateDir = t.TempDir()
	first, err := pm.Documents(docApp)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range first.Docs {
		if !d.SeenAtFirstLook || d.Seen.IsZero() || !strings.Contains(d.State(model.English), "Held since before") {
			t.Errorf("first look: %+v", d)
		}
	}
	time.Sleep(1100 * time.Millisecond) // times are kept to the second
	later := filepath.Join(filepath.Dir(g.notes), "later.txt")
	os.WriteFile(later, []byte("x"), 0o644)
	id := g.dp.Give(t, docApp, readOnly, false, later)[0]
	docs, err := pm.Documents(docApp)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs.Docs) != 5 || docs.Docs[0].ID != id || docs.Docs[0].SeenAtFirstLook || !strings.Contains(docs.Docs[0].State(model.English), "Given around") {
		t.Errorf("newest first: %+v", docs.Docs)
	}
	// Without a state folder nothing is remembered, nothing written.
	pm.StateDir = ""
	if docs, _ := pm.Documents(docApp); !docs.Docs[0].Seen.IsZero() {
		t.Errorf("times without a state folder: %+v", docs.Docs[0])
	}
}

// A file saved through a save dialog is given before it exists (the
// chooser calls AddNamedFull on its folder); once the app writes it
// through its view, it is there.
func TestDocumentSavedThroughASaveDialog(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	store := permstore.New(bus.Conn)
	dp := bus.StartDocumentPortal(t)
	dir := t.TempDir()
	id := dp.GiveNew(t, docApp, readWrite, dir, "draft.odt")
	pm := portals.NewFor(store)
	docs, err := pm.Documents(docApp)
	if err != nil || len(docs.Docs) != 1 || docs.Docs[0].ID != id || docs.Docs[0].Path != filepath.Join(dir, "draft.odt") || docs.Docs[0].Exists != portals.ExistsNo {
		t.Fatalf("before saving: %+v %v", docs, err)
	}
	if err := os.WriteFile(filepath.Join(dp.MountPoint, "by-app", docApp, id, "draft.odt"), []byte("saved"), 0o644); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "draft.odt")); err != nil || string(data) != "saved" {
		t.Fatalf("on the host: %q %v", data, err)
	}
	if docs, _ := pm.Documents(docApp); docs.Docs[0].Exists != portals.ExistsYes || !docs.Docs[0].Writable() {
		t.Errorf("after saving: %+v", docs.Docs[0])
	}
}
