package writers

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/overrides"
)

// needRoot: mounting and switching users need root, which the tests have
// on the development machine and in CI. Elsewhere the test is skipped
// loudly; in CI it fails.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		testbin.Unavailable(t, "this test mounts file systems and switches users: run it as root")
	}
	testbin.Need(t, "mount")
	testbin.Need(t, "umount")
}

// mount runs mount(8) onto dir (made if missing) and unmounts it, by its
// mount point, when the test ends.
func mount(t *testing.T, dir string, args ...string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", append(args, dir)...).CombinedOutput(); err != nil {
		if os.Getenv("CI") == "" && bytes.Contains(out, []byte("permission denied")) {
			t.Skipf("SKIPPED LOUDLY: cannot mount here (a container without CAP_SYS_ADMIN?): %s", out)
		}
		t.Fatalf("mount %v %s: %v %s", args, dir, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
}

// tmpfs mounts a small real tmpfs of size bytes at dir.
func tmpfs(t *testing.T, dir string, size int) {
	mount(t, dir, "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0755", size), "confine-test")
}

// fill writes a file in dir until the file system is full.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

// names lists a folder.
func names(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return strings.Join(out, " ")
}

func TestFullDisk(t *testing.T) {
	needRoot(t)
	w := newWorld(t.TempDir())
	tmpfs(t, w.overrides, 64<<10)
	if r := w.confine(t, "override", "--env=KEEP=1", "--nosocket=x11", app); !r.ok() {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	old := w.read(t, app)
	fill(t, w.overrides)
	before := names(t, w.overrides)

	for _, tc := range []struct{ what, id string }{{"an edit", app}, {"a new override", "org.test.New"}} {
		r := w.confine(t, "override", "--env=BIG="+strings.Repeat("x", 8000), tc.id)
		path := filepath.Join(w.overrides, tc.id)
		want := "confine override: cannot save " + path + ": no space left on the device that holds " + w.overrides +
			"; free some space and try again; the file was not changed\n"
		if r.code != 1 || r.stderr != want {
			t.Fatalf("%s on a full disk: exit %d, %q", tc.what, r.code, r.stderr)
		}
		t.Logf("%s on a full disk, the user sees: %s", tc.what, strings.TrimSpace(r.stderr))
	}
	if got := w.read(t, app); !bytes.Equal(got, old) {
		t.Fatalf("old file changed: %q", got)
	}
	if after := names(t, w.overrides); after != before {
		t.Fatalf("folder was %q, is %q", before, after)
	}
	// Resetting needs no space, so it still works on a full disk.
	if r := w.confine(t, "reset", app); !r.ok() {
		t.Fatalf("reset on a full disk: exit %d: %s", r.code, r.stderr)
	}
	if w.read(t, app) != nil {
		t.Fatal("reset did not delete the file")
	}
	os.Remove(filepath.Join(w.overrides, "filler"))
	if r := w.confine(t, "override", "--env=AFTER=1", app); !r.ok() {
		t.Fatalf("with space again: exit %d: %s", r.code, r.stderr)
	}
	if env := w.envOf(t, app); !maps.Equal(env, map[string]string{"AFTER": "1"}) {
		t.Fatalf("got %v", env)
	}
	noLeftovers(t, w.overrides)
}

func TestReadOnlyFolder(t *testing.T) {
	needRoot(t)
	w := newWorld(t.TempDir())
	tmpfs(t, w.overrides, 1<<20)
	// Written by something else, so there is no lock file either.
	old := []byte("[Environment]\nKEEP=1\n")
	if err := os.WriteFile(filepath.Join(w.overrides, app), old, 0o644); err != nil {
		t.Fatal(err)
	}
	// An override kept in a dotfiles folder elsewhere, linked in.
	dotfiles := filepath.Join(w.root, "dotfiles")
	os.MkdirAll(dotfiles, 0o755)
	os.WriteFile(filepath.Join(dotfiles, "org.test.Linked"), old, 0o644)
	if err := os.Symlink(filepath.Join(dotfiles, "org.test.Linked"), filepath.Join(w.overrides, "org.test.Linked")); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-o", "remount,ro", w.overrides).CombinedOutput(); err != nil {
		t.Fatalf("remount read-only: %v %s", err, out)
	}
	before := names(t, w.overrides)

	for _, args := range [][]string{
		{"override", "--env=A=1", app},
		{"override", "--env=A=1", "org.test.New"},
		{"reset", app},
	} {
		r := w.confine(t, args...)
		id := args[len(args)-1]
		want := "confine " + args[0] + ": cannot save " + filepath.Join(w.overrides, id) + ": " + w.overrides +
			" is on a read-only file system; the file was not changed\n"
		if r.code != 1 || r.stderr != want {
			t.Fatalf("%v: exit %d, %q", args, r.code, r.stderr)
		}
		t.Logf("confine %s in a read-only folder, the user sees: %s", strings.Join(args, " "), strings.TrimSpace(r.stderr))
	}
	if got := w.read(t, app); !bytes.Equal(got, old) {
		t.Fatalf("file changed: %q", got)
	}
	if after := names(t, w.overrides); after != before {
		t.Fatalf("folder was %q, is %q", before, after)
	}
	// A write through the link lands in the writable folder.
	if r := w.confine(t, "override", "--env=A=1", "org.test.Linked"); !r.ok() {
		t.Fatalf("through the link: exit %d: %s", r.code, r.stderr)
	}
	if env := w.envOf(t, "org.test.Linked"); !maps.Equal(env, map[string]string{"KEEP": "1", "A": "1"}) {
		t.Fatalf("through the link: %v", env)
	}
	noLeftovers(t, dotfiles)
}

// A folder the user may not write: the command line runs as an unprivileged
// user (nobody) on folders root owns.
func TestFolderTheUserMayNotWrite(t *testing.T) {
	needRoot(t)
	setpriv := testbin.Need(t, "setpriv")
	// Every folder on the way must be reachable by that user.
	base, err := os.MkdirTemp("", "confine-writers-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	os.Chmod(base, 0o755)
	bin := filepath.Join(base, "confine")
	data, err := os.ReadFile(confineBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	w := newWorld(base)
	os.MkdirAll(w.overrides, 0o755)
	old := []byte("[Environment]\nKEEP=1\n")
	os.WriteFile(filepath.Join(w.overrides, app), old, 0o644)

	asUser := func(args ...string) result {
		return w.run(t, setpriv, append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", bin}, args...)...)
	}
	check := func(what string, args []string, want string) {
		t.Helper()
		before := names(t, w.overrides)
		r := asUser(args...)
		if r.code != 1 || r.stderr != want {
			t.Fatalf("%s: exit %d, %q", what, r.code, r.stderr)
		}
		t.Logf("%s, the user sees: %s", what, strings.TrimSpace(r.stderr))
		if got := w.read(t, app); !bytes.Equal(got, old) {
			t.Fatalf("%s: file changed: %q", what, got)
		}
		if after := names(t, w.overrides); after != before {
			t.Fatalf("%s: folder was %q, is %q", what, before, after)
		}
	}
	denied := func(cmd, id, dir string) string {
		return "confine " + cmd + ": cannot save " + filepath.Join(w.overrides, id) + ": you do not have permission to write in " + dir + "; the file was not changed\n"
	}
	check("an edit, no lock file yet", []string{"override", "--env=A=1", app}, denied("override", app, w.overrides))
	check("a reset", []string{"reset", app}, denied("reset", app, w.overrides))

	// The lock file exists (root wrote before): it is opened read-only, so
	// the user can still take the lock, and the write is refused as before.
	if r := w.confine(t, "override", "--env=KEEP=1", app); !r.ok() {
		t.Fatalf("as root: %s", r.stderr)
	}
	lock := filepath.Join(w.overrides, overrides.LockName)
	if st, err := os.Stat(lock); err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("lock file: %v %v", st, err)
	}
	check("an edit, with root's lock file", []string{"override", "--env=A=1", app}, denied("override", app, w.overrides))

	// A lock file the user cannot even open.
	os.Chmod(lock, 0o600)
	check("an edit, with an unreadable lock file", []string{"override", "--env=A=1", app},
		"confine override: cannot open Confine's lock file "+lock+": permission denied\n")
	os.Chmod(lock, 0o644)

	// No overrides folder yet, in a user folder the user may not write.
	os.RemoveAll(w.overrides)
	r := asUser("override", "--env=A=1", app)
	want := denied("override", app, w.user)
	if r.code != 1 || r.stderr != want {
		t.Fatalf("no overrides folder: exit %d, %q", r.code, r.stderr)
	}
	t.Logf("no overrides folder, the user sees: %s", strings.TrimSpace(r.stderr))
	if _, err := os.Stat(w.overrides); !os.IsNotExist(err) {
		t.Fatalf("overrides folder: %v", err)
	}
}

// Confine killed (SIGKILL) at random points of its writes: the file is
// always exactly the old or the new version, and the temporary files
// killed writes leave are removed by a later write.
func TestKilledWriters(t *testing.T) {
	w := newWorld(t.TempDir())
	// Large values make the write itself (and its fsync) a good part of
	// the run, so kills land in it.
	value := strings.Repeat("v", 8<<10)
	start := func(key string) *exec.Cmd {
		cmd := exec.Command(confineBin, "override", "--env="+key+"="+value, app)
		cmd.Env = w.env()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	if r := w.confine(t, "override", "--env=BASE="+value, app); !r.ok() {
		t.Fatal(r.stderr)
	}
	// How long one write runs, to spread the kills over it.
	var runTime time.Duration
	for range 3 {
		r := w.confine(t, "override", "--env=BASE="+value, app)
		runTime = max(runTime, r.took)
	}

	// One writer at a time: after each, the file must be the version
	// before it or the version with its variable.
	prev := w.envOf(t, app)
	var oldSeen, newSeen, killed int
	for i := range 40 {
		key := fmt.Sprintf("K%d", i)
		cmd := start(key)
		time.Sleep(rand.N(runTime * 3 / 2))
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		wasKilled := cmd.ProcessState.Sys().(syscall.WaitStatus).Signaled()
		if wasKilled {
			killed++
		} else if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		got, err := envOf(w.read(t, app))
		if err != nil {
			t.Fatalf("after killing the write of %s: %v", key, err)
		}
		next := maps.Clone(prev)
		next[key] = value
		switch {
		case maps.Equal(got, prev):
			oldSeen++
			if !wasKilled {
				t.Fatalf("%s: exited 0 but its edit is missing", key)
			}
		case maps.Equal(got, next):
			newSeen++
		default:
			t.Fatalf("after %s: neither the old nor the new version: %d variables", key, len(got))
		}
		prev = got
	}
	left := leftovers(t, w.overrides)
	t.Logf("one writer at a time: %d of 40 killed; file was the old version %d times, the new one %d times; %d temporary files left behind",
		killed, oldSeen, newSeen, len(left))

	// Several at once, killed at random, while a reader checks every
	// version it sees parses completely.
	stop := make(chan struct{})
	var readerErr error
	var reads int
	var rwg sync.WaitGroup
	rwg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			time.Sleep(time.Millisecond)
			data, err := os.ReadFile(filepath.Join(w.overrides, app))
			if err == nil {
				if _, err = envOf(data); err != nil {
					readerErr = err
					return
				}
				reads++
			}
		}
	})
	var mu sync.Mutex
	done := map[string]bool{}
	issued := map[string]bool{}
	writers(4, 15, func(g, i int) bool {
		key := fmt.Sprintf("C%d_%d", g, i)
		mu.Lock()
		issued[key] = true
		mu.Unlock()
		cmd := start(key)
		kill := rand.N(3) > 0
		if kill {
			time.Sleep(rand.N(runTime * 2))
			cmd.Process.Signal(syscall.SIGKILL)
		}
		err := cmd.Wait()
		if err == nil {
			mu.Lock()
			done[key] = true
			mu.Unlock()
		} else if !kill || !cmd.ProcessState.Sys().(syscall.WaitStatus).Signaled() {
			t.Errorf("%s: %v", key, err)
		}
		return err == nil
	})
	close(stop)
	rwg.Wait()
	if readerErr != nil {
		t.Fatalf("a reader saw a broken file: %v", readerErr)
	}
	got := w.envOf(t, app)
	for k := range done {
		if got[k] != value {
			t.Errorf("%s exited 0 but is missing", k)
		}
	}
	for k := range got {
		if strings.HasPrefix(k, "C") && !issued[k] {
			t.Errorf("%s was never written", k)
		}
	}
	left = leftovers(t, w.overrides)
	t.Logf("4 writers × 15, two thirds killed at random: %d completed, %d variables in the file, %d complete reads by the reader, %d temporary files left behind",
		len(done), len(got)-len(prev), reads, len(left))

	// Killed writes leave temporary files; they are removed once they are
	// a minute old (made so here), by the next write into the folder.
	old := time.Now().Add(-2 * time.Minute)
	for _, name := range left {
		os.Chtimes(filepath.Join(w.overrides, name), old, old)
	}
	if r := w.confine(t, "override", "--env=LAST=1", app); !r.ok() {
		t.Fatal(r.stderr)
	}
	noLeftovers(t, w.overrides)
}
