package overrides

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Odd files where override files and Confine's lock should be: none may
// make Confine wait forever or write a file it cannot read back.

// noHang runs f and fails the test if it has not returned within a
// generous limit: a guard against a hang, not a performance target.
func noHang(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: still waiting after 20 s", what)
	}
}

func mkfifo(t *testing.T, p string) {
	t.Helper()
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFIFOAtTheLockIsRefusedWithoutWaiting(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	mkfifo(t, filepath.Join(s.Dir, LockName))
	var err error
	noHang(t, "edit with a FIFO at the lock", func() {
		_, _, err = s.Update("org.a.App", setEnv("A"))
	})
	if err == nil || !strings.Contains(err.Error(), "a FIFO, not a regular file") {
		t.Fatalf("got %v", err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "org.a.App")); !os.IsNotExist(err) {
		t.Fatalf("written anyway: %v", err)
	}
}

func TestFIFOInPlaceOfTheFileIsNeverWaitedOn(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	p := filepath.Join(s.Dir, "org.a.App")
	foreign(t, p, "[Environment]\nA=1\n")
	// Another program swaps a FIFO in after Confine's last check.
	withHook(t, func(target string) {
		os.Remove(target)
		mkfifo(t, target)
	})
	var err error
	noHang(t, "edit of a file swapped for a FIFO", func() {
		_, _, err = s.Update("org.a.App", setEnv("B"))
	})
	if err == nil {
		t.Fatal("no error")
	}
	if st, serr := os.Lstat(p); serr != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the FIFO was not left in place: %v %v", st, serr)
	}
	// And read directly: a FIFO is reported, not waited on.
	withHook(t, nil)
	noHang(t, "read of a FIFO", func() { _, err = s.Read("org.a.App") })
	if err == nil || !strings.Contains(err.Error(), "not a regular file (a FIFO)") {
		t.Fatalf("read: %v", err)
	}
}

func TestResetRemovesWhatItCannotRead(t *testing.T) {
	root := t.TempDir()
	s := &Store{Dir: filepath.Join(root, "overrides")}
	os.MkdirAll(s.Dir, 0o755)
	keep := filepath.Join(root, "kept")
	os.WriteFile(keep, []byte("not an override"), 0o644)
	mkfifo(t, filepath.Join(root, "fifo"))
	os.Symlink(filepath.Join(root, "missing"), filepath.Join(s.Dir, "org.dangling.App"))
	os.Symlink(filepath.Join(s.Dir, "org.loop.App"), filepath.Join(s.Dir, "org.loop.App"))
	os.Symlink(filepath.Join(root, "fifo"), filepath.Join(s.Dir, "org.tofifo.App"))
	mkfifo(t, filepath.Join(s.Dir, "org.fifo.App"))
	os.WriteFile(filepath.Join(s.Dir, "org.huge.App"), bytes.Repeat([]byte("#"), MaxFileSize+1), 0o644)
	for _, id := range []string{"org.dangling.App", "org.loop.App", "org.tofifo.App", "org.fifo.App", "org.huge.App"} {
		noHang(t, "reset "+id, func() {
			if before, err := s.Reset(id); err != nil || before != nil {
				t.Errorf("%s: %q %v", id, before, err)
			}
		})
		if _, err := os.Lstat(filepath.Join(s.Dir, id)); !os.IsNotExist(err) {
			t.Errorf("%s still there: %v", id, err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "fifo")); err != nil {
		t.Error("the FIFO a link pointed to was removed")
	}
	// A folder is not Confine's to remove, nor is a link to one.
	os.Mkdir(filepath.Join(s.Dir, "org.dir.App"), 0o755)
	if _, err := s.Reset("org.dir.App"); err == nil {
		t.Error("a folder was reset")
	}
	onlyFiles(t, s.Dir, "org.dir.App")
}

func TestAnEditNeverGrowsAFilePastTheLimit(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	p := filepath.Join(s.Dir, "org.a.App")
	head := "[Environment]\nA="
	data := []byte(head + strings.Repeat("x", MaxFileSize-len(head)-1) + "\n")
	os.WriteFile(p, data, 0o644)
	if _, err := s.Load("org.a.App"); err != nil {
		t.Fatalf("a file of exactly %d bytes must load: %v", len(data), err)
	}
	_, _, err := s.Update("org.a.App", setEnv("B"))
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("got %v", err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
		t.Fatal("file changed")
	}
}

func TestLongestAppIDsCanBeWritten(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	for n := 230; n <= 255; n++ {
		id := "org.a." + strings.Repeat("x", n-6)
		if err := ValidateAppID(id); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Update(id, setEnv("A")); err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if _, err := s.Reset(id); err != nil {
			t.Fatalf("%d bytes: reset: %v", n, err)
		}
	}
	onlyFiles(t, s.Dir)
}

func TestCRLFFileStaysCRLF(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	p := filepath.Join(s.Dir, "org.a.App")
	os.WriteFile(p, []byte("[Context]\r\nshared=network;\r\n"), 0o644)
	for _, edit := range []func(*File) error{
		setEnv("A"), // a new group
		func(f *File) error { return f.SetBusPolicy(SessionBus, "org.a.b", PolicyTalk) },
		func(f *File) error { return f.SetFixed(Flatpak114, KeySockets, "x11", Revoke) }, // a new key
		func(f *File) error { return f.RemoveEnv("A") },                                  // a group removed
	} {
		if _, _, err := s.Update("org.a.App", edit); err != nil {
			t.Fatal(err)
		}
		got := mustRead(t, p)
		if strings.Count(got, "\n") != strings.Count(got, "\r\n") {
			t.Fatalf("mixed line endings: %q", got)
		}
	}
}

func TestReadRegularAndInput(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	mkfifo(t, fifo)
	var err error
	noHang(t, "ReadRegular of a FIFO", func() { _, err = ReadRegular(fifo, 10) })
	if !IsNotRegular(err) {
		t.Fatalf("FIFO: %v", err)
	}
	// A FIFO nobody writes to reads as empty; a device is refused.
	var data []byte
	noHang(t, "ReadInput of a FIFO", func() { data, err = ReadInput(fifo, 10) })
	if err != nil || len(data) != 0 {
		t.Fatalf("FIFO: %q %v", data, err)
	}
	noHang(t, "ReadInput of /dev/zero", func() { _, err = ReadInput("/dev/zero", 10) })
	var nr *NotRegularError
	if !errors.As(err, &nr) {
		t.Fatalf("/dev/zero: %v", err)
	}
	big := filepath.Join(dir, "big")
	os.WriteFile(big, make([]byte, 11), 0o644)
	var tl *TooLargeError
	if _, err := ReadInput(big, 10); !errors.As(err, &tl) {
		t.Fatalf("11 bytes, limit 10: %v", err)
	}
}

// The user installation as Flatpak finds it, and never a folder relative
// to wherever Confine was started (the real-process checks, with the
// user database and flatpak itself, are in integration/hostile).
func TestUserInstallationDirNeverRelative(t *testing.T) {
	real := lookupHome
	t.Cleanup(func() { lookupHome = real })
	lookupHome = func() (string, error) { return "/home/db", nil }
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tc := range []struct {
		env       func(string) string
		want, err string
	}{
		{env("HOME", "/home/u"), "/home/u/.local/share/flatpak", ""},
		{env(), "/home/db/.local/share/flatpak", ""},                  // HOME unset: the user database, as GLib
		{env("HOME", ""), "/home/db/.local/share/flatpak", ""},        // GLib would use the current folder
		{env("HOME", "rel"), "", "HOME is rel, not an absolute path"}, // as would Flatpak
		{env("XDG_DATA_HOME", "d"), "", "XDG_DATA_HOME is d, not an absolute path"},
		{env("FLATPAK_USER_DIR", "./u", "HOME", "/h"), "", "FLATPAK_USER_DIR is ./u, not an absolute path"},
		{env("FLATPAK_USER_DIR", "/u"), "/u", ""},
		{env("XDG_DATA_HOME", "/d"), "/d/flatpak", ""},
	} {
		got, err := UserInstallationDir(tc.env)
		if got != tc.want || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("HOME=%q XDG_DATA_HOME=%q FLATPAK_USER_DIR=%q: %q, %v; want %q, %q", tc.env("HOME"), tc.env("XDG_DATA_HOME"), tc.env("FLATPAK_USER_DIR"), got, err, tc.want, tc.err)
		}
	}
	lookupHome = func() (string, error) { return "", errors.New("no entry") }
	if _, err := UserInstallationDir(env()); err == nil || !strings.Contains(err.Error(), "HOME is not set") {
		t.Errorf("no HOME and no user database: %v", err)
	}
	s := NewUserStore(env())
	if _, _, err := s.Update("org.a.App", setEnv("A")); err == nil || !strings.Contains(err.Error(), "HOME is not set") {
		t.Errorf("write without a home folder: %v", err)
	}
}
