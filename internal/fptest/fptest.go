// Package fptest builds real Flatpak installations for tests, offline: a
// tiny runtime made of busybox, apps finished with chosen permissions,
// exported into a local repository and installed with the flatpak CLI into
// throw-away user and system installations. Nothing touches the machine's
// own installations.
package fptest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/testbin"
)

// RuntimeID is the runtime every test app uses.
const RuntimeID = "org.confine.TestRuntime"

// Installation is a temporary Flatpak world: user and system installation
// folders, a config folder and a local repository named "test".
type Installation struct {
	t                                   testing.TB
	Root, User, System, Config, Repo    string
	Home                                string // set by NewWithHome
	runtimeReady, userRemote, sysRemote bool

	// Oracle is the flatpak CLI every command runs; the zero Oracle runs
	// "flatpak" from PATH (Debian's). All releases read the same folders,
	// so it may change between commands.
	Oracle Oracle
}

// Flatpak returns the flatpak binary or skips loudly outside CI; in CI a
// missing flatpak is a failure.
func Flatpak(t testing.TB) string {
	t.Helper()
	p := testbin.Need(t, "flatpak")
	for _, tool := range []string{"/bin/busybox", "/usr/bin/bwrap"} {
		testbin.Need(t, tool)
	}
	return p
}

// New makes an empty temporary installation set.
func New(t testing.TB) *Installation {
	Flatpak(t)
	root := t.TempDir()
	i := &Installation{t: t, Root: root, User: filepath.Join(root, "user"), System: filepath.Join(root, "system"),
		Config: filepath.Join(root, "etc"), Repo: filepath.Join(root, "repo")}
	for _, d := range []string{i.User, i.System, i.Config} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return i
}

// NewWithHome makes an installation set whose user installation is where
// Flatpak puts it by default, $HOME/.local/share/flatpak, under a temporary
// home folder (Home): for tests of Confine running inside a sandbox, which
// finds the user installation through the home folder.
func NewWithHome(t testing.TB) *Installation {
	i := New(t)
	i.Home = filepath.Join(i.Root, "home")
	i.User = filepath.Join(i.Home, ".local", "share", "flatpak")
	if err := os.MkdirAll(i.User, 0o755); err != nil {
		t.Fatal(err)
	}
	return i
}

// Environ is the environment that points flatpak (and Confine) at this
// installation set.
func (i *Installation) Environ() []string {
	env := []string{}
	if i.Home != "" {
		env = append(env, "HOME="+i.Home, "XDG_DATA_HOME="+filepath.Join(i.Home, ".local", "share"))
	}
	env = append(env, i.oracleEnviron()...)
	return append(env, "FLATPAK_USER_DIR="+i.User, "FLATPAK_SYSTEM_DIR="+i.System, "FLATPAK_CONFIG_DIR="+i.Config,
		"FLATPAK_SYSTEM_HELPER_ON_SESSION=1", "LC_ALL=C.UTF-8")
}

// Vars is Environ as a map.
func (i *Installation) Vars() map[string]string {
	m := map[string]string{"HOME": filepath.Join(i.Root, "home"), "XDG_STATE_HOME": filepath.Join(i.Root, "state"), "XDG_DATA_HOME": filepath.Join(i.Root, "data")}
	for _, kv := range i.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// Run runs flatpak with this installation's environment.
func (i *Installation) Run(args ...string) (string, error) {
	return i.RunEnv(nil, args...)
}

// RunEnv runs flatpak with extra environment variables.
func (i *Installation) RunEnv(extra []string, args ...string) (string, error) {
	return i.runIn(append(append(os.Environ(), i.Environ()...), extra...), args...)
}

// runIn runs the installation's flatpak in exactly the environment env.
func (i *Installation) runIn(env []string, args ...string) (string, error) {
	out, _, err := i.runBoth(env, args...)
	return out, err
}

// runBoth is runIn that also returns what the command printed on its
// standard error.
func (i *Installation) runBoth(env []string, args ...string) (string, string, error) {
	cmd := exec.Command(i.bin(), args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		name := "flatpak"
		if i.Oracle.Version != "" {
			name += " " + i.Oracle.Version
		}
		return out.String(), errb.String(), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), errb.String(), nil
}

// Must runs flatpak and fails the test on error.
func (i *Installation) Must(args ...string) string {
	i.t.Helper()
	out, err := i.Run(args...)
	if err != nil {
		i.t.Fatal(err)
	}
	return out
}

func (i *Installation) write(p, content string, mode os.FileMode) {
	i.t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		i.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		i.t.Fatal(err)
	}
}

// runtime exports the busybox runtime into the repository once.
func (i *Installation) runtime() {
	if i.runtimeReady {
		return
	}
	dir := filepath.Join(i.Root, "build", "runtime")
	bin := filepath.Join(dir, "usr", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		i.t.Fatal(err)
	}
	data, err := os.ReadFile("/bin/busybox")
	if err != nil {
		i.t.Fatal(err)
	}
	i.write(filepath.Join(bin, "busybox"), string(data), 0o755)
	for _, c := range []string{"sh", "cat", "ls", "env", "test", "printenv", "echo", "grep", "stat", "touch", "id", "readlink", "sleep", "true", "false"} {
		if err := os.Symlink("busybox", filepath.Join(bin, c)); err != nil {
			i.t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(dir, "files"), 0o755)
	i.write(filepath.Join(dir, "metadata"), fmt.Sprintf("[Runtime]\nname=%s\nruntime=%s/x86_64/1\nsdk=%s/x86_64/1\n", RuntimeID, RuntimeID, RuntimeID), 0o644)
	i.Must("build-export", "--runtime", i.Repo, dir, "1")
	i.runtimeReady = true
}

// App describes a test app: its ID and `flatpak build-finish` options.
type App struct {
	ID     string
	Finish []string
	// Script is the app's command (a busybox sh script); default prints
	// its arguments.
	Script string
}

// Install builds, exports and installs an app into the user installation
// or (system) the system one.
func (i *Installation) Install(app App, system bool) { i.InstallWithFiles(app, system, nil) }

// InstallWithFiles also puts files (paths relative to the app's /app) into
// the app, e.g. a binary.
func (i *Installation) InstallWithFiles(app App, system bool, files map[string][]byte) {
	i.t.Helper()
	i.runtime()
	dir := filepath.Join(i.Root, "build", app.ID)
	os.RemoveAll(dir)
	script := app.Script
	if script == "" {
		script = "#!/bin/sh\necho \"$@\"\n"
	}
	i.write(filepath.Join(dir, "files", "bin", "run"), script, 0o755)
	for rel, data := range files {
		i.write(filepath.Join(dir, "files", rel), string(data), 0o755)
	}
	i.write(filepath.Join(dir, "metadata"), fmt.Sprintf("[Application]\nname=%s\nruntime=%s/x86_64/1\ncommand=run\n", app.ID, RuntimeID), 0o644)
	i.Must(append(append([]string{"build-finish"}, app.Finish...), dir)...)
	i.Must("build-export", i.Repo, dir, "stable")
	where := "--user"
	if system {
		where = "--system"
		if !i.sysRemote {
			i.Must(where, "remote-add", "--no-gpg-verify", "test", i.Repo)
			i.sysRemote = true
		}
	} else if !i.userRemote {
		i.Must(where, "remote-add", "--no-gpg-verify", "test", i.Repo)
		i.userRemote = true
	}
	i.Must(where, "install", "-y", "--noninteractive", "test", app.ID)
}

// Deploy is the active deployment folder of an installed app.
func (i *Installation) Deploy(id string, system bool) string {
	i.t.Helper()
	base := i.User
	if system {
		base = i.System
	}
	p, err := filepath.EvalSymlinks(filepath.Join(base, "app", id, "current", "active"))
	if err != nil {
		i.t.Fatal(err)
	}
	return p
}
