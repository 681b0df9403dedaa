package printing

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// StopNotice is the "Thông báo dừng giải quyết hồ sơ" (Mẫu 05, new in TT 03/2025): the
// agency tells the citizen that it stops handling the dossier (or some of its procedures),
// from when and why. Its paper is A5 (Options.Size empty), A4 on request.
type StopNotice struct {
	Letterhead
	Number string    // the notice's number, printed "Số: …"; optional
	Date   time.Time // when the notice is issued, and the handling stops (the date line); required
	// Issuer is the agency speaking in the text; empty: the letterhead's agency.
	Issuer string

	Applicant   Applicant // Name required
	DossierCode string    // required
	ReceivedAt  time.Time // when the dossier was received; required
	Procedures  []string  // the procedures whose handling stops; at least one

	Reason     string // required
	LegalBasis string // the legal texts the stop rests on; optional
	Guidance   string // what the citizen may do next (take the papers back, fees); optional

	Signer     Signer
	Recipients []string // "Nơi nhận"; empty: "Như trên" and "Lưu: VT"
}

// Validate reports what is missing or too long for the notice to be printed.
func (n StopNotice) Validate() error {
	var c checker
	c.date(n.Date, "Date", "Thiếu ngày của thông báo. Lưu thông báo dừng rồi in lại.")
	c.letterhead(n.Letterhead)
	c.line(n.Number, "Số")
	c.line(n.Issuer, "Cơ quan thông báo")
	c.applicant(n.Applicant, "Thiếu họ tên người nộp hồ sơ. Mở lại hồ sơ rồi in lại.")
	c.required(n.DossierCode, "dossier code", "Thiếu mã hồ sơ. Mở lại hồ sơ rồi in lại.")
	c.line(n.DossierCode, "Mã hồ sơ")
	c.date(n.ReceivedAt, "ReceivedAt", "Thiếu thời gian nhận hồ sơ. Mở lại hồ sơ rồi in lại.")
	c.procedureNames(n.Procedures)
	c.required(n.Reason, "reason", "Chưa ghi lý do dừng giải quyết. Ghi lý do rồi in lại.")
	c.text(n.Reason, "Lý do")
	c.text(n.LegalBasis, "Căn cứ")
	c.text(n.Guidance, "Hướng dẫn")
	c.signer(n.Signer)
	c.count(len(n.Recipients), "Nơi nhận")
	for _, r := range n.Recipients {
		c.line(r, "Nơi nhận")
	}
	return c.err
}

func (n StopNotice) normalized() StopNotice {
	out := n
	out.Letterhead = n.Letterhead.normalized()
	out.Number, out.Issuer, out.DossierCode = cleanLine(n.Number), cleanLine(n.Issuer), cleanLine(n.DossierCode)
	out.Applicant = n.Applicant.normalized()
	out.Procedures = make([]string, len(n.Procedures))
	for i, p := range n.Procedures {
		out.Procedures[i] = cleanLine(p)
	}
	out.Reason, out.LegalBasis, out.Guidance = clean(n.Reason), clean(n.LegalBasis), clean(n.Guidance)
	out.Signer = n.Signer.normalized()
	out.Recipients = recipients(n.Recipients)
	return out
}

// RenderStopNotice renders the notice as a PDF into w, on A5 unless opt.Size says A4. The
// same input and Options give the same bytes.
func RenderStopNotice(w io.Writer, n StopNotice, opt Options) error {
	if err := n.Validate(); err != nil {
		return err
	}
	g, err := formPaper(opt, "A5")
	if err != nil {
		return err
	}
	n = n.normalized()
	err = renderForm(w, g, created(opt, n.Date), "Thông báo dừng giải quyết hồ sơ "+n.DossierCode,
		"Mã hồ sơ: "+n.DossierCode, func(s *sheet) { drawStopNotice(s, n) })
	if err != nil {
		return formError("thông báo dừng giải quyết", err)
	}
	return nil
}

func drawStopNotice(s *sheet, n StopNotice) {
	f, lh := s.f, s.u(lineH)
	who := issuer(n.Issuer, n.Letterhead)
	s.letterhead(n.Letterhead, n.Number, n.Date)
	s.title("THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "Mã hồ sơ: "+n.DossierCode)
	addressedTo(s, n.Applicant)

	received := capitalized(FormatVNDate(n.ReceivedAt)) + ", " + who + " tiếp nhận hồ sơ của " + addressee(n.Applicant) +
		", mã hồ sơ " + n.DossierCode + ", nội dung yêu cầu giải quyết: "
	if len(n.Procedures) == 1 {
		s.para("", bodySize, "J", received+n.Procedures[0]+".")
	} else {
		s.para("", bodySize, "J", strings.TrimSuffix(received, ": ")+fmt.Sprintf(" (%d thủ tục):", len(n.Procedures)))
		for i, p := range n.Procedures {
			s.listItem(fmt.Sprintf("%d.", i+1), func() {
				s.font("", bodySize)
				f.Write(lh, p)
			})
		}
	}
	stop := who + " thông báo dừng giải quyết hồ sơ nêu trên kể từ " + FormatVNDate(n.Date) + "."
	if len(n.Procedures) > 1 {
		stop = who + " thông báo dừng giải quyết các thủ tục nêu trên kể từ " + FormatVNDate(n.Date) + "."
	}
	if n.LegalBasis != "" {
		stop = "Căn cứ " + n.LegalBasis + ", " + stop
	}
	s.para("", bodySize, "J", stop)
	s.para("", bodySize, "J", "Lý do: "+n.Reason)
	var closing []string
	if n.Guidance != "" {
		closing = append(closing, n.Guidance)
	}
	closing = append(closing, "Trân trọng thông báo./.")
	closingAndSign(s, closing, []signer{n.Signer.block()}, n.Recipients)
}
