package offline

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
)

// bucketBatchDone holds the per-row checkpoints of scripted batch runs: key
// = HMAC(subject key, run, row key), value = the dossier code given to the
// row (empty for a row only validated). Neither holds personal data: run and
// row key are caller hashes, keyed again here so that a row's content cannot
// be guessed from the file. The bucket is created on first use (bbolt's
// Compact copies it like any other).
const bucketBatchDone = "batch_done"

// ErrEmptyCheckpoint reports a Done/MarkDone without a run or a row key.
var ErrEmptyCheckpoint = errors.New("offline: checkpoint needs a run and a row key")

func (t *Tx) checkpointKey(run, rowKey string) []byte {
	return checkpointKeyWith(t.s.keys.subject, run, rowKey)
}

func checkpointKeyWith(subject []byte, run, rowKey string) []byte {
	m := hmac.New(sha256.New, subject)
	m.Write([]byte("motcua/batch/v1\x00"))
	m.Write([]byte(run))
	m.Write([]byte{0})
	m.Write([]byte(rowKey))
	return m.Sum(nil)
}

// Done reports whether the row was marked done in the run, and the dossier
// code recorded for it.
func (t *Tx) Done(run, rowKey string) (code string, done bool, err error) {
	if run == "" || rowKey == "" {
		return "", false, ErrEmptyCheckpoint
	}
	b := t.tx.Bucket([]byte(bucketBatchDone))
	if b == nil {
		return "", false, nil
	}
	v := b.Get(t.checkpointKey(run, rowKey))
	if v == nil {
		// Marked before a rotation of the data key: under that generation's subject key.
		for _, k := range t.oldSubjectKeys() {
			if v = b.Get(checkpointKeyWith(k, run, rowKey)); v != nil {
				break
			}
		}
	}
	if v == nil {
		return "", false, nil
	}
	return string(v), true, nil
}

// MarkDone records that the row of the run was received as dossier code.
// Call it in the same unit of work as the reception, or right after it.
func (t *Tx) MarkDone(run, rowKey, code string) error {
	if run == "" || rowKey == "" {
		return ErrEmptyCheckpoint
	}
	if !t.tx.Writable() {
		return fmt.Errorf("offline: MarkDone in a read-only unit of work")
	}
	b, err := t.tx.CreateBucketIfNotExists([]byte(bucketBatchDone))
	if err != nil {
		return fmt.Errorf("offline: creating bucket %q: %w", bucketBatchDone, err)
	}
	return b.Put(t.checkpointKey(run, rowKey), []byte(code))
}
