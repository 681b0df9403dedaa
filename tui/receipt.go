package tui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"motcua/forms"
	"motcua/internal/counter"
)

// printFailure is what the clerk reads of a document that did not print, in the same words
// for every document (receipt, slip, control sheet, hand-over slip, apology letter, the
// certification's blocks and fee receipt, a fee receipt): that it waits to print
// by itself once the printer works again (counter.ErrPrintQueued), and why it did not print.
func printFailure(f *frame, err error) string {
	if errors.Is(err, counter.ErrPrintQueued) {
		return "chưa in được (đã lưu để in lại): " + f.explain(err)
	}
	return "chưa in được: " + f.explain(err)
}

// receiptScreen shows the dossier received: code, appointments, whether it
// was sent, the receipt; Enter clears the screen for the next citizen.
type receiptScreen struct {
	f    *frame
	d    *desk
	keys receiptKeys
}

func newReceiptScreen(f *frame, d *desk) *receiptScreen {
	return &receiptScreen{f: f, d: d, keys: defaultReceiptKeys()}
}

func (s *receiptScreen) help() []key.Binding {
	if s.charged() {
		return []key.Binding{s.keys.Next, s.keys.ControlSheet, s.keys.FeeReceipt}
	}
	return []key.Binding{s.keys.Next, s.keys.ControlSheet}
}

// charged: the dossier received has a procedure with a fee.
func (s *receiptScreen) charged() bool {
	o := s.d.v.outcome
	return o != nil && o.Dossier != nil && slices.ContainsFunc(o.Dossier.Procedures, func(p forms.ProcedureRecord) bool { return p.Charged })
}

func (s *receiptScreen) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	switch {
	case !ok:
	case key.Matches(k, s.keys.Next):
		return s.d.reset()
	case key.Matches(k, s.keys.ControlSheet):
		return s.d.printControlSheet()
	case key.Matches(k, s.keys.FeeReceipt) && s.charged():
		b, op, seq, code := s.f.be, s.f.op, s.f.seq, s.d.v.outcome.Dossier.Code
		return s.f.io("Đang in biên lai thu phí, lệ phí…", 30*time.Second, func(ctx context.Context) tea.Msg {
			_, err := b.PrintDossierFeeReceipt(ctx, op, code)
			return feeReceiptMsg{seq: seq, err: err}
		})
	}
	return nil
}

// feeReceiptMsg answers PrintDossierFeeReceipt.
type feeReceiptMsg struct {
	seq int
	err error
}

func (s *receiptScreen) onFeeReceipt(msg feeReceiptMsg) tea.Cmd {
	if !s.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		s.f.fail("Biên lai thu phí, lệ phí " + printFailure(s.f, msg.err))
		return nil
	}
	s.f.say("Đã in biên lai thu phí, lệ phí.")
	return nil
}

func (s *receiptScreen) view(int, int) string {
	f, o := s.f, s.d.v.outcome
	if o == nil || o.Dossier == nil {
		return ""
	}
	d := o.Dossier
	var b strings.Builder
	b.WriteString(f.st.OK.Render("Đã tiếp nhận hồ sơ") + "\n\n")
	b.WriteString(field(f, "Mã hồ sơ", f.st.Code.Render(show(d.Code))) + "\n")
	b.WriteString(field(f, "Hồ sơ", show(d.ServiceName)) + "\n")
	b.WriteString(field(f, "Công dân", show(d.Subject.FullName)) + "\n")
	b.WriteString(field(f, "Tiếp nhận lúc", f.clock(d.ReceivedAt, "15:04 02/01/2006")) + "\n")
	for _, p := range d.Procedures {
		b.WriteString(field(f, "Hẹn trả", f.clock(p.Appointment, "15:04 ngày 02/01/2006")+" — "+p.Name+" ("+p.Agency+")") + "\n")
	}
	switch {
	case o.Submitted:
		b.WriteString(field(f, "Gửi lên hệ thống", f.st.OK.Render("đã gửi")) + "\n")
	case d.Status == forms.StatusQueued:
		b.WriteString(field(f, "Gửi lên hệ thống", f.st.Warn.Render("chưa gửi được — hồ sơ đã lưu trên máy và sẽ được gửi lại. "+f.explain(o.SubmitErr))) + "\n")
	default:
		b.WriteString(field(f, "Gửi lên hệ thống", f.st.Error.Render("bị từ chối — "+f.explain(o.SubmitErr))) + "\n")
	}
	if o.PrintErr != nil {
		b.WriteString(field(f, "Giấy biên nhận", f.st.Error.Render(printFailure(f, o.PrintErr))) + "\n")
	} else {
		b.WriteString(field(f, "Giấy biên nhận", show(o.ReceiptPath)) + "\n")
	}
	switch {
	case s.d.v.control != "":
		b.WriteString(field(f, "Phiếu kiểm soát", show(s.d.v.control)) + "\n")
	case o.ControlSheetErr != nil: // printed with the receipt (printer.control_sheet), or not
		b.WriteString(field(f, "Phiếu kiểm soát", f.st.Error.Render(printFailure(f, o.ControlSheetErr))) + "\n")
	}
	for _, p := range d.Procedures {
		if !p.Charged {
			continue
		}
		fee := counter.ProcedureFeeText(p)
		b.WriteString(field(f, "Phí, lệ phí", show(p.Name)+": "+show(fee)+" — F8: in biên lai thu phí") + "\n")
	}
	for _, w := range o.Warnings {
		b.WriteString("\n" + f.st.Warn.Render("⚠ "+show(w)) + "\n")
	}
	b.WriteString("\n" + f.st.Muted.Render("Hồ sơ giấy chuyển giữa các bộ phận: nhấn k để in phiếu kiểm soát (Mẫu 06).") + "\n")
	b.WriteString(f.st.Muted.Render("Nhấn Enter để xóa màn hình và phục vụ công dân tiếp theo.") + "\n")
	return b.String()
}
