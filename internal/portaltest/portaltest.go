// Package portaltest starts the real xdg-permission-store on a private
// D-Bus session bus, with its data in a temporary folder, for tests.
package portaltest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/permstore"
)

// StorePath is where Debian's xdg-desktop-portal package installs the
// store, PortalPath the portal frontend.
const (
	StorePath  = "/usr/libexec/xdg-permission-store"
	PortalPath = "/usr/libexec/xdg-desktop-portal"
)

// Bus is a private session bus, optionally with the store running on it.
type Bus struct {
	Address string
	DataDir string
	Conn    *dbus.Conn
	store   *exec.Cmd
}

const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// NewBus starts a private dbus-daemon. withStore also starts the store.
func NewBus(t testing.TB, withStore bool) *Bus {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		testbin.Need(t, "/usr/bin/dbus-daemon")
	}
	b := &Bus{DataDir: t.TempDir()}
	// No service directories: nothing is ever activated behind the test's
	// back (a real store started by activation would use the real data).
	conf := filepath.Join(b.DataDir, "bus.conf")
	if err := os.WriteFile(conf, []byte(busConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	daemon := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--nopidfile", "--print-address=1")
	out, err := daemon.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { daemon.Process.Kill(); daemon.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon gave no address: %v", err)
	}
	b.Address = strings.TrimSpace(line)
	b.Conn = b.Connect(t)
	if withStore {
		b.StartStore(t)
	}
	return b
}

// Connect opens a new connection to the bus.
func (b *Bus) Connect(t testing.TB) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(b.Address)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// SessionStore is the store on the bus as Confine finds it: through the
// session bus's address, closed when the test ends.
func (b *Bus) SessionStore(t testing.TB) *permstore.Store {
	t.Helper()
	s, err := permstore.ConnectSession(func(k string) string {
		if k == "DBUS_SESSION_BUS_ADDRESS" {
			return b.Address
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// waitName waits until a name has an owner on the bus.
func (b *Bus) waitName(t testing.TB, name string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		var has bool
		if err := b.Conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has); err == nil && has {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not appear on the bus", name)
}

// TableFile is the file the store keeps a table in.
func (b *Bus) TableFile(table string) string {
	return filepath.Join(b.DataDir, "data", "flatpak", "db", table)
}

// BackendName is the bus name of the portal backend that StartPortal and
// StartPortalOf declare for the interfaces they are given: a test that
// serves one of them owns this name.
const BackendName = "org.freedesktop.impl.portal.desktop.confinetest"

// StartPortal runs this machine's portal frontend (xdg-desktop-portal) on
// the bus with a backend declared for each interface in ifaces. With none
// it exports only the portals that need no backend (on 1.16: GameMode 4,
// Realtime 1 and the monitors), which is what a desktop without a portal
// backend offers.
func (b *Bus) StartPortal(t testing.TB, ifaces ...string) {
	t.Helper()
	testbin.Need(t, PortalPath)
	b.startPortal(t, PortalPath, ifaces...)
}

// StartPortalOf runs the real portal frontend of a build-aux/root root
// (Debian 13's xdg-desktop-portal 1.20, testing's 1.22) on the bus, with a
// backend declared for each interface in ifaces. The frontend offers a
// portal whose backend a .portal file declares and portals.conf picks; it
// starts the backend only when an app asks for something, so a declared
// backend that does not exist still makes the portal and its version
// property appear, which is all Flatpak and Confine look at.
func (b *Bus) StartPortalOf(t testing.TB, root string, ifaces ...string) {
	t.Helper()
	program := PortalPath
	if os.Getenv("CONFINE_ROOT") != root {
		top, err := testbin.Top()
		if err != nil {
			t.Fatal(err)
		}
		program = filepath.Join(t.TempDir(), "xdg-desktop-portal")
		wrap := exec.Command(filepath.Join(top, "build-aux", "root"), "wrap", root, PortalPath, program)
		if out, err := wrap.CombinedOutput(); err != nil {
			testbin.Unavailable(t, fmt.Sprintf("the %s root's portal: build-aux/root wrap: %v\n%s", root, err, out))
		}
	}
	b.startPortal(t, program, ifaces...)
}

// startPortal runs program, a portal frontend, on the bus with a backend
// declared for each interface in ifaces (none: no backends), and waits for
// its name.
func (b *Bus) startPortal(t testing.TB, program string, ifaces ...string) {
	t.Helper()
	backends := filepath.Join(t.TempDir(), "backends")
	if err := os.MkdirAll(backends, 0o755); err != nil {
		t.Fatal(err)
	}
	if len(ifaces) > 0 {
		files := map[string]string{
			// UseIn for releases before 1.18, portals.conf for later ones.
			"confinetest.portal": "[portal]\nDBusName=" + BackendName + "\nInterfaces=" + strings.Join(ifaces, ";") + ";\nUseIn=confinetest\n",
			"portals.conf":       "[preferred]\ndefault=confinetest\n",
		}
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(backends, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cmd := exec.Command(program, "--replace")
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+b.Address, "XDG_DATA_HOME="+filepath.Join(b.DataDir, "data"),
		"XDG_CONFIG_HOME="+filepath.Join(b.DataDir, "config"), "XDG_DESKTOP_PORTAL_DIR="+backends, "XDG_CURRENT_DESKTOP=confinetest")
	// A wrapper of build-aux/root keeps the portal's process ID: killing
	// it stops the portal.
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	b.waitName(t, "org.freedesktop.portal.Desktop")
}

// StartStore runs xdg-permission-store on the bus and waits until it owns
// its name.
func (b *Bus) StartStore(t testing.TB) {
	t.Helper()
	testbin.Need(t, StorePath)
	cmd := exec.Command(StorePath, "--replace")
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+b.Address, "XDG_DATA_HOME="+filepath.Join(b.DataDir, "data"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b.store = cmd
	t.Cleanup(b.StopStore)
	b.waitName(t, "org.freedesktop.impl.portal.PermissionStore")
}

// StopStore ends the store (to test a store that went away).
func (b *Bus) StopStore() {
	if b.store != nil && b.store.Process != nil {
		b.store.Process.Kill()
		b.store.Wait()
		b.store = nil
	}
}

// Stream is one source of a saved screen-sharing session.
type Stream struct {
	ID, Type uint32
	Source   dbus.Variant
}

// MonitorStream is a monitor, named "vendor:product:serial".
func MonitorStream(id uint32, name string) Stream { return Stream{id, 1, dbus.MakeVariant(name)} }

// WindowStream is an app's window.
func WindowStream(id uint32, app, title string) Stream {
	return Stream{id, 2, dbus.MakeVariant(struct{ App, Title string }{app, title})}
}

// VirtualStream is a virtual monitor.
func VirtualStream(id uint32) Stream { return Stream{id, 4, dbus.MakeVariant(true)} }

// GnomeScreencast is restore data as xdg-desktop-portal-gnome saves it for
// a screencast: backend, format version, then the times (microseconds
// since 1970: saved 2024-11-30 07:00, last used an hour later) and the
// streams.
func GnomeScreencast(streams ...Stream) dbus.Variant {
	return dbus.MakeVariant(struct {
		Backend string
		Version uint32
		Data    dbus.Variant
	}{"GNOME", 1, dbus.MakeVariant(struct {
		Created, LastUsed int64
		Streams           []Stream
	}{1732950000000000, 1732953600000000, streams})})
}
