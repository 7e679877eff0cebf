package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

var guiRoot struct {
	once sync.Once
	name string
	err  error
}

// GUIRoot names the build-aux/root root in which this machine builds and
// runs the window (`build-aux/root gui-root`): "" where its own GTK and
// libadwaita are new enough and inside a root (which is then the machine),
// "trixie" on Debian 12; $CONFINE_GUI_ROOT (native or a root's name)
// decides instead.
func GUIRoot() (string, error) {
	guiRoot.once.Do(func() {
		top, err := root()
		if err != nil {
			guiRoot.err = err
			return
		}
		var stderr strings.Builder
		cmd := exec.Command(filepath.Join(top, "build-aux", "root"), "gui-root")
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			guiRoot.err = fmt.Errorf("build-aux/root gui-root: %v %s", err, stderr.String())
			return
		}
		guiRoot.name = strings.TrimSpace(string(out))
	})
	return guiRoot.name, guiRoot.err
}

// GUICommand is exec.Command for a program that builds against the
// window's stack or needs the rest of it (go build of the window, meson):
// run here, or inside the root GUIRoot names, which is then the machine
// (its own /usr, flatpak and portals; the source tree, /tmp and $TMPDIR
// are shared). Dir is the source tree's top folder.
func GUICommand(name string, args ...string) (*exec.Cmd, error) {
	top, err := root()
	if err != nil {
		return nil, err
	}
	r, err := GUIRoot()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(name, args...)
	if r != "" {
		cmd = exec.Command(filepath.Join(top, "build-aux", "root"), append([]string{"run", r, "--", name}, args...)...)
	}
	cmd.Dir = top
	return cmd, nil
}

// HostLauncher writes out, an executable that runs bin (a window built by
// GUICommand) on this machine as a person would start it: here, bin
// itself; where the window's stack is in a root, bin inside that root with
// this host's home, Flatpak installations and configuration, display and
// session bus, and the host's Flatpak release (build-aux/root run --host).
// Either way the process started from out is bin's own, so it is stopped
// by its PID.
func HostLauncher(bin, out string) error {
	top, err := root()
	if err != nil {
		return err
	}
	r, err := GUIRoot()
	if err != nil {
		return err
	}
	if r == "" {
		os.Remove(out)
		return os.Symlink(bin, out)
	}
	cmd := exec.Command(filepath.Join(top, "build-aux", "root"), "wrap", r, "--host", bin, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build-aux/root wrap: %v\n%s", err, b)
	}
	return nil
}
