package model

import (
	"strings"

	"github.com/confine-app/confine/overrides"
)

// Command renders options as one `flatpak override --user` command line.
func Command(target string, ops []overrides.Op) string {
	return commandLine(target, " ", opArgs(ops)...)
}

// CommandLines is Command with each option on a line of its own (ending
// in a backslash), as a person reads it and the shell runs it: a long
// command then breaks between options, never inside one.
func CommandLines(target string, ops []overrides.Op) string {
	return commandLine(target, " \\\n    ", opArgs(ops)...)
}

func opArgs(ops []overrides.Op) []string {
	var args []string
	for _, o := range ops {
		args = append(args, o.String())
	}
	return args
}

func commandLine(target, sep string, args ...string) string {
	parts := []string{"flatpak override --user"}
	for _, a := range args {
		parts = append(parts, overrides.ShellQuote(a))
	}
	if target != overrides.Global {
		parts = append(parts, target)
	}
	return strings.Join(parts, sep)
}
