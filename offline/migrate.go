package offline

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// migrate turns an unencrypted store into one sealed by kr, inside Init's unit of work (all
// or nothing). See Init for what happens to each part. It returns the Detail and Outcome of
// the ActionStore audit entry: "migrate=<values>,lookups=<dropped>" and "ok", or
// "unverified_chain" when the old audit chain did not verify under the old key (the entries
// are kept and re-chained; the old chain's key was readable from the file anyway).
func (t *Tx) migrate(meta *bolt.Bucket, kr *keyring) (detail, outcome string, err error) {
	old := t.s.opt.Sealer
	oldKeys, err := t.plainKeyring(meta)
	if err != nil {
		return "", "", fmt.Errorf("offline: migration: the existing store does not open with the given Sealer, nothing changed: %w", err)
	}
	access, err := t.bucket(bucketAccess)
	if err != nil {
		return "", "", err
	}
	outcome = "ok"
	if v, err := formatOf(meta, t.s.path); err != nil || v < formatAuditChain || !verifyAudit(meta, access, oldKeys.audit).OK {
		outcome = "unverified_chain"
	}

	resealed := 0
	for _, name := range t.presentSealedBuckets() {
		b, err := t.bucket(name)
		if err != nil {
			return "", "", err
		}
		type kv struct{ k, v []byte }
		var recs []kv
		err = b.ForEach(func(k, v []byte) error {
			plain, err := openWith(old, name, k, v)
			if err != nil {
				return fmt.Errorf("offline: migration: %s record %q: %w (nothing changed)", name, k, err)
			}
			sealed, err := kr.sealer.Seal(name, k, plain)
			if err != nil {
				return err
			}
			recs = append(recs, kv{bytes.Clone(k), sealed})
			return nil
		})
		if err != nil {
			return "", "", err
		}
		for _, r := range recs {
			if err := b.Put(r.k, r.v); err != nil {
				return "", "", fmt.Errorf("offline: migration: writing %s: %w", name, err)
			}
		}
		resealed += len(recs)
	}

	dropped, err := t.emptyLookups()
	if err != nil {
		return "", "", err
	}
	if err := rechainAudit(t, kr.audit); err != nil {
		return "", "", err
	}
	if err := meta.Delete(metaSalt); err != nil {
		return "", "", fmt.Errorf("offline: migration: deleting salt: %w", err)
	}
	return fmt.Sprintf("migrate=%d,lookups=%d", resealed, dropped), outcome, nil
}

// emptyLookups deletes and recreates the look-up bucket and returns how many records it had.
func (t *Tx) emptyLookups() (int, error) {
	b, err := t.bucket(bucketLookups)
	if err != nil {
		return 0, err
	}
	n := b.Stats().KeyN
	if err := t.tx.DeleteBucket([]byte(bucketLookups)); err != nil {
		return 0, fmt.Errorf("offline: emptying look-up cache: %w", err)
	}
	if _, err := t.tx.CreateBucket([]byte(bucketLookups)); err != nil {
		return 0, fmt.Errorf("offline: emptying look-up cache: %w", err)
	}
	return n, nil
}
