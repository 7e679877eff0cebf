package policy_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
	"github.com/confine-app/confine/policy"
)

// TestPresetsKeepEveryDisplay applies each preset to the demo installation
// under Flatpak 1.14 and 1.18: no app loses its display in either kind of
// session, the baseline is in the global override, the apps get back what
// they need, and Undo restores every file byte for byte.
func TestPresetsKeepEveryDisplay(t *testing.T) {
	presets, err := policy.Presets()
	if err != nil || len(presets) != 2 {
		t.Fatalf("presets: %v %v", presets, err)
	}
	for _, version := range []string{"1.14.10", "1.16.6", "1.18.1"} {
		for _, p := range presets {
			t.Run(version+"/"+p.Name, func(t *testing.T) {
				env, err := model.GenerateDemo(t.TempDir(), 0)
				if err != nil {
					t.Fatal(err)
				}
				env = env.With(map[string]string{"CONFINE_FLATPAK_VERSION": version})
				m := model.Load(env)
				before := map[string][]byte{}
				targets, _ := m.User.List()
				for _, tg := range targets {
					before[tg], _ = m.User.Read(tg)
				}
				displays := map[string][2]bool{}
				for _, a := range m.RunnableApps() {
					e := m.Effective(a)
					displays[a.ID] = [2]bool{e.Display(model.WaylandSession), e.Display(model.X11Session)}
				}
				_, pol, err := p.Policy(m)
				if err != nil {
					t.Fatal(err)
				}
				plan, err := pol.Plan(m, false)
				if err != nil {
					t.Fatal(err)
				}
				changes, err := plan.Write()
				if err != nil || len(changes) == 0 {
					t.Fatalf("applied %d files: %v", len(changes), err)
				}
				m = model.Load(env)
				for _, a := range m.RunnableApps() {
					e := m.Effective(a)
					if d := displays[a.ID]; d[0] && !e.Display(model.WaylandSession) || d[1] && !e.Display(model.X11Session) {
						t.Errorf("%s lost its display: before %v, after Wayland %v X11 %v", a.ID, d, e.Display(model.WaylandSession), e.Display(model.X11Session))
					}
					// The escapes the baselines remove stay removed.
					for _, q := range []*model.Permission{model.FlatpakPortal, model.Home, model.Host} {
						if held, _, _ := e.Holds(q); held && (p.Name == "strict" || q != model.FlatpakPortal) {
							t.Errorf("%s still holds %s", a.ID, q.ID)
						}
					}
				}
				browser, _ := m.App("net.waveline.Browser")
				e := m.Effective(browser)
				if !e.AllowedIn(model.Network, model.X11Session) || !e.AllowedIn(model.DRI, model.X11Session) || e.AllowedIn(model.AllDevices, model.X11Session) {
					t.Errorf("the browser should keep the network and the GPU, without all devices")
				}
				if mode, _ := e.FilesystemMode("xdg-download"); mode != overrides.ModeReadWrite {
					t.Errorf("the browser lost its Downloads folder: %v", mode)
				}
				if got := e.AllowedIn(model.PulseAudio, model.X11Session); got != (p.Name == "balanced") {
					t.Errorf("the browser's sound: %v", got)
				}
				// Applying again changes nothing.
				_, pol, err = p.Policy(m)
				if err != nil {
					t.Fatal(err)
				}
				if again, err := pol.Plan(m, false); err != nil || again.Changed() {
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

// TestPreviewPresetSaysWhatItWrites: what the preview says each app gets
// back is what it holds once the preset is written (read afresh, as
// Flatpak would), and the apps the preview does not list lost none of the
// kinds of access the preset keeps.
func TestPreviewPresetSaysWhatItWrites(t *testing.T) {
	env, err := model.GenerateDemo(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	env = env.With(map[string]string{"CONFINE_FLATPAK_VERSION": "1.18.1"})
	m := model.Load(env)
	p, err := policy.LoadPreset("strict")
	if err != nil {
		t.Fatal(err)
	}
	pv, err := p.Preview(m)
	if err != nil {
		t.Fatal(err)
	}
	before := map[string]*model.Effective{}
	for _, a := range m.RunnableApps() {
		before[a.ID] = m.Effective(a)
	}
	if _, err := pv.Plan.Write(); err != nil {
		t.Fatal(err)
	}
	m = model.Load(env)
	listed := map[string]bool{}
	holds := func(e *model.Effective, g policy.Grant) bool {
		if g.Folder != "" {
			mode, _ := e.FilesystemMode(g.Folder)
			return mode == g.Mode
		}
		if g.Perm.Group == model.GroupSessionBus {
			held, _, _ := e.Holds(g.Perm)
			return held
		}
		return e.AllowedIn(g.Perm, model.WaylandSession) || e.AllowedIn(g.Perm, model.X11Session)
	}
	var browser []policy.Grant
	for _, ex := range pv.Exceptions {
		listed[ex.App.ID] = true
		a, _ := m.App(ex.App.ID)
		e := m.Effective(a)
		for _, g := range ex.Grants {
			if !holds(e, g) {
				t.Errorf("%s: the preview gives back %s %s, the files do not", ex.App.ID, g.Perm.ID, g.Folder)
			}
		}
		if ex.App.ID == "net.waveline.Browser" {
			browser = ex.Grants
		}
	}
	for _, a := range m.RunnableApps() {
		if listed[a.ID] {
			continue
		}
		now, was := m.Effective(a), before[a.ID]
		for _, q := range []*model.Permission{model.Network, model.DRI} {
			if (was.AllowedIn(q, model.X11Session) || was.AllowedIn(q, model.WaylandSession)) && !now.AllowedIn(q, model.X11Session) && !now.AllowedIn(q, model.WaylandSession) {
				t.Errorf("%s lost %s, and the preview lists nothing for it", a.ID, q.ID)
			}
		}
	}
	has := func(q *model.Permission, folder string) bool {
		for _, g := range browser {
			if g.Perm == q && g.Folder == folder {
				return true
			}
		}
		return false
	}
	if !has(model.Network, "") || !has(model.Ref{Group: model.GroupFilesystem, Name: "xdg-download"}.Permission(), "xdg-download") || has(model.PulseAudio, "") {
		t.Errorf("the browser gets back %+v; want the network and Downloads, not sound", browser)
	}
}

// TestPresetAllOrNothing: a file changed between the preview and Apply
// stops the whole Apply, and a file changed after it stops the whole Undo;
// the apps' files are written before the global one.
func TestPresetAllOrNothing(t *testing.T) {
	env, err := model.GenerateDemo(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	m := model.Load(env)
	p, _ := policy.LoadPreset("strict")
	snapshot := func() map[string]string {
		out := map[string]string{}
		targets, _ := m.User.List()
		for _, tg := range targets {
			data, _ := m.User.Read(tg)
			out[tg] = string(data)
		}
		return out
	}
	pv, err := p.Preview(m)
	if err != nil {
		t.Fatal(err)
	}
	// Someone edits an app's override after the preview.
	if _, err := m.Override("net.waveline.Browser", []overrides.Op{{Flag: "env", Value: "EDITED=1"}}); err != nil {
		t.Fatal(err)
	}
	edited := snapshot()
	if _, err := pv.Plan.Write(); err == nil || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("apply over a changed file: %v", err)
	}
	if got := snapshot(); !maps.Equal(got, edited) {
		t.Fatal("a refused apply wrote files")
	}
	pv, _ = p.Preview(m)
	done, err := pv.Plan.Write()
	if err != nil || len(done) < 2 {
		t.Fatalf("apply: %d files, %v", len(done), err)
	}
	if done[len(done)-1].Target != overrides.Global {
		t.Errorf("the global override was not written last: %v", done[len(done)-1].Target)
	}
	applied := snapshot()
	// An edit after Apply: Undo refuses as a whole.
	if _, err := m.Override(overrides.Global, []overrides.Op{{Flag: "env", Value: "LATER=1"}}); err != nil {
		t.Fatal(err)
	}
	later := snapshot()
	if err := m.UndoAll(done); err == nil || !strings.Contains(err.Error(), "nothing was undone") {
		t.Fatalf("undo over a changed file: %v", err)
	}
	if got := snapshot(); !maps.Equal(got, later) {
		t.Fatal("a refused undo changed files")
	}
	if applied["global"] == later["global"] {
		t.Fatal("precondition: the later edit changed the global override")
	}
}
