package portrait

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/kitty"
	"image/color"
)

var cell = CellSize{W: 10, H: 20}

func TestParseMode(t *testing.T) {
	for _, s := range Modes() {
		m, err := ParseMode(" " + strings.ToUpper(s) + " ")
		if err != nil || m.String() != s {
			t.Errorf("ParseMode(%q) = %v, %v", s, m, err)
		}
	}
	if m, err := ParseMode(""); m != Auto || err != nil {
		t.Errorf("empty: %v %v", m, err)
	}
	if _, err := ParseMode("xyz"); err == nil || !strings.Contains(err.Error(), "auto, off, blocks, kitty, iterm2, sixel") {
		t.Errorf("xyz: %v", err)
	}
}

func TestGraphicSize(t *testing.T) {
	p := New("JPEG", faceJPEG(t))
	// 16x10 cells of 10x20 px are 160x200 px; a 3:4 picture fits as 150x200:
	// 15 cells by 10.
	if c, r, pw, ph := p.GraphicSize(16, 10, cell); c != 15 || r != 10 || pw != 150 || ph != 200 {
		t.Errorf("16x10: %d %d %d %d", c, r, pw, ph)
	}
	// Unknown cell size: the default cell.
	if c, r, _, _ := p.GraphicSize(16, 10, CellSize{}); c != 15 || r != 10 {
		t.Errorf("default cell: %d %d", c, r)
	}
	// Square cells (a terminal reporting 8x8) make a taller picture in cells.
	if c, r, pw, ph := p.GraphicSize(16, 10, CellSize{8, 8}); c != 8 || r != 10 || pw != 60 || ph != 80 {
		t.Errorf("8x8 cells: %d %d %d %d", c, r, pw, ph)
	}
	if c, _, _, _ := New("JPEG", nil).GraphicSize(16, 10, cell); c != 0 {
		t.Error("a portrait that cannot be shown has no graphic")
	}
}

// TestSixelDecodesBack decodes the sixel sequence with decodeSixel below
// (the decoder of x/ansi/sixel v0.11.9 garbles pictures that libsixel's
// sixel2png reads correctly, so the test has its own): the size is the
// fitted pixel size and the colours those of the picture, up to the
// 256-colour palette.
func TestSixelDecodesBack(t *testing.T) {
	p := New("JPEG", faceJPEG(t))
	seq := p.Sixel(16, 10, cell)
	if !strings.HasPrefix(seq, "\x1bP0;1q") || !strings.HasSuffix(seq, "\x1b\\") {
		t.Fatalf("not a sixel DCS: %q…", seq[:min(20, len(seq))])
	}
	payload := strings.TrimSuffix(strings.TrimPrefix(seq, "\x1bP0;1q"), "\x1b\\")
	if strings.ContainsAny(payload, "\x1b\x07") {
		t.Fatal("escape or BEL inside the sixel payload")
	}
	img := decodeSixel(t, payload)
	if got := img.Bounds().Size(); got != image.Pt(150, 200) {
		t.Fatalf("sixel image %v, want 150x200", got)
	}
	d := meanDiff(t, img, p.pixels(150, 200))
	if d > 4 {
		t.Errorf("sixel colours differ by %.1f levels on average", d)
	}
	t.Logf("sixel: %d bytes, %.2f levels from the picture on average", len(seq), d)
}

// TestITerm2DecodesBack parses the OSC 1337 sequence and decodes its PNG.
func TestITerm2DecodesBack(t *testing.T) {
	p := New("JPEG", faceJPEG(t))
	seq := p.ITerm2(16, 10, cell)
	body, ok := strings.CutPrefix(seq, "\x1b]1337;File=")
	if !ok || !strings.HasSuffix(body, "\x07") {
		t.Fatalf("not an iTerm2 file sequence: %q…", seq[:min(30, len(seq))])
	}
	params, content, ok := strings.Cut(strings.TrimSuffix(body, "\x07"), ":")
	if !ok {
		t.Fatal("no content")
	}
	kv := map[string]string{}
	for _, f := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(f, "=")
		kv[k] = v
	}
	data, err := base64.StdEncoding.DecodeString(content)
	if err != nil {
		t.Fatal(err)
	}
	if kv["inline"] != "1" || kv["width"] != "15" || kv["height"] != "10" || kv["size"] != strconv.Itoa(len(data)) || kv["doNotMoveCursor"] != "1" {
		t.Errorf("parameters %v", kv)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if d := meanDiff(t, img, p.pixels(150, 200)); d != 0 {
		t.Errorf("PNG differs from the picture by %.2f", d)
	}
}

// kittyChunks splits kitty graphics APC sequences, unwrapping tmux
// passthrough first when tmux is set.
func kittyChunks(t *testing.T, seq string, tmux bool) (opts []kitty.Options, payloads []string) {
	t.Helper()
	for seq != "" {
		if tmux {
			inner, ok := strings.CutPrefix(seq, "\x1bPtmux;")
			if !ok {
				t.Fatalf("not wrapped for tmux: %q", seq[:min(20, len(seq))])
			}
			end := strings.Index(inner, "\x1b\x1b\\\x1b\\")
			if end < 0 {
				t.Fatal("unterminated passthrough")
			}
			one := strings.ReplaceAll(inner[:end+3], "\x1b\x1b", "\x1b")
			seq = inner[end+5:]
			o, p := kittyChunks(t, one, false)
			opts, payloads = append(opts, o...), append(payloads, p...)
			continue
		}
		body, ok := strings.CutPrefix(seq, "\x1b_G")
		if !ok {
			t.Fatalf("not a kitty graphics APC: %q", seq[:min(20, len(seq))])
		}
		end := strings.Index(body, "\x1b\\")
		if end < 0 {
			t.Fatal("unterminated APC")
		}
		control, payload, _ := strings.Cut(body[:end], ";")
		var o kitty.Options
		if err := o.UnmarshalText([]byte(control)); err != nil {
			t.Fatal(err)
		}
		opts, payloads = append(opts, o), append(payloads, payload)
		seq = body[end+2:]
	}
	return opts, payloads
}

func TestKittyTransmitDecodesBack(t *testing.T) {
	p := New("JPEG", faceJPEG(t))
	for _, tmux := range []bool{false, true} {
		seq := p.KittyTransmit(42, 16, 10, cell, tmux)
		opts, payloads := kittyChunks(t, seq, tmux)
		if len(opts) < 2 {
			t.Fatalf("%d chunks: a 150x200 PNG needs several", len(opts))
		}
		first := opts[0]
		if first.Action != kitty.TransmitAndPut || first.Format != kitty.PNG || first.ID != 42 ||
			first.Columns != 15 || first.Rows != 10 || !first.VirtualPlacement || first.Quiet != 2 {
			t.Errorf("first chunk options %+v", first)
		}
		for i, pl := range payloads {
			if len(pl) > kitty.MaxChunkSize {
				t.Errorf("chunk %d is %d bytes", i, len(pl))
			}
		}
		// m=1 on every chunk but the last, which has m=0.
		if !strings.Contains(seq, "m=1") || strings.Count(seq, "m=0") != 1 {
			t.Errorf("chunk markers: %d m=1, %d m=0", strings.Count(seq, "m=1"), strings.Count(seq, "m=0"))
		}
		data, err := base64.StdEncoding.DecodeString(strings.Join(payloads, ""))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if d := meanDiff(t, img, p.pixels(150, 200)); d != 0 {
			t.Errorf("tmux %v: PNG differs from the picture by %.2f", tmux, d)
		}
	}
	if del := KittyDelete(42, false); del != "\x1b_Ga=d,d=I,i=42,q=2\x1b\\" {
		t.Errorf("delete %q", del)
	}
}

// TestKittyPlaceholders checks every cell: U+10EEEE, the row and column
// diacritics, the image id as a 256-colour foreground, one cell wide.
func TestKittyPlaceholders(t *testing.T) {
	text := KittyPlaceholders(200, 15, 10)
	lines := strings.Split(text, "\n")
	if len(lines) != 10 {
		t.Fatalf("%d lines", len(lines))
	}
	for y, l := range lines {
		if w := ansi.StringWidth(l); w != 15 {
			t.Errorf("line %d is %d cells wide", y, w)
		}
		if !strings.HasPrefix(l, "\x1b[38;5;200m") {
			t.Errorf("line %d does not start with the id colour: %q", y, l[:12])
		}
		cells := []rune(ansi.Strip(l))
		if len(cells) != 15*3 {
			t.Fatalf("line %d has %d runes", y, len(cells))
		}
		for x := range 15 {
			c := cells[3*x : 3*x+3]
			if c[0] != kitty.Placeholder || c[1] != kitty.Diacritic(y) || c[2] != kitty.Diacritic(x) {
				t.Errorf("cell %d,%d = %U", x, y, c)
			}
		}
	}
}

func TestAt(t *testing.T) {
	if got := At(3, 4, "IMG"); got != "\x1b7\x1b[5;4HIMG\x1b8" {
		t.Errorf("At = %q", got)
	}
	if At(0, 0, "") != "" {
		t.Error("nothing to draw, nothing to write")
	}
}

// decodeSixel is a minimal sixel decoder for the tests: raster attributes,
// RGB colour registers, colour selection, repeats, carriage return and new
// line. Pixels never painted stay transparent.
func decodeSixel(t *testing.T, s string) *image.RGBA {
	t.Helper()
	num := func() int {
		n := 0
		for len(s) > 0 && s[0] >= '0' && s[0] <= '9' {
			n = n*10 + int(s[0]-'0')
			s = s[1:]
		}
		return n
	}
	nums := func() []int {
		v := []int{num()}
		for len(s) > 0 && s[0] == ';' {
			s = s[1:]
			v = append(v, num())
		}
		return v
	}
	var img *image.RGBA
	palette := map[int]color.RGBA{}
	var cur color.RGBA
	x, band := 0, 0
	for len(s) > 0 {
		c := s[0]
		s = s[1:]
		switch {
		case c == '"':
			v := nums()
			if len(v) != 4 {
				t.Fatalf("raster attributes %v", v)
			}
			img = image.NewRGBA(image.Rect(0, 0, v[2], v[3]))
		case c == '#':
			v := nums()
			if len(v) == 5 && v[1] == 2 {
				pct := func(p int) uint8 { return uint8((p*255 + 50) / 100) }
				palette[v[0]] = color.RGBA{pct(v[2]), pct(v[3]), pct(v[4]), 255}
			} else if len(v) != 1 {
				t.Fatalf("colour %v", v)
			}
			cur = palette[v[0]]
		case c == '$':
			x = 0
		case c == '-':
			x, band = 0, band+1
		case c == '!' || (c >= '?' && c <= '~'):
			n := 1
			if c == '!' {
				n = num()
				c, s = s[0], s[1:]
			}
			if img == nil {
				t.Fatal("pixels before the raster attributes")
			}
			for range n {
				for bit := range 6 {
					if (c-'?')&(1<<bit) != 0 {
						img.SetRGBA(x, band*6+bit, cur)
					}
				}
				x++
			}
		default:
			t.Fatalf("unexpected %q in sixel data", c)
		}
	}
	return img
}
