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

// A keyed reception on a printer that is off: its receipt and control sheet fail and wait in
// the queue. The operator reruns the reception (the run said the print failed) while the
// printer is still off, then again once it is back but before the retry, the retry runs, and
// the reception is rerun once more. Each document prints exactly once, by the retry; the
// reruns print nothing (it waits in the queue, not pending). Guard.
func TestAdversary3PrinterOffThenBackReceptionRerunsAndRetryPrintOnce(t *testing.T) {
	f, pr := hookFixture(t, func(c *counter.Config) { c.ControlSheet = true })
	printed := map[string]int{}
	pr.hook = nil
	off := func() { // the printer's folder becomes unusable (a file in its place)
		if err := os.RemoveAll(f.receiptDir); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f.receiptDir, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	on := func() {
		if err := os.Remove(f.receiptDir); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(f.receiptDir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	count := func() {
		entries, _ := os.ReadDir(f.receiptDir)
		for _, e := range entries {
			printed[e.Name()]++
		}
	}
	decl, id, _ := declaration(t, f, false)
	opts := counter.ReceiveOptions{Key: "off-then-on", Fingerprint: "fp"}
	off()
	out, err := f.svc.ReceiveWith(ctx, decl, clerk, []string{id}, "", opts)
	if err != nil {
		t.Fatal(err)
	}
	if out.PrintErr == nil || out.ControlSheetErr == nil {
		t.Fatalf("printer off: print %v, control sheet %v", out.PrintErr, out.ControlSheetErr)
	}
	code := out.Dossier.Code
	if _, _, err := f.svc.Resume(ctx, clerk, opts); err != nil { // rerun, printer still off
		t.Fatal(err)
	}
	on()
	if _, _, err := f.svc.Resume(ctx, clerk, opts); err != nil { // rerun before the retry
		t.Fatal(err)
	}
	count()
	for name, n := range printed {
		t.Errorf("a rerun printed %s (%d) though it waits in the print queue", name, n)
	}
	f.clock.Advance(time.Minute)
	if _, _, err := f.svc.RetryPrints(ctx, clerk.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Resume(ctx, clerk, opts); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	if _, _, err := f.svc.RetryPrints(ctx, clerk.ID); err != nil {
		t.Fatal(err)
	}
	got := pr.counts()
	for _, name := range []string{code, code + "-phieu-kiem-soat"} {
		// attempts: one failed with the printer off, one that printed
		if got[name] != 2 {
			t.Errorf("%s sent to the printer %d times, want 2 (one failed, one printed)", name, got[name])
		}
		if _, err := os.Stat(filepath.Join(f.receiptDir, name+".pdf")); err != nil {
			t.Errorf("%s never printed: %v", name, err)
		}
	}
	if q, err := f.svc.PrintQueue(clerk); err != nil || len(q) != 0 {
		t.Errorf("print queue after the retry: %+v %v", q, err)
	}
}
