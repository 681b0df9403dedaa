package tui

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"motcua/forms"
)

// historyScreen lists the dossiers received on this machine (F4); Enter
// prints a receipt again.
type historyScreen struct {
	f    *frame
	keys listKeys
	list *picker
}

func newHistoryScreen(f *frame) *historyScreen {
	return &historyScreen{f: f, keys: listKeysFor("in lại biên nhận", "quay lại"),
		list: newPicker(&f.st, true, "Chưa có hồ sơ nào trên máy này.")}
}

func (s *historyScreen) open() tea.Cmd {
	b, seq := s.f.be, s.f.seq
	return s.f.io("Đang mở lịch sử hồ sơ…", 10*time.Second, func(ctx context.Context) tea.Msg {
		list, err := b.Recent(ctx, 200)
		return historyMsg{seq: seq, list: list, err: err}
	})
}

func (s *historyScreen) onHistory(msg historyMsg) tea.Cmd {
	if !s.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		s.f.fail(s.f.explain(msg.err))
		return nil
	}
	if len(msg.list) == 0 {
		s.f.say("Chưa có hồ sơ nào trên máy này.")
		return nil
	}
	items := make([]pickItem, len(msg.list))
	for i, d := range msg.list {
		state := forms.Status(d.State).Label()
		items[i] = pickItem{key: d.Code, search: d.Code + " " + serviceName(d.Service) + " " + state,
			text: fmt.Sprintf("%s  %s  %-22s %s", show(d.Code), s.f.clock(d.ReceivedAt, "15:04 02/01"), state, show(serviceName(d.Service)))}
	}
	s.list.reset()
	s.list.set(items)
	s.f.screen = scrHistory
	s.f.clear()
	return nil
}

func (s *historyScreen) help() []key.Binding {
	return []key.Binding{s.keys.Pick, s.keys.Back, s.list.keys.Up, s.list.keys.Filter}
}

func (s *historyScreen) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	picked, handled := s.list.update(k, max(1, s.f.height-10))
	switch {
	case picked:
		it, _ := s.list.selected()
		b, op, seq, code := s.f.be, s.f.op, s.f.seq, it.key
		return s.f.io("Đang in lại giấy biên nhận…", 30*time.Second, func(ctx context.Context) tea.Msg {
			path, err := b.Reprint(ctx, code, op)
			return reprintedMsg{seq: seq, code: code, path: path, err: err}
		})
	case !handled && key.Matches(k, s.keys.Back):
		s.f.screen = scrIdentify
		s.f.clear()
	}
	return nil
}

func (s *historyScreen) onReprinted(msg reprintedMsg) tea.Cmd {
	if !s.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		s.f.fail("Chưa in lại được biên nhận " + msg.code + " (đã xếp hàng in lại): " + s.f.explain(msg.err))
		return nil
	}
	s.f.say("Đã in lại biên nhận " + msg.code + ": " + msg.path)
	return nil
}

func (s *historyScreen) view(width, height int) string {
	return s.f.st.Subtitle.Render("Hồ sơ đã tiếp nhận trên máy này — chọn để in lại giấy biên nhận") + "\n\n" +
		s.list.view(width, height-2)
}
