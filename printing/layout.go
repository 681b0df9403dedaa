package printing

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
	"github.com/go-fonts/dejavu/dejavuserifcondensed"
	"github.com/go-fonts/dejavu/dejavuserifcondensedbold"
	"github.com/go-fonts/dejavu/dejavuserifcondenseditalic"
)

// The layout follows Mẫu số 01 of TT 01/2018/TT-VPCP: agency header on the left and the
// national motto on the right, the place and date line, the title and dossier code, whose
// dossier it is, "Nội dung yêu cầu giải quyết", then the numbered items 1. documents
// received, 2. number of dossiers, 3. time received, 4. time of the result, 5. where to
// receive it, and the two signature blocks. Administrative documents are set in a serif
// face (Times New Roman, NĐ 30/2020/NĐ-CP); DejaVu Serif Condensed is the closest face with
// full Vietnamese coverage in the pinned modules.
//
// The drawing code is written in A4 units (font sizes in points, lengths in mm as on A4);
// a geometry scales them for smaller paper.

const (
	family = "dvserif"

	bodySize = 12.0 // A4 units, scaled by geometry.fs
	lineH    = 6.4  // A4 units, scaled by geometry.ls

	dots = "…………………………"
)

// geometry is one paper size: the page and margins in mm (not scaled), and the factors
// applied to the A4 font sizes (fs) and to the A4 lengths (ls).
type geometry struct {
	size                               string
	pageW, pageH                       float64
	marginL, marginR, marginT, marginB float64
	fs, ls                             float64
	qrBox                              float64 // side of the QR square (quiet zone included), mm
	leftW                              float64 // width of the agency header column, mm
}

var (
	geomA4 = geometry{size: "A4", pageW: 210, pageH: 297, marginL: 25, marginR: 15, marginT: 15, marginB: 16, fs: 1, ls: 1, qrBox: 30, leftW: 76}
	// A5 keeps the A4 composition on 71 % of the length: fonts at 78 % (body 9.4 pt,
	// above the 9 pt a printed form is comfortably read at), lengths at 68 % (line pitch
	// 4.35 mm, 1.3 × the font size), narrower margins, a wider agency column so that the
	// agency name stays on one line, and a QR code of 24 mm (modules ≥ 0.5 mm). A
	// one-procedure receipt with a few documents fits on one page.
	geomA5 = geometry{size: "A5", pageW: 148, pageH: 210, marginL: 15, marginR: 10, marginT: 9, marginB: 9, fs: 0.78, ls: 0.68, qrBox: 24, leftW: 60}
)

func geometryFor(size string) (geometry, bool) {
	switch strings.ToUpper(strings.TrimSpace(size)) {
	case "", "A4":
		return geomA4, true
	case "A5":
		return geomA5, true
	}
	return geometry{}, false
}

func (g geometry) contentW() float64 { return g.pageW - g.marginL - g.marginR }

// bottom is the lowest y body text may reach (the footer lives below it).
func (g geometry) bottom() float64 { return g.pageH - g.marginB - 6*g.ls }

type fontFace struct {
	style string
	ttf   []byte
}

// fonts cuts the three faces, once per process, down to the characters a receipt can hold
// (see printableRunes). fpdf parses a TrueType font anew for each document and its cost
// grows with the font's highest code point; on the full DejaVu faces that was ~15 ms of a
// 35 ms receipt. normalized() replaces characters outside the set (see printable).
var fonts = sync.OnceValue(func() []fontFace {
	cut := string(printableRunes())
	return []fontFace{
		{"", fpdf.UTF8CutFont(dejavuserifcondensed.TTF, cut)},
		{"B", fpdf.UTF8CutFont(dejavuserifcondensedbold.TTF, cut)},
		{"I", fpdf.UTF8CutFont(dejavuserifcondenseditalic.TTF, cut)},
	}
})

// printableRunes is the character set of the cut fonts: ASCII, Latin-1, Latin Extended-A
// and -B (ơ, ư, đ), the combining diacritics, Latin Extended Additional (ạ…ỹ) and common
// punctuation (dashes, quotes, ellipsis, bullet, №).
func printableRunes() []rune {
	var rs []rune
	add := func(lo, hi rune) {
		for r := lo; r <= hi; r++ {
			rs = append(rs, r)
		}
	}
	add(0x20, 0x7e)
	add(0xa0, 0x24f)
	add(0x300, 0x323)
	add(0x1ea0, 0x1ef9)
	add(0x2010, 0x2027)
	add(0x2030, 0x203a)
	rs = append(rs, 0x20ab, 0x20ac, 0x2116) // ₫ € №
	return rs
}

// layout draws receipts into one fpdf document. Each receipt starts on a new page and
// numbers its own pages ("Trang 2/3") when it runs over one page.
type layout struct {
	f  *fpdf.Fpdf
	g  geometry
	r  Receipt
	qr barcode.Barcode // the current receipt's QR code

	idx    int  // index of the current receipt in the document
	start  int  // page number of the current receipt's first page
	ending bool // the current receipt is drawn: the next footer closes it
}

// render draws rs (already validated and normalized) into one document on paper g.
func render(w io.Writer, rs []Receipt, g geometry, created time.Time, title string) error {
	f := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: g.size})
	f.SetCreationDate(created)
	f.SetModificationDate(created)
	f.SetCatalogSort(true)
	f.SetCompression(true)
	f.SetTitle(title, true)
	f.SetCreator("motcua", true)
	f.SetLang("vi-VN")
	f.AliasNbPages("{nb}") // before the fonts: fpdf sizes the UTF-8 subsets on it
	for _, ft := range fonts() {
		f.AddUTF8FontFromBytes(family, ft.style, ft.ttf)
	}
	f.SetMargins(g.marginL, g.marginT, g.marginR)
	f.SetAutoPageBreak(true, g.marginB+6*g.ls)
	f.SetCellMargin(0)
	l := &layout{f: f, g: g}
	f.SetFooterFunc(l.footer)

	codes, err := encodeQRs(rs)
	if err != nil {
		return err
	}
	for i, r := range rs {
		l.g = fitted(r, g, codes[i])
		f.AddPage() // draws the previous receipt's last footer
		l.r, l.qr, l.idx, l.start, l.ending = r, codes[i], i, f.PageNo(), false
		l.draw()
		// The page count of a receipt over several pages replaces its alias when the
		// document is written. One-page receipts print no number and register no alias:
		// fpdf scans every page for every alias, which on a batch of a hundred receipts
		// took half the time.
		if n := f.PageNo() - l.start + 1; n > 1 {
			f.RegisterAlias(l.nbAlias(), strconv.Itoa(n))
		}
		l.ending = true
		if err := f.Error(); err != nil {
			return fmt.Errorf("layout of receipt %d (%s): %w", i+1, r.DossierCode, err)
		}
	}

	f.Close()
	if err := f.Error(); err != nil {
		return fmt.Errorf("layout: %w", err)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	if _, err := w.Write(withZone(buf.Bytes(), created.Format("-07'00'"))); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	return nil
}

// encodeQRs encodes the receipts' QR codes, in parallel for a batch: choosing the QR
// mask is about 40 % of a batch's time and needs no fpdf state.
func encodeQRs(rs []Receipt) ([]barcode.Barcode, error) {
	codes := make([]barcode.Barcode, len(rs))
	errs := make([]error, len(rs))
	encode := func(i int) {
		code, err := qr.Encode(QRContent(rs[i]), qr.M, qr.Auto)
		if err != nil {
			errs[i] = fmt.Errorf("qr encode of %s: %w", rs[i].DossierCode, err)
		}
		codes[i] = code
	}
	workers := min(len(rs), runtime.GOMAXPROCS(0))
	if workers <= 1 {
		for i := range rs {
			encode(i)
		}
	} else {
		var wg sync.WaitGroup
		next := make(chan int)
		for range workers {
			wg.Go(func() {
				for i := range next {
					encode(i)
				}
			})
		}
		for i := range rs {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return codes, nil
}

// draw lays out the current receipt from the top of its first page.
func (l *layout) draw() {
	l.header()
	l.title()
	l.parties()
	l.items()
	l.signatures()
}

// fitScales are the tighter settings tried, in order, for a receipt that would run
// over one A4 page (a bundle of several procedures): fonts and spacing at 94 %, 88 %,
// 82 % of the A4 ones (the body stays at 9.8 pt or more).
var fitScales = []float64{0.94, 0.88, 0.82}

// fitted is the geometry a receipt is drawn with: on A4 a receipt fits on one page,
// tightened when it must be (a bundle's receipt holding three procedures); A5 keeps its
// geometry and continues on a second page, the signatures never alone there.
func fitted(r Receipt, g geometry, code barcode.Barcode) geometry {
	if g.size != "A4" || (len(r.Procedures) <= 1 && len(r.Documents) <= 4) {
		return g
	}
	if measure(r, g, code) <= 1 {
		return g
	}
	for _, s := range fitScales {
		t := g
		t.fs, t.ls, t.qrBox = g.fs*s, g.ls*s, g.qrBox*s
		if measure(r, t, code) <= 1 {
			return t
		}
	}
	return g // too long for one page even tightened: the plain layout over two pages
}

// measure is the number of pages the receipt takes with geometry g (a layout drawn
// into a scratch document that is never written).
func measure(r Receipt, g geometry, code barcode.Barcode) int {
	f := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: g.size})
	for _, ft := range fonts() {
		f.AddUTF8FontFromBytes(family, ft.style, ft.ttf)
	}
	f.SetMargins(g.marginL, g.marginT, g.marginR)
	f.SetAutoPageBreak(true, g.marginB+6*g.ls)
	f.SetCellMargin(0)
	l := &layout{f: f, g: g, r: r, qr: code, start: 1}
	f.AddPage()
	l.draw()
	if f.Error() != nil {
		return 2
	}
	return f.PageNo()
}

func (l *layout) nbAlias() string { return "{nb" + strconv.Itoa(l.idx) + "}" }

// footer numbers the pages of a receipt that runs over one page. A receipt's first
// page's footer is drawn either when its page 2 starts (more pages) or when the receipt
// is done (a single page: no number).
func (l *layout) footer() {
	f, g := l.f, l.g
	if l.ending && f.PageNo() == l.start {
		return
	}
	f.SetY(-(g.marginB + 2*g.ls))
	l.font("I", 9)
	f.CellFormat(0, l.u(4), fmt.Sprintf("Mã hồ sơ: %s — Trang %d/%s", l.r.DossierCode, f.PageNo()-l.start+1, l.nbAlias()), "", 0, "C", false, 0, "")
}

// font sets a face at an A4 size, scaled to the paper.
func (l *layout) font(style string, size float64) { l.f.SetFont(family, style, size*l.g.fs) }

// u scales an A4 length in mm to the paper.
func (l *layout) u(mm float64) float64 { return mm * l.g.ls }

// fit returns the largest A4 size <= max at which s fits in w with the given style (and
// leaves the font set to it), never printing below 7 pt.
func (l *layout) fit(style, s string, max, w float64) float64 {
	size := max
	for ; size*l.g.fs > 7; size -= 0.5 {
		l.font(style, size)
		if l.f.GetStringWidth(s) <= w {
			break
		}
	}
	return size
}

func orDots(s string) string {
	if s == "" {
		return dots
	}
	return s
}

func (l *layout) header() {
	f, r, g := l.f, l.r, l.g
	leftW := g.leftW
	gap := l.u(1)
	rightX, rightW := g.marginL+leftW+gap, g.contentW()-leftW-gap
	y0 := f.GetY()

	// Left: parent agency, agency (bold), short rule, address.
	leftMid := g.marginL + leftW/2
	f.SetXY(g.marginL, y0)
	if r.ParentAgency != "" {
		parent := strings.ToUpper(r.ParentAgency)
		l.font("", max(10.5, l.fit("", parent, 12, leftW)))
		f.MultiCell(leftW, l.u(5.5), parent, "", "C", false)
	}
	f.SetX(g.marginL)
	agency := strings.ToUpper(orDots(r.Agency))
	l.font("B", max(10.5, l.fit("B", agency, 12, leftW)))
	f.MultiCell(leftW, l.u(5.5), agency, "", "C", false)
	y := f.GetY() + 1.2 // not scaled: the rule must clear the descenders
	f.SetLineWidth(0.3)
	f.Line(leftMid-l.u(12), y, leftMid+l.u(12), y)
	leftEnd := y
	if r.AgencyAddress != "" {
		f.SetXY(g.marginL, y+l.u(1.5))
		l.font("I", 9)
		f.MultiCell(leftW, l.u(4), r.AgencyAddress, "", "C", false)
		leftEnd = f.GetY()
	}

	// Right: the national motto with its rule, then the place and date line.
	const nation = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
	const motto = "Độc lập - Tự do - Hạnh phúc"
	f.SetXY(rightX, y0)
	l.font("B", l.fit("B", nation, 12, rightW))
	f.CellFormat(rightW, l.u(5.5), nation, "", 2, "C", false, 0, "")
	l.font("B", l.fit("B", motto, 13, rightW))
	f.CellFormat(rightW, l.u(6), motto, "", 2, "C", false, 0, "")
	mw := f.GetStringWidth(motto)
	rightMid := rightX + rightW/2
	y = f.GetY() + l.u(0.3)
	f.Line(rightMid-mw/2, y, rightMid+mw/2, y)

	place := r.Place
	if place == "" {
		place = "………"
	}
	dateLine := place + ", " + FormatVNDate(r.ReceivedAt)
	f.SetXY(rightX, y+l.u(4))
	l.font("I", l.fit("I", dateLine, 12, rightW))
	f.MultiCell(rightW, l.u(5.5), dateLine, "", "C", false)
	rightEnd := f.GetY()

	f.SetXY(g.marginL, max(leftEnd, rightEnd)+l.u(9))
}

func (l *layout) title() {
	f, cw := l.f, l.g.contentW()
	const title = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
	l.font("B", l.fit("B", title, 14, cw))
	f.MultiCell(cw, l.u(7), title, "", "C", false)
	code := "Mã hồ sơ: " + l.r.DossierCode
	l.font("B", l.fit("B", code, 14, cw))
	f.MultiCell(cw, l.u(7.5), code, "", "C", false)
	f.Ln(l.u(3))
}

// field writes "label: value" flowing over lines; continuation lines start at the left
// margin.
func (l *layout) field(label, value string, bold bool) {
	f, lh := l.f, l.u(lineH)
	l.font("", bodySize)
	f.Write(lh, label+": ")
	if bold {
		l.font("B", bodySize)
	}
	f.Write(lh, orDots(value))
	f.Ln(lh)
}

// parties writes who received the dossier from whom, with the QR code on the right.
func (l *layout) parties() {
	f, r, g, lh := l.f, l.r, l.g, l.u(lineH)
	top := f.GetY()
	qrX := g.pageW - g.marginR - g.qrBox
	f.SetRightMargin(g.marginR + g.qrBox + l.u(4))

	l.font("", bodySize)
	agency := r.Agency
	if agency == "" {
		agency = "Bộ phận Tiếp nhận và Trả kết quả"
	}
	if r.ParentAgency != "" && !strings.Contains(strings.ToLower(agency), strings.ToLower(r.ParentAgency)) {
		agency += " — " + r.ParentAgency
	}
	f.Write(lh, agency+" đã tiếp nhận hồ sơ.")
	f.Ln(lh)
	l.field("Người tiếp nhận", r.Officer, false)
	l.field("Tiếp nhận hồ sơ của ông/bà", r.CitizenName, true)
	l.field("Số định danh cá nhân", r.CitizenID, true)
	l.field("Số điện thoại", r.Phone, false)
	l.field("Địa chỉ", r.Address, false)
	textEnd := f.GetY()

	l.drawQR(qrX, top, g.qrBox, l.qr)
	f.SetXY(qrX-l.u(3), top+g.qrBox)
	l.font("I", 8.5)
	f.MultiCell(g.qrBox+l.u(6), l.u(3.8), "Quét mã để tra cứu hồ sơ", "", "C", false)
	qrEnd := f.GetY()

	f.SetRightMargin(g.marginR)
	f.SetXY(g.marginL, max(textEnd, qrEnd)+l.u(1))

	// The procedures: one inline, several as a numbered list.
	if len(r.Procedures) == 1 {
		p := r.Procedures[0]
		l.font("", bodySize)
		f.Write(lh, "Nội dung yêu cầu giải quyết: ")
		l.font("B", bodySize)
		f.Write(lh, p.Name)
		if p.Handler != "" {
			l.font("", bodySize)
			f.Write(lh, " (cơ quan giải quyết: "+p.Handler+")")
		}
		f.Ln(lh)
		return
	}
	l.font("", bodySize)
	f.Write(lh, fmt.Sprintf("Nội dung yêu cầu giải quyết (%d thủ tục):", len(r.Procedures)))
	f.Ln(lh)
	for i, p := range r.Procedures {
		l.listItem(fmt.Sprintf("%d.", i+1), func() {
			l.font("B", bodySize)
			f.Write(lh, p.Name)
			if p.Handler != "" {
				l.font("", bodySize)
				f.Write(lh, " (cơ quan giải quyết: "+p.Handler+")")
			}
		})
	}
}

// listItem writes a marker and a body with a hanging indent.
func (l *layout) listItem(marker string, body func()) {
	f, g, lh := l.f, l.g, l.u(lineH)
	indent, hang := l.u(5), l.u(7)
	if f.GetY()+lh > g.bottom() {
		f.AddPage()
	}
	l.font("", bodySize)
	f.SetX(g.marginL + indent)
	f.CellFormat(hang, lh, marker, "", 0, "L", false, 0, "")
	f.SetLeftMargin(g.marginL + indent + hang)
	body()
	f.Ln(lh)
	f.SetLeftMargin(g.marginL)
	f.SetX(g.marginL)
}

func (l *layout) items() {
	f, r, g, lh := l.f, l.r, l.g, l.u(lineH)
	f.Ln(l.u(1))
	l.font("B", bodySize)
	f.Write(lh, "1. Thành phần hồ sơ nộp gồm:")
	f.Ln(lh + l.u(1))
	l.documents()
	f.Ln(l.u(2))

	l.field("2. Số lượng hồ sơ", "01 (bộ)", false)
	l.field("3. Thời gian nhận hồ sơ", vnTimeOrBlank(r.ReceivedAt), true)
	if len(r.Procedures) == 1 {
		l.field("4. Thời gian trả kết quả giải quyết hồ sơ", vnTimeOrBlank(r.Procedures[0].Appointment), true)
	} else {
		l.font("", bodySize)
		f.Write(lh, "4. Thời gian trả kết quả giải quyết hồ sơ:")
		f.Ln(lh)
		for i, p := range r.Procedures {
			l.listItem(fmt.Sprintf("%d.", i+1), func() {
				l.font("", bodySize)
				f.Write(lh, p.Name+": ")
				l.font("B", bodySize)
				f.Write(lh, vnTimeOrBlank(p.Appointment))
			})
		}
	}
	small := l.u(5.5)
	// The signatures never stand alone on a page: item 5 and the notes go with them.
	tail := 2*lh + l.u(6) + l.signaturesHeight()
	if r.ResidenceFrom != "" {
		tail += l.u(1) + 2*small
	}
	if len(r.Notes) > 0 {
		tail += l.u(1) + small*float64(1+2*len(r.Notes))
	}
	if f.GetY()+tail > g.bottom() {
		f.AddPage()
	}
	l.field("5. Đăng ký nhận kết quả tại", r.ResultPlace, false)

	if r.ResidenceFrom != "" {
		f.Ln(l.u(1))
		note := "Thông tin về cư trú được khai thác từ " + r.ResidenceFrom
		if !r.ResidenceAt.IsZero() {
			note += " lúc " + FormatShortTime(r.ResidenceAt)
		}
		note += "; công dân không phải nộp giấy tờ chứng minh nơi cư trú."
		l.font("I", 11)
		f.MultiCell(g.contentW(), small, note, "", "L", false)
	}
	if len(r.Notes) > 0 {
		f.Ln(l.u(1))
		l.font("B", 11)
		f.Write(small, "Ghi chú:")
		f.Ln(small)
		for _, n := range r.Notes {
			l.font("", 11)
			f.SetX(g.marginL + l.u(3))
			f.MultiCell(g.contentW()-l.u(3), small, "- "+n, "", "L", false)
		}
	}
}

// vnTimeOrBlank is a time as the receipt prints it, its two halves ("10 giờ 05 phút,"
// and "ngày 28 tháng 11 năm 2026") kept whole on a line: the spaces inside them are
// non-breaking, so a line never ends on "năm" with the year below.
func vnTimeOrBlank(t time.Time) string {
	if t.IsZero() {
		return "…… giờ …… phút, ngày ……/……/…………"
	}
	clock, date, _ := strings.Cut(FormatVNTime(t), ", ")
	return keepTogether(clock) + ", " + keepTogether(date)
}

// keepTogether makes the spaces of s non-breaking.
func keepTogether(s string) string { return strings.ReplaceAll(s, " ", "\u00a0") }

// documents draws the table of papers received; rows never split across pages and the
// header row is repeated on a new page.
func (l *layout) documents() {
	f, r, g := l.f, l.r, l.g
	cw := g.contentW()
	cols := []struct {
		title string
		w     float64
		align string
	}{
		{"STT", l.u(12), "C"},
		{"Tên giấy tờ", cw - l.u(12+28+22), "L"},
		{"Hình thức", l.u(28), "C"},
		{"Số lượng", l.u(22), "C"},
	}
	pad, lh := l.u(1.5), l.u(5.5)
	bottom := g.bottom()
	head := func() {
		x, y := g.marginL, f.GetY()
		l.font("B", 11)
		f.SetFillColor(235, 235, 235)
		for _, c := range cols {
			f.Rect(x, y, c.w, lh+2*pad, "DF")
			f.SetXY(x, y+pad)
			f.CellFormat(c.w, lh, c.title, "", 0, "C", false, 0, "")
			x += c.w
		}
		f.SetXY(g.marginL, y+lh+2*pad)
	}
	row := func(cells []string) {
		l.font("", 11)
		lines := make([][]string, len(cells))
		n := 1
		for i, s := range cells {
			lines[i] = f.SplitText(s, cols[i].w-2*pad)
			n = max(n, len(lines[i]))
		}
		h := float64(n)*lh + 2*pad
		if f.GetY()+h > bottom {
			f.AddPage()
			head()
		}
		l.font("", 11)
		x, y := g.marginL, f.GetY()
		for i, c := range cols {
			f.Rect(x, y, c.w, h, "D")
			for j, s := range lines[i] {
				f.SetXY(x+pad, y+pad+float64(j)*lh)
				f.CellFormat(c.w-2*pad, lh, s, "", 0, c.align, false, 0, "")
			}
			x += c.w
		}
		f.SetXY(g.marginL, y+h)
	}

	if f.GetY()+3*(lh+2*pad) > bottom { // keep the header with at least one row
		f.AddPage()
	}
	f.SetLineWidth(0.2)
	head()
	if len(r.Documents) == 0 {
		row([]string{"", "(Không có giấy tờ kèm theo)", "", ""})
		return
	}
	for i, d := range r.Documents {
		kind := "Bản sao"
		if d.Original {
			kind = "Bản chính"
		}
		count := ""
		if d.Count > 0 {
			count = fmt.Sprintf("%02d", d.Count)
		}
		row([]string{fmt.Sprintf("%d", i+1), d.Name, kind, count})
	}
}

// signatures draws the two signature blocks, kept together on one page. The space left
// for signing is 22 mm on A4 and never below 16 mm.
// signaturesHeight is the height of the two signature blocks.
func (l *layout) signaturesHeight() float64 {
	return l.u(6+5.5+6) + max(16, l.u(22)) + l.u(2)
}

func (l *layout) signatures() {
	f, r, g := l.f, l.r, l.g
	sign := max(16, l.u(22))
	blockH := l.signaturesHeight()
	if f.GetY()+l.u(6)+blockH > g.bottom() {
		f.AddPage()
	}
	y := f.GetY() + l.u(6)
	colW := g.contentW() / 2
	for i, b := range []struct{ title, name string }{
		{"NGƯỜI NỘP HỒ SƠ", r.CitizenName},
		{"NGƯỜI TIẾP NHẬN HỒ SƠ", r.Officer},
	} {
		x := g.marginL + float64(i)*colW
		f.SetXY(x, y)
		l.font("B", 12)
		f.CellFormat(colW, l.u(6), b.title, "", 2, "C", false, 0, "")
		l.font("I", 11)
		f.CellFormat(colW, l.u(5.5), "(Ký và ghi rõ họ tên)", "", 2, "C", false, 0, "")
		if b.name != "" {
			f.SetXY(x, y+l.u(6+5.5)+sign)
			l.font("B", 12)
			f.MultiCell(colW, l.u(6), b.name, "", "C", false)
		}
	}
}

// drawQR draws the QR code as filled rectangles (crisp at any printer resolution), inside
// a side×side square that includes the 4-module quiet zone.
func (l *layout) drawQR(x, y, side float64, code barcode.Barcode) {
	f := l.f
	b := code.Bounds()
	n := b.Dx()
	m := side / float64(n+8)
	ox, oy := x+4*m, y+4*m
	f.SetFillColor(0, 0, 0)
	for row := 0; row < n; row++ {
		for col := 0; col < n; {
			if !isDark(code.At(b.Min.X+col, b.Min.Y+row)) {
				col++
				continue
			}
			start := col
			for col < n && isDark(code.At(b.Min.X+col, b.Min.Y+row)) {
				col++
			}
			// A hair of overlap downwards hides seams between rows in anti-aliased viewers.
			f.Rect(ox+float64(start)*m, oy+float64(row)*m, float64(col-start)*m, m+0.02, "F")
		}
	}
	f.SetFillColor(255, 255, 255)
}

func isDark(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r+g+b < 3*0x8000
}

var printableSet = sync.OnceValue(func() map[rune]bool {
	m := make(map[rune]bool)
	for _, r := range printableRunes() {
		m[r] = true
	}
	return m
})

// printable maps s onto the fonts' character set: line breaks stay, other control
// characters become spaces, and anything the fonts lack becomes "?" so that the clerk sees
// something was there.
func printable(s string) string {
	set := printableSet()
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || set[r]:
			return r
		case r < 0x20 || r == 0x7f:
			return ' '
		default:
			return '?'
		}
	}, s)
}
