package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"999999999", 0}, // absurd: ignored
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestBackoffFullJitter(t *testing.T) {
	for _, r := range []float64{0, 0.5, 0.999999} {
		c, err := New(Config{BaseURL: "http://127.0.0.1:1", BackoffBase: 100 * time.Millisecond,
			BackoffMax: time.Second, Rand: func() float64 { return r }})
		if err != nil {
			t.Fatal(err)
		}
		for attempt, ceil := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
			ceil *= time.Millisecond
			want := time.Duration(r * float64(ceil))
			if got := c.backoff(attempt); got != want {
				t.Errorf("r=%v attempt %d: %v, want %v", r, attempt, got, want)
			}
		}
		if got := c.backoff(80); got > time.Second {
			t.Errorf("attempt 80: %v over the ceiling", got)
		}
	}
}

func TestDefaults(t *testing.T) {
	c, err := New(Config{BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.timeout != DefaultTimeout || c.retries != DefaultRetries || c.budget != DefaultTimeout*2 ||
		c.br.threshold != DefaultBreakerFailures || c.br.cooldown != DefaultBreakerCooldown {
		t.Errorf("defaults: timeout %v retries %d budget %v breaker %d/%v", c.timeout, c.retries, c.budget, c.br.threshold, c.br.cooldown)
	}
	c, _ = New(Config{BaseURL: "http://127.0.0.1:1", Timeout: time.Second, Budget: time.Millisecond, Retries: -1})
	if c.retries != 0 || c.budget != time.Second {
		t.Errorf("retries %d budget %v", c.retries, c.budget)
	}
}

func TestAnswerReaderStopsAtItsLimit(t *testing.T) {
	for _, tc := range []struct {
		body  string
		limit int64
		fails bool
	}{
		{"abcd", 4, false}, // exactly the limit
		{"abcde", 4, true},
		{"", 0, false},
		{"a", 0, true},
	} {
		data, err := io.ReadAll(newAnswerReader(strings.NewReader(tc.body), tc.limit))
		var tl errAnswerTooLarge
		if got := errors.As(err, &tl); got != tc.fails {
			t.Errorf("%q within %d: read %q, err %v", tc.body, tc.limit, data, err)
		}
		if int64(len(data)) > tc.limit {
			t.Errorf("%q within %d: read %d bytes", tc.body, tc.limit, len(data))
		}
	}
}

func TestMemBudgetIsFirstComeFirstServed(t *testing.T) {
	b := newMemBudget(10)
	ctx := context.Background()
	r1, err := b.acquire(ctx, 8)
	if err != nil {
		t.Fatal(err)
	}
	// A large reservation waits; a small one that would fit comes after it.
	got := make(chan string, 2)
	var done sync.WaitGroup // each gives its reservation back after saying it got it
	done.Add(2)
	go func() {
		defer done.Done()
		r, _ := b.acquire(ctx, 10)
		got <- "large"
		r()
	}()
	for {
		b.mu.Lock()
		n := len(b.waiters)
		b.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	go func() {
		defer done.Done()
		r, _ := b.acquire(ctx, 1)
		got <- "small"
		r()
	}()
	// A waiter whose context ends leaves the queue.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.acquire(cctx, 5); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled wait: %v", err)
	}
	r1()
	if first, second := <-got, <-got; first != "large" || second != "small" {
		t.Errorf("order %s, %s", first, second)
	}
	done.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used != 0 || len(b.waiters) != 0 {
		t.Errorf("used %d, %d waiters", b.used, len(b.waiters))
	}
}

// TestWaitForAnswerMemoryIsNotALinkFailure: the wait for a share of the
// answer memory does not count against the attempt's own time limit; a call
// whose budget runs out while it waits fails as a timeout, but the breaker
// counts the gateway's answer, not a failure of the link.
func TestWaitForAnswerMemoryIsNotALinkFailure(t *testing.T) {
	// The body follows the headers only once the reservation is given back,
	// so that it is read after the wait.
	released := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-released:
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, `{"status":"ok","time":"2026-01-01T00:00:00Z"}`) // the client may have given up
	}))
	defer ts.Close()
	const timeout = 3 * time.Second
	c, err := New(Config{BaseURL: ts.URL, Timeout: timeout, Budget: time.Minute, Retries: -1, BreakerFailures: 1})
	if err != nil {
		t.Fatal(err)
	}
	c.mem = newMemBudget(1 << 20)
	waiting := func() { // until a call waits for its share
		for {
			c.mem.mu.Lock()
			n := len(c.mem.waiters)
			c.mem.mu.Unlock()
			if n > 0 {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	health := func(ctx context.Context) error {
		var h HealthResponse
		return c.do(ctx, &call{op: "health", method: http.MethodGet, path: BasePath + "/health",
			limit: MaxBodyBytes, decode: strictInto(&h)})
	}

	// Held for longer than the attempt's time limit once the call waits, then
	// given back: the call reads its answer.
	hold, err := c.mem.acquire(context.Background(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	go func() { waiting(); time.Sleep(timeout + time.Second); hold(); close(released) }()
	if err := health(context.Background()); err != nil {
		t.Fatalf("a call that waited for memory longer than its attempt's limit: %v", err)
	}

	// Held for good: the call's time runs out while it waits.
	if _, err := c.mem.acquire(context.Background(), 1<<20); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() { waiting(); cancel(context.DeadlineExceeded) }()
	if err := health(ctx); !errors.Is(err, ErrTimeout) {
		t.Fatalf("err %v, want a timeout", err)
	}
	if st := c.State(); st.Status != LinkUp || st.ConsecutiveFailures != 0 {
		t.Errorf("link state %+v after waiting for memory", st)
	}
}
