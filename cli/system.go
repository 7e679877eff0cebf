package cli

import (
	"fmt"
	"os"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

// errNeedRoot is the one-line answer to --system writes without root.
var errNeedRoot = fail("system overrides need root: run with sudo, or drop --system")

func (c *command) isRoot() bool {
	if c.env.Root != nil {
		return c.env.Root()
	}
	return os.Geteuid() == 0
}

// store is the override store a command works on: the user's, or with
// --system the administrator's. Reading the system overrides needs no
// rights (Flatpak reads them for every user); writing them needs root,
// and only then is the system store made writable.
func (c *command) store(system, write bool) (*overrides.Store, error) {
	m := c.model()
	if !system {
		return m.User, nil
	}
	if write {
		if !c.isRoot() {
			return nil, errNeedRoot
		}
		m.EnableSystemWrites()
	}
	return m.System, nil
}

// showSystem is `confine show --system`: what the administrator's
// overrides give an app before any user's own (its metadata ← system
// global ← system app override), or the system global override alone.
// An app that is not installed shows the two overrides without metadata,
// since an administrator may write them ahead of the install.
func (c *command) showSystem(target string, asJSON bool) error {
	if err := overrides.ValidateTarget(target); err != nil {
		return err
	}
	m := c.model()
	var a *model.App
	var notes []string
	if target != overrides.Global {
		var perUser bool
		a, perUser = m.SystemCopy(target)
		switch {
		case a == nil:
			notes = append(notes, target+" is not installed; showing the system overrides alone")
		case perUser:
			notes = append(notes, target+" is installed only per user: Flatpak ignores system overrides for it")
		}
	}
	e := m.SystemEffective(a, target)
	res := showResult(m, a, target, e)
	for _, n := range notes {
		fmt.Fprintln(c.env.Stderr, "confine show: note:", n)
	}
	if asJSON {
		return c.printJSON(res)
	}
	out := c.env.Stdout
	switch {
	case target == overrides.Global:
		fmt.Fprintln(out, "All applications (system global override)")
	case a != nil:
		fmt.Fprintf(out, "%s (%s) — %s installation, before any user's overrides\n", esc(a.Name), a.ID, esc(a.Installation.Label()))
	default:
		fmt.Fprintf(out, "%s — system overrides\n", target)
	}
	for _, b := range res.Broken {
		fmt.Fprintln(out, "BROKEN:", b)
	}
	tw := newTable(out, "KEY", "NAME", "VALUE", "DECIDED BY")
	for _, p := range res.Permissions {
		tw.row(p.Key, esc(p.Name), esc(p.Value), p.Source)
	}
	if res.FilesystemRst != "" {
		tw.row("filesystems", "!host:reset", "drops lower grants", res.FilesystemRst)
	}
	return tw.flush()
}
