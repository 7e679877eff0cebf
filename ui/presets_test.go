package ui

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diamondburned/gotk4/pkg/glib/v2"

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
					// On screen, as a person sees it before clicking.
					return testWin.presetChoice.dialog != nil && testWin.presetChoice.apply.Mapped()
				})
				onMain(func() {
					pc := testWin.presetChoice
					pc.choices.setActive(preset)
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

// putBack restores the demo's override files to files (overrideFiles).
func putBack(t *testing.T, files map[string]string) {
	t.Helper()
	dir := filepath.Join(demoVars["FLATPAK_USER_DIR"], "overrides")
	for name := range overrideFiles(t) {
		if _, ok := files[name]; !ok {
			os.Remove(filepath.Join(dir, name))
		}
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	onMain(func() { testWin.refresh() })
}

// TestUndoHistory: every change joins the history; Ctrl+Z takes back the
// newest and the main menu names it; a toast's Undo takes back the change
// it announced and no other, and refuses (changing nothing) when a later
// change touched the same file. A preset's toast stays until dismissed.
func TestUndoHistory(t *testing.T) {
	before := overrideFiles(t)
	defer putBack(t, before)
	undoByID := func(id uint32) {
		onMain(func() {
			if !testWin.win.Widget.ActivateAction("win.undo-entry", glib.NewVariantUint32(id)) {
				t.Error("win.undo-entry not found")
			}
		})
	}
	// newest is the newest change in the history; on the main loop.
	newest := func() *undoEntry {
		if n := len(testWin.undo.entries); n > 0 {
			return testWin.undo.entries[n-1]
		}
		return nil
	}
	// menuLabel is the main menu's Undo item; on the main loop.
	menuLabel := func() string {
		if testWin.undo.section.NItems() > 0 {
			return testWin.undo.section.ItemAttributeValue(0, "label", nil).String()
		}
		return ""
	}
	onMain(func() { testWin.win.Widget.ActivateAction("win.presets", nil) })
	eventually(t, "the presets dialog", 3*time.Second, func() bool { return testWin.presetChoice.dialog != nil && testWin.presetChoice.apply.Mapped() })
	onMain(func() { testWin.presetChoice.apply.Activate() })
	eventually(t, "the preset applied", 3*time.Second, func() bool { e := newest(); return e != nil && len(e.files) > 1 })
	var preset *undoEntry
	onMain(func() {
		preset = newest()
		if !strings.Contains(menuLabel(), T("Strict baseline")) {
			t.Errorf("the main menu's Undo item is %q, want it to name the preset", menuLabel())
		}
	})

	// A switch on the Sketch page: it joins the history, and Ctrl+Z (the
	// newest) takes it back, not the preset.
	const sketch = "org.gnomish.Sketch"
	sketchBefore := readOverride(t, sketch)
	v := show(t, sketch)
	onMain(func() {
		on, _ := v.SwitchState("shared/ipc")
		v.Toggle("shared/ipc", !on)
		testWin.flush()
	})
	if readOverride(t, sketch) == sketchBefore {
		t.Fatal("precondition: the switch changed Sketch's override")
	}
	onMain(func() {
		if e := newest(); e == preset || !strings.Contains(menuLabel(), "Sketch") {
			t.Errorf("the switch is not the newest change: menu says %q", menuLabel())
		}
		testWin.win.Widget.ActivateAction("win.undo", nil)
	})
	if got := readOverride(t, sketch); got != sketchBefore {
		t.Fatalf("Ctrl+Z left Sketch's override %q, want %q", got, sketchBefore)
	}
	onMain(func() {
		if newest() != preset {
			t.Error("after Ctrl+Z the preset is not the newest change again")
		}
	})

	// An edit of the global override after the preset: the preset's Undo
	// refuses, and changes nothing.
	g := show(t, "global")
	onMain(func() {
		g.Choose("shared/ipc", 1)
		testWin.flush()
	})
	edited := overrideFiles(t)
	undoByID(preset.id)
	if got := overrideFiles(t); !maps.Equal(got, edited) {
		t.Fatalf("the preset's Undo after an edit of its files changed them:\n%v\nwant\n%v", got, edited)
	}

	// An older toast's Undo cannot undo a newer change.
	const scanner = "org.legacy.Scanner"
	show(t, scanner)
	onMain(func() { testWin.win.Widget.ActivateAction("win.reset-app", nil) })
	eventually(t, "the reset in the history", 5*time.Second, func() bool { e := newest(); return e != nil && e.app != nil && e.app.ID == scanner })
	var reset *undoEntry
	onMain(func() { reset = newest() })
	undoByID(preset.id)
	if got := readOverride(t, scanner); got != "<none>" {
		t.Fatalf("an old toast undid the reset: %q", got)
	}
	undoByID(reset.id)
	if got := readOverride(t, scanner); got != edited[scanner] {
		t.Fatalf("the reset's own Undo gave %q, want %q", got, edited[scanner])
	}
}
