package overrides

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// foreign writes a file the way GLib's g_file_set_contents (and so
// `flatpak override`) does: a new file renamed over the old one.
func foreign(t *testing.T, p, content string) {
	t.Helper()
	tmp := p + ".XYZ123"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		t.Fatal(err)
	}
}

func setEnv(name string) func(*File) error {
	return func(f *File) error { return f.SetEnv(name, "1") }
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// onlyFiles fails if the folder holds anything but the lock and names.
func onlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	var got []string
	for _, e := range ents {
		if e.Name() != LockName {
			got = append(got, e.Name())
		}
	}
	if !slices.Equal(got, names) {
		t.Fatalf("folder holds %v, want %v", got, names)
	}
}

func withHook(t *testing.T, hook func(string)) {
	beforeCommit = hook
	t.Cleanup(func() { beforeCommit = nil })
}

func TestLockTimesOutWithAClearMessage(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	old := LockTimeout
	LockTimeout = 150 * time.Millisecond
	t.Cleanup(func() { LockTimeout = old })
	if _, _, err := s.Update("org.a.App", setEnv("A")); err != nil {
		t.Fatal(err)
	}
	// flock locks belong to an open file, so a second open in this process
	// is another holder, as another Confine would be.
	held, err := os.Open(filepath.Join(s.Dir, LockName))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(held.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(s.Dir, "org.a.App")
	start := time.Now()
	_, _, err = s.Update("org.a.App", setEnv("B"))
	var be *BusyError
	if !errors.As(err, &be) || err.Error() != "another Confine is writing "+p+"; try again" {
		t.Fatalf("got %v", err)
	}
	if waited := time.Since(start); waited < LockTimeout {
		t.Fatalf("gave up after %v, before the timeout", waited)
	}
	if err := s.Write("org.a.App", []byte(mustRead(t, p)), nil); !errors.As(err, &be) {
		t.Fatalf("Write: got %v", err)
	}
	if _, err := s.Reset("org.a.App"); !errors.As(err, &be) {
		t.Fatalf("Reset: got %v", err)
	}
	if got := mustRead(t, p); got != "[Environment]\nA=1\n" {
		t.Fatalf("file changed while locked: %q", got)
	}
	held.Close()
	if _, _, err := s.Update("org.a.App", setEnv("B")); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentUpdatesInOneProcessKeepEveryEdit(t *testing.T) {
	s := &Store{Dir: filepath.Join(t.TempDir(), "overrides")}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 10 {
		wg.Go(func() {
			for i := range 10 {
				if _, _, err := s.Update("org.a.App", setEnv(string(rune('A'+g))+string(rune('a'+i)))); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	f, err := s.Load("org.a.App")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := f.Context(Flatpak114)
	if len(c.Env) != 100 {
		t.Fatalf("%d of 100 variables kept", len(c.Env))
	}
	onlyFiles(t, s.Dir, "org.a.App")
}

// A program that does not take the lock writes between Confine's read and
// its write: the edit is applied again on top of that program's file.
func TestUpdateReappliesTheEditOnAForeignChange(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	p := filepath.Join(s.Dir, "org.a.App")
	foreign(t, p, "[Environment]\nA=1\n")
	calls := 0
	before, after, err := s.Update("org.a.App", func(f *File) error {
		calls++
		if calls == 1 {
			foreign(t, p, "[Environment]\nA=1\nFLATPAK=1\n")
		}
		return f.SetEnv("CONFINE", "1")
	})
	if err != nil || calls != 2 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
	want := "[Environment]\nA=1\nFLATPAK=1\nCONFINE=1\n"
	if string(before) != "[Environment]\nA=1\nFLATPAK=1\n" || string(after) != want || mustRead(t, p) != want {
		t.Fatalf("before %q after %q file %q", before, after, mustRead(t, p))
	}
	onlyFiles(t, s.Dir, "org.a.App")
}

func TestUpdateGivesUpWithAConflictError(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	p := filepath.Join(s.Dir, "org.a.App")
	calls := 0
	_, _, err := s.Update("org.a.App", func(f *File) error {
		calls++
		foreign(t, p, "[Environment]\nN="+strings.Repeat("x", calls)+"\n")
		return f.SetEnv("CONFINE", "1")
	})
	var ce *ConflictError
	if !errors.As(err, &ce) || calls != updateAttempts {
		t.Fatalf("got %v after %d calls", err, calls)
	}
	want := p + ": changed by another program while Confine was writing it; Confine's change was not saved; try again"
	if err.Error() != want {
		t.Fatalf("message %q", err)
	}
	if got := mustRead(t, p); got != "[Environment]\nN="+strings.Repeat("x", updateAttempts)+"\n" {
		t.Fatalf("the other program's file was replaced: %q", got)
	}
	onlyFiles(t, s.Dir, "org.a.App")
}

// The other program's write lands after Confine's last check, right before
// Confine's file is swapped in: the swap itself notices, and puts the other
// program's file back.
func TestWriteInTheLastGapIsNotOverwritten(t *testing.T) {
	for _, tc := range []struct {
		name    string
		initial string // "" no file
		write   func(s *Store) error
		want    string // the file afterwards; "" no file
	}{
		{"update of an existing file", "[Environment]\nA=1\n",
			func(s *Store) error { _, _, err := s.Update("org.a.App", setEnv("CONFINE")); return err },
			"[Environment]\nA=1\nFLATPAK=1\nCONFINE=1\n"},
		{"update creating the file", "",
			func(s *Store) error { _, _, err := s.Update("org.a.App", setEnv("CONFINE")); return err },
			"[Environment]\nA=1\nFLATPAK=1\nCONFINE=1\n"},
		{"undo (expected bytes)", "[Environment]\nA=1\n",
			func(s *Store) error {
				return s.Write("org.a.App", []byte("[Environment]\nA=1\n"), []byte("[Context]\n"))
			},
			"[Environment]\nA=1\nFLATPAK=1\n"},
		{"undo deleting the file", "[Environment]\nA=1\n",
			func(s *Store) error { return s.Write("org.a.App", []byte("[Environment]\nA=1\n"), nil) },
			"[Environment]\nA=1\nFLATPAK=1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Store{Dir: t.TempDir()}
			p := filepath.Join(s.Dir, "org.a.App")
			if tc.initial != "" {
				foreign(t, p, tc.initial)
			}
			hooked := 0
			withHook(t, func(target string) {
				if hooked++; hooked == 1 {
					foreign(t, target, "[Environment]\nA=1\nFLATPAK=1\n")
				}
			})
			err := tc.write(s)
			var ce *ConflictError
			if strings.HasPrefix(tc.name, "undo") != errors.As(err, &ce) {
				t.Fatalf("got %v", err)
			}
			if got := mustRead(t, p); got != tc.want {
				t.Fatalf("file %q, want %q", got, tc.want)
			}
			onlyFiles(t, s.Dir, "org.a.App")
		})
	}
}

func TestResetReturnsWhatItDeleted(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	p := filepath.Join(s.Dir, "org.a.App")
	foreign(t, p, "[Environment]\nA=1\n")
	hooked := 0
	withHook(t, func(target string) {
		if hooked++; hooked == 1 {
			foreign(t, target, "not a key file\n")
		}
	})
	before, err := s.Reset("org.a.App")
	if err != nil || string(before) != "not a key file\n" {
		t.Fatalf("got %q %v", before, err)
	}
	onlyFiles(t, s.Dir)
}

// A third program replaces Confine's file between the swap and the swap
// back: its file is the newest and is the one kept.
func TestThirdWriterInTheGapIsKept(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	p := filepath.Join(s.Dir, "org.a.App")
	foreign(t, p, "[Environment]\nA=1\n")
	withHook(t, func(target string) {
		beforeCommit = nil
		foreign(t, target, "[Environment]\nSECOND=1\n")
	})
	real := exchange
	t.Cleanup(func() { exchange = real })
	exchange = func(a, b string) error {
		exchange = real
		err := real(a, b)
		foreign(t, b, "[Environment]\nSECOND=1\nTHIRD=1\n")
		return err
	}
	_, _, err := s.Update("org.a.App", setEnv("CONFINE"))
	if err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, p); got != "[Environment]\nSECOND=1\nTHIRD=1\nCONFINE=1\n" {
		t.Fatalf("file %q", got)
	}
	onlyFiles(t, s.Dir, "org.a.App")
}

// When the swap back fails, the other program's file is not lost: it stays
// where the error says, under a name the clean-up of stale temporaries
// leaves alone.
func TestFailedSwapBackKeepsTheForeignFile(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	p := filepath.Join(s.Dir, "org.a.App")
	foreign(t, p, "[Environment]\nA=1\n")
	withHook(t, func(target string) {
		beforeCommit = nil
		foreign(t, target, "[Environment]\nA=1\nFOREIGN=1\n")
	})
	real := exchange
	t.Cleanup(func() { exchange = real })
	swaps := 0
	exchange = func(a, b string) error {
		if swaps++; swaps == 2 {
			return &os.LinkError{Op: "renameat2", Old: a, New: b, Err: syscall.EIO}
		}
		return real(a, b)
	}
	_, _, err := s.Update("org.a.App", setEnv("CONFINE"))
	if err == nil || !strings.Contains(err.Error(), "putting that version back failed") {
		t.Fatalf("got %v", err)
	}
	kept := ""
	ents, _ := os.ReadDir(s.Dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".kept-") && !isTemp(e.Name()) {
			kept = e.Name()
		}
	}
	if kept == "" || !strings.Contains(err.Error(), "it is kept as "+filepath.Join(s.Dir, kept)) {
		t.Fatalf("temporary %q, error %v", kept, err)
	}
	if got := mustRead(t, filepath.Join(s.Dir, kept)); got != "[Environment]\nA=1\nFOREIGN=1\n" {
		t.Fatalf("kept %q", got)
	}
}

// Without RENAME_EXCHANGE (some network and FUSE file systems) writes fall
// back to a checked rename and still keep foreign changes made before it.
func TestWithoutExchange(t *testing.T) {
	real := exchange
	t.Cleanup(func() { exchange = real })
	exchange = func(a, b string) error { return &os.LinkError{Op: "renameat2", Old: a, New: b, Err: syscall.EINVAL} }
	s := &Store{Dir: t.TempDir()}
	p := filepath.Join(s.Dir, "org.a.App")
	foreign(t, p, "[Environment]\nA=1\n")
	calls := 0
	if _, _, err := s.Update("org.a.App", func(f *File) error {
		if calls++; calls == 1 {
			foreign(t, p, "[Environment]\nA=1\nFLATPAK=1\n")
		}
		return f.SetEnv("CONFINE", "1")
	}); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, p); got != "[Environment]\nA=1\nFLATPAK=1\nCONFINE=1\n" {
		t.Fatalf("file %q", got)
	}
	onlyFiles(t, s.Dir, "org.a.App")
}

func TestIsTemp(t *testing.T) {
	for name, want := range map[string]bool{
		".org.a.App.confine-123":     true,
		".global.confine-4294967295": true,
		".dismissed.confine-7":       true,
		".org.a.App.confine-":        false,
		".org.a.App.confine-12x":     false,
		"org.a.App.confine-1":        false,
		".confine-5":                 false,
		LockName:                     false,
		".org.a.App.swp":             false,
		"org.a.App.XYZ123":           false,
	} {
		if isTemp(name) != want {
			t.Errorf("isTemp(%q) = %v", name, !want)
		}
	}
}

func TestStaleTemporariesAreRemovedOnTheNextWrite(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	old := time.Now().Add(-2 * staleAfter)
	mk := func(name string, age time.Time) {
		p := filepath.Join(s.Dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, age, age)
	}
	mk(".org.a.App.confine-111", old)                               // killed mid-write: removed
	mk(".org.b.App.confine-222", old)                               // another app's: removed too
	mk(".org.a.App.confine-333", time.Now())                        // a write in progress: kept
	mk(".org.a.App.confine-44x", old)                               // not Confine's pattern
	mk("org.a.App.confine-555", old)                                // not a dot-file
	mk(".org.a.App.ABC123", old)                                    // GLib's temporary
	os.Mkdir(filepath.Join(s.Dir, ".org.c.App.confine-666"), 0o755) // a folder
	os.Chtimes(filepath.Join(s.Dir, ".org.c.App.confine-666"), old, old)
	if _, _, err := s.Update("org.a.App", setEnv("A")); err != nil {
		t.Fatal(err)
	}
	onlyFiles(t, s.Dir, ".org.a.App.ABC123", ".org.a.App.confine-333", ".org.a.App.confine-44x",
		".org.c.App.confine-666", "org.a.App", "org.a.App.confine-555")

	// Confine's own state files are written the same way.
	state := t.TempDir()
	mk2 := filepath.Join(state, ".dismissed.confine-9")
	os.WriteFile(mk2, nil, 0o600)
	os.Chtimes(mk2, old, old)
	if err := WriteFileAtomic(filepath.Join(state, "dismissed"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(mk2); !os.IsNotExist(err) {
		t.Fatalf("stale state temporary kept: %v", err)
	}
}

// The lock file is never taken for an override, by Confine or by Flatpak:
// its name is not a valid app ID.
func TestLockFileIsNotAnOverride(t *testing.T) {
	if ValidateTarget(LockName) == nil {
		t.Fatalf("%s is a valid target", LockName)
	}
	s := &Store{Dir: t.TempDir()}
	if _, _, err := s.Update("org.a.App", setEnv("A")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, LockName)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.List(); err != nil || !slices.Equal(got, []string{"org.a.App"}) {
		t.Fatalf("List: %v %v", got, err)
	}
}
