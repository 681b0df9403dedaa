package counter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"motcua/forms"
	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/offline"
)

// Sending dossiers: every send goes through the outbox (offline.Tx.Claim,
// then the gateway, then MarkSent, MarkRetry or MarkRejected), whether it is
// the reception's immediate attempt or the sync worker's. A process killed at
// any point leaves the entry pending, or sending under a lease that expires
// (at once when its process is found gone), or sent; the next attempt uses
// the dossier's one idempotency key, so the gateway keeps it once.

// Defaults of the sync worker.
const (
	// DefaultLease bounds how long a claimed dossier stays reserved for the
	// process sending it; it must exceed the gateway client's budget for
	// one submission (10 s by default).
	DefaultLease = 2 * time.Minute
	// drainBatch is how many entries a drain claims per unit of work.
	drainBatch = 8
)

// DrainOptions tune a drain.
type DrainOptions struct {
	Limit         int                 // send at most this many (0: every due entry)
	IgnoreBackoff bool                // also send pending entries whose next attempt time has not come
	Lease         time.Duration       // default DefaultLease
	Retry         offline.RetryPolicy // default offline.DefaultRetry
	codes         []string            // only these codes (the reception's immediate send)
}

// DrainReport says what a drain did. It holds dossier codes, never personal data.
type DrainReport struct {
	Sent     []string `json:"sent"`     // acknowledged by the gateway
	Retry    []string `json:"retry"`    // failed for now (link, timeout, 5xx): sent again later
	Rejected []string `json:"rejected"` // refused by the gateway (4xx): set aside with the reason
	// LinkDown: the drain stopped early because the gateway could not be reached.
	LinkDown bool `json:"linkDown"`
	// Waiting counts the entries still to send after the drain (pending or being sent);
	// NextAttempt is the earliest time one of them is due (zero when none waits).
	Waiting     int       `json:"waiting"`
	NextAttempt time.Time `json:"nextAttempt,omitzero"`
	// LastError is the last failure (English, for logs; no personal data).
	LastError string `json:"lastError,omitempty"`
	// The audit chain's head sent upstream after the round (anchor.go): its sequence number
	// when anchored; AuditRollback when the chain lacks the head the gateway holds (nothing
	// sent); AnchorError when anchoring failed (English, no personal data).
	Anchored      uint64 `json:"anchored,omitempty"`
	AuditRollback bool   `json:"auditRollback,omitempty"`
	AnchorError   string `json:"anchorError,omitempty"`
	// The dossiers' lives (lifesync.go): the events sent, and what the pull brought.
	Events EventReport `json:"events"`
	Pull   PullReport  `json:"pull"`
}

// Drain sends the due dossiers of the outbox once, at most limit of them
// (0: all), and reports what became of them. It returns an error only when
// the store fails; gateway failures are in the report.
func (s *Service) Drain(ctx context.Context, limit int) (DrainReport, error) {
	return s.DrainWith(ctx, DrainOptions{Limit: limit})
}

// DrainWith is Drain with options.
func (s *Service) DrainWith(ctx context.Context, opt DrainOptions) (DrainReport, error) {
	if opt.Lease <= 0 {
		opt.Lease = DefaultLease
	}
	if opt.Retry == (offline.RetryPolicy{}) {
		opt.Retry = offline.DefaultRetry
	}
	if err := s.Allow(Operator{}, ActQueueSync); err != nil {
		return DrainReport{}, err
	}
	if len(opt.codes) == 0 {
		if err := s.probeLink(ctx); err != nil {
			return DrainReport{}, err
		}
	}
	owner := offline.LeaseOwner()
	single := len(opt.codes) > 0 // the reception's immediate send
	// A drain tries each entry once. Without IgnoreBackoff a retried entry is
	// not due again; with it, the drain keeps to the entries pending when it
	// began, so that an entry the gateway keeps failing (a 5xx, an answer that
	// does not acknowledge it) is not sent again and again in a loop.
	var remaining map[string]bool
	if opt.IgnoreBackoff && !single {
		remaining = map[string]bool{}
		if err := s.store.View(func(tx *offline.Tx) error {
			list, err := tx.ListOutbox(offline.OutboxPending, offline.OutboxSending)
			for _, e := range list {
				remaining[e.Code] = true
			}
			return err
		}); err != nil {
			return DrainReport{}, err
		}
	}
	var rep DrainReport
	for opt.Limit <= 0 || len(rep.Sent)+len(rep.Retry)+len(rep.Rejected) < opt.Limit {
		if ctx.Err() != nil {
			break
		}
		n := drainBatch
		if opt.Limit > 0 {
			n = min(n, opt.Limit-len(rep.Sent)-len(rep.Retry)-len(rep.Rejected))
		}
		claimOpt := opt
		if remaining != nil {
			if len(remaining) == 0 {
				break
			}
			claimOpt.codes = slices.Sorted(maps.Keys(remaining))
		}
		batch, err := s.claim(owner, claimOpt, n)
		if err != nil {
			return rep, err
		}
		if len(batch) == 0 {
			break
		}
		for _, c := range batch {
			delete(remaining, c.entry.Code)
		}
		stop := false
		for i, c := range batch {
			if stop || ctx.Err() != nil {
				// Not tried: give the rest back without counting an attempt.
				s.release(batch[i:], owner)
				break
			}
			res, err := s.send(ctx, owner, c, opt.Retry)
			if err != nil {
				s.release(batch[i+1:], owner)
				return rep, err
			}
			switch res.state {
			case offline.OutboxSent:
				rep.Sent = append(rep.Sent, c.entry.Code)
			case offline.OutboxRejected:
				rep.Rejected = append(rep.Rejected, c.entry.Code)
			case offline.OutboxPending:
				rep.Retry = append(rep.Retry, c.entry.Code)
			}
			if res.err != nil {
				rep.LastError = res.err.Error()
			}
			if res.linkDown {
				rep.LinkDown, stop = true, true
			}
		}
		if stop || single {
			break
		}
	}
	if len(opt.codes) == 0 && !rep.LinkDown && ctx.Err() == nil {
		// A sync round, not the reception's own attempt: the audit head goes upstream.
		s.anchorAfterDrain(ctx, &rep)
	}
	if len(opt.codes) == 0 && ctx.Err() == nil {
		s.syncLife(ctx, opt, &rep) // the events after the dossiers they are about; then the pull
	}
	err := s.store.View(func(tx *offline.Tx) error {
		list, err := tx.ListOutbox(offline.OutboxPending, offline.OutboxSending)
		if err != nil {
			return err
		}
		rep.Waiting = len(list)
		for _, e := range list {
			due := e.NextAttempt
			if e.State == offline.OutboxSending {
				due = e.LeaseUntil
			}
			if rep.NextAttempt.IsZero() || due.Before(rep.NextAttempt) {
				rep.NextAttempt = due
			}
		}
		return nil
	})
	return rep, err
}

// probeLink checks the gateway once when dossiers wait for the link and it has
// not answered since they last failed: queued dossiers then go out within one
// sync period of the link's return, whatever their back-off, without a
// submission per period while the link is down.
func (s *Service) probeLink(ctx context.Context) error {
	up := s.linkUpSince()
	waiting := false
	err := s.store.View(func(tx *offline.Tx) error {
		list, err := tx.ListOutbox(offline.OutboxPending)
		if err != nil {
			return err
		}
		now := s.clock()
		for _, e := range list {
			if e.WaitsForLink && !e.DueWith(now, up) {
				waiting = true
				break
			}
		}
		return nil
	})
	if err != nil || !waiting {
		return err
	}
	if err := s.GatewayStatus(ctx); err != nil {
		s.log.Info("gateway still unreachable; queued dossiers wait", "err", err)
	}
	return nil
}

// RunSync drains the outbox now and then every interval until ctx ends; it
// returns ctx's error. Failures are logged (English, no personal data).
func (s *Service) RunSync(ctx context.Context, every time.Duration) error {
	return s.RunSyncNotify(ctx, every, nil)
}

// RunSyncNotify is RunSync calling notify (when not nil) after each round,
// e.g. for the TUI's queue indicator or `queue sync --watch`.
func (s *Service) RunSyncNotify(ctx context.Context, every time.Duration, notify func(DrainReport, error)) error {
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		rep, err := s.Drain(ctx, 0)
		switch {
		case err != nil:
			s.log.Warn("outbox drain failed", "err", err)
		case len(rep.Sent)+len(rep.Retry)+len(rep.Rejected) > 0:
			s.log.Info("outbox drained", "sent", len(rep.Sent), "retry", len(rep.Retry),
				"rejected", len(rep.Rejected), "waiting", rep.Waiting, "link_down", rep.LinkDown)
		}
		if notify != nil {
			notify(rep, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// claimed is an outbox entry with its dossier, read in the claim's unit of work.
type claimed struct {
	entry   offline.OutboxEntry
	dossier *forms.Dossier // nil when unreadable (see err)
	err     error
}

func (s *Service) claim(owner string, opt DrainOptions, n int) ([]claimed, error) {
	var out []claimed
	err := s.store.Update(func(tx *offline.Tx) error {
		out = nil
		es, err := tx.Claim(s.clock(), opt.Lease, owner, offline.ClaimOptions{Limit: n, Codes: opt.codes,
			IgnoreBackoff: opt.IgnoreBackoff, LinkUpSince: s.linkUpSince()})
		if err != nil {
			return err
		}
		for _, e := range es {
			c := claimed{entry: e}
			blob, _, err := tx.GetDossier(e.Code)
			if err == nil {
				var d forms.Dossier
				if err = json.Unmarshal(blob, &d); err == nil {
					c.dossier = &d
				}
			}
			c.err = err
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

func (s *Service) release(cs []claimed, owner string) {
	if len(cs) == 0 {
		return
	}
	err := s.store.Update(func(tx *offline.Tx) error {
		for _, c := range cs {
			if err := tx.Release(c.entry.Code, owner); err != nil && !errors.Is(err, offline.ErrLeaseLost) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// The leases expire by themselves.
		s.log.Warn("outbox entries not released", "n", len(cs), "err", err)
	}
}

// sendResult is what became of one claimed entry.
type sendResult struct {
	state    offline.OutboxState // sent, rejected, pending (retry later); "" when the lease was lost
	err      error               // the gateway's error (nil when sent)
	linkDown bool                // the gateway was unreachable
}

// payload is the dossier as received: the same bytes whichever attempt sends
// it (the gateway checks that a replayed key carries the same content).
func payload(d *forms.Dossier) ([]byte, error) {
	cp := *d
	cp.Status = forms.StatusFinalized
	return json.Marshal(&cp)
}

// retryable reports gateway failures worth another attempt later: no
// answer, timeouts, 5xx, 408/429, a refused credential (configuration, not
// the dossier), a canceled call, an unreadable answer.
func retryable(err error) bool {
	var ge *gateway.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return true
	case !errors.As(err, &ge):
		return true // not an answer of the gateway: the dossier is not at fault
	}
	switch {
	case errors.Is(err, gateway.ErrUnreachable), errors.Is(err, gateway.ErrTimeout), errors.Is(err, gateway.ErrServer),
		errors.Is(err, gateway.ErrCanceled), errors.Is(err, gateway.ErrUnauthorized), errors.Is(err, gateway.ErrBadResponse):
		return true
	case ge.Status == 408 || ge.Status == 429 || ge.Status >= 500:
		return true
	}
	return false // 4xx about the dossier (invalid, conflict), or refused before sending
}

// send submits one claimed entry and records the result with the dossier's
// state and the access log in one unit of work.
func (s *Service) send(ctx context.Context, owner string, c claimed, retry offline.RetryPolicy) (sendResult, error) {
	res := s.submit(ctx, c)
	now := s.clock()
	err := s.store.Update(func(tx *offline.Tx) error { return s.recordSend(tx, owner, c, res, retry, now) })
	e := c.entry
	if errors.Is(err, offline.ErrLeaseLost) {
		// Another drainer took the entry over (our lease expired): its result counts.
		s.log.Warn("outbox lease lost; result dropped", "code", e.Code)
		return sendResult{err: res.err}, nil
	}
	if err != nil {
		return res, fmt.Errorf("counter: recording the submission of %s: %w", e.Code, err)
	}
	if res.err != nil {
		s.log.Warn("dossier not submitted", "code", e.Code, "state", res.state, "attempts", e.Attempts, "err", res.err)
	}
	return res, nil
}

// submit sends one claimed entry to the gateway and says what it becomes: sent, pending
// (retry later) or rejected.
func (s *Service) submit(ctx context.Context, c claimed) sendResult {
	e := c.entry
	var res sendResult
	if c.err != nil {
		// The dossier cannot be read (a broken value): never retried blindly.
		res.err = fmt.Errorf("counter: dossier %s unreadable: %w", e.Code, c.err)
	} else {
		d := c.dossier
		if d.IdempotencyKey != e.IdempotencyKey {
			s.log.Error("outbox key differs from the dossier's; sending with the outbox key", "code", e.Code)
		}
		body, err := payload(d)
		if err != nil {
			res.err = fmt.Errorf("counter: encode dossier %s: %w", e.Code, err)
		} else {
			meta := lookups.CallMeta{Operator: d.Operator, Purpose: lookups.PurposeSubmit, DossierCode: d.Code}
			_, res.err = s.gw.Submit(ctx, gateway.Submission{
				Code: d.Code, Service: d.ServiceID, SpecVersion: d.SpecVersion, SubjectID: d.Subject.ID,
				ReceivedAt: d.ReceivedAt, Payload: body,
			}, e.IdempotencyKey, meta)
			s.noteGateway(res.err)
		}
	}
	switch {
	case res.err == nil:
		res.state = offline.OutboxSent
	case c.err == nil && retryable(res.err):
		res.state = offline.OutboxPending
		res.linkDown = linkFailure(res.err)
	default:
		res.state = offline.OutboxRejected
	}
	return res
}

// status is the dossier's status after the result.
func (r sendResult) status() forms.Status {
	switch r.state {
	case offline.OutboxSent:
		return forms.StatusSubmitted
	case offline.OutboxRejected:
		return forms.StatusRejected
	}
	return forms.StatusQueued
}

// recordSend records a submission's result inside tx: the outbox entry, the dossier's
// state, the access log. offline.ErrLeaseLost (nothing written) when owner no longer holds
// the entry.
func (s *Service) recordSend(tx *offline.Tx, owner string, c claimed, res sendResult, retry offline.RetryPolicy, now time.Time) error {
	e := c.entry
	outcome := "ok"
	var err error
	switch res.state {
	case offline.OutboxSent:
		err = tx.MarkSent(e.Code, owner)
	case offline.OutboxPending:
		outcome = "queued"
		_, err = tx.MarkRetry(e.Code, owner, now, res.err.Error(), Explain(res.err), retry, res.linkDown)
	case offline.OutboxRejected:
		outcome = "rejected"
		reason, msg := rejection(res.err)
		_, err = tx.MarkRejected(e.Code, owner, reason, msg, res.err.Error())
	}
	if err != nil {
		return err
	}
	d := c.dossier
	if d == nil {
		return nil
	}
	d.Status = res.status()
	if err := s.putDossier(tx, d); err != nil {
		return err
	}
	return tx.LogAccess(offline.AccessEntry{Operator: d.Operator, Purpose: lookups.PurposeSubmit,
		Action: offline.ActionSubmit, Subject: s.store.SubjectRef(d.Subject.ID), DossierCode: d.Code, Outcome: outcome})
}

// rejection is the reason code and the clerk's Vietnamese message of a refusal.
func rejection(err error) (reason, message string) {
	var ge *gateway.Error
	if errors.As(err, &ge) {
		reason = ge.Code
		if reason == "" && ge.Status != 0 {
			reason = fmt.Sprintf("http_%d", ge.Status)
		}
	}
	if reason == "" {
		reason = "local"
	}
	return reason, Explain(err)
}

// sendNow is the reception's immediate attempt, through the outbox like any
// other: claim this dossier, send it, record the result. d's Status is set
// to what the store now says (submitted, queued or rejected).
func (s *Service) sendNow(ctx context.Context, d *forms.Dossier) (bool, error) {
	opt := DrainOptions{Lease: DefaultLease, Retry: offline.DefaultRetry, codes: []string{d.Code}}
	owner := offline.LeaseOwner()
	batch, err := s.claim(owner, opt, 1)
	if err != nil {
		s.log.Error("outbox claim failed; the sync worker will send the dossier", "code", d.Code, "err", err)
		d.Status = forms.StatusQueued
		return false, err
	}
	if len(batch) == 0 {
		// Another drainer (a `queue sync` running now) already holds it.
		d.Status = forms.StatusQueued
		return false, nil
	}
	res, err := s.send(ctx, owner, batch[0], offline.DefaultRetry)
	if err != nil {
		s.log.Error("submission result not recorded", "code", d.Code, "err", err)
	}
	switch res.state {
	case offline.OutboxSent:
		d.Status = forms.StatusSubmitted
	case offline.OutboxRejected:
		d.Status = forms.StatusRejected
	default:
		d.Status = forms.StatusQueued
	}
	if res.state == offline.OutboxSent {
		return true, nil
	}
	if res.err != nil {
		return false, res.err
	}
	return false, err
}
