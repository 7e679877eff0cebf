// Package procstart tells when the kernel started the running process, so
// start-up figures include loading the binary and its libraries, and how
// much memory it has resident. Shared by confine and the benchmark's floor
// program so both measure the same way.
package procstart

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// Time returns the process start. /proc/self/stat gives it in clock ticks
// since boot; CLOCK_BOOTTIME gives "now" since boot with nanosecond
// precision (the btime of /proc/stat is whole seconds, which would add a
// constant error of up to one second). On failure it returns time.Now().
func Time() time.Time {
	now := time.Now()
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return now
	}
	stat := string(data)
	i := strings.LastIndexByte(stat, ')') // the command name may hold spaces
	if i < 0 {
		return now
	}
	fields := strings.Fields(stat[i+1:])
	if len(fields) < 20 {
		return now
	}
	ticks, err := strconv.ParseInt(fields[19], 10, 64)
	if err != nil {
		return now
	}
	const clockBoottime = 7
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockBoottime, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return now
	}
	const hz = 100 // sysconf(_SC_CLK_TCK) on Linux
	return now.Add(-(time.Duration(ts.Nano()) - time.Duration(ticks)*time.Second/hz))
}

// ResidentKB is the process's resident memory (VmRSS) in kB, or -1.
func ResidentKB() int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			if f := strings.Fields(v); len(f) > 0 {
				if n, err := strconv.Atoi(f[0]); err == nil {
					return n
				}
			}
		}
	}
	return -1
}
