package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"motcua/lookups/card"
	"motcua/lookups/qr"
)

// identifyScreen is step 1: tap the card (F2), scan its QR code (a handheld
// scanner types the line here) or type the ID. It also fills a person slot
// of the declaration (desk.v.slotTarget).
type identifyScreen struct {
	f       *frame
	d       *desk
	keys    identifyKeys
	input   textinput.Model
	drafts  *draftsScreen
	history *historyScreen
	results *resultsScreen
	late    *lateScreen
	book    *bookScreen
	reports *reportsScreen // F6 (reports.go)
}

// maxInput bounds one identification line: one more than a QR line may hold,
// so that a longer scan reaches qr.Parse, which refuses it with its own
// message, instead of being cut here.
const maxInput = qr.MaxLine + 1

func newIdentifyScreen(f *frame, d *desk, dr *draftsScreen, h *historyScreen) *identifyScreen {
	in := newInput()
	in.Placeholder = "Quét mã QR trên thẻ hoặc gõ số định danh (12 số)"
	in.CharLimit = maxInput
	in.SetWidth(60)
	in.Prompt = "› "
	return &identifyScreen{f: f, d: d, keys: defaultIdentifyKeys(), input: in, drafts: dr, history: h}
}

func (s *identifyScreen) onShow() tea.Cmd { return s.input.Focus() }

// typed is what the input holds (the CAN or ID for a chip read).
func (s *identifyScreen) typed() string { return strings.TrimSpace(s.input.Value()) }

func (s *identifyScreen) help() []key.Binding {
	k := s.keys
	out := []key.Binding{k.Submit}
	if s.f.opt.Reader != nil {
		out = append(out, k.TapCard)
	}
	if s.d.v.slotTarget != "" {
		return append(out, bind([]string{"esc"}, "esc", "về tờ khai"))
	}
	out = append(out, k.Results, k.Drafts, k.History, k.Clear)
	if s.f.supervisor() {
		out = append(out, s.reports.keys.Open)
	}
	return append(out, k.Late, k.Book)
}

func (s *identifyScreen) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		var cmd tea.Cmd
		s.input, cmd = s.input.Update(msg)
		return cmd
	}
	switch {
	case key.Matches(k, s.keys.TapCard) && s.f.opt.Reader != nil:
		if len(s.f.opt.Reader.Virtual()) > 0 {
			s.f.screen = scrCards
			s.f.clear()
			return nil
		}
		ck, ok := card.KeyFromDigits(s.typed())
		if !ok {
			s.f.say("Gõ 6 số cuối của số định danh in trên thẻ (hoặc cả 12 số) rồi nhấn F2 để mở chip.")
			return nil
		}
		s.input.Reset()
		return s.d.startChipRead("", ck)
	case key.Matches(k, s.keys.Drafts) && s.d.v.slotTarget == "":
		return s.drafts.open()
	case key.Matches(k, s.keys.History) && s.d.v.slotTarget == "":
		return s.history.open()
	case key.Matches(k, s.keys.Results) && s.d.v.slotTarget == "":
		s.input.Reset()
		return s.results.open()
	case key.Matches(k, s.keys.Late) && s.d.v.slotTarget == "" && s.late != nil:
		return s.late.open()
	case key.Matches(k, s.keys.Book) && s.d.v.slotTarget == "" && s.book != nil:
		return s.book.open()
	case key.Matches(k, s.reports.keys.Open) && s.d.v.slotTarget == "":
		return s.reports.open()
	case key.Matches(k, s.keys.Submit):
		text := s.input.Value()
		s.input.Reset()
		return s.d.identify(text)
	case key.Matches(k, s.keys.Clear):
		s.input.Reset()
		if s.d.v.slotTarget != "" {
			return s.d.cancelSlot()
		}
		s.f.clear()
		return nil
	}
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(msg)
	return cmd
}

func (s *identifyScreen) view(width, _ int) string {
	f := s.f
	var b strings.Builder
	if slot := s.d.v.slotTarget; slot != "" && s.d.v.intake != nil {
		b.WriteString(f.st.Subtitle.Render("Điền người trong tờ khai: "+s.d.v.intake.Label(slot)) + "\n\n")
	} else {
		b.WriteString(f.st.Subtitle.Render("Bước 1 — Xác định công dân") + "\n\n")
	}
	b.WriteString("Chạm thẻ căn cước lên đầu đọc")
	if f.opt.Reader != nil {
		b.WriteString(" (F2)")
	}
	b.WriteString(", quét mã QR trên thẻ, hoặc gõ số định danh cá nhân rồi nhấn Enter.\n")
	if s.d.v.slotTarget == "" {
		b.WriteString(f.st.Muted.Render("F3: hồ sơ đang soạn dở.  F4: hồ sơ đã tiếp nhận, in lại biên nhận.  F5: trả kết quả.") + "\n")
		b.WriteString(f.st.Muted.Render("F7: chứng thực bản sao (sau khi xác định người yêu cầu).") + "\n")
		b.WriteString(f.st.Muted.Render("Công dân quay lại theo phiếu yêu cầu bổ sung: quét mã QR trên phiếu để mở lại tờ khai.") + "\n")
	}
	s.input.SetWidth(max(20, min(70, width-6)))
	b.WriteString("\n" + s.input.View() + "\n")
	if c := s.d.v.chip; c.res != nil && c.slot == s.d.v.slotTarget {
		b.WriteString("\n" + chipPanel(f, c, true))
	}
	return b.String()
}
