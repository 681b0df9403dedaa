package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"motcua/forms/calendar"
	"motcua/forms/lifecycle"
	"motcua/forms/ratingset"
	"motcua/lookups"
	"motcua/lookups/gateway"
)

// The handling agencies: the sandbox moves every dossier it accepted through its life on a
// deterministic schedule (a seeded hash of the dossier code and procedure picks an outcome:
// on time, early, late, needing a supplement, stopped), applies the counters' events with the
// same state machine as the counter (lifecycle.Life), and seeds the dossiers other counters of an
// agency received, so that the agency's list, the late watch and the book meet every path.
// Nothing is stored but the counters' events (Options.StorePath+".events"): the life of a
// dossier is recomputed from its submission, its schedule and its events at each question.
//
// In real time (Workflow.Span 0) the agencies work like an office: on the working days of the
// embedded calendar (forms/calendar: weekends, holidays, make-up days), from WorkOpen to
// WorkClose, Vietnam time. A procedure's schedule is laid on the working time between its
// reception and its appointment, so every step they take falls while they work; an "on time"
// result comes on the due day (the statistics' on time), at the day's opening, ahead of the
// appointment (08:00 by default), or as soon as a procedure due the same day is done; an
// "early" one before it, a "late" one on a working day after it.

// Outcomes of a procedure's schedule.
const (
	OutcomeOnTime     = "on_time"
	OutcomeEarly      = "early"
	OutcomeLate       = "late"
	OutcomeSupplement = "supplement"
	OutcomeStop       = "stop"
)

// Workflow is how the sandbox plays the handling agencies.
type Workflow struct {
	Seed uint64 // seeds the outcomes (with each dossier's code)
	// The shares of the outcomes (weights); all zero: DefaultWorkflow's.
	OnTime, Early, Late, Supplement, Stop float64
	// Span compresses time for the dossiers counters submit: the agencies act as if the whole
	// processing time (reception to appointment) lasted Span of the sandbox's clock (a demo, a
	// test). A late result still comes after the real appointment. 0: real time.
	Span time.Duration
	// Others is how many dossiers the other counters (02 to 04) of an agency received per
	// working day over the OtherDays days before today, seeded for the agency's list.
	Others, OtherDays int
}

// DefaultWorkflow has most dossiers on time, some early, some late, some needing a supplement, a few
// stopped; real time; no other counters' dossiers (SeededWorkflow has them).
var DefaultWorkflow = Workflow{Seed: 1, OnTime: 0.70, Early: 0.10, Late: 0.10, Supplement: 0.07, Stop: 0.03}

// SeededWorkflow is DefaultWorkflow with a dozen dossiers a working day at the other counters
// over the 60 days before today (the demo, `motcua sandbox serve`).
var SeededWorkflow = Workflow{Seed: 1, OnTime: 0.70, Early: 0.10, Late: 0.10, Supplement: 0.07, Stop: 0.03, Others: 12, OtherDays: 60}

type workflowJSON struct {
	Seed       uint64  `json:"seed,omitempty"`
	OnTime     float64 `json:"onTime,omitempty"`
	Early      float64 `json:"early,omitempty"`
	Late       float64 `json:"late,omitempty"`
	Supplement float64 `json:"supplement,omitempty"`
	Stop       float64 `json:"stop,omitempty"`
	Span       string  `json:"span,omitempty"`
	Others     int     `json:"others,omitempty"`
	OtherDays  int     `json:"otherDays,omitempty"`
}

// MarshalJSON writes Span as a Go duration string.
func (w Workflow) MarshalJSON() ([]byte, error) {
	return json.Marshal(workflowJSON{Seed: w.Seed, OnTime: w.OnTime, Early: w.Early, Late: w.Late, Supplement: w.Supplement,
		Stop: w.Stop, Span: durString(w.Span), Others: w.Others, OtherDays: w.OtherDays})
}

// UnmarshalJSON reads the admin endpoint's form strictly.
func (w *Workflow) UnmarshalJSON(b []byte) error {
	var j workflowJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return err
	}
	out := Workflow{Seed: j.Seed, OnTime: j.OnTime, Early: j.Early, Late: j.Late, Supplement: j.Supplement, Stop: j.Stop,
		Others: j.Others, OtherDays: j.OtherDays}
	if j.Span != "" {
		d, err := time.ParseDuration(j.Span)
		if err != nil {
			return err
		}
		out.Span = d
	}
	*w = out
	return nil
}

// Validate reports values out of range.
func (w Workflow) Validate() error {
	for _, v := range []float64{w.OnTime, w.Early, w.Late, w.Supplement, w.Stop} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return errors.New("sandbox workflow: shares must be finite and not negative")
		}
	}
	if w.Span < 0 || w.Others < 0 || w.Others > 500 || w.OtherDays < 0 || w.OtherDays > 400 {
		return errors.New("sandbox workflow: span, others (0..500) or otherDays (0..400) out of range")
	}
	return nil
}

func (w Workflow) withDefaults() Workflow {
	if w.OnTime+w.Early+w.Late+w.Supplement+w.Stop == 0 {
		d := DefaultWorkflow
		w.OnTime, w.Early, w.Late, w.Supplement, w.Stop = d.OnTime, d.Early, d.Late, d.Supplement, d.Stop
	}
	return w
}

// outcome draws a procedure's outcome from the shares.
func (w Workflow) outcome(code, proc string) string {
	r := newRNG(w.Seed, hashString(code), hashString(proc))
	u := float64(r.next()>>11) / float64(1<<53)
	total := w.OnTime + w.Early + w.Late + w.Supplement + w.Stop
	for _, o := range []struct {
		name  string
		share float64
	}{{OutcomeOnTime, w.OnTime}, {OutcomeEarly, w.Early}, {OutcomeLate, w.Late}, {OutcomeSupplement, w.Supplement}, {OutcomeStop, w.Stop}} {
		if u < o.share/total {
			return o.name
		}
		u -= o.share / total
	}
	return OutcomeOnTime
}

func hashString(s string) uint64 {
	h := uint64(1469598103934665603)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// acceptedEvent is a counter's event the sandbox accepted (one line of the events file).
type acceptedEvent struct {
	Code  string               `json:"code"`
	Key   string               `json:"key"`
	Hash  string               `json:"hash"`
	Event gateway.CounterEvent `json:"event"`
	Ack   gateway.EventAck     `json:"ack"`
}

// wfCase is one dossier the sandbox moves: accepted from a counter, or seeded.
type wfCase struct {
	code, agency, counter, service, serviceName, channel string
	applicant                                            *gateway.Person
	receivedAt, accepted                                 time.Time
	procs                                                []lifecycle.Procedure
	seeded                                               bool
	span                                                 time.Duration // 0: real time
}

// the sandbox's civil time zone (Vietnam, no daylight saving)
var ict = time.FixedZone("ICT", 7*3600)

// payloadDossier is what the agencies read of a submission's payload (forms.Dossier's JSON):
// the contract keeps the payload opaque, the sandbox's agencies read it as a handling agency would.
type payloadDossier struct {
	Agency      string `json:"agency"`
	Counter     string `json:"counter"`
	ServiceName string `json:"serviceName"`
	Subject     struct {
		ID       string `json:"id"`
		FullName string `json:"fullName"`
	} `json:"subject"`
	Persons []struct {
		Slot     string `json:"slot"`
		ID       string `json:"id"`
		FullName string `json:"fullName"`
	} `json:"persons"`
	Procedures []struct {
		ID          string    `json:"id"`
		Name        string    `json:"name"`
		Agency      string    `json:"agency"`
		Appointment time.Time `json:"appointment"`
	} `json:"procedures"`
}

// caseOf builds the case of an accepted submission (false when its payload is not a dossier).
func caseOf(d *StoredDossier, span time.Duration) (*wfCase, bool) {
	var fd payloadDossier
	if err := json.Unmarshal(d.Submission.Payload, &fd); err != nil || len(fd.Procedures) == 0 {
		return nil, false
	}
	c := &wfCase{code: d.Submission.Code, agency: fd.Agency, counter: fd.Counter, service: d.Submission.Service,
		serviceName: fd.ServiceName, channel: string(lifecycle.ChannelInPerson), receivedAt: d.Submission.ReceivedAt,
		accepted: d.Ack.AcceptedAt, span: span}
	for _, p := range fd.Procedures {
		c.procs = append(c.procs, lifecycle.Procedure{ID: p.ID, Name: p.Name, Agency: p.Agency, Appointment: p.Appointment})
	}
	if c.agency == "" {
		c.agency, _, _ = strings.Cut(c.code, "-")
	}
	for _, p := range fd.Persons {
		if p.ID != "" && (c.applicant == nil || p.Slot == "requester") {
			c.applicant = &gateway.Person{ID: p.ID, Name: p.FullName}
		}
	}
	if c.applicant == nil && fd.Subject.FullName != "" {
		c.applicant = &gateway.Person{ID: fd.Subject.ID, Name: fd.Subject.FullName}
	}
	return c, true
}

// procPlan is what the agencies do with one procedure.
type procPlan struct {
	outcome   string
	base      time.Time     // start of the current phase
	span      time.Duration // the whole processing time, in the sandbox's clock
	office    bool          // span is working time (real time): the agencies act in working hours
	resumed   bool          // a supplement came back: the last phase
	askedOnce bool          // the agency asked for its supplement already
	extended  bool
	due       time.Time // the real appointment
}

// agencyAction is the next thing an agency does to a procedure.
type agencyAction struct {
	at     time.Time
	proc   int
	change lifecycle.Change
}

// simulate runs the case's life up to now: the agencies' schedule and the accepted events,
// in time order (an agency's action first at equal times).
func (w Workflow) simulate(c *wfCase, events []acceptedEvent, forced map[string]string, now time.Time) *lifecycle.Life {
	life := lifecycle.NewLife(lifecycle.Start{Code: c.code, Service: c.service, ServiceName: c.serviceName, ReceivedAt: c.receivedAt,
		Procedures: c.procs, Channel: lifecycle.Channel(c.channel), By: "counter", Agency: c.agency, Counter: c.counter})
	plans := make([]procPlan, len(c.procs))
	for i, p := range c.procs {
		pl := procPlan{outcome: w.outcome(c.code, p.ID), due: p.Appointment, base: c.receivedAt, span: p.Appointment.Sub(c.receivedAt)}
		if o, ok := forced[c.code]; ok {
			pl.outcome = o
		}
		if c.span > 0 {
			pl.base, pl.span = c.accepted, c.span
		} else {
			if pl.span <= maxOfficeSpan {
				pl.office, pl.span = true, workingBetween(workMoment(pl.base), pl.due)
			}
			if pl.span < time.Hour {
				pl.span = time.Hour // a same-day procedure still takes a while
			}
		}
		plans[i] = pl
	}
	next := func() (agencyAction, bool) {
		var best agencyAction
		found := false
		for i := range plans {
			a, ok := w.nextAction(life, plans, i, c)
			if ok && (!found || a.at.Before(best.at)) {
				best, found = a, true
			}
		}
		return best, found
	}
	ev := 0
	for {
		a, ok := next()
		var ae *acceptedEvent
		if ev < len(events) {
			ae = &events[ev]
		}
		switch {
		case ok && !a.at.After(now) && (ae == nil || !a.at.After(ae.Ack.AcceptedAt)):
			_, err := life.Apply(a.change)
			p := &plans[a.proc]
			switch {
			case a.change.Event == lifecycle.EventSupplementRequested:
				p.askedOnce = true
			case a.change.Event == lifecycle.EventExtended:
				p.extended = true // refused too when a counter's apology already set a later day
			case err != nil:
				return life // a schedule the state machine refuses: stop here rather than loop
			}
		case ae != nil && !ae.Ack.AcceptedAt.After(now):
			applyCounterEvent(life, plans, *ae)
			ev++
		default:
			return life
		}
	}
}

// applyCounterEvent applies an accepted event; an event that no longer applies (it was
// accepted against the same history, so it does) is skipped.
func applyCounterEvent(life *lifecycle.Life, plans []procPlan, ae acceptedEvent) {
	ch := changeOf(ae.Event, ae.Key, ae.Ack.AcceptedAt)
	st, err := life.Apply(ch)
	if err != nil || ch.Event != lifecycle.EventSupplementReceived {
		return
	}
	for i, p := range life.Procedures {
		for _, id := range st.Procedures {
			if p.ID == id {
				plans[i].base, plans[i].resumed = ae.Ack.AcceptedAt, true
			}
		}
	}
}

// changeOf turns a counter's event into a change of the state machine.
func changeOf(e gateway.CounterEvent, key string, at time.Time) lifecycle.Change {
	ch := lifecycle.Change{Event: lifecycle.Event(e.Kind), Procedure: e.Procedure, At: e.At, By: e.Operator, Origin: lifecycle.OriginCounter,
		Counter: e.Counter, Reason: e.Reason, Appointment: e.Appointment, Key: key}
	if ch.At.IsZero() {
		ch.At = at
	}
	for _, it := range e.Items {
		ch.Items = append(ch.Items, lifecycle.SupplementItem{Document: it.Document, Problem: it.Problem, Guidance: it.Guidance})
	}
	if r := e.Receiver; r != nil {
		ch.Receiver = &lifecycle.Receiver{ID: r.ID, Name: r.Name, Relation: r.Relation, Authorisation: r.Authorisation, Source: lookups.ValueSource(r.Source)}
	}
	if r := e.Rating; r != nil {
		rt := &lifecycle.Rating{Set: r.Set, Comment: r.Comment}
		for _, a := range r.Answers {
			rt.Answers = append(rt.Answers, lifecycle.RatingAnswer{Question: a.Question, Answer: a.Answer})
		}
		ch.Rating = rt
	}
	return ch
}

// nextAction is the next thing the agency does to procedure i, if any.
func (w Workflow) nextAction(life *lifecycle.Life, plans []procPlan, i int, c *wfCase) (agencyAction, bool) {
	p, pl := life.Procedures[i], plans[i]
	at := func(f float64) time.Time {
		if pl.office {
			return addWorking(pl.base, time.Duration(f*float64(pl.span)))
		}
		return pl.base.Add(time.Duration(f * float64(pl.span)))
	}
	act := func(t time.Time, ev lifecycle.Event) agencyAction {
		ch := lifecycle.Change{Event: ev, Procedure: p.ID, At: t, By: p.Agency, Origin: lifecycle.OriginAgency, Agency: p.Agency}
		switch ev {
		case lifecycle.EventSupplementRequested:
			ch.Items = []lifecycle.SupplementItem{{Document: "Giấy tờ chứng minh thông tin trong tờ khai",
				Problem:  "Bản sao chưa được chứng thực, không đối chiếu được (mô phỏng)",
				Guidance: "Nộp bản sao có chứng thực hoặc mang bản chính đến bộ phận một cửa để đối chiếu."}}
		case lifecycle.EventStopped:
			ch.Reason = "Kết quả xác minh cho thấy yêu cầu không đủ điều kiện giải quyết (mô phỏng)."
		case lifecycle.EventExtended:
			ch.Reason = "Cần xác minh thêm với cơ quan liên quan (mô phỏng)."
			ch.Appointment = addWorkdays(pl.due, 2)
		}
		return agencyAction{at: t, proc: i, change: ch}
	}
	switch p.Stage {
	case lifecycle.StageReceived:
		if pl.outcome == OutcomeStop {
			return act(at(0.4), lifecycle.EventStopped), true
		}
		return act(at(0.1), lifecycle.EventStarted), true
	case lifecycle.StageProcessing:
		switch {
		case pl.resumed:
			return act(at(0.5), lifecycle.EventResultReady), true
		case pl.outcome == OutcomeSupplement && !pl.askedOnce:
			return act(at(0.3), lifecycle.EventSupplementRequested), true
		case pl.outcome == OutcomeStop:
			return act(at(0.4), lifecycle.EventStopped), true
		case pl.outcome == OutcomeEarly:
			return act(at(0.5), lifecycle.EventResultReady), true
		case pl.outcome == OutcomeLate && !pl.extended:
			return act(at(0.8), lifecycle.EventExtended), true
		case pl.outcome == OutcomeLate:
			// after the real appointment, whatever the clock's compression
			late := pl.due.Add(26 * time.Hour)
			if pl.office {
				late = workMoment(late)
			}
			if t := at(1.2); t.After(late) {
				late = t
			}
			return act(late, lifecycle.EventResultReady), true
		}
		t := at(0.9)
		if pl.office && !pl.resumed {
			// on time is on the due day: at its opening when the work was done before
			if open := midnight(pl.due).Add(WorkOpen); t.Before(open) && workingDay(open) {
				t = open
			}
		}
		return act(t, lifecycle.EventResultReady), true
	case lifecycle.StageReturned:
		if c.seeded && i == 0 && life.Stage == lifecycle.StageReturned {
			if _, rated := life.Last(lifecycle.EventRated); !rated {
				if r := w.seededRating(c.code); r != nil {
					// the citizen rates at the other counter a few minutes after the hand-over
					t := life.ReturnedAt.Add(5 * time.Minute)
					return agencyAction{at: t, proc: i, change: lifecycle.Change{Event: lifecycle.EventRated, At: t, By: "cb.quay" + c.counter,
						Origin: lifecycle.OriginCounter, Agency: c.agency, Counter: c.counter, Rating: r}}, true
				}
			}
		}
	case lifecycle.StageResultReady:
		if c.seeded && life.Stage == lifecycle.StageResultReady {
			// another counter hands its results over a working day later
			t := addWorkdays(life.ResultAt, 1)
			return agencyAction{at: t, proc: i, change: lifecycle.Change{Event: lifecycle.EventReturned, At: t, By: "cb.quay" + c.counter,
				Origin: lifecycle.OriginCounter, Agency: c.agency, Counter: c.counter,
				Receiver: &lifecycle.Receiver{ID: "000000000000", Relation: lifecycle.ReceiverRequester, Source: "typed"}}}, true
		}
	}
	return agencyAction{}, false
}

// seededRating is the rating the citizen of a seeded dossier gives at the other counter, drawn
// from the dossier's code: two in three rate; each required question of the rating set
// (forms/ratingset/ratings.toml) is answered, its first option (the best) chosen by 45 %, the second by
// 35 %, the others share the rest. Nil when the citizen does not rate.
func (w Workflow) seededRating(code string) *lifecycle.Rating {
	set := ratingset.Ratings()
	r := newRNG(w.Seed, hashString(code), hashString("rating"))
	if r.intn(3) == 0 {
		return nil
	}
	out := &lifecycle.Rating{Set: set.Version}
	for _, q := range set.Questions {
		if !q.Required || len(q.Options) == 0 {
			continue
		}
		k, v := 0, r.intn(100)
		switch {
		case v < 45:
		case v < 80 || len(q.Options) < 3:
			k = min(1, len(q.Options)-1)
		default:
			k = 2 + (v-80)%(len(q.Options)-2)
		}
		out.Answers = append(out.Answers, lifecycle.RatingAnswer{Question: q.ID, Answer: q.Options[k].ID})
	}
	if len(out.Answers) == 0 {
		return nil
	}
	return out
}

// The agencies' working hours, Vietnam time, on the working days of the embedded calendar.
const (
	WorkOpen  = 7*time.Hour + 30*time.Minute
	WorkClose = 17 * time.Hour
)

// maxOfficeSpan bounds the processing time laid on working hours (a payload's appointment is
// hostile): a longer one is played in wall time.
const maxOfficeSpan = 400 * 24 * time.Hour

// workingDay reports whether t's day (in Vietnam) is a working day of the embedded calendar
// (beyond its range: Monday to Friday).
func workingDay(t time.Time) bool { return calendar.Default().IsWorkingDay(lookups.DateOf(t.In(ict))) }

// midnight is the start of t's day in Vietnam.
func midnight(t time.Time) time.Time {
	t = t.In(ict)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, ict)
}

// workMoment is the first moment the agencies work at or after t.
func workMoment(t time.Time) time.Time {
	for range 400 { // the calendar never has that many days off in a row
		d := midnight(t)
		if workingDay(d) {
			if open := d.Add(WorkOpen); t.Before(open) {
				return open
			}
			if !t.After(d.Add(WorkClose)) {
				return t
			}
		}
		t = d.AddDate(0, 0, 1)
	}
	return t
}

// addWorking is t (moved to a working moment) plus w of working time.
func addWorking(t time.Time, w time.Duration) time.Time {
	t = workMoment(t)
	for w > 0 {
		left := midnight(t).Add(WorkClose).Sub(t)
		if w <= left {
			return t.Add(w)
		}
		w -= left
		t = workMoment(midnight(t).AddDate(0, 0, 1))
	}
	return t
}

// workingBetween is the working time from a to b (0 when b is not after a); b-a must be bounded
// (maxOfficeSpan).
func workingBetween(a, b time.Time) time.Duration {
	var w time.Duration
	for d := midnight(a); d.Before(b); d = d.AddDate(0, 0, 1) {
		if !workingDay(d) {
			continue
		}
		lo, hi := d.Add(WorkOpen), d.Add(WorkClose)
		if a.After(lo) {
			lo = a
		}
		if b.Before(hi) {
			hi = b
		}
		if hi.After(lo) {
			w += hi.Sub(lo)
		}
	}
	return w
}

// addWorkdays is t plus n working days of the embedded calendar, at the same time of day.
func addWorkdays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if workingDay(t) {
			n--
		}
	}
	return t
}

// seedServices are the services the seeded dossiers ask for: (id, name, working days, agency).
var seedServices = []struct {
	id, name string
	days     int
	agency   string
}{
	{"xac-nhan-tthn", "Cấp giấy xác nhận tình trạng hôn nhân", 3, "Ủy ban nhân dân cấp xã"},
	{"khai-sinh", "Đăng ký khai sinh", 0, "Ủy ban nhân dân cấp xã"},
	{"khai-tu", "Đăng ký khai tử", 0, "Ủy ban nhân dân cấp xã"},
	{"ket-hon", "Đăng ký kết hôn", 0, "Ủy ban nhân dân cấp xã"},
	{"thuong-tru", "Đăng ký thường trú", 7, "Công an cấp xã"},
	{"tam-tru", "Đăng ký tạm trú", 3, "Công an cấp xã"},
	{"tam-vang", "Khai báo tạm vắng", 1, "Công an cấp xã"},
}

// seedCases makes the dossiers the other counters of agency received over the OtherDays days
// before today (today's date in Vietnam decides the window, so a restarted sandbox seeds the
// same dossiers the same day).
func (w Workflow) seedCases(pop *Population, agency string, now time.Time) []*wfCase {
	if w.Others == 0 || w.OtherDays == 0 {
		return nil
	}
	today := time.Date(now.In(ict).Year(), now.In(ict).Month(), now.In(ict).Day(), 0, 0, 0, 0, ict)
	var out []*wfCase
	for back := w.OtherDays; back >= 0; back-- {
		day := today.AddDate(0, 0, -back)
		if !workingDay(day) {
			continue // the counters are closed
		}
		r := newRNG(w.Seed, hashString(agency), uint64(day.Unix()))
		seq := map[int]int{}
		for range w.Others {
			counter := 2 + r.intn(3)
			seq[counter]++
			received := day.Add(7*time.Hour + 30*time.Minute + time.Duration(r.intn(8*60))*time.Minute)
			if received.After(now) {
				continue
			}
			svc := seedServices[r.intn(len(seedServices))]
			appointment := addWorkdays(received, svc.days)
			appointment = time.Date(appointment.In(ict).Year(), appointment.In(ict).Month(), appointment.In(ict).Day(), 8, 0, 0, 0, ict)
			if appointment.Before(received) {
				appointment = received
			}
			ch := lifecycle.ChannelInPerson
			switch v := r.intn(10); {
			case v < 4:
				ch = lifecycle.ChannelOnline
			case v == 9:
				ch = lifecycle.ChannelPost
			}
			c := &wfCase{code: fmt.Sprintf("%s-%s-%02d%04d", agency, day.Format("060102"), counter, seq[counter]), agency: agency,
				counter: fmt.Sprintf("%02d", counter), service: svc.id, serviceName: svc.name, channel: string(ch),
				receivedAt: received, accepted: received, seeded: true,
				procs: []lifecycle.Procedure{{ID: svc.id, Name: svc.name, Agency: svc.agency, Appointment: appointment}}}
			if pop != nil && pop.Size() > 0 {
				if person := pop.Person(r.intn(pop.Size())); person != nil {
					c.applicant = &gateway.Person{ID: person.Citizen.ID, Name: person.Citizen.FullName}
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// progressOf writes a life in the contract's form.
func progressOf(c *wfCase, life *lifecycle.Life) gateway.Progress {
	p := gateway.Progress{Code: c.code, Agency: c.agency, Counter: c.counter, Service: c.service, Channel: c.channel,
		Stage: string(life.Stage), ReceivedAt: life.ReceivedAt.UTC(), Due: life.Due.UTC(), Appointment: life.Appointment.UTC(),
		ResultAt: life.ResultAt.UTC(), ReturnedAt: life.ReturnedAt.UTC(), Applicant: c.applicant,
		Procedures: []gateway.ProcedureProgress{}, History: []gateway.Step{}}
	if life.ResultAt.IsZero() {
		p.ResultAt = time.Time{}
	}
	if life.ReturnedAt.IsZero() {
		p.ReturnedAt = time.Time{}
	}
	for _, pr := range life.Procedures {
		pp := gateway.ProcedureProgress{ID: pr.ID, Name: pr.Name, Agency: pr.Agency, Stage: string(pr.Stage), Due: pr.Due.UTC(),
			Appointment: pr.Appointment.UTC()}
		if !pr.ResultAt.IsZero() {
			pp.ResultAt = pr.ResultAt.UTC()
		}
		p.Procedures = append(p.Procedures, pp)
	}
	for _, s := range life.History {
		st := gateway.Step{Seq: s.Seq, Kind: string(s.Event), Stage: string(s.To), At: s.At.UTC(), Origin: s.Origin, Actor: s.By,
			Agency: s.Agency, Counter: s.Counter, Reason: s.Reason, Key: s.Key}
		if s.Origin == "" {
			st.Origin = gateway.OriginCounter
		}
		if len(s.Procedures) == 1 && len(life.Procedures) > 1 {
			st.Procedure = s.Procedures[0]
		}
		if !s.Appointment.IsZero() {
			st.Appointment = s.Appointment.UTC()
		}
		for _, it := range s.Items {
			st.Items = append(st.Items, gateway.SupplementItem{Document: it.Document, Problem: it.Problem, Guidance: it.Guidance})
		}
		p.History = append(p.History, st)
	}
	return p
}

// resultsOf is the result documents of the procedures that have one.
func resultsOf(c *wfCase, life *lifecycle.Life) gateway.Results {
	r := gateway.Results{Code: c.code, Procedures: []gateway.ProcedureResults{}}
	for i, p := range life.Procedures {
		if p.ResultAt.IsZero() {
			continue
		}
		g := newRNG(hashString(c.code), uint64(i))
		n := g.intn(9000) + 1000
		r.Procedures = append(r.Procedures, gateway.ProcedureResults{ID: p.ID, Documents: []gateway.ResultDocument{{
			Name: "Kết quả: " + p.Name, Number: fmt.Sprintf("%d/%d/%s", n, p.ResultAt.In(ict).Year(), strings.ToUpper(p.ID)),
			Issuer: p.Agency, IssuedAt: p.ResultAt.UTC(), Copies: 1}}})
	}
	return r
}

// listItem is a dossier of the agency's list.
func listItem(c *wfCase, life *lifecycle.Life, now time.Time) gateway.AgencyDossier {
	d := gateway.AgencyDossier{Code: c.code, Service: c.service, Counter: c.counter, Channel: c.channel, Stage: string(life.Stage),
		ReceivedAt: life.ReceivedAt.UTC(), Due: life.Due.UTC(), Appointment: life.Appointment.UTC(),
		UpdatedAt: life.History[len(life.History)-1].At.UTC(), Late: life.Late(now, ict), Extended: life.Extended()}
	if !life.ResultAt.IsZero() {
		d.ResultAt = life.ResultAt.UTC()
	}
	if !life.ReturnedAt.IsZero() {
		d.ReturnedAt = life.ReturnedAt.UTC()
	}
	if c.applicant != nil {
		d.Applicant = c.applicant.Name
	}
	// the citizen's rating, from the counter's event (or the seeded one): the answers, not
	// the comment
	if st, ok := life.Last(lifecycle.EventRated); ok && st.Rating != nil {
		r := &gateway.ListedRating{Set: st.Rating.Set, RatedAt: st.At.UTC(), Answers: []gateway.RatingAnswer{}}
		for _, a := range st.Rating.Answers {
			r.Answers = append(r.Answers, gateway.RatingAnswer{Question: a.Question, Answer: a.Answer})
		}
		d.Rating = r
	}
	return d
}
