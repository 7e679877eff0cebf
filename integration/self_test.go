package integration

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-app/confine/cli"
	"github.com/confine-app/confine/internal/fptest"
	"github.com/confine-app/confine/internal/testbin"
)

// manifestFinishArgs reads the finish-args of Confine's Flatpak manifest,
// so the test runs Confine with exactly what it ships with.
func manifestFinishArgs(t *testing.T) []string {
	f, err := os.Open("../build-aux/io.github.confine_app.Confine.yml")
	if err != nil {
		t.Fatalf("the Flatpak manifest is missing: %v", err)
	}
	defer f.Close()
	var args []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		trim := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "finish-args:"):
			in = true
		case in && strings.HasPrefix(trim, "- "):
			arg := strings.TrimSpace(strings.TrimPrefix(trim, "- "))
			if i := strings.Index(arg, " #"); i >= 0 {
				arg = strings.TrimSpace(arg[:i])
			}
			args = append(args, strings.Trim(arg, `"'`))
		case in && (trim == "" || strings.HasPrefix(trim, "#")):
		case in:
			in = false
		}
	}
	if len(args) == 0 {
		t.Fatal("no finish-args found in the manifest")
	}
	return args
}

// TestConfineRunsAsAFlatpak installs Confine's command line (the GTK-free
// nogui build, which needs no runtime libraries) as a Flatpak app with the
// manifest's finish-args, next to test apps in a user and a system
// installation, and uses it from inside its sandbox: it must see the apps,
// write the user's override on the host, and not see the rest of $HOME.
//
// The system installation of a test cannot be /var/lib/flatpak itself, so
// the test maps its temporary system installation in read-only, the way the
// manifest maps /var/lib/flatpak.
func TestConfineRunsAsAFlatpak(t *testing.T) {
	fptest.Flatpak(t)
	finish := manifestFinishArgs(t)
	for _, a := range finish {
		for _, bad := range []string{"--filesystem=home", "--filesystem=host", "--share=network", "--socket=session-bus"} {
			if a == bad || strings.HasPrefix(a, bad+":") {
				t.Fatalf("manifest grants %s", a)
			}
		}
	}
	inst := fptest.NewWithHome(t)
	inst.Install(fptest.App{ID: "org.confine.UserApp", Finish: []string{"--share=network", "--socket=x11"}}, false)
	inst.Install(fptest.App{ID: "org.confine.SystemApp", Finish: []string{"--filesystem=home"}}, true)
	os.WriteFile(filepath.Join(inst.Home, "secret-note"), []byte("private"), 0o600)

	bin := filepath.Join(inst.Root, "confine-nogui")
	if err := testbin.BuildCLI(bin); err != nil {
		t.Fatalf("nogui build: %v", err)
	}
	data, _ := os.ReadFile(bin)
	const id = "io.github.confine_app.Confine"
	script := "#!/bin/sh\nexec /app/bin/confine-cli \"$@\"\n"
	extra := append([]string{"--filesystem=" + inst.System + ":ro", "--env=FLATPAK_SYSTEM_DIR=" + inst.System}, finish...)
	inst.InstallWithFiles(fptest.App{ID: id, Finish: extra, Script: script}, false, map[string][]byte{"bin/confine-cli": data})

	run := func(args ...string) (string, error) {
		return inst.Run(append([]string{"run", "--command=run", id}, args...)...)
	}
	out, err := run("list", "--json")
	if err != nil {
		t.Fatalf("confine list inside the sandbox: %v", err)
	}
	var apps []cli.ListEntry
	if err := json.Unmarshal([]byte(out), &apps); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	seen := map[string]string{}
	for _, a := range apps {
		seen[a.ID] = a.Installation
	}
	t.Logf("inside the sandbox, confine list sees: %v", seen)
	if seen["org.confine.UserApp"] != "user" || seen["org.confine.SystemApp"] != "default" {
		t.Fatalf("sandboxed Confine does not see both installations: %v", seen)
	}
	if _, err := run("override", "--unshare=network", "org.confine.UserApp"); err != nil {
		t.Fatalf("confine override inside the sandbox: %v", err)
	}
	host := filepath.Join(inst.User, "overrides", "org.confine.UserApp")
	got, err := os.ReadFile(host)
	if err != nil || string(got) != "[Context]\nshared=!network;\n" {
		t.Fatalf("override on the host: %q %v", got, err)
	}
	t.Logf("override written on the host by the sandboxed Confine: %s = %q", host, got)
	// Flatpak itself obeys what the sandboxed Confine wrote.
	fp, err := inst.Run("info", "--show-permissions", "org.confine.UserApp")
	if err != nil || strings.Contains(fp, "network") {
		t.Fatalf("flatpak info after the sandboxed edit: %q %v", fp, err)
	}
	// And it cannot read the home folder at large.
	probe, err := inst.Run("run", "--command=sh", id, "-c", "test -e \"$HOME/secret-note\" && echo visible || echo hidden")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(probe) != "hidden" {
		t.Fatalf("the sandboxed Confine can read $HOME/secret-note")
	}
	t.Logf("$HOME/secret-note from inside Confine's sandbox: %s", strings.TrimSpace(probe))
}

// TestWindowRunsAsAFlatpak runs build-aux/flatpak/gui-proof on the binary
// the tests run: Confine's real window installed as a Flatpak with the
// manifest's finish-args, on a runtime made of the libraries it was built
// against (this machine's, or its root's: the ldd closure is taken there),
// started by this machine's flatpak under Xvfb and a private session bus.
// The script checks that the window maps and paints and stays up, that
// its schema is found, and that the command line in the same sandbox sees
// a user and a system installation, reads a system override and the
// permission store, writes the user's override on the host and does not
// see the home folder.
func TestWindowRunsAsAFlatpak(t *testing.T) {
	fptest.Flatpak(t)
	for _, tool := range []string{"Xvfb", "xwd", "convert", "msgfmt", "glib-compile-schemas", "dbus-daemon", "gdbus"} {
		testbin.Need(t, tool)
	}
	if os.Geteuid() != 0 {
		// Its test app installed --system needs flatpak's system helper
		// otherwise, and the helper writes only to /var/lib/flatpak.
		testbin.Unavailable(t, "build-aux/flatpak/gui-proof installs into a temporary system installation, which needs root")
	}
	shot := filepath.Join(t.TempDir(), "flatpak-window.png")
	if dir := os.Getenv("CONFINE_SCREENSHOT_DIR"); dir != "" {
		shot = filepath.Join(dir, "flatpak-window.png")
	}
	cmd := exec.Command(filepath.Join(testbin.Root(t), "build-aux", "flatpak", "gui-proof"), shot)
	cmd.Env = append(os.Environ(), "CONFINE_BIN="+testbin.Built())
	out, err := cmd.CombinedOutput()
	summary := string(out)
	if i := strings.LastIndex(summary, "== summary"); i >= 0 {
		summary = summary[i:]
	}
	if err != nil || !strings.HasSuffix(strings.TrimSpace(summary), "PASS") {
		t.Fatalf("gui-proof: %v\n%s", err, out)
	}
	t.Logf("Confine's window as a Flatpak:\n%s", summary)
}
