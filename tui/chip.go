package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"motcua/lookups/card"
)

// chipProgressMsg is one step of a chip read; ch delivers the next.
type chipProgressMsg struct {
	seq int
	p   card.Progress
	ch  <-chan tea.Msg
}

// chipDoneMsg ends a chip read.
type chipDoneMsg struct {
	seq int
	res *card.Result
	err error
}

// readerEventMsg is a change of the PC/SC readers; ch delivers the next.
type readerEventMsg struct {
	ev card.ReaderEvent
	ch <-chan card.ReaderEvent
}

// watcher is the optional part of a station that reports reader and card
// changes (PC/SC).
type watcher interface {
	Watch(ctx context.Context) <-chan card.ReaderEvent
}

// typedKey reads the access key from the identify input: 12 digits (the ID)
// or 6 digits (its last six, the CAN).
func (m Model) typedKey() (card.Key, bool) {
	return card.KeyFromDigits(strings.TrimSpace(m.input.Value()))
}

// startChipRead reads the card on the station (virtualID names the virtual
// card tapped in the demo). Progress arrives as messages: the identity is
// looked up as soon as DG13 is read, while the checks go on.
func (m Model) startChipRead(virtualID string, k card.Key) (tea.Model, tea.Cmd) {
	if m.slotTarget == "" {
		m.seq++
		m.card, m.cardSource, m.resident = nil, "", nil
	}
	if m.chipCancel != nil {
		m.chipCancel()
	}
	timeout := m.opt.CardTimeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	m.chip, m.chipStep, m.chipLooked, m.chipSlot, m.chipCancel = nil, "Đang mở khóa chip…", false, m.slotTarget, cancel
	seq, st := m.seq, m.opt.Reader
	ch := make(chan tea.Msg, 16)
	go func() {
		defer close(ch)
		defer cancel()
		res, err := st.Read(ctx, virtualID, k, func(p card.Progress) {
			select {
			case ch <- chipProgressMsg{seq: seq, p: p, ch: ch}:
			case <-ctx.Done():
			}
		})
		ch <- chipDoneMsg{seq: seq, res: res, err: err}
	}()
	m.screen = scrIdentify
	m.busy = "Đang đọc chip trên thẻ… (giữ yên thẻ trên đầu đọc)"
	m.setMessage("", false)
	return m, tea.Batch(waitChip(ch), m.spin.Tick)
}

func waitChip(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

func (m Model) onChipProgress(msg chipProgressMsg) (tea.Model, tea.Cmd) {
	next := waitChip(msg.ch)
	if msg.seq != m.seq {
		return m, next // a read for someone else: drain it
	}
	m.chip, m.chipStep = msg.p.Result, msg.p.Step
	if m.busy != "" && !m.chipLooked {
		m.busy = msg.p.Step
	}
	if msg.p.Stage >= card.StageIdentity && !m.chipLooked && m.chip != nil && m.chip.Identity != nil {
		m.chipLooked = true
		c := m.chip.Identity.Citizen
		if m.chipSlot == "" {
			m.card, m.cardSource, m.qrWarnings = &c, "card", nil
		}
		mm, cmd := m.lookup(m.chipSlot, c.ID, &c, "card", true)
		return mm, tea.Batch(cmd, m.auditCardRead(c.ID), next)
	}
	return m, next
}

func (m Model) onChipDone(msg chipDoneMsg) (tea.Model, tea.Cmd) {
	if msg.seq != m.seq {
		return m, nil
	}
	m.chipCancel = nil
	if msg.res != nil {
		m.chip = msg.res
	}
	m.chipStep = ""
	if msg.err != nil {
		if !m.chipLooked {
			m.busy = ""
			m.screen = scrIdentify
			m.chip = nil
			m.setMessage("Không đọc được thẻ: "+card.Explain(msg.err), true)
			return m, nil
		}
		if m.chip != nil && m.chip.Decided() { // the checks were decided; the portrait is missing
			m.setMessage("Đã xác thực chip; chưa đọc được ảnh chân dung: "+card.Explain(msg.err), false)
			return m, nil
		}
		m.setMessage("Chưa xác thực xong chip: "+card.Explain(msg.err)+" Nhấn F2 để đọc lại.", true)
		return m, nil
	}
	if m.chip != nil && m.chip.Verdict() == card.Failed {
		who := "Thẻ"
		if m.chipSlot != "" && m.form != nil {
			who = "Thẻ của " + strings.ToLower(m.form.slotLabel(m.chipSlot))
		}
		m.setMessage(who+" KHÔNG vượt qua xác thực chip: dữ liệu chip có thể bị sửa hoặc thẻ bị sao chép. Không dùng thẻ này để tiếp nhận.", true)
	} else if m.chip != nil {
		if ok, notice := m.chip.Receivable(); ok && notice != "" {
			m.setMessage(notice, false)
		}
	}
	return m, nil
}

// watchReaders follows the PC/SC readers when the station can.
func (m Model) watchReaders() tea.Cmd {
	w, ok := m.opt.Reader.(watcher)
	if !ok {
		return nil
	}
	ch := w.Watch(context.Background())
	return waitReader(ch)
}

func waitReader(ch <-chan card.ReaderEvent) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return nil
		}
		return readerEventMsg{ev: ev, ch: ch}
	}
}

func (m Model) onReaderEvent(msg readerEventMsg) (tea.Model, tea.Cmd) {
	prev := m.readers
	m.readers = &msg.ev
	next := waitReader(msg.ch)
	// a card just laid on the reader while the clerk waits with the number typed: read it
	if m.screen == scrIdentify && m.busy == "" && cardPresent(msg.ev) && (prev == nil || !cardPresent(*prev)) {
		if k, ok := m.typedKey(); ok {
			mm, cmd := m.startChipRead("", k)
			return mm, tea.Batch(cmd, next)
		}
		m.setMessage("Đã có thẻ trên đầu đọc: gõ 6 số cuối của số định danh in trên thẻ rồi nhấn F2.", false)
	}
	return m, next
}

func cardPresent(ev card.ReaderEvent) bool {
	for _, r := range ev.Readers {
		if r.CardPresent {
			return true
		}
	}
	return false
}

// readerStatus is the status-bar part about the card reader.
func (m Model) readerStatus(dot func(bool, string) string) string {
	name := m.opt.Reader.Name()
	if m.readers == nil {
		return dot(true, "Đầu đọc: "+name)
	}
	switch {
	case m.readers.Err != nil:
		return dot(false, "Đầu đọc: lỗi dịch vụ PC/SC")
	case len(m.readers.Readers) == 0:
		return dot(false, "Đầu đọc: chưa cắm")
	case cardPresent(*m.readers):
		return dot(true, "Đầu đọc: có thẻ")
	}
	return dot(true, "Đầu đọc: sẵn sàng, chưa có thẻ")
}

// viewChip renders what the chip gave and where its checks stand.
func (m Model) viewChip() string {
	r := m.chip
	if r == nil {
		return ""
	}
	var b strings.Builder
	if id := r.Identity; id != nil && (m.screen == scrIdentify) {
		b.WriteString(m.st.Subtitle.Render("Thông tin đọc từ chip") + "  " + m.chipVerdict() + "\n")
		b.WriteString(m.field("Họ, chữ đệm và tên", id.FullName) + "\n")
		b.WriteString(m.field("Số định danh", id.ID) + "\n")
		b.WriteString(m.field("Ngày sinh", id.BirthDate.String()) + "\n")
		b.WriteString(m.field("Nơi cư trú (trên thẻ)", id.CardAddress) + "\n")
	}
	b.WriteString(m.chipChecks())
	return b.String()
}

func (m Model) chipVerdict() string {
	switch v := m.chip.Verdict(); v {
	case card.Passed:
		return m.st.OK.Render("✓ Chip đã xác thực")
	case card.ChipNotProven:
		return m.st.Warn.Render("! Dữ liệu đúng chữ ký, chưa chứng minh được chip gốc: đối chiếu ảnh chân dung")
	case card.Untrusted:
		return m.st.Warn.Render("! Chữ ký hợp lệ, chưa có chứng thư CSCA")
	case card.Failed:
		return m.st.Error.Render("✗ CHIP KHÔNG XÁC THỰC ĐƯỢC")
	case card.Interrupted:
		return m.st.Warn.Render("! Chưa xác thực xong")
	default:
		return m.st.Muted.Render("… đang xác thực")
	}
}

// chipChecks is one line per check, then the notes of those that did not pass.
func (m Model) chipChecks() string {
	r := m.chip
	state := func(s card.State) string {
		switch s {
		case card.Passed:
			return m.st.OK.Render(s.Label())
		case card.Failed:
			return m.st.Error.Render(s.Label())
		case card.Untrusted, card.Interrupted, card.ChipNotProven:
			return m.st.Warn.Render(s.Label())
		}
		return m.st.Muted.Render(s.Label())
	}
	face := m.st.Muted.Render("đang đọc")
	switch {
	case r.Face != nil:
		face = m.st.OK.Render(fmt.Sprintf("%s, %d KB", r.Face.Format, (len(r.Face.Data)+512)/1024))
	case r.Verdict() == card.Interrupted, r.FaceNote != "":
		face = m.st.Warn.Render("chưa đọc")
	case r.Verdict() != card.Pending && m.chipStep == "":
		face = m.st.Muted.Render("không có")
	}
	line := fmt.Sprintf("Chip (%s): chữ ký số %s · chống sao chép %s · xác thực chip %s · ảnh %s",
		r.Access, state(r.Passive), state(r.Active), state(r.Chip), face)
	out := line + "\n"
	for _, n := range []string{r.PassiveNote, r.ActiveNote, r.ChipNote, r.MRZNote, r.IdentityNote, r.FaceNote} {
		if n != "" {
			out += m.st.Warn.Render("  "+n) + "\n"
		}
	}
	if r.Verdict() == card.Interrupted && m.chipStep == "" {
		out += m.st.Warn.Render("  Chưa xác thực xong chip (thẻ rời đầu đọc hoặc quá thời gian): đặt lại thẻ và nhấn F2 để đọc lại.") + "\n"
	}
	return out
}
