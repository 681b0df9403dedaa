package counter_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"motcua/forms"
	"motcua/forms/calendar"
	"motcua/internal/counter"
	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/gateway/hostile"
	"motcua/lookups/sandbox"
	"motcua/offline"
	"motcua/printing"
)

// The counter's use cases against a gateway that misbehaves
// (lookups/gateway/hostile): nothing it says may mark a dossier sent unless
// it acknowledges that dossier, and the clerk is told why it was not.

// newHostileFixture is a counter on a hostile gateway that knows the
// featured persons (their sandbox data, served by the hostile server).
func newHostileFixture(t *testing.T, cfg gateway.Config) (*fixture, *hostile.Server) {
	t.Helper()
	gw := hostile.Start(t)
	for _, fp := range sandbox.Featured() {
		if r, ok := sandbox.Default().Resident(fp.ID); ok {
			gw.SetResident(fp.ID, r)
		}
	}
	clk := &clock{t: time.Date(2026, time.November, 23, 10, 0, 0, 0, hcm(t))}
	cfg.BaseURL = gw.URL
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Retries == 0 {
		cfg.Retries = -1
	}
	if cfg.BreakerFailures == 0 {
		cfg.BreakerFailures = -1
	}
	c, err := gateway.New(cfg)
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
	}, counter.Deps{Gateway: c, Store: store, Printer: pr, Calendar: calendar.Default(), Specs: forms.Catalog(), Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, store: store, printer: pr, clock: clk, receiptDir: dir}, gw
}

func TestHostileAcknowledgementKeepsTheDossierQueued(t *testing.T) {
	for _, tc := range []struct {
		name string
		ack  func(gateway.Submission) hostile.Answer
	}{
		{"empty object", hostile.AckEmpty},
		{"null", hostile.AckNull},
		{"another dossier's code", hostile.AckForeign},
		{"status not in the contract", hostile.AckUnknownStatus},
		{"rejected inside a 2xx", hostile.AckRejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, gw := newHostileFixture(t, gateway.Config{})
			ctx := context.Background()
			decl, _, _ := declaration(t, f, false)
			gw.SetAck(tc.ack)

			// The reception's immediate send.
			out, err := f.svc.Receive(ctx, decl, clerk, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			code := out.Dossier.Code
			if out.Submitted || out.Dossier.Status != forms.StatusQueued || !errors.Is(out.SubmitErr, gateway.ErrUnacknowledged) {
				t.Fatalf("reception: submitted %v, status %s, err %v", out.Submitted, out.Dossier.Status, out.SubmitErr)
			}
			msg := counter.Explain(out.SubmitErr)
			if !strings.Contains(msg, "chưa xác nhận") || !strings.Contains(msg, "gửi lại") {
				t.Errorf("the clerk is told %q", msg)
			}
			e := outboxEntry(t, f, code)
			if e.State != offline.OutboxPending || e.Message != msg || e.LastError == "" {
				t.Errorf("outbox entry after the reception: %+v", e)
			}
			if st := storedState(t, f, code); st != counter.StateQueued {
				t.Errorf("stored state %s", st)
			}

			// The sync worker, however often it tries: never sent.
			for range 3 {
				f.clock.Advance(time.Hour)
				rep, err := f.svc.Drain(ctx, 0)
				if err != nil || len(rep.Sent) != 0 || len(rep.Retry) != 1 || rep.Waiting != 1 {
					t.Fatalf("drain: %+v %v", rep, err)
				}
			}
			if e := outboxEntry(t, f, code); e.State != offline.OutboxPending || e.Attempts != 4 || e.Message != msg {
				t.Errorf("outbox entry after the drains: %+v", e)
			}

			// A real acknowledgement, with the same idempotency key, sends it.
			gw.SetAck(hostile.AckOK)
			f.clock.Advance(time.Hour)
			rep, err := f.svc.Drain(ctx, 0)
			if err != nil || len(rep.Sent) != 1 || rep.Waiting != 0 {
				t.Fatalf("drain with a real acknowledgement: %+v %v", rep, err)
			}
			if e := outboxEntry(t, f, code); e.State != offline.OutboxSent || e.Message != "" {
				t.Errorf("outbox entry once sent: %+v", e)
			}
			keys := map[string]bool{}
			for _, r := range gw.Requests() {
				if r.Path == gateway.BasePath+"/dossiers" {
					keys[r.Header.Get(gateway.HeaderIdempotencyKey)] = true
				}
			}
			if len(keys) != 1 {
				t.Errorf("the dossier went out under %d idempotency keys", len(keys))
			}
		})
	}
}

func TestRedirectedGatewayGetsNothing(t *testing.T) {
	sink := hostile.Start(t)
	f, gw := newHostileFixture(t, gateway.Config{Token: "bi-mat"})
	ctx := context.Background()
	decl, id, _ := declaration(t, f, false)
	gw.RedirectTo(307, sink.URL)

	out, err := f.svc.Receive(ctx, decl, clerk, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if out.Submitted || out.Dossier.Status != forms.StatusQueued || !errors.Is(out.SubmitErr, gateway.ErrRedirected) {
		t.Fatalf("reception through a redirect: submitted %v, status %s, err %v", out.Submitted, out.Dossier.Status, out.SubmitErr)
	}
	f.clock.Advance(time.Hour)
	if rep, err := f.svc.Drain(ctx, 0); err != nil || len(rep.Sent) != 0 {
		t.Fatalf("drain through a redirect: %+v %v", rep, err)
	}
	// A look-up through the redirect is not an answer: the cached one serves.
	res, origin, err := f.svc.Lookup(ctx, id, lookups.CallMeta{Operator: "cb01", Purpose: lookups.PurposeCheck})
	if err == nil && origin.Source != "cache" {
		t.Errorf("a redirected look-up answered %v from %q", res.Citizen.ID, origin.Source)
	}
	if n := len(sink.Requests()); n != 0 {
		t.Errorf("the redirect target received %d requests", n)
	}
	if e := outboxEntry(t, f, out.Dossier.Code); e.State != offline.OutboxPending || !strings.Contains(e.Message, "địa chỉ khác") {
		t.Errorf("outbox entry %+v", e)
	}
}

// TestLookupWithoutCacheSaysNothingWasLookedUp: with the circuit open and the
// person not cached, the clerk learns that the look-up could not be made, not
// that cached data is in use or that a dossier will go out by itself.
func TestLookupWithoutCacheSaysNothingWasLookedUp(t *testing.T) {
	f, gw := newHostileFixture(t, gateway.Config{BreakerFailures: 1, BreakerCooldown: time.Hour})
	gw.AnswerEvery(func(*http.Request) (hostile.Answer, bool) { return hostile.Answer{Status: 503, Body: "{}"}, true })
	ctx := context.Background()
	meta := lookups.CallMeta{Operator: "cb01", Purpose: lookups.PurposeReception}
	id := featured(t, "married")
	_, _, err := f.svc.Lookup(ctx, id, meta) // opens the circuit
	if !errors.Is(err, gateway.ErrUnreachable) {
		t.Fatalf("first look-up: %v", err)
	}
	_, _, err = f.svc.Lookup(ctx, id, meta)
	if !errors.Is(err, gateway.ErrCircuitOpen) || !errors.Is(err, counter.ErrNotCached) {
		t.Fatalf("look-up with the circuit open: %v", err)
	}
	msg := counter.Explain(err)
	if !strings.Contains(msg, "Chưa tra cứu được") || strings.Contains(msg, "đang dùng dữ liệu lưu tạm") || strings.Contains(msg, "tự gửi") {
		t.Errorf("the clerk is told %q", msg)
	}
}

// TestDrainNowTriesEachDossierOnce: `queue sync --now` against a gateway that
// never acknowledges (or always fails with a 5xx) tries each queued dossier
// once and returns, instead of sending it again and again.
func TestDrainNowTriesEachDossierOnce(t *testing.T) {
	f, gw := newHostileFixture(t, gateway.Config{})
	fail500 := func(gateway.Submission) hostile.Answer { return hostile.Answer{Status: 500, Body: "{}"} }
	gw.SetAck(fail500)
	ctx := context.Background()
	var codes []string
	for range 3 {
		decl, _, _ := declaration(t, f, false)
		out, err := f.svc.Receive(ctx, decl, clerk, nil, "")
		if err != nil || out.Submitted {
			t.Fatalf("reception: %+v %v", out, err)
		}
		codes = append(codes, out.Dossier.Code)
	}
	for _, ack := range []func(gateway.Submission) hostile.Answer{fail500, hostile.AckEmpty} {
		gw.SetAck(ack)
		before := submissions(gw)
		// A bound far away, only against the endless loop this test is about.
		dctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		rep, err := f.svc.DrainWith(dctx, counter.DrainOptions{IgnoreBackoff: true})
		cancel()
		if err != nil || len(rep.Retry) != len(codes) || len(rep.Sent) != 0 || rep.Waiting != len(codes) {
			t.Fatalf("drain --now: %d retried, %d sent, %d waiting, err %v", len(rep.Retry), len(rep.Sent), rep.Waiting, err)
		}
		if n := submissions(gw) - before; n != len(codes) {
			t.Errorf("%d submissions for %d dossiers", n, len(codes))
		}
	}
	gw.SetAck(hostile.AckOK)
	rep, err := f.svc.DrainWith(ctx, counter.DrainOptions{IgnoreBackoff: true})
	if err != nil || len(rep.Sent) != len(codes) || rep.Waiting != 0 {
		t.Fatalf("drain --now with real acknowledgements: %+v %v", rep, err)
	}
}

// submissions counts the submissions the hostile gateway received.
func submissions(gw *hostile.Server) int {
	n := 0
	for _, r := range gw.Requests() {
		if r.Method == http.MethodPost && r.Path == gateway.BasePath+"/dossiers" {
			n++
		}
	}
	return n
}
