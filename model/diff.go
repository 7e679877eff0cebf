package model

import "strings"

// Diff is a small line diff of two override files ("-"/"+" lines), for a
// person to read; UnifiedDiff is the one for patch(1).
func Diff(before, after []byte) string {
	a := strings.Split(strings.TrimSuffix(string(before), "\n"), "\n")
	b := strings.Split(strings.TrimSuffix(string(after), "\n"), "\n")
	if len(before) == 0 {
		a = nil
	}
	if len(after) == 0 {
		b = nil
	}
	var out strings.Builder
	for _, op := range editScript(a, b) {
		line := ""
		if op.kind == '+' {
			line = b[op.b]
		} else {
			line = a[op.a]
		}
		out.WriteString(string(op.kind) + " " + line + "\n")
	}
	return out.String()
}
