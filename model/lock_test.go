package model

import "testing"

// Lock must not take X11 from an app that uses it: revoking fallback-x11
// the way the command line does also revokes x11.
func TestLockKeepsX11OfAnX11App(t *testing.T) {
	w := newWorld(t)
	w.install("system", "org.example.Old", "[Application]\nname=org.example.Old\n\n[Context]\nsockets=x11;\nshared=ipc;\n")
	m := Load(w.env())
	a, _ := m.App("org.example.Old")
	if _, err := m.Lock(a); err != nil {
		t.Fatal(err)
	}
	e := m.Effective(a)
	if !e.Socket("x11") {
		t.Errorf("lock revoked x11: %s", e.Context().Canonical())
	}
	if on, src := e.FixedOn("sockets", "wayland"); on || src != SourceUser {
		t.Errorf("lock did not revoke wayland explicitly: %v from %v", on, src)
	}
}
