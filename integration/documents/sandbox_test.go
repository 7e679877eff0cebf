// Package documents runs Confine's command line as the real document
// portal sees Confine's own Flatpak: inside a bubblewrap sandbox whose
// /.flatpak-info names Confine's app ID, which is how the portal tells a
// sandboxed caller (it reads /proc/PID/root/.flatpak-info). It proves
// what README says the sandbox allows.
package documents

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-app/confine/cli"
	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/permstore"
	"github.com/confine-app/confine/portals"
)

var confineBin string

func TestMain(m *testing.M) { testbin.MainCLI(m, &confineBin) }

const app = "org.gnome.Papers"

// sandboxed runs confine in a sandbox as Flatpak makes one for Confine:
// a root of its own (nothing of the host's files but /usr, /etc and the
// test's /tmp, which holds the bus socket and the state folder) with
// Confine's /.flatpak-info.
func sandboxed(t *testing.T, bus *portaltest.Bus, state string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	bwrap := testbin.Need(t, "bwrap")
	info := filepath.Join(t.TempDir(), "flatpak-info")
	os.WriteFile(info, []byte("[Application]\nname=io.github.confine_app.Confine\nruntime=runtime/org.gnome.Platform/x86_64/47\n"), 0o644)
	bargs := []string{"--tmpfs", "/", "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
		"--symlink", "usr/bin", "/bin", "--ro-bind", "/etc", "/etc", "--bind", "/tmp", "/tmp", "--proc", "/proc", "--dev", "/dev",
		"--ro-bind", info, "/.flatpak-info", "--", confineBin}
	cmd := exec.Command(bwrap, append(bargs, args...)...)
	cmd.Env = []string{"PATH=/usr/bin", "DBUS_SESSION_BUS_ADDRESS=" + bus.Address, "XDG_STATE_HOME=" + state, "HOME=" + state, "LC_ALL=C.UTF-8",
		"CONFINE_FLATPAK_VERSION=1.14.10"}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(errb.String(), "bwrap:") {
		testbin.Unavailable(t, "bubblewrap cannot make a sandbox here: "+errb.String())
	}
	return out.String(), errb.String(), code
}

// From Confine's Flatpak, the document portal refuses to list files and to
// revoke them; Confine reads and writes the store's documents table
// instead, says so, and the change reaches the app when the document
// portal next starts. Undo puts the table back exactly.
func TestFromConfinesFlatpak(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	store := permstore.New(bus.Conn)
	dp := bus.StartDocumentPortal(t)
	home := t.TempDir()
	var paths []string
	for _, name := range []string{"report.pdf", "notes.txt", "budget.ods"} {
		p := filepath.Join(home, name)
		os.WriteFile(p, []byte(name), 0o644)
		paths = append(paths, p)
	}
	ids := dp.Give(t, app, []string{"read", "write", "grant-permissions"}, false, paths...)
	view := func() []string { return slices.Sorted(maps.Keys(dp.AppView(t, app))) }
	all := view()
	if len(all) != 3 {
		t.Fatalf("the app sees %v", all)
	}
	before := map[string][]string{}
	for _, id := range ids {
		before[id], _ = store.GetPermission(portals.DocumentsTable, id, app)
	}
	state := filepath.Join(t.TempDir(), "state")

	// The portal itself refuses a sandboxed caller: the premise.
	out, _, code := sandboxed(t, bus, state, "files", app, "--json")
	if code != 0 {
		t.Fatalf("files: %d %s", code, out)
	}
	var docs cli.ShowDocuments
	if err := json.Unmarshal([]byte(out), &docs); err != nil {
		t.Fatal(err)
	}
	if docs.Live || !strings.Contains(docs.Note, "from Confine's Flatpak the document portal does not list files") || len(docs.Documents) != 3 {
		t.Fatalf("from the sandbox: %+v", docs)
	}
	for _, d := range docs.Documents {
		if d.Exists != nil || !slices.Contains(paths, d.Path) || !d.Write {
			t.Errorf("from the sandbox: %+v (whether it exists cannot be known there)", d)
		}
	}

	// Revoke by name: written to the table; the running portal keeps its
	// copy until it restarts, and Confine says so.
	out, errOut, code := sandboxed(t, bus, state, "files", "revoke", app, "report.pdf", "--json")
	var rev cli.DocumentsRevoked
	if err := json.Unmarshal([]byte(out), &rev); err != nil || code != 0 || !rev.Deferred || !strings.Contains(rev.Note, "until it restarts") {
		t.Fatalf("revoke: %d %s %s %v", code, out, errOut, err)
	}
	if v, _ := store.GetPermission(portals.DocumentsTable, ids[0], app); len(v) != 0 {
		t.Errorf("the table still gives %v", v)
	}
	if got := view(); !slices.Equal(got, all) {
		t.Errorf("the running portal changed without a restart: %v", got)
	}
	dp.Stop()
	dp = bus.StartDocumentPortal(t)
	if got := view(); slices.Contains(got, ids[0]) || len(got) != 2 {
		t.Errorf("after the portal restarted, the app sees %v", got)
	}

	// Undo from the sandbox: the table exactly as it was, and the file
	// back after the next restart.
	if out, errOut, code := sandboxed(t, bus, state, "undo", rev.Undo); code != 0 || !strings.Contains(out, "next starts") {
		t.Fatalf("undo: %d %s %s", code, out, errOut)
	}
	for _, id := range ids {
		if v, _ := store.GetPermission(portals.DocumentsTable, id, app); !slices.Equal(v, before[id]) {
			t.Errorf("%s: the table gives %v, gave %v", id, v, before[id])
		}
	}
	dp.Stop()
	dp = bus.StartDocumentPortal(t)
	if got := view(); !slices.Equal(got, all) {
		t.Errorf("after Undo and a restart, the app sees %v, want %v", got, all)
	}
	// The Overview's numbers, from the sandbox too.
	out, _, _ = sandboxed(t, bus, state, "files", "--json")
	var counts cli.DocumentCounts
	if err := json.Unmarshal([]byte(out), &counts); err != nil || counts.Live || len(counts.Apps) != 1 || counts.Apps[0].Files != 3 || counts.Apps[0].Writable != 3 {
		t.Errorf("counts from the sandbox: %s %v", out, err)
	}
}
