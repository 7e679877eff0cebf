package cli_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-app/confine/cli"
	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

// These tests run cli.Main in the test process, on installations laid out
// in temporary folders.

type machine struct {
	t                 *testing.T
	root, user, sys   string
	vars              map[string]string
	asRoot            bool // what Env.Root answers
	lastOut, lastErrs string
}

func newMachine(t *testing.T) *machine {
	root := t.TempDir()
	m := &machine{t: t, root: root, user: filepath.Join(root, "user"), sys: filepath.Join(root, "system"), asRoot: true}
	m.vars = map[string]string{"FLATPAK_USER_DIR": m.user, "FLATPAK_SYSTEM_DIR": m.sys, "FLATPAK_CONFIG_DIR": filepath.Join(root, "etc"),
		"HOME": filepath.Join(root, "home"), "XDG_STATE_HOME": filepath.Join(root, "state"), "CONFINE_FLATPAK_VERSION": "1.14.10",
		"CONFINE_FLATPAK_INFO": filepath.Join(root, "not-sandboxed")}
	for _, d := range []string{m.user, m.sys} {
		os.MkdirAll(d, 0o755)
	}
	return m
}

// install puts an app with this [Context] into the user or system
// installation.
func (m *machine) install(id string, system bool, context string) {
	m.t.Helper()
	dir := m.user
	if system {
		dir = m.sys
	}
	if err := model.WriteDemoApp(dir, model.DemoApp{ID: id, Name: model.FallbackName(id), Version: "1", Context: context}); err != nil {
		m.t.Fatal(err)
	}
}

// run runs one command in-process and returns its exit status; the output
// is kept in lastOut and lastErrs.
func (m *machine) run(stdin string, args ...string) int {
	var out, errb bytes.Buffer
	code := cli.Main(cli.Env{Model: model.MapEnv(m.vars), Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Root: func() bool { return m.asRoot }}, args)
	m.lastOut, m.lastErrs = out.String(), errb.String()
	return code
}

func (m *machine) must(code int, stdin string, args ...string) string {
	m.t.Helper()
	if got := m.run(stdin, args...); got != code {
		m.t.Fatalf("confine %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), got, code, m.lastOut, m.lastErrs)
	}
	return m.lastOut
}

func (m *machine) policy(text string) string {
	p := filepath.Join(m.root, fmt.Sprintf("policy-%d.json", len(text)))
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		m.t.Fatal(err)
	}
	return p
}

func (m *machine) file(scope, target string) string {
	dir := m.user
	if scope == "system" {
		dir = m.sys
	}
	data, err := os.ReadFile(filepath.Join(dir, "overrides", target))
	if err != nil && !os.IsNotExist(err) {
		m.t.Fatal(err)
	}
	return string(data)
}

// snapshot is every file under the machine's root (policies aside), to
// prove that nothing was written.
func (m *machine) snapshot() map[string]string {
	out := map[string]string{}
	filepath.WalkDir(m.root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), "policy-") {
			data, _ := os.ReadFile(p)
			out[p] = string(data)
		}
		return nil
	})
	return out
}

// ctx reads an override file's meaning.
func ctx(t *testing.T, text string) *overrides.Context {
	t.Helper()
	f, err := overrides.Parse([]byte(text))
	if err != nil {
		t.Fatalf("%v in %q", err, text)
	}
	c, _ := f.Context(overrides.Flatpak114)
	return c
}

// TestOverrideSystemMatchesFlatpak: `confine override --system` writes what
// flatpak's writer writes and refuses what it refuses. Flatpak's --user
// and --system share one writer, so its --user file is the reference (a
// non-root test cannot run flatpak --system).
func TestOverrideSystemMatchesFlatpak(t *testing.T) {
	flatpak := testbin.Need(t, "flatpak")
	m := newMachine(t)
	args := []string{"--socket=wayland", "--nosocket=x11", "--unshare=ipc", "--filesystem=xdg-download:create", "--nofilesystem=home", "--env=A=b;c", "--unset-env=LD_PRELOAD", "--talk-name=org.example.Bus", "--system-no-talk-name=org.freedesktop.login1"}
	m.must(0, "", append(append([]string{"override", "--system"}, args...), "org.example.App")...)
	ref := t.TempDir()
	cmd := exec.Command(flatpak, append(append([]string{"override", "--user"}, args...), "org.example.App")...)
	cmd.Env = append(os.Environ(), "FLATPAK_USER_DIR="+ref, "FLATPAK_SYSTEM_DIR="+filepath.Join(ref, "sys"), "FLATPAK_CONFIG_DIR="+filepath.Join(ref, "etc"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("flatpak: %v %s", err, out)
	}
	want, _ := os.ReadFile(filepath.Join(ref, "overrides", "org.example.App"))
	if got := m.file("system", "org.example.App"); ctx(t, got).Canonical() != ctx(t, string(want)).Canonical() {
		t.Errorf("confine --system wrote\n%s\nflatpak writes\n%s", got, want)
	}
	if m.file("user", "org.example.App") != "" {
		t.Error("--system wrote the user's override")
	}
	// --show prints the system file; without root reading still works.
	m.asRoot = false
	if out := m.must(0, "", "override", "--system", "--show", "org.example.App"); out != m.file("system", "org.example.App") {
		t.Errorf("--show printed %q", out)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"override", "--system", "--socket=x11", "org.example.App"}, 1, "confine override: system overrides need root: run with sudo, or drop --system\n"},
		{[]string{"override", "--system", "--reset", "org.example.App"}, 1, "confine override: system overrides need root: run with sudo, or drop --system\n"},
		{[]string{"reset", "--system", "org.example.App"}, 1, "confine reset: system overrides need root: run with sudo, or drop --system\n"},
		{[]string{"override", "--system", "--socket=x12", "org.example.App"}, 1, "Unknown socket type x12"},
		{[]string{"override", "--system", "--user", "--socket=x11", "org.example.App"}, 2, "Multiple installations specified"},
	} {
		before := m.snapshot()
		if code := m.run("", c.args...); code != c.code || !strings.Contains(m.lastErrs, c.want) {
			t.Errorf("%v: exit %d %q, want %d %q", c.args, code, m.lastErrs, c.code, c.want)
		}
		if !maps.Equal(before, m.snapshot()) {
			t.Errorf("%v wrote files", c.args)
		}
	}
	m.asRoot = true
	m.must(0, "", "reset", "org.example.App", "--system")
	if m.file("system", "org.example.App") != "" {
		t.Error("reset --system left the file")
	}
}
