package ui

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A 10×10 SVG: left half pure red, right half pure blue.
const testSVG = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10">
<rect x="0" y="0" width="5" height="10" fill="#ff0000"/><rect x="5" y="0" width="5" height="10" fill="#0000ff"/></svg>`

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestIconCacheRendersSVGToPNG(t *testing.T) {
	dir := t.TempDir()
	svg := filepath.Join(dir, "app.svg")
	if err := os.WriteFile(svg, []byte(testSVG), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newIconCache(filepath.Join(dir, "cache"))
	t.Cleanup(c.wait)
	if got := c.cached(svg, 32, 1); got != "" {
		t.Fatalf("a rendering before any was made: %s", got)
	}
	var pngPath string
	waitFor(t, "the rendering", func() bool { pngPath = c.cached(svg, 32, 1); return pngPath != "" })

	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s is no PNG: %v", pngPath, err)
	}
	// Twice the displayed size, for 2× screens; the SVG's halves where
	// they belong.
	if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 64 {
		t.Fatalf("rendered %v, want 64×64", b)
	}
	for _, p := range []struct {
		x, y    int
		r, g, b uint32
	}{{8, 32, 0xffff, 0, 0}, {56, 32, 0, 0, 0xffff}} {
		r, g, b, a := img.At(p.x, p.y).RGBA()
		if r != p.r || g != p.g || b != p.b || a != 0xffff {
			t.Errorf("pixel (%d,%d) = %x %x %x %x", p.x, p.y, r, g, b, a)
		}
	}

	// The same content elsewhere (the demo's and benchmarks' icons move
	// between runs) finds the same rendering at once.
	moved := filepath.Join(dir, "other", "app.svg")
	os.MkdirAll(filepath.Dir(moved), 0o755)
	os.WriteFile(moved, []byte(testSVG), 0o644)
	if got := c.cached(moved, 32, 1); got != pngPath {
		t.Errorf("moved icon: %q, want %q", got, pngPath)
	}
	// Other sizes are their own renderings; PNG icons, and screens denser
	// than 2×, are left to GTK.
	if got := c.cached(svg, 64, 1); got != "" {
		t.Errorf("a 64-pixel rendering out of nowhere: %s", got)
	}
	for _, tc := range []struct {
		path  string
		scale int
	}{{svg, 3}, {filepath.Join(dir, "app.png"), 1}} {
		if got := c.cached(tc.path, 32, tc.scale); got != "" {
			t.Errorf("%s at scale %d: %s, want none", tc.path, tc.scale, got)
		}
	}
	var nilCache *iconCache
	if got := nilCache.cached(svg, 32, 1); got != "" {
		t.Errorf("nil cache: %s", got)
	}
}

func TestIconCacheBrokenSVGIsNotCached(t *testing.T) {
	dir := t.TempDir()
	svg := filepath.Join(dir, "broken.svg")
	os.WriteFile(svg, []byte("<svg this is not"), 0o644)
	c := newIconCache(filepath.Join(dir, "cache"))
	t.Cleanup(c.wait)
	c.cached(svg, 32, 1)
	c.wait()
	entries, _ := os.ReadDir(filepath.Join(dir, "cache"))
	if len(entries) != 0 {
		t.Errorf("a broken SVG left %d files in the cache", len(entries))
	}
	// Not served, and not tried again in this session.
	if got := c.cached(svg, 32, 1); got != "" {
		t.Errorf("broken SVG served from the cache: %s", got)
	}
	c.wait()
	c.mu.Lock()
	tries := c.tries
	c.mu.Unlock()
	if tries != 1 {
		t.Errorf("a broken SVG was tried %d times", tries)
	}
}

func TestIconCachePrune(t *testing.T) {
	dir := t.TempDir()
	svg := filepath.Join(dir, "app.svg")
	os.WriteFile(svg, []byte(testSVG), 0o644)
	cacheDir := filepath.Join(dir, "cache")
	c := newIconCache(cacheDir)
	t.Cleanup(c.wait)
	c.cached(svg, 32, 1)
	var kept string
	waitFor(t, "the rendering", func() bool { kept = c.cached(svg, 32, 1); return kept != "" })

	gone := filepath.Join(cacheDir, "00112233445566778899aabbccddeeff-64.png")
	oldTmp := filepath.Join(cacheDir, ".render-123.png")
	newTmp := filepath.Join(cacheDir, ".render-456.png")
	other := filepath.Join(cacheDir, "notes.txt")
	for _, p := range []string{gone, oldTmp, newTmp, other} {
		os.WriteFile(p, []byte("x"), 0o644)
	}
	hourAgo := time.Now().Add(-2 * time.Hour)
	os.Chtimes(oldTmp, hourAgo, hourAgo)

	c.prune([]string{svg, filepath.Join(dir, "missing.svg"), "/usr/share/icons/some.png"})
	for p, want := range map[string]bool{kept: true, gone: false, oldTmp: false, newTmp: true, other: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: present %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
}
