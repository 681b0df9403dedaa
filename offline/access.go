package offline

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Actions recorded in the access log.
const (
	ActionLookup = "lookup" // a resident look-up (gateway or cache)
	ActionSubmit = "submit" // a dossier submission
	ActionView   = "view"   // a stored dossier or receipt opened
	ActionPrint  = "print"  // a receipt printed or reprinted
	ActionDelete = "delete" // personal data removed on request
)

// AccessEntry is one line of the append-only access log. It holds no names and no ID
// numbers: the subject is the keyed hash from Store.SubjectRef.
type AccessEntry struct {
	Seq         uint64    `json:"seq"` // set by the store, 1, 2, ...
	Time        time.Time `json:"time"`
	Operator    string    `json:"operator"`
	Purpose     string    `json:"purpose"` // lookups.Purpose* code
	Action      string    `json:"action"`  // Action* code
	Subject     string    `json:"subject,omitempty"`
	DossierCode string    `json:"dossierCode,omitempty"`
	Outcome     string    `json:"outcome,omitempty"` // short code: "ok", "cache", "not_found", "error"
}

func validSubjectRef(s string) bool {
	if len(s) != 64 {
		return false
	}
	b, err := hex.DecodeString(s)
	return err == nil && hex.EncodeToString(b) == s
}

// LogAccess appends e to the access log (Time defaults to now; Seq is assigned).
// Operator, Purpose and Action are required; Subject must be a SubjectRef, never a raw ID.
func (t *Tx) LogAccess(e AccessEntry) error {
	for _, f := range []struct {
		what, v  string
		required bool
	}{{"operator", e.Operator, true}, {"purpose", e.Purpose, true}, {"action", e.Action, true}, {"dossier code", e.DossierCode, false}, {"outcome", e.Outcome, false}} {
		if err := checkToken("access log "+f.what, f.v, f.required); err != nil {
			return err
		}
	}
	if e.Subject != "" && !validSubjectRef(e.Subject) {
		return fmt.Errorf("offline: access log subject is not a keyed hash (use Store.SubjectRef)")
	}
	b, err := t.bucket(bucketAccess)
	if err != nil {
		return err
	}
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("offline: access log sequence: %w", err)
	}
	e.Seq = seq
	if e.Time.IsZero() {
		e.Time = t.s.now()
	}
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("offline: access log entry: %w", err)
	}
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	if err := b.Put(k[:], v); err != nil {
		return fmt.Errorf("offline: writing access log: %w", err)
	}
	return nil
}

// AccessLog returns the whole access log in order.
func (t *Tx) AccessLog() ([]AccessEntry, error) {
	b, err := t.bucket(bucketAccess)
	if err != nil {
		return nil, err
	}
	var out []AccessEntry
	err = b.ForEach(func(k, v []byte) error {
		var e AccessEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("offline: access log entry %x: %w", k, err)
		}
		out = append(out, e)
		return nil
	})
	return out, err
}
