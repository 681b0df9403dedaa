package offline

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// snapshotAudit copies the access log and its head out of the file, as someone with an
// earlier copy of the file has them.
func snapshotAudit(t *testing.T, s *Store) (entries map[string][]byte, head []byte) {
	t.Helper()
	entries = map[string][]byte{}
	db, err := bolt.Open(s.Path(), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte(bucketAccess)).ForEach(func(k, v []byte) error {
			entries[string(k)] = bytes.Clone(v)
			return nil
		}); err != nil {
			return err
		}
		head = bytes.Clone(tx.Bucket([]byte(bucketMeta)).Get(metaAuditHead))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return entries, head
}

// restoreAudit puts an earlier access log and head back into the file.
func restoreAudit(t *testing.T, s *Store, entries map[string][]byte, head []byte) {
	t.Helper()
	rawEdit(t, s, func(access, meta *bolt.Bucket) error {
		var keys [][]byte
		if err := access.ForEach(func(k, _ []byte) error { keys = append(keys, bytes.Clone(k)); return nil }); err != nil {
			return err
		}
		for _, k := range keys {
			if err := access.Delete(k); err != nil {
				return err
			}
		}
		for k, v := range entries {
			if err := access.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return meta.Put(metaAuditHead, head)
	})
}

func logLookups(t *testing.T, s *Store, n int) {
	t.Helper()
	for i := range n {
		if err := s.LogAccess(AccessEntry{Operator: "cb02", Purpose: "check", Action: ActionLookup,
			Subject: s.SubjectRef(fmt.Sprintf("0010990001%02d", i)), Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
}

// The access log and its head put back from an earlier copy verify as a chain; the local
// anchor file catches it, before and after the rolled-back chain grows again.
func TestAuditRollbackLocalWitness(t *testing.T) {
	s := auditStore(t, 3) // entries 1..6
	oldEntries, oldHead := snapshotAudit(t, s)
	logLookups(t, s, 2) // 7, 8: anchored in the local file
	if rep, err := s.VerifyAudit(); err != nil || rep.LocalAnchor != 8 {
		t.Fatalf("before the rollback: %+v %v", rep, err)
	}

	restoreAudit(t, s, oldEntries, oldHead)
	rep, err := s.VerifyAudit()
	var rb *AuditRollbackError
	if !errors.As(err, &rb) || !errors.Is(err, ErrAuditBroken) || rep.OK || !rep.Rollback || rep.Witness != "local" ||
		rep.FirstBad != 7 || rep.Last != 6 || rb.Diverged {
		t.Fatalf("rolled back: %+v, %v", rep, err)
	}
	if msg := ClerkMessage(err); !strings.Contains(msg, "đưa về một bản cũ") {
		t.Errorf("message %q", msg)
	}

	// Work goes on on the rolled-back chain: entries 7.. are new ones, and the anchor file
	// keeps the head it vouched for.
	logLookups(t, s, 3)
	rep, err = s.VerifyAudit()
	if !errors.As(err, &rb) || !rb.Diverged || rep.FirstBad != 8 || rep.Last != 9 {
		t.Fatalf("rolled back, then grown: %+v, %v", rep, err)
	}

	// A witness's head checked directly (the gateway's, in internal/counter).
	good, err := s.AuditHead()
	if err != nil || good.Seq != 9 {
		t.Fatal(good, err)
	}
	if err := s.CheckAuditAnchor(good, "gateway"); err != nil {
		t.Errorf("the current head: %v", err)
	}
	if err := s.CheckAuditAnchor(AuditHead{Seq: 12, Hash: good.Hash}, "gateway"); !errors.Is(err, ErrAuditRollback) {
		t.Errorf("a head beyond the chain: %v", err)
	}

	// Another store's anchor file vouches for nothing.
	other := auditStore(t, 1)
	b, _ := os.ReadFile(filepath.Join(other.Dir(), AnchorFileName))
	if err := os.WriteFile(filepath.Join(s.Dir(), AnchorFileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if rep, err := s.VerifyAudit(); err != nil || rep.LocalAnchor != 0 {
		t.Errorf("another store's anchor file: %+v %v", rep, err)
	}
}
