package gateway

import (
	"net/http"
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
