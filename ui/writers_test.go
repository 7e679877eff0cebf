package ui

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/model"
)

// The window among other writers of the same override file: the real
// `flatpak override`, and many `confine` command lines at once. No edit is
// lost, and the page shows what the file says.
//
//	go test ./ui -run WindowAmongWriters -args -window.writers.n=32 -window.writers.m=100

var (
	windowWriters = flag.Int("window.writers.n", 8, "confine processes writing alongside the window in TestWindowAmongWriters")
	windowEdits   = flag.Int("window.writers.m", 25, "edits each of those processes makes one after another")
)

var (
	cliOnce sync.Once
	cliBin  string
	cliErr  error
)

// confineCLI is the command line, built once without GTK (seconds).
func confineCLI(t *testing.T) string {
	t.Helper()
	cliOnce.Do(func() {
		cliBin = filepath.Join(testDir, "bin", "confine")
		if err := testbin.BuildCLI(cliBin); err != nil {
			cliErr = fmt.Errorf("cannot build the command line: %v", err)
		}
	})
	if cliErr != nil {
		t.Fatal(cliErr)
	}
	return cliBin
}

// demoCommand is a program run on the demo installation, as the window
// sees it.
func demoCommand(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	for k, v := range demoVars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// runConfine runs `confine ARGS…` on the demo installation; it is a
// failure unless the command exits 0 without a word on stderr.
func runConfine(bin string, args ...string) error {
	cmd := demoCommand(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		return fmt.Errorf("confine %s: %v %s", strings.Join(args, " "), err, stderr.String())
	}
	return nil
}

// fileTruth is the app's permissions as a fresh reading of the files gives
// them (what `flatpak run` would get).
func fileTruth(t *testing.T, id string) *model.Effective {
	t.Helper()
	m := model.Load(model.MapEnv(demoVars))
	a, err := m.App(id)
	if err != nil {
		t.Fatal(err)
	}
	return m.Effective(a)
}

// pageTexts is what the filters know of the page's rows (lower-case).
func pageTexts(v *pageView) string {
	var b strings.Builder
	for _, info := range v.rowInfo {
		b.WriteString(info.text + "\n")
	}
	return b.String()
}

// TestExternalOverrideWhilePendingEdit: a click waits for its debounce
// while `flatpak override` (the real one) changes the same file. Both
// changes end up in the file, and the page shows the file's truth.
func TestExternalOverrideWhilePendingEdit(t *testing.T) {
	flatpak := testbin.Need(t, "flatpak")
	const id = "com.keyvault.Vault"
	defer os.Remove(overridePath(id))
	v := show(t, id)
	var was bool
	onMain(func() {
		was, _ = v.SwitchState("shared/ipc")
		v.Toggle("shared/ipc", !was)
		if !testWin.Pending() {
			t.Error("the click is not waiting for its debounce")
		}
		// Flatpak writes while the main loop is held here, so the edit
		// is certainly still pending when the file changes under it.
		out, err := demoCommand(flatpak, "override", "--user", "--env=FROM_FLATPAK=1", id).CombinedOutput()
		if err != nil {
			t.Errorf("flatpak override: %v %s", err, out)
		}
		if !testWin.Pending() {
			t.Error("the edit was written before flatpak's")
		}
	})
	eventually(t, "both changes in the file", 3*time.Second, func() bool {
		s := readOverride(t, id)
		return strings.Contains(s, "FROM_FLATPAK=1") && !testWin.Pending()
	})
	e := fileTruth(t, id)
	if e.On(model.IPC) == was {
		t.Fatalf("the click was lost: the file holds\n%s", readOverride(t, id))
	}
	eventually(t, "the page to show the file", 3*time.Second, func() bool {
		on, _ := v.SwitchState("shared/ipc")
		return on == !was && strings.Contains(pageTexts(v), "from_flatpak=1")
	})
}

// TestSixtyOverridesWithWindowOpen: the issue's loop — 60 `confine
// override --env=Vn=1` started at once on one app — while the window shows
// that app and writes to the same file. Every command succeeds, every
// variable is in the file, the window's last choice too, and the page
// lists all sixty.
func TestSixtyOverridesWithWindowOpen(t *testing.T) {
	bin := confineCLI(t)
	const id = "com.keyvault.Vault"
	defer os.Remove(overridePath(id))
	v := show(t, id)
	const n = 60
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := runConfine(bin, "override", fmt.Sprintf("--env=V%d=1", i), id); err != nil {
				errs <- err
			}
		}()
	}
	// The window clicks the network switch for as long as the commands
	// run, each click written at once, and ends on "on" (the app's own
	// request is off, so a lost last click shows).
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	clicks := 0
	for running := true; running || clicks%2 == 0; clicks++ {
		select {
		case <-finished:
			running = false
		default:
		}
		onMain(func() {
			v.Toggle("shared/network", clicks%2 == 0)
			testWin.flush()
		})
		time.Sleep(10 * time.Millisecond)
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	e := fileTruth(t, id)
	kept := 0
	for i := range n {
		if s, ok := e.Env[fmt.Sprintf("V%d", i)]; ok && s.Value == "1" {
			kept++
		}
	}
	t.Logf("kept %d of %d variables with the window writing %d times meanwhile", kept, n, clicks)
	if kept != n {
		t.Fatalf("kept %d of %d variables:\n%s", kept, n, readOverride(t, id))
	}
	if !e.On(model.Network) {
		t.Errorf("the window's last click (network on) was lost")
	}
	eventually(t, "the page to list every variable", 3*time.Second, func() bool {
		texts := pageTexts(v)
		for i := range n {
			if !strings.Contains(texts, fmt.Sprintf("v%d=1\n", i)) {
				return false
			}
		}
		return true
	})
}

// TestWindowAmongWriters: N confine processes × M edits of distinct
// variables, while the window adds its own variables through the page's
// entry row and clicks switches. Afterwards every edit is present.
func TestWindowAmongWriters(t *testing.T) {
	bin := confineCLI(t)
	const id = "org.tunebox.Player"
	defer os.Remove(overridePath(id))
	v := show(t, id)
	var env *addRow
	// The groups below the first screen are built right after it.
	eventually(t, "the Environment group", 3*time.Second, func() bool {
		if lg := v.list(T("Environment")); lg != nil {
			env = v.addRowOf(lg)
		}
		return env != nil
	})
	n, m := *windowWriters, *windowEdits
	start := time.Now()
	errs := make(chan error, n*m)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range m {
				if err := runConfine(bin, "override", fmt.Sprintf("--env=P%d_%d=1", i, j), id); err != nil {
					errs <- err
				}
			}
		}()
	}
	const own = 20
	for k := range own {
		onMain(func() {
			env.typeIn(fmt.Sprintf("W%d=1", k))
			env.submit() // as Enter does: queued, then written at once
			v.Toggle("devices/dri", k%2 == 1)
		})
		time.Sleep(20 * time.Millisecond)
	}
	onMain(testWin.flush)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	e := fileTruth(t, id)
	var missing []string
	for i := range n {
		for j := range m {
			if _, ok := e.Env[fmt.Sprintf("P%d_%d", i, j)]; !ok {
				missing = append(missing, fmt.Sprintf("P%d_%d", i, j))
			}
		}
	}
	for k := range own {
		if _, ok := e.Env[fmt.Sprintf("W%d", k)]; !ok {
			missing = append(missing, fmt.Sprintf("W%d", k))
		}
	}
	t.Logf("%d processes × %d edits and %d window edits in %v; %d missing", n, m, own, time.Since(start).Round(time.Millisecond), len(missing))
	if len(missing) > 0 {
		t.Fatalf("lost edits: %s", strings.Join(missing, " "))
	}
	if last := (own-1)%2 == 1; e.On(model.DRI) != last {
		t.Errorf("the window's last click (GPU %v) was lost", last)
	}
	eventually(t, "the switch to show the file", 3*time.Second, func() bool {
		on, _ := v.SwitchState("devices/dri")
		return on == e.On(model.DRI)
	})
}
