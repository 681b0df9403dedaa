package offline

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// bump is a read-modify-write on a test bucket with a pause in between: lost updates show
// if two units of work ever overlap.
func bump(tx *Tx) error {
	b, err := tx.tx.CreateBucketIfNotExists([]byte("test_counter"))
	if err != nil {
		return err
	}
	var n uint64
	if v := b.Get([]byte("n")); v != nil {
		n = binary.BigEndian.Uint64(v)
	}
	time.Sleep(time.Millisecond)
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], n+1)
	return b.Put([]byte("n"), v[:])
}

func readBump(t *testing.T, s *Store) uint64 {
	t.Helper()
	var n uint64
	err := s.View(func(tx *Tx) error {
		if b := tx.tx.Bucket([]byte("test_counter")); b != nil {
			n = binary.BigEndian.Uint64(b.Get([]byte("n")))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOpenCreatesPrivateDirAndFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v, want 0700", st.Mode().Perm())
	}
	fst, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fst.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fst.Mode().Perm())
	}
	// Not held open: another handle can take bbolt's exclusive lock right away.
	s2, err := Open(dir, Options{LockWait: 50 * time.Millisecond, OnWait: func() { t.Error("Open waited: file left locked") }})
	if err != nil {
		t.Fatal(err)
	}
	if !bytesEqual(s.SubjectKey("001099000001"), s2.SubjectKey("001099000001")) {
		t.Error("subject salt not persisted across Open")
	}
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

func TestUnitsOfWorkSerializeAcrossStores(t *testing.T) {
	dir := t.TempDir()
	s1, err := Open(dir, Options{LockWait: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir, Options{LockWait: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	const per = 15
	var wg sync.WaitGroup
	errs := make(chan error, 2*per)
	for i := range 2 * per {
		s := s1
		if i%2 == 1 {
			s = s2
		}
		wg.Go(func() { errs <- s.Update(bump) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := readBump(t, s1); n != 2*per {
		t.Fatalf("counter %d after %d serialized increments: units of work overlapped", n, 2*per)
	}
}

func TestBusyInProcess(t *testing.T) {
	dir := t.TempDir()
	holder, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var waits atomic.Int32
	short, err := Open(dir, Options{LockWait: 150 * time.Millisecond, OnWait: func() { waits.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	long, err := Open(dir, Options{LockWait: 10 * time.Second, OnWait: func() { waits.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- holder.Update(func(tx *Tx) error { close(held); <-release; return bump(tx) })
	}()
	<-held

	start := time.Now()
	err = short.Update(bump)
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("Update while held: got %v, want ErrBusy", err)
	}
	// The holder never lets go: giving up at all proves the wait is bounded.
	if d := time.Since(start); d < 150*time.Millisecond || d > 10*time.Second {
		t.Errorf("gave up after %v, want about 150ms", d)
	}
	if waits.Load() != 1 {
		t.Errorf("OnWait called %d times, want 1", waits.Load())
	}
	if _, _, _, err := short.GetLookup("001099000001", time.Hour); !errors.Is(err, ErrBusy) {
		t.Errorf("View while held: got %v, want ErrBusy", err)
	}

	waits.Store(0)
	got := make(chan error)
	go func() { got <- long.Update(bump) }()
	time.Sleep(100 * time.Millisecond)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("waiting Update: %v", err)
	}
	if waits.Load() != 1 {
		t.Errorf("OnWait called %d times while waiting, want 1", waits.Load())
	}
	if n := readBump(t, holder); n != 2 {
		t.Errorf("counter %d, want 2", n)
	}
}

func TestBusyOtherProcess(t *testing.T) {
	dir := t.TempDir()
	var waits atomic.Int32
	short, err := Open(dir, Options{LockWait: 150 * time.Millisecond, OnWait: func() { waits.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	long, err := Open(dir, Options{LockWait: 15 * time.Second, OnWait: func() { waits.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	h := startHelper(t, "hold", dir)

	for name, fn := range map[string]func() error{
		"Update": func() error { return short.Update(bump) },
		"View":   func() error { _, err := short.CacheStats(time.Hour); return err },
	} {
		waits.Store(0)
		start := time.Now()
		if err := fn(); !errors.Is(err, ErrBusy) {
			t.Fatalf("%s while another process holds the file: got %v, want ErrBusy", name, err)
		}
		if d := time.Since(start); d < 150*time.Millisecond {
			t.Errorf("%s gave up after %v, before LockWait", name, d)
		}
		if waits.Load() != 1 {
			t.Errorf("%s: OnWait called %d times, want 1", name, waits.Load())
		}
		if msg := ClerkMessage(errors.Join(errors.New("x"), err)); msg == "" {
			t.Error("no clerk message")
		}
	}

	waits.Store(0)
	got := make(chan error)
	go func() { got <- long.Update(bump) }()
	time.Sleep(200 * time.Millisecond)
	h.finish(t)
	if err := <-got; err != nil {
		t.Fatalf("Update waiting for another process: %v", err)
	}
	if waits.Load() != 1 {
		t.Errorf("OnWait called %d times, want 1", waits.Load())
	}
	if n := readBump(t, long); n != 1 {
		t.Errorf("counter %d, want 1", n)
	}
}

func TestViewIsReadOnly(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Tx) error {
		if tx.Writable() {
			t.Error("View Tx is writable")
		}
		return tx.PutLookup("001099000001", []byte("x"), time.Now())
	})
	if err == nil {
		t.Fatal("PutLookup inside View succeeded")
	}
}

func TestUpdateRollsBackOnError(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = s.Update(func(tx *Tx) error {
		if err := tx.PutDossier(DossierInfo{Code: "G22-260305-010001", State: "draft"}, []byte("{}")); err != nil {
			return err
		}
		if err := tx.LogAccess(AccessEntry{Operator: "op1", Purpose: "submit", Action: ActionSubmit, DossierCode: "G22-260305-010001"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update: %v", err)
	}
	if _, _, err := s.GetDossier("G22-260305-010001"); !errors.Is(err, ErrNotFound) {
		t.Errorf("dossier survived a rolled-back unit of work: %v", err)
	}
	if log, err := s.AccessLog(); err != nil || len(log) != 0 {
		t.Errorf("access log after rollback: %v, %v", log, err)
	}
}
