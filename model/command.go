package model

import (
	"strings"

	"github.com/confine-app/confine/overrides"
)

// Command renders options as one `flatpak override --user` command line.
func Command(target string, ops []overrides.Op) string {
	var args []string
	for _, o := range ops {
		args = append(args, o.String())
	}
	return commandLine(target, args...)
}

func commandLine(target string, args ...string) string {
	parts := []string{"flatpak", "override", "--user"}
	for _, a := range args {
		parts = append(parts, overrides.ShellQuote(a))
	}
	if target != overrides.Global {
		parts = append(parts, target)
	}
	return strings.Join(parts, " ")
}
