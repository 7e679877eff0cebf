// Package i18ntest checks Confine's translations: that po/POTFILES.in and
// po/confine.pot cover every translatable string in the code and the .ui
// files, that every language in po/LINGUAS translates all of them (no
// fuzzy or empty entries, same placeholders, mnemonics and literal tokens),
// and that the compiled catalogues answer real lookups through the gettext
// path the app itself uses (gotk4's glib.InitI18n and glib.Local).
package i18ntest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/diamondburned/gotk4/pkg/core/glib"
	glibv2 "github.com/diamondburned/gotk4/pkg/glib/v2"

	"github.com/confine-app/confine/internal/testbin"
)

const domain = "confine"

// entry is one message of a .po or .pot file.
type entry struct {
	ctxt, id, str string
	// plural is msgid_plural, and strs the msgstr[N] forms, for a message
	// that depends on a count.
	plural string
	strs   []string
	fuzzy  bool
	line   int
}

func (e entry) key() string {
	if e.ctxt != "" {
		return e.ctxt + "\x04" + e.id
	}
	return e.id
}

// catalog is a parsed .po/.pot file: the header and the messages in file
// order. Obsolete (#~) messages are left out.
type catalog struct {
	header  map[string]string
	entries []entry
}

func (c *catalog) byKey() map[string]entry {
	m := make(map[string]entry, len(c.entries))
	for _, e := range c.entries {
		m[e.key()] = e
	}
	return m
}

func parsePO(path string) (*catalog, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c := &catalog{header: map[string]string{}}
	var (
		cur     entry
		field   *string
		started bool
		seen    = map[string]bool{}
	)
	flush := func() error {
		if !started {
			return nil
		}
		if len(cur.strs) > 0 {
			cur.str = cur.strs[0]
		}
		if cur.id == "" && cur.ctxt == "" {
			for _, l := range strings.Split(cur.str, "\n") {
				if k, v, ok := strings.Cut(l, ":"); ok {
					c.header[strings.TrimSpace(k)] = strings.TrimSpace(v)
				}
			}
		} else {
			if seen[cur.key()] {
				return fmt.Errorf("%s:%d: duplicate msgid %q", path, cur.line, cur.id)
			}
			seen[cur.key()] = true
			c.entries = append(c.entries, cur)
		}
		cur, field, started = entry{}, nil, false
		return nil
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		var rest string
		switch {
		case line == "":
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		case strings.HasPrefix(line, "#~"):
			continue
		case strings.HasPrefix(line, "#,"):
			if started && field != nil {
				if err := flush(); err != nil {
					return nil, err
				}
			}
			for _, fl := range strings.Split(line[2:], ",") {
				if strings.TrimSpace(fl) == "fuzzy" {
					cur.fuzzy = true
				}
			}
			continue
		case strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "msgctxt "):
			if started && field != nil {
				if err := flush(); err != nil {
					return nil, err
				}
			}
			started, cur.line, field, rest = true, n, &cur.ctxt, line[len("msgctxt "):]
		case strings.HasPrefix(line, "msgid_plural "):
			field, rest = &cur.plural, line[len("msgid_plural "):]
		case strings.HasPrefix(line, "msgstr["):
			idx, after, ok := strings.Cut(line[len("msgstr["):], "] ")
			i, err := strconv.Atoi(idx)
			if !ok || err != nil || i != len(cur.strs) {
				return nil, fmt.Errorf("%s:%d: bad plural form %q", path, n, line)
			}
			cur.strs = append(cur.strs, "")
			field, rest = &cur.strs[i], after
		case strings.HasPrefix(line, "msgid "):
			if started && field != &cur.ctxt {
				if err := flush(); err != nil {
					return nil, err
				}
			}
			if !started {
				cur.line = n
			}
			started, field, rest = true, &cur.id, line[len("msgid "):]
		case strings.HasPrefix(line, "msgstr "):
			field, rest = &cur.str, line[len("msgstr "):]
		case strings.HasPrefix(line, `"`):
			rest = line
		default:
			return nil, fmt.Errorf("%s:%d: cannot parse %q", path, n, line)
		}
		if field == nil {
			return nil, fmt.Errorf("%s:%d: string outside a message", path, n)
		}
		s, err := strconv.Unquote(rest)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		*field += s
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return c, nil
}

func linguas(t testing.TB, top string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(top, "po", "LINGUAS"))
	if err != nil {
		t.Fatal(err)
	}
	var langs []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			langs = append(langs, strings.Fields(l)...)
		}
	}
	return langs
}

func loadPO(t testing.TB, path string) *catalog {
	t.Helper()
	c, err := parsePO(path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The languages this test knows first-hand, with strings from the Go code,
// the catalogue (model/) and window.ui that must come back translated.
var spotChecks = map[string]map[string]string{
	"de": {
		"Network":            "Netzwerk",
		"All Applications":   "Alle Anwendungen",
		"Reset":              "Zurücksetzen",
		"_About Confine":     "_Info zu Confine",
		"Main Menu":          "Hauptmenü",
		"Keyboard shortcuts": "Tastenkürzel",
		"Could not save: %v": "Speichern fehlgeschlagen: %v",
	},
	"fr": {
		"Network":            "Réseau",
		"All Applications":   "Toutes les applications",
		"Reset":              "Réinitialiser",
		"_About Confine":     "À _propos de Confine",
		"Main Menu":          "Menu principal",
		"Keyboard shortcuts": "Raccourcis clavier",
		"Could not save: %v": "Impossible d’enregistrer\u00a0: %v",
	},
	// For the newer languages, the terms GNOME's teams use for these.
	"es":    {"Network": "Red", "All Applications": "Todas las aplicaciones", "Reset": "Restablecer", "Main Menu": "Menú principal", "Keyboard shortcuts": "Atajos del teclado"},
	"it":    {"Network": "Rete", "All Applications": "Tutte le applicazioni", "Reset": "Ripristina", "Main Menu": "Menu principale", "Keyboard shortcuts": "Scorciatoie da tastiera"},
	"pt_BR": {"Network": "Rede", "All Applications": "Todos os aplicativos", "Reset": "Redefinir", "Main Menu": "Menu principal", "Keyboard shortcuts": "Atalhos de teclado"},
	"nl":    {"Network": "Netwerk", "All Applications": "Alle toepassingen", "Reset": "Herstellen", "Main Menu": "Hoofdmenu", "Keyboard shortcuts": "Sneltoetsen"},
	"pl":    {"Network": "Sieć", "All Applications": "Wszystkie aplikacje", "Reset": "Przywróć", "Main Menu": "Menu główne", "Keyboard shortcuts": "Skróty klawiszowe"},
	"cs":    {"Network": "Síť", "All Applications": "Všechny aplikace", "Reset": "Obnovit", "Main Menu": "Hlavní nabídka", "Keyboard shortcuts": "Klávesové zkratky"},
	"ru":    {"Network": "Сеть", "All Applications": "Все приложения", "Reset": "Сбросить", "Main Menu": "Главное меню", "Keyboard shortcuts": "Комбинации клавиш"},
	"ja":    {"Network": "ネットワーク", "All Applications": "すべてのアプリケーション", "Reset": "リセット", "Main Menu": "メインメニュー", "Keyboard shortcuts": "キーボードショートカット"},
}

// pluralForms is each language's Plural-Forms header (the usual GNU
// gettext formula) and the same rule in Go, which TestLookups holds the
// compiled catalogues to.
var pluralForms = map[string]struct {
	header string
	form   func(n int) int
}{
	"de":    {"nplurals=2; plural=(n != 1);", func(n int) int { return b2i(n != 1) }},
	"fr":    {"nplurals=2; plural=(n > 1);", func(n int) int { return b2i(n > 1) }},
	"es":    {"nplurals=2; plural=(n != 1);", func(n int) int { return b2i(n != 1) }},
	"it":    {"nplurals=2; plural=(n != 1);", func(n int) int { return b2i(n != 1) }},
	"nl":    {"nplurals=2; plural=(n != 1);", func(n int) int { return b2i(n != 1) }},
	"pt_BR": {"nplurals=2; plural=(n > 1);", func(n int) int { return b2i(n > 1) }},
	"pl":    {"nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);", slavic(func(n int) bool { return n == 1 })},
	"ru":    {"nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);", slavic(func(n int) bool { return n%10 == 1 && n%100 != 11 })},
	"cs": {"nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;", func(n int) int {
		switch {
		case n == 1:
			return 0
		case n >= 2 && n <= 4:
			return 1
		}
		return 2
	}},
	"ja": {"nplurals=1; plural=0;", func(int) int { return 0 }},
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// slavic is the Polish and Russian rule after its first case: 2–4 (not
// 12–14) take the second form, everything else the third.
func slavic(one func(int) bool) func(int) int {
	return func(n int) int {
		switch {
		case one(n):
			return 0
		case n%10 >= 2 && n%10 <= 4 && (n%100 < 10 || n%100 >= 20):
			return 1
		}
		return 2
	}
}

// pluralCounts are the counts every plural message is looked up with:
// each form of each language above, and its edges.
var pluralCounts = []int{0, 1, 2, 3, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 112}

func TestLinguas(t *testing.T) {
	top := testbin.Root(t)
	langs := linguas(t, top)
	for _, want := range []string{"de", "fr", "es", "it", "pt_BR", "nl", "pl", "cs", "ru", "ja"} {
		if !slices.Contains(langs, want) {
			t.Errorf("po/LINGUAS lacks %s (has %v)", want, langs)
		}
	}
	for _, l := range langs {
		if _, err := os.Stat(filepath.Join(top, "po", l+".po")); err != nil {
			t.Errorf("po/LINGUAS lists %s: %v", l, err)
		}
	}
}

var (
	// printf verbs, in order; %% is not a placeholder.
	verbRE = regexp.MustCompile(`%[-+# 0-9.*]*[a-zA-Z%]`)
	// Text that must be copied verbatim: markup, D-Bus names, command
	// options, key=value syntax and paths.
	literalREs = []*regexp.Regexp{
		regexp.MustCompile(`<code>[^<]*</code>`),
		regexp.MustCompile(`\b[a-z][a-z0-9-]*(?:\.[A-Za-z0-9_-]+){2,}\b`),
		regexp.MustCompile(`--[a-z][a-z-]*`),
		regexp.MustCompile(`\b[A-Za-z_][A-Za-z0-9_-]*=[A-Za-z0-9_!:-]+`),
		regexp.MustCompile(`(?:^|[\s(])(~?/[A-Za-z0-9_./-]*[A-Za-z0-9_]|\.[a-z]+/[a-z]+)`),
	}
	// Names that stay as they are in every language.
	productNames = []string{"Confine", "Flatpak", "Flathub", "X11", "Wayland", "D-Bus", "PulseAudio", "GnuPG", "SSH", "KVM", "CUPS", "IPC", "GPU", "USB", "seccomp", "ptrace", "fallback-x11", "xdg-music"}
)

func verbs(s string) []string {
	var out []string
	for _, v := range verbRE.FindAllString(s, -1) {
		if v != "%%" {
			out = append(out, v)
		}
	}
	return out
}

func literals(s string) []string {
	var out []string
	for _, re := range literalREs {
		for _, m := range re.FindAllStringSubmatch(s, -1) {
			out = append(out, m[len(m)-1])
		}
	}
	for _, p := range productNames {
		if strings.Contains(s, p) {
			out = append(out, p)
		}
	}
	return out
}

// mnemonics counts the mnemonic underscores ("_" before a character) in s.
func mnemonics(s string) int {
	n := 0
	r := []rune(s)
	for i := 0; i+1 < len(r); i++ {
		if r[i] == '_' && r[i+1] != '_' && r[i+1] != ' ' {
			n++
		}
	}
	return n
}

// TestPOComplete checks every language against po/confine.pot: each msgid
// of the template is translated, nothing is fuzzy or empty, and the
// translation keeps the placeholders (same order), mnemonics, literal
// tokens and trailing newlines of the original.
func TestPOComplete(t *testing.T) {
	top := testbin.Root(t)
	pot := loadPO(t, filepath.Join(top, "po", "confine.pot"))
	if len(pot.entries) == 0 {
		t.Fatal("po/confine.pot has no messages")
	}
	if cs := pot.header["Content-Type"]; !strings.Contains(cs, "charset=UTF-8") {
		t.Errorf("po/confine.pot: Content-Type %q, want charset=UTF-8", cs)
	}
	for _, lang := range linguas(t, top) {
		t.Run(lang, func(t *testing.T) {
			path := filepath.Join(top, "po", lang+".po")
			po := loadPO(t, path)
			if got := po.header["Language"]; got != lang {
				t.Errorf("%s: Language header %q, want %q", path, got, lang)
			}
			if !strings.Contains(po.header["Content-Type"], "charset=UTF-8") {
				t.Errorf("%s: Content-Type %q, want charset=UTF-8", path, po.header["Content-Type"])
			}
			pf, known := pluralForms[lang]
			if !known {
				t.Errorf("%s: no plural rule for %s in this test; add the language to pluralForms", path, lang)
			} else if got := po.header["Plural-Forms"]; strings.ReplaceAll(got, " ", "") != strings.ReplaceAll(pf.header, " ", "") {
				t.Errorf("%s: Plural-Forms %q, want %q", path, got, pf.header)
			}
			nplurals := 0
			fmt.Sscanf(po.header["Plural-Forms"], "nplurals=%d;", &nplurals)
			have := po.byKey()
			for _, p := range pot.entries {
				e, ok := have[p.key()]
				if !ok {
					t.Errorf("%s: missing msgid %q (run meson compile confine-update-po, then translate)", path, p.id)
					continue
				}
				where := fmt.Sprintf("%s:%d", path, e.line)
				if p.plural != "" || e.plural != "" {
					checkPlural(t, where, p, e, nplurals)
					continue
				}
				switch {
				case e.fuzzy:
					t.Errorf("%s: fuzzy translation of %q", where, e.id)
				case strings.TrimSpace(e.str) == "":
					t.Errorf("%s: untranslated %q", where, e.id)
				}
				if a, b := verbs(e.id), verbs(e.str); !slices.Equal(a, b) {
					t.Errorf("%s: placeholders %v in %q became %v in %q", where, a, e.id, b, e.str)
				}
				if a, b := mnemonics(e.id), mnemonics(e.str); a != b {
					t.Errorf("%s: %d mnemonic underscore(s) in %q, %d in %q", where, a, e.id, b, e.str)
				}
				for _, lit := range literals(e.id) {
					if !strings.Contains(e.str, lit) {
						t.Errorf("%s: %q must stay as it is in the translation of %q; got %q", where, lit, e.id, e.str)
					}
				}
				if strings.HasSuffix(e.id, "\n") != strings.HasSuffix(e.str, "\n") {
					t.Errorf("%s: trailing newline differs for %q", where, e.id)
				}
				if strings.HasSuffix(e.id, ";") && !strings.HasSuffix(e.str, ";") {
					t.Errorf("%s: a keyword list must end with ';': %q", where, e.str)
				}
			}
			for _, e := range po.entries {
				if _, ok := pot.byKey()[e.key()]; !ok {
					t.Errorf("%s:%d: %q is not in po/confine.pot any more (run meson compile confine-update-po)", path, e.line, e.id)
				}
			}
		})
	}
}

// checkPlural checks a message that depends on a count: the language has
// every form it needs, each translated, each with the placeholders and
// literal tokens of the original.
func checkPlural(t *testing.T, where string, p, e entry, nplurals int) {
	t.Helper()
	if e.plural != p.plural {
		t.Errorf("%s: msgid_plural %q, the template has %q", where, e.plural, p.plural)
	}
	if e.fuzzy {
		t.Errorf("%s: fuzzy translation of %q", where, e.id)
	}
	if len(e.strs) != nplurals {
		t.Errorf("%s: %d plural forms for %q, the language has %d", where, len(e.strs), e.id, nplurals)
	}
	for i, s := range e.strs {
		if strings.TrimSpace(s) == "" {
			t.Errorf("%s: plural form %d of %q is untranslated", where, i, e.id)
			continue
		}
		if a, b := verbs(p.plural), verbs(s); !slices.Equal(a, b) {
			t.Errorf("%s: placeholders %v in %q became %v in form %d %q", where, a, p.plural, b, i, s)
		}
		for _, lit := range literals(p.plural) {
			if !strings.Contains(s, lit) {
				t.Errorf("%s: %q must stay as it is in form %d of %q; got %q", where, lit, i, e.id, s)
			}
		}
	}
}

// TestMsgfmtCheck runs msgfmt --check on every language: header, format
// strings and accelerators as gettext itself sees them.
func TestMsgfmtCheck(t *testing.T) {
	msgfmt := testbin.Need(t, "msgfmt")
	top := testbin.Root(t)
	for _, lang := range linguas(t, top) {
		out, err := exec.Command(msgfmt, "--check", "--statistics", "-o", os.DevNull, filepath.Join(top, "po", lang+".po")).CombinedOutput()
		if err != nil {
			t.Errorf("msgfmt --check %s.po: %v\n%s", lang, err, out)
			continue
		}
		stats := strings.TrimSpace(string(out))
		if strings.Contains(stats, "fuzzy") || strings.Contains(stats, "untranslated") {
			t.Errorf("%s.po: %s", lang, stats)
		}
		t.Logf("%s.po: %s", lang, stats)
	}
}

// goStrings returns the literal arguments of the translation keywords in
// one Go file; bad lists calls xgettext cannot extract.
func goStrings(fset *token.FileSet, f *ast.File, keywords map[string]bool) (lits []string, bad []string) {
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		id, ok := call.Fun.(*ast.Ident)
		if !ok || !keywords[id.Name] {
			return true
		}
		pos := fset.Position(call.Pos())
		args := call.Args
		if id.Name == "NT" {
			// NT(singular, plural, n): both literals are extracted.
			if len(args) != 3 {
				return true
			}
			var forms []string
			for _, a := range args[:2] {
				l, ok := a.(*ast.BasicLit)
				if !ok || l.Kind != token.STRING || strings.HasPrefix(l.Value, "`") {
					bad = append(bad, fmt.Sprintf("%s: NT needs two \"…\" literals", pos))
					return true
				}
				s, _ := strconv.Unquote(l.Value)
				forms = append(forms, s)
			}
			lits = append(lits, forms[0]+"\x00"+forms[1])
			return true
		}
		if len(args) != 1 {
			return true
		}
		switch a := args[0].(type) {
		case *ast.BasicLit:
			if a.Kind != token.STRING {
				return true
			}
			if strings.HasPrefix(a.Value, "`") {
				bad = append(bad, fmt.Sprintf("%s: %s(`…`): xgettext's C parser cannot read Go raw strings; use a \"…\" literal", pos, id.Name))
				return true
			}
			s, err := strconv.Unquote(a.Value)
			if err != nil {
				bad = append(bad, fmt.Sprintf("%s: %v", pos, err))
				return true
			}
			lits = append(lits, s)
		case *ast.BinaryExpr:
			if isStringConcat(a) {
				bad = append(bad, fmt.Sprintf("%s: %s(\"…\" + \"…\"): xgettext takes only the first literal; use one literal", pos, id.Name))
			}
		}
		return true
	})
	return lits, bad
}

func isStringConcat(b *ast.BinaryExpr) bool {
	if b.Op != token.ADD {
		return false
	}
	for _, side := range []ast.Expr{b.X, b.Y} {
		switch s := side.(type) {
		case *ast.BasicLit:
			if s.Kind == token.STRING {
				return true
			}
		case *ast.BinaryExpr:
			if isStringConcat(s) {
				return true
			}
		}
	}
	return false
}

func potfiles(t testing.TB, top string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(top, "po", "POTFILES.in"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			if _, err := os.Stat(filepath.Join(top, l)); err != nil {
				t.Errorf("po/POTFILES.in lists %s: %v", l, err)
			}
			m[l] = true
		}
	}
	return m
}

// TestSourcesExtracted checks, without xgettext, that po/POTFILES.in lists
// every Go file with a literal T("…"), N("…") or N_("…") call and every
// .ui file, that each such string can be extracted and is in
// po/confine.pot (so TestPOComplete then requires its translation).
func TestSourcesExtracted(t *testing.T) {
	top := testbin.Root(t)
	listed := potfiles(t, top)
	pot := loadPO(t, filepath.Join(top, "po", "confine.pot")).byKey()
	keywords := map[string]bool{"T": true, "N": true, "N_": true, "NT": true}
	fset := token.NewFileSet()
	for _, dir := range []string{"ui", "model", "portals", "policy", "permstore", "cli", "cmd/confine"} {
		names, err := filepath.Glob(filepath.Join(top, dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			rel, _ := filepath.Rel(top, name)
			rel = filepath.ToSlash(rel)
			f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Errorf("%s: %v", rel, err)
				continue
			}
			lits, bad := goStrings(fset, f, keywords)
			for _, b := range bad {
				t.Error(b)
			}
			if len(lits) == 0 {
				continue
			}
			if !listed[rel] {
				t.Errorf("%s has %d translatable strings but is not in po/POTFILES.in", rel, len(lits))
			}
			for _, s := range lits {
				if id, plural, ok := strings.Cut(s, "\x00"); ok {
					if e, found := pot[id]; !found || e.plural != plural {
						t.Errorf("%s: %q / %q is not in po/confine.pot as a plural message (run meson compile confine-pot)", rel, id, plural)
					}
					continue
				}
				if _, ok := pot[s]; !ok {
					t.Errorf("%s: %q is not in po/confine.pot (run meson compile confine-pot, then confine-update-po, then translate)", rel, s)
				}
			}
		}
	}
	uis, err := filepath.Glob(filepath.Join(top, "ui", "*.ui"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range uis {
		rel, _ := filepath.Rel(top, name)
		rel = filepath.ToSlash(rel)
		ids, err := uiStrings(name)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if len(ids) > 0 && !listed[rel] {
			t.Errorf("%s has %d translatable strings but is not in po/POTFILES.in", rel, len(ids))
		}
		for _, id := range ids {
			if _, ok := pot[id]; !ok {
				t.Errorf("%s: %q is not in po/confine.pot (run meson compile confine-pot)", rel, id)
			}
		}
	}
}

// uiStrings returns the translatable="yes" texts of a GtkBuilder file (with
// msgctxt as the context prefix when there is one) and checks its domain.
func uiStrings(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	var (
		out   []string
		stack []*strings.Builder
		ctxts []string
	)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch el := tok.(type) {
		case xml.StartElement:
			var tr bool
			var ctxt string
			for _, a := range el.Attr {
				switch a.Name.Local {
				case "translatable":
					tr = a.Value == "yes" || a.Value == "true"
				case "context":
					ctxt = a.Value
				case "domain":
					if el.Name.Local == "interface" && a.Value != domain {
						return nil, fmt.Errorf("<interface domain=%q>, want %q", a.Value, domain)
					}
				}
			}
			if tr {
				stack = append(stack, &strings.Builder{})
			} else {
				stack = append(stack, nil)
			}
			ctxts = append(ctxts, ctxt)
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1] != nil {
				stack[len(stack)-1].Write(el)
			}
		case xml.EndElement:
			if b := stack[len(stack)-1]; b != nil {
				s := b.String()
				if c := ctxts[len(ctxts)-1]; c != "" {
					s = c + "\x04" + s
				}
				out = append(out, s)
			}
			stack, ctxts = stack[:len(stack)-1], ctxts[:len(ctxts)-1]
		}
	}
	return out, nil
}

// Environment of the lookup helper.
const (
	helperEnv = "CONFINE_I18N_HELPER"
	dirEnv    = "CONFINE_I18N_LOCALEDIR"
	inEnv     = "CONFINE_I18N_IN"
	outEnv    = "CONFINE_I18N_OUT"
)

// lookupIn is what the lookup helper translates: msgids with glib.Local,
// and plural messages with g_dngettext for a count.
type lookupIn struct {
	IDs     []string  `json:"ids"`
	Plurals []pluralQ `json:"plurals"`
}

type pluralQ struct {
	ID, Plural string
	N          int
}

type lookupOut struct {
	Local   map[string]string `json:"local"`
	Plurals []string          `json:"plurals"`
}

// TestHelperLookup is not a test on its own: TestLookups runs it in a child
// process (gettext reads the locale once per process) to translate what
// $CONFINE_I18N_IN asks with glib.InitI18n, glib.Local and g_dngettext,
// exactly as the app does (ui.T, ui.NT), and writes the results to
// $CONFINE_I18N_OUT as JSON.
func TestHelperLookup(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for TestLookups")
	}
	b, err := os.ReadFile(os.Getenv(inEnv))
	if err != nil {
		t.Fatal(err)
	}
	var in lookupIn
	if err := json.Unmarshal(b, &in); err != nil {
		t.Fatal(err)
	}
	glib.InitI18n(domain, os.Getenv(dirEnv))
	out := lookupOut{Local: make(map[string]string, len(in.IDs))}
	for _, id := range in.IDs {
		out.Local[id] = glib.Local(id)
	}
	for _, q := range in.Plurals {
		out.Plurals = append(out.Plurals, glibv2.Dngettext(domain, q.ID, q.Plural, uint32(q.N)))
	}
	b, err = json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(os.Getenv(outEnv), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// lookup runs TestHelperLookup with the given locale variables and returns
// what gettext answered.
func lookup(t *testing.T, localeDir string, in lookupIn, env map[string]string) lookupOut {
	t.Helper()
	tmp := t.TempDir()
	inPath, outPath := filepath.Join(tmp, "in.json"), filepath.Join(tmp, "out.json")
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperLookup$", "-test.count=1")
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "LANGUAGE" || k == "LANG" || strings.HasPrefix(k, "LC_") || strings.HasPrefix(k, "CONFINE_I18N_") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, helperEnv+"=1", dirEnv+"="+localeDir, inEnv+"="+inPath, outEnv+"="+outPath)
	if o, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lookup helper (%v): %v\n%s", env, err, o)
	}
	b, err = os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	var out lookupOut
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLookups compiles every po/<lang>.po with msgfmt into
// <tmp>/<lang>/LC_MESSAGES/confine.mo and checks that every message comes
// back translated through glib.InitI18n + glib.Local with LANGUAGE=<lang>
// and LANG=C.UTF-8 (the C.UTF-8 locale ships with libc6 on Debian 12, no
// locales package needed; under the plain "C" locale gettext ignores
// LANGUAGE).
func TestLookups(t *testing.T) {
	msgfmt := testbin.Need(t, "msgfmt")
	top := testbin.Root(t)
	localeDir := t.TempDir()
	for _, lang := range linguas(t, top) {
		dir := filepath.Join(localeDir, lang, "LC_MESSAGES")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(msgfmt, "--check", "-o", filepath.Join(dir, domain+".mo"), filepath.Join(top, "po", lang+".po")).CombinedOutput(); err != nil {
			t.Fatalf("msgfmt %s.po: %v\n%s", lang, err, out)
		}
	}
	for _, lang := range linguas(t, top) {
		t.Run(lang, func(t *testing.T) {
			po := loadPO(t, filepath.Join(top, "po", lang+".po"))
			var in lookupIn
			var plurals []entry
			for _, e := range po.entries {
				switch {
				case e.ctxt != "":
				case e.plural != "":
					plurals = append(plurals, e)
					for _, n := range pluralCounts {
						in.Plurals = append(in.Plurals, pluralQ{ID: e.id, Plural: e.plural, N: n})
					}
				default:
					in.IDs = append(in.IDs, e.id)
				}
			}
			ids := in.IDs
			out := lookup(t, localeDir, in, map[string]string{"LANGUAGE": lang, "LANG": "C.UTF-8"})
			got := out.Local
			var wrong []string
			// Each count gets the form the language's rule gives it.
			if pf, ok := pluralForms[lang]; ok && len(out.Plurals) == len(in.Plurals) {
				for i, q := range in.Plurals {
					e := plurals[i/len(pluralCounts)]
					if f := pf.form(q.N); f >= len(e.strs) || out.Plurals[i] != e.strs[f] {
						wrong = append(wrong, fmt.Sprintf("n=%d %q → %q, want form %d", q.N, q.ID, out.Plurals[i], f))
					}
				}
			} else if len(in.Plurals) > 0 {
				t.Errorf("%d plural lookups, %d answers", len(in.Plurals), len(out.Plurals))
			}
			for _, e := range po.entries {
				if e.ctxt != "" || e.str == "" || e.plural != "" {
					continue // TestPOComplete reports empty translations
				}
				if g := got[e.id]; g != e.str {
					wrong = append(wrong, fmt.Sprintf("%q → %q, want %q", e.id, g, e.str))
				}
			}
			sort.Strings(wrong)
			if len(wrong) > 0 {
				t.Errorf("%d of %d lookups are wrong, e.g.\n%s", len(wrong), len(ids), strings.Join(wrong[:min(len(wrong), 10)], "\n"))
			}
			for id, want := range spotChecks[lang] {
				if g := got[id]; g != want {
					t.Errorf("Local(%q) = %q, want %q", id, g, want)
				}
			}
			t.Logf("%d messages and %d plural lookups checked through glib.Local and g_dngettext; %d wrong", len(ids), len(in.Plurals), len(wrong))
		})
	}
	t.Run("C locale", func(t *testing.T) {
		got := lookup(t, localeDir, lookupIn{IDs: []string{"Network"}}, map[string]string{"LANGUAGE": "de", "LANG": "C"}).Local
		// Informational: why the lookups above set LANG=C.UTF-8.
		t.Logf("LANG=C LANGUAGE=de: Local(\"Network\") = %q", got["Network"])
	})
}

// TestDesktopAndMetainfoTranslated merges the translations into the
// desktop entry and the metainfo as the build does (msgfmt --desktop,
// msgfmt --xml) and checks that every language gives the launcher its
// name, description and search terms, and the software centre every text.
func TestDesktopAndMetainfoTranslated(t *testing.T) {
	msgfmt := testbin.Need(t, "msgfmt")
	top := testbin.Root(t)
	tmp := t.TempDir()
	const base = "data/io.github.confine_app.Confine"
	desktop, metainfo := filepath.Join(tmp, "confine.desktop"), filepath.Join(tmp, "confine.metainfo.xml")
	for _, c := range [][]string{
		{"--desktop", "--template", filepath.Join(top, base+".desktop.in"), "-d", filepath.Join(top, "po"), "-o", desktop},
		{"--xml", "--template", filepath.Join(top, base+".metainfo.xml.in"), "-d", filepath.Join(top, "po"), "-o", metainfo},
	} {
		if out, err := exec.Command(msgfmt, c...).CombinedOutput(); err != nil {
			t.Fatalf("msgfmt %s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	d, err := os.ReadFile(desktop)
	if err != nil {
		t.Fatal(err)
	}
	m, err := os.ReadFile(metainfo)
	if err != nil {
		t.Fatal(err)
	}
	// msgfmt 0.21 writes markup inside a translated paragraph as text
	// (&lt;code&gt;), which a software centre would show as is.
	if bytes.Contains(m, []byte("&lt;")) {
		t.Errorf("the merged metainfo has markup escaped as text: keep <code>, <em> out of translated paragraphs")
	}
	// The texts of the metainfo a software centre shows, in English.
	texts := regexp.MustCompile(`(?m)<(summary|p|li|caption|name)>`).FindAll(m, -1)
	for _, lang := range linguas(t, top) {
		for _, key := range []string{"GenericName", "Comment", "Keywords"} {
			re := regexp.MustCompile(`(?m)^` + key + `\[` + regexp.QuoteMeta(lang) + `\]=(.+)$`)
			got := re.FindSubmatch(d)
			switch {
			case got == nil:
				t.Errorf("desktop entry: no %s[%s]", key, lang)
			case key == "Keywords" && !strings.HasSuffix(string(got[1]), ";"):
				t.Errorf("desktop entry: Keywords[%s] must end with ';': %q", lang, got[1])
			}
		}
		n := strings.Count(string(m), `xml:lang="`+lang+`"`)
		if want := len(texts); n < want {
			t.Errorf("metainfo: %d texts in %s, want %d", n, lang, want)
		}
	}
}
