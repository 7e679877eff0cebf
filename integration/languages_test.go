package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/testbin"
)

// TestInstalledAppInEveryLanguage installs Confine with meson into a
// throw-away prefix, as a distribution package would, and starts the
// installed window in each language of po/LINGUAS on the demo
// installation. Read through AT-SPI, as a screen reader reads it, the
// sidebar and the permission switches carry that language's words from its
// catalogue. CONFINE_SCREENSHOT_DIR=DIR keeps a screenshot per language.
func TestInstalledAppInEveryLanguage(t *testing.T) {
	needScreenReader(t, "meson", "ninja", "xwd", "convert")
	top := testbin.Root(t)
	tmp := t.TempDir()
	build, prefix := filepath.Join(tmp, "build"), filepath.Join(tmp, "prefix")
	for _, args := range [][]string{
		{"setup", build, "--prefix=" + prefix},
		{"install", "-C", build},
	} {
		cmd := exec.Command("meson", args...)
		cmd.Dir = top
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("meson %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	bin := filepath.Join(prefix, "bin", "confine")
	display, stop := startXvfbSized(t, "1100x760x24")
	defer stop()
	shots := os.Getenv("CONFINE_SCREENSHOT_DIR")
	langs, err := os.ReadFile(filepath.Join(top, "po", "LINGUAS"))
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range strings.Fields(regexp.MustCompile(`(?m)#.*$`).ReplaceAllString(string(langs), "")) {
		t.Run(lang, func(t *testing.T) {
			po, err := os.ReadFile(filepath.Join(top, "po", lang+".po"))
			if err != nil {
				t.Fatal(err)
			}
			network, all := msgstr(t, po, "Network"), msgstr(t, po, "All Applications")
			shot := "true"
			if shots != "" {
				shot = "xwd -root -silent | convert xwd:- " + strconv.Quote(filepath.Join(shots, "language-"+lang+".png"))
			}
			text := readWindow(t, display, strconv.Quote(bin)+" --demo --app net.waveline.Browser", "--labels", shot,
				"GSETTINGS_SCHEMA_DIR="+filepath.Join(prefix, "share", "glib-2.0", "schemas"),
				"XDG_DATA_DIRS="+filepath.Join(prefix, "share")+":/usr/share", "LANGUAGE="+lang,
				"CONFINE_FLATPAK_VERSION=1.14.10", "CONFINE_WINDOW_SIZE=1100x760")
			if !strings.Contains(text, network+", check box, on") {
				t.Errorf("no %q switch (Network) in %s; the screen reader reads:\n%s", network, lang, text)
			}
			if !strings.Contains(text, "label: "+all+"\n") {
				t.Errorf("no %q (All Applications) in the %s sidebar; the screen reader reads:\n%s", all, lang, text)
			}
		})
	}
}

// msgstr is a catalogue's translation of a one-line msgid.
func msgstr(t *testing.T, po []byte, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^msgid ` + regexp.QuoteMeta(strconv.Quote(id)) + `\nmsgstr (".*")$`).FindSubmatch(po)
	if m == nil {
		t.Fatalf("no translation of %q", id)
	}
	s, err := strconv.Unquote(string(m[1]))
	if err != nil || s == "" {
		t.Fatalf("translation of %q: %q %v", id, m[1], err)
	}
	return s
}
