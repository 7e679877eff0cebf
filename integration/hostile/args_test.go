package hostile

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/confine-app/confine/cli"
	"github.com/confine-app/confine/internal/testbin"
)

// Hostile arguments.

// flatpakOverride runs Debian's `flatpak override --user` with args in a
// world of its own and returns its exit status and the file it wrote for
// app.
func flatpakOverride(t *testing.T, app string, args ...string) (code int, file []byte) {
	t.Helper()
	flatpak := testbin.Need(t, "flatpak")
	root := t.TempDir()
	cmd := exec.Command(flatpak, append([]string{"override", "--user"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + root, "LC_ALL=C.UTF-8", "FLATPAK_USER_DIR=" + filepath.Join(root, "user"),
		"FLATPAK_SYSTEM_DIR=" + filepath.Join(root, "system"), "FLATPAK_CONFIG_DIR=" + filepath.Join(root, "etc")}
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	file, _ = os.ReadFile(filepath.Join(root, "user", "overrides", app))
	return code, file
}

// Issue 24, 3: an empty app ID meant "global": override --reset with an
// empty argument deleted the override for every app.
func TestArgEmptyAppIDIsNotGlobal(t *testing.T) {
	w := newWorld(t)
	global := []byte("# the family's baseline\n[Context]\nshared=!network;\n")
	w.writeOverride(t, "global", global)
	for _, args := range [][]string{{"--reset", ""}, {"--env=A=1", ""}, {"--show", ""}, {"--reset", "--env=A=1", ""}} {
		if code, _ := flatpakOverride(t, "global", args...); code == 0 {
			t.Fatalf("flatpak override %q succeeds", args)
		}
		r := w.confine(t, append([]string{"override"}, args...)...)
		if r.code == 0 || !strings.Contains(r.stderr, "not a valid application name") {
			t.Errorf("override %q:\n%s", args, r)
		}
		if got := w.readOverride(t, "global"); !bytes.Equal(got, global) {
			t.Fatalf("override %q changed global: %q", args, got)
		}
	}
	for _, args := range [][]string{{"reset", ""}, {"show", ""}, {"audit", ""}, {"lock", ""}, {"harden", ""}, {"export", ""}} {
		if r := w.confine(t, args...); r.code == 0 {
			t.Errorf("%q:\n%s", args, r)
		}
	}
	if got := w.readOverride(t, "global"); !bytes.Equal(got, global) {
		t.Fatalf("global changed: %q", got)
	}
}

// Issue 24, 11: `apply /dev/zero` read until Go ran out of memory. Every
// file a command names is read up to a limit, and only a regular file or
// a pipe is read at all.
func TestArgDevicesAndFIFOsAsFiles(t *testing.T) {
	w := newWorld(t)
	fifo := filepath.Join(w.root, "fifo")
	mkfifo(t, fifo)
	big := filepath.Join(w.root, "big.json")
	if f, err := os.Create(big); err == nil {
		f.Truncate(64<<20 + 1) // sparse: 64 MiB and one byte of zeros
		f.Close()
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"apply", "/dev/zero"}, "not a regular file (a character device)"},
		{[]string{"import", "/dev/zero"}, "not a regular file (a character device)"},
		{[]string{"apply", "--check", "/dev/urandom"}, "not a regular file"},
		{[]string{"import", w.root}, "not a regular file (a folder)"},
		{[]string{"apply", big}, "more than 64 MiB"},
		{[]string{"import", big}, "more than 64 MiB"},
		// A FIFO nobody writes to reads as empty, at once.
		{[]string{"apply", fifo}, "not valid JSON"},
		{[]string{"import", fifo}, "not a Confine export file"},
	} {
		if r := w.confine(t, tc.args...); r.code != 1 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%q: want exit 1 and %q:\n%s", tc.args, tc.want, r)
		}
	}
	// --usb-list-file (Flatpak 1.16 and later) is read the same way.
	r := w.run(t, call{args: []string{"override", "--usb-list-file=/dev/zero", plainApp.ID}, env: map[string]string{"CONFINE_FLATPAK_VERSION": "1.16.6"}})
	if r.code != 1 || !strings.Contains(r.stderr, "not a regular file") {
		t.Errorf("--usb-list-file=/dev/zero:\n%s", r)
	}
	// Standard input is capped too.
	r = w.run(t, call{args: []string{"apply", "-"}, stdin: make([]byte, 64<<20+1)})
	if r.code != 1 || !strings.Contains(r.stderr, "more than 64 MiB") {
		t.Errorf("apply - with 64 MiB and a byte:\n%s", r)
	}
}

// A pipe is a fine policy file (`confine apply <(…)`).
func TestArgPipeAsPolicy(t *testing.T) {
	w := newWorld(t)
	rd, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		wr.WriteString(`{"format": "confine-policy", "version": 1, "overrides": {"global": {"permissions": {"shared/network": "off"}}}}`)
		wr.Close()
	}()
	r := w.run(t, call{args: []string{"apply", "/dev/fd/3"}, files: []*os.File{rd}})
	rd.Close()
	if r.code != 3 || !strings.Contains(string(w.readOverride(t, "global")), "shared=!network;") {
		t.Fatalf("apply from a pipe:\n%s", r)
	}
}

// `--env='#A=1'` writes a line GLib reads back as a comment. Flatpak
// writes it too; Confine writes the same bytes and warns.
func TestArgVariableThatIsAComment(t *testing.T) {
	w := newWorld(t)
	code, want := flatpakOverride(t, plainApp.ID, "--env=#A=1", plainApp.ID)
	if code != 0 {
		t.Fatal("flatpak refuses --env=#A=1")
	}
	r := w.confine(t, "override", "--env=#A=1", plainApp.ID)
	if r.code != 0 || !strings.Contains(r.stderr, "read back as a comment") {
		t.Errorf("--env=#A=1:\n%s", r)
	}
	if got := w.readOverride(t, plainApp.ID); !bytes.Equal(got, want) {
		t.Errorf("confine wrote %q, flatpak %q", got, want)
	}
}

// Issue 24, 5: --persist took any character; Flatpak then refused the
// file and the app stopped starting. The real flatpak decides which
// paths are refused.
func TestArgPersistentPathsLikeFlatpak(t *testing.T) {
	w := newWorld(t)
	for _, p := range []string{"a\x01b", "a\tb", "a\x1b[2J", "a\x7f", "a\u0085", "a\u00a0b", "a\u200bb", "a\u202eb", "a\ue000b", "Данные", "a b", ".local/state"} {
		code, _ := flatpakOverride(t, plainApp.ID, "--persist="+p, plainApp.ID)
		r := w.confine(t, "override", "--persist="+p, plainApp.ID)
		if (code == 0) != (r.code == 0) {
			t.Errorf("--persist=%q: flatpak exit %d, confine:\n%s", p, code, r)
		}
	}
	// What Confine wrote, Flatpak reads.
	if data := w.readOverride(t, plainApp.ID); data != nil {
		if _, ok := flatpakReads(t, data); !ok {
			t.Errorf("flatpak refuses what confine wrote: %q", data)
		}
	}
}

// Escape sequences in arguments come back in messages, escaped.
func TestArgEscapeSequences(t *testing.T) {
	w := newWorld(t)
	w.installDemo(t, plainApp)
	for _, args := range [][]string{
		{"show", hostileText}, {"show", "org.hostile." + hostileText}, {"override", "--socket=" + hostileText, plainApp.ID},
		{"override", "--filesystem=~/" + hostileText, plainApp.ID}, {"override", "--talk-name=" + hostileText, plainApp.ID},
		{"override", "--" + hostileText, plainApp.ID}, {"apply", hostileText}, {"import", hostileText}, {hostileText},
		{"audit", "--fail-on=" + hostileText}, {"presets", "show", hostileText}, {"apply", "--preset=" + hostileText},
		{"override", "--env=" + hostileText + "=1", plainApp.ID}, {"override", "--env=A=" + hostileText, plainApp.ID},
	} {
		if r := w.confine(t, args...); r.code == 0 && args[0] != "override" {
			t.Errorf("%q accepted:\n%s", args, r)
		}
	}
	w.confine(t, "show", plainApp.ID)
	w.confine(t, "override", "--show", plainApp.ID)
}

// `confine --help` lists every command and every option each command's
// own --help lists.
func TestArgHelpListsEverything(t *testing.T) {
	w := newWorld(t)
	usage := w.confine(t, "--help").stdout
	flagLine := regexp.MustCompile(`(?m)^  -(\S+)`)
	for _, c := range cli.Commands {
		block := commandBlock(usage, c)
		if block == "" {
			t.Errorf("--help does not list %s:\n%s", c, usage)
			continue
		}
		r := w.confine(t, c, "--help")
		for _, m := range flagLine.FindAllStringSubmatch(r.stderr+r.stdout, -1) {
			if !strings.Contains(block, "--"+m[1]) {
				t.Errorf("--help does not mention %s --%s:\n%s", c, m[1], block)
			}
		}
	}
}

// commandBlock is a command's entry in the usage text: its line and the
// indented lines after it.
func commandBlock(usage, command string) string {
	lines := strings.Split(usage, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "  "+command+" ") || l == "  "+command {
			block := l
			for _, next := range lines[i+1:] {
				if !strings.HasPrefix(next, "       ") {
					break
				}
				block += "\n" + next
			}
			return block
		}
	}
	return ""
}

// Options end at "--": a policy file whose name starts with "-" is a file.
func TestArgDoubleDashEndsOptions(t *testing.T) {
	w := newWorld(t)
	r := w.confine(t, "apply", "--json", "--", "--preset=strict")
	if r.code != 1 || !strings.Contains(r.stderr, "cannot read the policy") || w.readOverride(t, "global") != nil {
		t.Errorf("apply -- --preset=strict:\n%s", r)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "-policy.json"), []byte(`{"format": "confine-policy", "version": 1, "overrides": {"global": {"permissions": {"shared/ipc": "off"}}}}`), 0o644)
	if r := w.run(t, call{args: []string{"apply", "--", "-policy.json"}, dir: dir}); r.code != 3 {
		t.Errorf("apply -- -policy.json:\n%s", r)
	}
}
