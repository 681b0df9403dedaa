package tui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"motcua/forms"
	"motcua/internal/counter"
	"motcua/lookups"
	"motcua/lookups/card"
	"motcua/lookups/pid"
	"motcua/lookups/qr"
	"motcua/offline"
)

type screen int

const (
	scrIdentify screen = iota
	scrCards
	scrResident
	scrServices
	scrForm
	scrReview
	scrReceipt
	scrDrafts
	scrLogin
	scrHistory
)

// Options configure the program.
type Options struct {
	Backend Backend
	Reader  card.Station // where cards are tapped (nil: none)
	// CardTimeout bounds one chip read (default 20s).
	CardTimeout time.Duration
	Operator    Operator
	Agency      string // shown in the title bar
	Demo        bool
	// StatusEvery is the gateway/printer status polling period (default 15s).
	StatusEvery time.Duration
	// Location is the counter's time zone for every time shown (default Local).
	Location *time.Location
	// Login unlocks the store for an operator and returns the backend; the
	// program starts on its login screen when Backend is nil, and returns to
	// it after IdleLock without a key (0: never locks).
	Login    func(ctx context.Context, id, passphrase string) (Backend, Operator, error)
	IdleLock time.Duration
	// SyncEvery is how often queued dossiers are sent again (default 30s).
	SyncEvery time.Duration
}

// Model is the root model: it owns the citizen being served and routes keys
// to the current screen.
type Model struct {
	opt    Options
	st     Styles
	keys   keyMap
	help   help.Model
	spin   spinner.Model
	width  int
	height int
	screen screen
	full   bool // full help shown

	// status bar
	gwErr         error
	gwKnown       bool
	link          string
	queued        int // dossiers waiting in the outbox
	printWaiting  int // receipts waiting for the printer
	typeahead     []tea.KeyPressMsg
	replayPending bool // a replayMsg is on its way: new keys queue behind the typed-ahead ones
	printerName   string
	printerErr    error

	// identification
	input   textinput.Model
	message string // Vietnamese notice or error on the current screen
	msgErr  bool
	busy    string // non-empty while a command runs
	seq     int    // identifies the current citizen; stale results are dropped

	cardIdx int

	// chip reading
	chip       *card.Result // the latest snapshot of the read for the citizen served
	chipStep   string       // Vietnamese step being done
	chipLooked bool         // the look-up for the chip's identity has started
	chipSlot   string       // the person slot the read fills ("" = the citizen served)
	chipCancel context.CancelFunc
	readers    *card.ReaderEvent // last reader state (PC/SC stations)

	// the citizen being served
	card       *lookups.Citizen
	cardSource string // "card", "qr" or "" (typed ID)
	qrWarnings []string
	qrTrusted  bool // the QR scan's letters came through intact (qr.Card.LettersTrusted)
	resident   *lookups.Resident
	origin     lookups.Origin
	lookups    []string // personal IDs looked up for this citizen, tied to the dossier later

	svcIdx   int
	form     *formView
	scroll   int    // first body line shown on long screens (resident, review)
	scrollOn screen // the screen scroll belongs to; another screen starts at the top

	// person slots of the form
	slotTarget string          // the slot the identify screen fills ("" = the citizen served)
	tried      map[string]bool // derived slots already looked up ("slot/ID")

	// login and idle lock
	loginID   textinput.Model
	loginPass textinput.Model
	lastKey   time.Time

	// drafts
	draftID    string
	saving     bool // a draft save is running
	draftDirty bool // changed since the save that runs
	drafts     []offline.DraftInfo
	draftIdx   int

	// history of received dossiers (reprints)
	history []offline.DossierInfo
	histIdx int

	outcome *counter.Outcome
}

// New returns the root model.
func New(opt Options) Model {
	if opt.StatusEvery == 0 {
		opt.StatusEvery = 15 * time.Second
	}
	if opt.Location == nil {
		opt.Location = time.Local
	}
	if opt.SyncEvery == 0 {
		opt.SyncEvery = 30 * time.Second
	}
	in := newInput()
	in.Placeholder = "Quét mã QR trên thẻ hoặc gõ số định danh (12 số)"
	// One more than a QR line may hold: a longer scan reaches qr.Parse,
	// which refuses it with its own message, instead of being cut here.
	in.CharLimit = qr.MaxLine + 1
	in.SetWidth(60)
	in.Prompt = "› "
	m := Model{
		opt:       opt,
		st:        DefaultStyles(),
		keys:      defaultKeys(),
		help:      help.New(),
		spin:      spinner.New(spinner.WithSpinner(spinner.Dot)),
		input:     in,
		loginID:   newInput(),
		loginPass: newInput(),
		lastKey:   time.Now(),
	}
	m.loginID.Prompt, m.loginPass.Prompt = "Mã cán bộ: ", "Mật khẩu:  "
	m.loginPass.EchoMode = textinput.EchoPassword
	m.loginPass.EchoCharacter = '•'
	if opt.Backend == nil {
		m.screen = scrLogin
		m.loginID.Focus()
	} else {
		m.input.Focus()
	}
	return m
}

// newInput returns a text input with a steady cursor: a blinking one redraws
// the screen twice a second for nothing on a counter PC.
func newInput() textinput.Model {
	in := textinput.New()
	st := in.Styles()
	st.Cursor.Blink = false
	in.SetStyles(st)
	return in
}

// Init starts the status checks.
func (m Model) Init() tea.Cmd {
	return tea.Batch(m.checkStatus(), m.idleTick(), m.drain(), m.syncTick(), m.sweep(), m.watchReaders(),
		tea.Tick(time.Hour, func(time.Time) tea.Msg { return sweepTickMsg{} }))
}

type idleTickMsg struct{}

// syncTickMsg drains the outbox: dossiers queued while the link was down are
// sent (with their idempotency keys) when it returns.
type syncTickMsg struct{}

type syncedMsg struct {
	report       counter.DrainReport
	err          error
	printed      int // queued receipts printed now
	printWaiting int // receipts still waiting for the printer
}

// drainer is the optional part of a backend that sends the outbox.
type drainer interface {
	Drain(ctx context.Context, limit int) (counter.DrainReport, error)
}

func (m Model) syncTick() tea.Cmd {
	return tea.Tick(m.opt.SyncEvery, func(time.Time) tea.Msg { return syncTickMsg{} })
}

func (m Model) drain() tea.Cmd {
	d, ok := m.opt.Backend.(drainer)
	if !ok || m.opt.Backend == nil {
		return nil
	}
	rp, _ := m.opt.Backend.(interface {
		RetryPrints(context.Context, string) (int, int, error)
	})
	op := m.opt.Operator.ID
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), m.opt.SyncEvery)
		defer cancel()
		rep, err := d.Drain(ctx, 0)
		msg := syncedMsg{report: rep, err: err}
		if rp != nil { // receipts whose printing failed are tried again too
			msg.printed, msg.printWaiting, _ = rp.RetryPrints(ctx, op)
		}
		return msg
	}
}

type loginMsg struct {
	backend Backend
	op      Operator
	err     error
}

func (m Model) idleTick() tea.Cmd {
	if m.opt.IdleLock <= 0 {
		return nil
	}
	return tea.Tick(min(m.opt.IdleLock/4, 30*time.Second), func(time.Time) tea.Msg { return idleTickMsg{} })
}

// lockScreen clears the citizen and asks for a login: the next operator (or
// the same one) unlocks with a passphrase.
func (m Model) lockScreen(why string) (Model, tea.Cmd) {
	if m.opt.Login == nil {
		return m, nil
	}
	m = m.reset()
	m.opt.Backend = nil
	m.gwKnown = false
	m.screen = scrLogin
	m.loginID.SetValue(m.opt.Operator.ID)
	m.loginPass.Reset()
	m.loginID.Blur()
	m.loginPass.Focus()
	m.setMessage(why, false)
	return m, nil
}

func (m Model) updateLogin(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "tab", "down", "up", "shift+tab":
		if m.loginID.Focused() {
			m.loginID.Blur()
			return m, m.loginPass.Focus()
		}
		m.loginPass.Blur()
		return m, m.loginID.Focus()
	case "enter":
		if m.loginID.Focused() {
			m.loginID.Blur()
			return m, m.loginPass.Focus()
		}
		id, pass, login := strings.TrimSpace(m.loginID.Value()), m.loginPass.Value(), m.opt.Login
		if id == "" || pass == "" || login == nil {
			m.setMessage("Nhập mã cán bộ và mật khẩu.", true)
			return m, nil
		}
		m.loginPass.Reset()
		return m.startIO("Đang mở khóa kho dữ liệu…", 30*time.Second, func(ctx context.Context) tea.Msg {
			b, op, err := login(ctx, id, pass)
			return loginMsg{backend: b, op: op, err: err}
		})
	}
	var cmd tea.Cmd
	if m.loginID.Focused() {
		m.loginID, cmd = m.loginID.Update(msg)
	} else {
		m.loginPass, cmd = m.loginPass.Update(msg)
	}
	return m, cmd
}

func (m Model) onLogin(msg loginMsg) (tea.Model, tea.Cmd) {
	m.busy = ""
	if msg.err != nil {
		m.setMessage(m.loginError(msg.err), true)
		return m, m.loginPass.Focus()
	}
	m.opt.Backend, m.opt.Operator = msg.backend, msg.op
	m.screen = scrIdentify
	m.setMessage("Xin chào "+msg.op.Name+".", false)
	m.input.Focus()
	return m, tea.Batch(m.checkStatus(), m.sweep(), m.drain())
}

func (m Model) loginError(err error) string {
	if m.opt.Backend != nil {
		return m.opt.Backend.Explain(err)
	}
	return counter.Explain(err)
}

// quitMsg asks the counter to close as the quit key does.
type quitMsg struct{}

// Interrupts is the program's message filter (tea.WithFilter): an interrupt
// closes the counter as the quit key does, a volunteer's session ending
// cleanly, instead of stopping the program with an error. On Windows Ctrl+C
// and Ctrl+Break can arrive as console events, which Go reports as an
// interrupt (Wine's console always delivers Ctrl+C so); elsewhere it is a
// SIGINT from another process.
func Interrupts(_ tea.Model, msg tea.Msg) tea.Msg {
	if _, ok := msg.(tea.InterruptMsg); ok {
		return quitMsg{}
	}
	return msg
}

// auditCardRead records the card read in the access log.
func (m Model) auditCardRead(id string) tea.Cmd {
	a, ok := m.opt.Backend.(interface{ CardRead(Operator, string) })
	if !ok {
		return nil
	}
	op := m.opt.Operator
	return func() tea.Msg {
		a.CardRead(op, id)
		return nil
	}
}

// sweepTickMsg removes expired look-ups from the cache (at start, hourly).
type sweepTickMsg struct{}

func (m Model) sweep() tea.Cmd {
	sw, ok := m.opt.Backend.(interface{ SweepCache() (int, error) })
	if !ok || m.opt.Backend == nil {
		return nil
	}
	return func() tea.Msg {
		_, _ = sw.SweepCache() // the service logs a failure
		return nil
	}
}

// refreshLink reads the gateway link state (the circuit breaker's, in
// memory) after a call, so that the status bar does not lag behind what the
// clerk just saw.
func (m *Model) refreshLink() {
	if l, ok := m.opt.Backend.(interface{ LinkLabel() string }); ok && m.opt.Backend != nil {
		m.link = l.LinkLabel()
		m.gwKnown = true
	}
}

// isVolunteer: the operator prepares declarations only, and sees sensitive
// fields (ethnicity, religion) masked. It only shapes the screen: the use
// cases decide (a volunteer's look-ups come without those values and leave
// nothing in the cache; a reception is refused), so nothing is left to clean
// up when the session ends.
func (m Model) isVolunteer() bool { return m.opt.Operator.Role == offline.RoleVolunteer }

type statusMsg struct {
	link        string // Vietnamese link state ("" when the backend has none)
	gwErr       error
	printerName string
	printerErr  error
}

type statusTickMsg struct{}

type lookupMsg struct {
	seq      int
	slot     string // the person slot being filled ("" = the citizen served)
	id       string
	card     *lookups.Citizen
	source   string
	trusted  bool // a QR scan's letters are intact
	resident *lookups.Resident
	origin   lookups.Origin
	err      error
}

type receivedMsg struct {
	seq     int
	outcome counter.Outcome
	err     error
}

type draftSavedMsg struct {
	seq int
	err error
}

type draftsMsg struct {
	seq    int
	drafts []offline.DraftInfo
	err    error
}

// historian is the optional part of a backend that lists received dossiers
// and reprints their receipts.
type historian interface {
	Recent(ctx context.Context, n int) ([]offline.DossierInfo, error)
	Reprint(ctx context.Context, code string, op Operator) (string, error)
}

type historyMsg struct {
	seq  int
	list []offline.DossierInfo
	err  error
}

type reprintedMsg struct {
	seq  int
	code string
	path string
	err  error
}

type draftLoadedMsg struct {
	seq  int
	id   string
	decl *forms.Declaration
	err  error
}

func (m Model) checkStatus() tea.Cmd {
	b := m.opt.Backend
	if b == nil {
		return nil
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		gw := b.GatewayStatus(ctx)
		name, perr := b.PrinterStatus(ctx)
		link := ""
		if l, ok := b.(interface{ LinkLabel() string }); ok {
			link = l.LinkLabel()
		}
		return statusMsg{link: link, gwErr: gw, printerName: name, printerErr: perr}
	}
}

func (m Model) scheduleStatus() tea.Cmd {
	return tea.Tick(m.opt.StatusEvery, func(time.Time) tea.Msg { return statusTickMsg{} })
}

// Update routes messages.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(replayMsg); ok {
		return m.replay()
	}
	next, cmd := m.update(msg)
	mm := next.(Model)
	if mm.busy == "" && len(mm.typeahead) > 0 && !mm.replayPending {
		// keys typed while a command ran: replayed in order, before any newer key
		mm.replayPending = true
		return mm, tea.Batch(cmd, func() tea.Msg { return replayMsg{} })
	}
	return mm, cmd
}

// replayMsg asks Update to process the keys typed while a command ran.
type replayMsg struct{}

// replay processes the queued keys in order within one Update; keys that
// arrived meanwhile were queued behind them. A key that starts a new command
// leaves the rest queued for the next replay.
func (m Model) replay() (tea.Model, tea.Cmd) {
	m.replayPending = false
	keys := m.typeahead
	m.typeahead = nil
	var cmds []tea.Cmd
	for i, k := range keys {
		if m.busy != "" {
			m.typeahead = append(keys[i:len(keys):len(keys)], m.typeahead...)
			break
		}
		next, c := m.update(k)
		m = next.(Model)
		cmds = append(cmds, c)
	}
	return m, tea.Batch(cmds...)
}

func (m Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width - 2)
		if m.form != nil {
			m.form.setWidth(msg.Width)
		}
		return m, nil
	case statusMsg:
		m.gwKnown = true
		m.gwErr, m.printerName, m.printerErr, m.link = msg.gwErr, msg.printerName, msg.printerErr, msg.link
		return m, m.scheduleStatus()
	case statusTickMsg:
		return m, m.checkStatus()
	case idleTickMsg:
		if m.screen != scrLogin && m.busy == "" && time.Since(m.lastKey) >= m.opt.IdleLock {
			mm, end := m.lockScreen("Màn hình đã khóa và xóa sau thời gian không thao tác. Đăng nhập để tiếp tục.")
			return mm, tea.Batch(end, m.idleTick())
		}
		return m, m.idleTick()
	case loginMsg:
		return m.onLogin(msg)
	case quitMsg:
		return m, tea.Quit
	case syncTickMsg:
		return m, tea.Batch(m.drain(), m.syncTick())
	case sweepTickMsg:
		return m, tea.Batch(m.sweep(), tea.Tick(time.Hour, func(time.Time) tea.Msg { return sweepTickMsg{} }))
	case syncedMsg:
		if errors.Is(msg.err, offline.ErrKeyRotated) && m.screen != scrLogin {
			// A supervisor revoked a key file or disabled an operator: this session's key is
			// the old one. The next login opens the new one.
			mm, end := m.lockScreen(offline.ClerkMessage(msg.err))
			return mm, end
		}
		m.queued = msg.report.Waiting
		m.refreshLink()
		if n := len(msg.report.Sent); n > 0 && m.busy == "" && m.message == "" {
			m.setMessage(fmt.Sprintf("Đã gửi lên hệ thống %d hồ sơ đang chờ.", n), false)
		}
		m.printWaiting = msg.printWaiting
		if msg.printed > 0 && m.busy == "" && m.message == "" {
			m.setMessage(fmt.Sprintf("Đã in lại %d giấy biên nhận bị lỗi in trước đó.", msg.printed), false)
		}
		return m, nil
	case spinner.TickMsg:
		if m.busy == "" {
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case chipProgressMsg:
		return m.onChipProgress(msg)
	case chipDoneMsg:
		return m.onChipDone(msg)
	case readerEventMsg:
		return m.onReaderEvent(msg)
	case lookupMsg:
		return m.onLookup(msg)
	case receivedMsg:
		return m.onReceived(msg)
	case draftSavedMsg:
		return m.onDraftSaved(msg)
	case draftsMsg:
		return m.onDrafts(msg)
	case draftLoadedMsg:
		return m.onDraftLoaded(msg)
	case historyMsg:
		if !m.settle(msg.seq) {
			return m, nil
		}
		if msg.err != nil {
			m.setMessage(m.explain(msg.err), true)
			return m, nil
		}
		if len(msg.list) == 0 {
			m.setMessage("Chưa có hồ sơ nào trên máy này.", false)
			return m, nil
		}
		m.history, m.histIdx, m.screen = msg.list, 0, scrHistory
		return m, nil
	case reprintedMsg:
		if !m.settle(msg.seq) {
			return m, nil
		}
		if msg.err != nil {
			m.setMessage("Chưa in lại được biên nhận "+msg.code+" (đã xếp hàng in lại): "+m.explain(msg.err), true)
			return m, nil
		}
		m.setMessage("Đã in lại biên nhận "+msg.code+": "+msg.path, false)
		return m, nil
	case tea.PasteMsg:
		if m.screen == scrIdentify {
			var cmd tea.Cmd
			m.input, cmd = m.input.Update(msg)
			return m, cmd
		}
		if m.screen == scrForm && m.form != nil {
			cmd, _ := m.form.update(msg)
			save := m.saveDraft()
			return m, tea.Batch(cmd, save)
		}
		return m, nil
	case tea.KeyPressMsg:
		m.lastKey = time.Now()
		if key.Matches(msg, m.keys.Quit) {
			return m, tea.Quit
		}
		if m.screen == scrLogin {
			if m.busy != "" {
				return m, nil
			}
			return m.updateLogin(msg)
		}
		if key.Matches(msg, m.keys.Help) {
			m.full = !m.full
			return m, nil
		}
		if m.busy != "" || m.replayPending {
			// a command is running: keys wait for it, in order (a scanner may be typing)
			if len(m.typeahead) <= qr.MaxLine+64 { // a whole QR line and its Enter
				m.typeahead = append(m.typeahead, msg)
			}
			return m, nil
		}
		switch msg.String() {
		case "pgdown", "pgup":
			if m.scrollOn != m.screen {
				m.scroll, m.scrollOn = 0, m.screen
			}
			step := max(5, m.height/2)
			if msg.String() == "pgup" {
				step = -step
			}
			m.scroll = max(0, m.scroll+step)
			return m, nil
		}
		switch m.screen {
		case scrIdentify:
			return m.updateIdentify(msg)
		case scrCards:
			return m.updateCards(msg)
		case scrResident:
			return m.updateResident(msg)
		case scrServices:
			return m.updateServices(msg)
		case scrForm:
			return m.updateForm(msg)
		case scrReview:
			return m.updateReview(msg)
		case scrReceipt:
			return m.updateReceipt(msg)
		case scrDrafts:
			return m.updateDrafts(msg)
		case scrHistory:
			return m.updateHistory(msg)
		}
	}
	if m.screen == scrIdentify {
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *Model) setMessage(s string, isErr bool) { m.message, m.msgErr = s, isErr }

// startIO runs fn as a command with a deadline while the screen shows label
// and a spinner; keys wait until its message arrives.
func (m Model) startIO(label string, timeout time.Duration, fn func(ctx context.Context) tea.Msg) (Model, tea.Cmd) {
	m.busy = label
	m.setMessage("", false)
	return m, tea.Batch(func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		return fn(ctx)
	}, m.spin.Tick)
}

// settle accepts the result of the command started for the current citizen:
// false for a late answer about a previous one.
func (m *Model) settle(seq int) bool {
	if seq != m.seq {
		return false
	}
	m.busy = ""
	return true
}

// reset clears everything about the citizen served, for the next one.
func (m Model) reset() Model {
	m.seq++
	m.screen = scrIdentify
	m.card, m.cardSource, m.qrWarnings = nil, "", nil
	m.resident, m.origin, m.lookups = nil, lookups.Origin{}, nil
	m.form, m.outcome = nil, nil
	m.chip, m.chipStep = nil, ""
	if m.chipCancel != nil {
		m.chipCancel()
		m.chipCancel = nil
	}
	m.svcIdx, m.cardIdx = 0, 0
	m.slotTarget, m.tried, m.draftID, m.draftDirty = "", nil, "", false
	m.drafts, m.draftIdx = nil, 0
	m.input.Reset()
	m.input.Focus()
	m.setMessage("", false)
	return m
}

// ---- identify ----------------------------------------------------------

func (m Model) updateIdentify(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.TapCard) && m.opt.Reader != nil:
		if len(m.opt.Reader.Virtual()) > 0 {
			m.screen, m.cardIdx = scrCards, 0
			m.setMessage("", false)
			return m, nil
		}
		k, ok := m.typedKey()
		if !ok {
			m.setMessage("Gõ 6 số cuối của số định danh in trên thẻ (hoặc cả 12 số) rồi nhấn F2 để mở chip.", false)
			return m, nil
		}
		return m.startChipRead("", k)
	case key.Matches(msg, m.keys.Drafts) && m.slotTarget == "":
		return m.listDrafts()
	case key.Matches(msg, m.keys.History) && m.slotTarget == "":
		h, ok := m.opt.Backend.(historian)
		if !ok {
			return m, nil
		}
		seq := m.seq
		return m.startIO("Đang mở lịch sử hồ sơ…", 10*time.Second, func(ctx context.Context) tea.Msg {
			list, err := h.Recent(ctx, 50)
			return historyMsg{seq: seq, list: list, err: err}
		})
	case key.Matches(msg, m.keys.Submit):
		return m.identify(strings.TrimSpace(m.input.Value()))
	case key.Matches(msg, m.keys.Back):
		if m.slotTarget != "" { // back to the form without filling the slot
			m.slotTarget = ""
			m.screen = scrForm
			m.input.Reset()
			m.setMessage("", false)
			return m, m.form.load()
		}
		m.input.Reset()
		m.setMessage("", false)
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

// identify handles what was typed or scanned: a card QR line or an ID number.
func (m Model) identify(text string) (tea.Model, tea.Cmd) {
	if text == "" {
		m.setMessage("Hãy quét mã QR trên thẻ, chạm thẻ (F2) hoặc gõ số định danh.", true)
		return m, nil
	}
	if m.slotTarget == "" {
		m.seq++
		m.card, m.cardSource, m.qrWarnings = nil, "", nil
	}
	if qr.LooksLikeQR(text) || strings.Contains(text, "|") {
		card, err := qr.Parse(text)
		if err != nil {
			m.setMessage("Mã QR không đọc được: "+qrMessage(err)+" Hãy quét lại hoặc gõ số định danh.", true)
			m.input.Reset()
			return m, nil
		}
		c := card.Citizen
		if m.slotTarget == "" {
			m.card, m.cardSource, m.qrWarnings, m.qrTrusted = &c, "qr", card.Warnings, card.LettersTrusted
		}
		return m.lookup(m.slotTarget, c.ID, &c, "qr", card.LettersTrusted)
	}
	id := strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' || r == '-' {
			return -1
		}
		return r
	}, text)
	if err := pid.Validate(id, lookups.Date{}, ""); err != nil {
		m.setMessage(pidMessage(err), true)
		return m, nil
	}
	return m.lookup(m.slotTarget, id, nil, "", false)
}

func qrMessage(err error) string {
	if e, ok := err.(*qr.Error); ok && e.Message != "" {
		return e.Message
	}
	return "dữ liệu không đúng định dạng."
}

func pidMessage(err error) string {
	if e, ok := err.(*pid.Error); ok && len(e.Problems) > 0 {
		parts := make([]string, len(e.Problems))
		for i, p := range e.Problems {
			parts[i] = p.Message
		}
		return strings.Join(parts, " ")
	}
	return "Số định danh không hợp lệ."
}

// lookup asks the population database about id, for the citizen served
// (slot "") or for a person slot of the form; card is what the card or QR
// gave (nil for a typed ID).
func (m Model) lookup(slot, id string, card *lookups.Citizen, source string, trusted bool) (tea.Model, tea.Cmd) {
	m.lookups = append(m.lookups, id)
	b, seq := m.opt.Backend, m.seq
	meta := lookups.CallMeta{Operator: m.opt.Operator.ID, Purpose: lookups.PurposeReception}
	return m.startIO("Đang tra cứu Cơ sở dữ liệu quốc gia về dân cư…", 15*time.Second, func(ctx context.Context) tea.Msg {
		res, origin, err := b.Lookup(ctx, id, meta)
		return lookupMsg{seq: seq, slot: slot, id: id, card: card, source: source, trusted: trusted, resident: res, origin: origin, err: err}
	})
}

func (m Model) onLookup(msg lookupMsg) (tea.Model, tea.Cmd) {
	if !m.settle(msg.seq) {
		return m, nil
	}
	m.refreshLink()
	if msg.slot != "" {
		return m.onSlotLookup(msg)
	}
	if msg.err != nil {
		m.screen = scrIdentify
		m.setMessage(m.explain(msg.err), true)
		m.input.Focus()
		return m, nil
	}
	m.resident, m.origin = msg.resident, msg.origin
	m.screen = scrResident
	m.input.Reset()
	m.setMessage("", false)
	return m, nil
}

// onSlotLookup fills a person slot of the form with the look-up's answer.
func (m Model) onSlotLookup(msg lookupMsg) (tea.Model, tea.Cmd) {
	derived := m.slotTarget != msg.slot // a household head or spouse looked up by itself
	label := m.form.slotLabel(msg.slot)
	if msg.err != nil && (msg.card == nil || !errors.Is(msg.err, lookups.ErrNotFound) || m.slotVerified(msg.slot)) {
		if derived {
			m.setMessage("Không tra cứu được "+strings.ToLower(label)+": "+m.explain(msg.err), true)
			return m, nil
		}
		m.setMessage(m.explain(msg.err), true)
		return m, nil
	}
	data := forms.PersonData{Card: msg.card, CardSource: forms.SourceCard, Resident: msg.resident, Origin: msg.origin, At: m.opt.Backend.Now()}
	if msg.source == "qr" {
		data.CardSource, data.LettersTrusted = forms.SourceQR, msg.trusted
	}
	if msg.card == nil {
		data.CardSource = forms.SourceTyped
	}
	if err := m.form.decl.FillPerson(msg.slot, data); err != nil {
		m.setMessage("Không điền được "+strings.ToLower(label)+": "+m.explain(err), true)
		return m, nil
	}
	m.form.rebuild()
	if !derived {
		m.slotTarget = ""
		m.screen = scrForm
		m.input.Reset()
	}
	mm, cmd := m.nextPending()
	if !derived {
		mm.setMessage(label+": đã điền từ "+sourceWords(data), false)
	}
	save := mm.saveDraft()
	return mm, tea.Batch(cmd, mm.form.load(), save)
}

func sourceWords(p forms.PersonData) string {
	s := "số định danh gõ tay"
	if p.Card != nil {
		s = "thẻ"
	}
	if p.Resident != nil {
		s += " và CSDL dân cư"
	}
	return s
}

// slotVerified reports whether the slot must be found in the database.
func (m Model) slotVerified(slot string) bool {
	for _, p := range m.form.spec.Persons() {
		if p.ID == slot {
			return p.Verify
		}
	}
	return false
}

// nextPending looks up the next derived person (a household head, a spouse)
// whose ID the filled slots revealed.
func (m Model) nextPending() (Model, tea.Cmd) {
	if m.form == nil {
		return m, nil
	}
	if m.tried == nil {
		m.tried = map[string]bool{}
	}
	for _, p := range m.form.decl.PendingPersons() {
		k := p.Slot + "/" + p.ID
		if m.tried[k] {
			continue
		}
		m.tried[k] = true
		mm, cmd := m.lookup(p.Slot, p.ID, nil, "", false)
		return mm.(Model), cmd
	}
	return m, nil
}

func (m Model) explain(err error) string { return m.opt.Backend.Explain(err) }

// ---- virtual card reader ----------------------------------------------

func (m Model) updateCards(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	cards := m.opt.Reader.Virtual()
	switch {
	case key.Matches(msg, m.keys.Back):
		m.screen = scrIdentify
		return m, nil
	case key.Matches(msg, m.keys.Up):
		if m.cardIdx > 0 {
			m.cardIdx--
		}
	case key.Matches(msg, m.keys.Down):
		if m.cardIdx < len(cards)-1 {
			m.cardIdx++
		}
	case key.Matches(msg, m.keys.Confirm):
		if len(cards) == 0 {
			return m, nil
		}
		k, _ := m.typedKey() // empty: the clerk reads the number off the virtual card
		return m.startChipRead(cards[m.cardIdx].ID, k)
	}
	return m, nil
}

// ---- resident panel ----------------------------------------------------

func (m Model) updateResident(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.TapCard) && m.opt.Reader != nil && m.resident != nil:
		// read the chip of the citizen identified by QR or typed ID (the ID
		// gives the CAN), or the same card again after it left the reader
		if len(m.opt.Reader.Virtual()) > 0 {
			m.screen, m.cardIdx = scrCards, 0
			return m, nil
		}
		return m.startChipRead("", card.KeyFromID(m.resident.Citizen.ID))
	case key.Matches(msg, m.keys.Back):
		return m.reset(), nil
	case key.Matches(msg, m.keys.Service):
		if m.resident != nil && m.resident.Deceased() {
			m.setMessage("Công dân này đã được ghi nhận là đã mất: không tiếp nhận hồ sơ cho chính người này.", true)
			return m, nil
		}
		if m.cardSource == "card" && m.chip != nil {
			// the counter's policy for the card (card.Result.Receivable)
			if ok, notice := m.chip.Receivable(); !ok {
				m.setMessage(notice, true)
				return m, nil
			}
		}
		m.screen = scrServices
		m.setMessage("", false)
	}
	return m, nil
}

// ---- service choice ----------------------------------------------------

func (m Model) updateServices(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	svcs := m.opt.Backend.Services()
	switch {
	case key.Matches(msg, m.keys.Back):
		m.screen = scrResident
	case key.Matches(msg, m.keys.Up):
		if m.svcIdx > 0 {
			m.svcIdx--
		}
	case key.Matches(msg, m.keys.Down):
		if m.svcIdx < len(svcs)-1 {
			m.svcIdx++
		}
	case key.Matches(msg, m.keys.Confirm):
		if len(svcs) == 0 {
			return m, nil
		}
		spec := svcs[m.svcIdx]
		decl := m.opt.Backend.NewDeclaration(spec)
		if slot := primarySlot(spec); slot != "" {
			data := forms.PersonData{Card: m.card, CardSource: forms.SourceCard, Resident: m.resident, Origin: m.origin, At: m.opt.Backend.Now()}
			switch {
			case m.card == nil:
				data.CardSource = forms.SourceTyped
			case m.cardSource == "qr":
				data.CardSource, data.LettersTrusted = forms.SourceQR, m.qrTrusted
			}
			if err := decl.FillPerson(slot, data); err != nil {
				m.setMessage(m.explain(err), true)
				return m, nil
			}
		}
		m.form = newFormView(spec, decl, m.st, m.opt.Location)
		m.form.setWidth(m.width)
		m.form.mask = m.isVolunteer()
		m.draftID = newDraftID()
		m.screen = scrForm
		mm, cmd := m.nextPending()
		focus, save := mm.form.focusFirstMissing(), mm.saveDraft()
		return mm, tea.Batch(cmd, focus, save)
	}
	return m, nil
}

// ---- form --------------------------------------------------------------

func (m Model) updateForm(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Back):
		m.screen = scrServices
		save := m.saveDraft()
		return m, save
	case key.Matches(msg, m.keys.Review):
		if probs := m.form.decl.Validate(); len(probs) > 0 {
			m.form.showProblems(probs)
			m.setMessage(fmt.Sprintf("Còn %d ô chưa đúng hoặc còn thiếu; con trỏ đã chuyển tới ô đầu tiên.", len(probs)), true)
			return m, m.form.focusPath(probs[0].FieldID)
		}
		m.screen = scrReview
		m.setMessage("", false)
		save := m.saveDraft()
		return m, save
	}
	m.setMessage("", false)
	cmd, act := m.form.update(msg)
	if act != nil && act.fillSlot != "" {
		m.slotTarget = act.fillSlot
		m.screen = scrIdentify
		m.input.Reset()
		return m, tea.Batch(cmd, m.input.Focus())
	}
	save := m.saveDraft()
	return m, tea.Batch(cmd, save)
}

// primarySlot is the slot the identified citizen fills: the first one filled
// at the counter.
func primarySlot(spec *forms.Spec) string {
	for _, p := range spec.Persons() {
		if kind, _ := p.Derived(spec); kind == "" {
			return p.ID
		}
	}
	return ""
}

// ---- history and reprints ----------------------------------------------

func (m Model) updateHistory(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Back):
		m.screen = scrIdentify
	case key.Matches(msg, m.keys.Up):
		m.histIdx = max(0, m.histIdx-1)
	case key.Matches(msg, m.keys.Down):
		m.histIdx = min(len(m.history)-1, m.histIdx+1)
	case key.Matches(msg, m.keys.Confirm):
		h, ok := m.opt.Backend.(historian)
		if !ok {
			return m, nil
		}
		code, op, seq := m.history[m.histIdx].Code, m.opt.Operator, m.seq
		return m.startIO("Đang in lại giấy biên nhận…", 30*time.Second, func(ctx context.Context) tea.Msg {
			path, err := h.Reprint(ctx, code, op)
			return reprintedMsg{seq: seq, code: code, path: path, err: err}
		})
	}
	return m, nil
}

// ---- drafts ------------------------------------------------------------

func newDraftID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// saveDraft saves the declaration (sealed, in the store) after a step; one
// save runs at a time, a change during it is saved right after.
func (m *Model) saveDraft() tea.Cmd {
	if m.form == nil || m.draftID == "" {
		return nil
	}
	if m.saving {
		m.draftDirty = true
		return nil
	}
	m.saving, m.draftDirty = true, false
	b, id, decl, op, seq := m.opt.Backend, m.draftID, m.form.decl, m.opt.Operator, m.seq
	step := m.form.key(m.form.current())
	blob, err := decl.MarshalDraft()
	return func() tea.Msg {
		if err != nil {
			return draftSavedMsg{seq: seq, err: err}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return draftSavedMsg{seq: seq, err: b.SaveDraft(ctx, id, decl.Spec().ID, blob, op, step)}
	}
}

func (m Model) onDraftSaved(msg draftSavedMsg) (tea.Model, tea.Cmd) {
	if msg.seq != m.seq {
		return m, nil
	}
	m.saving = false
	if msg.err != nil {
		m.setMessage("Chưa lưu được bản nháp: "+m.explain(msg.err), true)
	}
	if m.draftDirty {
		save := m.saveDraft()
		return m, save
	}
	return m, nil
}

func (m Model) listDrafts() (tea.Model, tea.Cmd) {
	b, seq := m.opt.Backend, m.seq
	return m.startIO("Đang mở danh sách hồ sơ soạn dở…", 10*time.Second, func(ctx context.Context) tea.Msg {
		list, err := b.Drafts(ctx)
		return draftsMsg{seq: seq, drafts: list, err: err}
	})
}

func (m Model) onDrafts(msg draftsMsg) (tea.Model, tea.Cmd) {
	if !m.settle(msg.seq) {
		return m, nil
	}
	if msg.err != nil {
		m.setMessage(m.explain(msg.err), true)
		return m, nil
	}
	if len(msg.drafts) == 0 {
		m.setMessage("Không có hồ sơ soạn dở nào.", false)
		return m, nil
	}
	m.drafts, m.draftIdx, m.screen = msg.drafts, 0, scrDrafts
	return m, nil
}

func (m Model) updateDrafts(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Back):
		m.screen = scrIdentify
	case key.Matches(msg, m.keys.Up):
		m.draftIdx = max(0, m.draftIdx-1)
	case key.Matches(msg, m.keys.Down):
		m.draftIdx = min(len(m.drafts)-1, m.draftIdx+1)
	case key.Matches(msg, m.keys.Confirm):
		m.seq++
		id, b, seq := m.drafts[m.draftIdx].ID, m.opt.Backend, m.seq
		return m.startIO("Đang mở hồ sơ soạn dở…", 10*time.Second, func(ctx context.Context) tea.Msg {
			decl, err := b.LoadDraft(ctx, id)
			return draftLoadedMsg{seq: seq, id: id, decl: decl, err: err}
		})
	}
	return m, nil
}

func (m Model) onDraftLoaded(msg draftLoadedMsg) (tea.Model, tea.Cmd) {
	if !m.settle(msg.seq) {
		return m, nil
	}
	if msg.err != nil {
		m.screen = scrIdentify
		m.setMessage(m.explain(msg.err), true)
		return m, nil
	}
	m.form = newFormView(msg.decl.Spec(), msg.decl, m.st, m.opt.Location)
	m.form.setWidth(m.width)
	m.form.mask = m.isVolunteer()
	m.draftID = msg.id
	m.lookups = nil
	for _, p := range msg.decl.Spec().Persons() {
		if d, ok := msg.decl.Person(p.ID); ok && d.ID() != "" {
			m.lookups = append(m.lookups, d.ID())
		}
	}
	m.screen = scrForm
	m.setMessage("Đã mở lại hồ sơ soạn dở.", false)
	return m, m.form.focusFirstMissing()
}

// ---- review and reception ----------------------------------------------

func (m Model) updateReview(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Back):
		m.screen = scrForm
		return m, nil
	case key.Matches(msg, m.keys.Confirm):
		// the reception works on a copy: the screen keeps drawing the original
		decl, err := m.form.decl.Clone()
		if err != nil {
			m.setMessage(m.explain(err), true)
			return m, nil
		}
		b, op, seq, draft := m.opt.Backend, m.opt.Operator, m.seq, m.draftID
		looked := append([]string(nil), m.lookups...)
		return m.startIO("Đang tiếp nhận hồ sơ và in giấy biên nhận…", 30*time.Second, func(ctx context.Context) tea.Msg {
			out, err := b.Receive(ctx, decl, op, looked, draft)
			return receivedMsg{seq: seq, outcome: out, err: err}
		})
	}
	return m, nil
}

func (m Model) onReceived(msg receivedMsg) (tea.Model, tea.Cmd) {
	if !m.settle(msg.seq) {
		return m, nil
	}
	if msg.err != nil {
		m.setMessage("Chưa tiếp nhận được hồ sơ: "+m.explain(msg.err), true)
		return m, nil
	}
	out := msg.outcome
	m.outcome = &out
	m.screen = scrReceipt
	if out.Dossier != nil && out.Dossier.Status == forms.StatusQueued {
		m.queued++
	}
	m.refreshLink()
	return m, m.drain() // refreshes the queue count in the status bar
}

func (m Model) updateReceipt(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if key.Matches(msg, m.keys.NewPerson) {
		return m.reset(), nil
	}
	return m, nil
}

// ---- view --------------------------------------------------------------

// View renders the current screen with the title and status bars.
func (m Model) View() tea.View {
	header := m.titleBar() + "\n" + m.statusBar() + "\n"
	var footer strings.Builder
	if m.busy != "" {
		footer.WriteString("\n" + m.spin.View() + " " + m.busy)
	}
	if m.message != "" {
		style := m.st.OK
		if m.msgErr {
			style = m.st.Error
		}
		footer.WriteString("\n" + style.Width(max(20, m.width-4)).Render(m.message))
	}
	footer.WriteString("\n\n" + m.help.View(m.screenKeys()))
	// the body gets the lines left: a view taller than the terminal would scroll
	// the title and the status bar away
	avail := 1000
	if m.height > 0 {
		avail = max(5, m.height-lipgloss.Height(header)-lipgloss.Height(footer.String())-1)
	}
	var body string
	switch m.screen {
	case scrIdentify:
		body = m.viewIdentify()
	case scrCards:
		body = m.viewCards()
	case scrResident:
		body = m.viewResident()
	case scrServices:
		body = m.viewServices()
	case scrForm:
		body = m.form.view(m.width, avail)
	case scrReview:
		body = m.viewReview()
	case scrReceipt:
		body = m.viewReceipt()
	case scrDrafts:
		body = m.viewDrafts()
	case scrHistory:
		body = m.viewHistory()
	case scrLogin:
		body = m.viewLogin()
	}
	if m.width > 4 {
		body = lipgloss.NewStyle().Width(m.width - 2).Render(body)
	}
	offset := 0
	if m.scrollOn == m.screen && m.screen != scrForm {
		offset = m.scroll
	}
	body = clip(body, avail, offset, m.st)
	v := tea.NewView(m.st.App.Render(header + "\n" + body + footer.String()))
	v.AltScreen = true
	v.WindowTitle = "motcua — Bộ phận một cửa"
	return v
}

// clip keeps n lines of body from line offset (clamped), with a marker when
// more lies below or above.
func clip(body string, n, offset int, st Styles) string {
	lines := strings.Split(strings.TrimRight(body, "\n"), "\n")
	if len(lines) <= n {
		return strings.Join(lines, "\n")
	}
	offset = max(0, min(offset, len(lines)-n+1))
	end := min(len(lines), offset+n-1)
	out := lines[offset:end]
	more := st.Muted.Render(fmt.Sprintf("  … còn %d dòng — PgDn/PgUp để xem", len(lines)-end+offset))
	return strings.Join(append(out, more), "\n")
}

func (m Model) titleBar() string {
	t := "MỘT CỬA — tiếp nhận hồ sơ"
	if m.opt.Demo {
		t += "  [DEMO: dữ liệu tổng hợp, không phải người thật]"
	}
	if m.opt.Agency != "" {
		t += "  · " + m.opt.Agency
	}
	return m.st.Title.Render(t)
}

func (m Model) statusBar() string {
	dot := func(ok bool, label string) string {
		if ok {
			return m.st.StatusOK.Render("● ") + label
		}
		return m.st.StatusBad.Render("● ") + label
	}
	var parts []string
	switch {
	case !m.gwKnown:
		parts = append(parts, m.st.Muted.Render("○ Cổng dữ liệu: đang kiểm tra"))
	case m.gwErr == nil:
		label := "Cổng dữ liệu: kết nối"
		if m.link != "" {
			label = m.link
		}
		parts = append(parts, dot(true, label))
	default:
		label := "Cổng dữ liệu: mất kết nối (dùng dữ liệu lưu tạm)"
		if m.link != "" {
			label = m.link
		}
		parts = append(parts, dot(false, label))
	}
	if m.opt.Reader != nil {
		parts = append(parts, m.readerStatus(dot))
	} else {
		parts = append(parts, dot(false, "Đầu đọc: không có"))
	}
	switch {
	case !m.gwKnown:
	case m.printerErr == nil:
		parts = append(parts, dot(true, "Biên nhận: "+m.printerName))
	default:
		parts = append(parts, dot(false, "Biên nhận: lỗi"))
	}
	if m.queued > 0 {
		parts = append(parts, m.st.Warn.Render(fmt.Sprintf("Chờ gửi: %d hồ sơ", m.queued)))
	}
	if m.printWaiting > 0 {
		parts = append(parts, m.st.Warn.Render(fmt.Sprintf("Chờ in: %d biên nhận", m.printWaiting)))
	}
	if m.opt.Backend != nil {
		who := "Cán bộ: " + m.opt.Operator.ID
		if m.isVolunteer() {
			who = "Tình nguyện viên: " + m.opt.Operator.ID
		}
		parts = append(parts, who)
	} else {
		parts = append(parts, m.st.Muted.Render("chưa đăng nhập"))
	}
	line := strings.Join(parts, " │ ")
	if m.width > 0 {
		line = ansi.Truncate(line, m.width-2, "…")
	}
	return m.st.StatusBar.Render(line)
}

func (m Model) screenKeys() help.KeyMap {
	k := m.keys
	var short []key.Binding
	switch m.screen {
	case scrIdentify:
		short = []key.Binding{k.Submit}
		if m.opt.Reader != nil {
			short = append(short, k.TapCard)
		}
		if m.slotTarget == "" {
			short = append(short, k.Drafts, k.History, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "xóa")))
		} else {
			short = append(short, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "quay lại tờ khai")))
		}
	case scrCards:
		short = []key.Binding{k.Up, k.Down, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "chạm thẻ")), k.Back}
	case scrResident:
		short = []key.Binding{k.Service, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "người khác"))}
		if m.opt.Reader != nil {
			short = append(short, key.NewBinding(key.WithKeys("f2"), key.WithHelp("F2", "đọc chip")))
		}
	case scrServices:
		short = []key.Binding{k.Up, k.Down, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "mở tờ khai")), k.Back}
	case scrForm:
		short = []key.Binding{k.Next, k.Prev, k.NextEmpty, k.Choice}
		if m.form != nil && m.form.current().group != "" {
			short = append(short, k.AddRow, k.DelRow)
		}
		short = append(short, k.Review, k.Back)
	case scrDrafts:
		short = []key.Binding{k.Up, k.Down, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "mở")), k.Back}
	case scrHistory:
		short = []key.Binding{k.Up, k.Down, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "in lại biên nhận")), k.Back}
	case scrLogin:
		short = []key.Binding{key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "ô sau")),
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "đăng nhập"))}
	case scrReview:
		short = []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "tiếp nhận và in biên nhận")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "sửa tờ khai"))}
	case scrReceipt:
		short = []key.Binding{k.NewPerson}
	}
	short = append(short, k.Help, k.Quit)
	if m.full {
		return screenKeys{short: nil, full: [][]key.Binding{short}}
	}
	return screenKeys{short: short}
}

func (m Model) field(label, value string) string {
	return m.st.Label.Render(fmt.Sprintf("%-22s", label)) + " " + m.st.Value.Render(value)
}

// clock formats t in the counter's time zone.
func (m Model) clock(t time.Time, layout string) string { return t.In(m.opt.Location).Format(layout) }

func sourceTag(st Styles, loc *time.Location, source string, at time.Time) string {
	at = at.In(loc)
	switch source {
	case "card":
		return st.SourceCard.Render("[chip]")
	case "qr":
		return st.SourceCard.Render("[QR]")
	case "database", "gateway":
		return st.SourceDB.Render("[CSDL " + at.Format("15:04") + "]")
	case "cache":
		return st.SourceOld.Render("[CSDL lưu tạm " + at.Format("02/01 15:04") + "]")
	}
	return ""
}
