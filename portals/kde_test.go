package portals_test

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/permstore"
	"github.com/confine-app/confine/portals"
)

const kdeID = "portals/kde-authorized/remote-desktop"

// flatpakPermission runs the real `flatpak permission-*` commands on the
// bus: the way KDE's documentation tells people to fill kde-authorized,
// and a second reader of what Confine wrote.
func flatpakPermission(t *testing.T, bus *portaltest.Bus, args ...string) string {
	t.Helper()
	bin := testbin.Need(t, "flatpak")
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+bus.Address)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("flatpak %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// KDE's kde-authorized table: a row only where it exists, read as KDE's
// portal reads it, written, reset, exported and imported like the others.
func TestKDEAuthorizedRoundTrip(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	s := permstore.New(bus.Conn)
	pm := portals.NewFor(s)
	// No table (every desktop but a KDE one where someone authorized an
	// app): no row, and Confine creates none.
	if _, shown := status(t, pm, app)[kdeID]; shown {
		t.Fatal("a row without the table")
	}
	if err := pm.Write(app, portals.Lookup(kdeID), []string{"yes"}); err == nil || !strings.Contains(err.Error(), "never creates") {
		t.Fatalf("wrote without the table: %v", err)
	}
	if ids, _ := s.List("kde-authorized"); len(ids) != 0 {
		t.Fatal("table created")
	}
	// As KDE's documentation says: a remote-desktop server authorized.
	flatpakPermission(t, bus, "permission-set", "kde-authorized", "remote-desktop", "org.kde.krdpserver", "yes")
	st, shown := status(t, pm, app)[kdeID]
	if !shown || st.ReadOnly || st.State != portals.Unset || st.Granted() || choice(t, st) != "Ask" {
		t.Fatalf("not asked yet: %+v", st)
	}
	if f, _ := st.Meaning(); !strings.Contains(f, "asks before each session") {
		t.Errorf("meaning %q", f)
	}
	srv := status(t, pm, "org.kde.krdpserver")[kdeID]
	if srv.State != portals.Allowed || !srv.Granted() || choice(t, srv) != "Allow" {
		t.Errorf("the server: %+v", srv)
	}
	pick(t, pm, kdeID, "Allow")
	if got := get(t, s, "kde-authorized", "remote-desktop", app); got != "yes" {
		t.Fatalf("stored %q", got)
	}
	if out := flatpakPermission(t, bus, "permissions", "kde-authorized", "remote-desktop"); !strings.Contains(out, app) || !strings.Contains(out, "remote-desktop") || !strings.Contains(out, "yes") {
		t.Errorf("flatpak permissions:\n%s", out)
	}
	// What KDE's own settings write when the box is unticked: the dialog,
	// as with nothing stored; so is any list without "yes", and any with.
	for v, want := range map[string]portals.State{"no": portals.Ask, "maybe": portals.Ask, "no,yes": portals.Allowed} {
		seed(t, s, "kde-authorized", "remote-desktop", app, strings.Split(v, ",")...)
		st := status(t, pm, app)[kdeID]
		if st.State != want || !st.Understood || st.Granted() != (want == portals.Allowed) {
			t.Errorf("%q: %+v", v, st)
		}
	}
	seed(t, s, "kde-authorized", "remote-desktop", app, "yes")
	// The Overview: who may take control without asking.
	var q portals.Question
	for _, x := range portals.Questions() {
		if x.Perm != nil && x.Perm.ID == kdeID {
			q = x
		}
	}
	shownQ, apps, err := pm.Answer(q, []string{app, "org.other.App"})
	if err != nil || !shownQ || !slices.Equal(apps, []string{app, "org.kde.krdpserver"}) {
		t.Errorf("overview: %v %v %v", shownQ, apps, err)
	}
	// Export, reset (Undo), import.
	snap, err := pm.Export(app)
	if err != nil || strings.Join(snap["kde-authorized/remote-desktop"], ",") != "yes" {
		t.Fatalf("export %v %v", snap, err)
	}
	if err := portals.CheckKey("kde-authorized", "remote-desktop", []string{"yes"}); err != nil {
		t.Error(err)
	}
	old, err := pm.Reset(app)
	if err != nil {
		t.Fatal(err)
	}
	if perms, _ := s.Lookup("kde-authorized", "remote-desktop"); perms[app] != nil || strings.Join(perms["org.kde.krdpserver"], ",") != "yes" {
		t.Errorf("after reset %v", perms)
	}
	if err := pm.Restore(app, old); err != nil {
		t.Fatal(err)
	}
	if got := get(t, s, "kde-authorized", "remote-desktop", app); got != "yes" {
		t.Errorf("restored %q", got)
	}
	pick(t, pm, kdeID, "Ask")
	if perms, _ := s.Lookup("kde-authorized", "remote-desktop"); perms[app] != nil {
		t.Errorf("Ask left %v", perms[app])
	}
	if p := portals.Lookup(kdeID); p == nil || p.Title != "Remote control without asking" || portals.Lookup("portals/remote-desktop") != nil {
		t.Errorf("lookup %v", p)
	}
}
