package permstore

import (
	"context"
	"errors"
	"time"

	"github.com/godbus/dbus/v5"
)

// Entry is one ID of a table: every app's value and the entry's data.
type Entry struct {
	Perms map[string][]string
	Data  dbus.Variant
}

// LookupEntries is LookupEntry for many IDs of a table, sent at once
// rather than one round trip after another: reading a whole table (the
// thousands of files the document portal keeps, every app's answers for
// an export) then costs about one round trip. An ID gone meanwhile is
// left out.
func (s *Store) LookupEntries(table string, ids []string) (map[string]Entry, error) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout(len(ids)))
	defer cancel()
	calls := make([]*dbus.Call, len(ids))
	for i, id := range ids {
		// A nil channel gives each call its own (see GetPermissions).
		calls[i] = s.obj.GoWithContext(ctx, Interface+".Lookup", 0, nil, table, id)
	}
	out := make(map[string]Entry, len(ids))
	var firstErr error
	for i, c := range calls {
		<-c.Done
		var e Entry
		err := orNotFound(c.Store(&e.Perms, &e.Data))
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			if firstErr == nil {
				firstErr = err
			}
		default:
			out[ids[i]] = e
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// batchTimeout bounds a batch of n calls: Timeout, and a millisecond
// more for each call (a store answers thousands in well under that), so
// a big table is not cut short while a hung store still cannot hang the
// caller for long.
func batchTimeout(n int) time.Duration { return Timeout + time.Duration(n)*time.Millisecond }
