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
	Lock              key.Binding // locks the screen: the next operator (or the same) logs in
}

func defaultGlobalKeys() globalKeys {
	return globalKeys{
		Quit:   bind([]string{"ctrl+c"}, "ctrl+c", "thoát"),
		Lock:   bind([]string{"ctrl+l"}, "ctrl+l", "khóa màn hình"),
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
	Submit, TapCard, Drafts, History, Results, Clear, Late, Book key.Binding
}

func defaultIdentifyKeys() identifyKeys {
	return identifyKeys{
		Submit:  bind([]string{"enter"}, "enter", "tra cứu"),
		TapCard: bind([]string{"f2"}, "F2", "chạm thẻ"),
		Drafts:  bind([]string{"f3"}, "F3", "soạn dở"),
		History: bind([]string{"f4"}, "F4", "lịch sử, in lại"),
		Results: bind([]string{"f5"}, "F5", "trả kết quả"),
		Clear:   bind([]string{"esc"}, "esc", "xóa"),
		Late:    bind([]string{"f8"}, "F8", "theo dõi hạn"),
		Book:    bind([]string{"f9"}, "F9", "sổ theo dõi"),
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

// reviewKeys: the reception's three outcomes, then the way back.
type reviewKeys struct{ Receive, Supplement, Refuse, Edit, PageDown, Electronic key.Binding }

func defaultReviewKeys() reviewKeys {
	return reviewKeys{
		Receive:    bind([]string{"enter"}, "enter", "tiếp nhận, in biên nhận"),
		Supplement: bind([]string{"b", "B"}, "b", "bổ sung hồ sơ"),
		Refuse:     bind([]string{"t", "T"}, "t", "từ chối"),
		Edit:       bind([]string{"esc"}, "esc", "sửa tờ khai"),
		PageDown:   bind([]string{"pgdown", "pgup"}, "PgDn/PgUp", "trang"),
		// a digit: the n-th document shown electronically (VNeID, a national database) or not
		Electronic: bind([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, "1-9", "giấy tờ xuất trình điện tử"),
	}
}

type receiptKeys struct{ Next, ControlSheet, FeeReceipt key.Binding }

func defaultReceiptKeys() receiptKeys {
	return receiptKeys{
		Next:         bind([]string{"enter", "esc"}, "enter", "người tiếp theo"),
		ControlSheet: bind([]string{"k", "K"}, "k", "in phiếu kiểm soát (Mẫu 06)"),
		FeeReceipt:   bind([]string{"f8"}, "F8", "in biên lai thu phí"),
	}
}

// supplementKeys: the list of the service's documents, and the editing of one.
type supplementKeys struct {
	Make, Edit, Drop, Back, Move key.Binding // the list
	Save, Next, Cancel           key.Binding // a document being edited
}

func defaultSupplementKeys() supplementKeys {
	return supplementKeys{
		Make:   bind([]string{"f10", "ctrl+s"}, "F10", "lập phiếu, in"),
		Edit:   bind([]string{"enter"}, "enter", "ghi thiếu/sai"),
		Drop:   bind([]string{"delete", "ctrl+d"}, "ctrl+d", "bỏ giấy tờ"),
		Back:   bind([]string{"esc"}, "esc", "quay lại"),
		Move:   bind([]string{"up", "down"}, "↑/↓", "chọn giấy tờ"),
		Save:   bind([]string{"enter"}, "enter", "ghi mục này"),
		Next:   bind([]string{"tab", "shift+tab", "up", "down"}, "tab", "ô sau"),
		Cancel: bind([]string{"esc"}, "esc", "bỏ sửa"),
	}
}

// refuseKeys: the reason (a picker), then the free text.
type refuseKeys struct{ Pick, Back, Confirm, Cancel key.Binding }

func defaultRefuseKeys() refuseKeys {
	return refuseKeys{
		Pick:    bind([]string{"enter"}, "enter", "chọn lý do"),
		Back:    bind([]string{"esc"}, "esc", "quay lại"),
		Confirm: bind([]string{"enter"}, "enter", "từ chối, in phiếu"),
		Cancel:  bind([]string{"esc"}, "esc", "chọn lại lý do"),
	}
}

type slipKeys struct{ Next, Reprint key.Binding }

func defaultSlipKeys() slipKeys {
	return slipKeys{
		Next:    bind([]string{"enter", "esc"}, "enter", "người tiếp theo"),
		Reprint: bind([]string{"i", "I"}, "i", "in lại phiếu"),
	}
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

// resultsKeys are the results desk's: Enter does the step shown (open the
// dossier, identify the receiver, hand over), a digit answers a rating
// question.
type resultsKeys struct {
	Submit, TapCard, Back, Answer, Skip, Prev key.Binding
}

func defaultResultsKeys() resultsKeys {
	return resultsKeys{
		Submit:  bind([]string{"enter"}, "enter", "tiếp tục"),
		TapCard: bind([]string{"f2"}, "F2", "chạm thẻ người nhận"),
		Back:    bind([]string{"esc"}, "esc", "quay lại"),
		Answer:  bind([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, "1–9", "chọn câu trả lời"),
		Skip:    bind([]string{"0"}, "0", "bỏ qua câu này"),
		Prev:    bind([]string{"backspace"}, "⌫", "câu trước"),
	}
}

// ratingScreenKeys are the citizen-facing rating screen's.
type ratingScreenKeys struct {
	Answer, Skip, Prev, Decline, Quit key.Binding
}

func defaultRatingScreenKeys() ratingScreenKeys {
	return ratingScreenKeys{
		Answer:  bind([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, "1–9", "chọn câu trả lời"),
		Skip:    bind([]string{"0"}, "0", "bỏ qua câu này"),
		Prev:    bind([]string{"backspace"}, "⌫", "câu trước"),
		Decline: bind([]string{"esc"}, "esc", "không đánh giá"),
		Quit:    bind([]string{"ctrl+c"}, "ctrl+c", "thoát"),
	}
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
