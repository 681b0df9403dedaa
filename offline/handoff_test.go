package offline

import (
	"bytes"
	"errors"
	"testing"
)

func TestHandoffRoundTrip(t *testing.T) {
	cheap := KDFParams{Time: 1, MemoryKiB: 8 * 1024, Threads: 1}
	plain := []byte(`{"values":[{"path":"subject_name","value":"Trần Thị Mẫu Bàn Giao"}]}`)
	sealed, err := SealHandoff(plain, "abcd-efgh-jkmn-pqrs", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("Bàn Giao")) || bytes.Contains(sealed, []byte("subject_name")) {
		t.Fatal("the handoff file holds the draft in the clear")
	}
	got, err := OpenHandoff(sealed, "abcd-efgh-jkmn-pqrs")
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open: %v %q", err, got)
	}
	if _, err := OpenHandoff(sealed, "abcd-efgh-jkmn-pqrz"); !errors.Is(err, ErrBadHandoff) {
		t.Fatalf("wrong code: %v", err)
	}
	bad := append([]byte(nil), sealed...)
	bad[len(bad)-1] ^= 1
	if _, err := OpenHandoff(bad, "abcd-efgh-jkmn-pqrs"); !errors.Is(err, ErrBadHandoff) {
		t.Fatalf("changed file: %v", err)
	}
	if _, err := OpenHandoff([]byte("not a handoff"), "abcd-efgh-jkmn-pqrs"); !errors.Is(err, ErrBadHandoff) {
		t.Fatalf("junk: %v", err)
	}
	if _, err := SealHandoff(plain, "short", cheap); !errors.Is(err, ErrWeakPassphrase) {
		t.Fatalf("short code: %v", err)
	}
}
