package printing

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
)

// Copy certification (NĐ 23/2015/NĐ-CP, TT 01/2020/TT-BTP): the certification block
// ("lời chứng") printed onto each copy or onto stickers, the register (sổ chứng thực bản sao
// từ bản chính) of a period, and the fee receipt (biên lai thu phí, lệ phí) any fee paid at
// the counter is acknowledged with.

// CertBlock is the certification block of one copy (TT 01/2020, lời chứng of a copy
// certified from its original).
type CertBlock struct {
	Number  string    // "Số chứng thực"; required
	Volume  string    // "Quyển số" ("2026-SCT/BS"); required
	Place   string    // the place of the date line, e.g. "Phường Ba Đình"
	Date    time.Time // required
	Signer  string    // title of who certifies, e.g. "PHÓ CHỦ TỊCH"; empty prints "NGƯỜI THỰC HIỆN CHỨNG THỰC"
	Name    string    // the certifying person's name, when known
	Copy    int       // this copy's number among Copies (1-based); printed small for the clerk
	Copies  int
	Pages   int // pages of the copy
	Counter string
}

// Block layouts.
const (
	// LayoutSticker prints the blocks on an A4 sheet of labels, two columns of five (105 × 57
	// mm each), to stick on the copies' last pages.
	LayoutSticker = "sticker"
	// LayoutOnCopy prints one page per copy with the block in its lower half's right part:
	// the copy's last page is fed back into the printer.
	LayoutOnCopy = "copy"
)

// CertBlocks are the blocks of a certification's copies.
type CertBlocks struct {
	Blocks []CertBlock
	Layout string // LayoutSticker (default) or LayoutOnCopy
}

// MaxCertBlocks bounds one print of blocks.
const MaxCertBlocks = 1000

// Validate reports what is missing for the blocks to be printed.
func (b CertBlocks) Validate() error {
	var c checker
	if len(b.Blocks) == 0 {
		c.fail("Chưa có bản sao nào để in lời chứng. Thêm bản sao rồi in lại.", "no block")
	}
	if len(b.Blocks) > MaxCertBlocks {
		c.fail(fmt.Sprintf("Quá nhiều bản sao để in một lần (tối đa %d).", MaxCertBlocks), "%d blocks", len(b.Blocks))
	}
	switch b.Layout {
	case "", LayoutSticker, LayoutOnCopy:
	default:
		c.fail("Kiểu in lời chứng chưa đúng: chọn nhãn dán hoặc in lên bản sao.", "layout %q", b.Layout)
	}
	for i, k := range b.Blocks {
		if c.err != nil {
			break
		}
		c.required(k.Number, fmt.Sprintf("block %d number", i+1), "Bản sao chưa có số chứng thực. Chứng thực lại rồi in.")
		c.required(k.Volume, fmt.Sprintf("block %d volume", i+1), "Bản sao chưa có quyển số. Chứng thực lại rồi in.")
		c.date(k.Date, fmt.Sprintf("block %d date", i+1), "Bản sao chưa có ngày chứng thực. Chứng thực lại rồi in.")
		for _, v := range []string{k.Number, k.Volume, k.Place, k.Signer, k.Name, k.Counter} {
			c.line(v, fmt.Sprintf("Lời chứng %d", i+1))
		}
	}
	return c.err
}

// CertStatement is the statement of a copy certified from its original (TT 01/2020).
const CertStatement = "Chứng thực bản sao đúng với bản chính."

// RenderCertBlocks renders the blocks as a PDF into w (A4). The same input and Options give
// the same bytes.
func RenderCertBlocks(w io.Writer, b CertBlocks, opt Options) error {
	if err := b.Validate(); err != nil {
		return err
	}
	date := b.Blocks[0].Date
	title := "Lời chứng bản sao số " + cleanLine(b.Blocks[0].Number)
	err := renderForm(w, geomA4, created(opt, date), title, title, func(s *sheet) {
		s.f.SetFooterFunc(func() {}) // no page numbers: they would fall on the labels
		for i, k := range b.Blocks {
			k.Number, k.Volume, k.Place = cleanLine(k.Number), cleanLine(k.Volume), cleanLine(k.Place)
			k.Signer, k.Name, k.Counter = cleanLine(k.Signer), cleanLine(k.Name), cleanLine(k.Counter)
			if b.Layout == LayoutOnCopy {
				if i > 0 {
					s.f.AddPage()
				}
				// the lower half's right part: the copy's text above is left alone
				drawCertBlock(s, k, 105, 150, 90, 120)
				continue
			}
			const perPage, w, h = 10, 105.0, 57.0 // 2 × 5 labels on A4 (A4 is 210 × 297)
			n := i % perPage
			if n == 0 && i > 0 {
				s.f.AddPage()
			}
			x, y := float64(n%2)*w, 6+float64(n/2)*h
			s.f.SetLineWidth(0.1)
			s.f.SetDrawColor(170, 170, 170)
			s.f.Rect(x+1, y+1, w-2, h-2, "D") // the cut line of a sheet without die-cut labels
			s.f.SetDrawColor(0, 0, 0)
			drawCertBlock(s, k, x+4, y+3, w-8, h-6)
		}
	})
	if err != nil {
		return formError("lời chứng", err)
	}
	return nil
}

// drawCertBlock draws one block in the box at (x, y) of w × h mm.
func drawCertBlock(s *sheet, k CertBlock, x, y, w, h float64) {
	f := s.f
	f.SetAutoPageBreak(false, 0)
	defer f.SetAutoPageBreak(true, s.g.breakMargin())
	line := func(style string, size float64, text string, lh float64) {
		f.SetX(x)
		s.font(style, size)
		for size > 7 && f.GetStringWidth(text) > w {
			size -= 0.5
			s.font(style, size)
		}
		f.CellFormat(w, lh, text, "", 2, "C", false, 0, "")
	}
	f.SetXY(x, y)
	line("B", 10.5, strings.ToUpper(strings.TrimSuffix(CertStatement, ".")), 5)
	line("", 10, "Số chứng thực: "+k.Number+"     Quyển số: "+k.Volume, 5)
	place := k.Place
	if place == "" {
		place = "………"
	}
	line("I", 10, place+", "+FormatVNDate(k.Date), 5)
	signer := k.Signer
	if signer == "" {
		signer = "NGƯỜI THỰC HIỆN CHỨNG THỰC"
	}
	line("B", 10, signer, 5)
	line("I", 9, "(Ký, ghi rõ họ tên và đóng dấu)", 4.5)
	if k.Name != "" {
		f.SetXY(x, y+h-10)
		line("B", 10, k.Name, 5)
	}
	f.SetXY(x, y+h-5)
	note := fmt.Sprintf("Bản sao %d/%d", k.Copy, k.Copies)
	if k.Pages > 0 {
		note += fmt.Sprintf(" — %d trang", k.Pages)
	}
	if k.Counter != "" {
		note += " — quầy " + k.Counter
	}
	line("I", 7.5, note, 4)
}

// CertRegisterRow is one certification in the register.
type CertRegisterRow struct {
	Number    string    // "Số chứng thực"; required
	Date      time.Time // required
	Requester string    // "Họ tên người yêu cầu chứng thực"; required
	RequestID string    // the requester's ID number
	Document  string    // "Tên của bản chính giấy tờ, văn bản"; required
	Pages     int
	Copies    int    // "Số bản sao đã được chứng thực"
	Fee       string // the fee collected, as printed ("40.000", "miễn", "chưa có mức phí")
	Officer   string // who received it at the counter
	Note      string
}

// CertRegister is the register of copies certified from their originals over a period.
type CertRegister struct {
	Letterhead
	Volume   string    // "Quyển số"
	From, To time.Time // the period (dates, inclusive)
	Date     time.Time // the date line; zero means To
	Rows     []CertRegisterRow
	Total    string // the fees of the period, as printed; optional
}

// Validate reports what is missing for the register to be printed.
func (r CertRegister) Validate() error {
	var c checker
	c.letterhead(r.Letterhead)
	c.line(r.Volume, "Quyển số")
	c.date(r.From, "From", "Chọn ngày bắt đầu của kỳ rồi in lại.")
	c.date(r.To, "To", "Chọn ngày kết thúc của kỳ rồi in lại.")
	if len(r.Rows) > MaxBookRows {
		c.fail(fmt.Sprintf("Sổ có quá nhiều dòng để in một lần (tối đa %d). Chọn kỳ ngắn hơn rồi in lại.", MaxBookRows),
			"%d rows, more than %d", len(r.Rows), MaxBookRows)
	}
	for i, row := range r.Rows {
		if c.err != nil {
			break
		}
		what := func(x string) string {
			return fmt.Sprintf("Dòng %d của sổ chứng thực thiếu %s. Kiểm tra lại rồi in lại.", i+1, x)
		}
		c.required(row.Number, fmt.Sprintf("row %d number", i+1), what("số chứng thực"))
		c.required(row.Requester, fmt.Sprintf("row %d requester", i+1), what("tên người yêu cầu"))
		c.required(row.Document, fmt.Sprintf("row %d document", i+1), what("tên giấy tờ"))
		c.date(row.Date, fmt.Sprintf("row %d date", i+1), what("ngày chứng thực"))
		for _, v := range []string{row.Number, row.Requester, row.RequestID, row.Document, row.Fee, row.Officer, row.Note} {
			c.line(v, fmt.Sprintf("Dòng %d", i+1))
		}
	}
	c.line(r.Total, "Tổng phí")
	return c.err
}

// RenderCertRegister renders the register as a PDF into w on landscape A4 pages, its header
// repeated on every page.
func RenderCertRegister(w io.Writer, r CertRegister, opt Options) error {
	if err := r.Validate(); err != nil {
		return err
	}
	r.Letterhead = r.normalized() // the letterhead's
	r.Volume, r.Total = cleanLine(r.Volume), cleanLine(r.Total)
	if r.Date.IsZero() {
		r.Date = r.To
	}
	period := "từ " + vnDay(r.From) + " đến " + vnDay(r.To)
	title := "Sổ chứng thực bản sao từ bản chính " + period
	err := renderForm(w, geomA4L, created(opt, r.Date), title, title, func(s *sheet) {
		s.letterhead(r.Letterhead, "", r.Date)
		sub := "(" + capitalized(period)
		if r.Volume != "" {
			sub += "; quyển số " + r.Volume
		}
		s.title("SỔ CHỨNG THỰC BẢN SAO TỪ BẢN CHÍNH", sub+")")
		cols := []column{
			{title: "Số chứng thực", w: 24, align: "C"},
			{title: "Ngày, tháng, năm chứng thực", w: 24, align: "C"},
			{title: "Họ tên người yêu cầu chứng thực", w: 44, align: "L"},
			{title: "Tên của bản chính giấy tờ, văn bản", w: 64, align: "L"},
			{title: "Số trang", w: 14, align: "C"},
			{title: "Số bản sao đã được chứng thực", w: 22, align: "C"},
			{title: "Phí chứng thực (đồng)", w: 24, align: "R"},
			{title: "Người tiếp nhận", w: 30, align: "L"},
		}
		used := 0.0
		for _, c := range cols {
			used += c.w
		}
		cols = append(cols, column{title: "Ghi chú", w: s.g.contentW() - used, align: "L"})
		t := s.table(cols)
		t.size, t.headSize = 9.5, 9
		t.pad, t.lh = 1.2, 4.2
		t.numbered = true
		t.start()
		if len(r.Rows) == 0 {
			t.row("", "", "(Không có việc chứng thực nào trong kỳ)")
			return
		}
		for _, row := range r.Rows {
			who := cleanLine(row.Requester)
			if id := cleanLine(row.RequestID); id != "" {
				who += "\n" + id
			}
			t.row(cleanLine(row.Number), vnDay(row.Date), who, cleanLine(row.Document), numOrBlank(row.Pages), numOrBlank(row.Copies),
				cleanLine(row.Fee), cleanLine(row.Officer), cleanLine(row.Note))
		}
		if r.Total != "" {
			s.f.Ln(s.u(3))
			s.font("B", 11)
			s.f.CellFormat(s.g.contentW(), s.u(6), "Tổng phí chứng thực trong kỳ: "+r.Total+" đồng", "", 1, "L", false, 0, "")
		}
	})
	if err != nil {
		return formError("sổ chứng thực", err)
	}
	return nil
}

func numOrBlank(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf("%d", n)
}

// FeeItem is one line of a fee receipt.
type FeeItem struct {
	Name     string // the charge, e.g. "Phí chứng thực bản sao từ bản chính"
	Detail   string // what it is for ("10 bản sao × 2 trang, số chứng thực 0300012")
	Amount   int64  // đồng
	Exempt   string // an exemption: the line prints it and counts nothing
	Unknown  bool   // the schedule gives no amount: the line says so and counts nothing
	Quantity int    // units charged (copies, cases); 0 prints nothing
}

// FeeReceipt is the biên lai thu phí, lệ phí given for the fees paid at the counter
// (NĐ 11/2020/NĐ-CP on receipts; the printed layout follows the e-receipt's fields).
type FeeReceipt struct {
	Letterhead
	Number    string // the receipt's number: the dossier code or the certification number; required
	Date      time.Time
	Payer     string // required
	PayerID   string
	Address   string
	Items     []FeeItem // at least one
	Method    string    // "Tiền mặt" (default)
	Collector string    // who collected
}

// Total is the sum of the lines that are charged.
func (r FeeReceipt) Total() int64 {
	var t int64
	for _, it := range r.Items {
		if it.Exempt == "" && !it.Unknown {
			t += it.Amount
		}
	}
	return t
}

// Validate reports what is missing for the receipt to be printed.
func (r FeeReceipt) Validate() error {
	var c checker
	c.letterhead(r.Letterhead)
	c.required(r.Number, "number", "Biên lai chưa có số. Tiếp nhận hoặc chứng thực trước rồi in lại.")
	c.required(r.Payer, "payer", "Biên lai chưa có tên người nộp. Xác định công dân rồi in lại.")
	c.date(r.Date, "date", "Biên lai chưa có ngày thu. In lại từ hồ sơ.")
	if len(r.Items) == 0 {
		c.fail("Biên lai chưa có khoản thu nào.", "no item")
	}
	if len(r.Items) > 200 {
		c.fail("Biên lai có quá nhiều khoản thu (tối đa 200).", "%d items", len(r.Items))
	}
	for i, it := range r.Items {
		c.required(it.Name, fmt.Sprintf("item %d name", i+1), fmt.Sprintf("Khoản thu %d chưa có tên.", i+1))
		if it.Amount < 0 || it.Amount > 1_000_000_000_000 {
			c.fail(fmt.Sprintf("Khoản thu %d có số tiền không hợp lệ.", i+1), "item %d amount %d", i+1, it.Amount)
		}
		for _, v := range []string{it.Name, it.Detail, it.Exempt} {
			c.line(v, fmt.Sprintf("Khoản thu %d", i+1))
		}
	}
	for _, v := range []string{r.Number, r.Payer, r.PayerID, r.Address, r.Method, r.Collector} {
		c.line(v, "Biên lai")
	}
	return c.err
}

// RenderFeeReceipt renders the fee receipt as a PDF into w (A4, or A5 with opt.Size).
func RenderFeeReceipt(w io.Writer, r FeeReceipt, opt Options) error {
	if err := r.Validate(); err != nil {
		return err
	}
	g, err := formPaper(opt, "")
	if err != nil {
		return err
	}
	r.Letterhead = r.normalized() // the letterhead's
	r.Number, r.Payer, r.PayerID, r.Address = cleanLine(r.Number), cleanLine(r.Payer), cleanLine(r.PayerID), cleanLine(r.Address)
	r.Method, r.Collector = cleanLine(r.Method), cleanLine(r.Collector)
	if r.Method == "" {
		r.Method = "Tiền mặt"
	}
	title := "Biên lai thu phí, lệ phí " + r.Number
	err = renderForm(w, g, created(opt, r.Date), title, title, func(s *sheet) {
		s.letterhead(r.Letterhead, r.Number, r.Date)
		s.title("BIÊN LAI THU PHÍ, LỆ PHÍ", "")
		s.field("Họ tên người nộp", r.Payer, true)
		if r.PayerID != "" {
			s.field("Số định danh cá nhân", r.PayerID, false)
		}
		if r.Address != "" {
			s.field("Địa chỉ", r.Address, false)
		}
		s.field("Hình thức thanh toán", r.Method, false)
		s.f.Ln(s.u(2))
		cw := s.g.contentW()
		t := s.table([]column{
			{title: "STT", w: s.u(12), align: "C"},
			{title: "Tên khoản thu", w: cw - s.u(12+34), align: "L"},
			{title: "Số tiền (đồng)", w: s.u(34), align: "R"},
		})
		t.start()
		for i, it := range r.Items {
			name := cleanLine(it.Name)
			if d := cleanLine(it.Detail); d != "" {
				name += "\n" + d
			}
			amount := FormatMoney(it.Amount)
			switch {
			case it.Exempt != "":
				name += "\nMiễn: " + cleanLine(it.Exempt)
				amount = "0"
			case it.Unknown:
				name += "\nChưa có mức thu trong biểu phí của phường: ghi tay số tiền"
				amount = ""
			}
			t.row(fmt.Sprintf("%d", i+1), name, amount)
		}
		t.row("", "Tổng cộng", FormatMoney(r.Total()))
		s.f.Ln(s.u(3))
		s.para("I", bodySize, "L", "Số tiền viết bằng chữ: "+MoneyWords(r.Total())+".")
		s.signatures([]signer{{title: "NGƯỜI NỘP TIỀN", hint: hintSign, name: r.Payer},
			{title: "NGƯỜI THU TIỀN", hint: hintSign, name: r.Collector}}, nil)
	})
	if err != nil {
		return formError("biên lai thu phí", err)
	}
	return nil
}

// RenderFeeReceiptBytes renders the fee receipt and returns the PDF.
func RenderFeeReceiptBytes(r FeeReceipt, opt Options) ([]byte, error) {
	var buf bytes.Buffer
	if err := RenderFeeReceipt(&buf, r, opt); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// FormatMoney writes an amount in đồng with dots between thousands: 1234567 → "1.234.567".
func FormatMoney(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := fmt.Sprintf("%d", n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// MoneyWords writes an amount in đồng in Vietnamese words, capitalised: 40000 → "Bốn mươi
// nghìn đồng".
func MoneyWords(n int64) string {
	if n < 0 {
		return "Âm " + strings.ToLower(MoneyWords(-n))
	}
	if n == 0 {
		return "Không đồng"
	}
	units := []string{"", " nghìn", " triệu", " tỷ", " nghìn tỷ", " triệu tỷ", " tỷ tỷ"}
	var groups []int64
	for v := n; v > 0; v /= 1000 {
		groups = append(groups, v%1000)
	}
	var parts []string
	for i := len(groups) - 1; i >= 0; i-- {
		g := groups[i]
		if g == 0 {
			continue
		}
		parts = append(parts, threeDigits(int(g), i < len(groups)-1)+units[i])
	}
	return capitalized(strings.Join(parts, " ") + " đồng")
}

var digitWords = []string{"không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"}

// threeDigits reads 0 < n < 1000; full reads the hundreds of a group that follows a higher
// one ("không trăm linh năm").
func threeDigits(n int, full bool) string {
	h, t, u := n/100, n/10%10, n%10
	var out []string
	if h > 0 || full {
		out = append(out, digitWords[h]+" trăm")
	}
	switch {
	case t == 0 && u == 0:
		return strings.Join(out, " ")
	case t == 0:
		if len(out) > 0 {
			out = append(out, "linh")
		}
	case t == 1:
		out = append(out, "mười")
	default:
		out = append(out, digitWords[t]+" mươi")
	}
	switch {
	case u == 0:
	case u == 1 && t > 1:
		out = append(out, "mốt")
	case u == 5 && t > 0:
		out = append(out, "lăm")
	case u == 4 && t > 1:
		out = append(out, "tư")
	default:
		out = append(out, digitWords[u])
	}
	return strings.Join(out, " ")
}
