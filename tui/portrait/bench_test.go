package portrait

import "testing"

// BenchmarkPrepare measures preparing the portrait of one card: decoding
// the 240x320 JPEG and scaling it (New), then rendering it for a 16x10 box
// in each mode. Every iteration starts from the bytes, so no cache helps.
func BenchmarkPrepare(b *testing.B) {
	data := faceJPEG(b)
	b.Logf("JPEG: %d bytes, 240x320", len(data))
	for _, bc := range []struct {
		name string
		f    func(p *Portrait) string
	}{
		{"decode+scale", func(p *Portrait) string { return "" }},
		{"blocks", func(p *Portrait) string { return p.View(16, 10) }},
		{"sixel", func(p *Portrait) string { return p.Sixel(16, 10, DefaultCell) }},
		{"kitty", func(p *Portrait) string { return p.KittyTransmit(16, 16, 10, DefaultCell, false) }},
		{"iterm2", func(p *Portrait) string { return p.ITerm2(16, 10, DefaultCell) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				p := New("JPEG", data)
				if !p.OK() {
					b.Fatal(p.Err())
				}
				n = len(bc.f(p))
			}
			b.ReportMetric(float64(n), "out-bytes")
		})
	}
}
