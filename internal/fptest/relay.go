package fptest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
)

// The oracle relay lets tests that run inside a build-aux/root root (the
// window's tests: they link the root's GTK) use the host's oracles —
// Debian 12's flatpak, the ones built from the tarballs, the other root's
// packaged one — which cannot run in there. The host serves them on a
// socket in /tmp (which the root shares) and runs each command as asked:
// the same binary, arguments, environment and folder, with its output and
// exit status sent back. Inside the root each relayed oracle is a small
// program named flatpak that forwards to the socket.

// RelayVar names the relay's socket; set inside a root, with
// CONFINE_ROOT, the oracles it does not hold itself come through it.
const RelayVar = "CONFINE_ORACLE_RELAY"

type relayRequest struct {
	Key  string   // the oracle, as OracleVar names it
	Args []string // flatpak's arguments
	Env  []string
	Dir  string
}

type relayResponse struct {
	Stdout, Stderr []byte
	Code           int    // exit status; -1 with Err when it did not run
	Signal         int    // the signal that ended it, if one did
	Err            string // why the oracle could not run at all
}

// ServeRelay answers relay requests on l until l is closed, running the
// oracles of the source tree top (made or built on first use).
func ServeRelay(l net.Listener, top string) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			var req relayRequest
			if err := json.NewDecoder(c).Decode(&req); err != nil {
				return
			}
			json.NewEncoder(c).Encode(runRelayed(top, req))
		}()
	}
}

func runRelayed(top string, req relayRequest) relayResponse {
	r := lookupOracle(top, req.Key)
	switch {
	case r.unavailable != "":
		return relayResponse{Code: -1, Err: r.unavailable}
	case r.err != nil:
		return relayResponse{Code: -1, Err: r.err.Error()}
	}
	cmd := exec.Command(r.o.Bin, req.Args...)
	cmd.Env, cmd.Dir = req.Env, req.Dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	resp := relayResponse{Stdout: out.Bytes(), Stderr: errb.Bytes()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		resp.Code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			resp.Signal = int(ws.Signal())
		}
	case err != nil:
		resp.Code, resp.Err = -1, err.Error()
	}
	return resp
}

// RelayClient runs one flatpak command through the relay at socket, as
// the oracle key: it prints what the host's run printed and returns its
// exit status — or, for a run a signal ended, ends itself by the same
// signal, so that callers see exactly what they would have seen.
func RelayClient(socket, key string, args []string) int {
	c, err := net.Dial("unix", socket)
	if err != nil {
		fmt.Fprintf(os.Stderr, "flatpak (%s, relayed): %v\n", key, err)
		return 127
	}
	defer c.Close()
	dir, _ := os.Getwd()
	if err := json.NewEncoder(c).Encode(relayRequest{Key: key, Args: args, Env: os.Environ(), Dir: dir}); err != nil {
		fmt.Fprintf(os.Stderr, "flatpak (%s, relayed): %v\n", key, err)
		return 127
	}
	var resp relayResponse
	if err := json.NewDecoder(c).Decode(&resp); err != nil {
		fmt.Fprintf(os.Stderr, "flatpak (%s, relayed): no answer: %v\n", key, err)
		return 127
	}
	os.Stdout.Write(resp.Stdout)
	os.Stderr.Write(resp.Stderr)
	if resp.Err != "" {
		fmt.Fprintf(os.Stderr, "flatpak (%s, relayed): %s\n", key, resp.Err)
		return 127
	}
	if resp.Signal != 0 {
		// Go's runtime catches SIGSEGV and its kin even when told not to:
		// become a shell, which dies of it.
		script := fmt.Sprintf("kill -%d $$; exit %d", resp.Signal, 128+resp.Signal)
		syscall.Exec("/bin/sh", []string{"sh", "-c", script}, os.Environ())
		return 128 + resp.Signal
	}
	return resp.Code
}

// relayedOracle is an oracle the host runs: a wrapper named flatpak (in a
// folder of its own, so that PATH can put it first) runs the relay client
// for key. Both live in the relay socket's folder, which whoever started
// the relay removes with it (build-aux/dev builds the client there too).
func relayedOracle(top, key string) oracleResult {
	home := filepath.Dir(os.Getenv(RelayVar))
	client, err := relayClientBinary(top, home)
	if err != nil {
		return oracleResult{err: err}
	}
	dir, err := os.MkdirTemp(home, "relayed-"+key+"-")
	if err != nil {
		return oracleResult{err: err}
	}
	bin := filepath.Join(dir, "flatpak")
	script := fmt.Sprintf("#!/bin/sh\n# Flatpak %s on the host, through the relay.\nexec %s run %s %s \"$@\"\n",
		key, shellQuote(client), shellQuote(os.Getenv(RelayVar)), shellQuote(key))
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		return oracleResult{err: err}
	}
	r := versionedOracle(key, bin, "")
	if r.err != nil {
		return oracleResult{unavailable: fmt.Sprintf("the host relays no Flatpak %s: %v", key, r.err)}
	}
	return r
}

// relayClientBinary is the relay's program in dir, built there unless it
// is there already.
func relayClientBinary(top, dir string) (string, error) {
	bin := filepath.Join(dir, "relay")
	if st, err := os.Stat(bin); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
		return bin, nil
	}
	cmd := exec.Command("go", "build", "-o", bin, "./internal/fptest/relay")
	cmd.Dir = top
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the relay client: %v\n%s", err, out)
	}
	return bin, nil
}
