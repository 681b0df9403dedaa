package printing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// Procedure is one administrative procedure the dossier asks for. A bundle ("liên thông")
// has several, each with its own appointment.
type Procedure struct {
	Name        string    // e.g. "Đăng ký thường trú"
	Appointment time.Time // when the result is due; zero prints a blank to fill by hand
	Handler     string    // agency that decides, when it is not the receiving one; optional
}

// Document is one paper received with the dossier.
type Document struct {
	Name     string
	Original bool // true: "Bản chính"; false: "Bản sao"
	Count    int
	// Electronic: the citizen showed it electronically (integrated in VNeID or held in a
	// national database, Chỉ thị 24/CT-TTg and Công văn 159/TTg-CĐS, 2025): no paper and
	// no copy was taken; Source names where it was shown ("VNeID", "CSDL hộ tịch").
	Electronic bool
	Source     string
}

// ReceiptFee is a procedure's fee (phí, lệ phí) as the receipt prints it.
type ReceiptFee struct {
	Procedure string
	Amount    int64  // đồng
	Known     bool   // false: the fee schedule gives no amount (a provincial duty not configured)
	Exempt    string // an exemption: nothing is charged, the reason is printed
}

// Receipt is everything printed on the "Giấy tiếp nhận hồ sơ và hẹn trả kết quả".
// Times are printed in their own location (the counter's local time).
type Receipt struct {
	ParentAgency  string // e.g. "UBND phường Ba Đình"; printed upper-case
	Agency        string // e.g. "Bộ phận Tiếp nhận và Trả kết quả"; printed upper-case, bold
	AgencyAddress string // optional, printed small under the agency header
	Place         string // place of the date line, e.g. "Phường Ba Đình"

	DossierCode string // e.g. "G22.99.08-261123-0004"; required
	Officer     string // receiving officer

	CitizenName, CitizenID, Phone, Address string

	Procedures []Procedure // at least one
	Documents  []Document

	ReceivedAt  time.Time // required
	ResultPlace string    // where the result is handed over

	// ResidenceFrom names the source the residence data was taken from (e.g. "Cơ sở dữ
	// liệu quốc gia về dân cư") and ResidenceAt when; an empty ResidenceFrom prints no note.
	ResidenceFrom string
	ResidenceAt   time.Time

	// LookupURL is optional. When set, the QR carries it with the dossier code filled in
	// (see QRContent); otherwise the QR carries the dossier code alone.
	LookupURL string

	Notes []string // extra lines under "Ghi chú"

	// Fees are the procedures' fees (item 6, "Phí, lệ phí"); none prints no item.
	Fees []ReceiptFee

	// QR, when set (EncodeQR), is the receipt's QR code already encoded, drawn by every
	// rendering of the receipt instead of encoding it again (a batch run draws each receipt
	// twice: the copy kept and the run's PDF). A code that does not carry QRContent of this
	// receipt is not used: the right one is encoded.
	QR *QRCode
}

// QRCode is a receipt's QR code, encoded once by EncodeQR. It is immutable: renderings on
// several goroutines may share it.
type QRCode struct {
	content string
	sym     *qrSymbol
}

// EncodeQR encodes the QR code of r (QRContent, of the dossier code as the receipt prints
// it), for r.QR.
func EncodeQR(r Receipt) (*QRCode, error) {
	r.DossierCode, r.LookupURL = printable(norm.NFC.String(strings.TrimSpace(r.DossierCode))), strings.TrimSpace(r.LookupURL) // as normalized does
	content := QRContent(r)
	sym, err := encodeQRM(content)
	if err != nil {
		return nil, fmt.Errorf("qr encode of %s: %w", r.DossierCode, err)
	}
	return &QRCode{content: content, sym: sym}, nil
}

// Options tune the rendering.
type Options struct {
	Size string // "A4" (the default when empty) or "A5" (portrait 148×210 mm), any case
	// CreationDate is written into the PDF metadata; fix it for byte-identical output.
	// Zero means ReceivedAt.
	CreationDate time.Time
}

// Error is a printing failure. Error() is the English text for logs; Clerk is the short
// Vietnamese text to show at the counter, with what to do next.
type Error struct {
	Clerk string
	Err   error
}

func (e *Error) Error() string { return "printing: " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ErrInvalidReceipt is wrapped by the errors RenderPDF returns for incomplete input.
var ErrInvalidReceipt = errors.New("invalid receipt")

func invalid(clerk, format string, args ...any) error {
	return &Error{Clerk: clerk, Err: fmt.Errorf("%w: "+format, append([]any{ErrInvalidReceipt}, args...)...)}
}

// Validate reports what is missing for a receipt to be printed.
func (r Receipt) Validate() error {
	if strings.TrimSpace(r.DossierCode) == "" {
		return invalid("Chưa có mã hồ sơ. Lưu hồ sơ để cấp mã rồi in lại.", "empty dossier code")
	}
	if r.ReceivedAt.IsZero() {
		return invalid("Thiếu thời gian nhận hồ sơ. Lưu hồ sơ rồi in lại.", "zero ReceivedAt")
	}
	if len(r.Procedures) == 0 {
		return invalid("Hồ sơ chưa có thủ tục nào. Chọn thủ tục rồi in lại.", "no procedure")
	}
	for i, p := range r.Procedures {
		if strings.TrimSpace(p.Name) == "" {
			return invalid("Có thủ tục chưa có tên. Chọn lại thủ tục rồi in lại.", "procedure %d has no name", i+1)
		}
	}
	for i, d := range r.Documents {
		if strings.TrimSpace(d.Name) == "" || d.Count < 0 {
			return invalid("Danh sách giấy tờ có dòng chưa đúng. Sửa lại rồi in lại.", "document %d: empty name or negative count", i+1)
		}
	}
	for i, f := range r.Fees {
		if strings.TrimSpace(f.Procedure) == "" || f.Amount < 0 || f.Amount > 1_000_000_000_000 {
			return invalid("Phần phí, lệ phí có dòng chưa đúng. Kiểm tra biểu phí rồi in lại.", "fee %d: empty procedure or amount %d", i+1, f.Amount)
		}
	}
	return nil
}

// QRContent is what the receipt's QR code carries: the dossier code alone, or, when
// LookupURL is set, that URL with the code filled in: "{ma}" in the URL is replaced by the
// escaped code, and a URL without "{ma}" gets the query parameter "ma=<code>".
func QRContent(r Receipt) string {
	code := strings.TrimSpace(r.DossierCode)
	u := strings.TrimSpace(r.LookupURL)
	if u == "" {
		return code
	}
	if strings.Contains(u, "{ma}") {
		return strings.ReplaceAll(u, "{ma}", url.QueryEscape(code))
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
		if strings.HasSuffix(u, "?") || strings.HasSuffix(u, "&") {
			sep = ""
		}
	}
	return u + sep + "ma=" + url.QueryEscape(code)
}

// normalized returns a copy with every text field trimmed, in Unicode NFC (so decomposed
// input prints with the fonts' precomposed glyphs) and within the fonts' character set.
func (r Receipt) normalized() Receipt {
	n := func(s string) string { return printable(norm.NFC.String(strings.TrimSpace(s))) }
	out := r
	out.ParentAgency, out.Agency, out.AgencyAddress, out.Place = n(r.ParentAgency), n(r.Agency), n(r.AgencyAddress), n(r.Place)
	out.DossierCode, out.Officer = n(r.DossierCode), n(r.Officer)
	out.CitizenName, out.CitizenID, out.Phone, out.Address = n(r.CitizenName), n(r.CitizenID), n(r.Phone), n(r.Address)
	out.ResultPlace, out.ResidenceFrom, out.LookupURL = n(r.ResultPlace), n(r.ResidenceFrom), strings.TrimSpace(r.LookupURL)
	out.Procedures = make([]Procedure, len(r.Procedures))
	for i, p := range r.Procedures {
		out.Procedures[i] = Procedure{Name: n(p.Name), Appointment: p.Appointment, Handler: n(p.Handler)}
	}
	out.Documents = make([]Document, len(r.Documents))
	for i, d := range r.Documents {
		out.Documents[i] = Document{Name: n(d.Name), Original: d.Original, Count: d.Count, Electronic: d.Electronic, Source: n(d.Source)}
	}
	out.Fees = make([]ReceiptFee, len(r.Fees))
	for i, f := range r.Fees {
		out.Fees[i] = ReceiptFee{Procedure: n(f.Procedure), Amount: f.Amount, Known: f.Known, Exempt: n(f.Exempt)}
	}
	out.Notes = nil
	for _, s := range r.Notes {
		if s = n(s); s != "" {
			out.Notes = append(out.Notes, s)
		}
	}
	return out
}

// RenderPDFBytes renders the receipt and returns the PDF.
func RenderPDFBytes(r Receipt, opt Options) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(64 << 10)
	if err := RenderPDF(&buf, r, opt); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// RenderPDF renders the receipt as a PDF into w. The same input and Options give the same
// bytes.
func RenderPDF(w io.Writer, r Receipt, opt Options) error {
	if err := r.Validate(); err != nil {
		return err
	}
	g, err := paper(opt)
	if err != nil {
		return err
	}
	r = r.normalized()
	created := opt.CreationDate
	if created.IsZero() {
		created = r.ReceivedAt
	}
	if err := render(w, []Receipt{r}, g, created, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả "+r.DossierCode); err != nil {
		return renderError(err)
	}
	return nil
}

// paper returns the geometry of opt.Size, or the error a clerk sees for a size the
// layouts do not have.
func paper(opt Options) (geometry, error) {
	g, ok := geometryFor(opt.Size)
	if !ok {
		return geometry{}, &Error{
			Clerk: "Khổ giấy " + opt.Size + " chưa được hỗ trợ. Chọn khổ A4 hoặc A5 trong cấu hình máy in.",
			Err:   fmt.Errorf("unsupported page size %q", opt.Size),
		}
	}
	return g, nil
}

func renderError(err error) error {
	return &Error{Clerk: "Không tạo được giấy tiếp nhận. Thử in lại; nếu vẫn lỗi, báo quản trị.", Err: err}
}
