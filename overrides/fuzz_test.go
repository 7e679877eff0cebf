package overrides

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks, for any input, that parsing never panics, that whatever
// parses is written back byte for byte, that evaluation never panics, and
// that an edit keeps the file readable and leaves the other groups alone,
// in every release's dialect (1.18 parses lists with its own grammar).
// The seed corpus is the hand-written files of testdata/meaning (inputs the
// fuzzer finds go to testdata/fuzz/FuzzParse, as usual).
func FuzzParse(f *testing.F) {
	f.Add([]byte("[Context]\nshared=network;\n"))
	seeds, _ := filepath.Glob("testdata/meaning/*.override")
	if len(seeds) == 0 {
		f.Fatal("no seeds in testdata/meaning")
	}
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			return
		}
		if !bytes.Equal(file.Bytes(), data) {
			t.Fatalf("round trip changed %q into %q", data, file.Bytes())
		}
		otherBefore := otherGroups(file)
		var edits []func(*File) error
		for _, d := range Dialects {
			file.Context(d)
			edits = append(edits,
				func(f *File) error { return f.SetFixed(d, KeySockets, "x11", Revoke) },
				func(f *File) error { return f.SetFilesystem(d, Filesystem{"~/Music", ModeRead}) },
				func(f *File) error { return f.SetFilesystem(d, Filesystem{ResetLocation, ModeNone}) })
		}
		edits = append(edits,
			func(f *File) error { return f.SetEnv("A", " x;y\n") },
			func(f *File) error { return f.SetBusPolicy(SessionBus, "org.a.b", PolicyTalk) })
		for _, edit := range edits {
			c := file.Clone()
			if err := edit(c); err != nil {
				continue
			}
			again, err := Parse(c.Bytes())
			if err != nil {
				t.Fatalf("edit made %q unreadable: %q: %v", data, c.Bytes(), err)
			}
			if !bytes.Equal(again.Bytes(), c.Bytes()) {
				t.Fatal("edited file does not round-trip")
			}
			if got := otherGroups(again); got != otherBefore {
				t.Fatalf("edit changed groups it does not own:\n%q\n%q", otherBefore, got)
			}
		}
	})
}

// otherGroups renders the values of groups no edit above touches.
func otherGroups(f *File) string {
	var b bytes.Buffer
	for _, g := range f.kf.Groups() {
		switch g {
		case GroupContext, GroupEnvironment, GroupSessionBus:
			continue
		}
		for _, k := range f.kf.Keys(g) {
			v, _ := f.kf.Value(g, k)
			b.WriteString(g + "/" + k + "=" + v + "\n")
		}
	}
	return b.String()
}
