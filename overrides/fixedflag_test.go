package overrides

import (
	"slices"
	"testing"
)

func TestFixedFlags(t *testing.T) {
	for _, key := range FixedKeys {
		for _, s := range []State{Grant, Revoke} {
			flag := FixedFlag(key, s)
			if !slices.Contains(OverrideFlags, flag) {
				t.Errorf("FixedFlag(%s, %v) = %q: not a flatpak override option", key, s, flag)
			}
			if k, st, ok := FixedFlagKey(flag); !ok || k != key || st != s {
				t.Errorf("FixedFlagKey(%q) = %s, %v, %v; want %s, %v", flag, k, st, ok, key, s)
			}
		}
	}
	if FixedFlag(KeySockets, Revoke) != "nosocket" || FixedFlag(KeyFeatures, Grant) != "allow" {
		t.Error("sockets/features options")
	}
	if _, _, ok := FixedFlagKey("filesystem"); ok {
		t.Error("filesystem is not a fixed-name option")
	}
}

// The conditional option of each key, and the key of each conditional
// option, agree.
func TestIfFlagRoundTrip(t *testing.T) {
	for _, key := range FixedKeys {
		if got, ok := IfFlagKey(IfFlag(key)); !ok || got != key {
			t.Errorf("%s: option %q gives %q, %v", key, IfFlag(key), got, ok)
		}
	}
}
