package offline

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// auditStore is an encrypted store whose chain has the admin entries of newEncrypted (3)
// followed by n look-up entries.
func auditStore(t *testing.T, n int) *Store {
	t.Helper()
	s := newEncrypted(t)
	for i := range n {
		err := s.LogAccess(AccessEntry{Operator: "cb02", Purpose: "check", Action: ActionLookup,
			Subject: s.SubjectRef(fmt.Sprintf("0010990000%02d", i)), Outcome: "ok"})
		if err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// rawEdit changes the bbolt file directly, as someone with the file but not the key would.
func rawEdit(t *testing.T, s *Store, fn func(access, meta *bolt.Bucket) error) {
	t.Helper()
	db, err := bolt.Open(s.Path(), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error { return fn(tx.Bucket([]byte(bucketAccess)), tx.Bucket([]byte(bucketMeta))) })
	if err != nil {
		t.Fatal(err)
	}
}

func TestAuditChainTamper(t *testing.T) {
	const n = 6 // entries 4..9 are look-ups; 1..3 were written by Init and AddOperator
	cases := []struct {
		name     string
		edit     func(t *testing.T, access, meta *bolt.Bucket) error
		firstBad uint64
		kind     string
	}{
		{"entry bytes changed", func(t *testing.T, a, _ *bolt.Bucket) error {
			v := bytes.Replace(a.Get(seqKey(5)), []byte(`"outcome":"ok"`), []byte(`"outcome":"no"`), 1)
			return a.Put(seqKey(5), v)
		}, 5, AuditBadMAC},
		{"operator changed", func(t *testing.T, a, _ *bolt.Bucket) error {
			v := bytes.Replace(a.Get(seqKey(6)), []byte(`"operator":"cb02"`), []byte(`"operator":"gs01"`), 1)
			return a.Put(seqKey(6), v)
		}, 6, AuditBadMAC},
		{"entry removed", func(t *testing.T, a, _ *bolt.Bucket) error { return a.Delete(seqKey(5)) }, 5, AuditMissing},
		{"last entry removed", func(t *testing.T, a, _ *bolt.Bucket) error { return a.Delete(seqKey(9)) }, 9, AuditTruncated},
		{"two swapped", func(t *testing.T, a, _ *bolt.Bucket) error {
			v4, v7 := bytes.Clone(a.Get(seqKey(4))), bytes.Clone(a.Get(seqKey(7)))
			if err := a.Put(seqKey(4), v7); err != nil {
				return err
			}
			return a.Put(seqKey(7), v4)
		}, 4, AuditMisnumbered},
		{"two swapped with their numbers", func(t *testing.T, a, _ *bolt.Bucket) error {
			v4, v7 := bytes.Clone(a.Get(seqKey(4))), bytes.Clone(a.Get(seqKey(7)))
			v4 = bytes.Replace(v4, []byte(`"seq":4`), []byte(`"seq":7`), 1)
			v7 = bytes.Replace(v7, []byte(`"seq":7`), []byte(`"seq":4`), 1)
			if err := a.Put(seqKey(4), v7); err != nil {
				return err
			}
			return a.Put(seqKey(7), v4)
		}, 4, AuditUnlinked},
		{"forged entry appended", func(t *testing.T, a, _ *bolt.Bucket) error {
			return a.Put(seqKey(10), forged(t, a, 10))
		}, 10, AuditBadMAC},
		{"forged entry appended with a moved head", func(t *testing.T, a, m *bolt.Bucket) error {
			v := forged(t, a, 10)
			var r AuditRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			prev, _ := hexDecode(r.Prev)
			h := auditHash(r.AccessEntry, prev)
			head := append(append(seqKey(10), h...), headMAC(bytes.Repeat([]byte{1}, 32), 10, h)...)
			if err := m.Put(metaAuditHead, head); err != nil {
				return err
			}
			return a.Put(seqKey(10), v)
		}, 10, AuditBadMAC},
		{"entry inserted", func(t *testing.T, a, _ *bolt.Bucket) error {
			// Shift 5..9 up by one and put a forged entry at 5.
			for seq := uint64(9); seq >= 5; seq-- {
				v := bytes.Replace(bytes.Clone(a.Get(seqKey(seq))), fmt.Appendf(nil, `"seq":%d`, seq), fmt.Appendf(nil, `"seq":%d`, seq+1), 1)
				if err := a.Put(seqKey(seq+1), v); err != nil {
					return err
				}
			}
			return a.Put(seqKey(5), forged(t, a, 5))
		}, 5, AuditBadMAC},
		{"head removed", func(t *testing.T, _, m *bolt.Bucket) error { return m.Delete(metaAuditHead) }, 9, AuditHeadMissing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := auditStore(t, n)
			if rep, err := s.VerifyAudit(); err != nil || !rep.OK || rep.Entries != 3+n || rep.Last != 3+n {
				t.Fatalf("clean chain: %+v %v", rep, err)
			}
			rawEdit(t, s, func(a, m *bolt.Bucket) error { return c.edit(t, a, m) })
			rep, err := s.VerifyAudit()
			if !errors.Is(err, ErrAuditBroken) || rep.OK {
				t.Fatalf("tampered chain verified: %+v %v", rep, err)
			}
			if rep.FirstBad != c.firstBad {
				t.Errorf("first bad entry %d (%s), want %d", rep.FirstBad, rep.Problem, c.firstBad)
			}
			if rep.Kind != c.kind {
				t.Errorf("kind %q (%s), want %q", rep.Kind, rep.Problem, c.kind)
			}
			if msg := AuditProblemMessage(rep.Kind); msg == AuditProblemMessage("") || !strings.ContainsAny(msg, "ịụữồ") {
				t.Errorf("kind %q has no Vietnamese message of its own: %q", rep.Kind, msg)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("entry %d", c.firstBad)) {
				t.Errorf("error does not name the entry: %v", err)
			}
		})
	}
}

func hexDecode(s string) ([]byte, error) {
	var b []byte
	_, err := fmt.Sscanf(s, "%x", &b)
	return b, err
}

// forged is an entry at seq linked to the entry before it, with a MAC under a guessed key.
func forged(t *testing.T, a *bolt.Bucket, seq uint64) []byte {
	t.Helper()
	var prev AuditRecord
	if err := json.Unmarshal(a.Get(seqKey(seq-1)), &prev); err != nil {
		t.Fatal(err)
	}
	p, _ := hexDecode(prev.Prev)
	ph := auditHash(prev.AccessEntry, p)
	e := AccessEntry{Seq: seq, Time: prev.Time.Add(time.Second), Operator: "cb02", Purpose: "check", Action: ActionDelete, Outcome: "ok"}
	v, _ := json.Marshal(AuditRecord{AccessEntry: e, Prev: fmt.Sprintf("%x", ph), MAC: fmt.Sprintf("%x", auditMAC(bytes.Repeat([]byte{1}, 32), auditHash(e, ph)))})
	return v
}

// The chain also runs on an unencrypted store (the counter and CLI use one), and a version 1
// log (no chain fields) is chained when the store is opened.
func TestAuditChainUnencryptedAndUpgrade(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := s.LogAccess(AccessEntry{Operator: "cb01", Purpose: "check", Action: ActionLookup, Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	if rep, err := s.VerifyAudit(); err != nil || rep.Entries != 3 {
		t.Fatalf("%+v %v", rep, err)
	}
	// Make it a version 1 store: plain entries, no head.
	rawEdit(t, s, func(a, m *bolt.Bucket) error {
		for seq := uint64(1); seq <= 3; seq++ {
			var r AuditRecord
			if err := json.Unmarshal(a.Get(seqKey(seq)), &r); err != nil {
				return err
			}
			v, _ := json.Marshal(r.AccessEntry)
			if err := a.Put(seqKey(seq), v); err != nil {
				return err
			}
		}
		if err := m.Delete(metaAuditHead); err != nil {
			return err
		}
		return m.Put(metaFormat, []byte{1})
	})
	s2, err := Open(s.Dir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.LogAccess(AccessEntry{Operator: "cb01", Purpose: "check", Action: ActionPrint, DossierCode: "X-1"}); err != nil {
		t.Fatal(err)
	}
	rep, err := s2.VerifyAudit()
	if err != nil || rep.Entries != 4 || rep.Last != 4 {
		t.Fatalf("upgraded chain: %+v %v", rep, err)
	}
	log, _ := s2.AccessLog()
	if len(log) != 4 || log[3].Seq != 4 || log[3].DossierCode != "X-1" {
		t.Errorf("log after upgrade: %+v", log)
	}
}

func TestExportAudit(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 5, 8, 0, 0, 0, ict)}
	opt := testOpt()
	opt.Clock = clock.Now
	s, err := Init(t.TempDir(), supervisor, supPass, opt) // entries 1, 2 at 08:00
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 { // 3..6 at 09:00, 10:00, 11:00, 12:00
		clock.Add(time.Hour)
		if err := s.LogAccess(AccessEntry{Operator: "gs01", Purpose: "check", Action: ActionLookup, Outcome: "ok", DossierCode: fmt.Sprintf("D-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	from, to := time.Date(2026, 3, 5, 10, 0, 0, 0, ict), time.Date(2026, 3, 5, 12, 0, 0, 0, ict)
	n, err := s.ExportAudit(&buf, from, to)
	if err != nil || n != 2 {
		t.Fatalf("ExportAudit: %d %v", n, err)
	}
	sc := bufio.NewScanner(&buf)
	var seqs []uint64
	for sc.Scan() {
		var r AuditRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Hash) != 64 || len(r.Prev) != 64 || len(r.MAC) != 64 {
			t.Errorf("exported record without chain fields: %s", sc.Bytes())
		}
		seqs = append(seqs, r.Seq)
	}
	if fmt.Sprint(seqs) != "[4 5]" {
		t.Errorf("exported %v, want [4 5]", seqs)
	}
	// The export is itself logged and the chain still verifies.
	log, _ := s.AccessLog()
	last := log[len(log)-1]
	if last.Action != ActionExport || last.Detail != "audit=2" || last.Operator != "gs01" {
		t.Errorf("export not logged: %+v", last)
	}
	if _, err := s.VerifyAudit(); err != nil {
		t.Error(err)
	}
	if n, err := s.ExportAudit(io.Discard, time.Time{}, time.Time{}); err != nil || n != 7 {
		t.Errorf("unbounded export: %d %v", n, err)
	}
}

func TestEveryBucketIsClassified(t *testing.T) {
	known := map[string]bool{bucketMeta: true, bucketLookups: true, bucketSeq: true, bucketDossierIndex: true, bucketAccess: true, bucketDraftIndex: true}
	for _, b := range sealedBuckets {
		known[b] = true
	}
	for _, b := range allBuckets {
		if !known[b] {
			t.Errorf("bucket %q is neither sealed (sealedBuckets) nor known to hold no personal data", b)
		}
	}
	// the buckets made by their first write: every one written by a session is classified
	s := newEncrypted(t)
	writeLeakSession(t, s)
	lazy := map[string]bool{}
	for _, b := range append(append([]string(nil), lazySealedBuckets...), lazyPlainBuckets...) {
		if lazy[b] || known[b] {
			t.Errorf("bucket %q classified twice", b)
		}
		lazy[b] = true
	}
	err := s.View(func(tx *Tx) error {
		return tx.tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			if !known[string(name)] && !lazy[string(name)] {
				t.Errorf("bucket %q is neither sealed nor known to hold no personal data", name)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}
