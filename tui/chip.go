package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"motcua/forms"
	"motcua/lookups/card"
	"motcua/tui/portrait"
)

// chipState is the chip read of the visit.
type chipState struct {
	res     *card.Result // the latest snapshot of the read
	step    string       // Vietnamese step being done
	looked  bool         // the look-up for the chip's identity has started
	slot    string       // the person slot the read fills ("" = the citizen served)
	cancel  context.CancelFunc
	readers *card.ReaderEvent // last reader state (PC/SC stations)
}

// receivable is the counter's policy for the card read (card.Result.Receivable):
// whether a dossier may be received with its data, and what to tell the clerk.
func (c chipState) receivable() (bool, string) {
	if c.res == nil {
		return true, ""
	}
	return c.res.Receivable()
}

// chipProgressMsg is one step of a chip read; ch delivers the next.
type chipProgressMsg struct {
	seq int
	p   card.Progress
	ch  <-chan tea.Msg
}

// chipDoneMsg ends a chip read; face is the portrait prepared from the
// chip's DG2 (decoded in the command, never in Update).
type chipDoneMsg struct {
	seq  int
	res  *card.Result
	err  error
	face *portrait.Portrait
}

// readerEventMsg is a change of the PC/SC readers; ch delivers the next.
type readerEventMsg struct {
	ev card.ReaderEvent
	ch <-chan card.ReaderEvent
}

// startChipRead reads the card on the station (virtualID names the virtual
// card tapped in the demo). The reading goroutine starts inside the returned
// command; progress arrives as messages: the identity is looked up as soon as
// DG13 is read, while the checks go on.
func (d *desk) startChipRead(virtualID string, k card.Key) tea.Cmd {
	if d.v.slotTarget == "" {
		d.f.seq++
		d.v.card, d.v.cardSource, d.v.resident = nil, "", nil
	}
	if d.v.chip.cancel != nil {
		d.v.chip.cancel()
	}
	timeout := d.f.opt.CardTimeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	d.v.chip = chipState{step: "Đang mở khóa chip…", slot: d.v.slotTarget, cancel: cancel, readers: d.v.chip.readers}
	seq, st := d.f.seq, d.f.opt.Reader
	d.f.screen = scrIdentify
	if d.v.slotTarget == receiverSlot { // the results desk's receiver
		d.f.screen = scrResults
	}
	d.f.busy = "Đang đọc chip trên thẻ… (giữ yên thẻ trên đầu đọc)"
	d.f.clear()
	start := func() tea.Msg {
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
			done := chipDoneMsg{seq: seq, res: res, err: err}
			if res != nil && res.Face != nil {
				done.face = portrait.New(res.Face.Format, res.Face.Data)
			}
			ch <- done
		}()
		return waitChip(ch)()
	}
	return tea.Batch(start, d.f.spinTick())
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

func (d *desk) onChipProgress(msg chipProgressMsg) tea.Cmd {
	next := waitChip(msg.ch)
	if msg.seq != d.f.seq {
		return next // a read for someone else: drain it
	}
	c := &d.v.chip
	c.res, c.step = msg.p.Result, msg.p.Step
	if d.f.busy != "" && !c.looked {
		d.f.busy = msg.p.Step
	}
	if msg.p.Stage >= card.StageIdentity && !c.looked && c.res != nil && c.res.Identity != nil {
		c.looked = true
		cit := c.res.Identity.Citizen
		if c.slot == receiverSlot { // the results desk's receiver: no look-up
			return tea.Batch(d.results.onCard(cit), d.auditCardRead(cit.ID), next)
		}
		if c.slot == "" {
			d.v.card, d.v.cardSource, d.v.qrWarnings = &cit, forms.SourceCard, nil
		}
		return tea.Batch(d.lookup(c.slot, cit.ID, &cit, forms.SourceCard, true), d.auditCardRead(cit.ID), next)
	}
	return next
}

func (d *desk) onChipDone(msg chipDoneMsg) tea.Cmd {
	if msg.seq != d.f.seq {
		return nil
	}
	c := &d.v.chip
	c.cancel = nil
	if msg.res != nil {
		c.res = msg.res
	}
	c.step = ""
	var face tea.Cmd
	if msg.face != nil && c.slot == "" {
		d.f.pm, face = d.f.pm.SetPortrait(msg.face)
	}
	if msg.err != nil {
		if !c.looked {
			d.f.busy = ""
			d.f.screen = scrIdentify
			if c.slot == receiverSlot {
				d.f.screen = scrResults
			}
			c.res = nil
			d.f.fail("Không đọc được thẻ: " + card.Explain(msg.err))
			return face
		}
		if c.res != nil && c.res.Decided() { // the checks were decided; the portrait is missing
			d.f.say("Đã xác thực chip; chưa đọc được ảnh chân dung: " + card.Explain(msg.err))
			return face
		}
		d.f.fail("Chưa xác thực xong chip: " + card.Explain(msg.err) + " Nhấn F2 để đọc lại.")
		return face
	}
	if c.res != nil && c.res.Verdict() == card.Failed {
		who := "Thẻ"
		if c.slot != "" && d.v.intake != nil {
			who = "Thẻ của " + strings.ToLower(d.v.intake.Label(c.slot))
		}
		d.f.fail(who + " KHÔNG vượt qua xác thực chip: dữ liệu chip có thể bị sửa hoặc thẻ bị sao chép. Không dùng thẻ này để tiếp nhận.")
	} else if ok, notice := c.receivable(); ok && notice != "" {
		d.f.say(notice)
	}
	return face
}

// auditCardRead records the card read in the access log.
func (d *desk) auditCardRead(id string) tea.Cmd {
	b, op := d.f.be, d.f.op
	return func() tea.Msg {
		b.CardRead(op, id)
		return nil
	}
}

// watchReaders follows the PC/SC readers (when the program was given a watch).
func watchReaders(watch func(context.Context) <-chan card.ReaderEvent) tea.Cmd {
	if watch == nil {
		return nil
	}
	return func() tea.Msg {
		return waitReader(watch(context.Background()))()
	}
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

// onReaderEvent: a card just laid on the reader while the clerk waits with
// the number typed is read at once.
func (d *desk) onReaderEvent(msg readerEventMsg, typed string) tea.Cmd {
	prev := d.v.chip.readers
	d.v.chip.readers = &msg.ev
	next := waitReader(msg.ch)
	if d.f.screen == scrIdentify && d.f.busy == "" && cardPresent(msg.ev) && (prev == nil || !cardPresent(*prev)) {
		if k, ok := card.KeyFromDigits(strings.TrimSpace(typed)); ok {
			return tea.Batch(d.startChipRead("", k), next)
		}
		d.f.say("Đã có thẻ trên đầu đọc: gõ 6 số cuối của số định danh in trên thẻ rồi nhấn F2.")
	}
	return next
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
func readerStatus(f *frame, readers *card.ReaderEvent, dot func(bool, string) string) string {
	if f.opt.Reader == nil {
		return dot(false, "Đầu đọc: không có")
	}
	name := f.opt.Reader.Name()
	switch {
	case readers == nil:
		return dot(true, "Đầu đọc: "+name)
	case readers.Err != nil:
		return dot(false, "Đầu đọc: lỗi dịch vụ PC/SC")
	case len(readers.Readers) == 0:
		return dot(false, "Đầu đọc: chưa cắm")
	case cardPresent(*readers):
		return dot(true, "Đầu đọc: có thẻ")
	}
	return dot(true, "Đầu đọc: sẵn sàng, chưa có thẻ")
}

// chipPanel renders what the chip gave (on the identification screen) and
// where its checks stand.
func chipPanel(f *frame, c chipState, withIdentity bool) string {
	r := c.res
	if r == nil {
		return ""
	}
	var b strings.Builder
	if id := r.Identity; id != nil && withIdentity {
		b.WriteString(f.st.Subtitle.Render("Thông tin đọc từ chip") + "  " + chipVerdict(f, r) + "\n")
		b.WriteString(field(f, "Họ, chữ đệm và tên", show(id.FullName)) + "\n")
		b.WriteString(field(f, "Số định danh", show(id.ID)) + "\n")
		b.WriteString(field(f, "Ngày sinh", id.BirthDate.String()) + "\n")
		b.WriteString(field(f, "Nơi cư trú (trên thẻ)", show(id.CardAddress)) + "\n")
	}
	b.WriteString(chipChecks(f, c))
	return b.String()
}

func chipVerdict(f *frame, r *card.Result) string {
	switch r.Verdict() {
	case card.Passed:
		return f.st.OK.Render("✓ Chip đã xác thực")
	case card.ChipNotProven:
		return f.st.Warn.Render("! Dữ liệu đúng chữ ký, chưa chứng minh được chip gốc: đối chiếu ảnh chân dung")
	case card.Untrusted:
		return f.st.Warn.Render("! Chữ ký hợp lệ, chưa có chứng thư CSCA")
	case card.Failed:
		return f.st.Error.Render("✗ CHIP KHÔNG XÁC THỰC ĐƯỢC")
	case card.Interrupted:
		return f.st.Warn.Render("! Chưa xác thực xong")
	default:
		return f.st.Muted.Render("… đang xác thực")
	}
}

// chipChecks is one line per check, then the notes of those that did not pass.
func chipChecks(f *frame, c chipState) string {
	r := c.res
	state := func(s card.State) string {
		switch s {
		case card.Passed:
			return f.st.OK.Render(s.Label())
		case card.Failed:
			return f.st.Error.Render(s.Label())
		case card.Untrusted, card.Interrupted, card.ChipNotProven:
			return f.st.Warn.Render(s.Label())
		}
		return f.st.Muted.Render(s.Label())
	}
	face := f.st.Muted.Render("đang đọc")
	switch {
	case r.Face != nil:
		face = f.st.OK.Render(fmt.Sprintf("%s, %d KB", r.Face.Format, (len(r.Face.Data)+512)/1024))
	case r.Verdict() == card.Interrupted, r.FaceNote != "":
		face = f.st.Warn.Render("chưa đọc")
	case r.Verdict() != card.Pending && c.step == "":
		face = f.st.Muted.Render("không có")
	}
	out := fmt.Sprintf("Chip (%s): chữ ký số %s · chống sao chép %s · xác thực chip %s · ảnh %s\n",
		r.Access, state(r.Passive), state(r.Active), state(r.Chip), face)
	for _, n := range []string{r.PassiveNote, r.ActiveNote, r.ChipNote, r.MRZNote, r.IdentityNote, r.FaceNote} {
		if n != "" {
			out += f.st.Warn.Render("  "+n) + "\n"
		}
	}
	if r.Verdict() == card.Interrupted && c.step == "" {
		out += f.st.Warn.Render("  Chưa xác thực xong chip (thẻ rời đầu đọc hoặc quá thời gian): đặt lại thẻ và nhấn F2 để đọc lại.") + "\n"
	}
	return out
}

// field is a label and a value on one line.
func field(f *frame, label, value string) string {
	return f.st.Label.Render(fmt.Sprintf("%-22s", label)) + " " + f.st.Value.Render(value)
}
