package counter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"motcua/forms"
	"motcua/lookups"
	"motcua/lookups/vntext"
	"motcua/offline"
	"motcua/printing"
)

// Dossier states in the store (the index holds no personal data).
const (
	StateFinalized = string(forms.StatusFinalized)
	StateQueued    = string(forms.StatusQueued)
	StateSubmitted = string(forms.StatusSubmitted)
	StateRejected  = string(forms.StatusRejected)
)

// ActionLink ties the reception look-ups of a citizen to the dossier code.
const ActionLink = "link"

// Outcome is what became of a received dossier.
type Outcome struct {
	Dossier     *forms.Dossier
	Submitted   bool
	SubmitErr   error // why it is kept locally (queued or rejected) instead
	ReceiptPath string
	PrintErr    error // the receipt is kept in the store even when printing failed
	// Where the configuration prints Mẫu 06 with every receipt (Config.ControlSheet),
	// ControlSheetPath is where the control sheet of a new reception went (as ReceiptPath) or
	// ControlSheetErr why not (as PrintErr: a failure waits in the print queue). Both empty:
	// not printed (not configured, a duplicate, or a reception kept without printing).
	ControlSheetPath string
	ControlSheetErr  error
	Warnings         []string // Vietnamese notes for the clerk (e.g. an estimated appointment)
	// Duplicate: ReceiveOptions.Key was received before; Dossier is that first dossier
	// (as stored now) and nothing was saved, sent or printed this time.
	Duplicate bool
}

// Receive turns a complete declaration into a dossier: it assigns the
// dossier code, saves the dossier and puts it in the outbox in one unit of
// work (so a code is never given twice and a saved dossier is never lost nor
// left unsent), then sends it at once through the outbox (see Drain) and
// prints the receipt. Failures after the save do not undo the reception: a
// dossier not sent now stays in the outbox for the sync worker.
func (s *Service) Receive(ctx context.Context, decl *forms.Declaration, op Operator, receptionIDs []string, draftID string) (Outcome, error) {
	return s.ReceiveWith(ctx, decl, op, receptionIDs, draftID, ReceiveOptions{})
}

// ReceiveOptions adapt a reception to scripted runs.
type ReceiveOptions struct {
	// ReceivedAt is the original reception of a backlog (paper) dossier:
	// the dossier and its appointments count from it; zero means now. The
	// code is still of the day it is entered.
	ReceivedAt time.Time
	// NoPrint keeps the receipt (for reprints and a batch's combined PDF)
	// without sending it to the printer.
	NoPrint bool
	// Officer is the receiving officer printed on the receipt (default: the operator).
	Officer string
	// Key makes a scripted reception idempotent: the dossier's code is recorded
	// under Key in the unit of work that saves it, and a reception with a key
	// already recorded saves nothing and returns the first dossier
	// (Outcome.Duplicate), however the first run ended. Fingerprint, when set,
	// stands for what was received under Key (a hash of the input): the same
	// key with another fingerprint is refused with ErrKeyReused.
	Key, Fingerprint string
}

// ErrReceivedInFuture says a backlog dossier's original reception cannot be later than now.
var ErrReceivedInFuture = errors.New("counter: original reception time is in the future")

// ErrKeyReused says an idempotency key already received another declaration.
var ErrKeyReused = errors.New("counter: idempotency key already used for another declaration")

// keyRun is the checkpoint run (offline.Tx.Done) of idempotency keys.
const keyRun = "receive-key/v1"

// MaxKeyLen bounds an idempotency key.
const MaxKeyLen = 200

// ErrBadKey reports an idempotency key that is empty after trimming, too long, or has control characters.
var ErrBadKey = errors.New("counter: invalid idempotency key")

func checkKey(key string) error {
	if key == "" || len(key) > MaxKeyLen || strings.ContainsFunc(key, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("%w (1 to %d bytes, no control characters)", ErrBadKey, MaxKeyLen)
	}
	return nil
}

// keyRecord is what the checkpoint holds for a key: the code, and the fingerprint.
func keyRecord(code, fingerprint string) string { return code + "\n" + fingerprint }

// receivedKey reads the record of key: the code ("" when not received) or ErrKeyReused.
func receivedKey(tx *offline.Tx, key, fingerprint string) (string, error) {
	v, done, err := tx.Done(keyRun, key)
	if err != nil || !done {
		return "", err
	}
	code, fp, _ := strings.Cut(v, "\n")
	if fingerprint != "" && fp != "" && fp != fingerprint {
		return code, fmt.Errorf("%w: %s", ErrKeyReused, code)
	}
	return code, nil
}

// Resume is, for a scripted caller rerun with the idempotency key
// opts.Key, the reception made earlier under that key: ok is false when the
// key was never received. It finishes what the first run may not have done
// (killed after the save): the dossier is sent if it still waits, and the
// receipt rendered and printed if none was kept. It needs no look-up, so a
// rerun gets its code back even with the gateway down. ErrKeyReused when the
// key received a declaration with another fingerprint.
func (s *Service) Resume(ctx context.Context, op Operator, opts ReceiveOptions) (out Outcome, ok bool, err error) {
	if err := s.Allow(op, ActReceive); err != nil {
		return Outcome{}, false, err
	}
	if err := checkKey(opts.Key); err != nil {
		return Outcome{}, false, err
	}
	var code string
	if err := s.store.View(func(tx *offline.Tx) (err error) { code, err = receivedKey(tx, opts.Key, opts.Fingerprint); return err }); err != nil || code == "" {
		return Outcome{}, false, err
	}
	out, err = s.finishEarlier(ctx, code, op, opts)
	return out, err == nil, err
}

// finishEarlier completes the reception of code received earlier under a key. What the
// first run was to print and did not (still pending in the print queue: killed before it
// printed) is printed now, once: a document it printed has left the queue, one that failed
// waits there to print by itself.
func (s *Service) finishEarlier(ctx context.Context, code string, op Operator, opts ReceiveOptions) (Outcome, error) {
	d, err := s.storedDossier(code)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Dossier: d, Duplicate: true, Submitted: d.Status == forms.StatusSubmitted}
	if d.Status == forms.StatusFinalized || d.Status == forms.StatusQueued {
		out.Submitted, out.SubmitErr = s.sendNow(ctx, d)
	}
	_, err = s.store.GetReceipt(code)
	missing := errors.Is(err, offline.ErrNotFound)
	switch {
	case !opts.NoPrint && s.ownPrint(offline.PrintReceipt, code, opts):
		out.ReceiptPath, out.PrintErr = s.printReceipt(ctx, d, op, opts)
	case missing: // kept for reprints (a retry printing it keeps its own)
		no := opts
		no.NoPrint = true
		_, out.PrintErr = s.printReceipt(ctx, d, op, no)
		fallthrough
	case !opts.NoPrint:
		out.ReceiptPath = s.printedElsewhere(offline.PrintReceipt, code)
	}
	if !opts.NoPrint && s.ownPrint(offline.PrintControlSheet, code, opts) {
		out.ControlSheetPath, out.ControlSheetErr = s.printControlSheet(ctx, op, code)
	}
	return out, nil
}

func (s *Service) storedDossier(code string) (*forms.Dossier, error) {
	blob, _, err := s.store.GetDossier(code)
	if err != nil {
		return nil, err
	}
	var d forms.Dossier
	if err := json.Unmarshal(blob, &d); err != nil {
		return nil, fmt.Errorf("counter: stored dossier %s: %w", code, err)
	}
	return &d, nil
}

// ReceiveWith is Receive with options (backlog entry, batch receipts).
func (s *Service) ReceiveWith(ctx context.Context, decl *forms.Declaration, op Operator, receptionIDs []string, draftID string, opts ReceiveOptions) (Outcome, error) {
	operator := op.ID
	if operator == "" {
		return Outcome{}, errors.New("counter: receive without operator")
	}
	if err := s.Allow(op, ActReceive); err != nil {
		return Outcome{}, err
	}
	if opts.Key != "" {
		if err := checkKey(opts.Key); err != nil {
			return Outcome{}, err
		}
	}
	if probs := decl.Validate(); len(probs) > 0 {
		return Outcome{}, &forms.ValidationError{Problems: probs}
	}
	now := s.clock()
	received := now
	if !opts.ReceivedAt.IsZero() {
		if opts.ReceivedAt.After(now) {
			return Outcome{}, ErrReceivedInFuture
		}
		received = opts.ReceivedAt.In(now.Location())
	}
	var r receivedTx
	err := s.store.Update(func(tx *offline.Tx) error {
		return s.receiveInTx(tx, decl, op, receptionIDs, draftID, opts, now, received, &r)
	})
	if err != nil {
		return Outcome{}, err
	}
	if r.earlier != "" {
		return s.finishEarlier(ctx, r.earlier, op, opts)
	}
	d := r.d
	out := Outcome{Dossier: d}
	if r.warning != "" {
		out.Warnings = append(out.Warnings, r.warning)
	}
	out.Submitted, out.SubmitErr = s.sendNow(ctx, d)
	if opts.NoPrint || s.ownPrint(offline.PrintReceipt, d.Code, opts) {
		out.ReceiptPath, out.PrintErr = s.printReceipt(ctx, d, op, opts)
	} else {
		out.ReceiptPath = s.printedElsewhere(offline.PrintReceipt, d.Code)
	}
	out.ControlSheetPath, out.ControlSheetErr = s.receptionControlSheet(ctx, op, d.Code, opts)
	return out, nil
}

// receptionControlSheet prints Mẫu 06 of a dossier just received, with its receipt, where
// the configuration says the counter's dossiers go on paper between desks (Config.ControlSheet)
// and the receipt goes to the printer (not opts.NoPrint). It is part of the reception (the
// right to receive covers it, as it covers the receipt's print); a failure waits in the print
// queue like the receipt's. A duplicate reception does not come here: it prints only what its
// first run left pending (finishEarlier).
func (s *Service) receptionControlSheet(ctx context.Context, op Operator, code string, opts ReceiveOptions) (string, error) {
	if !s.cfg.ControlSheet || opts.NoPrint {
		return "", nil
	}
	if !s.ownPrint(offline.PrintControlSheet, code, opts) {
		return s.printedElsewhere(offline.PrintControlSheet, code), nil
	}
	return s.printControlSheet(ctx, op, code)
}

// receptionPrints are the kinds of the documents a reception prints (but with NoPrint): the
// receipt, and the control sheet where Config.ControlSheet says so.
func (s *Service) receptionPrints() []string {
	if s.cfg.ControlSheet {
		return []string{offline.PrintReceipt, offline.PrintControlSheet}
	}
	return []string{offline.PrintReceipt}
}

// receivedTx is what one reception wrote in its unit of work.
type receivedTx struct {
	d       *forms.Dossier
	warning string // about the appointment
	earlier string // the key was received before (nothing was written): that dossier's code
}

// receiveInTx is the unit of work of a reception, inside tx: the idempotency key checked,
// the code, the dossier with its appointments, its life, the outbox entry, the key, the
// draft, the links of the look-ups. Receive runs it alone, ReceiveGroup for each row of a
// group in one transaction.
func (s *Service) receiveInTx(tx *offline.Tx, decl *forms.Declaration, op Operator, receptionIDs []string, draftID string,
	opts ReceiveOptions, now, received time.Time, r *receivedTx) error {
	*r = receivedTx{}
	operator := op.ID
	if opts.Key != "" {
		var err error
		if r.earlier, err = receivedKey(tx, opts.Key, opts.Fingerprint); err != nil || r.earlier != "" {
			return err // received before: nothing is written
		}
	}
	code, err := tx.NextDossierCode(s.cfg.Agency.Code, s.cfg.Counter, now)
	if err != nil {
		return err
	}
	d, err := forms.Finalize(decl, forms.FinalizeInput{
		Code: code, Agency: s.cfg.Agency.Code, Counter: fmt.Sprintf("%02d", s.cfg.Counter),
		Operator: operator, ReceivedAt: received,
	})
	if err != nil {
		return err
	}
	for i := range d.Procedures {
		d.Procedures[i].Agency = s.handler(d.Procedures[i].Agency)
	}
	// each procedure of a bundle has its own processing time and appointment
	err = d.SetAppointments(func(p forms.ProcedureRecord) (time.Time, error) {
		due, w, err := s.Appointment(p.ProcessingDays, received)
		if w != "" {
			r.warning = w
		}
		return due, err
	})
	if err != nil {
		return fmt.Errorf("counter: appointment: %w", err)
	}
	if err := s.putDossier(tx, d); err != nil {
		return err
	}
	// its life starts with the reception (workflow: life.go)
	if err := s.putLifeWith(tx, s.newLife(d, op), s.receptionFacts(d, !opts.ReceivedAt.IsZero())); err != nil {
		return err
	}
	// The outbox entry commits with the dossier: once the clerk is told
	// "received", the dossier reaches the gateway sooner or later, always
	// under this idempotency key.
	if err := tx.Enqueue(code, d.IdempotencyKey); err != nil {
		return err
	}
	// the caller's key commits with the dossier: a rerun finds it, however this run ends,
	// with what this run is to print, pending until it printed (finishEarlier)
	if opts.Key != "" {
		if err := tx.MarkDone(keyRun, opts.Key, keyRecord(code, opts.Fingerprint)); err != nil {
			return err
		}
		if !opts.NoPrint {
			for _, kind := range s.receptionPrints() {
				if err := tx.PrintPending(kind, code, pendingClaim); err != nil {
					return err
				}
			}
		}
	}
	if draftID != "" {
		if err := tx.DeleteDraft(draftID); err != nil {
			return err
		}
		// a declaration kept by a supplement slip (Mẫu 02) came back and was received
		if _, err := tx.ResumeSlips(draftID, code, now); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, id := range receptionIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		if err := tx.LogAccess(offline.AccessEntry{Operator: operator, Purpose: lookups.PurposeReception,
			Action: ActionLink, Subject: s.store.SubjectRef(id), DossierCode: code, Outcome: "ok"}); err != nil {
			return err
		}
	}
	r.d = d
	return nil
}

func (s *Service) putDossier(tx *offline.Tx, d *forms.Dossier) error {
	blob, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("counter: encode dossier: %w", err)
	}
	return tx.PutDossier(offline.DossierInfo{Code: d.Code, State: string(d.Status), Service: d.ServiceID,
		ReceivedAt: d.ReceivedAt, UpdatedAt: s.clock(), Fees: feeFacts(d), FeesRecorded: true}, blob)
}

// Receipt builds the receipt content of a dossier; officer is the receiving
// officer's name as printed.
func (s *Service) Receipt(d *forms.Dossier, officer string) printing.Receipt {
	a := s.cfg.Agency
	loc := s.clock().Location() // every time printed in the counter's time zone
	r := printing.Receipt{
		ParentAgency: a.Parent, Agency: a.Name, AgencyAddress: a.Address, Place: a.Place,
		DossierCode: d.Code, Officer: officer,
		CitizenName: d.Subject.FullName, CitizenID: d.Subject.ID,
		ReceivedAt: d.ReceivedAt.In(loc), ResultPlace: a.ResultPlace,
	}
	// The receipt names who handed the dossier in: the requester when the
	// declaration has one (a parent registering a birth, a relative
	// registering a death), else the person the dossier is about.
	if app, ok := applicant(d); ok && app.ID != d.Subject.ID {
		r.CitizenName, r.CitizenID = app.FullName, app.ID
		if d.Subject.FullName != "" {
			r.Notes = append(r.Notes, "Người được giải quyết thủ tục: "+d.Subject.FullName+".")
		}
	}
	if spec, ok := s.spec(d.ServiceID); ok {
		r.Phone = fieldValue(d, spec.Subject.Phone)
		r.Address = fieldValue(d, spec.Subject.Residence)
	}
	for _, p := range d.Procedures {
		r.Procedures = append(r.Procedures, printing.Procedure{Name: p.Name, Appointment: p.Appointment.In(loc), Handler: p.Agency})
	}
	for _, doc := range d.Documents {
		r.Documents = append(r.Documents, printing.Document{Name: doc.Name, Original: doc.Original, Count: doc.Count,
			Electronic: doc.Electronic, Source: doc.Source})
	}
	r.Fees = receiptFees(d)
	if rs := d.ResidenceSource; rs != nil {
		r.ResidenceFrom, r.ResidenceAt = rs.Source, rs.At.In(loc)
		if rs.Origin == forms.SourceCache {
			r.Notes = append(r.Notes, "Dữ liệu cư trú lấy từ bản lưu tạm của lần tra cứu trước (mất kết nối lúc tiếp nhận).")
		}
	}
	return r
}

// applicant is the person who hands the dossier in: the slot named
// "requester" when filled, else the first filled slot (the citizen the
// counter identified).
func applicant(d *forms.Dossier) (forms.PersonRecord, bool) {
	for _, p := range d.Persons {
		if p.Slot == "requester" && p.ID != "" {
			return p, true
		}
	}
	for _, p := range d.Persons {
		if p.ID != "" {
			return p, true
		}
	}
	return forms.PersonRecord{}, false
}

func fieldValue(d *forms.Dossier, id string) string {
	if id == "" {
		return ""
	}
	for _, f := range d.Fields {
		if f.ID == id {
			if f.Text != "" {
				return f.Text
			}
			return f.Value
		}
	}
	return ""
}

func (s *Service) spec(id string) (*forms.Spec, bool) {
	for _, sp := range s.specs() {
		if sp.ID == id {
			return sp, true
		}
	}
	return nil, false
}

// printReceipt renders the receipt, keeps it in the store (for reprint) and
// sends it to the printer.
func (s *Service) printReceipt(ctx context.Context, d *forms.Dossier, op Operator, opts ReceiveOptions) (string, error) {
	rcpt := s.Receipt(d, officerOf(op, opts))
	pdf, err := printing.RenderPDFBytes(rcpt, printing.Options{Size: s.cfg.PaperSize})
	if err != nil {
		return "", fmt.Errorf("counter: render receipt: %w", err)
	}
	if err := s.store.Update(func(tx *offline.Tx) error { return tx.PutReceipt(d.Code, pdf) }); err != nil {
		return "", fmt.Errorf("counter: keep receipt: %w", err)
	}
	if opts.NoPrint {
		return "", nil // kept for reprints and the caller's combined document
	}
	return s.printKept(ctx, d, op, rcpt, pdf)
}

// officerOf is the receiving officer printed on a receipt: the options', else the operator's name.
func officerOf(op Operator, opts ReceiveOptions) string {
	switch {
	case opts.Officer != "":
		return opts.Officer
	case op.Name != "":
		return op.Name
	}
	return op.ID
}

// printKept sends a kept receipt to the printer; a failure queues it (printDoc, RetryPrints).
func (s *Service) printKept(ctx context.Context, d *forms.Dossier, op Operator, rcpt printing.Receipt, pdf []byte) (string, error) {
	e := printEntry(offline.PrintReceipt, d.Code)
	e.Operator, e.Outcome = op.ID, "ok"
	return s.printDoc(ctx, offline.PrintReceipt, d.Code, printing.Job{PDF: pdf, Receipt: &rcpt}, e)
}

// handler names the agency that settles a procedure: the spec says "Ủy ban
// nhân dân cấp xã" or "Công an cấp xã", the dossier and the receipt name this
// ward's (from the configuration); other agencies stay as the spec says.
func (s *Service) handler(generic string) string {
	a := s.cfg.Agency
	switch {
	case strings.HasPrefix(generic, "Ủy ban nhân dân cấp xã") && a.Place != "":
		return "Ủy ban nhân dân " + lowerFirst(a.Place)
	case strings.HasPrefix(generic, "Công an cấp xã") && a.Police != "":
		return a.Police
	}
	return generic
}

// lowerFirst writes a unit's kind in lower case inside a sentence ("Phường
// Ba Đình" -> "phường Ba Đình").
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// receptionFacts are how d was received, for the reports (Đề án 06): where the applicant's
// residence came from, how the applicant was identified, whether a record came from the cache
// while the link was down, and when the visit's first identification was (backlog: a dossier
// entered later from paper, whose counter time is not measured).
func (s *Service) receptionFacts(d *forms.Dossier, backlog bool) *offline.ReceptionFacts {
	f := &offline.ReceptionFacts{Backlog: backlog}
	if rs := d.ResidenceSource; rs != nil && rs.Origin == offline.ResidenceCache {
		f.Cached = true
	}
	for _, p := range d.Persons {
		if p.Origin == offline.ResidenceCache {
			f.Cached = true
		}
		if !backlog && !p.At.IsZero() && (f.IdentifiedAt.IsZero() || p.At.Before(f.IdentifiedAt)) {
			f.IdentifiedAt = p.At
		}
	}
	if app, ok := applicant(d); ok {
		switch app.Source {
		case forms.SourceCard:
			f.Identity = offline.IdentitySigned // a chip read whose proof is not recorded proved the data at least
			if app.Proof == forms.ProofChip {
				f.Identity = offline.IdentityChip
			}
		case forms.SourceQR:
			f.Identity = offline.IdentityQR
		default:
			f.Identity = offline.IdentityTyped
		}
	}
	// the residence: the applicant's residence field's source; a service without one counts the
	// database record the dossier used, if any
	field := ""
	if spec, ok := s.spec(d.ServiceID); ok {
		field = spec.Subject.Residence
	}
	var src lookups.ValueSource
	var at time.Time
	for _, v := range d.Fields {
		if field == "" || (v.ID != field && !strings.HasPrefix(v.ID, field+".")) {
			continue
		}
		switch v.Source {
		case forms.SourceClerk:
			src, at = offline.ResidenceTyped, v.At
		case forms.SourceDatabase, forms.SourceCache:
			if src == "" {
				src, at = offline.ResidenceDatabase, v.At
				if v.Source == forms.SourceCache {
					src = offline.ResidenceCache
				}
			}
		case forms.SourceCard, forms.SourceQR:
			if src == "" {
				src, at = offline.ResidenceCard, v.At
			}
		}
	}
	if src == "" && d.ResidenceSource != nil {
		src = offline.ResidenceDatabase
		if d.ResidenceSource.Origin == offline.ResidenceCache {
			src = offline.ResidenceCache
		}
	}
	if (src == offline.ResidenceDatabase || src == offline.ResidenceCache) && d.ResidenceSource != nil {
		at = d.ResidenceSource.At
	}
	f.Residence, f.ResidenceAt = src, at
	for _, doc := range d.Documents {
		if ResidencePaper(doc.Name) {
			f.PaperResidence = true
		}
	}
	return f
}

// ResidencePaper reports whether a document's name is a residence paper a citizen may not be
// asked for (NĐ 104/2022): the residence confirmation (CT07), the residence notice (CT08), the
// old household and temporary-residence books.
func ResidencePaper(name string) bool {
	n := vntext.SearchKey(name)
	for _, w := range []string{"ct07", "ct08", "ct 07", "ct 08", "xac nhan thong tin ve cu tru", "thong bao ve cu tru", "so ho khau", "so tam tru"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}
