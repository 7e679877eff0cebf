package ui

import (
	"strings"
	"unicode"

	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
)

// addRow is the row at the end of a list (folders, persistent paths,
// variables, bus names, USB rules) where a person types a new entry.
//
//   - The text is checked as it is typed. While it cannot be added, the Add
//     button is off and a row below says why, in plain words (and a screen
//     reader hears it once); the validators speak Flatpak's words, kept for
//     the command line, so the window says what to type instead.
//   - Enter and the Add button do the same.
//   - What is typed belongs to the app it was typed for: switching apps
//     keeps the draft with its app and shows the new app's own (see
//     switchDraft), so a draft can never be added to another app.
type addRow struct {
	v        *pageView
	entry    *entryRow
	add      *gtk.Button
	problem  *actionRow // the reason the text cannot be added
	said     string     // the reason last announced
	validate func(string) error
	explain  func(s string, err error) string
	apply    func(string)
	drafts   map[string]string // unconfirmed text by target (app ID, or global)
	target   string            // whose draft the row holds now
	syncing  bool
	bad      bool // the text cannot be added (the reason row is meant to show)
}

// newAddRow makes an add row titled title; validate checks an entry,
// explain turns its error into plain words, apply adds a valid one.
func (v *pageView) newAddRow(title string, validate func(string) error, explain func(string, error) string, apply func(string)) *addRow {
	r := &addRow{v: v, entry: newEntryRow(title), validate: validate, explain: explain, apply: apply,
		drafts: map[string]string{}, target: model.Target(v.app)}
	r.add = gtk.NewButtonFromIconName("list-add-symbolic")
	r.add.AddCSSClass("flat")
	r.add.SetVAlign(gtk.AlignCenter)
	r.add.SetTooltipText(T("Add"))
	// Named for a screen reader; the row's title says what it adds.
	setAccessibleLabel(r.add, T("Add"))
	r.add.UpdateProperty([]gtk.AccessibleProperty{gtk.AccessiblePropertyDescription}, []coreglib.Value{*coreglib.NewValue(title)})
	r.add.SetSensitive(false)
	r.entry.addSuffix(r.add)
	r.problem = newActionRow("", "")
	r.problem.AddCSSClass("entry-problem")
	r.problem.SetVisible(false)
	r.problem.addPrefix(gtk.NewImageFromIconName("dialog-warning-symbolic"))
	r.problem.obj.SetObjectProperty("title-lines", 0)
	v.cs.add(r.entry.obj, r.entry.onChanged(r.check))
	v.cs.add(r.entry.obj, r.entry.onActivated(r.submit))
	v.cs.add(r.add, r.add.ConnectClicked(r.submit))
	v.addRows = append(v.addRows, r)
	return r
}

// rows are the widgets the row adds to its group: the entry, then the
// reason it cannot be added.
func (r *addRow) rows() []gtk.Widgetter { return []gtk.Widgetter{r.entry, r.problem} }

// check updates the Add button and the reason as the text changes.
func (r *addRow) check() {
	s := strings.TrimSpace(r.entry.text())
	if !r.syncing {
		r.drafts[r.target] = r.entry.text()
	}
	var err error
	if s != "" {
		err = r.validate(s)
	}
	r.add.SetSensitive(s != "" && err == nil)
	r.bad = err != nil
	if err == nil {
		r.entry.RemoveCSSClass("error")
		r.problem.SetVisible(false)
		r.said = ""
		r.entry.UpdateProperty([]gtk.AccessibleProperty{gtk.AccessiblePropertyDescription}, []coreglib.Value{*coreglib.NewValue("")})
		return
	}
	why := r.explain(s, err)
	r.entry.AddCSSClass("error")
	r.problem.setTitle(why)
	r.problem.SetVisible(true)
	r.entry.UpdateProperty([]gtk.AccessibleProperty{gtk.AccessiblePropertyDescription}, []coreglib.Value{*coreglib.NewValue(why)})
	if why != r.said && !r.syncing {
		// Said once per reason, not at every key press.
		r.said = why
		announce(r.entry, why)
	}
}

// submit adds the text, if it can be added, to the app it was typed for.
func (r *addRow) submit() {
	s := strings.TrimSpace(r.entry.text())
	if s == "" || r.validate(s) != nil {
		r.check()
		return
	}
	r.apply(s)
	delete(r.drafts, r.target)
	r.setText("")
	r.v.w.flush()
}

// setText puts text in the entry as the program, not as typing: the draft
// is left alone.
func (r *addRow) setText(s string) {
	r.syncing = true
	r.entry.setText(s)
	r.syncing = false
	r.check()
}

// fill puts text in the entry as if typed (a file chooser's answer) and
// puts the keyboard there, so Enter adds it.
func (r *addRow) fill(s string) {
	r.entry.setText(s)
	r.entry.GrabFocus()
}

// switchDraft shows the draft of the page's new target.
func (r *addRow) switchDraft(target string) {
	if target == r.target {
		return
	}
	r.target = target
	r.setText(r.drafts[target])
}

// draftsTo keeps every add row's draft with the target it was typed for,
// and shows the drafts of target.
func (v *pageView) draftsTo(target string) {
	for _, r := range v.addRows {
		r.switchDraft(target)
	}
}

// Plain words for what a person typed that cannot be added. Each says what
// to write, with an example; a few common slips get a sentence of their
// own.

func explainFolder(s string, _ error) string {
	loc, _, _ := strings.Cut(s, ":")
	switch {
	case hasControl(s):
		return T("A folder cannot contain a line break or another control character.")
	case loc == "/":
		return T("The whole computer is “host”, not “/”.")
	case containsDotDot(loc):
		return T("A folder cannot go up with “..”: write the folder itself, e.g. ~/Games.")
	case loc == "xdg-run":
		return T("Name a folder under xdg-run, e.g. xdg-run/pipewire-0.")
	}
	return T("Write a folder in your home as ~/Games, any other as /opt/data, or a name such as home, host or xdg-download; add :ro for read-only.")
}

func explainPersistent(s string, _ error) string {
	switch {
	case hasControl(s):
		return T("A path cannot contain a line break or another control character.")
	case strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~"):
		return T("Write the path inside the app's home, without ~ or a leading /, e.g. .mozilla.")
	case containsDotDot(s):
		return T("A path cannot go up with “..”.")
	}
	return T("Write a path inside the app's home, e.g. .cache/thumbnails.")
}

func explainVariable(s string, _ error) string {
	name, _, ok := strings.Cut(s, "=")
	switch {
	case !ok:
		return T("Write the variable as NAME=value, e.g. GTK_THEME=Adwaita:dark; NAME= sets it empty.")
	case name == "":
		return T("Write the variable's name before the =, e.g. LANG=en_US.UTF-8.")
	case strings.TrimSpace(name) != name:
		return T("A variable's name cannot start or end with a space.")
	case hasControl(s):
		return T("A variable cannot contain a line break or another control character.")
	}
	return T("Write the variable as NAME=value, e.g. GTK_THEME=Adwaita:dark; NAME= sets it empty.")
}

func explainBusName(string, error) string {
	return T("A bus name has two or more parts joined by dots, such as org.freedesktop.secrets; end it with .* to cover every name below it.")
}

func explainUSB(string, error) string {
	return T("Write a rule such as vnd:046d (a vendor), vnd:046d+dev:c52b (one device), cls:03:* (a class) or all; start with ! to hide the devices instead.")
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

func containsDotDot(p string) bool {
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return true
		}
	}
	return false
}

// setAccessibleLabel names a widget for screen readers (an icon button has
// no text of its own to be named by).
func setAccessibleLabel(w gtk.Widgetter, label string) {
	gtk.BaseWidget(w).UpdateProperty([]gtk.AccessibleProperty{gtk.AccessiblePropertyLabel}, []coreglib.Value{*coreglib.NewValue(label)})
}
