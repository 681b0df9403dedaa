package offline

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The print queue holds the documents that did not print (the printer was off, out of
// paper, unreachable), each retried until it prints: a receipt (kept sealed in the receipts
// bucket, the job names its dossier), a reception slip (Mẫu 02, Mẫu 03), a control sheet
// (Mẫu 06), a hand-over slip, an apology letter (Mẫu 04), a copy certification's blocks or a
// fee receipt, whose rendered document is kept sealed with the job until it prints. The
// entries hold no personal data: a kind and a code.
//
// It also holds the documents a reception is to print, recorded pending (PrintPending) in
// the unit of work that saves the dossier: a run killed before they printed leaves them
// pending, and its rerun prints them, once (a printed document has left the queue, a failed
// one waits there as any other).

const (
	bucketPrintQueue = "print_queue"     // unsealed: PrintJobState by job key
	bucketPrintDocs  = "print_documents" // sealed: the document of a job other than a receipt
)

// Print job kinds: what a queued job prints, and what its code names.
const (
	PrintReceipt      = "receipt"       // the receipt (Mẫu 01) of the dossier Code
	PrintSlip         = "slip"          // the reception slip (Mẫu 02 or Mẫu 03) Code
	PrintControlSheet = "control-sheet" // the control sheet (Mẫu 06) of the dossier Code
	PrintHandover     = "handover-slip" // the hand-over slip of the dossier Code
	PrintApology      = "apology"       // the apology letter (Mẫu 04) of the dossier Code
	PrintCertificate  = "certification" // the certification blocks of the copies certified under number Code
	PrintCertFee      = "cert-fee"      // the fee receipt of the copies certified under number Code
	PrintFeeReceipt   = "fee-receipt"   // the fee receipt of the dossier Code
)

func validPrintKind(kind string) bool {
	switch kind {
	case PrintReceipt, PrintSlip, PrintControlSheet, PrintHandover, PrintApology, PrintCertificate, PrintCertFee, PrintFeeReceipt:
		return true
	}
	return false
}

// PrintJobState is one document waiting to be printed again.
type PrintJobState struct {
	Code string `json:"code"`
	// Kind is what the job prints (PrintReceipt, PrintSlip, ...); entries written before
	// the other kinds were queued have none and are receipts.
	Kind      string    `json:"kind,omitempty"`
	Attempts  int       `json:"attempts"`
	NextAt    time.Time `json:"nextAt"`
	LastError string    `json:"lastError,omitempty"` // English, no personal data
	Since     time.Time `json:"since"`
	// Pending: the document is to print and was not tried yet (PrintPending); the run that
	// recorded it prints it, or its rerun. It is never due: PrintQueue(true) leaves it out.
	Pending bool `json:"pending,omitempty"`
	// ClaimedUntil: a retry is printing the document (ClaimPrint) until then; another
	// retry, in this process or another, leaves it alone meanwhile. A retry that died
	// while printing leaves it due again once the time has passed.
	ClaimedUntil time.Time `json:"claimedUntil,omitzero"`
	// RetryClaim: ClaimedUntil is a retry's claim (ClaimPrint), not the hold of the reception
	// that recorded the document pending: TakePending leaves it to the retry meanwhile.
	RetryClaim bool `json:"retryClaim,omitempty"`
}

// printKey is a job's key: a receipt's is its dossier code (as in the queues of earlier
// versions), another kind's is the kind and the code apart by a space, which no code holds.
func printKey(kind, code string) []byte {
	if kind == PrintReceipt {
		return []byte(code)
	}
	return []byte(kind + " " + code)
}

func checkPrintJob(kind, code string) error {
	if !validPrintKind(kind) {
		return fmt.Errorf("offline: unknown print job kind %q", kind)
	}
	return checkToken("print job code", code, true)
}

// printBuckets are the queue and the documents' bucket, created on the first write (nil in
// a read-only unit of work of a store that never queued them).
func (t *Tx) printBuckets() (queue, docs *bolt.Bucket, err error) {
	queue, docs = t.tx.Bucket([]byte(bucketPrintQueue)), t.tx.Bucket([]byte(bucketPrintDocs))
	if t.tx.Writable() {
		for _, b := range []struct {
			name string
			dst  **bolt.Bucket
		}{{bucketPrintQueue, &queue}, {bucketPrintDocs, &docs}} {
			if *b.dst == nil {
				if *b.dst, err = t.tx.CreateBucket([]byte(b.name)); err != nil {
					return nil, nil, fmt.Errorf("offline: creating bucket %q: %w", b.name, err)
				}
			}
		}
	}
	return queue, docs, nil
}

// QueuePrint records that a document failed to print (again): attempts count up, the next
// try is after a capped backoff. doc is the rendered document of a kind other than
// PrintReceipt (a receipt is kept with its dossier), kept sealed until it prints; nil keeps
// the document queued before (a retry that failed again).
func (t *Tx) QueuePrint(kind, code string, doc []byte, cause error) error {
	if err := checkPrintJob(kind, code); err != nil {
		return err
	}
	queue, docs, err := t.printBuckets() // the documents' bucket too
	if err != nil {
		return err
	}
	if queue == nil {
		return fmt.Errorf("offline: queue print %s %s: read-only unit of work", kind, code)
	}
	key := printKey(kind, code)
	switch {
	case kind == PrintReceipt:
	case doc != nil:
		sealed, err := t.seal(bucketPrintDocs, key, doc)
		if err != nil {
			return err
		}
		if err := docs.Put(key, sealed); err != nil {
			return fmt.Errorf("offline: keeping the document of print job %s %s: %w", kind, code, err)
		}
	case docs.Get(key) == nil:
		return fmt.Errorf("offline: print job %s %s has no document", kind, code)
	}
	now := t.s.now()
	j := PrintJobState{Code: code, Kind: kind, Since: now}
	if v := queue.Get(key); v != nil {
		if err := json.Unmarshal(v, &j); err != nil {
			return fmt.Errorf("offline: print queue %s: %w", key, err)
		}
		j.Kind = kind
		if j.Pending {
			j.Pending, j.Since = false, now // it failed now: it waits from now
		}
	}
	j.backOff(now, cause)
	return putPrintJob(queue, j)
}

// PrintPending records that a document is to print (before it is rendered): in the unit of
// work that makes it due, so that a run killed before it printed leaves it there for its
// rerun (PrintJob). The run that records it holds it until now+claim (ClaimedUntil); once
// that has passed, the run is taken as dead and a retry prints it (PrintQueue(true) lists it,
// ClaimPrint takes it). A document already queued stays as it is.
func (t *Tx) PrintPending(kind, code string, claim time.Duration) error {
	if err := checkPrintJob(kind, code); err != nil {
		return err
	}
	queue, err := t.writableQueue("print pending", kind, code)
	if err != nil || queue.Get(printKey(kind, code)) != nil {
		return err
	}
	now := t.s.now()
	return putPrintJob(queue, PrintJobState{Code: code, Kind: kind, Since: now, NextAt: now, Pending: true, ClaimedUntil: now.Add(claim)})
}

// PrintJob returns the state of a document in the print queue; ok is false when it is not
// there (it printed, or was never due).
func (t *Tx) PrintJob(kind, code string) (j PrintJobState, ok bool, err error) {
	if err := checkPrintJob(kind, code); err != nil {
		return j, false, err
	}
	queue, _, err := t.printBuckets()
	if err != nil || queue == nil {
		return j, false, err
	}
	v := queue.Get(printKey(kind, code))
	if v == nil {
		return j, false, nil
	}
	if err := json.Unmarshal(v, &j); err != nil {
		return j, false, fmt.Errorf("offline: print queue %s %s: %w", kind, code, err)
	}
	j.Kind = kind
	return j, true, nil
}

// ClaimPrint takes a queued document for a retry to print until now+lease: ok is false when
// it is not to be printed now (gone, claimed by another retry or still by the run that left it
// pending, or its next try not come, unless force). QueuePrint (it failed) and PrintDone (it
// printed) end the claim.
func (t *Tx) ClaimPrint(kind, code string, lease time.Duration, force bool) (ok bool, err error) {
	j, ok, err := t.PrintJob(kind, code)
	if err != nil || !ok {
		return false, err
	}
	queue, err := t.writableQueue("claim print", kind, code)
	if err != nil {
		return false, err
	}
	now := t.s.now()
	if j.ClaimedUntil.After(now) || (!force && j.NextAt.After(now)) {
		return false, nil
	}
	// a pending document stays pending (the retry renders it as its reception would: a retry
	// killed meanwhile leaves it to the next), but is the retry's while the claim lasts
	j.ClaimedUntil, j.RetryClaim = now.Add(lease), true
	return true, putPrintJob(queue, j)
}

// backOff counts a failed try of the document at now: its claim ends, its next try comes
// after a capped backoff, with the cause (when given) as its last error.
func (j *PrintJobState) backOff(now time.Time, cause error) {
	j.Attempts++
	j.ClaimedUntil, j.RetryClaim = time.Time{}, false
	j.NextAt = now.Add(min(time.Duration(1<<min(j.Attempts, 10))*15*time.Second, 30*time.Minute))
	if cause != nil {
		j.LastError = cause.Error()
	}
}

// writableQueue is the print queue of a writing unit of work; what names the caller's
// operation in the error of a read-only one.
func (t *Tx) writableQueue(what, kind, code string) (*bolt.Bucket, error) {
	queue, _, err := t.printBuckets()
	if err != nil {
		return nil, err
	}
	if queue == nil {
		return nil, fmt.Errorf("offline: %s %s %s: read-only unit of work", what, kind, code)
	}
	return queue, nil
}

// putPrintJob writes a document's state under its kind and code.
func putPrintJob(queue *bolt.Bucket, j PrintJobState) error {
	v, err := json.Marshal(j)
	if err != nil {
		return err
	}
	return queue.Put(printKey(j.Kind, j.Code), v)
}

// DeferPrint records that a pending document (PrintPending) could not even be made for a
// retry (its dossier or life unreadable): it stays pending, its next try backs off as a failed
// print's does, with the cause. A document not queued, or not pending, is left as it is.
func (t *Tx) DeferPrint(kind, code string, cause error) error {
	j, ok, err := t.PrintJob(kind, code)
	if err != nil || !ok || !j.Pending {
		return err
	}
	queue, err := t.writableQueue("defer print", kind, code)
	if err != nil {
		return err
	}
	j.backOff(t.s.now(), cause)
	return putPrintJob(queue, j)
}

// TakePending takes a document its reception recorded pending (PrintPending) off the queue,
// for the reception (or its rerun) to print it now: ok is false when it is not pending any
// more (it printed, or failed and waits as any failed print) or a retry holds it (ClaimPrint:
// it is printing it as a dead run's), and then the caller does not print it. Taken, it is no one's but the caller's: a failed print queues it again
// (QueuePrint); a run killed while printing it leaves it to whoever looks at the printer.
func (t *Tx) TakePending(kind, code string) (ok bool, err error) {
	j, ok, err := t.PrintJob(kind, code)
	if err != nil || !ok || !j.Pending || (j.RetryClaim && j.ClaimedUntil.After(t.s.now())) {
		return false, err
	}
	queue, err := t.writableQueue("take print", kind, code)
	if err != nil {
		return false, err
	}
	return true, queue.Delete(printKey(kind, code))
}

// PrintDone takes a document off the print queue (it printed), with the document kept for
// it; a document not queued is no error.
func (t *Tx) PrintDone(kind, code string) error {
	if err := checkPrintJob(kind, code); err != nil {
		return err
	}
	queue, docs, err := t.printBuckets()
	if err != nil || queue == nil {
		return err
	}
	key := printKey(kind, code)
	if docs != nil {
		if err := docs.Delete(key); err != nil {
			return err
		}
	}
	return queue.Delete(key)
}

// PrintDocument returns the document kept for a queued job of a kind other than
// PrintReceipt, or ErrNotFound.
func (t *Tx) PrintDocument(kind, code string) ([]byte, error) {
	if err := checkPrintJob(kind, code); err != nil {
		return nil, err
	}
	_, docs, err := t.printBuckets()
	if err != nil {
		return nil, err
	}
	key := printKey(kind, code)
	var v []byte
	if docs != nil {
		v = docs.Get(key)
	}
	if v == nil {
		return nil, fmt.Errorf("%w: print job %s %s", ErrNotFound, kind, code)
	}
	return t.open(bucketPrintDocs, key, v)
}

// PrintQueue lists the documents waiting to print (each with its Kind set), the pending ones
// too; due=true keeps those whose next try has come, and the pending ones whose run's claim
// has passed (PrintPending).
func (t *Tx) PrintQueue(due bool) ([]PrintJobState, error) {
	queue, _, err := t.printBuckets()
	if err != nil || queue == nil {
		return nil, err
	}
	now := t.s.now()
	var out []PrintJobState
	err = queue.ForEach(func(k, v []byte) error {
		var j PrintJobState
		if err := json.Unmarshal(v, &j); err != nil {
			return fmt.Errorf("offline: print queue %s: %w", k, err)
		}
		if j.Kind == "" {
			j.Kind = PrintReceipt
		}
		held := j.Pending && j.ClaimedUntil.After(now) // by the reception that recorded it
		if !due || (!j.NextAt.After(now) && !held) {
			out = append(out, j)
		}
		return nil
	})
	return out, err
}
