package portrait

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/iterm2"
	"github.com/charmbracelet/x/ansi/kitty"
	"github.com/charmbracelet/x/ansi/sixel"
)

// Mode is how the portrait reaches the screen.
type Mode int

// The modes, as named in the configuration (card.portrait).
const (
	Auto   Mode = iota // detect: environment hints, then the terminal's answers
	Off                // show nothing
	Blocks             // half-block characters, any terminal with colours
	Kitty              // kitty graphics protocol with Unicode placeholders
	ITerm2             // iTerm2 inline images (also WezTerm)
	Sixel              // DEC sixel graphics (xterm, foot, Windows Terminal 1.22+…)
)

var modeNames = [...]string{"auto", "off", "blocks", "kitty", "iterm2", "sixel"}

// Modes lists the accepted names, in order.
func Modes() []string { return modeNames[:] }

func (m Mode) String() string {
	if m < 0 || int(m) >= len(modeNames) {
		return fmt.Sprintf("Mode(%d)", int(m))
	}
	return modeNames[m]
}

// ParseMode reads a configuration value; the empty string is Auto.
func ParseMode(s string) (Mode, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return Auto, nil
	}
	for i, n := range modeNames {
		if s == n {
			return Mode(i), nil
		}
	}
	return Auto, fmt.Errorf("portrait mode %q: want one of %s", s, strings.Join(modeNames[:], ", "))
}

// Graphic reports whether the mode draws pixels rather than characters.
func (m Mode) Graphic() bool { return m == Kitty || m == ITerm2 || m == Sixel }

// CellSize is the size of one terminal cell in pixels.
type CellSize struct{ W, H int }

// DefaultCell is assumed when the terminal does not report its cell size: a
// common 10x20 font cell.
var DefaultCell = CellSize{W: 10, H: 20}

func (c CellSize) orDefault() CellSize {
	if c.W <= 0 || c.H <= 0 || c.W > 200 || c.H > 400 {
		return DefaultCell
	}
	return c
}

// GraphicSize is the box, in cells, that the picture takes inside a cols x
// rows box given the cell size, and its size in pixels: aspect-correct and
// never larger than the box.
func (p *Portrait) GraphicSize(cols, rows int, cell CellSize) (c, r, pw, ph int) {
	if !p.OK() || cols <= 0 || rows <= 0 {
		return 0, 0, 0, 0
	}
	cell = cell.orDefault()
	w, h := p.Size()
	pw, ph = fit(w, h, cols*cell.W, rows*cell.H)
	c = min(cols, (pw+cell.W-1)/cell.W)
	r = min(rows, (ph+cell.H-1)/cell.H)
	return c, r, pw, ph
}

// pixels returns the working copy scaled to pw x ph.
func (p *Portrait) pixels(pw, ph int) *image.RGBA {
	if w, h := p.Size(); w == pw && h == ph {
		return p.img
	}
	return scale(p.img, pw, ph)
}

func encodePNG(img image.Image) []byte {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, img); err != nil { // only fails on writer errors
		return nil
	}
	return b.Bytes()
}

// Sixel returns the sixel DCS sequence of the picture fitted in cols x rows
// cells of the given size, drawn at the cursor. Empty when there is no
// picture.
func (p *Portrait) Sixel(cols, rows int, cell CellSize) string {
	_, _, pw, ph := p.GraphicSize(cols, rows, cell)
	if pw == 0 {
		return ""
	}
	return p.cached(cacheKey{kind: 's', cols: cols, rows: rows, cell: cell}, func() string {
		var payload bytes.Buffer
		if err := (&sixel.Encoder{}).Encode(&payload, p.pixels(pw, ph)); err != nil {
			return ""
		}
		// p2=1: pixels not painted keep the cell's background instead of black.
		return ansi.SixelGraphics(0, 1, 0, payload.Bytes())
	})
}

// ITerm2 returns the iTerm2 inline-image sequence of the picture fitted in
// cols x rows cells, drawn at the cursor. The terminal scales the image to
// the cell box itself, keeping its aspect ratio.
func (p *Portrait) ITerm2(cols, rows int, cell CellSize) string {
	c, r, pw, ph := p.GraphicSize(cols, rows, cell)
	if pw == 0 {
		return ""
	}
	return p.cached(cacheKey{kind: 'i', cols: cols, rows: rows, cell: cell}, func() string {
		data := encodePNG(p.pixels(pw, ph))
		return ansi.ITerm2(iterm2.File{
			Name:            base64.StdEncoding.EncodeToString([]byte("portrait.png")),
			Size:            int64(len(data)),
			Width:           iterm2.Cells(c),
			Height:          iterm2.Cells(r),
			Inline:          true,
			DoNotMoveCursor: true,
			Content:         []byte(base64.StdEncoding.EncodeToString(data)),
		})
	})
}

// KittyTransmit returns the kitty graphics sequences that send the picture
// as image id with a virtual placement of c x r cells (see
// [KittyPlaceholders]): PNG, in chunks, with every reply suppressed (q=2)
// so that nothing comes back on the input. Inside tmux each chunk is wrapped
// for passthrough (tmux needs allow-passthrough on).
func (p *Portrait) KittyTransmit(id, cols, rows int, cell CellSize, tmux bool) string {
	c, r, pw, ph := p.GraphicSize(cols, rows, cell)
	if pw == 0 || id <= 0 {
		return ""
	}
	return p.cached(cacheKey{kind: 'k', cols: cols, rows: rows, cell: cell, id: id, tmux: tmux}, func() string {
		var b strings.Builder
		opts := &kitty.Options{
			Action:           kitty.TransmitAndPut,
			Transmission:     kitty.Direct,
			Format:           kitty.PNG,
			ID:               id,
			Columns:          c,
			Rows:             r,
			VirtualPlacement: true,
			Quiet:            2,
			Chunk:            true,
		}
		if tmux {
			opts.ChunkFormatter = ansi.TmuxPassthrough
		}
		if err := kitty.EncodeGraphics(&b, p.pixels(pw, ph), opts); err != nil {
			return ""
		}
		return b.String()
	})
}

// KittyDelete returns the sequence that frees image id in the terminal.
func KittyDelete(id int, tmux bool) string {
	seq := ansi.KittyGraphics(nil, "a=d", "d=I", fmt.Sprintf("i=%d", id), "q=2")
	if tmux {
		return ansi.TmuxPassthrough(seq)
	}
	return seq
}

// KittyPlaceholders returns the text of a c x r virtual placement of image
// id: each cell is U+10EEEE with the row and column as diacritics, and the
// foreground colour (256-colour index) names the image. The text is part of
// the frame, so the renderer moves, redraws and erases it like any other.
// id must be in 16..255: a 256-colour index survives every colour profile
// the renderer may lower to, and indexes below 16 could be written as the
// basic 30-37 colours, which kitty does not read as an id.
func KittyPlaceholders(id, c, r int) string {
	fg := ansi.NewStyle().ForegroundColor(ansi.IndexedColor(uint8(id))).String()
	var b strings.Builder
	for y := range r {
		if y > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(fg)
		for x := range c {
			b.WriteRune(kitty.Placeholder)
			b.WriteRune(kitty.Diacritic(y))
			b.WriteRune(kitty.Diacritic(x))
		}
		b.WriteString(ansi.ResetStyle)
	}
	return b.String()
}

// At wraps seq, a graphic drawn at the cursor, so that it is drawn with its
// top-left corner in cell (x, y) (0-based, from the top-left of the screen)
// and leaves the cursor, and the renderer's idea of it, where they were.
func At(x, y int, seq string) string {
	if seq == "" {
		return ""
	}
	return ansi.SaveCursor + ansi.CursorPosition(x+1, y+1) + seq + ansi.RestoreCursor
}
