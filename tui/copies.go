package tui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"motcua/forms"
	"motcua/internal/counter"
)

// copiesScreen is the copy certification desk (F7 from steps 1 and 2): for the citizen
// identified (card tap, QR code or typed ID), each original's document, pages and number
// of copies; F10 certifies them (register numbers, fees, the certification blocks and the
// fee receipt printed); F9 exports the year's register. No look-up beyond identity.
type copiesScreen struct {
	f     *frame
	d     *desk
	keys  copiesKeys
	in    [3]textinput.Model // the original being entered: document, pages, copies
	focus int
	rows  []counter.CopyOriginal // the originals added (ctrl+a)
	res   *counter.CopyResult    // what F10 did (the result view)
	back  screenID               // where Esc returns
}

// copyDocuments are the papers most often copied at a ward, picked by their digit when the
// document's box is empty.
var copyDocuments = []string{
	"Giấy khai sinh",
	"Căn cước / Căn cước công dân",
	"Bằng tốt nghiệp",
	"Học bạ",
	"Giấy chứng nhận quyền sử dụng đất",
	"Giấy chứng nhận đăng ký kết hôn",
	"Hợp đồng",
	"Giấy phép lái xe",
	"Sổ bảo hiểm xã hội",
}

const (
	copyDoc = iota
	copyPages
	copyCopies
)

func newCopiesScreen(f *frame, d *desk) *copiesScreen {
	s := &copiesScreen{f: f, d: d, keys: defaultCopiesKeys()}
	for i := range s.in {
		s.in[i] = newInput()
		s.in[i].Prompt = ""
	}
	s.in[copyDoc].CharLimit = 200
	s.in[copyDoc].Placeholder = "gõ tên, hoặc một số 1-9 để chọn"
	s.in[copyPages].CharLimit, s.in[copyCopies].CharLimit = 4, 3
	s.in[copyPages].Placeholder, s.in[copyCopies].Placeholder = "1", "1"
	return s
}

// open shows the desk for the citizen served.
func (s *copiesScreen) open() tea.Cmd {
	s.back = s.f.screen
	s.rows, s.res, s.focus = nil, nil, copyDoc
	for i := range s.in {
		s.in[i].Reset()
	}
	s.f.screen = scrCopies
	s.f.clear()
	if _, ok := s.requester(); !ok {
		s.f.say("Chưa xác định người yêu cầu: Esc về Bước 1, chạm thẻ (F2) hoặc gõ số định danh, rồi F7.")
	}
	return s.focusInput()
}

func (s *copiesScreen) focusInput() tea.Cmd {
	var cmd tea.Cmd
	for i := range s.in {
		if i == s.focus {
			cmd = s.in[i].Focus()
		} else {
			s.in[i].Blur()
		}
	}
	return cmd
}

// requester is who asks: the card's identity when the card may be received with, else the
// person looked up by a typed ID.
func (s *copiesScreen) requester() (counter.CopyRequester, bool) {
	v := s.d.v
	if v.card != nil && v.card.ID != "" {
		if ok, _ := v.chip.receivable(); ok || v.cardSource != forms.SourceCard {
			src := "chip"
			if v.cardSource == forms.SourceQR {
				src = "qr"
			}
			return counter.CopyRequester{ID: v.card.ID, Name: v.card.FullName, Source: src}, true
		}
	}
	if v.resident != nil && v.resident.Citizen.ID != "" {
		return counter.CopyRequester{ID: v.resident.Citizen.ID, Name: v.resident.Citizen.FullName, Source: "typed"}, true
	}
	return counter.CopyRequester{}, false
}

func (s *copiesScreen) help() []key.Binding {
	k := s.keys
	if s.res != nil {
		return []key.Binding{k.Done, k.More, k.Export}
	}
	return []key.Binding{k.Certify, k.Back, k.Next, k.AddRow, k.DelRow, k.Export}
}

// number reads a count box: empty is 1.
func number(in textinput.Model) (int, bool) {
	v := strings.TrimSpace(in.Value())
	if v == "" {
		return 1, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n > 0
}

// current is the original being entered, when its document is given.
func (s *copiesScreen) current() (counter.CopyOriginal, bool, string) {
	doc := strings.TrimSpace(s.in[copyDoc].Value())
	if doc == "" {
		return counter.CopyOriginal{}, false, ""
	}
	pages, ok := number(s.in[copyPages])
	if !ok || pages > counter.MaxCopyPages {
		return counter.CopyOriginal{}, false, fmt.Sprintf("Số trang phải từ 1 đến %d.", counter.MaxCopyPages)
	}
	copies, ok := number(s.in[copyCopies])
	if !ok || copies > counter.MaxCopies {
		return counter.CopyOriginal{}, false, fmt.Sprintf("Số bản sao phải từ 1 đến %d.", counter.MaxCopies)
	}
	return counter.CopyOriginal{Document: doc, Pages: pages, Copies: copies}, true, ""
}

// add moves the original being entered into the list.
func (s *copiesScreen) add() (bool, tea.Cmd) {
	o, ok, problem := s.current()
	if problem != "" {
		s.f.fail(problem)
		return false, nil
	}
	if !ok {
		return false, nil
	}
	if len(s.rows) >= counter.MaxCopyOriginals {
		s.f.fail(fmt.Sprintf("Mỗi lượt chứng thực tối đa %d bản chính.", counter.MaxCopyOriginals))
		return false, nil
	}
	s.rows = append(s.rows, o)
	for i := range s.in {
		s.in[i].Reset()
	}
	s.focus = copyDoc
	return true, s.focusInput()
}

func (s *copiesScreen) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if s.res == nil {
			var cmd tea.Cmd
			s.in[s.focus], cmd = s.in[s.focus].Update(msg)
			return cmd
		}
		return nil
	}
	if key.Matches(k, s.keys.Export) {
		return s.export()
	}
	if s.res != nil { // the result view
		switch {
		case key.Matches(k, s.keys.Done):
			return s.d.reset()
		case key.Matches(k, s.keys.More):
			s.res = nil
			s.f.clear()
		}
		return nil
	}
	switch {
	case key.Matches(k, s.keys.Back):
		s.f.screen = s.back
		s.f.clear()
		return nil
	case key.Matches(k, s.keys.Certify):
		return s.certify()
	case key.Matches(k, s.keys.AddRow):
		_, cmd := s.add()
		return cmd
	case key.Matches(k, s.keys.DelRow):
		if n := len(s.rows); n > 0 {
			s.rows = s.rows[:n-1]
		}
		return nil
	case key.Matches(k, s.keys.Next):
		s.focus = (s.focus + 1) % len(s.in)
		return s.focusInput()
	case key.Matches(k, s.keys.Prev):
		s.focus = (s.focus + len(s.in) - 1) % len(s.in)
		return s.focusInput()
	}
	// a digit in the empty document box picks a common document
	if t := k.Text; s.focus == copyDoc && s.in[copyDoc].Value() == "" && len(t) == 1 && t[0] >= '1' && t[0] <= '9' {
		s.in[copyDoc].SetValue(copyDocuments[t[0]-'1'])
		s.in[copyDoc].CursorEnd()
		s.focus = copyPages
		return s.focusInput()
	}
	if s.focus != copyDoc && k.Text != "" && (k.Text[0] < '0' || k.Text[0] > '9') {
		return nil // the counts take digits only
	}
	var cmd tea.Cmd
	s.in[s.focus], cmd = s.in[s.focus].Update(msg)
	return cmd
}

// certify sends the originals (the one being entered included) to the register.
func (s *copiesScreen) certify() tea.Cmd {
	who, ok := s.requester()
	if !ok {
		s.f.fail("Chưa xác định người yêu cầu: Esc về Bước 1, chạm thẻ (F2) hoặc gõ số định danh, rồi F7.")
		return nil
	}
	if _, problem := s.pending(); problem != "" {
		s.f.fail(problem)
		return nil
	}
	added, _ := s.add()
	if !added && len(s.rows) == 0 {
		s.f.fail("Chưa có bản chính nào: gõ tên giấy tờ (hoặc một số 1-9), số trang, số bản sao rồi F10.")
		return nil
	}
	req := counter.CopyRequest{Requester: who, Originals: append([]counter.CopyOriginal(nil), s.rows...)}
	b, op, seq := s.f.be, s.f.op, s.f.seq
	return s.f.io("Đang cấp số chứng thực và in lời chứng…", 60*time.Second, func(ctx context.Context) tea.Msg {
		res, err := b.CertifyCopies(ctx, op, req)
		return certifiedMsg{seq: seq, res: res, err: err}
	})
}

// pending reports a problem of the original being entered, if any.
func (s *copiesScreen) pending() (bool, string) {
	_, ok, problem := s.current()
	return ok, problem
}

func (s *copiesScreen) onCertified(msg certifiedMsg) tea.Cmd {
	if !s.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		s.f.fail(s.f.explain(msg.err))
		return nil
	}
	s.res, s.rows = msg.res, nil
	numbers := make([]string, len(msg.res.Items))
	for i, it := range msg.res.Items {
		numbers[i] = it.Number
	}
	if msg.res.PrintErr != nil {
		s.f.fail("Đã ghi sổ (số " + strings.Join(numbers, ", ") + "); lời chứng, biên lai thu phí " + printFailure(s.f, msg.res.PrintErr))
		return nil
	}
	s.f.say("Đã chứng thực, số " + strings.Join(numbers, ", ") + "; đã in lời chứng và biên lai thu phí.")
	return nil
}

// export writes the year's register as XLSX and PDF into the export folder.
func (s *copiesScreen) export() tea.Cmd {
	b, op, seq, year := s.f.be, s.f.op, s.f.seq, s.f.now().In(s.f.loc).Year()
	return s.f.io("Đang xuất sổ chứng thực…", 60*time.Second, func(ctx context.Context) tea.Msg {
		paths, err := b.ExportCertRegisterFiles(ctx, op, year)
		return certRegisterMsg{seq: seq, paths: paths, err: err}
	})
}

func (s *copiesScreen) onRegister(msg certRegisterMsg) tea.Cmd {
	if !s.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		s.f.fail(s.f.explain(msg.err))
		return nil
	}
	s.f.say("Đã xuất sổ chứng thực: " + show(strings.Join(msg.paths, ", ")))
	return nil
}

// fee is the fee of an original's copies as shown ("40.000 đ", or why not).
func (s *copiesScreen) fee(o counter.CopyOriginal) (int64, string) {
	per, ok := s.f.be.CopyFee(o.Pages)
	if !ok {
		return 0, "chưa có mức phí"
	}
	return per * int64(o.Copies), counter.FormatMoney(per*int64(o.Copies)) + " đ"
}

func (s *copiesScreen) view(width, _ int) string {
	f := s.f
	var b strings.Builder
	b.WriteString(f.st.Subtitle.Render("Chứng thực bản sao từ bản chính") + "\n\n")
	if who, ok := s.requester(); ok {
		src := map[string]string{"chip": "chip trên thẻ", "qr": "mã QR trên thẻ", "typed": "số định danh đã tra cứu"}[who.Source]
		fmt.Fprintf(&b, "Người yêu cầu: %s — %s (%s)\n\n", f.st.Label.Render(show(who.Name)), show(who.ID), src)
	} else {
		b.WriteString(f.st.Warn.Render("Chưa xác định người yêu cầu.") + "\n\n")
	}
	if r := s.res; r != nil {
		b.WriteString(f.st.OK.Render("Đã ghi vào sổ chứng thực, quyển "+r.Volume) + "\n")
		for _, it := range r.Items {
			fee := counter.FormatMoney(it.Fee) + " đ"
			switch {
			case r.Exempt != "":
				fee = "miễn phí"
			case !it.FeeKnown:
				fee = "chưa có mức phí"
			}
			fmt.Fprintf(&b, "  Số %s  %s — %d bản sao × %d trang — %s\n", it.Number, show(clipText(it.Document, 40)), it.Copies, it.Pages, fee)
		}
		fmt.Fprintf(&b, "\nTổng phí: %s đồng. Đóng dấu, ký lời chứng trên từng bản sao; giao biên lai cho công dân.\n", counter.FormatMoney(r.Total))
		b.WriteString(f.st.Muted.Render("Enter: người tiếp theo.  Esc: chứng thực thêm cho người này.") + "\n")
		return b.String()
	}
	var total int64
	known := true
	if len(s.rows) > 0 {
		b.WriteString(f.st.Label.Render("Bản chính đã thêm") + "\n")
		for i, o := range s.rows {
			n, fee := s.fee(o)
			if fee == "chưa có mức phí" {
				known = false
			}
			total += n
			fmt.Fprintf(&b, "  %d. %s — %d trang × %d bản sao — %s\n", i+1, show(clipText(o.Document, 40)), o.Pages, o.Copies, fee)
		}
		b.WriteString("\n")
	}
	labels := []string{"Giấy tờ (bản chính)", "Số trang", "Số bản sao"}
	for i, l := range labels {
		mark := "  "
		if i == s.focus {
			mark = "› "
		}
		s.in[i].SetWidth(max(10, min(50, width-30)))
		fmt.Fprintf(&b, "%s%s %s\n", mark, padRight(l, 20), s.in[i].View())
	}
	if o, ok, _ := s.current(); ok {
		n, fee := s.fee(o)
		if fee == "chưa có mức phí" {
			known = false
		}
		total += n
		fmt.Fprintf(&b, "  %s %s\n", padRight("Phí", 20), fee)
	}
	if s.focus == copyDoc && s.in[copyDoc].Value() == "" {
		var opts []string
		for i, d := range copyDocuments {
			opts = append(opts, fmt.Sprintf("%d %s", i+1, d))
		}
		b.WriteString("\n" + f.st.Muted.Render(wrapWords(strings.Join(opts, " · "), max(20, width-2))) + "\n")
	}
	t := "Tổng phí: " + counter.FormatMoney(total) + " đồng"
	if !known {
		t += " (có bản chưa có mức phí trong biểu phí)"
	}
	b.WriteString("\n" + t + "\n")
	return b.String()
}

// wrapWords wraps s at spaces to lines of at most w cells.
func wrapWords(s string, w int) string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len([]rune(line))+1+len([]rune(word)) > w {
			lines = append(lines, line)
			line = word
			continue
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return strings.Join(append(lines, line), "\n")
}

// certifiedMsg answers CertifyCopies.
type certifiedMsg struct {
	seq int
	res *counter.CopyResult
	err error
}

// certRegisterMsg answers ExportCertRegisterFiles.
type certRegisterMsg struct {
	seq   int
	paths []string
	err   error
}
