package ui

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/internal/fptest"
	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

// The window speaking Flatpak 1.14, 1.16 and 1.18: the demo installation is
// re-read as a given release, in an X11 or a (simulated) Wayland session.

// asRelease reloads the window's model as Flatpak version, in a Wayland
// session when wayland (a listening compositor socket in a runtime
// folder); the test's cleanup goes back to 1.14 in an X11 session.
func asRelease(t *testing.T, version string, wayland bool) {
	t.Helper()
	set := func(version string, runtime string) {
		onMain(func() {
			testWin.flush()
			demoVars["CONFINE_FLATPAK_VERSION"] = version
			if runtime != "" {
				demoVars["XDG_RUNTIME_DIR"], demoVars["WAYLAND_DISPLAY"] = runtime, "wayland-0"
			} else {
				delete(demoVars, "XDG_RUNTIME_DIR")
				delete(demoVars, "WAYLAND_DISPLAY")
			}
			testWin.reloadApps()
		})
	}
	runtime := ""
	if wayland {
		runtime = fptest.NewSession(t, true, "").RuntimeDir
	}
	set(version, runtime)
	t.Cleanup(func() { set("1.14.10", "") })
	var got overrides.Session
	onMain(func() { got = testWin.m.Session() })
	if got.Wayland != wayland {
		t.Fatalf("the model sees a Wayland session: %v", got.Wayland)
	}
}

// oracle is the real flatpak of a release, for meanings: Debian 12's
// 1.14, the 1.18 built from its tarball (through the oracle relay when the
// window's tests run inside a root).
func oracle(t *testing.T, name string) fptest.Oracle {
	t.Helper()
	return fptest.OracleFor(t, name)
}

// flatpakMeaning is what a release's flatpak makes of data (it loads the
// file and writes it back), read in that release's dialect; with ops it
// first applies `flatpak override OPTIONS` to data.
func flatpakMeaning(t *testing.T, o fptest.Oracle, data []byte, ops ...string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "overrides", "org.confine.Meaning")
	os.MkdirAll(filepath.Dir(p), 0o755)
	if data != nil {
		os.WriteFile(p, data, 0o644)
	}
	cmd := exec.Command(o.Bin, append(append([]string{"override", "--user"}, ops...), "org.confine.Meaning")...)
	cmd.Env = append(os.Environ(), "FLATPAK_USER_DIR="+dir, "LC_ALL=C.UTF-8")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("flatpak %s refuses %q with %v: %v %s", o.Version, data, ops, err, out)
	}
	back, _ := os.ReadFile(p)
	f, err := overrides.Parse(back)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := f.Context(model.DialectOf(model.MustVersion(o.Version)))
	return c.Canonical()
}

func answer(t *testing.T, yes bool) {
	t.Helper()
	label := T("_Cancel")
	if yes {
		label = T("C_hange Anyway")
	}
	// The answer a person clicks, once it is on screen.
	var b *gtk.Button
	eventually(t, "the question", 2*time.Second, func() bool {
		if testWin.confirming != nil {
			b = findButton(testWin.confirming.obj.Cast().(gtk.Widgetter), label)
		}
		return b != nil && b.Mapped()
	})
	onMain(func() { b.Activate() })
}

// TestX11OffAsksFirst: on 1.14, X11 off for an app that falls back to X11
// also takes fallback-x11 (else X11 stays in X11 sessions), which leaves
// the app without a display there: the window asks first, and writes what
// `flatpak override --nosocket=x11 --nosocket=fallback-x11` means.
func TestX11OffAsksFirst(t *testing.T) {
	o := oracle(t, "1.14")
	const id = "org.gnomish.Sketch"
	defer os.Remove(overridePath(id))
	v := show(t, id)
	onMain(func() { v.Toggle("sockets/x11", false) })
	answer(t, false)
	eventually(t, "the switch back on", 2*time.Second, func() bool { on, _ := v.SwitchState("sockets/x11"); return on })
	onMain(func() { testWin.flush() })
	if got := readOverride(t, id); got != "<none>" {
		t.Fatalf("written although cancelled: %q", got)
	}
	onMain(func() { v.Toggle("sockets/x11", false) })
	answer(t, true)
	eventually(t, "the override", 3*time.Second, func() bool { return readOverride(t, id) != "<none>" })
	got := flatpakMeaning(t, o, []byte(readOverride(t, id)))
	if want := flatpakMeaning(t, o, nil, "--nosocket=x11", "--nosocket=fallback-x11"); got != want {
		t.Fatalf("wrote %q meaning\n%s\nwant\n%s", readOverride(t, id), got, want)
	}
	eventually(t, "the switch off", 2*time.Second, func() bool { on, _ := v.SwitchState("sockets/x11"); return !on })
}

// TestConditionalRow: on 1.18 a permission granted under a condition says
// so on its row, with its state now; off removes the grant and its
// condition, on grants it outright — the bytes mean what the real 1.18
// writes for --nodevice / --device.
func TestConditionalRow(t *testing.T) {
	o := oracle(t, "1.18")
	asRelease(t, "1.18.1", false)
	const id = "io.github.trailmap.Sync"
	defer os.Remove(overridePath(id))
	v := show(t, id)
	onMain(func() {
		r := v.fixedRow("devices/usb")
		if on, _ := v.SwitchState("devices/usb"); !on || !strings.Contains(r.subtitle, "devices=usb;if:usb:!has-usb-portal") ||
			!strings.Contains(r.subtitle, "Only without the USB portal") || !strings.Contains(r.subtitle, "on now") || r.describe != "Only without the USB portal" {
			t.Errorf("the USB devices row says %q (%q), switch on %v", r.subtitle, r.describe, on)
		}
		v.Toggle("devices/usb", false)
	})
	eventually(t, "the override", 3*time.Second, func() bool { return readOverride(t, id) != "<none>" })
	if got, want := flatpakMeaning(t, o, []byte(readOverride(t, id))), flatpakMeaning(t, o, nil, "--nodevice=usb"); got != want {
		t.Fatalf("off wrote %q meaning\n%s\nwant\n%s", readOverride(t, id), got, want)
	}
	onMain(func() {
		if r := v.fixedRow("devices/usb"); strings.Contains(r.subtitle, "Only") {
			t.Errorf("after off the row says %q", r.subtitle)
		}
		v.Toggle("devices/usb", true)
	})
	eventually(t, "the grant", 3*time.Second, func() bool { return strings.Contains(readOverride(t, id), "devices=usb;") })
	if got, want := flatpakMeaning(t, o, []byte(readOverride(t, id))), flatpakMeaning(t, o, nil, "--device=usb"); got != want {
		t.Fatalf("on wrote %q meaning\n%s\nwant\n%s", readOverride(t, id), got, want)
	}
}

// TestX11RowOfFallbackAppOn118: in a Wayland session the X11 row of an
// app that falls back to X11 reads "only when no Wayland session" and is
// off now; turning it on writes what `flatpak override --socket=x11` does,
// and the app has a display in both kinds of session, without a question.
func TestX11RowOfFallbackAppOn118(t *testing.T) {
	o := oracle(t, "1.18")
	asRelease(t, "1.18.1", true)
	const id = "io.github.trailmap.Sync"
	defer os.Remove(overridePath(id))
	v := show(t, id)
	onMain(func() {
		r := v.fixedRow("sockets/x11")
		if on, _ := v.SwitchState("sockets/x11"); on || !strings.Contains(r.subtitle, "Only when no Wayland session is running · off now") {
			t.Errorf("the X11 row says %q, switch on %v", r.subtitle, on)
		}
		v.Toggle("sockets/x11", true)
	})
	eventually(t, "the override", 3*time.Second, func() bool { return readOverride(t, id) != "<none>" })
	if testWin.confirming != nil {
		t.Fatal("asked although the app keeps a display")
	}
	if got, want := flatpakMeaning(t, o, []byte(readOverride(t, id))), flatpakMeaning(t, o, nil, "--socket=x11"); got != want {
		t.Fatalf("wrote %q meaning\n%s\nwant\n%s", readOverride(t, id), got, want)
	}
	onMain(func() {
		e := testWin.m.Effective(v.app)
		if !e.Display(model.WaylandSession) || !e.Display(model.X11Session) || !e.AllowedIn(model.X11, model.WaylandSession) {
			t.Error("no display in some session, or X11 still conditional")
		}
	})
}

// TestUSBRules: the USB group lists the app's rules in words; a rule typed
// into the entry row is written, read back by the real 1.18, and listed.
func TestUSBRules(t *testing.T) {
	o := oracle(t, "1.18")
	asRelease(t, "1.18.1", false)
	const id = "io.github.trailmap.Sync"
	defer os.Remove(overridePath(id))
	v := show(t, id)
	var usb *listGroup
	onMain(func() { usb = v.list(T("USB Devices")) })
	if usb == nil {
		t.Fatal("no USB Devices group on 1.18")
	}
	// rowTexts runs on the main loop (eventually's conditions do).
	rowTexts := func() []string {
		var out []string
		for _, r := range usb.group.rows {
			if ar, ok := r.(*actionRow); ok && !isTail(r, usb.tail) {
				title, _ := ar.obj.ObjectProperty("title").(string)
				sub, _ := ar.obj.ObjectProperty("subtitle").(string)
				out = append(out, title+" | "+sub)
			}
		}
		return out
	}
	titles := func() (out []string) {
		onMain(func() { out = rowTexts() })
		return out
	}
	// (The names in parentheses come from the system's usb.ids.)
	if got := titles(); len(got) != 3 || !strings.HasPrefix(got[1], "Any device of vendor 091e") || !strings.HasSuffix(got[1], "| enumerable-devices=vnd:091e") ||
		!strings.HasPrefix(got[2], "Device 0003") || !strings.HasSuffix(got[2], "| hidden-devices=vnd:091e+dev:0003") {
		t.Fatalf("the USB group lists:\n%s", strings.Join(got, "\n"))
	}
	onMain(func() {
		e := v.addRowOf(usb)
		e.typeIn("!vnd:ABCD+dev:0001")
		e.submit()
	})
	eventually(t, "the rule written", 3*time.Second, func() bool {
		return strings.Contains(readOverride(t, id), "hidden-devices=vnd:abcd+dev:0001;")
	})
	// The real 1.18 reads Confine's file back to the same meaning.
	data := []byte(readOverride(t, id))
	f, _ := overrides.Parse(data)
	c, _ := f.Context(overrides.Flatpak118)
	if got := flatpakMeaning(t, o, data); got != c.Canonical() || !strings.Contains(got, "vnd:abcd+dev:0001") {
		t.Fatalf("flatpak 1.18 reads %q as\n%s\nConfine as\n%s", data, got, c.Canonical())
	}
	eventually(t, "the new row", 2*time.Second, func() bool {
		return strings.Contains(strings.Join(rowTexts(), "\n"), "hidden-devices=vnd:abcd+dev:0001")
	})
	// A bad rule is refused with Flatpak's words and writes nothing.
	before := readOverride(t, id)
	onMain(func() {
		e := v.addRowOf(usb)
		e.typeIn("1234:5678")
		e.submit()
		if e.entry.text() != "1234:5678" {
			t.Error("a refused rule was cleared from the entry")
		}
	})
	if got := readOverride(t, id); got != before {
		t.Fatalf("a refused rule changed the file: %q", got)
	}
}

// TestRefusedFileIsNeverWritten: a file 1.18 refuses (an entry it cannot
// parse) shows the banner, and no switch writes over it; Repair removes
// just the bad entry, which the real 1.18 then accepts.
func TestRefusedFileIsNeverWritten(t *testing.T) {
	o := oracle(t, "1.18")
	asRelease(t, "1.18.1", false)
	const id = "com.pixelarcade.Arcade"
	const bad = "[Context]\nsockets=wayland;x11:foo;\n"
	p := overridePath(id)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(p)
	v := show(t, id)
	onMain(func() {
		testWin.refresh()
		if !v.BannerShown() {
			t.Error("no banner for a file 1.18 refuses")
		}
		v.Toggle("shared/network", false)
		testWin.flush()
	})
	if got, _ := os.ReadFile(p); !bytes.Equal(got, []byte(bad)) {
		t.Fatalf("a refused file was written: %q", got)
	}
	onMain(func() { testWin.repairCurrent() })
	if got := readOverride(t, id); got != "[Context]\nsockets=wayland;\n" {
		t.Fatalf("repair wrote %q", got)
	}
	flatpakMeaning(t, o, []byte(readOverride(t, id))) // fails the test if 1.18 still refuses it
	onMain(func() {
		if v.BannerShown() {
			t.Error("the banner stays after repair")
		}
	})
}

// TestOnlyWhatTheAppUses toggles "Show only what this app uses" and counts
// the rows: with it, the page lists the fixed-name permissions some layer
// sets and those the advisor mentions, and the folders some layer names;
// "Show All Permissions" lists everything again. Find in Page finds a row
// by name or by key=value. The choice is remembered.
func TestOnlyWhatTheAppUses(t *testing.T) {
	const id = "org.gnomish.Sketch"
	v := show(t, id)
	count := func() (fixed, folders int) {
		for _, g := range v.fixedGroups {
			for _, r := range g.rows {
				if gtkVisible(r) && gtkVisible(g) {
					fixed++
				}
			}
		}
		for _, r := range v.list(T("Filesystem")).group.rows {
			if _, ok := v.rowInfo[nativeOf(r)]; ok && gtkVisible(r) {
				folders++
			}
		}
		return fixed, folders
	}
	var allFixed, allFolders, usedFixed, usedFolders int
	var wantFixed, wantFolders int
	onMain(func() {
		allFixed, allFolders = count()
		e := testWin.m.Effective(v.app)
		refs := map[model.Ref]bool{}
		for _, key := range overrides.FixedKeys {
			for n := range e.Fixed[key] {
				if p := model.LookupFixed(key, n); p != nil {
					refs[p.Ref()] = true
				}
			}
		}
		for _, f := range testWin.m.AuditOf(v.app, e) {
			if f.Perm != nil && !f.Dismissed && f.Perm.Group != model.GroupFilesystem {
				refs[f.Ref] = true
			}
		}
		wantFixed = len(refs)
		wantFolders = len(e.Filesystems)
		testWin.setOnlyUsed(true)
		usedFixed, usedFolders = count()
	})
	defer onMain(func() { testWin.setOnlyUsed(false) })
	if allFixed != len(model.InGroup(model.GroupShare))+len(model.InGroup(model.GroupSockets))+len(model.InGroup(model.GroupDevices))+len(model.InGroup(model.GroupFeatures)) {
		t.Errorf("without the filter %d fixed rows are shown", allFixed)
	}
	t.Logf("%s: %d of %d permission rows and %d of %d folder rows with the filter", id, usedFixed, allFixed, usedFolders, allFolders)
	if usedFixed != wantFixed || usedFolders != wantFolders || usedFixed >= allFixed || usedFolders >= allFolders {
		t.Errorf("with the filter: %d of %d fixed rows (want %d), %d of %d folder rows (want %d)", usedFixed, allFixed, wantFixed, usedFolders, allFolders, wantFolders)
	}
	onMain(func() {
		if !v.showAll.IsVisible() {
			t.Error("no Show All Permissions row")
		}
		if nativeOf(v.root.LastChild()) != nativeOf(v.showAllGroup) {
			t.Error("Show All Permissions is not the page's last group")
		}
		if testWin.settings == nil || !testWin.settings.Boolean("only-used") {
			t.Error("the choice is not remembered")
		}
		v.showAll.obj.Emit("activated")
		if f, d := count(); f != allFixed || d != allFolders || testWin.pageFilter.onlyUsed {
			t.Errorf("Show All Permissions shows %d fixed and %d folder rows", f, d)
		}
		// Find in Page: by name, and by key=value.
		testWin.findInPage()
		testWin.pageFilter.entry.SetText("sockets=wayland")
		testWin.applyPageFilter()
		if f, _ := count(); f != 1 {
			t.Errorf("sockets=wayland finds %d rows", f)
		}
		testWin.pageFilter.entry.SetText("downloads")
		testWin.applyPageFilter()
		if f, d := count(); f != 0 || d != 1 {
			t.Errorf("downloads finds %d fixed and %d folder rows", f, d)
		}
		testWin.pageFilter.bar.SetSearchMode(false)
		testWin.applyPageFilter()
	})
	// All Applications: never filtered to what is used, but Find finds.
	g := show(t, model.Global)
	onMain(func() {
		all := 0
		for _, fg := range g.fixedGroups {
			all += len(fg.rows)
		}
		testWin.setOnlyUsed(true)
		testWin.findInPage()
		testWin.pageFilter.entry.SetText("sockets=wayland")
		testWin.applyPageFilter()
		found := 0
		for _, fg := range g.fixedGroups {
			for _, r := range fg.rows {
				if gtkVisible(r) && gtkVisible(fg) {
					found++
				}
			}
		}
		if found != 1 || all < 2 {
			t.Errorf("on All Applications, sockets=wayland finds %d of %d permission rows", found, all)
		}
		testWin.pageFilter.bar.SetSearchMode(false)
		testWin.setOnlyUsed(false)
	})
}

func gtkVisible(w gtk.Widgetter) bool { return gtk.BaseWidget(w).IsVisible() }

func nativeOf(w gtk.Widgetter) uintptr { return coreglib.BaseObject(w).Native() }
