package policy_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/policy"
)

// TestErrorCarriesEveryProblem: a refused policy is one *Error holding
// each problem in file order, which errors.As and Unwrap reach; with one
// problem the message is that problem's line alone, as README quotes it.
func TestErrorCarriesEveryProblem(t *testing.T) {
	v := model.MustVersion("1.14.10")
	_, err := policy.Parse("fleet.json", []byte(`{"format": "confine-policy", "version": 1, "overrides": {
	  "org.mozilla.firefox": {"permissions": {"sockets/x12": "off"}}}}`), v)
	if got := err.Error(); !strings.HasPrefix(got, `fleet.json: org.mozilla.firefox: permissions: "sockets/x12": unknown permission; known: `) || strings.Contains(got, "\n") {
		t.Errorf("one problem: %q", got)
	}
	_, err = policy.Parse("fleet.json", []byte(`{"format": "confine-policy", "version": 1, "overrides": {
	  "global": {"lock": true, "folders": {"reset": 1}},
	  "org.mozilla.firefox": {"permissions": {"sockets/x12": "off"}}}}`), v)
	var pe *policy.Error
	if !errors.As(err, &pe) || len(pe.Problems) != 3 {
		t.Fatalf("%v: not an *Error with three problems", err)
	}
	for i, where := range []string{"global: lock", `global: folders: "reset"`, `org.mozilla.firefox: permissions: "sockets/x12"`} {
		if p := pe.Problems[i]; p.Policy != "fleet.json" || p.Where != where {
			t.Errorf("problem %d: %+v, want it at %s", i+1, p, where)
		}
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != 3 || lines[1] != pe.Problems[1].Error() {
		t.Errorf("message %q", err.Error())
	}
	var first *policy.Problem
	if !errors.As(err, &first) || first != pe.Problems[0] || len(pe.Unwrap()) != 3 {
		t.Errorf("errors.As finds %v", first)
	}
}

// terminalUnsafe says what in s a terminal would act on: a control
// character (but a new line), a bidirectional control, a byte that is not
// UTF-8.
func terminalUnsafe(s string) string {
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return fmt.Sprintf("byte %#x at %d", s[i], i)
			}
		case r == '\n':
		case unicode.IsControl(r), r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return fmt.Sprintf("%U at %d", r, i)
		}
	}
	return ""
}

// TestMessagesQuoteShortExcerpts (issue 24): a refused policy's message
// quotes at most a short, terminal-safe excerpt of what the policy holds:
// a value nested 9,990 deep repeated 20 KB of the input, a 20,000-character
// key came back whole (twice).
func TestMessagesQuoteShortExcerpts(t *testing.T) {
	v := model.MustVersion("1.14.10")
	big := strings.Repeat("A", 20000)
	deep := strings.Repeat("[", 9990) + strings.Repeat("]", 9990)
	evil := "\x1b[2J\x1b]0;PWNED\x07\u202e\u0085"
	entries := map[string]map[string]any{
		"permissions": {"x/" + big: "on", "shared/network": json.RawMessage(deep), "shared/ipc": evil},
		"folders":     {"~/" + big + "\x01": "ro", "xdg-foo" + big: "ro", "home": json.RawMessage(deep), "xdg-music": evil + big},
		"variables":   {big + "=": "1", "B": json.RawMessage(deep), "C" + evil: "1"},
		"session-bus": {"org." + big + "..": "talk", "org.a.B": json.RawMessage(deep), "org.a." + evil: "talk"},
	}
	for section, es := range entries {
		pol, err := json.Marshal(map[string]any{"format": "confine-policy", "version": 1, "overrides": map[string]any{
			"global": map[string]any{section: es}, "org.a." + big + "!": map[string]any{}, evil + big: map[string]any{}}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = policy.Parse("p.json", pol, v)
		var pe *policy.Error
		if !errors.As(err, &pe) || len(pe.Problems) < len(es)+2 {
			t.Fatalf("%s: %v: want a problem for each entry", section, err)
		}
		for _, p := range pe.Problems {
			line := p.Error()
			if why := terminalUnsafe(line); why != "" {
				t.Errorf("%s: not terminal-safe (%s): %q", section, why, line)
			}
			// An excerpt is 60 characters: never a run of 100 of the
			// input's, and the line short but for the list of known
			// permissions.
			if strings.Contains(line, big[:100]) || strings.Contains(line, deep[:100]) || len(line) > 800 {
				t.Errorf("%s: a %d-byte line quotes too much: %.300q", section, len(line), line)
			}
		}
	}
}

// TestInvalidTextRefused (issue 24): a string of a policy that is not
// UTF-8 text (a stray byte, half a surrogate pair) is refused, naming the
// entry, where JSON decoding would silently put U+FFFD in its place; the
// text U+FFFD itself, and a surrogate pair, are text.
func TestInvalidTextRefused(t *testing.T) {
	v := model.MustVersion("1.14.10")
	head := `{"format": "confine-policy", "version": 1, "overrides": {`
	// Go strings: "\xff" is the byte, "\\u" a JSON escape.
	for _, c := range []struct{ body, where, why string }{
		{"\"global\": {\"variables\": {\"A\": \"x\xff\"}}}}", `global: variables: "A"`, `byte \xff`},
		{"\"global\": {\"variables\": {\"A\xfe\": \"1\"}}}}", `global: variables`, `the key "A\xfe"`},
		{"\"global\": {\"folders\": {\"~/a\xc3\": \"ro\"}}}}", `global: folders`, `byte \xc3`},
		{"\"global\": {\"variables\": {\"A\": \"\\ud800\"}}}}", `global: variables: "A"`, `\ud800 is the first half`},
		{"\"global\": {\"variables\": {\"A\": \"\\udc00x\"}}}}", `global: variables: "A"`, `\udc00 is the second half`},
		{"\"global\": {\"variables\": {\"A\": \"\\ud800\\u0041\"}}}}", `global: variables: "A"`, `\ud800 is the first half`},
		{"\"org.a.B\": \"[Context]\\n# caf\xe9\\n\"}}", `org.a.B`, `overrides_base64`},
		{"\"org.a.B\": {\"session-bus\": {\"org.a.C\": \"talk\x80\"}}}}", `org.a.B: session-bus: "org.a.C"`, `byte \x80`},
	} {
		_, err := policy.Parse("p.json", []byte(head+c.body), v)
		var pe *policy.Error
		if !errors.As(err, &pe) || len(pe.Problems) != 1 {
			t.Errorf("%q: %v, want one problem", c.body, err)
			continue
		}
		if p := pe.Problems[0]; p.Where != c.where || !strings.Contains(p.Msg, "not UTF-8 text") || !strings.Contains(p.Msg, c.why) || terminalUnsafe(p.Error()) != "" {
			t.Errorf("%q: %q at %q", c.body, p.Msg, p.Where)
		}
	}
	for _, ok := range []string{`"global": {"variables": {"A": "\ufffd", "B": "\ud83d\ude00", "C": "\\ud800", "D": "` + "\uFFFD😀" + `"}}}}`} {
		if _, err := policy.Parse("p.json", []byte(head+ok), v); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

// TestCommentVariableWarns (issue 24): a variable named "#A" is written
// as `flatpak override --env=#A=1` writes it, a line GLib reads back as a
// comment, and the plan says so with a warning naming it, as the command
// line does.
func TestCommentVariableWarns(t *testing.T) {
	env, err := model.GenerateDemo(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	m := model.Load(env.With(map[string]string{"CONFINE_FLATPAK_VERSION": "1.14.10"}))
	pol, err := policy.Parse("p.json", []byte(`{"format": "confine-policy", "version": 1, "overrides": {
	  "global": {"variables": {"#A": "1", "B": "2", "#C": null}}}}`), m.Flatpak)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := pol.Plan(m, false)
	if err != nil {
		t.Fatal(err)
	}
	var warned []string
	for _, n := range plan.Notes {
		if n.Severity == "warning" && n.Target == "global" {
			warned = append(warned, n.Message)
		}
	}
	// "#C": null unsets it through unset-environment, which works: no
	// warning, as for --unset-env=#C.
	if len(warned) != 1 || !strings.Contains(warned[0], `variables: "#A"`) || !strings.Contains(warned[0], "read back as a comment") {
		t.Errorf("warnings %q", warned)
	}
	if len(plan.Files) != 1 || !strings.Contains(string(plan.Files[0].After), "\n#A=1\n") {
		t.Errorf("files %+v", plan.Files)
	}
}
