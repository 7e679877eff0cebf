package model

import (
	"go/token"
	"testing"

	"github.com/confine-app/confine/internal/testbin"
	"github.com/confine-app/confine/overrides"
)

// TestAdviceOrderListsEveryRule: an Advice the order leaves out would never
// be applied.
func TestAdviceOrderListsEveryRule(t *testing.T) {
	inOrder := map[*Permission]int{}
	for _, p := range adviceOrder {
		inOrder[p]++
	}
	for _, p := range Catalogue {
		if n := inOrder[p]; (len(p.Advice) > 0) != (n == 1) || n > 1 {
			t.Errorf("%s: %d advice, listed %d times in adviceOrder", p.ID, len(p.Advice), n)
		}
	}
}

// TestNamesOnlyInCatalogueAndGrammar: permission, socket and bus names are
// spelled out only in the catalogue and in the grammar tables of package
// overrides, so adding or renaming one is a change in one place. Data
// (the demo's metadata, test fixtures) is not code and is not checked.
func TestNamesOnlyInCatalogueAndGrammar(t *testing.T) {
	names := map[string]bool{}
	for _, key := range overrides.FixedKeys {
		for _, n := range overrides.Names(key) {
			names[n] = true
			names[key+"="+n] = true
		}
	}
	for _, p := range Catalogue {
		if p.Group == GroupFilesystem || p.Group == GroupSessionBus {
			names[p.Value] = true
			names[p.Syntax()] = true
		}
	}
	allowed := map[string]bool{"model/catalogue.go": true, "overrides/grammar.go": true}
	// Literals that happen to equal a name but are not one.
	notNames := map[string]string{
		"cli/advise.go:all":             "the --all option of harden",
		"cli/files.go:all":              "the --all option of files revoke",
		"portals/find.go:all":           "the keep-awake permission's value that allows every flag",
		"model/demo.go:home":            "the demo's home folder",
		"ui/header.go:wayland":          "a CSS class",
		"policy/parse.go:all":           "a policy's harden level",
		"policy/preset.go:network":      "a kind of access a preset gives back",
		"overrides/file.go:session-bus": "Canonical's section name for the session bus",
		"overrides/flags.go:usb":        "the --usb option",
		"overrides/usb.go:all":          "the USB query rule that matches every device",
		"portals/spec.go:usb":           "the USB portal's table and its entry",
		"overrides/file.go:system-bus":  "Canonical's section name for the system bus",
	}
	testbin.CodeStrings(t, func(rel string, pos token.Position, v string) {
		if !names[v] || allowed[rel] {
			return
		}
		if _, ok := notNames[rel+":"+v]; ok {
			return
		}
		t.Errorf("%s: %q is a permission name; use the catalogue (model) or the grammar tables (overrides)", pos, v)
	})
}
