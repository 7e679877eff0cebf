package fptest

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/confine-app/confine/internal/testbin"
)

// Through the relay each oracle answers exactly as when run directly: the
// same output, exit status, files written — and the same signal when it
// crashes (1.18 on an empty list entry).
func TestRelayRunsTheHostsOracles(t *testing.T) {
	top := testbin.Root(t)
	dir, err := os.MkdirTemp("", "fptest-relay-test-") // short: a socket path
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ServeRelay(l, top) }()
	defer func() {
		l.Close()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	client, err := relayClientBinary(top, dir)
	if err != nil {
		t.Fatal(err)
	}
	ForEachOracle(t, func(t *testing.T, o Oracle) {
		inst := NewWith(t, o)
		inst.Install(App{ID: "org.confine.Relayed", Finish: []string{"--socket=wayland"}}, false)
		run := func(bin string, args ...string) (string, error) {
			var cmd *exec.Cmd
			if bin == "" {
				cmd = exec.Command(client, append([]string{"run", sock, o.Key}, args...)...)
			} else {
				cmd = exec.Command(bin, args...)
			}
			cmd.Env = append(os.Environ(), inst.Environ()...)
			out, err := cmd.CombinedOutput()
			return string(out), err
		}
		same := func(what string, args ...string) {
			t.Helper()
			direct, derr := run(o.Bin, args...)
			relayed, rerr := run("", args...)
			var de, re *exec.ExitError
			errors.As(derr, &de)
			errors.As(rerr, &re)
			if direct != relayed || (derr == nil) != (rerr == nil) || de != nil && (re == nil || de.String() != re.String()) {
				t.Errorf("%s: directly %q (%v), relayed %q (%v)", what, direct, derr, relayed, rerr)
			}
		}
		same("version", "--version")
		same("an override", "override", "--user", "--nosocket=x11", "org.confine.Relayed")
		same("the override shown", "override", "--user", "--show", "org.confine.Relayed")
		same("the merged permissions", "info", "--user", "--show-permissions", "org.confine.Relayed")
		same("a refused option", "override", "--user", "--socket=x12", "org.confine.Relayed")
		if o.Name == "1.18" {
			p := filepath.Join(inst.User, "overrides", "org.confine.Relayed")
			if err := os.WriteFile(p, []byte("[Context]\nsockets=;\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			same("a crash", "info", "--user", "--show-permissions", "org.confine.Relayed")
		}
	})
}
