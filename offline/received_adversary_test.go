package offline

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Adversary tests of the indexes by reception time (received.go): whoever writes, however
// the writes interleave, and whatever the store goes through afterwards (a key rotation, a
// compaction, the encryption of a plain store whose indexes were built), each index holds
// exactly one key per entry, at the entry's reception time, and the readers give what a pass
// over every entry gives.

// writeRacing has two Stores of the same directory (two processes' worth) write the same
// codes at once: dossiers saved again and their states changed, lives received here with
// reception times that move, other counters' entries pulled again and taken over.
func writeRacing(t *testing.T, a, b *Store, seed uint64) {
	t.Helper()
	base := time.Date(2026, 9, 1, 8, 0, 0, 0, ict)
	codes := make([]string, 40)
	for i := range codes {
		codes[i] = fmt.Sprintf("G22.99.08-260901-03%04d", i)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for w, s := range []*Store{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(w)))
			for range 60 {
				code := codes[r.IntN(len(codes))]
				at := base.Add(time.Duration(r.IntN(30*24*3600)) * time.Second)
				err := s.Update(func(tx *Tx) error {
					switch r.IntN(4) {
					case 0:
						return tx.PutDossier(DossierInfo{Code: code, State: "received", Service: "khai-sinh", ReceivedAt: at}, []byte(`{}`))
					case 1:
						if err := tx.SetDossierState(code, "submitted"); err != nil && !isNotFound(err) {
							return err
						}
						return nil
					case 2:
						return tx.PutLife(LifeInfo{Code: code, Stage: "received", Service: "khai-sinh", Counter: "01", ReceivedAt: at}, []byte(`{}`))
					default:
						_, err := tx.PutRemoteLife(LifeInfo{Code: code, Stage: "processing", Service: "ket-hon", Counter: "02", ReceivedAt: at})
						return err
					}
				})
				if err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

func TestAdversaryReceivedIndexesTwoWritersRotationCompaction(t *testing.T) {
	s := newEncrypted(t)
	writeShuffled(t, s, 21)
	u, _, err := Unlock(s.Dir(), clerk.ID, clerkPass, testOpt())
	if err != nil {
		t.Fatal(err)
	}
	writeRacing(t, s, u, 21)
	if !receivedIndexState(t, s) {
		t.Fatal("mark lost after two writers")
	}

	// a key rotation (a key file revoked) re-seals the sealed buckets: the indexes stay whole
	kf := filepath.Join(t.TempDir(), "k.key")
	id, err := s.ExportKeyFile(kf, KeyRoleClerk)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeKeyFile(id); err != nil {
		t.Fatal(err)
	}
	if !receivedIndexState(t, s) {
		t.Fatal("mark lost by the key rotation")
	}

	// a compaction copies the file: the indexes and their mark come along
	if _, _, err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	if !receivedIndexState(t, s) {
		t.Fatal("mark lost by the compaction")
	}

	// and the store written on after all that keeps them (receivedIndexState compared each
	// index with its entries at every step; the readers are checked once, at the end)
	writeRacing(t, s, s, 22)
	if !receivedIndexState(t, s) {
		t.Fatal("mark lost")
	}
	checkReceivedReaders(t, s, 22)
}

// A plain store whose indexes were built, then encrypted by Init (the values re-sealed, the
// look-up cache migrated): the indexes, unsealed, are kept as they are and still whole.
func TestAdversaryReceivedIndexesKeptByEncryption(t *testing.T) {
	p, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeShuffled(t, p, 23)
	writeRacing(t, p, p, 23)
	if !receivedIndexState(t, p) {
		t.Fatal("plain store not marked")
	}
	e, err := Init(p.Dir(), supervisor, supPass, testOpt())
	if err != nil {
		t.Fatal(err)
	}
	if !receivedIndexState(t, e) {
		t.Fatal("mark lost by the encryption")
	}
	checkReceivedReaders(t, e, 23)
}
