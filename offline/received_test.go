package offline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The indexes by reception time (received.go) give the same entries, in the same order, as
// the whole entry indexes read and sorted, whatever the order the dossiers were written in,
// before their indexes exist (a store written by an older version) and after.

// writeShuffled writes dossiers received in shuffled order over four months of 2026 (and a
// few odd times: before 1970, zero, ties, another zone): dossier records (some rewritten and
// changed state), lives received here, other counters' dossiers (some pulled again with
// another reception time, some taken over by a life received here with another time).
func writeShuffled(t *testing.T, s *Store, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	base := time.Date(2026, 8, 1, 7, 30, 0, 0, ict)
	type entry struct {
		code string
		at   time.Time
	}
	var es []entry
	for i := range 240 {
		at := base.Add(time.Duration(r.IntN(120*24*3600)) * time.Second).Add(time.Duration(r.IntN(1000)) * time.Nanosecond)
		switch i % 40 {
		case 1: // a tie with the previous one
			at = es[len(es)-1].at
		case 2:
			at = at.UTC()
		case 3:
			at = time.Date(1969, 12, 31, 23, 59, 59, 999, time.UTC)
		}
		es = append(es, entry{fmt.Sprintf("G22.99.08-%s-%02d%04d", at.Format("060102"), 1+i%4, i), at})
	}
	r.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
	states := []string{"received", "submitted", "queued", "draft"}
	services := []string{"khai-sinh", "ket-hon", "chung-thuc"}
	err := s.Update(func(tx *Tx) error {
		for i, e := range es {
			svc := services[i%len(services)]
			switch i % 3 {
			case 0: // received here: the dossier record and its life
				if err := tx.PutDossier(DossierInfo{Code: e.code, State: states[i%len(states)], Service: svc, ReceivedAt: e.at}, []byte(`{}`)); err != nil {
					return err
				}
				if err := tx.PutLife(LifeInfo{Code: e.code, Stage: "received", Service: svc, Counter: "01", ReceivedAt: e.at}, []byte(`{}`)); err != nil {
					return err
				}
			case 1: // a record without a life
				if err := tx.PutDossier(DossierInfo{Code: e.code, State: states[i%len(states)], Service: svc, ReceivedAt: e.at}, []byte(`{}`)); err != nil {
					return err
				}
			default: // another counter's
				at := e.at
				if i%11 == 2 {
					at = time.Time{}
				}
				if _, err := tx.PutRemoteLife(LifeInfo{Code: e.code, Stage: "processing", Service: svc, Counter: "02", ReceivedAt: at}); err != nil {
					return err
				}
			}
		}
		// rewrites: a record saved again (its reception time is kept whatever is given),
		// states changed, remote entries pulled again with another time, lives received here
		// replacing remote entries with another time
		for i, e := range es {
			switch {
			case i%3 == 0 && i%5 == 0:
				if err := tx.PutDossier(DossierInfo{Code: e.code, State: "submitted", Service: "ket-hon", ReceivedAt: e.at.Add(-48 * time.Hour)}, []byte(`{"v":2}`)); err != nil {
					return err
				}
			case i%3 == 1 && i%4 == 1:
				if err := tx.SetDossierState(e.code, "rejected"); err != nil {
					return err
				}
			case i%3 == 2 && i%4 == 0:
				if _, err := tx.PutRemoteLife(LifeInfo{Code: e.code, Stage: "returned", Counter: "03", ReceivedAt: e.at.Add(31 * 24 * time.Hour)}); err != nil {
					return err
				}
			case i%3 == 2 && i%7 == 3:
				if err := tx.PutLife(LifeInfo{Code: e.code, Stage: "received", Counter: "01", ReceivedAt: e.at.Add(-5 * time.Hour)}, []byte(`{}`)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// bruteDossiers reads every dossier index entry, keeps those f matches and sorts them as
// ListDossiers promises.
func bruteDossiers(tx *Tx, f DossierFilter) ([]DossierInfo, error) {
	var out []DossierInfo
	err := tx.tx.Bucket([]byte(bucketDossierIndex)).ForEach(func(_, v []byte) error {
		var d DossierInfo
		if err := json.Unmarshal(v, &d); err != nil {
			return err
		}
		if f.match(d) {
			out = append(out, d)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		return out[i].ReceivedAt.Before(out[j].ReceivedAt) || out[i].ReceivedAt.Equal(out[j].ReceivedAt) && out[i].Code < out[j].Code
	})
	return out, err
}

// bruteLives does the same for the life index.
func bruteLives(tx *Tx, from, to time.Time, keep func(LifeInfo) bool) ([]LifeInfo, error) {
	var out []LifeInfo
	err := tx.ScanLife(func(i LifeInfo) error {
		if (from.IsZero() || !i.ReceivedAt.Before(from)) && (to.IsZero() || i.ReceivedAt.Before(to)) && (keep == nil || keep(i)) {
			out = append(out, i)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		return out[i].ReceivedAt.Before(out[j].ReceivedAt) || out[i].ReceivedAt.Equal(out[j].ReceivedAt) && out[i].Code < out[j].Code
	})
	return out, err
}

// filterDossiers is bruteDossiers(tx, f) from the entries bruteDossiers(tx, DossierFilter{})
// read (in order): the whole index is decoded once for the many periods and filters.
func filterDossiers(all []DossierInfo, f DossierFilter) []DossierInfo {
	var out []DossierInfo
	for _, d := range all {
		if f.match(d) {
			out = append(out, d)
		}
	}
	return out
}

// filterLives is bruteLives(tx, from, to, keep) from the entries bruteLives(tx, zero, zero, nil) read.
func filterLives(all []LifeInfo, from, to time.Time, keep func(LifeInfo) bool) []LifeInfo {
	var out []LifeInfo
	for _, i := range all {
		if (from.IsZero() || !i.ReceivedAt.Before(from)) && (to.IsZero() || i.ReceivedAt.Before(to)) && (keep == nil || keep(i)) {
			out = append(out, i)
		}
	}
	return out
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// checkReceivedReaders compares ListDossiers, LastDossiers and ListLifeReceived with the
// brute force over periods: open, months, bounds on an entry's exact time, empty.
func checkReceivedReaders(t *testing.T, s *Store, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 11))
	err := s.View(func(tx *Tx) error {
		all, err := bruteDossiers(tx, DossierFilter{})
		if err != nil {
			return err
		}
		lives, err := bruteLives(tx, time.Time{}, time.Time{}, nil)
		if err != nil {
			return err
		}
		if len(all) < 100 || len(lives) < 100 {
			return fmt.Errorf("%d dossiers, %d lives written", len(all), len(lives))
		}
		type period struct{ from, to time.Time }
		periods := []period{{}, {time.Date(2026, 9, 1, 0, 0, 0, 0, ict), time.Date(2026, 10, 1, 0, 0, 0, 0, ict)},
			{time.Date(2026, 10, 1, 0, 0, 0, 0, ict), time.Time{}}, {time.Time{}, time.Date(2026, 8, 15, 0, 0, 0, 0, ict)},
			{time.Date(2027, 1, 1, 0, 0, 0, 0, ict), time.Date(2027, 2, 1, 0, 0, 0, 0, ict)},
			{time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)}}
		for range 20 { // bounds on entries' exact times
			a, b := all[r.IntN(len(all))].ReceivedAt, lives[r.IntN(len(lives))].ReceivedAt
			if b.Before(a) {
				a, b = b, a
			}
			periods = append(periods, period{a, b}, period{a, time.Time{}}, period{time.Time{}, b})
		}
		keeps := map[string]func(LifeInfo) bool{"all": nil, "own": func(i LifeInfo) bool { return !i.Remote },
			"counter 02": func(i LifeInfo) bool { return i.Counter == "02" }, "khai-sinh": func(i LifeInfo) bool { return i.Service == "khai-sinh" }}
		filters := []DossierFilter{{}, {States: []string{"submitted", "rejected"}}, {Service: "ket-hon"}}
		for _, p := range periods {
			for _, f := range filters {
				f.From, f.To = p.from, p.to
				want := filterDossiers(all, f)
				got, err := tx.ListDossiers(f)
				if err != nil || !sameJSON(got, want) {
					t.Errorf("ListDossiers(%+v): %d entries, want %d (%v)", f, len(got), len(want), err)
				}
				rev := slices.Clone(want)
				slices.Reverse(rev)
				for _, n := range []int{0, 1, 7, 200, len(want) + 1} {
					last, err := tx.LastDossiers(n, f)
					w := rev
					if n > 0 && len(w) > n {
						w = w[:n]
					}
					if err != nil || !sameJSON(last, w) {
						t.Errorf("LastDossiers(%d, %+v): %d entries, want %d (%v)", n, f, len(last), len(w), err)
					}
				}
			}
			for name, keep := range keeps {
				want := filterLives(lives, p.from, p.to, keep)
				got, err := tx.ListLifeReceived(p.from, p.to, keep)
				if err != nil || !sameJSON(got, want) {
					t.Errorf("ListLifeReceived(%v, %v, %s): %d entries, want %d (%v)", p.from, p.to, name, len(got), len(want), err)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// receivedIndexState tells whether the mark is there and checks, when it is, that each
// index holds exactly one key per entry, at the entry's reception time.
func receivedIndexState(t *testing.T, s *Store) bool {
	t.Helper()
	marked := false
	err := s.View(func(tx *Tx) error {
		marked = receivedIndexesBuilt(tx.tx.Bucket([]byte(bucketMeta)))
		if !marked {
			return nil
		}
		for _, ix := range receivedIndexes {
			var want [][]byte
			if b := tx.tx.Bucket([]byte(ix.entries)); b != nil {
				err := b.ForEach(func(k, v []byte) error {
					var e struct {
						ReceivedAt time.Time `json:"receivedAt"`
					}
					if err := json.Unmarshal(v, &e); err != nil {
						return err
					}
					want = append(want, receivedKeyAt(e.ReceivedAt, k))
					return nil
				})
				if err != nil {
					return err
				}
			}
			slices.SortFunc(want, bytes.Compare)
			var got [][]byte
			if b := tx.tx.Bucket([]byte(ix.byTime)); b != nil {
				_ = b.ForEach(func(k, _ []byte) error { got = append(got, bytes.Clone(k)); return nil })
			}
			if !slices.EqualFunc(got, want, bytes.Equal) {
				t.Errorf("%s: %d keys for %d entries of %s, or not theirs", ix.byTime, len(got), len(want), ix.entries)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return marked
}

// unbuildReceived makes the store what an older version left: no index by reception time,
// no mark; with stale, a leftover index holding keys of nothing.
func unbuildReceived(t *testing.T, path string, stale bool) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(btx *bolt.Tx) error {
		for _, ix := range receivedIndexes {
			if err := btx.DeleteBucket([]byte(ix.byTime)); err != nil {
				return fmt.Errorf("%s: %w", ix.byTime, err)
			}
			if stale {
				b, err := btx.CreateBucket([]byte(ix.byTime))
				if err != nil {
					return err
				}
				if err := b.Put(receivedKeyAt(time.Date(2026, 9, 9, 9, 0, 0, 0, ict), []byte("G22.99.08-260909-099999")), []byte{}); err != nil {
					return err
				}
			}
		}
		return btx.Bucket([]byte(bucketMeta)).Delete(metaReceivedIndex)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestReceivedIndexesAsTheWholeIndex(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			s := newEncrypted(t)
			writeShuffled(t, s, seed)
			if !receivedIndexState(t, s) {
				t.Fatal("a new store's indexes by reception time are not marked complete")
			}
			checkReceivedReaders(t, s, seed)
		})
	}
}

// A store written by a version without the indexes: read as before (the whole index), then
// the indexes are built by the unlock (passphrase or key file), by Open or by Init.
func TestReceivedIndexesBuiltOnOpen(t *testing.T) {
	t.Run("passphrase", func(t *testing.T) {
		s := newEncrypted(t)
		writeShuffled(t, s, 5)
		unbuildReceived(t, s.Path(), true)
		if receivedIndexState(t, s) {
			t.Fatal("the mark survived")
		}
		checkReceivedReaders(t, s, 5) // the whole index, as before
		u, _, err := Unlock(s.Dir(), clerk.ID, clerkPass, testOpt())
		if err != nil {
			t.Fatal(err)
		}
		if !receivedIndexState(t, u) {
			t.Fatal("the unlock did not build the indexes")
		}
		checkReceivedReaders(t, u, 5)
	})
	t.Run("key file", func(t *testing.T) {
		s := newEncrypted(t)
		writeShuffled(t, s, 7)
		kf := filepath.Join(t.TempDir(), "counter.key")
		if _, err := s.ExportKeyFile(kf, KeyRoleClerk); err != nil {
			t.Fatal(err)
		}
		if _, err := UnlockWithKeyFile(s.Dir(), kf, testOpt()); err != nil { // settles what the export left
			t.Fatal(err)
		}
		unbuildReceived(t, s.Path(), false)
		checkReceivedReaders(t, s, 7)
		u, err := UnlockWithKeyFile(s.Dir(), kf, testOpt())
		if err != nil {
			t.Fatal(err)
		}
		if !receivedIndexState(t, u) {
			t.Fatal("the key file's unlock did not build the indexes")
		}
		checkReceivedReaders(t, u, 7)
		// built once: the next unlock with the key file writes nothing
		before, err := os.ReadFile(u.Path())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := UnlockWithKeyFile(s.Dir(), kf, testOpt()); err != nil {
			t.Fatal(err)
		}
		if after, _ := os.ReadFile(u.Path()); !bytes.Equal(before, after) {
			t.Error("a key file's unlock wrote into a store whose indexes were built")
		}
	})
	t.Run("open", func(t *testing.T) {
		s, err := Open(t.TempDir(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		writeShuffled(t, s, 6)
		unbuildReceived(t, s.Path(), true)
		checkReceivedReaders(t, s, 6)
		o, err := Open(s.Dir(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !receivedIndexState(t, o) {
			t.Fatal("Open did not build the indexes")
		}
		checkReceivedReaders(t, o, 6)
	})
	t.Run("init over a plain store", func(t *testing.T) {
		s, err := Open(t.TempDir(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		writeShuffled(t, s, 8)
		unbuildReceived(t, s.Path(), true)
		e, err := Init(s.Dir(), supervisor, supPass, testOpt())
		if err != nil {
			t.Fatal(err)
		}
		if !receivedIndexState(t, e) {
			t.Fatal("Init did not build the indexes")
		}
		checkReceivedReaders(t, e, 8)
	})
}

// A process killed while it builds the indexes leaves the store as it was: the next unlock
// builds them.
func TestReceivedIndexesBuildKilled(t *testing.T) {
	s := newEncrypted(t)
	writeShuffled(t, s, 9)
	unbuildReceived(t, s.Path(), true)
	h := startHelper(t, "build-received", s.Dir())
	select {
	case line := <-h.lines:
		if line != "built" {
			t.Fatalf("helper: %s", line)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the helper did not build the indexes")
	}
	h.kill(t)
	if receivedIndexState(t, s) {
		t.Fatal("a build killed before its commit left the mark")
	}
	checkReceivedReaders(t, s, 9)
	u, _, err := Unlock(s.Dir(), supervisor.ID, supPass, testOpt())
	if err != nil {
		t.Fatal(err)
	}
	if !receivedIndexState(t, u) {
		t.Fatal("not built after the kill")
	}
	checkReceivedReaders(t, u, 9)
}
