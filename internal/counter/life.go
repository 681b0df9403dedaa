package counter

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/offline"
)

// The dossier's life after reception (lifecycle.Life): kept sealed in the store with an unsealed
// index (offline.LifeInfo), changed only through record, which applies the state machine,
// writes the life, queues the event for the gateway, records the step under its idempotency
// key and logs the access, in one unit of work. docs/WORKFLOW.md describes the states.

// Actions written in the access log for the dossier's life.
const (
	ActionLife = "life" // a step of a dossier's life recorded (Detail: the event)
	ActionSlip = "slip" // a reception slip made (Detail: supplement or refusal)
	ActionBook = "book" // the dossier book exported (Detail: rows=<n>)
)

// lifeKeyRun is the checkpoint run (offline.Tx.Done) of the steps' idempotency keys.
const lifeKeyRun = "life-key/v1"

// where is the counter's place in a step: the agency's code and the counter's number.
func (s *Service) where() (agency, counter string) {
	return s.cfg.Agency.Code, fmt.Sprintf("%02d", s.cfg.Counter)
}

// applicantOf is who filed a dossier, as the forms print them.
func (s *Service) applicantOf(d *forms.Dossier) lifecycle.Applicant {
	var a lifecycle.Applicant
	if app, ok := applicant(d); ok {
		a.Name, a.ID = app.FullName, app.ID
	}
	if a.Name == "" {
		a.Name, a.ID = d.Subject.FullName, d.Subject.ID
	}
	if d.Subject.FullName != "" && d.Subject.ID != a.ID {
		a.Subject = d.Subject.FullName
	}
	if spec, ok := s.spec(d.ServiceID); ok {
		a.Phone = fieldValue(d, spec.Subject.Phone)
		a.Address = fieldValue(d, spec.Subject.Residence)
		if detail := fieldValue(d, spec.Subject.Residence+".detail"); detail != "" && !strings.Contains(a.Address, detail) {
			a.Address = strings.TrimSpace(detail + ", " + a.Address)
		}
	}
	return a
}

// newLife starts the life of a dossier received here.
func (s *Service) newLife(d *forms.Dossier, op Operator) *lifecycle.Life {
	agency, counter := s.where()
	in := lifeStart(d)
	in.Channel, in.Applicant, in.By, in.Agency, in.Counter = lifecycle.ChannelInPerson, s.applicantOf(d), s.actorID(op), agency, counter
	return lifecycle.NewLife(in)
}

// lifeStart is the start of a received dossier's life (who and where are the caller's).
func lifeStart(d *forms.Dossier) lifecycle.Start {
	in := lifecycle.Start{Code: d.Code, Service: d.ServiceID, ServiceName: d.ServiceName, ReceivedAt: d.ReceivedAt}
	for _, p := range d.Procedures {
		in.Procedures = append(in.Procedures, lifecycle.Procedure{ID: p.ID, Name: p.Name, Agency: p.Agency, Appointment: p.Appointment})
	}
	return in
}

// lifeInfo is the unsealed index entry of a life.
func (s *Service) lifeInfo(l *lifecycle.Life) offline.LifeInfo {
	info := offline.LifeInfo{Code: l.Code, Stage: string(l.Stage), Service: l.Service, Counter: l.Counter, Channel: string(l.Channel),
		ReceivedAt: l.ReceivedAt, Due: l.Due, Appointment: l.Appointment, ResultAt: l.ResultAt, ReturnedAt: l.ReturnedAt,
		Extended: l.Extended()}
	info.Late = !l.ResultAt.IsZero() && l.Timeliness(l.ResultAt, s.loc()) == lifecycle.TimelyLate
	return info
}

func (s *Service) putLife(tx *offline.Tx, l *lifecycle.Life) error {
	blob, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("counter: encode life of %s: %w", l.Code, err)
	}
	return tx.PutLife(s.lifeInfo(l), blob)
}

// readLife reads the life of a dossier; one received before lives were kept starts from its
// dossier (received, its procedures due at their appointments). ErrNotFound when neither is here.
func (s *Service) readLife(tx *offline.Tx, code string) (*lifecycle.Life, error) {
	blob, _, err := tx.GetLife(code)
	if err == nil {
		var l lifecycle.Life
		if err := json.Unmarshal(blob, &l); err != nil {
			return nil, fmt.Errorf("counter: stored life of %s: %w", code, err)
		}
		return &l, nil
	}
	if !errors.Is(err, offline.ErrNotFound) {
		return nil, err
	}
	dblob, _, err := tx.GetDossier(code)
	if err != nil {
		return nil, err
	}
	var d forms.Dossier
	if err := json.Unmarshal(dblob, &d); err != nil {
		return nil, fmt.Errorf("counter: stored dossier %s: %w", code, err)
	}
	agency := d.Agency
	if agency == "" {
		agency, _ = s.where()
	}
	in := lifeStart(&d)
	in.Channel, in.Applicant, in.By, in.Agency, in.Counter = lifecycle.ChannelInPerson, s.applicantOf(&d), d.Operator, agency, d.Counter
	return lifecycle.NewLife(in), nil
}

// LifeOutcome is what a step of a dossier's life did.
type LifeOutcome struct {
	Life *lifecycle.Life
	Step lifecycle.Step
	// Duplicate: the step was recorded before under the same key (a rerun, a double key
	// press): nothing was done this time; Step is the first one.
	Duplicate bool
	// Sent: the step's event reached the gateway at once; otherwise it waits in the event
	// queue (offline) and the sync worker sends it.
	Sent bool
	// SendErr is why it was not sent at once (nil when sent, or when not tried).
	SendErr error
}

// DoneError: the step was recorded before with other details (a rerun that changed them):
// nothing was done. Step is the step recorded.
type DoneError struct {
	Code string
	Step lifecycle.Step
}

func (e *DoneError) Error() string {
	return fmt.Sprintf("counter: %s of %s was recorded before with other details", e.Step.Event, e.Code)
}

// lifeAction is one step to record.
type lifeAction struct {
	act    Action // the right it needs
	change lifecycle.Change
	key    string // the caller's idempotency key ("" derives one: see derivedKey)
	// subject is the keyed hash of the person the step is about (the receiver), for the log
	subject string
}

// fingerprint stands for what a step records, so that a key reused for another step is caught.
func fingerprint(c lifecycle.Change) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", c.Event, c.Procedure, c.Reason)
	for _, it := range c.Items {
		fmt.Fprintf(h, "item\x00%s\x00%s\x00%s\x00", it.Document, it.Problem, it.Guidance)
	}
	if !c.Appointment.IsZero() {
		fmt.Fprintf(h, "appointment\x00%s\x00", c.Appointment.UTC().Format(time.RFC3339))
	}
	if r := c.Receiver; r != nil {
		fmt.Fprintf(h, "receiver\x00%s\x00%s\x00%s\x00", r.ID, r.Relation, r.Authorisation)
	}
	if r := c.Rating; r != nil {
		fmt.Fprintf(h, "rating\x00%s\x00%s\x00", r.Set, r.Comment)
		for _, a := range r.Answers {
			fmt.Fprintf(h, "%s=%s\x00", a.Question, a.Answer)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// derivedKey is the key of a step recorded without one: what the step is, once per dossier
// (a hand-over, a withdrawal, a rating), per procedure (a stop), per new appointment (an
// apology), per supplement cycle (the n-th request and the supplement that answers it), so
// that the same step recorded again (a double key press, a rerun) is found.
func derivedKey(l *lifecycle.Life, c lifecycle.Change) string {
	base := string(c.Event) + ":" + l.Code
	switch c.Event {
	case lifecycle.EventStopped:
		return base + ":" + c.Procedure
	case lifecycle.EventExtended:
		return base + ":" + c.Procedure + ":" + c.Appointment.Format("20060102")
	case lifecycle.EventSupplementRequested, lifecycle.EventSupplementReceived:
		received := 0
		requested := 0
		for _, st := range l.History {
			if c.Procedure != "" && len(st.Procedures) > 0 && !slices.Contains(st.Procedures, c.Procedure) {
				continue
			}
			switch st.Event {
			case lifecycle.EventSupplementReceived:
				received++
			case lifecycle.EventSupplementRequested:
				requested++
			}
		}
		cycle := received + 1 // a request opens the next cycle
		if c.Event == lifecycle.EventSupplementReceived {
			cycle = requested // the supplement closes the last request's cycle
		}
		return base + ":" + c.Procedure + ":" + strconv.Itoa(cycle)
	}
	return base
}

// newEventKey is a fresh idempotency key for an event sent upstream.
func newEventKey() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("counter: event key: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// counterEvent is the event a counter's step sends upstream.
func counterEvent(st lifecycle.Step, c lifecycle.Change) gateway.CounterEvent {
	ev := gateway.CounterEvent{Kind: string(st.Event), At: st.At.UTC(), Operator: st.By, Counter: st.Counter, Procedure: c.Procedure,
		Reason: st.Reason}
	if !st.Appointment.IsZero() {
		ev.Appointment = st.Appointment.UTC()
	}
	for _, it := range st.Items {
		ev.Items = append(ev.Items, gateway.SupplementItem{Document: it.Document, Problem: it.Problem, Guidance: it.Guidance})
	}
	if r := st.Receiver; r != nil {
		ev.Receiver = &gateway.Receiver{ID: r.ID, Name: r.Name, Relation: r.Relation, Authorisation: r.Authorisation, Source: string(r.Source)}
	}
	if r := st.Rating; r != nil {
		gr := &gateway.Rating{Set: r.Set, Comment: r.Comment}
		for _, a := range r.Answers {
			gr.Answers = append(gr.Answers, gateway.RatingAnswer{Question: a.Question, Answer: a.Answer})
		}
		ev.Rating = gr
	}
	return ev
}

// record applies a step to the dossier code in one unit of work: the rights, the key (a step
// recorded before under it returns that step), the state machine, the life and its index, the
// event for the gateway, the access log. The clerk may be told "recorded" as soon as it
// returns: the event reaches the gateway sooner or later, once.
func (s *Service) record(op Operator, code string, a lifeAction) (LifeOutcome, error) {
	if err := s.Allow(op, a.act); err != nil {
		return LifeOutcome{}, err
	}
	if a.key != "" {
		if err := checkKey(a.key); err != nil {
			return LifeOutcome{}, err
		}
	}
	agency, counter := s.where()
	c := a.change
	if c.At.IsZero() {
		c.At = s.clock()
	}
	c.By, c.Origin, c.Agency, c.Counter = s.actorID(op), lifecycle.OriginCounter, agency, counter
	fp := fingerprint(c)
	eventKey, err := newEventKey()
	if err != nil {
		return LifeOutcome{}, err
	}
	c.Key = eventKey
	var out LifeOutcome
	err = s.store.Update(func(tx *offline.Tx) error {
		l, err := s.readLife(tx, code)
		if err != nil {
			return err
		}
		key := a.key
		if key == "" {
			key = "auto:" + derivedKey(l, c)
		}
		if v, done, err := tx.Done(lifeKeyRun, key); err != nil {
			return err
		} else if done {
			parts := strings.SplitN(v, "\n", 3)
			seq := 0
			if len(parts) == 3 {
				seq, _ = strconv.Atoi(parts[2])
			}
			if len(parts) != 3 || parts[0] != code || seq < 1 || seq > len(l.History) {
				return fmt.Errorf("%w: %s", ErrKeyReused, parts[0])
			}
			st := l.History[seq-1]
			if parts[1] != fp {
				if a.key == "" {
					return &DoneError{Code: code, Step: st}
				}
				return fmt.Errorf("%w: %s", ErrKeyReused, code)
			}
			out = LifeOutcome{Life: l, Step: st, Duplicate: true}
			return nil
		}
		st, err := l.Apply(c)
		if err != nil {
			return err
		}
		if err := s.putLife(tx, l); err != nil {
			return err
		}
		// every counter's step goes upstream (a dossier received at another counter's too)
		body, err := json.Marshal(counterEvent(st, c))
		if err != nil {
			return fmt.Errorf("counter: encode event: %w", err)
		}
		if _, err := tx.EnqueueEvent(code, string(st.Event), eventKey, body); err != nil {
			return err
		}
		if err := tx.MarkDone(lifeKeyRun, key, code+"\n"+fp+"\n"+strconv.Itoa(st.Seq)); err != nil {
			return err
		}
		if err := tx.LogAccess(offline.AccessEntry{Operator: c.By, Purpose: lookups.PurposeDossier, Action: ActionLife,
			Subject: a.subject, DossierCode: code, Outcome: "ok", Detail: string(st.Event)}); err != nil {
			return err
		}
		out = LifeOutcome{Life: l, Step: st}
		return nil
	})
	if err != nil {
		return LifeOutcome{}, err
	}
	return out, nil
}
