package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/portals"
)

// Undo on the command line. What the window keeps in memory for its Undo
// button, the command line keeps in a file: each command that takes
// something away from an app (revoking files or a saved session,
// forgetting an answer, setting a portal permission) records exactly what
// was there in $XDG_STATE_HOME/confine/undo/NAME.json and prints
// `confine undo NAME`, which puts it back and removes the record.

// UndoFormat names undo records.
const UndoFormat = "confine-undo"

// UndoRecord is one thing a command took away, as `confine undo` reads
// it (and as --json prints it under "undo").
type UndoRecord struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Name    string `json:"name"`
	Created string `json:"created"` // RFC 3339
	App     string `json:"app"`
	// What says in one line what was taken away.
	What string `json:"what"`
	// One of these.
	Documents *portals.RevokedDocuments `json:"documents,omitempty"`
	Session   *portals.RevokedEntry     `json:"session,omitempty"`
	Answer    *UndoAnswer               `json:"answer,omitempty"`
}

// UndoAnswer is an app's stored value for one table and ID, before and
// after the command: Undo writes Before back (null: nothing stored)
// provided the value is still After.
type UndoAnswer struct {
	Table  string   `json:"table"`
	ID     string   `json:"id"`
	Before []string `json:"before"`
	After  []string `json:"after"`
}

// undoDir is where the records are kept; "" when there is no state
// folder.
func (c *command) undoDir() string {
	dir := c.env.Model.StateDir()
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, "undo")
}

// errNoUndo refuses to take anything away when its Undo could not be
// kept.
var errNoUndo = errors.New("nowhere to keep the Undo (set HOME or XDG_STATE_HOME to an absolute path); nothing was changed")

// canUndo checks, before a change, that its record can be written.
func (c *command) canUndo() error {
	dir := c.undoDir()
	if dir == "" {
		return errNoUndo
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot keep the Undo in %s: %v; nothing was changed", dir, err)
	}
	return nil
}

// saveUndo writes a record under a new name and fills in its name. When
// it cannot be written, the record goes to standard error, so that what
// was taken away is never lost.
func (c *command) saveUndo(r *UndoRecord, kind string) {
	r.Format, r.Version = UndoFormat, 1
	now := time.Now()
	r.Created = now.UTC().Format(time.RFC3339)
	dir := c.undoDir()
	base := now.Format("20060102-150405") + "-" + kind
	var err error
	for i := 1; i < 1000; i++ {
		r.Name = base
		if i > 1 {
			r.Name = fmt.Sprintf("%s-%d", base, i)
		}
		var data []byte
		if data, err = json.MarshalIndent(r, "", "  "); err != nil {
			break
		}
		var f *os.File
		f, err = os.OpenFile(filepath.Join(dir, r.Name+".json"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			break
		}
		_, err = f.Write(append(data, '\n'))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		break
	}
	if err != nil {
		data, merr := json.Marshal(r)
		if merr != nil {
			// Nothing to print: say what was taken in words.
			data = []byte(strconvQuote(r.What))
		}
		fmt.Fprintf(c.env.Stderr, "confine %s: could not keep the Undo (%v); keep this line and restore with: confine undo - < FILE\n%s\n", c.name, model.OneLine(err.Error()), jsonSafe(data))
		r.Name = ""
	}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// undoHint is the line that tells how to undo.
func (c *command) undoHint(r *UndoRecord) {
	if r.Name != "" {
		fmt.Fprintf(c.env.Stdout, "Undo: confine undo %s\n", r.Name)
	}
}

// UndoList is `confine undo --json` without a name.
type UndoList struct {
	Records []UndoRecord `json:"records"`
}

func (c *command) undo(args []string) error {
	fs := c.flags("[NAME|FILE|-] [--json]\n\nWithout a name, lists what can be undone, newest first. With one, puts back what that\n" +
		"command took away (files, a saved session, a portal answer) and forgets the record.")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(reorder(args)); err != nil {
		return err
	}
	switch fs.NArg() {
	case 0:
		return c.listUndo(*asJSON)
	case 1:
	default:
		return usageErr("name one record (confine undo lists them)")
	}
	arg := fs.Arg(0)
	var data []byte
	var file string
	var err error
	switch {
	case arg == "-" || strings.Contains(arg, "/"):
		data, err = c.readArg(arg)
	case c.undoDir() == "":
		return fail("%v", errNoUndo)
	case !validUndoName(arg):
		return usageErr("%s is not the name of an undo record (confine undo lists them)", esc(arg))
	default:
		file = filepath.Join(c.undoDir(), arg+".json")
		data, err = c.readArg(file)
		if errors.Is(err, os.ErrNotExist) {
			return fail("no undo record %s (confine undo lists them)", esc(arg))
		}
	}
	if err != nil {
		return fail("%v", err)
	}
	var r UndoRecord
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil || r.Format != UndoFormat || r.Version != 1 {
		return fail("%s is not a Confine undo record", esc(arg))
	}
	pm := portals.New(c.env.Model)
	defer pm.Close()
	if pm.Err != nil {
		return fail("cannot reach the permission store: %v", pm.Err)
	}
	if err := restoreUndo(pm, &r); err != nil {
		return fail("%s", strings.Join(problemLines(err), "; "))
	}
	if file != "" {
		os.Remove(file)
	}
	if *asJSON {
		return c.printJSON(struct {
			Undone UndoRecord `json:"undone"`
		}{r})
	}
	fmt.Fprintf(c.env.Stdout, "Undone: %s\n", esc(r.What))
	if r.Documents != nil && r.Documents.Deferred {
		fmt.Fprintln(c.env.Stdout, "The files reach the app when the document portal next starts (normally at your next login).")
	}
	return nil
}

// validUndoName accepts the names saveUndo makes (never a path).
func validUndoName(s string) bool {
	return s != "" && len(s) < 100 && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-')
	})
}

// errChangedSince refuses an Undo that would overwrite a newer answer.
func errChangedSince(now []string) error {
	return fmt.Errorf("the answer was changed since (it is now %s); Undo leaves the newer one", quoteList(now))
}

func restoreUndo(pm *portals.Manager, r *UndoRecord) error {
	switch {
	case r.Documents != nil:
		if r.Documents.App != r.App {
			return errors.New("the record's documents are another app's")
		}
		return pm.RestoreDocuments(r.Documents)
	case r.Session != nil:
		return pm.Unrevoke(r.Session)
	case r.Answer != nil:
		a := r.Answer
		if a.Before != nil {
			if err := portals.CheckKey(a.Table, a.ID, a.Before); err != nil {
				return err
			}
		}
		now, err := pm.Value(a.Table, a.ID, r.App)
		if err != nil {
			return err
		}
		if !slices.Equal(now, a.After) {
			return errChangedSince(now)
		}
		return pm.PutValue(a.Table, a.ID, r.App, a.Before)
	}
	return errors.New("the record holds nothing to undo")
}

func (c *command) listUndo(asJSON bool) error {
	list := UndoList{Records: []UndoRecord{}}
	if dir := c.undoDir(); dir != "" {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			name, ok := strings.CutSuffix(e.Name(), ".json")
			if !ok || !validUndoName(name) || !e.Type().IsRegular() {
				continue
			}
			data, err := c.readArg(filepath.Join(dir, e.Name()))
			var r UndoRecord
			if err != nil || json.Unmarshal(data, &r) != nil || r.Format != UndoFormat {
				continue
			}
			r.Name = name
			list.Records = append(list.Records, r)
		}
	}
	slices.SortFunc(list.Records, func(a, b UndoRecord) int { return strings.Compare(b.Name, a.Name) })
	if asJSON {
		return c.printJSON(list)
	}
	if len(list.Records) == 0 {
		fmt.Fprintln(c.env.Stdout, "Nothing to undo.")
		return nil
	}
	tw := newTable(c.env.Stdout, "NAME", "WHEN", "WHAT")
	for _, r := range list.Records {
		when := r.Created
		if t, err := time.Parse(time.RFC3339, r.Created); err == nil {
			when = t.Local().Format("2006-01-02 15:04")
		}
		tw.row(r.Name, when, esc(r.What))
	}
	return tw.flush()
}
