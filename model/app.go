package model

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/confine-app/confine/overrides"
)

// App is one installed application in one installation.
type App struct {
	ID           string
	Installation *Installation
	Arch, Branch string
	Deploy       string // the active deployment folder
	Metadata     *overrides.File
	metaContext  *overrides.Context // Metadata interpreted (read only)
	metaProblems []overrides.Problem
	metaErr      error // the release refuses or crashes on Metadata

	Runtime, Command string

	Name, Summary, Developer, Version, ReleaseDate string
	// Icon is a file path; empty means use a generic icon.
	Icon string

	// Err is set when the app cannot be read at all (missing or cyclic
	// links, broken metadata); the app is still listed so it can be
	// reset or inspected.
	Err error
	// Warnings are smaller problems (no desktop file, unreadable
	// metainfo) that only cost display details.
	Warnings []string
	// Shadowed is set when another installation's copy of the same ID is
	// the one `flatpak run` starts.
	Shadowed bool
}

// Key identifies an app across installations.
func (a *App) Key() string { return a.Installation.ID + "/" + a.ID }

// FallbackName is the last element of the ID, used when nothing better is
// known.
func FallbackName(id string) string {
	if i := strings.LastIndexByte(id, '.'); i >= 0 && i < len(id)-1 {
		return id[i+1:]
	}
	return id
}

// LoadApps reads every app of one installation. Problems with one app are
// recorded on it; err is only for an installation that cannot be listed.
func LoadApps(inst *Installation, locales []string, d *overrides.Dialect) ([]*App, error) {
	if inst.Err != nil {
		return nil, inst.Err
	}
	ents, err := os.ReadDir(filepath.Join(inst.Path, "app"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range ents {
		name := e.Name()
		if strings.HasSuffix(name, ".BaseApp") {
			continue
		}
		ids = append(ids, name)
	}
	apps := make([]*App, len(ids))
	// Reading a thousand apps is I/O and XML; spread it over the cores.
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				apps[i] = loadApp(inst, ids[i], locales, d)
			}
		}()
	}
	for i := range ids {
		next <- i
	}
	close(next)
	wg.Wait()
	return apps, nil
}

func loadApp(inst *Installation, id string, locales []string, d *overrides.Dialect) *App {
	a := &App{ID: id, Installation: inst, Name: FallbackName(id)}
	if err := overrides.ValidateAppID(id); err != nil {
		a.Err = err
		return a
	}
	base := filepath.Join(inst.Path, "app", id)
	cur, err := os.Readlink(filepath.Join(base, "current"))
	if err != nil {
		a.Err = fmt.Errorf("no current deployment: %w", err)
		return a
	}
	if parts := strings.Split(filepath.ToSlash(cur), "/"); len(parts) >= 2 {
		a.Arch, a.Branch = parts[len(parts)-2], parts[len(parts)-1]
	}
	deploy, err := filepath.EvalSymlinks(filepath.Join(base, "current", "active"))
	if err != nil {
		a.Err = fmt.Errorf("no active deployment: %w", err)
		return a
	}
	a.Deploy = deploy
	data, err := readSmall(filepath.Join(deploy, "metadata"))
	if err != nil {
		a.Err = fmt.Errorf("cannot read metadata: %w", err)
		return a
	}
	md, err := overrides.Parse(data)
	if err != nil {
		a.Err = fmt.Errorf("broken metadata: %w", err)
		return a
	}
	a.Metadata = md
	// What the metadata grants never changes while the app is loaded:
	// interpreted once, not on every merge.
	a.metaContext, a.metaProblems = md.Context(d)
	a.metaErr = fatalFileErr(filepath.Join(deploy, "metadata"), d, a.metaProblems)
	kf := md.KeyFile()
	if !kf.HasGroup("Application") {
		a.Err = errors.New("broken metadata: no [Application] group")
		a.Metadata, a.metaContext, a.metaProblems, a.metaErr = nil, nil, nil, nil
		return a
	}
	a.Runtime, _ = kf.Value("Application", "runtime")
	a.Command, _ = kf.Value("Application", "command")
	a.readDesktopFile(locales)
	a.readMetainfo()
	a.findIcon()
	return a
}

// readSmall reads one of an app's files: a regular file (never a FIFO or a
// device an app could ship in its place) of at most MaxFileSize bytes.
func readSmall(p string) ([]byte, error) { return overrides.ReadRegular(p, overrides.MaxFileSize) }

func (a *App) readDesktopFile(locales []string) {
	p := filepath.Join(a.Deploy, "export", "share", "applications", a.ID+".desktop")
	data, err := readSmall(p)
	if err != nil {
		a.Warnings = append(a.Warnings, "no desktop file")
		return
	}
	f, err := overrides.Parse(data)
	if err != nil {
		a.Warnings = append(a.Warnings, "unreadable desktop file: "+err.Error())
		return
	}
	kf := f.KeyFile()
	const g = "Desktop Entry"
	name := ""
	for _, l := range locales {
		if v, ok := kf.Value(g, "Name["+l+"]"); ok {
			name = v
			break
		}
	}
	if name == "" {
		name, _ = kf.Value(g, "Name")
	}
	if s, err := overrides.UnescapeString(name); err == nil && strings.TrimSpace(s) != "" {
		a.Name = s
	}
	if a.Summary == "" {
		if c, ok := kf.Value(g, "Comment"); ok {
			a.Summary, _ = overrides.UnescapeString(c)
		}
	}
}

// readMetainfo takes the developer, summary and newest release from the
// AppStream file, stopping as soon as it has them.
func (a *App) readMetainfo() {
	share := filepath.Join(a.Deploy, "files", "share")
	var data []byte
	var err error
	for _, p := range []string{
		filepath.Join(share, "metainfo", a.ID+".metainfo.xml"),
		filepath.Join(share, "metainfo", a.ID+".appdata.xml"),
		filepath.Join(share, "appdata", a.ID+".appdata.xml"),
	} {
		if data, err = readSmall(p); err == nil {
			break
		}
	}
	if err != nil {
		return
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	var stack []string
	var summary string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			a.Warnings = append(a.Warnings, "unreadable metainfo: "+err.Error())
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
			if t.Name.Local == "release" && a.Version == "" && len(stack) >= 2 && stack[len(stack)-2] == "releases" {
				for _, at := range t.Attr {
					switch at.Name.Local {
					case "version":
						a.Version = at.Value
					case "date":
						a.ReleaseDate = at.Value
					}
				}
			}
			if hasLang(t) && (t.Name.Local == "summary" || t.Name.Local == "name") {
				// Only the untranslated text; skip translations.
				if err := d.Skip(); err != nil {
					return
				}
				stack = stack[:len(stack)-1]
			}
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			path := strings.Join(stack, "/")
			text := strings.TrimSpace(string(t))
			switch {
			case text == "":
			case path == "component/developer_name" && a.Developer == "":
				a.Developer = text
			case path == "component/developer/name":
				a.Developer = text
			case path == "component/summary" && summary == "":
				summary = text
			}
		}
	}
	if summary != "" {
		a.Summary = summary
	}
}

func hasLang(t xml.StartElement) bool {
	for _, at := range t.Attr {
		if at.Name.Local == "lang" {
			return true
		}
	}
	return false
}

func (a *App) findIcon() {
	icons := filepath.Join(a.Deploy, "export", "share", "icons", "hicolor")
	for _, c := range []string{"scalable/apps/" + a.ID + ".svg", "256x256/apps/" + a.ID + ".png", "128x128/apps/" + a.ID + ".png",
		"512x512/apps/" + a.ID + ".png", "64x64/apps/" + a.ID + ".png", "48x48/apps/" + a.ID + ".png"} {
		p := filepath.Join(icons, c)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			a.Icon = p
			return
		}
	}
}

// Locales lists the locale names to try for "Name[xx]", most specific first,
// from LC_ALL, LC_MESSAGES, LANG and LANGUAGE as GLib does.
func Locales(env Env) []string {
	var out []string
	seen := map[string]bool{}
	add := func(l string) {
		if l != "" && l != "C" && l != "POSIX" && !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	var langs []string
	if v := env.Getenv("LANGUAGE"); v != "" {
		langs = append(langs, strings.Split(v, ":")...)
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := env.Getenv(k); v != "" {
			langs = append(langs, v)
			break
		}
	}
	for _, l := range langs {
		// lang_COUNTRY.ENCODING@MODIFIER → lang_COUNTRY@MODIFIER,
		// lang_COUNTRY, lang@MODIFIER, lang
		l, mod, _ := strings.Cut(l, "@")
		l, _, _ = strings.Cut(l, ".")
		lang, country, hasCountry := strings.Cut(l, "_")
		if mod != "" && hasCountry {
			add(lang + "_" + country + "@" + mod)
		}
		if hasCountry {
			add(lang + "_" + country)
		}
		if mod != "" {
			add(lang + "@" + mod)
		}
		add(lang)
	}
	return out
}

// CompareNames orders names as people read them: case does not count, and
// runs of digits compare as numbers ("App 2" before "App 10"), as GNOME's
// file lists do. It returns -1, 0 or 1.
func CompareNames(a, b string) int {
	a, b = strings.ToLower(a), strings.ToLower(b)
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return cmpInt(len(na), len(nb))
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			if da != db { // "07" after "7"
				return cmpInt(da, db)
			}
			a, b = a[da:], b[db:]
			continue
		}
		ra, sa := utf8.DecodeRuneInString(a)
		rb, sb := utf8.DecodeRuneInString(b)
		if ra != rb {
			return cmpInt(int(ra), int(rb))
		}
		a, b = a[sa:], b[sb:]
	}
	return cmpInt(len(a), len(b))
}

func digitRun(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// SortApps orders apps by display name (CompareNames), then ID, then
// installation priority.
func SortApps(apps []*App) {
	sort.SliceStable(apps, func(i, j int) bool {
		a, b := apps[i], apps[j]
		if c := CompareNames(a.Name, b.Name); c != 0 {
			return c < 0
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return a.Installation.Priority > b.Installation.Priority
	})
}
