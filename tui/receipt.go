package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"motcua/forms"
)

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

func (s *receiptScreen) help() []key.Binding { return []key.Binding{s.keys.Next, s.keys.ControlSheet} }

func (s *receiptScreen) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	switch {
	case !ok:
	case key.Matches(k, s.keys.Next):
		return s.d.reset()
	case key.Matches(k, s.keys.ControlSheet):
		return s.d.printControlSheet()
	}
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
		b.WriteString(field(f, "Giấy biên nhận", f.st.Error.Render("chưa in được (đã lưu để in lại): "+f.explain(o.PrintErr))) + "\n")
	} else {
		b.WriteString(field(f, "Giấy biên nhận", show(o.ReceiptPath)) + "\n")
	}
	if s.d.v.control != "" {
		b.WriteString(field(f, "Phiếu kiểm soát", show(s.d.v.control)) + "\n")
	}
	for _, w := range o.Warnings {
		b.WriteString("\n" + f.st.Warn.Render("⚠ "+show(w)) + "\n")
	}
	b.WriteString("\n" + f.st.Muted.Render("Hồ sơ giấy chuyển giữa các bộ phận: nhấn k để in phiếu kiểm soát (Mẫu 06).") + "\n")
	b.WriteString(f.st.Muted.Render("Nhấn Enter để xóa màn hình và phục vụ công dân tiếp theo.") + "\n")
	return b.String()
}
