package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/sandbox"
)

var batchMeta = lookups.CallMeta{Operator: "canbo01", Purpose: lookups.PurposeReconcile}

func TestLookupBatch(t *testing.T) {
	c, _, _ := newPair(t, sandbox.Options{}, gateway.Config{})
	a, b := pop.Person(3).Citizen.ID, pop.Person(1500).Citizen.ID
	unknown := a[:6] + "999999" // sequence beyond the population
	ids := []string{a, unknown, b, a}
	res, err := c.LookupBatch(context.Background(), ids, batchMeta)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(ids) {
		t.Fatalf("%d results for %d IDs", len(res), len(ids))
	}
	for i, want := range []bool{true, false, true, true} {
		if res[i].ID != ids[i] || res[i].Found != want {
			t.Errorf("result %d = %s found=%v, want %s found=%v", i, res[i].ID, res[i].Found, ids[i], want)
		}
	}
	if res[0].Resident.Citizen.FullName != pop.Person(3).Citizen.FullName {
		t.Error("resident 0 differs from the population's")
	}
	if res[1].Resident != nil {
		t.Error("not-found result carries a resident")
	}
}

func TestLookupBatchFull(t *testing.T) {
	c, _, _ := newPair(t, sandbox.Options{}, gateway.Config{})
	ids := make([]string, gateway.MaxBatchIDs)
	for i := range ids {
		ids[i] = pop.Person(i % pop.Size()).Citizen.ID
	}
	res, err := c.LookupBatch(context.Background(), ids, batchMeta)
	if err != nil {
		t.Fatal(err) // the answer is over 1 MiB: the batch limit applies
	}
	for i := range res {
		if !res[i].Found {
			t.Fatalf("result %d not found", i)
		}
	}
}

func TestLookupBatchRejectsBadInput(t *testing.T) {
	c, _, _ := newPair(t, sandbox.Options{}, gateway.Config{})
	id := pop.Person(1).Citizen.ID
	tooMany := make([]string, gateway.MaxBatchIDs+1)
	for i := range tooMany {
		tooMany[i] = id
	}
	for _, tc := range []struct {
		name string
		ids  []string
		meta lookups.CallMeta
		want error
	}{
		{"no meta", []string{id}, lookups.CallMeta{Operator: "x"}, gateway.ErrMissingMeta},
		{"empty", nil, batchMeta, gateway.ErrInvalidInput},
		{"too many", tooMany, batchMeta, gateway.ErrInvalidInput},
		{"not digits", []string{id, "12345"}, batchMeta, gateway.ErrInvalidID},
	} {
		_, err := c.LookupBatch(context.Background(), tc.ids, tc.meta)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), id) {
			t.Errorf("%s: error text holds an ID number", tc.name)
		}
	}
}

func TestLookupBatchRetriesTransientFailures(t *testing.T) {
	var calls atomic.Int32
	srv := sandbox.NewServer(pop, sandbox.Options{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"error":{"code":"internal","message":"bận"}}`)
			return
		}
		srv.ServeHTTP(w, r)
	})
	ts := httptest.NewServer(h)
	defer ts.Close()
	c, err := gateway.New(gateway.Config{BaseURL: ts.URL, BackoffBase: time.Millisecond, Rand: func() float64 { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.LookupBatch(context.Background(), []string{pop.Person(7).Citizen.ID}, batchMeta)
	if err != nil || len(res) != 1 || !res[0].Found {
		t.Fatalf("res %v err %v", res, err)
	}
	if calls.Load() != 2 {
		t.Errorf("%d calls, want 2 (one retry)", calls.Load())
	}
}

func TestLookupBatchStrictAnswers(t *testing.T) {
	id := pop.Person(2).Citizen.ID
	for _, tc := range []struct{ name, body string }{
		{"unknown field", `{"results":[{"id":"` + id + `","found":false,"extra":1}],"fetchedAt":"2026-01-01T00:00:00Z"}`},
		{"wrong count", `{"results":[],"fetchedAt":"2026-01-01T00:00:00Z"}`},
		{"other id", `{"results":[{"id":"000000000000","found":false}],"fetchedAt":"2026-01-01T00:00:00Z"}`},
		{"found without resident", `{"results":[{"id":"` + id + `","found":true}],"fetchedAt":"2026-01-01T00:00:00Z"}`},
		{"trailing", `{"results":[{"id":"` + id + `","found":false}],"fetchedAt":"2026-01-01T00:00:00Z"} {}`},
		{"too large", `{"results":[{"id":"` + id + `","found":false}],"fetchedAt":"2026-01-01T00:00:00Z"}` + strings.Repeat(" ", gateway.MaxBatchBodyBytes)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, tc.body)
			}))
			defer ts.Close()
			// A generous attempt timeout: the test is about how the answer is
			// judged, and reading 32 MiB under -race on a loaded machine can
			// take longer than the default 5 s (it then counts as a timeout).
			c, err := gateway.New(gateway.Config{BaseURL: ts.URL, Timeout: 2 * time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.LookupBatch(context.Background(), []string{id}, batchMeta)
			if !errors.Is(err, gateway.ErrBadResponse) {
				t.Fatalf("err %v, want ErrBadResponse", err)
			}
		})
	}
}

func TestLookupBatchIdentityView(t *testing.T) {
	c, _, _ := newPair(t, sandbox.Options{}, gateway.Config{})
	id := pop.Person(4).Citizen.ID
	res, err := c.LookupBatchView(context.Background(), []string{id}, gateway.ViewIdentity, batchMeta)
	if err != nil {
		t.Fatal(err)
	}
	full := pop.Person(4)
	if got, want := res[0].Resident, gateway.IdentityView(full); got.Household != nil || got.Citizen != want.Citizen || got.Permanent == nil {
		t.Errorf("identity view %+v", got)
	}
	if _, err := c.LookupBatchView(context.Background(), []string{id}, "all", batchMeta); !errors.Is(err, gateway.ErrInvalidInput) {
		t.Errorf("unknown view: err %v", err)
	}
}
