package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/sandbox"
)

// fast makes retries quick and leaves the breaker out unless a test sets it.
func fast(cfg gateway.Config) gateway.Config {
	if cfg.BackoffBase == 0 {
		cfg.BackoffBase = time.Millisecond
	}
	if cfg.BackoffMax == 0 {
		cfg.BackoffMax = 5 * time.Millisecond
	}
	if cfg.BreakerFailures == 0 {
		cfg.BreakerFailures = -1
	}
	return cfg
}

func TestRetriesCountAttempts(t *testing.T) {
	id := pop.Person(11).Citizen.ID
	tests := []struct {
		name     string
		retries  int
		attempts int64
	}{
		{"three retries", 3, 4},
		{"default", 0, 1 + gateway.DefaultRetries},
		{"none", -1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv, _ := newPair(t, sandbox.Options{Faults: sandbox.Faults{ErrorRate: 1}}, fast(gateway.Config{Retries: tt.retries}))
			_, _, err := c.Lookup(context.Background(), id, meta)
			if !errors.Is(err, gateway.ErrServer) {
				t.Fatalf("err = %v", err)
			}
			if n := srv.Stats().Requests; n != tt.attempts {
				t.Fatalf("%d attempts, want %d", n, tt.attempts)
			}
			if err := srv.SetFaults(sandbox.Faults{}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.Lookup(context.Background(), id, meta); err != nil {
				t.Fatal(err)
			}
			if n := srv.Stats().Requests; n != tt.attempts+1 {
				t.Fatalf("%d attempts after recovery, want %d", n, tt.attempts+1)
			}
		})
	}
}

// A retried submission whose first answer was lost is stored once: the retry
// carries the same idempotency key and gets the first answer back.
func TestSubmitRetryAfterLostAnswer(t *testing.T) {
	srv := sandbox.NewServer(pop, sandbox.Options{})
	var hits atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			if err := srv.SetFaults(sandbox.Faults{LoseRate: 1}); err != nil {
				t.Error(err)
			}
		} else {
			if err := srv.SetFaults(sandbox.Faults{}); err != nil {
				t.Error(err)
			}
		}
		srv.ServeHTTP(w, r)
	}))
	defer ts.Close()
	c, _ := gateway.New(fast(gateway.Config{BaseURL: ts.URL, Retries: 3}))
	ack, err := c.Submit(context.Background(), submission("G22.99.08-260302-0077", `{"a":1}`), "key-lost", meta)
	if err != nil {
		t.Fatal(err)
	}
	st := srv.Stats()
	if ds := srv.Dossiers(); len(ds) != 1 || ds[0].Ack != ack {
		t.Fatalf("%d stored dossiers, ack %+v", len(ds), ack)
	}
	if st.Lost != 1 || st.Replays < 1 || st.Accepted != 1 || st.Duplicates != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRetryPolicyByStatus(t *testing.T) {
	tests := []struct {
		status int
		tries  int32
		kind   error
	}{
		{400, 1, gateway.ErrRejected},
		{401, 1, gateway.ErrUnauthorized},
		{404, 1, lookups.ErrNotFound},
		{409, 1, gateway.ErrConflict},
		{422, 1, gateway.ErrRejected},
		{408, 3, gateway.ErrTimeout},
		{429, 3, gateway.ErrServer},
		{500, 3, gateway.ErrServer},
		{502, 3, gateway.ErrUnreachable},
		{503, 3, gateway.ErrUnreachable},
		{504, 3, gateway.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			var hits atomic.Int32
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(`{"error":{"code":"","message":"Lỗi."}}`)) // a stub's write: the client's result is checked
			}))
			defer ts.Close()
			c, _ := gateway.New(fast(gateway.Config{BaseURL: ts.URL, Retries: 2}))
			_, err := c.Submit(context.Background(), submission("C-1", `{}`), "k", meta)
			if !errors.Is(err, tt.kind) {
				t.Errorf("err = %v, want %v", err, tt.kind)
			}
			if n := hits.Load(); n != tt.tries {
				t.Errorf("%d attempts, want %d", n, tt.tries)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	acked := []byte(`{"code":"C-1","status":"received","acceptedAt":"2026-03-02T10:00:00Z"}`)
	stub := func(first string) (*httptest.Server, *atomic.Int32) {
		var hits atomic.Int32
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hits.Add(1) == 1 {
				w.Header().Set("Retry-After", first)
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write(acked) // a stub's write: the client's result is checked
		}))
		t.Cleanup(ts.Close)
		return ts, &hits
	}

	// Honoured: the retry waits a second although the back-off is 1-5 ms.
	ts, hits := stub("1")
	c, _ := gateway.New(fast(gateway.Config{BaseURL: ts.URL, Budget: 3 * time.Second}))
	start := time.Now()
	if _, err := c.Status(context.Background(), "C-1", meta); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second || hits.Load() != 2 {
		t.Errorf("retried after %v with %d attempts; want >= 1s and 2", d, hits.Load())
	}

	// Beyond the budget: give up without a second attempt, say when to come back.
	ts, hits = stub("120")
	c, _ = gateway.New(fast(gateway.Config{BaseURL: ts.URL, Budget: 500 * time.Millisecond}))
	_, err := c.Status(context.Background(), "C-1", meta)
	var ge *gateway.Error
	if !errors.Is(err, gateway.ErrUnreachable) || !errors.As(err, &ge) || ge.RetryAfter != 2*time.Minute {
		t.Fatalf("err = %v", err)
	}
	if hits.Load() != 1 {
		t.Errorf("gave up after %d attempts, want 1", hits.Load())
	}

	// Health is the link's probe: one attempt, never a retry.
	ts, hits = stub("1")
	c, _ = gateway.New(fast(gateway.Config{BaseURL: ts.URL, Budget: 3 * time.Second}))
	if err := c.Health(context.Background()); !errors.Is(err, gateway.ErrUnreachable) || hits.Load() != 1 {
		t.Errorf("health: %v after %d attempts, want unreachable after 1", err, hits.Load())
	}
}

// fakeClock is a settable clock for the breaker's cool-down.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeClock) Add(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

func TestCircuitBreaker(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	c, srv, _ := newPair(t, sandbox.Options{Faults: sandbox.Faults{ErrorRate: 1}},
		fast(gateway.Config{Retries: -1, BreakerFailures: 3, BreakerCooldown: 30 * time.Second, Clock: clk.Now}))
	var mu sync.Mutex
	var seen []gateway.LinkStatus
	c.OnStateChange(func(s gateway.LinkState) {
		mu.Lock()
		seen = append(seen, s.Status)
		mu.Unlock()
	})
	ctx := context.Background()
	id := pop.Person(12).Citizen.ID
	if s := c.State(); s.Status != gateway.LinkUp || s.ConsecutiveFailures != 0 {
		t.Fatalf("initial state %+v", s)
	}

	// Three failures open the circuit.
	for i := 1; i <= 3; i++ {
		if _, _, err := c.Lookup(ctx, id, meta); !errors.Is(err, gateway.ErrServer) {
			t.Fatalf("call %d: %v", i, err)
		}
		s := c.State()
		want := gateway.LinkDegraded
		if i == 3 {
			want = gateway.LinkDown
		}
		if s.Status != want || s.ConsecutiveFailures != i || !strings.Contains(s.LastError, "status 500") {
			t.Fatalf("after %d failures: %+v", i, s)
		}
		if strings.Contains(s.LastError, id) {
			t.Fatalf("LastError leaks the ID: %q", s.LastError)
		}
	}
	s := c.State()
	if !s.Since.Equal(clk.Now()) || !s.NextProbe.Equal(clk.Now().Add(30*time.Second)) {
		t.Errorf("down state %+v", s)
	}

	// Open: answered at once, without a request, as "unreachable" for the cache fallback.
	before := srv.Stats().Requests
	_, _, err := c.Lookup(ctx, id, meta)
	var ge *gateway.Error
	if !errors.Is(err, gateway.ErrCircuitOpen) || !errors.Is(err, gateway.ErrUnreachable) ||
		errors.Is(err, gateway.ErrServer) || !errors.As(err, &ge) || ge.RetryAfter != 30*time.Second {
		t.Fatalf("open: %v", err)
	}
	// The message says what happened to this call: nothing was looked up (no
	// word of a cache the client knows nothing about); a submission waits.
	if m := gateway.ClerkMessage(err); !strings.Contains(m, "Mất kết nối cổng dữ liệu") || !strings.Contains(m, "chưa lấy được") ||
		strings.Contains(m, "lưu tạm") || strings.Contains(m, "hồ sơ") {
		t.Errorf("clerk message of a look-up %q", m)
	}
	_, serr := c.Submit(ctx, submission("G22.99.08-260302-0009", `{"a":1}`), "key-open", meta)
	if m := gateway.ClerkMessage(serr); !errors.Is(serr, gateway.ErrCircuitOpen) || !strings.Contains(m, "sẽ tự gửi khi có kết nối") {
		t.Errorf("clerk message of a submission while open %q (%v)", m, serr)
	}
	if n := srv.Stats().Requests; n != before {
		t.Fatalf("%d requests went out while open", n-before)
	}
	// A health check is the link's watch: it goes out although the circuit is
	// open, and while the gateway still fails the circuit stays open with its
	// cool-down unchanged (the look-up after it is still the probe).
	clk.Add(10 * time.Second)
	if err := c.Health(ctx); !errors.Is(err, gateway.ErrServer) {
		t.Errorf("health check while open: %v", err)
	}
	if n := srv.Stats().Requests; n != before+1 {
		t.Fatalf("%d requests for one health check", n-before)
	}
	if s := c.State(); s.Status != gateway.LinkDown || !s.NextProbe.Equal(clk.Now().Add(20*time.Second)) {
		t.Fatalf("after a failed health check: %+v", s)
	}
	clk.Add(-10 * time.Second) // back: the cool-down counts from the opening

	// Half-open: the probe fails, the circuit opens again for a new cool-down.
	clk.Add(30 * time.Second)
	if _, _, err := c.Lookup(ctx, id, meta); !errors.Is(err, gateway.ErrServer) {
		t.Fatalf("failed probe: %v", err)
	}
	if s := c.State(); s.Status != gateway.LinkDown || !s.NextProbe.Equal(clk.Now().Add(30*time.Second)) {
		t.Fatalf("after failed probe: %+v", s)
	}
	if _, _, err := c.Lookup(ctx, id, meta); !errors.Is(err, gateway.ErrCircuitOpen) {
		t.Fatalf("reopened: %v", err)
	}

	// Half-open again with the gateway back: while the probe is in flight,
	// other calls are refused at once; its success closes the circuit.
	if err := srv.SetFaults(sandbox.Faults{Latency: 150 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	clk.Add(31 * time.Second)
	probeDone := make(chan error, 1)
	go func() {
		_, _, err := c.Lookup(ctx, id, meta)
		probeDone <- err
	}()
	deadline := time.Now().Add(time.Second)
	for c.State().Status != gateway.LinkDegraded && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if _, _, err := c.Lookup(ctx, id, meta); !errors.Is(err, gateway.ErrCircuitOpen) {
		t.Errorf("second call during the probe: %v", err)
	}

	if err := <-probeDone; err != nil {
		t.Fatalf("probe: %v", err)
	}
	if s := c.State(); s.Status != gateway.LinkUp || s.ConsecutiveFailures != 0 || s.LastError != "" || !s.NextProbe.IsZero() {
		t.Fatalf("after the probe: %+v", s)
	}
	if _, _, err := c.Lookup(ctx, id, meta); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	got := append([]gateway.LinkStatus(nil), seen...)
	mu.Unlock()
	want := []gateway.LinkStatus{gateway.LinkDegraded, gateway.LinkDown, // three failures
		gateway.LinkDegraded, gateway.LinkDown, // the look-up's probe after the cool-down
		gateway.LinkDegraded, gateway.LinkUp}
	if strings.Join(statusStrings(got), ",") != strings.Join(statusStrings(want), ",") {
		t.Errorf("hook saw %v, want %v", got, want)
	}
}

func statusStrings(s []gateway.LinkStatus) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}

// 4xx answers and cancellations do not count against the link.
func TestBreakerIgnoresRejectionsAndCancel(t *testing.T) {
	c, _, _ := newPair(t, sandbox.Options{}, fast(gateway.Config{BreakerFailures: 2}))
	unknown := pop.Person(1).Citizen.ID[:6] + "999999"
	for i := 0; i < 5; i++ {
		if _, _, err := c.Lookup(context.Background(), unknown, meta); !errors.Is(err, lookups.ErrNotFound) {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i := 0; i < 5; i++ {
		if err := c.Health(ctx); !errors.Is(err, gateway.ErrCanceled) {
			t.Fatal(err)
		}
	}
	if s := c.State(); s.Status != gateway.LinkUp || s.ConsecutiveFailures != 0 {
		t.Fatalf("state %+v", s)
	}
}

func TestHangEndsWithinBudget(t *testing.T) {
	c, srv, _ := newPair(t, sandbox.Options{Faults: sandbox.Faults{HangRate: 1}},
		fast(gateway.Config{Timeout: 50 * time.Millisecond, Budget: 300 * time.Millisecond, Retries: 10}))
	start := time.Now()
	_, _, err := c.Lookup(context.Background(), pop.Person(3).Citizen.ID, meta)
	d := time.Since(start)
	if !errors.Is(err, gateway.ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
	// The hang never ends: returning at all proves the budget cut it; the
	// upper bound only keeps a broken budget from stalling the suite.
	if d < 250*time.Millisecond || d > 10*time.Second {
		t.Errorf("gave up after %v; budget 300ms", d)
	}
	if n := srv.Stats().Hung; n < 3 {
		t.Errorf("%d hung attempts", n)
	}
	// The caller's own deadline wins over a longer budget.
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Millisecond)
	defer cancel()
	start = time.Now()
	if err := c.Health(ctx); !errors.Is(err, gateway.ErrTimeout) || time.Since(start) > 10*time.Second {
		t.Errorf("caller deadline: %v after %v", err, time.Since(start))
	}
}

func TestOutage(t *testing.T) {
	for _, mode := range []string{sandbox.OutageRefuse, sandbox.OutageDrop} {
		t.Run(mode, func(t *testing.T) {
			c, srv, _ := newPair(t, sandbox.Options{Faults: sandbox.Faults{Outage: mode}}, fast(gateway.Config{Retries: 2}))
			_, _, err := c.Lookup(context.Background(), pop.Person(4).Citizen.ID, meta)
			if !errors.Is(err, gateway.ErrUnreachable) {
				t.Fatalf("err = %v", err)
			}
			st := srv.Stats()
			if st.Refused+st.Dropped < 3 {
				t.Errorf("stats %+v", st)
			}
			if err := srv.SetFaults(sandbox.Faults{}); err != nil {
				t.Fatal(err)
			}
			if err := c.Health(context.Background()); err != nil {
				t.Fatalf("after the outage: %v", err)
			}
		})
	}
}

func TestLinkStateLabel(t *testing.T) {
	for _, s := range []gateway.LinkStatus{gateway.LinkUp, gateway.LinkDegraded, gateway.LinkDown, ""} {
		if l := (gateway.LinkState{Status: s}).ClerkLabel(); !strings.HasPrefix(l, "Cổng dữ liệu: ") {
			t.Errorf("%q: %q", s, l)
		}
	}
}

func BenchmarkGatewayLookupCircuitOpen(b *testing.B) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close() // nothing listens: the first call fails and opens the circuit
	c, err := gateway.New(gateway.Config{BaseURL: url, Retries: -1, BreakerFailures: 1, BreakerCooldown: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	id := pop.Person(1).Citizen.ID
	if _, _, err := c.Lookup(ctx, id, meta); !errors.Is(err, gateway.ErrUnreachable) || errors.Is(err, gateway.ErrCircuitOpen) {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.Lookup(ctx, id, meta); !errors.Is(err, gateway.ErrCircuitOpen) {
			b.Fatal(err)
		}
	}
}
