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
	"github.com/charmbracelet/x/ansi"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/internal/counter"
	"motcua/internal/ratinglink"
	"motcua/lookups"
	"motcua/lookups/card"
	"motcua/lookups/pid"
	"motcua/lookups/qr"
)

// resultsScreen is the results desk (F5 on the identification screen): the
// clerk scans the receipt's QR line or types the dossier code; the dossier, its
// state, each procedure's result and who may collect it are shown; the
// receiver proves who they are (card tap, the card's QR line, or typed ID) and,
// when not the requester, the authorisation is recorded; Enter hands the result
// over ("trả kết quả"); the citizen then rates the service, on this screen (a
// digit per answer) or on the rating screen facing them (ratinglink).
type resultsScreen struct {
	f     *frame
	d     *desk
	keys  resultsKeys
	input textinput.Model

	stage    resultsStage
	dv       *counter.DossierView
	receiver *lifecycle.Receiver
	handed   *counter.HandOverOutcome

	// the rating
	set     *forms.RatingSet
	q       int               // the question shown
	chosen  map[string]string // question id → option id
	askID   string            // the question set put to the rating screen ("" when not)
	rated   string            // what became of the rating (shown on the last step)
	ratedOK bool
}

type resultsStage int

const (
	rsScan     resultsStage = iota // the receipt's QR line or the code
	rsReceiver                     // the dossier shown; the receiver identifies
	rsAuth                         // the receiver is not the requester: the authorisation
	rsConfirm                      // the requester identified: Enter hands over
	rsRating                       // handed over: the citizen rates
	rsDone                         // all said; Enter serves the next
)

// RatingLink is the counter's end of the channel to the citizen-facing rating
// screen (*ratinglink.Server): Ask and Cancel write to a socket (run them in a
// command), Connected is a flag.
type RatingLink interface {
	Connected() bool
	Ask(a ratinglink.Ask) bool
	Cancel(id string)
	Done(id string, ok bool, message string)
	Events() <-chan ratinglink.Event
}

var _ RatingLink = (*ratinglink.Server)(nil)

// The results desk's answers.
type (
	resultOpenedMsg struct {
		seq  int
		view *counter.DossierView
		err  error
	}
	handedOverMsg struct {
		seq int
		out counter.HandOverOutcome
		err error
	}
	ratedMsg struct {
		seq    int
		out    counter.LifeOutcome
		err    error
		remote bool // answered on the rating screen
	}
	// remoteRatingMsg is what became of the question set put to the rating screen.
	remoteRatingMsg struct {
		seq int
		ev  ratinglink.Event
	}
)

// receiverSlot is the chip read's target while the results desk identifies a receiver.
const receiverSlot = "\x00receiver"

// maxAuthorisation bounds the authorisation's description (the counter's limit).
const maxAuthorisation = 300

func newResultsScreen(f *frame, d *desk) *resultsScreen {
	in := newInput()
	in.CharLimit = maxInput
	in.Prompt = "› "
	s := &resultsScreen{f: f, d: d, keys: defaultResultsKeys(), input: in}
	s.placeholder()
	return s
}

// open shows the results desk, empty, for the next dossier.
func (s *resultsScreen) open() tea.Cmd {
	cmd := s.d.reset()
	cancel := s.restart()
	s.f.screen = scrResults
	return tea.Batch(cmd, cancel)
}

// restart empties the desk for the next dossier (a question set still on the
// rating screen is withdrawn).
func (s *resultsScreen) restart() tea.Cmd {
	s.f.seq++
	cancel := s.cancelRemote()
	if c := &s.d.v.chip; c.slot == receiverSlot { // the previous receiver's card
		if c.cancel != nil {
			c.cancel()
		}
		*c = chipState{readers: c.readers}
	}
	s.d.v.slotTarget = ""
	s.stage, s.dv, s.receiver, s.handed = rsScan, nil, nil, nil
	s.set, s.q, s.chosen, s.rated, s.ratedOK = nil, 0, nil, "", false
	s.input.Reset()
	s.placeholder()
	return cancel
}

func (s *resultsScreen) placeholder() {
	switch s.stage {
	case rsScan:
		s.input.Placeholder = "Quét mã QR trên giấy biên nhận hoặc gõ mã hồ sơ"
		s.input.CharLimit = maxInput
	case rsReceiver:
		s.input.Placeholder = "Người nhận: quét mã QR trên thẻ căn cước hoặc gõ số định danh (12 số)"
		s.input.CharLimit = maxInput
	case rsAuth:
		s.input.Placeholder = "Giấy ủy quyền: loại, số, ngày, người ủy quyền"
		s.input.CharLimit = maxAuthorisation + 1
	}
}

func (s *resultsScreen) onShow() tea.Cmd { return s.input.Focus() }

func (s *resultsScreen) help() []key.Binding {
	k := s.keys
	back := k.Back
	switch s.stage {
	case rsScan:
		back = bind([]string{"esc"}, "esc", "về màn hình đầu")
		return []key.Binding{withHelp(k.Submit, "mở hồ sơ"), back}
	case rsReceiver:
		out := []key.Binding{withHelp(k.Submit, "xác định người nhận")}
		if s.f.opt.Reader != nil {
			out = append(out, k.TapCard)
		}
		return append(out, withHelp(back, "hồ sơ khác"))
	case rsAuth:
		return []key.Binding{withHelp(k.Submit, "trả kết quả"), withHelp(back, "người nhận khác")}
	case rsConfirm:
		return []key.Binding{withHelp(k.Submit, "trả kết quả"), withHelp(back, "người nhận khác")}
	case rsRating:
		return []key.Binding{k.Answer, withHelp(back, "bỏ qua đánh giá"), k.Skip, k.Prev}
	}
	return []key.Binding{withHelp(k.Submit, "hồ sơ tiếp theo"), withHelp(back, "về màn hình đầu")}
}

// withHelp is b with another description (the same key does the step shown).
func withHelp(b key.Binding, desc string) key.Binding {
	out := b
	out.SetHelp(b.Help().Key, desc)
	return out
}

func (s *resultsScreen) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if s.stage == rsScan || s.stage == rsReceiver || s.stage == rsAuth {
			var cmd tea.Cmd
			s.input, cmd = s.input.Update(msg)
			return cmd
		}
		return nil
	}
	switch s.stage {
	case rsRating:
		return s.rateKey(k)
	case rsConfirm:
		switch {
		case key.Matches(k, s.keys.Submit):
			return s.handOver("")
		case key.Matches(k, s.keys.Back):
			s.toReceiver()
		}
		return nil
	case rsDone:
		switch {
		case key.Matches(k, s.keys.Submit):
			cmd := s.restart()
			s.f.clear()
			return tea.Batch(cmd, s.input.Focus())
		case key.Matches(k, s.keys.Back):
			return s.leave()
		}
		return nil
	}
	switch {
	case key.Matches(k, s.keys.Submit):
		text := s.input.Value()
		switch s.stage {
		case rsScan:
			return s.scan(text)
		case rsReceiver:
			s.input.Reset()
			return s.identify(text)
		case rsAuth:
			return s.authorise(text)
		}
	case key.Matches(k, s.keys.TapCard) && s.stage == rsReceiver && s.f.opt.Reader != nil:
		return s.tapCard()
	case key.Matches(k, s.keys.Back):
		switch s.stage {
		case rsScan:
			return s.leave()
		case rsReceiver:
			cmd := s.restart()
			s.f.clear()
			return cmd
		case rsAuth:
			s.toReceiver()
		}
		return nil
	}
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(msg)
	return cmd
}

// leave goes back to the identification screen.
func (s *resultsScreen) leave() tea.Cmd {
	cmd := s.restart()
	return tea.Batch(cmd, s.d.reset())
}

// ---- the dossier -----------------------------------------------------------

// scan opens the dossier of a receipt's QR line or a typed code. The line is
// checked here first, so that a card's QR line or a foreign code gets its own
// message without a call.
func (s *resultsScreen) scan(text string) tea.Cmd {
	line := strings.TrimSpace(text)
	switch {
	case line == "":
		s.f.fail("Hãy quét mã QR trên giấy biên nhận hoặc gõ mã hồ sơ rồi nhấn Enter.")
		return nil
	case len(line) > qr.MaxLine:
		s.input.Reset()
		s.f.fail(fmt.Sprintf("Dòng quét quá dài (hơn %d ký tự): không phải mã trên giấy biên nhận. Quét lại hoặc gõ mã hồ sơ.", qr.MaxLine))
		return nil
	case qr.LooksLikeQR(line):
		s.input.Reset()
		s.f.fail("Đây là mã QR trên thẻ căn cước, không phải giấy biên nhận. Quét mã QR trên giấy biên nhận hoặc gõ mã hồ sơ; thẻ của người nhận quét ở bước sau.")
		return nil
	}
	if _, err := counter.ParseReceiptQR(line); err != nil {
		s.input.Reset()
		s.f.fail("Mã không đọc được: \"" + show(ansi.Truncate(line, 40, "…")) + "\" không phải mã hồ sơ. Quét lại mã QR trên giấy biên nhận hoặc gõ mã hồ sơ (dạng <mã cơ quan>-<năm tháng ngày>-<số>).")
		return nil
	}
	s.input.Reset()
	s.f.seq++
	b, op, seq := s.f.be, s.f.op, s.f.seq
	return s.f.io("Đang mở hồ sơ…", 20*time.Second, func(ctx context.Context) tea.Msg {
		v, err := b.OpenResult(ctx, op, line)
		return resultOpenedMsg{seq: seq, view: v, err: err}
	})
}

func (s *resultsScreen) onOpened(msg resultOpenedMsg) tea.Cmd {
	if !s.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		s.f.fail(s.f.explain(msg.err))
		return nil
	}
	s.dv = msg.view
	s.toReceiver()
	l := s.dv.Life
	switch {
	case l.Stage == lifecycle.StageResultReady:
	case l.Stage == lifecycle.StageReturned:
		s.f.fail("Hồ sơ này đã trả kết quả" + s.returnedWhen() + ".")
	case l.Stage.Final():
		s.f.fail("Hồ sơ " + l.Stage.Label() + ": không có kết quả để trả.")
	default:
		s.f.fail("Hồ sơ " + l.Stage.Label() + ": chưa có kết quả để trả. Hẹn trả " + s.f.clock(l.Appointment, "ngày 02/01/2006") + ".")
	}
	if s.dv.Offline && s.f.notice == "" {
		s.f.say("Mất kết nối hệ thống: đang dùng dữ liệu trên máy này.")
	}
	return nil
}

func (s *resultsScreen) returnedWhen() string {
	l := s.dv.Life
	if l.ReturnedAt.IsZero() {
		return ""
	}
	return " lúc " + s.f.clock(l.ReturnedAt, "15:04 02/01/2006")
}

// toReceiver asks for the receiver (again).
func (s *resultsScreen) toReceiver() {
	s.stage, s.receiver = rsReceiver, nil
	s.d.v.slotTarget = ""
	s.input.Reset()
	s.placeholder()
	s.f.clear()
}

// ---- the receiver ----------------------------------------------------------

// identify takes the receiver's card QR line or typed ID.
func (s *resultsScreen) identify(text string) tea.Cmd {
	text = strings.TrimSpace(text)
	if text == "" {
		s.f.fail("Người nhận chạm thẻ (F2), quét mã QR trên thẻ căn cước hoặc gõ số định danh rồi nhấn Enter.")
		return nil
	}
	if qr.LooksLikeQR(text) || strings.Contains(text, "|") {
		c, err := qr.Parse(text)
		if err != nil {
			s.f.fail(qrMessage(err))
			return nil
		}
		if _, err := counter.ParseReceiptQR(text); err == nil {
			s.f.fail("Đây là mã trên giấy biên nhận, không phải thẻ của người nhận.")
			return nil
		}
		return s.received(lifecycle.Receiver{ID: c.Citizen.ID, Name: c.Citizen.FullName, Source: forms.SourceQR})
	}
	if _, err := counter.ParseReceiptQR(text); err == nil {
		s.f.fail("Đây là mã hồ sơ, không phải số định danh của người nhận. Người nhận chạm thẻ, quét mã QR trên thẻ hoặc gõ số định danh.")
		return nil
	}
	id := strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' || r == '-' {
			return -1
		}
		return r
	}, text)
	if err := pid.Validate(id, lookups.Date{}, ""); err != nil {
		s.f.fail("Số định danh của người nhận: " + pidMessage(err))
		return nil
	}
	return s.received(lifecycle.Receiver{ID: id, Source: forms.SourceTyped})
}

// received records who came to collect: the requester goes to the
// confirmation, anyone else to the authorisation.
func (s *resultsScreen) received(r lifecycle.Receiver) tea.Cmd {
	s.receiver = &r
	s.input.Reset()
	if a := s.dv.Life.Applicant; a.ID != "" && a.ID == r.ID {
		s.stage = rsConfirm
		s.f.clear()
		return nil
	}
	s.stage = rsAuth
	s.placeholder()
	s.f.clear()
	return nil
}

// tapCard reads the receiver's card (the identification screen's chip path).
func (s *resultsScreen) tapCard() tea.Cmd {
	s.d.v.slotTarget = receiverSlot
	if len(s.f.opt.Reader.Virtual()) > 0 {
		s.f.screen = scrCards
		s.f.clear()
		return nil
	}
	ck, ok := card.KeyFromDigits(strings.TrimSpace(s.input.Value()))
	if !ok {
		s.d.v.slotTarget = ""
		s.f.say("Gõ 6 số cuối của số định danh in trên thẻ người nhận (hoặc cả 12 số) rồi nhấn F2 để mở chip.")
		return nil
	}
	s.input.Reset()
	return s.d.startChipRead("", ck)
}

// onCard takes the identity the receiver's chip gave (its checks go on).
func (s *resultsScreen) onCard(cit lookups.Citizen) tea.Cmd {
	s.f.busy = ""
	s.f.screen = scrResults
	if s.stage != rsReceiver || s.dv == nil {
		return nil
	}
	return s.received(lifecycle.Receiver{ID: cit.ID, Name: cit.FullName, Source: forms.SourceCard})
}

// chipRefuses says why the receiver's card cannot prove who they are (its
// checks failed or still run); "" when it may.
func (s *resultsScreen) chipRefuses() string {
	if s.receiver == nil || s.receiver.Source != forms.SourceCard {
		return ""
	}
	c := s.d.v.chip
	if c.res == nil || c.slot != receiverSlot {
		return ""
	}
	switch c.res.Verdict() {
	case card.Failed:
		return "Thẻ của người nhận KHÔNG vượt qua xác thực chip: không dùng thẻ này. Quét mã QR trên thẻ hoặc gõ số định danh và đối chiếu giấy tờ."
	case card.Pending:
		return "Đang xác thực chip trên thẻ người nhận: chờ một chút rồi nhấn Enter."
	}
	return ""
}

func (s *resultsScreen) authorise(text string) tea.Cmd {
	auth := strings.Join(strings.Fields(text), " ")
	switch {
	case auth == "":
		s.f.fail("Ghi giấy ủy quyền (loại giấy, số, ngày, người ủy quyền) rồi nhấn Enter; người nhận không phải người nộp hồ sơ.")
		return nil
	case len([]rune(auth)) > maxAuthorisation:
		s.f.fail(fmt.Sprintf("Mô tả giấy ủy quyền quá dài (tối đa %d ký tự).", maxAuthorisation))
		return nil
	}
	return s.handOver(auth)
}

// handOver records "trả kết quả" (the counter decides whether it may be done).
func (s *resultsScreen) handOver(auth string) tea.Cmd {
	if msg := s.chipRefuses(); msg != "" {
		s.f.fail(msg)
		return nil
	}
	b, op, seq := s.f.be, s.f.op, s.f.seq
	req := counter.HandOverRequest{Code: s.dv.Life.Code, Receiver: *s.receiver, Authorisation: auth}
	return s.f.io("Đang ghi trả kết quả…", 30*time.Second, func(ctx context.Context) tea.Msg {
		out, err := b.HandOver(ctx, op, req)
		return handedOverMsg{seq: seq, out: out, err: err}
	})
}

func (s *resultsScreen) onHandedOver(msg handedOverMsg) tea.Cmd {
	if !s.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		s.f.fail("Chưa trả kết quả: " + s.f.explain(msg.err))
		return nil
	}
	out := msg.out
	s.handed = &out
	s.dv.Life = out.Life
	s.d.v.slotTarget = ""
	s.input.Reset()
	s.input.Blur()
	switch {
	case out.Duplicate:
		s.f.say("Việc trả kết quả này đã được ghi trước đó lúc " + s.f.clock(out.Step.At, "15:04 02/01/2006") + "; không ghi lại.")
	case out.Sent:
		s.f.say("Đã trả kết quả và báo lên hệ thống.")
	default:
		s.f.say("Đã trả kết quả (đã ghi trên máy). Chưa báo lên hệ thống được: sẽ tự gửi khi có kết nối.")
	}
	return s.startRating()
}

// ---- the rating ------------------------------------------------------------

// startRating puts the question set to the citizen: on the rating screen when
// one is connected (the clerk may still answer here), on this screen always.
func (s *resultsScreen) startRating() tea.Cmd {
	s.stage = rsRating
	s.set = s.f.be.RatingQuestions()
	s.q, s.chosen = 0, map[string]string{}
	link := s.f.opt.RatingLink
	if link == nil || !link.Connected() || s.set == nil {
		return nil
	}
	s.askID = fmt.Sprintf("r%d-%d", time.Now().UnixNano()%1e9, s.f.seq)
	ask := ratinglink.Ask{ID: s.askID, Code: s.dv.Life.Code, Service: s.dv.Life.ServiceName, Set: s.set}
	seq := s.f.seq
	return func() tea.Msg {
		if !link.Ask(ask) {
			return remoteRatingMsg{seq: seq, ev: ratinglink.Event{ID: ask.ID, Gone: true}}
		}
		for ev := range link.Events() {
			if ev.ID == ask.ID {
				return remoteRatingMsg{seq: seq, ev: ev}
			}
		}
		return nil
	}
}

// cancelRemote withdraws the question set from the rating screen.
func (s *resultsScreen) cancelRemote() tea.Cmd {
	id, link := s.askID, s.f.opt.RatingLink
	s.askID = ""
	if id == "" || link == nil {
		return nil
	}
	return func() tea.Msg {
		link.Cancel(id)
		return nil
	}
}

func (s *resultsScreen) rateKey(k tea.KeyPressMsg) tea.Cmd {
	if s.q >= len(s.set.Questions) {
		return nil
	}
	q := s.set.Questions[s.q]
	switch {
	case key.Matches(k, s.keys.Back):
		s.rated, s.ratedOK = "Công dân không đánh giá.", false
		s.stage = rsDone
		s.f.clear()
		return s.cancelRemote()
	case key.Matches(k, s.keys.Prev):
		if s.q > 0 {
			s.q--
			delete(s.chosen, s.set.Questions[s.q].ID)
		}
		return nil
	case key.Matches(k, s.keys.Skip):
		if q.Required {
			s.f.fail("Câu này cần trả lời (hoặc esc để bỏ qua cả phần đánh giá).")
			return nil
		}
		s.q++
	case key.Matches(k, s.keys.Answer):
		n, _ := strconv.Atoi(k.String())
		if n < 1 || n > len(q.Options) {
			s.f.fail(fmt.Sprintf("Chọn từ 1 đến %d.", len(q.Options)))
			return nil
		}
		s.chosen[q.ID] = q.Options[n-1].ID
		s.q++
	default:
		return nil
	}
	s.f.clear()
	if s.q < len(s.set.Questions) {
		return nil
	}
	return tea.Batch(s.cancelRemote(), s.rate(ratinglink.Answers(s.set, s.chosen), false))
}

// rate records the answers through the counter (under the clerk's operator).
func (s *resultsScreen) rate(r lifecycle.Rating, remote bool) tea.Cmd {
	b, op, seq, code := s.f.be, s.f.op, s.f.seq, s.dv.Life.Code
	return s.f.io("Đang ghi đánh giá…", 30*time.Second, func(ctx context.Context) tea.Msg {
		out, err := b.Rate(ctx, op, code, r, counter.StepOptions{})
		return ratedMsg{seq: seq, out: out, err: err, remote: remote}
	})
}

func (s *resultsScreen) onRemoteRating(msg remoteRatingMsg) tea.Cmd {
	if msg.seq != s.f.seq || s.stage != rsRating || msg.ev.ID != s.askID {
		// answered here, or another dossier now (the screen was locked, the clerk moved on):
		// answers that came anyway are not recorded, and the citizen's screen says so
		if link, ev := s.f.opt.RatingLink, msg.ev; ev.Rating != nil && link != nil {
			return func() tea.Msg {
				link.Done(ev.ID, false, "Quầy đã chuyển sang việc khác nên chưa ghi được câu trả lời.")
				return nil
			}
		}
		return nil
	}
	ev := msg.ev
	switch {
	case ev.Rating != nil:
		// the rating screen's answers: recorded as the clerk's (the counter checks them)
		return s.rate(*ev.Rating, true)
	case ev.Skipped:
		s.askID = ""
		s.rated, s.ratedOK = "Công dân không đánh giá (chọn trên màn hình đánh giá).", false
		s.stage = rsDone
	case ev.Gone:
		s.askID = ""
		s.f.fail("Màn hình đánh giá của công dân mất kết nối: hỏi và nhập câu trả lời trên màn hình này.")
	}
	return nil
}

func (s *resultsScreen) onRated(msg ratedMsg) tea.Cmd {
	if !s.f.settle(msg.seq) {
		return nil
	}
	link, id := s.f.opt.RatingLink, s.askID
	s.askID = ""
	s.stage = rsDone
	var tell tea.Cmd
	if msg.remote && link != nil {
		ok, text := msg.err == nil, ""
		if msg.err != nil {
			text = s.f.explain(msg.err)
		}
		tell = func() tea.Msg { link.Done(id, ok, text); return nil }
	}
	if msg.err != nil {
		s.rated, s.ratedOK = "Chưa ghi được đánh giá: "+s.f.explain(msg.err), false
		s.f.fail(s.rated)
		return tell
	}
	where := "trên màn hình quầy"
	if msg.remote {
		where = "trên màn hình đánh giá của công dân"
	}
	s.rated, s.ratedOK = "Đã ghi đánh giá của công dân ("+where+").", true
	if !msg.out.Sent && !msg.out.Duplicate {
		s.rated += " Chưa báo lên hệ thống: sẽ tự gửi khi có kết nối."
	}
	s.f.clear()
	return tell
}

// ---- view ------------------------------------------------------------------

func (s *resultsScreen) view(width, _ int) string {
	f := s.f
	var b strings.Builder
	b.WriteString(f.st.Subtitle.Render("Trả kết quả") + "\n\n")
	s.input.SetWidth(max(20, min(70, width-6)))
	switch s.stage {
	case rsScan:
		b.WriteString("Quét mã QR trên giấy biên nhận (giấy tiếp nhận hồ sơ và hẹn trả kết quả) hoặc gõ mã hồ sơ rồi nhấn Enter.\n")
		b.WriteString("\n" + s.input.View() + "\n")
	case rsReceiver:
		b.WriteString(s.dossier(width))
		how := "Người nhận: chạm thẻ căn cước"
		if f.opt.Reader != nil {
			how += " (F2)"
		}
		b.WriteString("\n" + f.st.Subtitle.Render(how+", quét mã QR trên thẻ hoặc gõ số định danh") + "\n")
		b.WriteString(s.input.View() + "\n")
		if c := s.d.v.chip; c.res != nil && c.slot == receiverSlot {
			b.WriteString(chipChecks(f, c))
		}
	case rsAuth, rsConfirm:
		b.WriteString(s.dossier(width))
		b.WriteString("\n" + s.receiverLines())
		if s.stage == rsAuth {
			b.WriteString(f.st.Warn.Render("Không phải người nộp hồ sơ: ghi giấy ủy quyền (loại giấy, số, ngày, người ủy quyền) rồi nhấn Enter.") + "\n")
			b.WriteString(s.input.View() + "\n")
		} else {
			b.WriteString(f.st.OK.Render("Người nộp hồ sơ.") + " Nhấn Enter để trả kết quả.\n")
		}
		if c := s.d.v.chip; c.res != nil && c.slot == receiverSlot && s.receiver.Source == forms.SourceCard {
			b.WriteString(chipChecks(f, c))
		}
	case rsRating:
		b.WriteString(s.summary(width) + s.handedLines())
		b.WriteString("\n" + s.ratingView(width))
	case rsDone:
		b.WriteString(s.summary(width) + s.handedLines())
		if s.rated != "" {
			style := f.st.Muted
			if s.ratedOK {
				style = f.st.OK
			}
			b.WriteString(style.Render(s.rated) + "\n")
		}
		b.WriteString("\n" + f.st.Muted.Render("Nhấn Enter để trả kết quả hồ sơ tiếp theo, esc để về màn hình đầu.") + "\n")
	}
	return b.String()
}

// stateLabel is the dossier's state, with its timeliness once the result is there.
func (s *resultsScreen) stateLabel() string {
	l := s.dv.Life
	state := l.Stage.Label()
	if t := lifecycle.TimelinessLabel(s.dv.Timeliness); t != "" && (l.Stage == lifecycle.StageResultReady || l.Stage == lifecycle.StageReturned) {
		state += " (" + t + ")"
	}
	return state
}

// summary is the dossier in one line (after the hand-over).
func (s *resultsScreen) summary(width int) string {
	l := s.dv.Life
	return ansi.Truncate(s.f.st.Code.Render(show(l.Code))+" · "+s.stateLabel()+" · "+show(l.ServiceName), max(20, width-2), "…") + "\n\n"
}

// dossier is the dossier's panel: code, service, state, appointment, each
// procedure's result documents, who may collect.
func (s *resultsScreen) dossier(width int) string {
	f, v := s.f, s.dv
	if v == nil || v.Life == nil {
		return ""
	}
	l := v.Life
	wide := max(20, width-25)
	var b strings.Builder
	b.WriteString(field(f, "Mã hồ sơ", f.st.Code.Render(show(l.Code))) + "\n")
	b.WriteString(field(f, "Thủ tục", ansi.Truncate(show(l.ServiceName), wide, "…")) + "\n")
	style := f.st.Warn
	if l.Stage == lifecycle.StageResultReady {
		style = f.st.OK
	}
	b.WriteString(field(f, "Trạng thái", style.Render(s.stateLabel())) + "\n")
	dates := "tiếp nhận " + f.clock(l.ReceivedAt, "15:04 02/01/2006") + ", hẹn trả " + f.clock(l.Appointment, "15:04 02/01/2006")
	if !l.ReturnedAt.IsZero() {
		dates += ", đã trả " + f.clock(l.ReturnedAt, "15:04 02/01/2006")
	}
	b.WriteString(field(f, "Thời gian", ansi.Truncate(dates, wide, "…")) + "\n")
	for _, p := range l.Procedures {
		label := "Kết quả"
		if len(l.Procedures) > 1 { // a bundle: each procedure with its own stage
			b.WriteString(field(f, "Thủ tục con", ansi.Truncate(show(p.Name)+" — "+p.Stage.Label(), wide, "…")) + "\n")
			label = ""
		}
		if len(p.Results) == 0 && len(l.Procedures) == 1 {
			b.WriteString(field(f, label, f.st.Muted.Render("chưa có giấy tờ kết quả")) + "\n")
		}
		for _, d := range p.Results {
			doc := show(d.Name)
			if d.Number != "" {
				doc += ", số " + show(d.Number)
			}
			if d.Copies > 1 {
				doc += fmt.Sprintf(" (%d bản)", d.Copies)
			}
			b.WriteString(field(f, label, ansi.Truncate(doc, wide, "…")) + "\n")
			label = ""
		}
	}
	who := "người nộp hồ sơ"
	for _, c := range v.Collectors {
		if c.Relation == lifecycle.ReceiverRequester && c.Name != "" {
			who = show(c.Name)
		}
	}
	b.WriteString(field(f, "Được nhận", ansi.Truncate(who+" hoặc người có giấy ủy quyền", wide, "…")) + "\n")
	switch {
	case v.Offline:
		b.WriteString(f.st.Warn.Render("Mất kết nối hệ thống: dữ liệu trên máy này.") + "\n")
	case len(v.Pending) > 0:
		b.WriteString(f.st.Warn.Render(fmt.Sprintf("%d việc của hồ sơ chưa báo lên hệ thống (tự gửi khi có kết nối).", len(v.Pending))) + "\n")
	}
	return b.String()
}

func (s *resultsScreen) receiverLines() string {
	f, r := s.f, s.receiver
	if r == nil {
		return ""
	}
	how := map[lookups.ValueSource]string{forms.SourceCard: "chip trên thẻ", forms.SourceQR: "mã QR trên thẻ", forms.SourceTyped: "số định danh gõ tay"}[r.Source]
	name := show(r.Name)
	if name == "" && r.ID == s.dv.Life.Applicant.ID {
		name = show(s.dv.Life.Applicant.Name)
	}
	out := field(f, "Số định danh", show(r.ID)+" ("+how+")") + "\n"
	if name != "" {
		out += field(f, "Họ tên", name) + "\n"
	}
	return out
}

func (s *resultsScreen) handedLines() string {
	f, o := s.f, s.handed
	if o == nil {
		return ""
	}
	out := f.st.OK.Render("Đã trả kết quả lúc "+f.clock(o.Step.At, "15:04 02/01/2006")) + "\n"
	if r := o.Step.Receiver; r != nil {
		who := show(r.Name)
		if who == "" && r.ID == s.dv.Life.Applicant.ID {
			who = show(s.dv.Life.Applicant.Name)
		}
		if who == "" {
			who = show(r.ID)
		}
		if r.Relation == lifecycle.ReceiverAuthorised {
			who += " (ủy quyền: " + show(r.Authorisation) + ")"
		} else {
			who += " (người nộp hồ sơ)"
		}
		out += field(f, "Người nhận", who) + "\n"
	}
	sent := f.st.OK.Render("đã báo")
	if !o.Sent && !o.Duplicate {
		sent = f.st.Warn.Render("chưa báo được — đã ghi trên máy, tự gửi khi có kết nối")
	}
	out += field(f, "Lên hệ thống", sent) + "\n"
	switch {
	case o.SlipErr != nil:
		out += field(f, "Phiếu bàn giao", f.st.Error.Render(printFailure(f, o.SlipErr))) + "\n"
	case o.SlipPath != "":
		out += field(f, "Phiếu bàn giao", f.st.OK.Render("đã in")+" — "+show(o.SlipPath)) + "\n"
	}
	return out
}

func (s *resultsScreen) ratingView(width int) string {
	f, set := s.f, s.set
	var b strings.Builder
	b.WriteString(f.st.Subtitle.Render("Đánh giá của công dân") + "\n")
	if s.askID != "" {
		b.WriteString(f.st.Muted.Render(ansi.Truncate("Câu hỏi đang hiện trên màn hình đánh giá trước mặt công dân; công dân trả lời ở đó, hoặc cán bộ nhập tại đây.", max(20, width-2), "…")) + "\n")
	}
	if set == nil || s.q >= len(set.Questions) {
		return b.String()
	}
	q := set.Questions[s.q]
	label := fmt.Sprintf("Câu %d/%d: ", s.q+1, len(set.Questions))
	if !q.Required {
		label += "(không bắt buộc, 0 để bỏ qua) "
	}
	b.WriteString(label + show(q.Text) + "\n")
	for i, o := range q.Options {
		fmt.Fprintf(&b, "  %s %s\n", f.st.Code.Render(strconv.Itoa(i+1)), show(o.Text))
	}
	return b.String()
}
