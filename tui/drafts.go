package tui

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"motcua/forms"
	"motcua/internal/counter"
)

// draftsScreen lists the declarations in progress (F3): service, whom it is
// about, when it was started and last saved, by whom; Enter resumes one.
type draftsScreen struct {
	f    *frame
	d    *desk
	keys listKeys
	list *picker
}

func newDraftsScreen(f *frame, d *desk) *draftsScreen {
	return &draftsScreen{f: f, d: d, keys: listKeysFor("mở", "quay lại"), list: newPicker(&f.st, true, "Không có hồ sơ soạn dở nào.")}
}

// open lists the drafts (I/O in the command).
func (s *draftsScreen) open() tea.Cmd {
	b, seq := s.f.be, s.f.seq
	return s.f.io("Đang mở danh sách hồ sơ soạn dở…", 10*time.Second, func(ctx context.Context) tea.Msg {
		list, err := b.Drafts(ctx)
		return draftsMsg{seq: seq, drafts: list, err: err}
	})
}

func (s *draftsScreen) onDrafts(msg draftsMsg) tea.Cmd {
	if !s.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		s.f.fail(s.f.explain(msg.err))
		return nil
	}
	if len(msg.drafts) == 0 {
		s.f.say("Không có hồ sơ soạn dở nào.")
		return nil
	}
	items := make([]pickItem, len(msg.drafts))
	for i, dr := range msg.drafts {
		items[i] = pickItem{key: dr.ID, text: s.row(dr), search: serviceName(dr.Service) + " " + dr.Who}
	}
	s.list.reset()
	s.list.set(items)
	s.f.screen = scrDrafts
	s.f.clear()
	return nil
}

func (s *draftsScreen) row(dr counter.Draft) string {
	who := show(dr.Who)
	if who == "" {
		who = "(chưa xác định người)"
	}
	return fmt.Sprintf("%-40s %-24s %s  %s", clipText(show(serviceName(dr.Service)), 40), clipText(who, 24),
		s.f.st.Muted.Render("bắt đầu "+s.f.clock(dr.CreatedAt, "15:04 02/01")+", lưu "+s.f.clock(dr.UpdatedAt, "15:04")),
		s.f.st.Muted.Render("cán bộ "+show(dr.Operator)))
}

// serviceName is a service's Vietnamese name (its ID when unknown).
func serviceName(id string) string {
	if spec, ok := forms.Lookup(id); ok {
		return spec.Name
	}
	return id
}

func (s *draftsScreen) help() []key.Binding {
	return []key.Binding{s.keys.Pick, s.keys.Back, s.list.keys.Up, s.list.keys.Filter}
}

func (s *draftsScreen) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	picked, handled := s.list.update(k, max(1, s.f.height-10))
	switch {
	case picked:
		it, _ := s.list.selected()
		return s.d.resumeDraft(it.key)
	case !handled && key.Matches(k, s.keys.Back):
		s.f.screen = scrIdentify
	}
	return nil
}

func (s *draftsScreen) view(width, height int) string {
	return s.f.st.Subtitle.Render("Hồ sơ đang soạn dở") + "\n\n" + s.list.view(width, height-2)
}
