package tui

import "charm.land/bubbles/v2/key"

// Every binding of the program lives here, one key map per component, with
// Vietnamese help. A screen's hint line lists its keys in the order of its
// key map's help(): the keys that finish the screen come first, so that they
// still fit at 80 columns; F1 shows them all.

func bind(keys []string, k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
}

// globalKeys work on every screen.
type globalKeys struct {
	Quit, Help, Telex key.Binding
}

func defaultGlobalKeys() globalKeys {
	return globalKeys{
		Quit:  bind([]string{"ctrl+c"}, "ctrl+c", "thoát"),
		Help:  bind([]string{"f1"}, "F1", "trợ giúp"),
		Telex: bind([]string{"f12"}, "F12", "bật/tắt gõ Telex"),
	}
}

type loginKeys struct{ Next, Submit key.Binding }

func defaultLoginKeys() loginKeys {
	return loginKeys{
		Submit: bind([]string{"enter"}, "enter", "đăng nhập"),
		Next:   bind([]string{"tab", "shift+tab", "up", "down"}, "tab", "ô sau"),
	}
}

func (k loginKeys) help() []key.Binding { return []key.Binding{k.Submit, k.Next} }

type identifyKeys struct {
	Submit, TapCard, Drafts, History, Clear, Late, Book key.Binding
}

func defaultIdentifyKeys() identifyKeys {
	return identifyKeys{
		Submit:  bind([]string{"enter"}, "enter", "tra cứu"),
		TapCard: bind([]string{"f2"}, "F2", "chạm thẻ"),
		Drafts:  bind([]string{"f3"}, "F3", "soạn dở"),
		History: bind([]string{"f4"}, "F4", "lịch sử, in lại"),
		Clear:   bind([]string{"esc"}, "esc", "xóa"),
		Late:    bind([]string{"f7"}, "F7", "theo dõi hạn"),
		Book:    bind([]string{"f8"}, "F8", "sổ theo dõi"),
	}
}

type cardsKeys struct{ Tap, Back key.Binding }

func defaultCardsKeys() cardsKeys {
	return cardsKeys{
		Tap:  bind([]string{"enter"}, "enter", "chạm thẻ"),
		Back: bind([]string{"esc"}, "esc", "quay lại"),
	}
}

type residentKeys struct{ Service, ReadChip, Next key.Binding }

func defaultResidentKeys() residentKeys {
	return residentKeys{
		Service:  bind([]string{"enter"}, "enter", "chọn thủ tục"),
		Next:     bind([]string{"esc"}, "esc", "người khác"),
		ReadChip: bind([]string{"f2"}, "F2", "đọc chip"),
	}
}

type listKeys struct{ Pick, Back key.Binding }

func listKeysFor(pick, back string) listKeys {
	return listKeys{
		Pick: bind([]string{"enter"}, "enter", pick),
		Back: bind([]string{"esc"}, "esc", back),
	}
}

type formKeys struct {
	Review, Back, Next, Prev, NextMissing, Choice, PageDown, PageUp, AddRow, DelRow key.Binding
}

func defaultFormKeys() formKeys {
	return formKeys{
		Review:      bind([]string{"f10", "ctrl+s"}, "F10", "xem lại"),
		Back:        bind([]string{"esc"}, "esc", "thoát (lưu nháp)"),
		Next:        bind([]string{"tab", "down"}, "tab/↓", "ô sau"),
		Prev:        bind([]string{"shift+tab", "up"}, "⇧tab/↑", "ô trước"),
		NextMissing: bind([]string{"ctrl+n"}, "ctrl+n", "ô còn thiếu"),
		Choice:      bind([]string{"left", "right"}, "←/→", "đổi lựa chọn"),
		PageDown:    bind([]string{"pgdown"}, "PgDn/PgUp", "trang"),
		PageUp:      key.NewBinding(key.WithKeys("pgup")),
		AddRow:      bind([]string{"ctrl+a"}, "ctrl+a", "thêm dòng"),
		DelRow:      bind([]string{"ctrl+d"}, "ctrl+d", "xóa dòng"),
	}
}

type reviewKeys struct{ Receive, Edit, PageDown key.Binding }

func defaultReviewKeys() reviewKeys {
	return reviewKeys{
		Receive:  bind([]string{"enter"}, "enter", "tiếp nhận, in biên nhận"),
		Edit:     bind([]string{"esc"}, "esc", "sửa tờ khai"),
		PageDown: bind([]string{"pgdown", "pgup"}, "PgDn/PgUp", "trang"),
	}
}

type receiptKeys struct{ Next key.Binding }

func defaultReceiptKeys() receiptKeys {
	return receiptKeys{Next: bind([]string{"enter", "esc"}, "enter", "người tiếp theo")}
}

type helpKeys struct{ Close key.Binding }

func defaultHelpKeys() helpKeys {
	return helpKeys{Close: bind([]string{"f1", "esc", "enter"}, "F1/esc", "đóng trợ giúp")}
}

type lateKeys struct{ Apology, Back, Window, Confirm, Cancel, Days key.Binding }

func defaultLateKeys() lateKeys {
	return lateKeys{
		Apology: bind([]string{"enter"}, "enter", "xin lỗi, hẹn lại"),
		Back:    bind([]string{"esc"}, "esc", "quay lại"),
		Window:  bind([]string{"+", "=", "-"}, "+/−", "số ngày theo dõi"),
		Confirm: bind([]string{"enter"}, "enter", "ghi, in Mẫu 04"),
		Cancel:  bind([]string{"esc"}, "esc", "thôi"),
		Days:    bind([]string{"pgup", "pgdown"}, "PgUp/PgDn", "ngày hẹn mới"),
	}
}

type bookKeys struct{ Apply, XLSX, PDF, Back, Next, Choice key.Binding }

func defaultBookKeys() bookKeys {
	return bookKeys{
		Apply:  bind([]string{"enter"}, "enter", "lọc"),
		XLSX:   bind([]string{"f5"}, "F5", "xuất XLSX"),
		PDF:    bind([]string{"f6"}, "F6", "xuất PDF"),
		Back:   bind([]string{"esc"}, "esc", "quay lại"),
		Next:   bind([]string{"tab", "shift+tab"}, "tab", "ô lọc sau"),
		Choice: bind([]string{"left", "right"}, "←/→", "đổi lựa chọn"),
	}
}
