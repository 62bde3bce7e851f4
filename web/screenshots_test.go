//go:build screenshots

package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestScreenshots refreshes docs/screenshots: every page of the tour at
// 1366 px (<name>.png) and at 390 px (<name>-390.png), full length, as
// PNGs of at most 256 colours to keep the repository small. Run it with
//
//	go test -tags screenshots ./web/ -run TestScreenshots
//
// (docs/ui.md). It needs Chromium, like the browser tests.
func TestScreenshots(t *testing.T) {
	p, e := newBrowserPage(t, newEnv)
	ctx := p.ctx
	pages := tour(t, e)
	dir := filepath.Join("..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	user := "-"
	for _, pg := range pages {
		if pg.User != user {
			p.browseAs(pg.User)
			user = pg.User
		}
		for _, w := range []struct {
			width  int64
			suffix string
		}{{1366, ""}, {390, "-390"}} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(w.width, 900),
				chromedp.Navigate(p.url+pg.Path), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
				t.Fatalf("%s: %v", pg.Name, err)
			}
			shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("%s: screenshot: %v", pg.Name, err)
			}
			small, err := paletted(shot)
			if err != nil {
				t.Fatalf("%s: %v", pg.Name, err)
			}
			if err := os.WriteFile(filepath.Join(dir, pg.Name+w.suffix+".png"), small, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// paletted re-encodes a PNG with the 256 colours it uses most, each other
// colour mapped to the nearest of them: a page is flat colours and
// anti-aliased text, which this keeps legible at a fraction of the size.
func paletted(b []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	counts := map[color.RGBA]int{}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			counts[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	type cc struct {
		c color.RGBA
		n int
	}
	all := make([]cc, 0, len(counts))
	for c, n := range counts {
		all = append(all, cc{c, n})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].n != all[j].n {
			return all[i].n > all[j].n
		}
		a, b := all[i].c, all[j].c
		return uint32(a.R)<<16|uint32(a.G)<<8|uint32(a.B) < uint32(b.R)<<16|uint32(b.G)<<8|uint32(b.B)
	})
	pal := color.Palette{}
	for i := 0; i < len(all) && i < 256; i++ {
		pal = append(pal, all[i].c)
	}
	out := image.NewPaletted(bounds, pal)
	index := map[color.RGBA]uint8{}
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			i, ok := index[c]
			if !ok {
				i = uint8(pal.Index(c))
				index[c] = i
			}
			out.SetColorIndex(x, y, i)
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
