package offline

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The print queue holds the dossier codes whose receipt did not print (the
// printer was off, out of paper, unreachable): the receipt itself is kept
// sealed in the receipts bucket, and the job is retried until it prints.
// Entries hold no personal data.

const bucketPrintQueue = "print_queue"

// PrintJobState is one receipt waiting to be printed again.
type PrintJobState struct {
	Code      string    `json:"code"`
	Attempts  int       `json:"attempts"`
	NextAt    time.Time `json:"nextAt"`
	LastError string    `json:"lastError,omitempty"` // English, no personal data
	Since     time.Time `json:"since"`
}

// printQueue is the bucket, created on the first write (nil in a read-only
// unit of work of a store that never queued a print).
func (t *Tx) printQueue() (*bolt.Bucket, error) {
	b := t.tx.Bucket([]byte(bucketPrintQueue))
	if b == nil && t.tx.Writable() {
		var err error
		if b, err = t.tx.CreateBucket([]byte(bucketPrintQueue)); err != nil {
			return nil, fmt.Errorf("offline: creating bucket %q: %w", bucketPrintQueue, err)
		}
	}
	return b, nil
}

// QueuePrint records that the receipt of code failed to print (again):
// attempts counts up, the next try is after a capped backoff.
func (t *Tx) QueuePrint(code string, cause error) error {
	if err := checkToken("dossier code", code, true); err != nil {
		return err
	}
	b, err := t.printQueue()
	if err != nil {
		return err
	}
	now := t.s.now()
	j := PrintJobState{Code: code, Since: now}
	if v := b.Get([]byte(code)); v != nil {
		if err := json.Unmarshal(v, &j); err != nil {
			return fmt.Errorf("offline: print queue %s: %w", code, err)
		}
	}
	j.Attempts++
	delay := min(time.Duration(1<<min(j.Attempts, 10))*15*time.Second, 30*time.Minute)
	j.NextAt = now.Add(delay)
	if cause != nil {
		j.LastError = cause.Error()
	}
	v, err := json.Marshal(j)
	if err != nil {
		return err
	}
	return b.Put([]byte(code), v)
}

// PrintDone removes code from the print queue.
func (t *Tx) PrintDone(code string) error {
	b, err := t.printQueue()
	if err != nil || b == nil {
		return err
	}
	return b.Delete([]byte(code))
}

// PrintQueue lists the receipts waiting to print; due=true keeps those whose
// next try has come.
func (t *Tx) PrintQueue(due bool) ([]PrintJobState, error) {
	b, err := t.printQueue()
	if err != nil || b == nil {
		return nil, err
	}
	now := t.s.now()
	var out []PrintJobState
	err = b.ForEach(func(k, v []byte) error {
		var j PrintJobState
		if err := json.Unmarshal(v, &j); err != nil {
			return fmt.Errorf("offline: print queue %s: %w", k, err)
		}
		if !due || !j.NextAt.After(now) {
			out = append(out, j)
		}
		return nil
	})
	return out, err
}
