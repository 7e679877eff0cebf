//go:build ignore

// gosources keeps the Flatpak build's Go dependencies offline.
//
// flatpak-builder gives builds no network, so every Go module the build
// needs is listed in build-aux/flatpak/go-modules.json as a flatpak-builder
// "file" source: the module's go.mod and zip, downloaded from
// proxy.golang.org and pinned by sha256, placed in a GOPROXY file tree
// (.flatpak-go/proxy/<escaped path>/@v/<version>.{mod,zip}) inside the
// build directory. The manifest's build-options env then points the go
// command at that tree only (GOPROXY=file://…, GOFLAGS=-mod=readonly), so
// meson's `go build` fills a module cache in the build directory from it,
// checking every file against go.sum, and cannot reach anything else.
//
// Usage (from the repository root; build-aux/gen-go-sources and
// build-aux/flatpak/verify-offline wrap it):
//
//	go run build-aux/flatpak/gosources.go generate [-o FILE]
//	    print (or write) the source list for the current go.mod, go.sum
//	    and imports
//	go run build-aux/flatpak/gosources.go stage ROOT [SOURCES]
//	    do what flatpak-builder does with SOURCES (default
//	    build-aux/flatpak/go-modules.json) into the directory ROOT, taking
//	    each URL's bytes from the local module cache instead of the network
//	    and checking its sha256
//	go run build-aux/flatpak/gosources.go manifest-env MANIFEST
//	    print the manifest's build-options env as KEY=VALUE lines
//
// Which files: the zip of every module that provides a package
// ./cmd/confine imports on linux/amd64 or linux/arm64 (the architectures
// Flatpak apps are built for), and the go.mod of every module go.sum has a
// go.mod hash for (the module graph needs them; extra ones cost a few
// bytes).
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// ProxyURL is where flatpak-builder downloads module files from.
const ProxyURL = "https://proxy.golang.org/"

// ProxyDir is the GOPROXY file tree inside the build directory; the
// manifest's GOPROXY points at it.
const ProxyDir = ".flatpak-go/proxy"

// Source is one flatpak-builder source of type "file".
type Source struct {
	Type         string `json:"type"`
	URL          string `json:"url"`
	SHA256       string `json:"sha256"`
	Dest         string `json:"dest"`
	DestFilename string `json:"dest-filename"`
}

type modVersion struct{ Path, Version string }

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "generate":
		fs := flag.NewFlagSet("generate", flag.ExitOnError)
		out := fs.String("o", "", "write to this file instead of standard output")
		fs.Parse(os.Args[2:])
		err = generate(*out)
	case "manifest-env":
		if len(os.Args) != 3 {
			usage()
		}
		err = manifestEnv(os.Args[2])
	case "stage":
		if len(os.Args) < 3 || len(os.Args) > 4 {
			usage()
		}
		sources := filepath.Join("build-aux", "flatpak", "go-modules.json")
		if len(os.Args) == 4 {
			sources = os.Args[3]
		}
		err = stage(os.Args[2], sources)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gosources:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: go run build-aux/flatpak/gosources.go generate [-o FILE]\n"+
		"       go run build-aux/flatpak/gosources.go stage ROOT [SOURCES]\n"+
		"       go run build-aux/flatpak/gosources.go manifest-env MANIFEST")
	os.Exit(2)
}

// goCmd runs the go command with GOFLAGS cleared (the caller's flags, such
// as -mod=mod, must not change what is listed or fetched) and returns its
// standard output.
func goCmd(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

func generate(out string) error {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return fmt.Errorf("run from the repository root: %v", err)
	}
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		return err
	}

	zips, err := buildModules(root)
	if err != nil {
		return err
	}
	mods, err := goModHashes(gosum)
	if err != nil {
		return err
	}

	cache, err := goCmd(root, "env", "GOMODCACHE")
	if err != nil {
		return err
	}
	download := filepath.Join(strings.TrimSpace(string(cache)), "cache", "download")

	type want struct {
		mv  modVersion
		ext string
	}
	var wants []want
	for _, mv := range mods {
		wants = append(wants, want{mv, "mod"})
	}
	for _, mv := range zips {
		wants = append(wants, want{mv, "zip"})
	}
	sort.Slice(wants, func(i, j int) bool {
		a, b := wants[i], wants[j]
		if a.mv != b.mv {
			if a.mv.Path != b.mv.Path {
				return a.mv.Path < b.mv.Path
			}
			return a.mv.Version < b.mv.Version
		}
		return a.ext < b.ext
	})

	var sources []Source
	for _, w := range wants {
		ep, err := escape(w.mv.Path)
		if err != nil {
			return err
		}
		ev, err := escape(w.mv.Version)
		if err != nil {
			return err
		}
		rel := ep + "/@v/" + ev + "." + w.ext
		file := filepath.Join(download, filepath.FromSlash(rel))
		if _, err := os.Stat(file); err != nil {
			// Not in the local module cache yet: let the go command fetch
			// it the ordinary way (it checks go.sum).
			if _, err := goCmd(root, "mod", "download", w.mv.Path+"@"+w.mv.Version); err != nil {
				return err
			}
		}
		sum, err := sha256File(file)
		if err != nil {
			return err
		}
		sources = append(sources, Source{
			Type:         "file",
			URL:          ProxyURL + rel,
			SHA256:       sum,
			Dest:         ProxyDir + "/" + ep + "/@v",
			DestFilename: ev + "." + w.ext,
		})
	}

	data, err := json.MarshalIndent(sources, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if out == "" {
		_, err = os.Stdout.Write(data)
		return err
	}
	return os.WriteFile(out, data, 0o644)
}

// Arches are the GOARCH values of the architectures Flatpak builds for
// (x86_64, aarch64): an import that only one of them compiles still needs
// its module.
var Arches = []string{"amd64", "arm64"}

// buildModules returns the modules that provide the packages ./cmd/confine
// imports, for every architecture in Arches.
func buildModules(root string) ([]modVersion, error) {
	seen := map[modVersion]bool{}
	var mods []modVersion
	for _, arch := range Arches {
		cmd := exec.Command("go", "list", "-deps",
			"-f", "{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}}{{with .Replace}} => {{.Path}}{{end}}{{end}}{{end}}",
			"./cmd/confine")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOFLAGS=", "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go list -deps ./cmd/confine (GOARCH=%s): %v\n%s", arch, err, stderr.String())
		}
		for _, line := range strings.Split(string(out), "\n") {
			if line == "" {
				continue
			}
			fields := strings.Fields(line)
			if len(fields) != 2 {
				return nil, fmt.Errorf("module %q: replace directives are not supported by the Flatpak source list", line)
			}
			mv := modVersion{fields[0], fields[1]}
			if !seen[mv] {
				seen[mv] = true
				mods = append(mods, mv)
			}
		}
	}
	return mods, nil
}

// goModHashes returns the modules go.sum has a go.mod hash for.
func goModHashes(gosum []byte) ([]modVersion, error) {
	var mods []modVersion
	for i, line := range strings.Split(string(gosum), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 3 {
			return nil, fmt.Errorf("go.sum:%d: malformed line %q", i+1, line)
		}
		if v, ok := strings.CutSuffix(fields[1], "/go.mod"); ok {
			mods = append(mods, modVersion{fields[0], v})
		}
	}
	return mods, nil
}

// escape is golang.org/x/mod/module.EscapePath's rule (which
// EscapeVersion shares): an upper-case letter becomes '!' and the letter
// in lower case, because module proxies may live on case-insensitive file
// systems.
func escape(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '!' || r >= 0x80 || r < 0x20 || r == ' ':
			return "", fmt.Errorf("unsupported character %q in module path or version %q", r, s)
		case 'A' <= r && r <= 'Z':
			b.WriteByte('!')
			b.WriteRune(r + ('a' - 'A'))
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

// unescape undoes escape.
func unescape(s string) (string, error) {
	var b strings.Builder
	bang := false
	for _, r := range s {
		switch {
		case bang && 'a' <= r && r <= 'z':
			b.WriteRune(r - ('a' - 'A'))
			bang = false
		case bang || 'A' <= r && r <= 'Z':
			return "", fmt.Errorf("invalid escaped module path or version %q", s)
		case r == '!':
			bang = true
		default:
			b.WriteRune(r)
		}
	}
	if bang {
		return "", fmt.Errorf("invalid escaped module path or version %q", s)
	}
	return b.String(), nil
}

// parseProxyPath splits "<escaped path>/@v/<escaped version>.<ext>".
func parseProxyPath(rel string) (modVersion, error) {
	ep, file, ok := strings.Cut(rel, "/@v/")
	ext := path.Ext(file)
	if !ok || (ext != ".mod" && ext != ".zip") {
		return modVersion{}, fmt.Errorf("not a module proxy .mod or .zip path: %q", rel)
	}
	p, err := unescape(ep)
	if err != nil {
		return modVersion{}, err
	}
	v, err := unescape(strings.TrimSuffix(file, ext))
	if err != nil {
		return modVersion{}, err
	}
	return modVersion{p, v}, nil
}

func sha256File(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// stage places every source of the list under root the way flatpak-builder
// does (root/dest/dest-filename), reading each URL from the local module
// cache (GOMODCACHE/cache/download/<the URL's path>) and refusing any file
// whose sha256 differs from the list's.
func stage(root, sourcesFile string) error {
	data, err := os.ReadFile(sourcesFile)
	if err != nil {
		return err
	}
	var sources []Source
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sources); err != nil {
		return fmt.Errorf("%s: %v", sourcesFile, err)
	}
	cache, err := goCmd(".", "env", "GOMODCACHE")
	if err != nil {
		return err
	}
	download := filepath.Join(strings.TrimSpace(string(cache)), "cache", "download")
	for _, s := range sources {
		if s.Type != "file" {
			return fmt.Errorf("%s: source type %q: only \"file\" is supported", sourcesFile, s.Type)
		}
		rel, ok := strings.CutPrefix(s.URL, ProxyURL)
		if !ok || rel != path.Clean(rel) || strings.HasPrefix(rel, "../") {
			return fmt.Errorf("%s: URL %q is not a %s file", sourcesFile, s.URL, ProxyURL)
		}
		dest := path.Join(s.Dest, s.DestFilename)
		if dest != path.Clean(dest) || strings.HasPrefix(dest, "../") || path.IsAbs(dest) {
			return fmt.Errorf("%s: destination %q leaves the build directory", sourcesFile, dest)
		}
		local := filepath.Join(download, filepath.FromSlash(rel))
		if _, err := os.Stat(local); err != nil {
			// Like flatpak-builder's download phase, this one may use the
			// network: the go command fetches the module and checks it
			// against go.sum. Only the build that follows is offline.
			mv, perr := parseProxyPath(rel)
			if perr != nil {
				return fmt.Errorf("%s: %v", s.URL, perr)
			}
			if _, err := goCmd(".", "mod", "download", mv.Path+"@"+mv.Version); err != nil {
				return err
			}
		}
		content, err := os.ReadFile(local)
		if err != nil {
			return fmt.Errorf("%s is not in the local module cache: %v", s.URL, err)
		}
		sum := sha256.Sum256(content)
		if got := hex.EncodeToString(sum[:]); got != s.SHA256 {
			return fmt.Errorf("%s: sha256 is %s in the local module cache, the list says %s", s.URL, got, s.SHA256)
		}
		target := filepath.Join(root, filepath.FromSlash(dest))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(target, content, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "gosources: staged %d files from %s\n", len(sources), sourcesFile)
	return nil
}

// manifestEnv prints the build-options env of a manifest written in block
// style (as build-aux/io.github.confine_app.Confine.yml is: "build-options:"
// at the top level, "env:" under it, one "KEY: value" per line under that).
// Anything else inside that block is an error rather than a guess.
func manifestEnv(manifest string) error {
	data, err := os.ReadFile(manifest)
	if err != nil {
		return err
	}
	indent := func(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
	var inOptions, inEnv bool
	envIndent := -1
	found := 0
	for i, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.Contains(line, "\t") {
			return fmt.Errorf("%s:%d: tab in indentation", manifest, i+1)
		}
		switch {
		case indent(line) == 0:
			inOptions = trimmed == "build-options:"
			inEnv = false
		case inOptions && !inEnv && trimmed == "env:":
			inEnv, envIndent = true, indent(line)
		case inEnv && indent(line) <= envIndent:
			inEnv = false
		case inEnv:
			key, value, ok := strings.Cut(trimmed, ":")
			if !ok || strings.ContainsAny(key, " \"'") {
				return fmt.Errorf("%s:%d: not a KEY: value line: %q", manifest, i+1, line)
			}
			value = strings.TrimSpace(value)
			if len(value) >= 2 && (value[0] == '\'' || value[0] == '"') && value[len(value)-1] == value[0] {
				value = value[1 : len(value)-1]
			} else if strings.ContainsAny(value, "#'\"{}[]") || value == "" {
				return fmt.Errorf("%s:%d: quote this value: %q", manifest, i+1, line)
			}
			fmt.Printf("%s=%s\n", key, value)
			found++
		}
	}
	if found == 0 {
		return fmt.Errorf("%s: no build-options env found", manifest)
	}
	return nil
}
