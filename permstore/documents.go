package permstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/godbus/dbus/v5"
)

// The document portal (xdg-document-portal): every file a person gives a
// sandboxed app through the file chooser or by drag and drop is exported
// there under a document ID, with per-app permissions ("read", "write",
// "grant-permissions", "delete"), and shows up inside the app's sandbox
// under /run/user/UID/doc/DOC_ID/. The portal keeps what it exports
// permanently in the permission store's table of documents (the data of
// each entry is the host path, the device and inode of its folder, and
// flags), and its own copy in memory while it runs: it reads the table
// when it starts, and only ever writes it afterwards.
//
// List, Info and Lookup answer only callers outside any sandbox ("Not
// allowed in sandbox"); GrantPermissions and RevokePermissions need, from a
// sandboxed caller, the "grant-permissions" permission on the document
// itself.
const (
	DocumentsName      = "org.freedesktop.portal.Documents"
	DocumentsPath      = dbus.ObjectPath("/org/freedesktop/portal/documents")
	DocumentsInterface = "org.freedesktop.portal.Documents"
)

// Errors of the document portal, as Go errors.
var (
	// ErrNotAllowed: the portal refuses the caller (a sandboxed caller
	// asking List, Info or Lookup, or revoking without the
	// "grant-permissions" permission on the document).
	ErrNotAllowed = errors.New("the document portal does not allow this from inside a sandbox")
	// ErrNoDocumentPortal: nothing answers on the bus for the portal.
	ErrNoDocumentPortal = errors.New("the document portal is not running")
	// ErrNoDocument: the document ID is not (or no longer) in the portal.
	ErrNoDocument = errors.New("no such document in the document portal")
)

// Documents is a client of the document portal on the store's bus.
type Documents struct {
	obj dbus.BusObject
}

// Documents is the document portal on the same connection as the store.
func (s *Store) Documents() *Documents {
	return &Documents{obj: s.conn.Object(DocumentsName, DocumentsPath)}
}

// docError maps the portal's D-Bus errors to the errors above, keeping
// its message for anything else.
func docError(err error) error {
	var de dbus.Error
	if err == nil || !errors.As(err, &de) {
		return err
	}
	switch de.Name {
	case "org.freedesktop.portal.Error.NotAllowed":
		return fmt.Errorf("%w (%s)", ErrNotAllowed, errorText(de))
	case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
		return ErrNoDocumentPortal
	}
	if strings.HasPrefix(de.Name, "org.freedesktop.DBus.Error.Spawn.") {
		// Activatable but it would not start (no FUSE, say).
		return fmt.Errorf("%w (%s)", ErrNoDocumentPortal, errorText(de))
	}
	switch de.Name {
	case errorNotFd, "org.freedesktop.portal.Error.InvalidArgument":
		// Info answers InvalidArgument for an ID it does not have.
		return fmt.Errorf("%w (%s)", ErrNoDocument, errorText(de))
	}
	return err
}

func errorText(de dbus.Error) string {
	if len(de.Body) > 0 {
		if s, ok := de.Body[0].(string); ok {
			return s
		}
	}
	return de.Name
}

func (d *Documents) call(method string, args ...any) *dbus.Call {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	return d.obj.CallWithContext(ctx, DocumentsInterface+"."+method, 0, args...)
}

// MountPoint is where the portal's FUSE file system is mounted
// (/run/user/UID/doc); an app sees its documents at
// MOUNT/by-app/APP_ID/DOC_ID/NAME from outside its sandbox.
func (d *Documents) MountPoint() (string, error) {
	var path []byte
	if err := d.call("GetMountPoint").Store(&path); err != nil {
		return "", docError(err)
	}
	return bytePath(path), nil
}

// bytePath is a path sent as a GLib byte string: its bytes, with the
// terminating NUL GLib includes.
func bytePath(b []byte) string { return strings.TrimSuffix(string(b), "\x00") }

// List maps the documents an app holds (every document for app "") to
// their host paths. It answers only callers outside a sandbox.
func (d *Documents) List(app string) (map[string]string, error) {
	var docs map[string][]byte
	if err := d.call("List", app).Store(&docs); err != nil {
		return nil, docError(err)
	}
	out := make(map[string]string, len(docs))
	for id, p := range docs {
		out[id] = bytePath(p)
	}
	return out, nil
}

// DocumentInfo is what the portal's Info says about a document.
type DocumentInfo struct {
	Path string
	// Apps maps each app to its permissions on the document, as the
	// portal holds them now.
	Apps map[string][]string
}

// Infos asks the portal's Info — a document's host path and every app's
// permissions on it — for many documents, sent at once rather than one
// round trip after another (a person may have given apps thousands of
// files). A document gone meanwhile is left out. The portal answers only
// callers outside a sandbox.
func (d *Documents) Infos(ids []string) (map[string]DocumentInfo, error) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout(len(ids)))
	defer cancel()
	calls := make([]*dbus.Call, len(ids))
	for i, id := range ids {
		calls[i] = d.obj.GoWithContext(ctx, DocumentsInterface+".Info", 0, nil, id)
	}
	out := make(map[string]DocumentInfo, len(ids))
	var firstErr error
	for i, c := range calls {
		<-c.Done
		var path []byte
		var apps map[string][]string
		err := docError(c.Store(&path, &apps))
		switch {
		case errors.Is(err, ErrNoDocument):
		case err != nil:
			if firstErr == nil {
				firstErr = err
			}
		default:
			out[ids[i]] = DocumentInfo{Path: bytePath(path), Apps: apps}
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// GrantPermissions adds permissions of an app on a document (it keeps
// those the app has).
func (d *Documents) GrantPermissions(id, app string, perms []string) error {
	return docError(d.call("GrantPermissions", id, app, perms).Err)
}

// RevokePermissions removes permissions of an app on a document.
func (d *Documents) RevokePermissions(id, app string, perms []string) error {
	return docError(d.call("RevokePermissions", id, app, perms).Err)
}
