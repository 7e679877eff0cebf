package model

import (
	"fmt"
	"strings"

	"github.com/confine-app/confine/overrides"
)

// UnifiedDiff renders the change from before to after in the unified
// format of `diff -u` (three lines of context), which `patch` and review
// tools read. nil stands for "no file" and is named /dev/null in the
// header, as for a created or deleted file. Equal inputs give "".
func UnifiedDiff(name string, before, after []byte) string {
	if overrides.SameFile(before, after) {
		return ""
	}
	from, to := name, name
	if before == nil {
		from = "/dev/null"
	}
	if after == nil {
		to = "/dev/null"
	}
	a, b := diffLines(before), diffLines(after)
	ops := editScript(a, b)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", from, to)
	const context = 3
	// Group the script into hunks: runs of changes with up to 2*context
	// equal lines between them.
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-context, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				end = min(end+context, len(ops))
				break
			}
			end = run
		}
		writeHunk(&out, ops[start:end], a, b)
		i = end
	}
	return out.String()
}

type diffOp struct {
	kind byte // ' ', '-', '+'
	a, b int  // line indexes in before and after (the next ones, for the other kind)
}

func writeHunk(out *strings.Builder, h []diffOp, a, b []string) {
	var na, nb int
	for _, o := range h {
		if o.kind != '+' {
			na++
		}
		if o.kind != '-' {
			nb++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(h[0].a, na), hunkRange(h[0].b, nb))
	for _, o := range h {
		var text string
		if o.kind == '+' {
			text = b[o.b]
		} else {
			text = a[o.a]
		}
		if t, ok := strings.CutSuffix(text, "\n"); ok {
			text = t + "\n\\ No newline at end of file"
		}
		out.WriteString(string(o.kind) + text + "\n")
	}
}

// hunkRange is "start,count" with diff's conventions: 1-based; a single
// line omits the count; an empty range names the line before it.
func hunkRange(first, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", first)
	case 1:
		return fmt.Sprint(first + 1)
	}
	return fmt.Sprintf("%d,%d", first+1, n)
}

// diffLines splits a file into lines. A last line without a newline
// keeps a "\n" of its own, so it differs from the same text with one
// (as for diff) and is printed with diff's "No newline" marker.
func diffLines(data []byte) []string {
	if len(data) == 0 {
		return nil
	}
	s := string(data)
	eol := strings.HasSuffix(s, "\n")
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if !eol {
		lines[len(lines)-1] += "\n"
	}
	return lines
}

// editScript is a shortest edit script by longest common subsequence.
// Override files are a few lines long; past a size where the table would
// be large, the whole file is shown as replaced, which is still a correct
// diff.
func editScript(a, b []string) []diffOp {
	var ops []diffOp
	if len(a)*len(b) > 1<<22 {
		for i := range a {
			ops = append(ops, diffOp{'-', i, 0})
		}
		for j := range b {
			ops = append(ops, diffOp{'+', len(a), j})
		}
		return ops
	}
	lcs := make([][]int32, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			ops = append(ops, diffOp{' ', i, j})
			i++
			j++
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, diffOp{'-', i, j})
			i++
		default:
			ops = append(ops, diffOp{'+', i, j})
			j++
		}
	}
	return ops
}
