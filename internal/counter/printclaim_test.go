package counter_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
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

// A keyed reception killed between its save and its print, and never run again (a `batch run
// --print` whose rerun skips the rows it finished): what it was to print is printed by the
// print queue's retry once the reception's claim has passed, once, with the receiving
// operator on the receipt; not while the reception may still be printing it.
func TestRetryPrintsWhatADeadReceptionLeftPending(t *testing.T) {
	f := printFixture(t, func(c *counter.Config) { c.ControlSheet = true })
	decl, id, _ := declaration(t, f, false)
	killed := errors.New("test: killed after the commit")
	var code string
	func() {
		defer func() {
			if r := recover(); r != killed {
				t.Fatalf("the reception was not stopped after its commit: %v", r)
			}
		}()
		_, _ = f.svc.ReceiveGroup(ctx, clerk, []counter.GroupItem{{Decl: decl, ReceptionIDs: []string{id},
			Opts: counter.ReceiveOptions{Key: "lo-dead", Fingerprint: "fp"}}},
			counter.GroupOptions{AfterCommit: func() { panic(killed) }})
	}()
	if err := f.store.View(func(tx *offline.Tx) error {
		js, err := tx.PrintQueue(false)
		if len(js) != 2 {
			t.Fatalf("pending after the kill: %+v", js)
		}
		code = js[0].Code
		return err
	}); err != nil {
		t.Fatal(err)
	}
	pdfs := func() []string {
		t.Helper()
		names, err := filepath.Glob(filepath.Join(f.receiptDir, "*.pdf"))
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	// the reception may still be printing: the retry leaves its documents alone
	f.clock.Advance(time.Minute)
	if n, w, err := f.svc.RetryPrintsWith(ctx, clerk, counter.RetryOptions{Now: true}); err != nil || n != 0 || w != 2 || len(pdfs()) != 0 {
		t.Fatalf("retry while the reception holds its documents: printed %d, waiting %d, %v, files %v", n, w, err, pdfs())
	}
	// it is dead: the retry prints them, once
	f.clock.Advance(10 * time.Minute)
	if n, w, err := f.svc.RetryPrints(ctx, clerk.ID); err != nil || n != 2 || w != 0 {
		t.Fatalf("retry after the reception's claim: printed %d, waiting %d, %v", n, w, err)
	}
	want := []string{filepath.Join(f.receiptDir, code+"-phieu-kiem-soat.pdf"), filepath.Join(f.receiptDir, code+".pdf")}
	if got := pdfs(); !slices.Equal(got, want) {
		t.Errorf("printed %v, want %v", got, want)
	}
	if n := controlSheetPrints(t, f); n[code+" ok"] != 1 {
		t.Errorf("control sheets printed: %v", n)
	}
	if n, w, err := f.svc.RetryPrints(ctx, clerk.ID); err != nil || n != 0 || w != 0 {
		t.Errorf("a second retry: printed %d, waiting %d, %v", n, w, err)
	}
	// the rerun of the reception, after all, prints nothing again
	for _, p := range pdfs() {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	if out, ok, err := f.svc.Resume(ctx, clerk, counter.ReceiveOptions{Key: "lo-dead", Fingerprint: "fp"}); err != nil || !ok || out.ControlSheetPath != "" {
		t.Errorf("rerun: %v %v %+v", ok, err, out)
	}
	if got := pdfs(); len(got) != 0 {
		t.Errorf("the rerun printed again: %v", got)
	}
}

// A pending document the retry cannot even make (its dossier gone) backs off like a failed
// print, with its cause, and stays pending: not tried again, and logged, every two minutes.
func TestRetryBacksOffAPendingDocumentItCannotMake(t *testing.T) {
	f := printFixture(t, func(*counter.Config) {})
	const code = "G22.99.08-261123-019999" // no such dossier
	if err := f.store.Update(func(tx *offline.Tx) error { return tx.PrintPending(offline.PrintReceipt, code, 10*time.Minute) }); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(11 * time.Minute)
	if n, w, err := f.svc.RetryPrints(ctx, clerk.ID); err != nil || n != 0 || w != 1 {
		t.Fatalf("retry: printed %d, waiting %d, %v", n, w, err)
	}
	var j offline.PrintJobState
	if err := f.store.View(func(tx *offline.Tx) (err error) { j, _, err = tx.PrintJob(offline.PrintReceipt, code); return err }); err != nil {
		t.Fatal(err)
	}
	if !j.Pending || j.Attempts != 1 || !j.NextAt.After(f.clock.Now()) || j.LastError == "" {
		t.Fatalf("after a retry that could not make it: %+v (now %v)", j, f.clock.Now())
	}
	// before its backoff: not tried again; after it, tried and backed off further (the waits
	// grow up to half an hour, as a failed print's)
	first := j.NextAt.Sub(f.clock.Now())
	f.clock.Advance(first / 2)
	if n, _, err := f.svc.RetryPrints(ctx, clerk.ID); err != nil || n != 0 {
		t.Fatalf("retry before the backoff: %d, %v", n, err)
	}
	if err := f.store.View(func(tx *offline.Tx) (err error) { j, _, err = tx.PrintJob(offline.PrintReceipt, code); return err }); err != nil || j.Attempts != 1 {
		t.Fatalf("tried again before its backoff: %+v %v", j, err)
	}
	f.clock.Advance(first)
	if _, _, err := f.svc.RetryPrints(ctx, clerk.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.store.View(func(tx *offline.Tx) (err error) { j, _, err = tx.PrintJob(offline.PrintReceipt, code); return err }); err != nil {
		t.Fatal(err)
	}
	if second := j.NextAt.Sub(f.clock.Now()); !j.Pending || j.Attempts != 2 || second <= first {
		t.Errorf("after the second try: %+v, next wait %v (first %v)", j, second, first)
	}
}
