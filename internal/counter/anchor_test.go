package counter_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/offline"
)

// auditSnapshot is the access log, its head and the local anchor file as an earlier copy of
// the data directory has them.
type auditSnapshot struct {
	entries map[string][]byte
	head    []byte
	anchor  []byte
}

func snapshotAudit(t *testing.T, s *offline.Store) auditSnapshot {
	t.Helper()
	snap := auditSnapshot{entries: map[string][]byte{}}
	db, err := bolt.Open(s.Path(), 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("access_log")).ForEach(func(k, v []byte) error {
			snap.entries[string(k)] = bytes.Clone(v)
			return nil
		}); err != nil {
			return err
		}
		snap.head = bytes.Clone(tx.Bucket([]byte("meta")).Get([]byte("audit_head")))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	snap.anchor, _ = os.ReadFile(filepath.Join(s.Dir(), offline.AnchorFileName))
	return snap
}

// restore puts the snapshot back: the whole audit state of the earlier copy.
func (snap auditSnapshot) restore(t *testing.T, s *offline.Store) {
	t.Helper()
	db, err := bolt.Open(s.Path(), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("access_log")); err != nil {
			return err
		}
		b, err := tx.CreateBucket([]byte("access_log"))
		if err != nil {
			return err
		}
		for k, v := range snap.entries {
			if err := b.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("audit_head"), snap.head)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.Dir(), offline.AnchorFileName), snap.anchor, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Every sync round anchors the audit head at the gateway. The audit log rolled back to an
// earlier copy of the data directory (its access log, head and local anchor file) verifies
// locally, but not against the head anchored upstream; the next round sends nothing and says
// why; the chain growing again after the rollback is caught too.
func TestAuditAnchoredWithEverySync(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, _, err := f.svc.Lookup(ctx, featured(t, "single"), checkMeta); err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.Drain(ctx, 0)
	head, _ := f.store.AuditHead()
	if err != nil || rep.Anchored != head.Seq || head.Seq == 0 || rep.AnchorError != "" {
		t.Fatalf("first sync: %+v %v (head %d)", rep, err, head.Seq)
	}
	snap := snapshotAudit(t, f.store)

	for _, kind := range []string{"married", "divorced"} {
		if _, _, err := f.svc.Lookup(ctx, featured(t, kind), checkMeta); err != nil {
			t.Fatal(err)
		}
	}
	rep, _ = f.svc.Drain(ctx, 0)
	anchored, _ := f.store.AuditHead()
	if rep.Anchored != anchored.Seq || anchored.Seq != head.Seq+2 {
		t.Fatalf("second sync: %+v, head %d", rep, anchored.Seq)
	}
	heads := f.srv.AuditHeads(f.store.ID())
	if len(heads) != 2 || heads[1].Hash != anchored.Hash {
		t.Fatalf("gateway heads: %+v", heads)
	}

	snap.restore(t, f.store)
	if rep, err := f.store.VerifyAudit(); err != nil || !rep.OK {
		t.Fatalf("the rolled-back copy does not verify locally (%+v, %v): the test rolls back wrong", rep, err)
	}
	vrep, upstream, err := f.svc.VerifyAuditAnchored(ctx, clerk)
	var rb *offline.AuditRollbackError
	if upstream != nil || !errors.As(err, &rb) || !vrep.Rollback || vrep.Witness != "gateway" || vrep.FirstBad != head.Seq+1 || vrep.Anchored != anchored.Seq {
		t.Fatalf("verify after the rollback: %+v, upstream %v, err %v", vrep, upstream, err)
	}
	rep, err = f.svc.Drain(ctx, 0)
	if err != nil || !rep.AuditRollback || rep.Anchored != 0 || len(f.srv.AuditHeads(f.store.ID())) != 2 {
		t.Fatalf("sync after the rollback: %+v %v; heads %d", rep, err, len(f.srv.AuditHeads(f.store.ID())))
	}

	// Work goes on on the rolled-back log (other look-ups, later) until it is longer than the
	// anchored one.
	f.clock.Advance(time.Hour)
	for _, kind := range []string{"widowed", "single", "married"} {
		if _, _, err := f.svc.Lookup(ctx, featured(t, kind), checkMeta); err != nil {
			t.Fatal(err)
		}
	}
	vrep, _, err = f.svc.VerifyAuditAnchored(ctx, clerk)
	if !errors.As(err, &rb) || !rb.Diverged || vrep.FirstBad != anchored.Seq {
		t.Fatalf("verify after the rolled-back log grew: %+v %v", vrep, err)
	}
}
