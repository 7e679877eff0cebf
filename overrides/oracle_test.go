package overrides

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/fptest"
)

// These tests use the real flatpak CLI of every release Confine speaks as
// the oracle (Debian's 1.14.10, and 1.16.6 and 1.18.1 built by
// build-aux/oracles; CONFINE_TEST_FLATPAK picks them): whatever Confine
// writes must mean to that flatpak what flatpak itself writes for the same
// options, and whatever flatpak writes must load in Confine unchanged.

var oracleSeeds = flag.Int("oracle.seeds", 120, "random option sequences checked against each flatpak CLI")

const oracleApp = "org.confine.OracleApp"

// dialectOf is the dialect Confine speaks for an oracle.
func dialectOf(t testing.TB, o fptest.Oracle) *Dialect {
	for _, d := range Dialects {
		if d.Name == o.Name {
			return d
		}
	}
	t.Fatalf("no dialect for Flatpak %s", o.Name)
	return nil
}

// oracle is one throw-away Flatpak user installation with one flatpak.
type oracle struct {
	t   testing.TB
	bin string
	d   *Dialect
	dir string
}

func newOracle(t testing.TB, o fptest.Oracle) *oracle {
	return &oracle{t: t, bin: o.Bin, d: dialectOf(t, o), dir: t.TempDir()}
}

// errCrashed marks a flatpak that died of a signal.
var errCrashed = errors.New("flatpak crashed")

func (o *oracle) run(args ...string) (string, error) {
	cmd := exec.Command(o.bin, args...)
	cmd.Env = append(os.Environ(),
		"FLATPAK_USER_DIR="+filepath.Join(o.dir, "user"),
		"FLATPAK_SYSTEM_DIR="+filepath.Join(o.dir, "system"),
		"FLATPAK_CONFIG_DIR="+filepath.Join(o.dir, "etc"),
		"XDG_DATA_HOME="+filepath.Join(o.dir, "data"),
		"HOME="+o.dir, "LC_ALL=C.UTF-8")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && !ee.Exited() {
		return out.String(), fmt.Errorf("%w: flatpak %s: %v", errCrashed, strings.Join(args, " "), err)
	}
	if err != nil {
		return out.String(), fmt.Errorf("flatpak %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

func (o *oracle) store() *Store {
	return &Store{Dir: filepath.Join(o.dir, "user", "overrides")}
}

func (o *oracle) file() []byte {
	data, err := os.ReadFile(filepath.Join(o.dir, "user", "overrides", oracleApp))
	if err != nil && !os.IsNotExist(err) {
		o.t.Fatal(err)
	}
	return data
}

// meaning asks flatpak what data means: it loads the file into its context
// and writes it back (`flatpak override --user APP` with no option), which
// drops what it ignores and fails on what it refuses (or crashes on). The
// meaning is then Confine's reading of what flatpak wrote, or REJECTED or
// CRASHED.
func (o *oracle) meaning(data []byte) string {
	dir := filepath.Join(o.dir, "user", "overrides")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		o.t.Fatal(err)
	}
	p := filepath.Join(dir, oracleApp)
	keep := o.file()
	defer func() {
		if keep == nil {
			os.Remove(p)
		} else {
			os.WriteFile(p, keep, 0o644)
		}
	}()
	if err := os.WriteFile(p, data, 0o644); err != nil {
		o.t.Fatal(err)
	}
	if _, err := o.run("override", "--user", oracleApp); errors.Is(err, errCrashed) {
		return "CRASHED\n"
	} else if err != nil {
		return "REJECTED\n"
	}
	return confineMeaning(o.t, o.d, o.file())
}

// confineMeaning is Confine's reading of a file in dialect d.
func confineMeaning(t testing.TB, d *Dialect, data []byte) string {
	t.Helper()
	f, err := Parse(data)
	if err != nil {
		// GLib refuses the file as a whole.
		return "REJECTED\n"
	}
	c, probs := f.Context(d)
	if p := FatalProblem(probs); p != nil {
		if p.Crash {
			return "CRASHED\n"
		}
		return "REJECTED\n"
	}
	return c.Canonical()
}

// randomOp draws one option for release d: mostly valid, sometimes one the
// CLI rejects, and now and then an option only newer releases have.
func randomOp(r *rand.Rand, d *Dialect) Op {
	pick := func(s ...string) string { return s[r.Intn(len(s))] }
	newer := r.Intn(20) == 0 // an option or name this release may not have
	switch r.Intn(12) {
	case 0:
		return Op{pick("share", "unshare"), pick("network", "ipc", "network", "bogus")}
	case 1, 2:
		return Op{pick("socket", "nosocket"), pick("x11", "wayland", "fallback-x11", "pulseaudio", "session-bus", "system-bus", "ssh-auth", "pcsc", "cups", "gpg-agent", "fallback-x11", "x11", "inherit-wayland-socket")}
	case 3:
		return Op{pick("device", "nodevice"), pick("dri", "all", "kvm", "shm", "input", "usb", "bogus")}
	case 4:
		return Op{pick("allow", "disallow"), pick("devel", "multiarch", "bluetooth", "canbus", "per-app-dev-shm")}
	case 5, 6:
		loc := pick("home", "host", "host-os", "host-etc", "~", "~/", "~/Music", "~/a//b/./c/", "~/sp ace", `~/co\:lon`, "/opt/x", "/opt//y/./z/",
			"xdg-download", "xdg-download/Foo", "xdg-config/autostart", "xdg-run/pipewire-0", "xdg-data/flatpak", "xdg-documents/",
			"xdg-run", "foo", "/", "/a/../b", "~/a..b", "xdg-music/x/", "home/Games", "~/..")
		if d.Conditional || newer {
			loc = pick(loc, "host-root")
		}
		if r.Intn(12) == 0 {
			return Op{pick("nofilesystem", "filesystem"), pick("host:reset", "host-reset")}
		}
		if r.Intn(2) == 0 {
			return Op{"nofilesystem", loc + pick("", "", ":ro", ":bogus")}
		}
		return Op{"filesystem", loc + pick("", ":ro", ":rw", ":create", "", ":bogus", ":reset")}
	case 7:
		switch r.Intn(4) {
		case 0:
			return Op{"persist", pick(".mozilla", ".config/foo", "a;b", "Games/save")}
		case 1:
			return Op{"unset-env", pick("A", "B", "LD_PRELOAD")}
		default:
			return Op{"env", pick("A=1", "B=", "A=b;c", "C= lead", "D=x\\y", "LD_PRELOAD=/x.so", "=x", "NOEQ", "E=multi\nline")}
		}
	case 8:
		if d.USB || newer {
			switch r.Intn(4) {
			case 0:
				return Op{"a11y-own-name", pick("org.a11y.Foo", "org.kde.*", "bad")}
			case 1:
				return Op{"usb-list", pick("vnd:1234;!vnd:1234+dev:0001", "# comment\ncls:03:*\n!all", "bogus;vnd:ABCD", "")}
			default:
				return Op{pick("usb", "nousb"), pick("all", "vnd:091e", "vnd:091E+dev:0003", "cls:03:*", "cls:0e:01+vnd:1234", "dev:0003+vnd:091e", "vnd: 12a", "1234:5678", "cls:03", "all+vnd:1234", "dev:0001")}
			}
		}
		fallthrough
	case 9, 10:
		if d.Conditional || newer {
			flag := pick("share-if", "socket-if", "socket-if", "device-if", "device-if", "allow-if")
			name := map[string][]string{"share-if": {"network", "ipc"}, "socket-if": {"x11", "wayland", "pulseaudio", "fallback-x11", "cups"},
				"device-if": {"dri", "all", "input", "usb", "bogus"}, "allow-if": {"devel", "bluetooth"}}[flag]
			cond := pick("has-wayland", "!has-wayland", "true", "false", "!has-input-device", "has-usb-portal", "!has-usb-portal", "unknown-thing", "a:b")
			if r.Intn(15) == 0 {
				return Op{flag, name[r.Intn(len(name))]} // no condition: refused
			}
			return Op{flag, name[r.Intn(len(name))] + ":" + cond}
		}
		fallthrough
	default:
		flag := pick("talk-name", "no-talk-name", "own-name", "system-talk-name", "system-no-talk-name", "system-own-name")
		return Op{flag, pick("org.freedesktop.secrets", "org.freedesktop.Flatpak", "org.kde.*", "org.mpris.MediaPlayer2.Foo", "org.a-b.c", "bad", "org.*", ":1.2")}
	}
}

// TestOracleRandomOptionSequences applies the same random `flatpak override`
// invocations with flatpak in one installation and with Confine in another,
// and compares what the files mean after every invocation, for every
// release. The seeds are the same for each release.
func TestOracleRandomOptionSequences(t *testing.T) {
	fptest.ForEachOracle(t, func(t *testing.T, o fptest.Oracle) {
		for seed := 1; seed <= *oracleSeeds; seed++ {
			seed := seed
			t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
				t.Parallel()
				r := rand.New(rand.NewSource(int64(seed)))
				fp, cf := newOracle(t, o), newOracle(t, o)
				d := fp.d
				var history []string
				for inv := 0; inv < 1+r.Intn(4); inv++ {
					ops := make([]Op, 1+r.Intn(6))
					args := []string{"override", "--user"}
					for i := range ops {
						ops[i] = randomOp(r, d)
						args = append(args, ops[i].String())
					}
					history = append(history, strings.Join(args[2:], " "))
					_, fpErr := fp.run(append(args, oracleApp)...)
					_, _, cfErr := cf.store().Update(oracleApp, func(f *File) error { return f.ApplyOps(d, ops) })
					if (fpErr == nil) != (cfErr == nil) {
						t.Fatalf("after %q: flatpak error %v, Confine error %v", history, fpErr, cfErr)
					}
					want, got := fp.file(), cf.file()
					// Confine reads flatpak's file losslessly and as flatpak does.
					if want != nil {
						f, err := Parse(want)
						if err != nil {
							t.Fatalf("Confine cannot read flatpak's file %q: %v", want, err)
						}
						if !bytes.Equal(f.Bytes(), want) {
							t.Fatalf("round trip of flatpak's file changed it:\n%q\n%q", want, f.Bytes())
						}
					}
					wantMeaning := fp.meaning(want)
					if c := confineMeaning(t, d, want); c != wantMeaning {
						t.Fatalf("after %q Confine reads flatpak's file\n%s\nas\n%s\nbut flatpak means\n%s", history, want, c, wantMeaning)
					}
					gotMeaning := cf.meaning(got)
					if gotMeaning != wantMeaning {
						t.Fatalf("after %q\nflatpak wrote %q meaning\n%s\nConfine wrote %q meaning\n%s", history, want, wantMeaning, got, gotMeaning)
					}
					if c := confineMeaning(t, d, got); c != gotMeaning {
						t.Fatalf("Confine misreads its own file %q:\n%s\nflatpak:\n%s", got, c, gotMeaning)
					}
				}
			})
		}
	})
}

var update = flag.Bool("update", false, "rewrite testdata/meaning/*.want with what the real flatpak makes of each file")

// TestMeaningFiles checks Confine's reading of files people and other tools
// write by hand — unknown names, duplicates, odd spacing, escapes, newer
// syntax, entries a release refuses or crashes on — against the meaning
// stored beside each file (NAME.want, one section per Flatpak release).
// Confine's reading in each dialect is always checked against the stored
// meanings; the stored meanings come from the real flatpak (-update writes
// the sections of the oracles at hand), and each oracle at hand is checked
// against its section.
func TestMeaningFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/meaning/*.override")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files in testdata/meaning: %v", err)
	}
	var oracles []*oracle
	for _, o := range fptest.Oracles(t) {
		oracles = append(oracles, newOracle(t, o))
	}
	for _, p := range files {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			wantPath := strings.TrimSuffix(p, ".override") + ".want"
			sections, err := readWant(wantPath)
			if err != nil && !*update {
				t.Fatal(err)
			}
			for _, o := range oracles {
				fp := o.meaning(data)
				if *update {
					sections[o.d.Name] = fp
				} else if fp != sections[o.d.Name] {
					t.Errorf("flatpak %s now reads the file as\n%s\nbut %s says\n%s(run with -update if flatpak changed)", o.d.Name, fp, wantPath, sections[o.d.Name])
				}
			}
			if *update {
				if err := writeWant(wantPath, sections); err != nil {
					t.Fatal(err)
				}
			}
			for _, d := range Dialects {
				want, stored := sections[d.Name]
				if !stored {
					if d == Flatpak119 {
						continue // no 1.19 oracle here; its rules are 1.18's minus two bugs
					}
					t.Errorf("%s has no section %s", wantPath, d.Name)
					continue
				}
				if got := confineMeaning(t, d, data); got != want {
					t.Errorf("in %s Confine reads\n%s\nflatpak %s reads\n%s", d, got, d.Name, want)
				}
			}
			if f, err := Parse(data); err == nil && !bytes.Equal(f.Bytes(), data) {
				t.Fatalf("round trip changed the file")
			}
		})
	}
}

// A .want file holds one section per Flatpak release:
//
//	-- 1.14 --
//	shared: network
func readWant(p string) (map[string]string, error) {
	sections := map[string]string{}
	data, err := os.ReadFile(p)
	if err != nil {
		return sections, err
	}
	name := ""
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --\n") {
			name = strings.TrimSuffix(strings.TrimPrefix(l, "-- "), " --\n")
			sections[name] = ""
			continue
		}
		if name == "" {
			if strings.HasPrefix(l, "#") || l == "" {
				continue
			}
			return nil, fmt.Errorf("%s: text before the first section", p)
		}
		sections[name] += l
	}
	return sections, nil
}

func writeWant(p string, sections map[string]string) error {
	var b strings.Builder
	b.WriteString("# What Flatpak makes of " + strings.TrimSuffix(filepath.Base(p), ".want") + ".override, per release: the merged\n# meaning, sorted, or REJECTED / CRASHED. Written by\n# `CONFINE_TEST_FLATPAK=all go test ./overrides -run MeaningFiles -update`.\n")
	for _, name := range slices.Sorted(maps.Keys(sections)) {
		b.WriteString("-- " + name + " --\n" + sections[name])
	}
	return os.WriteFile(p, []byte(b.String()), 0o644)
}

// TestOracleShowReadsConfineFiles checks that `flatpak override --show`
// prints every file Confine writes, as GLib re-serialises it, with the same
// meaning, for every release.
func TestOracleShowReadsConfineFiles(t *testing.T) {
	fptest.ForEachOracle(t, func(t *testing.T, or fptest.Oracle) {
		o := newOracle(t, or)
		ops := []Op{{"socket", "wayland"}, {"nosocket", "x11"}, {"filesystem", "~/Music:ro"}, {"nofilesystem", "host:reset"},
			{"filesystem", `~/a\:b:create`}, {"env", "A= x;y"}, {"unset-env", "LD_PRELOAD"}, {"talk-name", "org.kde.*"}, {"system-own-name", "org.a.b"}, {"persist", "a;b"}}
		if o.d.USB {
			ops = append(ops, Op{"usb", "vnd:091E+dev:0003"}, Op{"nousb", "cls:03:*"}, Op{"device", "input"})
		}
		if o.d.Conditional {
			ops = append(ops, Op{"socket-if", "x11:!has-wayland"}, Op{"device-if", "all:!has-input-device"}, Op{"filesystem", "host-root:ro"})
		}
		_, _, err := o.store().Update(oracleApp, func(f *File) error {
			for _, op := range ops {
				if err := f.ApplyOps(o.d, []Op{op}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := o.run("override", "--user", "--show", oracleApp)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := confineMeaning(t, o.d, []byte(out)), confineMeaning(t, o.d, o.file()); got != want {
			t.Fatalf("--show printed\n%s\nmeaning\n%s\nbut the file means\n%s", out, got, want)
		}
		if m := o.meaning(o.file()); m != confineMeaning(t, o.d, o.file()) {
			t.Fatalf("flatpak reads Confine's file\n%s\nas\n%s\nConfine as\n%s", o.file(), m, confineMeaning(t, o.d, o.file()))
		}
	})
}
