// Command relay serves the host's Flatpak oracles to tests running inside
// a build-aux/root root, and is the client those tests run (see
// fptest.RelayVar).
//
//	relay serve SOCKET        on the host, from the source tree
//	relay run SOCKET KEY ARG… inside the root: flatpak ARG… as oracle KEY
package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/confine-app/confine/internal/fptest"
	"github.com/confine-app/confine/internal/testbin"
)

func main() {
	if len(os.Args) >= 4 && os.Args[1] == "run" {
		os.Exit(fptest.RelayClient(os.Args[2], os.Args[3], os.Args[4:]))
	}
	if len(os.Args) != 3 || os.Args[1] != "serve" {
		fmt.Fprintln(os.Stderr, "usage: relay serve SOCKET | relay run SOCKET KEY ARG…")
		os.Exit(2)
	}
	top, err := testbin.Top()
	if err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		os.Exit(1)
	}
	l, err := net.Listen("unix", os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		os.Exit(1)
	}
	// Stopped by its PID: close the socket (which removes it) and go.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-stop; l.Close() }()
	if err := fptest.ServeRelay(l, top); err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		os.Exit(1)
	}
}
