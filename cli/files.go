package cli

import (
	"encoding/base64"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/overrides"
	"github.com/confine-app/confine/portals"
)

// `confine files`: the files each app was given through the document
// portal (the file chooser, drag and drop), and their revocation.

const filesUsage = `[APP] [--json]
       confine files revoke APP FILE… | --all [--json]

Without an app, how many files each app holds, and how many of them it may change.
With one, the files and folders it holds, newest first, and what it may do with each.
revoke: take files from the app (each FILE a path, a document ID or a file name it
  holds only once), or all of them with --all; prints the confine undo command that
  gives them back exactly.`

// ShowDocuments is the files an app holds (`confine files APP --json`,
// and "documents" in `confine show --json`).
type ShowDocuments struct {
	App string `json:"app"`
	// Live: read from the running document portal; otherwise from the
	// permission store's table, and Note says what that means.
	Live      bool           `json:"live"`
	Note      string         `json:"note,omitempty"`
	Documents []ShowDocument `json:"documents"`
	Error     string         `json:"error,omitempty"`
}

// ShowDocument is one file or folder an app holds.
type ShowDocument struct {
	ID string `json:"id"`
	// Path is the host path; a path that is not UTF-8 is also in
	// PathBase64, byte for byte.
	Path        string   `json:"path"`
	PathBase64  string   `json:"path_base64,omitempty"`
	Folder      bool     `json:"folder"`
	Exists      *bool    `json:"exists"` // null: unknown
	Permissions []string `json:"permissions"`
	Write       bool     `json:"write"`
	May         string   `json:"may"` // the permissions in words
	SessionOnly bool     `json:"session_only,omitempty"`
	// Seen is when Confine first saw the app hold it (RFC 3339);
	// SeenAtFirstLook: already held then, so older.
	Seen            string   `json:"seen,omitempty"`
	SeenAtFirstLook bool     `json:"seen_at_first_look,omitempty"`
	AlsoGivenTo     []string `json:"also_given_to,omitempty"`
}

// DocumentCounts is `confine files --json`.
type DocumentCounts struct {
	Live  bool            `json:"live"`
	Note  string          `json:"note,omitempty"`
	Apps  []DocumentCount `json:"apps"`
	Error string          `json:"error,omitempty"`
}

// DocumentCount is one app's numbers.
type DocumentCount struct {
	App      string `json:"app"`
	Files    int    `json:"files"`
	Writable int    `json:"writable"`
}

// DocumentsRevoked is `confine files revoke --json`.
type DocumentsRevoked struct {
	App       string         `json:"app"`
	Documents []ShowDocument `json:"documents"`
	// Deferred: written to the store's table only; Note says what that
	// means for the app.
	Deferred bool   `json:"deferred"`
	Note     string `json:"note,omitempty"`
	Undo     string `json:"undo"`
}

func showDocument(d portals.Document) ShowDocument {
	sd := ShowDocument{ID: d.ID, Path: d.Path, Folder: d.Folder, Permissions: d.Perms, Write: d.Writable(), May: d.Modes(model.English),
		SessionOnly: d.Session, SeenAtFirstLook: d.SeenAtFirstLook, AlsoGivenTo: d.Others}
	if sd.Permissions == nil {
		sd.Permissions = []string{}
	}
	if !utf8.ValidString(d.Path) {
		sd.PathBase64 = base64.StdEncoding.EncodeToString([]byte(d.Path))
	}
	if d.Exists != portals.ExistsUnknown {
		yes := d.Exists == portals.ExistsYes
		sd.Exists = &yes
	}
	if !d.Seen.IsZero() {
		sd.Seen = d.Seen.UTC().Format(time.RFC3339)
	}
	return sd
}

// documentsOf is an app's documents, for documents and show.
func documentsOf(pm *portals.Manager, app string) *ShowDocuments {
	res := &ShowDocuments{App: app, Documents: []ShowDocument{}}
	if pm.Err != nil {
		res.Error = pm.Err.Error()
		return res
	}
	docs, err := pm.Documents(app)
	if err != nil {
		res.Error = model.OneLine(err.Error())
		return res
	}
	res.Live, res.Note = docs.Live, docs.Why
	for _, d := range docs.Docs {
		res.Documents = append(res.Documents, showDocument(d))
	}
	return res
}

func (c *command) files(args []string) error {
	revoke := len(args) > 0 && args[0] == "revoke"
	if revoke {
		args = args[1:]
	}
	fs := c.flags(filesUsage)
	asJSON := fs.Bool("json", false, "print JSON")
	all := false
	if revoke {
		fs.BoolVar(&all, "all", false, "revoke every file the app holds")
	}
	if err := fs.Parse(reorder(args)); err != nil {
		return err
	}
	switch {
	case revoke && (fs.NArg() == 0 || all == (fs.NArg() > 1)):
		return usageErr("name an app and the files to revoke, or an app and --all")
	case !revoke && fs.NArg() > 1:
		return usageErr("name one app, or none for every app's numbers")
	}
	if fs.NArg() > 0 {
		if err := overrides.ValidateAppID(fs.Arg(0)); err != nil {
			return usageErr("%v", err)
		}
	}
	pm := portals.New(c.env.Model)
	defer pm.Close()
	switch {
	case revoke:
		return c.revokeDocuments(pm, fs.Arg(0), fs.Args()[1:], all, *asJSON)
	case fs.NArg() == 0:
		return c.documentCounts(pm, *asJSON)
	}
	res := documentsOf(pm, fs.Arg(0))
	if *asJSON {
		if err := c.printJSON(res); err != nil {
			return err
		}
	} else {
		c.printDocuments(res, false)
	}
	if res.Error != "" {
		if *asJSON {
			return fail("")
		}
		return fail("%s", res.Error)
	}
	return nil
}

func (c *command) documentCounts(pm *portals.Manager, asJSON bool) error {
	res := DocumentCounts{Apps: []DocumentCount{}}
	var err error
	if pm.Err != nil {
		err = pm.Err
	} else {
		var totals *portals.DocumentTotals
		if totals, err = pm.DocumentCounts(); err == nil {
			res.Live, res.Note = totals.Live, totals.Why
			for app, n := range totals.Apps {
				res.Apps = append(res.Apps, DocumentCount{App: app, Files: n.Files, Writable: n.Writable})
			}
		}
	}
	sort.Slice(res.Apps, func(i, j int) bool {
		a, b := res.Apps[i], res.Apps[j]
		if a.Files != b.Files {
			return a.Files > b.Files
		}
		return a.App < b.App
	})
	if err != nil {
		res.Error = model.OneLine(err.Error())
	}
	if asJSON {
		if perr := c.printJSON(res); perr != nil {
			return perr
		}
		if err != nil {
			return fail("")
		}
		return nil
	}
	if err != nil {
		return fail("cannot read the files apps hold: %s", res.Error)
	}
	if res.Note != "" {
		fmt.Fprintln(c.env.Stdout, res.Note)
	}
	if len(res.Apps) == 0 {
		fmt.Fprintln(c.env.Stdout, "No app holds a file through the document portal.")
		return nil
	}
	tw := newTable(c.env.Stdout, "APP", "FILES", "MAY CHANGE")
	for _, a := range res.Apps {
		tw.row(esc(a.App), strconv.Itoa(a.Files), strconv.Itoa(a.Writable))
	}
	return tw.flush()
}

// printDocuments is the text form of ShowDocuments; inShow: as a part of
// confine show.
func (c *command) printDocuments(d *ShowDocuments, inShow bool) {
	out := c.env.Stdout
	if inShow {
		fmt.Fprintln(out)
	}
	if d.Error != "" {
		if inShow {
			fmt.Fprintln(out, "Files this app can open: unavailable:", esc(d.Error))
		}
		return
	}
	if len(d.Documents) == 0 {
		fmt.Fprintf(out, "Files %s can open through the document portal: none\n", esc(d.App))
	} else {
		fmt.Fprintf(out, "Files %s can open through the document portal (%d), newest first:\n", esc(d.App), len(d.Documents))
		tw := newTable(out, "DOCUMENT", "MAY", "FILE", "STATE")
		for _, sd := range d.Documents {
			path := sd.Path
			if sd.Folder {
				path += "/"
			}
			var state []string
			switch {
			case sd.Exists == nil:
				state = append(state, "unknown whether it is still there")
			case !*sd.Exists:
				state = append(state, "no longer there")
			}
			if sd.SessionOnly {
				state = append(state, "this session only")
			}
			if t, err := time.Parse(time.RFC3339, sd.Seen); err == nil {
				if sd.SeenAtFirstLook {
					state = append(state, "held since before "+t.Local().Format("2006-01-02"))
				} else {
					state = append(state, "given around "+t.Local().Format("2006-01-02"))
				}
			}
			if len(sd.AlsoGivenTo) > 0 {
				state = append(state, "also given to "+strings.Join(escAll(sd.AlsoGivenTo), ", "))
			}
			tw.row(esc(sd.ID), sd.May, esc(path), strings.Join(state, "; "))
		}
		tw.flush()
	}
	if d.Note != "" {
		fmt.Fprintln(out, d.Note)
	}
}

func escAll(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = esc(s)
	}
	return out
}

// pickDocuments resolves what a person named: a document ID the app holds,
// a path (absolute, or relative to the current folder), or a file name the
// app holds only once.
func pickDocuments(docs []portals.Document, app string, names []string) ([]string, error) {
	var ids []string
	for _, n := range names {
		var match []portals.Document
		for _, d := range docs {
			if d.ID == n || d.Path == n {
				match = []portals.Document{d}
				break
			}
		}
		if len(match) == 0 {
			if abs, err := filepath.Abs(n); err == nil {
				for _, d := range docs {
					if d.Path == abs {
						match = append(match, d)
					}
				}
			}
		}
		if len(match) == 0 && !strings.Contains(n, "/") {
			for _, d := range docs {
				if filepath.Base(d.Path) == n {
					match = append(match, d)
				}
			}
		}
		switch len(match) {
		case 0:
			return nil, fail("%s holds no file %s (confine files %s lists them)", esc(app), esc(n), esc(app))
		case 1:
			if !slices.Contains(ids, match[0].ID) {
				ids = append(ids, match[0].ID)
			}
		default:
			var paths []string
			for _, d := range match {
				paths = append(paths, esc(d.ID)+" "+esc(d.Path))
			}
			return nil, usageErr("%s names several files %s holds; give the path or the document ID: %s", esc(n), esc(app), strings.Join(paths, ", "))
		}
	}
	return ids, nil
}

func (c *command) revokeDocuments(pm *portals.Manager, app string, names []string, all, asJSON bool) error {
	if pm.Err != nil {
		return fail("cannot reach the permission store: %v", pm.Err)
	}
	if err := c.canUndo(); err != nil {
		return fail("%v", err)
	}
	docs, err := pm.Documents(app)
	if err != nil {
		return fail("%v", err)
	}
	var rev *portals.RevokedDocuments
	if all {
		if len(docs.Docs) == 0 {
			return fail("%s holds no file through the document portal", esc(app))
		}
		rev, err = pm.RevokeAllDocuments(app)
	} else {
		ids, perr := pickDocuments(docs.Docs, app, names)
		if perr != nil {
			return perr
		}
		rev, err = pm.RevokeDocuments(app, ids)
	}
	// What was revoked before a failure is kept for Undo too.
	if rev == nil || rev.Count() == 0 {
		if err != nil {
			return fail("%v; nothing was revoked", err)
		}
		return fail("nothing to revoke")
	}
	byID := map[string]portals.Document{}
	for _, d := range docs.Docs {
		byID[d.ID] = d
	}
	res := DocumentsRevoked{App: app, Documents: []ShowDocument{}, Deferred: rev.Deferred, Note: rev.DeferredText()}
	var paths []string
	for _, d := range rev.Docs {
		res.Documents = append(res.Documents, showDocument(byID[d.ID]))
		paths = append(paths, d.Path)
	}
	what := fmt.Sprintf("%d files were taken from %s: %s", rev.Count(), app, strings.Join(paths, ", "))
	if rev.Count() == 1 {
		what = fmt.Sprintf("%s was taken from %s", paths[0], app)
	}
	r := &UndoRecord{App: app, What: what, Documents: rev}
	c.saveUndo(r, "files")
	res.Undo = r.Name
	if asJSON {
		if perr := c.printJSON(res); perr != nil {
			return perr
		}
	} else {
		for _, d := range res.Documents {
			fmt.Fprintf(c.env.Stdout, "Revoked %s (%s) from %s.\n", esc(d.Path), d.May, esc(app))
		}
		if res.Note != "" {
			fmt.Fprintln(c.env.Stdout, res.Note)
		}
		c.undoHint(r)
	}
	if err != nil {
		return fail("%v; the files above were revoked", err)
	}
	return nil
}
