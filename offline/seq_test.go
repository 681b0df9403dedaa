package offline

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var ict = time.FixedZone("ICT", 7*3600)

// seqDay is 5 March 2026 at 00:30 in Vietnam, still 4 March in UTC.
var seqDay = time.Date(2026, 3, 5, 0, 30, 0, 0, ict)

func TestNextDossierCodeSequence(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	next := func(agency string, counter int, day time.Time) string {
		t.Helper()
		code, err := s.NextDossierCode(agency, counter, day)
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	steps := []struct {
		agency  string
		counter int
		day     time.Time
		want    string
	}{
		{"G22.99.08", 3, seqDay, "G22.99.08-260305-030001"},
		{"G22.99.08", 3, seqDay.Add(20 * time.Hour), "G22.99.08-260305-030002"}, // same local day
		{"G22.99.08", 3, seqDay, "G22.99.08-260305-030003"},
		{"G22.99.08", 4, seqDay, "G22.99.08-260305-040001"},                     // other counter
		{"000.00.12.H62", 3, seqDay, "000.00.12.H62-260305-030001"},             // other agency
		{"G22.99.08", 3, seqDay.Add(24 * time.Hour), "G22.99.08-260306-030001"}, // next day restarts
		{"G22.99.08", 3, seqDay.UTC(), "G22.99.08-260304-030001"},               // the day is the caller's calendar date
		{"G22.99.08", 99, seqDay, "G22.99.08-260305-990001"},
	}
	for _, st := range steps {
		if got := next(st.agency, st.counter, st.day); got != st.want {
			t.Errorf("NextDossierCode(%s, %d, %s) = %s, want %s", st.agency, st.counter, st.day, got, st.want)
		}
	}
	// Persisted across Open.
	s2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s2.NextDossierCode("G22.99.08", 3, seqDay); err != nil || got != "G22.99.08-260305-030004" {
		t.Errorf("after reopening: %s, %v; want G22.99.08-260305-030004", got, err)
	}
	// A code already used by a stored dossier is skipped.
	if err := s2.PutDossier(DossierInfo{Code: "G22.99.08-260305-030005", State: "received"}, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if got := next("G22.99.08", 3, seqDay); got != "G22.99.08-260305-030006" {
		t.Errorf("after an existing dossier: %s, want G22.99.08-260305-030006", got)
	}
}

func TestNextDossierCodeInvalid(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		agency  string
		counter int
	}{{"", 1}, {"G22-99", 1}, {"G22 99", 1}, {"Gà22", 1}, {strings.Repeat("A", 33), 1}, {"G22", 0}, {"G22", 100}, {"G22", -1}} {
		if code, err := s.NextDossierCode(c.agency, c.counter, seqDay); err == nil {
			t.Errorf("NextDossierCode(%q, %d) = %s, want an error", c.agency, c.counter, code)
		}
	}
}

func TestNextDossierCodeOverflow(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var last string
	err = s.Update(func(tx *Tx) error {
		for range MaxDossiersPerDay {
			c, err := tx.NextDossierCode("G22", 7, seqDay)
			if err != nil {
				return err
			}
			last = c
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if last != "G22-260305-079999" {
		t.Errorf("last code %s, want G22-260305-079999", last)
	}
	_, err = s.NextDossierCode("G22", 7, seqDay)
	if !errors.Is(err, ErrSequenceExhausted) {
		t.Fatalf("10000th code: got %v, want ErrSequenceExhausted", err)
	}
	if !strings.Contains(ClerkMessage(err), "hết số hồ sơ") {
		t.Errorf("clerk message %q", ClerkMessage(err))
	}
	if c, err := s.NextDossierCode("G22", 8, seqDay); err != nil || c != "G22-260305-080001" {
		t.Errorf("other counter after overflow: %s, %v", c, err)
	}
	if c, err := s.NextDossierCode("G22", 7, seqDay.AddDate(0, 0, 1)); err != nil || c != "G22-260306-070001" {
		t.Errorf("next day after overflow: %s, %v", c, err)
	}
}

// wantContiguous checks that codes are exactly the first n codes of counter 3 on seqDay.
func wantContiguous(t *testing.T, codes []string, n int) {
	t.Helper()
	slices.Sort(codes)
	if len(codes) != n {
		t.Fatalf("%d codes, want %d", len(codes), n)
	}
	for i, c := range codes {
		if want := FormatDossierCode("G22.99.08", 3, seqDay, i+1); c != want {
			t.Fatalf("code %d is %s, want %s (duplicate or gap)", i, c, want)
		}
	}
}

func TestNextDossierCodeConcurrentGoroutines(t *testing.T) {
	dir := t.TempDir()
	stores := make([]*Store, 3)
	for i := range stores {
		s, err := Open(dir, Options{LockWait: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		stores[i] = s
	}
	const n = 60
	var (
		mu    sync.Mutex
		codes []string
		wg    sync.WaitGroup
	)
	for i := range n {
		wg.Go(func() {
			c, err := stores[i%len(stores)].NextDossierCode("G22.99.08", 3, seqDay)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			codes = append(codes, c)
			mu.Unlock()
		})
	}
	wg.Wait()
	wantContiguous(t, codes, n)
}

func TestNextDossierCodeConcurrentProcesses(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{LockWait: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	const n = 100
	h := startHelper(t, "codes", dir, fmt.Sprintf("%s=%d", helperNEnv, n))
	var codes []string
	for range n {
		c, err := s.NextDossierCode("G22.99.08", 3, seqDay)
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, c)
	}
	other := h.finish(t)
	if len(other) != n {
		t.Fatalf("helper produced %d codes, want %d", len(other), n)
	}
	wantContiguous(t, append(codes, other...), 2*n)
}
