package overrides

import (
	"reflect"
	"strings"
	"testing"
)

func TestUnescapeString(t *testing.T) {
	tests := []struct{ raw, want, err string }{
		{`plain`, "plain", ""},
		{`\sled`, " led", ""},
		{`a\nb\tc\rd\\e`, "a\nb\tc\rd\\e", ""},
		{`mid dle `, "mid dle ", ""},
		{`a;b`, "a;b", ""},
		{`a\;b`, "", `invalid escape sequence "\;"`},
		{`a\q`, "", `invalid escape sequence "\\q"`},
		{`end\`, "", "escape character at end of line"},
		{"\xff", "", "not valid UTF-8"},
	}
	for _, tc := range tests {
		got, err := UnescapeString(tc.raw)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("UnescapeString(%q) error %v, want %q", tc.raw, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("UnescapeString(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
		}
	}
}

func TestUnescapeList(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
	}{
		{``, nil},
		{`;`, []string{""}},
		{`a`, []string{"a"}},
		{`a;`, []string{"a"}},
		{`a;b`, []string{"a", "b"}},
		{`a;;b;`, []string{"a", "", "b"}},
		{`a\;b;c`, []string{"a;b", "c"}},
		{`\sx;\\;`, []string{" x", `\`}},
		{`x\\;y`, []string{`x\`, "y"}},
	}
	for _, tc := range tests {
		got, err := UnescapeList(tc.raw)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("UnescapeList(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
		}
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, str, item string }{
		{"plain", "plain", "plain"},
		{"  two", `\s\stwo`, `\s\stwo`},
		{"in side", "in side", "in side"},
		{"\tx\ty", `\tx` + "\ty", `\tx` + "\ty"},
		{"a\nb", `a\nb`, `a\nb`},
		{"\n lead", `\n\slead`, `\n\slead`},
		{`back\slash`, `back\\slash`, `back\\slash`},
		{"a; b", "a; b", `a\;\sb`},
	}
	for _, tc := range tests {
		if got := EscapeString(tc.in); got != tc.str {
			t.Errorf("EscapeString(%q) = %q, want %q", tc.in, got, tc.str)
		}
		if got := EscapeList([]string{tc.in}); got != tc.item+";" {
			t.Errorf("EscapeList(%q) = %q, want %q", tc.in, got, tc.item+";")
		}
		back, err := UnescapeString(EscapeString(tc.in))
		if err != nil || back != tc.in {
			t.Errorf("string round trip of %q gave %q, %v", tc.in, back, err)
		}
		items, err := UnescapeList(EscapeList([]string{tc.in, "z"}))
		if err != nil || !reflect.DeepEqual(items, []string{tc.in, "z"}) {
			t.Errorf("list round trip of %q gave %q, %v", tc.in, items, err)
		}
	}
}
