package printing

import (
	"fmt"
	"io"
	"time"
)

// RenderBatchPDF renders many receipts into one PDF for batch runs: each receipt starts on
// a new page and numbers its own pages when it runs over one, all on the paper of
// opt.Size, with the fonts embedded once. Every receipt is validated before anything is
// drawn; the first invalid one is reported with its position. CreationDate zero means the
// first receipt's ReceivedAt. The same input and Options give the same bytes.
func RenderBatchPDF(w io.Writer, rs []Receipt, opt Options) error {
	if len(rs) == 0 {
		return &Error{
			Clerk: "Chưa chọn giấy tiếp nhận nào để in. Chọn hồ sơ rồi in lại.",
			Err:   fmt.Errorf("%w: empty batch", ErrInvalidReceipt),
		}
	}
	b, err := NewBatchWriter(opt)
	if err != nil {
		return err
	}
	if err := b.Add(rs...); err != nil {
		return err
	}
	return b.Finish(w)
}

// BatchWriter renders receipts into one PDF as they come (a batch run receiving rows group
// after group), in the order they are added: the result is the bytes RenderBatchPDF gives
// for all of them at once. Each Add draws its receipts in parallel; the pages (compressed,
// about 5 KB a page) are held in memory until Finish writes the document. A BatchWriter
// is used by one goroutine at a time.
type BatchWriter struct {
	opt     Options
	g       geometry
	parts   []*drawing // one per receipt added
	created time.Time
	first   string // the first receipt's dossier code
}

// NewBatchWriter starts a batch document on the paper of opt.Size.
func NewBatchWriter(opt Options) (*BatchWriter, error) {
	g, err := paper(opt)
	if err != nil {
		return nil, err
	}
	return &BatchWriter{opt: opt, g: g}, nil
}

// Add validates rs and draws them after the receipts added before. An invalid receipt is
// reported with its position in the document, and nothing of rs is drawn.
func (b *BatchWriter) Add(rs ...Receipt) error {
	n := len(b.parts)
	norm := make([]Receipt, len(rs))
	for i, r := range rs {
		if err := r.Validate(); err != nil {
			if pe, ok := err.(*Error); ok {
				return &Error{
					Clerk: fmt.Sprintf("Giấy thứ %d (mã %s): %s", n+i+1, orDots(r.DossierCode), pe.Clerk),
					Err:   fmt.Errorf("receipt %d: %w", n+i+1, pe.Err),
				}
			}
			return err
		}
		norm[i] = r.normalized()
	}
	if len(norm) == 0 {
		return nil
	}
	ds, err := drawReceipts(norm, n, b.g)
	if err != nil {
		return renderError(err)
	}
	if n == 0 {
		b.created = b.opt.CreationDate
		if b.created.IsZero() {
			b.created = norm[0].ReceivedAt
		}
		b.first = norm[0].DossierCode
	}
	b.parts = append(b.parts, ds...)
	return nil
}

// Len is the number of receipts added.
func (b *BatchWriter) Len() int { return len(b.parts) }

// Finish writes the document to w (RenderBatchPDF's error when nothing was added).
func (b *BatchWriter) Finish(w io.Writer) error {
	if len(b.parts) == 0 {
		return RenderBatchPDF(w, nil, b.opt)
	}
	title := fmt.Sprintf("Giấy tiếp nhận hồ sơ và hẹn trả kết quả (%d giấy)", len(b.parts))
	if len(b.parts) == 1 {
		title = "Giấy tiếp nhận hồ sơ và hẹn trả kết quả " + b.first
	}
	if err := joinDrawings(b.parts).write(w, docInfo{created: b.created, title: title}); err != nil {
		return renderError(err)
	}
	return nil
}
