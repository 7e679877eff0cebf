package overrides

import (
	"strings"
	"testing"
)

func TestParseFilesystem(t *testing.T) {
	tests := []struct {
		entry string
		want  Filesystem
		err   string
		fatal bool
		warn  string
	}{
		{entry: "home", want: Filesystem{"home", ModeReadWrite}},
		{entry: "home:ro", want: Filesystem{"home", ModeRead}},
		{entry: "home:rw", want: Filesystem{"home", ModeReadWrite}},
		{entry: "~/Games:create", want: Filesystem{"~/Games", ModeCreate}},
		{entry: "!home", want: Filesystem{"home", ModeNone}},
		{entry: "!home:ro", want: Filesystem{"home", ModeNone}, warn: "not applicable"},
		{entry: "home:bogus", want: Filesystem{"home", ModeReadWrite}, warn: "Unexpected filesystem suffix bogus"},
		{entry: "home:ro:create", want: Filesystem{"home", ModeReadWrite}, warn: "suffix ro:create"},
		{entry: "!host:reset", want: Filesystem{ResetLocation, ModeNone}},
		{entry: "!host-reset", want: Filesystem{ResetLocation, ModeNone}},
		{entry: "host:reset", err: "only applies to --nofilesystem"},
		{entry: "!home:reset", err: "can only be applied to --nofilesystem=host"},
		{entry: "~", want: Filesystem{"home", ModeReadWrite}},
		{entry: "~/", want: Filesystem{"home", ModeReadWrite}},
		{entry: "~/.", want: Filesystem{"home", ModeReadWrite}},
		{entry: "~/a//b/./c/", want: Filesystem{"~/a/b/c", ModeReadWrite}},
		{entry: "/opt//x/./y/:ro", want: Filesystem{"/opt/x/y", ModeRead}},
		{entry: `~/a\:b:ro`, want: Filesystem{"~/a:b", ModeRead}},
		{entry: `~/a\\b`, want: Filesystem{`~/a\b`, ModeReadWrite}},
		{entry: "~/a..b", want: Filesystem{"~/a..b", ModeReadWrite}},
		{entry: "xdg-download/Foo/", want: Filesystem{"xdg-download/Foo", ModeReadWrite}},
		{entry: "xdg-documents/", want: Filesystem{"xdg-documents", ModeReadWrite}},
		{entry: "xdg-run/pipewire-0:ro", want: Filesystem{"xdg-run/pipewire-0", ModeRead}},
		{entry: "xdg-run", err: "Unknown filesystem location xdg-run"},
		{entry: "xdg-run/", err: "Unknown filesystem location"},
		{entry: "xdg-foo", err: "Unknown filesystem location xdg-foo"},
		{entry: "relative", err: "Unknown filesystem location relative"},
		{entry: "host-root", err: "Unknown filesystem location host-root"},
		{entry: "/", err: "--filesystem=/ is not available"},
		{entry: "/a/../b", err: `contains ".."`},
		{entry: "xdg-config/../x", err: `contains ".."`},
		{entry: "~/a\tb", err: "Non-graphical character", fatal: true},
		{entry: "~/a\xffb", err: "Non-UTF8 byte \\xFF", fatal: true},
	}
	for _, tc := range tests {
		t.Run(tc.entry, func(t *testing.T) {
			got, warns, err := ParseFilesystem(Flatpak114, tc.entry)
			if tc.err != "" {
				fe, ok := err.(*FilesystemError)
				if !ok || !strings.Contains(fe.Msg, tc.err) || fe.Fatal != tc.fatal {
					t.Fatalf("error %#v, want %q (fatal %v)", err, tc.err, tc.fatal)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
			if w := strings.Join(warns, "; "); tc.warn == "" && w != "" || !strings.Contains(w, tc.warn) {
				t.Fatalf("warnings %q, want %q", w, tc.warn)
			}
			// What Confine writes for the entry reads back the same.
			again, _, err := ParseFilesystem(Flatpak114, got.String())
			if err != nil || again != got {
				t.Fatalf("%q re-read as %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestFilesystemArgRejectsHostResetToken(t *testing.T) {
	if _, _, err := ParseFilesystemArg(Flatpak114, "host-reset", false); err == nil || !strings.Contains(err.Error(), "only applicable for --nofilesystem") {
		t.Fatalf("got %v", err)
	}
	if fs, _, err := ParseFilesystemArg(Flatpak114, "host-reset", true); err != nil || fs.Location != ResetLocation {
		t.Fatalf("got %+v, %v", fs, err)
	}
}

func TestValidateAppID(t *testing.T) {
	good := []string{"org.gnome.Maps", "com.github.a_b.App-Name", "io.x.y", "org.example.App2", "org.mozilla.firefox"}
	bad := []string{"", "org.gnome", "..", "../../etc/passwd", "org/../x.y", "org.gnome.", ".org.gnome.Maps", "org..gnome.Maps",
		"org.gnome.1Maps", "org.gno-me.Maps", "org.gnome.Ma ps", "org.gnome.Maps\x00", "global.x", "org.gnome.Maps/x", strings.Repeat("a.", 128) + "b"}
	for _, id := range good {
		if err := ValidateAppID(id); err != nil {
			t.Errorf("%q rejected: %v", id, err)
		}
	}
	for _, id := range bad {
		if err := ValidateAppID(id); err == nil {
			t.Errorf("%q accepted", id)
		} else if !strings.Contains(err.Error(), "not a valid application name") {
			t.Errorf("%q: unclear message %q", id, err)
		}
	}
	if ValidateTarget("global") != nil || ValidateAppID("global") == nil {
		t.Error(`"global" must be a target but not an app ID`)
	}
}

func TestValidateBusName(t *testing.T) {
	good := []string{"org.freedesktop.secrets", "org.kde.*", "org.a-b.c", "org.mpris.MediaPlayer2.Foo", "a.b", "org._x.y"}
	bad := []string{"bad", "org.*", "*", ":1.2", "org..x", "org.1x", "org.a.*.b", ".org.a", "org.a.", "org.a b", ""}
	for _, n := range good {
		if err := ValidateBusName(n); err != nil {
			t.Errorf("%q rejected: %v", n, err)
		}
	}
	for _, n := range bad {
		if err := ValidateBusName(n); err == nil || !strings.Contains(err.Error(), "Invalid dbus name") {
			t.Errorf("%q: got %v", n, err)
		}
	}
}

func TestValidateNameUsesTheCLIWording(t *testing.T) {
	err := Flatpak114.ValidateName(KeySockets, "bogus")
	if err == nil || !strings.HasPrefix(err.Error(), "Unknown socket type bogus, valid types are: x11, wayland,") {
		t.Fatalf("got %v", err)
	}
	if err := Flatpak114.ValidateName(KeyShared, "network"); err != nil {
		t.Fatal(err)
	}
}

func TestParseEnvArg(t *testing.T) {
	for _, tc := range []struct{ arg, name, value, err string }{
		{"A=1", "A", "1", ""},
		{"A=", "A", "", ""},
		{"A=b;c=d", "A", "b;c=d", ""},
		{"A B=c", "A B", "c", ""},
		{"=x", "", "", "Invalid env format =x"},
		{"NOEQ", "", "", "Invalid env format NOEQ"},
		{"A[x]=1", "", "", "cannot be stored"},
	} {
		n, v, err := ParseEnvArg(tc.arg)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.arg, err, tc.err)
			}
			continue
		}
		if err != nil || n != tc.name || v != tc.value {
			t.Errorf("%q: got %q %q %v", tc.arg, n, v, err)
		}
	}
}
