package ui

// libadwaita 1.2 through a small cgo shim: the served gotk4-adwaita
// bindings need libadwaita ≥ 1.4, so Confine declares Adw widgets in
// GtkBuilder XML and reaches the few calls that have no property form from
// here. Everything else is plain gotk4.

/*
#cgo pkg-config: libadwaita-1
#include <adwaita.h>
#include <stdlib.h>
#include <stdint.h>
#include <malloc.h>
#define P(x) ((void *)(x))

static void confine_group_add(uintptr_t group, uintptr_t child) {
	adw_preferences_group_add(ADW_PREFERENCES_GROUP(P(group)), GTK_WIDGET(P(child)));
}
static void confine_group_remove(uintptr_t group, uintptr_t child) {
	adw_preferences_group_remove(ADW_PREFERENCES_GROUP(P(group)), GTK_WIDGET(P(child)));
}
static void confine_row_add_suffix(uintptr_t row, uintptr_t w) {
	adw_action_row_add_suffix(ADW_ACTION_ROW(P(row)), GTK_WIDGET(P(w)));
}
static void confine_row_add_prefix(uintptr_t row, uintptr_t w) {
	adw_action_row_add_prefix(ADW_ACTION_ROW(P(row)), GTK_WIDGET(P(w)));
}
static void confine_entry_row_add_suffix(uintptr_t row, uintptr_t w) {
	adw_entry_row_add_suffix(ADW_ENTRY_ROW(P(row)), GTK_WIDGET(P(w)));
}
static void confine_toast(uintptr_t overlay, const char *title, const char *button, const char *action, int timeout) {
	AdwToast *t = adw_toast_new(title);
	if (button && action) {
		adw_toast_set_button_label(t, button);
		adw_toast_set_detailed_action_name(t, action);
	}
	adw_toast_set_timeout(t, timeout);
	adw_toast_overlay_add_toast(ADW_TOAST_OVERLAY(P(overlay)), t);
}
static void confine_leaflet_navigate(uintptr_t leaflet, int forward) {
	adw_leaflet_navigate(ADW_LEAFLET(P(leaflet)), forward ? ADW_NAVIGATION_DIRECTION_FORWARD : ADW_NAVIGATION_DIRECTION_BACK);
}
static long confine_rows_made, confine_rows_freed;
static void confine_row_gone(gpointer data, GObject *where) { confine_rows_freed++; }
static void *confine_new_action_row(void) {
	GtkWidget *w = adw_action_row_new();
	confine_rows_made++;
	g_object_weak_ref(G_OBJECT(w), confine_row_gone, NULL);
	return w;
}
static long confine_rows_alive(void) { return confine_rows_made - confine_rows_freed; }
static void *confine_new_entry_row(void) { return adw_entry_row_new(); }
static void *confine_new_group(void) { return adw_preferences_group_new(); }
static void *confine_new_about(void) { return adw_about_window_new(); }
static void confine_about_set_issue_url(uintptr_t w, const char *url) {
	adw_about_window_set_issue_url(ADW_ABOUT_WINDOW(P(w)), url);
}
*/
import "C"

import (
	"unsafe"

	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"
)

// rowsAlive counts action rows made and not yet freed (benchmarks check
// that discarded pages are freed).
func rowsAlive() int { return int(C.confine_rows_alive()) }

// trimHeap returns free C heap memory to the system, so resident-memory
// figures show what is in use rather than malloc's high-water mark.
func trimHeap() { C.malloc_trim(0) }

// adwInit registers libadwaita's types and styles; once, before any window.
func adwInit() { C.adw_init() }

// ptr hands a GObject to C as an integer: the Go wrapper (kept alive by
// the caller) owns a reference, so the object outlives the call.
func ptr(o coreglib.Objector) C.uintptr_t {
	return C.uintptr_t(coreglib.BaseObject(o).Native())
}

func cstr(s string) *C.char { return C.CString(s) }

// actionRow is an AdwActionRow: title, subtitle, prefix and suffix widgets.
type actionRow struct {
	*gtk.ListBoxRow
	obj *coreglib.Object
}

func newActionRow(title, subtitle string) *actionRow {
	obj := coreglib.Take(C.confine_new_action_row())
	r := &actionRow{ListBoxRow: obj.Cast().(*gtk.ListBoxRow), obj: obj}
	obj.SetObjectProperty("use-markup", false)
	obj.SetObjectProperty("title", title)
	if subtitle != "" {
		obj.SetObjectProperty("subtitle", subtitle)
	}
	return r
}

func (r *actionRow) setTitle(s string)    { r.obj.SetObjectProperty("title", s) }
func (r *actionRow) setSubtitle(s string) { r.obj.SetObjectProperty("subtitle", s) }
func (r *actionRow) addSuffix(w gtk.Widgetter) {
	C.confine_row_add_suffix(ptr(r.obj), ptr(gtk.BaseWidget(w)))
}
func (r *actionRow) addPrefix(w gtk.Widgetter) {
	C.confine_row_add_prefix(ptr(r.obj), ptr(gtk.BaseWidget(w)))
}
func (r *actionRow) setActivatable(w gtk.Widgetter) {
	r.obj.SetObjectProperty("activatable-widget", gtk.BaseWidget(w))
}

// entryRow is an AdwEntryRow with an apply button.
type entryRow struct {
	*gtk.ListBoxRow
	obj    *coreglib.Object
	submit func() // what pressing Enter does
}

func newEntryRow(title string) *entryRow {
	obj := coreglib.Take(C.confine_new_entry_row())
	r := &entryRow{ListBoxRow: obj.Cast().(*gtk.ListBoxRow), obj: obj}
	obj.SetObjectProperty("use-markup", false)
	obj.SetObjectProperty("title", title)
	obj.SetObjectProperty("show-apply-button", true)
	return r
}

func (r *entryRow) text() string {
	s, _ := r.obj.ObjectProperty("text").(string)
	return s
}
func (r *entryRow) setText(s string)                         { r.obj.SetObjectProperty("text", s) }
func (r *entryRow) onApply(f func()) coreglib.SignalHandle   { return r.obj.Connect("apply", f) }
func (r *entryRow) onChanged(f func()) coreglib.SignalHandle { return r.obj.Connect("changed", f) }

// conns remembers the signal handlers a page connects. gotk4 keeps a Go
// closure alive while its handler is connected, and closures capture their
// widgets, so a page's widgets would never be freed; disconnecting every
// handler when the page goes away breaks that cycle.
type conns struct {
	list  []conn
	drops []func()
}

type conn struct {
	obj *coreglib.Object
	h   coreglib.SignalHandle
}

func (c *conns) add(o coreglib.Objector, h coreglib.SignalHandle) {
	c.list = append(c.list, conn{coreglib.BaseObject(o), h})
}

// onDrop registers another way a page's Go closures are held by GTK
// (a callback that is not a signal) to undo with the handlers.
func (c *conns) onDrop(f func()) { c.drops = append(c.drops, f) }

func (c *conns) drop() {
	for _, x := range c.list {
		x.obj.HandlerDisconnect(x.h)
	}
	for _, f := range c.drops {
		f()
	}
	c.list, c.drops = nil, nil
}
func (r *entryRow) addSuffix(w gtk.Widgetter) {
	C.confine_entry_row_add_suffix(ptr(r.obj), ptr(gtk.BaseWidget(w)))
}

// prefsGroup is an AdwPreferencesGroup.
type prefsGroup struct {
	*gtk.Widget
	obj  *coreglib.Object
	rows []gtk.Widgetter
}

func newGroup(title, description string) *prefsGroup {
	obj := coreglib.Take(C.confine_new_group())
	g := &prefsGroup{Widget: gtk.BaseWidget(obj.Cast().(gtk.Widgetter)), obj: obj}
	obj.SetObjectProperty("title", title)
	if description != "" {
		obj.SetObjectProperty("description", description)
	}
	return g
}

func (g *prefsGroup) add(w gtk.Widgetter) {
	C.confine_group_add(ptr(g.obj), ptr(gtk.BaseWidget(w)))
	g.rows = append(g.rows, w)
}

func (g *prefsGroup) clear() {
	for _, w := range g.rows {
		C.confine_group_remove(ptr(g.obj), ptr(gtk.BaseWidget(w)))
	}
	g.rows = nil
}

func (g *prefsGroup) setHeaderSuffix(w gtk.Widgetter) {
	g.obj.SetObjectProperty("header-suffix", gtk.BaseWidget(w))
}

// toast shows a message; with button and action it offers e.g. Undo.
func toast(overlay *coreglib.Object, title, button, action string, timeout int) {
	t := cstr(title)
	defer C.free(unsafe.Pointer(t))
	var b, a *C.char
	if button != "" && action != "" {
		b, a = cstr(button), cstr(action)
		defer C.free(unsafe.Pointer(b))
		defer C.free(unsafe.Pointer(a))
	}
	C.confine_toast(ptr(overlay), t, b, a, C.int(timeout))
}

func leafletNavigate(leaflet *coreglib.Object, forward bool) {
	f := C.int(0)
	if forward {
		f = 1
	}
	C.confine_leaflet_navigate(ptr(leaflet), f)
}

func newAboutWindow() *coreglib.Object { return coreglib.Take(C.confine_new_about()) }

func aboutSetIssueURL(w *coreglib.Object, url string) {
	u := cstr(url)
	defer C.free(unsafe.Pointer(u))
	C.confine_about_set_issue_url(ptr(w), u)
}
