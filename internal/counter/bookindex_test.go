package counter_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/forms/lifecycle"
	"motcua/internal/counter"
	"motcua/internal/wardyear"
	"motcua/offline"
)

// The book of a period, the history (F4) and the reception counts read the store's indexes by
// reception time (offline/received.go): they must give what a pass over every dossier gives,
// row for row and in the same order, on a store whose dossiers were written in any order,
// before its indexes exist (a store written by an older version: the whole index is read) and
// after the unlock built them.

// shuffledYear writes a small ward-year (wardyear.Build: lives through the state machine,
// this counter's and the ward's, dossier records) into a second store in shuffled order and
// returns that store.
func shuffledYear(t *testing.T, seed uint64) *offline.Store {
	t.Helper()
	opt := offline.Options{KDF: rightsKDF, Clock: func() time.Time { return yearNow(t) }, LockWait: 20 * time.Second}
	src, err := offline.Init(t.TempDir(), offline.Operator{ID: "gs01", Name: "Giám sát", Role: offline.RoleSupervisor}, yearPass, opt)
	if err != nil {
		t.Fatal(err)
	}
	wo := yearOptions(t, 1500)
	wo.Lookups, wo.Cache, wo.Seed = 1, -1, seed
	if _, err := wardyear.Build(src, wo); err != nil {
		t.Fatal(err)
	}
	var writes []func(tx *offline.Tx) error
	err = src.View(func(tx *offline.Tx) error {
		err := tx.ScanLife(func(i offline.LifeInfo) error {
			if i.Remote {
				writes = append(writes, func(tx *offline.Tx) error { _, err := tx.PutRemoteLife(i); return err })
				return nil
			}
			blob, _, err := tx.GetLife(i.Code)
			writes = append(writes, func(tx *offline.Tx) error { return tx.PutLife(i, blob) })
			return err
		})
		if err != nil {
			return err
		}
		ds, err := tx.ListDossiers(offline.DossierFilter{})
		for _, d := range ds {
			blob, _, err := tx.GetDossier(d.Code)
			if err != nil {
				return err
			}
			writes = append(writes, func(tx *offline.Tx) error { return tx.PutDossier(d, blob) })
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 3))
	r.Shuffle(len(writes), func(i, j int) { writes[i], writes[j] = writes[j], writes[i] })
	dst, err := offline.Init(t.TempDir(), offline.Operator{ID: "gs01", Name: "Giám sát", Role: offline.RoleSupervisor}, yearPass, opt)
	if err != nil {
		t.Fatal(err)
	}
	for chunk := range slices.Chunk(writes, 500) {
		if err := dst.Update(func(tx *offline.Tx) error {
			for _, w := range chunk {
				if err := w(tx); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// dropReceivedIndexes makes the store what a version without the indexes by reception time
// left (their buckets and mark are offline/received.go's).
func dropReceivedIndexes(t testing.TB, st *offline.Store) {
	t.Helper()
	db, err := bolt.Open(st.Path(), 0o600, &bolt.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(btx *bolt.Tx) error {
		meta := btx.Bucket([]byte("meta"))
		if meta.Get([]byte("received_index")) == nil {
			return fmt.Errorf("the indexes by reception time are not marked built")
		}
		for _, name := range []string{"dossier_received", "life_received"} {
			if err := btx.DeleteBucket([]byte(name)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		return meta.Delete([]byte("received_index"))
	}); err != nil {
		t.Fatal(err)
	}
}

// bookCase is a book's filter with what a pass over every index entry keeps.
type bookCase struct {
	name string
	f    counter.BookFilter
}

func bookCases(t *testing.T) []bookCase {
	loc := hcm(t)
	month := func(m time.Month) (time.Time, time.Time) {
		return time.Date(2026, m, 1, 0, 0, 0, 0, loc), time.Date(2026, m+1, 1, 0, 0, 0, 0, loc)
	}
	yes, no := true, false
	var cs []bookCase
	for _, m := range []time.Month{time.January, time.June, time.October, time.November, time.December} {
		from, to := month(m)
		cs = append(cs, bookCase{fmt.Sprint(m), counter.BookFilter{From: from, To: to}},
			bookCase{fmt.Sprint(m, " own"), counter.BookFilter{From: from, To: to, OwnOnly: true}})
	}
	oct, nov := month(time.October)
	_, dec := month(time.November)
	cs = append(cs,
		bookCase{"the year", counter.BookFilter{}},
		bookCase{"from October", counter.BookFilter{From: oct}},
		bookCase{"up to November", counter.BookFilter{To: nov}},
		bookCase{"a span of days", counter.BookFilter{From: oct.AddDate(0, 0, 9).Add(9 * time.Hour), To: nov.AddDate(0, 0, 3).Add(11 * time.Hour)}},
		bookCase{"October, counter 02", counter.BookFilter{From: oct, To: nov, Counter: "02"}},
		bookCase{"autumn, pending", counter.BookFilter{From: oct, To: dec, Stages: []lifecycle.Stage{lifecycle.StageReceived, lifecycle.StageProcessing}}},
		bookCase{"autumn, late", counter.BookFilter{From: oct, To: dec, Late: &yes}},
		bookCase{"autumn, not late, own", counter.BookFilter{From: oct, To: dec, Late: &no, OwnOnly: true}},
		bookCase{"autumn, in person", counter.BookFilter{From: oct, To: dec, Channel: lifecycle.ChannelInPerson}},
	)
	return cs
}

// bruteBook is the codes of a book's rows: every index entry read, filtered, sorted.
func bruteBook(t *testing.T, st *offline.Store, f counter.BookFilter) []string {
	t.Helper()
	now, loc := yearNow(t), hcm(t)
	var all []offline.LifeInfo
	if err := st.View(func(tx *offline.Tx) error {
		return tx.ScanLife(func(i offline.LifeInfo) error { all = append(all, i); return nil })
	}); err != nil {
		t.Fatal(err)
	}
	var keep []offline.LifeInfo
	for _, i := range all {
		late := i.Late || lifecycle.ProcedureLife{Stage: lifecycle.Stage(i.Stage), Due: i.Due, ResultAt: i.ResultAt}.Timeliness(now, loc) == lifecycle.TimelyLate
		if !f.From.IsZero() && i.ReceivedAt.Before(f.From) || !f.To.IsZero() && !i.ReceivedAt.Before(f.To) ||
			f.Service != "" && i.Service != f.Service || f.Counter != "" && i.Counter != f.Counter ||
			f.Channel != "" && i.Channel != string(f.Channel) || f.OwnOnly && i.Remote ||
			len(f.Stages) > 0 && !slices.Contains(f.Stages, lifecycle.Stage(i.Stage)) || f.Late != nil && late != *f.Late {
			continue
		}
		keep = append(keep, i)
	}
	sort.Slice(keep, func(a, b int) bool {
		return keep[a].ReceivedAt.Before(keep[b].ReceivedAt) || keep[a].ReceivedAt.Equal(keep[b].ReceivedAt) && keep[a].Code < keep[b].Code
	})
	codes := make([]string, len(keep))
	for n, i := range keep {
		codes[n] = i.Code
	}
	return codes
}

// readings is what the readers by reception time give, to compare between the states of the
// store.
type readings struct {
	books    map[string][]byte // book case -> the rows and counts, as JSON
	recent   map[int][]offline.DossierInfo
	counts   map[string]map[string]counter.ReceptionCount
	fees     []byte
	dossiers int
}

func readAll(t *testing.T, svc *counter.Service, st *offline.Store) readings {
	t.Helper()
	rd := readings{books: map[string][]byte{}, recent: map[int][]offline.DossierInfo{}, counts: map[string]map[string]counter.ReceptionCount{}}
	for _, c := range bookCases(t) {
		res, err := svc.Book(ctx, yearOp, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var codes []string
		for n, row := range res.Book.Rows {
			if row.No != n+1 {
				t.Errorf("%s: row %d numbered %d", c.name, n+1, row.No)
			}
			codes = append(codes, row.Code)
		}
		if want := bruteBook(t, st, c.f); !slices.Equal(codes, want) {
			t.Errorf("book %s: %d rows, a pass over every dossier gives %d (or another order)", c.name, len(codes), len(want))
		}
		if len(codes) == 0 && c.name != "December" && c.name != "December own" {
			t.Errorf("book %s: empty", c.name)
		}
		rd.books[c.name] = mustJSON(t, struct {
			Rows          any
			Local, Remote int
		}{res.Book.Rows, res.Local, res.Remote})
	}
	all, err := svc.Dossiers(yearOp, offline.DossierFilter{})
	if err != nil {
		t.Fatal(err)
	}
	rd.dossiers = len(all)
	slices.Reverse(all)
	for _, n := range []int{1, 5, 200, 0} {
		got, err := svc.Recent(ctx, n)
		want := all
		if n > 0 {
			want = all[:n]
		}
		if err != nil || !slices.EqualFunc(got, want, func(a, b offline.DossierInfo) bool { return string(mustJSON(t, a)) == string(mustJSON(t, b)) }) {
			t.Errorf("Recent(%d): %d dossiers, want the last %d received, newest first (%v)", n, len(got), len(want), err)
		}
		rd.recent[n] = got
	}
	loc := hcm(t)
	for _, p := range [][2]time.Time{{}, {time.Date(2026, 10, 1, 0, 0, 0, 0, loc), time.Date(2026, 11, 1, 0, 0, 0, 0, loc)},
		{time.Date(2026, 11, 1, 0, 0, 0, 0, loc), {}}} {
		got, err := svc.ReceptionCounts(yearOp, p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		own := bruteBook(t, st, counter.BookFilter{From: p[0], To: p[1], OwnOnly: true})
		if got[""].Received != len(own) || len(own) == 0 {
			t.Errorf("ReceptionCounts(%v, %v): %d received, a pass over every dossier gives %d", p[0], p[1], got[""].Received, len(own))
		}
		rd.counts[fmt.Sprint(p)] = got
	}
	fees, err := svc.FeesCollected(yearOp, time.Date(2026, 10, 1, 0, 0, 0, 0, loc), time.Date(2026, 11, 1, 0, 0, 0, 0, loc))
	if err != nil {
		t.Fatal(err)
	}
	rd.fees = mustJSON(t, fees)
	return rd
}

func TestBookAndHistoryByReceptionTime(t *testing.T) {
	st := shuffledYear(t, 4)
	indexed := readAll(t, yearServiceOn(t, st, ""), st)
	if indexed.dossiers < 200 {
		t.Fatalf("%d dossier records: too few for a history of 200", indexed.dossiers)
	}

	dropReceivedIndexes(t, st) // a store written by an older version: the whole index is read
	before := readAll(t, yearServiceOn(t, st, ""), st)

	opt := offline.Options{KDF: rightsKDF, Clock: func() time.Time { return yearNow(t) }, LockWait: 20 * time.Second}
	migrated, _, err := offline.Unlock(st.Dir(), "gs01", yearPass, opt) // builds the indexes
	if err != nil {
		t.Fatal(err)
	}
	after := readAll(t, yearServiceOn(t, migrated, ""), migrated)
	dropReceivedIndexes(t, migrated) // fails when the unlock built nothing

	for name, r := range map[string]readings{"before the indexes were built": before, "after": after} {
		for c, b := range indexed.books {
			if string(r.books[c]) != string(b) {
				t.Errorf("%s: the book %s differs from the one read through the indexes", name, c)
			}
		}
		if string(mustJSON(t, r.recent)) != string(mustJSON(t, indexed.recent)) || string(mustJSON(t, r.counts)) != string(mustJSON(t, indexed.counts)) ||
			string(r.fees) != string(indexed.fees) {
			t.Errorf("%s: the history, the reception counts or the fees differ", name)
		}
	}
}
