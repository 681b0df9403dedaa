package offline

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The event queue: what a counter tells the gateway about a dossier after reception (the
// result handed over, a supplement received, a rating, an apology with a new appointment...).
// It keeps the outbox's guarantees (outbox.go): an event is queued in the unit of work that
// records it, so once the clerk is told, it reaches the gateway sooner or later; it is
// claimed under a lease, sent with its own idempotency key (the same on every attempt), and
// marked sent, retried or rejected. A dossier's events go out in the order they were
// recorded: only the oldest unsent event of a dossier is due. The entries hold no personal
// data; the body sent (the receiver's identity, a rating) is sealed apart.

const (
	bucketEvents    = "event_queue"  // unsealed: EventEntry by sequence number
	bucketEventBody = "event_bodies" // sealed: the body of each entry
)

// EventEntry is one queued event. It holds no personal data.
type EventEntry struct {
	Seq          uint64      `json:"seq"` // order of recording (the bucket's sequence)
	Code         string      `json:"code"`
	Kind         string      `json:"kind"`
	Key          string      `json:"key"` // the idempotency key, unique per event
	State        OutboxState `json:"state"`
	Attempts     int         `json:"attempts"`
	NextAttempt  time.Time   `json:"nextAttempt,omitzero"`
	WaitsForLink bool        `json:"waitsForLink,omitempty"`
	LastError    string      `json:"lastError,omitempty"`
	Reason       string      `json:"reason,omitempty"`
	Message      string      `json:"message,omitempty"`
	Lease        string      `json:"lease,omitempty"`
	LeaseUntil   time.Time   `json:"leaseUntil,omitzero"`
	EnqueuedAt   time.Time   `json:"enqueuedAt"`
	UpdatedAt    time.Time   `json:"updatedAt"`
	SentAt       time.Time   `json:"sentAt,omitzero"`
}

// DueWith is OutboxEntry.DueWith for an event.
func (e EventEntry) DueWith(now, linkUp time.Time) bool {
	return OutboxEntry{State: e.State, NextAttempt: e.NextAttempt, WaitsForLink: e.WaitsForLink, Lease: e.Lease,
		LeaseUntil: e.LeaseUntil, UpdatedAt: e.UpdatedAt}.DueWith(now, linkUp)
}

// ClaimedEvent is a claimed entry with its opened body.
type ClaimedEvent struct {
	EventEntry
	Body []byte
	Err  error // the body could not be opened
}

func eventKey(seq uint64) []byte { return []byte(fmt.Sprintf("%016x", seq)) }

func (t *Tx) eventBuckets(create bool) (*bolt.Bucket, *bolt.Bucket, error) {
	q, bodies := t.tx.Bucket([]byte(bucketEvents)), t.tx.Bucket([]byte(bucketEventBody))
	if (q == nil || bodies == nil) && create && t.tx.Writable() {
		var err error
		if q, err = t.tx.CreateBucketIfNotExists([]byte(bucketEvents)); err != nil {
			return nil, nil, fmt.Errorf("offline: creating bucket %q: %w", bucketEvents, err)
		}
		if bodies, err = t.tx.CreateBucketIfNotExists([]byte(bucketEventBody)); err != nil {
			return nil, nil, fmt.Errorf("offline: creating bucket %q: %w", bucketEventBody, err)
		}
	}
	return q, bodies, nil
}

// ErrEventKey says an event with this idempotency key is already queued.
var ErrEventKey = errors.New("offline: event key already queued")

// EnqueueEvent queues an event of dossier code with its idempotency key and body (sealed),
// due at once. Call it in the unit of work that records the event. A key already queued is
// refused with ErrEventKey.
func (t *Tx) EnqueueEvent(code, kind, key string, body []byte) (EventEntry, error) {
	for _, f := range []struct{ what, v string }{{"dossier code", code}, {"event kind", kind}, {"idempotency key", key}} {
		if err := checkToken(f.what, f.v, true); err != nil {
			return EventEntry{}, err
		}
	}
	q, bodies, err := t.eventBuckets(true)
	if err != nil {
		return EventEntry{}, err
	}
	if q == nil {
		return EventEntry{}, fmt.Errorf("offline: enqueue event of %s: read-only unit of work", code)
	}
	dup := false
	if err := q.ForEach(func(_, v []byte) error {
		var e EventEntry
		if json.Unmarshal(v, &e) == nil && e.Key == key {
			dup = true
		}
		return nil
	}); err != nil {
		return EventEntry{}, err
	}
	if dup {
		return EventEntry{}, fmt.Errorf("%w: %s", ErrEventKey, key)
	}
	seq, err := q.NextSequence()
	if err != nil {
		return EventEntry{}, fmt.Errorf("offline: event sequence: %w", err)
	}
	now := t.s.now()
	e := EventEntry{Seq: seq, Code: code, Kind: kind, Key: key, State: OutboxPending, NextAttempt: now, EnqueuedAt: now, UpdatedAt: now}
	k := eventKey(seq)
	sealed, err := t.seal(bucketEventBody, k, body)
	if err != nil {
		return EventEntry{}, err
	}
	if err := bodies.Put(k, sealed); err != nil {
		return EventEntry{}, fmt.Errorf("offline: writing event body: %w", err)
	}
	return e, putJSON(q, string(k), e)
}

// ClaimEvents marks up to opt.Limit (0: no limit) due events as sending under owner's lease
// until now+lease and returns them with their bodies, oldest first. Only the oldest unsent
// event of a dossier is due (a dossier's events go out in order). Sent entries older than
// OutboxRetention are deleted.
func (t *Tx) ClaimEvents(now time.Time, lease time.Duration, owner string, opt ClaimOptions) ([]ClaimedEvent, error) {
	if owner == "" || lease <= 0 {
		return nil, errors.New("offline: claim needs an owner and a positive lease")
	}
	q, bodies, err := t.eventBuckets(false)
	if err != nil || q == nil {
		return nil, err
	}
	var (
		due   []EventEntry
		prune [][]byte
	)
	blocked := map[string]bool{} // dossiers with an older event unsent
	wanted := map[string]bool{}
	for _, c := range opt.Codes {
		wanted[c] = true
	}
	err = q.ForEach(func(k, v []byte) error {
		var e EventEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("offline: event %s: %w", k, err)
		}
		switch e.State {
		case OutboxSent:
			if now.Sub(e.SentAt) > OutboxRetention {
				prune = append(prune, append([]byte(nil), k...))
			}
			return nil
		case OutboxRejected:
			return nil
		}
		first := !blocked[e.Code]
		blocked[e.Code] = true
		if !first || (len(wanted) > 0 && !wanted[e.Code]) {
			return nil
		}
		if e.DueWith(now, opt.LinkUpSince) || (opt.IgnoreBackoff && e.State == OutboxPending) {
			due = append(due, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, k := range prune {
		if err := q.Delete(k); err != nil {
			return nil, fmt.Errorf("offline: pruning event %s: %w", k, err)
		}
		if err := bodies.Delete(k); err != nil {
			return nil, fmt.Errorf("offline: pruning event body %s: %w", k, err)
		}
	}
	if opt.Limit > 0 && len(due) > opt.Limit {
		due = due[:opt.Limit]
	}
	out := make([]ClaimedEvent, 0, len(due))
	for _, e := range due {
		e.State, e.Lease, e.LeaseUntil, e.UpdatedAt = OutboxSending, owner, now.Add(lease), now
		e.Attempts++
		k := eventKey(e.Seq)
		if err := putJSON(q, string(k), e); err != nil {
			return nil, err
		}
		c := ClaimedEvent{EventEntry: e}
		if v := bodies.Get(k); v == nil {
			c.Err = fmt.Errorf("%w: event body %d", ErrNotFound, e.Seq)
		} else {
			c.Body, c.Err = t.open(bucketEventBody, k, v)
		}
		out = append(out, c)
	}
	return out, nil
}

func (t *Tx) getEvent(seq uint64) (*bolt.Bucket, EventEntry, error) {
	q, _, err := t.eventBuckets(false)
	if err != nil {
		return nil, EventEntry{}, err
	}
	var v []byte
	if q != nil {
		v = q.Get(eventKey(seq))
	}
	if v == nil {
		return nil, EventEntry{}, fmt.Errorf("%w: event %d", ErrNotFound, seq)
	}
	var e EventEntry
	if err := json.Unmarshal(v, &e); err != nil {
		return nil, EventEntry{}, fmt.Errorf("offline: event %d: %w", seq, err)
	}
	return q, e, nil
}

func (t *Tx) claimedEvent(seq uint64, owner string) (*bolt.Bucket, EventEntry, error) {
	q, e, err := t.getEvent(seq)
	if err != nil {
		return nil, e, err
	}
	if e.State != OutboxSending || e.Lease != owner {
		return nil, e, fmt.Errorf("%w: event %d is %s under %q", ErrLeaseLost, seq, e.State, e.Lease)
	}
	return q, e, nil
}

// MarkEventSent records the gateway's acknowledgement (whatever the lease says: it is final).
func (t *Tx) MarkEventSent(seq uint64) error {
	q, e, err := t.getEvent(seq)
	if err != nil || e.State == OutboxSent {
		return err
	}
	now := t.s.now()
	e.State, e.Lease, e.LeaseUntil, e.NextAttempt, e.SentAt, e.UpdatedAt = OutboxSent, "", time.Time{}, time.Time{}, now, now
	e.LastError, e.Reason, e.Message, e.WaitsForLink = "", "", "", false
	return putJSON(q, string(eventKey(seq)), e)
}

// MarkEventRetry puts a claimed event back to pending, due after the policy's delay (or when
// the link comes back); see MarkRetry.
func (t *Tx) MarkEventRetry(seq uint64, owner string, now time.Time, errText string, p RetryPolicy, waitsForLink bool) (EventEntry, error) {
	q, e, err := t.claimedEvent(seq, owner)
	if err != nil {
		return e, err
	}
	e.State, e.Lease, e.LeaseUntil, e.UpdatedAt = OutboxPending, "", time.Time{}, now
	e.WaitsForLink = waitsForLink
	e.NextAttempt = now.Add(p.Delay(e.Attempts))
	e.LastError = clip(errText, 300)
	return e, putJSON(q, string(eventKey(seq)), e)
}

// MarkEventRejected sets a claimed event aside: the gateway refused it; see MarkRejected.
func (t *Tx) MarkEventRejected(seq uint64, owner, reason, message, errText string) (EventEntry, error) {
	q, e, err := t.claimedEvent(seq, owner)
	if err != nil {
		return e, err
	}
	e.State, e.Lease, e.LeaseUntil, e.NextAttempt, e.UpdatedAt = OutboxRejected, "", time.Time{}, time.Time{}, t.s.now()
	e.WaitsForLink = false
	e.Reason, e.Message, e.LastError = clip(reason, 64), clip(message, 500), clip(errText, 300)
	return e, putJSON(q, string(eventKey(seq)), e)
}

// ReleaseEvent gives a claimed event back untouched; see Release.
func (t *Tx) ReleaseEvent(seq uint64, owner string) error {
	q, e, err := t.claimedEvent(seq, owner)
	if err != nil {
		return err
	}
	if e.Attempts > 0 {
		e.Attempts--
	}
	e.State, e.Lease, e.LeaseUntil, e.UpdatedAt = OutboxPending, "", time.Time{}, t.s.now()
	return putJSON(q, string(eventKey(seq)), e)
}

// ListEvents returns the queued events in the given states (all when none), in order.
func (t *Tx) ListEvents(states ...OutboxState) ([]EventEntry, error) {
	q, _, err := t.eventBuckets(false)
	if err != nil || q == nil {
		return nil, err
	}
	var out []EventEntry
	err = q.ForEach(func(k, v []byte) error {
		var e EventEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("offline: event %s: %w", k, err)
		}
		if len(states) == 0 || contains(states, e.State) {
			out = append(out, e)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, err
}

// EventBody returns the opened body of a queued event.
func (t *Tx) EventBody(seq uint64) ([]byte, error) {
	_, bodies, err := t.eventBuckets(false)
	if err != nil {
		return nil, err
	}
	var v []byte
	if bodies != nil {
		v = bodies.Get(eventKey(seq))
	}
	if v == nil {
		return nil, fmt.Errorf("%w: event body %d", ErrNotFound, seq)
	}
	return t.open(bucketEventBody, eventKey(seq), v)
}

// ListEvents lists queued events; see Tx.ListEvents.
func (s *Store) ListEvents(states ...OutboxState) (out []EventEntry, err error) {
	err = s.View(func(tx *Tx) error { out, err = tx.ListEvents(states...); return err })
	return out, err
}
