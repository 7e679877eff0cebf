package model

import "testing"

func TestCacheAndStateDirs(t *testing.T) {
	for _, tc := range []struct {
		vars         map[string]string
		cache, state string
	}{
		{map[string]string{"HOME": "/home/ann"}, "/home/ann/.cache/confine", "/home/ann/.local/state/confine"},
		{map[string]string{"HOME": "/home/ann", "XDG_CACHE_HOME": "/c", "XDG_STATE_HOME": "/s"}, "/c/confine", "/s/confine"},
	} {
		e := MapEnv(tc.vars)
		if got := e.CacheDir(); got != tc.cache {
			t.Errorf("%v: CacheDir %s, want %s", tc.vars, got, tc.cache)
		}
		if got := e.StateDir(); got != tc.state {
			t.Errorf("%v: StateDir %s, want %s", tc.vars, got, tc.state)
		}
	}
}
