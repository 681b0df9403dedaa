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
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Rotation of the data key. Revoking a key file or disabling an operator deletes its record,
// but whoever kept the key file (or knows the passphrase) and a copy of the file from before
// still holds the data key: put back into today's file, the old record would open everything
// received since. So both rotate the data key in the same unit of work:
//
//   - a new random data key, a new generation (meta key_gen) and key check value;
//   - the new key sealed to every remaining holder's public key (holders.go), without their
//     passphrases or key files; a holder written before holder keys existed (and not unlocked
//     since) cannot be reached: an operator needs a passphrase reset by a supervisor, a key
//     file a new file (both listed in KeyRotation and the audit entry);
//   - every dossier, receipt and draft re-sealed under the new key at once, the look-up cache
//     emptied (its keys are keyed hashes of ID numbers, which cannot be re-keyed without the
//     numbers; it refills from the gateway), the sealed meta values re-sealed;
//   - operator and key-file records re-MACed, the audit chain re-MACed under the new audit key
//     (the entries and their hashes stay, so anchored heads still match; the chain is verified
//     under the old key first and the outcome recorded);
//   - the subject key changes with the data key: the old one is kept, sealed under the new key
//     (meta key_history), for batch checkpoints written before (Tx.Done) and for finding a
//     person's audit entries across generations (SubjectRefs);
//   - then the file is compacted, so that no page sealed under the old key is left in it.

// ActionKey is the audit action of a data key rotation (Detail "gen=<n>,<reason>[,lost=<n>]").
const ActionKey = "key_rotation"

// ErrKeyRotated says the data key was rotated by another program after this one unlocked the
// store; unlock again.
var ErrKeyRotated = errors.New("offline: data key rotated since this program unlocked the store")

var (
	metaKeyGen     = []byte("key_gen")     // 8-byte big-endian generation of the data key (absent: 0)
	metaKeyHistory = []byte("key_history") // sealed JSON []keyHistoryEntry
)

// KeyRotation says what a rotation of the data key did. It holds IDs, never personal data.
type KeyRotation struct {
	Generation     uint64   `json:"generation"` // of the new key (the first key is 0)
	Reason         string   `json:"reason"`     // "disable=<id>" or "revoke=<id>"
	Resealed       int      `json:"resealed"`   // dossiers, receipts and drafts now under the new key
	Unreadable     int      `json:"unreadable"` // records that did not open under the old key (left as they were)
	LookupsDropped int      `json:"lookupsDropped"`
	Operators      []string `json:"operators"` // enabled operators who open the new key
	KeyFiles       []string `json:"keyFiles"`  // key files that open the new key
	// Holders written before holder keys existed and not unlocked since: the new key could not
	// be sealed for them. An operator needs a passphrase reset by a supervisor (operator
	// passphrase ID); a key file must be replaced by a new one.
	LostOperators []string `json:"lostOperators,omitempty"`
	LostKeyFiles  []string `json:"lostKeyFiles,omitempty"`
	AuditVerified bool     `json:"auditVerified"` // the chain verified under the old key before it was re-MACed
}

type keyHistoryEntry struct {
	Gen     uint64    `json:"gen"`
	Subject []byte    `json:"subject"` // that generation's subject key
	Until   time.Time `json:"until"`
}

// keyGen reads the generation of the data key in the file.
func (t *Tx) keyGen() uint64 {
	meta := t.tx.Bucket([]byte(bucketMeta))
	if meta == nil {
		return 0
	}
	return metaGen(meta)
}

func metaGen(meta *bolt.Bucket) uint64 {
	if v := meta.Get(metaKeyGen); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// rotating runs change in a unit of work and, when it reports a change, rotates the data key
// in the same unit of work, then compacts the file.
func (s *Store) rotating(reason string, change func(tx *Tx) (bool, error)) error {
	var (
		rot     KeyRotation
		rotated bool
	)
	err := s.Update(func(tx *Tx) error {
		rotated = false
		changed, err := change(tx)
		if err != nil || !changed {
			return err
		}
		nk, r, err := tx.rotateDataKey(reason)
		if err != nil {
			return err
		}
		// Swapped while the file is still locked, so that no other unit of work of this
		// process runs between the commit and the swap.
		tx.afterCommit(func() { s.keys = nk })
		rot, rotated = r, true
		return nil
	})
	if err != nil || !rotated {
		return err
	}
	s.rotMu.Lock()
	s.lastRotation = &rot
	s.rotMu.Unlock()
	if _, _, err := s.Compact(); err != nil {
		return fmt.Errorf("offline: data key rotated, but compacting the file failed (pages under the old key may remain; compact again): %w", err)
	}
	return nil
}

// LastRotation returns what the last rotation made through this Store did (nil when none).
func (s *Store) LastRotation() *KeyRotation {
	s.rotMu.Lock()
	defer s.rotMu.Unlock()
	if s.lastRotation == nil {
		return nil
	}
	cp := *s.lastRotation
	return &cp
}

// rotateDataKey replaces the data key inside the unit of work (see the top of this file) and
// returns the new keyring; the caller installs it once the unit of work has committed.
func (t *Tx) rotateDataKey(reason string) (*keyring, KeyRotation, error) {
	old := t.s.keys
	if !old.encrypted {
		return nil, KeyRotation{}, fmt.Errorf("%w: %s", ErrNotEncrypted, t.s.path)
	}
	meta, err := t.bucket(bucketMeta)
	if err != nil {
		return nil, KeyRotation{}, err
	}
	dk, err := randomBytes(32)
	if err != nil {
		return nil, KeyRotation{}, err
	}
	nk, err := dataKeyring(dk, old.storeID)
	if err != nil {
		return nil, KeyRotation{}, err
	}
	nk.gen = max(old.gen, metaGen(meta)) + 1
	rep := KeyRotation{Generation: nk.gen, Reason: reason}

	// Personal data.
	for _, name := range t.presentSealedBuckets() {
		n, bad, err := t.resealBucket(name, old.sealer, nk.sealer)
		if err != nil {
			return nil, rep, err
		}
		rep.Resealed += n
		rep.Unreadable += bad
	}
	if rep.LookupsDropped, err = t.emptyLookups(); err != nil {
		return nil, rep, err
	}

	// Holders.
	if err := t.rotateHolders(meta, old, nk, &rep); err != nil {
		return nil, rep, err
	}

	// Sealed meta values.
	if v := meta.Get(metaLoginAnchor); v != nil {
		if plain, err := openWith(old.sealer, bucketMeta, metaLoginAnchor, v); err == nil {
			sealed, err := nk.sealer.Seal(bucketMeta, metaLoginAnchor, plain)
			if err != nil {
				return nil, rep, err
			}
			if err := meta.Put(metaLoginAnchor, sealed); err != nil {
				return nil, rep, fmt.Errorf("offline: key rotation: %w", err)
			}
		} // an anchor that does not open is left: the next unlock reports the guard as replaced
	}
	hist, err := keyHistory(meta, old.sealer)
	if err != nil {
		return nil, rep, err
	}
	hist = append(hist, keyHistoryEntry{Gen: old.gen, Subject: old.subject, Until: t.s.now().UTC().Round(0)})
	if err := putKeyHistory(meta, nk.sealer, hist); err != nil {
		return nil, rep, err
	}

	// The new key's check value and generation.
	if err := meta.Put(metaKeyCheck, nk.check); err != nil {
		return nil, rep, fmt.Errorf("offline: key rotation: %w", err)
	}
	if err := meta.Put(metaKeyGen, binary.BigEndian.AppendUint64(nil, nk.gen)); err != nil {
		return nil, rep, fmt.Errorf("offline: key rotation: %w", err)
	}

	// The audit chain: verified under the old key, re-MACed under the new one, and the
	// rotation itself is its next entry.
	access, err := t.bucket(bucketAccess)
	if err != nil {
		return nil, rep, err
	}
	rep.AuditVerified = verifyAudit(meta, access, old.audit).OK
	if err := rechainAudit(t, nk.audit); err != nil {
		return nil, rep, err
	}
	outcome := "ok"
	if !rep.AuditVerified {
		outcome = "unverified_chain"
	}
	detail := fmt.Sprintf("gen=%d,%s", nk.gen, reason)
	if lost := len(rep.LostOperators) + len(rep.LostKeyFiles); lost > 0 {
		detail += fmt.Sprintf(",lost=%d", lost)
	}
	if len(detail) > 64 {
		detail = detail[:64]
	}
	if err := t.logAccessWith(nk.audit, AccessEntry{Operator: t.s.actorOr(), Purpose: PurposeAdmin, Action: ActionKey,
		Outcome: outcome, Detail: detail}); err != nil {
		return nil, rep, err
	}
	return nk, rep, nil
}

// resealBucket re-seals every value of a sealed bucket from one sealer to another, a batch of
// keys at a time (values are not rewritten under a running cursor). Values that do not open
// are left as they were and counted.
func (t *Tx) resealBucket(name string, from, to Sealer) (n, unreadable int, err error) {
	b, err := t.bucket(name)
	if err != nil {
		return 0, 0, err
	}
	type kv struct{ k, v []byte }
	var after []byte
	for {
		c := b.Cursor()
		var k, v []byte
		if after == nil {
			k, v = c.First()
		} else if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
			k, v = c.Next()
		}
		var batch []kv
		for ; k != nil && len(batch) < 256; k, v = c.Next() {
			after = bytes.Clone(k)
			plain, err := openWith(from, name, k, v)
			if err != nil {
				unreadable++
				continue
			}
			sealed, err := to.Seal(name, k, plain)
			if err != nil {
				return n, unreadable, fmt.Errorf("offline: key rotation: sealing %s: %w", name, err)
			}
			batch = append(batch, kv{bytes.Clone(k), sealed})
		}
		if k == nil && len(batch) == 0 {
			return n, unreadable, nil
		}
		for _, r := range batch {
			if err := b.Put(r.k, r.v); err != nil {
				return n, unreadable, fmt.Errorf("offline: key rotation: writing %s: %w", name, err)
			}
		}
		n += len(batch)
		if k == nil {
			return n, unreadable, nil
		}
	}
}

// rotateHolders seals the new key for every holder that has a holder key, drops the keys of
// those that have none, and re-MACs every record under the new key.
func (t *Tx) rotateHolders(meta *bolt.Bucket, old, nk *keyring, rep *KeyRotation) error {
	type put struct {
		k, v []byte
		del  bool
	}
	var puts []put
	c := meta.Cursor()
	for k, v := c.Seek([]byte(metaOpPrefix)); k != nil && bytes.HasPrefix(k, []byte(metaOpPrefix)); k, v = c.Next() {
		var rec operatorRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("offline: key rotation: operator record %s: %w", k, err)
		}
		if err := old.checkOperatorMAC(rec); err != nil {
			return fmt.Errorf("offline: key rotation refused: %w", err)
		}
		switch {
		case rec.Disabled:
			rec.Wrapped, rec.Priv, rec.Pub, rec.Sealed = nil, nil, nil, nil
		case len(rec.Pub) > 0:
			sealed, err := sealForHolder(nk, "op", rec.ID, rec.Pub)
			if err != nil {
				return err
			}
			rec.Sealed = sealed
			rep.Operators = append(rep.Operators, rec.ID)
		default:
			rec.Wrapped, rec.Priv, rec.Sealed = nil, nil, nil
			rep.LostOperators = append(rep.LostOperators, rec.ID)
		}
		rec.MAC = nk.recordMAC("op", rec.canonical())
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		puts = append(puts, put{k: bytes.Clone(k), v: b})
	}
	for k, v := c.Seek([]byte(metaKeyFilePrefix)); k != nil && bytes.HasPrefix(k, []byte(metaKeyFilePrefix)); k, v = c.Next() {
		var rec keyFileRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("offline: key rotation: key file record %s: %w", k, err)
		}
		if !hmac.Equal(rec.MAC, old.recordMAC("kf", rec.canonical())) {
			return fmt.Errorf("offline: key rotation refused: %w: key file record %s was changed outside motcua", ErrUnsealable, rec.ID)
		}
		if len(rec.Pub) == 0 {
			rep.LostKeyFiles = append(rep.LostKeyFiles, rec.ID)
			puts = append(puts, put{k: bytes.Clone(k), del: true})
			continue
		}
		sealed, err := sealForHolder(nk, "kf", rec.ID, rec.Pub)
		if err != nil {
			return err
		}
		rec.Wrapped, rec.Sealed = nil, sealed
		rec.MAC = nk.recordMAC("kf", rec.canonical())
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		puts = append(puts, put{k: bytes.Clone(k), v: b})
		rep.KeyFiles = append(rep.KeyFiles, rec.ID)
	}
	for _, p := range puts {
		var err error
		if p.del {
			err = meta.Delete(p.k)
		} else {
			err = meta.Put(p.k, p.v)
		}
		if err != nil {
			return fmt.Errorf("offline: key rotation: %w", err)
		}
	}
	return nil
}

func keyHistory(meta *bolt.Bucket, sl Sealer) ([]keyHistoryEntry, error) {
	v := meta.Get(metaKeyHistory)
	if v == nil {
		return nil, nil
	}
	plain, err := openWith(sl, bucketMeta, metaKeyHistory, v)
	if err != nil {
		return nil, fmt.Errorf("offline: key history: %w", err)
	}
	var h []keyHistoryEntry
	if err := json.Unmarshal(plain, &h); err != nil {
		return nil, fmt.Errorf("offline: key history: %w", err)
	}
	return h, nil
}

func putKeyHistory(meta *bolt.Bucket, sl Sealer, h []keyHistoryEntry) error {
	plain, err := json.Marshal(h)
	if err != nil {
		return err
	}
	sealed, err := sl.Seal(bucketMeta, metaKeyHistory, plain)
	if err != nil {
		return err
	}
	if err := meta.Put(metaKeyHistory, sealed); err != nil {
		return fmt.Errorf("offline: writing key history: %w", err)
	}
	return nil
}

// oldSubjectKeys returns the subject keys of earlier generations, newest first (none when the
// key was never rotated or the history does not open).
func (t *Tx) oldSubjectKeys() [][]byte {
	meta := t.tx.Bucket([]byte(bucketMeta))
	if meta == nil || !t.s.keys.encrypted {
		return nil
	}
	h, err := keyHistory(meta, t.s.keys.sealer)
	if err != nil {
		return nil
	}
	out := make([][]byte, 0, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		out = append(out, h[i].Subject)
	}
	return out
}

func subjectRefWith(key []byte, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("motcua/subject/v1\x00"))
	m.Write([]byte(strings.TrimSpace(id)))
	return hex.EncodeToString(m.Sum(nil))
}

// SubjectRefs returns the keyed hashes that stand for a personal ID number in the audit log
// under the current data key and every earlier one (newest first): audit entries written
// before a rotation carry that generation's hash.
func (s *Store) SubjectRefs(id string) ([]string, error) {
	out := []string{s.SubjectRef(id)}
	err := s.View(func(tx *Tx) error {
		for _, k := range tx.oldSubjectKeys() {
			out = append(out, subjectRefWith(k, id))
		}
		return nil
	})
	return out, err
}

// giveHolderKey replaces an operator record written before holder keys (a direct wrap of the
// data key) with a holder key, at the operator's unlock (kek is the passphrase key). A record
// changed since it was read is left for the next unlock.
func (t *Tx) giveHolderKey(read operatorRecord, kek []byte) error {
	if len(read.Sealed) > 0 || len(read.Wrapped) == 0 {
		return nil
	}
	cur, ok, err := t.rawOperator(read.ID)
	if err != nil || !ok || !bytes.Equal(cur.canonical(), read.canonical()) || !bytes.Equal(cur.MAC, read.MAC) {
		return err
	}
	priv, pub, sealed, err := passHolder(t.s.keys, cur.ID, kek)
	if err != nil {
		return err
	}
	cur.Wrapped, cur.Priv, cur.Pub, cur.Sealed = nil, priv, pub, sealed
	return t.putOperatorRecord(cur)
}

// needsHolderKey: the key file's record still wraps the data key the old way (before holder keys).
func needsHolderKey(rec keyFileRecord) bool { return len(rec.Sealed) == 0 && len(rec.Wrapped) > 0 }

// giveKeyFileHolderKey does the same for a key file's record at the key file's unlock.
func (t *Tx) giveKeyFileHolderKey(read keyFileRecord, secret []byte) error {
	if !needsHolderKey(read) {
		return nil
	}
	meta, err := t.bucket(bucketMeta)
	if err != nil {
		return err
	}
	k := []byte(metaKeyFilePrefix + read.ID)
	v := meta.Get(k)
	var cur keyFileRecord
	if v == nil || json.Unmarshal(v, &cur) != nil || !bytes.Equal(cur.canonical(), read.canonical()) || !bytes.Equal(cur.MAC, read.MAC) {
		return nil
	}
	_, pub, err := keyFileHolderKey(secret, t.s.keys.storeID)
	if err != nil {
		return err
	}
	sealed, err := sealForHolder(t.s.keys, "kf", cur.ID, pub)
	if err != nil {
		return err
	}
	cur.Wrapped, cur.Pub, cur.Sealed = nil, pub, sealed
	cur.MAC = t.s.keys.recordMAC("kf", cur.canonical())
	b, err := json.Marshal(cur)
	if err != nil {
		return err
	}
	if err := meta.Put(k, b); err != nil {
		return fmt.Errorf("offline: writing key file record: %w", err)
	}
	return nil
}
