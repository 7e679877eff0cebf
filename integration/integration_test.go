// Package integration proves Confine against real Flatpak: apps built,
// installed and run with Debian's flatpak in throw-away installations obey
// what Confine writes.
package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/confine-app/confine/cli"
	"github.com/confine-app/confine/internal/fptest"
	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

var (
	confineBin string
	seeds      = flag.Int("integration.seeds", 25, "random edit rounds compared with flatpak info")
)

func TestMain(m *testing.M) {
	flag.Parse()
	testbin.Main(m, &confineBin)
}

// The test apps: finish-args modelled on common kinds of apps.
var apps = []fptest.App{
	{ID: "org.confine.Native", Finish: []string{"--socket=wayland", "--socket=fallback-x11", "--share=ipc", "--device=dri"}},
	{ID: "org.confine.OldX", Finish: []string{"--socket=x11", "--share=ipc"}},
	{ID: "org.confine.Browser", Finish: []string{"--share=network", "--share=ipc", "--socket=wayland", "--socket=fallback-x11", "--socket=pulseaudio", "--filesystem=home", "--device=all"}},
	{ID: "org.confine.Escape", Finish: []string{"--talk-name=org.freedesktop.Flatpak", "--filesystem=host", "--socket=x11"}},
	{ID: "org.confine.Custom", Finish: []string{"--filesystem=~/Projects:ro", "--filesystem=/opt/confine-data", "--env=FOO=bar", "--env=KEEP=1",
		"--own-name=org.confine.Custom.Service", "--talk-name=org.freedesktop.secrets", "--persist=.custom", "--system-talk-name=org.freedesktop.login1"}},
}

type world struct {
	inst *fptest.Installation
	home string
	env  []string
}

var (
	shared     *world
	sharedOnce sync.Once
)

// setup installs the runtime and the apps once: user and system copies.
func setup(t *testing.T) *world {
	t.Helper()
	fptest.Flatpak(t)
	sharedOnce.Do(func() {
		inst := fptest.New(&onceT{t})
		for i, a := range apps {
			inst.Install(a, i%2 == 1) // some system-wide, some per user
		}
		home := filepath.Join(inst.Root, "home")
		os.MkdirAll(filepath.Join(home, "Projects"), 0o755)
		os.WriteFile(filepath.Join(home, "confine-marker"), []byte("x"), 0o644)
		env := append(inst.Environ(), "HOME="+home, "XDG_STATE_HOME="+filepath.Join(inst.Root, "state"), "CONFINE_FLATPAK_VERSION=", "XDG_RUNTIME_DIR="+filepath.Join(inst.Root, "run"))
		os.MkdirAll(filepath.Join(inst.Root, "run"), 0o700)
		shared = &world{inst: inst, home: home, env: env}
	})
	if shared == nil {
		t.Fatal("setup failed in an earlier test")
	}
	return shared
}

// onceT lets the shared set-up outlive the first test's TempDir.
type onceT struct{ *testing.T }

func (o *onceT) TempDir() string {
	d, err := os.MkdirTemp("", "confine-flatpak-")
	if err != nil {
		o.T.Fatal(err)
	}
	return d
}

func (w *world) confine(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(confineBin, args...)
	cmd.Env = append(os.Environ(), w.env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("confine %v: %v: %s", args, err, errb.String())
	}
	return out.String()
}

func (w *world) flatpak(t *testing.T, extra []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("flatpak", args...)
	cmd.Env = append(append(os.Environ(), w.env...), extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%v: %s", err, errb.String())
	}
	return out.String(), nil
}

func (w *world) model() *model.Model { return envModel(w.env) }

// envModel loads Confine's model in an environment given as KEY=value.
func envModel(env []string) *model.Model {
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	return model.Load(model.MapEnv(vars))
}

// grantedView renders effective permissions as `flatpak info
// --show-permissions` prints them (only what is granted).
func grantedView(perms []cli.ShowPermission) string {
	var lines []string
	for _, p := range perms {
		switch {
		case p.Wayland != "":
			// Fixed names: what the layers say, as flatpak info
			// prints it, not what the app gets at start.
			switch {
			case p.Merged == "" || strings.HasPrefix(p.Merged, "!") && !strings.Contains(p.Merged, "if:"):
			case strings.Contains(p.Merged, "if:"):
				lines = append(lines, p.Key+" "+p.Name+" conditional")
			default:
				lines = append(lines, p.Key+" "+p.Name+" on")
			}
		case p.Value == "off" || p.Value == "none":
		default:
			lines = append(lines, p.Key+" "+p.Name+" "+p.Value)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func flatpakView(t *testing.T, d *overrides.Dialect, out string) string {
	f, err := overrides.Parse([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := f.Context(d)
	var lines []string
	for _, key := range overrides.FixedKeys {
		for n, p := range c.Fixed[key] {
			switch {
			case p.Allowed:
				lines = append(lines, key+" "+n+" on")
			case len(p.Conditions) > 0:
				lines = append(lines, key+" "+n+" conditional")
			}
		}
	}
	for loc, m := range c.Filesystems {
		if m != overrides.ModeNone && loc != overrides.ResetLocation {
			lines = append(lines, "filesystems "+loc+" "+m.String())
		}
	}
	for p := range c.Persistent {
		lines = append(lines, "persistent "+p+" on")
	}
	for k, v := range c.Env {
		val := v.Value
		if v.Unset {
			val = "unset"
		}
		lines = append(lines, "environment "+k+" "+val)
	}
	for n, p := range c.SessionBus {
		if p != overrides.PolicyNone {
			lines = append(lines, "session-bus "+n+" "+p.String())
		}
	}
	for n, p := range c.SystemBus {
		if p != overrides.PolicyNone {
			lines = append(lines, "system-bus "+n+" "+p.String())
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestShowMatchesFlatpakInfo compares `confine show --json` with `flatpak
// info --show-permissions` for every app, before and after seeded random
// edits made through the model (window path) and the CLI.
func TestShowMatchesFlatpakInfo(t *testing.T) {
	w := setup(t)
	check := func(round int) {
		for i, a := range apps {
			var show cli.ShowResult
			if err := json.Unmarshal([]byte(w.confine(t, "show", a.ID, "--json")), &show); err != nil {
				t.Fatal(err)
			}
			where := "--user"
			if i%2 == 1 {
				where = "--system"
			}
			out, err := w.flatpak(t, nil, where, "info", "--show-permissions", a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := grantedView(show.Permissions), flatpakView(t, overrides.Flatpak114, out); got != want {
				t.Fatalf("round %d, %s: confine show says\n%s\nflatpak info says\n%s", round, a.ID, got, want)
			}
		}
	}
	check(0)
	r := rand.New(rand.NewSource(42))
	pick := func(s ...string) string { return s[r.Intn(len(s))] }
	defer func() {
		for _, a := range apps {
			w.confine(t, "reset", a.ID)
		}
		w.confine(t, "reset", "global")
	}()
	for round := 1; round <= *seeds; round++ {
		a := apps[r.Intn(len(apps))]
		m := w.model()
		app, err := m.App(a.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch r.Intn(7) {
		case 0:
			_, err = m.SetFixed(app, overrides.KeyShared, pick("network", "ipc"), []overrides.State{overrides.Grant, overrides.Revoke, overrides.Inherit}[r.Intn(3)])
		case 1:
			_, err = m.SetFixed(app, overrides.KeySockets, pick("x11", "wayland", "fallback-x11", "pulseaudio"), []overrides.State{overrides.Grant, overrides.Revoke}[r.Intn(2)])
		case 2:
			_, err = m.SetFilesystem(app, pick("home", "host", "~/Projects", "xdg-download", "/opt/confine-data"), []overrides.Mode{overrides.ModeNone, overrides.ModeRead, overrides.ModeReadWrite}[r.Intn(3)])
		case 3:
			_, err = m.SetEnv(app, pick("FOO", "NEW"), pick("x", ""))
		case 4:
			_, err = m.UnsetEnv(app, pick("FOO", "KEEP"))
		case 5:
			w.confine(t, "override", pick("--nosocket=x11", "--share=network", "--nofilesystem=host:reset", "--talk-name=org.confine.*", "--unset-env=FOO", "--filesystem=xdg-music:ro"), pick(a.ID, "global"))
		default:
			_, err = m.SetBus(app, overrides.SessionBus, pick("org.freedesktop.secrets", "org.freedesktop.Flatpak", "org.confine.Other"), []overrides.BusPolicy{overrides.PolicyNone, overrides.PolicyTalk, overrides.PolicyOwn}[r.Intn(3)])
		}
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		check(round)
	}
}

// observation is one row of the sandbox table in the closing note.
type observation struct{ perm, toggled, expected, observed string }

var (
	obsMu sync.Mutex
	obs   []observation
)

func observe(t *testing.T, perm, toggled, expected, observed string) {
	t.Helper()
	obsMu.Lock()
	obs = append(obs, observation{perm, toggled, expected, observed})
	obsMu.Unlock()
	t.Logf("%-34s %-22s expected %-28s observed %s", perm, toggled, expected, observed)
	if expected != observed {
		t.Errorf("%s toggled to %s: expected %s inside the sandbox, observed %s", perm, toggled, expected, observed)
	}
}

// inside runs a shell command in the app's sandbox.
func (w *world) inside(t *testing.T, id string, extra []string, script string) string {
	t.Helper()
	out, err := w.flatpak(t, extra, "run", "--command=sh", id, "-c", script)
	if err != nil {
		t.Fatalf("flatpak run %s: %v", id, err)
	}
	return strings.TrimSpace(out)
}

func interfaces(out string) string {
	var names []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 0 && strings.HasSuffix(f[0], ":") {
			names = append(names, strings.TrimSuffix(f[0], ":"))
		}
	}
	return strings.Join(names, ",")
}

func TestSandboxObeysToggles(t *testing.T) {
	w := setup(t)
	m := w.model()
	app := func(id string) *model.App {
		a, err := m.App(id)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	defer func() {
		for _, a := range apps {
			w.confine(t, "reset", a.ID)
		}
	}()
	browser := app("org.confine.Browser")

	// Network.
	hostIfs := interfaces(readFile(t, "/proc/net/dev"))
	got := interfaces(w.inside(t, browser.ID, nil, "cat /proc/net/dev"))
	observe(t, "shared=network", "granted (app default)", "host interfaces "+hostIfs, "host interfaces "+got)
	if _, err := m.SetFixed(browser, overrides.KeyShared, "network", overrides.Revoke); err != nil {
		t.Fatal(err)
	}
	observe(t, "shared=network", "revoked", "lo", interfaces(w.inside(t, browser.ID, nil, "cat /proc/net/dev")))

	// Home folder.
	probeHome := fmt.Sprintf("test -f %s/confine-marker && echo visible || echo hidden", w.home)
	observe(t, "filesystems=home", "granted (app default)", "visible", w.inside(t, browser.ID, nil, probeHome))
	if _, err := m.SetFilesystem(browser, "home", overrides.ModeRead); err != nil {
		t.Fatal(err)
	}
	probeWrite := fmt.Sprintf("touch %s/confine-write 2>/dev/null && echo writable || echo read-only", w.home)
	observe(t, "filesystems=home", "read-only", "read-only", w.inside(t, browser.ID, nil, probeWrite))
	if _, err := m.SetFilesystem(browser, "home", overrides.ModeNone); err != nil {
		t.Fatal(err)
	}
	observe(t, "filesystems=home", "revoked", "hidden", w.inside(t, browser.ID, nil, probeHome))

	// Environment.
	custom := app("org.confine.Custom")
	probeEnv := `echo "FOO=${FOO-unset} KEEP=${KEEP-unset} NEW=${NEW-unset}"`
	observe(t, "env FOO, KEEP", "app defaults", "FOO=bar KEEP=1 NEW=unset", w.inside(t, custom.ID, nil, probeEnv))
	m.SetEnv(custom, "NEW", "granted")
	m.UnsetEnv(custom, "FOO")
	observe(t, "env NEW set, FOO removed", "changed in Confine", "FOO=unset KEEP=1 NEW=granted", w.inside(t, custom.ID, nil, probeEnv))

	// X11: needs a real X server socket on the host.
	display, stop := startXvfb(t)
	defer stop()
	oldx := app("org.confine.OldX")
	x := []string{"DISPLAY=" + display}
	// Flatpak maps the host's X socket to /tmp/.X11-unix/X99.
	probeX := "test -n \"$(ls -A /tmp/.X11-unix 2>/dev/null)\" && echo present || echo absent"
	observe(t, "sockets=x11", "granted (app default)", "present", w.inside(t, oldx.ID, x, probeX))
	m.SetFixed(oldx, overrides.KeySockets, "x11", overrides.Revoke)
	observe(t, "sockets=x11", "revoked", "absent", w.inside(t, oldx.ID, x, probeX))

	// IPC: a private IPC namespace when unshared.
	hostIPC := readLink(t, "/proc/self/ns/ipc")
	probeIPC := "readlink /proc/self/ns/ipc"
	observe(t, "shared=ipc", "granted (app default)", "host namespace", sameNS(hostIPC, w.inside(t, oldx.ID, nil, probeIPC)))
	m.SetFixed(oldx, overrides.KeyShared, "ipc", overrides.Revoke)
	observe(t, "shared=ipc", "revoked", "private namespace", sameNS(hostIPC, w.inside(t, oldx.ID, nil, probeIPC)))
}

// TestHardenIsObservedInsideTheSandbox applies "Harden this app" (the
// recommended fixes) and checks each inside the sandbox.
func TestHardenIsObservedInsideTheSandbox(t *testing.T) {
	w := setup(t)
	defer func() {
		for _, a := range apps {
			w.confine(t, "reset", a.ID)
		}
	}()
	display, stop := startXvfb(t)
	defer stop()
	x := []string{"DISPLAY=" + display}
	hostIPC := readLink(t, "/proc/self/ns/ipc")

	runDir := filepath.Join(w.inst.Root, "run")
	sock, err := net.Listen("unix", filepath.Join(runDir, "wayland-confine"))
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	wayland := append([]string{"WAYLAND_DISPLAY=wayland-confine"}, x...)
	probeX := "test -n \"$(ls -A /tmp/.X11-unix 2>/dev/null)\" && echo present || echo absent"
	t.Logf("control, before hardening: Wayland session: X11 %s; X11 session: X11 %s",
		w.inside(t, "org.confine.Native", wayland, probeX), w.inside(t, "org.confine.Native", x, probeX))
	// Wayland-native: X11 and IPC go. On a Wayland desktop (a compositor
	// socket exists) the app then has no X11; without one, fallback-x11
	// still gives it X11, as designed.
	w.confine(t, "harden", "org.confine.Native", "--apply")
	observe(t, "sockets=x11 (Wayland-native)", "hardened, Wayland session", "absent", w.inside(t, "org.confine.Native", wayland, probeX))
	observe(t, "sockets=fallback-x11", "kept, no Wayland session", "present", w.inside(t, "org.confine.Native", x, probeX))
	observe(t, "shared=ipc (Wayland-native)", "hardened", "private namespace", sameNS(hostIPC, w.inside(t, "org.confine.Native", nil, "readlink /proc/self/ns/ipc")))

	// Escapes: org.freedesktop.Flatpak denied, host made read-only.
	w.confine(t, "harden", "org.confine.Escape", "--apply")
	info := w.inside(t, "org.confine.Escape", x, "cat /.flatpak-info")
	policy := "absent"
	if strings.Contains(info, "org.freedesktop.Flatpak=talk") {
		policy = "talk"
	} else if strings.Contains(info, "org.freedesktop.Flatpak=none") || !strings.Contains(info, "org.freedesktop.Flatpak") {
		policy = "none"
	}
	observe(t, "session-bus org.freedesktop.Flatpak", "hardened", "none", policy)
	// /tmp is never shared with the sandbox, so probe a host folder outside
	// it.
	probeDir, err := os.MkdirTemp("/srv", "confine-probe-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(probeDir)
	probeWrite := fmt.Sprintf("touch %s/x 2>/dev/null && echo writable || echo read-only", probeDir)
	observe(t, "filesystems=host", "hardened (host:ro)", "read-only", w.inside(t, "org.confine.Escape", x, probeWrite))

	// With suggestions too: the browser loses network and home.
	w.confine(t, "harden", "org.confine.Browser", "--apply", "--include-suggested")
	observe(t, "shared=network (suggested)", "hardened", "lo", interfaces(w.inside(t, "org.confine.Browser", nil, "cat /proc/net/dev")))
	observe(t, "filesystems=home (suggested)", "hardened", "hidden", w.inside(t, "org.confine.Browser", nil, fmt.Sprintf("test -f %s/confine-marker && echo visible || echo hidden", w.home)))
	// And nothing recommended is left for any of them.
	for _, id := range []string{"org.confine.Native", "org.confine.Escape"} {
		var report []cli.AuditApp
		json.Unmarshal([]byte(w.confineAllowFail(t, "audit", id, "--json")), &report)
		for _, f := range report[0].Findings {
			if f.Level == "recommended" {
				t.Errorf("%s: %s still recommended after harden", id, f.ID)
			}
		}
	}
}

func (w *world) confineAllowFail(t *testing.T, args ...string) string {
	cmd := exec.Command(confineBin, args...)
	cmd.Env = append(os.Environ(), w.env...)
	out, _ := cmd.Output()
	return string(out)
}

func sameNS(host, inside string) string {
	if host == inside {
		return "host namespace"
	}
	return "private namespace"
}

func readFile(t *testing.T, p string) string {
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func readLink(t *testing.T, p string) string {
	s, err := os.Readlink(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// startXvfb starts a private X server with a screen the window's default
// size fits on (GTK 4.18 keeps a window within its screen, where 4.8 let
// it overflow: on a smaller one it would show its narrow layout).
func startXvfb(t *testing.T) (string, func()) { return startXvfbSized(t, "1280x800x24") }

// startXvfbSized is startXvfb with a screen of the given WxHxDEPTH.
func startXvfbSized(t *testing.T, screen string) (string, func()) {
	testbin.Need(t, "Xvfb")
	r, wr, _ := os.Pipe()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", screen, "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{wr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	wr.Close()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return ":" + strings.TrimSpace(line), func() { cmd.Process.Kill(); cmd.Wait() }
}
