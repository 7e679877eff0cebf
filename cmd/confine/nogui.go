//go:build nogui

package main

import (
	"fmt"
	"os"
	"time"
)

// runWindow: this build (-tags nogui, no cgo, no GTK) only has the command
// line. It exists for minimal environments such as a bare Flatpak runtime.
func runWindow(args []string, start time.Time) int {
	fmt.Fprintln(os.Stderr, "confine: this build has only the command line (built with -tags nogui); see confine --help")
	return 2
}
