package tui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// Model is the root model: it routes each message to the component that
// owns it and each key to the screen shown; it holds routing state only.
type Model struct {
	f       *frame
	d       *desk
	screens map[screenID]screen
	status  *statusBar
	help    *helpOverlay
	keys    globalKeys

	typeahead     []tea.Msg // keys typed and pastes while a command runs, replayed in order
	replayPending bool      // a replayMsg is on its way: new keys queue behind
	lastKey       time.Time
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
	f := newFrame(opt)
	d := newDesk(f)
	d.form = newFormScreen(f, d)
	drafts, history := newDraftsScreen(f, d), newHistoryScreen(f)
	identify := newIdentifyScreen(f, d, drafts, history)
	results := newResultsScreen(f, d)
	identify.results, d.results = results, results
	late, book := newLateScreen(f), newBookScreen(f)
	identify.late, identify.book = late, book
	rep := newReportsScreen(f)
	identify.reports = rep
	m := Model{f: f, d: d, keys: defaultGlobalKeys(), lastKey: time.Now(),
		status: &statusBar{f: f, d: d}, help: &helpOverlay{f: f, keys: defaultHelpKeys()}}
	sup, ref := newSupplementScreen(f, d), newRefuseScreen(f, d)
	m.screens = map[screenID]screen{
		scrLogin: newLoginScreen(f), scrIdentify: identify, scrCards: newCardsScreen(f, d, identify),
		scrResident: newResidentScreen(f, d), scrServices: newServicesScreen(f, d), scrForm: d.form,
		scrReview: newReviewScreen(f, d, sup, ref), scrReceipt: newReceiptScreen(f, d), scrDrafts: drafts, scrHistory: history,
		scrSupplement: sup, scrRefuse: ref, scrSlip: newSlipScreen(f, d), scrResults: results, scrLate: late, scrBook: book,
		scrReports: rep, scrCopies: newCopiesScreen(f, d),
	}
	switch {
	case opt.Backend != nil:
		f.screen = scrIdentify
		identify.onShow()
	case opt.Open != nil:
		f.screen = scrIdentify
		identify.onShow()
		f.busy = openingLabel // keys wait until the counter is open
	default:
		f.screen = scrLogin
		m.login().lock("")
	}
	return m
}

func (m Model) login() *loginScreen       { return m.screens[scrLogin].(*loginScreen) }
func (m Model) identify() *identifyScreen { return m.screens[scrIdentify].(*identifyScreen) }

// Init starts the reader watch and, shortly after the first screen, the
// session's status checks and background work (a counter that starts on its
// login screen starts them at login).
func (m Model) Init() tea.Cmd {
	var start tea.Cmd
	switch {
	case m.f.be == nil && m.f.opt.Open != nil:
		start = m.open()
	case m.f.be == nil:
	case m.f.noTimers:
		start = m.session()
	default:
		start = m.f.after(sessionDelay, sessionStartMsg{session: m.f.session})
	}
	return tea.Batch(start, watchReaders(m.f.opt.WatchReaders), m.idleTick(), m.f.pm.Init())
}

// sessionDelay is how long after the program's start the session's background
// work begins: the first screen needs none of it (the status bar says the
// checks are running), and on a 2-core ward PC the checks, the queue and the
// cache sweep (each a unit of work on the data file, the status check a call to
// the gateway) would compete with drawing it.
const sessionDelay = 150 * time.Millisecond

// session starts what an open counter does in the background: a new session,
// whose timers end the previous one's.
func (m Model) session() tea.Cmd {
	m.f.session++
	return tea.Batch(m.checkStatus(), m.drain(), m.syncTick(), m.sweep(),
		m.f.after(time.Hour, sweepTickMsg{session: m.f.session}))
}

// Update routes a message; keys typed while a command runs wait and are
// replayed in order once it answers.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(replayMsg); ok {
		return m.replay()
	}
	cmd := m.route(msg)
	if m.f.busy == "" && len(m.typeahead) > 0 && !m.replayPending {
		m.replayPending = true
		return m, tea.Batch(cmd, func() tea.Msg { return replayMsg{} })
	}
	return m, cmd
}

// replay processes the queued keys in order; a key that starts a new command
// leaves the rest queued for the next replay.
func (m Model) replay() (tea.Model, tea.Cmd) {
	m.replayPending = false
	keys := m.typeahead
	m.typeahead = nil
	var cmds []tea.Cmd
	for i, k := range keys {
		if m.f.busy != "" {
			m.typeahead = append(keys[i:len(keys):len(keys)], m.typeahead...)
			break
		}
		if m.f.screen == scrLogin && m.f.opt.Login != nil && m.f.be == nil {
			break // locked by a replayed key (ctrl+l): what was typed for the counter is not a login
		}
		cmds = append(cmds, m.route(k))
	}
	return m, tea.Batch(cmds...)
}

// route hands msg to its owner; when the screen changes, the new one is
// told (focus, refresh) and a notice left from the old one goes.
func (m *Model) route(msg tea.Msg) tea.Cmd {
	before, notice := m.f.screen, m.f.notice
	// the portrait takes the terminal's answers, resizes and its own draws
	var face tea.Cmd
	m.f.pm, face = m.f.pm.Update(msg)
	cmd := tea.Batch(face, m.dispatch(msg))
	if m.f.screen != before {
		if m.f.notice == notice {
			m.f.clear()
		}
		if s, ok := m.screens[m.f.screen].(shown); ok {
			cmd = tea.Batch(cmd, s.onShow())
		}
	}
	return tea.Batch(cmd, m.screens[scrResident].(*residentScreen).placePortrait())
}

func (m *Model) dispatch(msg tea.Msg) tea.Cmd {
	f, d := m.f, m.d
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		f.width, f.height = msg.Width, msg.Height
		d.form.setWidth(msg.Width)
		return nil
	case tea.KeyPressMsg:
		return m.key(msg)
	case tea.PasteMsg:
		switch {
		case f.screen == scrLogin && f.busy != "":
			// during the unlock, as keys are: a pasted passphrase must not reach the counter
			return nil
		case f.busy != "" || m.replayPending:
			// a paste (a scanner, the clipboard) waits with the keys typed around it
			m.enqueue(msg)
			return nil
		case m.help.open:
			return nil
		}
		return m.screens[f.screen].update(msg)
	case spinner.TickMsg:
		if f.busy == "" {
			return nil
		}
		var cmd tea.Cmd
		f.spin, cmd = f.spin.Update(msg)
		return cmd
	case statusMsg:
		s := m.status
		s.gwKnown = true
		s.gwErr, s.printerName, s.printerErr, s.link = msg.gwErr, msg.printerName, msg.printerErr, msg.link
		return m.scheduleStatus()
	case statusTickMsg:
		return m.checkStatus()
	case idleTickMsg:
		if f.screen != scrLogin && f.busy == "" && f.opt.IdleLock > 0 && time.Since(m.lastKey) >= f.opt.IdleLock {
			return tea.Batch(m.lock("Màn hình đã khóa và xóa sau thời gian không thao tác. Đăng nhập để tiếp tục."), m.idleTick())
		}
		return m.idleTick()
	case loginMsg:
		return m.onLogin(msg)
	case openedMsg:
		return m.onOpened(msg)
	case quitMsg:
		return tea.Quit
	case sessionStartMsg:
		if msg.session != f.session { // a login or a lock came first
			return nil
		}
		return m.session()
	case syncTickMsg:
		if msg.session != f.session {
			return nil
		}
		return tea.Batch(m.drain(), m.syncTick())
	case sweepTickMsg:
		if msg.session != f.session {
			return nil
		}
		return tea.Batch(m.sweep(), m.f.after(time.Hour, sweepTickMsg{session: f.session}))
	case syncedMsg:
		return m.onSynced(msg)
	case chipProgressMsg:
		return d.onChipProgress(msg)
	case chipDoneMsg:
		return d.onChipDone(msg)
	case readerEventMsg:
		return d.onReaderEvent(msg, m.identify().typed())
	case lookupMsg:
		return tea.Batch(d.onLookup(msg), m.refreshLink())
	case serviceOpenMsg:
		return d.onServiceOpen(msg)
	case receivedMsg:
		cmd := d.onReceived(msg)
		if d.v.outcome != nil && d.v.outcome.Dossier != nil && !d.v.outcome.Submitted {
			m.status.queued++
		}
		return tea.Batch(cmd, m.drain()) // refreshes the queue count in the status bar
	case draftSavedMsg:
		return d.onDraftSaved(msg)
	case draftsMsg:
		return m.screens[scrDrafts].(*draftsScreen).onDrafts(msg)
	case draftLoadedMsg:
		return d.onDraftLoaded(msg)
	case historyMsg:
		return m.screens[scrHistory].(*historyScreen).onHistory(msg)
	case reprintedMsg:
		return m.screens[scrHistory].(*historyScreen).onReprinted(msg)
	case slipMadeMsg: // the reception's other outcomes (outcome.go)
		return d.onSlipMade(msg, m.screens[scrSlip].(*slipScreen))
	case slipPrintedMsg:
		return m.screens[scrSlip].(*slipScreen).onPrinted(msg)
	case slipResumedMsg:
		return d.onSlipResumed(msg)
	case controlSheetMsg:
		return d.onControlSheet(msg)
	case resultOpenedMsg:
		return d.results.onOpened(msg)
	case handedOverMsg:
		return d.results.onHandedOver(msg)
	case remoteRatingMsg:
		return d.results.onRemoteRating(msg)
	case ratedMsg:
		return tea.Batch(d.results.onRated(msg), m.drain())
	case lateMsg:
		return m.screens[scrLate].(*lateScreen).onLate(msg)
	case appointmentMsg:
		return m.screens[scrLate].(*lateScreen).onAppointment(msg)
	case apologyMsg:
		return m.screens[scrLate].(*lateScreen).onApology(msg)
	case bookMsg:
		return m.screens[scrBook].(*bookScreen).onBook(msg)
	case exportedMsg:
		return m.screens[scrBook].(*bookScreen).onExported(msg)
	case reportMsg:
		return m.screens[scrReports].(*reportsScreen).onReport(msg)
	case certifiedMsg:
		return m.screens[scrCopies].(*copiesScreen).onCertified(msg)
	case feeReceiptMsg:
		return m.screens[scrReceipt].(*receiptScreen).onFeeReceipt(msg)
	case certRegisterMsg:
		return m.screens[scrCopies].(*copiesScreen).onRegister(msg)
	}
	return nil
}

// key routes a key: the global ones, the help overlay, the typeahead queue
// while a command runs, else the screen shown.
func (m *Model) key(k tea.KeyPressMsg) tea.Cmd {
	f := m.f
	m.lastKey = time.Now()
	switch {
	case key.Matches(k, m.keys.Quit):
		return tea.Quit
	case f.screen == scrLogin && !m.help.open:
		if f.busy != "" {
			return nil
		}
		return m.screens[scrLogin].update(k)
	case f.busy != "" || m.replayPending:
		// a command is running: keys wait for it, in order (a scanner may be
		// typing), F1 and F12 too: help opened now would take the keys typed before it
		m.enqueue(k)
		return nil
	case key.Matches(k, m.keys.Lock) && f.opt.Login != nil:
		// the clerk leaves the desk, or a supervisor takes over (a counter opened with a
		// key file, as the demo's, has clerk rights only)
		return m.lock("Màn hình đã khóa. Đăng nhập để tiếp tục (đổi mã cán bộ nếu người khác làm tiếp).")
	case m.help.open:
		m.help.update(k)
		return nil
	case key.Matches(k, m.keys.Help):
		m.help.open = true
		return nil
	case key.Matches(k, m.keys.Telex):
		if m.f.typist.Toggle() {
			f.say("Đã bật gõ Telex có sẵn (ô chữ của tờ khai): gõ aa, ow, dd, s f r x j… như Unikey. F12 để tắt.")
		} else {
			f.say("Đã tắt gõ Telex có sẵn.")
		}
		return nil
	case key.Matches(k, m.keys.Copies) && (f.screen == scrIdentify || f.screen == scrResident) && m.d.v.slotTarget == "":
		return m.screens[scrCopies].(*copiesScreen).open()
	}
	return m.screens[f.screen].update(k)
}

// enqueue puts a key or a paste in the typeahead queue, up to a whole QR line
// and its Enter.
func (m *Model) enqueue(msg tea.Msg) {
	if len(m.typeahead) <= maxInput+64 {
		m.typeahead = append(m.typeahead, msg)
	}
}

// ---- view ------------------------------------------------------------------

// View renders the title, the status bar, the current screen (or the help
// overlay), the notice and the hint line.
func (m Model) View() tea.View {
	f := m.f
	header := m.titleBar() + "\n" + m.status.view(f.width) + "\n"
	var footer strings.Builder
	if f.busy != "" {
		footer.WriteString("\n" + f.spin.View() + " " + f.busy)
	}
	if f.notice != "" {
		style := f.st.OK
		if f.noticeErr {
			style = f.st.Error
		}
		footer.WriteString("\n" + style.Width(max(20, f.width-4)).Render(show(f.notice)))
	}
	scr := m.screens[f.screen]
	footer.WriteString("\n\n" + m.hintLine(scr.help()))
	// the body gets the lines left: a view taller than the terminal would
	// scroll the title and the status bar away
	avail := 1000
	if f.height > 0 {
		avail = max(5, f.height-lipgloss.Height(header)-lipgloss.Height(footer.String())-1)
	}
	var body string
	if m.help.open {
		body = m.help.view(max(20, f.width-2), avail, scr.help(), m.keys, m.status.details())
	} else {
		body = scr.view(max(20, f.width-2), avail)
	}
	if f.width > 4 {
		body = lipgloss.NewStyle().Width(f.width - 2).Render(body)
	}
	lines := strings.Split(strings.TrimRight(body, "\n"), "\n")
	if len(lines) > avail {
		lines = lines[:avail]
	}
	v := tea.NewView(f.st.App.Render(header + "\n" + strings.Join(lines, "\n") + footer.String()))
	v.AltScreen = true
	v.WindowTitle = "motcua — Bộ phận một cửa"
	return v
}

// hintLine lists the screen's keys in their order (those that finish the
// screen first) and always ends with F1, which shows them all: keys that do
// not fit are left to F1.
func (m Model) hintLine(keys []key.Binding) string {
	st := m.f.st
	var items []string
	for _, k := range keys {
		if h := k.Help(); h.Key != "" {
			items = append(items, st.Code.Render(h.Key)+" "+st.Help.Render(h.Desc))
		}
	}
	h := m.keys.Help.Help()
	tail := st.Code.Render(h.Key) + " " + st.Help.Render(h.Desc)
	sep := st.Help.Render(" • ")
	width := m.f.width - 2
	for n := len(items); ; n-- {
		parts := append([]string(nil), items[:n]...)
		if n < len(items) {
			parts = append(parts, st.Help.Render("…"))
		}
		line := strings.Join(append(parts, tail), sep)
		if width <= 0 || n == 0 || ansi.StringWidth(line) <= width {
			return line
		}
	}
}

func (m Model) titleBar() string {
	t := "MỘT CỬA — " + deskTitle(m.f.screen)
	if m.f.opt.Demo {
		t += "  [DEMO: dữ liệu tổng hợp, không phải người thật]"
	}
	if m.f.opt.Agency != "" {
		t += "  · " + m.f.opt.Agency
	}
	if m.f.width > 0 {
		t = ansi.Truncate(t, m.f.width-2, "…")
	}
	return m.f.st.Title.Render(t)
}

// deskTitle names the desk the screen shown belongs to.
func deskTitle(s screenID) string {
	switch s {
	case scrResults:
		return "trả kết quả"
	case scrLate, scrBook, scrReports:
		return "theo dõi, báo cáo"
	}
	return "tiếp nhận hồ sơ"
}
