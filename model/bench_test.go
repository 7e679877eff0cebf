package model

import (
	"testing"

	"github.com/confine-app/confine/overrides"
)

// BenchmarkLoad1000 loads a generated installation of 1,000 apps (plus the
// demo apps): metadata, desktop files, metainfo, icons. Target: < 100 ms.
func BenchmarkLoad1000(b *testing.B) {
	env := benchEnv(b, 1000)
	for b.Loop() {
		m := Load(env)
		if len(m.Apps) < 1000 {
			b.Fatalf("%d apps", len(m.Apps))
		}
	}
}

// BenchmarkLoadAndMerge1000 adds reading every app's override layers and
// merging them, as the window's sidebar and `confine list` do.
func BenchmarkLoadAndMerge1000(b *testing.B) {
	env := benchEnv(b, 1000)
	for b.Loop() {
		m := Load(env)
		for _, a := range m.Apps {
			m.Effective(a)
		}
	}
}

// BenchmarkRate1000 merges and audits every app of a loaded installation,
// as the window's start-up ratings and the Overview do. Neither the load
// nor the first audit, which records what each app declares, is timed.
func BenchmarkRate1000(b *testing.B) {
	m := Load(benchEnv(b, 1000))
	for _, a := range m.Apps {
		m.Gained(a)
	}
	b.ResetTimer()
	for b.Loop() {
		for _, a := range m.Apps {
			m.AuditOf(a, m.Effective(a))
		}
	}
}

// BenchmarkEdit is one toggle: re-read the layers, compute the minimal
// override, write it atomically (fsync + rename). Target: < 2 ms.
func BenchmarkEdit(b *testing.B) {
	m := Load(benchEnv(b, 0))
	a, _ := m.App("net.waveline.Browser")
	states := []overrides.State{overrides.Revoke, overrides.Grant}
	i := 0
	for b.Loop() {
		if _, err := m.SetFixed(a, overrides.KeyShared, "network", states[i%2]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// benchEnv generates the demo installation with n synthetic apps.
func benchEnv(b *testing.B, n int) Env {
	env, err := GenerateDemo(b.TempDir(), n)
	if err != nil {
		b.Fatal(err)
	}
	env = env.With(map[string]string{"CONFINE_FLATPAK_VERSION": "1.14.10"})
	b.ResetTimer()
	return env
}
