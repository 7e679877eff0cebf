package model

import (
	"fmt"
	"strings"

	"github.com/confine-app/confine/overrides"
)

// Level says how strongly the advisor proposes a fix.
type Level int

const (
	// LevelInfo: nothing to change, only worth knowing.
	LevelInfo Level = iota
	// LevelSuggested: most apps of this kind can do without it, but the
	// app may lose features (network, audio…); never applied by default.
	LevelSuggested
	// LevelRecommended: a sandbox escape, or X11/IPC on a Wayland-native
	// app: revoking it costs nothing the app needs on a Wayland desktop,
	// or the grant defeats the sandbox.
	LevelRecommended
)

func (l Level) String() string { return [...]string{"info", "suggested", "recommended"}[l] }

// Finding is one thing the advisor has to say about an app.
type Finding struct {
	// ID is stable across runs (dismissals are remembered by it), e.g.
	// "escape/session-bus" or "revoke/network".
	ID       string
	Severity Severity
	Level    Level
	// Ref is the permission the finding is about (the page's row); zero
	// for findings about the app as a whole.
	Ref Ref
	// Perm is Ref's catalogue entry, when it has one.
	Perm *Permission
	// Permission is the grant in keyfile form, for display:
	// "sockets=x11", "filesystems=home",
	// "session-bus org.freedesktop.*=talk".
	Permission string
	Source     Source
	Title      string
	Reason     string
	Fix        string
	// TitleArgs and ReasonArgs fill the %s of Title and Reason after
	// translation; Title and Reason are the untranslated formats. Use
	// Text to get the English text.
	TitleArgs, ReasonArgs []any
	// Ops are the `flatpak override` options that apply the fix.
	Ops []overrides.Op
	// Repair: the fix is Model.Repair (the file cannot be edited with
	// options until Flatpak can read it).
	Repair    bool
	Dismissed bool
}

// Text formats a finding's title and reason with tr (a translation
// function; identity for English).
func (f Finding) Text(tr func(string) string) (title, reason string) {
	title, reason = tr(f.Title), tr(f.Reason)
	if len(f.TitleArgs) > 0 {
		title = fmt.Sprintf(title, translateArgs(tr, f.TitleArgs)...)
	}
	if len(f.ReasonArgs) > 0 {
		reason = fmt.Sprintf(reason, translateArgs(tr, f.ReasonArgs)...)
	}
	return title, reason
}

// translateArgs passes string arguments through tr too: some are
// catalogue texts, the rest (paths, names) have no translation and come
// back unchanged.
func translateArgs(tr func(string) string, args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if s, ok := a.(string); ok {
			out[i] = tr(s)
		} else {
			out[i] = a
		}
	}
	return out
}

// English is the identity translation, for the command line.
func English(s string) string { return s }

// OneLine folds a message onto one line (an error from a tool or a file
// may span several), for the command line and for notes.
func OneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", " ") }

// Rating is an app's overall verdict, in the spirit of GNOME Software's.
type Rating int

const (
	RatingSafe Rating = iota
	RatingPotentiallyUnsafe
	RatingUnsafe
)

func (r Rating) String() string { return [...]string{"safe", "potentially-unsafe", "unsafe"}[r] }

// Describe is the rating for display.
func (r Rating) Describe() string {
	return [...]string{N_("Safe"), N_("Potentially unsafe"), N_("Unsafe")}[r]
}

// RatingOf sums findings up: any escape makes an app unsafe, any high
// finding potentially unsafe. Dismissed findings still count: the user
// accepted the risk, the risk remains.
func RatingOf(fs []Finding) Rating {
	r := RatingSafe
	for _, f := range fs {
		switch {
		case f.Severity >= SeverityEscape:
			return RatingUnsafe
		case f.Severity >= SeverityHigh:
			r = RatingPotentiallyUnsafe
		}
	}
	return r
}
