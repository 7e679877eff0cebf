// Package portals says what the desktop's answers mean. Portal permissions
// are not in any override file: the desktop asks while an app runs and
// xdg-permission-store keeps the answer, read and written here through a
// permstore.Store.
//
// Each portal permission is one Spec (spec.go): its table and ID in the
// store, the portal that asks, how that portal reads an app's value, what
// each value makes the desktop do, and its catalogue entry. The rows of an
// app's Portals group (Manager.Status, status.go), the Overview's questions
// (overview.go), snapshots for reset, undo, export and import
// (snapshot.go), and the tables and portals Confine asks about all follow
// from the specs. Besides the permissions, the store keeps an app's saved
// screen-sharing, remote-desktop and input-capture sessions
// (sessions.go), its Open With choices and the USB portal's decisions
// about single devices (answers.go).
//
// The rules Confine follows with the store are Manager's: an unreachable
// store, or one older than version 2, makes every permission unsupported;
// a row is shown where the desktop has the table or the portal; table
// names only ever come from the specs; and no table is ever created (the
// store would make a file of any name it is given).
package portals
