package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A program started through its HostLauncher is the process the caller
// started (tests stop windows by PID), runs in the window's root when there
// is one, and sees the caller's environment and home folder.
func TestHostLauncher(t *testing.T) {
	r, err := GUIRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// A home outside /tmp, which a root shares anyway.
	home, err := os.MkdirTemp("/var/tmp", "confine-launcher-home-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	if err := os.WriteFile(filepath.Join(home, "mark"), []byte("host"), 0o644); err != nil {
		t.Fatal(err)
	}
	prog := filepath.Join(dir, "prog")
	script := "#!/bin/sh\necho \"$$|$CONFINE_ROOT|$CONFINE_TEST_MARK|$(cat \"$HOME/mark\")|$*\"\n"
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	launcher := filepath.Join(dir, "launch")
	if err := HostLauncher(prog, launcher); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(launcher, "a b", "c")
	cmd.Env = append(os.Environ(), "HOME="+home, "CONFINE_TEST_MARK=passed")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", launcher, err)
	}
	want := fmt.Sprintf("%d|%s|passed|host|a b c", cmd.Process.Pid, r)
	if got := strings.TrimSpace(string(out)); got != want {
		t.Fatalf("the launched program says %q, want %q (PID|root|environment|home|arguments)", got, want)
	}
}
