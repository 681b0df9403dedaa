package printing

import (
	"fmt"
	"io"
	"time"
)

// HandoverSlip is the hand-over of a result to the citizen ("Phiếu bàn giao kết quả"), printed
// at the results desk where the province uses one: no form of TT 03/2025/TT-VPCP Phụ lục I
// sets it, so it follows the other forms' letterhead and carries what the hand-over records
// (the dossier, the result papers, when, who handed over, who received and how, the
// authorisation). Its paper is A5 (Options.Size empty), A4 on request.
type HandoverSlip struct {
	Letterhead
	Date        time.Time // when the result was handed over (the date line); required
	DossierCode string    // required
	ServiceName string    // required
	Applicant   Applicant // who filed the dossier; Name required
	ReceivedAt  time.Time // required
	Appointment time.Time // the appointment in force; optional
	Timeliness  string    // "trước hạn", "đúng hạn", "quá hạn"; optional
	Results     []HandoverResult
	Receiver    HandoverReceiver
	Officer     string // who handed over; optional
}

// HandoverResult is one result paper handed over.
type HandoverResult struct {
	Procedure string // the procedure it settles; optional
	Name      string // required
	Number    string // optional
	Issuer    string // optional
	Copies    int    // 0: not said
}

// HandoverReceiver is who collected the result.
type HandoverReceiver struct {
	Name string
	ID   string // required
	// Authorisation is the authorisation paper of a receiver who is not the requester
	// (empty: the requester collected).
	Authorisation string
}

// Validate reports what is missing or too long for the slip to be printed.
func (h HandoverSlip) Validate() error {
	var c checker
	c.date(h.Date, "Date", "Thiếu thời điểm trả kết quả. Mở lại hồ sơ rồi in lại.")
	c.letterhead(h.Letterhead)
	c.required(h.DossierCode, "dossier code", "Thiếu mã hồ sơ. Mở lại hồ sơ rồi in lại.")
	c.line(h.DossierCode, "Mã hồ sơ")
	c.required(h.ServiceName, "service", "Thiếu tên thủ tục. Mở lại hồ sơ rồi in lại.")
	c.line(h.ServiceName, "Thủ tục")
	c.applicant(h.Applicant, "Thiếu họ tên người nộp hồ sơ. Mở lại hồ sơ rồi in lại.")
	c.date(h.ReceivedAt, "ReceivedAt", "Thiếu thời gian nhận hồ sơ. Mở lại hồ sơ rồi in lại.")
	c.line(h.Timeliness, "Thời hạn")
	c.count(len(h.Results), "Kết quả")
	for _, r := range h.Results {
		c.required(r.Name, "result name", "Thiếu tên giấy tờ kết quả. Mở lại hồ sơ rồi in lại.")
		c.line(r.Procedure, "Thủ tục")
		c.line(r.Name, "Kết quả")
		c.line(r.Number, "Số")
		c.line(r.Issuer, "Cơ quan cấp")
	}
	c.required(h.Receiver.ID, "receiver ID", "Thiếu số định danh của người nhận. Xác định lại người nhận rồi in lại.")
	c.line(h.Receiver.ID, "Số định danh người nhận")
	c.line(h.Receiver.Name, "Người nhận")
	c.text(h.Receiver.Authorisation, "Giấy ủy quyền")
	c.line(h.Officer, "Người trả kết quả")
	return c.err
}

func (h HandoverSlip) normalized() HandoverSlip {
	out := h
	out.Letterhead = h.Letterhead.normalized()
	out.DossierCode, out.ServiceName, out.Timeliness, out.Officer = cleanLine(h.DossierCode), cleanLine(h.ServiceName), cleanLine(h.Timeliness), cleanLine(h.Officer)
	out.Applicant = h.Applicant.normalized()
	out.Results = make([]HandoverResult, len(h.Results))
	for i, r := range h.Results {
		out.Results[i] = HandoverResult{Procedure: cleanLine(r.Procedure), Name: cleanLine(r.Name), Number: cleanLine(r.Number),
			Issuer: cleanLine(r.Issuer), Copies: max(0, r.Copies)}
	}
	out.Receiver = HandoverReceiver{Name: cleanLine(h.Receiver.Name), ID: cleanLine(h.Receiver.ID), Authorisation: clean(h.Receiver.Authorisation)}
	return out
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
	f, lh := s.f, s.u(lineH)
	s.letterhead(h.Letterhead, "", h.Date)
	s.title("PHIẾU BÀN GIAO KẾT QUẢ GIẢI QUYẾT HỒ SƠ", "Mã hồ sơ: "+h.DossierCode)

	s.field("Thủ tục", h.ServiceName, true)
	s.field("Người nộp hồ sơ", h.Applicant.Name, false)
	received := "Nhận hồ sơ: " + FormatVNTime(h.ReceivedAt)
	if !h.Appointment.IsZero() {
		received += "; hẹn trả: " + FormatVNTime(h.Appointment)
	}
	s.para("", bodySize, "L", received)
	returned := "Trả kết quả: " + FormatVNTime(h.Date)
	if h.Timeliness != "" {
		returned += " (" + h.Timeliness + ")"
	}
	s.para("", bodySize, "L", returned)

	f.Ln(s.u(1))
	s.font("", bodySize)
	f.Write(lh, h.name()+" bàn giao các giấy tờ kết quả sau:")
	f.Ln(lh)
	if len(h.Results) == 0 {
		s.listItem("-", func() { s.font("", bodySize); f.Write(lh, "Kết quả giải quyết: "+h.ServiceName) })
	}
	for i, r := range h.Results {
		text := r.Name
		if r.Number != "" {
			text += ", số " + r.Number
		}
		if r.Issuer != "" {
			text += ", do " + r.Issuer + " cấp"
		}
		if r.Copies > 0 {
			text += fmt.Sprintf(" (%d bản)", r.Copies)
		}
		if r.Procedure != "" && len(h.Results) > 1 && r.Procedure != h.ServiceName {
			text += " — " + r.Procedure
		}
		s.listItem(fmt.Sprintf("%d.", i+1), func() { s.font("", bodySize); f.Write(lh, text) })
	}

	f.Ln(s.u(1))
	who := h.Receiver.Name
	if who == "" {
		who = "………………………"
	}
	s.field("Người nhận", who, true)
	s.field("Số định danh cá nhân", h.Receiver.ID, false)
	if h.Receiver.Authorisation != "" {
		s.para("", bodySize, "J", "Nhận thay người nộp hồ sơ theo giấy ủy quyền: "+h.Receiver.Authorisation)
	} else {
		s.para("", bodySize, "J", "Là người nộp hồ sơ.")
	}
	closingAndSign(s, []string{"Người nhận đã kiểm tra đủ các giấy tờ kết quả nêu trên./."},
		[]signer{{title: "NGƯỜI TRẢ KẾT QUẢ", hint: hintSign, name: h.Officer}, {title: "NGƯỜI NHẬN KẾT QUẢ", hint: hintSign, name: h.Receiver.Name}}, nil)
}
