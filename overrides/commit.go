package overrides

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// LockName is the file in the overrides folder that every Confine process
// locks (flock, exclusive) around a re-read → edit → replace of an override.
// It lives in the overrides folder itself because that is the one place a
// Confine on the host and a Confine inside its own Flatpak sandbox (which
// sees the folder through a bind mount) both see; flock locks the inode, so
// both paths lock the same lock. The name is safe there: Flatpak only opens
// overrides/<APP-ID> and overrides/global by name and never lists the
// folder, and an app ID cannot start with a dot (its first element would be
// empty), so no app's override can be called this. Store.List skips it for
// the same reason.
const LockName = ".confine.lock"

// LockTimeout bounds the wait for another Confine's write. A write holds the
// lock for milliseconds, so waiting this long means something is stuck; the
// user is told instead of the window or command hanging.
var LockTimeout = 2 * time.Second

// updateAttempts is how often Update applies an edit when a program that
// does not take the lock (flatpak override, an editor, Flatseal) changes the
// file between Confine's read and its write.
const updateAttempts = 4

// staleAfter is the age at which a leftover temporary file of Confine's is
// removed: no write keeps its temporary file open for that long.
const staleAfter = time.Minute

// tempInfix marks Confine's temporary files: ".NAME.confine-DIGITS".
const tempInfix = ".confine-"

// BusyError reports that another Confine held the write lock longer than
// LockTimeout.
type BusyError struct{ Path string }

func (e *BusyError) Error() string {
	return "another Confine is writing " + e.Path + "; try again"
}

// WriteError reports a write that failed before anything was replaced: the
// file still holds what it held before.
type WriteError struct {
	Path string // the file Confine was saving
	Dir  string // the folder it needed to write in
	Err  error
}

func (e *WriteError) Unwrap() error { return e.Err }

func (e *WriteError) Error() string {
	why := e.Err.Error()
	switch {
	case errors.Is(e.Err, syscall.ENOSPC):
		why = "no space left on the device that holds " + e.Dir + "; free some space and try again"
	case errors.Is(e.Err, syscall.EDQUOT):
		why = "your disk quota on the device that holds " + e.Dir + " is used up"
	case errors.Is(e.Err, syscall.EROFS):
		why = e.Dir + " is on a read-only file system"
	case errors.Is(e.Err, fs.ErrPermission):
		why = "you do not have permission to write in " + e.Dir
	}
	return "cannot save " + e.Path + ": " + why + "; the file was not changed"
}

// mkdirError reports a folder that could not be made: what was lacking is
// the right to write in the folder above the one MkdirAll tried to make.
func mkdirError(p, dir string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Op == "mkdir" {
		dir = filepath.Dir(pe.Path)
	}
	return &WriteError{Path: p, Dir: dir, Err: err}
}

// lock takes the store's write lock and returns the function that releases
// it. It waits at most LockTimeout.
func (s *Store) lock(p string) (unlock func(), err error) {
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return nil, mkdirError(p, s.Dir, err)
	}
	lp := filepath.Join(s.Dir, LockName)
	// O_NONBLOCK: a FIFO put in the lock file's place must not hold the
	// open (and so every write) forever, before the timeout even starts.
	f, err := os.OpenFile(lp, os.O_RDONLY|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0o644)
	if err != nil {
		if _, serr := os.Lstat(lp); errors.Is(serr, fs.ErrNotExist) {
			// Nothing can be created in this folder (read-only, not the
			// user's, full), so a write into it fails too and says why.
			// A write through a symbolic link into another folder can
			// still succeed, and commit's check of the bytes it replaces
			// still keeps it from writing over anybody's change.
			return func() {}, nil
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is in the message already
		}
		return nil, fmt.Errorf("cannot open Confine's lock file %s: %w", lp, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot open Confine's lock file %s: %w", lp, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("Confine's lock file %s is %s, not a regular file; remove it and try again", lp, typeName(st.Mode().Type()))
	}
	// Readable by everyone whatever the umask, so a lock file made by
	// `sudo confine` does not lock the user out.
	if st.Mode().Perm() != 0o644 {
		f.Chmod(0o644)
	}
	fd := int(f.Fd())
	err = flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		err = s.waitLock(f, fd, p)
		if _, busy := err.(*BusyError); busy {
			return nil, err
		}
	}
	if err != nil {
		// A file system without flock: the writes are no longer
		// serialised, but commit still never replaces bytes it did not
		// expect; concurrent writers get conflicts and retry.
		f.Close()
		return func() {}, nil
	}
	return func() { f.Close() }, nil
}

// waitLock waits for the lock for at most LockTimeout. The wait is a
// blocking flock, so the kernel hands the lock over the moment its holder
// lets go (polling would leave it idle between polls and let a waiter lose
// every round); it runs in a goroutine so the wait can be cut short. A
// goroutine that gets the lock after its caller gave up releases it at
// once: f is then its to close.
func (s *Store) waitLock(f *os.File, fd int, p string) error {
	var mu sync.Mutex
	abandoned := false
	got := make(chan error, 1)
	go func() {
		err := flock(fd, syscall.LOCK_EX)
		mu.Lock()
		defer mu.Unlock()
		if abandoned {
			f.Close()
			return
		}
		got <- err
	}()
	timer := time.NewTimer(LockTimeout)
	defer timer.Stop()
	select {
	case err := <-got:
		return err
	case <-timer.C:
	}
	mu.Lock()
	defer mu.Unlock()
	select {
	case err := <-got:
		return err
	default:
		abandoned = true
		return &BusyError{Path: p}
	}
}

func flock(fd, how int) error {
	for {
		if err := syscall.Flock(fd, how); !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// SameFile reports whether two override files' contents are equal, nil
// meaning no file (an empty file is a file).
func SameFile(a, b []byte) bool { return bytes.Equal(a, b) && (a == nil) == (b == nil) }

// readCurrent reads the file at p; a missing file is nil, nil. It never
// waits on a FIFO or a device put in the file's place.
func readCurrent(p string) ([]byte, error) {
	data, err := readOverride(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// holds reports whether the file at p (a temporary name) holds exactly
// want; anything that cannot be read as a regular file does not.
func holds(p string, want []byte) bool {
	data, err := readOverride(p)
	return err == nil && SameFile(data, want)
}

// exchange atomically swaps two names. A variable so tests can take away
// the file system's support for it.
var exchange = func(a, b string) error {
	return unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
}

// beforeCommit, when set by a test, runs after the last check of the file
// and before it is replaced: a stand-in for another program's write landing
// in that gap.
var beforeCommit func(path string)

func unsupported(err error) bool {
	return errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSYS) ||
		errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EXDEV)
}

// commit replaces the file at target with data (nil: delete it), provided
// the bytes it replaces are exactly expect (nil: no file), and otherwise
// returns a *ConflictError and leaves the file as it found it. p is the
// override's path for messages; target is the file actually written (p, or
// where p's symbolic link points).
//
// Checking first and renaming afterwards leaves a gap in which a writer that
// does not take the lock can slip in. So the check is repeated on what was
// actually replaced: the new file is swapped in with RENAME_EXCHANGE, which
// leaves the replaced file under the temporary name; if it is not what was
// expected it is swapped back. A new file (expect == nil) is hard-linked into
// place, which fails if a file appeared meanwhile. On a file system without
// these operations the check is made right before a plain rename.
func commit(p, target string, expect, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(target)
	if data == nil {
		return commitRemove(p, target, expect)
	}
	tmp, err := writeTemp(dir, filepath.Base(target), data, perm)
	if err != nil {
		return &WriteError{Path: p, Dir: dir, Err: err}
	}
	// tmp is removed on return unless it holds another program's file that
	// could not be put back.
	keep := false
	defer func() {
		if !keep {
			os.Remove(tmp)
		}
	}()
	ours, err := os.Lstat(tmp)
	if err != nil {
		return &WriteError{Path: p, Dir: dir, Err: err}
	}
	cur, err := readCurrent(target)
	if err != nil {
		return &LoadError{Path: p, Err: err}
	}
	if !SameFile(cur, expect) {
		return &ConflictError{Path: p}
	}
	if beforeCommit != nil {
		beforeCommit(target)
	}
	if expect == nil {
		err := os.Link(tmp, target)
		if errors.Is(err, fs.ErrExist) {
			return &ConflictError{Path: p}
		}
		if err != nil && unsupported(err) {
			err = os.Rename(tmp, target)
		}
		if err != nil {
			return &WriteError{Path: p, Dir: dir, Err: err}
		}
		return syncDir(dir)
	}
	err = exchange(tmp, target)
	if errors.Is(err, fs.ErrNotExist) {
		return &ConflictError{Path: p} // deleted since the check
	}
	if err != nil && unsupported(err) {
		err = os.Rename(tmp, target)
		if err != nil {
			return &WriteError{Path: p, Dir: dir, Err: err}
		}
		return syncDir(dir)
	}
	if err != nil {
		return &WriteError{Path: p, Dir: dir, Err: err}
	}
	// tmp now names the file that was replaced.
	if holds(tmp, expect) {
		return syncDir(dir)
	}
	// Another program wrote in the gap: give it its file back. If yet
	// another one replaced Confine's file meanwhile, that one is the
	// newest, so it is the one to keep.
	if err := exchange(tmp, target); err != nil {
		keep = true
		return fmt.Errorf("%s was changed by another program while Confine wrote it, and putting that version back failed: %w (it is kept as %s)", p, err, keepAside(tmp))
	}
	if st, err := os.Lstat(tmp); err == nil && !os.SameFile(st, ours) {
		exchange(tmp, target)
	}
	syncDir(dir)
	return &ConflictError{Path: p}
}

// commitRemove deletes target if it holds expect: the file is moved aside
// (atomically), compared, and moved back if it is not what was expected.
func commitRemove(p, target string, expect []byte) error {
	dir := filepath.Dir(target)
	cur, err := readCurrent(target)
	if err != nil {
		return &LoadError{Path: p, Err: err}
	}
	if !SameFile(cur, expect) {
		return &ConflictError{Path: p}
	}
	if cur == nil {
		return nil
	}
	aside, err := writeTemp(dir, filepath.Base(target), nil, 0o600)
	if err != nil {
		return &WriteError{Path: p, Dir: dir, Err: err}
	}
	keep := false
	defer func() {
		if !keep {
			os.Remove(aside)
		}
	}()
	if beforeCommit != nil {
		beforeCommit(target)
	}
	if err := os.Rename(target, aside); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return &ConflictError{Path: p}
		}
		return &WriteError{Path: p, Dir: dir, Err: err}
	}
	if holds(aside, expect) {
		return syncDir(dir)
	}
	// Put it back, unless a newer file has appeared in its place.
	if err := os.Link(aside, target); err != nil && !errors.Is(err, fs.ErrExist) {
		if err := os.Rename(aside, target); err != nil {
			keep = true
			return fmt.Errorf("%s was changed by another program while Confine deleted it, and putting that version back failed: %w (it is kept as %s)", p, err, keepAside(aside))
		}
	}
	syncDir(dir)
	return &ConflictError{Path: p}
}

// keepAside renames a temporary file that holds another program's override
// out of Confine's temporary name pattern, so no later clean-up of stale
// temporaries removes it, and returns where it is.
func keepAside(tmp string) string {
	kept := strings.Replace(tmp, tempInfix, ".kept-", 1)
	if os.Rename(tmp, kept) != nil {
		return tmp
	}
	return kept
}

// writeTemp writes data to a new temporary file in dir, named after base,
// and syncs it; the caller renames or removes it.
func writeTemp(dir, base string, data []byte, perm fs.FileMode) (string, error) {
	// A file name has at most 255 bytes and an app ID may have 255: the
	// temporary name keeps only the ID's start, leaving room for the
	// infix and the random digits (at most 10).
	if max := 255 - len("."+tempInfix) - 10; len(base) > max {
		base = base[:max]
	}
	tmp, err := os.CreateTemp(dir, "."+base+tempInfix+"*")
	if err != nil {
		return "", err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return tmp.Name(), nil
}

// isTemp reports whether name is one of Confine's temporary files, as
// writeTemp names them: ".", a file name, ".confine-", digits.
func isTemp(name string) bool {
	i := strings.LastIndex(name, tempInfix)
	if !strings.HasPrefix(name, ".") || i < 2 {
		return false
	}
	digits := name[i+len(tempInfix):]
	return digits != "" && strings.Trim(digits, "0123456789") == ""
}

// removeStaleTemps deletes Confine's temporary files in dir that are older
// than staleAfter: left behind by a Confine that was killed or lost power
// mid-write. Only Confine's own name pattern is touched, and only regular
// files.
func removeStaleTemps(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.Type().IsRegular() || !isTemp(e.Name()) {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleAfter {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
