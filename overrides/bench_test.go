package overrides

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// realisticOverrides builds n override files shaped like the ones people
// keep: a few [Context] lists, sometimes bus names and environment, now and
// then a comment.
func realisticOverrides(n int) [][]byte {
	r := rand.New(rand.NewSource(1))
	pick := func(s ...string) string { return s[r.Intn(len(s))] }
	out := make([][]byte, n)
	for i := range out {
		var b strings.Builder
		if r.Intn(5) == 0 {
			b.WriteString("# tightened by hand\n")
		}
		b.WriteString("[Context]\n")
		b.WriteString("shared=" + pick("!network;", "network;!ipc;", "!ipc;") + "\n")
		b.WriteString("sockets=" + pick("!x11;wayland;", "x11;!wayland;pulseaudio;", "!pulseaudio;fallback-x11;x11;") + "\n")
		if r.Intn(2) == 0 {
			b.WriteString("devices=" + pick("!all;dri;", "dri;", "!dri;") + "\n")
		}
		fs := []string{"xdg-download", "~/Music:ro", "!home", "xdg-config/kdeglobals:ro", fmt.Sprintf("~/Games/app%d:create", i), "/media", "!host:reset"}
		r.Shuffle(len(fs), func(a, c int) { fs[a], fs[c] = fs[c], fs[a] })
		b.WriteString("filesystems=" + strings.Join(fs[:1+r.Intn(5)], ";") + ";\n")
		if r.Intn(3) == 0 {
			b.WriteString("persistent=.app" + fmt.Sprint(i) + ";\n")
		}
		if r.Intn(2) == 0 {
			b.WriteString("\n[Session Bus Policy]\norg.freedesktop.Flatpak=none\norg.kde.StatusNotifierWatcher=talk\n")
		}
		if r.Intn(3) == 0 {
			b.WriteString("\n[Environment]\nGTK_THEME=Adwaita:dark\nMOZ_ENABLE_WAYLAND=1\n")
		}
		out[i] = []byte(b.String())
	}
	return out
}

// BenchmarkParseAndSerialise1000 parses 1,000 realistic files, evaluates
// them as Flatpak would and writes each back. Target: < 20 ms per op.
func BenchmarkParseAndSerialise1000(b *testing.B) {
	files := realisticOverrides(1000)
	var size int64
	for _, f := range files {
		size += int64(len(f))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, data := range files {
			f, err := Parse(data)
			if err != nil {
				b.Fatal(err)
			}
			f.Context(Flatpak114)
			_ = f.Bytes()
		}
	}
}

// BenchmarkEdit1000 applies one toggle to each of 1,000 files in memory.
func BenchmarkEdit1000(b *testing.B) {
	files := realisticOverrides(1000)
	for b.Loop() {
		for _, data := range files {
			f, _ := Parse(data)
			if err := f.SetFixed(Flatpak114, KeySockets, "x11", Revoke); err != nil {
				b.Fatal(err)
			}
			_ = f.Bytes()
		}
	}
}
