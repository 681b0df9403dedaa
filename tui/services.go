package tui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"motcua/forms"
)

// servicesScreen is step 3: the service catalog. ↑/↓, the service's number,
// or letters typed to filter (diacritics optional) pick the service.
type servicesScreen struct {
	f     *frame
	d     *desk
	keys  listKeys
	list  *picker
	specs map[string]*forms.Spec
}

func newServicesScreen(f *frame, d *desk) *servicesScreen {
	return &servicesScreen{f: f, d: d, keys: listKeysFor("mở tờ khai", "quay lại"), list: newPicker(&f.st, true, "Không có thủ tục nào.")}
}

func (s *servicesScreen) onShow() tea.Cmd {
	s.specs = map[string]*forms.Spec{}
	var items []pickItem
	for _, spec := range s.f.be.Services() {
		s.specs[spec.ID] = spec
		items = append(items, pickItem{key: spec.ID, search: spec.Name,
			text: spec.Name + "  " + s.f.st.Muted.Render("("+processingWords(spec)+")")})
	}
	s.list.reset()
	s.list.set(items)
	return nil
}

// processingWords says how long the service takes: "trong ngày" for the same
// day, the working days otherwise; a bundle gives its longest procedure.
func processingWords(spec *forms.Spec) string {
	days := spec.ProcessingDays
	for _, p := range spec.Procedures() {
		days = max(days, p.ProcessingDays)
	}
	if days <= 0 {
		return "trong ngày"
	}
	return fmt.Sprintf("%d ngày làm việc", days)
}

func (s *servicesScreen) help() []key.Binding {
	return []key.Binding{s.keys.Pick, s.keys.Back, s.list.keys.Up, s.list.keys.Filter}
}

func (s *servicesScreen) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	picked, handled := s.list.update(k, max(1, s.f.height-10))
	switch {
	case picked:
		it, _ := s.list.selected()
		return s.d.openService(s.specs[it.key])
	case !handled && key.Matches(k, s.keys.Back):
		s.f.screen = scrResident
	}
	return nil
}

func (s *servicesScreen) view(width, height int) string {
	return s.f.st.Subtitle.Render("Bước 3 — Chọn thủ tục") + "\n\n" + s.list.view(width, height-2)
}
