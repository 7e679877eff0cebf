package cli

import (
	"bytes"
	"fmt"
	"io"
	"unicode"
	"unicode/utf8"

	"github.com/confine-app/confine/overrides"
)

// Terminal safety. Much of what Confine prints was written by someone
// else: an app's name and variables (by its publisher), window titles (by
// any app), file names and override files (by whoever could write them).
// Printed raw, an escape sequence in such text clears the screen, sets the
// window title or worse (CVE-2023-28101 was this in Flatpak). Three layers:
//
//   - esc, for each such text where it is printed: Flatpak's own escaping
//     (overrides.Escape), so `confine show` prints an app's name the way
//     `flatpak info` would;
//   - table cells: what a field still holds that would break the table (a
//     tab, a new line) is escaped, and a cell is cut at maxCell characters;
//   - every byte written to standard output and standard error passes a
//     filter (termWriter) that escapes control characters and the
//     characters that reorder text (bidirectional overrides), whoever
//     forgot esc. JSON output escapes them as \u sequences instead
//     (jsonSafe), so it stays valid JSON with the same meaning.

// esc makes text from outside Confine safe to print (overrides.Escape).
func esc(s string) string { return overrides.Escape(s) }

// maxCell is the most characters a table cell shows: one very long value
// (a 1 MB variable) must not pad every row of the table to its width. The
// JSON output has every value whole.
const maxCell = 120

// cell is what a table shows of one field.
func cell(s string) string {
	var b bytes.Buffer
	for i, n := 0, 0; i < len(s); n++ {
		if n == maxCell {
			b.WriteString("…")
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "\\x%02X", s[i])
		case unsafeRune(r): // tabs and new lines too: they would break the table
			b.WriteString(overrides.HexEscape(r))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// unsafeRune is what the output filter never lets through: control
// characters (C0, DEL, C1; tab and new line are let through by the writer
// itself) and the bidirectional embeddings, overrides and isolates, which
// make a terminal show text in another order than it is.
func unsafeRune(r rune) bool {
	return unicode.Is(unicode.Cc, r) || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// termWriter passes text through, escaping what unsafeRune says and every
// byte that is not UTF-8 (some terminals read a lone 0x9b as the start of
// an escape sequence), but keeping new lines, tabs and CRLF line ends (an
// override file may have them). A character split between two writes is
// held back until the next one; Flush writes what is left.
type termWriter struct {
	w       io.Writer
	pending []byte
}

func newTermWriter(w io.Writer) *termWriter { return &termWriter{w: w} }

func (t *termWriter) Write(p []byte) (int, error) {
	buf := append(t.pending, p...)
	t.pending = nil
	out := make([]byte, 0, len(buf))
	for i := 0; i < len(buf); {
		c := buf[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\r' && i+1 == len(buf):
				// Maybe the first half of a CRLF.
				t.pending = []byte{c}
			case c == '\n', c == '\t', c == '\r' && buf[i+1] == '\n', c >= 0x20 && c != 0x7f:
				out = append(out, c)
			default:
				out = append(out, overrides.HexEscape(rune(c))...)
			}
			i++
			continue
		}
		if !utf8.FullRune(buf[i:]) {
			t.pending = append([]byte(nil), buf[i:]...)
			break
		}
		r, size := utf8.DecodeRune(buf[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, fmt.Sprintf("\\x%02X", c)...)
		case unsafeRune(r):
			out = append(out, overrides.HexEscape(r)...)
		default:
			out = append(out, buf[i:i+size]...)
		}
		i += size
	}
	if _, err := t.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what a write left unfinished (an incomplete character is
// not UTF-8: its bytes are escaped).
func (t *termWriter) Flush() error {
	if len(t.pending) == 0 {
		return nil
	}
	var out []byte
	for _, c := range t.pending {
		if c == '\r' {
			out = append(out, `\x0D`...)
		} else {
			out = append(out, fmt.Sprintf("\\x%02X", c)...)
		}
	}
	t.pending = nil
	_, err := t.w.Write(out)
	return err
}

// jsonSafe escapes, in encoding/json's output, the characters it leaves
// raw that termWriter would escape (DEL, C1 controls, bidirectional
// overrides), as JSON \u escapes: these characters can only be inside
// strings, so the document means the same.
func jsonSafe(data []byte) []byte {
	var out []byte
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		// A raw new line is the indentation's; in strings encoding/json
		// has escaped it already, with every other C0 control.
		if r != '\n' && unsafeRune(r) {
			if out == nil {
				out = append(make([]byte, 0, len(data)+16), data[:i]...)
			}
			out = append(out, fmt.Sprintf(`\u%04x`, r)...)
		} else if out != nil {
			out = append(out, data[i:i+size]...)
		}
		i += size
	}
	if out == nil {
		return data
	}
	return out
}
