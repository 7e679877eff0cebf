package hostile

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/fptest"
	"github.com/confine-app/confine/internal/testbin"
)

// Hostile environments: missing or relative home folders, FIFOs where
// configuration, metadata and state should be, apps whose publisher put
// escape sequences in their name and variables.

// openDir is a fresh folder anyone may use (as another user's working
// folder); removed when the test ends.
func openDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "confine-hostile-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	if err := os.Chmod(d, 0o777); err != nil {
		t.Fatal(err)
	}
	return d
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// Issue 24, 10: with HOME unset Confine wrote ./.local/share/flatpak into
// the current folder. Flatpak (GLib) takes the home folder from the user
// database then; so does Confine. The account "nobody" has the home folder
// /nonexistent, which neither can create: both name it.
func TestEnvNoHomeIsTheAccountsHome(t *testing.T) {
	if os.Geteuid() != 0 {
		testbin.Unavailable(t, "this test runs Confine and flatpak as the user nobody: run it as root")
	}
	flatpak := testbin.Need(t, "flatpak")
	const nobody = 65534
	account, err := user.LookupId(fmt.Sprint(nobody))
	if err != nil || account.HomeDir == "" {
		testbin.Unavailable(t, fmt.Sprintf("no user %d with a home folder in the user database: %v", nobody, err))
	}
	home := account.HomeDir // /nonexistent on Debian
	if _, err := os.Stat(home); err == nil {
		testbin.Unavailable(t, fmt.Sprintf("the home folder of user %d, %s, exists: the test needs one nobody can create", nobody, home))
	}
	// Confine's binary where nobody may run it.
	bin := filepath.Join(openDir(t), "confine")
	data, err := os.ReadFile(confineBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C.UTF-8", "CONFINE_FLATPAK_VERSION=1.14.10", "DISPLAY="}
	cwd := openDir(t)
	fp := runLimited(t, flatpak, env, call{args: []string{"override", "--user", "--env=A=1", "org.hostile.App"}, dir: cwd, uid: nobody})
	if fp.code == 0 || !strings.Contains(fp.stderr, home) {
		t.Fatalf("flatpak without HOME:\n%s", fp)
	}
	for _, homeVar := range []string{"\x00unset", ""} {
		e := env
		if homeVar == "" {
			e = append(e, "HOME=") // GLib would take the current folder: Confine does not
		}
		r := runLimited(t, bin, e, call{args: []string{"override", "--env=A=1", "org.hostile.App"}, dir: cwd, uid: nobody})
		checkOutput(t, []string{"override"}, r)
		if r.code != 1 || !strings.Contains(r.stderr, filepath.Join(home, ".local/share/flatpak/overrides/org.hostile.App")) {
			t.Errorf("HOME=%q: confine:\n%s", homeVar, r)
		}
		if got := entries(t, cwd); len(got) != 0 {
			t.Fatalf("HOME=%q: written into the current folder: %v", homeVar, got)
		}
	}
}

// A relative home folder, data folder or user installation: Flatpak would
// take it relative to the current folder; Confine refuses to guess.
func TestEnvRelativeFolders(t *testing.T) {
	w := newWorld(t)
	for _, env := range []map[string]string{
		{"FLATPAK_USER_DIR": "\x00unset", "XDG_DATA_HOME": "\x00unset", "HOME": "rel"},
		{"FLATPAK_USER_DIR": "\x00unset", "XDG_DATA_HOME": "data"},
		{"FLATPAK_USER_DIR": "./user"},
	} {
		cwd := t.TempDir()
		r := w.run(t, call{args: []string{"override", "--env=A=1", plainApp.ID}, env: env, dir: cwd})
		if r.code != 1 || !strings.Contains(r.stderr, "not an absolute path") {
			t.Errorf("%v:\n%s", env, r)
		}
		for _, args := range [][]string{{"list"}, {"audit"}, {"show", "global"}, {"export"}} {
			w.run(t, call{args: args, env: env, dir: cwd})
		}
		if got := entries(t, cwd); len(got) != 0 {
			t.Errorf("%v: written into the current folder: %v", env, got)
		}
	}
}

// FIFOs where Confine reads configuration, an app's files, the sandbox
// marker and its own state: nothing waits on them.
func TestEnvFIFOsWhereFilesAre(t *testing.T) {
	w := newWorld(t)
	w.installDemo(t, plainApp, plainAppAs("org.hostile.FifoMetadata"), plainAppAs("org.hostile.FifoDesktop"))
	deploy := func(id string) string {
		p, err := filepath.EvalSymlinks(filepath.Join(w.user, "app", id, "current", "active"))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, p := range []string{
		filepath.Join(deploy("org.hostile.FifoMetadata"), "metadata"),
		filepath.Join(deploy("org.hostile.FifoDesktop"), "export", "share", "applications", "org.hostile.FifoDesktop.desktop"),
		filepath.Join(deploy(plainApp.ID), "files", "share", "metainfo", plainApp.ID+".metainfo.xml"),
	} {
		os.Remove(p)
		mkfifo(t, p)
	}
	mkfifo(t, filepath.Join(w.config, "installations.d", "evil.conf"))
	mkfifo(t, filepath.Join(w.vars["XDG_STATE_HOME"], "confine", "dismissed"))
	mkfifo(t, filepath.Join(w.vars["XDG_STATE_HOME"], "confine", "declared", plainApp.ID))
	for _, args := range [][]string{{"list"}, {"audit"}, {"show", plainApp.ID}, {"show", "org.hostile.FifoMetadata"}, {"harden", "--all"}} {
		w.confine(t, args...)
	}
	r := w.confine(t, "list", "--json")
	mustContain(t, "list --json", r.stdout, "org.hostile.FifoMetadata", "not a regular file (a FIFO)")
	// Confine running in its own sandbox reads /.flatpak-info.
	fifo := filepath.Join(w.root, "flatpak-info")
	mkfifo(t, fifo)
	w.run(t, call{args: []string{"list"}, env: map[string]string{"CONFINE_FLATPAK_INFO": fifo}})
}

// Issue 24, 1: an app's name (from its publisher's desktop file) and its
// variables reached the terminal raw in list, show and audit. The app is
// built and installed by the real flatpak, which prints the variable the
// way Confine must: `flatpak info` escapes it.
func TestEnvAppWithHostileNameAndVariables(t *testing.T) {
	inst := fptest.New(t)
	const id = "org.hostile.Evil"
	name := "Evil\x1b[2J\x1b]0;PWNED\x07App"
	value := "x\x1b]0;PWNED\x07\x1b[2J\u009b31m\u202eexe"
	desktop := "[Desktop Entry]\nType=Application\nName=" + name + "\nExec=run\nIcon=" + id + "\n"
	inst.InstallWithFiles(fptest.App{ID: id, Finish: []string{"--socket=wayland", "--env=EVIL=" + value, "--talk-name=org.freedesktop.Flatpak"}}, false,
		map[string][]byte{"share/applications/" + id + ".desktop": []byte(desktop)})
	info := inst.Must("info", "--show-permissions", id)
	var printed string
	for _, l := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(l, "EVIL="); ok {
			printed = v
		}
	}
	if printed == "" || printed == value {
		t.Fatalf("flatpak info does not print EVIL escaped:\n%s", info)
	}
	w := newWorld(t)
	for k, v := range inst.Vars() {
		w.vars[k] = v
	}
	r := w.confine(t, "list")
	mustContain(t, "list", r.stdout, `'Evil\x1B[2J\x1B]0;PWNED\x07App'`)
	r = w.confine(t, "show", id)
	// Flatpak's escaping, in quotes as flatpak_escape_string puts it.
	mustContain(t, "show", r.stdout, `'Evil\x1B[2J\x1B]0;PWNED\x07App' (org.hostile.Evil)`)
	if !regexp.MustCompile(`(?m)^environment +EVIL +` + regexp.QuoteMeta("'"+printed+"'") + ` +app`).MatchString(r.stdout) {
		t.Errorf("show does not print EVIL as flatpak info does (%s):\n%s", printed, r.stdout)
	}
	r = w.confine(t, "audit", id)
	mustContain(t, "audit", r.stdout, `'Evil\x1B[2J\x1B]0;PWNED\x07App' (org.hostile.Evil): unsafe`)
	for _, args := range [][]string{{"list", "--json"}, {"show", id, "--json"}, {"audit", "--json"}, {"harden", id}, {"lock", id}} {
		w.confine(t, args...)
	}
}

// Issue 24, 6: an app whose own metadata has an empty entry (`sockets=;`)
// was rated safe with nothing said, and Flatpak 1.18.1 crashes on it.
// Each release's flatpak says whether it crashes (or refuses); Confine,
// speaking that release, must say the same.
func TestEnvMetadataFlatpakCrashesOn(t *testing.T) {
	fptest.ForEachOracle(t, func(t *testing.T, o fptest.Oracle) {
		inst := fptest.New(t)
		const id = "org.hostile.EmptyEntry"
		inst.Install(fptest.App{ID: id, Finish: []string{"--socket=wayland", "--share=network"}}, false)
		md := filepath.Join(inst.Deploy(id, false), "metadata")
		data, err := os.ReadFile(md)
		if err != nil {
			t.Fatal(err)
		}
		edited := strings.Replace(string(data), "sockets=wayland;", "sockets=;wayland;", 1)
		if edited == string(data) {
			t.Fatalf("no sockets line in %q", data)
		}
		os.Chmod(md, 0o644)
		if err := os.WriteFile(md, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(o.Bin, "info", "--show-permissions", id)
		cmd.Env = append(os.Environ(), inst.Environ()...)
		err = cmd.Run()
		var ee *exec.ExitError
		crashed := errors.As(err, &ee) && !ee.Exited()
		refused := errors.As(err, &ee) && ee.Exited()
		w := newWorld(t)
		for k, v := range inst.Vars() {
			w.vars[k] = v
		}
		w.vars["CONFINE_FLATPAK_VERSION"] = o.Version
		r := w.confine(t, "audit", id, "--json")
		var report []struct {
			Rating   string
			Findings []struct{ ID, Title string }
		}
		if err := json.Unmarshal([]byte(r.stdout), &report); err != nil || len(report) != 1 {
			t.Fatalf("audit --json: %v\n%s", err, r)
		}
		title := ""
		for _, f := range report[0].Findings {
			if f.ID == "broken/app" {
				title = f.Title
			}
		}
		switch {
		case crashed && !strings.Contains(title, "crash"):
			t.Errorf("flatpak %s crashes on the metadata; Confine says %q (rating %s)", o.Version, title, report[0].Rating)
		case refused && title == "":
			t.Errorf("flatpak %s refuses the metadata; Confine says nothing (rating %s)", o.Version, report[0].Rating)
		case !crashed && !refused && title != "":
			t.Errorf("flatpak %s reads the metadata; Confine says %q", o.Version, title)
		}
		if (crashed || refused) && report[0].Rating == "safe" {
			t.Errorf("rated safe although flatpak %s cannot start it", o.Version)
		}
		t.Logf("flatpak %s: crashed %v, refused %v; Confine: %q, %s", o.Version, crashed, refused, title, report[0].Rating)
		if r := w.confine(t, "show", id); (crashed || refused) != strings.Contains(r.stdout, "BROKEN:") {
			t.Errorf("show:\n%s", r)
		}
	})
}
