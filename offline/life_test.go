package offline

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLifeIndexAndRecord(t *testing.T) {
	s := newEncrypted(t)
	recv := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	err := s.Update(func(tx *Tx) error {
		if err := tx.PutLife(LifeInfo{Code: "A-261123-010001", Stage: "received", Service: "khai-sinh", Counter: "01",
			Channel: "in_person", ReceivedAt: recv}, []byte(`{"applicant":"Nguyễn Thị Sống"}`)); err != nil {
			return err
		}
		// another counter's dossier from the gateway's list
		if ok, err := tx.PutRemoteLife(LifeInfo{Code: "A-261123-020001", Stage: "processing", Counter: "02", ReceivedAt: recv.Add(time.Hour)}); err != nil || !ok {
			return fmt.Errorf("remote: %v %v", ok, err)
		}
		// never over a dossier received here
		if ok, err := tx.PutRemoteLife(LifeInfo{Code: "A-261123-010001", Stage: "returned", Counter: "01"}); err != nil || ok {
			return fmt.Errorf("remote over local: %v %v", ok, err)
		}
		if err := tx.PutLife(LifeInfo{Code: "bad code", Stage: "received"}, []byte("x")); err == nil {
			return errors.New("a code with a space was indexed")
		}
		return tx.SetLifeMark("agency-pull", recv)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Tx) error {
		blob, info, err := tx.GetLife("A-261123-010001")
		if err != nil || !bytes.Contains(blob, []byte("Sống")) || info.Stage != "received" || info.Remote {
			return fmt.Errorf("local life: %s %+v %v", blob, info, err)
		}
		if _, _, err := tx.GetLife("A-261123-020001"); !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("a remote dossier has no record: %v", err)
		}
		list, err := tx.ListLife(nil)
		if err != nil || len(list) != 2 || list[0].Code != "A-261123-010001" || !list[1].Remote {
			return fmt.Errorf("list: %+v %v", list, err)
		}
		mark, err := tx.LifeMark("agency-pull")
		if err != nil || !mark.Equal(recv) {
			return fmt.Errorf("mark %v %v", mark, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// a store that never wrote a life reads as empty
	empty := newEncrypted(t)
	if err := empty.View(func(tx *Tx) error {
		list, err := tx.ListLife(nil)
		if err != nil || len(list) != 0 {
			return fmt.Errorf("%v %v", list, err)
		}
		_, _, err = tx.GetLife("x")
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		ev, err := tx.ListEvents()
		if err != nil || len(ev) != 0 {
			return fmt.Errorf("%v %v", ev, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestEventQueueOrderLeasesAndStates(t *testing.T) {
	s := newEncrypted(t)
	now := time.Now().Add(time.Second) // the store's clock stamps the entries
	enqueue := func(code, kind, key string) EventEntry {
		t.Helper()
		var e EventEntry
		if err := s.Update(func(tx *Tx) (err error) {
			e, err = tx.EnqueueEvent(code, kind, key, []byte(`{"receiver":"Trần Văn Nhận"}`))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return e
	}
	a1 := enqueue("A-1", "supplement_received", "k-a1")
	a2 := enqueue("A-1", "returned", "k-a2")
	b1 := enqueue("B-1", "rated", "k-b1")
	if err := s.Update(func(tx *Tx) error { _, err := tx.EnqueueEvent("A-1", "rated", "k-a1", nil); return err }); !errors.Is(err, ErrEventKey) {
		t.Errorf("a key queued twice: %v", err)
	}
	claim := func(owner string, at time.Time, opt ClaimOptions) []ClaimedEvent {
		t.Helper()
		var out []ClaimedEvent
		if err := s.Update(func(tx *Tx) (err error) { out, err = tx.ClaimEvents(at, time.Minute, owner, opt); return err }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	got := claim("o1", now, ClaimOptions{})
	if len(got) != 2 || got[0].Seq != a1.Seq || got[1].Seq != b1.Seq || !bytes.Contains(got[0].Body, []byte("Nhận")) {
		t.Fatalf("first claim: %+v (a dossier's second event must wait for its first)", got)
	}
	if again := claim("o2", now, ClaimOptions{}); len(again) != 0 {
		t.Fatalf("claimed under a live lease: %+v", again)
	}
	// a1 fails for the link: a2 still waits behind it
	if err := s.Update(func(tx *Tx) error {
		_, err := tx.MarkEventRetry(a1.Seq, "o1", now, "unreachable", RetryPolicy{Base: time.Hour, Max: time.Hour}, true)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := claim("o2", now.Add(time.Second), ClaimOptions{}); len(got) != 0 {
		t.Fatalf("claimed before the back-off: %+v", got)
	}
	// the link comes back: a1 is due at once
	got = claim("o2", now.Add(2*time.Second), ClaimOptions{LinkUpSince: now.Add(time.Second)})
	if len(got) != 1 || got[0].Seq != a1.Seq || got[0].Attempts != 2 {
		t.Fatalf("after the link came back: %+v", got)
	}
	// o1's late result for a1 is refused; o2's counts
	if err := s.Update(func(tx *Tx) error {
		_, err := tx.MarkEventRetry(a1.Seq, "o1", now, "late", DefaultRetry, false)
		return err
	}); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("a lost lease: %v", err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.MarkEventSent(a1.Seq) }); err != nil {
		t.Fatal(err)
	}
	got = claim("o3", now.Add(3*time.Second), ClaimOptions{})
	if len(got) != 1 || got[0].Seq != a2.Seq {
		t.Fatalf("after the first was sent, the second: %+v", got)
	}
	if err := s.Update(func(tx *Tx) error {
		_, err := tx.MarkEventRejected(a2.Seq, "o3", "invalid_transition", "Không thể trả kết quả", "409")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// b1's lease expires (its process died): claimed again
	got = claim("o4", now.Add(2*time.Minute), ClaimOptions{})
	if len(got) != 1 || got[0].Seq != b1.Seq {
		t.Fatalf("expired lease: %+v", got)
	}
	if err := s.Update(func(tx *Tx) error { return tx.ReleaseEvent(b1.Seq, "o4") }); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListEvents()
	if err != nil || len(list) != 3 || list[0].State != OutboxSent || list[1].State != OutboxRejected || list[1].Reason != "invalid_transition" ||
		list[2].State != OutboxPending || list[2].Attempts != 1 {
		t.Fatalf("states: %+v %v", list, err)
	}
	// sent entries are pruned after the retention
	claim("o5", now.Add(OutboxRetention+time.Hour), ClaimOptions{Codes: []string{"none"}})
	if list, _ := s.ListEvents(); len(list) != 2 {
		t.Errorf("sent event not pruned: %+v", list)
	}
}

func TestSlipsNumbersAndResume(t *testing.T) {
	s := newEncrypted(t)
	day := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var codes []string
	err := s.Update(func(tx *Tx) error {
		for i := range 3 {
			n, err := tx.NextSlipNumber(SlipSupplement, "G01", 1, day)
			if err != nil {
				return err
			}
			if n != i+1 {
				return fmt.Errorf("number %d, want %d", n, i+1)
			}
			code := fmt.Sprintf("G01-261123-BS01%04d", n)
			codes = append(codes, code)
			if err := tx.PutSlip(SlipInfo{Code: code, Kind: SlipSupplement, Service: "khai-sinh", Counter: "01", Operator: "cb01",
				At: day, DraftID: fmt.Sprintf("d%d", i)}, []byte("Nguyễn Văn Bổ Sung")); err != nil {
				return err
			}
		}
		if n, err := tx.NextSlipNumber(SlipRefusal, "G01", 1, day); err != nil || n != 1 {
			return fmt.Errorf("refusals count apart: %d %v", n, err)
		}
		n, err := tx.ResumeSlips("d1", "G01-261124-010001", day.Add(24*time.Hour))
		if err != nil || n != 1 {
			return fmt.Errorf("resume: %d %v", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Tx) error {
		blob, info, err := tx.GetSlip(codes[1])
		if err != nil || string(blob) != "Nguyễn Văn Bổ Sung" || info.Resumed != "G01-261124-010001" {
			return fmt.Errorf("%s %+v %v", blob, info, err)
		}
		list, err := tx.ListSlips(day, day.Add(time.Hour))
		if err != nil || len(list) != 3 {
			return fmt.Errorf("list %v %v", list, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A key rotation re-seals the life records, the event bodies and the slips: they open under
// the new key, and a revoked key file opens none of them.
func TestRotationResealsLifeEventsAndSlips(t *testing.T) {
	s := newEncrypted(t)
	writeLeakSession(t, s)
	kf := filepath.Join(t.TempDir(), "revoked.key")
	id, err := s.ExportKeyFile(kf, KeyRoleSync)
	if err != nil {
		t.Fatal(err)
	}
	before := rawValue(t, s.Dir(), bucketLife, []byte(mustFirstLife(t, s)))
	if err := s.RevokeKeyFile(id); err != nil {
		t.Fatal(err)
	}
	// dossier, receipt, draft, life, event body, slip and the slip's document waiting to print
	if rot := s.LastRotation(); rot == nil || rot.Resealed != 7*len(leakPeople) || rot.Unreadable != 0 {
		t.Fatalf("rotation: %+v", rot)
	}
	code := mustFirstLife(t, s)
	if after := rawValue(t, s.Dir(), bucketLife, []byte(code)); bytes.Equal(before, after) {
		t.Error("life record not re-sealed")
	}
	err = s.View(func(tx *Tx) error {
		if _, _, err := tx.GetLife(code); err != nil {
			return err
		}
		evs, err := tx.ListEvents()
		if err != nil || len(evs) == 0 {
			return fmt.Errorf("%v %v", evs, err)
		}
		if _, err := tx.EventBody(evs[0].Seq); err != nil {
			return err
		}
		slips, err := tx.ListSlips(time.Time{}, time.Time{})
		if err != nil || len(slips) == 0 {
			return fmt.Errorf("%v %v", slips, err)
		}
		if _, _, err = tx.GetSlip(slips[0].Code); err != nil {
			return err
		}
		_, err = tx.PrintDocument(PrintSlip, slips[0].Code)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(kf); err != nil {
		t.Fatal(err)
	}
}

func mustFirstLife(t *testing.T, s *Store) string {
	t.Helper()
	var code string
	if err := s.View(func(tx *Tx) error {
		list, err := tx.ListLife(nil)
		if err != nil || len(list) == 0 {
			return fmt.Errorf("%v %v", list, err)
		}
		code = list[0].Code
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return code
}

// ListLifeReceived keeps exactly the entries received within [from, to) (the bounds compared
// as instants, whatever zone an entry was written in), as ListLife with the same test would.
func TestListLifeReceivedRange(t *testing.T) {
	s := newEncrypted(t)
	ict := time.FixedZone("ICT", 7*3600)
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, ict)
	to := time.Date(2026, 12, 1, 0, 0, 0, 0, ict)
	times := []time.Time{
		from.Add(-time.Nanosecond), from, from.UTC(), from.Add(time.Minute).In(time.UTC), // the bound in ICT, written in UTC
		to.Add(-time.Second), to, to.In(time.UTC), to.Add(time.Hour), time.Date(2026, 11, 15, 12, 0, 0, 123456789, ict),
	}
	err := s.Update(func(tx *Tx) error {
		for i, at := range times {
			if _, err := tx.PutRemoteLife(LifeInfo{Code: fmt.Sprintf("A-261101-02%04d", i), Stage: "received", ReceivedAt: at}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	in := func(at time.Time) bool { return !at.Before(from) && at.Before(to) }
	err = s.View(func(tx *Tx) error {
		got, err := tx.ListLifeReceived(from, to, nil)
		if err != nil {
			return err
		}
		want, err := tx.ListLife(func(i LifeInfo) bool { return in(i.ReceivedAt) })
		if err != nil {
			return err
		}
		if len(got) != 5 || len(got) != len(want) {
			return fmt.Errorf("got %d entries, want 5 (%d by ListLife)", len(got), len(want))
		}
		for i := range got {
			if got[i].Code != want[i].Code {
				return fmt.Errorf("entry %d: %s, want %s", i, got[i].Code, want[i].Code)
			}
		}
		odd, err := tx.ListLifeReceived(from, to, func(i LifeInfo) bool { return i.ReceivedAt.Nanosecond() != 0 })
		if err != nil || len(odd) != 1 {
			return fmt.Errorf("keep is applied within the range: %d %v", len(odd), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
