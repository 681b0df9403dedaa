package counter_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"motcua/internal/counter"
	"motcua/printing"
)

// Second adversary pass over the print queue: the documents a keyed reception records pending
// (offline.Tx.PrintPending, held pendingClaim) against the retry that takes them as orphans
// once the hold has passed (RetryPrints, printOrphan).

// hookPrinter prints to a folder (a FilePrinter) and counts the jobs by name; before a job
// reaches the folder, hook (when set) runs with the job's name and its ordinal (1, 2, ...).
type hookPrinter struct {
	inner *printing.FilePrinter
	mu    sync.Mutex
	n     int
	jobs  map[string]int
	hook  func(n int, name string)
}

func (p *hookPrinter) Name() string                     { return p.inner.Name() }
func (p *hookPrinter) Status(ctx context.Context) error { return p.inner.Status(ctx) }
func (p *hookPrinter) Print(ctx context.Context, job printing.Job) error {
	p.mu.Lock()
	p.n++
	n, hook := p.n, p.hook
	p.jobs[job.DossierCode]++
	p.mu.Unlock()
	if hook != nil {
		hook(n, job.DossierCode)
	}
	return p.inner.Print(ctx, job)
}

func (p *hookPrinter) counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.jobs))
	for k, v := range p.jobs {
		out[k] = v
	}
	return out
}

// hookFixture is printFixture printing through a hookPrinter.
func hookFixture(t *testing.T, set func(*counter.Config)) (*fixture, *hookPrinter) {
	t.Helper()
	var pr *hookPrinter
	f := printFixtureVia(t, set, func(fp *printing.FilePrinter) printing.Printer {
		pr = &hookPrinter{inner: fp, jobs: map[string]int{}}
		return pr
	})
	return f, pr
}

// A `batch run --print` of a group whose prints take long (a 200-row group on a printer that
// answers each job after its timeout, then comes back): the hold the group's save put on its
// pending documents (ten minutes from the save) passes while the group is still printing, and
// the counter screen's timer (RetryPrints, here in the middle of the group's first print) takes
// them as a dead run's and prints them; the group goes on and prints them again. Every receipt
// must print once. DEFECT on main: the reception's prints (receiptsGroup -> printKept ->
// printDoc, receptionControlSheet) neither renew nor check their hold, nor claim the entry as
// the retry does, so both print every row whose hold passed.
func TestAdversary2SlowGroupAndRetryPrintEachReceiptOnce(t *testing.T) {
	f, pr := hookFixture(t, nil)
	decl, id, _ := declaration(t, f, false)
	var retryErr error
	var retried int
	pr.hook = func(n int, _ string) {
		if n == 1 {
			// the first job took eleven minutes (the printer's timeouts) before it printed;
			// meanwhile the counter screen's timer retried the print queue
			f.clock.Advance(11 * time.Minute)
			retried, _, retryErr = f.svc.RetryPrints(ctx, clerk.ID)
		}
	}
	items := []counter.GroupItem{
		{Decl: decl, ReceptionIDs: []string{id}, Opts: counter.ReceiveOptions{Key: "slow-1", Fingerprint: "fp1"}},
		{Decl: decl, ReceptionIDs: []string{id}, Opts: counter.ReceiveOptions{Key: "slow-2", Fingerprint: "fp2"}},
	}
	outs, err := f.svc.ReceiveGroup(ctx, clerk, items, counter.GroupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if retryErr != nil {
		t.Fatal(retryErr)
	}
	got := pr.counts()
	for i, o := range outs {
		if o.Err != nil || o.PrintErr != nil {
			t.Fatalf("row %d: %v, print %v", i, o.Err, o.PrintErr)
		}
		if n := got[o.Dossier.Code]; n != 1 {
			t.Errorf("row %d's receipt %s printed %d times (the retry printed %d documents meanwhile), want once", i, o.Dossier.Code, n, retried)
		}
	}
}

// The rerun of a keyed reception (`dossier submit --key` run again after its first run died)
// comes while the print queue's retry is printing what that first run left pending (the hold
// passed, the retry claimed it): the receipt prints once. DEFECT on main: finishEarlier
// prints every entry still marked Pending without looking at (or taking) its claim, and the
// retry's claim leaves the entry Pending until its print is done.
func TestAdversary2RerunDuringTheRetrysOrphanPrintPrintsOnce(t *testing.T) {
	f, pr := hookFixture(t, nil)
	decl, id, _ := declaration(t, f, false)
	opts := counter.ReceiveOptions{Key: "rerun-1", Fingerprint: "fp"}
	func() {
		defer func() {
			if r := recover(); r != errKilledAdv2 {
				t.Fatalf("the reception was not stopped after its commit: %v", r)
			}
		}()
		_, _ = f.svc.ReceiveGroup(ctx, clerk, []counter.GroupItem{{Decl: decl, ReceptionIDs: []string{id}, Opts: opts}},
			counter.GroupOptions{AfterCommit: func() { panic(errKilledAdv2) }})
	}()
	f.clock.Advance(11 * time.Minute) // the dead run's hold has passed

	var rerun counter.Outcome
	var rerunErr error
	pr.hook = func(n int, _ string) {
		if n == 1 {
			// the retry's job is at the printer: the operator runs the reception again
			rerun, _, rerunErr = f.svc.Resume(ctx, clerk, opts)
		}
	}
	if _, _, err := f.svc.RetryPrints(ctx, clerk.ID); err != nil {
		t.Fatal(err)
	}
	if rerunErr != nil {
		t.Fatal(rerunErr)
	}
	code := rerun.Dossier.Code
	if n := pr.counts()[code]; n != 1 {
		t.Errorf("the receipt of %s printed %d times by the retry and the rerun, want once", code, n)
	}
}

var errKilledAdv2 = errorString("test: killed after the commit")

type errorString string

func (e errorString) Error() string { return string(e) }

// The counter's printer became a thermal one (the ward replaced its A4 printer) while a
// control sheet waited in the print queue. A thermal printer never takes a form: printDoc takes
// such a document off the queue when refused (sendPrint's queue=false), and so must the retry.
// DEFECT on main: RetryPrintsWith ignores sendPrint's verdict and queues the refused form again,
// so it waits for ever: `print retry` exits 3 at every run and the counter screen's status
// counts it, with nothing the operator can do.
func TestAdversary2RetryOnAThermalPrinterDropsTheFormItRefuses(t *testing.T) {
	dev := filepath.Join(t.TempDir(), "lp0")
	if err := os.WriteFile(dev, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	thermal, err := printing.NewESCPOSDevicePrinter(dev, printing.ESCPOSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, st, svc := encryptedPrintService(t, thermal)
	queueSheet(t, f, st)
	for i := range 2 {
		printed, waiting, err := svc.RetryPrintsWith(ctx, counter.Operator{ID: "gs01"}, counter.RetryOptions{Now: true})
		if err != nil {
			t.Fatal(err)
		}
		if printed != 0 || waiting != 0 {
			t.Errorf("retry %d on a thermal printer: printed %d, waiting %d; want the refused control sheet off the queue, as printDoc does", i+1, printed, waiting)
		}
		f.clk.Advance(time.Hour)
	}
}
