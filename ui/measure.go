package ui

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"time"

	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
	"github.com/diamondburned/gotk4/pkg/gdk/v4"
	"github.com/diamondburned/gotk4/pkg/glib/v2"

	"github.com/confine-app/confine/internal/procstart"
)

// measure prints start-up and page-switch figures for the bench script.
func (a *Application) measure() {
	w := a.window
	var handle coreglib.SignalHandle
	var clock *gdk.FrameClock
	w.win.ConnectMap(func() {
		clock = gdk.BaseFrameClock(w.win.FrameClock())
		handle = clock.ConnectAfterPaint(func() {
			clock.HandlerDisconnect(handle)
			fmt.Printf("first-frame-ms %.1f\n", float64(time.Since(a.opts.Start).Microseconds())/1000)
			if !a.opts.MeasureSwitch {
				fmt.Printf("rss-kb %d\n", procstart.ResidentKB())
				glib.IdleAdd(func() { a.Quit() })
			}
		})
	})
	if !a.opts.MeasureSwitch {
		return
	}
	// Page switches are timed once the window is complete (every app
	// rated, see newWindow).
	w.onReady = append(w.onReady, a.measureSwitch)
}

// measureSwitch shows every page once, timing each, then prints memory
// use. It runs when the main loop has nothing else to do, as a person's
// clicks would (the first page's groups are built by then).
func (a *Application) measureSwitch() {
	w := a.window
	var total, worst time.Duration
	n := 0
	rows := w.rows
	// CONFINE_MEASURE_REPEAT=K shows the first pages K times
	// (to tell a leak from a high-water mark).
	if k, err := strconv.Atoi(os.Getenv("CONFINE_MEASURE_REPEAT")); err == nil && k > 0 {
		rows = nil
		n := 8
		if v, err := strconv.Atoi(os.Getenv("CONFINE_MEASURE_WIDTH")); err == nil && v > 0 {
			n = v
		}
		for i := 0; i < k; i++ {
			rows = append(rows, w.rows[2:min(2+n, len(w.rows))]...)
		}
	}
	// App to app is the common case (the page is kept and refilled);
	// the first visit of All Applications and of the Overview builds
	// their pages, and is reported in the overall maximum.
	var appWorst time.Duration
	var appTimes []time.Duration
	if p := os.Getenv("CONFINE_CPUPROFILE"); p != "" {
		f, _ := os.Create(p)
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	for _, r := range rows {
		t0 := time.Now()
		w.showRow(r)
		d := time.Since(t0)
		total += d
		worst = max(worst, d)
		if r.app != nil {
			if d > appWorst && traceOn {
				fmt.Fprintf(os.Stderr, "slowest app switch so far: %s %.2f ms\n", r.key, float64(d.Microseconds())/1000)
			}
			appWorst = max(appWorst, d)
			appTimes = append(appTimes, d)
		}
		n++
	}
	sort.Slice(appTimes, func(i, j int) bool { return appTimes[i] < appTimes[j] })
	p99 := time.Duration(0)
	if len(appTimes) > 0 {
		p99 = appTimes[len(appTimes)*99/100]
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("pages %d switch-mean-ms %.2f switch-max-ms %.2f app-to-app-p99-ms %.2f app-to-app-max-ms %.2f\n", n, ms(total)/float64(max(n, 1)), ms(worst), ms(p99), ms(appWorst))
	// Go only collects the wrappers of discarded widgets (and so
	// lets GTK free them) when it runs a collection, and the
	// releases happen on the main loop: give both a moment.
	runtime.GC()
	glib.TimeoutAdd(300, func() bool {
		runtime.GC()
		glib.TimeoutAdd(300, func() bool {
			fmt.Printf("rows-alive %d\n", rowsAlive())
			fmt.Printf("sidebar-rows %d\n", len(w.sidebar.bound))
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			fmt.Printf("go-heap-inuse-kb %d go-sys-kb %d\n", ms.HeapInuse/1024, ms.Sys/1024)
			fmt.Printf("rss-kb-before-trim %d\n", procstart.ResidentKB())
			trimHeap()
			fmt.Printf("rss-kb %d\n", procstart.ResidentKB())
			a.Quit()
			return false
		})
		return false
	})
}
