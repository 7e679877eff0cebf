package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/portals"
)

// The portal part of `confine show`: what the desktop's permission store
// holds for an app.

// ShowPortals is an app's portal permissions, saved sessions, Open With
// choices and USB device decisions.
type ShowPortals struct {
	// Error says why the store could not be read (then nothing else is
	// set).
	Error       string            `json:"error,omitempty"`
	Permissions []ShowPortal      `json:"permissions"`
	Sessions    []ShowSession     `json:"sessions"`
	OpenWith    []ShowOpenWith    `json:"open_with"`
	USBDevices  []ShowUSBDecision `json:"usb_devices"`
	// Documents are the files the app was given through the document
	// portal.
	Documents *ShowDocuments `json:"documents,omitempty"`
}

// ShowPortal is one portal permission the desktop has.
type ShowPortal struct {
	Table   string   `json:"table"`
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Stored  []string `json:"stored"`  // the store's value; null: nothing stored
	State   string   `json:"state"`   // unset, allowed, denied, ask
	Granted bool     `json:"granted"` // the next request gets it without a question
	Level   string   `json:"level,omitempty"`
	Flags   []string `json:"flags,omitempty"`
	Meaning string   `json:"meaning"`
	// ReadOnly: shown for the desktop's portal, but the table does not
	// exist (Confine never creates one).
	ReadOnly bool `json:"read_only,omitempty"`
}

// ShowSession is one saved screen-sharing, remote-desktop or input-capture
// session.
type ShowSession struct {
	Table    string `json:"table"`
	Token    string `json:"token"`
	Backend  string `json:"backend"`
	Restores string `json:"restores"`
	Created  string `json:"created,omitempty"` // RFC 3339
	LastUsed string `json:"last_used,omitempty"`
}

// ShowOpenWith is one Open With choice.
type ShowOpenWith struct {
	ContentType string   `json:"content_type"`
	Stored      []string `json:"stored"`
	Handler     string   `json:"handler"`
	Skips       bool     `json:"skips_chooser"`
}

// ShowUSBDecision is the USB portal's decision about one device.
type ShowUSBDecision struct {
	ID     string   `json:"id"`
	Stored []string `json:"stored"`
	Hidden bool     `json:"hidden"`
}

func (c *command) portalsOf(appID string) *ShowPortals {
	pm := portals.New(c.env.Model)
	defer pm.Close()
	if pm.Err != nil {
		return &ShowPortals{Error: pm.Err.Error()}
	}
	res := &ShowPortals{Permissions: []ShowPortal{}}
	for _, st := range pm.Status(appID) {
		if st.State == portals.Unsupported {
			return &ShowPortals{Error: st.WhyText(model.English)}
		}
		f, args := st.Meaning()
		sp := ShowPortal{Table: st.Perm.Key, ID: st.Perm.Value, Name: st.Perm.Title, Stored: st.Raw, State: st.State.String(),
			Granted: st.Granted(), Level: st.Level, Meaning: fmt.Sprintf(f, args...), ReadOnly: st.ReadOnly}
		if st.Kind() == portals.KindInhibit {
			sp.Flags = append([]string{}, st.Flags...)
		}
		res.Permissions = append(res.Permissions, sp)
	}
	ss, err := pm.SavedSessions(appID)
	if err != nil {
		return &ShowPortals{Error: err.Error()}
	}
	res.Sessions = []ShowSession{}
	for _, s := range ss {
		sh := ShowSession{Table: s.Table, Token: s.Token, Backend: s.Backend, Restores: s.Describe(model.English)}
		if !s.Created.IsZero() {
			sh.Created = s.Created.UTC().Format(time.RFC3339)
		}
		if !s.LastUsed.IsZero() {
			sh.LastUsed = s.LastUsed.UTC().Format(time.RFC3339)
		}
		res.Sessions = append(res.Sessions, sh)
	}
	ow, err := pm.OpenWith(appID)
	if err != nil {
		return &ShowPortals{Error: err.Error()}
	}
	res.OpenWith = []ShowOpenWith{}
	for _, o := range ow {
		res.OpenWith = append(res.OpenWith, ShowOpenWith{ContentType: o.ContentType, Stored: o.Raw, Handler: o.Handler, Skips: o.Skips()})
	}
	devs, err := pm.USBDecisions(appID)
	if err != nil {
		return &ShowPortals{Error: err.Error()}
	}
	res.USBDevices = []ShowUSBDecision{}
	for _, d := range devs {
		res.USBDevices = append(res.USBDevices, ShowUSBDecision{ID: d.ID, Stored: d.Raw, Hidden: d.Hidden})
	}
	res.Documents = documentsOf(pm, appID)
	return res
}

// printPortals is the text form of ShowPortals.
func (c *command) printPortals(p *ShowPortals) error {
	out := c.env.Stdout
	if p == nil {
		return nil
	}
	fmt.Fprintln(out)
	if p.Error != "" {
		fmt.Fprintln(out, "Portal permissions: unavailable:", p.Error)
		return nil
	}
	if len(p.Permissions) == 0 {
		fmt.Fprintln(out, "Portal permissions: this desktop has none of the portals Confine knows")
	} else {
		tw := newTable(out, "PORTAL", "TABLE/ID", "STORED", "MEANS")
		for _, s := range p.Permissions {
			stored := "-"
			if s.Stored != nil {
				stored = quoteList(s.Stored)
			}
			means := s.Meaning
			if s.ReadOnly {
				means += " (read-only: no table yet)"
			}
			tw.row(s.Name, s.Table+"/"+s.ID, stored, means)
		}
		if err := tw.flush(); err != nil {
			return err
		}
	}
	if len(p.Sessions) > 0 {
		fmt.Fprintln(out)
		tw := newTable(out, "SAVED SESSION", "TOKEN", "BY", "LAST USED", "RESTORES")
		for _, s := range p.Sessions {
			tw.row(s.Table, esc(s.Token), orDash(esc(s.Backend)), orDash(s.LastUsed), esc(s.Restores))
		}
		if err := tw.flush(); err != nil {
			return err
		}
	}
	if len(p.OpenWith) > 0 {
		fmt.Fprintln(out)
		tw := newTable(out, "OPENS", "WITH", "STORED", "WITHOUT ASKING")
		for _, o := range p.OpenWith {
			tw.row(esc(o.ContentType), orDash(esc(o.Handler)), quoteList(o.Stored), map[bool]string{true: "yes", false: "no"}[o.Skips])
		}
		if err := tw.flush(); err != nil {
			return err
		}
	}
	if len(p.USBDevices) > 0 {
		fmt.Fprintln(out)
		tw := newTable(out, "USB DEVICE", "STORED", "MEANS")
		for _, d := range p.USBDevices {
			means := "the desktop gave it to the app"
			if d.Hidden {
				means = "hidden from the app"
			}
			tw.row(esc(d.ID), quoteList(d.Stored), means)
		}
		if err := tw.flush(); err != nil {
			return err
		}
	}
	if p.Documents != nil {
		c.printDocuments(p.Documents, true)
	}
	return nil
}

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
