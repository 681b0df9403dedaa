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
	g, err := paper(opt)
	if err != nil {
		return err
	}
	norm := make([]Receipt, len(rs))
	for i, r := range rs {
		if err := r.Validate(); err != nil {
			if pe, ok := err.(*Error); ok {
				return &Error{
					Clerk: fmt.Sprintf("Giấy thứ %d (mã %s): %s", i+1, orDots(r.DossierCode), pe.Clerk),
					Err:   fmt.Errorf("receipt %d: %w", i+1, pe.Err),
				}
			}
			return err
		}
		norm[i] = r.normalized()
	}
	created := opt.CreationDate
	if created.IsZero() {
		created = norm[0].ReceivedAt
	}
	title := fmt.Sprintf("Giấy tiếp nhận hồ sơ và hẹn trả kết quả (%d giấy)", len(norm))
	if len(norm) == 1 {
		title = "Giấy tiếp nhận hồ sơ và hẹn trả kết quả " + norm[0].DossierCode
	}
	if err := render(w, norm, g, created, title); err != nil {
		return renderError(err)
	}
	return nil
}

// BatchWriter renders receipts into one PDF as they come (a batch run receiving rows group
// after group), in the order they are added: the result is the bytes RenderBatchPDF gives
// for all of them at once. The document is held in memory until Finish writes it.
type BatchWriter struct {
	opt     Options
	g       geometry
	l       *layout // nil before the first receipt
	created time.Time
	n       int
}

// NewBatchWriter starts a batch document on the paper of opt.Size.
func NewBatchWriter(opt Options) (*BatchWriter, error) {
	g, err := paper(opt)
	if err != nil {
		return nil, err
	}
	return &BatchWriter{opt: opt, g: g}, nil
}

// Add validates rs and draws them after the receipts added before (their QR codes are
// encoded in parallel). An invalid receipt is reported with its position in the document,
// and nothing of rs is drawn.
func (b *BatchWriter) Add(rs ...Receipt) error {
	norm := make([]Receipt, len(rs))
	for i, r := range rs {
		if err := r.Validate(); err != nil {
			if pe, ok := err.(*Error); ok {
				return &Error{
					Clerk: fmt.Sprintf("Giấy thứ %d (mã %s): %s", b.n+i+1, orDots(r.DossierCode), pe.Clerk),
					Err:   fmt.Errorf("receipt %d: %w", b.n+i+1, pe.Err),
				}
			}
			return err
		}
		norm[i] = r.normalized()
	}
	if len(norm) == 0 {
		return nil
	}
	if b.l == nil {
		created := b.opt.CreationDate
		if created.IsZero() {
			created = norm[0].ReceivedAt
		}
		b.l, b.created = startLayout(b.g, created, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả "+norm[0].DossierCode), created
	}
	if err := b.l.add(norm, b.n); err != nil {
		return renderError(err)
	}
	b.n += len(norm)
	return nil
}

// Len is the number of receipts added.
func (b *BatchWriter) Len() int { return b.n }

// Finish writes the document to w (RenderBatchPDF's error when nothing was added).
func (b *BatchWriter) Finish(w io.Writer) error {
	if b.l == nil {
		return RenderBatchPDF(w, nil, b.opt)
	}
	if b.n > 1 {
		b.l.f.SetTitle(fmt.Sprintf("Giấy tiếp nhận hồ sơ và hẹn trả kết quả (%d giấy)", b.n), true)
	}
	if err := writePDF(w, b.l.f, b.created); err != nil {
		return renderError(err)
	}
	return nil
}
