package cli_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-app/confine/cli"
	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
)

const native = "shared=network;ipc;\nsockets=x11;wayland;fallback-x11;pulseaudio;\ndevices=all;\nfilesystems=home;\n\n[Session Bus Policy]\norg.freedesktop.secrets=talk\n"

func TestApplyDesiredStatesTouchOnlyNamedEntries(t *testing.T) {
	m := newMachine(t)
	m.install("org.example.Browser", false, native)
	// An override written by hand: a comment, an unknown key, an entry
	// the policy does not name, and a value the policy changes.
	os.MkdirAll(filepath.Join(m.user, "overrides"), 0o755)
	own := "# mine\n[Context]\nsockets=!cups;x11;\nfilesystems=~/Games:ro;\nX-Note=kept\n"
	os.WriteFile(filepath.Join(m.user, "overrides", "org.example.Browser"), []byte(own), 0o644)
	pol := m.policy(`{"format": "confine-policy", "version": 1, "overrides": {
	  "global": {"permissions": {"shared/network": "off", "devices/all": false},
	             "folders": {"home": "none", "xdg-download": "rw"},
	             "session-bus": {"org.freedesktop.secrets": "none"}},
	  "org.example.Browser": {"permissions": {"shared/network": "on", "sockets/x11": "off"},
	             "folders": {"reset": true, "xdg-music": "ro"},
	             "variables": {"MOZ_ENABLE_WAYLAND": "1", "LD_PRELOAD": null},
	             "system-bus": {"org.freedesktop.login1": "talk"}}}}`)
	m.must(3, "", "apply", pol)

	g := ctx(t, m.file("user", "global"))
	if p, ok := g.Fixed["shared"]["network"]; !ok || p.Allowed {
		on := p.Allowed
		t.Errorf("global network: %v %v, want revoked", on, ok)
	}
	if p, ok := g.Fixed["devices"]["all"]; !ok || p.Allowed {
		on := p.Allowed
		t.Errorf("global devices=all: %v %v, want revoked (false means off)", on, ok)
	}
	if g.Filesystems["home"] != overrides.ModeNone || g.Filesystems["xdg-download"] != overrides.ModeReadWrite {
		t.Errorf("global folders: %v", g.Filesystems)
	}
	if p, ok := g.SessionBus["org.freedesktop.secrets"]; !ok || p != overrides.PolicyNone {
		t.Errorf("global secrets: %v %v", p, ok)
	}

	b := m.file("user", "org.example.Browser")
	for _, keep := range []string{"# mine\n", "X-Note=kept\n", "!cups", "~/Games:ro"} {
		if !strings.Contains(b, keep) {
			t.Errorf("the app's override lost %q:\n%s", keep, b)
		}
	}
	c := ctx(t, b)
	if !c.Fixed["shared"]["network"].Allowed || c.Fixed["sockets"]["x11"].Allowed {
		t.Errorf("app fixed: %v", c.Fixed)
	}
	if _, reset := c.Filesystems[overrides.ResetLocation]; !reset || c.Filesystems["xdg-music"] != overrides.ModeRead {
		t.Errorf("app folders: %v", c.Filesystems)
	}
	if c.Env["MOZ_ENABLE_WAYLAND"] != (overrides.EnvValue{Value: "1"}) || !c.Env["LD_PRELOAD"].Unset {
		t.Errorf("app variables: %v", c.Env)
	}
	if c.SystemBus["org.freedesktop.login1"] != overrides.PolicyTalk {
		t.Errorf("app system bus: %v", c.SystemBus)
	}

	// The same policy again: nothing to do, nothing written.
	before := m.snapshot()
	m.must(0, "", "apply", pol)
	if !strings.Contains(m.lastOut, "unchanged") {
		t.Errorf("second run says %q", m.lastOut)
	}
	if after := m.snapshot(); !maps.Equal(before, after) {
		t.Error("the second run wrote files")
	}

	// "default" forgets what the file says, and nothing else.
	m.must(3, "", "apply", m.policy(`{"format": "confine-policy", "version": 1, "overrides": {
	  "org.example.Browser": {"permissions": {"sockets/x11": "default"}, "folders": {"reset": false, "xdg-music": "default"},
	                          "system-bus": {"org.freedesktop.login1": "default"}}}}`))
	c = ctx(t, m.file("user", "org.example.Browser"))
	if _, ok := c.Fixed["sockets"]["x11"]; ok {
		t.Error("x11 still mentioned")
	}
	if _, ok := c.Filesystems[overrides.ResetLocation]; ok {
		t.Error("reset still there")
	}
	if _, ok := c.Filesystems["xdg-music"]; ok || c.Filesystems["~/Games"] != overrides.ModeRead {
		t.Errorf("folders: %v", c.Filesystems)
	}
	if len(c.SystemBus) != 0 || !c.Fixed["shared"]["network"].Allowed {
		t.Errorf("other entries changed: %v %v", c.SystemBus, c.Fixed)
	}
}

// TestApplyHardenAndLock: the verbs follow the advisor, exceptions win over
// them, and a second run changes nothing.
func TestApplyHardenAndLock(t *testing.T) {
	m := newMachine(t)
	m.install("org.example.Native", true, native)
	m.install("org.example.OldX", true, "shared=ipc;\nsockets=x11;\n")
	pol := m.policy(`{"format": "confine-policy", "version": 1, "overrides": {
	  "org.example.Native": {"harden": "all", "permissions": {"shared/network": "on"}},
	  "org.example.OldX": {"lock": true}}}`)
	m.must(3, "", "apply", "--system", pol)
	n := ctx(t, m.file("system", "org.example.Native"))
	// Wayland-native: X11 and IPC go (recommended); with "all" the
	// suggested ones too: PulseAudio, every device (GPU instead), home,
	// the keyring. The policy keeps the network.
	wantOff := [][2]string{{"sockets", "x11"}, {"shared", "ipc"}, {"sockets", "pulseaudio"}, {"devices", "all"}}
	for _, k := range wantOff {
		if p, ok := n.Fixed[k[0]][k[1]]; !ok || p.Allowed {
			t.Errorf("%s/%s: want revoked in\n%s", k[0], k[1], m.file("system", "org.example.Native"))
		}
	}
	if !n.Fixed["shared"]["network"].Allowed || !n.Fixed["devices"]["dri"].Allowed {
		t.Errorf("network (the exception) and dri (the replacement) should be granted: %v", n.Fixed)
	}
	if n.Filesystems["home"] != overrides.ModeNone {
		t.Errorf("home: %v", n.Filesystems)
	}
	if p, ok := n.SessionBus["org.freedesktop.secrets"]; !ok || p != overrides.PolicyNone {
		t.Errorf("secrets: %v", n.SessionBus)
	}
	o := ctx(t, m.file("system", "org.example.OldX"))
	// Lock: every fixed name the app lacks is revoked explicitly; x11
	// and ipc, which it has, are left alone.
	for _, k := range [][2]string{{"shared", "network"}, {"sockets", "wayland"}, {"devices", "all"}, {"features", "devel"}} {
		if p, ok := o.Fixed[k[0]][k[1]]; !ok || p.Allowed {
			t.Errorf("lock: %s/%s not revoked", k[0], k[1])
		}
	}
	if _, ok := o.Fixed["sockets"]["x11"]; ok {
		t.Errorf("lock touched x11, which the app has")
	}
	before := m.snapshot()
	m.must(0, "", "apply", "--system", pol)
	if !maps.Equal(before, m.snapshot()) {
		t.Error("second run wrote files")
	}
}

// TestApplyIdempotentRandom applies random policies over the demo apps and
// checks that applying again never changes a byte.
func TestApplyIdempotentRandom(t *testing.T) {
	r := rand.New(rand.NewSource(18))
	perms := []string{"shared/network", "shared/ipc", "sockets/x11", "sockets/wayland", "sockets/fallback-x11", "sockets/pulseaudio", "devices/all", "devices/dri", "features/devel"}
	states := []string{`"on"`, `"off"`, `"default"`, `true`, `false`}
	folders := []string{"home", "host", "xdg-download", "~/Games", "/opt/data", "xdg-config/app"}
	modes := []string{"ro", "rw", "create", "none", "default"}
	for round := range 25 {
		m := newMachine(t)
		var ids []string
		for i, a := range model.DemoApps {
			if a.Broken {
				continue
			}
			m.install(a.ID, i%3 != 0, a.Context)
			ids = append(ids, a.ID)
		}
		// Start from overrides the window could have written.
		os.MkdirAll(filepath.Join(m.sys, "overrides"), 0o755)
		os.WriteFile(filepath.Join(m.sys, "overrides", ids[0]), []byte("[Context]\nsockets=!x11;\nfilesystems=xdg-music:ro;home;\n"), 0o644)
		target := func(global bool) string {
			var parts []string
			var ps, fs []string
			for range r.Intn(4) {
				ps = append(ps, fmt.Sprintf("%q: %s", perms[r.Intn(len(perms))], states[r.Intn(len(states))]))
			}
			for range r.Intn(3) {
				fs = append(fs, fmt.Sprintf("%q: %q", folders[r.Intn(len(folders))], modes[r.Intn(len(modes))]))
			}
			if r.Intn(3) == 0 {
				fs = append(fs, fmt.Sprintf(`"reset": %v`, r.Intn(2) == 0))
			}
			parts = append(parts, `"permissions": {`+strings.Join(dedupKeys(ps), ", ")+`}`, `"folders": {`+strings.Join(dedupKeys(fs), ", ")+`}`)
			if !global {
				if r.Intn(2) == 0 {
					parts = append(parts, `"harden": `+[]string{`"recommended"`, `"all"`}[r.Intn(2)])
				}
				if r.Intn(3) == 0 {
					parts = append(parts, `"lock": true`)
				}
			}
			return "{" + strings.Join(parts, ", ") + "}"
		}
		ts := []string{`"global": ` + target(true)}
		for _, i := range r.Perm(len(ids))[:4] {
			ts = append(ts, fmt.Sprintf("%q: %s", ids[i], target(false)))
		}
		text := `{"format": "confine-policy", "version": 1, "overrides": {` + strings.Join(ts, ", ") + `}}`
		pol := m.policy(text)
		for _, scope := range [][]string{{"--system"}, {}} {
			code := m.run("", append([]string{"apply", pol}, scope...)...)
			if code != 0 && code != 3 {
				t.Fatalf("round %d: exit %d: %s\n%s", round, code, m.lastErrs, text)
			}
			before := m.snapshot()
			if code := m.run("", append([]string{"apply", pol, "--diff"}, scope...)...); code != 0 {
				t.Fatalf("round %d %v: second run exit %d:\n%s\npolicy %s", round, scope, code, m.lastOut, text)
			}
			if !maps.Equal(before, m.snapshot()) {
				t.Fatalf("round %d: second run wrote files", round)
			}
		}
	}
}

// dedupKeys drops entries whose key came earlier (a policy refuses a key
// given twice).
func dedupKeys(entries []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range entries {
		k, _, _ := strings.Cut(e, ":")
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

func TestApplyCheckAndDiff(t *testing.T) {
	patch := testbin.Need(t, "patch")
	m := newMachine(t)
	m.install("org.example.Native", false, native)
	os.MkdirAll(filepath.Join(m.user, "overrides"), 0o755)
	os.WriteFile(filepath.Join(m.user, "overrides", "global"), []byte("[Context]\nsockets=!x11;\n"), 0o644)
	pol := m.policy(`{"format": "confine-policy", "version": 1, "overrides": {
	  "global": {"permissions": {"shared/network": "off"}},
	  "org.example.Native": {"harden": "recommended", "folders": {"xdg-download": "create"}}}}`)
	before := m.snapshot()
	out := m.must(3, "", "apply", "--check", "--diff", pol)
	if !maps.Equal(before, m.snapshot()) {
		t.Fatal("--check wrote files")
	}
	if !strings.Contains(out, "would change: "+filepath.Join(m.user, "overrides", "global")) {
		t.Errorf("--check output:\n%s", out)
	}
	var res cli.ApplyResult
	m.must(3, "", "apply", "--check", "--diff", "--json", pol)
	if err := json.Unmarshal([]byte(m.lastOut), &res); err != nil {
		t.Fatal(err, m.lastOut)
	}
	if !maps.Equal(before, m.snapshot()) {
		t.Fatal("--check --json wrote files")
	}
	if !res.Changed || !res.Check || len(res.Files) != 2 {
		t.Fatalf("result: %+v", res)
	}
	// Every diff, applied with GNU patch to the file as it is, gives the
	// file a real run writes; before and after are the whole files.
	m.must(3, "", "apply", pol)
	dir := t.TempDir()
	for _, f := range res.Files {
		if !f.Changed || f.Scope != "user" || f.Before == nil || f.After == nil {
			t.Fatalf("file entry %+v", f)
		}
		if !strings.HasPrefix(f.Diff, "--- ") || !strings.Contains(f.Diff, "\n+++ ") || !strings.Contains(f.Diff, "\n@@ -") {
			t.Errorf("not a unified diff:\n%s", f.Diff)
		}
		if !strings.Contains(out, f.Diff) {
			t.Errorf("the text output lacks the diff of %s", f.Target)
		}
		in, d, o := filepath.Join(dir, "in"), filepath.Join(dir, "d"), filepath.Join(dir, "out")
		os.WriteFile(in, []byte(*f.Before), 0o644)
		os.WriteFile(d, []byte(f.Diff), 0o644)
		os.Remove(o)
		if msg, err := exec.Command(patch, "--quiet", "--force", "-o", o, in, d).CombinedOutput(); err != nil {
			t.Fatalf("patch: %v %s\n%s", err, msg, f.Diff)
		}
		got, _ := os.ReadFile(o)
		written := m.file("user", f.Target)
		if string(got) != written || *f.After != written {
			t.Errorf("%s: patched %q, after %q, written %q", f.Target, got, *f.After, written)
		}
	}
	// (X11 is revoked by the global override already.)
	if i := slices.IndexFunc(res.Findings, func(f cli.ApplyFinding) bool { return f.ID == "revoke/ipc" && f.Target == "org.example.Native" }); i < 0 {
		t.Errorf("findings do not say harden revoked IPC: %+v", res.Findings)
	}
	// Now in place: --check has nothing to report.
	m.must(0, "", "apply", "--check", "--json", pol)
	res = cli.ApplyResult{}
	json.Unmarshal([]byte(m.lastOut), &res)
	if res.Changed || res.Files[0].Changed || res.Files[0].Diff != "" {
		t.Errorf("after the apply: %+v", res)
	}
}

func TestApplyRefusesBadPolicies(t *testing.T) {
	m := newMachine(t)
	m.install("org.example.Native", true, native)
	os.MkdirAll(filepath.Join(m.sys, "overrides"), 0o755)
	os.WriteFile(filepath.Join(m.sys, "overrides", "global"), []byte("[Context]\nshared=network;\n"), 0o644)
	good := `"global": {"permissions": {"shared/network": "off"}}`
	wrap := func(s string) string {
		return `{"format": "confine-policy", "version": 1, "overrides": {` + good + `, ` + s + `}}`
	}
	for _, c := range []struct{ policy, want string }{
		{wrap(`"org.example.Native": {"permissions": {"sockets/x12": "off"}}`), `org.example.Native: permissions: "sockets/x12": unknown permission`},
		{wrap(`"org.example.Native": {"permissions": {"sockets/x11": "of"}}`), `org.example.Native: permissions: "sockets/x11": "of" is not on, off or default`},
		{wrap(`"org.example.Native": {"permissions": {"filesystems/home": "off"}}`), `folders go under "folders"`},
		{wrap(`"org.example.Native": {"permissions": {"portals/camera": "off"}}`), `unknown permission (portal permissions`},
		{wrap(`"org.example.Native": {"permissions": {"devices/usb": "off"}}`), `"devices/usb": devices/usb needs Flatpak 1.15.11; this system has 1.14.10`},
		{wrap(`"org.example.Native": {"permissions": {"sockets/inherit-wayland-socket": "on"}}`), `needs Flatpak 1.15.7`},
		{wrap(`"example.Native": {"permissions": {"sockets/x11": "off"}}`), `example.Native: "example.Native" is not a valid application name`},
		{wrap(`"org.example/../x": {}`), `not a valid application name`},
		{wrap(`"org.example.Native": {"folders": {"home": "rx"}}`), `folders: "home": "rx" is not ro, rw, create, none or default`},
		{wrap(`"org.example.Native": {"folders": {"xdg-nowhere": "ro"}}`), `Unknown filesystem location xdg-nowhere`},
		{wrap(`"org.example.Native": {"folders": {"/opt/a\u0007": "ro"}}`), `Non-graphical character`},
		{wrap(`"org.example.Native": {"folders": {"reset": "yes"}}`), `folders: "reset": must be true`},
		{wrap(`"org.example.Native": {"variables": {"A=B": "1"}}`), `cannot be stored`},
		{wrap(`"org.example.Native": {"variables": {"ON": true}}`), `variables: "ON": true must be a string`},
		{wrap(`"org.example.Native": {"session-bus": {"org..bad": "talk"}}`), `session-bus: "org..bad"`},
		{wrap(`"org.example.Native": {"session-bus": {"org.a.b": "listen"}}`), `"listen" is not none, see, talk, own or default`},
		{wrap(`"org.example.Native": {"harden": "maximum"}`), `harden: must be "recommended" or "all"`},
		{wrap(`"org.example.Native": {"lock": "yes"}`), `lock: must be true or false`},
		{wrap(`"org.example.Native": {"sockets": {"x11": "off"}}`), `sockets: unknown key`},
		{wrap(`"org.example.Native": {"permissions": {"sockets/x11": "off", "sockets/x11": "on"}}`), `"sockets/x11" is given twice`},
		{wrap(`"org.example.Native": "[Context]\nsockets=x11\n[Session Bus Policy]\norg..x=talk\n"`), `Flatpak would refuse the file`},
		{wrap(`"org.example.Native": "not a key file"`), `the file cannot be read`},
		{wrap(`"org.example.Native": 7`), `must be an object`},
		{`{"format": "confine-policy", "version": 1, "overrides": {"global": {"harden": "all"}}}`, `global: harden: hardens an app`},
		{`{"format": "confine-policy", "version": 1, "overrides": {"global": {"lock": true}}}`, `global: lock: locks an app`},
		{`{"format": "confine-policy", "version": 2, "overrides": {}}`, `version: "2" is not supported`},
		{`{"format": "ansible", "version": 1, "overrides": {}}`, `format: "ansible" is not a Confine policy`},
		{`{"version": 1, "overrides": {}}`, `format: missing`},
		{`{"format": "confine-policy", "version": 1, "overides": {}}`, `overides: unknown key`},
		{`{"format": "confine-policy", "version": 1, "overrides": {"global": {}}`, `not valid JSON`},
		{`{"format": "confine-overrides", "version": 1, "overrides": {"global": {"permissions": {}}}}`, `global: an export file holds each override as text`},
		{`{"format": "confine-overrides", "version": 1, "overrides": {}, "portals": {"org.example.Native": {"devices/camera": ["yes"]}}}`, `portals: portal permissions are kept by each user's desktop`},
	} {
		before := m.snapshot()
		pol := m.policy(c.policy)
		for _, args := range [][]string{{"apply", "--system", pol}, {"apply", "--json", pol}} {
			code := m.run("", args...)
			if code != 1 {
				t.Errorf("%s: exit %d, want 1 (refused)", c.policy, code)
			}
			if !strings.Contains(m.lastErrs, "confine apply: "+pol+": ") || !strings.Contains(m.lastErrs, c.want) {
				t.Errorf("%s:\nmessage %q\nwant the policy's path and %q", c.policy, m.lastErrs, c.want)
			}
			if strings.Count(strings.TrimSpace(m.lastErrs), "\n") > 0 {
				t.Errorf("message is not one line: %q", m.lastErrs)
			}
			if !maps.Equal(before, m.snapshot()) {
				t.Fatalf("%s: a refused policy wrote files", c.policy)
			}
		}
		var res cli.ApplyResult
		if err := json.Unmarshal([]byte(m.lastOut), &res); err != nil || !strings.Contains(res.Error, c.want) || res.Changed {
			t.Errorf("%s: --json gives %q (%v)", c.policy, m.lastOut, err)
		}
	}
	// Bad usage is status 2.
	for _, args := range [][]string{{"apply"}, {"apply", "a", "b"}, {"apply", "--bogus", "x"}} {
		if code := m.run("", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	// A file Confine cannot read is never written over.
	os.WriteFile(filepath.Join(m.sys, "overrides", "org.example.Native"), []byte("sockets=x11\n"), 0o644)
	before := m.snapshot()
	if code := m.run("", "apply", "--system", m.policy(wrap(`"org.example.Native": {"permissions": {"sockets/x11": "off"}}`))); code != 1 ||
		!strings.Contains(m.lastErrs, "cannot be read") || !strings.Contains(m.lastErrs, "nothing was written") {
		t.Errorf("unreadable override: exit %d, %q", code, m.lastErrs)
	}
	if !maps.Equal(before, m.snapshot()) {
		t.Error("an unreadable override was written over, or the global one written")
	}
}

// TestApplyCheckListsEveryProblem: a policy with several problems is
// refused with every one of them, one line each naming the policy and the
// entry, on standard error and in --json; problems found while planning
// (override files that cannot be read) are listed together too.
func TestApplyCheckListsEveryProblem(t *testing.T) {
	m := newMachine(t)
	m.install("org.example.Native", true, native)
	for _, c := range []struct {
		policy string
		want   []string
	}{
		{`{"format": "confine-policy", "version": 1, "colour": "blue", "overrides": {
		  "global": {"permissions": {"sockets/x12": "off"}, "harden": "all"},
		  "org.example.Native": {"folders": {"home": "rx", "xdg-music": "ro"}, "variables": {"ON": true}, "lock": "yes"},
		  "example.Native": {}}}`, []string{
			`colour: unknown key`,
			`global: permissions: "sockets/x12": unknown permission`,
			`global: harden: hardens an app`,
			`org.example.Native: folders: "home": "rx" is not ro, rw, create, none or default`,
			`org.example.Native: variables: "ON": true must be a string`,
			`org.example.Native: lock: must be true or false`,
			`example.Native: "example.Native" is not a valid application name`,
		}},
		{`{"format": "confine-policy", "version": 1, "overrides": {
		  "org.example.A": {"permissions": {"shared/network": "off"}},
		  "org.example.B": {"permissions": {"shared/network": "off"}},
		  "org.example.C": {"permissions": {"shared/network": "off"}}}}`, []string{
			`org.example.A: the override cannot be read`,
			`org.example.C: the override cannot be read`,
		}},
	} {
		os.MkdirAll(filepath.Join(m.user, "overrides"), 0o755)
		for _, id := range []string{"org.example.A", "org.example.C"} {
			os.WriteFile(filepath.Join(m.user, "overrides", id), []byte("shared=network;\n"), 0o644) // no group: GLib refuses it
		}
		pol := m.policy(c.policy)
		before := m.snapshot()
		if code := m.run("", "apply", "--check", pol); code != 1 {
			t.Fatalf("exit %d, want 1 (refused): %s", code, m.lastErrs)
		}
		lines := strings.Split(strings.TrimSpace(m.lastErrs), "\n")
		if len(lines) != len(c.want) {
			t.Errorf("%d lines, want %d:\n%s", len(lines), len(c.want), m.lastErrs)
		}
		for i := range min(len(lines), len(c.want)) {
			if !strings.HasPrefix(lines[i], "confine apply: "+pol+": ") || !strings.Contains(lines[i], c.want[i]) {
				t.Errorf("line %d: %q\nwant the policy's path and %q", i+1, lines[i], c.want[i])
			}
		}
		m.run("", "apply", "--check", "--json", pol)
		var res cli.ApplyResult
		if err := json.Unmarshal([]byte(m.lastOut), &res); err != nil {
			t.Fatal(err)
		}
		if got := strings.Split(res.Error, "\n"); len(got) != len(c.want) || !strings.Contains(got[len(got)-1], c.want[len(c.want)-1]) {
			t.Errorf("--json error %q", res.Error)
		}
		if code := m.run("", "apply", pol); code != 1 || !maps.Equal(before, m.snapshot()) {
			t.Fatalf("exit %d, and a refused policy wrote files", code)
		}
	}
}

func TestApplySystemScope(t *testing.T) {
	m := newMachine(t)
	m.install("org.example.Native", true, native)
	m.install("org.example.Mine", false, native)
	pol := m.policy(`{"format": "confine-policy", "version": 1, "overrides": {
	  "global": {"permissions": {"sockets/pulseaudio": "off"}},
	  "org.example.Mine": {"harden": "recommended"},
	  "org.example.Later": {"permissions": {"shared/network": "off"}, "lock": true}}}`)
	m.asRoot = false
	before := m.snapshot()
	if code := m.run("", "apply", "--system", pol); code != 1 || strings.TrimSpace(m.lastErrs) != "confine apply: system overrides need root: run with sudo, or drop --system" {
		t.Errorf("without root: exit %d, %q", code, m.lastErrs)
	}
	// Checking needs no rights.
	m.must(3, "", "apply", "--system", "--check", "--json", pol)
	if !maps.Equal(before, m.snapshot()) {
		t.Fatal("files written without root")
	}
	var res cli.ApplyResult
	json.Unmarshal([]byte(m.lastOut), &res)
	notes := map[string]string{}
	for _, f := range res.Findings {
		notes[f.Target] += f.Severity + ": " + f.Message + "\n"
	}
	if !strings.Contains(notes["org.example.Mine"], "warning: installed only per user") {
		t.Errorf("no warning that system overrides do not reach a per-user app: %v", notes)
	}
	if !strings.Contains(notes["org.example.Later"], "warning: not installed") {
		t.Errorf("no warning for the verbs of an app not installed: %v", notes)
	}
	m.asRoot = true
	m.must(3, "", "apply", "--system", pol)
	if !strings.Contains(m.file("system", "global"), "sockets=!pulseaudio;") || m.file("user", "global") != "" {
		t.Errorf("system global %q, user global %q", m.file("system", "global"), m.file("user", "global"))
	}
	// The app that is not installed gets its entries; lock waits for it.
	if got := m.file("system", "org.example.Later"); got != "[Context]\nshared=!network;\n" {
		t.Errorf("not installed app: %q", got)
	}
	// show --system: metadata ← system global ← system app.
	m.asRoot = false
	m.must(0, "", "show", "--system", "--json", "org.example.Native")
	var show cli.ShowResult
	json.Unmarshal([]byte(m.lastOut), &show)
	got := map[string]string{}
	for _, p := range show.Permissions {
		got[p.Key+"/"+p.Name] = p.Value + " from " + p.Source
	}
	if got["sockets/pulseaudio"] != "off from system-global" || got["shared/network"] != "on from app" {
		t.Errorf("show --system: %v", got)
	}
	m.must(0, "", "show", "--system", "org.example.Later")
	if !strings.Contains(m.lastErrs, "not installed") || !strings.Contains(m.lastOut, "network") {
		t.Errorf("show --system of an app not installed: %q %q", m.lastOut, m.lastErrs)
	}
}

func TestApplyExportFile(t *testing.T) {
	src := newMachine(t)
	src.install("org.example.Native", false, native)
	src.must(0, "", "override", "--unshare=network", "--filesystem=~/Games:ro", "org.example.Native")
	src.must(0, "", "override", "--nosocket=x11")
	export := src.must(0, "", "export")

	dst := newMachine(t)
	os.MkdirAll(filepath.Join(dst.user, "overrides"), 0o755)
	os.WriteFile(filepath.Join(dst.user, "overrides", "org.example.Other"), []byte("[Context]\nshared=network;\n"), 0o644)
	dst.must(3, export, "apply", "-")
	for _, target := range []string{"global", "org.example.Native"} {
		if dst.file("user", target) != src.file("user", target) {
			t.Errorf("%s: %q, exported %q", target, dst.file("user", target), src.file("user", target))
		}
	}
	if dst.file("user", "org.example.Other") == "" {
		t.Error("a file the export does not name was removed")
	}
	dst.must(0, export, "apply", "-")
}

// TestApplyWriteFailureNamesWrittenFiles: when a write fails midway the
// message says which files were already written; the global override,
// written last, is not among them (apps' files alone take nothing away).
func TestApplyWriteFailureNamesWrittenFiles(t *testing.T) {
	const ro = "/proc/sys/kernel/ostype" // a file nobody can create files beside
	if _, err := os.Stat(ro); err != nil {
		t.Skipf("SKIPPED LOUDLY: %s is missing: %v", ro, err)
	}
	m := newMachine(t)
	os.MkdirAll(filepath.Join(m.user, "overrides"), 0o755)
	if err := os.Symlink(ro, filepath.Join(m.user, "overrides", "org.example.Zzz")); err != nil {
		t.Fatal(err)
	}
	pol := m.policy(`{"format": "confine-policy", "version": 1, "overrides": {
	  "global": {"permissions": {"shared/network": "off"}},
	  "org.example.Aaa": "[Context]\nshared=network;\n",
	  "org.example.Zzz": "[Context]\nshared=!network;\n"}}`)
	if code := m.run("", "apply", pol); code != 1 {
		t.Fatalf("exit %d: %s", code, m.lastErrs)
	}
	if !strings.Contains(m.lastErrs, "already written: org.example.Aaa; the other files are unchanged") {
		t.Errorf("message: %q", m.lastErrs)
	}
	if !strings.Contains(m.file("user", "org.example.Aaa"), "shared=network") {
		t.Error("org.example.Aaa was not written")
	}
	if m.file("user", "global") != "" {
		t.Errorf("the global override was written before a failed app file: %q", m.file("user", "global"))
	}
}

// TestReadmePolicy applies the policy the README shows, so the documented
// example stays valid.
func TestReadmePolicy(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(testbin.Root(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "### The policy\n\n```json\n")
	if !ok {
		t.Fatal("README has no policy example under \"### The policy\"")
	}
	example, _, _ := strings.Cut(rest, "```")
	m := newMachine(t)
	m.install("org.mozilla.firefox", true, native)
	m.install("org.keepassxc.KeePassXC", true, "shared=ipc;\nsockets=wayland;fallback-x11;x11;\nfilesystems=home;\n")
	m.must(3, example, "apply", "--system", "-")
	m.must(0, example, "apply", "--system", "-")
}
