package offline

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// The outbox: one entry per received dossier that must reach the gateway, keyed by the
// dossier code. An entry holds no personal data (code, idempotency key, counters, times, an
// English error and the gateway's reason); what is sent is the sealed dossier itself, read
// when the entry is claimed. The bucket is created by the first write (Enqueue), so stores
// made before the outbox existed need no migration.
//
// Life of an entry:
//
//	Enqueue ─> pending ──Claim──> sending ──MarkSent──────> sent
//	              ^                  │  └────MarkRejected──> rejected
//	              └────MarkRetry─────┘
//
// Claim takes due entries (pending and past their next attempt time, or sending under an
// expired lease, or under a lease whose owner process is gone) and marks them sending under
// the caller's lease, in one transaction: bbolt lets one writer in at a time across processes,
// so two drainers never hold the same entry. A drainer that dies leaves its lease to expire
// (or to be found dead), and the entry is sent again later with the SAME idempotency key.
// A lease can still expire while its owner is sending (a very slow call): the two sends then
// carry the same key and the gateway answers the second with the first's acknowledgement.

const bucketOutbox = "outbox"

// OutboxState is the state of an outbox entry.
type OutboxState string

// Outbox states.
const (
	OutboxPending  OutboxState = "pending"  // waiting for its next attempt
	OutboxSending  OutboxState = "sending"  // claimed by a drainer (see Lease, LeaseUntil)
	OutboxSent     OutboxState = "sent"     // acknowledged by the gateway
	OutboxRejected OutboxState = "rejected" // refused by the gateway; not retried
)

// Errors of the outbox.
var (
	// ErrOutboxKey: the code is already queued with another idempotency key.
	ErrOutboxKey = errors.New("offline: dossier already queued with another idempotency key")
	// ErrLeaseLost: the entry is no longer sending under this lease (it expired and another
	// drainer took it, or it was marked meanwhile). The caller's result is dropped.
	ErrLeaseLost = errors.New("offline: outbox lease lost")
)

// OutboxEntry is one queued submission. It holds no personal data.
type OutboxEntry struct {
	Code           string      `json:"code"`
	IdempotencyKey string      `json:"idempotencyKey"`
	State          OutboxState `json:"state"`
	Attempts       int         `json:"attempts"` // claims so far (a claim whose drainer died counts)
	NextAttempt    time.Time   `json:"nextAttempt,omitzero"`
	// WaitsForLink: the last attempt failed because the gateway could not be reached (no
	// answer, timeout, 502/503/504, circuit open), not because of the dossier. Such an entry
	// is due as soon as the gateway answers again, whatever its back-off (ClaimOptions.LinkUpSince).
	WaitsForLink bool `json:"waitsForLink,omitempty"`
	// LastError is the last failure in English for logs (never personal data).
	LastError string `json:"lastError,omitempty"`
	// Reason and Message say why the gateway rejected the dossier: its error code and its
	// Vietnamese message for the clerk (generic texts of the contract, no personal data).
	// A pending entry's Message says why its last attempt did not send it.
	Reason     string    `json:"reason,omitempty"`
	Message    string    `json:"message,omitempty"`
	Lease      string    `json:"lease,omitempty"` // owner of the current claim (LeaseOwner)
	LeaseUntil time.Time `json:"leaseUntil,omitzero"`
	EnqueuedAt time.Time `json:"enqueuedAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
	SentAt     time.Time `json:"sentAt,omitzero"`
}

// Due reports whether a drainer may claim the entry at now.
func (e OutboxEntry) Due(now time.Time) bool { return e.DueWith(now, time.Time{}) }

// DueWith is Due knowing that the gateway answered at linkUp (zero: unknown): a pending
// entry that last failed for want of the link, before linkUp, is due at once.
func (e OutboxEntry) DueWith(now, linkUp time.Time) bool {
	switch e.State {
	case OutboxPending:
		if e.WaitsForLink && !linkUp.IsZero() && e.UpdatedAt.Before(linkUp) {
			return true
		}
		return !now.Before(e.NextAttempt)
	case OutboxSending:
		return !now.Before(e.LeaseUntil) || leaseOwnerDead(e.Lease)
	}
	return false
}

// RetryPolicy is the back-off between attempts of one entry: full back-off doubles from
// Base with each attempt up to Max, and the wait is drawn uniformly in [d/2, d] (jitter, so
// that counters coming back online do not all call at once).
type RetryPolicy struct {
	Base time.Duration
	Max  time.Duration
}

// DefaultRetry waits 10 s after the first failure, then 20 s, 40 s ... at most 15 minutes.
var DefaultRetry = RetryPolicy{Base: 10 * time.Second, Max: 15 * time.Minute}

// Delay is the wait after the given number of attempts (1 = the first one failed).
func (p RetryPolicy) Delay(attempts int) time.Duration {
	if p.Base <= 0 {
		p.Base = DefaultRetry.Base
	}
	if p.Max < p.Base {
		p.Max = p.Base
	}
	d := p.Max
	if n := attempts - 1; n < 40 {
		if v := p.Base << max(n, 0); v > 0 && v < p.Max {
			d = v
		}
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

var leaseHost, _ = os.Hostname()

// LeaseOwner returns a lease owner name for this process: "<host>/<pid>/<nonce>". Claim
// treats a lease of a process of this host that no longer runs as expired.
func LeaseOwner() string {
	return fmt.Sprintf("%s/%d/%08x", leaseHost, os.Getpid(), rand.Uint32())
}

// leaseOwnerDead reports whether owner names a process of this host that is gone.
// Anything it cannot tell (another host, a foreign format) counts as alive.
func leaseOwnerDead(owner string) bool {
	parts := strings.Split(owner, "/")
	if len(parts) != 3 || parts[0] != leaseHost {
		return false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return false
	}
	return !processAlive(pid)
}

func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false // Windows: no such process
	}
	defer func() { _ = p.Release() }() // a handle on Windows; nothing to release elsewhere
	if runtime.GOOS == "windows" {
		return true // FindProcess opened it
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

func (t *Tx) outbox(create bool) (*bolt.Bucket, error) {
	if b := t.tx.Bucket([]byte(bucketOutbox)); b != nil {
		return b, nil
	}
	if !create || !t.tx.Writable() {
		return nil, nil
	}
	b, err := t.tx.CreateBucket([]byte(bucketOutbox))
	if err != nil {
		return nil, fmt.Errorf("offline: creating bucket %q: %w", bucketOutbox, err)
	}
	return b, nil
}

func (t *Tx) getOutbox(b *bolt.Bucket, code string) (OutboxEntry, bool, error) {
	if b == nil {
		return OutboxEntry{}, false, nil
	}
	v := b.Get([]byte(code))
	if v == nil {
		return OutboxEntry{}, false, nil
	}
	var e OutboxEntry
	if err := json.Unmarshal(v, &e); err != nil {
		return OutboxEntry{}, false, fmt.Errorf("offline: outbox entry %s: %w", code, err)
	}
	return e, true, nil
}

func putOutbox(b *bolt.Bucket, e OutboxEntry) error {
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("offline: outbox entry %s: %w", e.Code, err)
	}
	if err := b.Put([]byte(e.Code), v); err != nil {
		return fmt.Errorf("offline: writing outbox entry %s: %w", e.Code, err)
	}
	return nil
}

// Enqueue adds the dossier code to the outbox, due at once, with its idempotency key. Call it
// in the transaction that saves the dossier. Enqueueing a code again with the same key changes
// nothing; with another key it fails with ErrOutboxKey (a dossier has one key for life).
func (t *Tx) Enqueue(code, idempotencyKey string) error {
	if err := checkToken("dossier code", code, true); err != nil {
		return err
	}
	if err := checkToken("idempotency key", idempotencyKey, true); err != nil {
		return err
	}
	b, err := t.outbox(true)
	if err != nil {
		return err
	}
	if b == nil {
		return fmt.Errorf("offline: enqueue %s: read-only unit of work", code)
	}
	old, ok, err := t.getOutbox(b, code)
	if err != nil {
		return err
	}
	if ok {
		if old.IdempotencyKey != idempotencyKey {
			return fmt.Errorf("%w: %s", ErrOutboxKey, code)
		}
		return nil
	}
	now := t.s.now()
	return putOutbox(b, OutboxEntry{Code: code, IdempotencyKey: idempotencyKey, State: OutboxPending,
		NextAttempt: now, EnqueuedAt: now, UpdatedAt: now})
}

// Claim marks up to limit (0: no limit) due entries as sending under owner's lease until
// now+lease and returns them, oldest first, with Attempts already counted. ClaimOptions.Codes
// restricts the claim to those codes; IgnoreBackoff also takes pending entries whose next
// attempt time has not come, LinkUpSince those that waited for the link before it came back
// (leases are always honoured).
func (t *Tx) Claim(now time.Time, lease time.Duration, owner string, opt ClaimOptions) ([]OutboxEntry, error) {
	if owner == "" || lease <= 0 {
		return nil, errors.New("offline: claim needs an owner and a positive lease")
	}
	b, err := t.outbox(false)
	if err != nil || b == nil {
		return nil, err
	}
	var (
		due   []OutboxEntry
		prune [][]byte
	)
	consider := func(k, v []byte) error {
		var e OutboxEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("offline: outbox entry %s: %w", k, err)
		}
		switch {
		case e.DueWith(now, opt.LinkUpSince) || (opt.IgnoreBackoff && e.State == OutboxPending):
			due = append(due, e)
		case e.State == OutboxSent && now.Sub(e.SentAt) > OutboxRetention:
			prune = append(prune, append([]byte(nil), k...))
		}
		return nil
	}
	if len(opt.Codes) > 0 {
		for _, c := range opt.Codes {
			if v := b.Get([]byte(c)); v != nil {
				if err := consider([]byte(c), v); err != nil {
					return nil, err
				}
			}
		}
	} else if err := b.ForEach(consider); err != nil {
		return nil, err
	}
	for _, k := range prune {
		if err := b.Delete(k); err != nil {
			return nil, fmt.Errorf("offline: pruning outbox entry %s: %w", k, err)
		}
	}
	sort.SliceStable(due, func(i, j int) bool {
		if !due[i].EnqueuedAt.Equal(due[j].EnqueuedAt) {
			return due[i].EnqueuedAt.Before(due[j].EnqueuedAt)
		}
		return due[i].Code < due[j].Code
	})
	if opt.Limit > 0 && len(due) > opt.Limit {
		due = due[:opt.Limit]
	}
	for i := range due {
		e := &due[i]
		e.State, e.Lease, e.LeaseUntil, e.UpdatedAt = OutboxSending, owner, now.Add(lease), now
		e.Attempts++
		if err := putOutbox(b, *e); err != nil {
			return nil, err
		}
	}
	return due, nil
}

// OutboxRetention is how long a sent entry stays listed; Claim deletes older ones (the
// dossier's own state says "submitted" for good).
const OutboxRetention = 7 * 24 * time.Hour

// ClaimOptions narrow a Claim.
type ClaimOptions struct {
	Limit         int      // at most this many entries (0: all due)
	Codes         []string // only these codes
	IgnoreBackoff bool     // pending entries are due even before their next attempt time
	// LinkUpSince is when the gateway last answered (zero: unknown): entries that waited for
	// the link and last failed before then are due at once, whatever their back-off.
	LinkUpSince time.Time
}

// claimed returns the entry if it is sending under owner's lease.
func (t *Tx) claimed(code, owner string) (*bolt.Bucket, OutboxEntry, error) {
	b, err := t.outbox(false)
	if err != nil {
		return nil, OutboxEntry{}, err
	}
	e, ok, err := t.getOutbox(b, code)
	if err != nil {
		return nil, OutboxEntry{}, err
	}
	if !ok {
		return nil, OutboxEntry{}, fmt.Errorf("%w: outbox entry %s", ErrNotFound, code)
	}
	if e.State != OutboxSending || e.Lease != owner {
		return nil, e, fmt.Errorf("%w: %s is %s under %q", ErrLeaseLost, code, e.State, e.Lease)
	}
	return b, e, nil
}

// MarkSent records the gateway's acknowledgement. It succeeds whatever the lease says (the
// dossier is upstream: that is final), except for an unknown code.
func (t *Tx) MarkSent(code, owner string) error {
	b, err := t.outbox(false)
	if err != nil {
		return err
	}
	e, ok, err := t.getOutbox(b, code)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: outbox entry %s", ErrNotFound, code)
	}
	if e.State == OutboxSent {
		return nil
	}
	now := t.s.now()
	e.State, e.Lease, e.LeaseUntil, e.NextAttempt, e.SentAt, e.UpdatedAt = OutboxSent, "", time.Time{}, time.Time{}, now, now
	e.LastError, e.Reason, e.Message, e.WaitsForLink = "", "", "", false
	return putOutbox(b, e)
}

// MarkRetry puts a claimed entry back to pending, due after the policy's delay for its
// attempts (or as soon as the gateway answers again when waitsForLink: the failure was the
// link's, not the dossier's); errText is the failure in English (no personal data), message
// the clerk's Vietnamese text saying why the dossier is still waiting (shown by the queue
// list). Returns the entry as stored, or ErrLeaseLost when owner no longer holds it.
func (t *Tx) MarkRetry(code, owner string, now time.Time, errText, message string, p RetryPolicy, waitsForLink bool) (OutboxEntry, error) {
	b, e, err := t.claimed(code, owner)
	if err != nil {
		return e, err
	}
	e.State, e.Lease, e.LeaseUntil, e.UpdatedAt = OutboxPending, "", time.Time{}, now
	e.WaitsForLink = waitsForLink
	e.NextAttempt = now.Add(p.Delay(e.Attempts))
	e.LastError, e.Message = clip(errText, 300), clip(message, 500)
	return e, putOutbox(b, e)
}

// MarkRejected sets a claimed entry aside: the gateway refused it (reason: its error code,
// message: its Vietnamese text for the clerk). It is not retried.
func (t *Tx) MarkRejected(code, owner, reason, message, errText string) (OutboxEntry, error) {
	b, e, err := t.claimed(code, owner)
	if err != nil {
		return e, err
	}
	e.State, e.Lease, e.LeaseUntil, e.NextAttempt, e.UpdatedAt = OutboxRejected, "", time.Time{}, time.Time{}, t.s.now()
	e.WaitsForLink = false
	e.Reason, e.Message, e.LastError = clip(reason, 64), clip(message, 500), clip(errText, 300)
	return e, putOutbox(b, e)
}

// Release gives a claimed entry back untouched (pending, due at once), e.g. when the drainer
// stops before sending it. ErrLeaseLost when owner no longer holds it.
func (t *Tx) Release(code, owner string) error {
	b, e, err := t.claimed(code, owner)
	if err != nil {
		return err
	}
	if e.Attempts > 0 {
		e.Attempts--
	}
	e.State, e.Lease, e.LeaseUntil, e.UpdatedAt = OutboxPending, "", time.Time{}, t.s.now()
	return putOutbox(b, e)
}

// GetOutbox returns the entry of a dossier code, or ErrNotFound.
func (t *Tx) GetOutbox(code string) (OutboxEntry, error) {
	b, err := t.outbox(false)
	if err != nil {
		return OutboxEntry{}, err
	}
	e, ok, err := t.getOutbox(b, code)
	if err == nil && !ok {
		err = fmt.Errorf("%w: outbox entry %s", ErrNotFound, code)
	}
	return e, err
}

// ListOutbox returns the entries in the given states (all when none), oldest first.
func (t *Tx) ListOutbox(states ...OutboxState) ([]OutboxEntry, error) {
	b, err := t.outbox(false)
	if err != nil || b == nil {
		return nil, err
	}
	var out []OutboxEntry
	err = b.ForEach(func(k, v []byte) error {
		var e OutboxEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("offline: outbox entry %s: %w", k, err)
		}
		if len(states) == 0 || contains(states, e.State) {
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].EnqueuedAt.Equal(out[j].EnqueuedAt) {
			return out[i].EnqueuedAt.Before(out[j].EnqueuedAt)
		}
		return out[i].Code < out[j].Code
	})
	return out, nil
}

// OutboxCounts counts the entries per state.
func (t *Tx) OutboxCounts() (map[OutboxState]int, error) {
	list, err := t.ListOutbox()
	if err != nil {
		return nil, err
	}
	n := map[OutboxState]int{}
	for _, e := range list {
		n[e.State]++
	}
	return n, nil
}

func contains(states []OutboxState, s OutboxState) bool {
	for _, x := range states {
		if x == s {
			return true
		}
	}
	return false
}

// clip shortens s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// ListOutbox lists outbox entries; see Tx.ListOutbox.
func (s *Store) ListOutbox(states ...OutboxState) (out []OutboxEntry, err error) {
	err = s.View(func(tx *Tx) error { out, err = tx.ListOutbox(states...); return err })
	return out, err
}

// GetOutbox reads one outbox entry; see Tx.GetOutbox.
func (s *Store) GetOutbox(code string) (e OutboxEntry, err error) {
	err = s.View(func(tx *Tx) error { e, err = tx.GetOutbox(code); return err })
	return e, err
}
