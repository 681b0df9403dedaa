package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"motcua/internal/counter"
)

// lateScreen is the supervisor's late watch (F7 from the first screen): the dossiers
// without a result whose appointment falls within N working days, or is past, the most
// urgent first. Enter on one prepares the apology with a new appointment (Mẫu 04) computed
// with the working-day calendar; a second Enter records it (counter.Extend) and prints it.
type lateScreen struct {
	f     *frame
	keys  lateKeys
	list  *picker
	codeW int // the widest dossier code listed (the columns line up with the header)
	days  int // the watch's window in working days
	// items by code, for the apology
	items map[string]counter.LateItem

	// the apology being prepared (code != "")
	code   string
	extra  int // working days added
	when   time.Time
	reason textinput.Model
}

// defaultApologyReason is the reason the letter starts with; the supervisor edits it.
const defaultApologyReason = "Cơ quan giải quyết cần thêm thời gian xem xét, xác minh hồ sơ."

func newLateScreen(f *frame) *lateScreen {
	in := newInput()
	in.CharLimit = 300
	in.Prompt = "Lý do: "
	return &lateScreen{f: f, keys: defaultLateKeys(), days: 2, extra: 2, reason: in,
		list: newPicker(&f.st, true, "Không có hồ sơ nào sắp đến hạn hay quá hạn.")}
}

// open loads the watch and shows it.
func (s *lateScreen) open() tea.Cmd {
	b, op, seq, days := s.f.be, s.f.op, s.f.seq, s.days
	return s.f.io("Đang tìm hồ sơ sắp đến hạn, quá hạn…", 20*time.Second, func(context.Context) tea.Msg {
		list, err := b.LateWatch(op, counter.LateWatchOptions{Days: days})
		return lateMsg{seq: seq, list: list, err: err}
	})
}

func (s *lateScreen) onLate(msg lateMsg) tea.Cmd {
	if !s.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		s.f.fail("Không mở được danh sách theo dõi hạn: " + s.f.explain(msg.err))
		return nil
	}
	s.items = map[string]counter.LateItem{}
	items := make([]pickItem, len(msg.list))
	s.codeW = ansi.StringWidth("MÃ HỒ SƠ")
	for _, it := range msg.list {
		s.codeW = max(s.codeW, ansi.StringWidth(show(it.Code)))
	}
	for i, it := range msg.list {
		s.items[it.Code] = it
		note := fmt.Sprintf("còn %d ngày", it.DaysLeft)
		switch {
		case it.Past && it.DaysLeft == 0: // past since less than a working day (a weekend between)
			note = "QUÁ HẠN"
		case it.Past:
			note = fmt.Sprintf("QUÁ HẠN %d ngày", -it.DaysLeft)
		case it.DaysLeft == 0:
			note = "hẹn hôm nay"
		}
		if it.Extended {
			note += ", hẹn lại"
		}
		name := serviceName(it.Service)
		items[i] = pickItem{key: it.Code, search: it.Code + " " + name + " " + note,
			text: fmt.Sprintf("%s  %s  %s  %s %s", padRight(show(it.Code), s.codeW), padRight(it.Counter, 4), s.f.clock(it.Appointment, "02/01"),
				padRight(note, 20), show(name))}
	}
	s.list.reset()
	s.list.set(items)
	s.code = ""
	s.f.screen = scrLate
	if len(msg.list) == 0 && !msg.keepNotice {
		s.f.say(fmt.Sprintf("Không có hồ sơ nào hẹn trả trong %d ngày làm việc tới hay đã quá hạn.", s.days))
	}
	return nil
}

func (s *lateScreen) help() []key.Binding {
	k := s.keys
	if s.code != "" {
		return []key.Binding{k.Confirm, k.Cancel, k.Days}
	}
	return []key.Binding{k.Apology, k.Back, k.Window, s.list.keys.Up, s.list.keys.Filter}
}

func (s *lateScreen) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if s.code != "" {
		if !ok {
			var cmd tea.Cmd
			s.reason, cmd = s.reason.Update(msg)
			return cmd
		}
		return s.updateApology(k)
	}
	if !ok {
		return nil
	}
	switch {
	case key.Matches(k, s.keys.Window):
		if k.String() == "+" || k.String() == "=" {
			s.days = min(s.days+1, 30)
		} else {
			s.days = max(s.days-1, 1)
		}
		return s.open()
	}
	picked, handled := s.list.update(k, max(1, s.f.height-12))
	switch {
	case picked:
		it, _ := s.list.selected()
		return s.prepare(it.key)
	case !handled && key.Matches(k, s.keys.Back):
		s.f.screen = scrIdentify
		s.f.clear()
	}
	return nil
}

// prepare computes the new appointment of code (extra working days, counter.NewAppointment).
func (s *lateScreen) prepare(code string) tea.Cmd {
	b, op, seq, extra := s.f.be, s.f.op, s.f.seq, s.extra
	return s.f.io("Đang tính ngày hẹn mới theo lịch ngày làm việc…", 20*time.Second, func(context.Context) tea.Msg {
		when, err := b.NewAppointment(op, code, extra)
		return appointmentMsg{seq: seq, code: code, extra: extra, when: when, err: err}
	})
}

func (s *lateScreen) onAppointment(msg appointmentMsg) tea.Cmd {
	if !s.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		s.f.fail("Không tính được ngày hẹn mới cho " + msg.code + ": " + s.f.explain(msg.err))
		return nil
	}
	if s.code != msg.code {
		s.reason.SetValue(defaultApologyReason)
		s.reason.CursorEnd()
	}
	s.code, s.extra, s.when = msg.code, msg.extra, msg.when
	return s.reason.Focus()
}

func (s *lateScreen) updateApology(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, s.keys.Cancel):
		s.code = ""
		s.reason.Blur()
		s.f.clear()
		return nil
	case key.Matches(k, s.keys.Days):
		if k.String() == "pgup" {
			return s.withExtra(s.extra + 1)
		}
		return s.withExtra(max(1, s.extra-1))
	case key.Matches(k, s.keys.Confirm):
		reason := strings.TrimSpace(s.reason.Value())
		if reason == "" {
			s.f.fail("Ghi lý do chậm trả kết quả (in trên văn bản xin lỗi).")
			return nil
		}
		b, op, seq, code, when := s.f.be, s.f.op, s.f.seq, s.code, s.when
		return s.f.io("Đang ghi việc hẹn lại và in văn bản xin lỗi…", 40*time.Second, func(ctx context.Context) tea.Msg {
			out, err := b.Extend(ctx, op, code, "", when, reason, counter.StepOptions{})
			if err != nil {
				return apologyMsg{seq: seq, code: code, err: err}
			}
			path, perr := b.PrintApology(ctx, op, out.Letter)
			return apologyMsg{seq: seq, code: code, when: when, duplicate: out.Duplicate, sent: out.Sent, path: path, printErr: perr}
		})
	}
	var cmd tea.Cmd
	s.reason, cmd = s.reason.Update(k)
	return cmd
}

func (s *lateScreen) withExtra(n int) tea.Cmd {
	if n == s.extra {
		return nil
	}
	s.extra = n
	return s.prepare(s.code)
}

func (s *lateScreen) onApology(msg apologyMsg) tea.Cmd {
	if !s.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		s.f.fail("Chưa ghi được việc hẹn lại hồ sơ " + msg.code + ": " + s.f.explain(msg.err))
		return nil
	}
	s.code = ""
	s.reason.Blur()
	done := "Đã ghi xin lỗi, hẹn lại hồ sơ " + msg.code + " ngày " + s.f.clock(msg.when, "02/01/2006")
	if msg.duplicate {
		done = "Việc hẹn lại hồ sơ " + msg.code + " đã được ghi trước đó"
	}
	if !msg.sent && !msg.duplicate {
		done += " (chưa báo lên hệ thống được: sẽ tự gửi khi có kết nối)"
	}
	if msg.printErr != nil {
		s.f.fail(done + ". Văn bản xin lỗi (Mẫu 04) " + printFailure(s.f, msg.printErr))
	} else {
		s.f.say(done + ". Đã in văn bản xin lỗi (Mẫu 04): " + msg.path)
	}
	// the list again, with the dossier's new appointment
	b, op, seq, days := s.f.be, s.f.op, s.f.seq, s.days
	return func() tea.Msg {
		list, err := b.LateWatch(op, counter.LateWatchOptions{Days: days})
		return lateMsg{seq: seq, list: list, err: err, keepNotice: true}
	}
}

func (s *lateScreen) view(width, height int) string {
	st := s.f.st
	var b strings.Builder
	b.WriteString(st.Subtitle.Render(fmt.Sprintf("Theo dõi hạn trả kết quả — chưa có kết quả, hẹn trong %d ngày làm việc tới hoặc đã quá hạn", s.days)) + "\n")
	if s.code == "" {
		b.WriteString(st.Muted.Render("Enter: xin lỗi và hẹn lại (Mẫu 04).  +/−: số ngày theo dõi.") + "\n\n")
		b.WriteString(st.Muted.Render("    "+padRight("MÃ HỒ SƠ", s.codeW)+"  QUẦY  HẸN    "+padRight("TÌNH TRẠNG", 20)+" THỦ TỤC") + "\n")
		b.WriteString(s.list.view(width, height-4))
		return b.String()
	}
	it := s.items[s.code]
	b.WriteString("\n" + st.Subtitle.Render("Văn bản xin lỗi và đề nghị gia hạn (Mẫu 04) — hồ sơ "+show(s.code)) + "\n")
	fmt.Fprintf(&b, "Thủ tục:      %s\n", show(serviceName(it.Service)))
	fmt.Fprintf(&b, "Hẹn ban đầu:  %s", s.f.clock(it.Due, "02/01/2006"))
	if !it.Appointment.Equal(it.Due) {
		fmt.Fprintf(&b, "   (đang hẹn %s)", s.f.clock(it.Appointment, "02/01/2006"))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "Hẹn mới:      %s  (thêm %d ngày làm việc theo lịch ngày nghỉ; PgUp/PgDn để đổi)\n\n",
		st.OK.Render(s.f.clock(s.when, "15:04 02/01/2006")), s.extra)
	s.reason.SetWidth(max(20, min(90, width-10)))
	b.WriteString(s.reason.View() + "\n\n")
	b.WriteString(st.Muted.Render("Enter: ghi việc hẹn lại, báo lên hệ thống và in văn bản xin lỗi.  Esc: thôi."))
	return b.String()
}
