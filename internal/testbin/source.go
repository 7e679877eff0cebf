package testbin

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// GoFiles calls f with every Go file of the tree (not under hidden
// folders, _build or testdata): its path relative to the top folder, with
// slashes, and its full path.
func GoFiles(t testing.TB, f func(rel, path string)) {
	t.Helper()
	root := Root(t)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "_build" || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(rel, ".go") {
			f(rel, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// CodeStrings calls f with every string literal of the tree's code: the
// non-test Go files outside internal/ and build-aux/ (tests, test data and
// developer tools are not checked), with each file's path relative to the
// top folder.
func CodeStrings(t testing.TB, f func(rel string, pos token.Position, value string)) {
	t.Helper()
	fset := token.NewFileSet()
	GoFiles(t, func(rel, path string) {
		if strings.HasSuffix(rel, "_test.go") || strings.HasPrefix(rel, "internal/") || strings.HasPrefix(rel, "build-aux/") {
			return
		}
		file, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if v, err := strconv.Unquote(lit.Value); err == nil {
					f(rel, fset.Position(lit.Pos()), v)
				}
			}
			return true
		})
	})
}
