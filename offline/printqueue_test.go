package offline

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// The print queue holds every kind of document: a receipt and the forms of the same dossier
// are jobs apart; a form's document is kept with its job until it prints; an entry of an
// earlier version (no kind) is a receipt; the backoff counts per job.
func TestPrintQueueKinds(t *testing.T) {
	s, clk := newOutboxStore(t)
	const code = "G22.99.08-261123-010001"
	sheet := []byte("%PDF-1.4 phiếu kiểm soát")
	err := s.Update(func(tx *Tx) error {
		if err := tx.QueuePrint(PrintReceipt, code, nil, errors.New("printer off")); err != nil {
			return err
		}
		if err := tx.QueuePrint(PrintControlSheet, code, sheet, errors.New("printer off")); err != nil {
			return err
		}
		// a form queued without its document is refused, so is an unknown kind
		if err := tx.QueuePrint(PrintHandover, code, nil, nil); err == nil {
			t.Error("a hand-over slip queued without its document")
		}
		if err := tx.QueuePrint("poster", code, sheet, nil); err == nil {
			t.Error("an unknown kind queued")
		}
		// a job written by an earlier version: the code alone, no kind
		old, _ := json.Marshal(PrintJobState{Code: "G22.99.08-261123-010002", Attempts: 1, NextAt: clk.now(), Since: clk.now()})
		return tx.tx.Bucket([]byte(bucketPrintQueue)).Put([]byte("G22.99.08-261123-010002"), old)
	})
	if err != nil {
		t.Fatal(err)
	}
	queue := func(due bool) map[string]PrintJobState {
		t.Helper()
		out := map[string]PrintJobState{}
		if err := s.View(func(tx *Tx) error {
			js, err := tx.PrintQueue(due)
			for _, j := range js {
				out[j.Kind+" "+j.Code] = j
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if q := queue(false); len(q) != 3 || q["receipt "+code].Attempts != 1 || q["control-sheet "+code].Attempts != 1 ||
		q["receipt G22.99.08-261123-010002"].Code == "" {
		t.Fatalf("queue %+v", q)
	}
	if q := queue(true); len(q) != 1 { // the older one only: the new ones wait for their backoff
		t.Fatalf("due %+v", q)
	}
	clk.add(time.Minute)
	if err := s.Update(func(tx *Tx) error { return tx.QueuePrint(PrintControlSheet, code, nil, errors.New("again")) }); err != nil {
		t.Fatal(err)
	}
	if j := queue(false)["control-sheet "+code]; j.Attempts != 2 || j.LastError != "again" || !j.NextAt.After(clk.now()) {
		t.Errorf("failed again: %+v", j)
	}
	if err := s.View(func(tx *Tx) error {
		doc, err := tx.PrintDocument(PrintControlSheet, code)
		if err == nil && !bytes.Equal(doc, sheet) {
			t.Errorf("document %q", doc)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.PrintDone(PrintControlSheet, code) }); err != nil {
		t.Fatal(err)
	}
	if q := queue(false); len(q) != 2 || q["receipt "+code].Code == "" {
		t.Errorf("after the control sheet printed: %+v", q)
	}
	if err := s.View(func(tx *Tx) error { _, err := tx.PrintDocument(PrintControlSheet, code); return err }); !errors.Is(err, ErrNotFound) {
		t.Errorf("the printed document is still kept: %v", err)
	}
}
