package offline

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// BenchmarkCachedLookupGet measures a cache hit as a command sees it: open, lock, read,
// open the sealed value, close.
func BenchmarkCachedLookupGet(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	value := make([]byte, 2048) // about the size of a resident's JSON
	if err := s.PutLookup(synthID, value, time.Now()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, ok, err := s.GetLookup(synthID, time.Hour); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkPutLookup measures a cache write (one durable bbolt commit).
func BenchmarkPutLookup(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	value := make([]byte, 2048)
	for b.Loop() {
		if err := s.PutLookup(synthID, value, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNextDossierCode measures reserving one code (one durable bbolt commit).
func BenchmarkNextDossierCode(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	day, i := seqDay, 0
	for b.Loop() {
		if i++; i%MaxDossiersPerDay == 0 {
			day = day.AddDate(0, 0, 1)
		}
		if _, err := s.NextDossierCode("G22.99.08", 1, day); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSealer(b *testing.B) Sealer {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	sl, err := AESGCM(key)
	if err != nil {
		b.Fatal(err)
	}
	return sl
}

// BenchmarkSealAESGCM seals one 2 KiB value (a resident's JSON).
func BenchmarkSealAESGCM(b *testing.B) {
	sl, v := benchSealer(b), make([]byte, 2048)
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		if _, err := sl.Seal(bucketLookups, []byte("0123456789abcdef0123456789abcdef"), v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenAESGCM opens one sealed 2 KiB value.
func BenchmarkOpenAESGCM(b *testing.B) {
	sl, v := benchSealer(b), make([]byte, 2048)
	k := []byte("0123456789abcdef0123456789abcdef")
	sealed, _ := sl.Seal(bucketLookups, k, v)
	b.SetBytes(int64(len(v)))
	buf := make([]byte, len(sealed))
	for b.Loop() {
		copy(buf, sealed)
		if _, err := sl.Open(bucketLookups, k, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnlockDefaultKDF is a full Unlock with the production argon2id cost (DefaultKDF):
// what an operator waits for at login.
func BenchmarkUnlockDefaultKDF(b *testing.B) {
	dir := b.TempDir()
	if _, err := Init(dir, supervisor, supPass, Options{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := Unlock(dir, "gs01", supPass, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCachedLookupGetEncrypted is BenchmarkCachedLookupGet on an encrypted store.
func BenchmarkCachedLookupGetEncrypted(b *testing.B) {
	s := newEncrypted(b)
	if err := s.PutLookup(synthID, make([]byte, 2048), time.Now()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, ok, err := s.GetLookup(synthID, time.Hour); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkAuditAppend is one LogAccess as its own unit of work (one durable commit).
func BenchmarkAuditAppend(b *testing.B) {
	s := newEncrypted(b)
	e := AccessEntry{Operator: "cb02", Purpose: "check", Action: ActionLookup, Subject: s.SubjectRef(synthID), Outcome: "ok"}
	for b.Loop() {
		if err := s.LogAccess(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuditAppendInTx is the cost LogAccess adds inside a unit of work (100 per commit).
func BenchmarkAuditAppendInTx(b *testing.B) {
	s := newEncrypted(b)
	e := AccessEntry{Operator: "cb02", Purpose: "check", Action: ActionLookup, Subject: s.SubjectRef(synthID), Outcome: "ok"}
	for b.Loop() {
		err := s.Update(func(tx *Tx) error {
			for range 100 {
				if err := tx.LogAccess(e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(100*b.N), "ns/entry")
}

// BenchmarkVerifyAudit verifies a chain of 10,000 entries.
func BenchmarkVerifyAudit(b *testing.B) {
	s := newEncrypted(b)
	e := AccessEntry{Operator: "cb02", Purpose: "check", Action: ActionLookup, Subject: s.SubjectRef(synthID), Outcome: "ok"}
	err := s.Update(func(tx *Tx) error {
		for range 10000 {
			if err := tx.LogAccess(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if rep, err := s.VerifyAudit(); err != nil || rep.Entries < 10000 {
			b.Fatal(rep, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(10003*b.N), "ns/entry")
}

// BenchmarkRotateDataKey is the data key rotation of DisableOperator (re-seal, re-MAC,
// compaction) on a store holding 1,000 dossiers of 2 KiB and their 30 KiB receipts.
func BenchmarkRotateDataKey(b *testing.B) {
	s, err := Init(b.TempDir(), supervisor, supPass, testOpt())
	if err != nil {
		b.Fatal(err)
	}
	dossier, receipt := bytes.Repeat([]byte("d"), 2<<10), bytes.Repeat([]byte("r"), 30<<10)
	for i := range 10 {
		err := s.Update(func(tx *Tx) error {
			for j := range 100 {
				code := fmt.Sprintf("G22.99.08-260305-%04d", i*100+j)
				if err := tx.PutDossier(DossierInfo{Code: code, State: "received"}, dossier); err != nil {
					return err
				}
				if err := tx.PutReceipt(code, receipt); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	n := 0
	for b.Loop() {
		b.StopTimer()
		n++
		id := fmt.Sprintf("tmp%d", n)
		if err := s.AddOperator(Operator{ID: id, Name: "Tạm", Role: RoleClerk}, clerkPass); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := s.DisableOperator(id); err != nil {
			b.Fatal(err)
		}
	}
}
