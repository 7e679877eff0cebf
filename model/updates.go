package model

import (
	"fmt"
	"hash/fnv"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/confine-app/confine/overrides"
)

// Watching app updates: Confine remembers what each app declared (its
// metadata's grants) in $XDG_STATE_HOME/confine/declared/<APP>. When an
// update declares more, the advisor says what was gained, until the user
// acknowledges it. Lock writes explicit revocations so that future updates
// cannot widen an app silently.

// declaredGrants lists what an app's metadata grants, one entry each, in
// `flatpak override` option form ("--socket=x11", "--filesystem=home:ro").
func declaredGrants(a *App) []overrides.Op {
	if a.Metadata == nil {
		return nil
	}
	c := a.metaContext
	var ops []overrides.Op
	for _, key := range overrides.FixedKeys {
		for _, n := range overrides.Names(key) {
			p := c.Fixed[key][n]
			grant := overrides.FixedFlag(key, overrides.Grant)
			if p.Allowed {
				ops = append(ops, overrides.Op{Flag: grant, Value: n})
			}
			for _, cond := range p.Conditions {
				ops = append(ops, overrides.Op{Flag: overrides.IfFlag(key), Value: n + ":" + cond})
			}
		}
	}
	for _, loc := range slices.Sorted(maps.Keys(c.Filesystems)) {
		if m := c.Filesystems[loc]; m != overrides.ModeNone && loc != overrides.ResetLocation {
			ops = append(ops, overrides.Op{Flag: "filesystem", Value: overrides.Filesystem{Location: loc, Mode: m}.String()})
		}
	}
	for _, b := range []struct {
		prefix string
		m      map[string]overrides.BusPolicy
	}{{"", c.SessionBus}, {"system-", c.SystemBus}} {
		for _, n := range slices.Sorted(maps.Keys(b.m)) {
			switch b.m[n] {
			case overrides.PolicyTalk, overrides.PolicySee:
				ops = append(ops, overrides.Op{Flag: b.prefix + "talk-name", Value: n})
			case overrides.PolicyOwn:
				ops = append(ops, overrides.Op{Flag: b.prefix + "own-name", Value: n})
			}
		}
	}
	return ops
}

func (m *Model) declaredPath(id string) string {
	return m.stateFile(filepath.Join("declared", id))
}

// deployLine starts the line of a record that names the deployment (the
// commit's folder) the grants were read from.
const deployLine = "# deploy: "

func readDeclared(p string) (set map[string]bool, deploy string, ok bool) {
	if p == "" {
		return nil, "", false
	}
	data, err := overrides.ReadRegular(p, maxStateFile)
	if err != nil {
		return nil, "", false
	}
	set = map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if d, found := strings.CutPrefix(l, deployLine); found {
			deploy = d
		} else if l != "" && !strings.HasPrefix(l, "#") {
			set[l] = true
		}
	}
	return set, deploy, true
}

// Gained returns what the app declares now but did not when Confine last
// recorded it. The first time Confine sees an app it records it and
// reports nothing.
func (m *Model) Gained(a *App) []overrides.Op {
	if a == nil || a.Err != nil || overrides.ValidateAppID(a.ID) != nil {
		return nil
	}
	now := declaredGrants(a)
	prev, deploy, ok := readDeclared(m.declaredPath(a.ID))
	if !ok {
		m.AcknowledgeUpdate(a)
		return nil
	}
	var gained []overrides.Op
	for _, o := range now {
		if !prev[o.String()] {
			gained = append(gained, o)
		}
	}
	if len(gained) == 0 && deploy == "" {
		// A record from before records named their deployment: name it
		// now, so a later Flatpak upgrade is not taken for an update.
		m.AcknowledgeUpdate(a)
	}
	if len(gained) > 0 && deploy != "" && deploy == filepath.Base(a.Deploy) {
		// The same deployment read by another Flatpak release (1.18
		// understands conditions and host-root that 1.16 skipped): the
		// app did not change, so this is no update. What the new reading
		// gives is judged by the other findings; the record follows it.
		m.AcknowledgeUpdate(a)
		return nil
	}
	return gained
}

// AcknowledgeUpdate records what the app declares now.
func (m *Model) AcknowledgeUpdate(a *App) error {
	var b strings.Builder
	b.WriteString("# What " + a.ID + " declared when Confine last looked; see `confine audit`.\n")
	b.WriteString(deployLine + filepath.Base(a.Deploy) + "\n")
	for _, o := range declaredGrants(a) {
		b.WriteString(o.String() + "\n")
	}
	p := m.declaredPath(a.ID)
	if p == "" {
		return errNoStateDir
	}
	return overrides.WriteFileAtomic(p, []byte(b.String()), 0o600)
}

// revocation is the option that takes a declared grant back.
func revocation(d *overrides.Dialect, o overrides.Op) overrides.Op {
	if key, s, ok := overrides.FixedFlagKey(o.Flag); ok && s == overrides.Grant {
		return overrides.Op{Flag: overrides.FixedFlag(key, overrides.Revoke), Value: o.Value}
	}
	if key, ok := overrides.IfFlagKey(o.Flag); ok {
		name, _, _ := strings.Cut(o.Value, ":")
		return overrides.Op{Flag: overrides.FixedFlag(key, overrides.Revoke), Value: name}
	}
	switch o.Flag {
	case "filesystem":
		fs, _, _ := overrides.ParseFilesystemArg(d, o.Value, false)
		return overrides.Op{Flag: "nofilesystem", Value: overrides.Filesystem{Location: fs.Location, Mode: overrides.ModeNone}.String()[1:]}
	case "talk-name", "own-name":
		return overrides.Op{Flag: "no-talk-name", Value: o.Value}
	case "system-talk-name", "system-own-name":
		return overrides.Op{Flag: "system-no-talk-name", Value: o.Value}
	}
	return o
}

// updateFinding turns gained permissions into a finding.
func updateFinding(d *overrides.Dialect, gained []overrides.Op) Finding {
	var names []string
	var ops []overrides.Op
	h := fnv.New32a()
	for _, o := range gained {
		names = append(names, o.String())
		ops = append(ops, revocation(d, o))
		h.Write([]byte(o.String()))
	}
	return Finding{
		// The ID changes with what was gained, so acknowledging one
		// update does not hide the next.
		ID: fmt.Sprintf("update/gained:%08x", h.Sum32()), Severity: SeverityMedium, Level: LevelSuggested,
		Permission: strings.Join(names, " "), Source: SourceApp,
		Title:  N_("Gained permissions in its last update"),
		Reason: N_("The app now asks for: %s"), ReasonArgs: []any{strings.Join(names, ", ")},
		Fix: N_("Revoke what the update added, or dismiss this if you accept it."),
		Ops: ops,
	}
}

// Lock writes explicit revocations for every fixed-name permission the app
// does not have now, and pins its filesystem access (a reset followed by
// today's grants), so a future update cannot widen it silently. Bus names
// cannot all be listed in advance; the two that open the sandbox or the
// keyring (FlatpakPortal, Secrets) are denied when not granted.
func (m *Model) Lock(a *App) (Change, error) {
	// A last check: no display is lost in any kind of session.
	return m.Override(a.ID, m.sparingDisplay(a, m.LockOps(m.Effective(a))))
}

// LockOps are the options that lock an app with these effective
// permissions (see Lock), as a policy's "lock" writes them.
func (m *Model) LockOps(e *Effective) []overrides.Op {
	var ops []overrides.Op
	for _, key := range overrides.FixedKeys {
		for _, n := range m.Dialect.Names(key) {
			s := e.Fixed[key][n]
			switch {
			case s.Allowed || !LookupFixed(key, n).Supported(m.Flatpak):
			case key == overrides.KeySockets && n == FallbackX11.Value && !m.Dialect.Conditional && e.On(X11):
				// Before 1.18 --nosocket=fallback-x11 also revokes x11:
				// an X11 app would lose its display.
			case key == overrides.KeySockets && n == X11.Value && m.Dialect.Conditional && e.On(FallbackX11):
				// From 1.18 on, !x11 discards fallback-x11: the app
				// would lose X11 in X11 sessions.
			case s.Conditional():
				// Pinned as it is: its conditions, and no others an
				// update could add below.
				ops = append(ops, overrides.Op{Flag: overrides.FixedFlag(key, overrides.Revoke), Value: n})
				for _, c := range s.Conditions {
					ops = append(ops, overrides.Op{Flag: overrides.IfFlag(key), Value: n + ":" + c})
				}
			default:
				ops = append(ops, overrides.Op{Flag: overrides.FixedFlag(key, overrides.Revoke), Value: n})
			}
		}
	}
	ops = append(ops, overrides.Op{Flag: "nofilesystem", Value: "host:reset"})
	for _, loc := range e.Granted() {
		ops = append(ops, overrides.Op{Flag: "filesystem", Value: overrides.Filesystem{Location: loc, Mode: e.Filesystems[loc].Mode}.String()})
	}
	for _, p := range []*Permission{FlatpakPortal, Secrets} {
		if held, _, _ := e.Holds(p); !held {
			ops = append(ops, p.Revocation())
		}
	}
	return ops
}
