package counter_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/forms/calendar"
	"motcua/internal/counter"
	"motcua/lookups/gateway"
	"motcua/offline"
	"motcua/printing"
)

// Adversary tests of the print queue (printretry.go): a queued document prints once when the
// printer is back, whoever asks; one that cannot be read does not hold the queue at every
// tick; one queued before a key rotation prints after it.

// gatePrinter is a printer that counts its jobs; while gate is set, a job waits until the
// gate opens (or 20 s pass: a guard against a hang, far from the normal time).
type gatePrinter struct {
	mu      sync.Mutex
	jobs    []string
	fail    error
	gate    chan struct{}
	started chan struct{} // receives once per job that reached the printer
}

func (p *gatePrinter) Name() string                     { return "gate" }
func (p *gatePrinter) Status(ctx context.Context) error { return nil }
func (p *gatePrinter) Print(ctx context.Context, job printing.Job) error {
	p.mu.Lock()
	p.jobs = append(p.jobs, job.DossierCode)
	gate, fail := p.gate, p.fail
	p.mu.Unlock()
	if p.started != nil {
		p.started <- struct{}{}
	}
	if gate != nil {
		select {
		case <-gate:
		case <-time.After(20 * time.Second):
		}
	}
	return fail
}

func (p *gatePrinter) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.jobs)
}

// encryptedPrintService is a Service over the rights fixture's encrypted store, unlocked by
// its supervisor, printing to pr.
func encryptedPrintService(t *testing.T, pr printing.Printer) (*rightsFixture, *offline.Store, *counter.Service) {
	t.Helper()
	return encryptedPrintServiceOn(t, newRightsFixture(t), pr)
}

// encryptedPrintServiceOn is encryptedPrintService over f's store: called again, another
// process's worth (its own Store and Service over the same data directory).
func encryptedPrintServiceOn(t *testing.T, f *rightsFixture, pr printing.Printer) (*rightsFixture, *offline.Store, *counter.Service) {
	t.Helper()
	st, _, err := offline.Unlock(f.dir, "gs01", f.pass["gs01"], f.opt())
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(gateway.Config{BaseURL: f.url, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := counter.New(counter.Config{Agency: counter.Agency{Code: agencyCode, Parent: "UBND PHƯỜNG THỬ NGHIỆM", Name: "BỘ PHẬN",
		Place: "Phường Thử Nghiệm"}, Counter: 1, CacheTTL: 24 * time.Hour, CutoffHour: 15, ReturnHour: 8},
		counter.Deps{Gateway: gw, Store: st, Printer: pr, Calendar: calendar.Default(), Clock: f.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return f, st, svc
}

const advSheetCode = "G22.99.08-261123-010001"

var advSheet = []byte("%PDF-1.4\n% phiếu kiểm soát (adversary)\n%%EOF\n")

// queueSheet queues a control sheet whose print failed, and moves the clock past its backoff.
func queueSheet(t *testing.T, f *rightsFixture, st *offline.Store) {
	t.Helper()
	if err := st.Update(func(tx *offline.Tx) error {
		return tx.QueuePrint(offline.PrintControlSheet, advSheetCode, advSheet, errors.New("printer off"))
	}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(time.Hour)
}

func queuedJobs(t *testing.T, st *offline.Store) []offline.PrintJobState {
	t.Helper()
	var js []offline.PrintJobState
	if err := st.View(func(tx *offline.Tx) (err error) { js, err = tx.PrintQueue(false); return err }); err != nil {
		t.Fatal(err)
	}
	return js
}

// The counter screen asks the print queue to print again from every drain (tui/session.go:
// the sync tick, each reception, each rating), so two RetryPrints overlap whenever the
// gateway is slow. A document queued once prints once when the printer is back. DEFECT on
// main: each RetryPrints reads the due list before either prints, and both print it.
func TestAdversaryRetryPrintsTwiceAtOncePrintsOnce(t *testing.T) {
	pr := &gatePrinter{gate: make(chan struct{}), started: make(chan struct{}, 4)}
	f, st, svc := encryptedPrintService(t, pr)
	queueSheet(t, f, st)

	first := make(chan error, 1)
	go func() { _, _, err := svc.RetryPrints(ctx, "gs01"); first <- err }()
	<-pr.started // the first retry's job is at the printer, not yet done

	second := make(chan error, 1)
	go func() { _, _, err := svc.RetryPrints(ctx, "gs01"); second <- err }()
	// the second retry either waits for the first (a fix) or reaches the printer (main)
	select {
	case <-pr.started:
	case err := <-second:
		second <- err
	case <-time.After(10 * time.Second): // the second waits for the first: let it finish
	}
	close(pr.gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if n := pr.count(); n != 1 {
		t.Errorf("a queued control sheet printed %d times by two retries at once, want once", n)
	}
	if js := queuedJobs(t, st); len(js) != 0 {
		t.Errorf("still queued: %+v", js)
	}
}

// corruptPrintDoc flips a byte of the sealed document kept for the control sheet.
func corruptPrintDoc(t *testing.T, dir string) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, "motcua.db"), 0o600, &bolt.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(btx *bolt.Tx) error {
		b := btx.Bucket([]byte("print_documents"))
		if b == nil {
			return errors.New("no print_documents bucket")
		}
		key := []byte(offline.PrintControlSheet + " " + advSheetCode)
		v := b.Get(key)
		if v == nil {
			return errors.New("no kept document")
		}
		c := append([]byte(nil), v...)
		c[len(c)/2] ^= 0xff
		return b.Put(key, c)
	}); err != nil {
		t.Fatal(err)
	}
}

// A queued document whose kept copy cannot be opened (the file damaged) never prints. It must
// not be tried again at every tick with nothing recorded: its next try backs off and its
// error is kept, as a print that fails does. DEFECT on main: RetryPrints logs and skips it
// (printretry.go, RetryPrints: `continue` after queuedJob fails), leaving Attempts, NextAt
// and LastError as they were, so it is due again at the next sync tick, forever, and the
// status bar counts it as waiting with no reason anywhere but the log.
func TestAdversaryRetryPrintsUnreadableDocumentBacksOff(t *testing.T) {
	pr := &gatePrinter{}
	f, st, svc := encryptedPrintService(t, pr)
	queueSheet(t, f, st)
	before := queuedJobs(t, st)
	corruptPrintDoc(t, f.dir)

	if _, _, err := svc.RetryPrints(ctx, "gs01"); err != nil {
		t.Fatal(err)
	}
	if n := pr.count(); n != 0 {
		t.Fatalf("a damaged document reached the printer %d times", n)
	}
	after := queuedJobs(t, st)
	if len(before) != 1 || len(after) != 1 {
		t.Fatalf("queue before %+v, after %+v", before, after)
	}
	b, a := before[0], after[0]
	if !a.NextAt.After(f.clk.Now()) || a.Attempts == b.Attempts || a.LastError == b.LastError {
		t.Errorf("an unreadable queued document is left due at every tick with its old state: before %+v, after %+v (now %v)",
			b, a, f.clk.Now())
	}
}

// A control sheet queued before a key rotation (a key file revoked) prints after it, from the
// document re-sealed under the new data key. Guard.
func TestAdversaryQueuedDocumentSurvivesKeyRotation(t *testing.T) {
	pr := &gatePrinter{}
	f, st, svc := encryptedPrintService(t, pr)
	queueSheet(t, f, st)
	kfs, err := st.KeyFiles()
	if err != nil || len(kfs) == 0 {
		t.Fatalf("key files %v, %v", kfs, err)
	}
	if err := st.RevokeKeyFile(kfs[0].ID); err != nil {
		t.Fatal(err)
	}
	// a new session unlocks with the new key, as the counter does after a rotation
	st2, _, err := offline.Unlock(f.dir, "gs01", f.pass["gs01"], f.opt())
	if err != nil {
		t.Fatal(err)
	}
	var doc []byte
	if err := st2.View(func(tx *offline.Tx) (err error) {
		doc, err = tx.PrintDocument(offline.PrintControlSheet, advSheetCode)
		return err
	}); err != nil {
		t.Fatalf("the queued document after the rotation: %v", err)
	}
	if string(doc) != string(advSheet) {
		t.Fatalf("document after the rotation %q", doc)
	}
	if n, w, err := svc.RetryPrints(ctx, "gs01"); err != nil || n != 1 || w != 0 {
		t.Fatalf("retry after the rotation: printed %d, waiting %d, %v", n, w, err)
	}
}
