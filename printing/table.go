package printing

import (
	"strconv"
	"strings"
)

// column is one column of a table: its title, width (mm, already scaled), the alignment
// of its cells, and the group whose title spans it and its neighbours of the same group
// in a second header row ("Ngày, tháng, năm" over the dates of the dossier book).
type column struct {
	title string
	w     float64
	align string
	group string
	// breakAt lists the characters after which a word of the column may break when it
	// is wider than the column (a dossier code breaks after its "-").
	breakAt string
}

// table draws rows under a header that is repeated at the top of every page the table
// continues on. A row is never split across pages unless it is taller than a whole page;
// the header never stands alone at the bottom of a page.
type table struct {
	s        *sheet
	cols     []column
	size     float64 // cell font size (A4 points)
	headSize float64 // header font size (A4 points)
	pad, lh  float64 // cell padding and line pitch (mm, scaled)
	numbered bool    // a row of column numbers ("1", "2", …) under the titles
}

// table returns a table over cols in the receipt's sizes (11 pt, padding 1.5 mm, lines
// 5.5 mm on A4).
func (s *sheet) table(cols []column) *table {
	return &table{s: s, cols: cols, size: 11, headSize: 11, pad: s.u(1.5), lh: s.u(5.5)}
}

// headHeight is the height of the header rows.
func (t *table) headHeight() float64 {
	top, sub := t.headRows()
	h := top + sub
	if t.numbered {
		h += t.lh + t.pad
	}
	return h
}

// headRows is the height of the titles' first row and of the groups' second row (zero
// when no column is grouped); an ungrouped title spans both.
func (t *table) headRows() (top, sub float64) {
	s := t.s
	single, groupTop, groupSub := 1, 0, 0
	for i, c := range t.cols {
		n := len(s.lines("B", t.headSize, c.w-t.pad, c.title))
		if c.group == "" {
			single = max(single, n)
			continue
		}
		groupSub = max(groupSub, n)
		if i == 0 || t.cols[i-1].group != c.group {
			w := 0.0
			for _, d := range t.cols[i:] {
				if d.group != c.group {
					break
				}
				w += d.w
			}
			groupTop = max(groupTop, len(s.lines("B", t.headSize, w-t.pad, c.group)))
		}
	}
	full := float64(single)*t.lh + 2*t.pad
	if groupTop == 0 {
		return full, 0
	}
	top = float64(groupTop)*t.lh + 2*t.pad
	sub = max(float64(groupSub)*t.lh+2*t.pad, full-top)
	return top, sub
}

// start begins the table on a new page unless its header and two rows fit on this one.
func (t *table) start() {
	s := t.s
	if s.f.GetY()+t.headHeight()+2*(t.lh+2*t.pad) > s.g.bottom() {
		s.f.AddPage()
	}
	s.f.SetLineWidth(0.2)
	t.head()
}

// head draws the header rows at the current position.
func (t *table) head() {
	s, f, g := t.s, t.s.f, t.s.g
	top, sub := t.headRows()
	x, y := g.marginL, f.GetY()
	f.SetFillColor(235, 235, 235)
	cell := func(x, y, w, h float64, text string) {
		lines := s.lines("B", t.headSize, w-t.pad, text) // centred: half the padding each side
		f.Rect(x, y, w, h, "DF")
		ty := y + (h-float64(len(lines))*t.lh)/2
		for j, line := range lines {
			f.SetXY(x, ty+float64(j)*t.lh)
			f.CellFormat(w, t.lh, line, "", 0, "C", false, 0, "")
		}
	}
	for i, c := range t.cols {
		switch c.group {
		case "":
			cell(x, y, c.w, top+sub, c.title)
		default:
			if i == 0 || t.cols[i-1].group != c.group {
				w := 0.0
				for _, d := range t.cols[i:] {
					if d.group != c.group {
						break
					}
					w += d.w
				}
				cell(x, y, w, top, c.group)
			}
			cell(x, y+top, c.w, sub, c.title)
		}
		x += c.w
	}
	y += top + sub
	if t.numbered {
		x = g.marginL
		s.font("I", t.size)
		h := t.lh + t.pad
		for i, c := range t.cols {
			f.Rect(x, y, c.w, h, "D")
			f.SetXY(x, y+t.pad/2)
			f.CellFormat(c.w, t.lh, strconv.Itoa(i+1), "", 0, "C", false, 0, "")
			x += c.w
		}
		y += h
	}
	f.SetXY(g.marginL, y)
}

// cellLines splits each cell of a row into its lines.
func (t *table) cellLines(cells []string) ([][]string, int) {
	lines := make([][]string, len(t.cols))
	n := 1
	for i, c := range t.cols {
		text := ""
		if i < len(cells) {
			text = cells[i]
		}
		w := c.w - 2*t.pad
		if c.breakAt != "" {
			text = t.breakWords(text, w, c.breakAt)
		}
		lines[i] = t.s.lines("", t.size, w, text)
		n = max(n, len(lines[i]))
	}
	return lines, n
}

// breakWords puts a line break after one of the characters of at inside every word of
// text that is wider than w, so that a code breaks at its separators rather than in the
// middle of a number. The font must be set.
func (t *table) breakWords(text string, w float64, at string) string {
	f := t.s.f
	t.s.font("", t.size)
	words := strings.Split(text, " ")
	for i, word := range words {
		if f.GetStringWidth(word) <= w {
			continue
		}
		var b strings.Builder
		line := ""
		for _, part := range splitAfterAny(word, at) {
			if line != "" && f.GetStringWidth(line+part) > w {
				b.WriteString(line)
				b.WriteByte('\n')
				line = ""
			}
			line += part
		}
		b.WriteString(line)
		words[i] = b.String()
	}
	return strings.Join(words, " ")
}

// splitAfterAny splits s after every character in seps.
func splitAfterAny(s, seps string) []string {
	var parts []string
	start := 0
	for i, r := range s {
		if strings.ContainsRune(seps, r) {
			parts = append(parts, s[start:i+len(string(r))])
			start = i + len(string(r))
		}
	}
	if start < len(s) {
		parts = append(parts, s[start:])
	}
	return parts
}

// row draws one row of cells. A row that does not fit below goes whole to the next page,
// under the repeated header; a row taller than a whole page is cut between lines.
func (t *table) row(cells ...string) {
	s, f, g := t.s, t.s.f, t.s.g
	lines, n := t.cellLines(cells)
	bottom := g.bottom()
	page := bottom - g.marginT - t.headHeight() // the room for rows on a new page
	for from := 0; from < n; {
		rest := n - from
		h := float64(rest)*t.lh + 2*t.pad
		if f.GetY()+h > bottom {
			fit := int((bottom - f.GetY() - 2*t.pad) / t.lh)
			if h <= page || fit < 1 {
				f.AddPage()
				t.head()
				continue
			}
			rest = fit // taller than a page: fill this one and go on
			h = float64(rest)*t.lh + 2*t.pad
		}
		s.font("", t.size)
		x, y := g.marginL, f.GetY()
		for i, c := range t.cols {
			f.Rect(x, y, c.w, h, "D")
			for j := from; j < from+rest && j < len(lines[i]); j++ {
				f.SetXY(x+t.pad, y+t.pad+float64(j-from)*t.lh)
				f.CellFormat(c.w-2*t.pad, t.lh, lines[i][j], "", 0, c.align, false, 0, "")
			}
			x += c.w
		}
		f.SetXY(g.marginL, y+h)
		from += rest
		if from < n {
			f.AddPage()
			t.head()
		}
	}
}

// ensure moves to a new page, under the repeated header, unless a block of height h fits
// below the current position; it returns the y the block starts at.
func (t *table) ensure(h float64) float64 {
	if t.s.f.GetY()+h > t.s.g.bottom() {
		t.s.f.AddPage()
		t.head()
	}
	return t.s.f.GetY()
}
