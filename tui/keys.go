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
	Copies            key.Binding // the copy certification desk, from steps 1 and 2
}

func defaultGlobalKeys() globalKeys {
	return globalKeys{
		Quit:   bind([]string{"ctrl+c"}, "ctrl+c", "thoát"),
		Help:   bind([]string{"f1"}, "F1", "trợ giúp"),
		Telex:  bind([]string{"f12"}, "F12", "bật/tắt gõ Telex"),
		Copies: bind([]string{"f7"}, "F7", "chứng thực bản sao"),
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
	Submit, TapCard, Drafts, History, Clear key.Binding
}

func defaultIdentifyKeys() identifyKeys {
	return identifyKeys{
		Submit:  bind([]string{"enter"}, "enter", "tra cứu"),
		TapCard: bind([]string{"f2"}, "F2", "chạm thẻ"),
		Drafts:  bind([]string{"f3"}, "F3", "soạn dở"),
		History: bind([]string{"f4"}, "F4", "lịch sử, in lại"),
		Clear:   bind([]string{"esc"}, "esc", "xóa"),
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

type reviewKeys struct{ Receive, Edit, PageDown, Electronic key.Binding }

func defaultReviewKeys() reviewKeys {
	return reviewKeys{
		Receive:  bind([]string{"enter"}, "enter", "tiếp nhận, in biên nhận"),
		Edit:     bind([]string{"esc"}, "esc", "sửa tờ khai"),
		PageDown: bind([]string{"pgdown", "pgup"}, "PgDn/PgUp", "trang"),
		// a digit: the n-th document shown electronically (VNeID, a national database) or not
		Electronic: bind([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, "1-9", "giấy tờ xuất trình điện tử"),
	}
}

type receiptKeys struct{ Next, FeeReceipt key.Binding }

func defaultReceiptKeys() receiptKeys {
	return receiptKeys{Next: bind([]string{"enter", "esc"}, "enter", "người tiếp theo"),
		FeeReceipt: bind([]string{"f8"}, "F8", "in biên lai thu phí")}
}

// copiesKeys are the copy certification desk's.
type copiesKeys struct {
	Certify, Back, Next, Prev, AddRow, DelRow, Export key.Binding
	Done, More                                        key.Binding // the result view's
}

func defaultCopiesKeys() copiesKeys {
	return copiesKeys{
		Certify: bind([]string{"f10", "ctrl+s"}, "F10", "chứng thực, in"),
		Back:    bind([]string{"esc"}, "esc", "quay lại"),
		Next:    bind([]string{"tab", "down", "enter"}, "tab/enter", "ô sau"),
		Prev:    bind([]string{"shift+tab", "up"}, "⇧tab/↑", "ô trước"),
		AddRow:  bind([]string{"ctrl+a"}, "ctrl+a", "thêm bản chính"),
		DelRow:  bind([]string{"ctrl+d"}, "ctrl+d", "xóa bản chính cuối"),
		Export:  bind([]string{"f9"}, "F9", "xuất sổ chứng thực"),
		Done:    bind([]string{"enter"}, "enter", "người tiếp theo"),
		More:    bind([]string{"esc"}, "esc", "chứng thực thêm"),
	}
}

type helpKeys struct{ Close key.Binding }

func defaultHelpKeys() helpKeys {
	return helpKeys{Close: bind([]string{"f1", "esc", "enter"}, "F1/esc", "đóng trợ giúp")}
}
