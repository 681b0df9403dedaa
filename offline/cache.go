package offline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Look-up cache records: key = SubjectKey(id); value = 8-byte fetch time (Unix ns, big
// endian, readable without the Sealer for sweeps and stats) followed by the sealed
// plaintext, which repeats the fetch time before the look-up value so that a changed
// clear header is detected.

// CacheStats describes the look-up cache at a given maximum age.
type CacheStats struct {
	Entries int       // records in the cache
	Fresh   int       // younger than maxAge
	Expired int       // maxAge or older: no longer returned, removed by SweepLookups
	Bytes   int       // stored (sealed) bytes of all records
	Oldest  time.Time // fetch time of the oldest record (zero when empty)
	Newest  time.Time // fetch time of the newest record (zero when empty)
}

func lookupID(id string) (string, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return "", errors.New("offline: look-up cache: empty ID")
	}
	return id, nil
}

func fetchedAtOf(v []byte) (time.Time, bool) {
	if len(v) < 8 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v[:8]))), true
}

// expired: a record is fresh while its age is below maxAge; maxAge <= 0 means nothing is fresh.
func expired(now, fetchedAt time.Time, maxAge time.Duration) bool {
	return now.Sub(fetchedAt) >= maxAge
}

// PutLookup caches value (a look-up answer for the person with that ID) as fetched at
// fetchedAt (now when zero). The value is sealed; the key is the subject's keyed hash.
func (t *Tx) PutLookup(id string, value []byte, fetchedAt time.Time) error {
	id, err := lookupID(id)
	if err != nil {
		return err
	}
	if fetchedAt.IsZero() {
		fetchedAt = t.s.now()
	}
	b, err := t.bucket(bucketLookups)
	if err != nil {
		return err
	}
	key := t.s.SubjectKey(id)
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(fetchedAt.UnixNano()))
	plain := make([]byte, 0, 8+len(value))
	plain = append(append(plain, ts[:]...), value...)
	sealed, err := t.seal(bucketLookups, key, plain)
	if err != nil {
		return err
	}
	if err := b.Put(key, append(ts[:], sealed...)); err != nil {
		return fmt.Errorf("offline: caching look-up: %w", err)
	}
	return nil
}

// GetLookup returns the cached value for id if it is younger than maxAge (by the store's clock).
// ok is false when nothing is cached or the record is too old.
func (t *Tx) GetLookup(id string, maxAge time.Duration) (value []byte, fetchedAt time.Time, ok bool, err error) {
	id, err = lookupID(id)
	if err != nil {
		return nil, time.Time{}, false, err
	}
	b, err := t.bucket(bucketLookups)
	if err != nil {
		return nil, time.Time{}, false, err
	}
	key := t.s.SubjectKey(id)
	v := b.Get(key)
	if v == nil {
		return nil, time.Time{}, false, nil
	}
	outer, okTS := fetchedAtOf(v)
	if !okTS {
		return nil, time.Time{}, false, errors.New("offline: look-up cache record too short")
	}
	if expired(t.s.now(), outer, maxAge) {
		return nil, outer, false, nil
	}
	plain, err := t.open(bucketLookups, key, v[8:])
	if err != nil {
		return nil, time.Time{}, false, err
	}
	if len(plain) < 8 || !bytes.Equal(plain[:8], v[:8]) {
		return nil, time.Time{}, false, fmt.Errorf("offline: look-up cache record: %w: fetch time does not match", ErrUnsealable)
	}
	return plain[8:], outer, true, nil
}

// DeleteLookup removes the cached record of id (e.g. on a data subject's request) and
// reports whether there was one.
func (t *Tx) DeleteLookup(id string) (bool, error) {
	id, err := lookupID(id)
	if err != nil {
		return false, err
	}
	b, err := t.bucket(bucketLookups)
	if err != nil {
		return false, err
	}
	key := t.s.SubjectKey(id)
	if b.Get(key) == nil {
		return false, nil
	}
	if err := b.Delete(key); err != nil {
		return false, fmt.Errorf("offline: deleting look-up: %w", err)
	}
	return true, nil
}

// SweepLookups deletes every cached record whose age is maxAge or more.
func (t *Tx) SweepLookups(maxAge time.Duration) (removed int, err error) {
	b, err := t.bucket(bucketLookups)
	if err != nil {
		return 0, err
	}
	now := t.s.now()
	var old [][]byte
	err = b.ForEach(func(k, v []byte) error {
		at, ok := fetchedAtOf(v)
		if !ok || expired(now, at, maxAge) {
			old = append(old, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return removed, fmt.Errorf("offline: sweeping look-ups: %w", err)
		}
		removed++
	}
	return removed, nil
}

// CacheStats counts the cached records, fresh and expired at maxAge. It opens no sealed value.
func (t *Tx) CacheStats(maxAge time.Duration) (CacheStats, error) {
	var st CacheStats
	b, err := t.bucket(bucketLookups)
	if err != nil {
		return st, err
	}
	now := t.s.now()
	err = b.ForEach(func(_, v []byte) error {
		st.Entries++
		st.Bytes += len(v)
		at, ok := fetchedAtOf(v)
		if !ok || expired(now, at, maxAge) {
			st.Expired++
		} else {
			st.Fresh++
		}
		if ok {
			if st.Oldest.IsZero() || at.Before(st.Oldest) {
				st.Oldest = at
			}
			if at.After(st.Newest) {
				st.Newest = at
			}
		}
		return nil
	})
	return st, err
}
