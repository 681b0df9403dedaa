package printing

import (
	"fmt"
	"io"
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
