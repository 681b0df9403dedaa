package tui

import "charm.land/bubbles/v2/key"

// keyMap holds every binding; each screen shows the subset it honours.
type keyMap struct {
	Quit      key.Binding
	Help      key.Binding
	Submit    key.Binding
	Back      key.Binding
	TapCard   key.Binding
	Up        key.Binding
	Down      key.Binding
	Next      key.Binding
	Prev      key.Binding
	NextEmpty key.Binding
	Choice    key.Binding
	Review    key.Binding
	Confirm   key.Binding
	NewPerson key.Binding
	Service   key.Binding
	AddRow    key.Binding
	DelRow    key.Binding
	Drafts    key.Binding
	History   key.Binding
}

func defaultKeys() keyMap {
	return keyMap{
		Quit:      key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "thoát")),
		Help:      key.NewBinding(key.WithKeys("f1"), key.WithHelp("F1", "trợ giúp")),
		Submit:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "tra cứu")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "quay lại")),
		TapCard:   key.NewBinding(key.WithKeys("f2"), key.WithHelp("F2", "chạm thẻ")),
		Up:        key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "lên")),
		Down:      key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "xuống")),
		Next:      key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab/↓", "ô sau")),
		Prev:      key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab/↑", "ô trước")),
		NextEmpty: key.NewBinding(key.WithKeys("ctrl+n"), key.WithHelp("ctrl+n", "ô còn thiếu")),
		Choice:    key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "đổi lựa chọn")),
		Review:    key.NewBinding(key.WithKeys("f10", "ctrl+s"), key.WithHelp("F10", "xem lại")),
		Confirm:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "xác nhận")),
		NewPerson: key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter", "người tiếp theo")),
		Service:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "chọn thủ tục")),
		AddRow:    key.NewBinding(key.WithKeys("ctrl+a"), key.WithHelp("ctrl+a", "thêm dòng")),
		DelRow:    key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "xóa dòng")),
		Drafts:    key.NewBinding(key.WithKeys("f3"), key.WithHelp("F3", "hồ sơ soạn dở")),
		History:   key.NewBinding(key.WithKeys("f4"), key.WithHelp("F4", "lịch sử, in lại")),
	}
}

// screenKeys implements help.KeyMap for the current screen.
type screenKeys struct {
	short []key.Binding
	full  [][]key.Binding
}

func (k screenKeys) ShortHelp() []key.Binding  { return k.short }
func (k screenKeys) FullHelp() [][]key.Binding { return k.full }
