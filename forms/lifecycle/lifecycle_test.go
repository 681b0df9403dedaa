package lifecycle

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var hcm = time.FixedZone("ICT", 7*3600)

func lifeStart(procs ...string) Start {
	recv := time.Date(2026, 11, 23, 9, 0, 0, 0, hcm)
	in := Start{Code: "G01-261123-010001", Service: "svc", ServiceName: "Thủ tục thử", ReceivedAt: recv, By: "cb01", Agency: "G01", Counter: "01"}
	for i, p := range procs {
		in.Procedures = append(in.Procedures, Procedure{ID: p, Name: "Thủ tục " + p, Agency: "UBND", Appointment: recv.AddDate(0, 0, 2+i)})
	}
	return in
}

// at is the n-th minute after the reception.
func at(n int) time.Time { return time.Date(2026, 11, 23, 9, n, 0, 0, hcm) }

func change(ev Event, proc string) Change {
	c := Change{Event: ev, Procedure: proc, At: at(30), By: "cb01", Agency: "G01", Counter: "01", Origin: OriginCounter}
	switch ev {
	case EventStopped:
		c.Reason = "Cơ quan có thẩm quyền đề nghị dừng."
	case EventExtended:
		c.Reason = "Cần xác minh thêm."
		c.Appointment = time.Date(2026, 12, 10, 8, 0, 0, 0, hcm)
	case EventSupplementRequested:
		c.Items = []SupplementItem{{Document: "Giấy chứng sinh", Problem: "Thiếu bản chính", Guidance: "Mang bản chính"}}
	case EventReturned:
		c.Receiver = &Receiver{ID: "066303000006", Name: "Người Nhận", Relation: ReceiverRequester, Source: "typed"}
	case EventRated:
		c.Rating = &Rating{Set: "v1", Answers: []RatingAnswer{{Question: "q1", Answer: "hai-long"}}}
	}
	return c
}

// lifeAt builds a life whose procedures all went the way that leads to stage.
func lifeAt(t *testing.T, stage Stage, procs ...string) *Life {
	t.Helper()
	l := NewLife(lifeStart(procs...))
	path := map[Stage][]Event{
		StageReceived:    nil,
		StageProcessing:  {EventStarted},
		StageSupplement:  {EventStarted, EventSupplementRequested},
		StageResultReady: {EventStarted, EventResultReady},
		StageReturned:    {EventStarted, EventResultReady, EventReturned},
		StageStopped:     {EventStopped},
		StageWithdrawn:   {EventWithdrawn},
	}[stage]
	for _, ev := range path {
		if _, err := l.Apply(change(ev, "")); err != nil {
			t.Fatalf("path to %s: %s: %v", stage, ev, err)
		}
	}
	if l.Stage != stage {
		t.Fatalf("path to %s ended %s", stage, l.Stage)
	}
	return l
}

// The table, written out by hand: for each stage, the stage each event leads to ("-": refused).
var transitions = map[Stage]map[Event]Stage{
	StageReceived: {EventStarted: StageProcessing, EventSupplementRequested: StageSupplement, EventSupplementReceived: "-",
		EventResultReady: StageResultReady, EventReturned: "-", EventStopped: StageStopped, EventExtended: StageReceived,
		EventWithdrawn: StageWithdrawn, EventRated: StageReceived},
	StageProcessing: {EventStarted: "-", EventSupplementRequested: StageSupplement, EventSupplementReceived: "-",
		EventResultReady: StageResultReady, EventReturned: "-", EventStopped: StageStopped, EventExtended: StageProcessing,
		EventWithdrawn: StageWithdrawn, EventRated: StageProcessing},
	StageSupplement: {EventStarted: "-", EventSupplementRequested: "-", EventSupplementReceived: StageProcessing,
		EventResultReady: "-", EventReturned: "-", EventStopped: StageStopped, EventExtended: StageSupplement,
		EventWithdrawn: StageWithdrawn, EventRated: StageSupplement},
	StageResultReady: {EventStarted: "-", EventSupplementRequested: "-", EventSupplementReceived: "-",
		EventResultReady: "-", EventReturned: StageReturned, EventStopped: "-", EventExtended: "-",
		EventWithdrawn: "-", EventRated: StageResultReady},
	StageReturned: {EventStarted: "-", EventSupplementRequested: "-", EventSupplementReceived: "-",
		EventResultReady: "-", EventReturned: "-", EventStopped: "-", EventExtended: "-",
		EventWithdrawn: "-", EventRated: StageReturned},
	StageStopped: {EventStarted: "-", EventSupplementRequested: "-", EventSupplementReceived: "-",
		EventResultReady: "-", EventReturned: "-", EventStopped: "-", EventExtended: "-",
		EventWithdrawn: "-", EventRated: StageStopped},
	StageWithdrawn: {EventStarted: "-", EventSupplementRequested: "-", EventSupplementReceived: "-",
		EventResultReady: "-", EventReturned: "-", EventStopped: "-", EventExtended: "-",
		EventWithdrawn: "-", EventRated: StageWithdrawn},
}

func TestTransitionTable(t *testing.T) {
	for _, shape := range []struct {
		name  string
		procs []string
	}{{"single", []string{"p1"}}, {"bundle", []string{"p1", "p2", "p3"}}} {
		for _, from := range Stages {
			for _, ev := range Events {
				if ev == EventReceived {
					continue
				}
				want, ok := transitions[from][ev]
				if !ok {
					t.Fatalf("table misses %s / %s", from, ev)
				}
				t.Run(fmt.Sprintf("%s/%s/%s", shape.name, from, ev), func(t *testing.T) {
					l := lifeAt(t, from, shape.procs...)
					before := len(l.History)
					allowed := l.Allowed(ev, "")
					st, err := l.Apply(change(ev, ""))
					if want == "-" {
						var te *TransitionError
						if !errors.As(err, &te) || !errors.Is(err, ErrTransition) || allowed == nil {
							t.Fatalf("applied (%v, allowed %v), want refused", err, allowed)
						}
						if msg := te.Message(); !strings.HasPrefix(msg, "Không thể ") && !strings.Contains(msg, "đánh giá") {
							t.Errorf("refusal message %q", msg)
						}
						if l.Stage != from || len(l.History) != before {
							t.Errorf("a refused event changed the life: %s, %d steps", l.Stage, len(l.History))
						}
						return
					}
					if err != nil || allowed != nil {
						t.Fatalf("refused (%v, allowed %v), want %s", err, allowed, want)
					}
					if l.Stage != want || st.From != from || st.To != want {
						t.Errorf("stage %s (step %s→%s), want %s", l.Stage, st.From, st.To, want)
					}
					if len(l.History) != before+1 || st.Seq != before+1 || st.By != "cb01" || st.Agency != "G01" || st.Counter != "01" || !st.At.Equal(at(30)) {
						t.Errorf("step not kept with who, when, where: %+v", st)
					}
					if !ev.DossierLevel() && len(st.Procedures) == 0 {
						t.Errorf("a procedure event moved no procedure")
					}
				})
			}
		}
	}
}

// A bundle's procedures move one by one; the dossier follows the rule of aggregate.
func TestBundleProcedures(t *testing.T) {
	l := lifeAt(t, StageProcessing, "ks", "tt", "bhyt")
	step := func(ev Event, proc string, want Stage) {
		t.Helper()
		if _, err := l.Apply(change(ev, proc)); err != nil {
			t.Fatalf("%s %s: %v", ev, proc, err)
		}
		if l.Stage != want {
			t.Fatalf("after %s %s: %s, want %s", ev, proc, l.Stage, want)
		}
	}
	refused := func(ev Event, proc string) {
		t.Helper()
		if _, err := l.Apply(change(ev, proc)); !errors.Is(err, ErrTransition) {
			t.Fatalf("%s %s: %v, want refused", ev, proc, err)
		}
	}
	step(EventResultReady, "ks", StageProcessing) // one result of three: still being processed
	refused(EventReturned, "")                    // not every result is there
	refused(EventResultReady, "ks")               // already there
	step(EventSupplementRequested, "tt", StageSupplement)
	refused(EventSupplementReceived, "bhyt")
	step(EventSupplementReceived, "", StageProcessing) // "" moves the one that waits
	step(EventStopped, "tt", StageProcessing)
	if !l.ResultAt.IsZero() {
		t.Error("result time set before the dossier has its results")
	}
	step(EventResultReady, "", StageResultReady) // bhyt: the stopped one stays stopped
	if l.ResultAt.IsZero() {
		t.Error("result time not set")
	}
	step(EventReturned, "", StageReturned)
	if got := []Stage{l.Procedures[0].Stage, l.Procedures[1].Stage, l.Procedures[2].Stage}; got[0] != StageReturned || got[1] != StageStopped || got[2] != StageReturned {
		t.Errorf("procedures after the return: %v", got)
	}
	var te *TransitionError
	if _, err := lifeAt(t, StageProcessing, "a", "b").Apply(change(EventResultReady, "zz")); !errors.Is(err, ErrChange) || errors.As(err, &te) {
		t.Errorf("an unknown procedure: %v", err)
	}
	// every procedure stopped: the dossier is stopped
	all := lifeAt(t, StageProcessing, "a", "b")
	if _, err := all.Apply(change(EventStopped, "a")); err != nil || all.Stage != StageProcessing {
		t.Fatalf("%v %s", err, all.Stage)
	}
	if _, err := all.Apply(change(EventStopped, "b")); err != nil || all.Stage != StageStopped {
		t.Fatalf("%v %s", err, all.Stage)
	}
}

func TestChangeNeedsItsData(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*Change)
		ev   Event
	}{
		{"stop without reason", func(c *Change) { c.Reason = " " }, EventStopped},
		{"extend without reason", func(c *Change) { c.Reason = "" }, EventExtended},
		{"extend without date", func(c *Change) { c.Appointment = time.Time{} }, EventExtended},
		{"extend to an earlier day", func(c *Change) { c.Appointment = at(0) }, EventExtended},
		{"supplement without items", func(c *Change) { c.Items = nil }, EventSupplementRequested},
		{"supplement item without problem", func(c *Change) { c.Items[0].Problem = "" }, EventSupplementRequested},
		{"return without receiver", func(c *Change) { c.Receiver = nil }, EventReturned},
		{"return to an unknown relation", func(c *Change) { c.Receiver.Relation = "friend" }, EventReturned},
		{"authorised without paper", func(c *Change) { c.Receiver.Relation = ReceiverAuthorised }, EventReturned},
		{"rating without answers", func(c *Change) { c.Rating.Answers = nil }, EventRated},
	}
	for _, tc := range cases {
		from := StageProcessing
		if tc.ev == EventReturned {
			from = StageResultReady
		}
		l := lifeAt(t, from, "p1")
		c := change(tc.ev, "")
		tc.mod(&c)
		var ce *ChangeError
		if _, err := l.Apply(c); !errors.As(err, &ce) || ce.Message == "" {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// a second rating is refused
	l := lifeAt(t, StageReturned, "p1")
	if _, err := l.Apply(change(EventRated, "")); err != nil {
		t.Fatal(err)
	}
	var te *TransitionError
	if _, err := l.Apply(change(EventRated, "")); !errors.As(err, &te) || !te.Rated {
		t.Errorf("second rating: %v", err)
	}
}

func TestExtendMovesTheAppointmentNotTheDue(t *testing.T) {
	l := lifeAt(t, StageProcessing, "p1", "p2")
	due := l.Due
	c := change(EventExtended, "")
	if _, err := l.Apply(c); err != nil {
		t.Fatal(err)
	}
	if !l.Due.Equal(due) || !l.Appointment.Equal(c.Appointment) || !l.Extended() {
		t.Errorf("due %v (was %v), appointment %v, extended %v", l.Due, due, l.Appointment, l.Extended())
	}
	// a result after the original due day is late, whatever the apology said
	if _, err := l.Apply(Change{Event: EventResultReady, At: time.Date(2026, 12, 1, 10, 0, 0, 0, hcm), By: "agency", Origin: OriginAgency}); err != nil {
		t.Fatal(err)
	}
	if got := l.Timeliness(time.Date(2026, 12, 2, 0, 0, 0, 0, hcm), hcm); got != TimelyLate {
		t.Errorf("timeliness %q, want late", got)
	}
}

func TestTimeliness(t *testing.T) {
	recv := time.Date(2026, 11, 23, 9, 0, 0, 0, hcm)
	due := time.Date(2026, 11, 26, 8, 0, 0, 0, hcm)
	p := ProcedureLife{Stage: StageResultReady, Due: due}
	for _, tc := range []struct {
		result time.Time
		want   string
	}{
		{recv.Add(24 * time.Hour), TimelyEarly},
		{time.Date(2026, 11, 26, 16, 30, 0, 0, hcm), TimelyOnTime}, // the due day, after the appointment's hour: on time
		{time.Date(2026, 11, 27, 8, 0, 0, 0, hcm), TimelyLate},
	} {
		p.ResultAt = tc.result
		if got := p.Timeliness(tc.result, hcm); got != tc.want {
			t.Errorf("result %v: %q, want %q", tc.result, got, tc.want)
		}
	}
	pending := ProcedureLife{Stage: StageProcessing, Due: due}
	if got := pending.Timeliness(due.Add(10*time.Hour), hcm); got != "" {
		t.Errorf("pending on its due day: %q", got)
	}
	if got := pending.Timeliness(due.Add(24*time.Hour), hcm); got != TimelyLate {
		t.Errorf("pending the day after: %q", got)
	}
	stopped := ProcedureLife{Stage: StageStopped, Due: due}
	if got := stopped.Timeliness(due.Add(72*time.Hour), hcm); got != "" {
		t.Errorf("stopped: %q", got)
	}
}
