package offline

import (
	"bytes"
	"errors"
	"testing"
)

func TestCheckpoint(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// before any run: nothing done, reading works without the bucket
	if err := s.View(func(tx *Tx) error {
		_, done, err := tx.Done("run1", "row1")
		if done {
			t.Error("row done before MarkDone")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.View(func(tx *Tx) error { return tx.MarkDone("run1", "row1", "X") }); err == nil {
		t.Error("MarkDone in View succeeded")
	}
	if err := s.Update(func(tx *Tx) error { return tx.MarkDone("run1", "row1", "G22-0001") }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		run, row string
		done     bool
		code     string
	}{
		{"run1", "row1", true, "G22-0001"},
		{"run1", "row2", false, ""},
		{"run2", "row1", false, ""},
		{"run1row", "1", false, ""}, // the separator keeps run and row apart
	}
	for _, tc := range tests {
		if err := s.View(func(tx *Tx) error {
			code, done, err := tx.Done(tc.run, tc.row)
			if done != tc.done || code != tc.code {
				t.Errorf("Done(%q,%q) = %q,%v; want %q,%v", tc.run, tc.row, code, done, tc.code, tc.done)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Update(func(tx *Tx) error { return tx.MarkDone("", "row", "") }); !errors.Is(err, ErrEmptyCheckpoint) {
		t.Errorf("empty run: %v", err)
	}
	// keys are keyed hashes: the raw row key is nowhere in the bucket
	if err := s.View(func(tx *Tx) error {
		return tx.tx.Bucket([]byte(bucketBatchDone)).ForEach(func(k, v []byte) error {
			if bytes.Contains(k, []byte("row1")) || len(k) != 32 {
				t.Errorf("checkpoint key not hashed: %q", k)
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
}
