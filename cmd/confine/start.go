package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// startFromStat reads field 22 (start time in clock ticks since boot) of
// /proc/self/stat and converts it with the boot time from /proc/stat.
func startFromStat(stat string, now time.Time) time.Time {
	// The command name (field 2) may contain spaces; fields resume after
	// the last ')'.
	i := strings.LastIndexByte(stat, ')')
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
	boot := bootTime()
	if boot.IsZero() {
		return now
	}
	const hz = 100 // sysconf(_SC_CLK_TCK) on Linux
	return boot.Add(time.Duration(ticks) * time.Second / hz)
}

func bootTime() time.Time {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "btime "); ok {
			if s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return time.Unix(s, 0)
			}
		}
	}
	return time.Time{}
}
