package counter

import (
	"context"

	"motcua/forms"
	"motcua/offline"
)

// SaveDraft keeps a declaration in progress (sealed) so that it survives a
// crash, a closed screen or the end of a shift.
func (s *Service) SaveDraft(_ context.Context, id, service string, blob []byte, op Operator, step string) error {
	return s.store.Update(func(tx *offline.Tx) error {
		return tx.PutDraft(offline.DraftInfo{ID: id, Service: service, Operator: op.ID, Step: step}, blob)
	})
}

// Drafts lists the declarations in progress, most recent first.
func (s *Service) Drafts(context.Context) ([]offline.DraftInfo, error) {
	var out []offline.DraftInfo
	err := s.store.View(func(tx *offline.Tx) error {
		var err error
		out, err = tx.ListDrafts()
		return err
	})
	return out, err
}

// LoadDraft resumes a declaration in progress in the counter's context.
func (s *Service) LoadDraft(_ context.Context, id string) (*forms.Declaration, error) {
	var blob []byte
	err := s.store.View(func(tx *offline.Tx) error {
		var err error
		blob, _, err = tx.GetDraft(id)
		return err
	})
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
