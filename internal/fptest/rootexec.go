package fptest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// A packaged oracle runs inside its build-aux/root root. Entering a root
// (a mount namespace, a dozen bind mounts, pivot_root) costs about 100 ms
// per command, several times flatpak's own start-up, and the oracle suites
// run thousands of commands. So a test process enters each root once: its
// own binary, started inside the root, serves commands on a socket in
// /tmp (which the root shares), and the oracle's Bin is a script that runs
// this binary as a client. The client passes its arguments, environment,
// working folder and standard input, output and error, and exits as the
// command did; the command runs as if the root's wrapper had started it.

const (
	rootServeVar  = "FPTEST_ROOT_SERVE"  // serve on this socket, inside a root
	rootClientVar = "FPTEST_ROOT_CLIENT" // run a command through this socket
	rootNameVar   = "FPTEST_ROOT_NAME"   // the root served, as CONFINE_ROOT
)

// rootPath is PATH inside a root, as build-aux/root sets it.
const rootPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func init() {
	if sock := os.Getenv(rootServeVar); sock != "" {
		os.Exit(serveRoot(sock, os.Getenv(rootNameVar)))
	}
	if sock := os.Getenv(rootClientVar); sock != "" {
		os.Exit(runInRoot(sock, os.Args[1:]))
	}
}

type rootRequest struct {
	Args []string
	Env  []string
	Dir  string
}

type rootReply struct {
	Status int    // exit status, 128+N for signal N
	Signal int    // the signal that killed the command, or 0
	Error  string // the command could not be started
}

// rootServer starts this test binary inside root as a server and returns
// an executable that runs program there through it.
func rootServer(top, root, program string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "fptest-"+root+"-")
	if err != nil {
		return "", err
	}
	sock := filepath.Join(dir, "sock")
	cmd := exec.Command(filepath.Join(top, "build-aux", "root"), "run", root, "--", self)
	cmd.Env = append(os.Environ(), rootServeVar+"="+sock, rootNameVar+"="+root)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("unixpacket", sock); err == nil {
			c.Close()
			break
		}
		select {
		case err := <-exited:
			os.RemoveAll(dir)
			return "", fmt.Errorf("the %s root's command server exited: %v\n%s", root, err, log.String())
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			os.RemoveAll(dir)
			return "", fmt.Errorf("the %s root's command server did not start:\n%s", root, log.String())
		}
	}
	bin := filepath.Join(dir, filepath.Base(program))
	script := fmt.Sprintf("#!/bin/sh\n# %s in the %s root, through the command server of test process %d.\n%s=%s exec %s %s \"$@\"\n",
		program, root, os.Getpid(), rootClientVar, shellQuote(sock), shellQuote(self), shellQuote(program))
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		return "", err
	}
	return bin, nil
}

// serveRoot runs inside a root: it runs each request's command with the
// descriptors passed along, and leaves (removing its socket) when the test
// process that started it is gone.
func serveRoot(sock, root string) int {
	l, err := net.Listen("unixpacket", sock)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	parent := os.Getppid()
	go func() {
		for range time.Tick(time.Second) {
			if os.Getppid() != parent {
				os.RemoveAll(filepath.Dir(sock))
				os.Exit(0)
			}
		}
	}()
	for {
		c, err := l.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		go serveOne(c.(*net.UnixConn), root)
	}
}

func serveOne(c *net.UnixConn, root string) {
	defer c.Close()
	reply := func(r rootReply) {
		data, _ := json.Marshal(r)
		c.Write(data)
	}
	buf, oob := make([]byte, 1<<20), make([]byte, syscall.CmsgSpace(3*4))
	n, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
	if err != nil {
		return
	}
	var files []*os.File
	if msgs, err := syscall.ParseSocketControlMessage(oob[:oobn]); err == nil && len(msgs) == 1 {
		if fds, err := syscall.ParseUnixRights(&msgs[0]); err == nil {
			for _, fd := range fds {
				files = append(files, os.NewFile(uintptr(fd), "passed"))
			}
		}
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	var req rootRequest
	if err := json.Unmarshal(buf[:n], &req); err != nil || len(files) != 3 || len(req.Args) == 0 {
		reply(rootReply{Status: 127, Error: fmt.Sprintf("bad request (%d descriptors): %v", len(files), err)})
		return
	}
	cmd := exec.Command(req.Args[0], req.Args[1:]...)
	cmd.Env = append(withoutNames(req.Env, "PATH", "CONFINE_ROOT"), "PATH="+rootPath, "CONFINE_ROOT="+root)
	cmd.Dir = req.Dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = files[0], files[1], files[2]
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		reply(rootReply{Status: 127, Error: err.Error()})
		return
	}
	// A client that goes away (killed, timed out) takes its command along.
	done := make(chan struct{})
	go func() {
		c.Read(make([]byte, 1))
		select {
		case <-done:
		default:
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	}()
	err = cmd.Wait()
	close(done)
	r := rootReply{}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.Status = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.Status, r.Signal = 128+int(ws.Signal()), int(ws.Signal())
		}
	} else if err != nil {
		r.Status = 127
	}
	reply(r)
}

// runInRoot is the client: args run in the root, with this process's
// environment, folder and standard descriptors.
func runInRoot(sock string, args []string) int {
	c, err := net.Dial("unixpacket", sock)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fptest: no command server at %s (its test process has ended?): %v\n", sock, err)
		return 127
	}
	dir, _ := os.Getwd()
	data, err := json.Marshal(rootRequest{Args: args, Env: withoutNames(os.Environ(), rootClientVar), Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 127
	}
	if _, _, err := c.(*net.UnixConn).WriteMsgUnix(data, syscall.UnixRights(0, 1, 2), nil); err != nil {
		fmt.Fprintln(os.Stderr, "fptest:", err)
		return 127
	}
	// Interrupted: closing the connection stops the command.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sig
		c.Close()
		os.Exit(128 + int(s.(syscall.Signal)))
	}()
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil && !errors.Is(err, io.EOF) || n == 0 {
		fmt.Fprintln(os.Stderr, "fptest: the command server did not answer:", err)
		return 127
	}
	var r rootReply
	if err := json.Unmarshal(buf[:n], &r); err != nil {
		fmt.Fprintln(os.Stderr, "fptest:", err)
		return 127
	}
	if r.Error != "" {
		fmt.Fprintln(os.Stderr, "fptest: in the root:", r.Error)
	}
	if r.Signal != 0 {
		// Die of the same signal, as the caller would have seen the
		// command die (a crash is not an exit status): the Go runtime
		// keeps its own handlers, so a shell takes this process's place
		// and signals itself.
		syscall.Exec("/bin/sh", []string{"sh", "-c", fmt.Sprintf("kill -%d $$", r.Signal)}, nil)
	}
	return r.Status
}

func withoutNames(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			drop = drop || k == n
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}
