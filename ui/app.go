package ui

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/diamondburned/gotk4/pkg/gdk/v4"
	"github.com/diamondburned/gotk4/pkg/gio/v2"
	"github.com/diamondburned/gotk4/pkg/glib/v2"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"

	"github.com/confine-app/confine/model"
)

// AppID is Confine's application ID (D-Bus name, desktop file, schema).
const AppID = "io.github.confine_app.Confine"

//go:embed window.ui
var windowUI string

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
	icons   *iconCache
}

// Run starts the GTK application with argv (os.Args) and returns its exit
// status.
func Run(opts Options, argv []string) int {
	flags := gio.ApplicationHandlesCommandLine
	if opts.NonUnique {
		flags |= gio.ApplicationNonUnique
	}
	a := &Application{Application: gtk.NewApplication(AppID, flags), opts: opts, icons: newIconCache(filepath.Join(opts.Env.CacheDir(), "icons"))}
	a.trace("run")
	// Reading the installations is pure Go and I/O: do it on the other
	// core while GTK and libadwaita initialise.
	a.preload = make(chan *model.Model, 1)
	go func() {
		m := model.Load(opts.Env)
		a.trace("model loaded")
		a.preload <- m
		// The icons of the sidebar's first rows, decoded while GTK
		// starts on the other core.
		var first []string
		for _, app := range m.Apps[:min(len(m.Apps), 24)] {
			first = append(first, app.Icon)
		}
		n := a.icons.prewarm(first, 32)
		a.trace(fmt.Sprintf("%d icons decoded", n))
		// The first rows need the session kind, which asks the portal over
		// the bus (a round trip, or starting the portal): ask it here
		// rather than on the main thread while the first frame is built.
		m.Session()
	}()
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
	a.SetAccelsForAction("win.find-in-page", []string{"<Control><Shift>f"})
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
	about := newAboutDialog()
	for k, v := range map[string]any{
		"application-name": "Confine",
		"application-icon": AppID,
		"developer-name":   T("The Confine developers"),
		"version":          a.opts.Version,
		"website":          "https://github.com/confine-app/confine",
		"issue-url":        "https://github.com/confine-app/confine/issues",
		"comments":         T("See and tighten what each installed Flatpak app may access."),
		"license-type":     int(gtk.LicenseGPL30),
		"copyright":        "© 2026 The Confine developers",
	} {
		about.SetObjectProperty(k, v)
	}
	(&sheet{obj: about}).present(a.window.win)
}
