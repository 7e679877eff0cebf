package overrides

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Graphical is GLib's g_unichar_isgraph, the test Flatpak applies to every
// character of a path (flatpak_validate_path_characters): anything but a
// control, format, unassigned, surrogate or space-separator character.
// Unlike Go's unicode.IsGraphic it refuses U+00A0 and the other spaces but
// accepts private-use characters and U+2028/U+2029.
func Graphical(r rune) bool {
	if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Cs, unicode.Zs) {
		return false
	}
	// Go has no table of unassigned code points: a code point is assigned
	// when some other category holds it.
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Zl, unicode.Zp, unicode.Co)
}

// safeChar is what Flatpak prints as it is: a graphical character or a
// plain space.
func safeChar(r rune) bool { return r == ' ' || Graphical(r) }

// CheckPathChars applies Flatpak's rule for the characters of a path
// (filesystem locations, persistent paths): valid UTF-8, and every
// character graphical or a space. Flatpak refuses the whole file for a
// path that breaks it, so the app no longer starts.
func CheckPathChars(path string) error {
	for i, r := range path {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(path[i:]); size == 1 {
				return fmt.Errorf("Non-UTF8 byte \\x%02X in path %s", path[i], Escape(path))
			}
		}
		if !safeChar(r) {
			return fmt.Errorf("Non-graphical character %s in path %s", HexEscape(r), Escape(path))
		}
	}
	return nil
}

// Escape makes text from outside Confine (an app's name, a variable's
// value, a path, a window title) safe to print on a terminal, the way
// Flatpak prints such text (flatpak_escape_string): a character that is
// not graphical, or a byte that is not UTF-8, becomes \xHH, \uHHHH or
// \UHHHHHHHH, a backslash becomes \\, and text that needed any of this is
// put in single quotes (a quote inside as \'). Text that needs nothing
// comes back unchanged.
func Escape(s string) string { return flatpakEscape(s, true) }

// flatpakEscape is flatpak_escape_string; quote false is its
// FLATPAK_ESCAPE_DO_NOT_QUOTE, with which `flatpak info` prints files.
func flatpakEscape(s string, quote bool) string {
	var b strings.Builder
	escaped := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "\\x%02X", s[i])
			escaped = true
		case !safeChar(r):
			b.WriteString(HexEscape(r))
			escaped = true
		case r == '\\' || r == '\'' && quote:
			b.WriteByte('\\')
			b.WriteRune(r)
			escaped = true
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	if !escaped || !quote {
		return b.String()
	}
	return "'" + b.String() + "'"
}

// HexEscape is Flatpak's spelling of one character it will not print.
func HexEscape(r rune) string {
	switch {
	case r <= 0xff:
		return fmt.Sprintf("\\x%02X", r)
	case r <= 0xffff:
		return fmt.Sprintf("\\u%04X", r)
	}
	return fmt.Sprintf("\\U%08X", r)
}
