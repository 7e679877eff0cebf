package portals

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"time"
)

// When an app was given a file: the document portal keeps no time, so
// Confine remembers, per app, when it first looked at the app's files and
// when it first saw each of them, in $XDG_STATE_HOME/confine/documents-seen.
// A file already held at the first look is older than that look; a file
// seen later was given between two looks. This is what "newest first"
// can honestly mean.
//
// The file is small (an app ID and a number per document), rewritten
// atomically; two Confines writing at once can only make a time later
// than it was, never lose a grant (the grants are the portal's).

const docSeenFile = "documents-seen"

// maxDocSeen bounds what is read of the file.
const maxDocSeen = 16 << 20

type docSeenApp struct {
	First int64            `json:"first"` // Unix seconds of the first look
	Docs  map[string]int64 `json:"docs"`  // document ID → first seen
}

// noteSeen fills the documents' Seen times from the memory and records
// the new ones; documents the app no longer holds are forgotten. Without
// a state folder it does nothing.
func (pm *Manager) noteSeen(app string, docs []Document) {
	if pm.StateDir == "" {
		return
	}
	p := filepath.Join(pm.StateDir, docSeenFile)
	all := readDocSeen(p)
	now := time.Now().Unix()
	a, known := all[app]
	if !known {
		a = docSeenApp{First: now}
	}
	held := map[string]int64{}
	changed := !known
	for i := range docs {
		t, ok := a.Docs[docs[i].ID]
		if !ok {
			t, changed = now, true
		}
		held[docs[i].ID] = t
		docs[i].Seen = time.Unix(t, 0)
		docs[i].SeenAtFirstLook = t == a.First
	}
	if len(held) != len(a.Docs) {
		changed = true
	}
	if !changed {
		return
	}
	a.Docs = held
	all[app] = a
	if len(held) == 0 {
		// The first look is still worth keeping: a file given later is
		// then known to be new.
		a.Docs = map[string]int64{}
		all[app] = a
	}
	writeDocSeen(p, all)
}

func readDocSeen(p string) map[string]docSeenApp {
	all := map[string]docSeenApp{}
	// Only a regular file is read (never a FIFO someone left there).
	fi, err := os.Lstat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return all
	}
	f, err := os.Open(p)
	if err != nil {
		return all
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDocSeen))
	if err != nil || json.Unmarshal(data, &all) != nil {
		return map[string]docSeenApp{}
	}
	return all
}

// writeDocSeen replaces the file atomically; a failure only costs the
// times (the next look records them again), so it is not reported.
func writeDocSeen(p string, all map[string]docSeenApp) {
	data, err := json.Marshal(all)
	if err != nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".documents-seen-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if werr != nil || serr != nil || cerr != nil || os.Rename(tmp.Name(), p) != nil {
		os.Remove(tmp.Name())
	}
}
