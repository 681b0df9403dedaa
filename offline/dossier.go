package offline

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"
	"unicode"
)

// ErrNotFound is returned when a dossier or receipt code is not in the store.
var ErrNotFound = errors.New("offline: record not found")

// DossierInfo is the unsealed index entry of a dossier. It must hold no personal data:
// Service is a procedure code, State a workflow state name.
type DossierInfo struct {
	Code       string    `json:"code"`
	State      string    `json:"state"`
	Service    string    `json:"service,omitempty"`
	ReceivedAt time.Time `json:"receivedAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
	// Fees are the fees of the dossier's procedures with a fee, copied from the blob so that
	// the fees of a period are counted without opening each dossier; FeesRecorded says they
	// were (an entry written before has none: its blob holds them).
	Fees         []FeeFact `json:"fees,omitempty"`
	FeesRecorded bool      `json:"feesRecorded,omitempty"`
}

// FeeFact is one procedure's fee in a dossier's index entry: the amount in đồng when the
// schedule gives it (Known), or an exemption (nothing charged). No personal data.
type FeeFact struct {
	Procedure string `json:"procedure"`
	Amount    int64  `json:"amount,omitempty"`
	Known     bool   `json:"known,omitempty"`
	Exempt    bool   `json:"exempt,omitempty"`
}

// DossierFilter selects dossiers in ListDossiers; zero fields select everything.
type DossierFilter struct {
	States  []string  // any of these states
	Service string    // this procedure code
	From    time.Time // received at or after
	To      time.Time // received before
}

func (f DossierFilter) match(d DossierInfo) bool {
	if len(f.States) > 0 && !slices.Contains(f.States, d.State) {
		return false
	}
	if f.Service != "" && d.Service != f.Service {
		return false
	}
	if !f.From.IsZero() && d.ReceivedAt.Before(f.From) {
		return false
	}
	if !f.To.IsZero() && !d.ReceivedAt.Before(f.To) {
		return false
	}
	return true
}

// checkToken accepts short printable words without spaces (codes, states, procedure codes).
func checkToken(what, s string, required bool) error {
	if s == "" {
		if required {
			return fmt.Errorf("offline: empty %s", what)
		}
		return nil
	}
	if len(s) > 64 {
		return fmt.Errorf("offline: %s longer than 64 bytes", what)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("offline: %s %q contains a space or control character", what, s)
		}
	}
	return nil
}

func (t *Tx) dossierInfo(code string) (DossierInfo, bool, error) {
	idx, err := t.bucket(bucketDossierIndex)
	if err != nil {
		return DossierInfo{}, false, err
	}
	v := idx.Get([]byte(code))
	if v == nil {
		return DossierInfo{}, false, nil
	}
	d, err := decodeDossierInfo([]byte(code), v)
	return d, err == nil, err
}

func (t *Tx) putDossierInfo(d DossierInfo) error {
	idx, err := t.bucket(bucketDossierIndex)
	if err != nil {
		return err
	}
	v, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("offline: dossier index %s: %w", d.Code, err)
	}
	return t.putIndexEntry(dossiersReceived, idx, d.Code, v)
}

func decodeDossierInfo(k, v []byte) (DossierInfo, error) {
	var d DossierInfo
	if err := json.Unmarshal(v, &d); err != nil {
		return DossierInfo{}, fmt.Errorf("offline: dossier index %s: %w", k, err)
	}
	return d, nil
}

// PutDossier stores (creates or replaces) a dossier: blob (the dossier's JSON, personal data)
// is sealed; d.Code, d.State, d.Service and the fees go to the unsealed index. ReceivedAt is kept from
// the first save (or taken from d, or now); UpdatedAt is now.
func (t *Tx) PutDossier(d DossierInfo, blob []byte) error {
	if err := checkToken("dossier code", d.Code, true); err != nil {
		return err
	}
	if err := checkToken("dossier state", d.State, true); err != nil {
		return err
	}
	if err := checkToken("service code", d.Service, false); err != nil {
		return err
	}
	for _, f := range d.Fees {
		if err := checkToken("procedure code", f.Procedure, true); err != nil {
			return err
		}
	}
	old, exists, err := t.dossierInfo(d.Code)
	if err != nil {
		return err
	}
	now := t.s.now()
	switch {
	case exists:
		d.ReceivedAt = old.ReceivedAt
	case d.ReceivedAt.IsZero():
		d.ReceivedAt = now
	}
	d.UpdatedAt = now
	b, err := t.bucket(bucketDossiers)
	if err != nil {
		return err
	}
	key := []byte(d.Code)
	sealed, err := t.seal(bucketDossiers, key, blob)
	if err != nil {
		return err
	}
	if err := b.Put(key, sealed); err != nil {
		return fmt.Errorf("offline: writing dossier %s: %w", d.Code, err)
	}
	return t.putDossierInfo(d)
}

// GetDossier returns the opened blob and the index entry of a dossier, or ErrNotFound.
func (t *Tx) GetDossier(code string) ([]byte, DossierInfo, error) {
	d, ok, err := t.dossierInfo(code)
	if err != nil {
		return nil, DossierInfo{}, err
	}
	b, err := t.bucket(bucketDossiers)
	if err != nil {
		return nil, DossierInfo{}, err
	}
	v := b.Get([]byte(code))
	if !ok || v == nil {
		return nil, DossierInfo{}, fmt.Errorf("%w: dossier %s", ErrNotFound, code)
	}
	blob, err := t.open(bucketDossiers, []byte(code), v)
	if err != nil {
		return nil, DossierInfo{}, err
	}
	return blob, d, nil
}

// SetDossierState changes a dossier's state (and UpdatedAt) without touching its blob.
func (t *Tx) SetDossierState(code, state string) error {
	if err := checkToken("dossier state", state, true); err != nil {
		return err
	}
	d, ok, err := t.dossierInfo(code)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: dossier %s", ErrNotFound, code)
	}
	d.State = state
	d.UpdatedAt = t.s.now()
	return t.putDossierInfo(d)
}

// ListDossiers returns the index entries that match f, oldest received first. A period
// (From or To) is read from the index by reception time: only its entries are decoded.
func (t *Tx) ListDossiers(f DossierFilter) ([]DossierInfo, error) {
	idx, err := t.bucket(bucketDossierIndex)
	if err != nil {
		return nil, err
	}
	var out []DossierInfo
	keep := func(k, v []byte) error {
		d, err := decodeDossierInfo(k, v)
		if err == nil && f.match(d) {
			out = append(out, d)
		}
		return err
	}
	if !f.From.IsZero() || !f.To.IsZero() {
		ok, err := t.receivedRange(dossiersReceived, f.From, f.To, false, func(k, v []byte) (bool, error) { return true, keep(k, v) })
		if err != nil {
			return nil, err
		}
		if ok {
			return out, nil
		}
	}
	if err := idx.ForEach(keep); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].ReceivedAt.Equal(out[j].ReceivedAt) {
			return out[i].ReceivedAt.Before(out[j].ReceivedAt)
		}
		return out[i].Code < out[j].Code
	})
	return out, nil
}

// LastDossiers returns the last n index entries received that match f (n <= 0: all of them),
// newest first: ListDossiers backwards. It walks the index by reception time from its end and
// decodes the entries until it has n.
func (t *Tx) LastDossiers(n int, f DossierFilter) ([]DossierInfo, error) {
	var out []DossierInfo
	ok, err := t.receivedRange(dossiersReceived, f.From, f.To, true, func(k, v []byte) (bool, error) {
		d, err := decodeDossierInfo(k, v)
		if err == nil && f.match(d) {
			out = append(out, d)
		}
		return n <= 0 || len(out) < n, err
	})
	if err != nil {
		return nil, err
	}
	if ok {
		return out, nil
	}
	if out, err = t.ListDossiers(f); err != nil {
		return nil, err
	}
	slices.Reverse(out)
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out, nil
}

// PutReceipt stores the receipt PDF of a dossier (sealed: it names the citizen) for reprints.
func (t *Tx) PutReceipt(code string, pdf []byte) error {
	if err := checkToken("dossier code", code, true); err != nil {
		return err
	}
	b, err := t.bucket(bucketReceipts)
	if err != nil {
		return err
	}
	sealed, err := t.seal(bucketReceipts, []byte(code), pdf)
	if err != nil {
		return err
	}
	if err := b.Put([]byte(code), sealed); err != nil {
		return fmt.Errorf("offline: writing receipt %s: %w", code, err)
	}
	return nil
}

// GetReceipt returns the stored receipt PDF of a dossier, or ErrNotFound.
func (t *Tx) GetReceipt(code string) ([]byte, error) {
	b, err := t.bucket(bucketReceipts)
	if err != nil {
		return nil, err
	}
	v := b.Get([]byte(code))
	if v == nil {
		return nil, fmt.Errorf("%w: receipt %s", ErrNotFound, code)
	}
	return t.open(bucketReceipts, []byte(code), v)
}
