package policy_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/policy"
)

// manyEntries is a policy that names n entries of one section of the
// global override.
func manyEntries(b *testing.B, section string, n int) []byte {
	entries := map[string]any{}
	for i := range n {
		switch section {
		case "variables":
			entries[fmt.Sprintf("V%05d", i)] = "1"
		case "unset":
			entries[fmt.Sprintf("V%05d", i)] = nil
		case "folders":
			entries[fmt.Sprintf("~/d%05d", i)] = "ro"
		case "session-bus":
			entries[fmt.Sprintf("org.example.N%05d", i)] = "talk"
		}
	}
	if section == "unset" {
		section = "variables"
	}
	data, err := json.Marshal(map[string]any{"format": "confine-policy", "version": 1,
		"overrides": map[string]any{"global": map[string]any{section: entries}}})
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkManyEntries reads and plans policies of many variables (set
// and unset), folders and bus names: what confine apply --check does with
// them, on the demo installation. The time per entry (µs/entry) should
// stay flat as n grows: 20,000 variables took 3.7 s and 40,000 14.9 s
// when every entry reread the file.
func BenchmarkManyEntries(b *testing.B) {
	env, err := model.GenerateDemo(b.TempDir(), 0)
	if err != nil {
		b.Fatal(err)
	}
	m := model.Load(env.With(map[string]string{"CONFINE_FLATPAK_VERSION": "1.14.10"}))
	for _, section := range []string{"variables", "unset", "folders", "session-bus"} {
		for _, n := range []int{5000, 20000, 40000} {
			b.Run(fmt.Sprintf("%s/%d", section, n), func(b *testing.B) {
				data := manyEntries(b, section, n)
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					pol, err := policy.Parse("bench.json", data, m.Flatpak)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := pol.Plan(m, false); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/entry")
			})
		}
	}
}
