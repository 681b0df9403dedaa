package tui

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"motcua/offline"
)

// The session: login, idle lock, status polling and the background work of
// an open counter (outbox, print queue, cache time limit).

func (m *Model) onLogin(msg loginMsg) tea.Cmd {
	f := m.f
	f.busy = ""
	if msg.err != nil {
		f.fail(f.explain(msg.err))
		return m.login().lock(m.login().id.Value())
	}
	f.be, f.op = msg.backend, msg.op
	reset := m.d.reset()
	f.say("Xin chào " + msg.op.Name + ".")
	return tea.Batch(reset, m.session(), m.identify().onShow())
}

// openingLabel is shown while Options.Open runs.
const openingLabel = "Đang mở kho dữ liệu của quầy…"

// open runs Options.Open while the first screen is drawn.
func (m Model) open() tea.Cmd {
	open := m.f.opt.Open
	return tea.Batch(func() tea.Msg {
		b, op, err := open(context.Background())
		return openedMsg{backend: b, op: op, err: err}
	}, m.f.spinTick())
}

// onOpened starts the counter opened by Options.Open, like a login, or
// ends the program when it could not open (the caller reports why).
func (m *Model) onOpened(msg openedMsg) tea.Cmd {
	f := m.f
	f.busy = ""
	if msg.err != nil {
		m.typeahead = nil
		return tea.Quit
	}
	f.be, f.op = msg.backend, msg.op
	if f.noTimers {
		return m.session()
	}
	return f.after(sessionDelay, sessionStartMsg{session: f.session})
}

// lock clears the citizen and asks for a login: the next operator (or the
// same one) unlocks with a passphrase.
func (m *Model) lock(why string) tea.Cmd {
	if m.f.opt.Login == nil {
		return nil
	}
	reset := m.d.reset()
	// the results desk emptied, and a question set on the citizen's rating screen withdrawn
	withdraw := m.d.results.restart()
	m.f.be = nil
	m.f.session++ // the session's timers stop; the next login starts a new one
	m.status.gwKnown = false
	m.help.open = false
	m.typeahead = nil
	m.f.screen = scrLogin
	m.f.fail(why)
	return tea.Batch(reset, withdraw, m.login().lock(m.f.op.ID))
}

func (m Model) idleTick() tea.Cmd {
	if m.f.opt.IdleLock <= 0 {
		return nil
	}
	return m.f.after(min(m.f.opt.IdleLock/4, 30*time.Second), idleTickMsg{})
}

func (m Model) checkStatus() tea.Cmd {
	b := m.f.be
	if b == nil {
		return nil
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		gw := b.GatewayStatus(ctx)
		name, perr := b.PrinterStatus(ctx)
		return statusMsg{link: b.LinkLabel(), gwErr: gw, printerName: name, printerErr: perr}
	}
}

func (m Model) scheduleStatus() tea.Cmd {
	return m.f.after(m.f.opt.StatusEvery, statusTickMsg{})
}

// refreshLink reads the link state (in memory) after a call, so that the
// status bar does not lag behind what the clerk just saw.
func (m *Model) refreshLink() tea.Cmd {
	if m.f.be != nil {
		m.status.link = m.f.be.LinkLabel()
	}
	return nil
}

func (m Model) syncTick() tea.Cmd {
	return m.f.after(m.f.opt.SyncEvery, syncTickMsg{session: m.f.session})
}

// drain sends the queued dossiers and prints the queued receipts.
func (m Model) drain() tea.Cmd {
	b, op, every := m.f.be, m.f.op.ID, m.f.opt.SyncEvery
	if b == nil {
		return nil
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), every)
		defer cancel()
		rep, err := b.Drain(ctx, 0)
		msg := syncedMsg{report: rep, err: err}
		msg.printed, msg.printWaiting, _ = b.RetryPrints(ctx, op)
		return msg
	}
}

func (m *Model) onSynced(msg syncedMsg) tea.Cmd {
	f, s := m.f, m.status
	if errors.Is(msg.err, offline.ErrKeyRotated) && f.screen != scrLogin {
		// A supervisor revoked a key file or disabled an operator: this session's
		// key is the old one. The next login opens the new one.
		return m.lock(offline.ClerkMessage(msg.err))
	}
	s.queued, s.printWaiting = msg.report.Waiting, msg.printWaiting
	m.refreshLink()
	if n := len(msg.report.Sent); n > 0 && f.busy == "" && f.notice == "" {
		f.say(fmt.Sprintf("Đã gửi lên hệ thống %d hồ sơ đang chờ.", n))
	}
	if msg.printed > 0 && f.busy == "" && f.notice == "" {
		f.say(fmt.Sprintf("Đã in lại %d giấy tờ (biên nhận, phiếu) bị lỗi in trước đó.", msg.printed))
	}
	return nil
}

// sweep removes expired look-ups from the cache.
func (m Model) sweep() tea.Cmd {
	b := m.f.be
	if b == nil {
		return nil
	}
	return func() tea.Msg {
		_, _ = b.SweepCache() // the service logs a failure
		return nil
	}
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
