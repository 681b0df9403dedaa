package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"motcua/forms"
)

// refuseScreen refuses the dossier (Mẫu 03): the reason from the service's
// list (forms.RefusalReasons, through the picker), then the free text, which
// the "other" reason needs; Enter there records the refusal and prints it.
type refuseScreen struct {
	f      *frame
	d      *desk
	keys   refuseKeys
	list   *picker
	note   textinput.Model
	reason *forms.RefusalReason // picked: the note is being typed
	byID   map[string]forms.RefusalReason
}

// maxRefusalNote is the use case's bound on the note.
const maxRefusalNote = 1000

func newRefuseScreen(f *frame, d *desk) *refuseScreen {
	in := newInput()
	in.Placeholder = "Ghi rõ lý do cho công dân (bắt buộc với lý do khác)"
	in.CharLimit = maxRefusalNote
	in.Prompt = "› "
	return &refuseScreen{f: f, d: d, keys: defaultRefuseKeys(), note: in,
		list: newPicker(&f.st, true, "Thủ tục này chưa có danh sách lý do từ chối.")}
}

// open lists the reasons of the declaration's service.
func (s *refuseScreen) open() tea.Cmd {
	in := s.d.v.intake
	if in == nil {
		return nil
	}
	s.byID = map[string]forms.RefusalReason{}
	var items []pickItem
	for _, r := range forms.RefusalReasons(in.Spec().ID) {
		s.byID[r.ID] = r
		items = append(items, pickItem{key: r.ID, text: show(r.Text), search: r.Text})
	}
	s.list.reset()
	s.list.set(items)
	s.reason = nil
	s.note.Reset()
	s.f.screen = scrRefuse
	s.f.clear()
	return nil
}

func (s *refuseScreen) help() []key.Binding {
	if s.reason != nil {
		return []key.Binding{s.keys.Confirm, s.keys.Cancel}
	}
	return []key.Binding{s.keys.Pick, s.keys.Back, s.list.keys.Up, s.list.keys.Filter}
}

func (s *refuseScreen) update(msg tea.Msg) tea.Cmd {
	if s.reason != nil {
		return s.updateNote(msg)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	picked, handled := s.list.update(k, max(1, s.f.height-12))
	switch {
	case picked:
		it, _ := s.list.selected()
		r := s.byID[it.key]
		s.reason = &r
		s.f.clear()
		s.f.typist.Reset()
		return s.note.Focus()
	case !handled && key.Matches(k, s.keys.Back):
		s.f.screen = scrReview
	}
	return nil
}

func (s *refuseScreen) updateNote(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, s.keys.Cancel):
			s.reason = nil
			s.note.Blur()
			s.f.clear()
			return nil
		case key.Matches(k, s.keys.Confirm):
			note := strings.TrimSpace(s.note.Value())
			if s.reason.ID == forms.ReasonOther && note == "" {
				s.f.fail("Lý do khác: hãy ghi rõ lý do từ chối.")
				return nil
			}
			return s.d.refuse(s.reason.ID, note)
		}
	}
	var cmd tea.Cmd
	s.note, cmd = s.f.typist.Update(s.note, msg)
	return cmd
}

func (s *refuseScreen) view(width, height int) string {
	f := s.f
	in := s.d.v.intake
	if in == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(f.st.Subtitle.Render("Từ chối tiếp nhận hồ sơ (Mẫu 03): "+in.Spec().Name) + "\n")
	if s.reason == nil {
		b.WriteString(f.st.Muted.Render("Chọn lý do (gõ số hoặc ↑/↓ rồi Enter); sau đó ghi thêm cho công dân.") + "\n\n")
		b.WriteString(s.list.view(width, height-4))
		return b.String()
	}
	b.WriteString("\n" + field(f, "Lý do", show(s.reason.Text)) + "\n")
	if s.reason.Basis != "" {
		b.WriteString(field(f, "Căn cứ", show(s.reason.Basis)) + "\n")
	}
	s.note.SetWidth(max(20, min(90, width-6)))
	b.WriteString("\n" + f.st.Label.Render("Ghi thêm") + "\n" + s.note.View() + "\n\n")
	b.WriteString(f.st.Warn.Render("Enter: ghi việc từ chối và in phiếu. Tờ khai không được giữ lại trên máy.") + "\n")
	return b.String()
}
