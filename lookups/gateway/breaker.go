package gateway

import (
	"errors"
	"net/http"
	"sync"
	"time"
)

// LinkStatus is the health of the link to the gateway as the TUI shows it.
type LinkStatus string

// Link statuses.
const (
	LinkUp       LinkStatus = "up"       // the last call went through
	LinkDegraded LinkStatus = "degraded" // recent calls failed, or a probe is in flight after an outage
	LinkDown     LinkStatus = "down"     // the circuit is open: calls answer at once with ErrCircuitOpen
)

// LinkState is a snapshot of the link, for the status bar and the logs.
type LinkState struct {
	Status              LinkStatus
	Since               time.Time // when Status last changed
	LastError           string    // the last failure (English, no personal data); "" when up
	ConsecutiveFailures int       // failures of the transport/5xx kind since the last success
	NextProbe           time.Time // when down: from then on the next call probes the link
}

// ClerkLabel is a short Vietnamese label for the status bar.
func (s LinkState) ClerkLabel() string {
	switch s.Status {
	case LinkUp:
		return "Cổng dữ liệu: đã kết nối"
	case LinkDegraded:
		return "Cổng dữ liệu: chập chờn"
	case LinkDown:
		return "Cổng dữ liệu: mất kết nối (dùng dữ liệu lưu tạm)"
	}
	return "Cổng dữ liệu: chưa kiểm tra"
}

type breakerPhase int

const (
	phaseClosed breakerPhase = iota
	phaseOpen
	phaseHalfOpen
)

// breaker is a consecutive-failures circuit breaker: closed -> open after
// threshold failures in a row, open answers at once for the cool-down, then
// half-open lets exactly one probe through; its success closes the circuit,
// its failure opens it again. threshold <= 0 disables opening (the state is
// still tracked for the status bar).
type breaker struct {
	threshold int
	cooldown  time.Duration
	now       func() time.Time

	mu        sync.Mutex
	phase     breakerPhase
	probing   bool // half-open: the probe is in flight
	openUntil time.Time
	failures  int
	lastErr   string
	status    LinkStatus
	since     time.Time
	seq       uint64 // bumped on every status change

	hookMu    sync.Mutex // serialises hook calls
	hooks     []func(LinkState)
	delivered uint64
}

func newBreaker(threshold int, cooldown time.Duration, now func() time.Time) *breaker {
	return &breaker{threshold: threshold, cooldown: cooldown, now: now, status: LinkUp, since: now()}
}

// allow reports whether a call may go out now; probe is true when the call is
// the half-open probe (its outcome must be reported with done).
func (b *breaker) allow() (ok, probe bool) {
	b.mu.Lock()
	var snap *LinkState
	switch b.phase {
	case phaseClosed:
		ok = true
	case phaseOpen:
		if b.now().Before(b.openUntil) {
			break
		}
		b.phase, b.probing = phaseHalfOpen, true
		ok, probe = true, true
		snap = b.setStatus(LinkDegraded)
	case phaseHalfOpen:
		if !b.probing {
			b.probing = true
			ok, probe = true, true
		}
	}
	seq := b.seq
	b.mu.Unlock()
	b.notify(snap, seq)
	return ok, probe
}

// outcome of one attempt for the breaker.
type outcome int

const (
	outcomeSuccess outcome = iota // the gateway answered (2xx or a 4xx that is not about the link)
	outcomeFailure                // transport failure, timeout, 5xx
	outcomeNeutral                // canceled by the caller: says nothing about the link
)

// classify maps an attempt's error to a breaker outcome.
func classify(err error) outcome {
	if err == nil {
		return outcomeSuccess
	}
	var ge *Error
	if errors.As(err, &ge) {
		if ge.Status == http.StatusRequestTimeout || ge.Status == http.StatusTooManyRequests {
			return outcomeSuccess // the server is alive and talking
		}
	}
	switch {
	case errors.Is(err, ErrCanceled):
		return outcomeNeutral
	case errors.Is(err, errAnswerWait):
		return outcomeSuccess // the gateway answered; the wait was the client's own
	case errors.Is(err, ErrUnreachable), errors.Is(err, ErrTimeout), errors.Is(err, ErrServer):
		return outcomeFailure
	}
	return outcomeSuccess
}

// done reports the outcome of an attempt that allow let through.
func (b *breaker) done(probe bool, err error) {
	o := classify(err)
	b.mu.Lock()
	var snap *LinkState
	if probe {
		b.probing = false
	}
	switch o {
	case outcomeSuccess:
		// Any answer proves the link works, the probe's or a straggler's.
		b.failures, b.lastErr = 0, ""
		b.phase = phaseClosed
		snap = b.setStatus(LinkUp)
	case outcomeFailure:
		b.failures++
		b.lastErr = err.Error()
		switch {
		case b.phase == phaseHalfOpen && probe,
			b.phase == phaseClosed && b.threshold > 0 && b.failures >= b.threshold:
			b.phase = phaseOpen
			b.openUntil = b.now().Add(b.cooldown)
			snap = b.setStatus(LinkDown)
		case b.phase == phaseClosed:
			snap = b.setStatus(LinkDegraded)
		}
	case outcomeNeutral:
	}
	seq := b.seq
	b.mu.Unlock()
	b.notify(snap, seq)
}

// setStatus records a status change and returns the snapshot to announce
// (nil when nothing changed). Called with mu held.
func (b *breaker) setStatus(s LinkStatus) *LinkState {
	if s == b.status {
		return nil
	}
	b.status, b.since = s, b.now()
	b.seq++
	st := b.stateLocked()
	return &st
}

func (b *breaker) stateLocked() LinkState {
	st := LinkState{Status: b.status, Since: b.since, LastError: b.lastErr, ConsecutiveFailures: b.failures}
	if b.phase == phaseOpen {
		st.NextProbe = b.openUntil
	}
	return st
}

func (b *breaker) state() LinkState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stateLocked()
}

// untilProbe is how long until an open circuit lets the next probe through.
func (b *breaker) untilProbe() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.phase != phaseOpen {
		return 0
	}
	return max(b.openUntil.Sub(b.now()), 0)
}

func (b *breaker) onChange(f func(LinkState)) {
	b.hookMu.Lock()
	b.hooks = append(b.hooks, f)
	b.hookMu.Unlock()
}

// notify runs the hooks for snap unless a newer change was announced already,
// so that hooks never see the states out of order.
func (b *breaker) notify(snap *LinkState, seq uint64) {
	if snap == nil {
		return
	}
	b.hookMu.Lock()
	defer b.hookMu.Unlock()
	if seq <= b.delivered {
		return
	}
	b.delivered = seq
	for _, h := range b.hooks {
		h(*snap)
	}
}
