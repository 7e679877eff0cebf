package model

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/confine-app/confine/overrides"
)

// Kind says which sort of installation a folder is.
type Kind int

const (
	KindUser   Kind = iota // per-user: writable overrides live here
	KindSystem             // the default system installation
	KindExtra              // declared in installations.d
)

func (k Kind) String() string { return [...]string{"user", "system", "extra"}[k] }

// Installation is one Flatpak installation folder.
type Installation struct {
	ID          string // "user", "default" or the installations.d id
	DisplayName string
	Kind        Kind
	Path        string
	// Priority orders installations for an app installed in several:
	// `flatpak run` takes the user installation first, then the higher
	// priority.
	Priority int
	// Err is set when the installation is declared but cannot be used.
	Err error
}

// Label is a short name for display ("User", "System", or the extra
// installation's display name).
func (i *Installation) Label() string {
	switch {
	case i.Kind == KindUser:
		return N_("User")
	case i.Kind == KindSystem:
		return N_("System")
	case i.DisplayName != "":
		return i.DisplayName
	}
	return i.ID
}

// DiscoverInstallations lists the user installation, the default system
// installation and the extra ones declared in installations.d, highest
// priority first. Problems with one installation are recorded on it (or, for
// unreadable declarations, returned) and never stop the others.
func DiscoverInstallations(env Env) ([]*Installation, []error) {
	var errs []error
	userDir, userErr := env.UserDir()
	if userErr != nil {
		userErr = fmt.Errorf("user installation: %w", userErr)
	}
	out := []*Installation{
		{ID: "user", Kind: KindUser, Path: userDir, Priority: math.MaxInt32, Err: userErr},
		{ID: "default", Kind: KindSystem, Path: env.SystemDir(), Priority: 0},
	}
	confDir := filepath.Join(env.ConfigDir(), "installations.d")
	files, err := filepath.Glob(filepath.Join(confDir, "*.conf"))
	if err != nil {
		errs = append(errs, err)
	}
	sort.Strings(files)
	for _, p := range files {
		extra, err := parseInstallationsConf(p)
		if err != nil {
			errs = append(errs, err)
		}
		out = append(out, extra...)
	}
	for _, inst := range out {
		if inst.Err != nil {
			continue
		}
		if st, err := os.Stat(inst.Path); err != nil {
			if !os.IsNotExist(err) {
				inst.Err = err
			}
		} else if !st.IsDir() {
			inst.Err = fmt.Errorf("%s is not a folder", inst.Path)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Priority > out[b].Priority })
	return out, errs
}

func parseInstallationsConf(p string) ([]*Installation, error) {
	data, err := overrides.ReadRegular(p, overrides.MaxFileSize)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", p, err)
	}
	f, err := overrides.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	kf := f.KeyFile()
	var out []*Installation
	for _, g := range kf.Groups() {
		id, ok := strings.CutPrefix(g, "Installation \"")
		if !ok || !strings.HasSuffix(id, "\"") {
			continue
		}
		id = strings.TrimSuffix(id, "\"")
		inst := &Installation{ID: id, Kind: KindExtra}
		inst.DisplayName, _ = kf.Value(g, "DisplayName")
		if v, ok := kf.Value(g, "Priority"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				inst.Priority = n
			} else {
				inst.Err = fmt.Errorf("%s: installation %q has an invalid Priority %q", p, id, v)
			}
		}
		path, ok := kf.Value(g, "Path")
		switch {
		case !ok || strings.TrimSpace(path) == "":
			inst.Err = fmt.Errorf("%s: installation %q has no Path", p, id)
		case !filepath.IsAbs(path):
			inst.Err = fmt.Errorf("%s: installation %q has a relative Path %q; Flatpak needs an absolute one", p, id, path)
		default:
			inst.Path = filepath.Clean(path)
		}
		out = append(out, inst)
	}
	return out, nil
}
