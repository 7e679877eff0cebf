package portals

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"

	"github.com/confine-app/confine/permstore"
)

// Files an app holds: every file a person opens in a sandboxed app through
// the file chooser, or drops on it, is exported by the document portal
// under a document ID and stays granted to that app (read, often write)
// until it is revoked or deleted. The portal keeps them permanently in the
// permission store's documents table (IDs are document IDs, each app's
// value its permissions, the data the host path, its folder's device and
// inode, and flags), and its own copy in memory while it runs.
//
// Two ways to read and change them:
//
//   - the running document portal (List, Info, RevokePermissions,
//     GrantPermissions): what the app sees now, files given for this
//     session only included, and a revocation takes effect at once. The
//     portal answers these only to callers outside a sandbox;
//   - the store's documents table, which Confine's own Flatpak may use:
//     what the portal will give the app when it next starts. It holds no
//     file given for this session only, and the running portal never
//     reads it again, so a change made there reaches the app only when the
//     document portal restarts (at the next login).
//
// Confine uses the portal when it answers, else the table, and says which.

// Texts of the window's group of files on an app's page and of its
// Overview question (untranslated; the window translates them).
var (
	DocumentsTitle = N_("Files This App Can Open")
	// TRANSLATORS: the description of the group listing the files an app was given through the file chooser
	DocumentsDescription = N_("Files and folders given to the app in a file dialog or by dragging them onto it. The app keeps each one, across restarts, until it is revoked")
	// TRANSLATORS: the Overview's question: how many files each app holds, and how many of them it may change
	DocumentsQuestion = N_("Files apps can open")
)

// The permissions the document portal knows, in the order it writes them.
const (
	DocRead   = "read"
	DocWrite  = "write"
	DocGrant  = "grant-permissions"
	DocDelete = "delete"
)

var docPermissions = []string{DocRead, DocWrite, DocGrant, DocDelete}

// The flags of a document entry's data, as the document portal writes
// them.
const (
	docFlagTransient = 1 << 1
	docFlagDirectory = 1 << 2
)

// Existence says whether a document's file is still there.
type Existence int

const (
	// ExistsUnknown: Confine cannot look (from its Flatpak it cannot see
	// your files), or the file's folder cannot be read.
	ExistsUnknown Existence = iota
	ExistsYes
	// ExistsNo: nothing is at the path any more (moved or deleted).
	ExistsNo
)

// Document is a file or folder an app was given through the document
// portal.
type Document struct {
	// ID is the document's ID: the folder the app sees it in, under
	// /run/user/UID/doc (or /run/flatpak/doc inside its sandbox).
	ID string
	// Path is the host path, as the portal keeps it (any bytes; print it
	// terminal-safe).
	Path   string
	Folder bool
	Exists Existence
	// Perms are the app's permissions on it (DocRead…), as the portal
	// holds them.
	Perms []string
	// Session: given for this session only; the portal forgets it at the
	// next login, and the store never had it.
	Session bool
	// Seen is when Confine first saw the app hold it: the portal keeps no
	// time. SeenAtFirstLook: it was already held when Confine first
	// looked at the app's files, so it is older than Seen. Zero when
	// Confine keeps no state.
	Seen            time.Time
	SeenAtFirstLook bool
	// Others are the other apps with permissions on the same document.
	Others []string
}

// May reports whether the app has a permission (DocRead…) on it.
func (d Document) May(perm string) bool { return slices.Contains(d.Perms, perm) }

// Writable reports whether the app may change the file.
func (d Document) Writable() bool { return d.May(DocWrite) }

// Modes says in words what the app may do with it (tr translates):
// "read and write, give to other apps".
func (d Document) Modes(tr func(string) string) string {
	var parts []string
	switch {
	case d.May(DocRead) && d.May(DocWrite):
		// TRANSLATORS: what an app may do with a file it was given
		parts = append(parts, tr(N_("read and write")))
	case d.May(DocRead):
		// TRANSLATORS: what an app may do with a file it was given
		parts = append(parts, tr(N_("read")))
	case d.May(DocWrite):
		// TRANSLATORS: what an app may do with a file it was given (without reading it)
		parts = append(parts, tr(N_("write")))
	}
	if d.May(DocGrant) {
		// TRANSLATORS: what an app may do with a file it was given: give other apps access to it
		parts = append(parts, tr(N_("give to other apps")))
	}
	if d.May(DocDelete) {
		// TRANSLATORS: what an app may do with a file it was given: remove it from the document portal
		parts = append(parts, tr(N_("remove from the portal")))
	}
	for _, p := range d.Perms {
		if !slices.Contains(docPermissions, p) {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// State says in words whether the file is there and how long it was
// given for (tr translates); "" when there is nothing to say.
func (d Document) State(tr func(string) string) string {
	var parts []string
	switch d.Exists {
	case ExistsNo:
		if d.Folder {
			parts = append(parts, tr(N_("No longer there: the folder was moved or deleted")))
		} else {
			parts = append(parts, tr(N_("No longer there: the file was moved or deleted")))
		}
	case ExistsUnknown:
		parts = append(parts, tr(N_("Whether it is still there is unknown: Confine cannot look at your files")))
	}
	if d.Session {
		parts = append(parts, tr(N_("Given for this session only: forgotten at the next login")))
	}
	const layout = "2006-01-02"
	switch {
	case d.Seen.IsZero():
	case d.SeenAtFirstLook:
		// TRANSLATORS: %s is a date such as 2026-11-30: the app already held the file when Confine first looked
		parts = append(parts, fmt.Sprintf(tr(N_("Held since before %s")), d.Seen.Local().Format(layout)))
	default:
		// TRANSLATORS: %s is a date such as 2026-11-30: when Confine first saw the app hold the file
		parts = append(parts, fmt.Sprintf(tr(N_("Given around %s")), d.Seen.Local().Format(layout)))
	}
	return strings.Join(parts, "; ")
}

// Documents are the files an app holds, newest first (as far as Confine
// knows: see Document.Seen), with whether the list is live.
type Documents struct {
	App  string
	Docs []Document
	// Live: read from the running document portal, what the app sees
	// now. Otherwise read from the store's table (Why says why, an
	// untranslated sentence): files given for this session only are
	// missing, and a revocation reaches the app when the document portal
	// next starts.
	Live bool
	Why  string
}

// Text for Documents.Why.
var (
	whySandboxed = N_("Read from the permission store: from Confine's Flatpak the document portal does not list files, nor revoke them at once. Files given for this session only are not shown, and a revocation reaches the app when the document portal next starts (at your next login)")
	whyNoPortal  = N_("Read from the permission store: the document portal is not running. Files given for this session only are not shown, and a revocation reaches the app when the document portal next starts")
)

// docsRead is one reading of the document portal's grants.
type docsRead struct {
	live bool
	why  string
	// apps: document ID → app → permissions (only non-empty ones).
	apps map[string]map[string][]string
	// stored: document ID → the store's entry (persistent documents).
	stored map[string]permstore.Entry
	paths  map[string]string // from the live portal
}

// readDocs reads the grants of app (every app's for ""): the store's table,
// and the running portal's view when it answers.
func (pm *Manager) readDocs(app string) (*docsRead, error) {
	if pm.Err != nil {
		return nil, pm.Err
	}
	ids, err := pm.Store.List(DocumentsTable)
	if err != nil {
		return nil, err
	}
	stored, err := pm.Store.LookupEntries(DocumentsTable, ids)
	if err != nil {
		return nil, err
	}
	r := &docsRead{stored: stored, apps: map[string]map[string][]string{}, paths: map[string]string{}}
	dp := pm.Store.Documents()
	listed, err := dp.List(app)
	var infos map[string]permstore.DocumentInfo
	if err == nil {
		infos, err = dp.Infos(slices.Sorted(maps.Keys(listed)))
	}
	switch {
	case err == nil:
		r.live = true
		for id, info := range infos {
			r.paths[id] = info.Path
			r.apps[id] = nonEmpty(info.Apps)
		}
		return r, nil
	case errors.Is(err, permstore.ErrNotAllowed):
		r.why = whySandboxed
	case errors.Is(err, permstore.ErrNoDocumentPortal):
		r.why = whyNoPortal
	default:
		return nil, fmt.Errorf("the document portal: %w", err)
	}
	for id, e := range stored {
		r.apps[id] = nonEmpty(e.Perms)
	}
	return r, nil
}

// nonEmpty drops the apps without permissions: the portal keeps an app
// whose permissions were revoked, with none.
func nonEmpty(apps map[string][]string) map[string][]string {
	out := map[string][]string{}
	for a, p := range apps {
		if len(p) > 0 {
			out[a] = p
		}
	}
	return out
}

// docData reads an entry's data, (ayttu): the host path (a GLib byte
// string, NUL included), its folder's device and inode, and flags.
func docData(v dbus.Variant) (path string, flags uint32, ok bool) {
	f, _ := v.Value().([]any)
	if len(f) != 4 {
		return "", 0, false
	}
	b, ok1 := f[0].([]byte)
	fl, ok2 := f[3].(uint32)
	if !ok1 || !ok2 {
		return "", 0, false
	}
	return strings.TrimSuffix(string(b), "\x00"), fl, true
}

// document builds what is known of one document held by app.
func (pm *Manager) document(r *docsRead, id, app string) Document {
	d := Document{ID: id, Perms: slices.Clone(r.apps[id][app])}
	d.Path = r.paths[id]
	e, inStore := r.stored[id]
	if p, flags, ok := docData(e.Data); inStore && ok {
		if d.Path == "" {
			d.Path = p
		}
		d.Folder = flags&docFlagDirectory != 0
		d.Session = flags&docFlagTransient != 0
	}
	// A document only the running portal has was given for this session.
	d.Session = d.Session || !inStore
	d.Exists = ExistsUnknown
	if !pm.Sandboxed && d.Path != "" {
		fi, err := os.Lstat(d.Path)
		switch {
		case err == nil:
			d.Exists = ExistsYes
			if !inStore {
				d.Folder = fi.IsDir()
			}
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
			d.Exists = ExistsNo
		}
	}
	for a := range r.apps[id] {
		if a != app {
			d.Others = append(d.Others, a)
		}
	}
	sort.Strings(d.Others)
	return d
}

// Documents lists the files and folders an app holds through the document
// portal, newest first as far as Confine knows (then by path).
func (pm *Manager) Documents(appID string) (*Documents, error) {
	if err := checkDocApp(appID); err != nil {
		return nil, err
	}
	r, err := pm.readDocs(appID)
	if err != nil {
		return nil, err
	}
	out := &Documents{App: appID, Live: r.live, Why: r.why}
	for _, id := range slices.Sorted(maps.Keys(r.apps)) {
		if len(r.apps[id][appID]) > 0 {
			out.Docs = append(out.Docs, pm.document(r, id, appID))
		}
	}
	pm.noteSeen(appID, out.Docs)
	sort.SliceStable(out.Docs, func(i, j int) bool {
		a, b := out.Docs[i], out.Docs[j]
		if !a.Seen.Equal(b.Seen) {
			return a.Seen.After(b.Seen)
		}
		return a.Path < b.Path
	})
	return out, nil
}

// DocumentCount is how many files an app holds, and how many of them it
// may change: the Overview's numbers.
type DocumentCount struct {
	Files, Writable int
}

// DocumentTotals are the Overview's numbers for every app holding files,
// and whether they are live (see Documents.Live, Documents.Why).
type DocumentTotals struct {
	Apps map[string]DocumentCount
	Live bool
	Why  string
}

// DocumentCounts counts the files every app holds (apps holding none are
// left out).
func (pm *Manager) DocumentCounts() (*DocumentTotals, error) {
	r, err := pm.readDocs("")
	if err != nil {
		return nil, err
	}
	out := &DocumentTotals{Apps: map[string]DocumentCount{}, Live: r.live, Why: r.why}
	for _, apps := range r.apps {
		for app, perms := range apps {
			c := out.Apps[app]
			c.Files++
			if slices.Contains(perms, DocWrite) {
				c.Writable++
			}
			out.Apps[app] = c
		}
	}
	return out, nil
}

// RevokedDocuments is what a revocation took from an app: enough for
// RestoreDocuments to give back exactly what was there.
type RevokedDocuments struct {
	App  string            `json:"app"`
	Docs []RevokedDocument `json:"documents"`
	// Deferred: the running document portal could not be told (Confine
	// runs in its Flatpak, or no portal runs): the store's table was
	// changed, and the app keeps the files until the document portal
	// next starts.
	Deferred bool `json:"deferred,omitempty"`
}

// RevokedDocument is one document taken from the app.
type RevokedDocument struct {
	ID   string `json:"id"`
	Path string `json:"path"`
	// Stored is the app's value in the store's table before (nil for a
	// file given for this session only, which the store never had);
	// Live what the running portal held (nil when it was not asked).
	Stored []string `json:"stored"`
	Live   []string `json:"live,omitempty"`
}

// Count is how many documents were revoked.
func (r *RevokedDocuments) Count() int { return len(r.Docs) }

// DeferredText says, when a revocation was deferred, what that means for
// the app (an untranslated sentence); "" otherwise.
func (r *RevokedDocuments) DeferredText() string {
	if r == nil || !r.Deferred {
		return ""
	}
	return N_("Revoked in the permission store. The document portal that is running keeps its own copy until it restarts, so the app can still open these files until then (normally until your next login)")
}

// ErrNoSuchDocument is the refusal to revoke a document the app does
// not hold.
var ErrNoSuchDocument = errors.New("the app holds no such document")

// RevokeDocuments takes documents (by ID) from an app: every permission
// it has on them. Nothing is revoked when one of them is not the app's.
// The result restores them (RestoreDocuments); it is returned, with what
// was revoked, also when a revocation fails midway.
func (pm *Manager) RevokeDocuments(appID string, ids []string) (*RevokedDocuments, error) {
	if err := checkDocApp(appID); err != nil {
		return nil, err
	}
	r, err := pm.readDocs(appID)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if len(r.apps[id][appID]) == 0 {
			return nil, fmt.Errorf("%w: %s has no document %q", ErrNoSuchDocument, appID, id)
		}
	}
	return pm.revokeDocs(r, appID, ids)
}

// RevokeAllDocuments takes every document from an app.
func (pm *Manager) RevokeAllDocuments(appID string) (*RevokedDocuments, error) {
	if err := checkDocApp(appID); err != nil {
		return nil, err
	}
	r, err := pm.readDocs(appID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, id := range slices.Sorted(maps.Keys(r.apps)) {
		if len(r.apps[id][appID]) > 0 {
			ids = append(ids, id)
		}
	}
	return pm.revokeDocs(r, appID, ids)
}

func (pm *Manager) revokeDocs(r *docsRead, appID string, ids []string) (*RevokedDocuments, error) {
	out := &RevokedDocuments{App: appID, Docs: []RevokedDocument{}, Deferred: !r.live}
	dp := pm.Store.Documents()
	for _, id := range ids {
		d := pm.document(r, id, appID)
		rd := RevokedDocument{ID: id, Path: d.Path}
		if e, ok := r.stored[id]; ok {
			if v, has := e.Perms[appID]; has {
				rd.Stored = slices.Clone(v)
				if rd.Stored == nil {
					rd.Stored = []string{}
				}
			}
		}
		if r.live {
			rd.Live = slices.Clone(r.apps[id][appID])
			// The portal writes the store itself (the app's value
			// becomes []), and tells the app's view at once.
			err := dp.RevokePermissions(id, appID, docPermissions)
			if err != nil {
				return out, fmt.Errorf("revoking %s: %w", id, err)
			}
		} else if rd.Stored != nil {
			// What the portal itself writes for a revocation.
			if err := pm.Store.SetPermission(DocumentsTable, false, id, appID, []string{}); err != nil {
				return out, fmt.Errorf("revoking %s: %w", id, err)
			}
		}
		out.Docs = append(out.Docs, rd)
	}
	return out, nil
}

// RestoreDocuments gives back what a revocation took (Undo). Each document
// is given back as far as possible; a document removed from the portal
// meanwhile cannot be (the error names it: the app must be given the file
// again).
func (pm *Manager) RestoreDocuments(rev *RevokedDocuments) error {
	if pm.Err != nil {
		return pm.Err
	}
	if err := checkDocApp(rev.App); err != nil {
		return err
	}
	dp := pm.Store.Documents()
	var errs []error
	for _, d := range rev.Docs {
		if err := checkDocPerms(d.Stored); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", d.ID, err))
			continue
		}
		if !rev.Deferred && len(d.Live) > 0 {
			err := dp.GrantPermissions(d.ID, rev.App, knownDocPerms(d.Live))
			if errors.Is(err, permstore.ErrNotAllowed) || errors.Is(err, permstore.ErrNoDocumentPortal) {
				// Undone from where the portal does not answer (Confine's
				// Flatpak): the store is put back, and the portal reads it
				// when it next starts.
				err = nil
			}
			if errors.Is(err, permstore.ErrNoDocument) {
				errs = append(errs, fmt.Errorf("%s (%s) was removed from the document portal meanwhile; give it to the app again from the app", d.ID, d.Path))
				continue
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", d.ID, err))
				continue
			}
		}
		if d.Stored == nil {
			continue // never in the store
		}
		// The store's value exactly as it was (the portal, above, wrote
		// the same permissions, maybe in its own order).
		err := pm.Store.SetPermission(DocumentsTable, false, d.ID, rev.App, slices.Clone(d.Stored))
		if errors.Is(err, permstore.ErrNotFound) {
			errs = append(errs, fmt.Errorf("%s (%s) was removed from the document portal meanwhile; give it to the app again from the app", d.ID, d.Path))
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", d.ID, err))
		}
	}
	return errors.Join(errs...)
}

// knownDocPerms are the permissions the portal accepts, of perms (it
// refuses a call naming any other).
func knownDocPerms(perms []string) []string {
	var out []string
	for _, p := range docPermissions {
		if slices.Contains(perms, p) {
			out = append(out, p)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// checkDocPerms refuses what no store could have held (an Undo read from
// a file may have been edited): D-Bus strings are UTF-8. Any other
// string is put back as it was, however odd: the store held it.
func checkDocPerms(perms []string) error {
	if len(perms) > 64 {
		return errors.New("more than 64 permissions")
	}
	for _, p := range perms {
		if len(p) > 4096 || !utf8.ValidString(p) || strings.ContainsRune(p, 0) {
			return fmt.Errorf("bad permission %q", p)
		}
	}
	return nil
}

// checkDocApp accepts the app IDs the document portal does: dot-separated
// elements of letters, digits, "_" and "-" (Flatpak's IDs, and snaps'
// "snap.NAME"), at most 255 bytes.
func checkDocApp(id string) error {
	elems := strings.Split(id, ".")
	ok := len(id) <= 255 && len(elems) >= 2
	for _, e := range elems {
		ok = ok && e != "" && !strings.ContainsFunc(e, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
		})
	}
	if !ok {
		return fmt.Errorf("%q is not an app ID", id)
	}
	return nil
}
