package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// statusBar is the line under the title: the gateway link, the card reader,
// the receipt output, the queues, who is logged in, the typing mode. Each
// part has a long and a short form; when the long line does not fit, the
// short forms are used, and F1 shows every part in full.
type statusBar struct {
	f            *frame
	d            *desk
	gwKnown      bool
	gwErr        error
	link         string // Vietnamese link state from the circuit breaker
	printerName  string
	printerErr   error
	queued       int // dossiers waiting in the outbox
	printWaiting int // documents (receipts, slips) waiting for the printer
}

type statusPart struct {
	long, short string
	ok, known   bool
	warn        bool
}

func (s *statusBar) parts() []statusPart {
	var out []statusPart
	switch {
	case !s.gwKnown:
		out = append(out, statusPart{long: "Cổng dữ liệu: đang kiểm tra", short: "CSDL …"})
	case s.gwErr == nil:
		label := "Cổng dữ liệu: kết nối"
		if s.link != "" {
			label = s.link
		}
		short := "CSDL"
		if strings.Contains(label, "chập chờn") {
			short = "CSDL chập chờn"
		}
		out = append(out, statusPart{long: label, short: short, ok: true, known: true})
	default:
		label := "Cổng dữ liệu: mất kết nối (dùng dữ liệu lưu tạm)"
		if s.link != "" {
			label = s.link
		}
		out = append(out, statusPart{long: label, short: "CSDL mất kết nối", known: true})
	}
	reader := readerStatus(s.f, s.d.v.chip.readers, func(ok bool, label string) string {
		if ok {
			return "+" + label
		}
		return "-" + label
	})
	rp := statusPart{long: reader[1:], short: "Đầu đọc", ok: reader[0] == '+', known: true}
	if !rp.ok {
		rp.short = strings.TrimPrefix(rp.long, "Đầu đọc: ")
		rp.short = "Đầu đọc " + rp.short
	}
	out = append(out, rp)
	switch {
	case !s.gwKnown:
	case s.printerErr == nil:
		out = append(out, statusPart{long: "Biên nhận: " + s.printerName, short: "In", ok: true, known: true})
	default:
		out = append(out, statusPart{long: "Biên nhận: lỗi — " + s.f.explain(s.printerErr), short: "In: lỗi", known: true})
	}
	if s.queued > 0 {
		out = append(out, statusPart{long: fmt.Sprintf("Chờ gửi: %d hồ sơ", s.queued), short: fmt.Sprintf("Chờ gửi %d", s.queued), warn: true})
	}
	if s.printWaiting > 0 {
		out = append(out, statusPart{long: fmt.Sprintf("Chờ in: %d giấy tờ", s.printWaiting), short: fmt.Sprintf("Chờ in %d", s.printWaiting), warn: true})
	}
	if s.f.typist.On() {
		out = append(out, statusPart{long: "Gõ " + s.f.typist.Label() + ": bật (F12 tắt)", short: s.f.typist.Label(), ok: true, known: true})
	}
	if s.f.be != nil {
		who := "Cán bộ: " + s.f.op.ID
		if s.f.volunteer() {
			who = "Tình nguyện viên: " + s.f.op.ID
		}
		out = append(out, statusPart{long: who, short: s.f.op.ID})
	} else if s.f.busy == openingLabel {
		out = append(out, statusPart{long: "Cán bộ: đang mở quầy", short: "…"})
	} else {
		out = append(out, statusPart{long: "chưa đăng nhập", short: "chưa đăng nhập"})
	}
	return out
}

func (s *statusBar) render(p statusPart, short bool) string {
	text := p.long
	if short {
		text = p.short
	}
	switch {
	case p.warn:
		return s.f.st.Warn.Render(text)
	case !p.known:
		return s.f.st.Muted.Render(text)
	case p.ok:
		return s.f.st.StatusOK.Render("● ") + text
	}
	return s.f.st.StatusBad.Render("● ") + text
}

func (s *statusBar) view(width int) string {
	parts := s.parts()
	short := make([]bool, len(parts))
	line := func() string {
		out := make([]string, len(parts))
		for i, p := range parts {
			out[i] = s.render(p, short[i])
		}
		return strings.Join(out, " │ ")
	}
	l := line()
	// shorten the least telling parts first: the link's state goes last
	for i := len(parts) - 1; i >= 0 && width > 0 && ansi.StringWidth(l) > width-2; i-- {
		short[i] = true
		l = line()
	}
	if width > 0 && ansi.StringWidth(l) > width-2 {
		l = ansi.Truncate(l, width-2, "…")
	}
	return s.f.st.StatusBar.Render(l)
}

// details is every part in full, for the help overlay.
func (s *statusBar) details() []string {
	var out []string
	for _, p := range s.parts() {
		out = append(out, s.render(p, false))
	}
	return out
}
