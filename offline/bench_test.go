package offline

import (
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
