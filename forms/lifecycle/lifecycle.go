// Package lifecycle is the life of a dossier after reception: one state machine for the
// counter (internal/counter) and the sandbox that plays the handling agencies.
package lifecycle

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"motcua/lookups"
)

// The life of a dossier after reception (Nghị định 118/2025/NĐ-CP; docs/WORKFLOW.md): one
// state machine, used by the counter (internal/counter) and by the sandbox that plays the
// handling agencies (lookups/sandbox), so that both sides refuse the same transitions.
//
// Stage is kept apart from Status: Status says whether the dossier reached the gateway
// (finalized, queued, submitted, rejected); Stage says where it is in its handling. Each
// procedure of a bundle ("liên thông") has its own stage; the dossier's stage is derived
// from them (see aggregate).
//
//	received ──started──> processing ──result_ready──> result_ready ──returned──> returned
//	    │                  │   ^                              (dossier)
//	    │   supplement_requested │ supplement_received
//	    │                  v   │
//	    └────────────> supplement_requested
//	received, processing, supplement_requested ──stopped──> stopped (Mẫu 05)
//	received, processing, supplement_requested ──extended──> (same stage, new appointment: Mẫu 04)
//	received, processing, supplement_requested ──withdrawn──> withdrawn (dossier)
//	any stage ──rated──> (same stage; once)

// Stage is where a dossier, or one procedure of it, is in its handling.
type Stage string

// The stages. The strings are the gateway contract's (lookups/gateway/openapi.yaml).
const (
	StageReceived    Stage = "received"             // received at the counter, not yet handled
	StageProcessing  Stage = "processing"           // with the handling agency
	StageSupplement  Stage = "supplement_requested" // the citizen must complete the dossier (Mẫu 02)
	StageResultReady Stage = "result_ready"         // the result is at the counter, waiting for the citizen
	StageReturned    Stage = "returned"             // the result was handed over
	StageStopped     Stage = "stopped"              // handling stopped (Mẫu 05)
	StageWithdrawn   Stage = "withdrawn"            // the citizen withdrew the dossier
)

// Stages lists every stage, in the order of a dossier's life.
var Stages = []Stage{StageReceived, StageProcessing, StageSupplement, StageResultReady, StageReturned, StageStopped, StageWithdrawn}

var stageLabels = map[Stage]string{
	StageReceived:    "đã tiếp nhận",
	StageProcessing:  "đang giải quyết",
	StageSupplement:  "chờ bổ sung hồ sơ",
	StageResultReady: "đã có kết quả, chờ trả",
	StageReturned:    "đã trả kết quả",
	StageStopped:     "dừng giải quyết",
	StageWithdrawn:   "đã rút hồ sơ",
}

// Label is the stage in Vietnamese (the code itself when unknown).
func (s Stage) Label() string {
	if l, ok := stageLabels[s]; ok {
		return l
	}
	return string(s)
}

// Valid reports whether s is a stage of the state machine.
func (s Stage) Valid() bool { _, ok := stageLabels[s]; return ok }

// Pending reports a stage without a result that has not ended: received, processing or
// waiting for a supplement. Only a pending dossier can be late without a result.
func (s Stage) Pending() bool {
	return s == StageReceived || s == StageProcessing || s == StageSupplement
}

// Final reports a stage nothing follows (returned, stopped, withdrawn).
func (s Stage) Final() bool { return s == StageReturned || s == StageStopped || s == StageWithdrawn }

// Channel is how a dossier was filed.
type Channel string

// The channels of the contract and of the statistics (Quyết định 766/QĐ-TTg).
const (
	ChannelInPerson Channel = "in_person" // at the counter
	ChannelOnline   Channel = "online"    // on the public-service portal
	ChannelPost     Channel = "post"      // by post
)

// Label is the channel in Vietnamese.
func (c Channel) Label() string {
	switch c {
	case ChannelInPerson:
		return "trực tiếp"
	case ChannelOnline:
		return "trực tuyến"
	case ChannelPost:
		return "bưu chính"
	}
	return string(c)
}

// Valid reports whether c is a channel of the contract.
func (c Channel) Valid() bool { return c == ChannelInPerson || c == ChannelOnline || c == ChannelPost }

// Event is what happens to a dossier: one step of its history. The strings are the gateway
// contract's event kinds.
type Event string

// The events.
const (
	EventReceived            Event = "received"             // the reception itself (the first step)
	EventStarted             Event = "started"              // the handling agency took the dossier
	EventSupplementRequested Event = "supplement_requested" // a supplement is asked for (Mẫu 02)
	EventSupplementReceived  Event = "supplement_received"  // the citizen brought it
	EventResultReady         Event = "result_ready"         // the result reached the counter
	EventReturned            Event = "returned"             // the result was handed over (dossier)
	EventStopped             Event = "stopped"              // handling stopped (Mẫu 05)
	EventExtended            Event = "extended"             // apology and new appointment (Mẫu 04)
	EventWithdrawn           Event = "withdrawn"            // the citizen withdrew it (dossier)
	EventRated               Event = "rated"                // the citizen rated the service (dossier)
)

// Events lists every event.
var Events = []Event{EventReceived, EventStarted, EventSupplementRequested, EventSupplementReceived, EventResultReady,
	EventReturned, EventStopped, EventExtended, EventWithdrawn, EventRated}

var eventVerbs = map[Event]string{
	EventReceived:            "tiếp nhận hồ sơ",
	EventStarted:             "chuyển hồ sơ cho cơ quan giải quyết",
	EventSupplementRequested: "yêu cầu bổ sung hồ sơ",
	EventSupplementReceived:  "nhận hồ sơ bổ sung",
	EventResultReady:         "nhận kết quả giải quyết",
	EventReturned:            "trả kết quả",
	EventStopped:             "dừng giải quyết hồ sơ",
	EventExtended:            "xin lỗi và hẹn lại ngày trả kết quả",
	EventWithdrawn:           "rút hồ sơ",
	EventRated:               "ghi đánh giá của công dân",
}

// Label is what the event does, in Vietnamese ("trả kết quả").
func (e Event) Label() string {
	if l, ok := eventVerbs[e]; ok {
		return l
	}
	return string(e)
}

// Valid reports whether e is an event of the state machine.
func (e Event) Valid() bool { _, ok := eventVerbs[e]; return ok }

// DossierLevel reports events that concern the whole dossier rather than one procedure.
func (e Event) DossierLevel() bool {
	return e == EventReceived || e == EventReturned || e == EventWithdrawn || e == EventRated
}

// Who acts, in Step.Origin.
const (
	OriginCounter = "counter" // a counter of the receiving agency (this one or another)
	OriginAgency  = "agency"  // a handling agency (through the gateway)
)

// Applicant is who filed the dossier, as the forms and the book print it.
type Applicant struct {
	Name    string `json:"name"`
	ID      string `json:"id,omitempty"`
	Address string `json:"address,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Email   string `json:"email,omitempty"`
	// Subject is the person the dossier is about when not the applicant (a child, the dead).
	Subject string `json:"subject,omitempty"`
}

// SupplementItem is one thing a dossier lacks (Mẫu 02): which paper, what is missing or
// wrong, and how to put it right.
type SupplementItem struct {
	Document string `json:"document"`
	Problem  string `json:"problem"`
	Guidance string `json:"guidance,omitempty"`
}

// ResultDocument is one paper a procedure produced (a certificate, an extract, a card).
type ResultDocument struct {
	Name     string    `json:"name"`
	Number   string    `json:"number,omitempty"`
	Issuer   string    `json:"issuer,omitempty"`
	IssuedAt time.Time `json:"issuedAt,omitzero"`
	Copies   int       `json:"copies,omitempty"`
}

// Receiver relations: who collected a result.
const (
	ReceiverRequester  = "requester"  // the person who filed the dossier (or the person it is about)
	ReceiverAuthorised = "authorised" // someone holding an authorisation, recorded
)

// Receiver is who collected the result at the hand-over.
type Receiver struct {
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
	Relation string `json:"relation"`
	// Authorisation describes the authorisation paper (kind, number, date, who signed) when
	// Relation is ReceiverAuthorised.
	Authorisation string `json:"authorisation,omitempty"`
	// Source is how the receiver proved who they are: forms.SourceCard, SourceQR or SourceTyped.
	Source lookups.ValueSource `json:"source,omitempty"`
}

// RatingAnswer is the answer to one question of the rating set (forms/ratingset/ratings.toml).
type RatingAnswer struct {
	Question string `json:"question"` // the question's id
	Answer   string `json:"answer"`   // the chosen option's id
}

// Rating is the citizen's satisfaction rating.
type Rating struct {
	Set     string         `json:"set"` // the question set's version
	Answers []RatingAnswer `json:"answers"`
	Comment string         `json:"comment,omitempty"`
}

// ProcedureLife is one procedure of a dossier in its life.
type ProcedureLife struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Agency string `json:"agency"` // the handling agency
	Stage  Stage  `json:"stage"`
	// Due is the appointment given at reception; Appointment the one in force (later, after
	// an apology with a new appointment: Mẫu 04).
	Due         time.Time        `json:"due"`
	Appointment time.Time        `json:"appointment"`
	ResultAt    time.Time        `json:"resultAt,omitzero"`
	Results     []ResultDocument `json:"results,omitempty"`
}

// Step is one event in a dossier's history: what happened, who did it, when and where.
type Step struct {
	Seq        int       `json:"seq"`
	Event      Event     `json:"event"`
	Procedures []string  `json:"procedures,omitempty"` // the procedures it moved (none: the dossier)
	From       Stage     `json:"from,omitempty"`       // the dossier's stage before
	To         Stage     `json:"to"`                   // and after
	At         time.Time `json:"at"`
	By         string    `json:"by"`     // the operator's ID, or the handling agency's actor
	Origin     string    `json:"origin"` // OriginCounter or OriginAgency
	// Agency and Counter say where: the receiving agency's code and the counter number for a
	// counter's step, the handling agency for an agency's.
	Agency      string           `json:"agency,omitempty"`
	Counter     string           `json:"counter,omitempty"`
	Reason      string           `json:"reason,omitempty"`
	Items       []SupplementItem `json:"items,omitempty"`
	Appointment time.Time        `json:"appointment,omitzero"` // the new appointment (extended)
	Receiver    *Receiver        `json:"receiver,omitempty"`
	Rating      *Rating          `json:"rating,omitempty"`
	// Key is the idempotency key of the event sent upstream for this step ("" for steps
	// that came from upstream); Upstream the gateway's sequence number of a step pulled
	// from it.
	Key      string `json:"key,omitempty"`
	Upstream int    `json:"upstream,omitempty"`
}

// Life is a dossier's life after reception: its stage, its procedures' stages and
// appointments, its history, and what the forms of the one-stop counter print about it.
// It holds personal data (the applicant, the receiver): the store seals it.
type Life struct {
	Code        string    `json:"code"`
	Service     string    `json:"service"`
	ServiceName string    `json:"serviceName"`
	Agency      string    `json:"agency"`  // the receiving agency's code
	Counter     string    `json:"counter"` // the receiving counter ("01")
	Channel     Channel   `json:"channel"`
	Stage       Stage     `json:"stage"`
	ReceivedAt  time.Time `json:"receivedAt"`
	// Due is the latest appointment given at reception, Appointment the latest in force.
	Due         time.Time       `json:"due"`
	Appointment time.Time       `json:"appointment"`
	ResultAt    time.Time       `json:"resultAt,omitzero"`
	ReturnedAt  time.Time       `json:"returnedAt,omitzero"`
	Applicant   Applicant       `json:"applicant"`
	Procedures  []ProcedureLife `json:"procedures"`
	History     []Step          `json:"history"`
	// Remote: the dossier was received at another counter; this one knows it from the gateway.
	Remote bool `json:"remote,omitempty"`
	// Pulled is the last upstream history sequence number taken in (see Step.Upstream).
	Pulled int `json:"pulled,omitempty"`
}

// Procedure is a procedure of a dossier as it is received: its handling agency and its
// appointment.
type Procedure struct {
	ID, Name, Agency string
	Appointment      time.Time
}

// Start is what NewLife needs: the received dossier (forms.Dossier's code, service,
// reception time and procedures) and who received it where.
type Start struct {
	Code, Service, ServiceName string
	ReceivedAt                 time.Time
	Procedures                 []Procedure
	Channel                    Channel
	Applicant                  Applicant
	By                         string // the receiving operator
	Agency                     string // the receiving agency's code
	Counter                    string // the receiving counter
}

// NewLife starts the life of a received dossier: stage received, each procedure due at its
// appointment, the reception as the first step.
func NewLife(in Start) *Life {
	ch := in.Channel
	if ch == "" {
		ch = ChannelInPerson
	}
	l := &Life{Code: in.Code, Service: in.Service, ServiceName: in.ServiceName, Agency: in.Agency, Counter: in.Counter,
		Channel: ch, Stage: StageReceived, ReceivedAt: in.ReceivedAt, Applicant: in.Applicant}
	for _, p := range in.Procedures {
		l.Procedures = append(l.Procedures, ProcedureLife{ID: p.ID, Name: p.Name, Agency: p.Agency, Stage: StageReceived,
			Due: p.Appointment, Appointment: p.Appointment})
	}
	l.refresh()
	l.Due = l.Appointment
	l.History = []Step{{Seq: 1, Event: EventReceived, To: StageReceived, At: in.ReceivedAt, By: in.By, Origin: OriginCounter,
		Agency: in.Agency, Counter: in.Counter}}
	return l
}

// Change is one event to apply to a life.
type Change struct {
	Event Event
	// Procedure names the procedure of a procedure-level event; "" applies it to every
	// procedure it is valid for (a single procedure's dossier, or all of a bundle's).
	Procedure   string
	At          time.Time
	By, Origin  string
	Agency      string
	Counter     string
	Reason      string
	Items       []SupplementItem
	Appointment time.Time // extended: the new appointment
	Receiver    *Receiver // returned
	Rating      *Rating   // rated
	Key         string
	Upstream    int
}

// ErrTransition says the event is not allowed in the dossier's (or procedure's) stage. The
// error is a *TransitionError.
var ErrTransition = errors.New("forms: transition not allowed")

// TransitionError is an event refused by the state machine.
type TransitionError struct {
	Event     Event
	Stage     Stage  // the stage that refuses it (the procedure's when Procedure is set)
	Procedure string // the procedure's name, when one procedure refuses it
	Rated     bool   // a second rating
}

func (e *TransitionError) Error() string {
	if e.Procedure != "" {
		return fmt.Sprintf("forms: %s not allowed: procedure %q is %s", e.Event, e.Procedure, e.Stage)
	}
	return fmt.Sprintf("forms: %s not allowed: dossier is %s", e.Event, e.Stage)
}

func (e *TransitionError) Unwrap() error { return ErrTransition }

// Message is the refusal in Vietnamese: what cannot be done, why, what to do.
func (e *TransitionError) Message() string {
	if e.Rated {
		return "Công dân đã đánh giá hồ sơ này; mỗi hồ sơ chỉ ghi một lần đánh giá."
	}
	where := "hồ sơ " + e.Stage.Label()
	if e.Procedure != "" {
		where = "thủ tục «" + e.Procedure + "» " + e.Stage.Label()
	}
	msg := fmt.Sprintf("Không thể %s: %s.", e.Event.Label(), where)
	switch {
	case e.Event == EventReturned && e.Stage.Pending():
		msg += " Chưa có kết quả: chờ cơ quan giải quyết chuyển kết quả về bộ phận một cửa."
	case e.Event == EventReturned && e.Stage == StageReturned:
		msg += " Kết quả đã được trả trước đó."
	case e.Event == EventSupplementReceived:
		msg += " Chỉ nhận bổ sung khi hồ sơ đang chờ bổ sung."
	case e.Stage == StageResultReady:
		msg += " Hồ sơ đã có kết quả: hãy trả kết quả cho công dân."
	case e.Stage.Final():
		msg += " Hồ sơ đã kết thúc."
	}
	return msg
}

// ErrChange says an event lacks what it needs (a reason, a new appointment...). The error is a
// *ChangeError.
var ErrChange = errors.New("forms: incomplete change")

// ChangeError says, in Vietnamese, what an event lacks.
type ChangeError struct {
	Event   Event
	Message string // Vietnamese
}

func (e *ChangeError) Error() string { return fmt.Sprintf("forms: %s: incomplete change", e.Event) }

func (e *ChangeError) Unwrap() error { return ErrChange }

func changeErr(ev Event, msg string) error { return &ChangeError{Event: ev, Message: msg} }

// procedureFrom lists the stages a procedure-level event applies from.
var procedureFrom = map[Event][]Stage{
	EventStarted:             {StageReceived},
	EventSupplementRequested: {StageReceived, StageProcessing},
	EventSupplementReceived:  {StageSupplement},
	EventResultReady:         {StageReceived, StageProcessing},
	EventStopped:             {StageReceived, StageProcessing, StageSupplement},
	EventExtended:            {StageReceived, StageProcessing, StageSupplement},
}

// procedureTo is the stage a procedure-level event leads to ("" keeps the stage).
var procedureTo = map[Event]Stage{
	EventStarted:             StageProcessing,
	EventSupplementRequested: StageSupplement,
	EventSupplementReceived:  StageProcessing,
	EventResultReady:         StageResultReady,
	EventStopped:             StageStopped,
	EventExtended:            "",
}

// Allowed reports whether ev may be applied now (to procedure, or to any procedure when
// ""), without applying it; the error says why not.
func (l *Life) Allowed(ev Event, procedure string) error {
	cp := l.clone()
	_, err := cp.apply(Change{Event: ev, Procedure: procedure}, false)
	return err
}

func (l *Life) clone() *Life {
	cp := *l
	cp.Procedures = slices.Clone(l.Procedures)
	cp.History = slices.Clone(l.History)
	return &cp
}

// Apply applies a change: it checks that the event is allowed and complete, moves the
// procedures and the dossier, and appends the step to the history. On error nothing changes.
func (l *Life) Apply(c Change) (Step, error) {
	if c.At.IsZero() {
		return Step{}, fmt.Errorf("forms: %s without a time", c.Event)
	}
	cp := l.clone()
	st, err := cp.apply(c, true)
	if err != nil {
		return Step{}, err
	}
	*l = *cp
	return st, nil
}

func (l *Life) apply(c Change, complete bool) (Step, error) {
	if !c.Event.Valid() || c.Event == EventReceived {
		return Step{}, fmt.Errorf("forms: event %q cannot be applied", c.Event)
	}
	if c.Event.DossierLevel() && c.Procedure != "" {
		return Step{}, fmt.Errorf("forms: %s concerns the whole dossier, not procedure %q", c.Event, c.Procedure)
	}
	if complete {
		if err := c.check(); err != nil {
			return Step{}, err
		}
	}
	from := l.Stage
	var moved []string
	switch c.Event {
	case EventReturned:
		if l.Stage != StageResultReady {
			return Step{}, &TransitionError{Event: c.Event, Stage: l.Stage}
		}
		for i := range l.Procedures {
			if p := &l.Procedures[i]; p.Stage == StageResultReady {
				p.Stage = StageReturned
				moved = append(moved, p.ID)
			}
		}
		l.Stage, l.ReturnedAt = StageReturned, c.At
	case EventWithdrawn:
		if !l.Stage.Pending() {
			return Step{}, &TransitionError{Event: c.Event, Stage: l.Stage}
		}
		for i := range l.Procedures {
			if p := &l.Procedures[i]; p.Stage.Pending() {
				p.Stage = StageWithdrawn
				moved = append(moved, p.ID)
			}
		}
		l.Stage = StageWithdrawn
	case EventRated:
		for _, s := range l.History {
			if s.Event == EventRated {
				return Step{}, &TransitionError{Event: c.Event, Stage: l.Stage, Rated: true}
			}
		}
	default:
		if l.Stage.Final() {
			return Step{}, &TransitionError{Event: c.Event, Stage: l.Stage}
		}
		targets, err := l.targets(c)
		if err != nil {
			return Step{}, err
		}
		if c.Event == EventExtended && complete {
			for _, i := range targets {
				if p := l.Procedures[i]; !laterDay(c.Appointment, p.Appointment) {
					return Step{}, changeErr(c.Event, fmt.Sprintf("Ngày hẹn mới (%s) phải sau ngày hẹn đang có (%s).",
						c.Appointment.Format("02/01/2006"), p.Appointment.In(c.Appointment.Location()).Format("02/01/2006")))
				}
			}
		}
		for _, i := range targets {
			p := &l.Procedures[i]
			if to := procedureTo[c.Event]; to != "" {
				p.Stage = to
			}
			switch c.Event {
			case EventExtended:
				p.Appointment = c.Appointment
			case EventResultReady:
				p.ResultAt = c.At
			}
			moved = append(moved, p.ID)
		}
		l.refresh()
		if l.Stage == StageResultReady && from != StageResultReady {
			l.ResultAt = c.At
		}
	}
	st := Step{Seq: len(l.History) + 1, Event: c.Event, Procedures: moved, From: from, To: l.Stage, At: c.At, By: c.By,
		Origin: c.Origin, Agency: c.Agency, Counter: c.Counter, Reason: c.Reason, Items: slices.Clone(c.Items),
		Appointment: c.Appointment, Receiver: c.Receiver, Rating: c.Rating, Key: c.Key, Upstream: c.Upstream}
	if c.Event.DossierLevel() {
		st.Procedures = nil
	}
	if st.Origin == "" {
		st.Origin = OriginCounter
	}
	l.History = append(l.History, st)
	return st, nil
}

// targets returns the procedures a procedure-level change applies to.
func (l *Life) targets(c Change) ([]int, error) {
	valid := procedureFrom[c.Event]
	if c.Procedure != "" {
		for i, p := range l.Procedures {
			if p.ID != c.Procedure {
				continue
			}
			if !slices.Contains(valid, p.Stage) {
				return nil, &TransitionError{Event: c.Event, Stage: p.Stage, Procedure: p.Name}
			}
			return []int{i}, nil
		}
		return nil, changeErr(c.Event, fmt.Sprintf("Hồ sơ không có thủ tục %q.", c.Procedure))
	}
	var out []int
	for i, p := range l.Procedures {
		if slices.Contains(valid, p.Stage) {
			out = append(out, i)
		}
	}
	if len(out) == 0 {
		return nil, &TransitionError{Event: c.Event, Stage: l.Stage}
	}
	return out, nil
}

// check reports what a change lacks.
func (c Change) check() error {
	switch c.Event {
	case EventStopped:
		if strings.TrimSpace(c.Reason) == "" {
			return changeErr(c.Event, "Cần ghi lý do dừng giải quyết hồ sơ.")
		}
	case EventExtended:
		if strings.TrimSpace(c.Reason) == "" {
			return changeErr(c.Event, "Cần ghi lý do chậm trả kết quả.")
		}
		if c.Appointment.IsZero() {
			return changeErr(c.Event, "Cần ngày hẹn trả kết quả mới.")
		}
	case EventSupplementRequested:
		if len(c.Items) == 0 && strings.TrimSpace(c.Reason) == "" {
			return changeErr(c.Event, "Cần ghi giấy tờ phải bổ sung, hoàn thiện.")
		}
		for _, it := range c.Items {
			if strings.TrimSpace(it.Document) == "" || strings.TrimSpace(it.Problem) == "" {
				return changeErr(c.Event, "Mỗi mục bổ sung cần tên giấy tờ và nội dung thiếu hoặc sai.")
			}
		}
	case EventReturned:
		r := c.Receiver
		switch {
		case r == nil || strings.TrimSpace(r.ID) == "":
			return changeErr(c.Event, "Cần xác định người nhận kết quả (chạm thẻ, quét mã QR hoặc nhập số định danh).")
		case r.Relation != ReceiverRequester && r.Relation != ReceiverAuthorised:
			return changeErr(c.Event, "Người nhận phải là người nộp hồ sơ hoặc người được ủy quyền.")
		case r.Relation == ReceiverAuthorised && strings.TrimSpace(r.Authorisation) == "":
			return changeErr(c.Event, "Người nhận thay cần có giấy ủy quyền: ghi loại giấy, số, ngày.")
		}
	case EventRated:
		if c.Rating == nil || len(c.Rating.Answers) == 0 {
			return changeErr(c.Event, "Chưa có câu trả lời đánh giá nào.")
		}
	}
	return nil
}

// laterDay reports whether a falls on a later calendar day than b (in a's location).
func laterDay(a, b time.Time) bool {
	return lookups.DateOf(b.In(a.Location())).Before(lookups.DateOf(a))
}

// refresh derives the dossier's stage and appointment from its procedures. A returned or
// withdrawn dossier keeps its stage.
func (l *Life) refresh() {
	var latest time.Time
	for _, p := range l.Procedures {
		if p.Appointment.After(latest) {
			latest = p.Appointment
		}
	}
	l.Appointment = latest
	if l.Stage == StageReturned || l.Stage == StageWithdrawn {
		return
	}
	l.Stage = aggregate(l.Procedures)
}

// aggregate is a dossier's stage from its procedures': waiting for a supplement when one
// procedure waits; received while nothing was handled yet (no procedure processing nor with a
// result); being processed while one is pending;
// the result ready when every procedure ended and one has a result; stopped when all stopped.
func aggregate(ps []ProcedureLife) Stage {
	if len(ps) == 0 {
		return StageReceived
	}
	count := map[Stage]int{}
	for _, p := range ps {
		count[p.Stage]++
	}
	results := count[StageResultReady] + count[StageReturned]
	switch {
	case count[StageSupplement] > 0:
		return StageSupplement
	case count[StageProcessing] == 0 && count[StageReceived] > 0 && results == 0:
		return StageReceived // nothing handled yet (a procedure stopped at most)
	case count[StageReceived]+count[StageProcessing] > 0:
		return StageProcessing
	case count[StageResultReady] > 0:
		return StageResultReady
	case count[StageReturned] > 0:
		return StageReturned
	case count[StageWithdrawn] > 0:
		return StageWithdrawn
	}
	return StageStopped
}

// Timeliness of a result against its appointment: the statistics' three cases.
const (
	TimelyEarly  = "early"   // result before the due day
	TimelyOnTime = "on_time" // on the due day
	TimelyLate   = "late"    // after it (or pending past it)
)

// TimelinessLabel is a timeliness in Vietnamese.
func TimelinessLabel(t string) string {
	switch t {
	case TimelyEarly:
		return "trước hạn"
	case TimelyOnTime:
		return "đúng hạn"
	case TimelyLate:
		return "quá hạn"
	}
	return ""
}

// day is t's calendar day in loc.
func day(t time.Time, loc *time.Location) lookups.Date { return lookups.DateOf(t.In(loc)) }

// Timeliness says whether the procedure's result came before, on or after its due day (its
// appointment at reception, whatever later apology moved it), in loc; a pending procedure
// past its due day is late; otherwise "".
func (p ProcedureLife) Timeliness(now time.Time, loc *time.Location) string {
	if p.Due.IsZero() {
		return ""
	}
	due := day(p.Due, loc)
	switch {
	case !p.ResultAt.IsZero():
		got := day(p.ResultAt, loc)
		switch {
		case got.Before(due):
			return TimelyEarly
		case due.Before(got):
			return TimelyLate
		}
		return TimelyOnTime
	case p.Stage.Pending() && due.Before(day(now, loc)):
		return TimelyLate
	}
	return ""
}

// Timeliness is the dossier's: late when one procedure is, else early when every result
// came early, else on time once it has a result; "" while pending in time or when it ended
// without a result.
func (l *Life) Timeliness(now time.Time, loc *time.Location) string {
	out := ""
	for _, p := range l.Procedures {
		switch t := p.Timeliness(now, loc); t {
		case TimelyLate:
			return TimelyLate
		case TimelyOnTime:
			out = TimelyOnTime
		case TimelyEarly:
			if out == "" {
				out = TimelyEarly
			}
		}
	}
	return out
}

// Late reports whether the dossier is (or was) late: a result after its due day, or pending
// past it.
func (l *Life) Late(now time.Time, loc *time.Location) bool {
	return l.Timeliness(now, loc) == TimelyLate
}

// Extended reports whether an apology moved an appointment (Mẫu 04).
func (l *Life) Extended() bool {
	for _, s := range l.History {
		if s.Event == EventExtended {
			return true
		}
	}
	return false
}

// Last returns the last step of the history with that event (false when none).
func (l *Life) Last(ev Event) (Step, bool) {
	for i := len(l.History) - 1; i >= 0; i-- {
		if l.History[i].Event == ev {
			return l.History[i], true
		}
	}
	return Step{}, false
}

// First returns the first step of the history with that event (false when none).
func (l *Life) First(ev Event) (Step, bool) {
	for _, st := range l.History {
		if st.Event == ev {
			return st, true
		}
	}
	return Step{}, false
}

// Procedure returns the procedure with that id.
func (l *Life) Procedure(id string) (*ProcedureLife, bool) {
	for i := range l.Procedures {
		if l.Procedures[i].ID == id {
			return &l.Procedures[i], true
		}
	}
	return nil, false
}

// HasKey reports whether a step of the history carries the idempotency key.
func (l *Life) HasKey(key string) bool {
	if key == "" {
		return false
	}
	return slices.ContainsFunc(l.History, func(s Step) bool { return s.Key == key })
}
