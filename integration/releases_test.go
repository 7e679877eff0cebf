package integration

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/confine-app/confine/internal/fptest"
	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

// A real Wayland session for the tests: Debian's weston with its headless
// backend (pixman renderer, so screenshots work), in a private runtime
// folder, in its own process group so the test stops exactly what it
// started.
type weston struct {
	runtimeDir, socket string
	cmd                *exec.Cmd
}

func startWeston(t *testing.T) *weston {
	t.Helper()
	testbin.Need(t, "weston")
	dir := fptest.NewSession(t, false, "").RuntimeDir
	w := &weston{runtimeDir: dir, socket: "wayland-confine"}
	w.cmd = exec.Command("weston", "--backend=headless-backend.so", "--use-pixman", "--socket="+w.socket,
		"--width=1100", "--height=760", "--idle-time=0", "--debug")
	w.cmd.Env = append(withoutVar(os.Environ(), "WAYLAND_DISPLAY", "DISPLAY"), "XDG_RUNTIME_DIR="+dir)
	w.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var log bytes.Buffer
	w.cmd.Stdout, w.cmd.Stderr = &log, &log
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-w.cmd.Process.Pid, syscall.SIGTERM)
		w.cmd.Wait()
	})
	for deadline := time.Now().Add(20 * time.Second); ; {
		if st, err := os.Stat(filepath.Join(dir, w.socket)); err == nil && st.Mode().Type() == os.ModeSocket {
			return w
		}
		if time.Now().After(deadline) {
			t.Fatalf("weston did not start:\n%s", log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// env is the part of an environment that puts a program in this session.
func (w *weston) env() []string {
	return []string{"XDG_RUNTIME_DIR=" + w.runtimeDir, "WAYLAND_DISPLAY=" + w.socket}
}

// screenshot saves the compositor's output as a PNG (weston-screenshooter,
// allowed by --debug) and returns its path.
func (w *weston) screenshot(t *testing.T, dir string) string {
	t.Helper()
	before, _ := filepath.Glob(filepath.Join(dir, "wayland-screenshot-*.png"))
	cmd := exec.Command("weston-screenshooter")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), w.env()...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("weston-screenshooter: %v: %s", err, out)
	}
	after, _ := filepath.Glob(filepath.Join(dir, "wayland-screenshot-*.png"))
	for _, p := range after {
		found := false
		for _, q := range before {
			found = found || p == q
		}
		if !found {
			return p
		}
	}
	t.Fatal("weston-screenshooter wrote no file")
	return ""
}

// releaseWorld is a set of test apps installed with one release's flatpak,
// run for real (bubblewrap: Debian's for 1.14, 0.11.1 for the newer ones).
type releaseWorld struct {
	inst *fptest.Installation
	o    fptest.Oracle
	home string
}

func (rw *releaseWorld) env(session []string) []string {
	return append(append(rw.inst.Environ(), "HOME="+rw.home, "XDG_STATE_HOME="+filepath.Join(rw.inst.Root, "state"),
		"CONFINE_FLATPAK_VERSION="+rw.o.Version), session...)
}

// run starts a shell command in the app's sandbox in a session.
func (rw *releaseWorld) run(t *testing.T, id string, session []string, script string) string {
	t.Helper()
	cmd := exec.Command(rw.o.Bin, "run", "--command=sh", id, "-c", script)
	cmd.Env = append(withoutVar(os.Environ(), "WAYLAND_DISPLAY", "DISPLAY", "DBUS_SESSION_BUS_ADDRESS"), rw.env(session)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("flatpak %s run %s: %v: %s", rw.o.Version, id, err, errb.String())
	}
	return strings.TrimSpace(out.String())
}

// model is Confine's view of this world in a session.
func (rw *releaseWorld) model(session []string) *model.Model { return envModel(rw.env(session)) }

func (rw *releaseWorld) setOverride(t *testing.T, id, body string) {
	t.Helper()
	p := filepath.Join(rw.inst.User, "overrides", id)
	if body == "" {
		os.Remove(p)
		return
	}
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Probes run inside a sandbox.
const (
	probeDisplay = `w=no; [ -n "$WAYLAND_DISPLAY" ] && [ -S "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY" ] && w=yes; ` +
		`x=no; [ -n "$DISPLAY" ] && [ -n "$(ls -A /tmp/.X11-unix 2>/dev/null)" ] && x=yes; echo "wayland=$w x11=$x"`
	probeBlockDevices = `if [ -n "$(find /dev -maxdepth 1 -type b 2>/dev/null | head -n 1)" ]; then echo "host devices"; else echo "no host devices"; fi`
)

// TestReleasesInRealSandboxes runs apps for real with each release's
// flatpak — in a real Wayland session (weston) and an X11 session (Xvfb)
// — and puts what is observed inside each sandbox next to what Confine
// shows for that release: a fallback-x11 app as built and after the old
// advice (!x11) and after !wayland, and on 1.18 an app with host-root and
// an app with a conditional device permission. Then Confine's own window
// runs natively in the Wayland session, and a screenshot shows it.
func TestReleasesInRealSandboxes(t *testing.T) {
	wl := startWeston(t)
	display, stopX := startXvfb(t)
	defer stopX()
	x11Run := fptest.NewSession(t, false, "").RuntimeDir
	sessions := []struct {
		name string
		env  []string
		s    overrides.Session
	}{
		{"Wayland", append(wl.env(), "DISPLAY="+display), model.WaylandSession},
		{"X11", []string{"XDG_RUNTIME_DIR=" + x11Run, "DISPLAY=" + display}, model.X11Session},
	}
	fptest.ForEachOracle(t, func(t *testing.T, o fptest.Oracle) {
		rw := &releaseWorld{inst: fptest.NewWith(t, o), o: o}
		rw.home = filepath.Join(rw.inst.Root, "home")
		os.MkdirAll(rw.home, 0o755)
		d := model.DialectOf(model.MustVersion(o.Version))
		rw.inst.Install(fptest.App{ID: "org.confine.Fallback", Finish: []string{"--socket=wayland", "--socket=fallback-x11"}}, false)
		if d.Conditional {
			rw.inst.Install(fptest.App{ID: "org.confine.Root", Finish: []string{"--filesystem=host-root"}}, false)
			rw.inst.Install(fptest.App{ID: "org.confine.Devices", Finish: []string{"--device=dri", "--device-if=all:!has-input-device"}}, false)
		}
		for _, tc := range []struct{ what, override string }{
			{"as built", ""},
			{"x11 revoked", "[Context]\nsockets=!x11;\n"},
			{"wayland revoked", "[Context]\nsockets=!wayland;\n"},
		} {
			rw.setOverride(t, "org.confine.Fallback", tc.override)
			for _, s := range sessions {
				observed := rw.run(t, "org.confine.Fallback", s.env, probeDisplay)
				m := rw.model(s.env)
				a, _ := m.App("org.confine.Fallback")
				e := m.Effective(a)
				shown := fmt.Sprintf("wayland=%s x11=%s", yesNo(s.s.Wayland && e.AllowedIn(model.Wayland, s.s)), yesNo(e.AllowedIn(model.X11, s.s)))
				observe(t, "Flatpak "+o.Name+": fallback-x11 app", tc.what+", "+s.name+" session", shown, observed)
				// Display findings agree with what the sandbox shows.
				noDisplay := !strings.Contains(observed, "=yes")
				reported := false
				for _, f := range m.Audit(a) {
					reported = reported || f.ID == "display/"+strings.ToLower(s.name)
				}
				if noDisplay != reported {
					t.Errorf("%s, %s session: no display %v, Confine reports it %v", tc.what, s.name, noDisplay, reported)
				}
			}
		}
		rw.setOverride(t, "org.confine.Fallback", "")
		if !d.Conditional {
			return
		}

		// host-root: the host's / read-write at /run/host/root. For a
		// packaged oracle, the host is its root, which shares /tmp with
		// this machine.
		probeBase := "/srv"
		if o.Root != "" {
			probeBase = os.TempDir()
		}
		probeDir, err := os.MkdirTemp(probeBase, "confine-root-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(probeDir)
		probeRoot := fmt.Sprintf("touch /run/host/root%s/x 2>/dev/null && echo writable || echo not-writable", probeDir)
		m := rw.model(sessions[1].env)
		a, _ := m.App("org.confine.Root")
		shown := "not-writable"
		for _, f := range m.Audit(a) {
			if f.ID == "escape/write:host-root" && f.Severity == model.SeverityEscape {
				shown = "writable"
			}
		}
		observe(t, "Flatpak "+o.Name+": filesystems=host-root", "as built", shown, rw.run(t, "org.confine.Root", sessions[1].env, probeRoot))
		if r := model.RatingOf(m.Audit(a)); r != model.RatingUnsafe {
			t.Errorf("host-root app rated %v", r)
		}

		// devices=all;if:all:!has-input-device — Flathub's conditional,
		// which 1.18.1 grants anyway.
		m = rw.model(sessions[1].env)
		a, _ = m.App("org.confine.Devices")
		st := m.Effective(a).StatusIn(model.AllDevices, model.X11Session)
		shown = "no host devices"
		if st.X11 {
			shown = "host devices"
		}
		observe(t, "Flatpak "+o.Name+": devices=all;if:all:!has-input-device", model.ConditionsText(d, st.Conditions, model.English), shown,
			rw.run(t, "org.confine.Devices", sessions[1].env, probeBlockDevices))
	})

	// Confine's own window, natively on Wayland (no X server in sight).
	t.Run("window on Wayland", func(t *testing.T) {
		shots := t.TempDir()
		empty := wl.screenshot(t, shots)
		cmd := exec.Command(confineBin, "--demo", "--app", "net.waveline.Browser")
		cmd.Env = append(withoutVar(os.Environ(), "DISPLAY", "GTK_A11Y"), append(wl.env(),
			"GDK_BACKEND=wayland", "GSK_RENDERER=cairo", "GSETTINGS_BACKEND=memory", "CONFINE_WINDOW_SIZE=1040x720", "LANG=C.UTF-8", "LANGUAGE=")...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		var log bytes.Buffer
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM); cmd.Wait() }()
		var shot string
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Second) {
			shot = wl.screenshot(t, shots)
			if changed, err := imagesDiffer(empty, shot); err != nil {
				t.Fatal(err)
			} else if changed {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no window appeared in the Wayland session:\n%s", log.String())
			}
		}
		time.Sleep(2 * time.Second) // the rest of the page
		shot = wl.screenshot(t, shots)
		if out := os.Getenv("CONFINE_SCREENSHOT_DIR"); out != "" {
			data, _ := os.ReadFile(shot)
			os.WriteFile(filepath.Join(out, "wayland-session.png"), data, 0o644)
		}
		t.Logf("Confine on Wayland (weston, headless): %s", shot)
		if strings.Contains(log.String(), "cannot open display") || strings.Contains(log.String(), "Failed to open display") {
			t.Fatalf("Confine did not use Wayland:\n%s", log.String())
		}
	})
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// imagesDiffer reports whether two screenshots differ in the middle of the
// screen (the top bar's clock changes on its own).
func imagesDiffer(a, b string) (bool, error) {
	load := func(p string) (image.Image, error) {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		img, _, err := image.Decode(f)
		return img, err
	}
	ia, err := load(a)
	if err != nil {
		return false, err
	}
	ib, err := load(b)
	if err != nil {
		return false, err
	}
	if ia.Bounds() != ib.Bounds() {
		return false, errors.New("screenshots of different sizes")
	}
	r := ia.Bounds()
	diff := 0
	for y := r.Min.Y + r.Dy()/4; y < r.Max.Y-r.Dy()/4; y += 4 {
		for x := r.Min.X + r.Dx()/4; x < r.Max.X-r.Dx()/4; x += 4 {
			if ia.At(x, y) != ib.At(x, y) {
				diff++
			}
		}
	}
	return diff > 100, nil
}
