package tui

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"motcua/forms/lifecycle"
	"motcua/internal/counter"
)

// The reception's other two outcomes (issue 14): at the review the clerk
// receives (Mẫu 01, desk.receive), asks for a supplement (Mẫu 02: the
// declaration is kept, the slip's QR line brings it back on the
// identification screen) or refuses (Mẫu 03). Each is recorded by the counter
// use case (time, operator, access log, counts) and its slip printed through
// the receipt's printer; the slip screen says what was printed and where. The
// processing-control sheet (Mẫu 06) that goes with a paper dossier between
// desks is printed by the reception itself where the configuration says so
// (counter.Outcome.ControlSheetPath, shown on the receipt screen); k there
// prints it by hand.

// slipMadeMsg answers a supplement slip or a refusal: recorded (out), then
// printed (path) or not (printErr).
type slipMadeMsg struct {
	seq      int
	out      counter.SlipOutcome
	path     string
	printErr error
	err      error // not recorded
}

// slipPrintedMsg answers a slip printed again.
type slipPrintedMsg struct {
	seq  int
	path string
	err  error
}

// slipResumedMsg answers a slip's QR line scanned on the identification screen.
type slipResumedMsg struct {
	seq int
	res counter.ResumedSlip
	err error
}

// controlSheetMsg answers the printing of Mẫu 06.
type controlSheetMsg struct {
	seq  int
	path string
	err  error
}

// codeLine reports a line that is not a card's: a slip's or a receipt's QR
// line (the code, or a look-up URL), or something too long to be either an
// ID or a card's line. A card's QR line has '|' separators.
func codeLine(text string) bool {
	if strings.Contains(text, "|") {
		return false
	}
	lower := strings.ToLower(text)
	return strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") ||
		strings.Count(text, "-") >= 2 || utf8.RuneCountInString(text) >= maxInput
}

// codeLine handles a slip's QR line: it brings the kept declaration back.
// The line is hostile: the use case parses and checks it; here a line cut by
// the input's limit, or a receipt's, gets its own words.
func (d *desk) codeLine(text string) tea.Cmd {
	switch {
	case d.v.slotTarget != "":
		d.f.fail("Đang điền người trong tờ khai: hãy quét mã QR trên thẻ hoặc gõ số định danh của người này.")
		return nil
	case utf8.RuneCountInString(text) >= maxInput:
		d.f.fail("Dòng quét quá dài: không phải mã QR trên thẻ căn cước hay trên phiếu của quầy. Hãy quét lại hoặc gõ số định danh.")
		return nil
	}
	if code, err := counter.ParseReceiptQR(text); err == nil {
		d.f.fail("Đây là mã giấy biên nhận hồ sơ " + code + ", không phải phiếu yêu cầu bổ sung. Hồ sơ đã tiếp nhận: F4.")
		return nil
	}
	b, op, seq := d.f.be, d.f.op, d.f.seq
	return d.f.io("Đang mở tờ khai theo phiếu yêu cầu bổ sung…", 10*time.Second, func(ctx context.Context) tea.Msg {
		res, err := b.ResumeSlip(ctx, op, text)
		return slipResumedMsg{seq: seq, res: res, err: err}
	})
}

func (d *desk) onSlipResumed(msg slipResumedMsg) tea.Cmd {
	if !d.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		d.f.screen = scrIdentify
		d.f.fail(d.f.explain(msg.err))
		return nil
	}
	in := counter.OpenIntake(msg.res.Decl, d.f.now)
	d.v.intake, d.v.draftID, d.v.fromSlip = in, msg.res.DraftID, msg.res.Info.Code
	if subj := msg.res.Decl.Spec().Subject.Person; subj != "" {
		if p, ok := msg.res.Decl.Person(subj); ok {
			d.v.card, d.v.cardSource, d.v.resident, d.v.origin = p.Card, p.CardSource, p.Resident, p.Origin
		}
	}
	d.f.screen = scrForm
	d.form.open(in)
	d.f.say("Đã mở lại tờ khai theo phiếu " + show(msg.res.Info.Code) + ": bổ sung theo phiếu rồi F10 để xem lại và tiếp nhận.")
	return d.form.focusFirstMissing()
}

// slipCommand runs a slip's work after the draft save that runs (the use
// case reads the declaration from its draft): the command saves the draft
// itself first, so the slip is made from what the screen shows.
func (d *desk) slipCommand(label string, work func(ctx context.Context, b Backend, op Operator) (counter.SlipOutcome, error)) tea.Cmd {
	if d.v.intake == nil || d.v.draftID == "" {
		d.f.fail("Chưa có tờ khai để lập phiếu.")
		return nil
	}
	save, err := d.draftSave()
	if err != nil {
		d.f.fail(d.f.explain(err))
		return nil
	}
	b, op, seq := d.f.be, d.f.op, d.f.seq
	cmd := d.f.io(label, 30*time.Second, func(ctx context.Context) tea.Msg {
		if err := b.SaveDraft(ctx, save, op); err != nil {
			return slipMadeMsg{seq: seq, err: err}
		}
		out, err := work(ctx, b, op)
		if err != nil {
			return slipMadeMsg{seq: seq, err: err}
		}
		path, perr := b.PrintSlip(ctx, op, out.Info.Code)
		return slipMadeMsg{seq: seq, out: out, path: path, printErr: perr}
	})
	if d.v.saving {
		d.v.afterSave = cmd // the keys wait (the command is shown running)
		return nil
	}
	return cmd
}

// askSupplement records Mẫu 02 with items and prints it; the declaration is kept.
func (d *desk) askSupplement(items []lifecycle.SupplementItem) tea.Cmd {
	draft := d.v.draftID
	return d.slipCommand("Đang lập phiếu yêu cầu bổ sung và in…", func(ctx context.Context, b Backend, op Operator) (counter.SlipOutcome, error) {
		return b.AskSupplement(ctx, op, counter.SupplementRequest{DraftID: draft, Items: items})
	})
}

// refuse records Mẫu 03 for reason (and the note) and prints it; the
// declaration is not kept.
func (d *desk) refuse(reason, note string) tea.Cmd {
	draft := d.v.draftID
	return d.slipCommand("Đang lập phiếu từ chối và in…", func(ctx context.Context, b Backend, op Operator) (counter.SlipOutcome, error) {
		return b.Refuse(ctx, op, counter.RefusalRequest{DraftID: draft, Reasons: []string{reason}, Note: note})
	})
}

func (d *desk) onSlipMade(msg slipMadeMsg, s *slipScreen) tea.Cmd {
	if !d.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		d.f.fail("Chưa lập được phiếu: " + d.f.explain(msg.err))
		return nil
	}
	// the declaration is the slip's now: no more draft saves from this visit
	d.v.draftID = ""
	s.show(msg.out, msg.path, msg.printErr)
	d.f.screen = scrSlip
	return nil
}

// reprintSlip prints the slip shown again.
func (d *desk) reprintSlip(code string) tea.Cmd {
	b, op, seq := d.f.be, d.f.op, d.f.seq
	return d.f.io("Đang in lại phiếu…", 30*time.Second, func(ctx context.Context) tea.Msg {
		path, err := b.PrintSlip(ctx, op, code)
		return slipPrintedMsg{seq: seq, path: path, err: err}
	})
}

// printControlSheet prints Mẫu 06 of the dossier just received.
func (d *desk) printControlSheet() tea.Cmd {
	o := d.v.outcome
	if o == nil || o.Dossier == nil {
		return nil
	}
	b, op, seq, code := d.f.be, d.f.op, d.f.seq, o.Dossier.Code
	return d.f.io("Đang in phiếu kiểm soát quá trình giải quyết hồ sơ…", 30*time.Second, func(ctx context.Context) tea.Msg {
		path, err := b.PrintControlSheet(ctx, op, code)
		return controlSheetMsg{seq: seq, path: path, err: err}
	})
}

func (d *desk) onControlSheet(msg controlSheetMsg) tea.Cmd {
	if !d.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		d.f.fail("Phiếu kiểm soát " + printFailure(d.f, msg.err))
		return nil
	}
	d.v.control = msg.path
	d.f.say("Đã in phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 06): " + show(msg.path))
	return nil
}
