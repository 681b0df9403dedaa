package portrait

import (
	"bytes"
	"errors"
	"flag"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

var update = flag.Bool("update", false, "rewrite the golden files (look at them first)")

func TestNewDecodesJPEG(t *testing.T) {
	p := New("JPEG", faceJPEG(t))
	if !p.OK() || p.Err() != nil || p.Message() != "" {
		t.Fatalf("ok %v err %v message %q", p.OK(), p.Err(), p.Message())
	}
	if w, h := p.Size(); w != 240 || h != 320 {
		t.Errorf("working copy %dx%d, want the picture's 240x320 (never enlarged)", w, h)
	}
	if d := meanDiff(t, p.img, syntheticFace(240, 320)); d > 4 {
		t.Errorf("decoded picture differs from the drawn one by %.1f levels on average", d)
	}
}

func TestNewShrinksLargePictures(t *testing.T) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, syntheticFace(900, 1200), nil); err != nil {
		t.Fatal(err)
	}
	p := New("JPEG", b.Bytes())
	if w, h := p.Size(); w != 300 || h != 400 {
		t.Errorf("working copy %dx%d, want 300x400", w, h)
	}
}

// sof0 returns a copy of a baseline JPEG whose frame header declares w x h.
func withDims(t *testing.T, data []byte, w, h int) []byte {
	t.Helper()
	out := bytes.Clone(data)
	i := bytes.Index(out, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0 in the test JPEG")
	}
	// FFC0, length (2), precision (1), height (2), width (2)
	out[i+5], out[i+6] = byte(h>>8), byte(h)
	out[i+7], out[i+8] = byte(w>>8), byte(w)
	return out
}

func TestHostileImages(t *testing.T) {
	good := faceJPEG(t)
	for _, tc := range []struct {
		name, format string
		data         []byte
		want         error
		says         string
	}{
		{"empty", "JPEG", nil, ErrNoImage, "không có ảnh"},
		{"too many bytes", "JPEG", append(bytes.Clone(good), make([]byte, MaxDataBytes)...), ErrTooLarge, "kích thước bất thường"},
		{"JPEG 2000 codestream", "JPEG 2000", []byte{0xFF, 0x4F, 0xFF, 0x51, 0, 0x2F}, ErrJPEG2000, "JPEG 2000"},
		{"JP2 file", "JPEG 2000", []byte{0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A}, ErrJPEG2000, "JPEG 2000"},
		{"unknown format", "WSQ", good, ErrUnsupported, "không được hỗ trợ"},
		{"not a JPEG", "JPEG", []byte("hello, this is not a picture"), ErrCorrupt, "bị hỏng"},
		{"truncated", "JPEG", good[:len(good)/2], ErrCorrupt, "bị hỏng"},
		{"65000x65000 declared", "JPEG", withDims(t, good, 65000, 65000), ErrDimensions, "kích thước bất thường"},
		{"wider than MaxSide", "JPEG", withDims(t, good, MaxSide+1, 10), ErrDimensions, "kích thước bất thường"},
		{"more than MaxPixels", "JPEG", withDims(t, good, 3000, 3000), ErrDimensions, "kích thước bất thường"},
		{"zero height", "JPEG", withDims(t, good, 240, 0), ErrDimensions, "kích thước bất thường"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := New(tc.format, tc.data)
			if p.OK() || !errors.Is(p.Err(), tc.want) {
				t.Fatalf("ok %v err %v, want %v", p.OK(), p.Err(), tc.want)
			}
			msg := p.Message()
			if !strings.Contains(msg, tc.says) || !strings.Contains(msg, "đối chiếu với ảnh in trên thẻ") {
				t.Errorf("message %q: want %q and what to do instead", msg, tc.says)
			}
			// The box shows the message, wrapped to the box, and keeps its size.
			v := p.View(16, 10)
			if lines := strings.Split(v, "\n"); len(lines) != 10 || ansi.StringWidth(lines[0]) != 16 {
				t.Errorf("view is %d lines, first %d wide:\n%s", len(lines), ansi.StringWidth(lines[0]), v)
			}
		})
	}
}

// TestCorruptedBytesNeverPanic flips bytes and cuts the picture at many
// places: the result may decode or not, it must not panic or slip past the
// limits.
func TestCorruptedBytesNeverPanic(t *testing.T) {
	good := faceJPEG(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		data := bytes.Clone(good)
		if i%3 == 0 {
			data = data[:rng.IntN(len(data))]
		}
		for range 1 + rng.IntN(8) {
			if len(data) > 0 {
				data[rng.IntN(len(data))] = byte(rng.Uint32())
			}
		}
		p := New("JPEG", data)
		if p.OK() {
			w, h := p.Size()
			if w > workSide || h > workSide {
				t.Fatalf("working copy %dx%d", w, h)
			}
			_ = p.View(14, 8)
		} else if p.Message() == "" {
			t.Fatalf("no message for %v", p.Err())
		}
	}
}

func FuzzNew(f *testing.F) {
	f.Add(faceJPEG(f))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0xFF, 0xFF, 0xFF, 0xFF, 1, 1, 0x11, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := New("JPEG", data)
		if p.OK() {
			_ = p.View(14, 8)
			_ = p.Sixel(14, 8, CellSize{})
		}
	})
}

func TestFit(t *testing.T) {
	for _, tc := range []struct{ w, h, bw, bh, ww, wh int }{
		{240, 320, 14, 16, 12, 16},
		{240, 320, 16, 40, 16, 21},
		{320, 240, 16, 20, 16, 12},
		{1, 4000, 16, 20, 1, 20},
		{4000, 1, 16, 20, 16, 1},
		{0, 10, 16, 20, 0, 0},
	} {
		if w, h := fit(tc.w, tc.h, tc.bw, tc.bh); w != tc.ww || h != tc.wh {
			t.Errorf("fit(%d,%d in %dx%d) = %dx%d, want %dx%d", tc.w, tc.h, tc.bw, tc.bh, w, h, tc.ww, tc.wh)
		}
	}
}

// TestBlocksGolden pins the half-block rendering of the synthetic face in
// the 14x8 box: 12 columns by 8 rows (3:4 with two pixels a cell), centred.
// Run with -update to rewrite it after looking at the new output
// (cat testdata/blocks-14x8.golden in a terminal).
func TestBlocksGolden(t *testing.T) {
	p := New("JPEG", faceJPEG(t))
	got := p.View(14, 8)
	lines := strings.Split(got, "\n")
	if len(lines) != 8 {
		t.Fatalf("%d lines, want 8", len(lines))
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w != 14 {
			t.Errorf("line %d is %d cells wide, want 14", i, w)
		}
		if plain := ansi.Strip(l); plain != " "+strings.Repeat(upperHalf, 12)+" " {
			t.Errorf("line %d = %q", i, plain)
		}
	}
	if c, r := p.BlockSize(14, 8); c != 12 || r != 8 {
		t.Errorf("block size %dx%d", c, r)
	}
	golden := filepath.Join("testdata", "blocks-14x8.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("half blocks differ from %s:\n%s\nwant:\n%s", golden, got, want)
	}
}

func TestBlocksOddPixelRows(t *testing.T) {
	// A 3:1 picture in a 9x3 box is 9x3 pixels: two rows of cells, the last
	// with a foreground pixel only.
	var b bytes.Buffer
	if err := jpeg.Encode(&b, syntheticFace(300, 100), nil); err != nil {
		t.Fatal(err)
	}
	p := New("JPEG", b.Bytes())
	if c, r := p.BlockSize(9, 3); c != 9 || r != 2 {
		t.Fatalf("block size %dx%d, want 9x2", c, r)
	}
	lines := strings.Split(p.View(9, 3), "\n")
	if len(lines) != 3 || strings.Count(lines[0], upperHalf) != 9 || strings.Count(lines[1], upperHalf) != 9 {
		t.Fatalf("view:\n%s", strings.Join(lines, "\n"))
	}
	if !strings.Contains(lines[0], "48;2;") || strings.Contains(lines[1], "48;2;") {
		t.Errorf("the last row must have no background colour:\n%q\n%q", lines[0], lines[1])
	}
}
