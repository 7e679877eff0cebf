package overrides

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustParse(t *testing.T, s string) *File {
	t.Helper()
	f, err := Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestContextReadsEveryKey(t *testing.T) {
	f := mustParse(t, "[Context]\nshared=network;!ipc;\nsockets=wayland;fallback-x11;x11;!x11;\ndevices=dri;\nfeatures=!devel;\n"+
		"filesystems=xdg-download;~/Music:ro;!home;!host:reset;\npersistent=.mozilla;\nunset-environment=LD_PRELOAD;\n"+
		"[Environment]\nGTK_THEME=Adwaita:dark\nLD_PRELOAD=/x.so\n[Session Bus Policy]\norg.kde.*=talk\norg.freedesktop.Flatpak=none\n[System Bus Policy]\norg.freedesktop.login1=see\n")
	c, probs := f.Context(Flatpak114)
	if len(probs) != 0 {
		t.Fatalf("unexpected problems %v", probs)
	}
	want := "shared: !ipc | network\nsockets: !x11 | fallback-x11 | wayland\ndevices: dri\nfeatures: !devel\n" +
		"filesystems: !home | !host | !host:reset | xdg-download | ~/Music:ro\npersistent: .mozilla\n" +
		"environment: GTK_THEME=Adwaita:dark\nunset-environment: LD_PRELOAD\nsession-bus: org.freedesktop.Flatpak=none | org.kde.*=talk\nsystem-bus: org.freedesktop.login1=see\n"
	if got := c.Canonical(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestContextProblems(t *testing.T) {
	tests := []struct {
		in, msg string
		fatal   bool
	}{
		{"[Context]\nsockets=bogus;\n", `unknown socket "bogus"`, false},
		{"[Context]\nfilesystems=nowhere;\n", "Unknown filesystem location nowhere", false},
		{"[Context]\nfilesystems=~/a\tb;\n", "Non-graphical", true},
		{"[Context]\nshared=\\q;\n", "invalid escape", true},
		{"[Session Bus Policy]\nbad=talk\n", "refuses the whole file", true},
		{"[Session Bus Policy]\norg.a.b=chat\n", "unknown bus policy", false},
	}
	for _, tc := range tests {
		_, probs := mustParse(t, tc.in).Context(Flatpak114)
		if len(probs) != 1 || !strings.Contains(probs[0].Msg, tc.msg) || probs[0].Fatal != tc.fatal {
			t.Errorf("%q: problems %v, want one %q (fatal %v)", tc.in, probs, tc.msg, tc.fatal)
		}
	}
}

func TestSetFixedKeepsWhatItDoesNotUnderstand(t *testing.T) {
	f := mustParse(t, "[Context]\nsockets=!x11;x11;if:x11:!has-wayland;bogus;wayland;\n")
	if err := f.SetFixed(Flatpak114, KeySockets, "x11", Revoke); err != nil {
		t.Fatal(err)
	}
	if got := string(f.Bytes()); got != "[Context]\nsockets=!x11;if:x11:!has-wayland;bogus;wayland;\n" {
		t.Fatalf("got %q", got)
	}
	if err := f.SetFixed(Flatpak114, KeySockets, "pulseaudio", Grant); err != nil {
		t.Fatal(err)
	}
	if got := string(f.Bytes()); got != "[Context]\nsockets=!x11;if:x11:!has-wayland;bogus;wayland;pulseaudio;\n" {
		t.Fatalf("got %q", got)
	}
	if err := f.SetFixed(Flatpak114, KeySockets, "bogus", Grant); err == nil {
		t.Fatal("unknown name accepted")
	}
}

func TestSetFixedTableOrderInNewFiles(t *testing.T) {
	f := NewFile()
	for _, n := range []string{"cups", "x11", "wayland", "pulseaudio"} {
		if err := f.SetFixed(Flatpak114, KeySockets, n, Grant); err != nil {
			t.Fatal(err)
		}
	}
	if got := string(f.Bytes()); got != "[Context]\nsockets=x11;wayland;pulseaudio;cups;\n" {
		t.Fatalf("got %q", got)
	}
}

func TestEditsBackToNothingEmptyTheFile(t *testing.T) {
	f := NewFile()
	steps := []func() error{
		func() error { return f.SetFixed(Flatpak114, KeyShared, "network", Revoke) },
		func() error { return f.SetFilesystem(Flatpak114, Filesystem{"~/Music", ModeRead}) },
		func() error { return f.AddPersistent(".cache/x") },
		func() error { return f.UnsetEnv("LD_PRELOAD") },
		func() error { return f.SetBusPolicy(SessionBus, "org.a.b", PolicyTalk) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			t.Fatal(err)
		}
	}
	if f.IsEmpty() {
		t.Fatal("file with edits reports empty")
	}
	undo := []func() error{
		func() error { return f.SetFixed(Flatpak114, KeyShared, "network", Inherit) },
		func() error { return f.RemoveFilesystem(Flatpak114, "~/Music/") },
		func() error { return f.RemovePersistent(".cache/x") },
		func() error { return f.RemoveEnv("LD_PRELOAD") },
		func() error { f.RemoveBusPolicy(SessionBus, "org.a.b"); return nil },
	}
	for _, u := range undo {
		if err := u(); err != nil {
			t.Fatal(err)
		}
	}
	if !f.IsEmpty() || len(f.Bytes()) != 0 {
		t.Fatalf("after undoing every edit the file still holds %q", f.Bytes())
	}
}

func TestCommentsKeepAFileAlive(t *testing.T) {
	f := mustParse(t, "[Context]\n# I revoke network on purpose\nshared=!network;\n")
	if err := f.SetFixed(Flatpak114, KeyShared, "network", Inherit); err != nil {
		t.Fatal(err)
	}
	if f.IsEmpty() || string(f.Bytes()) != "[Context]\n# I revoke network on purpose\n" {
		t.Fatalf("comment lost: %q", f.Bytes())
	}
}

func TestEditRefusedOnUnreadableValue(t *testing.T) {
	in := "[Context]\nfilesystems=~/x\\q;\n"
	f := mustParse(t, in)
	err := f.SetFilesystem(Flatpak114, Filesystem{"home", ModeRead})
	var ee *EditError
	if !errors.As(err, &ee) || ee.Key != KeyFilesystems {
		t.Fatalf("got %v", err)
	}
	if string(f.Bytes()) != in {
		t.Fatal("file changed after a refused edit")
	}
}

func TestEnvEdits(t *testing.T) {
	f := NewFile()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.UnsetEnv("A"))
	must(f.SetEnv("B", " lead;ing"))
	want := "[Context]\nunset-environment=A;\n\n[Environment]\nA=\nB=\\slead;ing\n"
	if got := string(f.Bytes()); got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	must(f.SetEnv("A", "x"))
	c, _ := f.Context(Flatpak114)
	if c.Env["A"] != (EnvValue{Value: "x"}) || c.Env["B"] != (EnvValue{Value: " lead;ing"}) {
		t.Fatalf("env %+v", c.Env)
	}
	if strings.Contains(string(f.Bytes()), "unset-environment") {
		t.Fatalf("setting A must drop it from unset-environment: %q", f.Bytes())
	}
}

func TestApplyOpsLikeTheCLI(t *testing.T) {
	tests := []struct {
		start string
		ops   []Op
		want  string
	}{
		{"", []Op{{"socket", "fallback-x11"}}, "sockets: fallback-x11 | x11\n"},
		{"", []Op{{"nosocket", "fallback-x11"}}, "sockets: !fallback-x11 | !x11\n"},
		{"", []Op{{"socket", "x11"}, {"nosocket", "x11"}}, "sockets: !x11\n"},
		{"[Context]\nfilesystems=home;~/x;\n", []Op{{"nofilesystem", "host:reset"}}, "filesystems: !host | !host:reset\n"},
		{"[Context]\nfilesystems=home;\n", []Op{{"filesystem", "~/y"}, {"nofilesystem", "host:reset"}}, "filesystems: !host | !host:reset | ~/y\n"},
		{"", []Op{{"nofilesystem", "home:ro"}}, "filesystems: !home\n"},
		{"", []Op{{"unset-env", "X"}, {"env", "X=1"}}, "environment: X=1\n"},
		{"", []Op{{"own-name", "org.a.b"}, {"no-talk-name", "org.a.b"}}, "session-bus: org.a.b=none\n"},
	}
	for _, tc := range tests {
		f := mustParse(t, tc.start)
		if err := f.ApplyOps(Flatpak114, tc.ops); err != nil {
			t.Fatal(err)
		}
		c, _ := f.Context(Flatpak114)
		if got := c.Canonical(); got != tc.want {
			t.Errorf("%q + %v:\ngot  %q\nwant %q", tc.start, tc.ops, got, tc.want)
		}
	}
}

func TestApplyOpsIsAllOrNothing(t *testing.T) {
	f := mustParse(t, "[Context]\nshared=network;\n")
	err := f.ApplyOps(Flatpak114, []Op{{"unshare", "network"}, {"socket", "bogus"}})
	if err == nil || !strings.Contains(err.Error(), "Unknown socket type bogus") {
		t.Fatalf("got %v", err)
	}
	if string(f.Bytes()) != "[Context]\nshared=network;\n" {
		t.Fatalf("file changed: %q", f.Bytes())
	}
}

func TestParseArgs(t *testing.T) {
	ops, rest, err := ParseArgs(Flatpak114, []string{"--user", "--share=network", "--socket", "x11", "org.a.B", "--show"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 2 || ops[1] != (Op{"socket", "x11"}) || strings.Join(rest, " ") != "--user org.a.B --show" {
		t.Fatalf("got %v %v", ops, rest)
	}
	if _, _, err := ParseArgs(Flatpak114, []string{"--socket"}); err == nil {
		t.Fatal("missing value accepted")
	}
}

func TestOpsForRecreatesTheTarget(t *testing.T) {
	from := mustParse(t, "[Context]\nshared=network;\nfilesystems=home;\n")
	to := mustParse(t, "[Context]\nshared=!network;\nsockets=!x11;\nfilesystems=home;~/a\\\\:b:ro;!host:reset;\n[Environment]\nX=1\n[Session Bus Policy]\norg.a.b=none\n")
	fc, _ := from.Context(Flatpak114)
	tc, _ := to.Context(Flatpak114)
	ops := OpsFor(Flatpak114, fc, tc)
	if len(ops) == 0 {
		t.Fatal("no options for a change")
	}
	if err := from.ApplyOps(Flatpak114, ops); err != nil {
		t.Fatal(err)
	}
	got, _ := from.Context(Flatpak114)
	if got.Canonical() != tc.Canonical() {
		t.Fatalf("ops %v give\n%s\nwant\n%s", ops, got.Canonical(), tc.Canonical())
	}
}

func TestStoreUpdateWritesAtomicallyAndDeletesEmpty(t *testing.T) {
	s := &Store{Dir: filepath.Join(t.TempDir(), "overrides")}
	before, after, err := s.Update("org.a.App", func(f *File) error { return f.SetFixed(Flatpak114, KeyShared, "network", Revoke) })
	if err != nil || before != nil || string(after) != "[Context]\nshared=!network;\n" {
		t.Fatalf("got %q %q %v", before, after, err)
	}
	p := filepath.Join(s.Dir, "org.a.App")
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Update("org.a.App", func(f *File) error { return f.SetFixed(Flatpak114, KeySockets, "x11", Revoke) }); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode not kept: %v", st.Mode())
	}
	ents, _ := os.ReadDir(s.Dir)
	if len(ents) != 2 || ents[0].Name() != LockName || ents[1].Name() != "org.a.App" {
		t.Fatalf("temp files left behind: %v", ents)
	}
	_, after, err = s.Update("org.a.App", func(f *File) error {
		f.SetFixed(Flatpak114, KeySockets, "x11", Inherit)
		return f.SetFixed(Flatpak114, KeyShared, "network", Inherit)
	})
	if err != nil || after != nil {
		t.Fatalf("got %q %v", after, err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("empty override not deleted: %v", err)
	}
}

func TestStoreLeavesBrokenFilesAlone(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	broken := []byte("shared=network\n[Context]\n")
	p := filepath.Join(s.Dir, "org.a.App")
	os.WriteFile(p, broken, 0o644)
	_, _, err := s.Update("org.a.App", func(f *File) error { return f.SetFixed(Flatpak114, KeyShared, "network", Revoke) })
	var le *LoadError
	var se *SyntaxError
	if !errors.As(err, &le) || !errors.As(err, &se) || se.Line != 1 {
		t.Fatalf("got %v", err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, broken) {
		t.Fatalf("broken file was rewritten: %q", got)
	}
}

// A file with a NUL byte is read as GLib reads it (the line ends at the
// NUL; see testdata/meaning/nul-*) but never edited: the edit would drop the
// bytes after the NUL. Reset still removes it.
func TestStoreReadsButNeverEditsNULFiles(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	data := []byte("[Context]\nshared=ipc;\x00\nfilesystems=host;\n")
	p := filepath.Join(s.Dir, "org.a.App")
	os.WriteFile(p, data, 0o644)
	f, err := s.Load("org.a.App")
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := f.Context(Flatpak114); c.Filesystems[LocationHost] != ModeReadWrite {
		t.Fatalf("host hidden behind the NUL line: %v", c.Filesystems)
	}
	_, _, err = s.Update("org.a.App", func(f *File) error { return f.SetFixed(Flatpak114, KeyShared, "network", Revoke) })
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 2 || !strings.Contains(err.Error(), "NUL byte") {
		t.Fatalf("got %v", err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
		t.Fatalf("file was rewritten: %q", got)
	}
	if before, err := s.Reset("org.a.App"); err != nil || !bytes.Equal(before, data) {
		t.Fatalf("reset: %q %v", before, err)
	}
}

func TestStoreRefusesEscapingTargets(t *testing.T) {
	root := t.TempDir()
	s := &Store{Dir: filepath.Join(root, "overrides")}
	for _, id := range []string{"../evil", "../../x.y.z", "org.a.App/../../x", "", "org.a"} {
		if _, _, err := s.Update(id, func(f *File) error { return f.SetFixed(Flatpak114, KeyShared, "network", Grant) }); err == nil {
			t.Errorf("%q accepted", id)
		}
	}
	ents, _ := os.ReadDir(root)
	if len(ents) != 0 {
		t.Fatalf("something was written: %v", ents)
	}
}

func TestStoreReadOnly(t *testing.T) {
	s := &Store{Dir: t.TempDir(), ReadOnly: true}
	if _, _, err := s.Update("org.a.App", func(*File) error { return nil }); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("got %v", err)
	}
	if _, err := s.Reset("org.a.App"); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("got %v", err)
	}
}

func TestStoreSymlinksAndOddFiles(t *testing.T) {
	root := t.TempDir()
	s := &Store{Dir: filepath.Join(root, "overrides")}
	os.MkdirAll(s.Dir, 0o755)
	real := filepath.Join(root, "dotfiles-org.a.App")
	os.WriteFile(real, []byte("[Context]\nshared=network;\n"), 0o644)
	os.Symlink(real, filepath.Join(s.Dir, "org.a.App"))
	if _, _, err := s.Update("org.a.App", func(f *File) error { return f.SetFixed(Flatpak114, KeyShared, "network", Revoke) }); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(real); string(got) != "[Context]\nshared=!network;\n" {
		t.Fatalf("write did not go through the link: %q", got)
	}
	if fi, _ := os.Lstat(filepath.Join(s.Dir, "org.a.App")); fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("symlink replaced by a file")
	}
	// A dangling link, a folder, a cyclic link: reported, not followed.
	os.Symlink(filepath.Join(root, "missing"), filepath.Join(s.Dir, "org.b.App"))
	os.Mkdir(filepath.Join(s.Dir, "org.c.App"), 0o755)
	os.Symlink(filepath.Join(s.Dir, "org.d.App"), filepath.Join(s.Dir, "org.d.App"))
	for _, id := range []string{"org.b.App", "org.c.App", "org.d.App"} {
		if _, err := s.Load(id); err == nil {
			t.Errorf("%s: no error", id)
		}
	}
	if os.Getuid() != 0 {
		os.WriteFile(filepath.Join(s.Dir, "org.e.App"), []byte("[Context]\n"), 0o000)
		if _, err := s.Load("org.e.App"); err == nil {
			t.Error("unreadable file: no error")
		}
	}
}

func TestStoreWriteIsGuardedByExpectedContent(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	_, after, _ := s.Update("org.a.App", func(f *File) error { return f.SetFixed(Flatpak114, KeyShared, "network", Revoke) })
	if err := s.Write("org.a.App", []byte("something else"), nil); err == nil {
		t.Fatal("write over unexpected content accepted")
	}
	var ce *ConflictError
	if err := s.Write("org.a.App", nil, []byte("[G]\n")); !errors.As(err, &ce) {
		t.Fatalf("got %v", err)
	}
	if err := s.Write("org.a.App", after, []byte("not a keyfile\n")); err == nil {
		t.Fatal("unparseable content written")
	}
	if err := s.Write("org.a.App", after, nil); err != nil {
		t.Fatal(err)
	}
}
