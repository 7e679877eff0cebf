// Package cli is Confine's command line: the same model as the window,
// scriptable, without GTK (so it runs without a display).
package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

// handlers are the subcommands, in the order they are listed.
var handlers = []struct {
	name string
	run  func(*command, []string) error
}{
	{"list", (*command).list}, {"show", (*command).show}, {"override", (*command).override},
	{"reset", (*command).reset}, {"audit", (*command).audit}, {"harden", (*command).harden},
	{"lock", (*command).lock}, {"export", (*command).export}, {"import", (*command).importFile},
	{"apply", (*command).apply}, {"presets", (*command).presets},
	{"portals", (*command).portals}, {"files", (*command).files}, {"undo", (*command).undo},
}

// Commands are the subcommands Main handles.
var Commands = func() []string {
	var out []string
	for _, h := range handlers {
		out = append(out, h.name)
	}
	return out
}()

// IsCommand reports whether name is a subcommand.
func IsCommand(name string) bool { return slices.Contains(Commands, name) }

// Env is what a run of the command line sees.
type Env struct {
	Model          model.Env
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Root reports whether the process may write the system overrides;
	// nil means "the effective user is root".
	Root func() bool
}

// exitError carries an exit status; its message (if any) goes to stderr.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func fail(format string, a ...any) error { return &exitError{code: 1, msg: fmt.Sprintf(format, a...)} }
func usageErr(format string, a ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, a...)}
}

// Main runs one subcommand and returns the exit status: 0 success, 1
// failure (or findings at the --fail-on level, for audit), 2 bad usage,
// 3 changed (apply).
func Main(env Env, args []string) int {
	// Everything printed passes the terminal filter (see safe.go).
	stdout, stderr := newTermWriter(env.Stdout), newTermWriter(env.Stderr)
	defer stderr.Flush()
	defer stdout.Flush()
	env.Stdout, env.Stderr = stdout, stderr
	if len(args) == 0 || !IsCommand(args[0]) {
		fmt.Fprintln(env.Stderr, "confine: unknown command; one of", strings.Join(Commands, ", "))
		return 2
	}
	c := &command{env: env, name: args[0]}
	err := c.run(args[1:])
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(env.Stderr, "confine "+c.name+": "+ee.msg)
		}
		return ee.code
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(env.Stderr, "confine "+c.name+": "+model.OneLine(err.Error()))
	return 1
}

type command struct {
	env  Env
	name string
	m    *model.Model
}

func (c *command) model() *model.Model {
	if c.m == nil {
		c.m = model.Load(c.env.Model)
	}
	return c.m
}

func (c *command) flags(usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("confine "+c.name, flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.env.Stderr, "Usage: confine %s %s\n", c.name, usage)
		fs.PrintDefaults()
	}
	return fs
}

func (c *command) printJSON(v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := c.env.Stdout.Write(jsonSafe(b.Bytes()))
	return err
}

func (c *command) run(args []string) error {
	for _, h := range handlers {
		if h.name == c.name {
			return h.run(c, args)
		}
	}
	return usageErr("unknown command")
}

// target resolves "global" or an installed app.
func (c *command) target(id string) (*model.App, error) {
	if id == overrides.Global {
		return nil, nil
	}
	return c.model().App(id)
}

// ---- list -------------------------------------------------------------------

// ListEntry is one app in `confine list --json`.
type ListEntry struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Installation string `json:"installation"`
	Changed      bool   `json:"changed"`
	Rating       string `json:"rating"`
	WaylandNtv   bool   `json:"wayland_native"`
	Used         bool   `json:"used"`
	Error        string `json:"error,omitempty"`
}

func (c *command) list(args []string) error {
	fs := c.flags("[--json]")
	asJSON := fs.Bool("json", false, "print JSON (see README: confine list --json)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	m := c.model()
	var out []ListEntry
	for _, a := range m.Apps {
		e := ListEntry{ID: a.ID, Name: a.Name, Installation: a.Installation.ID, Changed: m.HasUserOverride(a.ID), Used: !a.Shadowed}
		if a.Err != nil {
			e.Error = a.Err.Error()
			e.Rating = "unknown"
		} else {
			eff := m.Effective(a)
			e.Rating = model.RatingOf(m.AuditOf(a, eff)).String()
			e.WaylandNtv = eff.WaylandNative()
		}
		out = append(out, e)
	}
	for _, err := range m.Errors {
		fmt.Fprintln(c.env.Stderr, "confine list: warning:", model.OneLine(err.Error()))
	}
	if *asJSON {
		if out == nil {
			out = []ListEntry{}
		}
		return c.printJSON(out)
	}
	if len(out) == 0 {
		fmt.Fprintln(c.env.Stdout, "No Flatpak apps are installed.")
		return nil
	}
	tw := newTable(c.env.Stdout, "ID", "NAME", "INSTALLATION", "CHANGED", "RATING")
	for _, e := range out {
		changed := ""
		if e.Changed {
			changed = "yes"
		}
		inst := e.Installation
		if !e.Used {
			inst += " (not used)"
		}
		tw.row(esc(e.ID), esc(e.Name), esc(inst), changed, e.Rating)
	}
	return tw.flush()
}

// ---- show -------------------------------------------------------------------

// ShowPermission is one decided permission in `confine show --json`.
type ShowPermission struct {
	Key    string `json:"key"`   // "sockets", "filesystems", "session-bus", "environment", "usb-devices", …
	Name   string `json:"name"`  // "x11", "~/Music", "org.a.b", "PATH", "vnd:091e"
	Value  string `json:"value"` // "on"/"off"/"conditional", "ro"/"rw"/"create"/"none", "talk", the value or "unset", "enumerable"/"hidden"
	Source string `json:"source"`
	// For shared, sockets, devices and features: when a conditional
	// grant holds (in words), and whether the app gets it when started
	// in a Wayland session and in an X11 session.
	Condition string `json:"condition,omitempty"`
	Wayland   string `json:"wayland_session,omitempty"` // "on" or "off"
	X11       string `json:"x11_session,omitempty"`
	// Merged is what the layers say together, as `flatpak info
	// --show-permissions` would write it ("x11", "!x11",
	// "!x11;x11;if:x11:!has-wayland"); empty when no layer names it.
	Merged string `json:"merged,omitempty"`
}

// ShowResult is `confine show --json`.
type ShowResult struct {
	Target        string           `json:"target"`
	Flatpak       string           `json:"flatpak"` // the release whose rules apply: "1.14", "1.16", "1.18", "1.19"
	Installation  string           `json:"installation,omitempty"`
	WaylandNative bool             `json:"wayland_native"`
	FilesystemRst string           `json:"filesystem_reset_by,omitempty"`
	Permissions   []ShowPermission `json:"permissions"`
	Broken        []string         `json:"broken,omitempty"`
	// Portals is what the desktop's permission store holds for an app.
	Portals *ShowPortals `json:"portals,omitempty"`
}

func (c *command) show(args []string) error {
	fs := c.flags("APP|global [--system] [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	system := fs.Bool("system", false, "what the administrator's overrides give, before any user's own")
	if err := fs.Parse(reorder(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("name one app ID or global")
	}
	if *system {
		return c.showSystem(fs.Arg(0), *asJSON)
	}
	a, err := c.target(fs.Arg(0))
	if err != nil {
		return err
	}
	m := c.model()
	e := m.Effective(a)
	res := showResult(m, a, fs.Arg(0), e)
	if a != nil {
		res.Portals = c.portalsOf(a.ID)
	}
	if *asJSON {
		return c.printJSON(res)
	}
	out := c.env.Stdout
	if a != nil {
		fmt.Fprintf(out, "%s (%s) — %s installation, Flatpak %s rules\n", esc(a.Name), esc(a.ID), esc(a.Installation.Label()), res.Flatpak)
		if res.WaylandNative {
			fmt.Fprintln(out, "Wayland-native: shows its windows with Wayland and gets no X11 in a Wayland session")
		}
	} else {
		fmt.Fprintln(out, "All applications (global overrides)")
	}
	for _, b := range res.Broken {
		fmt.Fprintln(out, "BROKEN:", b)
	}
	tw := newTable(out, "KEY", "NAME", "VALUE", "DECIDED BY", "WAYLAND/X11 SESSION")
	for _, p := range res.Permissions {
		v := p.Value
		if p.Condition != "" {
			v += ": " + p.Condition
		}
		sessions := ""
		if p.Wayland != "" {
			sessions = p.Wayland + "/" + p.X11
		}
		tw.row(p.Key, esc(p.Name), esc(v), p.Source, sessions)
	}
	if res.FilesystemRst != "" {
		tw.row("filesystems", "!host:reset", "drops lower grants", res.FilesystemRst)
	}
	if err := tw.flush(); err != nil {
		return err
	}
	return c.printPortals(res.Portals)
}

// Permissions lists every decided permission of an effective set, sorted;
// now is the running session (for conditions such as the USB portal).
func Permissions(e *model.Effective, now overrides.Session) []ShowPermission {
	var out []ShowPermission
	onOff := map[bool]string{true: "on", false: "off"}
	for _, key := range overrides.FixedKeys {
		for _, n := range e.Dialect.Names(key) {
			if _, ok := e.Fixed[key][n]; ok || key == overrides.KeySockets && n == model.X11.Value && e.On(model.FallbackX11) {
				st := e.StatusOf(key, n, now)
				sp := ShowPermission{Key: key, Name: n, Value: st.Value(), Source: st.Source.String(),
					Condition: model.ConditionsText(e.Dialect, st.Conditions, model.English), Wayland: onOff[st.Wayland], X11: onOff[st.X11]}
				if fs, ok := e.Fixed[key][n]; ok {
					sp.Merged = strings.Join(overrides.SerializePerm(n, fs.Perm), ";")
				}
				out = append(out, sp)
			}
		}
	}
	for _, l := range slices.Sorted(maps.Keys(e.Filesystems)) {
		s := e.Filesystems[l]
		out = append(out, ShowPermission{Key: overrides.KeyFilesystems, Name: l, Value: s.Mode.String(), Source: s.Source.String()})
	}
	for _, p := range slices.Sorted(maps.Keys(e.Persistent)) {
		out = append(out, ShowPermission{Key: overrides.KeyPersistent, Name: p, Value: "on", Source: e.Persistent[p].String()})
	}
	for _, k := range slices.Sorted(maps.Keys(e.Env)) {
		s := e.Env[k]
		v := s.Value
		if s.Unset {
			v = "unset"
		}
		out = append(out, ShowPermission{Key: "environment", Name: k, Value: v, Source: s.Source.String()})
	}
	for _, b := range []struct {
		key string
		m   map[string]model.BusState
	}{{string(model.GroupSessionBus), e.SessionBus}, {string(model.GroupSystemBus), e.SystemBus}} {
		for _, n := range slices.Sorted(maps.Keys(b.m)) {
			out = append(out, ShowPermission{Key: b.key, Name: n, Value: b.m[n].Policy.String(), Source: b.m[n].Source.String()})
		}
	}
	for _, u := range []struct {
		value string
		m     map[string]model.USBState
	}{{"enumerable", e.USBEnumerable}, {"hidden", e.USBHidden}} {
		for _, q := range slices.Sorted(maps.Keys(u.m)) {
			out = append(out, ShowPermission{Key: "usb-devices", Name: q, Value: u.value, Source: u.m[q].Source.String()})
		}
	}
	if out == nil {
		out = []ShowPermission{}
	}
	return out
}

// reorder moves flags before positional arguments so "show APP --json"
// works like "show --json APP". A lone "-" (standard input) is positional,
// and so is everything after "--", as the flag package has it: a file name
// that starts with "-" is never taken for an option.
func reorder(args []string) []string {
	var flags, pos []string
	for i, a := range args {
		if a == "--" {
			return append(append(append(flags, "--"), pos...), args[i+1:]...)
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			flags = append(flags, a)
		} else {
			pos = append(pos, a)
		}
	}
	return append(flags, pos...)
}

// ---- override / reset -----------------------------------------------------

func (c *command) override(args []string) error {
	// The options are those of the installed Flatpak's `flatpak override`.
	m := c.model()
	d := m.Dialect
	ops, rest, err := overrides.ParseArgs(d, args)
	if err != nil {
		return usageErr("%v", err)
	}
	for i, o := range ops {
		if o.Flag != "usb-list-file" {
			continue
		}
		// Read here, where the caller's current folder is; a pipe is
		// fine, a device is not, and a list is small.
		data, err := overrides.ReadInput(o.Value, overrides.MaxFileSize)
		if err != nil {
			return fail("%v", err)
		}
		ops[i] = overrides.Op{Flag: "usb-list", Value: string(data)}
	}
	var target string
	// An empty argument is an app ID too, and an invalid one (as for
	// flatpak): it must never mean "global".
	named := false
	show, reset, user, system := false, false, false, false
	for _, a := range rest {
		switch {
		case a == "--help" || a == "-h":
			fmt.Fprintln(c.env.Stdout, "Usage: confine override [--user|--system] [OPTION…] APP|global\n\nThe permission options of the installed Flatpak's `flatpak override` ("+d.String()+": "+strings.Join(d.Flags(), ", ")+
				"), plus --show and --reset. Confine writes your own overrides (--user, the default), or as root with --system the administrator's.")
			return nil
		case a == "--user" || a == "-u":
			user = true
		case a == "--system":
			system = true
		case strings.HasPrefix(a, "--installation"):
			return usageErr("Confine writes your own overrides or, with --system, the administrator's (which Flatpak keeps in the default system installation for every installation)")
		case a == "--show":
			show = true
		case a == "--reset":
			reset = true
		case strings.HasPrefix(a, "-"):
			return usageErr("Unknown option %s", esc(a))
		case !named:
			target, named = a, true
		default:
			return usageErr("too many arguments: %q", a)
		}
	}
	if user && system {
		return usageErr("Multiple installations specified for a command that works on one installation")
	}
	if !named {
		target = overrides.Global
	}
	if err := overrides.ValidateTarget(target); err != nil {
		return err
	}
	var warnings []string
	for _, o := range ops {
		warns, err := o.Validate(d)
		if err != nil {
			return err
		}
		warnings = append(warnings, warns...)
	}
	for _, w := range warnings {
		fmt.Fprintln(c.env.Stderr, "warning:", w)
	}
	store, err := c.store(system, reset || len(ops) > 0)
	if err != nil {
		return err
	}
	if reset {
		if _, err := store.Reset(target); err != nil {
			return err
		}
	}
	if len(ops) > 0 {
		if _, err := m.OverrideIn(store, target, ops); err != nil {
			return err
		}
	}
	if show {
		data, err := store.Read(target)
		if err != nil {
			return err
		}
		c.env.Stdout.Write(data)
	}
	return nil
}

func (c *command) reset(args []string) error {
	fs := c.flags("APP|global [--system]")
	system := fs.Bool("system", false, "remove the administrator's override (root only)")
	if err := fs.Parse(reorder(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("name one app ID or global")
	}
	if err := overrides.ValidateTarget(fs.Arg(0)); err != nil {
		return err
	}
	store, err := c.store(*system, true)
	if err != nil {
		return err
	}
	_, err = store.Reset(fs.Arg(0))
	return err
}

func (c *command) lock(args []string) error {
	fs := c.flags("APP")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("name one app")
	}
	a, err := c.model().App(fs.Arg(0))
	if err != nil {
		return err
	}
	ch, err := c.model().Lock(a)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, "--- %s\n%s", a.ID, model.Diff(ch.Before, ch.After))
	return nil
}

// showResult is what `show` reports of an app's (or the global) merged
// permissions e, in the user's or the system scope.
func showResult(m *model.Model, a *model.App, target string, e *model.Effective) ShowResult {
	res := ShowResult{Target: target, Flatpak: m.Dialect.Name, WaylandNative: a != nil && e.WaylandNative(), Permissions: Permissions(e, m.Session())}
	if a != nil {
		res.Installation = a.Installation.ID
	}
	if e.ResetBy != model.SourceDefault {
		res.FilesystemRst = e.ResetBy.String()
	}
	for _, b := range e.Broken {
		res.Broken = append(res.Broken, model.OneLine(b.Error()))
	}
	return res
}
