package portrait

import (
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
		msg := lipgloss.NewStyle().Width(width).MaxHeight(height).Render(p.Message())
		return lipgloss.Place(width, height, lipgloss.Left, lipgloss.Top, msg)
	}
	return p.cached(cacheKey{kind: 'b', cols: width, rows: height}, func() string {
		c, r := p.BlockSize(width, height)
		return place(p.blocks(width, height), c, r, width, height)
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
	w, h := p.Size()
	pw, ph := fit(w, h, width, 2*height)
	img := scale(p.img, pw, ph)
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

func opaque(c color.RGBA) color.Color {
	return color.RGBA{c.R, c.G, c.B, 0xff}
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
