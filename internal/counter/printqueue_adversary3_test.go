package counter_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"motcua/internal/counter"
	"motcua/offline"
)

// Third adversary pass over the print queue's ownership (ClaimPrint clearing Pending,
// TakePending, ownPrint).

var errKilledAdv3 = errorString("test: killed while printing")

// orphanedReception receives one keyed declaration whose run dies right after its commit (its
// receipt and control sheet pending, nothing printed nor kept), and lets its hold pass.
func orphanedReception(t *testing.T, f *fixture, key string) string {
	t.Helper()
	decl, id, _ := declaration(t, f, false)
	opts := counter.ReceiveOptions{Key: key, Fingerprint: "fp-" + key}
	func() {
		defer func() {
			if r := recover(); r != errKilledAdv2 {
				t.Fatalf("the reception was not stopped after its commit: %v", r)
			}
		}()
		_, _ = f.svc.ReceiveGroup(ctx, clerk, []counter.GroupItem{{Decl: decl, ReceptionIDs: []string{id}, Opts: opts}},
			counter.GroupOptions{AfterCommit: func() { panic(errKilledAdv2) }})
	}()
	var code string
	if err := f.store.View(func(tx *offline.Tx) error {
		q, err := tx.PrintQueue(false)
		for _, j := range q {
			code = j.Code
		}
		return err
	}); err != nil || code == "" {
		t.Fatalf("no pending document after the killed reception (%v)", err)
	}
	f.clock.Advance(11 * time.Minute) // the dead run's hold has passed
	return code
}

// The counter screen's timer (RetryPrints) takes a dead reception's pending control sheet as
// an orphan and the counter is closed (power cut, window closed) while that sheet is at the
// printer. The sheet was rendered in memory only (printOrphan -> printControlSheet), never
// kept with the job. Once the retry's claim has passed, a later retry must still print it,
// as it would have without the first retry. DEFECT on main: ClaimPrint clears Pending
// (offline/printqueue.go:226), so the next retry takes the entry for an ordinary failed print
// and looks for its kept document (queuedJob -> PrintDocument): there is none, QueuePrint(nil)
// refuses ("has no document"), and the sheet stays due for ever, never printed, logged at
// every tick; the key's rerun cannot take it either (TakePending wants Pending).
func TestAdversary3RetryKilledDuringAnOrphansPrintLeavesItPrintable(t *testing.T) {
	f, pr := hookFixture(t, func(c *counter.Config) { c.ControlSheet = true })
	code := orphanedReception(t, f, "killed-retry")
	sheet := code + "-phieu-kiem-soat"
	pr.hook = func(_ int, name string) {
		if name == sheet {
			panic(errKilledAdv3)
		}
	}
	func() {
		defer func() {
			if r := recover(); r != errKilledAdv3 {
				t.Fatalf("the retry did not reach the control sheet: %v", r)
			}
		}()
		_, _, _ = f.svc.RetryPrints(ctx, clerk.ID)
	}()
	pr.hook = nil
	// the counter is opened again: its timer retries for an hour
	for range 12 {
		f.clock.Advance(5 * time.Minute)
		if _, _, err := f.svc.RetryPrints(ctx, clerk.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(f.receiptDir, sheet+".pdf")); err != nil {
		t.Errorf("the control sheet of %s never printed after the killed retry: %v", code, err)
	}
	q, err := f.svc.PrintQueue(clerk)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range q {
		t.Errorf("still in the print queue an hour later: %s %s (attempts %d, last error %q)", j.Kind, j.Code, j.Attempts, j.LastError)
	}
	if n := pr.counts()[code]; n != 1 {
		t.Errorf("the receipt of %s printed %d times, want once", code, n)
	}
}
