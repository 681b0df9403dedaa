package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/internal/counter"
	"motcua/lookups"
)

// bookScreen is the dossier book (Mẫu 07, F8 from the first screen): the ward's dossiers
// (received here, and the other counters' from the gateway's list) filtered by reception
// dates, service, state, lateness and counter; F5 exports what is shown to XLSX, F6 to an A4
// PDF in the form's columns, and the notice says where the file went.
type bookScreen struct {
	f    *frame
	keys bookKeys
	// codeW, stateW: the widths of the code and state columns (the header lines up with them)
	codeW, stateW int
	from, to      textinput.Model
	focus         int // bookFrom … bookList
	service       int // index in services() (0: every service)
	stage         int // index in bookStages (0: every stage)
	late          int // 0 every dossier, 1 late only, 2 not late
	counter       int // 0 every counter, n: counter n
	list          *picker
	res           *counter.BookResult
}

const (
	bookFrom = iota
	bookTo
	bookService
	bookStage
	bookLate
	bookCounter
	bookList
	bookFields
)

var bookStages = append([]lifecycle.Stage{""}, lifecycle.Stages...)

var lateChoices = []string{"tất cả", "chỉ quá hạn", "không quá hạn"}

func newBookScreen(f *frame) *bookScreen {
	mk := func(prompt string) textinput.Model {
		in := newInput()
		in.CharLimit = 10
		in.Prompt = prompt
		in.Placeholder = "DD/MM/YYYY"
		in.SetWidth(11)
		return in
	}
	return &bookScreen{f: f, keys: defaultBookKeys(), from: mk("Từ ngày "), to: mk("đến ngày "), focus: bookList,
		list: newPicker(&f.st, true, "Không có hồ sơ nào theo điều kiện lọc.")}
}

// open shows the book of this month so far.
func (s *bookScreen) open() tea.Cmd {
	now := s.f.now().In(s.f.loc)
	if s.from.Value() == "" {
		s.from.SetValue(time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, s.f.loc).Format("02/01/2006"))
		s.to.SetValue(now.Format("02/01/2006"))
	}
	return s.load()
}

func (s *bookScreen) services() []*forms.Spec { return s.f.be.Services() }

// filter reads the filters; a bad date says so.
func (s *bookScreen) filter() (counter.BookFilter, error) {
	var f counter.BookFilter
	df, err := lookups.ParseDate(strings.TrimSpace(s.from.Value()))
	if err != nil {
		return f, fmt.Errorf("ngày bắt đầu phải dạng DD/MM/YYYY")
	}
	dt, err := lookups.ParseDate(strings.TrimSpace(s.to.Value()))
	if err != nil {
		return f, fmt.Errorf("ngày kết thúc phải dạng DD/MM/YYYY")
	}
	if dt.Before(df) {
		return f, fmt.Errorf("ngày kết thúc trước ngày bắt đầu")
	}
	f.From, f.To = df.Time(s.f.loc), dt.Time(s.f.loc).AddDate(0, 0, 1)
	if s.service > 0 {
		f.Service = s.services()[s.service-1].ID
	}
	if s.stage > 0 {
		f.Stages = []lifecycle.Stage{bookStages[s.stage]}
	}
	if s.late > 0 {
		late := s.late == 1
		f.Late = &late
	}
	if s.counter > 0 {
		f.Counter = fmt.Sprintf("%02d", s.counter)
	}
	f.Refresh = true
	return f, nil
}

func (s *bookScreen) load() tea.Cmd {
	flt, err := s.filter()
	if err != nil {
		s.f.fail("Sổ theo dõi: " + err.Error() + ". Sửa rồi nhấn Enter.")
		return nil
	}
	b, op, seq := s.f.be, s.f.op, s.f.seq
	return s.f.io("Đang lập sổ theo dõi hồ sơ…", 60*time.Second, func(ctx context.Context) tea.Msg {
		res, err := b.Book(ctx, op, flt)
		return bookMsg{seq: seq, res: res, err: err}
	})
}

func (s *bookScreen) onBook(msg bookMsg) tea.Cmd {
	if !s.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		s.f.fail("Không lập được sổ theo dõi hồ sơ: " + s.f.explain(msg.err))
		return nil
	}
	s.res = msg.res
	items := make([]pickItem, len(msg.res.Book.Rows))
	s.codeW, s.stateW = ansi.StringWidth("MÃ HỒ SƠ"), ansi.StringWidth("TÌNH TRẠNG")
	for _, r := range msg.res.Book.Rows {
		s.codeW = max(s.codeW, ansi.StringWidth(show(r.Code)))
		s.stateW = min(34, max(s.stateW, ansi.StringWidth(show(bookState(r)))))
	}
	for i, r := range msg.res.Book.Rows {
		name := r.Applicant
		if name == "" {
			name = "—"
		}
		state := bookState(r)
		items[i] = pickItem{key: r.Code, search: r.Code + " " + r.ServiceName + " " + r.Stage + " " + name,
			text: fmt.Sprintf("%s  %s  %s  %s %s", padRight(show(r.Code), s.codeW), s.f.clock(r.ReceivedAt, "02/01"), padRight(r.Counter, 4),
				padRight(clipText(show(state), s.stateW), s.stateW), show(name))}
	}
	s.list.reset()
	s.list.set(items)
	s.f.screen = scrBook
	if msg.res.Offline {
		s.f.fail("Mất kết nối hệ thống: hồ sơ của quầy khác lấy theo danh sách đã có trên máy, không có tên người nộp.")
	}
	return nil
}

// export writes the book shown to the export folder as ext (".xlsx" or ".pdf").
func (s *bookScreen) export(ext string) tea.Cmd {
	if s.res == nil {
		return nil
	}
	b, op, seq, book := s.f.be, s.f.op, s.f.seq, s.res.Book
	dir := s.f.opt.ExportDir
	stamp := s.f.now().In(s.f.loc).Format("20060102-150405")
	name := "so-theo-doi-" + book.From.Format("20060102") + "-" + book.To.Add(-time.Nanosecond).Format("20060102") + "-" + stamp + ext
	return s.f.io("Đang xuất sổ theo dõi hồ sơ…", 5*time.Minute, func(ctx context.Context) tea.Msg {
		if dir == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return exportedMsg{seq: seq, err: err}
			}
			dir = home
		}
		path := filepath.Join(dir, name)
		err := b.ExportBook(ctx, op, book, path)
		return exportedMsg{seq: seq, path: path, rows: len(book.Rows), err: err}
	})
}

func (s *bookScreen) onExported(msg exportedMsg) tea.Cmd {
	if !s.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		s.f.fail("Chưa xuất được sổ theo dõi: " + s.f.explain(msg.err))
		return nil
	}
	s.f.say(fmt.Sprintf("Đã xuất %d hồ sơ vào tệp %s (chỉ tài khoản này đọc được; có tên người nộp: giữ kín).", msg.rows, msg.path))
	return nil
}

func (s *bookScreen) help() []key.Binding {
	k := s.keys
	return []key.Binding{k.Apply, k.XLSX, k.PDF, k.Back, k.Next, k.Choice, s.list.keys.Up}
}

func (s *bookScreen) setFocus(n int) tea.Cmd {
	s.focus = (n + bookFields) % bookFields
	s.from.Blur()
	s.to.Blur()
	switch s.focus {
	case bookFrom:
		return s.from.Focus()
	case bookTo:
		return s.to.Focus()
	}
	return nil
}

func (s *bookScreen) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return s.updateInput(msg)
	}
	switch {
	case key.Matches(k, s.keys.XLSX):
		return s.export(".xlsx")
	case key.Matches(k, s.keys.PDF):
		return s.export(".pdf")
	case key.Matches(k, s.keys.Next):
		if k.String() == "shift+tab" {
			return s.setFocus(s.focus - 1)
		}
		return s.setFocus(s.focus + 1)
	case key.Matches(k, s.keys.Apply) && s.focus != bookList:
		return s.load()
	case key.Matches(k, s.keys.Choice) && s.focus >= bookService && s.focus <= bookCounter:
		d := 1
		if k.String() == "left" {
			d = -1
		}
		cycle := func(v *int, n int) { *v = ((*v+d)%n + n) % n }
		switch s.focus {
		case bookService:
			cycle(&s.service, len(s.services())+1)
		case bookStage:
			cycle(&s.stage, len(bookStages))
		case bookLate:
			cycle(&s.late, len(lateChoices))
		case bookCounter:
			cycle(&s.counter, 10)
		}
		return nil
	case key.Matches(k, s.keys.Back) && (s.focus != bookList || s.list.filter == ""):
		s.f.screen = scrIdentify
		s.f.clear()
		return nil
	}
	switch s.focus {
	case bookFrom, bookTo:
		return s.updateInput(msg)
	case bookList:
		s.list.update(k, max(1, s.f.height-14))
	}
	return nil
}

func (s *bookScreen) updateInput(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch s.focus {
	case bookFrom:
		s.from, cmd = s.from.Update(msg)
	case bookTo:
		s.to, cmd = s.to.Update(msg)
	}
	return cmd
}

func (s *bookScreen) view(width, height int) string {
	st := s.f.st
	choice := func(field int, label, v string) string {
		text := label + ": ‹" + v + "›"
		if s.focus == field {
			return st.Code.Render(text)
		}
		return text
	}
	svc := "tất cả"
	if s.service > 0 {
		svc = show(s.services()[s.service-1].Name)
	}
	stage := "tất cả"
	if s.stage > 0 {
		stage = bookStages[s.stage].Label()
	}
	ctr := "tất cả"
	if s.counter > 0 {
		ctr = fmt.Sprintf("%02d", s.counter)
	}
	var b strings.Builder
	b.WriteString(st.Subtitle.Render("Sổ theo dõi hồ sơ (Mẫu 07) — hồ sơ của cả cơ quan") + "\n")
	b.WriteString(s.from.View() + "  " + s.to.View() + "  " + choice(bookCounter, "Quầy", ctr) + "  " + choice(bookLate, "Quá hạn", lateChoices[s.late]) + "\n")
	b.WriteString(choice(bookStage, "Trạng thái", stage) + "  " + choice(bookService, "Thủ tục", svc) + "\n")
	if s.res != nil {
		line := fmt.Sprintf("%d hồ sơ (%d tiếp nhận tại máy này, %d của quầy khác)", len(s.res.Book.Rows), s.res.Local, s.res.Remote)
		if s.res.Offline {
			line += " — mất kết nối: danh sách quầy khác đã có trên máy"
		}
		b.WriteString(st.Muted.Render(line) + "\n")
	}
	b.WriteString("\n" + st.Muted.Render("    "+padRight("MÃ HỒ SƠ", s.codeW)+"  NHẬN   QUẦY  "+padRight("TÌNH TRẠNG", s.stateW)+" NGƯỜI NỘP") + "\n")
	b.WriteString(s.list.view(width, height-6))
	return b.String()
}

// bookState is a row's stage with its timeliness, as the book screen shows it.
func bookState(r forms.BookRow) string {
	if r.Timeliness != "" {
		return r.Stage + ", " + r.Timeliness
	}
	return r.Stage
}
