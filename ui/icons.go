package ui

/*
#cgo pkg-config: gdk-pixbuf-2.0
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <stdlib.h>

// Renders src at px×px (keeping its aspect) into the PNG dst; returns NULL
// or an error message to free.
static char *confine_render_icon(const char *src, const char *dst, int px) {
	GError *err = NULL;
	GdkPixbuf *pb = gdk_pixbuf_new_from_file_at_scale(src, px, px, TRUE, &err);
	if (pb == NULL) {
		char *m = g_strdup(err->message);
		g_error_free(err);
		return m;
	}
	gboolean ok = gdk_pixbuf_save(pb, dst, "png", &err, NULL);
	g_object_unref(pb);
	if (!ok) {
		char *m = g_strdup(err->message);
		g_error_free(err);
		return m;
	}
	return NULL;
}
*/
import "C"

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/diamondburned/gotk4/pkg/gdk/v4"
	"github.com/diamondburned/gotk4/pkg/gio/v2"
	"github.com/diamondburned/gotk4/pkg/gtk/v4"
)

// Most Flatpak apps ship SVG icons, and the first SVG GTK draws loads
// librsvg: 7 MB resident and ~10 ms here, to draw a few dozen icons of 32
// and 64 pixels. So Confine keeps PNG renderings of the app icons it shows
// in its cache folder, named by the SVG's content and the pixel size: later
// starts draw the PNGs and never load librsvg. An icon not cached yet is
// drawn from its SVG this time and rendered into the cache in the
// background. The PNGs are rendered at twice the displayed size, so they
// stay sharp on 2× screens; on denser screens the SVGs are used.
type iconCache struct {
	dir string // "" disables the cache

	mu      sync.Mutex
	keys    map[string]string // SVG path → content key
	pending map[string]bool   // PNG paths being rendered, or that failed
	jobs    chan iconJob
	busy    sync.WaitGroup // jobs queued and not finished
	tries   int            // renderings attempted (tests)
	// decoded: textures prewarm made (C pointers, owned here until
	// wrapped for GTK on the main thread), by rendering path.
	decoded map[string]unsafe.Pointer
	wrapped map[string]gdk.Paintabler
}

type iconJob struct {
	src, dst string
	px       int
}

func newIconCache(dir string) *iconCache {
	if !filepath.IsAbs(dir) {
		// No cache folder could be found (no home folder): no cache,
		// rather than one in the current folder.
		dir = ""
	}
	return &iconCache{dir: dir, keys: map[string]string{}, pending: map[string]bool{}, decoded: map[string]unsafe.Pointer{}, wrapped: map[string]gdk.Paintabler{}}
}

// set shows the icon of the file path at size pixels in img: a texture
// decoded ahead (prewarm) when there is one, else the file, which GTK
// decodes when it first draws it.
func (c *iconCache) set(img *gtk.Image, path string, size int) {
	png := c.cached(path, size, img.ScaleFactor())
	if t := c.texture(png); t != nil {
		img.SetFromPaintable(t)
		return
	}
	if png == "" {
		png = path
	}
	img.SetFromGIcon(gio.NewFileIcon(gio.NewFileForPath(png)))
}

// prewarm decodes the cached renderings of icons at size, off the main
// thread, while GTK starts: the sidebar's first rows then draw icons
// already in memory (~1 ms each on the main thread otherwise, before the
// first frame). Icons not rendered yet are left to set.
func (c *iconCache) prewarm(paths []string, size int) (n int) {
	for _, path := range paths {
		png := c.cached(path, size, 1)
		if png == "" {
			continue
		}
		c.mu.Lock()
		_, done := c.decoded[png]
		c.mu.Unlock()
		if done {
			continue
		}
		if t := decodeTexture(png); t != nil {
			c.mu.Lock()
			c.decoded[png] = t
			c.mu.Unlock()
			n++
		}
	}
	return n
}

// texture is the texture prewarm decoded from png, or nil; on the main
// thread, which takes its reference over.
func (c *iconCache) texture(png string) gdk.Paintabler {
	if c == nil || png == "" {
		return nil
	}
	c.mu.Lock()
	p, ok := c.decoded[png]
	c.mu.Unlock()
	if !ok {
		return nil
	}
	c.mu.Lock()
	t := c.wrapped[png]
	if t == nil {
		t = wrapTexture(p)
		c.wrapped[png] = t
	}
	c.mu.Unlock()
	return t
}

// cached returns the PNG rendering of path at size, or "" when there is
// none yet (one is then queued) or path is not an SVG.
func (c *iconCache) cached(path string, size, scale int) string {
	if c == nil || c.dir == "" || scale > 2 || !strings.HasSuffix(path, ".svg") {
		return ""
	}
	key := c.key(path)
	if key == "" {
		return ""
	}
	png := filepath.Join(c.dir, fmt.Sprintf("%s-%d.png", key, 2*size))
	if st, err := os.Stat(png); err == nil && st.Mode().IsRegular() && st.Size() > 0 {
		return png
	}
	c.queue(iconJob{path, png, 2 * size})
	return ""
}

// key names an SVG by its content (the demo's and a benchmark's icons
// move between runs; an updated app's icon is new content).
func (c *iconCache) key(path string) string {
	c.mu.Lock()
	k, ok := c.keys[path]
	c.mu.Unlock()
	if ok {
		return k
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(data)
	k = hex.EncodeToString(sum[:16])
	c.mu.Lock()
	c.keys[path] = k
	c.mu.Unlock()
	return k
}

// queue renders a job on the cache's worker (started on first use; one
// at a time, off the main thread: gdk-pixbuf loaders are thread-safe).
func (c *iconCache) queue(j iconJob) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending[j.dst] {
		return
	}
	c.pending[j.dst] = true
	if c.jobs == nil {
		c.jobs = make(chan iconJob, 1024)
		go c.work()
	}
	c.busy.Add(1)
	select {
	case c.jobs <- j:
	default:
		c.busy.Done() // a full queue: this icon is rendered another time
		delete(c.pending, j.dst)
	}
}

func (c *iconCache) work() {
	for j := range c.jobs {
		c.render(j)
	}
}

func (c *iconCache) render(j iconJob) {
	defer c.busy.Done()
	c.mu.Lock()
	c.tries++
	c.mu.Unlock()
	err := renderIcon(j.src, j.dst, j.px)
	if err != nil {
		// GTK shows such an icon as broken; it is not tried again
		// in this session.
		if traceOn {
			fmt.Fprintf(os.Stderr, "icon cache: %s: %v\n", j.src, err)
		}
		return
	}
	c.mu.Lock()
	delete(c.pending, j.dst)
	c.mu.Unlock()
}

// wait returns when every queued rendering is done (tests).
func (c *iconCache) wait() { c.busy.Wait() }

// renderIcon writes src rendered at px pixels to dst, atomically (a
// reader never sees half a PNG).
func renderIcon(src, dst string, px int) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".render-*.png")
	if err != nil {
		return err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	csrc, cdst := C.CString(src), C.CString(tmp.Name())
	defer C.free(unsafe.Pointer(csrc))
	defer C.free(unsafe.Pointer(cdst))
	if msg := C.confine_render_icon(csrc, cdst, C.int(px)); msg != nil {
		defer C.free(unsafe.Pointer(msg))
		return errors.New(C.GoString(msg))
	}
	// On disk before it gets its name: after a crash a PNG in the cache is
	// whole or absent.
	f, err := os.Open(tmp.Name())
	if err != nil {
		return err
	}
	err = f.Sync()
	f.Close()
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// prune removes the renderings of icons no installed app has any more,
// and renderings a crash left half-written. It reads every app's SVG, so
// it runs in the background.
func (c *iconCache) prune(icons []string) {
	if c == nil || c.dir == "" {
		return
	}
	keep := map[string]bool{}
	for _, p := range icons {
		if strings.HasSuffix(p, ".svg") {
			if k := c.key(p); k != "" {
				keep[k] = true
			}
		}
	}
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".render-") {
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > time.Hour {
				os.Remove(filepath.Join(c.dir, name))
			}
			continue
		}
		k, _, ok := strings.Cut(name, "-")
		if ok && strings.HasSuffix(name, ".png") && !keep[k] {
			os.Remove(filepath.Join(c.dir, name))
		}
	}
}
