package printing

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// sheet is the page machinery every printed form shares, the receipt (Mẫu 01) and the
// one-stop forms 02-07 alike: the fonts and sizes scaled to the paper, the letterhead
// (agency on the left, national motto and the place and date line on the right), labelled
// fields, lists with a hanging indent, tables whose header is repeated on every page,
// signature blocks kept on one page, QR codes, and the page numbers of a form that runs
// over one page. One fpdf document may hold several forms one after the other (a batch of
// receipts): each starts on a new page and numbers its own pages.
type sheet struct {
	f *fpdf.Fpdf
	g geometry

	label  string // names the current form in the footer of its pages ("Mã hồ sơ: …")
	idx    int    // index of the current form in the document (its page-count alias)
	start  int    // page number of the current form's first page
	ending bool   // the current form is drawn: the next footer closes it
	fresh  bool   // the document's first page is open and empty: the first form takes it

	aliases map[string]string // the page counts of the forms over several pages, by alias
}

// renderForm draws one form into a new document on paper g and writes it to w. label
// names the form in the footer of its pages when it runs over one page.
func renderForm(w io.Writer, g geometry, created time.Time, title, label string, body func(s *sheet)) error {
	s := &sheet{g: g, fresh: true}
	d, err := drawDoc(g, func(f *fpdf.Fpdf) error {
		s.f = f
		f.SetFooterFunc(s.footer)
		s.begin(0, label)
		body(s)
		s.end()
		finish(f, s.footer)
		return nil
	})
	if err == nil {
		err = d.seal(s.aliases)
	}
	if err != nil {
		return fmt.Errorf("layout: %w", err)
	}
	return d.write(w, docInfo{created: created, title: title})
}

// setGeometry draws what follows with geometry g (a receipt tightened to fit one page):
// its sizes, and the automatic page break at its bottom, the one the layout measures with.
func (s *sheet) setGeometry(g geometry) {
	s.g = g
	s.f.SetAutoPageBreak(true, g.breakMargin())
}

// begin starts a form on a new page (which draws the previous form's last footer).
func (s *sheet) begin(idx int, label string) {
	if s.fresh {
		s.fresh = false
	} else {
		s.f.AddPage()
	}
	s.label, s.idx, s.start, s.ending = label, idx, s.f.PageNo(), false
}

// end closes the current form. The page count of a form over several pages replaces its
// alias when the document is written. One-page forms print no number and register no
// alias: every page is scanned for every alias.
func (s *sheet) end() {
	if n := s.f.PageNo() - s.start + 1; n > 1 {
		if s.aliases == nil {
			s.aliases = map[string]string{}
		}
		s.aliases[s.nbAlias()] = strconv.Itoa(n)
	}
	s.ending = true
}

func (s *sheet) nbAlias() string { return "{nb" + strconv.Itoa(s.idx) + "}" }

// footer numbers the pages of a form that runs over one page. A form's first page's
// footer is drawn either when its page 2 starts (more pages) or when the form is done (a
// single page: no number).
func (s *sheet) footer() {
	f, g := s.f, s.g
	if s.ending && f.PageNo() == s.start {
		return
	}
	f.SetY(-(g.marginB + 2*g.ls))
	s.font("I", 9)
	f.CellFormat(0, s.u(4), fmt.Sprintf("%s — Trang %d/%s", s.label, f.PageNo()-s.start+1, s.nbAlias()), "", 0, "C", false, 0, "")
}

// font sets a face at an A4 size, scaled to the paper. fpdf writes a font selection into
// the page each time SetFont is called, even for the font in use: measuring text calls
// this often, so the face in use is left alone.
func (s *sheet) font(style string, size float64) {
	pt := size * s.g.fs
	if cur, _ := s.f.GetFontSize(); cur == pt && s.f.GetFontStyle() == style && s.f.GetFontFamily() == family {
		return
	}
	s.f.SetFont(family, style, pt)
}

// u scales an A4 length in mm to the paper.
func (s *sheet) u(mm float64) float64 { return mm * s.g.ls }

// fit returns the largest A4 size <= max at which str fits in w with the given style (and
// leaves the font set to it), never printing below 7 pt.
func (s *sheet) fit(style, str string, max, w float64) float64 {
	size := max
	for ; size*s.g.fs > 7; size -= 0.5 {
		s.font(style, size)
		if s.f.GetStringWidth(str) <= w {
			break
		}
	}
	return size
}

// lines splits text into the lines it takes in width w with the given face (and leaves
// the font set to it).
func (s *sheet) lines(style string, size, w float64, text string) []string {
	s.font(style, size)
	if text == "" {
		return []string{""}
	}
	return s.f.SplitText(text, w)
}

// keep starts a new page unless a block of height h fits below the current position: a
// block that must not be split (a list item, a signature block with the sentence that
// leads to it) then moves whole to the next page.
func (s *sheet) keep(h float64) {
	if s.f.GetY()+h > s.g.bottom() {
		s.f.AddPage()
	}
}

func orDots(s string) string {
	if s == "" {
		return dots
	}
	return s
}

// Letterhead is the top of every form: the agency on the left (its parent in capitals,
// the agency itself in bold capitals, an optional address), the national motto on the
// right with the place and date line under it.
type Letterhead struct {
	ParentAgency  string // e.g. "UBND phường Ba Đình"; printed upper-case
	Agency        string // e.g. "Bộ phận Tiếp nhận và Trả kết quả"; printed upper-case, bold
	AgencyAddress string // optional, printed small under the agency
	Place         string // place of the date line, e.g. "Phường Ba Đình"
}

func (h Letterhead) normalized() Letterhead {
	return Letterhead{ParentAgency: cleanLine(h.ParentAgency), Agency: cleanLine(h.Agency), AgencyAddress: cleanLine(h.AgencyAddress), Place: cleanLine(h.Place)}
}

// name is the agency as the text of a form names it: the agency, or its parent when the
// agency is not given.
func (h Letterhead) name() string {
	switch {
	case h.Agency != "":
		return h.Agency
	case h.ParentAgency != "":
		return h.ParentAgency
	}
	return "Bộ phận Tiếp nhận và Trả kết quả"
}

// letterhead draws the agency and the national motto side by side, with the document
// number ("Số: …", when not empty) under the agency and the place and date line under the
// motto, and leaves the position under both.
func (s *sheet) letterhead(h Letterhead, number string, date time.Time) {
	f, g := s.f, s.g
	leftW := g.leftW
	gap := s.u(1)
	rightX, rightW := g.marginL+leftW+gap, g.contentW()-leftW-gap
	y0 := f.GetY()

	// Left: parent agency, agency (bold), short rule, address, number.
	leftMid := g.marginL + leftW/2
	f.SetXY(g.marginL, y0)
	if h.ParentAgency != "" {
		parent := strings.ToUpper(h.ParentAgency)
		s.font("", max(10.5, s.fit("", parent, 12, leftW)))
		f.MultiCell(leftW, s.u(5.5), parent, "", "C", false)
	}
	f.SetX(g.marginL)
	agency := strings.ToUpper(orDots(h.Agency))
	s.font("B", max(10.5, s.fit("B", agency, 12, leftW)))
	f.MultiCell(leftW, s.u(5.5), agency, "", "C", false)
	y := f.GetY() + 1.2 // not scaled: the rule must clear the descenders
	f.SetLineWidth(0.3)
	f.Line(leftMid-s.u(12), y, leftMid+s.u(12), y)
	leftEnd := y
	if h.AgencyAddress != "" {
		f.SetXY(g.marginL, y+s.u(1.5))
		s.font("I", 9)
		f.MultiCell(leftW, s.u(4), h.AgencyAddress, "", "C", false)
		leftEnd = f.GetY()
	}
	if number != "" {
		f.SetXY(g.marginL, leftEnd+s.u(2))
		no := "Số: " + number
		s.font("", max(9, s.fit("", no, 12, leftW)))
		f.MultiCell(leftW, s.u(5.5), no, "", "C", false)
		leftEnd = f.GetY()
	}

	// Right: the national motto with its rule, then the place and date line.
	const nation = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
	const motto = "Độc lập - Tự do - Hạnh phúc"
	f.SetXY(rightX, y0)
	s.font("B", s.fit("B", nation, 12, rightW))
	f.CellFormat(rightW, s.u(5.5), nation, "", 2, "C", false, 0, "")
	s.font("B", s.fit("B", motto, 13, rightW))
	f.CellFormat(rightW, s.u(6), motto, "", 2, "C", false, 0, "")
	mw := f.GetStringWidth(motto)
	rightMid := rightX + rightW/2
	y = f.GetY() + s.u(0.3)
	f.Line(rightMid-mw/2, y, rightMid+mw/2, y)

	place := h.Place
	if place == "" {
		place = "………"
	}
	dateLine := place + ", " + FormatVNDate(date)
	f.SetXY(rightX, y+s.u(4))
	s.font("I", s.fit("I", dateLine, 12, rightW))
	f.MultiCell(rightW, s.u(5.5), dateLine, "", "C", false)
	rightEnd := f.GetY()

	f.SetXY(g.marginL, max(leftEnd, rightEnd)+s.u(9))
}

// title writes a form's title in bold capitals, and its subtitle (a code, a period) under
// it when not empty.
func (s *sheet) title(title, sub string) {
	f, cw := s.f, s.g.contentW()
	s.font("B", s.fit("B", title, 14, cw))
	f.MultiCell(cw, s.u(7), title, "", "C", false)
	if sub != "" {
		s.font("B", s.fit("B", sub, 14, cw))
		f.MultiCell(cw, s.u(7.5), sub, "", "C", false)
	}
	f.Ln(s.u(3))
}

// field writes "label: value" flowing over lines; continuation lines start at the left
// margin.
func (s *sheet) field(label, value string, bold bool) {
	f, lh := s.f, s.u(lineH)
	s.font("", bodySize)
	f.Write(lh, label+": ")
	if bold {
		s.font("B", bodySize)
	}
	f.Write(lh, orDots(value))
	f.Ln(lh)
}

// para writes a paragraph over the content width.
func (s *sheet) para(style string, size float64, align, text string) {
	s.font(style, size)
	s.f.MultiCell(s.g.contentW(), s.u(lineH), text, "", align, false)
}

// paraHeight is the height para takes for text.
func (s *sheet) paraHeight(style string, size float64, text string) float64 {
	return float64(len(s.lines(style, size, s.g.contentW(), text))) * s.u(lineH)
}

// listItem writes a marker and a body with a hanging indent.
func (s *sheet) listItem(marker string, body func()) {
	f, g, lh := s.f, s.g, s.u(lineH)
	indent, hang := s.u(5), s.u(7)
	if f.GetY()+lh > g.bottom() {
		f.AddPage()
	}
	s.font("", bodySize)
	f.SetX(g.marginL + indent)
	f.CellFormat(hang, lh, marker, "", 0, "L", false, 0, "")
	f.SetLeftMargin(g.marginL + indent + hang)
	body()
	f.Ln(lh)
	f.SetLeftMargin(g.marginL)
	f.SetX(g.marginL)
}

// itemWidth is the width of a list item's body (after the marker).
func (s *sheet) itemWidth() float64 { return s.g.contentW() - s.u(5) - s.u(7) }

// procedures writes what the dossier asks for: one procedure inline after label, several
// as a numbered list under it. A procedure's handling agency, when given, follows its name.
func (s *sheet) procedures(label string, ps []Procedure) {
	f, lh := s.f, s.u(lineH)
	if len(ps) == 1 {
		p := ps[0]
		s.font("", bodySize)
		f.Write(lh, label+": ")
		s.font("B", bodySize)
		f.Write(lh, p.Name)
		if p.Handler != "" {
			s.font("", bodySize)
			f.Write(lh, " (cơ quan giải quyết: "+p.Handler+")")
		}
		f.Ln(lh)
		return
	}
	s.font("", bodySize)
	f.Write(lh, fmt.Sprintf("%s (%d thủ tục):", label, len(ps)))
	f.Ln(lh)
	for i, p := range ps {
		s.listItem(fmt.Sprintf("%d.", i+1), func() {
			s.font("B", bodySize)
			f.Write(lh, p.Name)
			if p.Handler != "" {
				s.font("", bodySize)
				f.Write(lh, " (cơ quan giải quyết: "+p.Handler+")")
			}
		})
	}
}

// withQR draws body with the QR code on its right, the caption under the code, and
// leaves the position under whichever ends lower.
func (s *sheet) withQR(code *qrSymbol, caption string, body func()) {
	f, g := s.f, s.g
	top := f.GetY()
	qrX := g.pageW - g.marginR - g.qrBox
	f.SetRightMargin(g.marginR + g.qrBox + s.u(4))
	body()
	textEnd := f.GetY()

	s.drawQR(qrX, top, g.qrBox, code)
	f.SetXY(qrX-s.u(3), top+g.qrBox)
	s.font("I", 8.5)
	f.MultiCell(g.qrBox+s.u(6), s.u(3.8), caption, "", "C", false)
	qrEnd := f.GetY()

	f.SetRightMargin(g.marginR)
	f.SetXY(g.marginL, max(textEnd, qrEnd)+s.u(1))
}

// drawQR draws the QR code as filled rectangles (crisp at any printer resolution), inside
// a side×side square that includes the 4-module quiet zone.
func (s *sheet) drawQR(x, y, side float64, code *qrSymbol) {
	f := s.f
	n := code.dim
	m := side / float64(n+8)
	ox, oy := x+4*m, y+4*m
	f.SetFillColor(0, 0, 0)
	for row := 0; row < n; row++ {
		for col := 0; col < n; {
			if !code.dark(col, row) {
				col++
				continue
			}
			start := col
			for col < n && code.dark(col, row) {
				col++
			}
			// A hair of overlap downwards hides seams between rows in anti-aliased viewers.
			f.Rect(ox+float64(start)*m, oy+float64(row)*m, float64(col-start)*m, m+0.02, "F")
		}
	}
	f.SetFillColor(255, 255, 255)
}

// signer is one signature block: a title in bold capitals (one line per "\n"), the hint
// under it, the space to sign, and the signer's name when known.
type signer struct {
	title string
	hint  string
	name  string
}

const (
	hintSign      = "(Ký và ghi rõ họ tên)"
	hintSignStamp = "(Ký, ghi rõ họ tên và đóng dấu)"
)

// signSpace is the space left for signing: 22 mm on A4, never below 16 mm.
func (s *sheet) signSpace() float64 { return max(16, s.u(22)) }

// signaturesHeight is the height of the signature blocks (and of the recipients' list on
// their left, when longer), names and recipients counted with the lines they wrap to.
// It leaves the font changed.
func (s *sheet) signaturesHeight(bs []signer, recipients []string) float64 {
	colW := s.g.contentW() / 2
	h := 0.0
	for _, b := range bs {
		name := len(s.lines("B", 12, colW, b.name)) // an empty name keeps its line
		bh := float64(strings.Count(b.title, "\n")+1+name)*s.u(6) + s.signSpace() + s.u(2)
		if b.hint != "" {
			bh += s.u(5.5)
		}
		h = max(h, bh)
	}
	if len(recipients) > 0 {
		rh := s.u(6)
		for _, r := range recipients {
			rh += float64(len(s.lines("", 10.5, colW-s.u(4), "- "+r))) * s.u(5)
		}
		h = max(h, rh)
	}
	return h
}

// signatures draws the signature blocks side by side, kept together on one page: two
// blocks share the width, a single block takes the right half, with the recipients of
// the document ("Nơi nhận") on the left.
func (s *sheet) signatures(bs []signer, recipients []string) {
	f, g := s.f, s.g
	if f.GetY()+s.u(6)+s.signaturesHeight(bs, recipients) > g.bottom() {
		f.AddPage()
	}
	y := f.GetY() + s.u(6)
	colW := g.contentW() / 2
	first := 0
	if len(bs) == 1 {
		first = 1
	}
	end := y
	for i, b := range bs {
		x := g.marginL + float64(first+i)*colW
		f.SetXY(x, y)
		s.font("B", 12)
		for _, t := range strings.Split(b.title, "\n") {
			f.CellFormat(colW, s.u(6), t, "", 2, "C", false, 0, "")
		}
		if b.hint != "" {
			s.font("I", 11)
			f.CellFormat(colW, s.u(5.5), b.hint, "", 2, "C", false, 0, "")
		}
		f.SetXY(x, f.GetY()+s.signSpace())
		if b.name != "" {
			s.font("B", 12)
			f.MultiCell(colW, s.u(6), b.name, "", "C", false)
		}
		end = max(end, f.GetY())
	}
	if len(recipients) > 0 && first == 1 {
		f.SetXY(g.marginL, y)
		s.font("B", 11)
		f.CellFormat(colW, s.u(6), "Nơi nhận:", "", 2, "L", false, 0, "")
		s.font("", 10.5)
		for _, r := range recipients {
			f.SetX(g.marginL)
			f.MultiCell(colW-s.u(4), s.u(5), "- "+r, "", "L", false)
		}
		end = max(end, f.GetY())
	}
	f.SetXY(g.marginL, end)
}
