package offline

import (
	"errors"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestLookupCacheTTL(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 5, 9, 0, 0, 0, ict)}
	s, err := Open(t.TempDir(), Options{Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	const ttl = 24 * time.Hour
	entries := []struct {
		id    string
		age   time.Duration
		fresh bool
	}{
		{"001099000001", 0, true},
		{"001099000002", time.Hour, true},
		{"001099000003", ttl - time.Minute, true},
		{"001099000004", ttl, false},
		{"001099000005", 2 * ttl, false},
	}
	now := clock.Now()
	for _, e := range entries {
		if err := s.PutLookup(e.id, []byte("answer "+e.id), now.Add(-e.age)); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range entries {
		v, at, ok, err := s.GetLookup(e.id, ttl)
		if err != nil {
			t.Fatal(err)
		}
		if ok != e.fresh {
			t.Errorf("%s aged %v: ok=%v, want %v", e.id, e.age, ok, e.fresh)
		}
		if ok && (string(v) != "answer "+e.id || !at.Equal(now.Add(-e.age))) {
			t.Errorf("%s: got %q at %v", e.id, v, at)
		}
		if !ok && v != nil {
			t.Errorf("%s: expired value returned", e.id)
		}
	}
	if _, _, ok, err := s.GetLookup("001099999999", ttl); ok || err != nil {
		t.Errorf("missing id: ok=%v err=%v", ok, err)
	}
	if _, _, _, err := s.GetLookup("  ", ttl); err == nil {
		t.Error("empty id accepted")
	}

	st, err := s.CacheStats(ttl)
	if err != nil {
		t.Fatal(err)
	}
	if st.Entries != 5 || st.Fresh != 3 || st.Expired != 2 || st.Bytes == 0 {
		t.Errorf("stats %+v, want 5 entries, 3 fresh, 2 expired", st)
	}
	if !st.Oldest.Equal(now.Add(-2*ttl)) || !st.Newest.Equal(now) {
		t.Errorf("stats oldest %v newest %v", st.Oldest, st.Newest)
	}

	removed, err := s.SweepLookups(ttl)
	if err != nil || removed != 2 {
		t.Fatalf("SweepLookups: %d, %v; want 2", removed, err)
	}
	if st, _ := s.CacheStats(ttl); st.Entries != 3 || st.Expired != 0 {
		t.Errorf("after sweep: %+v", st)
	}

	// Time passes: one more entry expires.
	clock.Add(2 * time.Minute)
	if _, _, ok, _ := s.GetLookup("001099000003", ttl); ok {
		t.Error("entry returned after its TTL passed")
	}
	if st, _ := s.CacheStats(ttl); st.Expired != 1 || st.Fresh != 2 {
		t.Errorf("stats after clock moved: %+v", st)
	}
	if removed, _ := s.SweepLookups(ttl); removed != 1 {
		t.Errorf("second sweep removed %d, want 1", removed)
	}

	// Replace refreshes; delete removes.
	if err := s.PutLookup("001099000001", []byte("newer"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if v, at, ok, _ := s.GetLookup("001099000001", ttl); !ok || string(v) != "newer" || !at.Equal(clock.Now()) {
		t.Errorf("after replace: %q %v %v", v, at, ok)
	}
	if found, err := s.DeleteLookup("001099000001"); !found || err != nil {
		t.Errorf("DeleteLookup: %v %v", found, err)
	}
	if found, _ := s.DeleteLookup("001099000001"); found {
		t.Error("DeleteLookup found a deleted record")
	}
	if removed, _ := s.SweepLookups(0); removed != 1 {
		t.Errorf("SweepLookups(0) removed %d, want the 1 left", removed)
	}
}

func TestLookupCacheDetectsChangedFetchTime(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutLookup("001099000001", []byte("x"), time.Now().Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Someone rewrites the clear fetch time to make an old record look fresh.
	err = s.Update(func(tx *Tx) error {
		b := tx.tx.Bucket([]byte(bucketLookups))
		k := s.SubjectKey("001099000001")
		v := append([]byte(nil), b.Get(k)...)
		copy(v[:8], tsBytes(time.Now()))
		return b.Put(k, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := s.GetLookup("001099000001", time.Hour); ok || !errors.Is(err, ErrUnsealable) {
		t.Errorf("tampered record: ok=%v err=%v, want ErrUnsealable", ok, err)
	}
}

func tsBytes(t time.Time) []byte {
	n := uint64(t.UnixNano())
	return []byte{byte(n >> 56), byte(n >> 48), byte(n >> 40), byte(n >> 32), byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
}
