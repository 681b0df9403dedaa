package printing

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// HandoverItem is one result paper handed over: the procedure it answers and the paper.
type HandoverItem struct {
	Procedure string // required
	Document  string // the paper's name ("Giấy xác nhận tình trạng hôn nhân"); required
	Number    string // its number, when it has one
	Copies    int    // 0 prints 01
}

// HandoverSlip is the "Phiếu bàn giao kết quả giải quyết thủ tục hành chính" some provinces
// print at the results desk (no national form: TT 03/2025 has none; its content follows the
// provinces' slips and Mẫu 01's header): the dossier, the results handed over, who received
// them (the requester, or a person with an authorisation, described), both signatures. Its
// paper is A5 (Options.Size empty), A4 on request.
type HandoverSlip struct {
	Letterhead
	Number string    // the slip's number, printed "Số: …"; optional
	Date   time.Time // when the results were handed over (the date line); required

	Applicant   Applicant // the requester; Name required
	DossierCode string    // required
	Service     string    // the service's name; required
	ReceivedAt  time.Time // required
	Appointment time.Time // the appointment in force; required
	Timeliness  string    // "trước hạn", "đúng hạn", "quá hạn"; optional

	Results []HandoverItem // at least one

	Receiver      string // who took the results; required
	ReceiverID    string // the receiver's ID number, printed masked but for its last 4 digits
	Authorisation string // the authorisation when the receiver is not the requester
	Officer       string // the officer who handed them over; optional
}

// Validate reports what is missing or too long for the slip to be printed.
func (h HandoverSlip) Validate() error {
	var c checker
	c.date(h.Date, "Date", "Thiếu thời gian trả kết quả. Mở lại hồ sơ rồi in lại.")
	c.letterhead(h.Letterhead)
	c.line(h.Number, "Số")
	c.applicant(h.Applicant, "Thiếu họ tên người nộp hồ sơ. Mở lại hồ sơ rồi in lại.")
	c.required(h.DossierCode, "dossier code", "Thiếu mã hồ sơ. Mở lại hồ sơ rồi in lại.")
	c.line(h.DossierCode, "Mã hồ sơ")
	c.required(h.Service, "service", "Thiếu tên thủ tục. Mở lại hồ sơ rồi in lại.")
	c.line(h.Service, "Thủ tục")
	c.date(h.ReceivedAt, "ReceivedAt", "Thiếu thời gian nhận hồ sơ. Mở lại hồ sơ rồi in lại.")
	c.date(h.Appointment, "Appointment", "Thiếu ngày hẹn trả kết quả. Mở lại hồ sơ rồi in lại.")
	c.line(h.Timeliness, "Tiến độ")
	if len(h.Results) == 0 {
		c.fail("Chưa có kết quả nào để bàn giao. Mở lại hồ sơ rồi in lại.", "no result handed over")
	}
	c.count(len(h.Results), "Kết quả")
	for i, r := range h.Results {
		c.required(r.Procedure, fmt.Sprintf("result %d procedure", i+1), "Thiếu tên thủ tục của một kết quả. Mở lại hồ sơ rồi in lại.")
		c.required(r.Document, fmt.Sprintf("result %d document", i+1), "Thiếu tên giấy tờ kết quả. Mở lại hồ sơ rồi in lại.")
		c.line(r.Procedure, "Thủ tục")
		c.line(r.Document, "Kết quả")
		c.line(r.Number, "Số")
		if r.Copies < 0 || r.Copies > 99 {
			c.fail("Số bản kết quả không hợp lệ. Kiểm tra lại rồi in lại.", "result %d: %d copies", i+1, r.Copies)
		}
	}
	c.required(h.Receiver, "receiver", "Thiếu họ tên người nhận kết quả. Ghi người nhận rồi in lại.")
	c.line(h.Receiver, "Người nhận")
	c.line(h.ReceiverID, "Số định danh")
	c.text(h.Authorisation, "Giấy ủy quyền")
	c.line(h.Officer, "Cán bộ")
	return c.err
}

func (h HandoverSlip) normalized() HandoverSlip {
	out := h
	out.Letterhead = h.Letterhead.normalized()
	out.Number, out.DossierCode, out.Service, out.Timeliness = cleanLine(h.Number), cleanLine(h.DossierCode), cleanLine(h.Service), cleanLine(h.Timeliness)
	out.Applicant = h.Applicant.normalized()
	out.Results = make([]HandoverItem, len(h.Results))
	for i, r := range h.Results {
		out.Results[i] = HandoverItem{Procedure: cleanLine(r.Procedure), Document: cleanLine(r.Document), Number: cleanLine(r.Number), Copies: r.Copies}
	}
	out.Receiver, out.ReceiverID, out.Officer = cleanLine(h.Receiver), cleanLine(h.ReceiverID), cleanLine(h.Officer)
	out.Authorisation = clean(h.Authorisation)
	return out
}

// MaskID keeps the last four digits of an ID number (the slip stays with the citizen and
// in the dossier; the full number is in the store).
func MaskID(id string) string {
	if len(id) <= 4 {
		return id
	}
	return strings.Repeat("*", len(id)-4) + id[len(id)-4:]
}

// RenderHandoverSlip renders the slip as a PDF into w, on A5 unless opt.Size says A4. The
// same input and Options give the same bytes.
func RenderHandoverSlip(w io.Writer, h HandoverSlip, opt Options) error {
	if err := h.Validate(); err != nil {
		return err
	}
	g, err := formPaper(opt, "A5")
	if err != nil {
		return err
	}
	h = h.normalized()
	err = renderForm(w, g, created(opt, h.Date), "Phiếu bàn giao kết quả "+h.DossierCode, "Mã hồ sơ: "+h.DossierCode,
		func(s *sheet) { drawHandoverSlip(s, h) })
	if err != nil {
		return formError("phiếu bàn giao kết quả", err)
	}
	return nil
}

func drawHandoverSlip(s *sheet, h HandoverSlip) {
	s.letterhead(h.Letterhead, h.Number, h.Date)
	s.title("PHIẾU BÀN GIAO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", "Mã hồ sơ: "+h.DossierCode)
	s.field("Người nộp hồ sơ", h.Applicant.Name, true)
	s.field("Thủ tục", h.Service, false)
	s.field("Nhận hồ sơ lúc", vnTimeShort(h.ReceivedAt), false)
	appt := vnTimeShort(h.Appointment)
	if h.Timeliness != "" {
		appt += " — trả kết quả " + h.Timeliness
	}
	s.field("Hẹn trả kết quả", appt, false)
	s.field("Trả kết quả lúc", vnTimeShort(h.Date), false)
	s.f.Ln(s.u(2))
	s.para("B", bodySize, "L", "Kết quả bàn giao:")
	t := s.table([]column{
		{title: "TT", w: s.u(10), align: "C"},
		{title: "Thủ tục", w: s.g.contentW() * 0.34, align: "L"},
		{title: "Giấy tờ kết quả", w: s.g.contentW()*0.66 - s.u(10) - s.u(18), align: "L"},
		{title: "Số bản", w: s.u(18), align: "C"},
	})
	t.start()
	for i, r := range h.Results {
		doc := r.Document
		if r.Number != "" {
			doc += "\nSố: " + r.Number
		}
		copies := r.Copies
		if copies == 0 {
			copies = 1
		}
		t.row(fmt.Sprintf("%d", i+1), r.Procedure, doc, fmt.Sprintf("%02d", copies))
	}
	s.f.Ln(s.u(2))
	who := h.Receiver
	if h.ReceiverID != "" {
		who += " (số định danh " + MaskID(h.ReceiverID) + ")"
	}
	if h.Authorisation != "" {
		s.field("Người nhận kết quả", who+", nhận thay theo "+h.Authorisation, true)
	} else {
		s.field("Người nhận kết quả", who+", là người nộp hồ sơ", true)
	}
	closingAndSign(s, []string{"Người nhận đã kiểm tra và nhận đủ các kết quả nêu trên."},
		[]signer{{title: "NGƯỜI NHẬN KẾT QUẢ", hint: hintSign, name: h.Receiver}, {title: "NGƯỜI TRẢ KẾT QUẢ", hint: hintSign, name: h.Officer}}, nil)
}
