package offline

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCertRegisterSequence(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 5, 9, 0, 0, 0, ict)
	take := func(s *Store, counter, year int) string {
		t.Helper()
		var number string
		err := s.Update(func(tx *Tx) error {
			n, seq, err := tx.NextCertNumber("G22.99.08", counter, year)
			if err != nil {
				return err
			}
			number = n
			return tx.PutCert(CertInfo{Number: n, Year: year, Counter: counter, Seq: seq, Kind: "ban-sao", Operator: "cb01",
				At: at, Copies: 10, Pages: 2, Fee: 40000, FeeKnown: true}, []byte(`{"requester":"x"}`))
		})
		if err != nil {
			t.Fatal(err)
		}
		return number
	}
	for i, want := range []string{"0300001", "0300002", "0300003"} {
		if got := take(s, 3, 2026); got != want {
			t.Errorf("take %d: %s, want %s", i, got, want)
		}
	}
	if got := take(s, 4, 2026); got != "0400001" {
		t.Errorf("another counter: %s, want 0400001", got)
	}
	if got := take(s, 3, 2027); got != "0300001" {
		t.Errorf("the next year restarts: %s, want 0300001", got)
	}
	// A rolled-back unit of work takes no number.
	_ = s.Update(func(tx *Tx) error {
		if _, _, err := tx.NextCertNumber("G22.99.08", 3, 2026); err != nil {
			t.Fatal(err)
		}
		return errors.New("rolled back")
	})
	s2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := take(s2, 3, 2026); got != "0300004" {
		t.Errorf("after a rollback and reopening: %s, want 0300004", got)
	}
	// An entry is never replaced.
	err = s2.Update(func(tx *Tx) error {
		return tx.PutCert(CertInfo{Number: "0300004", Year: 2026, Counter: 3, Seq: 4, Kind: "ban-sao", Operator: "cb01", At: at, Copies: 1, Pages: 1}, []byte("{}"))
	})
	if err == nil || !strings.Contains(err.Error(), "already in the register") {
		t.Errorf("replacing 0300004: %v, want a refusal", err)
	}
	// A number written by hand ahead of the sequence is skipped.
	if err := s2.Update(func(tx *Tx) error {
		return tx.PutCert(CertInfo{Number: "0300005", Year: 2026, Counter: 3, Seq: 5, Kind: "ban-sao", Operator: "cb01", At: at, Copies: 1, Pages: 1}, []byte("{}"))
	}); err != nil {
		t.Fatal(err)
	}
	if got := take(s2, 3, 2026); got != "0300006" {
		t.Errorf("after 0300005 was taken: %s, want 0300006", got)
	}
	var entries []CertEntry
	if err := s2.View(func(tx *Tx) error { var err error; entries, err = tx.Certs(2026, time.Time{}, time.Time{}); return err }); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Info.Number)
	}
	if strings.Join(got, " ") != "0300001 0300002 0300003 0300004 0300005 0300006 0400001" {
		t.Errorf("register of 2026: %v", got)
	}
	if string(entries[0].Blob) != `{"requester":"x"}` {
		t.Errorf("content %q", entries[0].Blob)
	}
}

func TestCertInfoChecked(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 5, 9, 0, 0, 0, ict)
	good := CertInfo{Number: "0300001", Year: 2026, Counter: 3, Seq: 1, Kind: "ban-sao", Operator: "cb01", At: at, Copies: 1, Pages: 1}
	for name, mod := range map[string]func(*CertInfo){
		"number not the counter's": func(i *CertInfo) { i.Number = "0400001" },
		"no copies":                func(i *CertInfo) { i.Copies = 0 },
		"negative fee":             func(i *CertInfo) { i.Fee = -1 },
		"kind with a space":        func(i *CertInfo) { i.Kind = "ban sao" },
		"year":                     func(i *CertInfo) { i.Year = 1 },
	} {
		i := good
		mod(&i)
		if err := s.Update(func(tx *Tx) error { return tx.PutCert(i, []byte("{}")) }); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := s.Update(func(tx *Tx) error { _, _, err := tx.NextCertNumber("G22-99", 3, 2026); return err }); err == nil {
		t.Error("an agency code with a hyphen was accepted")
	}
}
