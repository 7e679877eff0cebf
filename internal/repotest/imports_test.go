package repotest

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/testbin"
)

// mayImport is which of Confine's packages each package's code may import:
// the layers of CONTRIBUTING.md's map, lowest first. The store client and
// overrides import nothing of Confine, and model never imports the portal
// or policy packages. A folder's subpackages follow its rule. A new
// package needs a rule here (TestImportRules fails until it has one).
var mayImport = map[string][]string{
	"overrides":   nil,
	"permstore":   nil,
	"model":       {"overrides", "permstore"},
	"portals":     {"model", "permstore"},
	"policy":      {"model", "overrides"},
	"cli":         {"model", "overrides", "portals", "policy"},
	"ui":          {"model", "overrides", "permstore", "portals", "policy", "internal/procstart"},
	"cmd/confine": {"cli", "ui", "model", "internal/procstart"},
}

// Folders whose packages are tests, test helpers and developer tools:
// they may import anything.
var anyImports = []string{"internal", "integration", "build-aux"}

// TestImportRules: every package imports only what its layer allows. Its
// tests may also use the packages below those (to set up a store, say) and
// the test helpers in internal/.
func TestImportRules(t *testing.T) {
	mod := modulePath(t, testbin.Root(t))
	fset := token.NewFileSet()
	testbin.GoFiles(t, func(rel, path string) {
		pkg := filepath.ToSlash(filepath.Dir(rel))
		if under(pkg, anyImports) != "" {
			return
		}
		rule := under(pkg, keys(mayImport))
		if rule == "" {
			t.Errorf("%s: package %s has no rule in mayImport", rel, pkg)
			return
		}
		allowed := mayImport[rule]
		if strings.HasSuffix(rel, "_test.go") {
			allowed = append(below(rule), rule, "internal")
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			own, ok := strings.CutPrefix(p, mod+"/")
			if !ok {
				continue // the standard library or a dependency
			}
			if under(own, allowed) == "" {
				t.Errorf("%s imports %s; %s may import only %v", rel, own, rule, allowed)
			}
		}
	})
}

// under returns the folder of folders that pkg is, or is inside.
func under(pkg string, folders []string) string {
	for _, f := range folders {
		if pkg == f || strings.HasPrefix(pkg, f+"/") {
			return f
		}
	}
	return ""
}

func keys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// below is every package rule's imports reach, directly or not.
func below(rule string) []string {
	var out []string
	var walk func(string)
	walk = func(r string) {
		for _, p := range mayImport[r] {
			if !slices.Contains(out, p) {
				out = append(out, p)
				walk(p)
			}
		}
	}
	walk(rule)
	return out
}

// modulePath reads the module's path from go.mod.
func modulePath(t *testing.T, root string) string {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if m, ok := strings.CutPrefix(strings.TrimSpace(l), "module "); ok {
			return strings.TrimSpace(m)
		}
	}
	t.Fatal("go.mod names no module")
	return ""
}

// TestContributingMap: CONTRIBUTING.md's map of the tree has a row for
// every package with a rule, names every Go file of its folder (but
// doc.go) and no file that is not there, and its "may import" column says
// what mayImport allows.
func TestContributingMap(t *testing.T) {
	root := testbin.Root(t)
	data, err := os.ReadFile(filepath.Join(root, "CONTRIBUTING.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(data), "## Where things live")
	if !ok {
		t.Fatal("CONTRIBUTING.md has no \"Where things live\"")
	}
	table, _, _ = strings.Cut(table, "\n## ")
	code := regexp.MustCompile("`([^`]+)`")
	rows := map[string]bool{}
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 5 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		folder := strings.TrimSuffix(strings.Trim(strings.TrimSpace(cells[1]), "`"), "/")
		allowed, ruled := mayImport[folder]
		if !ruled {
			continue
		}
		rows[folder] = true
		named := map[string]bool{}
		for _, m := range code.FindAllStringSubmatch(cells[2], -1) {
			named[m[1]] = true
			if ext := filepath.Ext(m[1]); (ext == ".go" || ext == ".ui" || ext == ".css") && !strings.Contains(m[1], "/") {
				if _, err := os.Stat(filepath.Join(root, folder, m[1])); err != nil {
					t.Errorf("CONTRIBUTING.md names %s/%s, which does not exist", folder, m[1])
				}
			}
		}
		files, _ := filepath.Glob(filepath.Join(root, folder, "*.go"))
		for _, f := range files {
			if name := filepath.Base(f); !strings.HasSuffix(name, "_test.go") && name != "doc.go" && !named[name] {
				t.Errorf("CONTRIBUTING.md's row for %s does not name %s", folder, name)
			}
		}
		var says []string
		for _, m := range code.FindAllStringSubmatch(cells[3], -1) {
			says = append(says, m[1])
		}
		slices.Sort(says)
		want := slices.Sorted(slices.Values(allowed))
		if !slices.Equal(says, want) {
			t.Errorf("CONTRIBUTING.md says %s may import %v; the rule is %v", folder, says, want)
		}
	}
	for _, folder := range keys(mayImport) {
		if !rows[folder] {
			t.Errorf("CONTRIBUTING.md's map has no row for %s", folder)
		}
	}
}
