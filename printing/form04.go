package printing

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// LateProcedure is a procedure of the dossier whose result is late.
type LateProcedure struct {
	Name           string    // required
	Appointment    time.Time // the appointment on the receipt; required
	NewAppointment time.Time // the new appointment proposed; required, after Appointment
}

// Apology is the "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết" (Mẫu 04): the
// agency at fault apologises for the late procedures, says why, and proposes a new
// appointment. Its paper is A5 (Options.Size empty), A4 on request.
type Apology struct {
	Letterhead
	Number string    // the letter's number, printed "Số: …"; optional
	Date   time.Time // when the letter is issued (the date line); required
	// Issuer is the agency speaking in the text ("Ủy ban nhân dân phường Ba Đình");
	// empty: the letterhead's agency.
	Issuer string

	Applicant   Applicant // Name required
	DossierCode string    // required
	ReceivedAt  time.Time // when the dossier was received; required

	Late   []LateProcedure // at least one
	Reason string          // why the result is late; required

	Signer     Signer
	Recipients []string // "Nơi nhận"; empty: "Như trên" and "Lưu: VT"
}

// Validate reports what is missing, inconsistent or too long for the letter to be printed.
func (a Apology) Validate() error {
	var c checker
	c.date(a.Date, "Date", "Thiếu ngày của văn bản xin lỗi. Lưu văn bản rồi in lại.")
	c.letterhead(a.Letterhead)
	c.line(a.Number, "Số")
	c.line(a.Issuer, "Cơ quan xin lỗi")
	c.applicant(a.Applicant, "Thiếu họ tên người nộp hồ sơ. Mở lại hồ sơ rồi in lại.")
	c.required(a.DossierCode, "dossier code", "Thiếu mã hồ sơ. Mở lại hồ sơ rồi in lại.")
	c.line(a.DossierCode, "Mã hồ sơ")
	c.date(a.ReceivedAt, "ReceivedAt", "Thiếu thời gian nhận hồ sơ. Mở lại hồ sơ rồi in lại.")
	if len(a.Late) == 0 {
		c.fail("Chưa có thủ tục trễ hẹn nào. Chọn thủ tục trễ hẹn rồi in lại.", "no late procedure")
	}
	c.count(len(a.Late), "Thủ tục trễ hẹn")
	for i, p := range a.Late {
		c.required(p.Name, "late procedure name", "Có thủ tục chưa có tên. Chọn lại thủ tục rồi in lại.")
		c.line(p.Name, "Thủ tục")
		c.date(p.Appointment, "Appointment", "Thiếu ngày hẹn cũ của thủ tục. Mở lại hồ sơ rồi in lại.")
		c.date(p.NewAppointment, "NewAppointment", "Chưa có ngày hẹn mới. Tính ngày hẹn mới rồi in lại.")
		if !p.Appointment.IsZero() && !p.NewAppointment.After(p.Appointment) {
			c.fail("Ngày hẹn mới phải sau ngày hẹn cũ. Tính lại ngày hẹn mới rồi in lại.", "procedure %d: new appointment not after the old one", i+1)
		}
	}
	c.required(a.Reason, "reason", "Chưa ghi lý do trễ hẹn. Ghi lý do rồi in lại.")
	c.text(a.Reason, "Lý do")
	c.signer(a.Signer)
	c.count(len(a.Recipients), "Nơi nhận")
	for _, r := range a.Recipients {
		c.line(r, "Nơi nhận")
	}
	return c.err
}

func (a Apology) normalized() Apology {
	out := a
	out.Letterhead = a.Letterhead.normalized()
	out.Number, out.Issuer, out.DossierCode = cleanLine(a.Number), cleanLine(a.Issuer), cleanLine(a.DossierCode)
	out.Applicant = a.Applicant.normalized()
	out.Late = make([]LateProcedure, len(a.Late))
	for i, p := range a.Late {
		out.Late[i] = LateProcedure{Name: cleanLine(p.Name), Appointment: p.Appointment, NewAppointment: p.NewAppointment}
	}
	out.Reason = clean(a.Reason)
	out.Signer = a.Signer.normalized()
	out.Recipients = recipients(a.Recipients)
	return out
}

// recipients is the "Nơi nhận" list as printed, the usual one when none is given.
func recipients(rs []string) []string {
	var out []string
	for _, r := range rs {
		if r = cleanLine(r); r != "" {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return []string{"Như trên;", "Lưu: VT."}
	}
	return out
}

// RenderApology renders the letter as a PDF into w, on A5 unless opt.Size says A4. The
// same input and Options give the same bytes.
func RenderApology(w io.Writer, a Apology, opt Options) error {
	if err := a.Validate(); err != nil {
		return err
	}
	g, err := formPaper(opt, "A5")
	if err != nil {
		return err
	}
	a = a.normalized()
	err = renderForm(w, g, created(opt, a.Date), "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết "+a.DossierCode,
		"Mã hồ sơ: "+a.DossierCode, func(s *sheet) { drawApology(s, a) })
	if err != nil {
		return formError("văn bản xin lỗi", err)
	}
	return nil
}

// issuer is the agency speaking in a letter.
func issuer(explicit string, h Letterhead) string {
	if explicit != "" {
		return explicit
	}
	return h.name()
}

// capitalized is s with its first letter upper-case.
func capitalized(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}

// addressedTo writes "Kính gửi: ông/bà …" and the applicant's address under it, centred.
func addressedTo(s *sheet, a Applicant) {
	f, cw := s.f, s.g.contentW()
	s.font("B", bodySize)
	f.MultiCell(cw, s.u(lineH), "Kính gửi: "+addressee(a), "", "C", false)
	var contact []string
	if a.Address != "" {
		contact = append(contact, "Địa chỉ: "+a.Address)
	}
	if a.Phone != "" {
		contact = append(contact, "số điện thoại: "+a.Phone)
	}
	if len(contact) > 0 {
		s.font("I", 11)
		f.MultiCell(cw, s.u(5.5), "("+capitalized(strings.Join(contact, "; "))+")", "", "C", false)
	}
	f.Ln(s.u(2))
}

func drawApology(s *sheet, a Apology) {
	who := issuer(a.Issuer, a.Letterhead)
	s.letterhead(a.Letterhead, a.Number, a.Date)
	s.title("VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT", "Mã hồ sơ: "+a.DossierCode)
	addressedTo(s, a.Applicant)

	s.para("", bodySize, "J", capitalized(FormatVNDate(a.ReceivedAt))+", "+who+" tiếp nhận hồ sơ của "+addressee(a.Applicant)+
		", mã hồ sơ "+a.DossierCode+". Các thủ tục sau chưa có kết quả đúng thời hạn ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả:")
	s.f.Ln(s.u(1))
	cw := s.g.contentW()
	t := s.table([]column{
		{title: "STT", w: s.u(12), align: "C"},
		{title: "Thủ tục", w: cw - s.u(12+40+40), align: "L"},
		{title: "Hẹn trả kết quả", w: s.u(40), align: "C"},
		{title: "Đề nghị gia hạn đến", w: s.u(40), align: "C"},
	})
	t.start()
	for i, p := range a.Late {
		t.row(fmt.Sprintf("%d", i+1), p.Name, vnTimeShort(p.Appointment), vnTimeShort(p.NewAppointment))
	}
	s.f.Ln(s.u(2))
	s.para("", bodySize, "J", "Lý do chậm trễ: "+a.Reason)
	when := "vào thời gian ghi ở cột \"Đề nghị gia hạn đến\""
	if len(a.Late) == 1 {
		when = "vào " + vnTimeOrBlank(a.Late[0].NewAppointment)
	}
	closingAndSign(s, []string{
		"Sự chậm trễ này đã gây phiền hà cho ông/bà. " + who + " xin lỗi ông/bà và đề nghị gia hạn thời gian giải quyết hồ sơ: kết quả sẽ được trả " + when + ".",
		"Mong nhận được sự thông cảm của ông/bà./.",
	}, []signer{a.Signer.block()}, a.Recipients)
}
