package overrides

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// EscapeError is a value that GLib refuses to interpret.
type EscapeError struct {
	Value string
	Msg   string
}

func (e *EscapeError) Error() string { return fmt.Sprintf("%s in %q", e.Msg, clip(e.Value)) }

// UnescapeString decodes a GKeyFile string value: \s \n \t \r \\ are the only
// escapes; anything else after a backslash is an error, as in GLib.
func UnescapeString(raw string) (string, error) {
	s, _, err := unescape(raw, false)
	return s, err
}

// UnescapeList decodes a GKeyFile string list: items end at an unescaped ";",
// "\;" is a literal semicolon, and the final ";" is optional. An empty value
// is an empty list.
func UnescapeList(raw string) ([]string, error) {
	_, items, err := unescape(raw, true)
	return items, err
}

func unescape(raw string, list bool) (string, []string, error) {
	if !utf8.ValidString(raw) {
		return "", nil, &EscapeError{Value: raw, Msg: "value is not valid UTF-8"}
	}
	var b strings.Builder
	var items []string
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '\\':
			i++
			if i == len(raw) {
				return "", nil, &EscapeError{Value: raw, Msg: "escape character at end of line"}
			}
			switch raw[i] {
			case 's':
				b.WriteByte(' ')
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '\\':
				b.WriteByte('\\')
			case ';':
				if !list {
					return "", nil, &EscapeError{Value: raw, Msg: `invalid escape sequence "\;"`}
				}
				b.WriteByte(';')
			default:
				return "", nil, &EscapeError{Value: raw, Msg: fmt.Sprintf("invalid escape sequence %q", `\`+string(raw[i]))}
			}
		case c == ';' && list:
			items = append(items, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	if list && b.Len() > 0 {
		items = append(items, b.String())
	}
	return b.String(), items, nil
}

// EscapeString encodes a string the way g_key_file_set_string does: leading
// blanks and control characters are escaped so the value reads back the same.
func EscapeString(s string) string { return escape(s, false) }

// EscapeList encodes a list as g_key_file_set_string_list does: every item
// escaped, ";" inside items as "\;", each item followed by ";".
func EscapeList(items []string) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(escape(it, true))
		b.WriteByte(';')
	}
	return b.String()
}

func escape(s string, list bool) string {
	var b strings.Builder
	// GLib escapes blanks only while no other character was written; "\n"
	// and "\r" leave that state alone and an escaped separator starts a new
	// leading run.
	leading := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' && leading:
			b.WriteString(`\s`)
		case c == '\t' && leading:
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\\':
			b.WriteString(`\\`)
			leading = false
		case c == ';' && list:
			b.WriteString(`\;`)
			leading = true
		default:
			b.WriteByte(c)
			leading = false
		}
	}
	return b.String()
}
