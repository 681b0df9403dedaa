package counter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"motcua/forms"
	"motcua/forms/fees"
	"motcua/lookups"
	"motcua/lookups/pid"
	"motcua/offline"
	"motcua/printing"
)

// The copy certification desk (chứng thực bản sao từ bản chính, NĐ 23/2015/NĐ-CP as amended by
// NĐ 07/2025/NĐ-CP; TT 01/2020/TT-BTP): the citizen shows originals and their copies; each
// original's copies get one number of the register (copies certified from one original at
// one time share a number), the fee per copy from the fee schedule (forms/fees
// "chung-thuc-ban-sao": by the original's pages), the certification block printed for each
// copy and a fee receipt. It needs the requester's identity only: no population look-up.

// CertKindCopy is the register kind of copies certified from their originals.
const CertKindCopy = "ban-sao"

// CopyFeeSchedule is the fee schedule of a copy certified from its original.
const CopyFeeSchedule = "chung-thuc-ban-sao"

// MaxCopyOriginals bounds the originals of one request; MaxCopies the copies of one
// original; MaxCopyPages the pages of one original.
const (
	MaxCopyOriginals = 50
	MaxCopies        = 200
	MaxCopyPages     = 2000
)

// Errors of a copy certification request (Explain words them for the clerk).
var (
	ErrCopyRequester = errors.New("counter: copy certification needs the requester's name and a valid ID number")
	ErrCopyRequest   = errors.New("counter: copy certification request is incomplete or out of bounds")
)

// CopyRequester is who asks for the certification: identified by the card (chip or QR) or by
// the ID typed and checked by the clerk.
type CopyRequester struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Source string `json:"source"` // "chip", "qr", "typed"
}

// CopyOriginal is one original shown and its copies.
type CopyOriginal struct {
	Document string `json:"document"` // the paper's name, e.g. "Bằng tốt nghiệp trung học phổ thông"
	Pages    int    `json:"pages"`    // pages of the original
	Copies   int    `json:"copies"`
}

// CopyRequest is one citizen's request at the desk.
type CopyRequest struct {
	Requester CopyRequester
	Originals []CopyOriginal
	// Exempt names an exemption the clerk checked (free text from the schedule's list):
	// nothing is charged and the fee receipt says why. Empty: the fee is charged.
	Exempt string
	// Layout of the blocks: printing.LayoutSticker (default) or printing.LayoutOnCopy.
	Layout string
}

// Certified is one original's certification in the register.
type Certified struct {
	Number     string `json:"number"`
	Year       int    `json:"year"`
	Document   string `json:"document"`
	Pages      int    `json:"pages"`
	Copies     int    `json:"copies"`
	FeePerCopy int64  `json:"feePerCopy"`
	Fee        int64  `json:"fee"` // all the copies; 0 when exempt or unknown
	FeeKnown   bool   `json:"feeKnown"`
}

// CopyResult is what the desk did: the register's entries, the fee, the PDFs and whether
// they were printed.
type CopyResult struct {
	At       time.Time   `json:"at"`
	Volume   string      `json:"volume"` // the register's volume ("2026-SCT/BS")
	Items    []Certified `json:"items"`
	Total    int64       `json:"total"`    // fees charged
	AllKnown bool        `json:"allKnown"` // every fee was known (or exempt)
	Exempt   string      `json:"exempt,omitempty"`
	Blocks   []byte      `json:"-"` // the certification blocks (PDF)
	Receipt  []byte      `json:"-"` // the fee receipt (PDF)
	// PrintErr is why the blocks or the receipt were not printed (the register's entries
	// stand; wrapping ErrPrintQueued, they wait in the print queue and print by themselves).
	PrintErr error `json:"-"`
}

// copyEntry is a register entry's sealed content.
type copyEntry struct {
	Requester  CopyRequester `json:"requester"`
	Document   string        `json:"document"`
	FeePerCopy int64         `json:"feePerCopy"`
	Exempt     string        `json:"exempt,omitempty"`
	Officer    string        `json:"officer"` // the receiving clerk's name
}

// CertVolume is the register's volume of a year.
func CertVolume(year int) string { return fmt.Sprintf("%d-SCT/BS", year) }

// copyText is a one-line text from outside (typed, card): trimmed, one line, printable, not
// too long.
func copyText(s string, max int) (string, bool) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" || utf8.RuneCountInString(s) > max || !utf8.ValidString(s) {
		return "", false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return "", false
		}
	}
	return s, true
}

// check validates a request and returns it cleaned.
func (r CopyRequest) check() (CopyRequest, error) {
	out := r
	name, ok := copyText(r.Requester.Name, 100)
	if !ok || pid.Validate(strings.TrimSpace(r.Requester.ID), lookups.Date{}, "") != nil {
		return r, ErrCopyRequester
	}
	out.Requester.Name, out.Requester.ID = name, strings.TrimSpace(r.Requester.ID)
	switch r.Requester.Source {
	case "chip", "qr", "typed":
	default:
		return r, fmt.Errorf("%w: requester source %q", ErrCopyRequest, r.Requester.Source)
	}
	if len(r.Originals) == 0 || len(r.Originals) > MaxCopyOriginals {
		return r, fmt.Errorf("%w: %d originals", ErrCopyRequest, len(r.Originals))
	}
	out.Originals = make([]CopyOriginal, len(r.Originals))
	for i, o := range r.Originals {
		doc, ok := copyText(o.Document, 200)
		if !ok || o.Pages < 1 || o.Pages > MaxCopyPages || o.Copies < 1 || o.Copies > MaxCopies {
			return r, fmt.Errorf("%w: original %d (%d pages, %d copies)", ErrCopyRequest, i+1, o.Pages, o.Copies)
		}
		out.Originals[i] = CopyOriginal{Document: doc, Pages: o.Pages, Copies: o.Copies}
	}
	if r.Exempt != "" {
		ex, ok := copyText(r.Exempt, 300)
		if !ok {
			return r, fmt.Errorf("%w: exemption text", ErrCopyRequest)
		}
		out.Exempt = ex
	}
	switch r.Layout {
	case "", printing.LayoutSticker, printing.LayoutOnCopy:
	default:
		return r, fmt.Errorf("%w: layout %q", ErrCopyRequest, r.Layout)
	}
	return out, nil
}

// feeTable is the fee schedule in force (the ward's file, or the embedded default).
func (s *Service) feeTable() *fees.Table {
	if s.fees != nil {
		return s.fees
	}
	return fees.Default()
}

// CopyFee is the fee of one copy of an original of pages pages, and whether the schedule
// knows it.
func (s *Service) CopyFee(pages int) (int64, bool) {
	return s.feeTable().Amount(CopyFeeSchedule, pages)
}

// CertifyCopies certifies the copies of a request: one register number per original (taken
// with its entry in one unit of work: never lost, never given twice, the counter's number in
// it), then the blocks and the fee receipt are rendered and printed. A failed print leaves
// the register's entries (the clerk prints again). Rights: ActCertify.
func (s *Service) CertifyCopies(ctx context.Context, op Operator, req CopyRequest) (*CopyResult, error) {
	if err := s.Allow(op, ActCertify); err != nil {
		return nil, err
	}
	req, err := req.check()
	if err != nil {
		return nil, err
	}
	who, err := s.Who(op.ID)
	if err != nil {
		return nil, err
	}
	officer := op.Name // as printed: the front end's name of who is logged in, else the store's
	if officer == "" {
		officer = who.Name
	}
	if officer == "" {
		officer = who.ID
	}
	now := s.clock().In(s.loc())
	year := now.Year()
	res := &CopyResult{At: now, Volume: CertVolume(year), AllKnown: true, Exempt: req.Exempt}
	for _, o := range req.Originals {
		per, known := s.CopyFee(o.Pages)
		c := Certified{Year: year, Document: o.Document, Pages: o.Pages, Copies: o.Copies, FeePerCopy: per, FeeKnown: known}
		switch {
		case req.Exempt != "":
			c.Fee = 0
		case known:
			c.Fee = per * int64(o.Copies)
		default:
			res.AllKnown = false
		}
		res.Total += c.Fee
		res.Items = append(res.Items, c)
	}
	subject := s.store.SubjectRef(req.Requester.ID)
	err = s.store.Update(func(tx *offline.Tx) error {
		for i := range res.Items {
			c := &res.Items[i]
			number, seq, err := tx.NextCertNumber(s.cfg.Agency.Code, s.cfg.Counter, year)
			if err != nil {
				return err
			}
			c.Number = number
			blob, err := json.Marshal(copyEntry{Requester: req.Requester, Document: c.Document, FeePerCopy: c.FeePerCopy,
				Exempt: req.Exempt, Officer: officer})
			if err != nil {
				return err
			}
			info := offline.CertInfo{Number: number, Year: year, Counter: s.cfg.Counter, Seq: seq, Kind: CertKindCopy,
				Operator: s.actorID(op), At: now, Copies: c.Copies, Pages: c.Pages, Fee: c.Fee, FeeKnown: c.FeeKnown || req.Exempt != ""}
			if req.Exempt != "" {
				info.Exempt = "exempt"
			}
			if err := tx.PutCert(info, blob); err != nil {
				return err
			}
			if err := tx.LogAccess(offline.AccessEntry{Operator: s.actorID(op), Purpose: lookups.PurposeCheck, Action: offline.ActionCertify,
				Subject: subject, Outcome: "ok", Detail: "number=" + number}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Blocks, res.Receipt, err = s.copyPDFs(res, req, officer)
	if err != nil {
		res.PrintErr = err
		return res, nil
	}
	res.PrintErr = s.printCopies(ctx, op, res)
	return res, nil
}

// copyPDFs renders the blocks of every copy and the fee receipt.
func (s *Service) copyPDFs(res *CopyResult, req CopyRequest, officer string) (blocks, receipt []byte, err error) {
	a := s.cfg.Agency
	var b printing.CertBlocks
	b.Layout = req.Layout
	for _, c := range res.Items {
		for n := 1; n <= c.Copies; n++ {
			b.Blocks = append(b.Blocks, printing.CertBlock{Number: c.Number, Volume: res.Volume, Place: a.Place, Date: res.At,
				Copy: n, Copies: c.Copies, Pages: c.Pages, Counter: fmt.Sprintf("%02d", s.cfg.Counter)})
		}
	}
	var buf bytes.Buffer
	if err := printing.RenderCertBlocks(&buf, b, printing.Options{}); err != nil {
		return nil, nil, err
	}
	blocks = bytes.Clone(buf.Bytes())
	fr := s.copyFeeReceipt(res, req.Requester, officer)
	receipt, err = printing.RenderFeeReceiptBytes(fr, printing.Options{Size: s.cfg.PaperSize})
	return blocks, receipt, err
}

// copyFeeReceipt is the fee receipt of a certification: one line per original.
func (s *Service) copyFeeReceipt(res *CopyResult, who CopyRequester, officer string) printing.FeeReceipt {
	a := s.cfg.Agency
	name := "Phí chứng thực bản sao từ bản chính"
	if sch, ok := s.feeTable().Schedule(CopyFeeSchedule); ok && sch.Name != "" {
		name = sch.Name
	}
	fr := printing.FeeReceipt{Letterhead: printing.Letterhead{ParentAgency: a.Parent, Agency: a.Name, AgencyAddress: a.Address, Place: a.Place},
		Number: res.Items[0].Number, Date: res.At, Payer: who.Name, PayerID: who.ID, Collector: officer}
	for _, c := range res.Items {
		it := printing.FeeItem{Name: name, Quantity: c.Copies, Amount: c.Fee,
			Detail: fmt.Sprintf("%s: %d bản sao × %d trang, số chứng thực %s", c.Document, c.Copies, c.Pages, c.Number)}
		switch {
		case res.Exempt != "":
			it.Exempt = res.Exempt
		case !c.FeeKnown:
			it.Unknown = true
		}
		fr.Items = append(fr.Items, it)
	}
	return fr
}

// printCopies prints the blocks, then the fee receipt, each through printDoc (logged; a
// failure waits in the print queue, and the other is printed all the same): the error is the
// first one's.
func (s *Service) printCopies(ctx context.Context, op Operator, res *CopyResult) error {
	number := res.Items[0].Number
	var first error
	for _, d := range []struct {
		kind string
		pdf  []byte
	}{{offline.PrintCertificate, res.Blocks}, {offline.PrintCertFee, res.Receipt}} {
		e := printEntry(d.kind, number)
		e.Operator, e.Outcome = s.actorID(op), "ok"
		if _, err := s.printDoc(ctx, d.kind, number, printing.Job{PDF: d.pdf}, e); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// CertRegisterFilter chooses the register's entries.
type CertRegisterFilter struct {
	Year     int       // required
	From, To time.Time // within [From, To); zero: the whole year
}

// CertRegister returns the register of a year (or a period of it) as printed rows, with the
// fees' total. Rights: ActCertRegister (the register holds names and ID numbers).
func (s *Service) CertRegister(op Operator, f CertRegisterFilter) (printing.CertRegister, error) {
	if err := s.Allow(op, ActCertRegister); err != nil {
		return printing.CertRegister{}, err
	}
	loc := s.loc()
	if f.Year < 2000 || f.Year > 9999 {
		return printing.CertRegister{}, fmt.Errorf("%w: year %d", ErrCopyRequest, f.Year)
	}
	var entries []offline.CertEntry
	if err := s.store.View(func(tx *offline.Tx) error {
		var err error
		entries, err = tx.Certs(f.Year, f.From, f.To)
		return err
	}); err != nil {
		return printing.CertRegister{}, err
	}
	a := s.cfg.Agency
	reg := printing.CertRegister{Letterhead: printing.Letterhead{ParentAgency: a.Parent, Agency: a.Name, AgencyAddress: a.Address, Place: a.Place},
		Volume: CertVolume(f.Year), From: time.Date(f.Year, 1, 1, 0, 0, 0, 0, loc), To: time.Date(f.Year, 12, 31, 0, 0, 0, 0, loc)}
	if !f.From.IsZero() {
		reg.From = f.From.In(loc)
	}
	if !f.To.IsZero() {
		reg.To = f.To.Add(-time.Nanosecond).In(loc)
	}
	if now := s.clock().In(loc); now.Before(reg.To) {
		reg.To = now
	}
	if reg.To.Before(reg.From) {
		reg.To = reg.From
	}
	reg.Date = s.clock().In(loc)
	var total int64
	for _, e := range entries {
		var c copyEntry
		if err := json.Unmarshal(e.Blob, &c); err != nil {
			return printing.CertRegister{}, fmt.Errorf("counter: register entry %s: %w", e.Info.Number, err)
		}
		fee := printing.FormatMoney(e.Info.Fee)
		switch {
		case e.Info.Exempt != "":
			fee = "miễn"
		case !e.Info.FeeKnown:
			fee = "chưa có mức phí"
		}
		total += e.Info.Fee
		row := printing.CertRegisterRow{Number: e.Info.Number, Date: e.Info.At.In(loc), Requester: c.Requester.Name, RequestID: c.Requester.ID,
			Document: c.Document, Pages: e.Info.Pages, Copies: e.Info.Copies, Fee: fee, Officer: c.Officer}
		if c.Exempt != "" {
			row.Note = "Miễn phí: " + c.Exempt
		}
		reg.Rows = append(reg.Rows, row)
	}
	reg.Total = printing.FormatMoney(total)
	return reg, nil
}

// CertRegisterExported records an export of the register in the access log.
func (s *Service) CertRegisterExported(op Operator, rows int, format string) {
	_ = s.store.Update(func(tx *offline.Tx) error {
		return tx.LogAccess(offline.AccessEntry{Operator: s.actorID(op), Purpose: lookups.PurposeCheck, Action: offline.ActionExport,
			Outcome: "ok", Detail: fmt.Sprintf("cert-register-%s=%d", format, rows)})
	})
}

// CertRegisterColumns are the register's columns in its XLSX export (as the PDF's).
var CertRegisterColumns = []string{"Số chứng thực", "Ngày, tháng, năm chứng thực", "Họ tên người yêu cầu chứng thực", "Số định danh cá nhân",
	"Tên của bản chính giấy tờ, văn bản", "Số trang", "Số bản sao đã được chứng thực", "Phí chứng thực (đồng)", "Người tiếp nhận", "Ghi chú"}

// ExportCertRegisterXLSX writes the register to path (mode 0600), its cells guarded against
// formulas as the dossier book's.
func ExportCertRegisterXLSX(path string, r printing.CertRegister) error {
	lines := []string{"SỔ CHỨNG THỰC BẢN SAO TỪ BẢN CHÍNH", r.ParentAgency + " — " + r.Agency,
		"Quyển số " + r.Volume + "; từ ngày " + dateOr(r.From, "…") + " đến ngày " + dateOr(r.To, "…")}
	if r.Total != "" {
		lines = append(lines, "Tổng phí chứng thực trong kỳ: "+r.Total+" đồng")
	}
	rows := make([][]string, len(r.Rows))
	for i, row := range r.Rows {
		pages, copies := "", ""
		if row.Pages > 0 {
			pages = strconv.Itoa(row.Pages)
		}
		if row.Copies > 0 {
			copies = strconv.Itoa(row.Copies)
		}
		rows[i] = []string{row.Number, row.Date.Format("02/01/2006"), row.Requester, row.RequestID, row.Document, pages, copies, row.Fee, row.Officer, row.Note}
	}
	return writeTableXLSX(path, "So chung thuc", lines, CertRegisterColumns, []float64{14, 14, 28, 16, 40, 8, 12, 14, 22, 30}, rows)
}

// ExportCertRegisterPDF writes the register as a PDF to path (mode 0600).
func ExportCertRegisterPDF(path string, r printing.CertRegister) error {
	var buf bytes.Buffer
	if err := printing.RenderCertRegister(&buf, r, printing.Options{}); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o600)
}

// ErrNoExportDir says the counter has no folder to write a desk's export into.
var ErrNoExportDir = errors.New("counter: no export folder configured")

// ExportCertRegisterFiles writes a year's register as XLSX and PDF into the counter's export
// folder ("so-chung-thuc-<year>.xlsx" and ".pdf", replaced by a later export) and returns
// their paths. Rights: ActCertRegister.
func (s *Service) ExportCertRegisterFiles(ctx context.Context, op Operator, year int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.cfg.ExportDir == "" {
		return nil, ErrNoExportDir
	}
	reg, err := s.CertRegister(op, CertRegisterFilter{Year: year})
	if err != nil {
		return nil, err
	}
	base := filepath.Join(s.cfg.ExportDir, fmt.Sprintf("so-chung-thuc-%d", year))
	paths := []string{base + ".xlsx", base + ".pdf"}
	if err := ExportCertRegisterXLSX(paths[0], reg); err != nil {
		return nil, err
	}
	if err := ExportCertRegisterPDF(paths[1], reg); err != nil {
		return nil, err
	}
	s.CertRegisterExported(op, len(reg.Rows), "xlsx+pdf")
	return paths, nil
}

// receiptFees are the fees of a dossier's procedures as the receipt prints them (the
// procedures with a fee field only).
func receiptFees(d *forms.Dossier) []printing.ReceiptFee {
	var out []printing.ReceiptFee
	for _, p := range d.Procedures {
		if !p.Charged {
			continue
		}
		out = append(out, printing.ReceiptFee{Procedure: p.Name, Amount: p.Fee, Known: p.FeeKnown, Exempt: exemptReason(p.FeeExempt)})
	}
	return out
}

// exemptReason is who is exempt, from an exemption field's label ("Miễn lệ phí (người
// thuộc hộ nghèo...)" gives "người thuộc hộ nghèo...").
func exemptReason(label string) string {
	if i, j := strings.Index(label, "("), strings.LastIndex(label, ")"); i >= 0 && j > i+1 {
		return strings.TrimSpace(label[i+1 : j])
	}
	return strings.TrimSpace(label)
}
