//go:build !nogui

package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/confine-app/confine/model"
	"github.com/confine-app/confine/ui"
)

// runWindow opens the GTK window.
func runWindow(args []string, start time.Time) int {
	opts := ui.Options{Version: version, Env: model.OSEnv(), Start: start}
	for _, a := range args {
		switch a {
		case "--demo":
			opts.Demo, opts.NonUnique = true, true
		case "--measure-startup":
			opts.MeasureStartup, opts.NonUnique = true, true
		case "--measure-switch":
			opts.MeasureSwitch, opts.NonUnique = true, true
		}
	}
	demoDir := ""
	if opts.Demo {
		dir, err := os.MkdirTemp("", "confine-demo-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "confine:", err)
			return 1
		}
		demoDir = dir
		env, err := model.GenerateDemo(dir, 0)
		if err != nil {
			fmt.Fprintln(os.Stderr, "confine: cannot generate the demo installation:", err)
			return 1
		}
		// The demo's folders, the rest (locale, home) from the process.
		opts.Env = model.Env{Vars: func(k string) string {
			if v := env.Getenv(k); v != "" {
				return v
			}
			return os.Getenv(k)
		}}
	}
	// CONFINE_CPUPROFILE=FILE writes a CPU profile of the run (benchmarks).
	if p := os.Getenv("CONFINE_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	ui.InitI18n(localeDir)
	code := ui.Run(opts, os.Args)
	if demoDir != "" {
		os.RemoveAll(demoDir)
	}
	return code
}
