package portrait

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"testing"
)

// syntheticFace draws an obviously synthetic head-and-shoulders picture: a
// background gradient, a shaded oval head with hair, eyes and mouth, and
// shoulders. No real person, no randomness.
func syntheticFace(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	in := func(x, y, cx, cy, rx, ry float64) float64 {
		dx, dy := (x-cx)/rx, (y-cy)/ry
		return dx*dx + dy*dy
	}
	for py := range h {
		for px := range w {
			x, y := float64(px)/float64(w), float64(py)/float64(h)
			ax := (x - 0.5) * float64(w) / float64(h) * 1.33
			c := [3]float64{190 - 40*y, 210 - 30*y, 240 - 20*y} // background, lighter at the top
			switch d := in(ax, y, 0, 0.42, 0.25, 0.25); {
			case in(ax, y, 0, 0.42, 0.27, 0.27) <= 1 && y < 0.32:
				c = [3]float64{45, 32, 28} // hair
			case d <= 1:
				s := 1 - 0.25*d
				c = [3]float64{225 * s, 184 * s, 152 * s} // skin, darker at the edge
				switch {
				case in(math.Abs(ax), y, 0.09, 0.40, 0.035, 0.018) <= 1:
					c = [3]float64{30, 30, 35} // eyes
				case in(ax, y, 0, 0.55, 0.07, 0.018) <= 1:
					c = [3]float64{170, 70, 75} // mouth
				}
			case math.Abs(ax) < 0.1 && y > 0.6 && y < 0.75:
				c = [3]float64{200, 160, 130} // neck
			case in(ax, y, 0, 1.05, 0.6, 0.32) <= 1:
				c = [3]float64{40, 60 + 40*y, 110} // shoulders
			}
			img.SetRGBA(px, py, color.RGBA{uint8(c[0]), uint8(c[1]), uint8(c[2]), 255})
		}
	}
	return img
}

// faceJPEG is the synthetic face as a card would hold it: 240x320 JPEG.
func faceJPEG(tb testing.TB) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, syntheticFace(240, 320), &jpeg.Options{Quality: 80}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// meanDiff is the mean absolute difference per channel of two images of the
// same size.
func meanDiff(tb testing.TB, a, b image.Image) float64 {
	tb.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		tb.Fatalf("sizes differ: %v and %v", a.Bounds().Size(), b.Bounds().Size())
	}
	var sum float64
	n := 0
	for y := range a.Bounds().Dy() {
		for x := range a.Bounds().Dx() {
			r1, g1, b1, _ := a.At(a.Bounds().Min.X+x, a.Bounds().Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(b.Bounds().Min.X+x, b.Bounds().Min.Y+y).RGBA()
			for _, d := range [3]float64{float64(r1) - float64(r2), float64(g1) - float64(g2), float64(b1) - float64(b2)} {
				sum += math.Abs(d) / 257
				n++
			}
		}
	}
	return sum / float64(n)
}
