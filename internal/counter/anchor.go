package counter

import (
	"context"
	"errors"
	"fmt"

	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/offline"
)

// Anchoring the audit chain upstream (offline/anchor.go): every sync round sends the head of
// the store's audit chain to the gateway, which keeps the heads it saw per store; before it
// does, the counter checks that its chain still contains the head the gateway holds. A chain
// that lacks it was rolled back to an older copy: nothing is sent (the gateway keeps the
// evidence), the round reports it, and `motcua audit verify` says so.

// anchorer is the part of the gateway client that keeps audit heads (gateway.Client has it;
// a Gateway without it does not anchor).
type anchorer interface {
	AnchoredHead(ctx context.Context, store string, meta lookups.CallMeta) (gateway.AuditHead, bool, error)
	AnchorHead(ctx context.Context, store string, u gateway.AuditHeadUpdate, meta lookups.CallMeta) (gateway.AuditHead, error)
}

// ErrNoAnchoring says the gateway client does not keep audit heads.
var ErrNoAnchoring = errors.New("counter: the gateway does not keep audit heads")

// ErrNotAnchored says the gateway holds no head of this store yet (no sync reached it).
var ErrNotAnchored = errors.New("counter: the gateway holds no audit head of this store yet")

func (s *Service) anchorMeta() lookups.CallMeta {
	op := s.store.Actor()
	if op == "" {
		op = "local"
	}
	return lookups.CallMeta{Operator: op, Purpose: gateway.PurposeAudit}
}

// AnchorAudit sends the head of the audit chain upstream, after checking that the chain
// contains the head the gateway holds. It returns the head anchored now (or already), an
// *offline.AuditRollbackError when the chain lacks the anchored head, or the gateway's error.
func (s *Service) AnchorAudit(ctx context.Context) (offline.AuditHead, error) {
	an, ok := s.gw.(anchorer)
	if !ok {
		return offline.AuditHead{}, ErrNoAnchoring
	}
	store, meta := s.store.ID(), s.anchorMeta()
	for attempt := 0; ; attempt++ {
		held, found, err := an.AnchoredHead(ctx, store, meta)
		s.noteGateway(err)
		if err != nil {
			return offline.AuditHead{}, err
		}
		local, err := s.store.AuditHead()
		if err != nil {
			return offline.AuditHead{}, err
		}
		u := gateway.AuditHeadUpdate{Seq: local.Seq, Hash: local.Hash, Agency: s.cfg.Agency.Code, Counter: s.cfg.Counter}
		if found {
			anchored := offline.AuditHead{Seq: held.Seq, Hash: held.Hash}
			if err := s.store.CheckAuditAnchor(anchored, "gateway"); err != nil {
				return offline.AuditHead{}, err
			}
			if anchored == local {
				return local, nil
			}
			u.Base = &gateway.HeadRef{Seq: held.Seq, Hash: held.Hash}
		}
		h, err := an.AnchorHead(ctx, store, u, meta)
		s.noteGateway(err)
		if errors.Is(err, gateway.ErrConflict) && attempt == 0 {
			continue // another program of this store anchored meanwhile: check against its head
		}
		if err != nil {
			return offline.AuditHead{}, err
		}
		return offline.AuditHead{Seq: h.Seq, Hash: h.Hash}, nil
	}
}

// VerifyAuditAnchored checks, for op (ActAuditVerify), the audit chain (offline.Store.VerifyAudit, with the local anchor file)
// and that it contains the head anchored upstream. upstreamErr says why the upstream head
// could not be checked (the gateway unreachable, or not keeping heads); the report is then
// that of the local checks.
func (s *Service) VerifyAuditAnchored(ctx context.Context, op Operator) (rep offline.AuditReport, upstreamErr, err error) {
	if err := s.Allow(op, ActAuditVerify); err != nil {
		return offline.AuditReport{}, nil, err
	}
	an, ok := s.gw.(anchorer)
	if !ok {
		rep, err = s.store.VerifyAudit()
		return rep, ErrNoAnchoring, err
	}
	held, found, gerr := an.AnchoredHead(ctx, s.store.ID(), s.anchorMeta())
	s.noteGateway(gerr)
	if gerr == nil && !found {
		gerr = ErrNotAnchored
	}
	if gerr != nil {
		rep, err = s.store.VerifyAudit()
		return rep, gerr, err
	}
	rep, err = s.store.VerifyAuditAgainst(offline.AuditHead{Seq: held.Seq, Hash: held.Hash}, "gateway")
	return rep, nil, err
}

// anchorAfterDrain is the sync round's anchoring: its outcome goes into the report.
func (s *Service) anchorAfterDrain(ctx context.Context, rep *DrainReport) {
	h, err := s.AnchorAudit(ctx)
	var rb *offline.AuditRollbackError
	switch {
	case err == nil:
		rep.Anchored = h.Seq
	case errors.Is(err, ErrNoAnchoring):
	case errors.As(err, &rb):
		rep.AuditRollback = true
		rep.AnchorError = err.Error()
		s.log.Error("audit log rolled back: the chain lacks the head anchored upstream; head not sent", "err", err)
	default:
		rep.AnchorError = fmt.Sprintf("audit head not anchored: %v", err)
		if linkFailure(err) || errors.Is(err, gateway.ErrCircuitOpen) || errors.Is(err, lookups.ErrNotFound) {
			// Unreachable, or a gateway without the audit-head endpoints: not worth a warning
			// every round.
			s.log.Info("audit head not anchored", "err", err)
		} else {
			s.log.Warn("audit head not anchored", "err", err)
		}
	}
}
