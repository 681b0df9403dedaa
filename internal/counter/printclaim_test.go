package counter_test

import (
	"testing"
	"time"

	"motcua/internal/counter"
	"motcua/offline"
)

// Two processes retry the print queue at once (the counter screen's timer and an operator's
// `motcua print retry --now`, each with its own Service over the same data directory): a
// queued document prints once, the second retry leaving alone the document the first holds.
func TestRetryPrintsInTwoProcessesPrintOnce(t *testing.T) {
	pr := &gatePrinter{gate: make(chan struct{}), started: make(chan struct{}, 4)}
	f, st, svc := encryptedPrintService(t, pr)
	queueSheet(t, f, st)
	_, _, other := encryptedPrintServiceOn(t, f, pr)

	first := make(chan error, 1)
	go func() { _, _, err := svc.RetryPrints(ctx, "gs01"); first <- err }()
	<-pr.started // the first retry's job is at the printer, not yet done

	printed, waiting, err := other.RetryPrintsWith(ctx, counter.Operator{ID: "gs01"}, counter.RetryOptions{Now: true})
	if err != nil || printed != 0 || waiting != 1 {
		t.Errorf("the second process's retry while the first prints: printed %d, waiting %d, %v; want 0, 1", printed, waiting, err)
	}
	close(pr.gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if n := pr.count(); n != 1 {
		t.Errorf("a queued control sheet printed %d times by two processes' retries, want once", n)
	}
	if js := queuedJobs(t, st); len(js) != 0 {
		t.Errorf("still queued: %+v", js)
	}
}

// A retry that died while printing (its claim left behind) delays the document by the claim
// only: once the claim has passed, the next retry prints it.
func TestRetryPrintsAfterADeadClaim(t *testing.T) {
	pr := &gatePrinter{}
	f, st, svc := encryptedPrintService(t, pr)
	queueSheet(t, f, st)
	if err := st.Update(func(tx *offline.Tx) error {
		ok, err := tx.ClaimPrint(offline.PrintControlSheet, advSheetCode, 2*time.Minute, false)
		if err == nil && !ok {
			t.Error("a due document could not be claimed")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n, _, err := svc.RetryPrints(ctx, "gs01"); err != nil || n != 0 {
		t.Fatalf("retry during another's claim: printed %d, %v", n, err)
	}
	f.clk.Advance(3 * time.Minute)
	if n, w, err := svc.RetryPrints(ctx, "gs01"); err != nil || n != 1 || w != 0 {
		t.Fatalf("retry after the claim passed: printed %d, waiting %d, %v", n, w, err)
	}
}
