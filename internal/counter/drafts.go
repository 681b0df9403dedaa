package counter

import (
	"context"
	"errors"

	"motcua/forms"
	"motcua/offline"
)

// SaveDraft keeps a declaration in progress (sealed) so that it survives a
// crash, a closed screen or the end of a shift. A volunteer saves only their
// own drafts.
func (s *Service) SaveDraft(_ context.Context, id, service string, blob []byte, op Operator, step string) error {
	if err := s.Allow(op, ActDraftOwn); err != nil {
		return err
	}
	// rights first: the store is not to be used again inside its unit of work
	others := s.Allow(op, ActDraftAll) // nil: may overwrite another operator's draft
	who := s.actorID(op)
	return s.store.Update(func(tx *offline.Tx) error {
		if _, info, err := tx.GetDraft(id); err == nil {
			if others != nil && info.Operator != who {
				return others
			}
		} else if !errors.Is(err, offline.ErrNotFound) {
			return err
		}
		return tx.PutDraft(offline.DraftInfo{ID: id, Service: service, Operator: who, Step: step}, blob)
	})
}

// Drafts lists the declarations in progress the operator who unlocked the
// store may open (a volunteer: their own), most recent first.
func (s *Service) Drafts(context.Context) ([]offline.DraftInfo, error) {
	return s.DraftList(Operator{})
}

// LoadDraft resumes a declaration in progress in the counter's context.
func (s *Service) LoadDraft(_ context.Context, id string) (*forms.Declaration, error) {
	blob, _, err := s.Draft(Operator{}, id)
	if err != nil {
		return nil, err
	}
	d, err := forms.RestoreDraft(blob)
	if err != nil {
		return nil, err
	}
	d.SetClock(s.clock)
	return d, nil
}
