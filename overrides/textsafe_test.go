package overrides

import (
	"fmt"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/fptest"
)

// pathRunes are characters on both sides of Flatpak's path rule
// (g_unichar_isgraph or a space), where Go's own categories differ from
// GLib's: spaces other than U+0020, format characters, private use, the
// line and paragraph separators, unassigned and non-characters.
var pathRunes = []rune{
	0x01, '\t', 0x1b, 0x7f, 0x85, 0x9b, 0xa0, 0xad, 0x378, 0x200b, 0x200e, 0x2028, 0x2029, 0x202e, 0x3000,
	0xe000, 0xfeff, 0xfffd, 0xfffe, 0x1f600, 0xe0001, 0xf0000, 0x10ffff, 'é', ' ', 'Я',
}

// TestPathCharsLikeFlatpak asks each release whether a persistent path and
// a filesystem location holding each character load, and checks that
// Confine's rule (CheckPathChars) says the same.
func TestPathCharsLikeFlatpak(t *testing.T) {
	fptest.ForEachOracle(t, func(t *testing.T, or fptest.Oracle) {
		o := newOracle(t, or)
		for _, r := range pathRunes {
			for _, tc := range []struct{ key, entry string }{
				{KeyPersistent, fmt.Sprintf(".local/a%cb", r)},
				{KeyFilesystems, fmt.Sprintf("~/a%cb:ro", r)},
			} {
				// The list is written with GLib's escapes (a tab as \t), so
				// the path flatpak checks holds the character itself.
				data := []byte("[Context]\n" + tc.key + "=" + EscapeList([]string{tc.entry}) + "\n")
				refused := o.meaning(data) == "REJECTED\n"
				err := CheckPathChars(tc.entry)
				if refused != (err != nil) {
					t.Errorf("%s with %U: flatpak %s refuses it: %v; Confine: %v", tc.key, r, or.Version, refused, err)
				}
				if got := confineMeaning(t, o.d, data); refused != (got == "REJECTED\n") {
					t.Errorf("%s with %U: flatpak %s refuses it: %v; Confine reads %q", tc.key, r, or.Version, refused, got)
				}
			}
		}
	})
}

// TestEscapeLikeFlatpakInfo installs an app whose variables hold hostile
// text and checks that Confine escapes each value as `flatpak info
// --show-permissions` prints it (flatpak_escape_string without quotes,
// over GLib's key-file escaping). Escape adds only the quotes.
func TestEscapeLikeFlatpakInfo(t *testing.T) {
	values := []string{
		"plain", "Evil\x1b[2J\x1b]0;PWNED\x07App", "tab\there", "back\\slash", "quote'd", "del\x7f", "c1\u0085\u009b",
		"nbsp\u00a0", "bidi\u202egnp.exe", "zw\u200bsp", "emoji😀", "private\ue000", "line\u2028sep", "é",
	}
	fptest.ForEachOracle(t, func(t *testing.T, or fptest.Oracle) {
		inst := fptest.New(t)
		inst.Oracle = or
		finish := []string{}
		for i, v := range values {
			finish = append(finish, fmt.Sprintf("--env=V%02d=%s", i, v))
		}
		inst.Install(fptest.App{ID: "org.confine.Escape", Finish: finish}, false)
		out := inst.Must("info", "--show-permissions", "org.confine.Escape")
		printed := map[string]string{}
		for _, l := range strings.Split(out, "\n") {
			if k, v, ok := strings.Cut(l, "="); ok && strings.HasPrefix(k, "V") {
				printed[k] = v
			}
		}
		for i, v := range values {
			k := fmt.Sprintf("V%02d", i)
			want, ok := printed[k]
			if !ok {
				t.Errorf("flatpak %s did not print %s:\n%s", or.Version, k, out)
				continue
			}
			if got := flatpakEscape(EscapeString(v), false); got != want {
				t.Errorf("%q: Confine escapes it as %q, flatpak %s prints %q", v, got, or.Version, want)
			}
		}
	})
}

// TestEscapeForTerminal pins the quoting flatpak_escape_string adds by default
// (common/flatpak-utils.c): only text that needed escaping is quoted, and
// a quote inside it is escaped.
func TestEscapeForTerminal(t *testing.T) {
	for in, want := range map[string]string{
		"Firefox":             "Firefox",
		"Tux's Game":          `'Tux\'s Game'`,
		"Evil\x1b[2JApp":      `'Evil\x1B[2JApp'`,
		"a\\b":                `'a\\b'`,
		"bad\xffbyte":         `'bad\xFFbyte'`,
		"rtl\u202eexe":        `'rtl\u202Eexe'`,
		"tag\U000E0001":       `'tag\U000E0001'`,
		"new\nline and space": `'new\x0Aline and space'`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %s, want %s", in, got, want)
		}
	}
}
