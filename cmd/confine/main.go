// Command confine shows and tightens what installed Flatpak apps may access.
package main

import (
	"fmt"
	"os"
)

// Set at build time by meson (-X main.version=…).
var (
	version   = "0.1.0-dev"
	localeDir = ""
)

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "--version" || os.Args[1] == "version") {
		fmt.Println("confine", version)
		return
	}
	fmt.Println("confine", version)
}
