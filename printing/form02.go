package printing

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// SupplementItem is one thing the citizen must supply or correct.
type SupplementItem struct {
	Document string // the paper concerned, e.g. "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)"; required
	Problem  string // what is missing or wrong with it; required
	Guidance string // how to supply or correct it; optional
}

// SupplementSlip is the "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ" (Mẫu 02), printed for
// the citizen when the dossier is incomplete: per document what is missing or wrong, with
// guidance. The declaration is kept; the slip's QR code brings it back when the citizen
// returns. Its paper is A5 (Options.Size empty), A4 on request.
type SupplementSlip struct {
	Letterhead
	SlipCode    string    // the slip's number, printed "Số: …" and in the footer; required
	Date        time.Time // when the slip is issued (the date line); required
	DossierCode string    // when the dossier was received already (a supplement asked during processing); optional
	Officer     string    // the officer who guides ("Người hướng dẫn"); optional

	Applicant  Applicant        // Name required
	Procedures []string         // what the dossier asks for; at least one
	Items      []SupplementItem // at least one

	Reason  string // why the dossier cannot be received as it is; optional
	Contact string // whom to ask, e.g. "công chức Trần Văn Thử, số điện thoại 0241 000 000"; optional
	// QR is what the QR code carries (scanning it brings the kept declaration back);
	// required, at most MaxQRBytes of printable UTF-8.
	QR string
}

// Validate reports what is missing or too long for the slip to be printed.
func (s SupplementSlip) Validate() error {
	var c checker
	c.required(s.SlipCode, "slip code", "Phiếu chưa có số. Lưu yêu cầu bổ sung để cấp số rồi in lại.")
	c.line(s.SlipCode, "Số phiếu")
	c.date(s.Date, "Date", "Thiếu ngày lập phiếu. Lưu yêu cầu bổ sung rồi in lại.")
	c.letterhead(s.Letterhead)
	c.line(s.DossierCode, "Mã hồ sơ")
	c.line(s.Officer, "Người hướng dẫn")
	c.applicant(s.Applicant, "Thiếu họ tên người nộp hồ sơ. Nhập họ tên rồi in lại.")
	c.procedureNames(s.Procedures)
	if len(s.Items) == 0 {
		c.fail("Chưa ghi nội dung cần bổ sung. Ghi ít nhất một giấy tờ cần bổ sung rồi in lại.", "no item")
	}
	c.count(len(s.Items), "Nội dung cần bổ sung")
	for i, it := range s.Items {
		if strings.TrimSpace(it.Document) == "" || strings.TrimSpace(it.Problem) == "" {
			c.fail("Có dòng bổ sung chưa ghi giấy tờ hoặc nội dung thiếu. Sửa lại rồi in lại.", "item %d: empty document or problem", i+1)
		}
		c.line(it.Document, "Giấy tờ")
		c.text(it.Problem, "Nội dung cần bổ sung")
		c.text(it.Guidance, "Hướng dẫn")
	}
	c.text(s.Reason, "Lý do")
	c.line(s.Contact, "Liên hệ")
	c.qr(s.QR)
	return c.err
}

// qr checks the content of a QR code: given, short, printable UTF-8 (a handheld scanner
// types it back as keys).
func (c *checker) qr(v string) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		c.fail("Thiếu nội dung mã QR của phiếu. Lưu yêu cầu bổ sung rồi in lại.", "empty QR content")
	case len(v) > MaxQRBytes:
		c.fail("Nội dung mã QR quá dài. Báo quản trị.", "QR content of %d bytes, more than %d", len(v), MaxQRBytes)
	case !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		c.fail("Nội dung mã QR có ký tự không hợp lệ. Báo quản trị.", "QR content is not printable UTF-8")
	}
}

func (s SupplementSlip) normalized() SupplementSlip {
	out := s
	out.Letterhead = s.Letterhead.normalized()
	out.SlipCode, out.DossierCode, out.Officer = cleanLine(s.SlipCode), cleanLine(s.DossierCode), cleanLine(s.Officer)
	out.Applicant = s.Applicant.normalized()
	out.Procedures = make([]string, len(s.Procedures))
	for i, p := range s.Procedures {
		out.Procedures[i] = cleanLine(p)
	}
	out.Items = make([]SupplementItem, len(s.Items))
	for i, it := range s.Items {
		out.Items[i] = SupplementItem{Document: cleanLine(it.Document), Problem: clean(it.Problem), Guidance: clean(it.Guidance)}
	}
	out.Reason, out.Contact, out.QR = clean(s.Reason), cleanLine(s.Contact), strings.TrimSpace(s.QR)
	return out
}

// RenderSupplementSlip renders the slip as a PDF into w, on A5 unless opt.Size says A4.
// The same input and Options give the same bytes.
func RenderSupplementSlip(w io.Writer, s SupplementSlip, opt Options) error {
	if err := s.Validate(); err != nil {
		return err
	}
	g, err := formPaper(opt, "A5")
	if err != nil {
		return err
	}
	s = s.normalized()
	code, err := encodeQRM(s.QR)
	if err != nil {
		return formError("phiếu yêu cầu bổ sung", fmt.Errorf("qr encode: %w", err))
	}
	err = renderForm(w, g, created(opt, s.Date), "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ "+s.SlipCode, "Phiếu số "+s.SlipCode,
		func(sh *sheet) { drawSupplement(sh, s, code) })
	if err != nil {
		return formError("phiếu yêu cầu bổ sung", err)
	}
	return nil
}

func drawSupplement(s *sheet, p SupplementSlip, code *qrSymbol) {
	f, lh := s.f, s.u(lineH)
	s.letterhead(p.Letterhead, p.SlipCode, p.Date)
	sub := ""
	if p.DossierCode != "" {
		sub = "Mã hồ sơ: " + p.DossierCode
	}
	s.title("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", sub)
	s.withQR(code, "Quét mã khi nộp bổ sung", func() {
		s.font("", bodySize)
		f.Write(lh, p.name()+" đã kiểm tra hồ sơ của:")
		f.Ln(lh)
		s.field("Ông/bà", p.Applicant.Name, true)
		if p.Applicant.ID != "" {
			s.field("Số định danh cá nhân", p.Applicant.ID, false)
		}
		s.field("Số điện thoại", p.Applicant.Phone, false)
		s.field("Địa chỉ", p.Applicant.Address, false)
	})
	procs := make([]Procedure, len(p.Procedures))
	for i, name := range p.Procedures {
		procs[i] = Procedure{Name: name}
	}
	s.procedures("Nội dung yêu cầu giải quyết", procs)

	f.Ln(s.u(1))
	intro := "Yêu cầu ông/bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:"
	// The sentence that announces the list goes with the first item.
	s.keep(s.paraHeight("B", bodySize, intro) + itemHeight(s, p.Items[0]))
	s.para("B", bodySize, "L", intro)
	for i, it := range p.Items {
		s.keep(itemHeight(s, it))
		s.listItem(fmt.Sprintf("%d.", i+1), func() {
			s.font("B", bodySize)
			f.Write(lh, it.Document+": ")
			s.font("", bodySize)
			f.Write(lh, it.Problem)
			if it.Guidance != "" {
				f.Ln(lh)
				s.font("I", bodySize)
				f.Write(lh, "Hướng dẫn: "+it.Guidance)
			}
		})
	}
	if p.Reason != "" {
		f.Ln(s.u(1))
		s.para("", bodySize, "J", "Lý do: "+p.Reason)
	}

	contact := p.Contact
	if contact == "" {
		contact = p.name()
	}
	closing := []string{
		"Khi nộp bổ sung, ông/bà mang theo phiếu này: cán bộ quét mã trên phiếu để mở lại tờ khai đã lưu, ông/bà không phải khai lại.",
		"Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, ông/bà liên hệ " + contact + " để được hướng dẫn./.",
	}
	signers := []signer{{title: "NGƯỜI HƯỚNG DẪN", hint: hintSign, name: p.Officer}}
	closingAndSign(s, closing, signers, nil)
}

// closingAndSign writes the closing paragraphs of a form and its signatures, the last
// paragraph kept on the page of the signatures so that they never stand alone.
func closingAndSign(s *sheet, paras []string, bs []signer, recipients []string) {
	s.f.Ln(s.u(1))
	for i, p := range paras {
		if i == len(paras)-1 {
			s.keep(s.paraHeight("", bodySize, p) + s.u(6) + s.signaturesHeight(bs, recipients))
		}
		s.para("", bodySize, "J", p)
	}
	s.signatures(bs, recipients)
}

// itemHeight is the height of one supplement item in the list.
func itemHeight(s *sheet, it SupplementItem) float64 {
	w := s.itemWidth()
	n := len(s.lines("B", bodySize, w, it.Document+": "+it.Problem))
	if it.Guidance != "" {
		n += len(s.lines("I", bodySize, w, "Hướng dẫn: "+it.Guidance))
	}
	return float64(n) * s.u(lineH)
}
