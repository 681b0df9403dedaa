package offline

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestDossiers(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 5, 8, 0, 0, 0, ict)}
	s, err := Open(t.TempDir(), Options{Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	put := func(code, state, service string, blob string) {
		t.Helper()
		if err := s.PutDossier(DossierInfo{Code: code, State: state, Service: service}, []byte(blob)); err != nil {
			t.Fatal(err)
		}
		clock.Add(time.Hour)
	}
	put("A-260305-010002", "received", "khaisinh", `{"n":1}`)
	put("A-260305-010001", "draft", "kethon", `{"n":2}`)
	put("A-260305-010003", "queued", "khaisinh", `{"n":3}`)

	// Replacing keeps ReceivedAt and moves UpdatedAt.
	put("A-260305-010002", "submitted", "khaisinh", `{"n":1,"v":2}`)
	blob, info, err := s.GetDossier("A-260305-010002")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 5, 8, 0, 0, 0, ict)
	if string(blob) != `{"n":1,"v":2}` || info.State != "submitted" || !info.ReceivedAt.Equal(t0) || !info.UpdatedAt.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("after replace: %s %+v", blob, info)
	}

	if err := s.SetDossierState("A-260305-010003", "submitted"); err != nil {
		t.Fatal(err)
	}
	if _, info, _ := s.GetDossier("A-260305-010003"); info.State != "submitted" || !info.UpdatedAt.Equal(clock.Now()) {
		t.Errorf("after SetDossierState: %+v", info)
	}
	if err := s.SetDossierState("A-260305-019999", "submitted"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetDossierState on a missing dossier: %v", err)
	}
	if _, _, err := s.GetDossier("A-260305-019999"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetDossier on a missing dossier: %v", err)
	}

	cases := []struct {
		name string
		f    DossierFilter
		want []string
	}{
		{"all, oldest first", DossierFilter{}, []string{"A-260305-010002", "A-260305-010001", "A-260305-010003"}},
		{"state", DossierFilter{States: []string{"submitted"}}, []string{"A-260305-010002", "A-260305-010003"}},
		{"states", DossierFilter{States: []string{"draft", "queued"}}, []string{"A-260305-010001"}},
		{"service", DossierFilter{Service: "kethon"}, []string{"A-260305-010001"}},
		{"from", DossierFilter{From: t0.Add(time.Hour)}, []string{"A-260305-010001", "A-260305-010003"}},
		{"to", DossierFilter{To: t0.Add(time.Hour)}, []string{"A-260305-010002"}},
		{"none", DossierFilter{States: []string{"done"}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.ListDossiers(c.f)
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, d := range got {
				codes = append(codes, d.Code)
			}
			if !slices.Equal(codes, c.want) {
				t.Errorf("got %v, want %v", codes, c.want)
			}
		})
	}

	for _, bad := range []DossierInfo{{Code: "", State: "x"}, {Code: "A 1", State: "x"}, {Code: "A-1", State: ""}, {Code: "A-1", State: "x", Service: "two words"}} {
		if err := s.PutDossier(bad, nil); err == nil {
			t.Errorf("PutDossier(%+v) accepted", bad)
		}
	}
}

func TestReceipts(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetReceipt("A-260305-010001"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing receipt: %v", err)
	}
	pdf := []byte("%PDF-1.7 synthetic")
	if err := s.PutReceipt("A-260305-010001", pdf); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetReceipt("A-260305-010001")
	if err != nil || string(got) != string(pdf) {
		t.Errorf("GetReceipt: %q %v", got, err)
	}
}

func TestAccessLog(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 5, 8, 0, 0, 0, ict)}
	s, err := Open(t.TempDir(), Options{Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ref := s.SubjectRef("001099000001")
	cases := []struct {
		name string
		e    AccessEntry
		ok   bool
	}{
		{"lookup", AccessEntry{Operator: "canbo01", Purpose: "reception", Action: ActionLookup, Subject: ref, Outcome: "ok"}, true},
		{"submit", AccessEntry{Operator: "canbo01", Purpose: "submit", Action: ActionSubmit, Subject: ref, DossierCode: "A-260305-010001"}, true},
		{"raw ID as subject", AccessEntry{Operator: "canbo01", Purpose: "check", Action: ActionLookup, Subject: "001099000001"}, false},
		{"upper-case hash", AccessEntry{Operator: "canbo01", Purpose: "check", Action: ActionLookup, Subject: "AB" + ref[2:]}, false},
		{"no operator", AccessEntry{Purpose: "check", Action: ActionLookup}, false},
		{"no purpose", AccessEntry{Operator: "canbo01", Action: ActionLookup}, false},
		{"no action", AccessEntry{Operator: "canbo01", Purpose: "check"}, false},
	}
	for _, c := range cases {
		err := s.LogAccess(c.e)
		if (err == nil) != c.ok {
			t.Errorf("%s: err=%v, want ok=%v", c.name, err, c.ok)
		}
		clock.Add(time.Minute)
	}
	log, err := s.AccessLog()
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 {
		t.Fatalf("%d entries, want 2", len(log))
	}
	for i, e := range log {
		if e.Seq != uint64(i+1) {
			t.Errorf("entry %d has seq %d", i, e.Seq)
		}
	}
	if !log[0].Time.Equal(time.Date(2026, 3, 5, 8, 0, 0, 0, ict)) || log[1].Action != ActionSubmit || log[1].Subject != ref {
		t.Errorf("entries %+v", log)
	}
}
