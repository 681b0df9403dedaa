package portrait

import (
	"image"
	"image/color"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// upperHalf is drawn with the upper pixel as foreground and the lower pixel
// as background, so one cell shows two pixels stacked; with cells about
// twice as tall as wide those pixels are roughly square.
const upperHalf = "▀"

// View renders the portrait in half-block characters, centred in a block of
// exactly width x height cells (lines joined by "\n"). When the portrait
// cannot be shown, the block holds the clerk's message instead. Colours are
// 24-bit; the Bubble Tea renderer lowers them to what the terminal has.
func (p *Portrait) View(width, height int) string {
	if width <= 0 || height <= 0 {
		return ""
	}
	if !p.OK() {
		return boxed(p.Message(), width, height)
	}
	return p.cached(cacheKey{kind: 'b', cols: width, rows: height}, func() string {
		c, r := p.BlockSize(width, height)
		return place(p.blocks(width, height), c, r, width, height)
	})
}

// ViewGray is View in grey levels, stretched to the full range: for
// terminals with 16 colours, where Bubble Tea would map a colour picture to
// the nearest of 16 saturated colours and the face would be lost, while the
// greys (black, dark grey, light grey, white) keep its shape.
func (p *Portrait) ViewGray(width, height int) string {
	if width <= 0 || height <= 0 || !p.OK() {
		return p.View(width, height)
	}
	return p.cached(cacheKey{kind: 'g', cols: width, rows: height}, func() string {
		c, r := p.BlockSize(width, height)
		return place(p.blocksWith(width, height, grey), c, r, width, height)
	})
}

// BlockSize is the cell size of the half-block picture inside a width x
// height box: aspect-correct, one cell per pixel across and two down.
func (p *Portrait) BlockSize(width, height int) (cols, rows int) {
	if !p.OK() || width <= 0 || height <= 0 {
		return 0, 0
	}
	w, h := p.Size()
	pw, ph := fit(w, h, width, 2*height)
	return pw, (ph + 1) / 2
}

func (p *Portrait) blocks(width, height int) string {
	return p.blocksWith(width, height, nil)
}

func (p *Portrait) blocksWith(width, height int, filter func(*image.RGBA)) string {
	w, h := p.Size()
	pw, ph := fit(w, h, width, 2*height)
	img := scale(p.img, pw, ph)
	if filter != nil {
		filter(img)
	}
	var b strings.Builder
	for y := 0; y < ph; y += 2 {
		if y > 0 {
			b.WriteByte('\n')
		}
		for x := range pw {
			top := img.RGBAAt(x, y)
			st := ansi.NewStyle().ForegroundColor(opaque(top))
			if y+1 < ph {
				st = st.BackgroundColor(opaque(img.RGBAAt(x, y+1)))
			}
			b.WriteString(st.String())
			b.WriteString(upperHalf)
		}
		b.WriteString(ansi.ResetStyle)
	}
	return b.String()
}

// grey turns img into grey levels (Rec. 601 luma) stretched so that its
// darkest pixel is black and its lightest white.
func grey(img *image.RGBA) {
	lo, hi := 255, 0
	luma := func(c color.RGBA) int { return (299*int(c.R) + 587*int(c.G) + 114*int(c.B)) / 1000 }
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			l := luma(img.RGBAAt(x, y))
			lo, hi = min(lo, l), max(hi, l)
		}
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			l := luma(img.RGBAAt(x, y))
			if hi > lo {
				l = (l - lo) * 255 / (hi - lo)
			}
			v := uint8(l)
			img.SetRGBA(x, y, color.RGBA{v, v, v, 0xff})
		}
	}
}

func opaque(c color.RGBA) color.Color {
	return color.RGBA{c.R, c.G, c.B, 0xff}
}

// noColours is the clerk's line on a terminal without colours.
const noColours = "Không hiển thị được ảnh: cửa sổ dòng lệnh này không có màu. Hãy đối chiếu với ảnh in trên thẻ."

// boxed wraps msg into a width x height block.
func boxed(msg string, width, height int) string {
	if width <= 0 || height <= 0 {
		return ""
	}
	msg = lipgloss.NewStyle().Width(width).MaxHeight(height).Render(msg)
	return lipgloss.Place(width, height, lipgloss.Left, lipgloss.Top, msg)
}

// place centres block (bw x bh cells) in a cols x rows box of spaces: left
// and top margins are the halves rounded down, as [Model] expects when it
// draws a picture over its box.
func place(block string, bw, bh, cols, rows int) string {
	left, top := max(0, (cols-bw)/2), max(0, (rows-bh)/2)
	right := max(0, cols-bw-left)
	blank := strings.Repeat(" ", cols)
	var b strings.Builder
	n := 0
	line := func(s string) {
		if n > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(s)
		n++
	}
	for range top {
		line(blank)
	}
	for l := range strings.SplitSeq(block, "\n") {
		if n >= rows {
			break
		}
		line(strings.Repeat(" ", left) + l + strings.Repeat(" ", right))
	}
	for n < rows {
		line(blank)
	}
	return b.String()
}
