package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"motcua/internal/counter"
	"motcua/offline"
)

// slipScreen shows the slip made (Mẫu 02 or Mẫu 03), like the receipt
// screen: its code, for whom, what it says, where it was printed; i prints it
// again, Enter clears the screen for the next citizen.
type slipScreen struct {
	f        *frame
	d        *desk
	keys     slipKeys
	out      counter.SlipOutcome
	path     string
	printErr error
}

func newSlipScreen(f *frame, d *desk) *slipScreen {
	return &slipScreen{f: f, d: d, keys: defaultSlipKeys()}
}

func (s *slipScreen) show(out counter.SlipOutcome, path string, printErr error) {
	s.out, s.path, s.printErr = out, path, printErr
}

func (s *slipScreen) help() []key.Binding { return []key.Binding{s.keys.Next, s.keys.Reprint} }

func (s *slipScreen) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(k, s.keys.Next):
		return s.d.reset()
	case key.Matches(k, s.keys.Reprint) && s.out.Info.Code != "":
		return s.d.reprintSlip(s.out.Info.Code)
	}
	return nil
}

func (s *slipScreen) onPrinted(msg slipPrintedMsg) tea.Cmd {
	if !s.f.settle(msg.seq) {
		return nil
	}
	s.path, s.printErr = msg.path, msg.err
	if msg.err != nil {
		s.f.fail(s.paper() + " " + printFailure(s.f, msg.err))
	} else {
		s.f.say("Đã in lại phiếu: " + show(msg.path))
	}
	return nil
}

// paper names the slip shown.
func (s *slipScreen) paper() string {
	if s.out.Info.Kind == offline.SlipRefusal {
		return "Phiếu từ chối"
	}
	return "Phiếu yêu cầu bổ sung"
}

func (s *slipScreen) view(int, int) string {
	f, o := s.f, s.out
	var b strings.Builder
	title, paper := "Đã lập phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)", s.paper()
	if o.Info.Kind == offline.SlipRefusal {
		title = "Đã lập phiếu từ chối tiếp nhận hồ sơ (Mẫu 03)"
	}
	b.WriteString(f.st.OK.Render(title) + "\n\n")
	b.WriteString(field(f, "Số phiếu", f.st.Code.Render(show(o.Info.Code))) + "\n")
	switch {
	case o.Supplement != nil:
		sl := o.Supplement
		b.WriteString(field(f, "Hồ sơ", show(sl.ServiceName)) + "\n")
		b.WriteString(field(f, "Công dân", show(sl.Citizen.Name)) + "\n")
		for _, it := range sl.Items {
			b.WriteString(field(f, "Cần bổ sung", show(it.Document+": "+it.Problem)) + "\n")
		}
	case o.Refusal != nil:
		r := o.Refusal
		b.WriteString(field(f, "Hồ sơ", show(r.ServiceName)) + "\n")
		b.WriteString(field(f, "Công dân", show(r.Citizen.Name)) + "\n")
		for _, reason := range r.Reasons {
			b.WriteString(field(f, "Lý do", show(reason)) + "\n")
		}
		if r.Note != "" {
			b.WriteString(field(f, "Ghi thêm", show(r.Note)) + "\n")
		}
	}
	b.WriteString(field(f, "Lập lúc", f.clock(o.Info.At, "15:04 02/01/2006")) + "\n")
	if s.printErr != nil {
		b.WriteString(field(f, paper, f.st.Error.Render(printFailure(f, s.printErr))) + "\n")
	} else {
		b.WriteString(field(f, paper, show(s.path)) + "\n")
	}
	if o.Duplicate {
		b.WriteString("\n" + f.st.Warn.Render("⚠ Phiếu này đã được lập trước đó: không lập phiếu mới.") + "\n")
	}
	if o.Info.Kind == offline.SlipSupplement {
		b.WriteString("\n" + f.st.Muted.Render("Tờ khai được giữ lại. Khi công dân quay lại, quét mã QR trên phiếu ở màn hình đầu để mở lại tờ khai.") + "\n")
	}
	b.WriteString("\n" + f.st.Muted.Render("Nhấn Enter để xóa màn hình và phục vụ công dân tiếp theo.") + "\n")
	return b.String()
}
