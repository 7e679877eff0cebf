package overrides

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// UserInstallationDir returns the per-user Flatpak installation as Flatpak
// finds it: $FLATPAK_USER_DIR, else $XDG_DATA_HOME/flatpak, else
// ~/.local/share/flatpak.
func UserInstallationDir(getenv func(string) string) string {
	if d := getenv("FLATPAK_USER_DIR"); d != "" {
		return d
	}
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "flatpak")
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".local", "share", "flatpak")
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
}

// NewUserStore is the writable store of the user installation.
func NewUserStore(getenv func(string) string) *Store {
	return &Store{Dir: filepath.Join(UserInstallationDir(getenv), "overrides")}
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
		return nil, &LoadError{Path: p, Err: fmt.Errorf("not a regular file (%s)", st.Mode().Type())}
	}
	if st.Size() > MaxFileSize {
		return nil, &LoadError{Path: p, Err: fmt.Errorf("file is %d bytes, larger than %d", st.Size(), MaxFileSize)}
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, &LoadError{Path: p, Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &LoadError{Path: p, Err: err}
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

// ConflictError reports that the file changed on disk between the read an
// edit was based on and the write.
type ConflictError struct{ Path string }

func (e *ConflictError) Error() string {
	return e.Path + ": changed by another program while Confine was writing it; try again"
}

// Update is the one way to change an override: it reads the file as it is on
// disk now, applies edit, and writes the result atomically, so changes made
// meanwhile by `flatpak override` or another Confine are kept. A file that
// cannot be read or parsed is left untouched and its error returned. An
// empty result deletes the file, as `flatpak override --reset` does. It
// returns the file's bytes before and after (nil for "no file").
func (s *Store) Update(target string, edit func(*File) error) (before, after []byte, err error) {
	if s.ReadOnly {
		return nil, nil, ErrReadOnly
	}
	p, err := s.Path(target)
	if err != nil {
		return nil, nil, err
	}
	before, err = s.Read(target)
	if err != nil {
		return nil, nil, err
	}
	f := NewFile()
	if before != nil {
		if f, err = Parse(before); err != nil {
			return before, before, &LoadError{Path: p, Err: err}
		}
	}
	if err := edit(f); err != nil {
		return before, before, err
	}
	if f.IsEmpty() {
		after = nil
	} else {
		after = f.Bytes()
	}
	if bytes.Equal(before, after) && (before == nil) == (after == nil) {
		return before, after, nil
	}
	return before, after, s.replace(p, before, after)
}

// Write replaces an override with exactly data (nil deletes it), provided the
// file still holds expect; used to undo an edit.
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
	return s.replace(p, expect, data)
}

// replace writes data over p atomically (temp file in the same folder,
// fsync, rename, fsync of the folder), keeping the old file's permissions.
// It first checks that the file still holds expect.
func (s *Store) replace(p string, expect, data []byte) error {
	cur, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		cur, err = nil, nil
	}
	if err != nil {
		return &LoadError{Path: p, Err: err}
	}
	if !bytes.Equal(cur, expect) || (cur == nil) != (expect == nil) {
		return &ConflictError{Path: p}
	}
	if data == nil {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return syncDir(s.Dir)
	}
	perm := fs.FileMode(0o644)
	target := p
	if st, err := os.Lstat(p); err == nil {
		if st.Mode()&fs.ModeSymlink != 0 {
			// Write through the link so a user who keeps overrides in a
			// dotfiles repository keeps the link.
			if target, err = filepath.EvalSymlinks(p); err != nil {
				return err
			}
			st, err = os.Stat(target)
			if err != nil {
				return err
			}
		}
		perm = st.Mode().Perm()
	}
	return WriteFileAtomic(target, data, perm)
}

// WriteFileAtomic replaces path with data: a temporary file in the same
// folder, fsync, rename, fsync of the folder — a reader sees the old file or
// the new one, never a mix, even after a crash. The folder is created when
// missing.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".confine-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
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

// Reset deletes an override (flatpak override --reset) and returns what it
// held so the caller can offer Undo.
func (s *Store) Reset(target string) ([]byte, error) {
	if s.ReadOnly {
		return nil, ErrReadOnly
	}
	p, err := s.Path(target)
	if err != nil {
		return nil, err
	}
	before, err := s.Read(target)
	if err != nil {
		return nil, err
	}
	if before == nil {
		return nil, nil
	}
	return before, s.replace(p, before, nil)
}

// List returns the targets ("global" and app IDs) that have an override
// file. Names that are not valid targets (editor backups, temp files) are
// skipped.
func (s *Store) List() ([]string, error) {
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
