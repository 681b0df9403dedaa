package reports

import (
	"fmt"
	"io"
	"strings"

	"motcua/lookups/vntext"
)

// WriteText writes the report for a terminal: the period, the notes, then each table with
// its columns aligned (labels clipped to 44 columns). Plain text: no colour, no control
// characters from outside (labels pass through vntext.Display).
func WriteText(w io.Writer, r *Report) error {
	var b strings.Builder
	b.WriteString("BÁO CÁO TÌNH HÌNH TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ\n" + PeriodLabel(r) + "\n")
	for _, n := range Notes(r) {
		b.WriteString(n + "\n")
	}
	for _, t := range Tables(r) {
		b.WriteString("\n" + t.Title + "\n")
		writeTable(&b, t, 44)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// width is a string's width in terminal cells (Vietnamese letters are one cell each).
func width(s string) int { return len([]rune(s)) }

func clip(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}

func pad(s string, n int, right bool) string {
	if d := n - width(s); d > 0 {
		if right {
			return strings.Repeat(" ", d) + s
		}
		return s + strings.Repeat(" ", d)
	}
	return s
}

// writeTable aligns t's rows under its columns.
func writeTable(b *strings.Builder, t Table, labelMax int) {
	lw := 0
	for _, r := range t.Rows {
		lw = max(lw, width(clip(vntext.Display(r.Label), labelMax)))
	}
	lw = max(lw, min(width(t.Columns[0]), labelMax))
	ws := make([]int, len(t.Columns)-1)
	for i := range ws {
		ws[i] = width(t.Columns[i+1])
		for _, r := range t.Rows {
			ws[i] = max(ws[i], width(r.Cells[i].Text))
		}
	}
	line := func(label string, cells []string) {
		b.WriteString(pad(clip(label, labelMax), lw, false))
		for i, c := range cells {
			b.WriteString("  " + pad(c, ws[i], true))
		}
		b.WriteString("\n")
	}
	line(t.Columns[0], t.Columns[1:])
	for _, r := range t.Rows {
		cells := make([]string, len(r.Cells))
		for i, c := range r.Cells {
			cells[i] = c.Text
		}
		line(vntext.Display(r.Label), cells)
	}
	if len(t.Rows) == 0 {
		fmt.Fprintln(b, "(không có số liệu)")
	}
}
