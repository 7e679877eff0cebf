// Package ansible runs the Ansible collection in contrib/ansible with
// Debian's ansible-playbook against real Flatpak installations: hosts on
// this machine (local connection, each with its own installations) and one
// reached over real SSH on 127.0.0.1, served by Debian's sshd.
package ansible

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/confine-app/confine/internal/fptest"
	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/overrides"
)

var confineBin string

func TestMain(m *testing.M) { testbin.MainCLI(m, &confineBin) }

// The apps of the example policy, built as tiny test apps with the
// permissions such apps declare.
var fleetApps = map[string][]string{
	"org.mozilla.firefox": {"--share=network", "--share=ipc", "--socket=wayland", "--socket=fallback-x11", "--socket=pulseaudio",
		"--device=all", "--filesystem=home", "--talk-name=org.freedesktop.secrets"},
	"org.libreoffice.LibreOffice": {"--share=network", "--share=ipc", "--socket=wayland", "--socket=fallback-x11", "--filesystem=host",
		"--talk-name=org.freedesktop.secrets"},
	"org.videolan.VLC": {"--share=network", "--share=ipc", "--socket=x11", "--socket=pulseaudio", "--device=all", "--filesystem=xdg-music:ro"},
	"org.keepassxc.KeePassXC": {"--share=ipc", "--socket=wayland", "--socket=fallback-x11", "--device=dri", "--filesystem=home",
		"--own-name=org.freedesktop.secrets"},
}

// want is what `flatpak info --show-permissions` must show once the
// example policy is in force, written from the policy's intent: the global
// revocations, harden (X11 and IPC off for Wayland-native apps), and each
// app's exceptions. One line per granted entry, sorted.
var want = map[string][]string{
	"org.mozilla.firefox": {"devices dri", "filesystems xdg-download rw", "shared network",
		"sockets fallback-x11", "sockets pulseaudio", "sockets wayland"},
	"org.libreoffice.LibreOffice": {"filesystems xdg-documents rw", "sockets fallback-x11", "sockets wayland"},
	// Not Wayland-native: harden leaves X11 and IPC.
	"org.videolan.VLC": {"devices dri", "filesystems xdg-music ro", "filesystems xdg-videos ro", "shared ipc",
		"sockets pulseaudio", "sockets x11"},
	"org.keepassxc.KeePassXC": {"devices dri", "filesystems xdg-documents/Passwords rw", "session-bus org.freedesktop.secrets own",
		"sockets fallback-x11", "sockets wayland"},
}

type host struct {
	name   string
	ssh    bool
	system bool // scope: the system overrides, apps installed system-wide
	apps   []string
	inst   *fptest.Installation
	env    map[string]string
	bin    string
}

func (h *host) scope() string {
	if h.system {
		return "system"
	}
	return "user"
}

// overridesDir is where the host's policy is written.
func (h *host) overridesDir() string {
	if h.system {
		return filepath.Join(h.inst.System, "overrides")
	}
	return filepath.Join(h.inst.User, "overrides")
}

// snapshot holds every override file of every host.
func snapshot(t *testing.T, hosts []*host) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, h := range hosts {
		for _, dir := range []string{filepath.Join(h.inst.System, "overrides"), filepath.Join(h.inst.User, "overrides")} {
			filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					data, _ := os.ReadFile(p)
					out[p] = string(data)
				}
				return nil
			})
		}
	}
	return out
}

func TestFleetPlaybook(t *testing.T) {
	playbook := testbin.Need(t, "ansible-playbook")
	galaxy := testbin.Need(t, "ansible-galaxy")
	testbin.Need(t, "/usr/bin/python3")
	start := time.Now()
	top := testbin.Root(t)
	tmp := t.TempDir()
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	root := os.Geteuid() == 0
	if !root {
		// System overrides need root; without it every host uses its
		// user's overrides, the rest of the test is the same.
		t.Logf("NOTE: not root: the system-scope hosts use user scope")
	}

	hosts := []*host{
		{name: "alpha", system: root, apps: slices.Sorted(maps.Keys(fleetApps))},
		{name: "beta", system: false, apps: []string{"org.mozilla.firefox", "org.videolan.VLC"}},
		{name: "gamma", ssh: true, system: root, apps: []string{"org.keepassxc.KeePassXC", "org.libreoffice.LibreOffice", "org.mozilla.firefox"}},
	}
	for _, h := range hosts {
		h.inst = fptest.NewWithHome(t)
		for _, id := range h.apps {
			h.inst.Install(fptest.App{ID: id, Finish: fleetApps[id]}, h.system)
		}
		h.env = h.inst.Vars()
		// The binary's folder exists, as /usr/local/bin does.
		h.bin = filepath.Join(h.inst.Root, "bin", "confine")
		os.MkdirAll(filepath.Dir(h.bin), 0o755)
	}
	t.Logf("installations of %d hosts built in %s", len(hosts), time.Since(start).Round(100*time.Millisecond))

	sshPort, keyFile, knownHosts := startSSHD(t, tmp, me.Username)

	// Ansible keeps everything under the test's folder: its home, temp
	// folders, the collection.
	home := filepath.Join(tmp, "home")
	cfg := filepath.Join(tmp, "ansible.cfg")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`[defaults]
local_tmp = %[1]s/ansible-local
remote_tmp = %[1]s/ansible-remote
retry_files_enabled = False
nocolor = True
forks = 5
interpreter_python = /usr/bin/python3
host_key_checking = True
[ssh_connection]
pipelining = True
ssh_args = -F /dev/null -o ControlMaster=no -o UserKnownHostsFile=%[2]s -o StrictHostKeyChecking=yes -o BatchMode=yes
`, tmp, knownHosts)), 0o644)
	env := append(os.Environ(), "HOME="+home, "ANSIBLE_CONFIG="+cfg, "ANSIBLE_COLLECTIONS_PATH="+filepath.Join(tmp, "collections"),
		"ANSIBLE_FORCE_COLOR=0", "LC_ALL=C.UTF-8")
	install := exec.Command(galaxy, "collection", "install", filepath.Join(top, "contrib", "ansible"), "-p", filepath.Join(tmp, "collections"))
	install.Env = env
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("ansible-galaxy collection install: %v\n%s", err, out)
	}

	inv := map[string]any{}
	group := map[string]any{}
	for _, h := range hosts {
		vars := map[string]any{"ansible_python_interpreter": "/usr/bin/python3", "ansible_become": false,
			"confine_bin_dest": h.bin, "confine_scope": h.scope(), "confine_environment": h.env}
		if h.ssh {
			vars["ansible_connection"] = "ssh"
			vars["ansible_host"] = "127.0.0.1"
			vars["ansible_port"] = sshPort
			vars["ansible_user"] = me.Username
			vars["ansible_ssh_private_key_file"] = keyFile
		} else {
			vars["ansible_connection"] = "local"
		}
		group[h.name] = vars
	}
	inv["desktops"] = map[string]any{"hosts": group}
	invFile := filepath.Join(tmp, "inventory.json")
	data, _ := json.Marshal(inv)
	os.WriteFile(invFile, data, 0o644)

	play := filepath.Join(top, "contrib", "ansible", "examples", "fleet.yml")
	runPlay := func(what string, extra ...string) (string, map[string]recap, int) {
		t.Helper()
		args := append([]string{"-i", invFile, play, "-e", "confine_binary_src=" + confineBin}, extra...)
		cmd := exec.Command(playbook, args...)
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		t0 := time.Now()
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		rc := parseRecap(out.String())
		t.Logf("%s: ansible-playbook %s: exit %d in %s\n%s", what, strings.Join(extra, " "), code, time.Since(t0).Round(10*time.Millisecond), recapText(out.String()))
		if len(rc) != len(hosts) {
			t.Fatalf("%s: no recap for every host:\n%s", what, out.String())
		}
		return out.String(), rc, code
	}

	// First run: installs confine and applies the policy everywhere.
	out, rc, code := runPlay("first run")
	if code != 0 {
		t.Fatalf("first run failed:\n%s", out)
	}
	for _, h := range hosts {
		if r := rc[h.name]; r.changed != 2 || r.failed != 0 || r.unreachable != 0 {
			t.Errorf("first run, %s: %+v, want changed=2 (binary and policy)", h.name, r)
		}
	}
	// Apps named by the policy but not installed on a host are warned
	// about, and their overrides written.
	if !strings.Contains(out, "org.libreoffice.LibreOffice: not installed") {
		t.Errorf("no warning about an app missing on beta:\n%s", out)
	}

	// Second run: nothing to do.
	out, rc, code = runPlay("second run")
	if code != 0 {
		t.Fatalf("second run failed:\n%s", out)
	}
	for _, h := range hosts {
		if r := rc[h.name]; r.changed != 0 || r.failed != 0 {
			t.Errorf("second run, %s: %+v, want changed=0", h.name, r)
		}
	}

	// The policy is in force: flatpak itself says so.
	checkInForce := func(when string) {
		t.Helper()
		for _, h := range hosts {
			for _, id := range h.apps {
				info, err := h.inst.Run("--"+h.scope(), "info", "--show-permissions", id)
				if err != nil {
					t.Fatal(err)
				}
				if got := granted(t, info); !slices.Equal(got, want[id]) {
					t.Errorf("%s, %s, %s: flatpak info shows\n%s\nwant\n%s\nfrom\n%s", when, h.name, id,
						strings.Join(got, "\n"), strings.Join(want[id], "\n"), info)
				}
			}
		}
	}
	checkInForce("after the first run")

	// Someone grants X11 to the browser by hand on every host. Check
	// mode with diffs shows it and writes nothing.
	for _, h := range hosts {
		if _, err := h.inst.Run("override", "--"+h.scope(), "--socket=x11", "org.mozilla.firefox"); err != nil {
			t.Fatal(err)
		}
	}
	before := snapshot(t, hosts)
	out, rc, code = runPlay("check mode", "--check", "--diff")
	if code != 0 {
		t.Fatalf("check run failed:\n%s", out)
	}
	if !maps.Equal(before, snapshot(t, hosts)) {
		t.Error("--check wrote override files")
	}
	if i := strings.Index(out, "TASK [confine.flatpak.policy : Apply"); i >= 0 {
		t.Logf("check mode's diffs:\n%s", out[i:strings.LastIndex(out, "PLAY RECAP")])
	}
	for _, h := range hosts {
		if r := rc[h.name]; r.changed != 1 || r.failed != 0 {
			t.Errorf("check run, %s: %+v, want changed=1 (the policy would change)", h.name, r)
		}
		p := filepath.Join(h.overridesDir(), "org.mozilla.firefox")
		if !strings.Contains(out, "--- before: "+p+"\n+++ after: "+p+"\n") {
			t.Errorf("check run, %s: no diff of %s in\n%s", h.name, p, out)
		}
	}
	if !regexp.MustCompile(`(?m)^-sockets=x11;`).MatchString(out) || !regexp.MustCompile(`(?m)^\+sockets=!x11;`).MatchString(out) {
		t.Errorf("the diff does not show x11 revoked again:\n%s", out)
	}

	// A real run puts the policy back; the next one has nothing to do.
	out, rc, code = runPlay("third run")
	for _, h := range hosts {
		if r := rc[h.name]; code != 0 || r.changed != 1 {
			t.Errorf("third run, %s: %+v (exit %d)", h.name, r, code)
		}
	}
	checkInForce("after the drift was corrected")
	_, rc, _ = runPlay("fourth run")
	for _, h := range hosts {
		if r := rc[h.name]; r.changed != 0 {
			t.Errorf("fourth run, %s: %+v, want changed=0", h.name, r)
		}
	}

	// A bad policy fails the play on every host with Confine's message
	// and leaves every file as it was.
	bad := filepath.Join(tmp, "bad.json")
	os.WriteFile(bad, []byte(`{"confine_policy": {"format": "confine-policy", "version": 1, "overrides": {
	  "global": {"permissions": {"shared/network": "off"}},
	  "org.mozilla.firefox": {"permissions": {"sockets/x12": "off"}}}}}`), 0o644)
	before = snapshot(t, hosts)
	out, rc, code = runPlay("bad policy", "-e", "@"+bad)
	if code == 0 {
		t.Errorf("a bad policy did not fail the play:\n%s", out)
	}
	for _, h := range hosts {
		if r := rc[h.name]; r.failed != 1 {
			t.Errorf("bad policy, %s: %+v, want failed=1", h.name, r)
		}
	}
	if n := strings.Count(out, `"msg": "standard input: org.mozilla.firefox: permissions: \"sockets/x12\": unknown permission`); n != len(hosts) {
		t.Errorf("Confine's message appears %d times, want once per host:\n%s", n, out)
	}
	if !maps.Equal(before, snapshot(t, hosts)) {
		t.Error("a refused policy changed override files")
	}
	checkInForce("after the bad policy")
	t.Logf("total: %s", time.Since(start).Round(100*time.Millisecond))
}

// granted reads `flatpak info --show-permissions` into sorted lines, one
// per granted entry ("sockets wayland", "filesystems home rw").
func granted(t *testing.T, info string) []string {
	t.Helper()
	f, err := overrides.Parse([]byte(info))
	if err != nil {
		t.Fatalf("%v: %q", err, info)
	}
	c, _ := f.Context(overrides.Flatpak114)
	var out []string
	for _, key := range overrides.FixedKeys {
		for n, p := range c.Fixed[key] {
			if p.Allowed {
				out = append(out, key+" "+n)
			}
		}
	}
	for loc, m := range c.Filesystems {
		if m != overrides.ModeNone && loc != overrides.ResetLocation {
			out = append(out, "filesystems "+loc+" "+m.String())
		}
	}
	for n, p := range c.SessionBus {
		if p != overrides.PolicyNone {
			out = append(out, "session-bus "+n+" "+p.String())
		}
	}
	slices.Sort(out)
	return out
}

type recap struct{ ok, changed, unreachable, failed int }

var recapLine = regexp.MustCompile(`(?m)^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)`)

func parseRecap(out string) map[string]recap {
	i := strings.LastIndex(out, "PLAY RECAP")
	if i < 0 {
		return nil
	}
	res := map[string]recap{}
	for _, m := range recapLine.FindAllStringSubmatch(out[i:], -1) {
		n := func(k int) int { v, _ := strconv.Atoi(m[k]); return v }
		res[m[1]] = recap{n(2), n(3), n(4), n(5)}
	}
	return res
}

func recapText(out string) string {
	if i := strings.LastIndex(out, "PLAY RECAP"); i >= 0 {
		return strings.TrimSpace(out[i:])
	}
	return out
}

// startSSHD runs Debian's sshd in the foreground on a free port of
// 127.0.0.1 with a throw-away host key, accepting one throw-away user key
// for this user (root: by key only). It is stopped by its process ID when
// the test ends. It returns the port, the user's private key and a
// known_hosts file naming the host key.
func startSSHD(t *testing.T, tmp, username string) (port int, key, knownHosts string) {
	t.Helper()
	sshd := testbin.Need(t, "/usr/sbin/sshd")
	keygen := testbin.Need(t, "ssh-keygen")
	testbin.Need(t, "ssh")
	dir := filepath.Join(tmp, "sshd")
	os.MkdirAll(dir, 0o700)
	hostKey, key := filepath.Join(dir, "host_ed25519"), filepath.Join(dir, "user_ed25519")
	for _, k := range []string{hostKey, key} {
		if out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "confine-test", "-f", k).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v %s", err, out)
		}
	}
	pub, _ := os.ReadFile(key + ".pub")
	authorized := filepath.Join(dir, "authorized_keys")
	os.WriteFile(authorized, pub, 0o600)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	hostPub, _ := os.ReadFile(hostKey + ".pub")
	fields := strings.Fields(string(hostPub))
	knownHosts = filepath.Join(dir, "known_hosts")
	os.WriteFile(knownHosts, []byte(fmt.Sprintf("[127.0.0.1]:%d %s %s\n", port, fields[0], fields[1])), 0o600)

	cfg := filepath.Join(dir, "sshd_config")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
PidFile none
AuthorizedKeysFile %s
AllowUsers %s
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
# The keys live in a temporary folder.
StrictModes no
UsePAM no
PrintMotd no
Subsystem sftp internal-sftp
`, port, hostKey, authorized, username)), 0o600)

	if os.Geteuid() == 0 {
		// sshd running as root needs its privilege separation folder,
		// which Debian creates when the service starts. It is left in
		// place: another sshd (another run of this test, in another
		// checkout) may be using it, and removing it under that sshd
		// makes it drop connections ("Missing privilege separation
		// directory").
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command(sshd, "-t", "-f", cfg).CombinedOutput(); err != nil {
		t.Fatalf("sshd -t: %v %s", err, out)
	}
	var log syncBuffer
	cmd := exec.Command(sshd, "-D", "-e", "-f", cfg)
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			t.Logf("sshd log:\n%s", log.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			// sshd greets first: wait for its banner.
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "SSH-2.0-") {
				break
			}
		}
		select {
		case <-exited:
			t.Fatalf("sshd exited:\n%s", log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd did not answer on port %d:\n%s", port, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return port, key, knownHosts
}

// syncBuffer collects a child's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
