package printing

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/boombuler/barcode/qr"
)

// The QR encoder gives the symbol of github.com/boombuler/barcode/qr at level M with the
// automatic mode, module for module: numeric, alphanumeric and byte contents of many
// lengths (versions 1 to 40, so every block layout, alignment grid and version block),
// and the receipts' own contents.
func TestQRMatchesBoombuler(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 2026))
	pick := func(set string, n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(set[rng.IntN(len(set))])
		}
		return b.String()
	}
	contents := []string{"", "0", "+1", "-0", "G22.99.08-261123-0004", QRContent(sampleReceipt(1, 3)), "Nguyễn Thị Hoà"}
	for _, n := range []int{1, 2, 3, 7, 14, 25, 40, 77, 120, 200, 333, 500, 900, 1500, 2200} {
		contents = append(contents,
			pick("0123456789", n),
			pick(qrAlphaSet, n),
			pick("abcdefghijklmnopqrstuvwxyz0123456789:/?=&.-_", n))
	}
	for range 200 {
		contents = append(contents, pick("abcdefghijklmnopqrstuvwxyz0123456789:/?=&.-_ABCXYZ", 1+rng.IntN(120)))
	}
	for _, c := range contents {
		want, werr := qr.Encode(c, qr.M, qr.Auto)
		got, gerr := encodeQRM(c)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("%q: error %v, the package's %v", c, gerr, werr)
		}
		if werr != nil {
			continue
		}
		n := want.Bounds().Dx()
		if got.dim != n {
			t.Fatalf("%q: %d modules wide, the package's %d", c, got.dim, n)
		}
		for x := range n {
			for y := range n {
				if got.dark(x, y) != isDark(want.At(x, y)) {
					t.Fatalf("%q (%d modules): module (%d, %d) differs", shorten(c), n, x, y)
				}
			}
		}
	}
}

func shorten(s string) string {
	if len(s) > 40 {
		return fmt.Sprintf("%s… (%d bytes)", s[:40], len(s))
	}
	return s
}

func BenchmarkEncodeQR(b *testing.B) {
	c := QRContent(sampleReceipt(1, 3))
	b.Run("boombuler", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := qr.Encode(c, qr.M, qr.Auto); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encodeQRM", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encodeQRM(c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
