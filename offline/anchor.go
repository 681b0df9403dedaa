package offline

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Anchoring the audit chain outside the file. The chain's MACs show an entry changed, removed
// or inserted, but not a whole older state of the file put back (the access log and its head
// copied from an earlier copy): that older chain verifies. So the head (sequence number and
// chain hash of the last entry) is kept by witnesses outside the file, and VerifyAudit, given
// a head a witness holds, checks that the chain still contains it: an anchored entry missing
// (the chain is shorter) or different (the chain was rolled back, then grew again) is a
// rollback.
//
// Two witnesses: the gateway, which keeps the heads each counter's sync sends
// (internal/counter, the contract's /audit-heads), and a local anchor file beside the store,
// written after every unit of work that appended to the chain. The local one is only a second
// witness: whoever can put an old motcua.db back can put an old anchor file back too (and a
// restore of only the database file, by mistake or not, is what it catches).

// AnchorFileName is the local anchor file in a data directory.
const AnchorFileName = "audit-anchor.json"

const anchorFormat = "motcua-audit-anchor/1"

// AuditHead is the head of the audit chain: the sequence number of its last entry and the
// chain hash of that entry (hex SHA-256; 64 zeros for an empty chain).
type AuditHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// ErrAuditRollback says the audit chain does not contain a head that a witness holds. It also
// matches ErrAuditBroken.
var ErrAuditRollback = errors.New("offline: audit log rolled back to an older state")

// AuditRollbackError says which anchored head the chain lacks.
type AuditRollbackError struct {
	Witness  string    // "local" (the anchor file) or "gateway"
	Anchored AuditHead // the head the witness holds
	Last     uint64    // the chain's last sequence number
	Diverged bool      // the chain has the entry, with another hash (rolled back, then grew)
}

func (e *AuditRollbackError) Error() string {
	if e.Diverged {
		return fmt.Sprintf("%v: entry %d differs from the one anchored (%s witness)", ErrAuditRollback, e.Anchored.Seq, e.Witness)
	}
	return fmt.Sprintf("%v: entries %d to %d, anchored (%s witness), are missing; the chain ends at %d",
		ErrAuditRollback, e.Last+1, e.Anchored.Seq, e.Witness, e.Last)
}

// Is makes errors.Is find ErrAuditRollback and ErrAuditBroken.
func (e *AuditRollbackError) Is(target error) bool {
	return target == ErrAuditRollback || target == ErrAuditBroken
}

// FirstBad is the first sequence number the witness vouches for that the chain lacks.
func (e *AuditRollbackError) FirstBad() uint64 {
	if e.Diverged {
		return e.Anchored.Seq
	}
	return e.Last + 1
}

// ID returns the store's random ID in hex (not secret): what the gateway files the store's
// audit heads under.
func (s *Store) ID() string { return hex.EncodeToString(s.keys.storeID) }

// AuditHead returns the head of the chain.
func (t *Tx) AuditHead() (AuditHead, error) {
	b, err := t.bucket(bucketAccess)
	if err != nil {
		return AuditHead{}, err
	}
	meta, err := t.bucket(bucketMeta)
	if err != nil {
		return AuditHead{}, err
	}
	seq, hash, _ := auditHead(meta, b)
	return AuditHead{Seq: seq, Hash: hex.EncodeToString(hash)}, nil
}

// auditHashAt is the chain hash of entry seq as stored (its content and its link); ok is false
// when the entry is missing or unreadable.
func (t *Tx) auditHashAt(seq uint64) (hash []byte, ok bool) {
	if seq == 0 {
		return zeroHash, true
	}
	b := t.tx.Bucket([]byte(bucketAccess))
	if b == nil {
		return nil, false
	}
	v := b.Get(seqKey(seq))
	if v == nil {
		return nil, false
	}
	r, err := decodeAudit(seqKey(seq), v)
	if err != nil || r.Seq != seq {
		return nil, false
	}
	prev, err := hex.DecodeString(r.Prev)
	if err != nil {
		return nil, false
	}
	return auditHash(r.AccessEntry, prev), true
}

// CheckAuditAnchor reports (as an *AuditRollbackError) when the chain does not contain head a,
// which witness holds. It checks the anchored entry only: VerifyAudit checks the chain.
func (t *Tx) CheckAuditAnchor(a AuditHead, witness string) error {
	cur, err := t.AuditHead()
	if err != nil {
		return err
	}
	if a.Seq > cur.Seq {
		return &AuditRollbackError{Witness: witness, Anchored: a, Last: cur.Seq}
	}
	h, ok := t.auditHashAt(a.Seq)
	if !ok {
		return &AuditRollbackError{Witness: witness, Anchored: a, Last: cur.Seq}
	}
	if hex.EncodeToString(h) != a.Hash {
		return &AuditRollbackError{Witness: witness, Anchored: a, Last: cur.Seq, Diverged: true}
	}
	return nil
}

// noteAuditHead remembers the head this unit of work moved the chain to; once it commits the
// local anchor file says so. An anchor file that names a head the chain does not contain is
// kept as it is: it is the evidence of a rollback, which VerifyAudit reports.
func (t *Tx) noteAuditHead() {
	head, err := t.AuditHead()
	if err != nil {
		return
	}
	first := t.auditMoved == nil
	t.auditMoved = &head
	if !first {
		return
	}
	id := hex.EncodeToString(t.tx.Bucket([]byte(bucketMeta)).Get(metaStoreID))
	if a, ok := t.s.readLocalAnchor(id); ok && t.CheckAuditAnchor(a, "local") != nil {
		return
	}
	t.afterCommit(func() { t.s.writeLocalAnchor(id, *t.auditMoved) })
}

type localAnchor struct {
	Format string    `json:"format"`
	Store  string    `json:"store"`
	Seq    uint64    `json:"seq"`
	Hash   string    `json:"hash"`
	At     time.Time `json:"at"`
}

// writeLocalAnchor replaces the anchor file (best effort: it is a witness, and the unit of
// work has committed; a failure leaves an older anchor, which only checks less).
func (s *Store) writeLocalAnchor(storeID string, h AuditHead) {
	b, err := json.Marshal(localAnchor{Format: anchorFormat, Store: storeID, Seq: h.Seq, Hash: h.Hash,
		At: s.now().UTC().Round(0)})
	if err != nil {
		return
	}
	path := filepath.Join(s.dir, AnchorFileName)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
	}
}

// readLocalAnchor reads the anchor file of the store storeID (hex); ok is false when there is
// none (or it belongs to another store, or does not parse: then it vouches for nothing).
func (s *Store) readLocalAnchor(storeID string) (AuditHead, bool) {
	f, err := os.Open(filepath.Join(s.dir, AnchorFileName))
	if err != nil {
		return AuditHead{}, false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return AuditHead{}, false
	}
	var a localAnchor
	if json.Unmarshal(b, &a) != nil || a.Format != anchorFormat || a.Store != storeID || len(a.Hash) != 64 {
		return AuditHead{}, false
	}
	return AuditHead{Seq: a.Seq, Hash: a.Hash}, true
}

// checkWitness fills rep with the result of checking head a of a witness; it returns the
// rollback error, if any.
func (t *Tx) checkWitness(rep *AuditReport, a AuditHead, witness string) error {
	err := t.CheckAuditAnchor(a, witness)
	var rb *AuditRollbackError
	if errors.As(err, &rb) {
		rep.OK, rep.Rollback, rep.Witness = false, true, witness
		rep.FirstBad, rep.Problem = rb.FirstBad(), rb.Error()
	}
	return err
}

// VerifyAuditAgainst is VerifyAudit, then a check that the chain contains head a, which
// witness (e.g. "gateway") holds.
func (t *Tx) VerifyAuditAgainst(a AuditHead, witness string) (AuditReport, error) {
	rep, err := t.VerifyAudit()
	if err != nil {
		return rep, err
	}
	rep.Anchored = a.Seq
	return rep, t.checkWitness(&rep, a, witness)
}

// VerifyAuditAgainst checks the chain and a witness's head; see Tx.VerifyAuditAgainst.
func (s *Store) VerifyAuditAgainst(a AuditHead, witness string) (rep AuditReport, err error) {
	verr := s.View(func(tx *Tx) error { rep, err = tx.VerifyAuditAgainst(a, witness); return nil })
	if verr != nil {
		return rep, verr
	}
	return rep, err
}

// AuditHead returns the head of the chain; see Tx.AuditHead.
func (s *Store) AuditHead() (h AuditHead, err error) {
	err = s.View(func(tx *Tx) error { h, err = tx.AuditHead(); return err })
	return h, err
}

// CheckAuditAnchor checks that the chain contains a witness's head; see Tx.CheckAuditAnchor.
func (s *Store) CheckAuditAnchor(a AuditHead, witness string) error {
	return s.View(func(tx *Tx) error { return tx.CheckAuditAnchor(a, witness) })
}
