package tui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"motcua/forms"
	"motcua/internal/counter"
	"motcua/lookups"
	"motcua/lookups/card"
	"motcua/lookups/pid"
	"motcua/lookups/qr"
)

// desk is the counter's flow for the citizen served: identification (typed
// ID, QR code, chip), look-ups, the declaration's intake, drafts, reception.
// Screens call its methods; it starts the commands and takes their answers.
// It holds the visit; reset clears it for the next citizen.
type desk struct {
	f *frame
	v visit
	// the screens it drives
	form    *formScreen
	results *resultsScreen
}

// visit is everything about the citizen served; reset empties it.
type visit struct {
	card       *lookups.Citizen    // what the chip or the QR code gave
	cardSource lookups.ValueSource // forms.SourceCard, SourceQR, or "" for a typed ID
	qrWarnings []string
	qrTrusted  bool // the QR scan's letters came through intact (qr.Card.LettersTrusted)
	resident   *lookups.Resident
	origin     lookups.Origin
	looked     []string // IDs looked up before the service was chosen
	// identifiedAt is the visit's first identification (its look-up's answer): the start of
	// the time at the counter the reports measure
	identifiedAt time.Time

	chip chipState

	intake     *counter.Intake // the declaration being filled
	slotTarget string          // the person slot the identify screen fills ("" = the citizen served)
	draftID    string
	saving     bool // a draft save is running
	draftDirty bool // changed since the save that runs
	outcome    *counter.Outcome
	// the reception's other outcomes (outcome.go)
	afterSave tea.Cmd // a slip or the reception waits for the draft save that runs
	fromSlip  string  // the supplement slip the declaration was brought back with
	control   string  // where the control sheet (Mẫu 06) was printed
}

func newDesk(f *frame) *desk { return &desk{f: f} }

// reset clears everything about the citizen served, for the next one.
func (d *desk) reset() tea.Cmd {
	d.f.seq++
	if d.v.chip.cancel != nil {
		d.v.chip.cancel()
	}
	readers := d.v.chip.readers
	d.v = visit{}
	d.v.chip.readers = readers
	d.form.close()
	d.f.clear()
	d.f.screen = scrIdentify
	var cmd tea.Cmd
	d.f.pm, cmd = d.f.pm.SetPortrait(nil)
	return cmd
}

// person is the citizen served as a slot filler.
func (d *desk) person() forms.PersonData {
	at := d.v.identifiedAt
	if at.IsZero() {
		at = d.f.now()
	}
	p := forms.PersonData{Card: d.v.card, CardSource: d.v.cardSource, Resident: d.v.resident, Origin: d.v.origin, At: at,
		LettersTrusted: d.v.cardSource == forms.SourceQR && d.v.qrTrusted}
	if p.Card == nil {
		p.CardSource = forms.SourceTyped
	}
	return p
}

// ---- identification ----------------------------------------------------

// identify handles what was typed or scanned: a card QR line or an ID number.
func (d *desk) identify(text string) tea.Cmd {
	text = strings.TrimSpace(text)
	if text == "" {
		d.f.fail("Hãy quét mã QR trên thẻ, chạm thẻ (F2) hoặc gõ số định danh.")
		return nil
	}
	if d.v.slotTarget == "" {
		d.f.seq++
		d.v.card, d.v.cardSource, d.v.qrWarnings = nil, "", nil
	}
	if codeLine(text) { // a slip's or receipt's QR line, not a card's
		return d.codeLine(text)
	}
	if qr.LooksLikeQR(text) || strings.Contains(text, "|") {
		c, err := qr.Parse(text)
		if err != nil {
			d.f.fail(qrMessage(err))
			return nil
		}
		cit := c.Citizen
		if d.v.slotTarget == "" {
			d.v.card, d.v.cardSource, d.v.qrWarnings, d.v.qrTrusted = &cit, forms.SourceQR, c.Warnings, c.LettersTrusted
		}
		return d.lookup(d.v.slotTarget, cit.ID, &cit, forms.SourceQR, c.LettersTrusted)
	}
	id := strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' || r == '-' {
			return -1
		}
		return r
	}, text)
	if err := pid.Validate(id, lookups.Date{}, ""); err != nil {
		d.f.fail(pidMessage(err))
		return nil
	}
	return d.lookup(d.v.slotTarget, id, nil, forms.SourceTyped, false)
}

// qrMessage says what is wrong with a QR line and what to do: scan again,
// or type the ID (said once).
func qrMessage(err error) string {
	msg := "Mã QR không đọc được: dữ liệu không đúng định dạng."
	var e *qr.Error
	if errors.As(err, &e) && e.Message != "" {
		msg = strings.TrimSpace(e.Message)
		if !strings.HasPrefix(msg, "Mã QR") {
			msg = "Mã QR không đọc được: " + msg
		}
	}
	msg = strings.TrimSpace(strings.TrimSuffix(msg, "Hãy quét lại."))
	if strings.Contains(msg, "Hãy quét lại") || strings.Contains(msg, "gõ số định danh") {
		return msg
	}
	return msg + " Hãy quét lại hoặc gõ số định danh."
}

func pidMessage(err error) string {
	var e *pid.Error
	if errors.As(err, &e) && len(e.Problems) > 0 {
		parts := make([]string, len(e.Problems))
		for i, p := range e.Problems {
			parts[i] = p.Message
		}
		return strings.Join(parts, " ")
	}
	return "Số định danh không hợp lệ."
}

// lookup asks the population database about id, for the citizen served
// (slot "") or a person slot of the declaration; trusted says that a QR
// scan's letters came through intact.
func (d *desk) lookup(slot, id string, card *lookups.Citizen, source lookups.ValueSource, trusted bool) tea.Cmd {
	if d.v.intake != nil {
		d.v.intake.NoteLookup(id)
	} else {
		d.v.looked = append(d.v.looked, id)
	}
	b, seq := d.f.be, d.f.seq
	meta := lookups.CallMeta{Operator: d.f.op.ID, Purpose: lookups.PurposeReception}
	return d.f.io("Đang tra cứu Cơ sở dữ liệu quốc gia về dân cư…", 15*time.Second, func(ctx context.Context) tea.Msg {
		res, origin, err := b.Lookup(ctx, id, meta)
		return lookupMsg{seq: seq, slot: slot, id: id, card: card, source: source, trusted: trusted, resident: res, origin: origin, err: err}
	})
}

func (d *desk) onLookup(msg lookupMsg) tea.Cmd {
	if !d.f.settle(msg.seq) {
		return nil
	}
	if msg.slot != "" {
		return d.onSlotLookup(msg)
	}
	if msg.err != nil {
		d.f.screen = scrIdentify
		d.f.fail(d.f.explain(msg.err))
		return nil
	}
	d.v.resident, d.v.origin = msg.resident, msg.origin
	if d.v.identifiedAt.IsZero() {
		d.v.identifiedAt = d.f.now()
	}
	d.f.screen = scrResident
	d.f.clear()
	return nil
}

// onSlotLookup fills a person slot with the look-up's answer.
func (d *desk) onSlotLookup(msg lookupMsg) tea.Cmd {
	in := d.v.intake
	if in == nil {
		return nil
	}
	derived := d.v.slotTarget != msg.slot // a household head or spouse looked up by itself
	label := in.Label(msg.slot)
	if msg.err != nil && (msg.card == nil || !errors.Is(msg.err, lookups.ErrNotFound) || d.slotVerified(msg.slot)) {
		if derived {
			d.f.fail("Không tra cứu được " + strings.ToLower(label) + ": " + d.f.explain(msg.err))
		} else {
			d.f.fail(d.f.explain(msg.err))
		}
		return nil
	}
	data := forms.PersonData{Card: msg.card, CardSource: msg.source, Resident: msg.resident, Origin: msg.origin, At: d.f.now(),
		LettersTrusted: msg.source == forms.SourceQR && msg.trusted}
	if err := in.Fill(msg.slot, data); err != nil {
		d.f.fail("Không điền được " + strings.ToLower(label) + ": " + d.f.explain(err))
		return nil
	}
	d.form.refresh()
	if !derived {
		d.v.slotTarget = ""
		d.f.screen = scrForm
	}
	cmds := []tea.Cmd{d.nextLookup(), d.form.afterSlot(msg.slot), d.saveDraft()}
	if !derived {
		d.f.say(label + ": đã điền từ " + sourceWords(data))
	}
	return tea.Batch(cmds...)
}

func sourceWords(p forms.PersonData) string {
	s := "số định danh gõ tay"
	switch {
	case p.Card != nil && p.CardSource == forms.SourceQR:
		s = "mã QR trên thẻ"
	case p.Card != nil:
		s = "chip trên thẻ"
	}
	if p.Resident != nil {
		s += " và CSDL dân cư"
	}
	return s
}

// slotVerified reports whether the slot's person must be found in the database.
func (d *desk) slotVerified(slot string) bool {
	for _, p := range d.v.intake.Spec().Persons() {
		if p.ID == slot {
			return p.Verify
		}
	}
	return false
}

// nextLookup looks up the next derived person (a household head, a spouse)
// whose ID the filled slots revealed.
func (d *desk) nextLookup() tea.Cmd {
	if d.v.intake == nil {
		return nil
	}
	for _, p := range d.v.intake.NextLookups() {
		// a look-up the clerk did not ask for: what the screen says stays
		notice, isErr := d.f.notice, d.f.noticeErr
		cmd := d.lookup(p.Slot, p.ID, nil, forms.SourceTyped, false)
		d.f.notice, d.f.noticeErr = notice, isErr
		return cmd
	}
	d.form.refresh()
	return nil
}

// fillSlot opens the identification prompt for a person slot.
func (d *desk) fillSlot(slot string) tea.Cmd {
	d.v.slotTarget = slot
	d.f.screen = scrIdentify
	d.f.clear()
	return nil
}

// cancelSlot returns to the declaration without filling the slot.
func (d *desk) cancelSlot() tea.Cmd {
	d.v.slotTarget = ""
	d.f.screen = scrForm
	d.f.clear()
	return d.form.load()
}

// assign fills slot with a person identified earlier in the visit: one key.
func (d *desk) assign(slot string, p forms.PersonData) tea.Cmd {
	in := d.v.intake
	if err := in.Fill(slot, p); err != nil {
		d.f.fail(d.f.explain(err))
		return nil
	}
	d.form.refresh()
	d.f.say(in.Label(slot) + ": " + p.FullName() + " (đã xác định trong lần phục vụ này)")
	return tea.Batch(d.nextLookup(), d.form.afterSlot(slot), d.saveDraft())
}

// ---- service and declaration -------------------------------------------

// chooseService moves from the resident panel to the service list, unless
// the citizen cannot be served with what was read.
func (d *desk) chooseService() tea.Cmd {
	r := d.v.resident
	switch {
	case r == nil:
		return nil
	case r.Deceased():
		d.f.fail("Công dân này đã được ghi nhận là đã mất: không tiếp nhận hồ sơ cho chính người này.")
		return nil
	case d.v.cardSource == forms.SourceCard && d.v.chip.res != nil:
		// the counter's policy for the card (card.Result.Receivable); while the
		// checks still run the clerk may go on: the reception waits for them
		if ok, notice := d.v.chip.receivable(); !ok && d.v.chip.res.Verdict() != card.Pending {
			d.f.fail(notice)
			return nil
		}
	}
	d.f.screen = scrServices
	d.f.clear()
	return nil
}

// openService opens the declaration of spec for the citizen served: the
// draft kept for the same citizen and service is resumed, otherwise a new
// declaration starts with the citizen in its first slot.
func (d *desk) openService(spec *forms.Spec) tea.Cmd {
	subject := ""
	if d.v.resident != nil {
		subject = d.v.resident.Citizen.ID
	} else if d.v.card != nil {
		subject = d.v.card.ID
	}
	b, seq := d.f.be, d.f.seq
	return d.f.io("Đang mở tờ khai…", 10*time.Second, func(ctx context.Context) tea.Msg {
		id, err := b.FindDraft(ctx, spec.ID, subject)
		return serviceOpenMsg{seq: seq, spec: spec, draftID: id, err: err}
	})
}

func (d *desk) onServiceOpen(msg serviceOpenMsg) tea.Cmd {
	if !d.f.settle(msg.seq) {
		return nil
	}
	if msg.err == nil && msg.draftID != "" {
		return d.resumeDraft(msg.draftID)
	}
	// a draft that cannot be searched for is no reason to refuse the service
	return d.startDeclaration(msg.spec)
}

func (d *desk) startDeclaration(spec *forms.Spec) tea.Cmd {
	decl := d.f.be.NewDeclaration(spec)
	in := counter.OpenIntake(decl, d.f.now)
	for _, id := range d.v.looked {
		in.NoteLookup(id)
	}
	if d.v.resident != nil || d.v.card != nil {
		in.Identified(d.person())
		if slot := in.PrimarySlot(); slot != "" {
			if err := in.Fill(slot, d.person()); err != nil {
				d.f.fail(d.f.explain(err))
				return nil
			}
		}
	}
	d.v.intake = in
	d.v.draftID = newDraftID()
	d.f.screen = scrForm
	d.f.clear()
	d.form.open(in)
	return tea.Batch(d.nextLookup(), d.form.focusFirstMissing(), d.saveDraft())
}

// leaveForm goes back to the service list; the draft is kept.
func (d *desk) leaveForm() tea.Cmd {
	d.f.screen = scrServices
	if d.v.intake != nil {
		d.f.say("Đã lưu bản nháp tờ khai " + d.v.intake.Spec().Name + ": F3 ở màn hình đầu để mở lại.")
	}
	return d.saveDraft()
}

// review checks the declaration; the first problem gets the cursor.
func (d *desk) review() tea.Cmd {
	if probs := d.v.intake.Declaration().Validate(); len(probs) > 0 {
		d.form.showProblems(probs)
		n := len(probs)
		if n == 1 {
			d.f.fail("Còn 1 ô chưa đúng hoặc còn thiếu; con trỏ đã chuyển tới ô đó.")
		} else {
			d.f.fail(fmt.Sprintf("Còn %d ô chưa đúng hoặc còn thiếu; con trỏ đã chuyển tới ô đầu tiên.", n))
		}
		return d.form.focusPath(probs[0].FieldID)
	}
	d.f.screen = scrReview
	d.f.clear()
	return d.saveDraft()
}

// ---- drafts ------------------------------------------------------------

func newDraftID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// saveDraft saves the declaration (sealed, in the store) after a step; one
// save runs at a time, a change during it is saved right after. The blob is
// made here, so the command never touches the declaration Update changes.
func (d *desk) saveDraft() tea.Cmd {
	if d.v.intake == nil || d.v.draftID == "" {
		return nil
	}
	if d.v.saving {
		d.v.draftDirty = true
		return nil
	}
	d.v.saving, d.v.draftDirty = true, false
	save, err := d.draftSave()
	b, op, seq := d.f.be, d.f.op, d.f.seq
	return func() tea.Msg {
		if err != nil {
			return draftSavedMsg{seq: seq, err: err}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return draftSavedMsg{seq: seq, err: b.SaveDraft(ctx, save, op)}
	}
}

// draftSave is the declaration as its draft, made on Update's goroutine.
func (d *desk) draftSave() (counter.DraftSave, error) {
	decl := d.v.intake.Declaration()
	save := counter.DraftSave{ID: d.v.draftID, Service: decl.Spec().ID, Step: d.form.step()}
	if slot := decl.Spec().Subject.Person; slot != "" {
		if p, ok := decl.Person(slot); ok {
			save.SubjectID = p.ID()
		}
	}
	var err error
	save.Blob, err = decl.MarshalDraft()
	return save, err
}

func (d *desk) onDraftSaved(msg draftSavedMsg) tea.Cmd {
	if msg.seq != d.f.seq {
		return nil
	}
	d.v.saving = false
	if msg.err != nil {
		d.f.fail("Chưa lưu được bản nháp: " + d.f.explain(msg.err))
	}
	if d.v.draftDirty {
		return d.saveDraft()
	}
	if cmd := d.v.afterSave; cmd != nil {
		d.v.afterSave = nil
		return cmd
	}
	return nil
}

func (d *desk) resumeDraft(id string) tea.Cmd {
	d.f.seq++
	b, seq := d.f.be, d.f.seq
	return d.f.io("Đang mở hồ sơ soạn dở…", 10*time.Second, func(ctx context.Context) tea.Msg {
		decl, err := b.LoadDraft(ctx, id)
		return draftLoadedMsg{seq: seq, id: id, decl: decl, err: err}
	})
}

func (d *desk) onDraftLoaded(msg draftLoadedMsg) tea.Cmd {
	if !d.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		d.f.screen = scrIdentify
		d.f.fail(d.f.explain(msg.err))
		return nil
	}
	in := counter.OpenIntake(msg.decl, d.f.now)
	d.v.intake, d.v.draftID = in, msg.id
	if subj := msg.decl.Spec().Subject.Person; subj != "" {
		if p, ok := msg.decl.Person(subj); ok {
			d.v.card, d.v.cardSource, d.v.resident, d.v.origin = p.Card, p.CardSource, p.Resident, p.Origin
		}
	}
	d.f.screen = scrForm
	d.form.open(in)
	d.f.say("Đã mở lại hồ sơ soạn dở: " + msg.decl.Spec().Name + ".")
	return d.form.focusFirstMissing()
}

// ---- reception -----------------------------------------------------------

func (d *desk) receive() tea.Cmd {
	if d.v.cardSource == forms.SourceCard && d.v.chip.res != nil {
		if ok, notice := d.v.chip.receivable(); !ok {
			d.f.fail(notice) // the chip's checks still run, or one failed since the service was chosen
			return nil
		}
	}
	// the reception works on a copy: the screen keeps drawing the original
	decl, err := d.v.intake.Declaration().Clone()
	if err != nil {
		d.f.fail(d.f.explain(err))
		return nil
	}
	d.noteProof(decl)
	b, op, seq, draft := d.f.be, d.f.op, d.f.seq, d.v.draftID
	looked := d.v.intake.LookedUp()
	cmd := d.f.io("Đang tiếp nhận hồ sơ và in giấy biên nhận…", 30*time.Second, func(ctx context.Context) tea.Msg {
		out, err := b.Receive(ctx, decl, op, looked, draft)
		return receivedMsg{seq: seq, outcome: out, err: err}
	})
	if d.v.saving {
		// the reception deletes the draft: a save still running would write it back after
		// it. The reception starts when the save answers, as a slip does; the keys wait.
		d.v.afterSave = cmd
		return nil
	}
	return cmd
}

func (d *desk) onReceived(msg receivedMsg) tea.Cmd {
	if !d.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		d.f.fail("Chưa tiếp nhận được hồ sơ: " + d.f.explain(msg.err))
		return nil
	}
	out := msg.outcome
	d.v.outcome = &out
	d.v.draftID = ""
	d.f.screen = scrReceipt
	// the use case printed Mẫu 06 with the receipt where the configuration says so
	d.v.control = out.ControlSheetPath
	return nil
}

// noteProof records in decl what the chip's checks proved for the slots the chip read fills
// (the reports' identity figures): decided by now, the reception waits for them.
func (d *desk) noteProof(decl *forms.Declaration) {
	r := d.v.chip.res
	if d.v.cardSource != forms.SourceCard || r == nil || d.v.card == nil {
		return
	}
	proof := forms.ProofChip
	switch r.Verdict() {
	case card.Passed:
	case card.ChipNotProven:
		proof = forms.ProofSigned
	default:
		return
	}
	for _, p := range decl.Spec().Persons() {
		if pd, ok := decl.Person(p.ID); ok && pd.Card != nil && pd.Card.ID == d.v.card.ID {
			decl.NoteProof(p.ID, proof)
		}
	}
}
