package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// The output filter, byte by byte: whatever the writes are cut into, what
// comes out is the same, and nothing a terminal acts on gets through.
func TestTermWriterWhateverTheWrites(t *testing.T) {
	in := "ok\tline\r\nEvil\x1b[2J\u009b31m\u202eé😀\rX\x7f\xff\n"
	want := "ok\tline\r\nEvil\\x1B[2J\\x9B31m\\u202Eé😀\\x0DX\\x7F\\xFF\n"
	for step := 1; step <= len(in); step++ {
		var out bytes.Buffer
		w := newTermWriter(&out)
		for i := 0; i < len(in); i += step {
			n, err := w.Write([]byte(in[i:min(i+step, len(in))]))
			if err != nil || n != min(step, len(in)-i) {
				t.Fatalf("step %d: %d, %v", step, n, err)
			}
		}
		w.Flush()
		if out.String() != want {
			t.Fatalf("writes of %d bytes: %q, want %q", step, out.String(), want)
		}
	}
	// An unfinished character or CR at the very end is escaped by Flush.
	var out bytes.Buffer
	w := newTermWriter(&out)
	w.Write([]byte("a\xe2\x82"))
	w.Flush()
	w.Write([]byte("b\r"))
	w.Flush()
	if out.String() != `a\xE2\x82b\x0D` {
		t.Fatalf("%q", out.String())
	}
}

func TestJSONSafeKeepsTheMeaning(t *testing.T) {
	v := map[string]string{"name": "Evil\x1b[2J\x7f\u0085\u009b\u202e\u2066ok\nnext"}
	raw, _ := json.MarshalIndent(v, "", "  ")
	safe := jsonSafe(raw)
	var back map[string]string
	if err := json.Unmarshal(safe, &back); err != nil || back["name"] != v["name"] {
		t.Fatalf("%s means %q (%v)", safe, back, err)
	}
	for _, bad := range []string{"\x7f", "\u0085", "\u009b", "\u202e", "\u2066"} {
		if strings.Contains(string(safe), bad) {
			t.Errorf("%q left raw in %s", bad, safe)
		}
	}
}

func TestCellIsOneLineAndBounded(t *testing.T) {
	if got := cell("a\tb\nc\x1b"); got != `a\x09b\x0Ac\x1B` {
		t.Errorf("%q", got)
	}
	long := strings.Repeat("é", 1000)
	if got := cell(long); len([]rune(got)) != maxCell+1 || !strings.HasSuffix(got, "…") {
		t.Errorf("%d runes", len([]rune(got)))
	}
	if got := cell("bad\xffbyte"); got != `bad\xFFbyte` {
		t.Errorf("%q", got)
	}
}
