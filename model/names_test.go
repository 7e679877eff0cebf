package model

import (
	"maps"
	"testing"

	"github.com/confine-app/confine/overrides"
)

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

// TalksTo is what the Overview asks of every app: it must agree with the
// advisor, wildcards included.
func TestTalksTo(t *testing.T) {
	for _, tc := range []struct {
		bus  map[string]BusState
		want bool
	}{
		{map[string]BusState{"org.freedesktop.secrets": {Policy: overrides.PolicyTalk}}, true},
		{map[string]BusState{"org.freedesktop.*": {Policy: overrides.PolicyOwn}}, true},
		{map[string]BusState{"org.freedesktop.secrets": {Policy: overrides.PolicySee}}, false},
		{map[string]BusState{"org.freedesktop.secretsX": {Policy: overrides.PolicyTalk}}, false},
		{map[string]BusState{"org.freedesktop.secrets.*": {Policy: overrides.PolicyTalk}}, true},
		{nil, false},
	} {
		e := newEffective(overrides.Flatpak114)
		maps.Copy(e.SessionBus, tc.bus)
		if got := e.TalksTo("org.freedesktop.secrets"); got != tc.want {
			t.Errorf("%v: TalksTo = %v, want %v", tc.bus, got, tc.want)
		}
		found := false
		for _, f := range appFindings(e) {
			found = found || f.ID == "revoke/secrets"
		}
		if found != tc.want {
			t.Errorf("%v: the advisor says %v, TalksTo %v", tc.bus, found, tc.want)
		}
	}
}
