package printing

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// BookRow is one dossier in the dossier book (Mẫu 07). Zero times print empty cells:
// the step has not happened yet.
type BookRow struct {
	DossierCode string // "Mã hồ sơ"; required
	Procedure   string // "Tên TTHC"; required (a bundle's procedures joined by the caller)
	Sets        int    // "Số lượng hồ sơ (bộ)"; 0 prints 01
	Applicant   string // "Tên cá nhân, tổ chức"; required
	Address     string // "Địa chỉ, số điện thoại": the address…
	Phone       string // …and the phone, on the next line
	Handler     string // "Cơ quan chủ trì giải quyết"

	ReceivedAt  time.Time // "Nhận hồ sơ"; required
	Appointment time.Time // "Hẹn trả kết quả"
	SentAt      time.Time // "Chuyển hồ sơ đến cơ quan giải quyết"
	ResultAt    time.Time // "Nhận kết quả từ cơ quan giải quyết"
	ReturnedAt  time.Time // "Trả kết quả cho cá nhân, tổ chức"

	// Note is the "Ghi chú" column: the channel (online, by post), late, stopped,
	// withdrawn… as the caller words it.
	Note string
}

// Book is the "Sổ theo dõi hồ sơ" (Mẫu 07) over a period: a table in the form's fourteen
// columns on landscape A4 pages, its header repeated on every page.
type Book struct {
	Letterhead
	Volume   string    // "Quyển số"; optional
	From, To time.Time // the period (dates, inclusive); both required, From not after To
	Date     time.Time // the date line (when printed); zero means To
	Rows     []BookRow // in the book's order; none prints an empty book
}

// Validate reports what is missing or too long for the book to be printed.
func (b Book) Validate() error {
	var c checker
	c.letterhead(b.Letterhead)
	c.line(b.Volume, "Quyển số")
	c.date(b.From, "From", "Chọn ngày bắt đầu của kỳ rồi in lại.")
	c.date(b.To, "To", "Chọn ngày kết thúc của kỳ rồi in lại.")
	if !b.From.IsZero() && !b.To.IsZero() && b.To.Before(b.From) {
		c.fail("Ngày kết thúc trước ngày bắt đầu. Chọn lại kỳ rồi in lại.", "period ends before it starts")
	}
	if len(b.Rows) > MaxBookRows {
		c.fail(fmt.Sprintf("Sổ có quá nhiều hồ sơ để in một lần (tối đa %d). Chọn kỳ ngắn hơn rồi in lại.", MaxBookRows),
			"%d rows, more than %d", len(b.Rows), MaxBookRows)
	}
	for i, r := range b.Rows {
		if c.err != nil {
			break
		}
		row := func(what string) string {
			return fmt.Sprintf("Dòng %d của sổ (mã %s) thiếu %s. Kiểm tra lại hồ sơ rồi in lại.", i+1, orDots(strings.TrimSpace(r.DossierCode)), what)
		}
		c.required(r.DossierCode, fmt.Sprintf("row %d dossier code", i+1), row("mã hồ sơ"))
		c.required(r.Procedure, fmt.Sprintf("row %d procedure", i+1), row("tên thủ tục"))
		c.required(r.Applicant, fmt.Sprintf("row %d applicant", i+1), row("tên người nộp"))
		c.date(r.ReceivedAt, fmt.Sprintf("row %d ReceivedAt", i+1), row("ngày nhận hồ sơ"))
		if r.Sets < 0 || r.Sets > 99 {
			c.fail(fmt.Sprintf("Dòng %d của sổ có số bộ hồ sơ không hợp lệ. Kiểm tra lại rồi in lại.", i+1), "row %d: %d sets", i+1, r.Sets)
		}
		for _, v := range []string{r.DossierCode, r.Procedure, r.Applicant, r.Address, r.Phone, r.Handler} {
			c.line(v, fmt.Sprintf("Dòng %d", i+1))
		}
		c.line(r.Note, fmt.Sprintf("Dòng %d", i+1))
	}
	return c.err
}

func (b Book) normalized() Book {
	out := b
	out.Letterhead = b.Letterhead.normalized()
	out.Volume = cleanLine(b.Volume)
	if out.Date.IsZero() {
		out.Date = b.To
	}
	out.Rows = make([]BookRow, len(b.Rows))
	for i, r := range b.Rows {
		r.DossierCode, r.Procedure, r.Applicant = cleanLine(r.DossierCode), cleanLine(r.Procedure), cleanLine(r.Applicant)
		r.Address, r.Phone, r.Handler, r.Note = cleanLine(r.Address), cleanLine(r.Phone), cleanLine(r.Handler), cleanLine(r.Note)
		out.Rows[i] = r
	}
	return out
}

// RenderBook renders the book as a PDF into w on landscape A4 pages (opt.Size empty or
// "A4"; the book has no A5 layout). The same input and Options give the same bytes.
func RenderBook(w io.Writer, b Book, opt Options) error {
	if err := b.Validate(); err != nil {
		return err
	}
	if s := strings.ToUpper(strings.TrimSpace(opt.Size)); s != "" && s != "A4" {
		return &Error{
			Clerk: "Sổ theo dõi hồ sơ chỉ in trên khổ A4 ngang. Chọn khổ A4 rồi in lại.",
			Err:   fmt.Errorf("book on page size %q", opt.Size),
		}
	}
	b = b.normalized()
	period := "từ " + vnDay(b.From) + " đến " + vnDay(b.To)
	err := renderForm(w, geomA4L, created(opt, b.Date), "Sổ theo dõi hồ sơ "+period, "Sổ theo dõi hồ sơ "+period,
		func(s *sheet) { drawBook(s, b, period) })
	if err != nil {
		return formError("sổ theo dõi hồ sơ", err)
	}
	return nil
}

// bookColumns are the columns of TT 01/2018's dossier book (Mẫu 05 there, 07 in TT
// 03/2025), on a 275 mm wide page.
func bookColumns(s *sheet) []column {
	const dates = "Ngày, tháng, năm"
	cols := []column{
		{title: "TT", w: 8, align: "C"},
		{title: "Mã hồ sơ", w: 26, align: "L", breakAt: "-."},
		{title: "Tên TTHC", w: 33, align: "L"},
		{title: "Số lượng hồ sơ (bộ)", w: 11, align: "C"},
		{title: "Tên cá nhân, tổ chức", w: 24, align: "L"},
		{title: "Địa chỉ, số điện thoại", w: 31, align: "L"},
		{title: "Cơ quan chủ trì giải quyết", w: 23, align: "L"},
		{title: "Nhận hồ sơ", w: 18, align: "C", group: dates},
		{title: "Hẹn trả kết quả", w: 18, align: "C", group: dates},
		{title: "Chuyển hồ sơ đến cơ quan giải quyết", w: 18, align: "C", group: dates},
		{title: "Nhận kết quả từ cơ quan giải quyết", w: 18, align: "C", group: dates},
		{title: "Trả kết quả cho cá nhân, tổ chức", w: 18, align: "C", group: dates},
		{title: "Ký nhận", w: 12, align: "C"},
	}
	used := 0.0
	for _, c := range cols {
		used += c.w
	}
	return append(cols, column{title: "Ghi chú", w: s.g.contentW() - used, align: "L"})
}

// bookTime is a time in a cell of the book: the clock over the date, or nothing.
func bookTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d:%02d\n%s", t.Hour(), t.Minute(), vnDay(t))
}

func drawBook(s *sheet, b Book, period string) {
	s.letterhead(b.Letterhead, "", b.Date)
	sub := "(" + capitalized(period)
	if b.Volume != "" {
		sub += "; quyển số " + b.Volume
	}
	s.title("SỔ THEO DÕI HỒ SƠ", sub+")")
	t := s.table(bookColumns(s))
	t.size, t.headSize = 8.5, 8
	t.pad, t.lh = 1.1, 3.8
	t.numbered = true
	t.start()
	if len(b.Rows) == 0 {
		t.row("", "(Không có hồ sơ trong kỳ)")
		return
	}
	for i, r := range b.Rows {
		sets := r.Sets
		if sets == 0 {
			sets = 1
		}
		contact := r.Address
		if r.Phone != "" {
			contact = strings.TrimSpace(contact + "\n" + r.Phone)
		}
		t.row(fmt.Sprintf("%d", i+1), r.DossierCode, r.Procedure, fmt.Sprintf("%02d", sets), r.Applicant, contact, r.Handler,
			bookTime(r.ReceivedAt), bookTime(r.Appointment), bookTime(r.SentAt), bookTime(r.ResultAt), bookTime(r.ReturnedAt),
			"", r.Note)
	}
}
