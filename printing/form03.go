package printing

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Refusal is the "Phiếu từ chối tiếp nhận giải quyết hồ sơ" (Mẫu 03): the reasons the
// dossier is refused (chosen from the service's list and typed) and the legal basis. Its
// paper is A5 (Options.Size empty), A4 on request.
type Refusal struct {
	Letterhead
	Number      string    // the document's number, printed "Số: …"; optional
	Date        time.Time // when the refusal is issued (the date line); required
	DossierCode string    // when the dossier had a code already; optional
	Officer     string    // the receiving officer who refuses; optional

	Applicant  Applicant // Name required
	Procedures []string  // what the dossier asks for; at least one

	Reasons []string // at least one; each printed as an item of the list
	// LegalBasis names the legal texts the refusal rests on; empty prints a blank to
	// fill by hand.
	LegalBasis string
}

// Validate reports what is missing or too long for the refusal to be printed.
func (r Refusal) Validate() error {
	var c checker
	c.date(r.Date, "Date", "Thiếu ngày lập phiếu từ chối. Lưu quyết định từ chối rồi in lại.")
	c.letterhead(r.Letterhead)
	c.line(r.Number, "Số")
	c.line(r.DossierCode, "Mã hồ sơ")
	c.line(r.Officer, "Người tiếp nhận")
	c.applicant(r.Applicant, "Thiếu họ tên người nộp hồ sơ. Nhập họ tên rồi in lại.")
	c.procedureNames(r.Procedures)
	if len(cleanList(r.Reasons)) == 0 {
		c.fail("Chưa có lý do từ chối. Chọn hoặc ghi lý do rồi in lại.", "no reason")
	}
	c.count(len(r.Reasons), "Lý do")
	for _, s := range r.Reasons {
		c.text(s, "Lý do")
	}
	c.text(r.LegalBasis, "Căn cứ")
	return c.err
}

func (r Refusal) normalized() Refusal {
	out := r
	out.Letterhead = r.Letterhead.normalized()
	out.Number, out.DossierCode, out.Officer = cleanLine(r.Number), cleanLine(r.DossierCode), cleanLine(r.Officer)
	out.Applicant = r.Applicant.normalized()
	out.Procedures = make([]string, len(r.Procedures))
	for i, p := range r.Procedures {
		out.Procedures[i] = cleanLine(p)
	}
	out.Reasons = cleanList(r.Reasons)
	out.LegalBasis = clean(r.LegalBasis)
	return out
}

// RenderRefusal renders the refusal as a PDF into w, on A5 unless opt.Size says A4. The
// same input and Options give the same bytes.
func RenderRefusal(w io.Writer, r Refusal, opt Options) error {
	if err := r.Validate(); err != nil {
		return err
	}
	g, err := formPaper(opt, "A5")
	if err != nil {
		return err
	}
	r = r.normalized()
	label := "Phiếu từ chối"
	if r.DossierCode != "" {
		label += " — Mã hồ sơ: " + r.DossierCode
	}
	err = renderForm(w, g, created(opt, r.Date), "Phiếu từ chối tiếp nhận giải quyết hồ sơ", label,
		func(s *sheet) { drawRefusal(s, r) })
	if err != nil {
		return formError("phiếu từ chối", err)
	}
	return nil
}

func drawRefusal(s *sheet, r Refusal) {
	f, lh := s.f, s.u(lineH)
	s.letterhead(r.Letterhead, r.Number, r.Date)
	sub := ""
	if r.DossierCode != "" {
		sub = "Mã hồ sơ: " + r.DossierCode
	}
	s.title("PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", sub)

	s.font("", bodySize)
	f.Write(lh, r.name()+" tiếp nhận hồ sơ của:")
	f.Ln(lh)
	s.field("Ông/bà", r.Applicant.Name, true)
	if r.Applicant.ID != "" {
		s.field("Số định danh cá nhân", r.Applicant.ID, false)
	}
	s.field("Số điện thoại", r.Applicant.Phone, false)
	s.field("Địa chỉ", r.Applicant.Address, false)
	procs := make([]Procedure, len(r.Procedures))
	for i, name := range r.Procedures {
		procs[i] = Procedure{Name: name}
	}
	s.procedures("Nội dung yêu cầu giải quyết", procs)

	f.Ln(s.u(1))
	lead := "Căn cứ quy định tại " + orDots(r.LegalBasis) + ", " + r.name() +
		" từ chối tiếp nhận, giải quyết hồ sơ của ông/bà với lý do cụ thể như sau:"
	first := reasonHeight(s, r.Reasons[0])
	s.keep(s.paraHeight("", bodySize, lead) + first)
	s.para("", bodySize, "J", lead)
	for i, reason := range r.Reasons {
		s.keep(reasonHeight(s, reason))
		marker := "-"
		if len(r.Reasons) > 1 {
			marker = fmt.Sprintf("%d.", i+1)
		}
		s.listItem(marker, func() {
			s.font("B", bodySize)
			f.Write(lh, reason)
		})
	}
	closingAndSign(s, []string{"Xin thông báo để ông/bà được biết và thực hiện./."},
		[]signer{{title: "NGƯỜI TIẾP NHẬN HỒ SƠ", hint: hintSign, name: r.Officer}}, nil)
}

// reasonHeight is the height of one item of a list of reasons.
func reasonHeight(s *sheet, reason string) float64 {
	return float64(len(s.lines("B", bodySize, s.itemWidth(), strings.TrimSpace(reason)))) * s.u(lineH)
}
