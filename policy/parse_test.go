package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/policy"
)

// TestErrorCarriesEveryProblem: a refused policy is one *Error holding
// each problem in file order, which errors.As and Unwrap reach; with one
// problem the message is that problem's line alone, as README quotes it.
func TestErrorCarriesEveryProblem(t *testing.T) {
	v := model.MustVersion("1.14.10")
	_, err := policy.Parse("fleet.json", []byte(`{"format": "confine-policy", "version": 1, "overrides": {
	  "org.mozilla.firefox": {"permissions": {"sockets/x12": "off"}}}}`), v)
	if got := err.Error(); !strings.HasPrefix(got, `fleet.json: org.mozilla.firefox: permissions: "sockets/x12": unknown permission; known: `) || strings.Contains(got, "\n") {
		t.Errorf("one problem: %q", got)
	}
	_, err = policy.Parse("fleet.json", []byte(`{"format": "confine-policy", "version": 1, "overrides": {
	  "global": {"lock": true, "folders": {"reset": 1}},
	  "org.mozilla.firefox": {"permissions": {"sockets/x12": "off"}}}}`), v)
	var pe *policy.Error
	if !errors.As(err, &pe) || len(pe.Problems) != 3 {
		t.Fatalf("%v: not an *Error with three problems", err)
	}
	for i, where := range []string{"global: lock", `global: folders: "reset"`, `org.mozilla.firefox: permissions: "sockets/x12"`} {
		if p := pe.Problems[i]; p.Policy != "fleet.json" || p.Where != where {
			t.Errorf("problem %d: %+v, want it at %s", i+1, p, where)
		}
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != 3 || lines[1] != pe.Problems[1].Error() {
		t.Errorf("message %q", err.Error())
	}
	var first *policy.Problem
	if !errors.As(err, &first) || first != pe.Problems[0] || len(pe.Unwrap()) != 3 {
		t.Errorf("errors.As finds %v", first)
	}
}
