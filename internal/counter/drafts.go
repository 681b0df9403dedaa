package counter

import (
	"context"
	"errors"
	"sort"

	"motcua/forms"
	"motcua/offline"
)

// DraftSave is one save of a declaration in progress.
type DraftSave struct {
	ID      string
	Service string
	Step    string // where the clerk was (a field id)
	// SubjectID is the personal ID of the person the declaration is about ("" when
	// not identified yet): kept as a keyed hash, so that the citizen's draft is
	// found again without an ID number in the index.
	SubjectID string
	Blob      []byte // the declaration (sealed in the store)
}

// SaveDraft keeps a declaration in progress (sealed) so that it survives a
// crash, a closed screen or the end of a shift. A volunteer saves only their
// own drafts.
func (s *Service) SaveDraft(_ context.Context, d DraftSave, op Operator) error {
	if err := s.Allow(op, ActDraftOwn); err != nil {
		return err
	}
	// rights first: the store is not to be used again inside its unit of work
	others := s.Allow(op, ActDraftAll) // nil: may overwrite another operator's draft
	who := s.actorID(op)
	info := offline.DraftInfo{ID: d.ID, Service: d.Service, Operator: who, Step: d.Step}
	if d.SubjectID != "" {
		info.Subject = s.store.SubjectRef(d.SubjectID)
	}
	return s.store.Update(func(tx *offline.Tx) error {
		if _, old, err := tx.GetDraft(d.ID); err == nil {
			if others != nil && old.Operator != who {
				return others
			}
		} else if !errors.Is(err, offline.ErrNotFound) {
			return err
		}
		return tx.PutDraft(info, d.Blob)
	})
}

// Draft is a declaration in progress as the clerk picks it: its index entry
// and the name of the person it is about ("" when not identified yet).
type Draft struct {
	offline.DraftInfo
	Who string `json:"who,omitempty"`
}

// Drafts lists the declarations in progress the operator who unlocked the
// store may open (a volunteer: their own), in a stable order (the most
// recently started first): opening one does not move it.
func (s *Service) Drafts(context.Context) ([]Draft, error) {
	list, err := s.DraftList(Operator{})
	if err != nil {
		return nil, err
	}
	out := make([]Draft, 0, len(list))
	err = s.store.View(func(tx *offline.Tx) error {
		for _, info := range list {
			d := Draft{DraftInfo: info}
			if blob, _, err := tx.GetDraft(info.ID); err == nil {
				d.Who = draftSubjectName(blob)
			}
			out = append(out, d)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, err
}

// draftSubjectName is the name of the person a draft is about ("" when unknown).
func draftSubjectName(blob []byte) string {
	d, err := forms.RestoreDraft(blob)
	if err != nil {
		return ""
	}
	if slot := d.Spec().Subject.Person; slot != "" {
		if p, ok := d.Person(slot); ok {
			return p.FullName()
		}
	}
	return ""
}

// FindDraft returns the draft of service kept for the person with that ID
// ("" when none, or none the operator may open), the most recently saved when
// several are.
func (s *Service) FindDraft(_ context.Context, service, subjectID string) (string, error) {
	if subjectID == "" {
		return "", nil
	}
	list, err := s.DraftList(Operator{}) // most recently saved first
	if err != nil {
		return "", err
	}
	ref := s.store.SubjectRef(subjectID)
	for _, d := range list {
		if d.Service == service && d.Subject == ref {
			return d.ID, nil
		}
	}
	return "", nil
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
