package ui

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
	"github.com/diamondburned/gotk4/pkg/gdk/v4"
	"github.com/diamondburned/gotk4/pkg/gio/v2"
	"github.com/diamondburned/gotk4/pkg/glib/v2"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/internal/procstart"
	"github.com/confine-app/confine/model"
)

// AppID is Confine's application ID (D-Bus name, desktop file, schema).
const AppID = "io.github.confine_app.Confine"

//go:embed window.ui
var windowUI string

//go:embed shortcuts.ui
var shortcutsUI string

//go:embed style.css
var styleCSS string

// Options configure a run of the window.
type Options struct {
	Version string
	Env     model.Env
	// Demo labels the window as running on a generated demo installation.
	Demo bool
	// NonUnique runs a separate instance (demo runs never talk to a real
	// one).
	NonUnique bool
	// MeasureStartup prints the time from process start to the first
	// painted frame, then quits. MeasureSwitch also shows every app's
	// page once, timing each, and prints memory use.
	MeasureStartup, MeasureSwitch bool
	Start                         time.Time
	// OnReady is called on the main loop once the window shows its first
	// page (tests drive the window from there).
	OnReady func(*Window)
}

// traceOn: CONFINE_TRACE=1 prints start-up milestones (ms since the
// process started) to stderr, to see where start-up time goes.
var traceOn = os.Getenv("CONFINE_TRACE") != ""

func (a *Application) trace(what string) {
	if traceOn {
		fmt.Fprintf(os.Stderr, "trace %7.1f ms  %s\n", float64(time.Since(a.opts.Start).Microseconds())/1000, what)
	}
}

// Application is the running GtkApplication.
type Application struct {
	*gtk.Application
	opts    Options
	window  *Window
	preload chan *model.Model
}

// Run starts the GTK application with argv (os.Args) and returns its exit
// status.
func Run(opts Options, argv []string) int {
	flags := gio.ApplicationHandlesCommandLine
	if opts.NonUnique {
		flags |= gio.ApplicationNonUnique
	}
	a := &Application{Application: gtk.NewApplication(AppID, flags), opts: opts}
	a.trace("run")
	// Reading the installations is pure Go and I/O: do it on the other
	// core while GTK and libadwaita initialise.
	a.preload = make(chan *model.Model, 1)
	go func() { m := model.Load(opts.Env); a.trace("model loaded"); a.preload <- m }()
	a.ConnectStartup(a.startup)
	a.ConnectActivate(func() { a.ensureWindow().win.Present() })
	a.ConnectCommandLine(func(cl *gio.ApplicationCommandLine) int {
		id, err := parseWindowArgs(cl.Arguments())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		w := a.ensureWindow()
		if id != "" {
			w.ShowApp(id)
		}
		w.win.Present()
		return 0
	})
	return a.Application.Run(argv)
}

// parseWindowArgs reads the window's own options: --app ID (or --app=ID).
// GApplication's options (--gapplication-service) never reach here.
func parseWindowArgs(args []string) (string, error) {
	id := ""
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--app" && i+1 < len(args):
			id = args[i+1]
			i++
		case strings.HasPrefix(a, "--app="):
			id = strings.TrimPrefix(a, "--app=")
		case a == "--demo", a == "--measure-startup", a == "--measure-switch":
		default:
			return "", fmt.Errorf("confine: unknown option %s (see confine --help)", a)
		}
	}
	return id, nil
}

func (a *Application) startup() {
	a.trace("startup")
	adwInit()
	a.trace("adw_init done")
	css := gtk.NewCSSProvider()
	css.LoadFromData(styleCSS)
	gtk.StyleContextAddProviderForDisplay(gdk.DisplayGetDefault(), css, gtk.STYLE_PROVIDER_PRIORITY_APPLICATION)
	// Running from the build tree (_build/confine): use the icons in data/.
	if exe, err := os.Executable(); err == nil {
		if icons := filepath.Join(filepath.Dir(exe), "..", "data", "icons"); exists(icons) {
			gtk.IconThemeGetForDisplay(gdk.DisplayGetDefault()).AddSearchPath(icons)
		}
	}

	quit := gio.NewSimpleAction("quit", nil)
	quit.ConnectActivate(func(*glib.Variant) {
		if a.window != nil {
			a.window.flush()
			a.window.win.Destroy()
		}
		a.Quit()
	})
	a.AddAction(quit)
	about := gio.NewSimpleAction("about", nil)
	about.ConnectActivate(func(*glib.Variant) { a.showAbout() })
	a.AddAction(about)
	showApp := gio.NewSimpleAction("show-app", glib.NewVariantType("s"))
	showApp.ConnectActivate(func(p *glib.Variant) {
		w := a.ensureWindow()
		w.ShowApp(p.String())
		w.win.Present()
	})
	a.AddAction(showApp)

	a.SetAccelsForAction("app.quit", []string{"<Control>q"})
	a.SetAccelsForAction("window.close", []string{"<Control>w"})
	a.SetAccelsForAction("win.search", []string{"<Control>f"})
	a.SetAccelsForAction("win.show-help-overlay", []string{"<Control>question", "F1"})
	a.SetAccelsForAction("win.reset-app", []string{"<Control><Shift>r"})
}

func (a *Application) ensureWindow() *Window {
	if a.window == nil {
		a.trace("newWindow")
		a.window = newWindow(a)
		a.trace("newWindow done")
		if a.opts.MeasureStartup || a.opts.MeasureSwitch {
			a.measure()
		}
	}
	return a.window
}

func (a *Application) showAbout() {
	about := newAboutWindow()
	for k, v := range map[string]any{
		"application-name": "Confine",
		"application-icon": AppID,
		"developer-name":   T("The Confine developers"),
		"version":          a.opts.Version,
		"website":          "https://github.com/confine-app/confine",
		"comments":         T("See and tighten what each installed Flatpak app may access."),
		"license-type":     int(gtk.LicenseGPL30),
		"copyright":        "© 2026 The Confine developers",
	} {
		about.SetObjectProperty(k, v)
	}
	aboutSetIssueURL(about, "https://github.com/confine-app/confine/issues")
	w := about.Cast().(*gtk.Window)
	w.SetTransientFor(&a.window.win.Window)
	w.SetModal(true)
	w.Present()
}

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
			fmt.Printf("sidebar-rows %d\n", len(w.bound))
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
