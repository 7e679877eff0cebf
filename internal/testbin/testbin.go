// Package testbin serves test packages that look at the source tree or run
// Confine as a user or a script would: it finds the tree's top folder and
// builds the confine binary once.
package testbin

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Main builds ../cmd/confine into a temporary folder, stores in *bin the
// path of a program that starts it on this machine (the binary itself, or
// where the window's stack is in a root, its HostLauncher), runs the tests
// and exits; call it from TestMain.
func Main(m *testing.M, bin *string) { mainWith(m, bin, buildApp) }

// built is the binary Main built.
var built string

// Built is the binary Main built, for tests that package it (as a
// Flatpak): on a machine whose window is built in a root, it runs only
// with that root's libraries.
func Built() string { return built }

// MainCLI is Main for tests that only run the command line (see BuildCLI).
func MainCLI(m *testing.M, bin *string) { mainWith(m, bin, BuildCLI) }

func mainWith(m *testing.M, bin *string, build func(string) error) {
	dir, err := os.MkdirTemp("", "confine-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*bin = filepath.Join(dir, "confine")
	if err := build(*bin); err != nil {
		fmt.Fprintln(os.Stderr, "cannot build confine:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildApp builds the whole app, window included, into bin: here, or in the
// window's root (GUIRoot) into bin-ROOT, with bin its HostLauncher.
func buildApp(bin string) error {
	r, err := GUIRoot()
	if err != nil {
		return err
	}
	if r == "" {
		built = bin
		return goBuild(bin, nil)
	}
	built = bin + "-" + r
	// -trimpath, as build-aux/dev and the Flatpak build do in the root:
	// one flavour of the GTK bindings in its build cache.
	cmd, err := GUICommand("go", "build", "-trimpath", "-o", built, "./cmd/confine")
	if err != nil {
		return err
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("in the %s root: %v\n%s", r, err, out)
	}
	return HostLauncher(built, bin)
}

// BuildCLI builds the command line alone into bin: -tags nogui and
// CGO_ENABLED=0, which takes seconds instead of the GTK bindings' minutes
// on a cold build cache.
func BuildCLI(bin string) error {
	return goBuild(bin, []string{"CGO_ENABLED=0"}, "-tags", "nogui")
}

func goBuild(bin string, env []string, flags ...string) error {
	top, err := root()
	if err != nil {
		return err
	}
	cmd := exec.Command("go", append(append([]string{"build"}, flags...), "-o", bin, "./cmd/confine")...)
	cmd.Dir = top
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v\n%s", err, out)
	}
	return nil
}

// Root is the source tree's top folder (the one with go.mod), found from
// the test's working folder.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := root()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// Top is Root for code that is not a test: the source tree's top folder,
// found from the working folder.
func Top() (string, error) { return root() }

func root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test's folder")
		}
		dir = parent
	}
}

// Need returns the path of a program the test needs (a name looked up in
// PATH, or a path). When it is missing the test is skipped loudly, and in
// CI it fails: build-aux/dev deps installs every such program.
func Need(t testing.TB, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		Unavailable(t, tool+" is not installed; build-aux/dev deps installs it")
	}
	return p
}

// Unavailable stops a test that cannot run here, saying why: skipped
// loudly on a developer's machine, failed in CI, which must have all that
// the tests need.
func Unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (in CI, which must have it)", why)
	}
	t.Skipf("SKIPPED LOUDLY: %s", why)
}
