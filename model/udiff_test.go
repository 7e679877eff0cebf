package model

import (
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/testbin"
)

func TestUnifiedDiffKnownCases(t *testing.T) {
	for _, c := range []struct {
		name          string
		before, after []byte
		want          string
	}{
		{"same", []byte("a\n"), []byte("a\n"), ""},
		{"one line changed", []byte("a\nb\nc\n"), []byte("a\nB\nc\n"),
			"--- f\n+++ f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"},
		{"created", nil, []byte("x\ny\n"),
			"--- /dev/null\n+++ f\n@@ -0,0 +1,2 @@\n+x\n+y\n"},
		{"deleted", []byte("x\n"), nil,
			"--- f\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"},
		{"newline added at the end", []byte("a\nb"), []byte("a\nb\n"),
			"--- f\n+++ f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"},
		// Lines far apart make two hunks, each with three lines of context.
		{"two hunks", []byte("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n"), []byte("one\n2\n3\n4\n5\n6\n7\n8\n9\nten\n"),
			"--- f\n+++ f\n@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n@@ -7,4 +7,4 @@\n 7\n 8\n 9\n-10\n+ten\n"},
		{"insertion in the middle", []byte("a\nb\nc\nd\ne\nf\ng\nh\n"), []byte("a\nb\nc\nd\nNEW\ne\nf\ng\nh\n"),
			"--- f\n+++ f\n@@ -2,6 +2,7 @@\n b\n c\n d\n+NEW\n e\n f\n g\n"},
	} {
		if got := UnifiedDiff("f", c.before, c.after); got != c.want {
			t.Errorf("%s:\ngot\n%s\nwant\n%s", c.name, got, c.want)
		}
	}
}

// TestUnifiedDiffPatch feeds random diffs to GNU patch: applied to the old
// file, each must give the new one exactly.
func TestUnifiedDiffPatch(t *testing.T) {
	patch := testbin.Need(t, "patch")
	dir := t.TempDir()
	pool := []string{"[Context]", "shared=network;", "sockets=x11;wayland;", "filesystems=home;", "", "# note",
		"[Environment]", "FOO=bar", "[Session Bus Policy]", "org.freedesktop.secrets=none"}
	r := rand.New(rand.NewSource(7))
	file := func() []byte {
		switch r.Intn(8) {
		case 0:
			return nil
		}
		var lines []string
		for range r.Intn(14) {
			lines = append(lines, pool[r.Intn(len(pool))])
		}
		s := strings.Join(lines, "\n")
		if r.Intn(5) > 0 && s != "" {
			s += "\n"
		}
		return []byte(s)
	}
	for i := range 300 {
		before, after := file(), file()
		d := UnifiedDiff("f", before, after)
		if string(before) == string(after) {
			if (before == nil) == (after == nil) && d != "" {
				t.Fatalf("diff of equal files: %q", d)
			}
			continue
		}
		in, out, df := filepath.Join(dir, "in"), filepath.Join(dir, "out"), filepath.Join(dir, "d")
		os.WriteFile(in, before, 0o644)
		os.WriteFile(df, []byte(d), 0o644)
		os.Remove(out)
		cmd := exec.Command(patch, "--quiet", "--force", "--no-backup-if-mismatch", "-o", out, in, df)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("case %d: patch refuses\n%s\nbefore %q\nafter %q\n%s", i, d, before, after, msg)
		}
		got, _ := os.ReadFile(out)
		if string(got) != string(after) {
			t.Fatalf("case %d: patch gives %q, want %q\n%s", i, got, after, d)
		}
	}
}
