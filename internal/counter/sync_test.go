package counter_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"motcua/forms"
	"motcua/forms/calendar"
	"motcua/internal/counter"
	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/sandbox"
	"motcua/offline"
	"motcua/printing"
)

// newSyncFixture is newFixture with a gateway client that neither retries
// nor opens its circuit, so that each test controls every attempt.
func newSyncFixture(t testing.TB) *fixture {
	t.Helper()
	clk := &clock{t: time.Date(2026, time.November, 23, 10, 0, 0, 0, hcm(t))}
	srv := sandbox.NewServer(sandbox.Default(), sandbox.Options{Clock: clk.Now})
	url, stop, err := sandbox.Start("127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	gw, err := gateway.New(gateway.Config{BaseURL: url, Timeout: 2 * time.Second, Retries: -1, BreakerFailures: -1})
	if err != nil {
		t.Fatal(err)
	}
	store, err := offline.Open(t.TempDir(), offline.Options{Clock: clk.Now, LockWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pr := printing.NewFilePrinter(dir)
	svc, err := counter.New(counter.Config{
		Agency:  counter.Agency{Code: agencyCode, Parent: "UBND PHƯỜNG THỬ NGHIỆM", Name: "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ", Place: "Phường Thử Nghiệm"},
		Counter: 1, CacheTTL: 24 * time.Hour, CutoffHour: 15, ReturnHour: 8,
	}, counter.Deps{Gateway: gw, Store: store, Printer: pr, Calendar: calendar.Default(), Specs: forms.Catalog(), Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, store: store, srv: srv, printer: pr, clock: clk, stop: stop, receiptDir: dir}
}

func setFaults(t testing.TB, f *fixture, fl sandbox.Faults) {
	t.Helper()
	if err := f.srv.SetFaults(fl); err != nil {
		t.Fatal(err)
	}
}

func outboxEntry(t testing.TB, f *fixture, code string) offline.OutboxEntry {
	t.Helper()
	e, err := f.store.GetOutbox(code)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// upstream counts the sandbox's acceptances of each code and fails on a
// duplicate (a second acceptance under another key).
func upstream(t testing.TB, f *fixture) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, d := range f.srv.Dossiers() {
		n[d.Submission.Code]++
		if d.Duplicate {
			t.Errorf("sandbox holds a duplicate of %s (key %s)", d.Submission.Code, d.IdempotencyKey)
		}
	}
	if st := f.srv.Stats(); st.Duplicates != 0 || st.Conflicts != 0 {
		t.Errorf("sandbox stats: %+v", st)
	}
	return n
}

func storedState(t testing.TB, f *fixture, code string) string {
	t.Helper()
	_, info, err := f.store.GetDossier(code)
	if err != nil {
		t.Fatal(err)
	}
	return info.State
}

func TestReceiveEnqueuesAndSends(t *testing.T) {
	f := newSyncFixture(t)
	decl, id, _ := declaration(t, f, false)
	out, err := f.svc.Receive(context.Background(), decl, clerk, []string{id}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !out.Submitted || out.Dossier.Status != forms.StatusSubmitted {
		t.Fatalf("outcome: submitted %v, status %s, err %v", out.Submitted, out.Dossier.Status, out.SubmitErr)
	}
	e := outboxEntry(t, f, out.Dossier.Code)
	if e.State != offline.OutboxSent || e.Attempts != 1 || e.IdempotencyKey != out.Dossier.IdempotencyKey || e.SentAt.IsZero() {
		t.Errorf("outbox entry = %+v", e)
	}
	if got := upstream(t, f); got[out.Dossier.Code] != 1 || len(got) != 1 {
		t.Errorf("upstream = %v", got)
	}
	// Nothing left to drain.
	rep, err := f.svc.Drain(context.Background(), 0)
	if err != nil || len(rep.Sent)+len(rep.Retry)+len(rep.Rejected) != 0 || rep.Waiting != 0 {
		t.Errorf("drain after a sent reception = %+v, %v", rep, err)
	}
}

func TestOfflineReceptionDrainsWhenTheLinkReturns(t *testing.T) {
	f := newSyncFixture(t)
	ctx := context.Background()
	var codes []string
	decls := make([]*forms.Declaration, 3)
	for i := range decls {
		decls[i], _, _ = declaration(t, f, false)
	}
	setFaults(t, f, sandbox.Faults{Outage: sandbox.OutageDrop})
	for _, decl := range decls {
		out, err := f.svc.Receive(ctx, decl, clerk, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if out.Submitted || out.Dossier.Status != forms.StatusQueued || !errors.Is(out.SubmitErr, gateway.ErrUnreachable) {
			t.Fatalf("offline reception: submitted %v status %s err %v", out.Submitted, out.Dossier.Status, out.SubmitErr)
		}
		codes = append(codes, out.Dossier.Code)
		e := outboxEntry(t, f, out.Dossier.Code)
		if wait := e.NextAttempt.Sub(f.clock.Now()); e.State != offline.OutboxPending || e.Attempts != 1 || wait < 5*time.Second || e.LastError == "" {
			t.Errorf("queued entry = %+v (next in %v)", e, wait)
		}
		if strings.Contains(e.LastError, featured(t, "single")) {
			t.Errorf("last error holds an ID number: %q", e.LastError)
		}
		if st := storedState(t, f, out.Dossier.Code); st != counter.StateQueued {
			t.Errorf("stored state = %s", st)
		}
	}
	// Still down, and not yet due: nothing is tried.
	rep, err := f.svc.Drain(ctx, 0)
	if err != nil || len(rep.Sent)+len(rep.Retry) != 0 || rep.Waiting != 3 || rep.NextAttempt.IsZero() {
		t.Fatalf("drain before the back-off = %+v, %v", rep, err)
	}
	// Due, but the link is still down: the first failure stops the drain, the
	// others are given back without an attempt counted.
	f.clock.Advance(time.Minute)
	rep, err = f.svc.Drain(ctx, 0)
	if err != nil || !rep.LinkDown || len(rep.Retry) != 1 || len(rep.Sent) != 0 || rep.Waiting != 3 {
		t.Fatalf("drain while down = %+v, %v", rep, err)
	}
	if e := outboxEntry(t, f, codes[1]); e.Attempts != 1 || e.State != offline.OutboxPending {
		t.Errorf("an untried entry was counted: %+v", e)
	}
	// The link returns.
	setFaults(t, f, sandbox.Faults{})
	f.clock.Advance(time.Hour)
	rep, err = f.svc.Drain(ctx, 0)
	if err != nil || len(rep.Sent) != 3 || rep.Waiting != 0 || rep.LinkDown {
		t.Fatalf("drain after the link returned = %+v, %v", rep, err)
	}
	got := upstream(t, f)
	for _, c := range codes {
		if got[c] != 1 {
			t.Errorf("%s upstream %d times", c, got[c])
		}
		if st := storedState(t, f, c); st != counter.StateSubmitted {
			t.Errorf("%s stored state = %s", c, st)
		}
	}
}

func TestLostAnswerIsReplayedWithTheSameKey(t *testing.T) {
	f := newSyncFixture(t)
	decl, _, _ := declaration(t, f, false)
	// The gateway stores the dossier, then the answer is lost.
	setFaults(t, f, sandbox.Faults{LoseRate: 1})
	out, err := f.svc.Receive(context.Background(), decl, clerk, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if out.Submitted {
		t.Fatal("a lost answer counted as sent")
	}
	setFaults(t, f, sandbox.Faults{})
	rep, err := f.svc.DrainWith(context.Background(), counter.DrainOptions{IgnoreBackoff: true})
	if err != nil || len(rep.Sent) != 1 {
		t.Fatalf("drain = %+v, %v", rep, err)
	}
	if got := upstream(t, f); got[out.Dossier.Code] != 1 {
		t.Errorf("upstream = %v", got)
	}
	// net/http itself may replay the lost POST once (it carries an
	// Idempotency-Key); every replay is answered from the first acceptance.
	if st := f.srv.Stats(); st.Replays < 1 || st.Accepted != 1 {
		t.Errorf("stats = %+v, want one acceptance and replays", st)
	}
}

func TestRejectedIsSetAsideWithReason(t *testing.T) {
	f := newSyncFixture(t)
	decl, _, _ := declaration(t, f, false)
	// Someone else already sent other content under the code the counter is
	// about to issue: the gateway answers 409 for the counter's dossier.
	code := agencyCode + "-261123-010001"
	_, err := gatewayClient(t, f).Submit(context.Background(), gateway.Submission{Code: code, Service: "x", SpecVersion: "1",
		ReceivedAt: f.clock.Now(), Payload: []byte(`{}`)}, "other-key", lookups.CallMeta{Operator: "cb99", Purpose: lookups.PurposeSubmit})
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.svc.Receive(context.Background(), decl, clerk, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if out.Dossier.Code != code || out.Submitted || out.Dossier.Status != forms.StatusRejected || !errors.Is(out.SubmitErr, gateway.ErrConflict) {
		t.Fatalf("outcome: code %s submitted %v status %s err %v", out.Dossier.Code, out.Submitted, out.Dossier.Status, out.SubmitErr)
	}
	e := outboxEntry(t, f, code)
	if e.State != offline.OutboxRejected || e.Reason != gateway.CodeCodeConflict || e.Message == "" || e.Attempts != 1 {
		t.Errorf("rejected entry = %+v", e)
	}
	if st := storedState(t, f, code); st != counter.StateRejected {
		t.Errorf("stored state = %s", st)
	}
	// Not retried, however late.
	f.clock.Advance(24 * time.Hour)
	rep, err := f.svc.DrainWith(context.Background(), counter.DrainOptions{IgnoreBackoff: true})
	if err != nil || len(rep.Sent)+len(rep.Retry)+len(rep.Rejected) != 0 || rep.Waiting != 0 {
		t.Errorf("drain = %+v, %v", rep, err)
	}
	if e := outboxEntry(t, f, code); e.Attempts != 1 {
		t.Errorf("rejected entry retried: %+v", e)
	}
}

func gatewayClient(t testing.TB, f *fixture) *gateway.Client {
	t.Helper()
	return newClient(t, f, gateway.Config{Retries: -1, BreakerFailures: -1})
}

func newClient(t testing.TB, f *fixture, cfg gateway.Config) *gateway.Client {
	t.Helper()
	url, stop, err := sandbox.Start("127.0.0.1:0", f.srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	cfg.BaseURL = url
	c, err := gateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestServerErrorsAreRetriedNotRejected(t *testing.T) {
	f := newSyncFixture(t)
	decl, _, _ := declaration(t, f, false)
	for _, status := range []int{500, 503} {
		setFaults(t, f, sandbox.Faults{ErrorRate: 1, ErrorStatus: status})
		if status == 500 {
			out, err := f.svc.Receive(context.Background(), decl, clerk, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			if out.Dossier.Status != forms.StatusQueued {
				t.Fatalf("status after a %d = %s", status, out.Dossier.Status)
			}
			continue
		}
		f.clock.Advance(time.Hour)
		rep, err := f.svc.Drain(context.Background(), 0)
		if err != nil || len(rep.Retry) != 1 || rep.Waiting != 1 {
			t.Fatalf("drain during %d = %+v, %v", status, rep, err)
		}
	}
	list, err := f.store.ListOutbox()
	if err != nil || len(list) != 1 || list[0].State != offline.OutboxPending || list[0].Attempts != 2 {
		t.Fatalf("outbox = %+v, %v", list, err)
	}
}

func TestConcurrentDrainsSendEachOnce(t *testing.T) {
	f := newSyncFixture(t)
	ctx := context.Background()
	const n = 12
	decls := make([]*forms.Declaration, n)
	for i := range decls {
		decls[i], _, _ = declaration(t, f, false)
	}
	setFaults(t, f, sandbox.Faults{Outage: sandbox.OutageRefuse})
	for _, d := range decls {
		if _, err := f.svc.Receive(ctx, d, clerk, nil, ""); err != nil {
			t.Fatal(err)
		}
	}
	setFaults(t, f, sandbox.Faults{Latency: 5 * time.Millisecond})
	f.clock.Advance(time.Hour)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		sent = map[string]int{}
	)
	for range 4 {
		wg.Go(func() {
			rep, err := f.svc.Drain(ctx, 0)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			for _, c := range rep.Sent {
				sent[c]++
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(sent) != n {
		t.Errorf("%d dossiers sent, want %d", len(sent), n)
	}
	for c, k := range sent {
		if k != 1 {
			t.Errorf("%s sent by %d drains", c, k)
		}
	}
	got := upstream(t, f)
	if len(got) != n {
		t.Errorf("upstream holds %d codes, want %d", len(got), n)
	}
	if st := f.srv.Stats(); st.Replays != 0 {
		t.Errorf("replays = %d: two drains sent the same dossier", st.Replays)
	}
}

func TestDeadDrainerLeaseIsTakenOver(t *testing.T) {
	f := newSyncFixture(t)
	decl, _, _ := declaration(t, f, false)
	setFaults(t, f, sandbox.Faults{Outage: sandbox.OutageDrop})
	out, err := f.svc.Receive(context.Background(), decl, clerk, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	setFaults(t, f, sandbox.Faults{})
	// A drainer process claims the entry, then dies before sending.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	dead := fmt.Sprintf("%s/%d/deadbeef", host, cmd.Process.Pid)
	f.clock.Advance(time.Hour)
	err = f.store.Update(func(tx *offline.Tx) error {
		_, err := tx.Claim(f.clock.Now(), time.Hour, dead, offline.ClaimOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.Drain(context.Background(), 0)
	if err != nil || len(rep.Sent) != 1 {
		t.Fatalf("drain after a dead drainer = %+v, %v", rep, err)
	}
	if e := outboxEntry(t, f, out.Dossier.Code); e.State != offline.OutboxSent || e.Attempts != 3 {
		t.Errorf("entry = %+v, want sent at the third attempt", e)
	}
	if got := upstream(t, f); got[out.Dossier.Code] != 1 {
		t.Errorf("upstream = %v", got)
	}
}

func TestDrainLimitAndCancel(t *testing.T) {
	f := newSyncFixture(t)
	ctx := context.Background()
	decls := make([]*forms.Declaration, 5)
	for i := range decls {
		decls[i], _, _ = declaration(t, f, false)
	}
	setFaults(t, f, sandbox.Faults{Outage: sandbox.OutageRefuse})
	for _, d := range decls {
		if _, err := f.svc.Receive(ctx, d, clerk, nil, ""); err != nil {
			t.Fatal(err)
		}
	}
	setFaults(t, f, sandbox.Faults{})
	f.clock.Advance(time.Hour)
	rep, err := f.svc.Drain(ctx, 2)
	if err != nil || len(rep.Sent) != 2 || rep.Waiting != 3 {
		t.Fatalf("Drain(2) = %+v, %v", rep, err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	rep, err = f.svc.Drain(canceled, 0)
	if err != nil || len(rep.Sent)+len(rep.Retry) != 0 || rep.Waiting != 3 {
		t.Fatalf("canceled drain = %+v, %v", rep, err)
	}
	// RunSync sends the rest, then stops with its context.
	rctx, rcancel := context.WithCancel(ctx)
	rounds := make(chan counter.DrainReport, 10)
	done := make(chan error, 1)
	go func() {
		done <- f.svc.RunSyncNotify(rctx, 10*time.Millisecond, func(r counter.DrainReport, err error) {
			if err != nil {
				t.Error(err)
			}
			select {
			case rounds <- r:
			default:
			}
		})
	}()
	first := <-rounds
	<-rounds
	rcancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("RunSync returned %v", err)
	}
	if len(first.Sent) != 3 || first.Waiting != 0 {
		t.Errorf("first round = %+v", first)
	}
	if got := upstream(t, f); len(got) != 5 {
		t.Errorf("upstream holds %d codes", len(got))
	}
}

// BenchmarkDrainLoopback is the drain throughput to the loopback sandbox:
// per dossier a claim (batched by 8), the HTTP submission and the record of
// the result (dossier re-sealed, outbox entry, access log) in one commit.
func BenchmarkDrainLoopback(b *testing.B) {
	f := newSyncFixture(b)
	ctx := context.Background()
	decl := benchDeclaration(b, f)
	setFaults(b, f, sandbox.Faults{Outage: sandbox.OutageRefuse})
	// Receive b.N dossiers offline first.
	for range b.N {
		if _, err := f.svc.Receive(ctx, decl, clerk, nil, ""); err != nil {
			b.Fatal(err)
		}
		decl = benchDeclaration(b, f)
	}
	setFaults(b, f, sandbox.Faults{})
	f.clock.Advance(time.Hour)
	b.ResetTimer()
	rep, err := f.svc.Drain(ctx, 0)
	if err != nil || len(rep.Sent) != b.N {
		b.Fatalf("drained %d of %d: %v (%+v)", len(rep.Sent), b.N, err, rep)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "dossiers/s")
}

func benchDeclaration(b *testing.B, f *fixture) *forms.Declaration {
	b.Helper()
	id := featured(b, "single")
	card, _ := sandbox.Default().Card(id)
	res, ok := sandbox.Default().Resident(id)
	if !ok {
		b.Fatal("no resident")
	}
	spec, _ := forms.Lookup("xac-nhan-tthn")
	decl, err := prefillWithCard(f.svc, spec, &card, "card", res, lookups.Origin{Source: lookups.SourceDatabase, FetchedAt: f.clock.Now()})
	if err != nil {
		b.Fatal(err)
	}
	if err := decl.Set("purpose", "other"); err != nil {
		b.Fatal(err)
	}
	if err := decl.Set("purpose_other", "Thử nghiệm"); err != nil {
		b.Fatal(err)
	}
	return decl
}

// A dossier queued through a 10-minute outage goes out within one sync period
// of the link's return, whatever its back-off, and the outage costs one health
// probe per period, not a submission per period.
func TestQueuedDossierSentWhenLinkReturns(t *testing.T) {
	f := newSyncFixture(t)
	const period = 30 * time.Second // limits.sync_every's default
	decl, id, _ := declaration(t, f, false)
	setFaults(t, f, sandbox.Faults{Outage: sandbox.OutageDrop})
	out, err := f.svc.Receive(context.Background(), decl, clerk, []string{id}, "")
	if err != nil {
		t.Fatal(err)
	}
	code := out.Dossier.Code
	if out.Submitted {
		t.Fatal("submitted during the outage")
	}
	if e := outboxEntry(t, f, code); !e.WaitsForLink || e.State != offline.OutboxPending {
		t.Fatalf("queued entry %+v: want pending, waiting for the link", e)
	}
	// Ten minutes of outage, one drain per sync period as RunSync does, and
	// on until the dossier's back-off (drawn with jitter) ends more than one
	// period later, so that only the link's return can explain a send.
	start := f.clock.Now()
	for f.clock.Now().Sub(start) < 10*time.Minute || !outboxEntry(t, f, code).NextAttempt.After(f.clock.Now().Add(period)) {
		if f.clock.Now().Sub(start) > 40*time.Minute {
			t.Fatalf("the back-off never exceeds one period: %+v", outboxEntry(t, f, code))
		}
		f.clock.Advance(period)
		rep, err := f.svc.Drain(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Sent) != 0 || rep.Waiting != 1 {
			t.Fatalf("drain during the outage: %+v", rep)
		}
	}
	e := outboxEntry(t, f, code)
	if e.Attempts > 9 {
		t.Errorf("%d submissions during a %v outage: the back-off is not honoured", e.Attempts, f.clock.Now().Sub(start))
	}
	// The link returns: the next drain sends it.
	setFaults(t, f, sandbox.Faults{})
	f.clock.Advance(period)
	rep, err := f.svc.Drain(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Sent) != 1 || rep.Sent[0] != code || rep.Waiting != 0 {
		t.Fatalf("first drain after the link returned: %+v (entry %+v)", rep, outboxEntry(t, f, code))
	}
	if got := upstream(t, f); got[code] != 1 {
		t.Errorf("upstream = %v", got)
	}
}

// A dossier refused for its own sake (a 500 about it) keeps its back-off when
// the link answers: only the link's failures are forgiven.
func TestServerErrorKeepsBackoffWhenLinkAnswers(t *testing.T) {
	f := newSyncFixture(t)
	decl, id, _ := declaration(t, f, false)
	setFaults(t, f, sandbox.Faults{ErrorRate: 1, ErrorStatus: 500})
	out, err := f.svc.Receive(context.Background(), decl, clerk, []string{id}, "")
	if err != nil {
		t.Fatal(err)
	}
	e := outboxEntry(t, f, out.Dossier.Code)
	if e.WaitsForLink || e.State != offline.OutboxPending {
		t.Fatalf("entry after a 500: %+v", e)
	}
	setFaults(t, f, sandbox.Faults{})
	if err := f.svc.GatewayStatus(context.Background()); err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.Drain(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Sent) != 0 || rep.Waiting != 1 {
		t.Fatalf("drain before the back-off ended: %+v", rep)
	}
	f.clock.Advance(offline.DefaultRetry.Base + time.Second)
	if rep, err = f.svc.Drain(context.Background(), 0); err != nil || len(rep.Sent) != 1 {
		t.Fatalf("drain after the back-off: %+v, %v", rep, err)
	}
}
