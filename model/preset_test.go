package model

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/confine-app/confine/overrides"
)

// TestPresetsKeepEveryDisplay applies each preset to the demo installation
// under Flatpak 1.14 and 1.18: no app loses its display in either kind of
// session, the baseline is in the global override, the apps get back what
// they need, and Undo restores every file byte for byte.
func TestPresetsKeepEveryDisplay(t *testing.T) {
	presets, err := Presets()
	if err != nil || len(presets) != 2 {
		t.Fatalf("presets: %v %v", presets, err)
	}
	for _, version := range []string{"1.14.10", "1.16.6", "1.18.1"} {
		for _, p := range presets {
			t.Run(version+"/"+p.Name, func(t *testing.T) {
				env, err := GenerateDemo(t.TempDir(), 0)
				if err != nil {
					t.Fatal(err)
				}
				env.Vars = chain(env.Vars, map[string]string{"CONFINE_FLATPAK_VERSION": version})
				m := Load(env)
				before := map[string][]byte{}
				targets, _ := m.User.List()
				for _, tg := range targets {
					before[tg], _ = m.User.Read(tg)
				}
				displays := map[string][2]bool{}
				for _, a := range m.RunnableApps() {
					e := m.Effective(a)
					displays[a.ID] = [2]bool{e.Display(WaylandSession), e.Display(X11Session)}
				}
				_, pol, err := m.PresetPolicy(p)
				if err != nil {
					t.Fatal(err)
				}
				plan, err := m.PlanPolicy(pol, false)
				if err != nil {
					t.Fatal(err)
				}
				changes, err := m.ApplyPolicyPlan(plan)
				if err != nil || len(changes) == 0 {
					t.Fatalf("applied %d files: %v", len(changes), err)
				}
				m = Load(env)
				for _, a := range m.RunnableApps() {
					e := m.Effective(a)
					if d := displays[a.ID]; d[0] && !e.Display(WaylandSession) || d[1] && !e.Display(X11Session) {
						t.Errorf("%s lost its display: before %v, after Wayland %v X11 %v", a.ID, d, e.Display(WaylandSession), e.Display(X11Session))
					}
					// The escapes the baselines remove stay removed.
					for _, q := range []*Permission{FlatpakPortal, Home, Host} {
						if held, _, _ := e.Holds(q); held && (p.Name == "strict" || q != FlatpakPortal) {
							t.Errorf("%s still holds %s", a.ID, q.ID)
						}
					}
				}
				browser, _ := m.App("net.waveline.Browser")
				e := m.Effective(browser)
				if !e.AllowedIn(Network, X11Session) || !e.AllowedIn(DRI, X11Session) || e.AllowedIn(AllDevices, X11Session) {
					t.Errorf("the browser should keep the network and the GPU, without all devices")
				}
				if mode, _ := e.FilesystemMode("xdg-download"); mode != overrides.ModeReadWrite {
					t.Errorf("the browser lost its Downloads folder: %v", mode)
				}
				if got := e.AllowedIn(PulseAudio, X11Session); got != (p.Name == "balanced") {
					t.Errorf("the browser's sound: %v", got)
				}
				// Applying again changes nothing.
				_, pol, err = m.PresetPolicy(p)
				if err != nil {
					t.Fatal(err)
				}
				if again, err := m.PlanPolicy(pol, false); err != nil || again.Changed() {
					t.Fatalf("a second apply changes files: %v", err)
				}
				if err := m.UndoAll(changes); err != nil {
					t.Fatal(err)
				}
				after, _ := m.User.List()
				if strings.Join(after, ",") != strings.Join(targets, ",") {
					t.Fatalf("undo left %v, want %v", after, targets)
				}
				for _, tg := range targets {
					if got, _ := m.User.Read(tg); string(got) != string(before[tg]) {
						t.Errorf("undo of %s gave %q, want %q", tg, got, before[tg])
					}
				}
			})
		}
	}
}

// TestPreviewPresetSaysWhatItWrites: the exceptions a person reads in the
// preview are the apps' entries of the preset's policy, and the plan is
// the one that policy gives.
func TestPreviewPresetSaysWhatItWrites(t *testing.T) {
	env, err := GenerateDemo(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	env.Vars = chain(env.Vars, map[string]string{"CONFINE_FLATPAK_VERSION": "1.18.1"})
	m := Load(env)
	p, err := LoadPreset("strict")
	if err != nil {
		t.Fatal(err)
	}
	pv, err := m.PreviewPreset(p)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Overrides map[string]json.RawMessage `json:"overrides"`
	}
	if err := json.Unmarshal(pv.Policy, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Overrides) != len(pv.Exceptions)+1 {
		t.Errorf("the policy has %d targets, the preview %d apps and the global override", len(doc.Overrides), len(pv.Exceptions))
	}
	var browser []PresetGrant
	for _, ex := range pv.Exceptions {
		want, _ := json.Marshal(exceptionPolicy(ex.Grants))
		var a, b any
		json.Unmarshal(want, &a)
		json.Unmarshal(doc.Overrides[ex.App.ID], &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: preview %s, policy %s", ex.App.ID, want, doc.Overrides[ex.App.ID])
		}
		if ex.App.ID == "net.waveline.Browser" {
			browser = ex.Grants
		}
	}
	has := func(q *Permission, folder string) bool {
		for _, g := range browser {
			if g.Perm == q && g.Folder == folder {
				return true
			}
		}
		return false
	}
	if !has(Network, "") || !has(Ref{Group: GroupFilesystem, Name: "xdg-download"}.Permission(), "xdg-download") || has(PulseAudio, "") {
		t.Errorf("the browser gets back %+v; want the network and Downloads, not sound", browser)
	}
	_, pol, err := m.PresetPolicy(p)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := m.PlanPolicy(pol, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Files) != len(pv.Plan.Files) {
		t.Fatalf("plans differ: %d and %d files", len(plan.Files), len(pv.Plan.Files))
	}
	for i, f := range plan.Files {
		if g := pv.Plan.Files[i]; g.Target != f.Target || string(g.After) != string(f.After) {
			t.Errorf("%s: the preview plans %q, the policy %q", f.Target, g.After, f.After)
		}
	}
}
