package hostile

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/model"
)

// Hostile override files.

// flatpakReads asks the real flatpak (Debian's 1.14) what an override file
// says: it loads the file and writes back what it understood (`flatpak
// override --user APP` with no option). ok is false when it refuses it.
func flatpakReads(t *testing.T, data []byte) (back string, ok bool) {
	t.Helper()
	flatpak := testbin.Need(t, "flatpak")
	root := t.TempDir()
	p := filepath.Join(root, "user", "overrides", "org.hostile.Oracle")
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(flatpak, "override", "--user", "org.hostile.Oracle")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + root, "LC_ALL=C.UTF-8", "FLATPAK_USER_DIR=" + filepath.Join(root, "user"),
		"FLATPAK_SYSTEM_DIR=" + filepath.Join(root, "system"), "FLATPAK_CONFIG_DIR=" + filepath.Join(root, "etc")}
	if err := cmd.Run(); err != nil {
		return "", false
	}
	out, _ := os.ReadFile(p)
	return string(out), true
}

// Issue 24, 2: a NUL byte hid "filesystems=host" from Confine, which
// called the file unusable while Flatpak granted host.
func TestFileNULByteHidesNothing(t *testing.T) {
	w := newWorld(t)
	w.installDemo(t, plainApp)
	data := []byte("[Context]\nshared=ipc;\x00\nfilesystems=host;\n")
	if back, ok := flatpakReads(t, data); !ok || !strings.Contains(back, "filesystems=host;") {
		t.Fatalf("flatpak does not read host from the file: %v %q", ok, back)
	}
	w.writeOverride(t, plainApp.ID, data)
	if r := w.confine(t, "audit", plainApp.ID, "--fail-on=escape"); r.code != 1 {
		t.Errorf("audit --fail-on=escape misses host:\n%s", r)
	}
	r := w.confine(t, "audit", plainApp.ID, "--json")
	mustContain(t, "audit --json", r.stdout, `"permission": "filesystems=host"`, `"severity": "escape"`)
	r = w.confine(t, "show", plainApp.ID)
	mustContain(t, "show", r.stdout, "filesystems  host")
	// Never edited: the bytes after the NUL would be lost.
	if r := w.confine(t, "override", "--env=A=1", plainApp.ID); r.code != 1 || !strings.Contains(r.stderr, "NUL byte") {
		t.Errorf("edit of a file with a NUL byte:\n%s", r)
	}
	if got := w.readOverride(t, plainApp.ID); !bytes.Equal(got, data) {
		t.Fatalf("file changed: %q", got)
	}
	if r := w.confine(t, "reset", plainApp.ID); r.code != 0 || w.readOverride(t, plainApp.ID) != nil {
		t.Errorf("reset:\n%s", r)
	}
}

// Issue 24, 5: a control character in a persistent path makes Flatpak
// refuse the file (and so the app); Confine now says so.
func TestFilePersistentControlCharacter(t *testing.T) {
	w := newWorld(t)
	w.installDemo(t, plainApp)
	data := []byte("[Context]\npersistent=.local/a\x01b;\nshared=network;\n")
	if _, ok := flatpakReads(t, data); ok {
		t.Fatal("flatpak accepts the file")
	}
	w.writeOverride(t, plainApp.ID, data)
	r := w.confine(t, "show", plainApp.ID)
	mustContain(t, "show", r.stdout, "BROKEN:", `Non-graphical character \x01`)
	r = w.confine(t, "audit", plainApp.ID, "--json")
	mustContain(t, "audit --json", r.stdout, `"id": "broken/user"`)
	if r := w.confine(t, "override", "--share=network", plainApp.ID); r.code != 1 {
		t.Errorf("edit of a file Flatpak refuses:\n%s", r)
	}
}

func TestFileCRLFStaysCRLF(t *testing.T) {
	w := newWorld(t)
	w.writeOverride(t, plainApp.ID, []byte("# written on Windows\r\n[Context]\r\nshared=network;\r\n"))
	for _, args := range [][]string{{"--env=A=1"}, {"--talk-name=org.a.b"}, {"--nosocket=x11"}, {"--unset-env=A"}} {
		if r := w.confine(t, append(append([]string{"override"}, args...), plainApp.ID)...); r.code != 0 {
			t.Fatal(r)
		}
	}
	got := string(w.readOverride(t, plainApp.ID))
	if strings.Count(got, "\n") != strings.Count(got, "\r\n") {
		t.Fatalf("mixed line endings: %q", got)
	}
	if back, ok := flatpakReads(t, []byte(got)); !ok || !strings.Contains(back, "org.a.b=talk") {
		t.Fatalf("flatpak reads %q as %q (%v)", got, back, ok)
	}
}

func TestFileOfExactlyFourMiB(t *testing.T) {
	w := newWorld(t)
	head := "[Context]\nshared=network;\n#"
	data := []byte(head + strings.Repeat("x", 4<<20-len(head)-1) + "\n")
	w.writeOverride(t, plainApp.ID, data)
	if r := w.confine(t, "override", "--show", plainApp.ID); r.code != 0 || len(r.stdout) != len(data) {
		t.Fatalf("a 4 MiB file must still be read:\n%s", r)
	}
	if r := w.confine(t, "override", "--env=A=1", plainApp.ID); r.code != 1 || !strings.Contains(r.stderr, "larger than") {
		t.Errorf("edit past 4 MiB:\n%s", r)
	}
	if got := w.readOverride(t, plainApp.ID); !bytes.Equal(got, data) {
		t.Fatal("file changed")
	}
}

// Issue 24, 7: a FIFO at .confine.lock hung every write forever.
func TestFileFIFOAtTheLock(t *testing.T) {
	w := newWorld(t)
	mkfifo(t, filepath.Join(w.overrides(t), ".confine.lock"))
	r := w.confine(t, "override", "--env=A=1", plainApp.ID)
	if r.code != 1 || !strings.Contains(r.stderr, "not a regular file") {
		t.Errorf("write with a FIFO at the lock:\n%s", r)
	}
	if w.readOverride(t, plainApp.ID) != nil {
		t.Error("written without the lock")
	}
}

// A FIFO, a link to nowhere, a link to itself, a folder where an override
// should be: nothing waits on them, and reset removes what Flatpak's reset
// would.
func TestFileOddEntriesWhereOverridesAre(t *testing.T) {
	w := newWorld(t)
	apps := map[string]func(p string){
		"org.hostile.Fifo":     func(p string) { mkfifo(t, p) },
		"org.hostile.Dangling": func(p string) { os.Symlink(filepath.Join(w.root, "missing"), p) },
		"org.hostile.Loop":     func(p string) { os.Symlink(p, p) },
		"org.hostile.LinkFifo": func(p string) { mkfifo(t, filepath.Join(w.root, "fifo")); os.Symlink(filepath.Join(w.root, "fifo"), p) },
	}
	var demo []string
	for id, make := range apps {
		make(filepath.Join(w.overrides(t), id))
		w.installDemo(t, plainAppAs(id))
		demo = append(demo, id)
	}
	os.Mkdir(filepath.Join(w.overrides(t), "org.hostile.Folder"), 0o755)
	w.installDemo(t, plainAppAs("org.hostile.Folder"))
	for _, args := range [][]string{{"list"}, {"audit"}, {"export"}, {"show", "global"}} {
		w.confine(t, args...)
	}
	for _, id := range append(demo, "org.hostile.Folder") {
		if r := w.confine(t, "show", id); r.code != 0 || !strings.Contains(r.stdout, "BROKEN:") {
			t.Errorf("show %s:\n%s", id, r)
		}
		if r := w.confine(t, "override", "--env=A=1", id); r.code != 1 {
			t.Errorf("override %s:\n%s", id, r)
		}
	}
	for _, id := range demo {
		if r := w.confine(t, "reset", id); r.code != 0 {
			t.Errorf("reset %s:\n%s", id, r)
		}
		if _, err := os.Lstat(filepath.Join(w.overrides(t), id)); !os.IsNotExist(err) {
			t.Errorf("reset %s left it: %v", id, err)
		}
	}
	if _, err := os.Stat(filepath.Join(w.root, "fifo")); err != nil {
		t.Error("reset removed what a link pointed to")
	}
	if r := w.confine(t, "reset", "org.hostile.Folder"); r.code != 1 {
		t.Errorf("reset of a folder:\n%s", r)
	}
}

// plainAppAs is plainApp under another ID.
func plainAppAs(id string) model.DemoApp {
	a := plainApp
	a.ID = id
	return a
}

// Issue 24, 9: export put U+FFFD in place of bytes that are not UTF-8, so
// export → import did not restore the file.
func TestFileExportImportKeepsEveryByte(t *testing.T) {
	w := newWorld(t)
	files := map[string][]byte{
		"global":             []byte("# caf\xe9 (Latin-1)\n[Context]\nshared=!network;\n"),
		"org.hostile.Binary": []byte("[Environment]\nA=\xff\xfe\nB=\x1b[2J\n"),
		"org.hostile.Text":   []byte("[Context]\nsockets=wayland;\n# Данные\n"),
		"org.hostile.NUL":    []byte("[Context]\nshared=ipc;\x00junk\n"),
	}
	for id, data := range files {
		w.writeOverride(t, id, data)
	}
	r := w.confine(t, "export")
	if r.code != 0 || !json.Valid([]byte(r.stdout)) {
		t.Fatalf("export:\n%s", r)
	}
	export := filepath.Join(w.root, "export.json")
	os.WriteFile(export, []byte(r.stdout), 0o644)
	for id := range files {
		if r := w.confine(t, "reset", id); r.code != 0 {
			t.Fatal(r)
		}
	}
	if r := w.confine(t, "import", export); r.code != 0 {
		t.Fatalf("import:\n%s", r)
	}
	for id, data := range files {
		if got := w.readOverride(t, id); !bytes.Equal(got, data) {
			t.Errorf("%s: exported %q, imported %q", id, data, got)
		}
	}
}

// One file that cannot be read no longer costs the export of the others;
// the command still fails, naming it.
func TestFileExportSkipsWhatItCannotRead(t *testing.T) {
	w := newWorld(t)
	w.writeOverride(t, "global", []byte("[Context]\nshared=!network;\n"))
	w.writeOverride(t, "org.hostile.Good", []byte("[Context]\nsockets=wayland;\n"))
	mkfifo(t, filepath.Join(w.overrides(t), "org.hostile.Fifo"))
	r := w.confine(t, "export")
	if r.code != 1 || !strings.Contains(r.stderr, "org.hostile.Fifo") {
		t.Fatalf("export with an unreadable file:\n%s", r)
	}
	var ex struct{ Overrides map[string]string }
	if err := json.Unmarshal([]byte(r.stdout), &ex); err != nil || len(ex.Overrides) != 2 {
		t.Fatalf("export holds %v (%v):\n%s", ex.Overrides, err, r)
	}
}

// Issue 24, 8: import read each current file inside its write loop and
// wrote global first, so a later file that could not be read left global
// already replaced.
func TestFileImportIsAllOrNothing(t *testing.T) {
	w := newWorld(t)
	global := []byte("# my baseline, keep this comment\n[Context]\nshared=!network;\n")
	w.writeOverride(t, "global", global)
	export := filepath.Join(w.root, "export.json")
	data, _ := json.Marshal(map[string]any{"format": "confine-overrides", "version": 1, "note": "",
		"overrides": map[string]string{"global": "[Context]\nsockets=!x11;\n", "org.hostile.Later": "[Context]\nsockets=wayland;\n"}})
	os.WriteFile(export, data, 0o644)
	mkfifo(t, filepath.Join(w.overrides(t), "org.hostile.Later"))
	r := w.confine(t, "import", export)
	if r.code != 1 || !strings.Contains(r.stderr, "nothing was written") {
		t.Errorf("import over an unreadable file:\n%s", r)
	}
	if got := w.readOverride(t, "global"); !bytes.Equal(got, global) {
		t.Fatalf("global replaced although the import failed: %q", got)
	}
}

// A one-megabyte value made every row of `show` a megabyte wide.
func TestFileLongValueDoesNotPadTheTable(t *testing.T) {
	w := newWorld(t)
	w.installDemo(t, plainApp)
	w.writeOverride(t, plainApp.ID, []byte("[Environment]\nBIG="+strings.Repeat("x", 1<<20)+"\nSMALL=1\n"))
	r := w.confine(t, "show", plainApp.ID)
	for _, l := range strings.Split(r.stdout, "\n") {
		if len(l) > 1000 {
			t.Fatalf("a line of %d bytes: %.200q…", len(l), l)
		}
	}
	mustContain(t, "show", r.stdout, "SMALL", "xxxx…")
	if r := w.confine(t, "show", plainApp.ID, "--json"); !strings.Contains(r.stdout, strings.Repeat("x", 1<<20)) {
		t.Error("the JSON output lost the whole value")
	}
}

// Text in override files that reaches the terminal: values, bus policies,
// a location Flatpak refuses, an unknown name.
func TestFileHostileTextIsPrintedSafely(t *testing.T) {
	w := newWorld(t)
	w.installDemo(t, plainApp, plainAppAs("org.hostile.Refused"))
	w.writeOverride(t, plainApp.ID, []byte("[Context]\nsockets="+hostileText+";wayland;\n[Environment]\nEVIL="+hostileText+
		"\n[Session Bus Policy]\norg.a.b="+hostileText+"\n"))
	w.writeOverride(t, "org.hostile.Refused", []byte("[Context]\nfilesystems=~/"+hostileText+";\n"))
	for _, args := range [][]string{{"list"}, {"show", plainApp.ID}, {"show", "org.hostile.Refused"}, {"audit"}, {"audit", "--json"},
		{"export"}, {"override", "--show", plainApp.ID}, {"lock", plainApp.ID}, {"harden", plainApp.ID}, {"show", plainApp.ID, "--json"}} {
		w.confine(t, args...) // checkOutput does the rest
	}
	r := w.confine(t, "show", plainApp.ID)
	mustContain(t, "show", r.stdout, `'Evil\x1B[2J\x1B]0;PWNED\x07\x1B[6n\x9B31m\u202Eexe.txt\x7F'`)
}

// App IDs of 236-255 bytes failed with "file name too long" (the
// temporary file's name).
func TestFileLongestAppIDs(t *testing.T) {
	w := newWorld(t)
	for _, n := range []int{235, 236, 248, 249, 254, 255} {
		id := "org.hostile." + strings.Repeat("x", n-12)
		if r := w.confine(t, "override", "--env=A=1", id); r.code != 0 {
			t.Errorf("%d bytes:\n%s", n, r)
		}
		if got := w.readOverride(t, id); string(got) != "[Environment]\nA=1\n" {
			t.Errorf("%d bytes: %q", n, got)
		}
	}
	if r := w.confine(t, "override", "--env=A=1", "org.hostile."+strings.Repeat("x", 256-12)); r.code != 1 {
		t.Errorf("256 bytes accepted:\n%s", r)
	}
}
