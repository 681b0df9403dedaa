package tui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"motcua/lookups/card"
)

// cardsScreen is the demo's virtual reader: the clerk picks the card laid
// on it; the read runs the real reader code against the chip emulator.
type cardsScreen struct {
	f    *frame
	d    *desk
	id   *identifyScreen
	keys cardsKeys
	list *picker
}

func newCardsScreen(f *frame, d *desk, id *identifyScreen) *cardsScreen {
	return &cardsScreen{f: f, d: d, id: id, keys: defaultCardsKeys(), list: newPicker(&f.st, true, "Không có thẻ ảo nào.")}
}

func (s *cardsScreen) onShow() tea.Cmd {
	var items []pickItem
	if st := s.f.opt.Reader; st != nil {
		cards := st.Virtual()
		idWidth := 12 // an ID number; a training card's name may be longer
		for _, c := range cards {
			idWidth = max(idWidth, ansi.StringWidth(c.ID))
		}
		for _, c := range cards {
			items = append(items, pickItem{key: c.ID, search: c.ID + " " + c.Name + " " + c.Note,
				text: fmt.Sprintf("%-*s  %-28s %s", idWidth, c.ID, c.Name, s.f.st.Muted.Render(c.Note))})
		}
	}
	s.list.reset()
	s.list.set(items)
	return nil
}

func (s *cardsScreen) help() []key.Binding {
	return []key.Binding{s.keys.Tap, s.keys.Back, s.list.keys.Up, s.list.keys.Filter}
}

func (s *cardsScreen) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	picked, handled := s.list.update(k, max(1, s.f.height-10))
	switch {
	case picked:
		it, _ := s.list.selected()
		ck, _ := card.KeyFromDigits(s.id.typed()) // empty: the reader reads the number off the virtual card
		return s.d.startChipRead(it.key, ck)
	case !handled && key.Matches(k, s.keys.Back):
		s.f.screen = scrIdentify
		if s.d.v.slotTarget == receiverSlot { // the results desk's receiver
			s.d.v.slotTarget = ""
			s.f.screen = scrResults
		}
	}
	return nil
}

func (s *cardsScreen) view(width, height int) string {
	f := s.f
	title := f.st.Subtitle.Render("Chạm thẻ — "+f.opt.Reader.Name()) + "\n" +
		f.st.Muted.Render(ansi.Truncate("Chọn thẻ đặt lên đầu đọc: chip mô phỏng của người tổng hợp (bản demo), đọc và xác thực như thẻ thật.", max(20, width-2), "…")) + "\n\n"
	return title + s.list.view(width, height-3)
}
