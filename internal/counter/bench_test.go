package counter_test

import (
	"context"
	"testing"

	"motcua/lookups"
)

// BenchmarkLookupGateway is a counter look-up while the link is up: the
// gateway call on loopback, then the answer cached and the access logged in
// one store transaction (opened and fsync'd per look-up).
func BenchmarkLookupGateway(b *testing.B) {
	f := newFixture(b)
	id := featured(b, "married")
	meta := lookups.CallMeta{Operator: "cb.bench", Purpose: lookups.PurposeReception}
	ctx := context.Background()
	for b.Loop() {
		if _, o, err := f.svc.Lookup(ctx, id, meta); err != nil || o.Source != lookups.SourceDatabase {
			b.Fatalf("lookup: %v (%s)", err, o.Source)
		}
	}
}

// BenchmarkLookupCached is a counter look-up while the link is down: the
// refused connection, the cached answer read and the access logged.
func BenchmarkLookupCached(b *testing.B) {
	f := newFixture(b)
	id := featured(b, "married")
	meta := lookups.CallMeta{Operator: "cb.bench", Purpose: lookups.PurposeReception}
	ctx := context.Background()
	if _, _, err := f.svc.Lookup(ctx, id, meta); err != nil {
		b.Fatal(err)
	}
	f.stop()
	for b.Loop() {
		if _, o, err := f.svc.Lookup(ctx, id, meta); err != nil || o.Source != "cache" {
			b.Fatalf("lookup: %v (%s)", err, o.Source)
		}
	}
}
