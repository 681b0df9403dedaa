package counter_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"motcua/internal/counter"
	"motcua/offline"
)

// A reception with an idempotency key happens once: the same key again returns the first
// dossier without saving, sending or printing anything; another declaration under the same
// key is refused.
func TestReceiveWithKeyOnce(t *testing.T) {
	f := newFixture(t)
	decl, id, _ := declaration(t, f, false)
	ctx := context.Background()
	if out, ok, err := f.svc.Resume(ctx, clerk, counter.ReceiveOptions{Key: "lo-1", Fingerprint: "fp-a"}); err != nil || ok {
		t.Fatalf("before any reception: %v %v %v", out, ok, err)
	}
	first, err := f.svc.ReceiveWith(ctx, decl, clerk, []string{id}, "", counter.ReceiveOptions{Key: "lo-1", Fingerprint: "fp-a"})
	if err != nil || first.Duplicate {
		t.Fatalf("first reception: %v, duplicate %v", err, first.Duplicate)
	}
	again, err := decl.Clone()
	if err != nil {
		t.Fatal(err)
	}
	logBefore := len(accessLog(t, f.store))
	second, err := f.svc.ReceiveWith(ctx, again, clerk, []string{id}, "", counter.ReceiveOptions{Key: "lo-1", Fingerprint: "fp-a"})
	if err != nil || !second.Duplicate || second.Dossier.Code != first.Dossier.Code || !second.Submitted {
		t.Fatalf("second reception: %v, %+v", err, second)
	}
	if n := len(accessLog(t, f.store)); n != logBefore {
		t.Errorf("a duplicate reception wrote %d access entries", n-logBefore)
	}
	list, err := f.store.ListDossiers(offline.DossierFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("%d dossiers after two receptions with one key (%v)", len(list), err)
	}
	if out, ok, err := f.svc.Resume(ctx, clerk, counter.ReceiveOptions{Key: "lo-1", Fingerprint: "fp-a"}); err != nil || !ok || out.Dossier.Code != first.Dossier.Code || !out.Duplicate {
		t.Errorf("Resume: %+v %v %v", out, ok, err)
	}
	if _, err := f.svc.ReceiveWith(ctx, again, clerk, nil, "", counter.ReceiveOptions{Key: "lo-1", Fingerprint: "fp-b"}); !errors.Is(err, counter.ErrKeyReused) {
		t.Errorf("the key with another declaration: %v, want ErrKeyReused", err)
	}
	if _, _, err := f.svc.Resume(ctx, clerk, counter.ReceiveOptions{Key: "lo-1", Fingerprint: "fp-b"}); !errors.Is(err, counter.ErrKeyReused) {
		t.Errorf("Resume with another fingerprint: %v, want ErrKeyReused", err)
	}
	for _, bad := range []string{strings.Repeat("k", counter.MaxKeyLen+1), "a\nb"} {
		if _, err := f.svc.ReceiveWith(ctx, again, clerk, nil, "", counter.ReceiveOptions{Key: bad}); !errors.Is(err, counter.ErrBadKey) {
			t.Errorf("key %q: %v, want ErrBadKey", bad, err)
		}
	}
	// another key receives a second dossier
	third, err := f.svc.ReceiveWith(ctx, again, clerk, nil, "", counter.ReceiveOptions{Key: "lo-2"})
	if err != nil || third.Duplicate || third.Dossier.Code == first.Dossier.Code {
		t.Fatalf("another key: %v %+v", err, third)
	}
}
