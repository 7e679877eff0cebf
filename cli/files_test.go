package cli_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-app/confine/cli"
	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/permstore"
	"github.com/confine-app/confine/portals"
)

const papers = "org.gnome.Papers"

// docWorld is the real document portal with three files and a folder
// given to an app the way the file chooser gives them, one of the files
// deleted since, and Confine's environment on its bus.
type docWorld struct {
	bus    *portaltest.Bus
	dp     *portaltest.DocumentPortal
	store  *permstore.Store
	env    []string
	home   string
	ids    map[string]string // base name → document ID
	stored map[string][]string
}

func newDocWorld(t *testing.T) *docWorld {
	t.Helper()
	w := &docWorld{bus: portaltest.NewBus(t, true), ids: map[string]string{}}
	w.store = permstore.New(w.bus.Conn)
	w.dp = w.bus.StartDocumentPortal(t)
	w.home = t.TempDir()
	files := map[string][]string{
		"Documents/Quarterly report.pdf": {"read", "write", "grant-permissions"},
		"Documents/notes.txt":            {"read", "grant-permissions"},
		"Downloads/old-invoice.pdf":      {"read", "write", "grant-permissions"},
	}
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		p := filepath.Join(w.home, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(rel), 0o644)
		w.ids[filepath.Base(p)] = w.dp.Give(t, papers, files[rel], false, p)[0]
	}
	photos := filepath.Join(w.home, "Pictures", "Holiday")
	os.MkdirAll(photos, 0o755)
	w.ids["Holiday"] = w.dp.Give(t, papers, []string{"read", "write", "grant-permissions"}, true, photos)[0]
	os.Remove(filepath.Join(w.home, "Downloads/old-invoice.pdf"))
	w.env = append(demo(t), "DBUS_SESSION_BUS_ADDRESS="+w.bus.Address)
	w.stored = w.storeValues(t)
	return w
}

func (w *docWorld) storeValues(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for name, id := range w.ids {
		v, err := w.store.GetPermission(portals.DocumentsTable, id, papers)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = v
	}
	return out
}

func (w *docWorld) view(t *testing.T) []string {
	return slices.Sorted(maps.Keys(w.dp.AppView(t, papers)))
}

func TestDocumentsCommandLine(t *testing.T) {
	w := newDocWorld(t)
	all := w.view(t)
	if len(all) != 4 {
		t.Fatalf("the app sees %v", all)
	}
	r := confine(t, w.env, "files", papers, "--json")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	var docs cli.ShowDocuments
	if err := json.Unmarshal([]byte(r.stdout), &docs); err != nil {
		t.Fatal(err)
	}
	got := map[string]cli.ShowDocument{}
	for _, d := range docs.Documents {
		got[filepath.Base(d.Path)] = d
	}
	if !docs.Live || len(got) != 4 || got["notes.txt"].May != "read, give to other apps" || got["notes.txt"].Write ||
		!got["Holiday"].Folder || got["old-invoice.pdf"].Exists == nil || *got["old-invoice.pdf"].Exists || !*got["notes.txt"].Exists ||
		got["Quarterly report.pdf"].Seen == "" || !got["Quarterly report.pdf"].SeenAtFirstLook {
		t.Fatalf("documents %+v", docs)
	}
	r = confine(t, w.env, "files", papers)
	for _, want := range []string{"Quarterly report.pdf", "read and write, give to other apps", "no longer there", "Holiday/", "held since before"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("documents lacks %q:\n%s", want, r.stdout)
		}
	}
	r = confine(t, w.env, "files", "--json")
	var counts cli.DocumentCounts
	if err := json.Unmarshal([]byte(r.stdout), &counts); err != nil || len(counts.Apps) != 1 || counts.Apps[0] != (cli.DocumentCount{App: papers, Files: 4, Writable: 3}) {
		t.Fatalf("counts %s %v", r.stdout, err)
	}

	// Revoke one by its name: the app's own view loses it; Undo gives
	// it back, and the store holds exactly what it held.
	r = confine(t, w.env, "files", "revoke", papers, "Quarterly report.pdf")
	if r.code != 0 || !strings.Contains(r.stdout, "Undo: confine undo ") {
		t.Fatalf("revoke: %+v", r)
	}
	name := strings.TrimSpace(r.stdout[strings.Index(r.stdout, "confine undo ")+len("confine undo "):])
	if v := w.view(t); slices.Contains(v, w.ids["Quarterly report.pdf"]) || len(v) != 3 {
		t.Errorf("after revoking, the app sees %v", v)
	}
	if l := confine(t, w.env, "undo"); !strings.Contains(l.stdout, name) || !strings.Contains(l.stdout, "Quarterly report.pdf was taken from "+papers) {
		t.Errorf("undo list: %+v", l)
	}
	if u := confine(t, w.env, "undo", name); u.code != 0 || !strings.Contains(u.stdout, "Undone") {
		t.Fatalf("undo: %+v", u)
	}
	if v := w.view(t); !slices.Equal(v, all) {
		t.Errorf("after Undo, the app sees %v, want %v", v, all)
	}
	if got := w.storeValues(t); !maps.EqualFunc(got, w.stored, slices.Equal) {
		t.Errorf("store %v, before %v", got, w.stored)
	}
	if again := confine(t, w.env, "undo", name); again.code != 1 || !strings.Contains(again.stderr, "no undo record") {
		t.Errorf("undo twice: %+v", again)
	}

	// By path (relative to the current folder), and --all with --json.
	wd, _ := os.Getwd()
	rel, _ := filepath.Rel(wd, filepath.Join(w.home, "Documents", "notes.txt"))
	if r := confine(t, w.env, "files", "revoke", papers, rel); r.code != 0 || slices.Contains(w.view(t), w.ids["notes.txt"]) {
		t.Errorf("by path: %+v, the app sees %v", r, w.view(t))
	}
	r = confine(t, w.env, "files", "revoke", papers, "--all", "--json")
	var rev cli.DocumentsRevoked
	if err := json.Unmarshal([]byte(r.stdout), &rev); err != nil || r.code != 0 || len(rev.Documents) != 3 || rev.Deferred || rev.Undo == "" {
		t.Fatalf("--all: %+v %v", r, err)
	}
	if v := w.view(t); len(v) != 0 {
		t.Errorf("after --all, the app sees %v", v)
	}
	// Undo in reverse order: everything is back, exactly.
	if u := confine(t, w.env, "undo", rev.Undo); u.code != 0 {
		t.Fatal(u.stderr)
	}
	l := confine(t, w.env, "undo", "--json")
	var list cli.UndoList
	json.Unmarshal([]byte(l.stdout), &list)
	if len(list.Records) != 1 {
		t.Fatalf("records %+v", list)
	}
	if u := confine(t, w.env, "undo", list.Records[0].Name); u.code != 0 {
		t.Fatal(u.stderr)
	}
	if v := w.view(t); !slices.Equal(v, all) {
		t.Errorf("after both Undos, the app sees %v", v)
	}
	if got := w.storeValues(t); !maps.EqualFunc(got, w.stored, slices.Equal) {
		t.Errorf("store %v, before %v", got, w.stored)
	}

	// Refusals, each changing nothing.
	junk := filepath.Join(t.TempDir(), "junk.json")
	os.WriteFile(junk, []byte(`{"format": "confine-undo", "version": 1, "documents": {"app": "org.other.App"}}`), 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"files", "revoke", papers, "budget.ods"}, 1, "holds no file budget.ods"},
		{[]string{"files", "revoke", papers}, 2, "name an app"},
		{[]string{"files", "revoke", papers, "notes.txt", "--all"}, 2, "name an app"},
		{[]string{"files", "revoke", "not an app", "--all"}, 2, "not a valid application name"},
		{[]string{"files", "revoke", "org.other.App", "--all"}, 1, "holds no file"},
		{[]string{"undo", junk}, 1, "another app's"},
		{[]string{"undo", "/etc/hostname"}, 1, "not a Confine undo record"},
		{[]string{"undo", "20261206-x"}, 1, "no undo record"},
	} {
		if r := confine(t, w.env, c.args...); r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: %+v", c.args, r)
		}
	}
	// Without a place for the Undo, nothing is revoked.
	noState := []string{"DBUS_SESSION_BUS_ADDRESS=" + w.bus.Address, "HOME=relative", "XDG_STATE_HOME="}
	if r := confine(t, noState, "files", "revoke", papers, "--all"); r.code != 1 || !strings.Contains(r.stderr, "nothing was changed") {
		t.Errorf("without a state folder: %+v", r)
	}
	if v := w.view(t); !slices.Equal(v, all) {
		t.Errorf("a refused revocation changed the view: %v", v)
	}
	// The app's portal page (confine portals, confine show) has the
	// files too.
	if r := confine(t, w.env, "portals", papers); r.code != 0 || !strings.Contains(r.stdout, "Quarterly report.pdf") || !strings.Contains(r.stdout, "(4), newest first") {
		t.Errorf("portals lacks the files: %+v", r)
	}
}
