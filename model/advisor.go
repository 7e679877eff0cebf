package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/confine-app/confine/overrides"
)

// Level says how strongly the advisor proposes a fix.
type Level int

const (
	// LevelInfo: nothing to change, only worth knowing.
	LevelInfo Level = iota
	// LevelSuggested: most apps of this kind can do without it, but the
	// app may lose features (network, audio…); never applied by default.
	LevelSuggested
	// LevelRecommended: a sandbox escape, or X11/IPC on a Wayland-native
	// app: revoking it costs nothing the app needs on a Wayland desktop,
	// or the grant defeats the sandbox.
	LevelRecommended
)

func (l Level) String() string { return [...]string{"info", "suggested", "recommended"}[l] }

// Finding is one thing the advisor has to say about an app.
type Finding struct {
	// ID is stable across runs (dismissals are remembered by it), e.g.
	// "escape/session-bus" or "revoke/network".
	ID         string
	Severity   Severity
	Level      Level
	Permission string // keyfile form: "sockets=x11", "filesystems=home", "session-bus org.freedesktop.Flatpak=talk"
	Source     Source
	Title      string
	Reason     string
	Fix        string
	// TitleArgs and ReasonArgs fill the %s of Title and Reason after
	// translation; Title and Reason are the untranslated formats. Use
	// Text to get the English text.
	TitleArgs, ReasonArgs []any
	// Ops are the `flatpak override` options that apply the fix.
	Ops       []overrides.Op
	Dismissed bool
}

// Text formats a finding's title and reason with tr (a translation
// function; identity for English).
func (f Finding) Text(tr func(string) string) (title, reason string) {
	title, reason = tr(f.Title), tr(f.Reason)
	if len(f.TitleArgs) > 0 {
		title = fmt.Sprintf(title, translateArgs(tr, f.TitleArgs)...)
	}
	if len(f.ReasonArgs) > 0 {
		reason = fmt.Sprintf(reason, translateArgs(tr, f.ReasonArgs)...)
	}
	return title, reason
}

// translateArgs passes string arguments through tr too: some are
// catalogue texts, the rest (paths, names) have no translation and come
// back unchanged.
func translateArgs(tr func(string) string, args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if s, ok := a.(string); ok {
			out[i] = tr(s)
		} else {
			out[i] = a
		}
	}
	return out
}

// English is the identity translation, for the command line.
func English(s string) string { return s }

// Rating is an app's overall verdict, in the spirit of GNOME Software's.
type Rating int

const (
	RatingSafe Rating = iota
	RatingPotentiallyUnsafe
	RatingUnsafe
)

func (r Rating) String() string { return [...]string{"safe", "potentially-unsafe", "unsafe"}[r] }

// Describe is the rating for display.
func (r Rating) Describe() string {
	return [...]string{N_("Safe"), N_("Potentially unsafe"), N_("Unsafe")}[r]
}

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
	case loc == "home":
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
		if gained := m.Gained(a); len(gained) > 0 {
			out = append(out, updateFinding(gained))
		}
	}
	dismissed := m.Dismissed(target(a))
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

func appFindings(e *Effective) []Finding {
	var out []Finding
	add := func(f Finding) { out = append(out, f) }
	fixedOn := func(key, name string) (bool, Source) { return e.FixedOn(key, name) }
	native := e.WaylandNative()

	// Sandbox escapes.
	for _, s := range []struct{ name, why string }{
		{"session-bus", N_("Full access to the session bus lets the app ask other programs, and Flatpak itself, to run commands outside the sandbox.")},
		{"system-bus", N_("Full access to the system bus lets the app talk to every system service, some of which act with administrator rights.")},
	} {
		if on, src := fixedOn(overrides.KeySockets, s.name); on {
			add(Finding{ID: "escape/" + s.name, Severity: SeverityEscape, Level: LevelRecommended, Permission: "sockets=" + s.name, Source: src,
				Title: N_("Can escape the sandbox through the %s"), TitleArgs: []any{s.name}, Reason: s.why,
				Fix: N_("Revoke it; the app keeps the bus names it lists one by one."), Ops: []overrides.Op{{Flag: "nosocket", Value: s.name}}})
		}
	}
	if s, n, ok := busTalks(e.SessionBus, "org.freedesktop.Flatpak"); ok {
		add(Finding{ID: "escape/flatpak-portal", Severity: SeverityEscape, Level: LevelRecommended, Permission: "session-bus " + n + "=" + s.Policy.String(), Source: s.Source,
			Title:  N_("Can run any command outside the sandbox"),
			Reason: N_("Talking to org.freedesktop.Flatpak lets the app start programs on your computer with your rights (flatpak-spawn --host). Terminals and IDEs ask for it on purpose."),
			Fix:    N_("Deny the name unless you use the app to run host commands."), Ops: []overrides.Op{{Flag: "no-talk-name", Value: "org.freedesktop.Flatpak"}}})
	}
	if on, src := fixedOn(overrides.KeyFeatures, "devel"); on {
		add(Finding{ID: "escape/devel", Severity: SeverityEscape, Level: LevelRecommended, Permission: "features=devel", Source: src,
			Title:  N_("Can trace other programs"),
			Reason: N_("The development feature allows ptrace and weakens the seccomp filter; it is meant for debuggers and IDEs."),
			Fix:    N_("Disallow it unless you debug programs with this app."), Ops: []overrides.Op{{Flag: "disallow", Value: "devel"}}})
	}
	for _, loc := range e.Granted() {
		s := e.Filesystems[loc]
		if s.Mode == overrides.ModeRead {
			continue
		}
		// The reason names the first dangerous path the grant reaches.
		reason, args := "", []any(nil)
		hp := homePath(loc)
		for _, p := range escapePaths {
			if hp != "" && covers(hp, p.loc) && reason == "" {
				reason, args = N_("Writing %s is enough: %s."), []any{p.loc, p.why}
			}
		}
		if loc == "host" {
			reason, args = N_("It can change every file you can, including the programs your session starts and Flatpak's own files."), nil
		}
		if reason == "" {
			continue
		}
		add(Finding{ID: "escape/write:" + loc, Severity: SeverityEscape, Level: LevelRecommended, Permission: "filesystems=" + overrides.Filesystem{Location: loc, Mode: s.Mode}.String(), Source: s.Source,
			Title: N_("Can write files that run outside the sandbox (%s)"), TitleArgs: []any{loc},
			Reason: reason, ReasonArgs: args,
			// Read-only access removes the escape and keeps the app
			// working; the privacy finding below may go further.
			Fix: N_("Make it read-only, or give just the folders the app needs."), Ops: []overrides.Op{{Flag: "filesystem", Value: overrides.Filesystem{Location: loc, Mode: overrides.ModeRead}.String()}}})
	}

	// X11 and IPC on Wayland-native apps.
	if native {
		if on, src := fixedOn(overrides.KeySockets, "x11"); on {
			// Measured with Flatpak 1.14 (integration tests): with
			// fallback-x11 the app gets no X11 in a Wayland session and
			// X11 in an X11 session whether or not x11 is revoked. The
			// revocation still matters on releases without fallback-x11
			// and records the intent, so it stays recommended, at low
			// severity, and the text says so.
			add(Finding{ID: "revoke/x11", Severity: SeverityLow, Level: LevelRecommended, Permission: "sockets=x11", Source: src,
				Title:  N_("Keeps X11 although it runs on Wayland"),
				Reason: N_("The app shows its windows with Wayland; X11 would let it see and type into other X11 windows. Flatpak already hides X11 from it in a Wayland session (fallback-x11); revoking x11 keeps it that way on Flatpak releases without fallback-x11."),
				Fix:    N_("Revoke X11; fallback-x11 still gives X11 where no Wayland session runs."), Ops: []overrides.Op{{Flag: "nosocket", Value: "x11"}}})
		}
		if on, src := fixedOn(overrides.KeyShared, "ipc"); on {
			add(Finding{ID: "revoke/ipc", Severity: SeverityLow, Level: LevelRecommended, Permission: "shared=ipc", Source: src,
				Title:  N_("Shares memory with the host although it runs on Wayland"),
				Reason: N_("IPC sharing exists to make X11 fast; a Wayland-native app does not need it."),
				Fix:    N_("Unshare IPC."), Ops: []overrides.Op{{Flag: "unshare", Value: "ipc"}}})
		}
	} else if on, src := fixedOn(overrides.KeySockets, "x11"); on {
		add(Finding{ID: "info/x11", Severity: SeverityHigh, Level: LevelInfo, Permission: "sockets=x11", Source: src,
			Title:  N_("Uses X11"),
			Reason: N_("X11 gives no isolation between windows: the app can read what you type in other X11 apps and take screenshots. It needs X11 to show windows, so revoking it would stop the app."),
			Fix:    N_("Prefer a Wayland session; there, only X11 apps can see each other.")})
	}

	// The privacy guides' list.
	type rec struct {
		key, name, id, title, reason, fix string
		sev                               Severity
	}
	for _, r := range []rec{
		{overrides.KeyShared, "network", "revoke/network", N_("Can reach the network"), N_("The app can send anything it can read to the internet."), N_("Unshare the network if the app works offline. It may lose updates, sync or online features."), SeverityMedium},
		{overrides.KeySockets, "pulseaudio", "revoke/pulseaudio", N_("Can record audio without asking"), N_("The PulseAudio socket plays sound but also records from every microphone, bypassing the microphone permission."), N_("Revoke it if the app needs no sound. It will be silent."), SeverityHigh},
		{overrides.KeyDevices, "all", "revoke/device-all", N_("Can use every device"), N_("Webcams, microphones, USB keys and disks are all open to the app."), N_("Replace it with GPU access (dri); the app may lose webcam or game controller support."), SeverityHigh},
		{overrides.KeySockets, "ssh-auth", "revoke/ssh-auth", N_("Can use your SSH keys"), N_("The app can log in to every server your SSH agent can."), N_("Revoke it unless the app connects to servers over SSH."), SeverityHigh},
		{overrides.KeySockets, "gpg-agent", "revoke/gpg-agent", N_("Can use your GnuPG keys"), N_("The app can sign and decrypt with your keys while the agent has them unlocked."), N_("Revoke it unless the app signs or encrypts for you."), SeverityHigh},
	} {
		if on, src := fixedOn(r.key, r.name); on {
			f := Finding{ID: r.id, Severity: r.sev, Level: LevelSuggested, Permission: r.key + "=" + r.name, Source: src, Title: r.title, Reason: r.reason, Fix: r.fix}
			f.Ops = []overrides.Op{{Flag: overrides.FixedFlag(r.key, overrides.Revoke), Value: r.name}}
			if r.name == "all" {
				f.Ops = append(f.Ops, overrides.Op{Flag: "device", Value: "dri"})
			}
			add(f)
		}
	}
	if s, n, ok := busTalks(e.SessionBus, "org.freedesktop.secrets"); ok {
		add(Finding{ID: "revoke/secrets", Severity: SeverityMedium, Level: LevelSuggested, Permission: "session-bus " + n + "=" + s.Policy.String(), Source: s.Source,
			Title:  N_("Can read your stored passwords"),
			Reason: N_("Talking to org.freedesktop.secrets gives access to the whole keyring, not only the app's own secrets."),
			Fix:    N_("Deny the name; the app may ask for passwords again or lose saved logins."), Ops: []overrides.Op{{Flag: "no-talk-name", Value: "org.freedesktop.secrets"}}})
	}
	for _, b := range []struct{ loc, title, reason string }{
		{"host", N_("Can read all your files and the system's"), N_("Every file you can open is visible to the app.")},
		{"home", N_("Can read your whole home folder"), N_("Documents, browser profiles, keys and the settings of every other app are visible to it.")},
		{"host-os", N_("Can read the system's programs and libraries"), N_("Mostly harmless, but it reveals what is installed and is rarely needed.")},
		{"host-etc", N_("Can read the system's configuration"), N_("/etc holds network, user and service settings.")},
	} {
		s, ok := e.Filesystems[b.loc]
		if !ok || s.Mode == overrides.ModeNone {
			continue
		}
		sev := SeverityHigh
		if b.loc == "host-os" || b.loc == "host-etc" {
			sev = SeverityMedium
		}
		add(Finding{ID: "revoke/filesystem:" + b.loc, Severity: sev, Level: LevelSuggested, Permission: "filesystems=" + overrides.Filesystem{Location: b.loc, Mode: s.Mode}.String(), Source: s.Source,
			Title: b.title, Reason: b.reason,
			Fix: N_("Replace it with the folders the app needs (e.g. Downloads); file dialogs still give access to single files through portals."),
			Ops: []overrides.Op{{Flag: "nofilesystem", Value: b.loc}}})
	}
	return out
}

// RatingOf sums findings up: any escape makes an app unsafe, any high
// finding potentially unsafe. Dismissed findings still count: the user
// accepted the risk, the risk remains.
func RatingOf(fs []Finding) Rating {
	r := RatingSafe
	for _, f := range fs {
		switch {
		case f.Severity >= SeverityEscape:
			return RatingUnsafe
		case f.Severity >= SeverityHigh:
			r = RatingPotentiallyUnsafe
		}
	}
	return r
}

// HardenPlan is the override that applying the advisor's fixes gives.
type HardenPlan struct {
	Target        string
	Findings      []Finding
	Ops           []overrides.Op
	Before, After []byte // nil: no file
}

// Plan computes the hardening of an app without writing anything:
// recommended fixes always, suggested ones on request, dismissed findings
// never. The options are recorded as asked (explicit revocations) so a
// later update cannot widen them again.
func (m *Model) Plan(a *App, includeSuggested bool) (HardenPlan, error) {
	p := HardenPlan{Target: a.ID}
	p.Findings, p.Ops = fixes(m.Audit(a), includeSuggested)
	before, err := m.User.Read(a.ID)
	if err != nil {
		return p, err
	}
	p.Before = before
	f := overrides.NewFile()
	if before != nil {
		if f, err = overrides.Parse(before); err != nil {
			return p, err
		}
	}
	if err := f.ApplyOps(p.Ops); err != nil {
		return p, err
	}
	if !f.IsEmpty() {
		p.After = f.Bytes()
	}
	return p, nil
}

// fixes picks the findings hardening acts on (recommended always,
// suggested on request, dismissed never) and their options, each once.
func fixes(all []Finding, includeSuggested bool) (picked []Finding, ops []overrides.Op) {
	seen := map[string]bool{}
	for _, f := range all {
		if f.Dismissed || len(f.Ops) == 0 || f.Level == LevelInfo || (f.Level == LevelSuggested && !includeSuggested) {
			continue
		}
		picked = append(picked, f)
		for _, o := range f.Ops {
			if !seen[o.String()] {
				seen[o.String()] = true
				ops = append(ops, o)
			}
		}
	}
	return picked, ops
}

// Apply writes a plan; it fails if the override changed since the plan was
// made.
func (m *Model) Apply(p HardenPlan) (Change, error) {
	c := Change{Target: p.Target, Before: p.Before, After: p.After}
	return c, m.User.Write(p.Target, p.Before, p.After)
}

// Command renders options as one `flatpak override --user` command line.
func Command(target string, ops []overrides.Op) string {
	parts := []string{"flatpak", "override", "--user"}
	for _, o := range ops {
		parts = append(parts, overrides.ShellQuote(o.String()))
	}
	if target != overrides.Global {
		parts = append(parts, target)
	}
	return strings.Join(parts, " ")
}

// Diff is a small line diff of two override files ("-"/"+" lines).
func Diff(before, after []byte) string {
	a := strings.Split(strings.TrimSuffix(string(before), "\n"), "\n")
	b := strings.Split(strings.TrimSuffix(string(after), "\n"), "\n")
	if len(before) == 0 {
		a = nil
	}
	if len(after) == 0 {
		b = nil
	}
	// Longest common subsequence; override files are a few lines long.
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			out.WriteString("  " + a[i] + "\n")
			i++
			j++
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			out.WriteString("- " + a[i] + "\n")
			i++
		default:
			out.WriteString("+ " + b[j] + "\n")
			j++
		}
	}
	return out.String()
}
