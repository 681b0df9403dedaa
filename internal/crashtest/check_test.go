package crashtest

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"motcua/lookups/sandbox"
)

// stored is what the counter's store says of one dossier.
type stored struct {
	Key          string // the outbox's idempotency key
	OutboxState  string
	DossierState string
}

// verify compares what the clerk was told (printed codes), what the store
// holds and what the gateway accepted, and lists every problem:
// a told dossier not stored, a stored dossier missing upstream or there more
// than once or under another key, an upstream dossier the store does not
// know, a dossier not drained.
func verify(printed []string, store map[string]stored, upstream []sandbox.AdminDossier) []string {
	var probs []string
	for _, c := range printed {
		if _, ok := store[c]; !ok {
			probs = append(probs, fmt.Sprintf("%s: the clerk was told it was received, the store does not hold it", c))
		}
	}
	rows := map[string][]sandbox.AdminDossier{}
	for _, d := range upstream {
		rows[d.Code] = append(rows[d.Code], d)
		if _, ok := store[d.Code]; !ok {
			probs = append(probs, fmt.Sprintf("%s: upstream holds a dossier the store does not know", d.Code))
		}
	}
	codes := make([]string, 0, len(store))
	for c := range store {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		s := store[c]
		rs := rows[c]
		switch {
		case len(rs) == 0:
			probs = append(probs, fmt.Sprintf("%s: MISSING upstream", c))
		case len(rs) > 1:
			var keys []string
			for _, r := range rs {
				keys = append(keys, r.IdempotencyKey)
			}
			probs = append(probs, fmt.Sprintf("%s: DUPLICATED upstream (%d times, keys %s)", c, len(rs), strings.Join(keys, ",")))
		case rs[0].IdempotencyKey != s.Key:
			probs = append(probs, fmt.Sprintf("%s: upstream under key %s, the outbox holds %s", c, rs[0].IdempotencyKey, s.Key))
		}
		for _, r := range rs {
			if r.Duplicate {
				probs = append(probs, fmt.Sprintf("%s: upstream marks key %s as a duplicate", c, r.IdempotencyKey))
			}
		}
		if s.OutboxState != "sent" || s.DossierState != "submitted" {
			probs = append(probs, fmt.Sprintf("%s: not drained (outbox %q, dossier %q)", c, s.OutboxState, s.DossierState))
		}
	}
	return probs
}

// TestVerifyCatchesLossAndDuplicates shows that the crash test's check can
// fail: each kind of damage is reported.
func TestVerifyCatchesLossAndDuplicates(t *testing.T) {
	good := func() (map[string]stored, []sandbox.AdminDossier) {
		st := map[string]stored{
			"A-1": {Key: "k1", OutboxState: "sent", DossierState: "submitted"},
			"A-2": {Key: "k2", OutboxState: "sent", DossierState: "submitted"},
		}
		up := []sandbox.AdminDossier{{Code: "A-1", IdempotencyKey: "k1"}, {Code: "A-2", IdempotencyKey: "k2"}}
		return st, up
	}
	st, up := good()
	if p := verify([]string{"A-1", "A-2"}, st, up); len(p) != 0 {
		t.Fatalf("clean run reported %v", p)
	}
	for _, tc := range []struct {
		name   string
		damage func(printed *[]string, st map[string]stored, up *[]sandbox.AdminDossier)
		want   string
	}{
		{"missing upstream", func(_ *[]string, _ map[string]stored, up *[]sandbox.AdminDossier) { *up = (*up)[:1] }, "A-2: MISSING"},
		{"sent twice under a fresh key", func(_ *[]string, _ map[string]stored, up *[]sandbox.AdminDossier) {
			*up = append(*up, sandbox.AdminDossier{Code: "A-2", IdempotencyKey: "k2-bis", Duplicate: true})
		}, "A-2: DUPLICATED"},
		{"told but not stored", func(p *[]string, _ map[string]stored, _ *[]sandbox.AdminDossier) { *p = append(*p, "A-3") }, "A-3: the clerk was told"},
		{"unknown upstream", func(_ *[]string, _ map[string]stored, up *[]sandbox.AdminDossier) {
			*up = append(*up, sandbox.AdminDossier{Code: "B-9", IdempotencyKey: "x"})
		}, "B-9: upstream holds"},
		{"other key", func(_ *[]string, st map[string]stored, _ *[]sandbox.AdminDossier) {
			st["A-1"] = stored{Key: "other", OutboxState: "sent", DossierState: "submitted"}
		}, "A-1: upstream under key k1"},
		{"not drained", func(_ *[]string, st map[string]stored, _ *[]sandbox.AdminDossier) {
			st["A-1"] = stored{Key: "k1", OutboxState: "pending", DossierState: "queued"}
		}, "A-1: not drained"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, up := good()
			printed := []string{"A-1", "A-2"}
			tc.damage(&printed, st, &up)
			p := verify(printed, st, up)
			if !strings.Contains(strings.Join(p, "\n"), tc.want) {
				t.Errorf("problems = %v, want one with %q", p, tc.want)
			}
		})
	}
}
