package ui

import (
	"os"
	"path/filepath"

	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
	"github.com/diamondburned/gotk4/pkg/glib/v2"
)

// Domain is Confine's gettext domain, shared by Go strings and .ui files.
const Domain = "confine"

// T translates a string (xgettext keyword T).
func T(s string) string { return coreglib.Local(s) }

// NT translates a message that depends on a count n, in the plural form
// the language uses for n (xgettext keyword NT:1,2). Both forms take the
// same placeholders; n is usually one of them.
func NT(singular, plural string, n int) string {
	if n < 0 {
		n = -n
	}
	return glib.Dngettext(Domain, singular, plural, uint32(min(n, 1<<31)))
}

// InitI18n binds the gettext domain: localeDir when given (set by meson at
// build time), else the share/locale next to the binary's prefix, else the
// build tree's _build/po (for running uninstalled).
func InitI18n(localeDir string) string {
	dir := localeDir
	if dir == "" || !exists(dir) {
		if exe, err := os.Executable(); err == nil {
			// Installed (prefix/bin → prefix/share/locale), or a meson
			// build tree (_build/confine → _build/po/<lang>/LC_MESSAGES).
			for _, c := range []string{filepath.Join(filepath.Dir(exe), "..", "share", "locale"), filepath.Join(filepath.Dir(exe), "po"), filepath.Join(filepath.Dir(exe), "locale")} {
				if exists(c) {
					dir = c
					break
				}
			}
		}
	}
	if dir == "" {
		dir = "/usr/share/locale"
	}
	coreglib.InitI18n(Domain, dir)
	return dir
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// N marks a string for translation where it is translated later (xgettext
// keyword N).
func N(s string) string { return s }

// translated translates the string arguments of a message from the model
// (catalogue titles are msgids); other strings, such as a release
// number, have no translation and stay as they are.
func translated(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if s, ok := a.(string); ok {
			a = T(s)
		}
		out[i] = a
	}
	return out
}
