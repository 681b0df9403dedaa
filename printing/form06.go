package printing

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// The result column of the control sheet (Mẫu 06) takes one of these, or nothing yet.
const (
	ResultEarly  = "Trước hạn"
	ResultOnTime = "Đúng hạn"
	ResultLate   = "Quá hạn"
)

// Handover is one hand-over of a paper dossier between desks or agencies, a row of the
// control sheet.
type Handover struct {
	From     string    // who hands over, e.g. "Bộ phận Tiếp nhận và Trả kết quả"; empty prints a blank
	To       string    // who receives, e.g. "Công chức Tư pháp - Hộ tịch"; empty prints a blank
	At       time.Time // when; zero prints a blank to fill by hand
	Giver    string    // the name under "Người giao"; optional
	Receiver string    // the name under "Người nhận"; optional
	Result   string    // ResultEarly, ResultOnTime, ResultLate or empty
	Note     string    // optional
}

// ControlSheet is the "Phiếu kiểm soát quá trình giải quyết hồ sơ" (Mẫu 06), which goes
// with a paper dossier between desks: printed at reception with its first hand-over rows
// (and blank rows to fill by hand), reprinted brought up to date from the dossier's
// history. Its paper is A4 (Options.Size empty), A5 on request.
type ControlSheet struct {
	Letterhead
	Date time.Time // the date line (when printed); zero means ReceivedAt

	DossierCode string      // required
	Applicant   Applicant   // Name required
	Procedures  []Procedure // what the dossier asks for, with each appointment; at least one
	ReceivedAt  time.Time   // required

	Handler     string // "Cơ quan (bộ phận) giải quyết hồ sơ"; empty prints a blank
	Cooperating string // "Cơ quan phối hợp giải quyết hồ sơ"; empty prints a blank

	Handovers []Handover // the history, oldest first
	BlankRows int        // empty rows after the history, for hand-overs written by hand
}

// Validate reports what is missing or too long for the sheet to be printed.
func (c ControlSheet) Validate() error {
	var k checker
	k.letterhead(c.Letterhead)
	k.required(c.DossierCode, "dossier code", "Chưa có mã hồ sơ. Lưu hồ sơ để cấp mã rồi in lại.")
	k.line(c.DossierCode, "Mã hồ sơ")
	k.applicant(c.Applicant, "Thiếu họ tên người nộp hồ sơ. Mở lại hồ sơ rồi in lại.")
	k.date(c.ReceivedAt, "ReceivedAt", "Thiếu thời gian nhận hồ sơ. Lưu hồ sơ rồi in lại.")
	if len(c.Procedures) == 0 {
		k.fail("Hồ sơ chưa có thủ tục nào. Chọn thủ tục rồi in lại.", "no procedure")
	}
	k.count(len(c.Procedures), "Thủ tục")
	for i, p := range c.Procedures {
		if strings.TrimSpace(p.Name) == "" {
			k.fail("Có thủ tục chưa có tên. Chọn lại thủ tục rồi in lại.", "procedure %d has no name", i+1)
		}
		k.line(p.Name, "Thủ tục")
		k.line(p.Handler, "Cơ quan giải quyết")
	}
	k.line(c.Handler, "Cơ quan giải quyết")
	k.line(c.Cooperating, "Cơ quan phối hợp")
	k.count(len(c.Handovers), "Giao nhận hồ sơ")
	for _, h := range c.Handovers {
		for _, v := range []string{h.From, h.To, h.Giver, h.Receiver, h.Result} {
			k.line(v, "Giao nhận hồ sơ")
		}
		k.text(h.Note, "Ghi chú")
	}
	if c.BlankRows < 0 || c.BlankRows > MaxListItems {
		k.fail("Số dòng trống của phiếu kiểm soát không hợp lệ. Báo quản trị.", "BlankRows %d", c.BlankRows)
	}
	k.count(len(c.Handovers)+c.BlankRows, "Giao nhận hồ sơ")
	return k.err
}

func (c ControlSheet) normalized() ControlSheet {
	out := c
	out.Letterhead = c.Letterhead.normalized()
	if out.Date.IsZero() {
		out.Date = c.ReceivedAt
	}
	out.DossierCode = cleanLine(c.DossierCode)
	out.Applicant = c.Applicant.normalized()
	out.Procedures = make([]Procedure, len(c.Procedures))
	for i, p := range c.Procedures {
		out.Procedures[i] = Procedure{Name: cleanLine(p.Name), Appointment: p.Appointment, Handler: cleanLine(p.Handler)}
	}
	out.Handler, out.Cooperating = cleanLine(c.Handler), cleanLine(c.Cooperating)
	out.Handovers = make([]Handover, len(c.Handovers))
	for i, h := range c.Handovers {
		out.Handovers[i] = Handover{From: cleanLine(h.From), To: cleanLine(h.To), At: h.At, Giver: cleanLine(h.Giver),
			Receiver: cleanLine(h.Receiver), Result: cleanLine(h.Result), Note: clean(h.Note)}
	}
	return out
}

// RenderControlSheet renders the sheet as a PDF into w, on A4 unless opt.Size says A5.
// The same input and Options give the same bytes.
func RenderControlSheet(w io.Writer, c ControlSheet, opt Options) error {
	if err := c.Validate(); err != nil {
		return err
	}
	g, err := formPaper(opt, "A4")
	if err != nil {
		return err
	}
	c = c.normalized()
	err = renderForm(w, g, created(opt, c.Date), "Phiếu kiểm soát quá trình giải quyết hồ sơ "+c.DossierCode,
		"Mã hồ sơ: "+c.DossierCode, func(s *sheet) { drawControlSheet(s, c) })
	if err != nil {
		return formError("phiếu kiểm soát", err)
	}
	return nil
}

// postNote is the note under the table of TT 01/2018's control sheet.
const postNote = "Ghi chú: Trường hợp hồ sơ được chuyển qua dịch vụ bưu chính thì thời gian giao, nhận hồ sơ và việc ký nhận thể hiện trong hóa đơn của cơ quan bưu chính."

func drawControlSheet(s *sheet, c ControlSheet) {
	f, lh := s.f, s.u(lineH)
	s.letterhead(c.Letterhead, "", c.Date)
	s.title("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Mã hồ sơ: "+c.DossierCode)

	s.field("Kèm theo hồ sơ của", c.Applicant.Name, true)
	s.procedures("Nội dung yêu cầu giải quyết", c.Procedures)
	s.field("Thời gian nhận hồ sơ", vnTimeOrBlank(c.ReceivedAt), true)
	if len(c.Procedures) == 1 {
		s.field("Thời gian trả kết quả giải quyết hồ sơ", vnTimeOrBlank(c.Procedures[0].Appointment), true)
	} else {
		s.font("", bodySize)
		f.Write(lh, "Thời gian trả kết quả giải quyết hồ sơ:")
		f.Ln(lh)
		for i, p := range c.Procedures {
			s.listItem(fmt.Sprintf("%d.", i+1), func() {
				s.font("", bodySize)
				f.Write(lh, p.Name+": ")
				s.font("B", bodySize)
				f.Write(lh, vnTimeOrBlank(p.Appointment))
			})
		}
	}
	s.field("Cơ quan (bộ phận) giải quyết hồ sơ", c.Handler, false)
	s.field("Cơ quan phối hợp giải quyết hồ sơ", c.Cooperating, false)
	f.Ln(s.u(2))

	cw := s.g.contentW()
	t := s.table([]column{
		{title: "TÊN CƠ QUAN", w: s.u(44), align: "L"},
		{title: "THỜI GIAN GIAO, NHẬN HỒ SƠ", w: cw - s.u(44+30+24), align: "C"},
		{title: "KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/ đúng hạn/ quá hạn)", w: s.u(30), align: "C"},
		{title: "GHI CHÚ", w: s.u(24), align: "L"},
	})
	t.headSize = 10.5
	rows := append([]Handover(nil), c.Handovers...)
	for range c.BlankRows {
		rows = append(rows, Handover{})
	}
	noteH := s.paraHeight("I", 10.5, postNote) + s.u(2)
	if len(rows) == 0 {
		t.start()
	} else {
		// The header goes with the first row.
		s.keep(t.headHeight() + handoverHeight(s, t, rows[0]))
		s.f.SetLineWidth(0.2)
		t.head()
	}
	for i, h := range rows {
		extra := 0.0
		if i == len(rows)-1 {
			extra = noteH // the note under the table goes with the last row
		}
		drawHandover(s, t, h, extra)
	}
	f.Ln(s.u(2))
	s.para("I", 10.5, "J", postNote)
}

// handoverCells are the texts of a hand-over row: the two parties, the time line, the
// result, the note.
func handoverCells(h Handover) (from, to, at string) {
	from, to = h.From, h.To
	if from == "" {
		from = dots
	}
	if to == "" {
		to = dots
	}
	at = "…… giờ …… phút, ngày ……/……/…………"
	if !h.At.IsZero() {
		at = fmt.Sprintf("%02d giờ %02d phút, ngày %s", h.At.Hour(), h.At.Minute(), vnDay(h.At))
	}
	return from, to, at
}

// handoverLayout is the measured content of a hand-over row.
type handoverLayout struct {
	from, to, at, giver, receiver, result, note []string
	partiesH, timeH, signH, h                   float64
}

func measureHandover(s *sheet, t *table, h Handover) handoverLayout {
	from, to, at := handoverCells(h)
	c := t.cols
	pad, lh := t.pad, t.lh
	half := c[1].w / 2
	// Each cell is cut (ending in "…") past a number of lines that keeps the tallest row
	// within a page, whatever the input.
	var m handoverLayout
	m.from = capLines(s.lines("", t.size, c[0].w-2*pad, from), 8)
	m.to = capLines(s.lines("", t.size, c[0].w-2*pad, to), 8)
	m.at = capLines(s.lines("", t.size, c[1].w-2*pad, at), 3)
	m.giver = capLines(s.lines("", t.size, half-2*pad, h.Giver), 4)
	m.receiver = capLines(s.lines("", t.size, half-2*pad, h.Receiver), 4)
	m.result = capLines(s.lines("B", t.size, c[2].w-2*pad, h.Result), 4)
	m.note = capLines(s.lines("", t.size, c[3].w-2*pad, h.Note), 24)
	m.partiesH = float64(2+len(m.from)+len(m.to))*lh + s.u(2) + 2*pad
	m.timeH = float64(len(m.at))*lh + 2*pad
	names := max(len(m.giver), len(m.receiver))
	m.signH = lh + s.u(14) + float64(names)*lh + 2*pad
	m.h = max(m.partiesH, m.timeH+m.signH, float64(len(m.result))*lh+2*pad, float64(len(m.note))*lh+2*pad)
	return m
}

// capLines keeps the first n lines, the last of them ending in "…" when some were cut.
func capLines(lines []string, n int) []string {
	if len(lines) <= n {
		return lines
	}
	out := append([]string(nil), lines[:n]...)
	out[n-1] = strings.TrimRight(out[n-1], " ") + "…"
	return out
}

func handoverHeight(s *sheet, t *table, h Handover) float64 { return measureHandover(s, t, h).h }

// drawHandover draws one hand-over row, whole on a page together with extra below it.
func drawHandover(s *sheet, t *table, h Handover, extra float64) {
	f, g := s.f, s.g
	m := measureHandover(s, t, h)
	c := t.cols
	pad, lh := t.pad, t.lh
	y := t.ensure(m.h + extra)
	x := g.marginL
	text := func(x, y, w float64, style string, lines []string, align string) float64 {
		s.font(style, t.size)
		for _, line := range lines {
			f.SetXY(x, y)
			f.CellFormat(w, lh, line, "", 0, align, false, 0, "")
			y += lh
		}
		return y
	}
	for _, col := range c {
		f.Rect(x, y, col.w, m.h, "D")
		x += col.w
	}
	// The parties: "1. Giao:" and "2. Nhận:" each with its desk.
	x = g.marginL + pad
	yy := text(x, y+pad, c[0].w-2*pad, "B", []string{"1. Giao:"}, "L")
	yy = text(x, yy, c[0].w-2*pad, "", m.from, "L")
	yy = text(x, yy+s.u(2), c[0].w-2*pad, "B", []string{"2. Nhận:"}, "L")
	text(x, yy, c[0].w-2*pad, "", m.to, "L")
	// The time, a rule, then the giver's and the receiver's signatures side by side.
	x = g.marginL + c[0].w
	text(x+pad, y+pad, c[1].w-2*pad, "", m.at, "C")
	rule := y + m.timeH
	f.Line(x, rule, x+c[1].w, rule)
	half := c[1].w / 2
	f.Line(x+half, rule, x+half, y+m.h)
	for i, b := range []struct {
		title string
		name  []string
	}{{"Người giao", m.giver}, {"Người nhận", m.receiver}} {
		bx := x + float64(i)*half
		text(bx+pad, rule+pad, half-2*pad, "B", []string{b.title}, "C")
		text(bx+pad, rule+pad+lh+s.u(14), half-2*pad, "", b.name, "C")
	}
	x += c[1].w
	text(x+pad, y+pad, c[2].w-2*pad, "B", m.result, "C")
	x += c[2].w
	text(x+pad, y+pad, c[3].w-2*pad, "", m.note, "L")
	f.SetXY(g.marginL, y+m.h)
}
