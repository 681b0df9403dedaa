package tui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"motcua/forms/lifecycle"
	"motcua/internal/ratinglink"
)

// The rating screen faces the citizen at the results desk, on a second terminal
// beside the counter (`motcua rating-screen`). It holds no data and takes no
// lock: it connects to the running counter screen over ratinglink, shows the
// question set when the clerk hands a result over, and sends the answers back;
// the counter records them. It reconnects by itself when the counter restarts.

// RatingClient is the rating screen's end of the channel (*ratinglink.Client).
type RatingClient interface {
	Messages() <-chan ratinglink.Msg
	Answer(id string, r lifecycle.Rating) error
	Skip(id string) error
	Close() error
}

var _ RatingClient = (*ratinglink.Client)(nil)

// RatingScreenOptions configure the rating screen.
type RatingScreenOptions struct {
	// Dial connects to the counter screen (ratinglink.Dial on the data directory).
	Dial func(ctx context.Context) (RatingClient, error)
	// RetryEvery is how long it waits before connecting again (default 3s).
	RetryEvery time.Duration
	// ThanksFor is how long the thanks stay before the welcome returns (default 20s).
	ThanksFor time.Duration
}

type rsState int

const (
	rcConnecting rsState = iota
	rcLost               // no counter to talk to: retrying
	rcWaiting            // connected, no question set
	rcAsking             // a question set shown
	rcSending            // the answers on their way
	rcThanks             // the counter's word on them, or a decline
)

// RatingScreen is the citizen-facing rating screen's model.
type RatingScreen struct {
	opt    RatingScreenOptions
	keys   ratingScreenKeys
	st     Styles
	width  int
	height int

	state  rsState
	client RatingClient
	gen    int // the connection: messages of an older one are dropped
	ask    *ratinglink.Ask
	q      int
	chosen map[string]string
	note   string // what the screen says under the questions (an error, a thanks)
	noteOK bool
	shown  int // counts the thanks shown: the timer of an older one is dropped
}

// Messages of the rating screen.
type (
	rcDialMsg struct {
		c   RatingClient
		err error
	}
	rcLinkMsg struct {
		gen int
		m   ratinglink.Msg
		ok  bool // false: the channel closed
	}
	rcRetryMsg struct{}
	rcSentMsg  struct {
		gen int
		err error
	}
	rcWelcomeMsg struct{ shown int }
)

// NewRatingScreen returns the rating screen's model.
func NewRatingScreen(opt RatingScreenOptions) RatingScreen {
	if opt.RetryEvery <= 0 {
		opt.RetryEvery = 3 * time.Second
	}
	if opt.ThanksFor <= 0 {
		opt.ThanksFor = 20 * time.Second
	}
	return RatingScreen{opt: opt, keys: defaultRatingScreenKeys(), st: DefaultStyles()}
}

// Init connects to the counter.
func (m RatingScreen) Init() tea.Cmd { return m.dial() }

func (m RatingScreen) dial() tea.Cmd {
	dial := m.opt.Dial
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := dial(ctx)
		return rcDialMsg{c: c, err: err}
	}
}

func (m RatingScreen) next() tea.Cmd {
	c, gen := m.client, m.gen
	return func() tea.Msg {
		msg, ok := <-c.Messages()
		return rcLinkMsg{gen: gen, m: msg, ok: ok && msg.Err == nil}
	}
}

// Update handles the channel's messages and the citizen's keys.
func (m RatingScreen) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case rcDialMsg:
		if msg.err != nil {
			m.state = rcLost
			return m, tea.Tick(m.opt.RetryEvery, func(time.Time) tea.Msg { return rcRetryMsg{} })
		}
		m.gen++
		m.client, m.state, m.ask, m.note = msg.c, rcWaiting, nil, ""
		return m, m.next()
	case rcRetryMsg:
		m.state = rcConnecting
		return m, m.dial()
	case rcLinkMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		if !msg.ok {
			_ = m.client.Close()
			m.client, m.ask, m.state = nil, nil, rcLost
			return m, tea.Tick(m.opt.RetryEvery, func(time.Time) tea.Msg { return rcRetryMsg{} })
		}
		return m.onLink(msg.m)
	case rcSentMsg:
		if msg.gen != m.gen || msg.err == nil {
			return m, nil // the counter's done says the rest
		}
		m.state, m.note, m.noteOK = rcAsking, "Chưa gửi được câu trả lời. Xin báo cán bộ.", false
		return m, nil
	case rcWelcomeMsg:
		if msg.shown == m.shown && m.state == rcThanks {
			m.state, m.note = rcWaiting, ""
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m RatingScreen) onLink(l ratinglink.Msg) (tea.Model, tea.Cmd) {
	next := m.next()
	switch {
	case l.Ask != nil:
		m.ask, m.q, m.chosen, m.note = l.Ask, 0, map[string]string{}, ""
		m.state = rcAsking
	case l.Cancel != "":
		if m.ask != nil && m.ask.ID == l.Cancel {
			m.ask = nil
			return m.thanks("Cán bộ đã ghi ý kiến của ông/bà tại quầy. Xin cảm ơn!", true, next)
		}
	case l.Done != nil:
		if m.ask == nil || m.ask.ID != l.Done.ID {
			return m, next
		}
		m.ask = nil
		if !l.Done.OK {
			return m.thanks("Chưa ghi được đánh giá: "+show(l.Done.Message)+" Xin báo cán bộ.", false, next)
		}
		return m.thanks("Cảm ơn ông/bà đã đánh giá!", true, next)
	}
	return m, next
}

func (m RatingScreen) thanks(note string, ok bool, cmd tea.Cmd) (tea.Model, tea.Cmd) {
	m.state, m.note, m.noteOK = rcThanks, note, ok
	m.shown++
	shown := m.shown
	return m, tea.Batch(cmd, tea.Tick(m.opt.ThanksFor, func(time.Time) tea.Msg { return rcWelcomeMsg{shown: shown} }))
}

func (m RatingScreen) key(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if key.Matches(k, m.keys.Quit) {
		if m.client != nil {
			_ = m.client.Close()
		}
		return m, tea.Quit
	}
	if m.state != rcAsking || m.ask == nil {
		return m, nil
	}
	qs := m.ask.Set.Questions
	q := qs[m.q]
	switch {
	case key.Matches(k, m.keys.Decline):
		c, id, gen := m.client, m.ask.ID, m.gen
		m.ask = nil
		mm, cmd := m.thanks("Ông/bà đã chọn không đánh giá. Xin cảm ơn!", true, nil)
		return mm, tea.Batch(cmd, func() tea.Msg { return rcSentMsg{gen: gen, err: c.Skip(id)} })
	case key.Matches(k, m.keys.Prev):
		if m.q > 0 {
			m.q--
			delete(m.chosen, qs[m.q].ID)
		}
		m.note = ""
		return m, nil
	case key.Matches(k, m.keys.Skip):
		if q.Required {
			m.note, m.noteOK = "Câu này cần ông/bà chọn một ý.", false
			return m, nil
		}
		m.q++
	case key.Matches(k, m.keys.Answer):
		n, _ := strconv.Atoi(k.String())
		if n < 1 || n > len(q.Options) {
			m.note, m.noteOK = fmt.Sprintf("Xin chọn một số từ 1 đến %d.", len(q.Options)), false
			return m, nil
		}
		m.chosen[q.ID] = q.Options[n-1].ID
		m.q++
	default:
		return m, nil
	}
	m.note = ""
	if m.q < len(qs) {
		return m, nil
	}
	m.state = rcSending
	c, id, gen, r := m.client, m.ask.ID, m.gen, ratinglink.Answers(m.ask.Set, m.chosen)
	return m, func() tea.Msg { return rcSentMsg{gen: gen, err: c.Answer(id, r)} }
}

// View draws the screen for the citizen: large spacing, one question at a time.
func (m RatingScreen) View() tea.View {
	st := m.st
	width := m.width - 2
	if width <= 0 {
		width = 78
	}
	var b strings.Builder
	b.WriteString(st.Title.Render(ansi.Truncate("ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG — Bộ phận một cửa", width, "…")) + "\n\n")
	switch m.state {
	case rcConnecting:
		b.WriteString(st.Muted.Render("Đang kết nối với màn hình quầy…") + "\n")
	case rcLost:
		b.WriteString(st.Warn.Render("Chưa kết nối được với màn hình quầy (màn hình quầy chưa mở trên máy này?).") + "\n")
		b.WriteString(st.Muted.Render("Tự thử lại sau vài giây. Cán bộ: mở motcua trên máy này trước.") + "\n")
	case rcWaiting:
		b.WriteString("Xin chào ông/bà!\n\n")
		b.WriteString("Sau khi nhận kết quả, xin ông/bà dành ít giây đánh giá việc giải quyết hồ sơ\n")
		b.WriteString("trên màn hình này: mỗi câu nhấn một phím số.\n")
	case rcAsking, rcSending:
		qs := m.ask.Set.Questions
		if m.ask.Code != "" {
			b.WriteString(st.Muted.Render("Hồ sơ "+show(m.ask.Code)) + "\n\n")
		}
		if m.state == rcSending {
			b.WriteString(st.Muted.Render("Đang gửi câu trả lời…") + "\n")
			break
		}
		q := qs[m.q]
		head := fmt.Sprintf("Câu %d/%d", m.q+1, len(qs))
		if !q.Required {
			head += " (không bắt buộc: nhấn 0 để bỏ qua)"
		}
		b.WriteString(st.Subtitle.Render(head) + "\n")
		b.WriteString(st.Value.Width(max(20, width)).Render(show(q.Text)) + "\n\n")
		gap := "\n"
		if m.height == 0 || m.height >= 12+2*len(q.Options) { // room for a blank line between the options
			gap = "\n\n"
		}
		for i, o := range q.Options {
			b.WriteString("   " + st.Code.Render(strconv.Itoa(i+1)) + "  " + ansi.Truncate(show(o.Text), max(20, width-6), "…") + gap)
		}
	case rcThanks:
	}
	if m.note != "" {
		style := st.Error
		if m.noteOK {
			style = st.OK
		}
		b.WriteString("\n" + style.Width(max(20, width)).Render(m.note) + "\n")
	}
	if m.state == rcAsking {
		b.WriteString("\n" + st.Help.Render("Nhấn số để chọn • ⌫ câu trước • Esc không đánh giá") + "\n")
	}
	v := tea.NewView(st.App.Render(b.String()))
	v.AltScreen = true
	v.WindowTitle = "motcua — Đánh giá"
	return v
}
