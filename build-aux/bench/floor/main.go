// Command floor is the baseline for Confine's start-up benchmark: the
// smallest gotk4 program that shows an empty libadwaita window. It prints
// the time from process start to the first painted frame and its resident
// memory, then quits. `floor --versions` prints the versions of GTK,
// libadwaita and GLib it runs with (the libraries loaded, not the headers
// it was built with) and exits.
package main

/*
#cgo pkg-config: libadwaita-1
#include <adwaita.h>

static unsigned confine_glib_version(int i) {
	return i == 0 ? glib_major_version : i == 1 ? glib_minor_version : glib_micro_version;
}
*/
import "C"

import (
	"fmt"
	"os"
	"time"

	"github.com/confine-app/confine/internal/procstart"
	"github.com/diamondburned/gotk4/pkg/gdk/v4"
	"github.com/diamondburned/gotk4/pkg/gio/v2"
	"github.com/diamondburned/gotk4/pkg/glib/v2"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"
)

const ui = `<interface><object class="AdwApplicationWindow" id="w">
<property name="default-width">1000</property><property name="default-height">700</property>
<property name="content"><object class="AdwHeaderBar"/></property></object></interface>`

func main() {
	start := procstart.Time()
	if len(os.Args) == 2 && os.Args[1] == "--versions" {
		fmt.Printf("gtk %d.%d.%d\n", C.gtk_get_major_version(), C.gtk_get_minor_version(), C.gtk_get_micro_version())
		fmt.Printf("libadwaita %d.%d.%d\n", C.adw_get_major_version(), C.adw_get_minor_version(), C.adw_get_micro_version())
		fmt.Printf("glib %d.%d.%d\n", C.confine_glib_version(0), C.confine_glib_version(1), C.confine_glib_version(2))
		return
	}
	app := gtk.NewApplication("io.github.confine_app.Floor", gio.ApplicationNonUnique)
	app.ConnectActivate(func() {
		C.adw_init()
		b := gtk.NewBuilderFromString(ui, len(ui))
		w := b.GetObject("w").Cast().(*gtk.ApplicationWindow)
		w.SetApplication(app)
		w.ConnectMap(func() {
			clock := gdk.BaseFrameClock(w.FrameClock())
			var h glib.SignalHandle
			h = clock.ConnectAfterPaint(func() {
				clock.HandlerDisconnect(h)
				fmt.Printf("first-frame-ms %.1f\n", float64(time.Since(start).Microseconds())/1000)
				fmt.Printf("rss-kb %d\n", procstart.ResidentKB())
				glib.IdleAdd(app.Quit)
			})
		})
		w.Present()
	})
	os.Exit(app.Run(os.Args))
}
