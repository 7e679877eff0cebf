package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// table prints aligned columns for the text output of list, show and audit.
type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)}
	t.row(header...)
	return t
}

// row adds a row; each field is shown as cell shows it.
func (t *table) row(cells ...string) {
	shown := make([]string, len(cells))
	for i, c := range cells {
		shown[i] = cell(c)
	}
	fmt.Fprintln(t.tw, strings.Join(shown, "\t"))
}
func (t *table) flush() error { return t.tw.Flush() }
