package printing

import (
	"fmt"
	"image/color"
	"io"
	"strings"
	"sync"
	"time"

	"codeberg.org/go-pdf/fpdf"
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

const (
	family = "dvserif"

	pageW, pageH = 210.0, 297.0
	marginL      = 25.0
	marginR      = 15.0
	marginT      = 15.0
	marginB      = 16.0
	contentW     = pageW - marginL - marginR

	bodySize = 12.0
	lineH    = 6.4

	qrBox = 30.0 // side of the QR square (quiet zone included), mm

	dots = "…………………………"
)

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

type layout struct {
	f       *fpdf.Fpdf
	r       Receipt
	closing bool
}

func renderA4(w io.Writer, r Receipt, created time.Time) error {
	f := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	f.SetCreationDate(created)
	f.SetModificationDate(created)
	f.SetCatalogSort(true)
	f.SetCompression(true)
	f.SetTitle("Giấy tiếp nhận hồ sơ và hẹn trả kết quả "+r.DossierCode, true)
	f.SetCreator("motcua", true)
	f.SetLang("vi-VN")
	f.AliasNbPages("{nb}") // before the fonts: fpdf sizes the UTF-8 subsets on it
	for _, ft := range fonts() {
		f.AddUTF8FontFromBytes(family, ft.style, ft.ttf)
	}
	f.SetMargins(marginL, marginT, marginR)
	f.SetAutoPageBreak(true, marginB+6)
	f.SetCellMargin(0)
	l := &layout{f: f, r: r}
	f.SetFooterFunc(l.footer)
	f.AddPage()

	l.header()
	l.title()
	l.parties()
	l.items()
	l.signatures()

	l.closing = true
	f.Close()
	if err := f.Error(); err != nil {
		return fmt.Errorf("layout: %w", err)
	}
	if err := f.Output(w); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	return nil
}

// footer numbers the pages when the receipt runs over one page. Page 1's footer is drawn
// either when page 2 starts (more pages) or at Close (a single page: no number).
func (l *layout) footer() {
	f := l.f
	if l.closing && f.PageNo() == 1 {
		return
	}
	f.SetY(-(marginB + 2))
	f.SetFont(family, "I", 9)
	f.CellFormat(0, 4, fmt.Sprintf("Mã hồ sơ: %s — Trang %d/{nb}", l.r.DossierCode, f.PageNo()), "", 0, "C", false, 0, "")
}

func (l *layout) font(style string, size float64) { l.f.SetFont(family, style, size) }

// fit returns the largest size <= max at which s fits in w with the given style.
func (l *layout) fit(style, s string, max, w float64) float64 {
	size := max
	for ; size > 7; size -= 0.5 {
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
	f, r := l.f, l.r
	const leftW = 76.0
	const gap = 1.0
	rightX, rightW := marginL+leftW+gap, contentW-leftW-gap
	y0 := f.GetY()

	// Left: parent agency, agency (bold), short rule, address.
	leftMid := marginL + leftW/2
	f.SetXY(marginL, y0)
	if r.ParentAgency != "" {
		parent := strings.ToUpper(r.ParentAgency)
		l.font("", max(10.5, l.fit("", parent, 12, leftW)))
		f.MultiCell(leftW, 5.5, parent, "", "C", false)
	}
	f.SetX(marginL)
	agency := strings.ToUpper(orDots(r.Agency))
	l.font("B", max(10.5, l.fit("B", agency, 12, leftW)))
	f.MultiCell(leftW, 5.5, agency, "", "C", false)
	y := f.GetY() + 1.2
	f.SetLineWidth(0.3)
	f.Line(leftMid-12, y, leftMid+12, y)
	leftEnd := y
	if r.AgencyAddress != "" {
		f.SetXY(marginL, y+1.5)
		l.font("I", 9)
		f.MultiCell(leftW, 4, r.AgencyAddress, "", "C", false)
		leftEnd = f.GetY()
	}

	// Right: the national motto with its rule, then the place and date line.
	const nation = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
	const motto = "Độc lập - Tự do - Hạnh phúc"
	f.SetXY(rightX, y0)
	l.font("B", l.fit("B", nation, 12, rightW))
	f.CellFormat(rightW, 5.5, nation, "", 2, "C", false, 0, "")
	l.font("B", l.fit("B", motto, 13, rightW))
	f.CellFormat(rightW, 6, motto, "", 2, "C", false, 0, "")
	mw := f.GetStringWidth(motto)
	rightMid := rightX + rightW/2
	y = f.GetY() + 0.3
	f.Line(rightMid-mw/2, y, rightMid+mw/2, y)

	place := r.Place
	if place == "" {
		place = "………"
	}
	dateLine := place + ", " + FormatVNDate(r.ReceivedAt)
	f.SetXY(rightX, y+4)
	l.font("I", l.fit("I", dateLine, 12, rightW))
	f.MultiCell(rightW, 5.5, dateLine, "", "C", false)
	rightEnd := f.GetY()

	f.SetXY(marginL, max(leftEnd, rightEnd)+9)
}

func (l *layout) title() {
	f := l.f
	l.font("B", 14)
	f.MultiCell(contentW, 7, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "", "C", false)
	l.font("B", 14)
	code := "Mã hồ sơ: " + l.r.DossierCode
	l.font("B", l.fit("B", code, 14, contentW))
	f.MultiCell(contentW, 7.5, code, "", "C", false)
	f.Ln(3)
}

// field writes "label: value" flowing over lines; continuation lines start at the left
// margin.
func (l *layout) field(label, value string, bold bool) {
	f := l.f
	l.font("", bodySize)
	f.Write(lineH, label+": ")
	if bold {
		l.font("B", bodySize)
	}
	f.Write(lineH, orDots(value))
	f.Ln(lineH)
}

// parties writes who received the dossier from whom, with the QR code on the right.
func (l *layout) parties() {
	f, r := l.f, l.r
	top := f.GetY()
	qrX := pageW - marginR - qrBox
	f.SetRightMargin(marginR + qrBox + 4)

	l.font("", bodySize)
	agency := r.Agency
	if agency == "" {
		agency = "Bộ phận Tiếp nhận và Trả kết quả"
	}
	if r.ParentAgency != "" && !strings.Contains(strings.ToLower(agency), strings.ToLower(r.ParentAgency)) {
		agency += " — " + r.ParentAgency
	}
	f.Write(lineH, agency+" đã tiếp nhận hồ sơ.")
	f.Ln(lineH)
	l.field("Người tiếp nhận", r.Officer, false)
	l.field("Tiếp nhận hồ sơ của ông/bà", r.CitizenName, true)
	l.field("Số định danh cá nhân", r.CitizenID, true)
	l.field("Số điện thoại", r.Phone, false)
	l.field("Địa chỉ", r.Address, false)
	textEnd := f.GetY()

	l.drawQR(qrX, top, qrBox, QRContent(r))
	f.SetXY(qrX-3, top+qrBox)
	l.font("I", 8.5)
	f.MultiCell(qrBox+6, 3.8, "Quét mã để tra cứu hồ sơ", "", "C", false)
	qrEnd := f.GetY()

	f.SetRightMargin(marginR)
	f.SetXY(marginL, max(textEnd, qrEnd)+1)

	// The procedures: one inline, several as a numbered list.
	if len(r.Procedures) == 1 {
		p := r.Procedures[0]
		l.font("", bodySize)
		f.Write(lineH, "Nội dung yêu cầu giải quyết: ")
		l.font("B", bodySize)
		f.Write(lineH, p.Name)
		if p.Handler != "" {
			l.font("", bodySize)
			f.Write(lineH, " (cơ quan giải quyết: "+p.Handler+")")
		}
		f.Ln(lineH)
		return
	}
	l.font("", bodySize)
	f.Write(lineH, fmt.Sprintf("Nội dung yêu cầu giải quyết (%d thủ tục):", len(r.Procedures)))
	f.Ln(lineH)
	for i, p := range r.Procedures {
		l.listItem(fmt.Sprintf("%d.", i+1), func() {
			l.font("B", bodySize)
			f.Write(lineH, p.Name)
			if p.Handler != "" {
				l.font("", bodySize)
				f.Write(lineH, " (cơ quan giải quyết: "+p.Handler+")")
			}
		})
	}
}

// listItem writes a marker and a body with a hanging indent.
func (l *layout) listItem(marker string, body func()) {
	f := l.f
	const indent, hang = 5.0, 7.0
	if f.GetY()+lineH > pageH-marginB-6 {
		f.AddPage()
	}
	l.font("", bodySize)
	f.SetX(marginL + indent)
	f.CellFormat(hang, lineH, marker, "", 0, "L", false, 0, "")
	f.SetLeftMargin(marginL + indent + hang)
	body()
	f.Ln(lineH)
	f.SetLeftMargin(marginL)
	f.SetX(marginL)
}

func (l *layout) items() {
	f, r := l.f, l.r
	f.Ln(1)
	l.font("B", bodySize)
	f.Write(lineH, "1. Thành phần hồ sơ nộp gồm:")
	f.Ln(lineH + 1)
	l.documents()
	f.Ln(2)

	l.field("2. Số lượng hồ sơ", "01 (bộ)", false)
	l.field("3. Thời gian nhận hồ sơ", FormatVNTime(r.ReceivedAt), true)
	if len(r.Procedures) == 1 {
		l.field("4. Thời gian trả kết quả giải quyết hồ sơ", vnTimeOrBlank(r.Procedures[0].Appointment), true)
	} else {
		l.font("", bodySize)
		f.Write(lineH, "4. Thời gian trả kết quả giải quyết hồ sơ:")
		f.Ln(lineH)
		for i, p := range r.Procedures {
			l.listItem(fmt.Sprintf("%d.", i+1), func() {
				l.font("", bodySize)
				f.Write(lineH, p.Name+": ")
				l.font("B", bodySize)
				f.Write(lineH, vnTimeOrBlank(p.Appointment))
			})
		}
	}
	l.field("5. Đăng ký nhận kết quả tại", r.ResultPlace, false)

	if r.ResidenceFrom != "" {
		f.Ln(1)
		note := "Thông tin về cư trú được khai thác từ " + r.ResidenceFrom
		if !r.ResidenceAt.IsZero() {
			note += " lúc " + FormatShortTime(r.ResidenceAt)
		}
		note += "; công dân không phải nộp giấy tờ chứng minh nơi cư trú."
		l.font("I", 11)
		f.MultiCell(contentW, 5.5, note, "", "L", false)
	}
	if len(r.Notes) > 0 {
		f.Ln(1)
		l.font("B", 11)
		f.Write(5.5, "Ghi chú:")
		f.Ln(5.5)
		for _, n := range r.Notes {
			l.font("", 11)
			f.SetX(marginL + 3)
			f.MultiCell(contentW-3, 5.5, "- "+n, "", "L", false)
		}
	}
}

func vnTimeOrBlank(t time.Time) string {
	if t.IsZero() {
		return "…… giờ …… phút, ngày ……/……/…………"
	}
	return FormatVNTime(t)
}

// documents draws the table of papers received; rows never split across pages and the
// header row is repeated on a new page.
func (l *layout) documents() {
	f, r := l.f, l.r
	cols := []struct {
		title string
		w     float64
		align string
	}{
		{"STT", 12, "C"},
		{"Tên giấy tờ", contentW - 12 - 28 - 22, "L"},
		{"Hình thức", 28, "C"},
		{"Số lượng", 22, "C"},
	}
	const pad, lh = 1.5, 5.5
	bottom := pageH - marginB - 6
	head := func() {
		x, y := marginL, f.GetY()
		l.font("B", 11)
		f.SetFillColor(235, 235, 235)
		for _, c := range cols {
			f.Rect(x, y, c.w, lh+2*pad, "DF")
			f.SetXY(x, y+pad)
			f.CellFormat(c.w, lh, c.title, "", 0, "C", false, 0, "")
			x += c.w
		}
		f.SetXY(marginL, y+lh+2*pad)
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
		x, y := marginL, f.GetY()
		for i, c := range cols {
			f.Rect(x, y, c.w, h, "D")
			for j, s := range lines[i] {
				f.SetXY(x+pad, y+pad+float64(j)*lh)
				f.CellFormat(c.w-2*pad, lh, s, "", 0, c.align, false, 0, "")
			}
			x += c.w
		}
		f.SetXY(marginL, y+h)
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

// signatures draws the two signature blocks, kept together on one page.
func (l *layout) signatures() {
	f, r := l.f, l.r
	const blockH = 42.0
	if f.GetY()+6+blockH > pageH-marginB-6 {
		f.AddPage()
	}
	y := f.GetY() + 6
	colW := contentW / 2
	for i, b := range []struct{ title, name string }{
		{"NGƯỜI NỘP HỒ SƠ", r.CitizenName},
		{"NGƯỜI TIẾP NHẬN HỒ SƠ", r.Officer},
	} {
		x := marginL + float64(i)*colW
		f.SetXY(x, y)
		l.font("B", 12)
		f.CellFormat(colW, 6, b.title, "", 2, "C", false, 0, "")
		l.font("I", 11)
		f.CellFormat(colW, 5.5, "(Ký và ghi rõ họ tên)", "", 2, "C", false, 0, "")
		if b.name != "" {
			f.SetXY(x, y+6+5.5+22)
			l.font("B", 12)
			f.MultiCell(colW, 6, b.name, "", "C", false)
		}
	}
}

// drawQR draws the QR code for content as filled rectangles (crisp at any printer
// resolution), inside a side×side square that includes the 4-module quiet zone.
func (l *layout) drawQR(x, y, side float64, content string) {
	f := l.f
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		f.SetError(fmt.Errorf("qr encode: %w", err))
		return
	}
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
