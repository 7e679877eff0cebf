// Package overrides reads and writes Flatpak's override files — the
// keyfiles that `flatpak override` keeps in <installation>/overrides/ — and
// the [Context] part of app metadata, without losing anything.
//
// Three layers, one file each:
//
//   - keyfile.go: a GKeyFile-compatible document that keeps every line as it
//     was read. Only lines an edit touches are rewritten, so comments,
//     unknown groups and keys, and values from newer Flatpak releases (`if:`
//     conditionals, [USB Devices]) survive. An unedited file saves
//     byte-identically.
//   - escape.go: GKeyFile's value rules (\s \n \t \r \\ and `;` lists with
//     `\;`), which are not the INI rules most libraries implement.
//   - grammar.go and file.go: Flatpak's permission grammar — fixed-name lists,
//     filesystem entries with modes, negation and `!host:reset`, bus
//     policies, environment — as typed reads (File.Context evaluates a file
//     the way Flatpak 1.14 loads it) and minimal edits.
//
// store.go locates override folders and writes atomically. Update is the
// only write path for edits: it re-reads the file, refuses files that do not
// parse, applies the edit and replaces the file (or deletes it when nothing
// is left). commit.go makes those writes safe against each other: a lock
// all Confine processes share, a replace that checks the bytes it displaces
// (so writers that do not take the lock are never overwritten), and clean-up
// of temporary files a killed write left.
//
// readfile.go reads every file without waiting on what is not a regular
// file (a FIFO put in an override's or the lock's place) and up to a limit;
// textsafe.go has Flatpak's rule for the characters of a path and its
// escaping of text for a terminal.
//
// Why not gopkg.in/ini.v1 (which DESIGN.md proposed): measured with v1.67.0
// and the options DESIGN.md lists, an edit of one key rewrote
// "shared = network;" elsewhere in the file as "shared=network;", a line
// ";x" (which GLib rejects) loaded as a comment and came back as "; x", and a
// value `x` in backquotes was saved without them — data loss. Flatpak reads
// these files with GLib, so this package implements GLib's rules itself and
// is tested against GLib and the flatpak CLI.
package overrides
