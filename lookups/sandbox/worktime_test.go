package sandbox

import (
	"encoding/json"
	"testing"
	"time"

	"motcua/forms"
	"motcua/forms/calendar"
	"motcua/forms/lifecycle"
	"motcua/lookups"
	"motcua/lookups/gateway"
)

// atWork reports why t is not a moment the agencies work (""): a working day of the embedded
// calendar, between opening and closing time, in Vietnam.
func atWork(t time.Time) string {
	l := t.In(ict)
	if !calendar.Default().IsWorkingDay(lookups.DateOf(l)) {
		return "a non-working day"
	}
	if m := time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute + time.Duration(l.Second())*time.Second; m < WorkOpen || m > WorkClose {
		return "outside working hours"
	}
	return ""
}

// submitDue sends a one-procedure dossier received at recv with its appointment at due.
func submitDue(t *testing.T, c *gateway.Client, code string, recv, due time.Time) {
	t.Helper()
	d := forms.Dossier{Code: code, ServiceID: "svc", ServiceName: "Thủ tục thử", Agency: "G01", Counter: "01", ReceivedAt: recv,
		Persons:    []forms.PersonRecord{{Slot: "requester", ID: "066303000006", FullName: "Phạm Thu Ngân"}},
		Procedures: []forms.ProcedureRecord{{ID: "p1", Name: "Thủ tục p1", Agency: "UBND phường", Appointment: due}}}
	body, _ := json.Marshal(d)
	if _, err := c.Submit(bg(), gateway.Submission{Code: code, Service: "svc", SpecVersion: "1", ReceivedAt: recv, Payload: body},
		"key-"+code, lookups.CallMeta{Operator: "cb01", Purpose: lookups.PurposeSubmit}); err != nil {
		t.Fatal(err)
	}
}

// An "on time" dossier has its result on its due day (what the statistics call on time), on or
// before the appointment, while the agency works: never the evening or the night before.
func TestWorkflowOnTimeResultOnTheDueDay(t *testing.T) {
	d := func(day, h, m int) time.Time { return time.Date(2026, 11, day, h, m, 0, 0, ict) }
	cases := []struct {
		name      string
		recv, due time.Time
		byAppt    bool // the appointment leaves the agency time: the result comes by it
	}{
		{"three days over the 24/11 holiday", d(23, 9, 0), d(27, 8, 0), true},
		{"three days from the afternoon", d(30, 13, 58), time.Date(2026, 12, 3, 8, 0, 0, 0, ict), true},
		{"over a weekend", d(26, 10, 0), time.Date(2026, 12, 1, 8, 0, 0, 0, ict), true},
		{"seven days", d(25, 9, 50), time.Date(2026, 12, 7, 8, 0, 0, 0, ict), true},
		{"next morning", d(25, 16, 0), d(26, 8, 0), true},
		{"the same day", d(26, 10, 15), d(26, 10, 15), false},
	}
	srv, c, clk := newWF(t, &Workflow{Seed: 1, OnTime: 1}, "")
	for i, tc := range cases {
		code := tc.recv.Format("G01-060102-01") + []string{"0001", "0002", "0003", "0004", "0005", "0006"}[i]
		clk.Set(tc.recv)
		submitDue(t, c, code, tc.recv, tc.due)
		clk.Set(tc.due.AddDate(0, 0, 10))
		life, ok := srv.Life(code)
		if !ok {
			t.Fatalf("%s: unknown", tc.name)
		}
		p := life.Procedures[0]
		if p.ResultAt.IsZero() {
			t.Errorf("%s: no result: %+v", tc.name, life.History)
			continue
		}
		if why := atWork(p.ResultAt); why != "" {
			t.Errorf("%s: result at %v: %s", tc.name, p.ResultAt.In(ict), why)
		}
		if got := p.Timeliness(clk.Now(), ict); got != lifecycle.TimelyOnTime {
			t.Errorf("%s: result at %v, due %v: %q, want on time", tc.name, p.ResultAt.In(ict), tc.due, got)
		}
		if tc.byAppt && p.ResultAt.After(tc.due) {
			t.Errorf("%s: result at %v, after the appointment %v", tc.name, p.ResultAt.In(ict), tc.due)
		}
	}
}

// Whatever the outcome, the agencies act while they work: every step they take on the dossiers
// of an agency (seeded ones over two months, holidays included) is on a working day within
// working hours, and each outcome has the timeliness its name says.
func TestWorkflowAgenciesActInWorkingHours(t *testing.T) {
	wf := Workflow{Seed: 5, OnTime: 0.4, Early: 0.2, Late: 0.2, Supplement: 0.1, Stop: 0.1, Others: 8, OtherDays: 60}
	srv, c, clk := newWF(t, &wf, "")
	clk.Set(time.Date(2026, 12, 18, 12, 0, 0, 0, ict))
	var codes []string
	q := gateway.DossierQuery{Limit: 100}
	for pages := 0; ; pages++ {
		page, err := c.AgencyDossiers(bg(), "G01", q, lookups.CallMeta{Operator: "cb01", Purpose: gateway.PurposeBook})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			codes = append(codes, it.Code)
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
		if pages > 100 {
			t.Fatal("endless pages")
		}
	}
	if len(codes) < 200 {
		t.Fatalf("%d dossiers", len(codes))
	}
	steps, timely := 0, map[string]map[string]int{}
	for _, code := range codes {
		life, ok := srv.Life(code)
		if !ok {
			t.Fatalf("%s unknown", code)
		}
		if why := atWork(life.ReceivedAt); why != "" {
			t.Errorf("%s received at %v: %s", code, life.ReceivedAt.In(ict), why)
		}
		for _, s := range life.History {
			if s.Origin != lifecycle.OriginAgency && s.Event != lifecycle.EventReturned {
				continue
			}
			steps++
			if why := atWork(s.At); why != "" {
				t.Errorf("%s: %s at %v: %s", code, s.Event, s.At.In(ict), why)
			}
		}
		for _, p := range life.Procedures {
			if why := atWork(p.Due); why != "" {
				t.Errorf("%s: due %v: %s", code, p.Due.In(ict), why)
			}
			if p.ResultAt.IsZero() {
				continue
			}
			o := wf.withDefaults().outcome(code, p.ID)
			if timely[o] == nil {
				timely[o] = map[string]int{}
			}
			timely[o][p.Timeliness(clk.Now(), ict)]++
		}
	}
	if steps < 500 {
		t.Errorf("only %d agency steps", steps)
	}
	for o, want := range map[string]string{OutcomeOnTime: lifecycle.TimelyOnTime, OutcomeLate: lifecycle.TimelyLate} {
		if len(timely[o]) != 1 || timely[o][want] == 0 {
			t.Errorf("%s results: %v, want all %s", o, timely[o], want)
		}
	}
	// early: before the due day, except the same-day procedures (on their day)
	if timely[OutcomeEarly][lifecycle.TimelyEarly] == 0 || timely[OutcomeEarly][lifecycle.TimelyLate] != 0 {
		t.Errorf("early results: %v", timely[OutcomeEarly])
	}
}

// A compressed schedule (Span: the demo, the tests) keeps its own pace, however short, and
// outside working hours: the office hours are real time's.
func TestWorkflowSpanKeepsItsPace(t *testing.T) {
	srv, c, clk := newWF(t, &Workflow{Seed: 1, OnTime: 1, Span: 10 * time.Millisecond}, "")
	recv := time.Date(2026, 11, 28, 22, 0, 0, 0, ict) // a Saturday night
	clk.Set(recv)
	submitDue(t, c, "G01-261128-010001", recv, time.Date(2026, 12, 2, 8, 0, 0, 0, ict))
	clk.Advance(20 * time.Millisecond)
	life, ok := srv.Life("G01-261128-010001")
	if !ok || life.Stage != lifecycle.StageResultReady || life.ResultAt.Sub(recv) > 10*time.Millisecond {
		t.Fatalf("span 10ms: %v %+v", ok, life)
	}
}
