// Package writers runs many writers of one override file at once — Confine
// command lines, Confine inside its own Flatpak sandbox, Flatpak's own
// `flatpak override` — and kills them at random, then checks that no edit
// Confine reported as done is lost and that the file is never half-written.
// faults_test.go runs the writes on a full disk, a read-only folder and a
// folder the user may not write.
//
// The sizes of the stress run are flags:
//
//	go test ./integration/writers -run TestManyWriters -args -writers.n=32 -writers.m=100
package writers

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/confine-app/confine/internal/fptest"
	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

var (
	confineBin string
	procs      = flag.Int("writers.n", 8, "concurrent writer processes in TestManyWriters")
	edits      = flag.Int("writers.m", 25, "edits each writer process makes one after another")
	measure    = flag.Bool("writers.measure", false, "also measure `flatpak override` racing itself (reports, asserts nothing Flatpak does not guarantee)")
)

func TestMain(m *testing.M) {
	flag.Parse()
	testbin.MainCLI(m, &confineBin)
}

const app = "org.test.App"

// world is a throw-away set of Flatpak folders under root.
type world struct {
	root, user, overrides string
}

func newWorld(root string) *world {
	user := filepath.Join(root, "user")
	return &world{root: root, user: user, overrides: filepath.Join(user, "overrides")}
}

// env is the whole environment of a Confine or flatpak process: nothing is
// inherited, so the machine's own installations are never touched.
func (w *world) env() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C.UTF-8", "HOME=" + filepath.Join(w.root, "home"),
		"FLATPAK_USER_DIR=" + w.user, "FLATPAK_SYSTEM_DIR=" + filepath.Join(w.root, "system"),
		"FLATPAK_CONFIG_DIR=" + filepath.Join(w.root, "etc"), "XDG_STATE_HOME=" + filepath.Join(w.root, "state"),
		"XDG_CACHE_HOME=" + filepath.Join(w.root, "cache"), "XDG_DATA_HOME=" + filepath.Join(w.root, "data"),
		"CONFINE_FLATPAK_VERSION=1.14.10", "CONFINE_FLATPAK_INFO=" + filepath.Join(w.root, "no-flatpak-info"), "DISPLAY="}
}

type result struct {
	stderr string
	code   int
	took   time.Duration
}

func (r result) ok() bool { return r.code == 0 && r.stderr == "" }

// runIn runs a program with the world's environment.
func (w *world) run(t testing.TB, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = w.env()
	var errb bytes.Buffer
	cmd.Stderr = &errb
	start := time.Now()
	err := cmd.Run()
	r := result{stderr: errb.String(), took: time.Since(start)}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Error(err)
		r.code = -1
	}
	return r
}

func (w *world) confine(t testing.TB, args ...string) result { return w.run(t, confineBin, args...) }

// read returns an override's bytes; nil when there is none.
func (w *world) read(t testing.TB, id string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(w.overrides, id))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// envOf reads the [Environment] group of an override strictly, by the test's
// own rules rather than Confine's parser: every line must be a group
// header, blank, or KEY=VALUE, the file must end with a newline, and GLib's
// rules (as Confine's oracle-tested parser applies them) must accept it. A
// torn or mixed write fails one of these.
func envOf(data []byte) (map[string]string, error) {
	env := map[string]string{}
	if data == nil {
		return env, nil
	}
	if len(data) == 0 || data[len(data)-1] != '\n' {
		return nil, fmt.Errorf("no final newline in %d bytes", len(data))
	}
	group := ""
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		switch {
		case line == "":
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			group = line
		case group == "[Environment]" && strings.Contains(line, "="):
			k, v, _ := strings.Cut(line, "=")
			if _, dup := env[k]; dup {
				return nil, fmt.Errorf("%s twice", k)
			}
			env[k] = v
		default:
			return nil, fmt.Errorf("unexpected line %.60q", line)
		}
	}
	if _, err := overrides.Parse(data); err != nil {
		return nil, err
	}
	return env, nil
}

func (w *world) envOf(t testing.TB, id string) map[string]string {
	t.Helper()
	env, err := envOf(w.read(t, id))
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return env
}

// leftovers lists Confine's temporary files in a folder.
func leftovers(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), ".confine-") {
			out = append(out, e.Name())
		}
	}
	return out
}

func noLeftovers(t testing.TB, dir string) {
	t.Helper()
	if l := leftovers(t, dir); len(l) > 0 {
		t.Fatalf("temporary files left in %s: %v", dir, l)
	}
}

// The reproduction from issue 14: a shell loop starting 60
// `confine override --env=Vn=1` on the same app at once. Before writes were
// serialised, about 10 of the 60 variables survived and every command
// exited 0.
func TestSixtyConcurrentOverrides(t *testing.T) {
	w := newWorld(t.TempDir())
	const n = 60
	res := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { res[i] = w.confine(t, "override", fmt.Sprintf("--env=V%d=1", i+1), app) })
	}
	wg.Wait()
	for i, r := range res {
		if !r.ok() {
			t.Errorf("V%d: exit %d: %s", i+1, r.code, r.stderr)
		}
	}
	env := w.envOf(t, app)
	var missing []string
	for i := range n {
		if env[fmt.Sprintf("V%d", i+1)] != "1" {
			missing = append(missing, fmt.Sprintf("V%d", i+1))
		}
	}
	if len(missing) > 0 || len(env) != n {
		t.Fatalf("%d of %d variables kept; missing %v", len(env), n, missing)
	}
	t.Logf("%d of %d variables kept", len(env), n)
	noLeftovers(t, w.overrides)
}

// writers runs n goroutines, each running m edits one after another; edit
// returns whether the edit reported success.
func writers(n, m int, edit func(w, i int) bool) (okCount int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range n {
		wg.Go(func() {
			for i := range m {
				if edit(g, i) {
					mu.Lock()
					okCount++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return okCount
}

// N command lines × M edits of distinct keys on one file, next to one
// long-lived Model writing through the same Store calls as the window:
// every edit must be there afterwards.
func TestManyWriters(t *testing.T) {
	w := newWorld(t.TempDir())
	n, m := *procs, *edits
	window := model.Load(model.MapEnv(envMap(w.env())))
	var failures []string
	var mu sync.Mutex
	start := time.Now()
	var winErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range m {
			ops, _, err := overrides.ParseArgs(overrides.Flatpak114, []string{fmt.Sprintf("--env=WIN_%d=1", i)})
			if err == nil {
				_, err = window.Override(app, ops)
			}
			if err != nil {
				winErr = err
				return
			}
		}
	})
	ok := writers(n, m, func(g, i int) bool {
		r := w.confine(t, "override", fmt.Sprintf("--env=P%d_%d=1", g, i), app)
		if !r.ok() {
			mu.Lock()
			failures = append(failures, fmt.Sprintf("P%d_%d: exit %d: %s", g, i, r.code, r.stderr))
			mu.Unlock()
		}
		return r.ok()
	})
	wg.Wait()
	took := time.Since(start)
	if winErr != nil {
		t.Errorf("the in-process writer: %v", winErr)
	}
	for _, f := range failures {
		t.Error(f)
	}
	env := w.envOf(t, app)
	missing := 0
	for g := range n {
		for i := range m {
			if env[fmt.Sprintf("P%d_%d", g, i)] != "1" {
				missing++
			}
		}
	}
	for i := range m {
		if env[fmt.Sprintf("WIN_%d", i)] != "1" {
			missing++
		}
	}
	// Edits missing although every command reported success would be
	// silent losses; a failed command is reported to its user.
	t.Logf("N=%d processes × M=%d edits + %d in-process edits: %d command lines succeeded, %d failed; %d variables in the file, %d silently lost; %v (%.0f edits/s)",
		n, m, m, ok, len(failures), len(env), missing-len(failures), took.Round(time.Millisecond), float64(n*m+m)/took.Seconds())
	if missing > 0 || len(env) != n*m+m {
		t.Fatalf("%d edits missing", missing)
	}
	noLeftovers(t, w.overrides)
}

func envMap(env []string) map[string]string {
	out := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	return out
}

// holdLock takes Confine's write lock the way another Confine would (flock
// belongs to an open file, so this process is a holder like any other) and
// returns its release.
func holdLock(t *testing.T, lockFile string) func() {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(lockFile), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(lockFile, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release := func() { once.Do(func() { f.Close() }) }
	t.Cleanup(release)
	return release
}

// Confine in its Flatpak sandbox sees the overrides folder through a bind
// mount. Here the same folder is bind-mounted at a second path: a lock held
// through one path stops a writer using the other, and writers on both
// paths keep every edit.
func TestLockIsSharedThroughABindMount(t *testing.T) {
	needRoot(t)
	w := newWorld(t.TempDir())
	if err := os.MkdirAll(w.user, 0o755); err != nil {
		t.Fatal(err)
	}
	view := newWorld(t.TempDir())
	mount(t, view.user, "--bind", w.user)

	release := holdLock(t, filepath.Join(view.overrides, overrides.LockName))
	r := w.confine(t, "override", "--env=A=1", app)
	want := "confine override: another Confine is writing " + filepath.Join(w.overrides, app) + "; try again\n"
	if r.code != 1 || r.stderr != want {
		t.Fatalf("with the lock held through the other path: exit %d, %q", r.code, r.stderr)
	}
	if r.took < overrides.LockTimeout {
		t.Fatalf("gave up after %v", r.took)
	}
	t.Logf("what the user sees after %v: %s", r.took.Round(time.Millisecond), strings.TrimSpace(r.stderr))
	if w.read(t, app) != nil {
		t.Fatal("written while locked")
	}
	release()

	const n, m = 4, 15
	writers(2*n, m, func(g, i int) bool {
		side := w
		if g%2 == 1 {
			side = view
		}
		r := side.confine(t, "override", fmt.Sprintf("--env=P%d_%d=1", g, i), app)
		if !r.ok() {
			t.Errorf("P%d_%d: exit %d: %s", g, i, r.code, r.stderr)
		}
		return r.ok()
	})
	if env := w.envOf(t, app); len(env) != 2*n*m {
		t.Fatalf("%d of %d edits kept", len(env), 2*n*m)
	}
}

// The real thing: Confine's command line installed as a Flatpak app with
// the manifest's permission on the overrides folder, writing next to
// Confines on the host.
func TestConfineInsideItsSandboxSharesTheLock(t *testing.T) {
	inst := fptest.NewWithHome(t)
	data, err := os.ReadFile(confineBin)
	if err != nil {
		t.Fatal(err)
	}
	const id = "io.github.confine_app.Confine"
	inst.InstallWithFiles(fptest.App{ID: id,
		Finish: []string{"--filesystem=xdg-data/flatpak/overrides:create", "--env=CONFINE_FLATPAK_VERSION=1.14.10"},
		Script: "#!/bin/sh\nexec /app/bin/confine-cli \"$@\"\n"}, false, map[string][]byte{"bin/confine-cli": data})
	sandboxed := func(args ...string) error {
		_, err := inst.Run(append([]string{"run", "--command=run", id}, args...)...)
		return err
	}
	hostFile := filepath.Join(inst.User, "overrides", app)
	host := &world{root: inst.Root, user: inst.User, overrides: filepath.Join(inst.User, "overrides")}

	release := holdLock(t, filepath.Join(host.overrides, overrides.LockName))
	err = sandboxed("override", "--env=A=1", app)
	if err == nil || !strings.Contains(err.Error(), "another Confine is writing") || !strings.Contains(err.Error(), "/overrides/"+app+"; try again") {
		t.Fatalf("sandboxed Confine with the lock held on the host: %v", err)
	}
	t.Logf("inside the sandbox, with the lock held on the host: %v", err)
	release()

	const n, m, sm = 3, 10, 4
	writers(2*n, m, func(g, i int) bool {
		if g%2 == 1 {
			if i >= sm {
				return false
			}
			if err := sandboxed("override", fmt.Sprintf("--env=S%d_%d=1", g, i), app); err != nil {
				t.Errorf("S%d_%d: %v", g, i, err)
				return false
			}
			return true
		}
		r := host.confine(t, "override", fmt.Sprintf("--env=H%d_%d=1", g, i), app)
		if !r.ok() {
			t.Errorf("H%d_%d: exit %d: %s", g, i, r.code, r.stderr)
		}
		return r.ok()
	})
	data, _ = os.ReadFile(hostFile)
	env, err := envOf(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(env) != n*m+n*sm {
		t.Fatalf("%d of %d edits kept: %v", len(env), n*m+n*sm, slices.Sorted(maps.Keys(env)))
	}
}

// `flatpak override` does not take Confine's lock and does its own
// read-modify-write. One flatpak writer (so flatpak cannot race itself)
// runs next to N Confine writers: Confine never writes over a version it
// did not read, so every flatpak edit must survive. Confine's own edits can
// be overwritten by flatpak (it writes back what it read before Confine's
// write); those are counted, not asserted.
func TestFlatpakOverrideAlongside(t *testing.T) {
	flatpak := fptest.Flatpak(t)
	w := newWorld(t.TempDir())
	const fk = 60
	n, m := 4, 20
	var fpFail []string
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range fk {
			if r := w.run(t, flatpak, "override", "--user", fmt.Sprintf("--env=F%d=1", i), app); r.code != 0 {
				fpFail = append(fpFail, fmt.Sprintf("F%d: %s", i, r.stderr))
			}
		}
	})
	var conflicts []string
	var mu sync.Mutex
	ok := writers(n, m, func(g, i int) bool {
		r := w.confine(t, "override", fmt.Sprintf("--env=C%d_%d=1", g, i), app)
		if r.code != 0 {
			mu.Lock()
			conflicts = append(conflicts, strings.TrimSpace(r.stderr))
			mu.Unlock()
		}
		return r.ok()
	})
	wg.Wait()
	for _, f := range fpFail {
		t.Errorf("flatpak override failed: %s", f)
	}
	env := w.envOf(t, app)
	var fpLost []string
	for i := range fk {
		if env[fmt.Sprintf("F%d", i)] != "1" {
			fpLost = append(fpLost, fmt.Sprintf("F%d", i))
		}
	}
	confineKept := 0
	for g := range n {
		for i := range m {
			if env[fmt.Sprintf("C%d_%d", g, i)] == "1" {
				confineKept++
			}
		}
	}
	t.Logf("1 flatpak writer × %d edits, %d Confine writers × %d edits: flatpak edits kept %d/%d; Confine edits reported done %d, kept %d (the rest overwritten by flatpak's read-modify-write); Confine conflict errors %d",
		fk, n, m, fk-len(fpLost), fk, ok, confineKept, len(conflicts))
	for _, c := range conflicts {
		if !strings.Contains(c, "changed by another program while Confine was writing it") {
			t.Errorf("Confine failed with: %s", c)
		}
	}
	if len(fpLost) > 0 {
		t.Fatalf("Confine overwrote flatpak's edits %v", fpLost)
	}
	noLeftovers(t, w.overrides)

	if !*measure {
		return
	}
	// flatpak racing flatpak, for the record: nothing to assert, since
	// flatpak's read-modify-write loses edits without Confine's help.
	w2 := newWorld(t.TempDir())
	var fpOK, cOK int
	var mu2 sync.Mutex
	writers(2*n, m, func(g, i int) bool {
		var r result
		if g%2 == 0 {
			r = w2.run(t, flatpak, "override", "--user", fmt.Sprintf("--env=F%d_%d=1", g, i), app)
		} else {
			r = w2.confine(t, "override", fmt.Sprintf("--env=C%d_%d=1", g, i), app)
		}
		mu2.Lock()
		if r.code == 0 && g%2 == 0 {
			fpOK++
		} else if r.code == 0 {
			cOK++
		}
		mu2.Unlock()
		return r.code == 0
	})
	env2 := w2.envOf(t, app)
	var fpKept, cKept int
	for k := range env2 {
		if strings.HasPrefix(k, "F") {
			fpKept++
		} else {
			cKept++
		}
	}
	t.Logf("MEASURED: %d flatpak writers and %d Confine writers × %d edits at once: flatpak %d ok, %d kept; Confine %d ok, %d kept",
		n, n, m, fpOK, fpKept, cOK, cKept)
}
