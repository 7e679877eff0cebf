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

// PlanLock previews exactly what Lock writes, and writes nothing itself.
func TestPlanLockIsWhatLockWrites(t *testing.T) {
	w := newWorld(t)
	w.install("system", "org.example.Plan", "[Application]\nname=org.example.Plan\n\n[Context]\nsockets=wayland;fallback-x11;x11;\nshared=network;\n")
	w.write("user/overrides/org.example.Plan", "# mine\n[Context]\ndevices=dri;\n")
	m := Load(w.env())
	a, _ := m.App("org.example.Plan")
	plan, err := m.PlanLock(a)
	if err != nil || len(plan.Ops) == 0 {
		t.Fatalf("no plan: %v", err)
	}
	if got := w.read("user/overrides/org.example.Plan"); got != "# mine\n[Context]\ndevices=dri;\n" || string(plan.Before) != got {
		t.Fatalf("the preview wrote %q, or does not start from it: %q", got, plan.Before)
	}
	if _, err := m.Lock(a); err != nil {
		t.Fatal(err)
	}
	if got := w.read("user/overrides/org.example.Plan"); got != string(plan.After) {
		t.Fatalf("Lock wrote\n%s\nthe preview showed\n%s", got, plan.After)
	}
}
