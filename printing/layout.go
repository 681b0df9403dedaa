package printing

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"

	"codeberg.org/go-pdf/fpdf"
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
	landscape                          bool    // the page turned (pageW > pageH)
}

var (
	geomA4 = geometry{size: "A4", pageW: 210, pageH: 297, marginL: 25, marginR: 15, marginT: 15, marginB: 16, fs: 1, ls: 1, qrBox: 30, leftW: 76}
	// A5 keeps the A4 composition on 71 % of the length: fonts at 78 % (body 9.4 pt,
	// above the 9 pt a printed form is comfortably read at), lengths at 68 % (line pitch
	// 4.35 mm, 1.3 × the font size), narrower margins, a wider agency column so that the
	// agency name stays on one line, and a QR code of 24 mm (modules ≥ 0.5 mm). A
	// one-procedure receipt with a few documents fits on one page.
	geomA5 = geometry{size: "A5", pageW: 148, pageH: 210, marginL: 15, marginR: 10, marginT: 9, marginB: 9, fs: 0.78, ls: 0.68, qrBox: 24, leftW: 60}
	// A4 landscape is the dossier book's (Mẫu 07): a table of fourteen columns over
	// 275 mm, the letterhead at the A4 sizes, narrower margins.
	geomA4L = geometry{size: "A4", pageW: 297, pageH: 210, marginL: 12, marginR: 10, marginT: 12, marginB: 10, fs: 1, ls: 1, qrBox: 30, leftW: 100, landscape: true}
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

// breakMargin is the margin of fpdf's automatic page break: text that would run below
// bottom() goes to the next page.
func (g geometry) breakMargin() float64 { return g.pageH - g.bottom() }

type fontFace struct {
	style string
	ttf   []byte
}

// fonts cuts the three faces, once per process, down to the characters a receipt can hold
// (see printableRunes): fpdf's parse of a face (once per prototype document, pdfdoc.go)
// grows with the font's highest code point, and a document's subsets are cut from these.
// normalized() replaces characters outside the set (see printable).
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
	sheet
	r  Receipt
	qr *qrSymbol // the current receipt's QR code
}

// render draws rs (already validated and normalized) into one document on paper g.
// Each receipt is drawn on its own (its QR code, its fit, its pages, their compression),
// on as many processors as there are, and the pages are written in order.
func render(w io.Writer, rs []Receipt, g geometry, created time.Time, title string) error {
	ds, err := drawReceipts(rs, 0, g)
	if err != nil {
		return err
	}
	return joinDrawings(ds).write(w, docInfo{created: created, title: title})
}

// drawReceipts draws rs in parallel, rs[0] being the first-th receipt of its document.
func drawReceipts(rs []Receipt, first int, g geometry) ([]*drawing, error) {
	ds := make([]*drawing, len(rs))
	errs := make([]error, len(rs))
	eachParallel(len(rs), func(i int) { ds[i], errs[i] = drawReceipt(rs[i], first+i, g) })
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return ds, nil
}

// drawReceipt draws receipt r, the idx-th of its document, on its own pages.
func drawReceipt(r Receipt, idx int, g geometry) (*drawing, error) {
	code, err := encodeQR(r)
	if err != nil {
		return nil, err
	}
	fit := fitted(r, g, code)
	l := &layout{sheet: sheet{g: g, fresh: true}}
	d, err := drawDoc(g, func(f *fpdf.Fpdf) error {
		l.f = f
		f.SetFooterFunc(l.footer)
		l.begin(idx, "Mã hồ sơ: "+r.DossierCode)
		l.setGeometry(fit)
		l.r, l.qr = r, code
		l.draw()
		l.end()
		finish(f, l.footer)
		return nil
	})
	if err == nil {
		err = d.seal(l.aliases)
	}
	if err != nil {
		return nil, fmt.Errorf("layout of receipt %d (%s): %w", idx+1, r.DossierCode, err)
	}
	return d, nil
}

// encodeQR is the QR code of r: r.QR when it carries r's content, else encoded now.
func encodeQR(r Receipt) (*qrSymbol, error) {
	content := QRContent(r)
	if r.QR != nil && r.QR.content == content {
		return r.QR.sym, nil
	}
	code, err := encodeQRM(content)
	if err != nil {
		return nil, fmt.Errorf("qr encode of %s: %w", r.DossierCode, err)
	}
	return code, nil
}

// eachParallel runs fn(0) … fn(n-1) on up to GOMAXPROCS goroutines.
func eachParallel(n int, fn func(i int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// draw lays out the current receipt from the top of its first page.
func (l *layout) draw() {
	r := l.r
	l.letterhead(Letterhead{ParentAgency: r.ParentAgency, Agency: r.Agency, AgencyAddress: r.AgencyAddress, Place: r.Place}, "", r.ReceivedAt)
	l.title("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Mã hồ sơ: "+r.DossierCode)
	l.parties()
	l.items()
	l.signatures(l.signers(), nil)
}

// fitScales are the tighter settings tried, in order, for a receipt that would run
// over one A4 page (a bundle of several procedures): fonts and spacing at 94 %, 88 %,
// 82 % of the A4 ones (the body stays at 9.8 pt or more).
var fitScales = []float64{0.94, 0.88, 0.82}

// fitted is the geometry a receipt is drawn with: on A4 a receipt fits on one page,
// tightened when it must be (a bundle's receipt holding three procedures); A5 keeps its
// geometry and continues on a second page, the signatures never alone there.
func fitted(r Receipt, g geometry, code *qrSymbol) geometry {
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
// and never written).
func measure(r Receipt, g geometry, code *qrSymbol) int {
	d, err := drawDoc(g, func(f *fpdf.Fpdf) error {
		l := &layout{sheet: sheet{f: f, g: g, start: 1}, r: r, qr: code}
		l.draw()
		return nil
	})
	if err != nil {
		return 2
	}
	return len(d.pages)
}

// parties writes who received the dossier from whom, with the QR code on the right,
// then what the dossier asks for.
func (l *layout) parties() {
	f, r, lh := l.f, l.r, l.u(lineH)
	l.withQR(l.qr, "Quét mã để tra cứu hồ sơ", func() {
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
	})
	l.procedures("Nội dung yêu cầu giải quyết", r.Procedures)
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
	tail := 2*lh + l.u(6) + l.signaturesHeight(l.signers(), nil)
	if r.ResidenceFrom != "" {
		tail += l.u(1) + 2*small
	}
	if len(r.Notes) > 0 {
		tail += l.u(1) + small*float64(1+2*len(r.Notes))
	}
	if len(r.Fees) > 0 {
		tail += lh * float64(1+len(r.Fees))
	}
	if f.GetY()+tail > g.bottom() {
		f.AddPage()
	}
	l.field("5. Đăng ký nhận kết quả tại", r.ResultPlace, false)
	l.fees()

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
	cw := l.g.contentW()
	t := l.table([]column{
		{title: "STT", w: l.u(12), align: "C"},
		{title: "Tên giấy tờ", w: cw - l.u(12+28+22), align: "L"},
		{title: "Hình thức", w: l.u(28), align: "C"},
		{title: "Số lượng", w: l.u(22), align: "C"},
	})
	t.start()
	if len(l.r.Documents) == 0 {
		t.row("", "(Không có giấy tờ kèm theo)", "", "")
		return
	}
	for i, d := range l.r.Documents {
		kind := "Bản sao"
		if d.Original {
			kind = "Bản chính"
		}
		count := ""
		if d.Count > 0 {
			count = fmt.Sprintf("%02d", d.Count)
		}
		name := d.Name
		if d.Electronic {
			kind, count, name = "Điện tử", "", name+"\n"+ElectronicNote(d.Source)
		}
		t.row(fmt.Sprintf("%d", i+1), name, kind, count)
	}
}

// signers are the receipt's two signature blocks.
func (l *layout) signers() []signer {
	return []signer{
		{title: "NGƯỜI NỘP HỒ SƠ", hint: hintSign, name: l.r.CitizenName},
		{title: "NGƯỜI TIẾP NHẬN HỒ SƠ", hint: hintSign, name: l.r.Officer},
	}
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

// ElectronicNote says that a document was shown electronically and no copy was taken.
func ElectronicNote(source string) string {
	if source == "" {
		return "(xuất trình điện tử, không thu bản sao)"
	}
	return "(xuất trình điện tử qua " + source + ", không thu bản sao)"
}

// FeeText is a procedure's fee as printed: the amount, the exemption, or why it is not known.
func FeeText(f ReceiptFee) string {
	switch {
	case f.Exempt != "":
		return "miễn (" + f.Exempt + ")"
	case !f.Known:
		return "theo mức thu của tỉnh (thu theo biên lai)"
	}
	return FormatMoney(f.Amount) + " đồng"
}

// fees writes item 6: the procedures' fees, one line for one procedure, a list for
// several with their total.
func (l *layout) fees() {
	r, f, lh := l.r, l.f, l.u(lineH)
	if len(r.Fees) == 0 {
		return
	}
	if len(r.Fees) == 1 {
		l.field("6. Phí, lệ phí", r.Fees[0].Procedure+": "+FeeText(r.Fees[0]), false)
		return
	}
	l.font("", bodySize)
	f.Write(lh, "6. Phí, lệ phí:")
	f.Ln(lh)
	var total int64
	for i, fee := range r.Fees {
		if fee.Known && fee.Exempt == "" {
			total += fee.Amount
		}
		l.listItem(fmt.Sprintf("%d.", i+1), func() {
			l.font("", bodySize)
			f.Write(lh, fee.Procedure+": "+FeeText(fee))
		})
	}
	l.field("Tổng cộng", FormatMoney(total)+" đồng", true)
}
