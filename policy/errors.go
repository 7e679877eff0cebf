package policy

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/confine-app/confine/overrides"
)

// Error is a refused policy, with every problem found in it; nothing was
// written. As errors.Join does, it says each problem on a line of its own
// and unwraps to them, so errors.As finds each *Problem.
type Error struct {
	Problems []*Problem
}

// Problem is one thing wrong with a policy: which policy, where in it
// (`org.example.App: permissions: "sockets/x12"`; empty for the policy as
// a whole) and what is wrong.
type Problem struct {
	Policy, Where, Msg string
}

func (p *Problem) Error() string {
	if p.Where == "" {
		return p.Policy + ": " + p.Msg
	}
	return p.Policy + ": " + p.Where + ": " + p.Msg
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap gives every problem.
func (e *Error) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p
	}
	return out
}

// problems collects a policy's problems as they are found.
type problems struct {
	policy string
	list   []*Problem
}

func (ps *problems) add(where, format string, a ...any) {
	msg := safe(fmt.Sprintf(format, a...))
	if len(msg) > maxMessage {
		end := 0
		for i := range msg {
			if i > maxMessage {
				break
			}
			end = i
		}
		msg = msg[:end] + "…"
	}
	ps.list = append(ps.list, &Problem{Policy: ps.policy, Where: safe(where), Msg: msg})
}

// err is the problems found as an *Error, nil when there are none.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &Error{Problems: ps.list}
}

// What a message quotes of a policy is short and terminal-safe, whatever
// the policy holds: a key of 20,000 characters, a value nested 10,000
// deep or an escape sequence must not be repeated into a terminal, a log
// or Ansible's output. Every key and value is quoted through quote,
// label or excerpt, and a message that quotes one through a check of
// another package is shortened (shorten).

// maxExcerpt is the most characters of one key or value a message quotes.
const maxExcerpt = 60

// maxMessage bounds a problem's message, as a last resort.
const maxMessage = 1024

// cut is the first maxExcerpt characters of s, and whether that is all.
func cut(s string) (string, bool) {
	n := 0
	for i := range s {
		if n == maxExcerpt {
			return s[:i], false
		}
		n++
	}
	return s, true
}

// quote is a key or a string of the policy as a message quotes it: Go's
// quoting (every control character, format character and byte that is
// not UTF-8 escaped), cut after maxExcerpt characters with its length.
func quote(s string) string {
	c, whole := cut(s)
	if whole {
		return strconv.Quote(s)
	}
	return strconv.Quote(c) + fmt.Sprintf("… (%d bytes)", len(s))
}

// label is a name that messages give bare (an app ID, a section): as it
// is when it is short and plain, else quoted.
func label(s string) string {
	if _, whole := cut(s); whole && s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return r == utf8.RuneError || r == '"' || r == '\\' || !strconv.IsGraphic(r) || unicode.IsSpace(r)
	}) {
		return s
	}
	return quote(s)
}

// excerpt is a raw JSON value as a message shows it: its first
// maxExcerpt characters, with what a terminal would act on escaped.
func excerpt(raw []byte) string {
	s := strings.TrimSpace(string(raw))
	c, whole := cut(s)
	var b strings.Builder
	for i := 0; i < len(c); {
		r, size := utf8.DecodeRuneInString(c[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, c[i])
		case r == ' ' || strconv.IsGraphic(r) && !unsafeRune(r):
			b.WriteString(c[i : i+size])
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	if !whole {
		fmt.Fprintf(&b, "… (%d bytes)", len(s))
	}
	return b.String()
}

// shorten is a message of another package's check about keys of the
// policy, with each long key, or one with characters to escape, in any of
// the ways such messages quote it (%q, Flatpak's escaping, as it is), in
// its place as quote gives it.
func shorten(msg string, keys ...string) string {
	for _, k := range keys {
		if _, whole := cut(k); whole && strconv.Quote(k) == `"`+k+`"` {
			continue
		}
		q := quote(k)
		for _, form := range []string{strconv.Quote(k), overrides.Escape(k), k} {
			msg = strings.ReplaceAll(msg, form, q)
		}
	}
	return msg
}

// safe escapes in a message what a terminal would act on (control and
// format characters, bytes that are not UTF-8), whatever the check that
// wrote it quoted.
func safe(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func unsafeRune(r rune) bool { return unicode.In(r, unicode.Cc, unicode.Cf) }
