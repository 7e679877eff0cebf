package model

import "testing"

func TestCompareNames(t *testing.T) {
	// Case does not count and digit runs compare as numbers; letters with
	// accents sort by code point (no locale tables here).
	ordered := []string{"", "2048", "App", "app 2", "App 10", "App 10b", "App 010b", "app10", "zebra", "écho", "Éclair"}
	for i := range ordered {
		for j := range ordered {
			if got, want := CompareNames(ordered[i], ordered[j]), cmpInt(i, j); got != want {
				t.Errorf("CompareNames(%q, %q) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
	if CompareNames("Tunebox", "tunebox") != 0 {
		t.Error("case counts")
	}
}
