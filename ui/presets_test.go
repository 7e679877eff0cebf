package ui

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/confine-app/confine/model"
)

// overrideFiles is every file in the demo's user overrides folder, by name.
func overrideFiles(t *testing.T) map[string]string {
	t.Helper()
	dir := filepath.Join(demoVars["FLATPAK_USER_DIR"], "overrides")
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == ".confine.lock" { // Confine's lock, not an override
			return err
		}
		data, err := os.ReadFile(p)
		out[d.Name()] = string(data)
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

// TestPresetInWindow applies each preset to the demo installation from the
// window, under Flatpak 1.14 (X11 session) and 1.18 (Wayland session): no
// app is left without a display in either kind of session, the open pages
// show the new state, and one Undo restores every file byte for byte.
func TestPresetInWindow(t *testing.T) {
	for _, c := range []struct {
		version string
		wayland bool
	}{{"1.14.10", false}, {"1.18.1", true}} {
		for _, preset := range []string{"strict", "balanced"} {
			t.Run(c.version+"/"+preset, func(t *testing.T) {
				asRelease(t, c.version, c.wayland)
				before := overrideFiles(t)
				displays := map[string][2]bool{}
				onMain(func() {
					for _, a := range testWin.m.RunnableApps() {
						e := testWin.m.Effective(a)
						displays[a.ID] = [2]bool{e.Display(model.WaylandSession), e.Display(model.X11Session)}
					}
				})
				v := show(t, "net.waveline.Browser")
				var soundBefore bool
				onMain(func() { soundBefore, _ = v.SwitchState("sockets/pulseaudio") })
				if !soundBefore {
					t.Fatal("precondition: the demo browser has PulseAudio")
				}
				onMain(func() {
					if !testWin.win.Widget.ActivateAction("win.presets", nil) {
						t.Error("win.presets not found")
					}
				})
				eventually(t, "the presets dialog", 3*time.Second, func() bool {
					return testWin.presetChoice.dialog != nil && testWin.presetChoice.dialog.IsVisible()
				})
				onMain(func() {
					pc := testWin.presetChoice
					pc.choices[preset].SetActive(true)
					if !pc.apply.Sensitive() {
						t.Error("Apply is not offered")
						return
					}
					pc.apply.Activate()
				})
				eventually(t, "the dialog to close", 3*time.Second, func() bool { return testWin.presetChoice.dialog == nil })
				after := overrideFiles(t)
				if after["global"] == before["global"] {
					t.Fatalf("the global override did not change: %q", after["global"])
				}
				// A fresh model, as `flatpak run` would read the files.
				var m *model.Model
				onMain(func() { m = model.Load(testWin.m.Env) })
				for _, a := range m.RunnableApps() {
					e := m.Effective(a)
					d := displays[a.ID]
					if d[0] && !e.Display(model.WaylandSession) || d[1] && !e.Display(model.X11Session) {
						t.Errorf("%s lost its display: before %v, after Wayland %v X11 %v", a.ID, d, e.Display(model.WaylandSession), e.Display(model.X11Session))
					}
					for _, q := range []*model.Permission{model.Home, model.Host, model.AllDevices} {
						if held, _, _ := e.Holds(q); held {
							t.Errorf("%s still holds %s", a.ID, q.ID)
						}
					}
				}
				// The open page shows what the files say now: strict takes
				// the browser's sound, balanced gives it back.
				eventually(t, "the page to show the preset", 3*time.Second, func() bool {
					on, _ := v.SwitchState("sockets/pulseaudio")
					return on == (preset == "balanced")
				})
				onMain(func() {
					if !testWin.win.Widget.ActivateAction("win.undo", nil) {
						t.Error("win.undo not found")
					}
				})
				got := overrideFiles(t)
				for name, data := range before {
					if got[name] != data {
						t.Errorf("after Undo %s holds %q, want %q", name, got[name], data)
					}
				}
				for name := range got {
					if _, ok := before[name]; !ok {
						t.Errorf("after Undo %s is left over: %q", name, got[name])
					}
				}
				eventually(t, "the page after Undo", 3*time.Second, func() bool {
					on, _ := v.SwitchState("sockets/pulseaudio")
					return on
				})
			})
		}
	}
}
