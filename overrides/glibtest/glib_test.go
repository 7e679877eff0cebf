// Package glibtest checks the overrides package against GLib's own GKeyFile
// (through gotk4). It lives apart so that overrides stays free of cgo and
// its tests run without building GTK bindings.
package glibtest

import (
	"io"
	"log/slog"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/confine-app/confine/overrides"
	"github.com/diamondburned/gotk4/pkg/glib/v2"
)

// alphabet is biased towards the characters GKeyFile treats specially.
const alphabet = " \t\n\r\\;=[]#sntrqa:é!\x01"

func randomString(r *rand.Rand, max int) string {
	n := r.Intn(max + 1)
	var b strings.Builder
	runes := []rune(alphabet)
	for i := 0; i < n; i++ {
		b.WriteRune(runes[r.Intn(len(runes))])
	}
	return b.String()
}

func TestEscapeMatchesGLib(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for i := 0; i < 3000; i++ {
		s := randomString(r, 12)
		kf := glib.NewKeyFile()
		kf.SetString("G", "k", s)
		raw, err := kf.Value("G", "k")
		if err != nil {
			t.Fatal(err)
		}
		if got := overrides.EscapeString(s); got != raw {
			t.Fatalf("EscapeString(%q) = %q, GLib writes %q", s, got, raw)
		}
		items := []string{s, randomString(r, 6)}
		kf.SetStringList("G", "l", items)
		rawList, _ := kf.Value("G", "l")
		if got := overrides.EscapeList(items); got != rawList {
			t.Fatalf("EscapeList(%q) = %q, GLib writes %q", items, got, rawList)
		}
	}
}

func TestUnescapeMatchesGLib(t *testing.T) {
	r := rand.New(rand.NewSource(8))
	for i := 0; i < 3000; i++ {
		raw := strings.NewReplacer("\n", "", "\r", "").Replace(randomString(r, 12))
		raw = strings.TrimLeft(raw, " \t") // GKeyFile strips these before the value
		kf := glib.NewKeyFile()
		kf.SetValue("G", "k", raw)
		want, gerr := kf.String("G", "k")
		got, err := overrides.UnescapeString(raw)
		if (gerr == nil) != (err == nil) || err == nil && got != want {
			t.Fatalf("UnescapeString(%q) = %q, %v; GLib %q, %v", raw, got, err, want, gerr)
		}
		wantList, gerr := kf.StringList("G", "k")
		gotList, err := overrides.UnescapeList(raw)
		if len(wantList) == 0 {
			wantList = nil
		}
		if (gerr == nil) != (err == nil) || err == nil && !reflect.DeepEqual(gotList, wantList) {
			t.Fatalf("UnescapeList(%q) = %q, %v; GLib %q, %v", raw, gotList, err, wantList, gerr)
		}
	}
}

// TestParseMatchesGLib loads the test corpus and random line soups with both
// parsers: they must agree on whether the file loads and on every value.
func TestParseMatchesGLib(t *testing.T) {
	var inputs []string
	files, _ := filepath.Glob("../testdata/meaning/*")
	for _, p := range files {
		data, _ := os.ReadFile(p)
		inputs = append(inputs, string(data))
	}
	r := rand.New(rand.NewSource(9))
	good := []string{"[Context]", "[Environment]", " [G] ", "# c", "", "  ", "k=v", " k = v ", "k[de]=x", "a b=c", "k=\\s", "k=a;b;",
		"k==", "\tk=\t", "k =", "x:y=1", "k=\\q"}
	bad := []string{"[G]x", "[]", "k[d e]=x", "=x", "k", ";c", "[G\x01]", "x]=1", "[A]]", "[A[]", "k[=1"}
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		if r.Intn(5) > 0 {
			b.WriteString("[Context]\n")
		}
		for j := r.Intn(6); j >= 0; j-- {
			if r.Intn(12) == 0 {
				b.WriteString(bad[r.Intn(len(bad))])
			} else {
				b.WriteString(good[r.Intn(len(good))])
			}
			b.WriteString([]string{"\n", "\n", "\r\n"}[r.Intn(3)])
		}
		inputs = append(inputs, b.String())
	}
	loaded, rejected := 0, 0
	defer func() {
		// Both outcomes must be well represented or the test proves little.
		if loaded < 300 || rejected < 300 {
			t.Errorf("weak corpus: %d loaded, %d rejected", loaded, rejected)
		}
	}()
	for _, in := range inputs {
		kf := glib.NewKeyFile()
		gerr := kf.LoadFromData(in, uint(len(in)), glib.KeyFileKeepComments|glib.KeyFileKeepTranslations)
		ours, err := overrides.ParseKeyFile([]byte(in))
		if (gerr == nil) != (err == nil) {
			t.Fatalf("%q: GLib error %v, Confine error %v", in, gerr, err)
		}
		if err != nil {
			rejected++
			continue
		}
		loaded++
		_, groups := kf.Groups()
		if !reflect.DeepEqual(nonNil(ours.Groups()), nonNil(groups)) {
			t.Fatalf("%q: groups %q, GLib %q", in, ours.Groups(), groups)
		}
		for _, g := range groups {
			_, keys, _ := kf.Keys(g)
			if !sameSet(ours.Keys(g), keys) {
				t.Fatalf("%q [%s]: keys %q, GLib %q", in, g, ours.Keys(g), keys)
			}
			for _, k := range keys {
				want, _ := kf.Value(g, k)
				got, _ := ours.Value(g, k)
				if got != want {
					t.Fatalf("%q [%s] %s: %q, GLib %q", in, g, k, got, want)
				}
			}
		}
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// sameSet compares key lists as sets: GLib lists a key once per line that
// sets it, while its value is the last one either way.
func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, x := range a {
		m[x] |= 1
	}
	for _, x := range b {
		m[x] |= 2
	}
	for _, v := range m {
		if v != 3 {
			return false
		}
	}
	return true
}

func TestMain(m *testing.M) {
	// GLib 2.74 logs a warning about its own error handling for values with
	// several bad escapes; the results are still right, the noise is not
	// useful here.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}
