// Command confine shows and tightens what installed Flatpak apps may access.
//
// Without a subcommand it opens the window; subcommands (list, show,
// override, …) run the same model from the command line and never
// initialise GTK, so they work without a display.
package main

import (
	"fmt"
	"os"

	"github.com/confine-app/confine/cli"
	"github.com/confine-app/confine/internal/procstart"
	"github.com/confine-app/confine/model"
)

// Set at build time by meson (-X main.version=… -X main.localeDir=…).
var (
	version   = "0.1.0-dev"
	localeDir = ""
)

const usage = `Usage:
  confine [--app APP-ID] [--demo]     open the window
  confine COMMAND [ARGS…]             use the command line (no display needed)
  confine --version

Commands (each has --help):
  list [--json]                       installed apps, changed?, rating
  show APP|global [--system] [--json] effective permissions and who decided
                                      each (--system: the administrator's)
  override [--user|--system] [OPTIONS…] [APP|global]
                                      the options of flatpak override
  reset [--system] APP|global         remove your override (or the
                                      administrator's)
  audit [APP] [--json] [--fail-on=S]  advisor findings; exit 1 at severity S
  harden APP|--all [--apply] [--include-suggested]
  lock APP                            revoke everything the app lacks, so
                                      updates cannot widen it silently
  export [--portals] [APP…] > FILE    all your overrides (and portal
                                      permissions) in one file
  import FILE|- [--dry-run]           restore an export (checked first)
  apply POLICY|-|--preset=NAME [--system] [--prune] [--check] [--diff] [--json]
                                      make the overrides match a policy or
                                      a preset (--prune: and remove the rest)
  presets [show NAME]                 the hardening presets
  portals [set|revoke|forget] APP … [--json]
                                      what the desktop remembers for an app:
                                      set a portal permission, revoke a saved
                                      session, forget an Open With choice
  files [revoke] [APP] [FILE…|--all] [--json]
                                      the files apps were given through the
                                      file chooser, and taking them back
  undo [NAME|FILE|-] [--json]         put back what portals or files took

Window options:
  --app APP-ID        show this app's permissions
  --demo              run on a generated demo installation (nothing on this
                      computer is changed)
  --measure-startup   print the time to the first painted frame and quit
  --measure-switch    also show every app's page once and print timings
`

func main() {
	start := procstart.Time()
	args := os.Args[1:]
	if len(args) > 0 {
		switch args[0] {
		case "--version", "version":
			fmt.Println("confine", version)
			return
		case "--help", "-h", "help":
			fmt.Print(usage)
			return
		}
		if cli.IsCommand(args[0]) {
			os.Exit(cli.Main(cli.Env{Model: model.OSEnv(), Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}, args))
		}
	}
	os.Exit(runWindow(args, start))
}
