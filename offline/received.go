package offline

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The indexes by reception time: the dossier index (DossierInfo, the dossiers received on this
// machine) and the life index (LifeInfo, every dossier the counter knows) each have a copy of
// their keys ordered by the time the dossier was received, so that the history (the newest
// dossiers) and the book of a period read the entries they show and no others, whatever the
// size of the store. A key is the reception time (12 bytes, ordered as the times are) followed
// by the dossier code; the value is empty. Like the indexes they order, they hold no personal
// data: a code and a time, both already in clear in the entry they point to.
//
// Every write of an entry keeps its index in the same unit of work (putIndexEntry). A store
// written before them gets both built once by the first Open, Init, Unlock or
// UnlockWithKeyFile, in one unit of work that ends by writing the mark metaReceivedIndex: a
// process killed while building leaves the store as it was, and the next one builds again.
// Readers use an index only when the mark says it is complete, and read the whole entry
// index otherwise. An older program writing into the store after the indexes were built would
// leave them behind (the mark cannot tell): the indexes are format version 3 (format.go), which
// every program from then on refuses to open when it knows an older version only. Programs
// released before the format version was checked by Unlock do not refuse it: going back to
// one of them is not supported.

const (
	bucketDossierReceived = "dossier_received" // unsealed: reception time + code of each dossier index entry
	bucketLifeReceived    = "life_received"    // unsealed: reception time + code of each life index entry
	receivedIndexV1       = 1
)

// metaReceivedIndex marks both indexes complete (version byte receivedIndexV1).
var metaReceivedIndex = []byte("received_index")

// receivedIndex pairs an entry index with its index by reception time.
type receivedIndex struct{ entries, byTime string }

var (
	dossiersReceived = receivedIndex{bucketDossierIndex, bucketDossierReceived}
	livesReceived    = receivedIndex{bucketLifeIndex, bucketLifeReceived}
	receivedIndexes  = []receivedIndex{dossiersReceived, livesReceived}
)

// receivedTimeLen is the length of the time part of a key: the Unix seconds with the sign
// bit flipped (so that times before 1970 sort first) and the nanoseconds, big-endian.
const receivedTimeLen = 12

// receivedKeyAt returns the key of code received at at (code nil: the first key of that time).
func receivedKeyAt(at time.Time, code []byte) []byte {
	k := make([]byte, receivedTimeLen, receivedTimeLen+len(code))
	binary.BigEndian.PutUint64(k, uint64(at.Unix())^(1<<63))
	binary.BigEndian.PutUint32(k[8:], uint32(at.Nanosecond()))
	return append(k, code...)
}

// receivedKeyOf returns the key of a stored entry (DossierInfo or LifeInfo JSON), from the
// reception time the entry holds, as its readers decode it; ok false when it holds none.
func receivedKeyOf(code, v []byte) ([]byte, bool) {
	at, ok := receivedOf(v)
	if !ok {
		var e struct {
			ReceivedAt *time.Time `json:"receivedAt"`
		}
		if err := json.Unmarshal(v, &e); err != nil || e.ReceivedAt == nil {
			return nil, false
		}
		at = *e.ReceivedAt
	}
	return receivedKeyAt(at, code), true
}

// putIndexEntry writes v, the JSON entry of code, into the entry index b of ix and keeps the
// index by reception time: the key of the entry it replaces goes if its time changed, the new
// key is added when missing.
func (t *Tx) putIndexEntry(ix receivedIndex, b *bolt.Bucket, code string, v []byte) error {
	var oldKey []byte
	if old := b.Get([]byte(code)); old != nil {
		oldKey, _ = receivedKeyOf([]byte(code), old) // a copy: old is invalid after the Put
	}
	if err := b.Put([]byte(code), v); err != nil {
		return fmt.Errorf("offline: writing %s %s: %w", ix.entries, code, err)
	}
	key, ok := receivedKeyOf([]byte(code), v)
	if !ok {
		return fmt.Errorf("offline: %s %s without a reception time", ix.entries, code)
	}
	tb, err := t.lifeBucket(ix.byTime)
	if err != nil {
		return err
	}
	if tb == nil {
		return fmt.Errorf("offline: %s %s: read-only unit of work", ix.entries, code)
	}
	if oldKey != nil && !bytes.Equal(oldKey, key) {
		if err := tb.Delete(oldKey); err != nil {
			return fmt.Errorf("offline: %s %s: %w", ix.byTime, code, err)
		}
	}
	if k, _ := tb.Cursor().Seek(key); !bytes.Equal(k, key) {
		if err := tb.Put(key, []byte{}); err != nil {
			return fmt.Errorf("offline: %s %s: %w", ix.byTime, code, err)
		}
	}
	return nil
}

// receivedIndexesBuilt reports whether the mark says both indexes are complete.
func receivedIndexesBuilt(meta *bolt.Bucket) bool {
	v := meta.Get(metaReceivedIndex)
	return len(v) == 1 && v[0] == receivedIndexV1
}

// buildReceivedIndexes builds both indexes by reception time from the entry indexes, unless
// the mark says they are complete: whatever an index holds is replaced, then the mark is
// written, all in the caller's unit of work. An entry without a readable reception time is
// left out (the readers of the whole entry index fail on it anyway).
func (t *Tx) buildReceivedIndexes() error {
	meta, err := t.bucket(bucketMeta)
	if err != nil {
		return err
	}
	if receivedIndexesBuilt(meta) {
		return nil
	}
	for _, ix := range receivedIndexes {
		if t.tx.Bucket([]byte(ix.byTime)) != nil {
			if err := t.tx.DeleteBucket([]byte(ix.byTime)); err != nil {
				return fmt.Errorf("offline: rebuilding %s: %w", ix.byTime, err)
			}
		}
		tb, err := t.tx.CreateBucket([]byte(ix.byTime))
		if err != nil {
			return fmt.Errorf("offline: creating bucket %q: %w", ix.byTime, err)
		}
		var keys [][]byte
		if b := t.tx.Bucket([]byte(ix.entries)); b != nil {
			err := b.ForEach(func(k, v []byte) error {
				if key, ok := receivedKeyOf(k, v); ok {
					keys = append(keys, key)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		// in key order, the pages filled: the index is written like an append
		slices.SortFunc(keys, bytes.Compare)
		tb.FillPercent = 1
		for _, k := range keys {
			if err := tb.Put(k, []byte{}); err != nil {
				return fmt.Errorf("offline: building %s: %w", ix.byTime, err)
			}
		}
	}
	if err := meta.Put(metaReceivedIndex, []byte{receivedIndexV1}); err != nil {
		return fmt.Errorf("offline: marking the reception indexes: %w", err)
	}
	return nil
}

// receivedRange calls fn with the code and stored entry of every entry of ix received within
// [from, to) (a zero bound is open), in the order of reception time then code, or newest
// first with newest, until fn returns false or an error. It returns ok false, having called
// nothing, when the index is not complete: the caller reads the entry index instead.
func (t *Tx) receivedRange(ix receivedIndex, from, to time.Time, newest bool, fn func(code, v []byte) (bool, error)) (ok bool, err error) {
	meta := t.tx.Bucket([]byte(bucketMeta))
	if meta == nil || !receivedIndexesBuilt(meta) {
		return false, nil
	}
	tb, b := t.tx.Bucket([]byte(ix.byTime)), t.tx.Bucket([]byte(ix.entries))
	if tb == nil || b == nil {
		return true, nil
	}
	var lo, hi []byte
	if !from.IsZero() {
		lo = receivedKeyAt(from, nil)
	}
	if !to.IsZero() {
		hi = receivedKeyAt(to, nil)
	}
	c := tb.Cursor()
	var k []byte
	step := c.Next
	switch {
	case newest:
		step = c.Prev
		if hi == nil {
			k, _ = c.Last()
		} else if k, _ = c.Seek(hi); k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
	case lo == nil:
		k, _ = c.First()
	default:
		k, _ = c.Seek(lo)
	}
	for ; k != nil; k, _ = step() {
		if lo != nil && bytes.Compare(k, lo) < 0 || hi != nil && bytes.Compare(k, hi) >= 0 {
			break // past the range in the direction of the walk
		}
		if len(k) <= receivedTimeLen {
			continue
		}
		code := k[receivedTimeLen:]
		v := b.Get(code)
		if v == nil {
			continue
		}
		more, err := fn(code, v)
		if err != nil || !more {
			return true, err
		}
	}
	return true, nil
}
