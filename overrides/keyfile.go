package overrides

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxFileSize bounds what Confine reads. Real override files are a few hundred
// bytes; anything this large is not an override file and is left alone.
const MaxFileSize = 4 << 20

// lineKind classifies a physical line the way GKeyFile does.
type lineKind uint8

const (
	lineOther lineKind = iota // blank or comment: kept, never interpreted
	lineGroup
	lineKey
)

// line is one physical line. raw is exactly what was read (without the line
// terminator) so untouched lines are written back byte for byte.
type line struct {
	kind  lineKind
	raw   string
	cr    bool   // the line ended in "\r\n"
	group string // lineGroup: the group name
	key   string // lineKey: the key, trimmed as GKeyFile trims it
	value string // lineKey: the raw (still escaped) value
	nul   bool   // raw holds a NUL byte; only what is before it counts
}

// KeyFile is a GKeyFile-compatible document that remembers its layout.
//
// Reading follows GLib's rules: leading white space is ignored, "#" starts a
// comment, "[name]" opens a group (a repeated group continues the first one),
// "key=value" sets a key (a repeated key replaces the earlier value), white
// space around "=" is not part of the key or the value. Writing changes only
// the lines an edit touches; everything else, comments and unknown groups
// included, stays as it was.
type KeyFile struct {
	lines []line
	// finalNewline records whether the last line was terminated; an edited
	// file always ends in a newline, as GKeyFile writes it.
	finalNewline bool
	// nulLine is the first line with a NUL byte (1-based; 0: none).
	nulLine int
	// idx finds a key's line without reading the file through (nil for
	// files under indexMin lines). It is kept up to date by every edit,
	// never built by a read: a parsed file may be read from many
	// goroutines at once.
	idx *keyIndex
}

// indexMin is the size from which a file is indexed. Override files are a
// few lines long and a scan is cheapest; a file of thousands of keys (a
// policy's, a hostile one) would make every lookup, and so reading it,
// quadratic.
var indexMin = 32

// keyRef names a key of a group.
type keyRef struct{ group, key string }

// keyIndex is where each key and group is in a file's lines.
type keyIndex struct {
	last  map[keyRef]int  // the line that counts (GLib takes a repeated key's last)
	dup   map[keyRef]bool // keys on more than one line
	end   map[string]int  // each group's insertionPoint
	nkeys map[string]int  // lines of keys in each group
}

// reindex makes idx match the lines after an edit that moved them.
func (kf *KeyFile) reindex() {
	if len(kf.lines) < indexMin {
		kf.idx = nil
		return
	}
	x := &keyIndex{last: map[keyRef]int{}, dup: map[keyRef]bool{}, end: map[string]int{}, nkeys: map[string]int{}}
	in := ""
	for i, l := range kf.lines {
		switch l.kind {
		case lineGroup:
			in = l.group
			x.end[in] = i + 1
		case lineKey:
			r := keyRef{l.group, l.key}
			if _, ok := x.last[r]; ok {
				x.dup[r] = true
			}
			x.last[r] = i
			x.nkeys[l.group]++
			if l.group == in {
				x.end[in] = i + 1
			}
		}
	}
	kf.idx = x
}

// appended records in idx a line just appended at the end.
func (kf *KeyFile) appended() {
	i := len(kf.lines) - 1
	if kf.idx == nil {
		if len(kf.lines) >= indexMin {
			kf.reindex()
		}
		return
	}
	switch l := kf.lines[i]; l.kind {
	case lineGroup:
		kf.idx.end[l.group] = i + 1
	case lineKey:
		r := keyRef{l.group, l.key}
		if _, ok := kf.idx.last[r]; ok {
			kf.idx.dup[r] = true
		}
		kf.idx.last[r] = i
		kf.idx.nkeys[l.group]++
		kf.idx.end[l.group] = i + 1
	}
}

// lastLine is the line of a key that counts, -1 when there is none; dup
// says whether the key is on other lines too.
func (kf *KeyFile) lastLine(group, key string) (last int, dup bool) {
	if kf.idx != nil {
		r := keyRef{group, key}
		i, ok := kf.idx.last[r]
		if !ok {
			return -1, false
		}
		return i, kf.idx.dup[r]
	}
	last = -1
	for i, l := range kf.lines {
		if l.kind == lineKey && l.group == group && l.key == key {
			dup = dup || last >= 0
			last = i
		}
	}
	return last, dup
}

// clone is an independent copy.
func (kf *KeyFile) clone() *KeyFile {
	c := *kf
	c.lines = append([]line(nil), kf.lines...)
	c.reindex()
	return &c
}

// NULLine is the first line (1-based) that holds a NUL byte, 0 when none
// does. GLib reads such a line only up to the NUL, so the bytes after it
// mean nothing to Flatpak, but they are someone's data: a file with one is
// read, never rewritten.
func (kf *KeyFile) NULLine() int { return kf.nulLine }

// SyntaxError reports a file that GKeyFile itself would refuse to load.
type SyntaxError struct {
	Line int // 1-based; 0 when the problem is not tied to a line
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// ParseKeyFile reads data with GKeyFile's rules. It fails where GLib fails
// (a key outside any group, a line that is neither group, key nor comment, an
// invalid key or group name) and, more strictly than GLib, on oversized
// input, which no override file reaches.
//
// A NUL byte is read as GLib reads it: the line it is on ends there (a
// line that starts with one is blank), so a file that hides an entry
// behind a NUL is judged by what Flatpak sees. Such a file is never
// edited (see NULLine): rewriting its lines would drop the bytes after
// the NUL.
func ParseKeyFile(data []byte) (*KeyFile, error) {
	if len(data) > MaxFileSize {
		return nil, &SyntaxError{Msg: fmt.Sprintf("file is %d bytes, larger than the %d bytes an override file can reasonably be", len(data), MaxFileSize)}
	}
	kf := &KeyFile{finalNewline: len(data) == 0 || data[len(data)-1] == '\n'}
	text := string(data)
	if strings.HasSuffix(text, "\n") {
		text = text[:len(text)-1]
	}
	if len(data) == 0 {
		return kf, nil
	}
	group := ""
	for n, raw := range strings.Split(text, "\n") {
		l := line{raw: raw}
		if strings.HasSuffix(raw, "\r") {
			l.cr = true
			l.raw = raw[:len(raw)-1]
		}
		if err := l.classify(); err != nil {
			return nil, &SyntaxError{Line: n + 1, Msg: err.Error()}
		}
		if l.nul && kf.nulLine == 0 {
			kf.nulLine = n + 1
		}
		switch l.kind {
		case lineGroup:
			group = l.group
		case lineKey:
			if group == "" {
				return nil, &SyntaxError{Line: n + 1, Msg: "key file does not start with a group"}
			}
			l.group = group
		}
		kf.lines = append(kf.lines, l)
	}
	kf.reindex()
	return kf, nil
}

// isSpace is g_ascii_isspace.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func trimLeftSpace(s string) string {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return s[i:]
}

func trimRightSpace(s string) string {
	i := len(s)
	for i > 0 && isSpace(s[i-1]) {
		i--
	}
	return s[:i]
}

func (l *line) classify() error {
	s := l.raw
	after := ""
	if i := strings.IndexByte(s, 0); i >= 0 {
		// GLib parses the line as a C string: it ends at the NUL.
		l.nul = true
		s, after = s[:i], s[i:]
	}
	s = trimLeftSpace(s)
	switch {
	case s == "" || s[0] == '#':
		l.kind = lineOther
		return nil
	case s[0] == '[':
		if name, ok := groupLine(s); ok {
			// GLib takes the group name up to the line's last "]", which
			// may come after the NUL: the name then holds a "]".
			if !validGroupName(name) || strings.Contains(after, "]") {
				return fmt.Errorf("invalid group name: %s", name)
			}
			l.kind, l.group = lineGroup, name
			return nil
		}
	}
	eq := strings.IndexByte(s, '=')
	if eq < 0 {
		return fmt.Errorf("line %q is not a key-value pair, group, or comment", clip(s))
	}
	key := trimRightSpace(s[:eq])
	if !validKeyName(key) {
		return fmt.Errorf("invalid key name: %s", clip(key))
	}
	l.kind, l.key, l.value = lineKey, key, trimLeftSpace(s[eq+1:])
	return nil
}

// groupLine accepts "[name]" followed only by blanks, as GLib does.
func groupLine(s string) (string, bool) {
	end := strings.IndexByte(s, ']')
	if end < 0 || strings.Trim(s[end+1:], " \t") != "" {
		return "", false
	}
	return s[1:end], true
}

func validGroupName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r == '[' || r == ']' || r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// validKeyName mirrors g_key_file_is_key_name: no "=", "[" or "]" in the
// name, no leading or trailing space, and an optional "[locale]" suffix made
// of letters, digits and "-_.@".
func validKeyName(key string) bool {
	base, locale, hasLocale := strings.Cut(key, "[")
	if base == "" || strings.ContainsAny(base, "=]") {
		return false
	}
	if base[0] == ' ' || base[len(base)-1] == ' ' {
		return false
	}
	if !hasLocale {
		return true
	}
	if !strings.HasSuffix(locale, "]") {
		return false
	}
	for _, r := range locale[:len(locale)-1] {
		if !(r == '-' || r == '_' || r == '.' || r == '@' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f && r != utf8.RuneError) {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// Bytes serialises the document. An unedited document returns exactly the
// bytes it was parsed from.
func (kf *KeyFile) Bytes() []byte {
	var b bytes.Buffer
	for i, l := range kf.lines {
		b.WriteString(l.raw)
		if l.cr {
			b.WriteByte('\r')
		}
		if i < len(kf.lines)-1 || kf.finalNewline {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// Groups lists group names in the order they first appear.
func (kf *KeyFile) Groups() []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range kf.lines {
		if l.kind == lineGroup && !seen[l.group] {
			seen[l.group] = true
			out = append(out, l.group)
		}
	}
	return out
}

// HasGroup reports whether the group appears at all.
func (kf *KeyFile) HasGroup(group string) bool {
	if kf.idx != nil {
		_, ok := kf.idx.end[group]
		return ok
	}
	for _, l := range kf.lines {
		if l.kind == lineGroup && l.group == group {
			return true
		}
	}
	return false
}

// Keys lists the keys of a group in first-appearance order, each once.
func (kf *KeyFile) Keys(group string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range kf.lines {
		if l.kind == lineKey && l.group == group && !seen[l.key] {
			seen[l.key] = true
			out = append(out, l.key)
		}
	}
	return out
}

// Value returns the raw (escaped) value of a key; a repeated key yields the
// last value, as in GLib.
func (kf *KeyFile) Value(group, key string) (string, bool) {
	if kf.idx != nil {
		if i, ok := kf.idx.last[keyRef{group, key}]; ok {
			return kf.lines[i].value, true
		}
		return "", false
	}
	for i := len(kf.lines) - 1; i >= 0; i-- {
		if l := kf.lines[i]; l.kind == lineKey && l.group == group && l.key == key {
			return l.value, true
		}
	}
	return "", false
}

// SetValue sets a raw (already escaped) value. The key's last line is
// rewritten in place; earlier duplicates, which GLib ignores anyway, are
// dropped so the file says one thing. A new key goes after the group's last
// key; a new group is appended at the end, after a blank line.
func (kf *KeyFile) SetValue(group, key, value string) {
	if !validKeyName(key) || !validGroupName(group) || strings.ContainsAny(value, "\n\r") {
		// Callers validate; this keeps a bug from producing a file GLib
		// cannot read.
		panic(fmt.Sprintf("overrides: invalid key file entry [%s] %s=%q", group, key, value))
	}
	last, dup := kf.lastLine(group, key)
	if last >= 0 {
		if kf.lines[last].value != value {
			l := &kf.lines[last]
			l.value = value
			l.raw = key + "=" + value
			kf.finalNewline = true
		}
		if dup {
			kf.dropDuplicates(group, key, last)
		}
		return
	}
	kf.insert(line{kind: lineKey, group: group, key: key, value: value, raw: key + "=" + value})
	kf.finalNewline = true
}

// insert adds a new key's line after the group's last key; a new group is
// appended at the end, after a blank line. New lines end as the file's
// lines do, so a CRLF file stays one.
func (kf *KeyFile) insert(nl line) {
	at := kf.insertionPoint(nl.group)
	crlf := kf.usesCRLF()
	nl.cr = crlf
	if at < 0 {
		if len(kf.lines) > 0 {
			kf.lines = append(kf.lines, line{raw: "", cr: crlf})
			kf.appended()
		}
		kf.lines = append(kf.lines, line{kind: lineGroup, group: nl.group, raw: "[" + nl.group + "]", cr: crlf})
		kf.appended()
		at = len(kf.lines)
	}
	if at == len(kf.lines) {
		kf.lines = append(kf.lines, nl)
		kf.appended()
		return
	}
	kf.lines = slices.Insert(kf.lines, at, nl)
	kf.reindex()
}

// KeyEdit is one edit of SetValues: a key's new raw (escaped) value, or
// Delete.
type KeyEdit struct {
	Key, Value string
	Delete     bool
}

// SetValues applies edits of one group's keys as SetValue and DeleteKey
// would one after the other, in one pass over the file: where each key
// ends up is decided by the last edit of it. A policy may set thousands
// of keys; edit by edit, that is quadratic.
func (kf *KeyFile) SetValues(group string, edits []KeyEdit) {
	if len(edits) == 0 {
		return
	}
	final := map[string]int{} // key → its last edit
	var order []string        // keys in the order first edited
	for i, e := range edits {
		if !e.Delete && (!validKeyName(e.Key) || !validGroupName(group) || strings.ContainsAny(e.Value, "\n\r")) {
			panic(fmt.Sprintf("overrides: invalid key file entry [%s] %s=%q", group, e.Key, e.Value))
		}
		if _, ok := final[e.Key]; !ok {
			order = append(order, e.Key)
		}
		final[e.Key] = i
	}
	// Each key's last line is rewritten in place (or dropped), earlier
	// ones are dropped: the file then says one thing.
	lastOf := map[string]int{}
	for i, l := range kf.lines {
		if l.kind == lineKey && l.group == group {
			if _, ok := final[l.key]; ok {
				lastOf[l.key] = i
			}
		}
	}
	// New keys go where SetValue puts the first: after the group's last
	// key as the file is now, even if an edit deletes that key.
	ins := kf.insertionPoint(group)
	insAt := -1
	changed := false
	out := make([]line, 0, len(kf.lines)+len(edits))
	for i, l := range kf.lines {
		keep := true
		if l.kind == lineKey && l.group == group {
			if j, ok := final[l.key]; ok {
				e := edits[j]
				if e.Delete || lastOf[l.key] != i {
					keep = false
					changed = true
				} else if l.value != e.Value {
					l.value, l.raw = e.Value, e.Key+"="+e.Value
					changed = true
				}
			}
		}
		if keep {
			out = append(out, l)
		}
		if i+1 == ins {
			insAt = len(out)
		}
	}
	var added []line
	for _, k := range order {
		if e := edits[final[k]]; !e.Delete {
			if _, ok := lastOf[k]; !ok {
				added = append(added, line{kind: lineKey, group: group, key: k, value: e.Value, raw: k + "=" + e.Value, cr: kf.usesCRLF()})
			}
		}
	}
	kf.lines = out
	switch {
	case len(added) == 0:
		kf.reindex()
	case insAt >= 0:
		kf.lines = slices.Insert(kf.lines, insAt, added...)
		kf.reindex()
		changed = true
	default:
		// No such group: SetValue makes it for the first.
		kf.reindex()
		kf.insert(added[0])
		kf.lines = slices.Insert(kf.lines, kf.insertionPoint(group), added[1:]...)
		kf.reindex()
		changed = true
	}
	if changed {
		kf.finalNewline = true
	}
}

func (kf *KeyFile) dropDuplicates(group, key string, keep int) {
	out := kf.lines[:0]
	for i, l := range kf.lines {
		if i != keep && l.kind == lineKey && l.group == group && l.key == key {
			continue
		}
		out = append(out, l)
	}
	if len(out) != len(kf.lines) {
		clear(kf.lines[len(out):])
		kf.lines = out
		kf.reindex()
	}
}

// insertionPoint is the index after the last key (or header) of the group's
// last section, so trailing comments and blank lines stay with the next
// group. It returns -1 when the group does not exist.
func (kf *KeyFile) insertionPoint(group string) int {
	if kf.idx != nil {
		if at, ok := kf.idx.end[group]; ok {
			return at
		}
		return -1
	}
	at := -1
	in := false
	for i, l := range kf.lines {
		switch {
		case l.kind == lineGroup:
			in = l.group == group
			if in {
				at = i + 1
			}
		case in && l.kind == lineKey:
			at = i + 1
		}
	}
	return at
}

func (kf *KeyFile) usesCRLF() bool {
	return len(kf.lines) > 0 && kf.lines[0].cr
}

// DeleteKey removes every line of the key. It reports whether one existed.
func (kf *KeyFile) DeleteKey(group, key string) bool {
	if last, _ := kf.lastLine(group, key); last < 0 {
		return false
	}
	n := len(kf.lines)
	kf.dropDuplicates(group, key, -1)
	if len(kf.lines) != n {
		kf.finalNewline = true
		return true
	}
	return false
}

// DeleteGroup removes a group's header and keys. Comments directly above the
// header belong to it and go too; the blank line that separated it goes as
// well so no double gaps remain.
func (kf *KeyFile) DeleteGroup(group string) {
	var out []line
	for i := 0; i < len(kf.lines); i++ {
		l := kf.lines[i]
		if l.kind == lineGroup && l.group == group {
			// Take back the comments and one blank line written just above.
			for len(out) > 0 && out[len(out)-1].kind == lineOther && strings.HasPrefix(trimLeftSpace(out[len(out)-1].raw), "#") {
				out = out[:len(out)-1]
			}
			if len(out) > 0 && out[len(out)-1].kind == lineOther && trimLeftSpace(out[len(out)-1].raw) == "" {
				out = out[:len(out)-1]
			}
			// Skip the section body up to the next group header.
			j := i + 1
			for j < len(kf.lines) && kf.lines[j].kind != lineGroup {
				j++
			}
			// Comments right before the next header belong to that header.
			k := j
			for k > i+1 && kf.lines[k-1].kind == lineOther && strings.HasPrefix(trimLeftSpace(kf.lines[k-1].raw), "#") {
				k--
			}
			if k < j && len(out) > 0 {
				out = append(out, line{raw: "", cr: kf.usesCRLF()})
			}
			out = append(out, kf.lines[k:j]...)
			i = j - 1
			continue
		}
		out = append(out, l)
	}
	// A group removed from the front leaves a leading blank line behind.
	for len(out) > 0 && out[0].kind == lineOther && trimLeftSpace(out[0].raw) == "" && len(kf.lines) > 0 && trimLeftSpace(kf.lines[0].raw) != "" {
		out = out[1:]
	}
	kf.lines = out
	kf.finalNewline = true
	kf.reindex()
}

// GroupIsEmpty reports whether a group has no keys (comments do not count).
func (kf *KeyFile) GroupIsEmpty(group string) bool {
	if kf.idx != nil {
		return kf.idx.nkeys[group] == 0
	}
	for _, l := range kf.lines {
		if l.kind == lineKey && l.group == group {
			return false
		}
	}
	return true
}

// IsEmpty reports whether the document holds neither keys nor comments, so
// the file can be deleted without losing anything anyone wrote.
func (kf *KeyFile) IsEmpty() bool {
	for _, l := range kf.lines {
		if l.kind == lineKey || l.nul || strings.HasPrefix(trimLeftSpace(l.raw), "#") {
			return false
		}
	}
	return true
}
