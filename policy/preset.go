package policy

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

// Presets are named hardening baselines, kept as data (presets/*.json): a
// global override in the policy format, and the kinds of access each
// installed app gets back, in its own override, when the baseline takes
// away something it declared and needs to keep working. A preset becomes a
// policy for this machine's apps (Preset.Policy), which is planned and
// written like any other, and it is checked before it is offered: no app
// loses its display in a kind of session where it has one.

//go:embed presets/*.json
var presetFiles embed.FS

// Preset is one baseline.
type Preset struct {
	Name         string          `json:"name"`
	Global       json.RawMessage `json:"global"`
	Keep         []string        `json:"keep"`
	Format       string          `json:"format"`
	Version      int             `json:"version"`
	Title, Blurb string          `json:"-"` // untranslated, from presetTexts
}

// The kinds of access a preset gives back to the apps that declared them.
const (
	keepDisplay      = "display"       // X11 (or fallback-x11 for Wayland-native apps) where the app would lose its display
	keepGPU          = "gpu"           // the GPU, for apps that had it (alone or through all devices)
	keepNetwork      = "network"       // the network
	keepAudio        = "audio"         // the PulseAudio socket
	keepIPCForX11    = "ipc-for-x11"   // shared memory, for apps that are not Wayland-native
	keepFolders      = "folders"       // the folders the app asks for, except the broad ones (home, host…)
	keepSecrets      = "secrets"       // the keyring
	keepHostCommands = "host-commands" // org.freedesktop.Flatpak (terminals, IDEs)
)

var knownKeeps = []string{keepDisplay, keepGPU, keepNetwork, keepAudio, keepIPCForX11, keepFolders, keepSecrets, keepHostCommands}

// presetTexts are the presets' names and descriptions for display (Go
// strings, so that they are translated).
var presetTexts = map[string][2]string{
	// TRANSLATORS: the name of a hardening preset, a set of restrictions for every app
	"strict": {N_("Strict baseline"), N_("No network, sound, X11, shared memory, device access, home or host folders, keyring or host commands for any app by default; each installed app gets back its display, its GPU, the network and the folders it asks for.")},
	// TRANSLATORS: the name of a hardening preset, milder than the strict baseline
	"balanced": {N_("Balanced"), N_("No shared memory, device access, home or host folders, keyring or host commands by default; each installed app gets back what it asks for, except the home and host folders.")},
}

// Presets lists the presets, strictest first.
func Presets() ([]*Preset, error) {
	var out []*Preset
	for _, name := range []string{"strict", "balanced"} {
		p, err := LoadPreset(name)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// LoadPreset reads one preset's data.
func LoadPreset(name string) (*Preset, error) {
	data, err := presetFiles.ReadFile("presets/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("no preset %q (there are strict and balanced)", name)
	}
	var p Preset
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("preset %s: %v", name, err)
	}
	if p.Format != "confine-preset" || p.Version != 1 || p.Name != name {
		return nil, fmt.Errorf("preset %s: not a confine-preset version 1 file", name)
	}
	for _, k := range p.Keep {
		if !slices.Contains(knownKeeps, k) {
			return nil, fmt.Errorf("preset %s: unknown kind %q to keep", name, k)
		}
	}
	p.Title, p.Blurb = presetTexts[name][0], presetTexts[name][1]
	return &p, nil
}

func (p *Preset) keeps(k string) bool { return slices.Contains(p.Keep, k) }

// Policy turns a preset into a policy for the apps installed on m: the
// preset's global override, and for each app the exceptions it needs. It
// returns the policy's JSON (for `confine apply` and for a person to
// read) and the policy, checked: every app keeps a display wherever it has
// one now.
func (p *Preset) Policy(m *model.Model) ([]byte, *Policy, error) {
	data, pol, _, err := p.policy(m, nil)
	return data, pol, err
}

// policy is Policy, with the plan of the user's files it was checked
// with; grants, when not nil, receives what each app gets back.
func (p *Preset) policy(m *model.Model, grants map[string][]Grant) ([]byte, *Policy, *Plan, error) {
	doc := map[string]any{"format": Format, "version": 1, "overrides": map[string]any{overrides.Global: p.Global}}
	data, _ := json.Marshal(doc)
	base, err := Parse("preset "+p.Name, data, m.Flatpak)
	if err != nil {
		return nil, nil, nil, err
	}
	plan, err := base.Plan(m, false)
	if err != nil {
		return nil, nil, nil, err
	}
	global := plan.Files[0].After
	targets := map[string]any{overrides.Global: p.Global}
	now := map[string]*model.Effective{}
	for _, a := range m.RunnableApps() {
		now[a.ID] = m.Effective(a)
		after := model.Merge(m.Dialect, m.ScopeLayers(a, a.ID, false, map[string][]byte{overrides.Global: global}))
		if ex := p.exceptions(now[a.ID], after); len(ex) > 0 {
			targets[a.ID] = exceptionPolicy(ex)
			if grants != nil {
				grants[a.ID] = ex
			}
		}
	}
	doc["overrides"] = targets
	data, err = json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, nil, nil, err
	}
	pol, err := Parse("preset "+p.Name, data, m.Flatpak)
	if err != nil {
		return nil, nil, nil, err
	}
	if plan, err = pol.Plan(m, false); err != nil {
		return nil, nil, nil, err
	}
	if err := checkDisplays(m, plan, now); err != nil {
		return nil, nil, nil, fmt.Errorf("preset %s: %w", p.Name, err)
	}
	return data, pol, plan, nil
}

// Grant is one thing an app gets back in its own override when a preset
// is applied: a permission, or a folder with its access.
type Grant struct {
	Perm   *model.Permission // for a folder, its catalogue entry if it has one
	Folder string            // set for a folder
	Mode   overrides.Mode
}

// exceptions is what an app gets back in its own override: the kinds of
// access the preset keeps, that the app has now and would lose.
func (p *Preset) exceptions(now, after *model.Effective) []Grant {
	var out []Grant
	lost := func(q *model.Permission) bool {
		return now.AllowedIn(q, model.WaylandSession) && !after.AllowedIn(q, model.WaylandSession) || now.AllowedIn(q, model.X11Session) && !after.AllowedIn(q, model.X11Session)
	}
	give := func(q *model.Permission) { out = append(out, Grant{Perm: q}) }
	if p.keeps(keepDisplay) {
		if len(model.DisplaysLost(now, after)) > 0 {
			if now.WaylandNative() {
				// X11 only where no Wayland session runs, as before.
				give(model.FallbackX11)
			} else {
				give(model.X11)
			}
		}
	}
	if p.keeps(keepGPU) && (now.On(model.DRI) || now.On(model.AllDevices)) && !after.On(model.DRI) && !after.On(model.AllDevices) {
		give(model.DRI)
	}
	for _, k := range []struct {
		keep string
		perm *model.Permission
		only bool
	}{{keepNetwork, model.Network, true}, {keepAudio, model.PulseAudio, true}, {keepIPCForX11, model.IPC, !now.WaylandNative()}} {
		if p.keeps(k.keep) && k.only && lost(k.perm) {
			give(k.perm)
		}
	}
	if p.keeps(keepFolders) {
		var locs []string
		for loc, s := range now.Filesystems {
			// Not the broad folders, and not write access that runs code
			// outside the sandbox: the baseline is there to take those.
			if s.Mode == overrides.ModeNone || slices.Contains([]string{model.Host.Value, model.HostOS.Value, model.HostEtc.Value, model.HostRoot.Value, model.Home.Value}, loc) ||
				s.Mode != overrides.ModeRead && model.WriteEscape(loc) {
				continue
			}
			if got, _ := after.FilesystemMode(loc); got != s.Mode {
				locs = append(locs, loc)
			}
		}
		slices.Sort(locs)
		for _, loc := range locs {
			out = append(out, Grant{Perm: model.Ref{Group: model.GroupFilesystem, Name: loc}.Permission(), Folder: loc, Mode: now.Filesystems[loc].Mode})
		}
	}
	for _, k := range []struct {
		keep string
		perm *model.Permission
	}{{keepSecrets, model.Secrets}, {keepHostCommands, model.FlatpakPortal}} {
		if held, _, _ := now.Holds(k.perm); p.keeps(k.keep) && held {
			if held, _, _ := after.Holds(k.perm); !held {
				give(k.perm)
			}
		}
	}
	return out
}

// exceptionPolicy is an app's exceptions in the policy format.
func exceptionPolicy(grants []Grant) map[string]any {
	perms, folders, bus := map[string]string{}, map[string]string{}, map[string]string{}
	for _, g := range grants {
		switch {
		case g.Folder != "":
			folders[g.Folder] = g.Mode.String()
		case g.Perm.Group == model.GroupSessionBus:
			bus[g.Perm.Value] = overrides.PolicyTalk.String()
		default:
			perms[g.Perm.ID] = "on"
		}
	}
	ex := map[string]any{}
	if len(perms) > 0 {
		ex["permissions"] = perms
	}
	if len(folders) > 0 {
		ex["folders"] = folders
	}
	if len(bus) > 0 {
		ex[string(model.GroupSessionBus)] = bus
	}
	return ex
}

// Preview is what applying a preset would do on this computer, computed
// and checked, nothing written.
type Preview struct {
	Preset     *Preset
	Policy     []byte // the preset as a policy for these apps
	Plan       *Plan  // every file before and after
	Exceptions []Exception
}

// Exception is what one app gets back in its own override.
type Exception struct {
	App    *model.App
	Grants []Grant
}

// Preview computes a preset for the apps installed on m: the policy, the
// plan of the user's override files, and each app's exceptions (apps in
// the order of RunnableApps).
func (p *Preset) Preview(m *model.Model) (*Preview, error) {
	grants := map[string][]Grant{}
	data, _, plan, err := p.policy(m, grants)
	if err != nil {
		return nil, err
	}
	pv := &Preview{Preset: p, Policy: data, Plan: plan}
	for _, a := range m.RunnableApps() {
		if g := grants[a.ID]; len(g) > 0 {
			pv.Exceptions = append(pv.Exceptions, Exception{App: a, Grants: g})
		}
	}
	return pv, nil
}

// checkDisplays refuses a plan that leaves an installed app without a
// display in a kind of session where it has one now (now: each app's
// effective permissions before the plan).
func checkDisplays(m *model.Model, plan *Plan, now map[string]*model.Effective) error {
	planned := map[string][]byte{}
	for _, f := range plan.Files {
		planned[f.Target] = f.After
	}
	var broken []string
	for _, a := range m.RunnableApps() {
		after := model.Merge(m.Dialect, m.ScopeLayers(a, a.ID, false, planned))
		for _, s := range model.DisplaysLost(now[a.ID], after) {
			broken = append(broken, a.ID+" ("+s+")")
		}
	}
	if len(broken) > 0 {
		return fmt.Errorf("it would leave these apps without a display: %s", strings.Join(broken, ", "))
	}
	return nil
}
