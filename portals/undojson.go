package portals

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/confine-app/confine/permstore"
)

// The Undo tokens as JSON, for the command line, which keeps them in
// files between commands (the window keeps them in memory).

// revokedEntryJSON is a RevokedEntry with its data in D-Bus wire form
// (base64), which sends back the same bytes (permstore.MarshalVariant);
// the signature is there for people and checked when read.
type revokedEntryJSON struct {
	Table     string              `json:"table"`
	ID        string              `json:"token"`
	Perms     map[string][]string `json:"perms"`
	Signature string              `json:"signature"`
	Data      string              `json:"data"`
}

// MarshalJSON keeps the entry's data exactly.
func (e RevokedEntry) MarshalJSON() ([]byte, error) {
	data, err := permstore.MarshalVariant(e.Data)
	if err != nil {
		return nil, err
	}
	return json.Marshal(revokedEntryJSON{e.Table, e.ID, e.Perms, e.Data.Signature().String(), base64.StdEncoding.EncodeToString(data)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (e *RevokedEntry) UnmarshalJSON(b []byte) error {
	var j revokedEntryJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	raw, err := base64.StdEncoding.DecodeString(j.Data)
	if err != nil {
		return fmt.Errorf("the session's data: %v", err)
	}
	v, err := permstore.UnmarshalVariant(raw)
	if err != nil {
		return err
	}
	if v.Signature().String() != j.Signature {
		return errors.New("the session's data does not match its signature")
	}
	if SavedSessionTableOf(j.Table).Table == "" {
		return fmt.Errorf("%q is not a table of saved sessions", j.Table)
	}
	*e = RevokedEntry{Table: j.Table, ID: j.ID, Perms: j.Perms, Data: v}
	return nil
}
