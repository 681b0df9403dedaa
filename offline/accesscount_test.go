package offline

import (
	"fmt"
	"strconv"
	"testing"
	"time"
)

// runCountsHelper writes, one unit of work at a time, a look-up in the access log and an
// entry of the ward's list, printing each number once committed, until it is killed.
func runCountsHelper(dir string) int {
	s, err := Open(dir, Options{LockWait: 20 * time.Second})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	var start int
	if err := s.View(func(tx *Tx) error {
		return tx.ScanLife(func(LifeInfo) error { start++; return nil })
	}); err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("ready")
	base := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	for i := start; ; i++ {
		at := base.Add(time.Duration(i) * 7 * time.Minute)
		err := s.Update(func(tx *Tx) error {
			e := AccessEntry{Time: at, Operator: fmt.Sprintf("cb%02d", i%3), Purpose: []string{"reception", "check"}[i%2],
				Action: ActionLookup, Outcome: []string{"ok", "ok", "cache", "not_found"}[i%4]}
			if err := tx.LogAccess(e); err != nil {
				return err
			}
			_, err := tx.PutRemoteLife(LifeInfo{Code: fmt.Sprintf("G22.99.08-261123-02%04d", i), Stage: "processing", Service: "tam-tru",
				Counter: "02", Channel: "online", ReceivedAt: at, Due: at.Add(72 * time.Hour), Timeliness: "", SupplementAt: at.Add(time.Hour)})
			return err
		})
		if err != nil {
			fmt.Println("error", err)
			return 1
		}
		fmt.Println(i)
	}
}

// The running counts of the access log and the compact copy of the life index stay exact
// when the writing process is killed (SIGKILL) at any point: they commit with the entries
// they count. Three writers are killed after a varying number of commits; the counts then
// equal a recount of the log, the copy equals the JSON index, and every commit a writer
// reported is there.
func TestCountsExactAcrossKill(t *testing.T) {
	dir := t.TempDir()
	reported := -1
	for round, after := range []int{37, 113, 260} {
		h := startHelper(t, "counts", dir)
		for n := 0; n < after; n++ {
			select {
			case line, ok := <-h.lines:
				if !ok {
					t.Fatalf("round %d: the writer stopped", round)
				}
				if i, err := strconv.Atoi(line); err == nil {
					reported = max(reported, i)
				} else {
					t.Fatalf("round %d: %s", round, line)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("round %d: the writer is stuck", round)
			}
		}
		h.kill(t)
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Tx) error {
		log, err := tx.AccessLog()
		if err != nil {
			return err
		}
		if len(log) < reported+1 {
			t.Errorf("%d entries in the log, but entry %d was reported committed", len(log), reported)
		}
		recount := map[string]uint64{}
		for _, e := range log {
			recount[fmt.Sprintf("%d|%s|%s|%s|%s", e.Time.Unix()/3600, e.Action, e.Purpose, e.Operator, e.Outcome)]++
		}
		counted := map[string]uint64{}
		var total uint64
		if err := tx.AccessCounts(time.Time{}, time.Time{}, func(c AccessCount) error {
			counted[fmt.Sprintf("%d|%s|%s|%s|%s", c.Hour.Unix()/3600, c.Action, c.Purpose, c.Operator, c.Outcome)] += c.N
			total += c.N
			return nil
		}); err != nil {
			return err
		}
		if total != uint64(len(log)) || len(counted) != len(recount) {
			t.Errorf("counts: %d entries in %d keys, the log: %d entries in %d keys", total, len(counted), len(log), len(recount))
		}
		for k, n := range recount {
			if counted[k] != n {
				t.Errorf("%s: counted %d, the log has %d", k, counted[k], n)
			}
		}
		var index []LifeInfo
		if err := tx.ScanLife(func(i LifeInfo) error { index = append(index, i); return nil }); err != nil {
			return err
		}
		if len(index) != len(log) {
			t.Errorf("%d index entries for %d look-ups (they commit together)", len(index), len(log))
		}
		k := 0
		if err := tx.ScanLifeFacts(func(i *LifeInfo) error {
			if k >= len(index) || !equalFacts(*i, index[k]) {
				t.Errorf("compact entry %d (%s) differs from the index", k, i.Code)
			}
			k++
			return nil
		}); err != nil {
			return err
		}
		if k != len(index) {
			t.Errorf("%d compact entries, %d in the index", k, len(index))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Counts of a period: whole hours within the bounds; entries older than the counts (a log
// begun before them) are counted from the log.
func TestAccessCountsPeriod(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	err = s.Update(func(tx *Tx) error {
		b, _ := tx.bucket(bucketAccess)
		meta, _ := tx.bucket(bucketMeta)
		for i := range 48 {
			e := AccessEntry{Time: base.Add(time.Duration(i) * 30 * time.Minute), Operator: "cb01", Purpose: "reception",
				Action: ActionLookup, Outcome: "ok"}
			if i >= 10 {
				if err := tx.LogAccess(e); err != nil {
					return err
				}
				continue
			}
			// the first ten entries were written before the counts existed
			seq, prev, _ := auditHead(meta, b)
			e.Seq = seq + 1
			if err := appendAudit(meta, b, tx.s.keys.audit, e, prev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := func(from, to time.Time) (n uint64) {
		if err := s.View(func(tx *Tx) error {
			return tx.AccessCounts(from, to, func(c AccessCount) error { n += c.N; return nil })
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, c := range []struct {
		from, to time.Time
		want     uint64
	}{
		{base.Add(6 * time.Hour), base.Add(12 * time.Hour), 12},
		{base.Add(6*time.Hour + time.Minute), base.Add(12 * time.Hour), 10}, // the hour begun before from is left out
		{time.Time{}, base.Add(2 * time.Hour), 4},                           // from the log only
		{base.Add(4 * time.Hour), base.Add(6 * time.Hour), 4},               // 2 from the log, 2 counted
		{time.Time{}, time.Time{}, 48},
	} {
		if got := sum(c.from, c.to); got != c.want {
			t.Errorf("%v–%v: %d, want %d", c.from, c.to, got, c.want)
		}
	}
}
