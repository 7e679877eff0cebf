package integration

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/testbin"
)

// TestInstalledAppInEveryLanguage installs Confine with meson into a
// throw-away prefix, as a distribution package would (with the window's
// stack: here, or in its root), and starts the installed window in each
// language of po/LINGUAS on the demo installation. Read through AT-SPI, as a screen reader reads it, the
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
		cmd, err := testbin.GUICommand("meson", args...)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("meson %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	locale := realLocale(t)
	bin := filepath.Join(tmp, "confine")
	if err := testbin.HostLauncher(filepath.Join(prefix, "bin", "confine"), bin); err != nil {
		t.Fatal(err)
	}
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
				"XDG_DATA_DIRS="+filepath.Join(prefix, "share")+":/usr/share", "LANG="+locale, "LANGUAGE="+lang,
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

// realLocale is a UTF-8 locale other than C where the window runs (here,
// or in its root): glibc 2.41 (Debian 13) ignores LANGUAGE under
// C.UTF-8, as it does under C, where 2.36 (Debian 12) honoured it.
func realLocale(t *testing.T) string {
	t.Helper()
	cmd, err := testbin.GUICommand("locale", "-a")
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("locale -a: %v", err)
	}
	found := ""
	for _, l := range strings.Fields(string(out)) {
		if l == "en_US.utf8" {
			return "en_US.UTF-8"
		}
		if found == "" && strings.HasSuffix(l, ".utf8") && !strings.HasPrefix(l, "C.") {
			found = l
		}
	}
	if found == "" {
		testbin.Unavailable(t, "no UTF-8 locale but C.UTF-8 where the window runs, so LANGUAGE is ignored; install locales-all")
	}
	return found
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
