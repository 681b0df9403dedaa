package offline

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// DraftInfo is the unsealed index entry of a draft declaration. It holds no
// personal data: the service code, the operator who saved it, and times.
type DraftInfo struct {
	ID       string `json:"id"`
	Service  string `json:"service"`
	Operator string `json:"operator"`
	Step     string `json:"step,omitempty"` // where the clerk was (a short code, e.g. a field id)
	// Subject is the keyed hash (Store.SubjectRef) of the person the draft is about:
	// the citizen's draft is found again without an ID number in the index.
	Subject   string    `json:"subject,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// PutDraft creates or replaces a draft: blob (the declaration, personal data)
// is sealed; d goes to the unsealed index. CreatedAt is kept from the first
// save; UpdatedAt is now.
func (t *Tx) PutDraft(d DraftInfo, blob []byte) error {
	for _, f := range []struct{ what, v string }{{"draft id", d.ID}, {"draft service", d.Service}, {"draft operator", d.Operator}} {
		if err := checkToken(f.what, f.v, true); err != nil {
			return err
		}
	}
	if err := checkToken("draft step", d.Step, false); err != nil {
		return err
	}
	idx, err := t.bucket(bucketDraftIndex)
	if err != nil {
		return err
	}
	now := t.s.now()
	d.CreatedAt, d.UpdatedAt = now, now
	if v := idx.Get([]byte(d.ID)); v != nil {
		var old DraftInfo
		if err := json.Unmarshal(v, &old); err == nil {
			d.CreatedAt = old.CreatedAt
		}
	}
	b, err := t.bucket(bucketDrafts)
	if err != nil {
		return err
	}
	sealed, err := t.seal(bucketDrafts, []byte(d.ID), blob)
	if err != nil {
		return err
	}
	if err := b.Put([]byte(d.ID), sealed); err != nil {
		return fmt.Errorf("offline: writing draft %s: %w", d.ID, err)
	}
	info, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if err := idx.Put([]byte(d.ID), info); err != nil {
		return fmt.Errorf("offline: writing draft index %s: %w", d.ID, err)
	}
	return nil
}

// GetDraft returns the opened blob and index entry of a draft, or ErrNotFound.
func (t *Tx) GetDraft(id string) ([]byte, DraftInfo, error) {
	idx, err := t.bucket(bucketDraftIndex)
	if err != nil {
		return nil, DraftInfo{}, err
	}
	b, err := t.bucket(bucketDrafts)
	if err != nil {
		return nil, DraftInfo{}, err
	}
	iv, v := idx.Get([]byte(id)), b.Get([]byte(id))
	if iv == nil || v == nil {
		return nil, DraftInfo{}, fmt.Errorf("%w: draft %s", ErrNotFound, id)
	}
	var d DraftInfo
	if err := json.Unmarshal(iv, &d); err != nil {
		return nil, DraftInfo{}, fmt.Errorf("offline: draft index %s: %w", id, err)
	}
	blob, err := t.open(bucketDrafts, []byte(id), v)
	if err != nil {
		return nil, DraftInfo{}, err
	}
	return blob, d, nil
}

// DeleteDraft removes a draft (finalized or abandoned); a missing one is not an error.
func (t *Tx) DeleteDraft(id string) error {
	for _, name := range []string{bucketDrafts, bucketDraftIndex} {
		b, err := t.bucket(name)
		if err != nil {
			return err
		}
		if err := b.Delete([]byte(id)); err != nil {
			return fmt.Errorf("offline: deleting draft %s: %w", id, err)
		}
	}
	return nil
}

// ListDrafts returns the drafts, most recently updated first.
func (t *Tx) ListDrafts() ([]DraftInfo, error) {
	idx, err := t.bucket(bucketDraftIndex)
	if err != nil {
		return nil, err
	}
	var out []DraftInfo
	err = idx.ForEach(func(k, v []byte) error {
		var d DraftInfo
		if err := json.Unmarshal(v, &d); err != nil {
			return fmt.Errorf("offline: draft index %s: %w", k, err)
		}
		out = append(out, d)
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].UpdatedAt.After(out[j].UpdatedAt) })
	return out, err
}
