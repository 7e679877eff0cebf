// Command gendemo writes Confine's demo installation with N extra
// synthetic apps into a folder and prints the environment that points
// Confine at it (for benchmarks and manual testing).
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/confine-app/confine/model"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gendemo DIR N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 0 {
		fmt.Fprintln(os.Stderr, "gendemo: N must be a number")
		os.Exit(2)
	}
	env, err := model.GenerateDemo(os.Args[1], n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendemo:", err)
		os.Exit(1)
	}
	for _, k := range []string{"FLATPAK_USER_DIR", "FLATPAK_SYSTEM_DIR", "FLATPAK_CONFIG_DIR", "XDG_STATE_HOME"} {
		fmt.Printf("export %s=%q\n", k, env.Getenv(k))
	}
}
