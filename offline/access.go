package offline

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Actions recorded in the access log.
const (
	ActionLookup   = "lookup"    // a resident look-up (gateway or cache)
	ActionCardRead = "card_read" // a chip ID card read
	ActionSubmit   = "submit"    // a dossier submission
	ActionView     = "view"      // a stored dossier or receipt opened
	ActionPrint    = "print"     // a receipt printed or reprinted
	ActionExport   = "export"    // data or the audit log exported
	ActionDelete   = "delete"    // personal data removed on request
	ActionLogin    = "login"     // an operator unlocked the store (logged by the caller)

	// Written by the store itself, with PurposeAdmin and the store's Actor.
	ActionStore    = "store"    // Detail "init" or "migrate=<n>": the store was encrypted
	ActionOperator = "operator" // Detail "add=<id>", "disable=<id>", "enable=<id>", "passphrase=<id>"
	ActionKeyFile  = "key_file" // Detail "export=<id>", "revoke=<id>"
	ActionPurge    = "purge"    // Detail "lookups=<n>": the look-up cache was emptied
)

// PurposeAdmin is the purpose of the entries the store writes about itself.
const PurposeAdmin = "admin"

// AccessEntry is one line of the append-only access log (the audit log). It holds no names
// and no ID numbers: the subject is the keyed hash from Store.SubjectRef.
type AccessEntry struct {
	Seq         uint64    `json:"seq"` // set by the store, 1, 2, ...
	Time        time.Time `json:"time"`
	Operator    string    `json:"operator"`
	Purpose     string    `json:"purpose"` // lookups.Purpose* code or PurposeAdmin
	Action      string    `json:"action"`  // Action* code
	Subject     string    `json:"subject,omitempty"`
	DossierCode string    `json:"dossierCode,omitempty"`
	Outcome     string    `json:"outcome,omitempty"` // short code: "ok", "cache", "not_found", "error"
	Detail      string    `json:"detail,omitempty"`  // short code, no personal data (store entries)
}

// AuditRecord is an access entry as stored and exported: Prev is the hash of the previous
// entry (64 zero digits before the first), Hash the SHA-256 of this entry's canonical form
// (which includes Prev), MAC the HMAC-SHA256 of Hash under a key derived from the data key.
type AuditRecord struct {
	AccessEntry
	Prev string `json:"prev"`
	Hash string `json:"hash,omitempty"` // not stored: recomputed, filled in by ExportAudit
	MAC  string `json:"mac"`
}

func validSubjectRef(s string) bool {
	if len(s) != 64 {
		return false
	}
	b, err := hex.DecodeString(s)
	return err == nil && hex.EncodeToString(b) == s
}

// auditHash is the SHA-256 of the canonical form of e linked to prev: fixed-width numbers
// and length-prefixed strings, so that no two entries share a form.
func auditHash(e AccessEntry, prev []byte) []byte {
	return writeAuditHash(sha256.New(), e, prev, nil)
}

// writeAuditHash is auditHash with h (reset first), appending the sum to out.
func writeAuditHash(h hash.Hash, e AccessEntry, prev, out []byte) []byte {
	h.Reset()
	var n [8]byte
	h.Write([]byte("motcua/audit/v1\x00"))
	binary.BigEndian.PutUint64(n[:], e.Seq)
	h.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(e.Time.UnixNano()))
	h.Write(n[:])
	for _, f := range []string{e.Operator, e.Purpose, e.Action, e.Subject, e.DossierCode, e.Outcome, e.Detail} {
		binary.BigEndian.PutUint32(n[:4], uint32(len(f)))
		h.Write(n[:4])
		_, _ = io.WriteString(h, f)
	}
	h.Write(prev)
	return h.Sum(out)
}

func auditMAC(key, hash []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("entry\x00"))
	m.Write(hash)
	return m.Sum(nil)
}

func headMAC(key []byte, seq uint64, hash []byte) []byte {
	m := hmac.New(sha256.New, key)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], seq)
	m.Write([]byte("head\x00"))
	m.Write(n[:])
	m.Write(hash)
	return m.Sum(nil)
}

var zeroHash = make([]byte, 32)

func seqKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

// auditHead reads the chain head (seq 0 and the zero hash for an empty chain). A missing
// head over a non-empty bucket continues after the last key; VerifyAudit reports it.
func auditHead(meta, b *bolt.Bucket) (seq uint64, hash []byte, mac []byte) {
	if v := meta.Get(metaAuditHead); len(v) == 8+32+32 {
		return binary.BigEndian.Uint64(v[:8]), v[8:40], v[40:]
	}
	if k, _ := b.Cursor().Last(); len(k) == 8 {
		return binary.BigEndian.Uint64(k), zeroHash, nil
	}
	return 0, zeroHash, nil
}

// appendAudit chains e (Seq and Time already set) after the head and moves the head.
func appendAudit(meta, b *bolt.Bucket, key []byte, e AccessEntry, prev []byte) error {
	h := auditHash(e, prev)
	v, err := json.Marshal(AuditRecord{AccessEntry: e, Prev: hex.EncodeToString(prev), MAC: hex.EncodeToString(auditMAC(key, h))})
	if err != nil {
		return fmt.Errorf("offline: access log entry: %w", err)
	}
	if err := b.Put(seqKey(e.Seq), v); err != nil {
		return fmt.Errorf("offline: writing access log: %w", err)
	}
	head := make([]byte, 0, 72)
	head = append(append(append(head, seqKey(e.Seq)...), h...), headMAC(key, e.Seq, h)...)
	if err := meta.Put(metaAuditHead, head); err != nil {
		return fmt.Errorf("offline: writing audit head: %w", err)
	}
	return nil
}

// LogAccess appends e to the access log (Time defaults to now; Seq is assigned), chained to
// the previous entry. Operator, Purpose and Action are required; Subject must be a
// SubjectRef, never a raw ID; DossierCode, Outcome and Detail are short codes.
func (t *Tx) LogAccess(e AccessEntry) error { return t.logAccessWith(t.s.keys.audit, e) }

// logAccessWith is LogAccess chaining under an audit key given by the caller (a key rotation
// writes its entry under the new key).
func (t *Tx) logAccessWith(key []byte, e AccessEntry) error {
	for _, f := range []struct {
		what, v  string
		required bool
	}{{"operator", e.Operator, true}, {"purpose", e.Purpose, true}, {"action", e.Action, true}, {"dossier code", e.DossierCode, false},
		{"outcome", e.Outcome, false}, {"detail", e.Detail, false}} {
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
	meta, err := t.bucket(bucketMeta)
	if err != nil {
		return err
	}
	seq, prev, _ := auditHead(meta, b)
	e.Seq = seq + 1
	if e.Time.IsZero() {
		e.Time = t.s.now()
	}
	if err := appendAudit(meta, b, key, e, prev); err != nil {
		return err
	}
	if err := t.countAccess(e); err != nil {
		return err
	}
	t.noteAuditHead()
	return nil
}

// logAdmin writes one of the store's own entries.
func (t *Tx) logAdmin(action, detail string) error {
	return t.LogAccess(AccessEntry{Operator: t.s.actorOr(), Purpose: PurposeAdmin, Action: action, Outcome: "ok", Detail: detail})
}

func (s *Store) actorOr() string {
	if s.actor == "" {
		return "local"
	}
	return s.actor
}

func decodeAudit(k, v []byte) (AuditRecord, error) {
	var r AuditRecord
	if decodeAuditFast(v, &r) {
		return r, nil
	}
	r = AuditRecord{}
	if err := json.Unmarshal(v, &r); err != nil {
		return r, fmt.Errorf("offline: access log entry %x: %w", k, err)
	}
	return r, nil
}

// AccessLog returns the whole access log in order (without the chain fields).
func (t *Tx) AccessLog() ([]AccessEntry, error) {
	b, err := t.bucket(bucketAccess)
	if err != nil {
		return nil, err
	}
	var out []AccessEntry
	err = b.ForEach(func(k, v []byte) error {
		r, err := decodeAudit(k, v)
		out = append(out, r.AccessEntry)
		return err
	})
	return out, err
}

// rechainAudit rewrites every entry's Prev and MAC in key order under key, keeping the
// entries' content: used once when a version 1 log is upgraded and when a store is
// encrypted (the chain moves to the key derived from the new data key).
func rechainAudit(t *Tx, key []byte) error {
	b, err := t.bucket(bucketAccess)
	if err != nil {
		return err
	}
	meta, err := t.bucket(bucketMeta)
	if err != nil {
		return err
	}
	var recs []AuditRecord
	err = b.ForEach(func(k, v []byte) error {
		r, err := decodeAudit(k, v)
		if err != nil {
			return err
		}
		if len(k) != 8 {
			return fmt.Errorf("offline: access log key %x is not a sequence number", k)
		}
		r.Seq = binary.BigEndian.Uint64(k)
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		return err
	}
	prev := zeroHash
	for _, r := range recs {
		if err := appendAudit(meta, b, key, r.AccessEntry, prev); err != nil {
			return err
		}
		prev = auditHash(r.AccessEntry, prev)
	}
	if len(recs) > 0 {
		t.noteAuditHead()
	}
	return nil
}

// ErrAuditBroken is returned by VerifyAudit when the chain does not hold.
var ErrAuditBroken = errors.New("offline: audit log chain broken")

// AuditReport is the result of VerifyAudit.
type AuditReport struct {
	Entries  int    // entries read
	Last     uint64 // sequence number of the chain head
	OK       bool   // every entry is in place, unchanged, linked and authenticated
	FirstBad uint64 // the first bad sequence number (0 when OK)
	Kind     string // what is wrong there: one of the Audit* kinds (empty when OK); AuditProblemMessage says it in Vietnamese
	Problem  string // what is wrong there, in English (empty when OK)

	// Witnesses outside the file (anchor.go): the head of the local anchor file and the head
	// anchored upstream that were checked (0: none), and, when the chain lacks one of them,
	// Rollback with the Witness ("local" or "gateway") that holds it.
	LocalAnchor uint64
	Anchored    uint64
	Rollback    bool
	Witness     string
}

// Kinds of audit chain problems (AuditReport.Kind).
const (
	AuditInserted     = "inserted"      // a record whose key is not a sequence number
	AuditMissing      = "missing"       // an entry removed from the middle
	AuditUnreadable   = "unreadable"    // an entry that cannot be decoded
	AuditMisnumbered  = "misnumbered"   // an entry that says it has another number
	AuditUnlinked     = "unlinked"      // an entry not linked to the previous one
	AuditBadMAC       = "bad_mac"       // an entry changed or forged
	AuditHeadMissing  = "head_missing"  // the chain head is missing or malformed
	AuditHeadBadMAC   = "head_bad_mac"  // the chain head changed or forged
	AuditTruncated    = "truncated"     // entries removed from the end
	AuditAppended     = "appended"      // entries added without the key
	AuditHeadMismatch = "head_mismatch" // the last entry differs from the head
)

// verifyAudit walks the chain with key; it stops at the first problem.
func verifyAudit(meta, b *bolt.Bucket, key []byte) AuditReport {
	var rep AuditReport
	bad := func(seq uint64, kind, format string, args ...any) AuditReport {
		rep.FirstBad, rep.Kind, rep.Problem = seq, kind, fmt.Sprintf(format, args...)
		return rep
	}
	prev := zeroHash
	want := uint64(1)
	// one hash and one MAC for the walk, reset per entry (a million entries in a ward's year)
	sha, mac := sha256.New(), hmac.New(sha256.New, key)
	var bufs [2][32]byte
	var prevHex [64]byte
	var gotMAC [32]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			return bad(want, AuditInserted, "a record with key %x is not a sequence number (inserted)", k)
		}
		seq := binary.BigEndian.Uint64(k)
		if seq != want {
			return bad(want, AuditMissing, "entry %d is missing (removed); the next one is %d", want, seq)
		}
		rep.Entries++
		r, err := decodeAudit(k, v)
		if err != nil {
			return bad(seq, AuditUnreadable, "entry cannot be read (changed)")
		}
		if r.Seq != seq {
			return bad(seq, AuditMisnumbered, "entry says it is number %d (moved, reordered or inserted)", r.Seq)
		}
		hex.Encode(prevHex[:], prev)
		if r.Prev != string(prevHex[:]) {
			return bad(seq, AuditUnlinked, "entry does not link to the previous entry (changed, removed, inserted or reordered)")
		}
		h := writeAuditHash(sha, r.AccessEntry, prev, bufs[want%2][:0])
		mac.Reset()
		mac.Write([]byte("entry\x00"))
		mac.Write(h)
		if len(r.MAC) != 2*len(gotMAC) { // checked first: hex.Decode writes len/2 bytes
			return bad(seq, AuditBadMAC, "entry's MAC does not match (changed or forged)")
		}
		if _, err := hex.Decode(gotMAC[:], []byte(r.MAC)); err != nil || !hmac.Equal(gotMAC[:], mac.Sum(bufs[(want+1)%2][:0])) {
			return bad(seq, AuditBadMAC, "entry's MAC does not match (changed or forged)")
		}
		prev = h
		want++
	}
	last := want - 1
	hv := meta.Get(metaAuditHead)
	switch {
	case hv == nil && last == 0:
	case len(hv) != 72:
		return bad(max(last, 1), AuditHeadMissing, "the chain head is missing or malformed")
	default:
		hseq, hhash := binary.BigEndian.Uint64(hv[:8]), hv[8:40]
		if !hmac.Equal(hv[40:], headMAC(key, hseq, hhash)) {
			return bad(max(last, 1), AuditHeadBadMAC, "the chain head's MAC does not match (changed or forged)")
		}
		if hseq > last {
			return bad(last+1, AuditTruncated, "entries %d to %d are missing (removed from the end)", last+1, hseq)
		}
		if hseq < last {
			return bad(hseq+1, AuditAppended, "entries after %d were added without the key (forged)", hseq)
		}
		if !bytes.Equal(hhash, prev) {
			return bad(last, AuditHeadMismatch, "the last entry does not match the chain head (changed)")
		}
	}
	rep.Last, rep.OK = last, true
	return rep
}

// VerifyAudit checks the whole chain: every entry in its place (sequence numbers 1, 2, ...
// without gaps), linked to the previous one, authenticated with the key derived from the
// data key, and the last one equal to the authenticated head. It reports the first bad
// sequence number and returns ErrAuditBroken with it. Without the data key (an unencrypted
// store) the key is derivable from the file, so only accidental changes are detected.
// Then, when the data directory holds a local anchor file of this store, the chain must
// contain the head it names: otherwise the file was rolled back (*AuditRollbackError, which
// also matches ErrAuditBroken). VerifyAuditAgainst checks a head anchored upstream too.
func (t *Tx) VerifyAudit() (AuditReport, error) {
	b, err := t.bucket(bucketAccess)
	if err != nil {
		return AuditReport{}, err
	}
	meta, err := t.bucket(bucketMeta)
	if err != nil {
		return AuditReport{}, err
	}
	rep := verifyAudit(meta, b, t.s.keys.audit)
	if !rep.OK {
		return rep, fmt.Errorf("%w at entry %d: %s", ErrAuditBroken, rep.FirstBad, rep.Problem)
	}
	if a, ok := t.s.readLocalAnchor(hex.EncodeToString(meta.Get(metaStoreID))); ok {
		rep.LocalAnchor = a.Seq
		return rep, t.checkWitness(&rep, a, "local")
	}
	return rep, nil
}

// ExportAudit writes the entries with from <= Time < to (zero bounds are open) to w as JSON
// Lines of AuditRecord, Hash filled in, in chain order, and returns how many it wrote. It does
// not verify the chain (VerifyAudit does).
func (t *Tx) ExportAudit(w io.Writer, from, to time.Time) (int, error) {
	b, err := t.bucket(bucketAccess)
	if err != nil {
		return 0, err
	}
	enc := json.NewEncoder(w)
	n := 0
	err = b.ForEach(func(k, v []byte) error {
		r, err := decodeAudit(k, v)
		if err != nil {
			return err
		}
		if (!from.IsZero() && r.Time.Before(from)) || (!to.IsZero() && !r.Time.Before(to)) {
			return nil
		}
		if prev, err := hex.DecodeString(r.Prev); err == nil {
			r.Hash = hex.EncodeToString(auditHash(r.AccessEntry, prev))
		}
		n++
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("offline: exporting audit log: %w", err)
		}
		return nil
	})
	return n, err
}
