package model

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/confine-app/confine/overrides"
)

// What the window shows and reads as text: permissions in keyfile form, and
// what a person types into a page's entry rows, checked with Flatpak's own
// rules. The window never formats or parses keyfile syntax itself.

// FilesystemSyntax is a folder grant in keyfile form, e.g.
// "filesystems=~/Games:ro". A hidden folder (ModeNone) is shown as the grant
// its switch would give back.
func FilesystemSyntax(loc string, m overrides.Mode) string {
	if m == overrides.ModeNone {
		m = overrides.ModeReadWrite
	}
	return overrides.KeyFilesystems + "=" + overrides.Filesystem{Location: loc, Mode: m}.String()
}

// ResetLocation is the folder name of the filesystem reset in a Ref.
const ResetLocation = overrides.ResetLocation

// ResetSyntax is the keyfile form of the filesystem reset.
var ResetSyntax = overrides.KeyFilesystems + "=" + overrides.Filesystem{Location: overrides.ResetLocation}.String()

// PersistentSyntax is a persistent path in keyfile form.
func PersistentSyntax(p string) string { return overrides.KeyPersistent + "=" + p }

// EnvSyntax is a variable as the page shows it: NAME=value.
func EnvSyntax(name, value string) string { return name + "=" + value }

// ParseFolder reads a folder as a person types it, with the installed
// Flatpak's command-line rules: "~/Games", "xdg-music:ro",
// "/opt/data:create".
func (m *Model) ParseFolder(s string) (loc string, mode overrides.Mode, err error) {
	fs, _, err := overrides.ParseFilesystemArg(m.Dialect, strings.TrimSpace(s), false)
	if err != nil {
		return "", 0, err
	}
	return fs.Location, fs.Mode, nil
}

// FolderOf writes a path a file chooser gave as a folder entry: under the
// home folder as "~/…", the form that keeps working for other users and in
// exported settings.
func (m *Model) FolderOf(path string) string {
	home := m.Env.home()
	if home != "" && (path == home || strings.HasPrefix(path, home+"/")) {
		return "~" + strings.TrimPrefix(path, home)
	}
	return path
}

// ParseVariable reads NAME=value (the value may be empty).
func ParseVariable(s string) (name, value string, err error) { return overrides.ParseEnvArg(s) }

// CheckBusName checks a bus name (a trailing ".*" covers a subtree).
func CheckBusName(s string) error { return overrides.ValidateBusName(s) }

// CheckPersistent checks a path in the app's home kept across runs.
func CheckPersistent(s string) error { return overrides.ValidatePersistent(s) }

// OwnState is what the page's own override (Effective.Own) says about a
// fixed-name permission: nothing, grant or revoke.
func (e *Effective) OwnState(p *Permission) overrides.State {
	if e.Own == nil {
		return overrides.Inherit
	}
	return e.Own.Fixed(e.Dialect, p.Key, p.Value)
}

// OwnLocations lists the folders the page's own override names, in file
// order, without the reset.
func (e *Effective) OwnLocations() []string {
	if e.Own == nil {
		return nil
	}
	var out []string
	for _, fs := range e.Own.Filesystems(e.Dialect) {
		if fs.Location != overrides.ResetLocation {
			out = append(out, fs.Location)
		}
	}
	return out
}

// FolderToOpen is the folder of the user's overrides, or the folder that
// will hold it when no override was written yet.
func (m *Model) FolderToOpen() string {
	if st, err := os.Stat(m.User.Dir); err == nil && st.IsDir() {
		return m.User.Dir
	}
	return filepath.Dir(m.User.Dir)
}

// FlatpakMissing reports a machine without Flatpak: its command cannot be
// run and neither the user's nor the system installation folder exists.
func (m *Model) FlatpakMissing() bool {
	if m.FlatpakErr == nil {
		return false
	}
	for _, inst := range m.Installations {
		if inst.Kind == KindUser || inst.Kind == KindSystem {
			if st, err := os.Stat(inst.Path); err == nil && st.IsDir() {
				return false
			}
		}
	}
	return true
}

// OwnCommand is the `flatpak override` command line that recreates the
// user's override for target from nothing ("--reset" when there is none).
func (m *Model) OwnCommand(target string) string {
	ops, err := m.OwnOps(target)
	if err != nil {
		return "# " + err.Error()
	}
	if len(ops) == 0 {
		return commandLine(target, " ", "--reset")
	}
	return Command(target, ops)
}

// OwnOps are the `flatpak override` options that give the user's
// override for target (none: no override, `--reset`).
func (m *Model) OwnOps(target string) ([]overrides.Op, error) {
	f, err := m.User.Load(target)
	if err != nil {
		return nil, err
	}
	c, _ := f.Context(m.Dialect)
	return overrides.OpsFor(m.Dialect, overrides.NewContext(), c), nil
}
