package counter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/offline"
)

// The clerk's work on a received dossier: its status (local, brought up to date from the
// gateway when the link answers), and the steps of its life the counter records — a supplement
// asked for (Mẫu 02) or received, an apology with a new appointment (Mẫu 04), a stop
// (Mẫu 05), a withdrawal. Each step is one unit of work (record) and its event goes upstream
// through the event queue; each returns the form it prints. docs/WORKFLOW.md.

// StepOptions tune a recorded step.
type StepOptions struct {
	// Key makes the step idempotent like ReceiveOptions.Key: the same step under the same key
	// returns the first (LifeOutcome.Duplicate); another step under it is ErrKeyReused. Without
	// a key one is derived from what the step is (one hand-over per dossier, one apology per
	// new appointment...), so a double key press or a rerun records nothing twice.
	Key string
	// NoSend leaves the event in the queue for the sync worker instead of trying it at once.
	NoSend bool
}

// DossierView is a dossier as the status screen, the results desk and `dossier status` show it.
type DossierView struct {
	Life *lifecycle.Life
	// Submission is the dossier's submission state ("" for a dossier received at another
	// counter): finalized, queued, submitted, rejected.
	Submission forms.Status
	// Pending are this dossier's events not yet acknowledged by the gateway (queued, or set
	// aside when refused: see their State and Message).
	Pending []offline.EventEntry
	// Fresh: the gateway answered now and its news are in Life; otherwise Life is what this
	// machine knows (the link is down: Offline, with the reason in LinkErr).
	Fresh   bool
	Offline bool
	LinkErr error
	// Timeliness is "early", "on_time", "late" or "" (lifecycle.TimelinessLabel); Collectors who
	// may collect the result.
	Timeliness string
	Collectors []Collector
}

// Collector is someone who may collect a dossier's result.
type Collector struct {
	Relation string `json:"relation"` // lifecycle.ReceiverRequester (or authorised: anyone with a paper)
	Name     string `json:"name"`
	ID       string `json:"id,omitempty"`
}

// ErrNoDossier says neither this machine nor the gateway knows the dossier code.
var ErrNoDossier = errors.New("counter: no such dossier")

// DossierStatus returns a dossier's stage, procedures, results and history. With refresh it
// first asks the gateway (a short wait; offline, the local data is shown and said so); a
// dossier received at another counter is then kept here too, so that its result can be
// handed over. The access is logged.
func (s *Service) DossierStatus(ctx context.Context, op Operator, code string, refresh bool) (*DossierView, error) {
	if err := s.Allow(op, ActDossierStatus); err != nil {
		return nil, err
	}
	if !validDossierCode(code) {
		return nil, fmt.Errorf("%w: %q", ErrBadCode, clipCode(code))
	}
	v := &DossierView{}
	if refresh {
		rctx, cancel := context.WithTimeout(ctx, 8*time.Second)
		_, err := s.refresh(rctx, code, lookups.CallMeta{Operator: s.actorID(op), Purpose: gateway.PurposeFollow, DossierCode: code})
		cancel()
		switch {
		case err == nil:
			v.Fresh = true
		case errors.Is(err, lookups.ErrNotFound):
			// the gateway does not know it (not sent yet): the local data
		default:
			v.Offline, v.LinkErr = offlineError(err) || errors.Is(err, gateway.ErrCanceled), err
			if !v.Offline {
				s.log.Warn("dossier status not refreshed", "code", code, "err", err)
			}
		}
	}
	err := s.store.Update(func(tx *offline.Tx) error {
		l, err := s.readLife(tx, code)
		if errors.Is(err, offline.ErrNotFound) {
			return fmt.Errorf("%w: %s", ErrNoDossier, code)
		}
		if err != nil {
			return err
		}
		v.Life = l
		if blob, _, err := tx.GetDossier(code); err == nil {
			var d forms.Dossier
			if json.Unmarshal(blob, &d) == nil {
				v.Submission = d.Status
			}
		}
		evs, err := tx.ListEvents(offline.OutboxPending, offline.OutboxSending, offline.OutboxRejected)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if e.Code == code {
				v.Pending = append(v.Pending, e)
			}
		}
		return tx.LogAccess(offline.AccessEntry{Operator: s.actorID(op), Purpose: lookups.PurposeDossier, Action: offline.ActionView,
			DossierCode: code, Outcome: "ok", Detail: "status"})
	})
	if err != nil {
		return nil, err
	}
	v.Timeliness = v.Life.Timeliness(s.clock(), s.loc())
	if a := v.Life.Applicant; a.Name != "" || a.ID != "" {
		v.Collectors = []Collector{{Relation: lifecycle.ReceiverRequester, Name: a.Name, ID: a.ID}}
	}
	return v, nil
}

// ErrBadCode reports a string that is not a dossier code (<agency>-<YYMMDD>-<6 digits>).
var ErrBadCode = errors.New("counter: not a dossier code")

// validDossierCode reports a dossier code's shape: an agency code (letters, digits, dots),
// a date YYMMDD and a sequence of 4 to 8 digits.
func validDossierCode(code string) bool {
	parts := strings.Split(code, "-")
	if len(parts) != 3 || !offline.ValidAgencyCode(parts[0]) || len(parts[1]) != 6 || len(parts[2]) < 4 || len(parts[2]) > 8 {
		return false
	}
	for _, p := range parts[1:] {
		for _, r := range p {
			if r < '0' || r > '9' {
				return false
			}
		}
	}
	return true
}

// clipCode is a hostile code shortened and stripped for a log or message.
func clipCode(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// after records a step and, unless told not to, tries its event at once.
func (s *Service) after(ctx context.Context, op Operator, code string, a lifeAction, opt StepOptions) (LifeOutcome, error) {
	a.key = opt.Key
	out, err := s.record(op, code, a)
	if err != nil || out.Duplicate || opt.NoSend {
		return out, err
	}
	out.Sent, out.SendErr = s.sendEventsNow(ctx, code)
	return out, nil
}

// SupplementOutcome is a supplement asked for during processing, with its slip (Mẫu 02).
type SupplementOutcome struct {
	LifeOutcome
	Slip forms.SupplementSlip
}

// RequestSupplement records that the dossier must be completed (a procedure's, or every
// pending one's when procedure is ""): what is missing or wrong, with guidance; the slip is
// handed to the citizen.
func (s *Service) RequestSupplement(ctx context.Context, op Operator, code, procedure string, items []lifecycle.SupplementItem, note string, opt StepOptions) (SupplementOutcome, error) {
	out, err := s.after(ctx, op, code, lifeAction{act: ActSupplement, change: lifecycle.Change{Event: lifecycle.EventSupplementRequested,
		Procedure: procedure, Items: cleanItems(items), Reason: clean(note)}}, opt)
	if err != nil {
		return SupplementOutcome{}, err
	}
	return SupplementOutcome{LifeOutcome: out, Slip: s.SupplementSlipOf(out.Life, out.Step, officerName(op))}, nil
}

// SupplementReceived records that the citizen brought what was asked for.
func (s *Service) SupplementReceived(ctx context.Context, op Operator, code, procedure, note string, opt StepOptions) (LifeOutcome, error) {
	return s.after(ctx, op, code, lifeAction{act: ActSupplement, change: lifecycle.Change{Event: lifecycle.EventSupplementReceived,
		Procedure: procedure, Reason: clean(note)}}, opt)
}

// ApologyOutcome is an apology with a new appointment, with its letter (Mẫu 04).
type ApologyOutcome struct {
	LifeOutcome
	Letter forms.ApologyLetter
}

// Extend records an apology and a new appointment (of a procedure, or of every pending one).
func (s *Service) Extend(ctx context.Context, op Operator, code, procedure string, newAppointment time.Time, reason string, opt StepOptions) (ApologyOutcome, error) {
	out, err := s.after(ctx, op, code, lifeAction{act: ActExtend, change: lifecycle.Change{Event: lifecycle.EventExtended,
		Procedure: procedure, Appointment: newAppointment.In(s.loc()), Reason: clean(reason)}}, opt)
	if err != nil {
		return ApologyOutcome{}, err
	}
	return ApologyOutcome{LifeOutcome: out, Letter: s.ApologyLetterOf(out.Life, out.Step, officerName(op))}, nil
}

// NewAppointment is the appointment days working days after the dossier's appointment given
// at reception (or after today, once that is past), with the working-day calendar, at the
// counter's return hour: what Extend is given when the clerk says "N more days". Counting
// from the first appointment, a rerun finds the same day (and the same step); a second
// apology names its day.
func (s *Service) NewAppointment(op Operator, code string, days int) (time.Time, error) {
	if err := s.Allow(op, ActExtend); err != nil {
		return time.Time{}, err
	}
	if days < 1 || days > 365 {
		return time.Time{}, fmt.Errorf("counter: %d working days: want 1 to 365", days)
	}
	var l *lifecycle.Life
	if err := s.store.View(func(tx *offline.Tx) (err error) { l, err = s.readLife(tx, code); return err }); err != nil {
		return time.Time{}, err
	}
	from := lookups.DateOf(l.Due.In(s.loc()))
	if today := lookups.DateOf(s.clock().In(s.loc())); from.Before(today) {
		from = today // a dossier already late counts from today
	}
	d, err := s.calendar.AddWorkingDays(from, days)
	if err != nil { // a calendar that does not reach so far says so (calendar.RangeError, Vietnamese)
		return time.Time{}, err
	}
	return d.Time(s.loc()).Add(time.Duration(s.cfg.ReturnHour) * time.Hour), nil
}

// StopOutcome is a stop, with its notice (Mẫu 05).
type StopOutcome struct {
	LifeOutcome
	Notice forms.StopNotice
}

// Stop records that handling stops (a procedure, or every pending one), with the reason.
func (s *Service) Stop(ctx context.Context, op Operator, code, procedure, reason string, opt StepOptions) (StopOutcome, error) {
	out, err := s.after(ctx, op, code, lifeAction{act: ActStop, change: lifecycle.Change{Event: lifecycle.EventStopped,
		Procedure: procedure, Reason: clean(reason)}}, opt)
	if err != nil {
		return StopOutcome{}, err
	}
	return StopOutcome{LifeOutcome: out, Notice: s.StopNoticeOf(out.Life, out.Step, officerName(op))}, nil
}

// Withdraw records that the citizen withdrew the dossier.
func (s *Service) Withdraw(ctx context.Context, op Operator, code, reason string, opt StepOptions) (LifeOutcome, error) {
	return s.after(ctx, op, code, lifeAction{act: ActWithdraw, change: lifecycle.Change{Event: lifecycle.EventWithdrawn, Reason: clean(reason)}}, opt)
}

func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

func cleanItems(items []lifecycle.SupplementItem) []lifecycle.SupplementItem {
	out := make([]lifecycle.SupplementItem, 0, len(items))
	for _, it := range items {
		it = lifecycle.SupplementItem{Document: clean(it.Document), Problem: clean(it.Problem), Guidance: clean(it.Guidance)}
		if it != (lifecycle.SupplementItem{}) {
			out = append(out, it)
		}
	}
	return out
}

func officerName(op Operator) string {
	if op.Name != "" {
		return op.Name
	}
	return op.ID
}

// header is the top of a form dated at.
func (s *Service) header(at time.Time) forms.FormHeader {
	a := s.cfg.Agency
	return forms.FormHeader{ParentAgency: a.Parent, Agency: a.Name, AgencyAddress: a.Address, Place: a.Place, Date: at.In(s.loc())}
}

// procedureNames are the names of the procedures a step moved (every one when none).
func procedureNames(l *lifecycle.Life, st lifecycle.Step) []string {
	var out []string
	for _, p := range l.Procedures {
		if len(st.Procedures) == 0 || containsID(st.Procedures, p.ID) {
			out = append(out, p.Name)
		}
	}
	return out
}

func containsID(ids []string, id string) bool { return slices.Contains(ids, id) }

// handlers are the agencies of the procedures a step moved.
func handlers(l *lifecycle.Life, st lifecycle.Step) string {
	var out []string
	for _, p := range l.Procedures {
		if (len(st.Procedures) == 0 || containsID(st.Procedures, p.ID)) && !containsID(out, p.Agency) {
			out = append(out, p.Agency)
		}
	}
	return strings.Join(out, "; ")
}

// SupplementSlipOf is Mẫu 02 for a supplement step of a received dossier.
func (s *Service) SupplementSlipOf(l *lifecycle.Life, st lifecycle.Step, officer string) forms.SupplementSlip {
	return forms.SupplementSlip{FormHeader: s.header(st.At), DossierCode: l.Code, QR: l.Code, Citizen: l.Applicant,
		ServiceName: l.ServiceName, Items: st.Items, Note: st.Reason, Contact: s.cfg.Agency.ResultPlace, Officer: officer}
}

// ApologyLetterOf is Mẫu 04 for an apology step.
func (s *Service) ApologyLetterOf(l *lifecycle.Life, st lifecycle.Step, officer string) forms.ApologyLetter {
	missed := l.Due
	if len(st.Procedures) == 1 {
		if p, ok := l.Procedure(st.Procedures[0]); ok {
			missed = p.Due
		}
	}
	return forms.ApologyLetter{FormHeader: s.header(st.At), DossierCode: l.Code, Citizen: l.Applicant, ServiceName: l.ServiceName,
		Procedures: procedureNames(l, st), ReceivedAt: l.ReceivedAt.In(s.loc()), Appointment: missed.In(s.loc()),
		NewAppointment: st.Appointment.In(s.loc()), Reason: st.Reason, Handler: handlers(l, st), Officer: officer}
}

// StopNoticeOf is Mẫu 05 for a stop step.
func (s *Service) StopNoticeOf(l *lifecycle.Life, st lifecycle.Step, officer string) forms.StopNotice {
	return forms.StopNotice{FormHeader: s.header(st.At), DossierCode: l.Code, Citizen: l.Applicant, ServiceName: l.ServiceName,
		Procedures: procedureNames(l, st), ReceivedAt: l.ReceivedAt.In(s.loc()), Reason: st.Reason, Handler: handlers(l, st), Officer: officer}
}

// ControlSheet is Mẫu 06 of a dossier, brought up to date from its history: the hand-overs
// between the counter, the handling agencies and the citizen.
func (s *Service) ControlSheet(op Operator, code string) (forms.ControlSheet, error) {
	if err := s.Allow(op, ActDossierStatus); err != nil {
		return forms.ControlSheet{}, err
	}
	var l *lifecycle.Life
	if err := s.store.View(func(tx *offline.Tx) (err error) { l, err = s.readLife(tx, code); return err }); err != nil {
		return forms.ControlSheet{}, err
	}
	return s.controlSheet(l), nil
}

func (s *Service) controlSheet(l *lifecycle.Life) forms.ControlSheet {
	desk := "Bộ phận Tiếp nhận và Trả kết quả"
	cs := forms.ControlSheet{FormHeader: s.header(l.ReceivedAt), DossierCode: l.Code, Citizen: l.Applicant, ServiceName: l.ServiceName,
		ReceivedAt: l.ReceivedAt.In(s.loc()), Appointment: l.Appointment.In(s.loc())}
	for _, p := range l.Procedures {
		if !containsID(cs.Handlers, p.Agency) {
			cs.Handlers = append(cs.Handlers, p.Agency)
		}
	}
	now := s.clock()
	for _, st := range l.History {
		row := forms.ControlRow{At: st.At.In(s.loc())}
		switch st.Event {
		case lifecycle.EventStarted:
			row.From, row.To = desk, handlers(l, st)
		case lifecycle.EventResultReady:
			row.From, row.To = handlers(l, st), desk
			for _, id := range st.Procedures {
				if p, ok := l.Procedure(id); ok {
					row.Result = lifecycle.TimelinessLabel(p.Timeliness(now, s.loc()))
				}
			}
		case lifecycle.EventReturned:
			row.From, row.To = desk, "Công dân"
			if st.Receiver != nil && st.Receiver.Relation == lifecycle.ReceiverAuthorised {
				row.To = "Người được ủy quyền"
			}
			row.Result = lifecycle.TimelinessLabel(l.Timeliness(now, s.loc()))
		case lifecycle.EventSupplementRequested:
			row.From, row.To, row.Note = handlers(l, st), "Công dân", "Yêu cầu bổ sung, hoàn thiện hồ sơ"
		case lifecycle.EventSupplementReceived:
			row.From, row.To, row.Note = "Công dân", desk, "Nhận hồ sơ bổ sung"
		case lifecycle.EventExtended:
			row.From, row.To, row.Note = handlers(l, st), "Công dân", "Xin lỗi, hẹn lại ngày "+st.Appointment.In(s.loc()).Format("02/01/2006")
		case lifecycle.EventStopped:
			row.From, row.To, row.Note = handlers(l, st), "Công dân", "Dừng giải quyết: "+st.Reason
		case lifecycle.EventWithdrawn:
			row.From, row.To, row.Note = "Công dân", desk, "Rút hồ sơ"
		default:
			continue
		}
		cs.Rows = append(cs.Rows, row)
	}
	return cs
}
