package portaltest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"

	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/permstore"
)

// DocumentPortalPath is where Debian's xdg-desktop-portal package
// installs the document portal.
const DocumentPortalPath = "/usr/libexec/xdg-document-portal"

// DocumentPortal is the real xdg-document-portal on a private bus, with
// its FUSE file system mounted in a temporary runtime folder.
type DocumentPortal struct {
	bus        *Bus
	cmd        *exec.Cmd
	RuntimeDir string
	// MountPoint is the FUSE mount (what /run/user/UID/doc is on a
	// desktop); an app's view is MountPoint/by-app/APP_ID.
	MountPoint string
}

// StartDocumentPortal runs the document portal on the bus (whose store
// must be running: the portal reads and writes its documents table). It
// needs FUSE: /dev/fuse and fusermount3.
func (b *Bus) StartDocumentPortal(t testing.TB) *DocumentPortal {
	t.Helper()
	testbin.Need(t, DocumentPortalPath)
	testbin.Need(t, "fusermount3")
	if _, err := os.Stat("/dev/fuse"); err != nil {
		testbin.Unavailable(t, "/dev/fuse is missing: the document portal needs FUSE")
	}
	dp := &DocumentPortal{bus: b, RuntimeDir: filepath.Join(b.DataDir, "run")}
	if err := os.MkdirAll(dp.RuntimeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(b.DataDir, "home")
	os.MkdirAll(home, 0o700)
	cmd := exec.Command(DocumentPortalPath, "--replace")
	// Its own process group, so that it is stopped alone and by its ID.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// flatpak (which the portal asks whether an app already has a file)
	// looks only at the test's folders.
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+b.Address, "XDG_DATA_HOME="+filepath.Join(b.DataDir, "data"),
		"XDG_RUNTIME_DIR="+dp.RuntimeDir, "HOME="+home, "FLATPAK_USER_DIR="+filepath.Join(b.DataDir, "flatpak-user"),
		"FLATPAK_SYSTEM_DIR="+filepath.Join(b.DataDir, "flatpak-system"), "FLATPAK_CONFIG_DIR="+filepath.Join(b.DataDir, "flatpak-etc"))
	out, err := os.Create(filepath.Join(b.DataDir, "document-portal.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	dp.cmd = cmd
	t.Cleanup(func() { dp.Stop(); out.Close() })
	b.waitName(t, permstore.DocumentsName)
	// The mount is ready once GetMountPoint answers (it waits for it).
	mp, err := permstore.New(b.Conn).Documents().MountPoint()
	if err != nil {
		log, _ := os.ReadFile(out.Name())
		t.Fatalf("the document portal has no mount point: %v\n%s", err, log)
	}
	dp.MountPoint = mp
	return dp
}

// Stop ends the portal (it unmounts its file system on SIGTERM) and
// makes sure the mount is gone: a mount left behind would hang whatever
// looks at it.
func (dp *DocumentPortal) Stop() {
	if dp.cmd == nil || dp.cmd.Process == nil {
		return
	}
	pid := dp.cmd.Process.Pid
	syscall.Kill(-pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { dp.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-pid, syscall.SIGKILL)
		<-done
	}
	dp.cmd = nil
	if dp.MountPoint != "" && mounted(dp.MountPoint) {
		exec.Command("fusermount3", "-u", "-z", dp.MountPoint).Run()
	}
}

// mounted reports whether a path is a mount point, from /proc/self/mounts.
func mounted(p string) bool {
	data, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[1] == p {
			return true
		}
	}
	return false
}

// Flags of AddFull, as the document portal defines them.
const (
	AddReuseExisting = 1 << 0
	AddPersistent    = 1 << 1
	AddAsNeededByApp = 1 << 2
	AddDirectory     = 1 << 3
)

// Give exports paths to an app as the file chooser does when a person
// picks them (xdg-desktop-portal's file chooser calls AddFull on the
// app's behalf, reusing an existing entry, persistent, only as needed by
// the app, with read, write when the dialog allowed it, and
// grant-permissions), and returns their document IDs. folder gives
// folders (the chooser's directory mode).
func (dp *DocumentPortal) Give(t testing.TB, app string, perms []string, folder bool, paths ...string) []string {
	t.Helper()
	var fds []dbus.UnixFD
	for _, p := range paths {
		// An O_PATH descriptor proves the caller may reach the file, as
		// the chooser's does.
		fd, err := syscall.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer syscall.Close(fd)
		fds = append(fds, dbus.UnixFD(fd))
	}
	flags := uint32(AddReuseExisting | AddPersistent | AddAsNeededByApp)
	if folder {
		flags |= AddDirectory
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var ids []string
	var extra map[string]dbus.Variant
	err := dp.bus.Conn.Object(permstore.DocumentsName, permstore.DocumentsPath).CallWithContext(ctx,
		permstore.DocumentsInterface+".AddFull", 0, fds, flags, app, perms).Store(&ids, &extra)
	if err != nil {
		t.Fatalf("AddFull %v: %v", paths, err)
	}
	return ids
}

// GiveNew exports a file that does not exist yet, as the file chooser does
// for a save dialog (AddNamedFull on the folder, with the new name).
func (dp *DocumentPortal) GiveNew(t testing.TB, app string, perms []string, dir, name string) string {
	t.Helper()
	fd, err := syscall.Open(dir, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var id string
	var extra map[string]dbus.Variant
	err = dp.bus.Conn.Object(permstore.DocumentsName, permstore.DocumentsPath).CallWithContext(ctx,
		permstore.DocumentsInterface+".AddNamedFull", 0, dbus.UnixFD(fd), append([]byte(name), 0),
		uint32(AddReuseExisting|AddPersistent|AddAsNeededByApp), app, perms).Store(&id, &extra)
	if err != nil {
		t.Fatalf("AddNamedFull %s/%s: %v", dir, name, err)
	}
	return id
}

// AppView is the app's own view of its documents: the folder names under
// MountPoint/by-app/APP (what /run/flatpak/doc shows inside its sandbox).
func (dp *DocumentPortal) AppView(t testing.TB, app string) map[string][]string {
	t.Helper()
	dir := filepath.Join(dp.MountPoint, "by-app", app)
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatalf("reading the app's view: %v", err)
	}
	out := map[string][]string{}
	for _, e := range ents {
		files, err := os.ReadDir(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // listed but closed to the app
		}
		var names []string
		for _, f := range files {
			names = append(names, f.Name())
		}
		out[e.Name()] = names
	}
	return out
}
