package printing

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// StatReport is a statistical report for the ward's leadership (internal/reports): the
// letterhead, a title and the period, then sections, each a table and, when it has one, a bar
// chart drawn as vector rectangles with its values written beside the bars. The sections and
// their wording are the caller's; this file only lays them out on portrait A4.
type StatReport struct {
	Letterhead
	Title    string    // required, printed upper-case
	Period   string    // the subtitle ("Từ ngày 01/11/2026 đến ngày 30/11/2026")
	Date     time.Time // the date line; required
	Notes    []string  // lines under the title (sources, what is not known)
	Sections []StatSection
}

// StatSection is a table (its first column the row's label) and an optional chart.
type StatSection struct {
	Title   string
	Columns []string   // the header; the first is the labels' column
	Rows    [][]string // each as many cells as Columns
	Chart   *BarChart
}

// BarChart is a horizontal bar chart: one bar per label, its value written after it.
type BarChart struct {
	Title  string
	Labels []string
	Values []float64
	// Format writes a value beside its bar; empty: the value rounded to a whole number, its
	// thousands grouped with dots like the tables' cells (FormatCount: "1.250.000").
	Format string
}

// MaxStatRows bounds the rows of one section.
const MaxStatRows = 2000

// Validate reports what is missing or too long for the report to be printed.
func (r StatReport) Validate() error {
	var c checker
	c.letterhead(r.Letterhead)
	c.required(r.Title, "Title", "Báo cáo thiếu tiêu đề.")
	c.date(r.Date, "Date", "Báo cáo thiếu ngày lập.")
	for i, s := range r.Sections {
		if len(s.Columns) == 0 || len(s.Rows) > MaxStatRows {
			c.fail("Một phần của báo cáo không in được (không có cột hoặc quá nhiều dòng). Chọn kỳ ngắn hơn rồi in lại.",
				"section %d: %d columns, %d rows", i+1, len(s.Columns), len(s.Rows))
		}
		for j, row := range s.Rows {
			if len(row) != len(s.Columns) {
				c.fail("Một dòng của báo cáo không khớp số cột.", "section %d row %d: %d cells for %d columns", i+1, j+1, len(row), len(s.Columns))
			}
		}
		if ch := s.Chart; ch != nil && len(ch.Labels) != len(ch.Values) {
			c.fail("Biểu đồ của báo cáo không khớp dữ liệu.", "section %d chart: %d labels, %d values", i+1, len(ch.Labels), len(ch.Values))
		}
	}
	return c.err
}

// RenderStatReport renders the report as a PDF on portrait A4 into w. The same input and
// Options give the same bytes.
func RenderStatReport(w io.Writer, r StatReport, opt Options) error {
	if err := r.Validate(); err != nil {
		return err
	}
	r.Letterhead = r.normalized() // the letterhead's
	err := renderForm(w, geomA4, created(opt, r.Date), cleanLine(r.Title)+" "+cleanLine(r.Period), cleanLine(r.Title),
		func(s *sheet) { drawStatReport(s, r) })
	if err != nil {
		return formError("báo cáo", err)
	}
	return nil
}

func drawStatReport(s *sheet, r StatReport) {
	s.letterhead(r.Letterhead, "", r.Date)
	s.title(strings.ToUpper(cleanLine(r.Title)), cleanLine(r.Period))
	for _, n := range r.Notes {
		s.para("I", 10, "L", cleanLine(n))
	}
	if len(r.Notes) > 0 {
		s.f.Ln(s.u(2))
	}
	for _, sec := range r.Sections {
		drawStatSection(s, sec)
	}
}

func drawStatSection(s *sheet, sec StatSection) {
	f, cw := s.f, s.g.contentW()
	s.keep(s.u(30))
	s.font("B", 12)
	f.MultiCell(cw, s.u(6.5), cleanLine(sec.Title), "", "L", false)
	f.Ln(s.u(1))
	if len(sec.Rows) > 0 {
		first := cw * 0.40
		if len(sec.Columns) > 6 { // a wide table: narrower labels, smaller type
			first = cw * 0.24
		}
		if len(sec.Columns) == 1 {
			first = cw
		}
		rest := (cw - first) / float64(max(1, len(sec.Columns)-1))
		cols := make([]column, len(sec.Columns))
		for i, title := range sec.Columns {
			cols[i] = column{title: cleanLine(title), w: rest, align: "R"}
			if i == 0 {
				cols[i].w, cols[i].align = first, "L"
			}
		}
		t := s.table(cols)
		t.size, t.headSize, t.pad, t.lh = 9.5, 9, s.u(1.2), s.u(4.6)
		if len(sec.Columns) > 6 {
			t.size, t.headSize, t.pad, t.lh = 8, 7, s.u(0.8), s.u(3.8)
		}
		t.start()
		for _, row := range sec.Rows {
			cells := make([]string, len(row))
			for i, v := range row {
				cells[i] = cleanLine(v)
			}
			t.row(cells...)
		}
		f.Ln(s.u(3))
	}
	if sec.Chart != nil && len(sec.Chart.Labels) > 0 {
		drawBars(s, *sec.Chart)
	}
}

// drawBars draws a horizontal bar chart: labels on the left, bars scaled to the largest
// value, each value written after its bar.
func drawBars(s *sheet, ch BarChart) {
	f, g, cw := s.f, s.g, s.g.contentW()
	value := func(v float64) string {
		if ch.Format != "" {
			return fmt.Sprintf(ch.Format, v)
		}
		if r := math.Round(v); math.Abs(r) < 1e15 {
			return FormatCount(int(r))
		}
		return fmt.Sprintf("%.0f", v)
	}
	barH, gap := s.u(4.2), s.u(1.6)
	h := s.u(7) + float64(len(ch.Labels))*(barH+gap)
	s.keep(h)
	if ch.Title != "" {
		s.font("I", 10)
		f.MultiCell(cw, s.u(5.5), cleanLine(ch.Title), "", "L", false)
	}
	top := f.GetY() + s.u(1)
	labelW := cw * 0.34
	valueW := s.u(18)
	plotX, plotW := g.marginL+labelW+s.u(2), cw-labelW-s.u(2)-valueW
	maxV := 0.0
	for _, v := range ch.Values {
		maxV = max(maxV, v)
	}
	s.font("", 9)
	f.SetLineWidth(0.2)
	f.SetDrawColor(0, 0, 0)
	f.Line(plotX, top-s.u(0.5), plotX, top+float64(len(ch.Labels))*(barH+gap)-gap+s.u(0.5))
	for i, label := range ch.Labels {
		y := top + float64(i)*(barH+gap)
		l := cleanLine(label)
		for len(l) > 0 && f.GetStringWidth(l) > labelW {
			rs := []rune(l)
			l = string(rs[:len(rs)-1])
		}
		f.SetXY(g.marginL, y)
		f.CellFormat(labelW, barH, l, "", 0, "R", false, 0, "")
		w := 0.0
		if maxV > 0 {
			w = plotW * ch.Values[i] / maxV
		}
		if w > 0 {
			f.SetFillColor(70, 70, 70) // dark grey: prints the same in black and white
			f.Rect(plotX, y+s.u(0.4), w, barH-s.u(0.8), "F")
		}
		f.SetXY(plotX+w+s.u(1.5), y)
		f.CellFormat(valueW, barH, value(ch.Values[i]), "", 0, "L", false, 0, "")
	}
	f.SetXY(g.marginL, top+float64(len(ch.Labels))*(barH+gap)+s.u(3))
}

// FormatCount writes a count with the Vietnamese thousands separator ("12.345").
func FormatCount(n int) string {
	neg := n < 0
	if neg {
		n = -n
	}
	d := strconv.Itoa(n)
	var b strings.Builder
	for i, r := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
