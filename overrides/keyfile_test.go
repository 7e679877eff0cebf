package overrides

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRoundTripIsByteIdentical(t *testing.T) {
	files, _ := filepath.Glob("testdata/meaning/*")
	if len(files) < 20 {
		t.Fatalf("expected the test corpus under testdata/meaning, found %d files", len(files))
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		kf, err := ParseKeyFile(data)
		if err != nil {
			continue // malformed inputs are covered below
		}
		if got := kf.Bytes(); !bytes.Equal(got, data) {
			t.Errorf("%s: round trip changed the file:\n%q\n%q", p, data, got)
		}
	}
}

func TestParseKeyFileRejects(t *testing.T) {
	huge := "[Context]\nshared=" + strings.Repeat("x", MaxFileSize) + "\n"
	tests := []struct {
		name, in, want string
		line           int
	}{
		{"key before group", "shared=network\n", "does not start with a group", 1},
		{"not a key", "[Context]\nnetwork\n", "not a key-value pair", 2},
		{"semicolon comment", "[Context]\n;comment\n", "not a key-value pair", 2},
		{"empty key", "[Context]\n=x\n", "invalid key name", 2},
		{"leading space key", "[Context]\n =x\n", "invalid key name", 2}, // leading blanks are stripped: key is empty
		{"bad locale", "[Context]\nName[d e]=x\n", "invalid key name", 2},
		{"unterminated group", "[Context\nshared=x\n", "not a key-value pair", 1},
		{"junk after group", "[Context] x\n", "not a key-value pair", 1},
		{"empty group", "[]\n", "invalid group name", 1},
		{"control in group", "[Con\x01text]\n", "invalid group name", 1},
		// GLib reads a line only up to a NUL (testdata/meaning/nul-*).
		{"NUL in key", "[Context]\nsha\x00red=network\n", "not a key-value pair", 2},
		{"bracket after NUL", "[Context]\x00]\nshared=x\n", "invalid group name", 1},
		{"too large", huge, "larger than", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseKeyFile([]byte(tc.in))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("want a SyntaxError, got %v", err)
			}
			if !strings.Contains(se.Msg, tc.want) || se.Line != tc.line {
				t.Fatalf("got %q at line %d, want %q at line %d", se.Msg, se.Line, tc.want, tc.line)
			}
		})
	}
}

func TestParseKeyFileAccepts(t *testing.T) {
	tests := []struct {
		name, in, group, key, value string
	}{
		{"spaces around equals", "[Context]\nshared = network;\n", "Context", "shared", "network;"},
		{"indented", "  [Context]\n\tshared=x\n", "Context", "shared", "x"},
		{"trailing blank after group", "[Context]  \nshared=x\n", "Context", "shared", "x"},
		{"trailing space in value kept", "[Context]\nshared=x  \n", "Context", "shared", "x  "},
		{"locale key", "[Desktop Entry]\nName[de_DE@euro]=Hallo\n", "Desktop Entry", "Name[de_DE@euro]", "Hallo"},
		{"repeated key: last wins", "[G]\nk=1\nk=2\n", "G", "k", "2"},
		{"repeated group continues", "[G]\nk=1\n[H]\nj=1\n[G]\nk=3\n", "G", "k", "3"},
		{"crlf", "[G]\r\nk=v\r\n", "G", "k", "v"},
		{"no final newline", "[G]\nk=v", "G", "k", "v"},
		{"non-UTF-8 value kept", "[G]\nk=\xff\n", "G", "k", "\xff"},
		{"value ends at NUL", "[G]\nk=v\x00w\n", "G", "k", "v"},
		{"NUL line is blank", "[G]\nk=v\n\x00k=w\n", "G", "k", "v"},
		{"CR before NUL is value", "[G]\nk=v\r\x00\r\n", "G", "k", "v\r"},
		{"space inside key", "[Environment]\nA B=1\n", "Environment", "A B", "1"},
		{"colon in key", "[G]\na:b=1\n", "G", "a:b", "1"},
		{"huge line", "[G]\nk=" + strings.Repeat("y", 1<<20) + "\n", "G", "k", strings.Repeat("y", 1<<20)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kf, err := ParseKeyFile([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			v, ok := kf.Value(tc.group, tc.key)
			if !ok || v != tc.value {
				t.Fatalf("[%s] %s = %q, %v; want %q", tc.group, tc.key, clip(v), ok, clip(tc.value))
			}
			if !bytes.Equal(kf.Bytes(), []byte(tc.in)) {
				t.Fatalf("round trip changed the file")
			}
		})
	}
}

func TestKeyFileEditsTouchOnlyTheirLines(t *testing.T) {
	in := "# keep me\n[Context]\n# about sockets\nsockets = x11;\nshared=network;\n\n# vendor stuff\n[X-Vendor]\nodd   =  spacing\n"
	kf, err := ParseKeyFile([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	kf.SetValue("Context", "shared", "!network;")
	kf.SetValue("Context", "devices", "dri;")
	kf.SetValue("Session Bus Policy", "org.a.b", "talk")
	want := "# keep me\n[Context]\n# about sockets\nsockets = x11;\nshared=!network;\ndevices=dri;\n\n# vendor stuff\n[X-Vendor]\nodd   =  spacing\n\n[Session Bus Policy]\norg.a.b=talk\n"
	if got := string(kf.Bytes()); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	kf.DeleteKey("Context", "devices")
	kf.DeleteGroup("Session Bus Policy")
	kf.SetValue("Context", "shared", "network;")
	if got := string(kf.Bytes()); got != in {
		t.Fatalf("undoing the edits did not give the original back:\n%s", got)
	}
}

func TestKeyFileDuplicatesCollapseOnEdit(t *testing.T) {
	kf, _ := ParseKeyFile([]byte("[G]\nk=1\nj=0\n[H]\n[G]\nk=2\n"))
	kf.SetValue("G", "k", "3")
	if got := string(kf.Bytes()); got != "[G]\nj=0\n[H]\n[G]\nk=3\n" {
		t.Fatalf("got %q", got)
	}
}

func TestKeyFileKeepsCRLF(t *testing.T) {
	kf, _ := ParseKeyFile([]byte("[G]\r\nk=1\r\n"))
	kf.SetValue("G", "j", "2")
	if got := string(kf.Bytes()); got != "[G]\r\nk=1\r\nj=2\r\n" {
		t.Fatalf("got %q", got)
	}
}

func TestDeleteGroupTakesItsComments(t *testing.T) {
	kf, _ := ParseKeyFile([]byte("[A]\na=1\n\n# about B\n[B]\nb=1\n\n# about C\n[C]\nc=1\n"))
	kf.DeleteGroup("B")
	if got := string(kf.Bytes()); got != "[A]\na=1\n\n# about C\n[C]\nc=1\n" {
		t.Fatalf("got %q", got)
	}
	kf.DeleteGroup("A")
	if got := string(kf.Bytes()); got != "# about C\n[C]\nc=1\n" {
		t.Fatalf("got %q", got)
	}
}

func TestSetValueRefusesWhatGLibCannotRead(t *testing.T) {
	for _, bad := range []struct{ group, key, value string }{{"G", "a=b", "1"}, {"G", "k", "x\ny"}, {"G[", "k", "1"}, {"G", " k", "1"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SetValue(%q, %q, %q) did not refuse", bad.group, bad.key, bad.value)
				}
			}()
			(&KeyFile{}).SetValue(bad.group, bad.key, bad.value)
		}()
	}
}
