package printing

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The one-stop forms of Nghị định 118/2025/NĐ-CP, Thông tư 03/2025/TT-VPCP Phụ lục I,
// besides the receipt (Mẫu 01, receipt.go): 02 SupplementSlip, 03 Refusal, 04 Apology,
// 05 StopNotice, 06 ControlSheet, 07 Book. Each is a plain struct the use cases fill,
// with Validate, and a Render function writing one PDF. Where the wording, fields or
// paper of a form could not be confirmed against the official text, the layout follows
// the forms of TT 01/2018/TT-VPCP (docs/FORMS.md, "The one-stop forms").
//
// Every text field is hostile input: Validate refuses what is too long or missing, and
// the renderer prints a normalized copy (trimmed, NFC, control characters out, characters
// outside the fonts shown as "?", line breaks kept only in free text).

// ErrInvalidForm is wrapped by the errors the form renderers return for incomplete or
// oversized input.
var ErrInvalidForm = errors.New("invalid form")

// Limits on the input of a form. They are far above what a counter types and keep a
// hostile value from filling pages.
const (
	MaxLineRunes = 500   // a name, a code, an address, a procedure's name
	MaxTextRunes = 4000  // a reason, a guidance, a legal basis
	MaxListItems = 200   // documents, reasons, procedures, hand-overs of one form
	MaxQRBytes   = 1000  // the content of a QR code
	MaxBookRows  = 50000 // rows of one printed book (about 5,000 pages)
)

// Applicant is the person a form is addressed to or the dossier belongs to.
type Applicant struct {
	Name    string // e.g. "Nguyễn Thị Hoà"
	ID      string // personal identification number; optional
	Phone   string // optional
	Address string // optional
}

func (a Applicant) normalized() Applicant {
	return Applicant{Name: cleanLine(a.Name), ID: cleanLine(a.ID), Phone: cleanLine(a.Phone), Address: cleanLine(a.Address)}
}

// Signer is who signs a letter of the agency (Mẫu 04, 05).
type Signer struct {
	// Title is the signer's capacity, printed in bold capitals, one line per "\n":
	// "CHỦ TỊCH", or "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH". Empty prints "THỦ TRƯỞNG CƠ QUAN".
	Title string
	Name  string // printed under the space to sign; optional
}

func (s Signer) normalized() Signer {
	return Signer{Title: strings.ToUpper(clean(s.Title)), Name: cleanLine(s.Name)}
}

func (s Signer) block() signer {
	title := s.Title
	if title == "" {
		title = "THỦ TRƯỞNG CƠ QUAN"
	}
	return signer{title: title, hint: hintSignStamp, name: s.Name}
}

// clean is free text as printed: trimmed, NFC, within the fonts' character set, line
// breaks kept (a "\r\n" counts as one).
func clean(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return printable(norm.NFC.String(strings.TrimSpace(s)))
}

// cleanLine is a one-line value as printed: like clean, with line breaks as spaces.
func cleanLine(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("\n", " ", "\r", " ").Replace(clean(s))), " ")
}

// cleanList is a list of free texts as printed, the empty ones dropped.
func cleanList(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = clean(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func formInvalid(clerk, format string, args ...any) error {
	return &Error{Clerk: clerk, Err: fmt.Errorf("%w: "+format, append([]any{ErrInvalidForm}, args...)...)}
}

// checker collects the first problem of a form's input.
type checker struct{ err error }

func (c *checker) fail(clerk, format string, args ...any) {
	if c.err == nil {
		c.err = formInvalid(clerk, format, args...)
	}
}

// required checks a value that must be given.
func (c *checker) required(v, what, clerk string) {
	if strings.TrimSpace(v) == "" {
		c.fail(clerk, "empty %s", what)
	}
}

// line checks the length of a one-line value.
func (c *checker) line(v, what string) {
	if utf8.RuneCountInString(v) > MaxLineRunes {
		c.fail("Nội dung \""+what+"\" quá dài. Rút gọn rồi in lại.", "%s longer than %d characters", what, MaxLineRunes)
	}
}

// text checks the length of a free text.
func (c *checker) text(v, what string) {
	if utf8.RuneCountInString(v) > MaxTextRunes {
		c.fail("Nội dung \""+what+"\" quá dài. Rút gọn rồi in lại.", "%s longer than %d characters", what, MaxTextRunes)
	}
}

// count checks the length of a list.
func (c *checker) count(n int, what string) {
	if n > MaxListItems {
		c.fail(fmt.Sprintf("Danh sách \"%s\" quá dài (tối đa %d dòng). Rút gọn rồi in lại.", what, MaxListItems), "%s: %d items, more than %d", what, n, MaxListItems)
	}
}

// date checks a time that must be given.
func (c *checker) date(t time.Time, what, clerk string) {
	if t.IsZero() {
		c.fail(clerk, "zero %s", what)
	}
}

func (c *checker) letterhead(h Letterhead) {
	c.line(h.ParentAgency, "Cơ quan chủ quản")
	c.line(h.Agency, "Cơ quan")
	c.line(h.AgencyAddress, "Địa chỉ cơ quan")
	c.line(h.Place, "Địa danh")
}

func (c *checker) applicant(a Applicant, clerk string) {
	c.required(a.Name, "applicant name", clerk)
	c.line(a.Name, "Họ tên")
	c.line(a.ID, "Số định danh")
	c.line(a.Phone, "Số điện thoại")
	c.line(a.Address, "Địa chỉ")
}

func (c *checker) signer(s Signer) {
	c.line(s.Title, "Chức vụ người ký")
	c.line(s.Name, "Người ký")
}

// procedureNames checks a list of procedure names of which at least one is given.
func (c *checker) procedureNames(ps []string) {
	if len(ps) == 0 {
		c.fail("Chưa có thủ tục nào. Chọn thủ tục rồi in lại.", "no procedure")
	}
	c.count(len(ps), "Thủ tục")
	for i, p := range ps {
		if strings.TrimSpace(p) == "" {
			c.fail("Có thủ tục chưa có tên. Chọn lại thủ tục rồi in lại.", "procedure %d has no name", i+1)
		}
		c.line(p, "Thủ tục")
	}
}

// formPaper is the geometry of opt.Size, the form's own paper when it is empty.
func formPaper(opt Options, own string) (geometry, error) {
	if strings.TrimSpace(opt.Size) == "" {
		opt.Size = own
	}
	return paper(opt)
}

// created is the date written into the PDF: opt.CreationDate, or the form's date.
func created(opt Options, date time.Time) time.Time {
	if opt.CreationDate.IsZero() {
		return date
	}
	return opt.CreationDate
}

// formError is a rendering failure of the form named (Vietnamese, for the clerk).
func formError(name string, err error) error {
	return &Error{Clerk: "Không tạo được " + name + ". Thử in lại; nếu vẫn lỗi, báo quản trị.", Err: err}
}

// vnTimeShort is a time as a table cell prints it ("10:05 ngày 26/11/2026"), or a blank to
// fill by hand.
func vnTimeShort(t time.Time) string {
	if t.IsZero() {
		return "……:…… ngày ……/……/…………"
	}
	return FormatShortTime(t)
}

// vnDay is the date of t as "26/11/2026", or a blank to fill by hand.
func vnDay(t time.Time) string {
	if t.IsZero() {
		return "……/……/…………"
	}
	return fmt.Sprintf("%02d/%02d/%04d", t.Day(), int(t.Month()), t.Year())
}

// addressee is how a form's text names the applicant: "ông/bà Nguyễn Thị Hoà".
func addressee(a Applicant) string { return "ông/bà " + orDots(a.Name) }
