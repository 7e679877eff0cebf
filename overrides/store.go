package overrides

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// UserInstallationDir returns the per-user Flatpak installation as Flatpak
// finds it: $FLATPAK_USER_DIR, else $XDG_DATA_HOME/flatpak, else
// ~/.local/share/flatpak. Flatpak would take a relative path as relative to
// the current folder (and, with HOME set but empty, write into it); Confine
// refuses a relative path instead, so nothing is written where Flatpak will
// not look the next time.
func UserInstallationDir(getenv func(string) string) (string, error) {
	if d := getenv("FLATPAK_USER_DIR"); d != "" {
		return absolute("FLATPAK_USER_DIR", d)
	}
	if d := getenv("XDG_DATA_HOME"); d != "" {
		d, err := absolute("XDG_DATA_HOME", d)
		if err != nil {
			return "", err
		}
		return filepath.Join(d, "flatpak"), nil
	}
	home, err := HomeDir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "share", "flatpak"), nil
}

func absolute(name, dir string) (string, error) {
	if !filepath.IsAbs(dir) {
		return "", fmt.Errorf("%s is %s, not an absolute path: Confine will not guess which folder it means", name, Escape(dir))
	}
	return dir, nil
}

// lookupHome is the user database's home folder of the process's user; a
// variable so tests can take the database away.
var lookupHome = func() (string, error) {
	u, err := user.LookupId(strconv.Itoa(os.Getuid()))
	if err != nil {
		return "", err
	}
	return u.HomeDir, nil
}

// HomeDir is the home folder as GLib finds it (g_get_home_dir): $HOME, or
// when it is not set the user database's entry for the process's user. An
// empty HOME counts as not set (GLib would take the current folder), and a
// relative one is refused.
func HomeDir(getenv func(string) string) (string, error) {
	if h := getenv("HOME"); h != "" {
		return absolute("HOME", h)
	}
	h, err := lookupHome()
	if err != nil || h == "" {
		return "", fmt.Errorf("cannot find your home folder: HOME is not set, and the user database has no home folder for user ID %d", os.Getuid())
	}
	return absolute("the home folder in the user database", h)
}

// SystemInstallationDir returns $FLATPAK_SYSTEM_DIR, else /var/lib/flatpak.
func SystemInstallationDir(getenv func(string) string) string {
	if d := getenv("FLATPAK_SYSTEM_DIR"); d != "" {
		return d
	}
	return "/var/lib/flatpak"
}

// Store reads and writes the override files of one installation folder
// (<installation>/overrides/<APP> and …/overrides/global). A read-only store
// refuses every write: Confine never writes system overrides.
type Store struct {
	Dir      string // the overrides folder
	ReadOnly bool
	// Err, when set, says why the folder is unknown; every read and
	// write fails with it.
	Err error
}

// NewUserStore is the writable store of the user installation.
func NewUserStore(getenv func(string) string) *Store {
	dir, err := UserInstallationDir(getenv)
	if err != nil {
		return &Store{Err: err}
	}
	return &Store{Dir: filepath.Join(dir, "overrides")}
}

// NewSystemStore is the read-only store of the default system installation,
// which holds the system overrides of every system-wide installation.
func NewSystemStore(getenv func(string) string) *Store {
	return &Store{Dir: filepath.Join(SystemInstallationDir(getenv), "overrides"), ReadOnly: true}
}

// LoadError wraps a problem reading one override file.
type LoadError struct {
	Path string
	Err  error
}

func (e *LoadError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *LoadError) Unwrap() error { return e.Err }

// ErrReadOnly is returned by writes to a read-only store.
var ErrReadOnly = errors.New("this override store is read-only")

// Path returns the file of an app ID or "global", after checking the ID
// cannot name anything outside the folder.
func (s *Store) Path(target string) (string, error) {
	if s.Err != nil {
		return "", s.Err
	}
	if err := ValidateTarget(target); err != nil {
		return "", err
	}
	return filepath.Join(s.Dir, target), nil
}

// Read returns the raw bytes of an override; a missing file gives nil, nil.
// Only regular files are read: a symlink to elsewhere, a folder or a device
// in the overrides folder is reported, never followed for writing.
func (s *Store) Read(target string) ([]byte, error) {
	p, err := s.Path(target)
	if err != nil {
		return nil, err
	}
	st, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &LoadError{Path: p, Err: err}
	}
	if st.Mode()&fs.ModeSymlink != 0 {
		// Flatpak follows links when reading; so does Confine, but only to
		// regular files.
		st, err = os.Stat(p)
		if err != nil {
			return nil, &LoadError{Path: p, Err: fmt.Errorf("broken symbolic link: %w", err)}
		}
	}
	if !st.Mode().IsRegular() {
		return nil, &LoadError{Path: p, Err: fmt.Errorf("not a regular file (%s)", typeName(st.Mode().Type()))}
	}
	if st.Size() > MaxFileSize {
		return nil, &LoadError{Path: p, Err: fmt.Errorf("file is %d bytes, larger than %d", st.Size(), MaxFileSize)}
	}
	// The file may have been replaced since the checks above (by a FIFO,
	// say): the read itself never waits and checks again.
	data, err := readOverride(p)
	if err != nil {
		return nil, &LoadError{Path: p, Err: err}
	}
	return data, nil
}

// readOverride reads an override file without waiting on anything that is
// not a regular file, and at most MaxFileSize bytes.
func readOverride(p string) ([]byte, error) {
	data, err := ReadRegular(p, MaxFileSize)
	var nr *NotRegularError
	var tl *TooLargeError
	switch {
	case errors.As(err, &nr):
		return nil, fmt.Errorf("not a regular file (%s)", typeName(nr.Type))
	case errors.As(err, &tl):
		return nil, fmt.Errorf("file is larger than %d bytes", MaxFileSize)
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the caller names the file
		}
		return nil, err
	}
	return data, nil
}

// Load parses an override. A missing file is an empty override. A file that
// does not parse returns a *LoadError wrapping a *SyntaxError.
func (s *Store) Load(target string) (*File, error) {
	data, err := s.Read(target)
	if err != nil {
		return nil, err
	}
	if data == nil {
		return NewFile(), nil
	}
	f, err := Parse(data)
	if err != nil {
		p, _ := s.Path(target)
		return nil, &LoadError{Path: p, Err: err}
	}
	return f, nil
}

// ConflictError reports that another program kept changing the file while
// Confine was writing it; the file holds the other program's version.
type ConflictError struct{ Path string }

func (e *ConflictError) Error() string {
	return e.Path + ": changed by another program while Confine was writing it; Confine's change was not saved; try again"
}

// errNUL is why a file with a NUL byte is not edited.
const errNUL = "contains a NUL byte, and Flatpak ignores the rest of that line; Confine does not edit such a file: reset it or fix it in a text editor"

// Update is the one way to change an override: under the write lock shared
// by all Confine processes, it reads the file as it is on disk now, applies
// edit, and writes the result atomically, so changes made meanwhile by
// `flatpak override` or another Confine are kept. When a program that does
// not take the lock changes the file before the write lands, the edit is
// applied again to the new content (edit must be a function of the file it
// is given); after a few such attempts it gives up with a *ConflictError. A
// file that cannot be read or parsed is left untouched and its error
// returned. An empty result deletes the file, as `flatpak override --reset`
// does. It returns the file's bytes before and after (nil for "no file").
func (s *Store) Update(target string, edit func(*File) error) (before, after []byte, err error) {
	if s.ReadOnly {
		return nil, nil, ErrReadOnly
	}
	p, err := s.Path(target)
	if err != nil {
		return nil, nil, err
	}
	unlock, err := s.lock(p)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	err = retryConflicts(func() error {
		before, after, err = s.update(target, p, edit)
		return err
	})
	return before, after, err
}

// retryConflicts runs try again while another program's change makes it
// fail with a *ConflictError, at most updateAttempts times in all.
func retryConflicts(try func() error) error {
	for attempt := 1; ; attempt++ {
		err := try()
		var ce *ConflictError
		if !errors.As(err, &ce) || attempt == updateAttempts {
			return err
		}
	}
}

func (s *Store) update(target, p string, edit func(*File) error) (before, after []byte, err error) {
	before, err = s.Read(target)
	if err != nil {
		return nil, nil, err
	}
	f := NewFile()
	if before != nil {
		if f, err = Parse(before); err != nil {
			return before, before, &LoadError{Path: p, Err: err}
		}
		if n := f.kf.NULLine(); n > 0 {
			return before, before, &LoadError{Path: p, Err: &SyntaxError{Line: n, Msg: errNUL}}
		}
	}
	if err := edit(f); err != nil {
		return before, before, err
	}
	if !f.IsEmpty() {
		after = f.Bytes()
	}
	if SameFile(before, after) {
		return before, after, nil
	}
	if len(after) > MaxFileSize {
		// Written, it would be a file Confine no longer reads.
		return before, before, fmt.Errorf("%s: the change would make the file larger than %d bytes, more than an override file can be; the file was not changed", p, MaxFileSize)
	}
	if err := s.replace(p, before, after); err != nil {
		return before, before, err
	}
	return before, after, nil
}

// Write replaces an override with exactly data (nil deletes it), provided
// the file still holds expect; used to undo an edit, to import and to apply
// a plan the user has seen. It never retries: the user approved a change
// from expect, not from whatever is there now.
func (s *Store) Write(target string, expect, data []byte) error {
	if s.ReadOnly {
		return ErrReadOnly
	}
	p, err := s.Path(target)
	if err != nil {
		return err
	}
	if data != nil {
		if _, err := Parse(data); err != nil {
			return fmt.Errorf("refusing to write an override GLib cannot read: %w", err)
		}
	}
	unlock, err := s.lock(p)
	if err != nil {
		return err
	}
	defer unlock()
	return s.replace(p, expect, data)
}

// replace writes data over p atomically (temporary file in the same folder,
// fsync, rename, fsync of the folder), keeping the old file's permissions,
// provided the file holds expect; see commit. The caller holds the lock, so
// Confine's leftover temporary files in the folder can be cleaned up without
// racing another Confine's write.
func (s *Store) replace(p string, expect, data []byte) error {
	perm := fs.FileMode(0o644)
	target := p
	if st, err := os.Lstat(p); err == nil {
		if st.Mode()&fs.ModeSymlink != 0 && data != nil {
			// Write through the link so a user who keeps overrides in a
			// dotfiles repository keeps the link.
			if target, err = filepath.EvalSymlinks(p); err != nil {
				return err
			}
			if st, err = os.Stat(target); err != nil {
				return err
			}
		}
		perm = st.Mode().Perm()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return &LoadError{Path: p, Err: err}
	}
	removeStaleTemps(filepath.Dir(target))
	return commit(p, target, expect, data, perm)
}

// WriteFileAtomic replaces path with data: a temporary file in the same
// folder, fsync, rename, fsync of the folder — a reader sees the old file or
// the new one, never a mix, even after a crash. The folder is created when
// missing, and temporary files a killed Confine left there are removed.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return mkdirError(path, dir, err)
	}
	removeStaleTemps(dir)
	tmp, err := writeTemp(dir, filepath.Base(path), data, perm)
	if err != nil {
		return &WriteError{Path: path, Dir: dir, Err: err}
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return &WriteError{Path: path, Dir: dir, Err: err}
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer d.Close()
	// Some file systems cannot fsync a folder; the rename is still atomic.
	_ = d.Sync()
	return nil
}

// Reset deletes an override (flatpak override --reset), even one that does
// not parse, and returns what it held so the caller can offer Undo. Like
// Update it takes the lock and tries again when another program changes the
// file meanwhile, so what it returns is exactly what it deleted.
func (s *Store) Reset(target string) ([]byte, error) {
	if s.ReadOnly {
		return nil, ErrReadOnly
	}
	p, err := s.Path(target)
	if err != nil {
		return nil, err
	}
	unlock, err := s.lock(p)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var before []byte
	err = retryConflicts(func() error {
		before = nil
		cur, err := s.Read(target)
		if err != nil {
			// What cannot be read can still be removed, as `flatpak
			// override --reset` removes it: a dangling link, a FIFO,
			// a file too large to be an override. There is nothing
			// to give back for Undo.
			if odd := oddEntry(p); odd != nil {
				return removeOdd(p, odd)
			}
			return err
		}
		if cur == nil {
			return nil
		}
		before = cur
		return s.replace(p, cur, nil)
	})
	return before, err
}

// oddEntry returns what is at p when it is something Read refuses but
// Reset may remove: a symbolic link that leads nowhere or to something
// other than a regular file, a FIFO, socket or device, or a file too
// large to be an override. A folder is never one.
func oddEntry(p string) fs.FileInfo {
	st, err := os.Lstat(p)
	if err != nil {
		return nil
	}
	switch m := st.Mode(); {
	case m&fs.ModeSymlink != 0:
		if to, err := os.Stat(p); err == nil && (to.Mode().IsRegular() && to.Size() <= MaxFileSize || to.IsDir()) {
			return nil
		}
		return st
	case m.IsRegular():
		if st.Size() > MaxFileSize {
			return st
		}
		return nil
	case m.IsDir():
		return nil
	}
	return st
}

// removeOdd removes the entry odd at p (a link itself, never what it
// points to), unless something else has taken its place meanwhile.
func removeOdd(p string, odd fs.FileInfo) error {
	dir := filepath.Dir(p)
	aside, err := writeTemp(dir, filepath.Base(p), nil, 0o600)
	if err != nil {
		return &WriteError{Path: p, Dir: dir, Err: err}
	}
	if err := os.Rename(p, aside); err != nil {
		os.Remove(aside)
		if errors.Is(err, fs.ErrNotExist) {
			return &ConflictError{Path: p}
		}
		return &WriteError{Path: p, Dir: dir, Err: err}
	}
	if st, err := os.Lstat(aside); err == nil && os.SameFile(st, odd) {
		os.Remove(aside)
		return syncDir(dir)
	}
	// Another program put something there in between: give it back.
	if err := os.Link(aside, p); err == nil || errors.Is(err, fs.ErrExist) {
		os.Remove(aside)
	}
	return &ConflictError{Path: p}
}

// List returns the targets ("global" and app IDs) that have an override
// file. Names that are not valid targets (editor backups, temp files) are
// skipped.
func (s *Store) List() ([]string, error) {
	if s.Err != nil {
		return nil, s.Err
	}
	ents, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if ValidateTarget(e.Name()) == nil && !e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out, nil
}
