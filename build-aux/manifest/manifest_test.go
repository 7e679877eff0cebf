// Package manifest checks the Flatpak manifest,
// build-aux/io.github.confine_app.Confine.yml: that its finish-args stay
// narrow and explained, that its Go module sources (build-aux/flatpak/
// go-modules.json) match go.mod, go.sum and the imports, and that its build
// really works without network (build-aux/flatpak/verify-offline).
//
// go.mod has no YAML library, so the manifest is read line by line; it is
// kept in block style for that (see its header).
package manifest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/confine-app/confine/internal/testbin"
)

const manifestPath = "build-aux/io.github.confine_app.Confine.yml"
const sourcesPath = "build-aux/flatpak/go-modules.json"

func readFile(t testing.TB, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testbin.Root(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

type finishArg struct {
	Value   string
	Comment string // the comment lines right above it, or a trailing comment
	Line    int
}

// parseFinishArgs reads the top-level block-style "finish-args:" list. A
// comment belongs to the item right below it (no blank line between).
// Anything it does not understand is an error, never skipped.
func parseFinishArgs(text string) ([]finishArg, error) {
	lines := strings.Split(text, "\n")
	start := -1
	for i, l := range lines {
		key, _, _ := strings.Cut(l, "#")
		key = strings.TrimRight(key, " ")
		if key == "finish-args:" {
			if start >= 0 {
				return nil, fmt.Errorf("line %d: second finish-args", i+1)
			}
			start = i
		} else if strings.HasPrefix(key, "finish-args:") {
			return nil, fmt.Errorf("line %d: finish-args must be a block list, one item per line", i+1)
		}
	}
	if start < 0 {
		return nil, fmt.Errorf("no top-level finish-args")
	}
	var args []finishArg
	var pending []string
	for i := start + 1; i < len(lines); i++ {
		l := lines[i]
		trimmed := strings.TrimSpace(l)
		switch {
		case trimmed == "":
			pending = nil
		case !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "#"):
			return args, nil // the next top-level key
		case strings.HasPrefix(trimmed, "#"):
			pending = append(pending, strings.TrimSpace(strings.TrimLeft(trimmed, "#")))
		case strings.HasPrefix(trimmed, "- "):
			value := strings.TrimSpace(trimmed[2:])
			comment := strings.Join(pending, " ")
			if v, c, ok := strings.Cut(value, " #"); ok {
				value = strings.TrimSpace(v)
				comment = strings.TrimSpace(comment + " " + strings.TrimSpace(c))
			}
			if len(value) >= 2 && (value[0] == '\'' || value[0] == '"') && value[len(value)-1] == value[0] {
				value = value[1 : len(value)-1]
			}
			if !strings.HasPrefix(value, "--") || strings.ContainsAny(value, " '\"") {
				return nil, fmt.Errorf("line %d: not a single finish-arg: %q", i+1, l)
			}
			args = append(args, finishArg{Value: value, Comment: comment, Line: i + 1})
			pending = nil
		default:
			return nil, fmt.Errorf("line %d: unexpected line in finish-args: %q", i+1, l)
		}
	}
	return args, nil
}

// forbidden says why an argument must not be in Confine's finish-args, or
// returns "".
func forbidden(arg string) string {
	exact := map[string]string{
		"--share=network":                      "Confine needs no network",
		"--socket=session-bus":                 "the whole session bus: name the services with --talk-name",
		"--socket=system-bus":                  "the whole system bus",
		"--socket=x11":                         "X11 even on Wayland sessions: use --socket=fallback-x11",
		"--device=all":                         "every device node",
		"--allow=devel":                        "ptrace and perf in the sandbox",
		"--talk-name=org.freedesktop.Flatpak":  "runs commands on the host (flatpak-spawn --host): no sandbox at all",
		"--talk-name=org.freedesktop.systemd1": "controls the host's services",
	}
	if why, ok := exact[arg]; ok {
		return why
	}
	if strings.HasPrefix(arg, "--system-talk-name=") || strings.HasPrefix(arg, "--socket=system-bus") {
		return "Confine needs nothing on the system bus"
	}
	if name, ok := strings.CutPrefix(arg, "--talk-name="); ok && strings.Contains(name, "*") {
		return "a wildcard bus name"
	}
	if fs, ok := strings.CutPrefix(arg, "--filesystem="); ok {
		for _, mode := range []string{":ro", ":rw", ":create"} {
			fs = strings.TrimSuffix(fs, mode)
		}
		fs = strings.TrimSuffix(fs, "/")
		switch fs {
		case "home", "~", "host", "host-os", "host-etc", "host-root", "", "/",
			"xdg-data", "xdg-config", "xdg-cache", "xdg-run", "xdg-data/flatpak", "~/.local/share", "~/.local/share/flatpak":
			return "far more than Confine reads or writes (see the manifest's comments)"
		}
	}
	return ""
}

func finishArgs(t *testing.T) []finishArg {
	t.Helper()
	args, err := parseFinishArgs(readFile(t, manifestPath))
	if err != nil {
		t.Fatalf("%s: %v", manifestPath, err)
	}
	return args
}

// freedesktopSDK is the freedesktop SDK branch each GNOME runtime the
// manifest may name is built on; SDK extensions (Go) come from that branch.
// GNOME 48 and later have what the window needs (GTK 4.18, libadwaita 1.7);
// only those Flathub still supports are listed.
var freedesktopSDK = map[string]string{"50": "25.08", "51": "26.08"}

// The manifest names a current GNOME runtime and its SDK, the Go SDK
// extension, and in a comment the extension's branch to install (which
// flatpak-builder takes from the SDK; the manifest cannot pin it).
func TestRuntimeCurrent(t *testing.T) {
	text := readFile(t, manifestPath)
	top := map[string]string{}
	for _, l := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && l != "" && l[0] != ' ' && l[0] != '#' {
			top[k] = strings.Trim(strings.TrimSpace(v), `'"`)
		}
	}
	if top["runtime"] != "org.gnome.Platform" || top["sdk"] != "org.gnome.Sdk" {
		t.Errorf("runtime %q, sdk %q: want org.gnome.Platform and org.gnome.Sdk", top["runtime"], top["sdk"])
	}
	branch, ok := freedesktopSDK[top["runtime-version"]]
	if !ok {
		t.Fatalf("runtime-version %q: want a GNOME runtime Flathub supports and the window builds on (%v)", top["runtime-version"], freedesktopSDK)
	}
	if !strings.Contains(text, "\nsdk-extensions:\n  - org.freedesktop.Sdk.Extension.golang\n") {
		t.Error("sdk-extensions must be the Go extension")
	}
	if want := "org.freedesktop.Sdk.Extension.golang//" + branch; !strings.Contains(text, want) {
		t.Errorf("GNOME %s is built on the freedesktop SDK %s: the manifest's comment should say to install %s", top["runtime-version"], branch, want)
	}
}

// (a) No broad permission.
func TestFinishArgsNarrow(t *testing.T) {
	args := finishArgs(t)
	seen := map[string]bool{}
	for _, a := range args {
		if why := forbidden(a.Value); why != "" {
			t.Errorf("%s:%d: %s is not allowed: %s", manifestPath, a.Line, a.Value, why)
		}
		if seen[a.Value] {
			t.Errorf("%s:%d: %s twice", manifestPath, a.Line, a.Value)
		}
		seen[a.Value] = true
	}
	// What Confine cannot work without; also proves the parser read the list.
	for _, need := range []string{
		"--socket=wayland",
		"--filesystem=xdg-data/flatpak/app:ro",
		"--filesystem=xdg-data/flatpak/overrides:create",
		"--filesystem=/var/lib/flatpak/app:ro",
		"--filesystem=/var/lib/flatpak/overrides:ro",
		"--talk-name=org.freedesktop.impl.portal.PermissionStore",
	} {
		if !seen[need] {
			t.Errorf("%s: finish-args lack %s (found %d args)", manifestPath, need, len(args))
		}
	}
}

// (b) Every finish-arg says why.
func TestFinishArgsExplained(t *testing.T) {
	for _, a := range finishArgs(t) {
		if len(strings.Fields(a.Comment)) < 4 {
			t.Errorf("%s:%d: %s needs a comment right above it saying why Confine needs it (got %q)",
				manifestPath, a.Line, a.Value, a.Comment)
		}
	}
}

// The checks above must catch what they are meant to catch.
func TestFinishArgsCheckerCatches(t *testing.T) {
	text := `app-id: x
finish-args:
  # Display: Wayland is GTK's first choice.
  - --socket=wayland

  - --filesystem=home:ro
  # The user's override files, read and written.
  - '--filesystem=~/'  # trailing
  - --talk-name=org.freedesktop.Flatpak # runs things on the host
  - --filesystem=host-etc:ro
  - --share=network
  - --socket=session-bus
  - --device=all
  - --filesystem=host
  - --filesystem=host-os
  - --socket=system-bus
modules: []
`
	args, err := parseFinishArgs(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(args) != 11 {
		t.Fatalf("parsed %d args, want 11: %+v", len(args), args)
	}
	for _, a := range args[1:] {
		if forbidden(a.Value) == "" {
			t.Errorf("%s not flagged", a.Value)
		}
	}
	if forbidden(args[0].Value) != "" {
		t.Errorf("%s flagged", args[0].Value)
	}
	if args[1].Comment != "" {
		t.Errorf("a blank line must separate a comment from the next item: %+v", args[1])
	}
	if args[2].Value != "--filesystem=~/" || args[2].Comment != "The user's override files, read and written. trailing" {
		t.Errorf("quoted value with both comments: %+v", args[2])
	}
	for _, bad := range []string{
		"finish-args: [--share=network]\n",
		"finish-args:\n  - --share=ipc --share=network\n",
		"finish-args:\n  foo: bar\n",
		"app-id: x\n",
	} {
		if _, err := parseFinishArgs(bad); err == nil {
			t.Errorf("no error for %q", bad)
		}
	}
}

func run(t testing.TB, dir string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), err
}

// manifestEnv is the build-options env as verify-offline reads it.
func manifestEnv(t *testing.T) map[string]string {
	t.Helper()
	out, err := run(t, testbin.Root(t), []string{"GOFLAGS="}, "go", "run", "build-aux/flatpak/gosources.go", "manifest-env", manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
	}
	return env
}

// The build-options env must keep the Go build offline and checked.
func TestBuildEnvOffline(t *testing.T) {
	env := manifestEnv(t)
	const build = "/run/build/confine/"
	text := readFile(t, manifestPath)
	if !strings.Contains(text, "\n  - name: confine\n") {
		t.Errorf("the module must be named confine: the env's paths are in %s", build)
	}
	if !strings.Contains(text, "\n      - flatpak/go-modules.json\n") {
		t.Errorf("the module's sources must include flatpak/go-modules.json")
	}
	want := map[string]func(string) bool{
		"GOPROXY":     func(v string) bool { return strings.HasPrefix(v, "file://"+build) && !strings.ContainsAny(v, ",|") },
		"GOFLAGS":     func(v string) bool { return strings.Contains(" "+v+" ", " -mod=readonly ") },
		"GOTOOLCHAIN": func(v string) bool { return v == "local" },
		"CGO_ENABLED": func(v string) bool { return v == "1" },
		"GOCACHE":     func(v string) bool { return strings.HasPrefix(v, build) },
		"GOMODCACHE":  func(v string) bool { return strings.HasPrefix(v, build) },
		"GOPATH":      func(v string) bool { return strings.HasPrefix(v, build) },
	}
	for k, ok := range want {
		if v, set := env[k]; !set || !ok(v) {
			t.Errorf("build-options env %s=%q: want it set so that modules come only from %s.flatpak-go", k, v, build)
		}
	}
	// Nothing may exempt a module from go.sum checking.
	if env["GOSUMDB"] == "off" {
		t.Error("GOSUMDB=off: a module missing from go.sum would be trusted")
	}
	for _, k := range []string{"GONOSUMDB", "GONOSUMCHECK", "GONOSUMCHECKS", "GOPRIVATE", "GONOPROXY", "GOINSECURE", "GOVCS"} {
		if _, set := env[k]; set {
			t.Errorf("build-options env sets %s", k)
		}
	}
	for _, f := range strings.Fields(env["GOFLAGS"]) {
		if f == "-mod=mod" || f == "-insecure" {
			t.Errorf("GOFLAGS has %s", f)
		}
	}
}

// (c) go-modules.json is what build-aux/gen-go-sources makes now.
func TestGoModulesInSync(t *testing.T) {
	want, err := run(t, testbin.Root(t), []string{"GEN_GO_SOURCES_STDOUT=1"}, "bash", "build-aux/gen-go-sources")
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, sourcesPath); got != want {
		t.Errorf("%s is out of date with go.mod, go.sum or the imports of ./cmd/confine: run build-aux/gen-go-sources\n(diff: %s)",
			sourcesPath, firstDiff(got, want))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d is %q, the generator makes %q", i+1, x, y)
		}
	}
	return "none"
}

type source struct {
	Type         string `json:"type"`
	URL          string `json:"url"`
	SHA256       string `json:"sha256"`
	Dest         string `json:"dest"`
	DestFilename string `json:"dest-filename"`
}

func sources(t *testing.T) []source {
	t.Helper()
	var s []source
	if err := json.Unmarshal([]byte(readFile(t, sourcesPath)), &s); err != nil {
		t.Fatalf("%s: %v", sourcesPath, err)
	}
	return s
}

// escape is the module proxy's case encoding (upper-case letter -> '!' and
// the letter in lower case).
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// (d, static half) Every module the build compiles has its zip, every go.mod
// hash in go.sum its .mod, and each file the local module cache holds has
// the listed sha256: what verify-offline proves by building, checked here
// without a build.
func TestGoModulesCoverBuild(t *testing.T) {
	top := testbin.Root(t)
	byURL := map[string]source{}
	for _, s := range sources(t) {
		if s.Type != "file" || !strings.HasPrefix(s.URL, "https://proxy.golang.org/") || len(s.SHA256) != 64 {
			t.Errorf("%s: bad source %+v", sourcesPath, s)
		}
		if rel := strings.TrimPrefix(s.URL, "https://proxy.golang.org/"); s.Dest+"/"+s.DestFilename != ".flatpak-go/proxy/"+rel {
			t.Errorf("%s: %s is not placed at .flatpak-go/proxy/%s", sourcesPath, s.URL, rel)
		}
		byURL[s.URL] = s
	}
	need := map[string]bool{}
	for _, arch := range []string{"amd64", "arm64"} {
		out, err := run(t, top, []string{"GOFLAGS=", "GOOS=linux", "GOARCH=" + arch, "CGO_ENABLED=1"}, "go", "list", "-deps",
			"-f", "{{with .Module}}{{if not .Main}}{{.Path}}@{{.Version}}{{end}}{{end}}", "./cmd/confine")
		if err != nil {
			t.Fatal(err)
		}
		for _, mv := range strings.Fields(out) {
			need[mv+".zip"] = true
		}
	}
	for _, line := range strings.Split(readFile(t, "go.sum"), "\n") {
		if f := strings.Fields(line); len(f) == 3 && strings.HasSuffix(f[1], "/go.mod") {
			need[f[0]+"@"+strings.TrimSuffix(f[1], "/go.mod")+".mod"] = true
		}
	}
	cacheOut, err := run(t, top, []string{"GOFLAGS="}, "go", "env", "GOMODCACHE")
	if err != nil {
		t.Fatal(err)
	}
	download := filepath.Join(strings.TrimSpace(cacheOut), "cache", "download")
	for file := range need {
		mv, ext := file[:len(file)-4], file[len(file)-4:]
		path, version, _ := strings.Cut(mv, "@")
		rel := escape(path) + "/@v/" + escape(version) + ext
		s, ok := byURL["https://proxy.golang.org/"+rel]
		if !ok {
			t.Errorf("%s lacks %s (%s): run build-aux/gen-go-sources", sourcesPath, rel, file)
			continue
		}
		data, err := os.ReadFile(filepath.Join(download, filepath.FromSlash(rel)))
		if err != nil {
			t.Logf("%s not in the local module cache; not compared", rel)
			continue
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != s.SHA256 {
			t.Errorf("%s: sha256 %s in %s, %s in the local module cache", rel, s.SHA256, sourcesPath, got)
		}
	}
}

// prerequisites of verify-offline: skipped loudly outside CI, a failure in
// CI (as internal/fptest does).
func needTools(t *testing.T) {
	t.Helper()
	missing := func(what string) { testbin.Unavailable(t, what+" is missing; build-aux/dev deps installs it") }
	for _, tool := range []string{"bash", "git", "meson", "ninja", "msgfmt", "pkg-config"} {
		testbin.Need(t, tool)
	}
	if r, err := testbin.GUIRoot(); err != nil {
		t.Fatal(err)
	} else if r != "" {
		return // verify-offline builds in that root, which has them
	}
	if err := exec.Command("pkg-config", "--exists", "gtk4", "libadwaita-1").Run(); err != nil {
		missing("GTK 4 / libadwaita development files")
	}
}

// verifyOffline runs build-aux/flatpak/verify-offline, stopping a minute
// before the test's deadline.
func verifyOffline(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx := context.Background()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-time.Minute))
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, "bash", append([]string{"build-aux/flatpak/verify-offline"}, args...)...)
	cmd.Dir = testbin.Root(t)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// (d) The manifest's module builds offline from exactly the listed files.
func TestOfflineBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Confine as the Flatpak manifest does; not with -short")
	}
	needTools(t)

	t.Run("missing module fails", func(t *testing.T) {
		var trimmed []source
		dropped := ""
		for _, s := range sources(t) {
			if strings.Contains(s.URL, "/diamondburned/gotk4/pkg/@v/") && strings.HasSuffix(s.URL, ".zip") {
				dropped = s.URL
				continue
			}
			trimmed = append(trimmed, s)
		}
		if dropped == "" {
			t.Fatalf("%s has no gotk4 zip", sourcesPath)
		}
		data, err := json.MarshalIndent(trimmed, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		list := filepath.Join(t.TempDir(), "go-modules.json")
		if err := os.WriteFile(list, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := verifyOffline(t, "--sources", list)
		if err == nil {
			t.Fatalf("verify-offline succeeded without %s:\n%s", dropped, tail(out, 20))
		}
		if !strings.Contains(out, "github.com/diamondburned/gotk4/pkg@") || !strings.Contains(out, "FAILED") {
			t.Fatalf("verify-offline failed, but not for the missing gotk4 zip:\n%s", tail(out, 20))
		}
	})
	t.Run("complete list builds", func(t *testing.T) {
		// The trimpath build of the GTK bindings takes about ten minutes
		// when the build cache does not have it yet; do not start it when
		// the test binary's -timeout would cut it off. (Confine's own
		// packages take seconds: only dependencies count.)
		// In the build cache verify-offline uses: the window's root's
		// where the window is built in one.
		list, err := testbin.GUICommand("go", "list", "-trimpath", "-deps",
			"-f", `{{if and .Stale .Module}}{{if not .Module.Main}}{{.ImportPath}}{{end}}{{end}}`,
			"./cmd/confine")
		if err != nil {
			t.Fatal(err)
		}
		list.Env = append(os.Environ(), "GOFLAGS=")
		staleOut, err := list.Output()
		if err != nil {
			t.Fatalf("go list: %v", err)
		}
		stale := string(staleOut)
		if n := len(strings.Fields(stale)); n > 0 {
			if d, ok := t.Deadline(); ok && time.Until(d) < 25*time.Minute {
				t.Skipf("SKIPPED LOUDLY: %d dependency packages of ./cmd/confine (the GTK bindings) are not in the build cache for a "+
					"-trimpath build and only %s are left before -timeout: run build-aux/flatpak/verify-offline "+
					"(or build-aux/dev build) once, or go test -timeout 40m", n, time.Until(d).Round(time.Second))
			}
		}

		start := time.Now()
		out, err := verifyOffline(t)
		if err != nil {
			t.Fatalf("build-aux/flatpak/verify-offline: %v\n%s", err, tail(out, 40))
		}
		if !strings.Contains(out, "verify-offline: OK") {
			t.Fatalf("no OK line:\n%s", tail(out, 40))
		}
		t.Logf("verify-offline took %s:\n%s", time.Since(start).Round(time.Second), tail(out, 8))
	})
}
