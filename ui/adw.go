package ui

// libadwaita through a small cgo shim: gotk4 v0.2.2 has no libadwaita
// bindings (and the served gotk4-adwaita is generated for libadwaita 1.4,
// without AdwDialog, AdwAlertDialog, AdwAboutDialog, AdwSpinner or
// AdwToggleGroup), so Confine declares Adw widgets in GtkBuilder XML and
// reaches the calls that have no property form from here. It needs
// libadwaita 1.7 (GNOME 48) or newer; newer widgets are used only when the
// running library has them (adwMinor). Everything else is plain gotk4.

/*
#cgo pkg-config: libadwaita-1 gtk4
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
// The toast is returned with a reference of the caller's, to dismiss it.
static void *confine_toast(uintptr_t overlay, const char *title, const char *button, const char *action, int timeout) {
	AdwToast *t = adw_toast_new(title);
	if (button && action) {
		adw_toast_set_button_label(t, button);
		adw_toast_set_detailed_action_name(t, action);
	}
	adw_toast_set_timeout(t, timeout);
	g_object_ref(t);
	adw_toast_overlay_add_toast(ADW_TOAST_OVERLAY(P(overlay)), t);
	return t;
}
static void confine_toast_dismiss(uintptr_t t) { adw_toast_dismiss(ADW_TOAST(P(t))); }
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
static void *confine_new_button_row(void) { return adw_button_row_new(); }
static void *confine_new_prefs_row(void) { return adw_preferences_row_new(); }
static void *confine_new_about(void) { return adw_about_dialog_new(); }
static void *confine_new_dialog(void) { return adw_dialog_new(); }
static void *confine_new_toolbar_view(void) { return adw_toolbar_view_new(); }
static void *confine_new_header_bar(void) { return adw_header_bar_new(); }
static void *confine_new_spinner(void) { return adw_spinner_new(); }
static void *confine_new_wrap_box(void) { return adw_wrap_box_new(); }
static void *confine_new_toggle_group(void) { return adw_toggle_group_new(); }
static void confine_toolbar_add_top(uintptr_t v, uintptr_t w) { adw_toolbar_view_add_top_bar(ADW_TOOLBAR_VIEW(P(v)), GTK_WIDGET(P(w))); }
static void confine_toolbar_add_bottom(uintptr_t v, uintptr_t w) { adw_toolbar_view_add_bottom_bar(ADW_TOOLBAR_VIEW(P(v)), GTK_WIDGET(P(w))); }
static void confine_header_pack_start(uintptr_t h, uintptr_t w) { adw_header_bar_pack_start(ADW_HEADER_BAR(P(h)), GTK_WIDGET(P(w))); }
static void confine_header_pack_end(uintptr_t h, uintptr_t w) { adw_header_bar_pack_end(ADW_HEADER_BAR(P(h)), GTK_WIDGET(P(w))); }
static void confine_wrap_box_append(uintptr_t b, uintptr_t w) { adw_wrap_box_append(ADW_WRAP_BOX(P(b)), GTK_WIDGET(P(w))); }
static void confine_dialog_present(uintptr_t d, uintptr_t parent) { adw_dialog_present(ADW_DIALOG(P(d)), GTK_WIDGET(P(parent))); }
static void confine_dialog_close(uintptr_t d) { adw_dialog_close(ADW_DIALOG(P(d))); }
static void confine_dialog_force_close(uintptr_t d) { adw_dialog_force_close(ADW_DIALOG(P(d))); }
static void *confine_new_alert(const char *heading, const char *body) { return adw_alert_dialog_new(heading, body); }
static void confine_alert_add_response(uintptr_t d, const char *id, const char *label, int appearance) {
	adw_alert_dialog_add_response(ADW_ALERT_DIALOG(P(d)), id, label);
	adw_alert_dialog_set_response_appearance(ADW_ALERT_DIALOG(P(d)), id, (AdwResponseAppearance)appearance);
}
static void confine_toggle_group_add(uintptr_t g, const char *name, const char *label) {
	AdwToggle *t = adw_toggle_new();
	adw_toggle_set_name(t, name);
	adw_toggle_set_label(t, label);
	adw_toggle_set_use_underline(t, TRUE);
	adw_toggle_group_add(ADW_TOGGLE_GROUP(P(g)), t);
}
static void confine_split_show_content(uintptr_t v, int show) {
	adw_navigation_split_view_set_show_content(ADW_NAVIGATION_SPLIT_VIEW(P(v)), show);
}
static void confine_announce(uintptr_t w, const char *msg) {
	gtk_accessible_announce(GTK_ACCESSIBLE(P(w)), msg, GTK_ACCESSIBLE_ANNOUNCEMENT_PRIORITY_MEDIUM);
}
static unsigned confine_adw_minor(void) { return adw_get_minor_version(); }
// Any thread: a texture is an immutable image, made without a display.
static void *confine_texture_from_file(const char *path) {
	return gdk_texture_new_from_filename(path, NULL);
}
*/
import "C"

import (
	"unsafe"

	coreglib "github.com/diamondburned/gotk4/pkg/core/glib"
	"github.com/diamondburned/gotk4/pkg/gdk/v4"
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

// entryRow is an AdwEntryRow. Confine gives it its own Add button rather
// than the row's apply button, whose lit state follows edits, not whether
// the text can be added (see addRow).
type entryRow struct {
	*gtk.ListBoxRow
	obj *coreglib.Object
}

func newEntryRow(title string) *entryRow {
	obj := coreglib.Take(C.confine_new_entry_row())
	r := &entryRow{ListBoxRow: obj.Cast().(*gtk.ListBoxRow), obj: obj}
	obj.SetObjectProperty("use-markup", false)
	obj.SetObjectProperty("title", title)
	return r
}

func (r *entryRow) text() string {
	s, _ := r.obj.ObjectProperty("text").(string)
	return s
}
func (r *entryRow) setText(s string)                         { r.obj.SetObjectProperty("text", s) }
func (r *entryRow) onChanged(f func()) coreglib.SignalHandle { return r.obj.Connect("changed", f) }

// onActivated runs f when Enter is pressed in the row.
func (r *entryRow) onActivated(f func()) coreglib.SignalHandle {
	return r.obj.Connect("entry-activated", f)
}

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

// toast shows a message; with button and action it offers e.g. Undo. A
// timeout of 0 keeps it until it is dismissed. The returned handle
// dismisses it.
func toast(overlay *coreglib.Object, title, button, action string, timeout int) *coreglib.Object {
	t := cstr(title)
	defer C.free(unsafe.Pointer(t))
	var b, a *C.char
	if button != "" && action != "" {
		b, a = cstr(button), cstr(action)
		defer C.free(unsafe.Pointer(b))
		defer C.free(unsafe.Pointer(a))
	}
	return coreglib.AssumeOwnership(C.confine_toast(ptr(overlay), t, b, a, C.int(timeout)))
}

func dismissToast(t *coreglib.Object) { C.confine_toast_dismiss(ptr(t)) }

// adwMinor is the running libadwaita's minor version (1.x).
func adwMinor() int { return int(C.confine_adw_minor()) }

// announce has screen readers say msg now, as a live region would.
func announce(w gtk.Widgetter, msg string) {
	m := cstr(msg)
	defer C.free(unsafe.Pointer(m))
	C.confine_announce(ptr(gtk.BaseWidget(w)), m)
}

// decodeTexture decodes an image file into a texture, on any thread; the
// result (nil on failure) is a reference for wrapTexture.
func decodeTexture(path string) unsafe.Pointer {
	p := cstr(path)
	defer C.free(unsafe.Pointer(p))
	return C.confine_texture_from_file(p)
}

// wrapTexture takes over a reference decodeTexture made; main thread.
func wrapTexture(p unsafe.Pointer) gdk.Paintabler {
	return coreglib.AssumeOwnership(p).Cast().(gdk.Paintabler)
}

func newAboutDialog() *coreglib.Object { return coreglib.Take(C.confine_new_about()) }

func newSpinner() *gtk.Widget {
	return gtk.BaseWidget(coreglib.Take(C.confine_new_spinner()).Cast().(gtk.Widgetter))
}

// wrapBox is an AdwWrapBox: children side by side, wrapping onto more
// lines when the width runs out.
type wrapBox struct {
	*gtk.Widget
	obj *coreglib.Object
}

func newWrapBox(spacing int) *wrapBox {
	obj := coreglib.Take(C.confine_new_wrap_box())
	obj.SetObjectProperty("child-spacing", spacing)
	obj.SetObjectProperty("line-spacing", spacing)
	return &wrapBox{Widget: gtk.BaseWidget(obj.Cast().(gtk.Widgetter)), obj: obj}
}

func (b *wrapBox) append(w gtk.Widgetter) {
	C.confine_wrap_box_append(ptr(b.obj), ptr(gtk.BaseWidget(w)))
}

// newPrefsRow is an AdwPreferencesRow for a child of Confine's own: a row
// that sits in a preferences group's list (other widgets go below it).
func newPrefsRow() *gtk.ListBoxRow {
	return coreglib.Take(C.confine_new_prefs_row()).Cast().(*gtk.ListBoxRow)
}

// buttonRow is an AdwButtonRow: a row that is a button ("Show More").
func newButtonRow(title, icon string) *gtk.ListBoxRow {
	obj := coreglib.Take(C.confine_new_button_row())
	obj.SetObjectProperty("title", title)
	if icon != "" {
		obj.SetObjectProperty("end-icon-name", icon)
	}
	return obj.Cast().(*gtk.ListBoxRow)
}

// toggleGroup is an AdwToggleGroup: one of a few options, side by side.
type toggleGroup struct {
	*gtk.Widget
	obj *coreglib.Object
}

// newToggleGroup makes a group of toggles named names, labelled labels.
func newToggleGroup(names, labels []string) *toggleGroup {
	obj := coreglib.Take(C.confine_new_toggle_group())
	for i := range names {
		n, l := cstr(names[i]), cstr(labels[i])
		C.confine_toggle_group_add(ptr(obj), n, l)
		C.free(unsafe.Pointer(n))
		C.free(unsafe.Pointer(l))
	}
	return &toggleGroup{Widget: gtk.BaseWidget(obj.Cast().(gtk.Widgetter)), obj: obj}
}

func (g *toggleGroup) active() string {
	s, _ := g.obj.ObjectProperty("active-name").(string)
	return s
}
func (g *toggleGroup) setActive(name string) { g.obj.SetObjectProperty("active-name", name) }
func (g *toggleGroup) onChanged(f func()) coreglib.SignalHandle {
	return g.obj.NotifyProperty("active-name", f)
}

// sheet is an AdwDialog: a header bar with the title (and Cancel and an
// action button when asked for), and content that scrolls. On a narrow
// window it is a bottom sheet.
type sheet struct {
	obj     *coreglib.Object
	header  *coreglib.Object
	content *gtk.Box
}

// newSheet makes a dialog titled title of the given natural size.
func newSheet(title string, width, height int) *sheet {
	d := &sheet{obj: coreglib.Take(C.confine_new_dialog())}
	d.obj.SetObjectProperty("title", title)
	d.obj.SetObjectProperty("content-width", width)
	if height > 0 {
		d.obj.SetObjectProperty("content-height", height)
	}
	view := coreglib.Take(C.confine_new_toolbar_view())
	d.header = coreglib.Take(C.confine_new_header_bar())
	C.confine_toolbar_add_top(ptr(view), ptr(d.header))
	d.content = gtk.NewBox(gtk.OrientationVertical, 12)
	for _, f := range []func(int){d.content.SetMarginTop, d.content.SetMarginBottom, d.content.SetMarginStart, d.content.SetMarginEnd} {
		f(18)
	}
	scroll := gtk.NewScrolledWindow()
	scroll.SetPolicy(gtk.PolicyNever, gtk.PolicyAutomatic)
	scroll.SetPropagateNaturalHeight(true)
	scroll.SetVExpand(true)
	scroll.SetChild(d.content)
	view.SetObjectProperty("content", scroll)
	d.obj.SetObjectProperty("child", view)
	return d
}

// actions puts Cancel at the start of the header bar and an action button
// (styled with css) at its end, in place of the close button, as GNOME's
// dialogs that change something do. Cancel closes; the action is the
// caller's to connect.
func (d *sheet) actions(label, css string) (cancel, action *gtk.Button) {
	d.header.SetObjectProperty("show-start-title-buttons", false)
	d.header.SetObjectProperty("show-end-title-buttons", false)
	cancel = gtk.NewButtonWithMnemonic(T("_Cancel"))
	cancel.ConnectClicked(d.close)
	action = gtk.NewButtonWithMnemonic(label)
	action.AddCSSClass(css)
	C.confine_header_pack_start(ptr(d.header), ptr(gtk.BaseWidget(cancel)))
	C.confine_header_pack_end(ptr(d.header), ptr(gtk.BaseWidget(action)))
	d.obj.SetObjectProperty("default-widget", action)
	// The keyboard starts on the action, not on a selectable text (which
	// would select itself).
	d.obj.SetObjectProperty("focus-widget", action)
	return cancel, action
}

func (d *sheet) present(parent gtk.Widgetter) {
	C.confine_dialog_present(ptr(d.obj), ptr(gtk.BaseWidget(parent)))
}
func (d *sheet) close()                                  { C.confine_dialog_close(ptr(d.obj)) }
func (d *sheet) widget() *gtk.Widget                     { return gtk.BaseWidget(d.obj.Cast().(gtk.Widgetter)) }
func (d *sheet) onClosed(f func()) coreglib.SignalHandle { return d.obj.Connect("closed", f) }

// alert is an AdwAlertDialog: a question and its answers.
type alert struct{ obj *coreglib.Object }

// Response appearances of AdwAlertDialog.
const (
	responseDefault     = 0
	responseSuggested   = 1
	responseDestructive = 2
)

func newAlert(heading, body string) *alert {
	h, b := cstr(heading), cstr(body)
	defer C.free(unsafe.Pointer(h))
	defer C.free(unsafe.Pointer(b))
	return &alert{coreglib.Take(C.confine_new_alert(h, b))}
}

// response adds an answer; the first one added is where Escape goes.
func (a *alert) response(id, label string, appearance int) {
	i, l := cstr(id), cstr(label)
	defer C.free(unsafe.Pointer(i))
	defer C.free(unsafe.Pointer(l))
	C.confine_alert_add_response(ptr(a.obj), i, l, C.int(appearance))
}

func (a *alert) onResponse(f func(id string)) coreglib.SignalHandle {
	return a.obj.Connect("response", func(id string) { f(id) })
}

func (a *alert) present(parent gtk.Widgetter) {
	C.confine_dialog_present(ptr(a.obj), ptr(gtk.BaseWidget(parent)))
}

func showContent(split *coreglib.Object, show bool) {
	s := C.int(0)
	if show {
		s = 1
	}
	C.confine_split_show_content(ptr(split), s)
}
