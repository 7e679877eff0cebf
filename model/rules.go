package model

import (
	"sort"
	"strings"

	"github.com/confine-app/confine/overrides"
)

// The advisor's rules. Most hang off the catalogue (Permission.Advice);
// this file applies them to an app's effective permissions and adds the one
// rule that is about locations rather than catalogue entries: write access
// to files that run code outside the sandbox.

// Paths whose write access lets an app run code outside the sandbox or
// change Flatpak itself. Locations are in Flatpak's normalised form.
var escapePaths = []struct{ loc, why string }{
	{"~/.local/share/flatpak", N_("it can change Flatpak's installations and overrides, including its own permissions")},
	{"~/.bashrc", N_("your shell runs this file at every start")},
	{"~/.bash_profile", N_("your shell runs this file at login")},
	{"~/.profile", N_("your session runs this file at login")},
	{"~/.zshrc", N_("your shell runs this file at every start")},
	{"~/.config/autostart", N_("programs placed there start with your session, outside the sandbox")},
	{"~/.config/systemd", N_("services placed there run outside the sandbox")},
	{"~/.local/bin", N_("programs placed there run when you type their name in a terminal")},
}

// homePath maps a location to a path under the home folder ("~/…"), using
// the default XDG folders; "" when it is not in the home folder.
func homePath(loc string) string {
	switch {
	case loc == overrides.LocationHome:
		return "~"
	case strings.HasPrefix(loc, "~/"):
		return loc
	case loc == "xdg-data" || strings.HasPrefix(loc, "xdg-data/"):
		return "~/.local/share" + strings.TrimPrefix(loc, "xdg-data")
	case loc == "xdg-config" || strings.HasPrefix(loc, "xdg-config/"):
		return "~/.config" + strings.TrimPrefix(loc, "xdg-config")
	case loc == "xdg-cache" || strings.HasPrefix(loc, "xdg-cache/"):
		return "~/.cache" + strings.TrimPrefix(loc, "xdg-cache")
	}
	return ""
}

// covers reports whether a grant of loc reaches path (both "~/…").
func covers(loc, path string) bool {
	return loc == "~" || loc == path || strings.HasPrefix(path, loc+"/")
}

// busTalks reports whether the app may talk to name on a bus, directly or
// through a wildcard.
func busTalks(bus map[string]BusState, name string) (BusState, string, bool) {
	best, bestName, found := BusState{}, "", false
	for n, s := range bus {
		match := n == name
		if prefix, ok := strings.CutSuffix(n, ".*"); ok {
			match = name == prefix || strings.HasPrefix(name, prefix+".")
		}
		if match && s.Policy >= overrides.PolicyTalk && (!found || s.Policy > best.Policy) {
			best, bestName, found = s, n, true
		}
	}
	return best, bestName, found
}

// TalksTo reports whether the app may talk to a session-bus name, directly
// or through a wildcard, as the advisor judges it.
func (e *Effective) TalksTo(name string) bool {
	_, _, ok := busTalks(e.SessionBus, name)
	return ok
}

// Holds reports whether the app holds a catalogue permission (fixed names:
// on; folders: any access; session-bus names: talk or own, wildcards
// included), which layer decided it, and the grant in keyfile form.
func (e *Effective) Holds(p *Permission) (held bool, src Source, grant string) {
	switch p.Group {
	case GroupShare, GroupSockets, GroupDevices, GroupFeatures:
		// Held when the layers grant it in some session: a grant under a
		// condition that never holds (`if:network:false`) is not one.
		// (What x11 says, before fallback-x11 is applied at start: the
		// advice on X11 is about that.)
		s := e.Fixed[p.Key][p.Value]
		held := e.Dialect.Granted(s.Perm, WaylandSession) || e.Dialect.Granted(s.Perm, X11Session)
		grant := p.Key + "=" + p.Value
		if s.Conditional() {
			grant = p.syntaxOf(s.Perm)
		}
		return held, s.Source, grant
	case GroupFilesystem:
		s, ok := e.Filesystems[p.Value]
		if !ok || s.Mode == overrides.ModeNone {
			return false, s.Source, ""
		}
		return true, s.Source, FilesystemSyntax(p.Value, s.Mode)
	case GroupSessionBus:
		s, n, ok := busTalks(e.SessionBus, p.Value)
		return ok, s.Source, string(GroupSessionBus) + " " + n + "=" + s.Policy.String()
	}
	return false, SourceDefault, ""
}

// Audit lists the advisor's findings for an app (nil: the global page),
// most severe first. Dismissed findings are marked, not dropped.
func (m *Model) Audit(a *App) []Finding { return m.AuditOf(a, m.Effective(a)) }

// AuditOf is Audit for the app's effective permissions the caller has
// merged already (merging reads every layer's file).
func (m *Model) AuditOf(a *App, e *Effective) []Finding {
	var out []Finding
	if a == nil {
		out = append(out, globalFindings()...)
	} else {
		out = appFindings(e)
		out = append(out, displayFindings(e, m.declared(a))...)
		if gained := m.Gained(a); len(gained) > 0 {
			out = append(out, updateFinding(m.Dialect, gained))
		}
	}
	out = append(out, m.brokenFindings(a, e)...)
	dismissed := m.Dismissed(Target(a))
	for i := range out {
		out[i].Dismissed = dismissed[out[i].ID]
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Severity != out[j].Severity {
			return out[i].Severity > out[j].Severity
		}
		return out[i].Level > out[j].Level
	})
	return out
}

func globalFindings() []Finding {
	return []Finding{{
		ID: "info/limits", Severity: SeverityInfo, Level: LevelInfo, Permission: "",
		Title:  N_("What Flatpak cannot confine"),
		Reason: N_("Every app shares the computer's kernel. Flatpak's seccomp filter blocks only some system calls, and every app can read much of /proc and /sys (e.g. the list of running programs and hardware details). Kernel bugs can let an app escape any sandbox."),
		Fix:    N_("Keep the system updated and install apps from sources you trust."),
	}}
}

// adviceOrder is the order of findings of equal severity and level: sandbox
// escapes before what privacy guides recommend, then the broad folders.
// Write escapes (not catalogue entries) come after writeEscapesAfter.
// Every catalogue entry with Advice is listed (catalogue_test.go checks).
var adviceOrder = []*Permission{
	SessionBusSocket, SystemBusSocket, FlatpakPortal, Devel,
	X11, IPC,
	Network, PulseAudio, AllDevices, SSHAuth, GPGAgent, Secrets,
	Host, HostRoot, Home, HostOS, HostEtc,
}

var writeEscapesAfter = Devel

func appFindings(e *Effective) []Finding {
	var out []Finding
	native := e.WaylandNative()
	for _, p := range adviceOrder {
		if held, src, grant := e.Holds(p); held {
			for _, adv := range p.Advice {
				if adv.Only == WaylandNativeApps && !native || adv.Only == OtherApps && native || !adv.Releases.includes(e.Dialect) {
					continue
				}
				out = append(out, p.finding(adv, src, grant))
			}
		}
		if p == writeEscapesAfter {
			out = append(out, writeEscapes(e)...)
		}
	}
	return out
}

// finding is what an Advice says about p, held as grant.
func (p *Permission) finding(adv Advice, src Source, grant string) Finding {
	f := Finding{ID: adv.ID, Severity: adv.Severity, Level: adv.Level, Ref: p.Ref(), Perm: p, Permission: grant, Source: src,
		Title: adv.Title, Reason: adv.Reason, Fix: adv.Fix}
	if f.Severity == SeverityNone {
		f.Severity = p.Risk
	}
	if strings.Contains(adv.Title, "%s") {
		f.TitleArgs = []any{p.Value}
	}
	if !adv.NoFix {
		f.Ops = []overrides.Op{p.Revocation()}
		for _, also := range adv.Also {
			f.Ops = append(f.Ops, also.Grant())
		}
	}
	return f
}

// Revocation is the `flatpak override` option that takes p away.
func (p *Permission) Revocation() overrides.Op { return p.option(overrides.Revoke) }

// Grant is the `flatpak override` option that gives p.
func (p *Permission) Grant() overrides.Op { return p.option(overrides.Grant) }

// optionFlags are the grant and the revoke option of the groups whose
// options are not those of a fixed-name key.
var optionFlags = map[Group][2]string{
	GroupFilesystem: {"filesystem", "nofilesystem"},
	GroupSessionBus: {"talk-name", "no-talk-name"},
}

// option is the `flatpak override` option that grants or revokes p.
func (p *Permission) option(s overrides.State) overrides.Op {
	f, ok := optionFlags[p.Group]
	switch {
	case !ok:
		return overrides.Op{Flag: overrides.FixedFlag(p.Key, s), Value: p.Value}
	case s == overrides.Revoke:
		return overrides.Op{Flag: f[1], Value: p.Value}
	}
	return overrides.Op{Flag: f[0], Value: p.Value}
}

// WriteEscape reports whether write access to a location reaches a path
// that runs code outside the sandbox (see escapePaths).
func WriteEscape(loc string) bool {
	reason, _ := escapeReason(loc)
	return reason != ""
}

// escapeReason says why write access to loc escapes the sandbox, naming
// the first dangerous path it reaches; "" when it does not.
func escapeReason(loc string) (string, []any) {
	if loc == overrides.LocationHost || loc == overrides.LocationHostRoot {
		return N_("It can change every file you can, including the programs your session starts and Flatpak's own files."), nil
	}
	if hp := homePath(loc); hp != "" {
		for _, p := range escapePaths {
			if covers(hp, p.loc) {
				return N_("Writing %s is enough: %s."), []any{p.loc, p.why}
			}
		}
	}
	return "", nil
}

// writeEscapes flags write access to paths that run code outside the
// sandbox; read-only access removes the escape and keeps the app working.
func writeEscapes(e *Effective) []Finding {
	var out []Finding
	for _, loc := range e.Granted() {
		s := e.Filesystems[loc]
		if s.Mode == overrides.ModeRead {
			continue
		}
		reason, args := escapeReason(loc)
		if reason == "" {
			continue
		}
		k := Ref{GroupFilesystem, loc}
		out = append(out, Finding{ID: "escape/write:" + loc, Severity: SeverityEscape, Level: LevelRecommended, Ref: k, Perm: k.Permission(),
			Permission: FilesystemSyntax(loc, s.Mode), Source: s.Source,
			Title: N_("Can write files that run outside the sandbox (%s)"), TitleArgs: []any{loc},
			Reason: reason, ReasonArgs: args,
			// The privacy finding about the same folder may go further.
			Fix: N_("Make it read-only, or give just the folders the app needs."),
			Ops: []overrides.Op{{Flag: "filesystem", Value: overrides.Filesystem{Location: loc, Mode: overrides.ModeRead}.String()}}})
	}
	return out
}

// declared is what the app's metadata alone gives it.
func (m *Model) declared(a *App) *Effective {
	return Merge(m.Dialect, []Layer{a.metadataLayer()})
}

// displayFindings: an app that could show its windows in a kind of session
// with what it declares, but cannot with the overrides. On 1.18 that is
// what `!wayland` does to an app that falls back to X11 (no display in a
// Wayland session), and `!x11` (no X11 in X11 sessions either).
func displayFindings(e, declared *Effective) []Finding {
	var out []Finding
	for _, d := range []struct {
		id      string
		session overrides.Session
		fix     *Permission
		title   string
		reason  string
	}{
		{"display/wayland", WaylandSession, Wayland, N_("Cannot show windows in a Wayland session"),
			N_("The overrides take Wayland away, and this Flatpak gives the app X11 only where no Wayland session runs: started in a Wayland session, it opens no window.")},
		{"display/x11", X11Session, FallbackX11, N_("Cannot show windows in an X11 session"),
			N_("On this Flatpak, an x11 or !x11 in an override also discards the app's fallback-x11: started in an X11 session, it has no X11 and opens no window.")},
	} {
		if !declared.Display(d.session) || e.Display(d.session) {
			continue
		}
		f := Finding{ID: d.id, Severity: SeverityHigh, Level: LevelRecommended, Ref: d.fix.Ref(), Perm: d.fix,
			Permission: d.fix.Syntax(), Source: e.Fixed[d.fix.Key][d.fix.Value].Source,
			Title: d.title, Reason: d.reason, Fix: N_("Give it back, so the app has a display in both kinds of session."),
			Ops: []overrides.Op{d.fix.Grant()}}
		out = append(out, f)
	}
	return out
}

// brokenFindings: a layer the installed Flatpak refuses, or crashes on,
// stops the app from starting. The user's own file can be repaired.
func (m *Model) brokenFindings(a *App, e *Effective) []Finding {
	if len(e.Broken) == 0 {
		return nil // merging found every layer readable: no file to read again
	}
	var out []Finding
	for _, l := range m.Layers(a) {
		if l.Err == nil {
			continue
		}
		own := l.Source == SourceUser || a == nil && l.Source == SourceGlobal
		f := Finding{ID: "broken/" + l.Source.String(), Severity: SeverityHigh, Level: LevelInfo, Source: l.Source,
			Title: N_("Flatpak cannot use an override file"), Reason: N_("Flatpak says: %s"), ReasonArgs: []any{l.Err.Error()},
			Fix: N_("Ask the administrator to fix it; until then Flatpak refuses to start the app.")}
		if crashes(l.Problems) {
			f.Title = N_("An override file makes Flatpak crash")
		}
		if l.Source == SourceApp {
			// The app's own metadata: nobody here can repair it.
			f.Title = N_("Flatpak cannot use the app's own permissions")
			if crashes(l.Problems) {
				f.Title = N_("The app's own permissions make Flatpak crash")
			}
			f.Fix = N_("Only the app's publisher can fix this; until then Flatpak cannot start the app.")
		}
		if own {
			f.Level = LevelRecommended
			f.Repair = true
			f.Fix = N_("Repair removes just the entries this Flatpak cannot read; Undo brings them back.")
			if l.File == nil || repairFails(m.Dialect, l.File) {
				f.Repair = false
				f.Fix = N_("Reset the override (Undo brings it back) or fix it in a text editor.")
			}
		}
		out = append(out, f)
	}
	return out
}

func crashes(probs []overrides.Problem) bool {
	for _, p := range probs {
		if p.Fatal && p.Crash {
			return true
		}
	}
	return false
}

func repairFails(d *overrides.Dialect, f *overrides.File) bool {
	_, err := f.Clone().Repair(d)
	return err != nil
}
