package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/lookups"
	"motcua/lookups/gateway"
)

type wfClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *wfClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *wfClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func (c *wfClock) Set(t time.Time)         { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func meta() lookups.CallMeta {
	return lookups.CallMeta{Operator: "cb01", Purpose: gateway.PurposeFollow}
}
func bg() context.Context   { return context.Background() }
func at(h, m int) time.Time { return time.Date(2026, 11, 23, h, m, 0, 0, ict) } // a Monday
func newWF(t *testing.T, wf *Workflow, store string) (*Server, *gateway.Client, *wfClock) {
	t.Helper()
	clk := &wfClock{t: at(9, 0)}
	srv, err := Open(New(3, 200), Options{Clock: clk.Now, Workflow: wf, StorePath: store})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	url, stop, err := Start("127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	c, err := gateway.New(gateway.Config{BaseURL: url, Timeout: 5 * time.Second, BreakerFailures: -1})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, clk
}

// submit sends a dossier of n procedures, due in 3, 4, 5 working days.
func submit(t *testing.T, c *gateway.Client, code string, procs ...string) {
	t.Helper()
	recv := at(9, 0)
	d := forms.Dossier{Code: code, ServiceID: "svc", ServiceName: "Thủ tục thử", Agency: "G01", Counter: "01", ReceivedAt: recv,
		Persons: []forms.PersonRecord{{Slot: "requester", ID: "066303000006", FullName: "Phạm Thu Ngân"}}}
	for i, p := range procs {
		d.Procedures = append(d.Procedures, forms.ProcedureRecord{ID: p, Name: "Thủ tục " + p, Agency: "UBND phường",
			Appointment: time.Date(2026, 11, 26+i, 8, 0, 0, 0, ict)})
	}
	body, _ := json.Marshal(d)
	if _, err := c.Submit(bg(), gateway.Submission{Code: code, Service: "svc", SpecVersion: "1", ReceivedAt: recv, Payload: body},
		"key-"+code, lookups.CallMeta{Operator: "cb01", Purpose: lookups.PurposeSubmit}); err != nil {
		t.Fatal(err)
	}
}

func stage(t *testing.T, c *gateway.Client, code string) gateway.Progress {
	t.Helper()
	p, err := c.Progress(bg(), code, meta())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Each outcome, in real time: the stage seen on days of the dossier's life.
func TestWorkflowOutcomesInRealTime(t *testing.T) {
	srv, c, clk := newWF(t, &Workflow{Seed: 1, OnTime: 1}, "")
	want := map[string][]string{ // stage at +1h, the due day (26/11) 18:00, 28/11 (a Friday, after the due day) 18:00
		OutcomeOnTime:     {"received", "result_ready", "result_ready"},
		OutcomeEarly:      {"received", "result_ready", "result_ready"},
		OutcomeLate:       {"received", "processing", "result_ready"},
		OutcomeSupplement: {"received", "supplement_requested", "supplement_requested"},
		OutcomeStop:       {"received", "stopped", "stopped"},
	}
	for outcome := range want {
		code := "G01-261123-01" + map[string]string{OutcomeOnTime: "0001", OutcomeEarly: "0002", OutcomeLate: "0003", OutcomeSupplement: "0004", OutcomeStop: "0005"}[outcome]
		clk.Set(at(9, 0))
		submit(t, c, code, "p1")
		if err := srv.ForceOutcome(code, outcome); err != nil {
			t.Fatal(err)
		}
		for i, when := range []time.Time{at(10, 0), time.Date(2026, 11, 26, 18, 0, 0, 0, ict), time.Date(2026, 11, 28, 18, 0, 0, 0, ict)} {
			clk.Set(when)
			if got := stage(t, c, code).Stage; got != want[outcome][i] {
				t.Errorf("%s at %v: %s, want %s", outcome, when, got, want[outcome][i])
			}
		}
		p := stage(t, c, code)
		switch outcome {
		case OutcomeLate:
			if !p.Appointment.After(p.Due) || p.ResultAt.Before(p.Due) {
				t.Errorf("late: appointment %v due %v result %v", p.Appointment, p.Due, p.ResultAt)
			}
		case OutcomeEarly: // before the due day, as the statistics count
			if !lookups.DateOf(p.ResultAt.In(ict)).Before(lookups.DateOf(p.Due.In(ict))) {
				t.Errorf("early: result %v, due %v", p.ResultAt, p.Due)
			}
		}
	}
}

func TestWorkflowEventsAndHistory(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "sb.jsonl")
	srv, c, clk := newWF(t, &Workflow{Seed: 1, Supplement: 1, Span: time.Hour}, store)
	code := "G01-261123-010001"
	submit(t, c, code, "ks", "tt")
	post := func(kind, key string, mod func(*gateway.CounterEvent)) (gateway.EventAck, error) {
		ev := gateway.CounterEvent{Kind: kind, At: clk.Now(), Operator: "cb01", Counter: "01"}
		if mod != nil {
			mod(&ev)
		}
		return c.PostEvent(bg(), code, ev, key, meta())
	}
	receiver := func(e *gateway.CounterEvent) {
		e.Receiver = &gateway.Receiver{ID: "066303000006", Name: "Phạm Thu Ngân", Relation: "requester", Source: "typed"}
	}
	// a hand-over before the result: refused with the state machine's message
	_, err := post("returned", "k-early", receiver)
	var ge *gateway.Error
	if !errors.As(err, &ge) || ge.Code != gateway.CodeInvalidTransition || ge.Message == "" || !errors.Is(err, gateway.ErrConflict) {
		t.Fatalf("early hand-over: %v", err)
	}
	clk.Advance(20 * time.Minute) // span 1h: the supplement is asked for at 0.3
	if p := stage(t, c, code); p.Stage != "supplement_requested" {
		t.Fatalf("stage %s", p.Stage)
	}
	if _, err := post("supplement_received", "k-supp", nil); err != nil {
		t.Fatal(err)
	}
	clk.Advance(40 * time.Minute) // the result 0.5 span after the supplement
	p := stage(t, c, code)
	if p.Stage != "result_ready" {
		t.Fatalf("after the supplement: %s %+v", p.Stage, p.History)
	}
	res, err := c.Results(bg(), code, meta())
	if err != nil || len(res.Procedures) != 2 || res.Procedures[0].Documents[0].Number == "" {
		t.Fatalf("results %+v %v", res, err)
	}
	ack, err := post("returned", "k-ret", receiver)
	if err != nil || ack.Stage != "returned" || ack.Seq == 0 {
		t.Fatalf("hand-over: %+v %v", ack, err)
	}
	// the same key again: the first answer; with another event: a conflict
	ack2, err := post("returned", "k-ret", receiver)
	if err != nil || ack2 != ack {
		t.Errorf("replay: %+v %v", ack2, err)
	}
	if _, err := post("rated", "k-ret", func(e *gateway.CounterEvent) {
		e.Rating = &gateway.Rating{Set: "v", Answers: []gateway.RatingAnswer{{Question: "q", Answer: "a"}}}
	}); !errors.As(err, &ge) || ge.Code != gateway.CodeKeyConflict {
		t.Errorf("key reused for another event: %v", err)
	}
	// a second hand-over under a new key is refused: never twice
	if _, err := post("returned", "k-ret-2", receiver); !errors.As(err, &ge) || ge.Code != gateway.CodeInvalidTransition {
		t.Errorf("second hand-over: %v", err)
	}
	p = stage(t, c, code)
	var kinds []string
	for _, s := range p.History {
		kinds = append(kinds, s.Kind+"/"+s.Origin)
	}
	wantKinds := []string{"received/counter", "started/agency", "started/agency", "supplement_requested/agency", "supplement_requested/agency",
		"supplement_received/counter", "result_ready/agency", "result_ready/agency", "returned/counter"}
	if len(kinds) != len(wantKinds) {
		t.Fatalf("history %v, want %v", kinds, wantKinds)
	}
	for i := range kinds {
		if kinds[i] != wantKinds[i] {
			t.Fatalf("history %v, want %v", kinds, wantKinds)
		}
	}
	// a restarted sandbox knows the events: the history is the same, the key still replays
	srv.Close()
	srv2, err := Open(New(3, 200), Options{Clock: clk.Now, Workflow: &Workflow{Seed: 1, Supplement: 1, Span: time.Hour}, StorePath: store})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	life, ok := srv2.Life(code)
	if !ok || life.Stage != lifecycle.StageReturned || len(life.History) != len(wantKinds) {
		t.Fatalf("after a restart: %+v", life)
	}
	if ev := srv2.Events(); len(ev) != 2 || ev[1].Key != "k-ret" {
		t.Errorf("events kept: %+v", ev)
	}
}

func TestWorkflowAgencyList(t *testing.T) {
	srv, c, clk := newWF(t, &Workflow{Seed: 7, OnTime: 0.6, Late: 0.2, Stop: 0.1, Supplement: 0.1, Others: 10, OtherDays: 30}, "")
	submit(t, c, "G01-261123-010001", "p1")
	clk.Set(at(16, 0))
	var all []gateway.AgencyDossier
	q := gateway.DossierQuery{Limit: 50}
	for pages := 0; ; pages++ {
		page, err := c.AgencyDossiers(bg(), "G01", q, lookups.CallMeta{Operator: "cb01", Purpose: gateway.PurposeBook})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Items...)
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
		if pages > 100 {
			t.Fatal("endless pages")
		}
	}
	stages, counters, channels := map[string]int{}, map[string]int{}, map[string]int{}
	own := false
	for i, d := range all {
		if i > 0 && all[i-1].Code >= d.Code {
			t.Fatalf("not in code order: %s then %s", all[i-1].Code, d.Code)
		}
		stages[d.Stage]++
		counters[d.Counter]++
		channels[d.Channel]++
		own = own || d.Code == "G01-261123-010001"
	}
	if !own || len(all) < 150 {
		t.Fatalf("%d dossiers, own listed %v", len(all), own)
	}
	for _, s := range []string{"returned", "stopped", "supplement_requested"} {
		if stages[s] == 0 {
			t.Errorf("no dossier %s in %v", s, stages)
		}
	}
	if len(counters) < 4 || len(channels) != 3 {
		t.Errorf("counters %v channels %v", counters, channels)
	}
	late := 0
	for _, d := range all {
		if d.Late {
			late++
		}
	}
	if late == 0 {
		t.Error("no late dossier")
	}
	// the seeded citizens rate some of the returned dossiers, a few minutes after the
	// hand-over, with answers of the rating set; no other dossier is rated
	rated, returned := 0, 0
	for _, d := range all {
		if d.Stage == "returned" && d.Code != "G01-261123-010001" {
			returned++
		}
		r := d.Rating
		if r == nil {
			continue
		}
		rated++
		if d.Stage != "returned" || !r.RatedAt.Equal(d.ReturnedAt.Add(5*time.Minute)) || r.Validate(d.ReceivedAt) != nil {
			t.Errorf("seeded rating of a %s dossier returned at %v: %+v", d.Stage, d.ReturnedAt, r)
		}
		lr := lifecycle.Rating{Set: r.Set}
		for _, a := range r.Answers {
			lr.Answers = append(lr.Answers, lifecycle.RatingAnswer{Question: a.Question, Answer: a.Answer})
		}
		if err := forms.Ratings().Check(lr); err != nil {
			t.Errorf("seeded rating %+v: %v", r, err)
		}
	}
	if rated == 0 || rated == returned {
		t.Errorf("%d of %d returned dossiers rated: want some, not all", rated, returned)
	}
	// filters: a day, a stage; the same seeds on a second server the same day
	page, err := c.AgencyDossiers(bg(), "G01", gateway.DossierQuery{From: "2026-11-23", To: "2026-11-23"}, lookups.CallMeta{Operator: "cb01", Purpose: gateway.PurposeBook})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("%v %v", page, err)
	}
	for _, d := range page.Items {
		if d.ReceivedAt.In(ict).Format("2006-01-02") != "2026-11-23" {
			t.Errorf("outside the day: %+v", d)
		}
	}
	srv2 := NewServer(New(3, 200), Options{Clock: clk.Now, Workflow: &Workflow{Seed: 7, OnTime: 0.6, Late: 0.2, Stop: 0.1, Supplement: 0.1, Others: 10, OtherDays: 30}})
	defer srv2.Close()
	if l1, ok1 := srv.Life(all[0].Code); !ok1 {
		t.Fatal("seeded dossier unknown")
	} else if l2, ok2 := srv2.Life(all[0].Code); !ok2 || l1.Stage != l2.Stage || len(l1.History) != len(l2.History) {
		t.Error("seeds differ between two servers on the same day")
	}
}

// The agency's list carries a dossier's rating from the counter's event: the set, the time and
// the answers, never the comment.
func TestWorkflowListCarriesRating(t *testing.T) {
	_, c, clk := newWF(t, &Workflow{Seed: 1, OnTime: 1, Span: time.Hour}, "")
	code := "G01-261123-010002"
	submit(t, c, code, "p1")
	clk.Advance(2 * time.Hour)
	post := func(kind, key string, mod func(*gateway.CounterEvent)) {
		t.Helper()
		ev := gateway.CounterEvent{Kind: kind, At: clk.Now(), Operator: "cb01", Counter: "01"}
		mod(&ev)
		if _, err := c.PostEvent(bg(), code, ev, key, meta()); err != nil {
			t.Fatal(err)
		}
	}
	post("returned", "k-ret", func(e *gateway.CounterEvent) {
		e.Receiver = &gateway.Receiver{ID: "066303000006", Relation: "requester", Source: "typed"}
	})
	clk.Advance(3 * time.Minute)
	ratedAt := clk.Now()
	post("rated", "k-rate", func(e *gateway.CounterEvent) {
		e.Rating = &gateway.Rating{Set: forms.Ratings().Version, Comment: "Chị Ngân ở tổ 3 rất tận tình",
			Answers: []gateway.RatingAnswer{{Question: "hai-long", Answer: "hai-long"}, {Question: "thai-do", Answer: "tan-tinh"}}}
	})
	page, err := c.AgencyDossiers(bg(), "G01", gateway.DossierQuery{}, lookups.CallMeta{Operator: "cb01", Purpose: gateway.PurposeBook})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("%+v %v", page, err)
	}
	r := page.Items[0].Rating
	if r == nil || r.Set != forms.Ratings().Version || !r.RatedAt.Equal(ratedAt) || len(r.Answers) != 2 ||
		r.Answers[0] != (gateway.RatingAnswer{Question: "hai-long", Answer: "hai-long"}) || page.Items[0].UpdatedAt.Before(ratedAt) {
		t.Fatalf("listed rating %+v (updated %v)", r, page.Items[0].UpdatedAt)
	}
	blob, _ := json.Marshal(page)
	if strings.Contains(string(blob), "tổ 3") || strings.Contains(string(blob), "tận tình") {
		t.Errorf("the list carries the comment: %s", blob)
	}
}
