package offline

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// outboxClock is a settable clock for the store.
type outboxClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *outboxClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *outboxClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newOutboxStore(t testing.TB) (*Store, *outboxClock) {
	t.Helper()
	clk := &outboxClock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	s, err := Open(t.TempDir(), Options{Clock: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	return s, clk
}

func enqueue(t testing.TB, s *Store, codes ...string) {
	t.Helper()
	for _, c := range codes {
		if err := s.Update(func(tx *Tx) error { return tx.Enqueue(c, "key-"+c) }); err != nil {
			t.Fatal(err)
		}
	}
}

func claim(t testing.TB, s *Store, now time.Time, lease time.Duration, owner string, opt ClaimOptions) []OutboxEntry {
	t.Helper()
	var got []OutboxEntry
	if err := s.Update(func(tx *Tx) (err error) { got, err = tx.Claim(now, lease, owner, opt); return err }); err != nil {
		t.Fatal(err)
	}
	return got
}

func codes(es []OutboxEntry) string {
	var out []string
	for _, e := range es {
		out = append(out, e.Code)
	}
	return strings.Join(out, ",")
}

func TestOutboxEmptyStore(t *testing.T) {
	s, clk := newOutboxStore(t)
	// No bucket yet: reads and claims see an empty outbox, inside View too.
	if list, err := s.ListOutbox(); err != nil || len(list) != 0 {
		t.Fatalf("ListOutbox on a new store = %v, %v", list, err)
	}
	if got := claim(t, s, clk.now(), time.Minute, "a", ClaimOptions{}); len(got) != 0 {
		t.Fatalf("claimed %v from an empty outbox", got)
	}
	if _, err := s.GetOutbox("X"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetOutbox = %v, want ErrNotFound", err)
	}
	err := s.View(func(tx *Tx) error { return tx.Enqueue("X", "k") })
	if err == nil {
		t.Fatal("Enqueue inside View succeeded")
	}
}

func TestOutboxEnqueue(t *testing.T) {
	s, clk := newOutboxStore(t)
	enqueue(t, s, "A-1")
	e, err := s.GetOutbox("A-1")
	if err != nil {
		t.Fatal(err)
	}
	if e.State != OutboxPending || e.IdempotencyKey != "key-A-1" || e.Attempts != 0 || !e.NextAttempt.Equal(clk.now()) || !e.Due(clk.now()) {
		t.Fatalf("entry = %+v", e)
	}
	// Same key again: no change. Another key: refused.
	enqueue(t, s, "A-1")
	err = s.Update(func(tx *Tx) error { return tx.Enqueue("A-1", "other") })
	if !errors.Is(err, ErrOutboxKey) {
		t.Fatalf("enqueue with another key = %v, want ErrOutboxKey", err)
	}
	for _, bad := range [][2]string{{"", "k"}, {"A 2", "k"}, {"A-2", ""}, {"A-2", "k k"}} {
		if err := s.Update(func(tx *Tx) error { return tx.Enqueue(bad[0], bad[1]) }); err == nil {
			t.Errorf("Enqueue(%q, %q) succeeded", bad[0], bad[1])
		}
	}
	// Enqueue rolls back with its transaction.
	boom := errors.New("boom")
	if err := s.Update(func(tx *Tx) error {
		if err := tx.Enqueue("A-3", "k3"); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if _, err := s.GetOutbox("A-3"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("rolled-back entry present: %v", err)
	}
}

func TestOutboxClaimAndMark(t *testing.T) {
	s, clk := newOutboxStore(t)
	enqueue(t, s, "A-1")
	clk.add(time.Second)
	enqueue(t, s, "A-2")
	clk.add(time.Second)
	enqueue(t, s, "A-3")
	now := clk.now()

	got := claim(t, s, now, time.Minute, "one", ClaimOptions{Limit: 2})
	if codes(got) != "A-1,A-2" {
		t.Fatalf("claimed %s, want the two oldest", codes(got))
	}
	for _, e := range got {
		if e.State != OutboxSending || e.Lease != "one" || !e.LeaseUntil.Equal(now.Add(time.Minute)) || e.Attempts != 1 {
			t.Errorf("claimed entry = %+v", e)
		}
	}
	// A second drainer gets only what is left.
	if got := claim(t, s, now, time.Minute, "two", ClaimOptions{}); codes(got) != "A-3" {
		t.Fatalf("second drainer claimed %s, want A-3", codes(got))
	}
	if got := claim(t, s, now, time.Minute, "three", ClaimOptions{}); len(got) != 0 {
		t.Fatalf("third drainer claimed %s", codes(got))
	}

	// A-1 sent; A-2 failed (retry later); A-3 rejected.
	err := s.Update(func(tx *Tx) error { return tx.MarkSent("A-1", "one") })
	if err != nil {
		t.Fatal(err)
	}
	var retry OutboxEntry
	if err := s.Update(func(tx *Tx) (err error) {
		retry, err = tx.MarkRetry("A-2", "one", now, "gateway submit: unreachable", "Mất kết nối.", RetryPolicy{Base: 10 * time.Second, Max: time.Minute}, true)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if wait := retry.NextAttempt.Sub(now); retry.State != OutboxPending || wait < 5*time.Second || wait > 10*time.Second || retry.LastError == "" {
		t.Fatalf("after MarkRetry: %+v (wait %v)", retry, wait)
	}
	// The wrong owner cannot mark.
	if _, err := markRejected(s, "A-3", "one"); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("MarkRejected by a non-owner = %v, want ErrLeaseLost", err)
	}
	rej, err := markRejected(s, "A-3", "two")
	if err != nil {
		t.Fatal(err)
	}
	if rej.State != OutboxRejected || rej.Reason != "bad_request" || rej.Message == "" {
		t.Fatalf("rejected entry = %+v", rej)
	}

	// Nothing is due before A-2's next attempt, even much later for sent and rejected.
	if got := claim(t, s, now.Add(4*time.Second), time.Minute, "x", ClaimOptions{}); len(got) != 0 {
		t.Fatalf("claimed %s before the back-off ended", codes(got))
	}
	if got := claim(t, s, now.Add(4*time.Second), time.Minute, "x", ClaimOptions{IgnoreBackoff: true}); codes(got) != "A-2" {
		t.Fatalf("IgnoreBackoff claimed %s, want A-2", codes(got))
	}
	if err := s.Update(func(tx *Tx) error { return tx.Release("A-2", "x") }); err != nil {
		t.Fatal(err)
	}
	later := claim(t, s, now.Add(time.Hour), time.Minute, "y", ClaimOptions{})
	if codes(later) != "A-2" || later[0].Attempts != 2 {
		t.Fatalf("claimed %+v an hour later, want A-2 at its second attempt", later)
	}
	// MarkSent is final and idempotent, even by another owner (the dossier is upstream).
	for range 2 {
		if err := s.Update(func(tx *Tx) error { return tx.MarkSent("A-2", "someone-else") }); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Update2(func(tx *Tx) (OutboxEntry, error) {
		return tx.MarkRetry("A-2", "y", now, "late", "", DefaultRetry, false)
	}); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("MarkRetry after MarkSent = %v, want ErrLeaseLost", err)
	}
	counts := map[OutboxState]int{}
	if err := s.View(func(tx *Tx) (err error) { counts, err = tx.OutboxCounts(); return err }); err != nil {
		t.Fatal(err)
	}
	if counts[OutboxSent] != 2 || counts[OutboxRejected] != 1 || counts[OutboxPending] != 0 {
		t.Fatalf("counts = %v", counts)
	}
	if list, _ := s.ListOutbox(OutboxRejected); codes(list) != "A-3" {
		t.Fatalf("ListOutbox(rejected) = %s", codes(list))
	}
	if err := s.Update(func(tx *Tx) error { return tx.MarkSent("nope", "x") }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("MarkSent of an unknown code = %v", err)
	}
	// Sent entries are pruned by a claim after the retention; rejected ones stay.
	claim(t, s, clk.now().Add(OutboxRetention+time.Hour), time.Minute, "x", ClaimOptions{})
	if list, _ := s.ListOutbox(); codes(list) != "A-3" {
		t.Fatalf("after the retention the outbox holds %s, want A-3 (rejected)", codes(list))
	}
}

// Update2 is a test helper returning a value from a unit of work.
func (s *Store) Update2(fn func(tx *Tx) (OutboxEntry, error)) (e OutboxEntry, err error) {
	err = s.Update(func(tx *Tx) error { e, err = fn(tx); return err })
	return e, err
}

func markRejected(s *Store, code, owner string) (OutboxEntry, error) {
	return s.Update2(func(tx *Tx) (OutboxEntry, error) {
		return tx.MarkRejected(code, owner, "bad_request", "Hồ sơ thiếu thông tin bắt buộc.", "gateway submit: status 400")
	})
}

func TestOutboxLeaseExpiry(t *testing.T) {
	s, clk := newOutboxStore(t)
	enqueue(t, s, "A-1")
	now := clk.now()
	claim(t, s, now, 30*time.Second, "crashed", ClaimOptions{})
	if got := claim(t, s, now.Add(29*time.Second), time.Minute, "next", ClaimOptions{}); len(got) != 0 {
		t.Fatal("a live lease was taken over")
	}
	got := claim(t, s, now.Add(30*time.Second), time.Minute, "next", ClaimOptions{})
	if codes(got) != "A-1" || got[0].Attempts != 2 || got[0].IdempotencyKey != "key-A-1" {
		t.Fatalf("expired lease not reclaimed with the same key: %+v", got)
	}
	// The old owner's late answer is dropped; the new owner's counts.
	if _, err := s.Update2(func(tx *Tx) (OutboxEntry, error) {
		return tx.MarkRetry("A-1", "crashed", now, "late", "", DefaultRetry, false)
	}); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("old owner's MarkRetry = %v, want ErrLeaseLost", err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.Release("A-1", "crashed") }); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("old owner's Release = %v, want ErrLeaseLost", err)
	}
}

func TestOutboxDeadOwnerReclaimedAtOnce(t *testing.T) {
	s, clk := newOutboxStore(t)
	enqueue(t, s, "A-1", "A-2")
	// A process of this host that has exited.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := fmt.Sprintf("%s/%d/00000000", leaseHost, cmd.Process.Pid)
	alive := fmt.Sprintf("%s/%d/00000000", leaseHost, os.Getppid())
	elsewhere := fmt.Sprintf("%s-other/%d/00000000", leaseHost, cmd.Process.Pid)
	now := clk.now()
	claim(t, s, now, time.Hour, dead, ClaimOptions{Codes: []string{"A-1"}})
	claim(t, s, now, time.Hour, alive, ClaimOptions{Codes: []string{"A-2"}})
	got := claim(t, s, now, time.Hour, LeaseOwner(), ClaimOptions{})
	if codes(got) != "A-1" {
		t.Fatalf("claimed %s, want only A-1 (its owner is gone)", codes(got))
	}
	for owner, want := range map[string]bool{dead: true, alive: false, elsewhere: false, "junk": false, LeaseOwner(): false} {
		if leaseOwnerDead(owner) != want {
			t.Errorf("leaseOwnerDead(%q) = %v, want %v", owner, !want, want)
		}
	}
}

func TestOutboxConcurrentDrainersClaimEachOnce(t *testing.T) {
	s, clk := newOutboxStore(t)
	const n = 60
	for i := range n {
		enqueue(t, s, fmt.Sprintf("A-%03d", i))
	}
	var (
		mu   sync.Mutex
		seen = map[string]int{}
		wg   sync.WaitGroup
	)
	for w := range 4 {
		// Separate Store values on the same directory, as separate commands would hold.
		st, err := Open(s.Dir(), Options{Clock: clk.now, LockWait: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			owner := fmt.Sprintf("w%d", w)
			for {
				var got []OutboxEntry
				err := st.Update(func(tx *Tx) (err error) {
					got, err = tx.Claim(clk.now(), time.Hour, owner, ClaimOptions{Limit: 3})
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				for _, e := range got {
					mu.Lock()
					seen[e.Code]++
					mu.Unlock()
					if err := st.Update(func(tx *Tx) error { return tx.MarkSent(e.Code, owner) }); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d codes claimed, want %d", len(seen), n)
	}
	for c, k := range seen {
		if k != 1 {
			t.Errorf("%s claimed %d times", c, k)
		}
	}
}

func TestRetryPolicyDelay(t *testing.T) {
	p := RetryPolicy{Base: 10 * time.Second, Max: 2 * time.Minute}
	for _, tc := range []struct {
		attempts int
		lo, hi   time.Duration
	}{
		{0, 5 * time.Second, 10 * time.Second},
		{1, 5 * time.Second, 10 * time.Second},
		{2, 10 * time.Second, 20 * time.Second},
		{4, 40 * time.Second, 80 * time.Second},
		{5, time.Minute, 2 * time.Minute}, // capped
		{500, time.Minute, 2 * time.Minute},
	} {
		distinct := map[time.Duration]bool{}
		for range 50 {
			d := p.Delay(tc.attempts)
			if d < tc.lo || d > tc.hi {
				t.Errorf("Delay(%d) = %v, want in [%v, %v]", tc.attempts, d, tc.lo, tc.hi)
			}
			distinct[d] = true
		}
		if len(distinct) < 10 {
			t.Errorf("Delay(%d) has no jitter: %v", tc.attempts, distinct)
		}
	}
	if d := (RetryPolicy{}).Delay(1); d < DefaultRetry.Base/2 || d > DefaultRetry.Base {
		t.Errorf("zero policy Delay(1) = %v, want the default base", d)
	}
}

func TestOutboxClip(t *testing.T) {
	s := strings.Repeat("ồ", 200) // 3 bytes each
	if c := clip(s, 500); len(c) > 500 || !strings.HasPrefix(s, c) || len(c)%3 != 0 {
		t.Errorf("clip cut a rune: %d bytes", len(c))
	}
}

// BenchmarkOutboxEnqueueInReceiveTx is the reception's unit of work with the outbox: a code
// reserved, a 4 KiB dossier sealed and saved, its outbox entry written, one durable commit.
func BenchmarkOutboxEnqueueInReceiveTx(b *testing.B) {
	benchReceiveTx(b, true)
}

// BenchmarkReceiveTxWithoutOutbox is the same unit of work without the outbox entry, to show
// what the entry adds.
func BenchmarkReceiveTxWithoutOutbox(b *testing.B) {
	benchReceiveTx(b, false)
}

func benchReceiveTx(b *testing.B, withOutbox bool) {
	s := newEncrypted(b)
	blob := make([]byte, 4096)
	day, i := seqDay, 0
	for b.Loop() {
		if i++; i%MaxDossiersPerDay == 0 {
			day = day.AddDate(0, 0, 1)
		}
		err := s.Update(func(tx *Tx) error {
			code, err := tx.NextDossierCode("G22.99.08", 1, day)
			if err != nil {
				return err
			}
			if err := tx.PutDossier(DossierInfo{Code: code, State: "finalized"}, blob); err != nil {
				return err
			}
			if withOutbox {
				return tx.Enqueue(code, "0123456789abcdef0123456789abcdef")
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOutboxClaimMark is one entry through the drainer's two units of work: claimed
// (one commit) and marked sent (one commit), as a drainer sending one at a time does.
func BenchmarkOutboxClaimMark(b *testing.B) {
	s, clk := newOutboxStore(b)
	owner := LeaseOwner()
	i := 0
	for b.Loop() {
		b.StopTimer()
		code := fmt.Sprintf("A-%07d", i)
		i++
		enqueue(b, s, code)
		b.StartTimer()
		got := claim(b, s, clk.now(), time.Minute, owner, ClaimOptions{Limit: 1})
		if len(got) != 1 {
			b.Fatalf("claimed %d", len(got))
		}
		if err := s.Update(func(tx *Tx) error { return tx.MarkSent(got[0].Code, owner) }); err != nil {
			b.Fatal(err)
		}
	}
}
