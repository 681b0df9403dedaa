package card_test

import (
	"context"
	"testing"
	"time"

	"motcua/lookups/card"
	"motcua/lookups/card/cardsim"
	"motcua/lookups/sandbox"
)

// realistic is a card with the sizes of a real Vietnamese chip (DG13 about
// 700 bytes, laid out as real cards do, SOD 2,000, DG14 400, DG15 300 with
// an RSA-2048 key, DG2 15,000) on a contactless link of 30 ms per APDU.
func realistic(b *testing.B, extended bool, latency time.Duration) *cardsim.Card {
	b.Helper()
	var id string
	for _, f := range sandbox.Featured() {
		if f.Kind == "married" {
			id = f.ID
		}
	}
	cit, _ := sandbox.Default().Card(id)
	chip, err := cardsim.New(cardsim.PersonFromCitizen(cit, "Bùi Văn Cha", "Nguyễn Thị Mẹ", ""), cardsim.Profile{
		Extended: extended, AA: "rsa", RSABits: 2048, DG13Size: 700, SODSize: 2000, DG14Size: 400, DG2Size: 15000,
		Latency: latency,
	}, cardsim.TestPKI())
	if err != nil {
		b.Fatal(err)
	}
	return chip
}

// BenchmarkTapToVerified measures a whole read over the emulated link:
// time until the identity can be shown (DG13), until the checks are decided
// (passive, active, chip authentication), and until the portrait is in.
func BenchmarkTapToVerified(b *testing.B) {
	for _, c := range []struct {
		name     string
		extended bool
	}{{"short", false}, {"extended", true}} {
		b.Run(c.name, func(b *testing.B) {
			chip := realistic(b, c.extended, 30*time.Millisecond)
			b.Logf("file sizes: DG13 %d (real-card layout), SOD %d, DG14 %d, DG15 %d, DG2 %d bytes", len(chip.File(0x010D)), len(chip.File(0x011D)),
				len(chip.File(0x010E)), len(chip.File(0x010F)), len(chip.File(0x0102)))
			opt := card.Options{Trust: card.NewTrustStore(cardsim.TestPKI().CSCA)}
			var identity, verified, total time.Duration
			apdus := 0
			b.ResetTimer()
			for b.Loop() {
				chip.Reset()
				res, err := card.Read(context.Background(), card.Emulated{Chip: chip, Removed: cardsim.ErrRemoved}, card.Key{CAN: chip.CAN()}, opt, nil)
				if err != nil {
					b.Fatal(err)
				}
				if res.Verdict() != card.Passed || res.MRZMatch != card.Passed || res.Identity.FullName == "" || len(res.Identity.Unreadable) > 0 {
					b.Fatalf("verdict %v, MRZ %v, identity %+v", res.Verdict(), res.MRZMatch, res.Identity)
				}
				identity += res.IdentityAfter
				verified += res.VerifiedAfter
				total += res.Elapsed
				apdus += res.APDUs
			}
			n := float64(b.N)
			b.ReportMetric(float64(identity.Milliseconds())/n, "ms-identity/op")
			b.ReportMetric(float64(verified.Milliseconds())/n, "ms-verified/op")
			b.ReportMetric(float64(total.Milliseconds())/n, "ms-all/op")
			b.ReportMetric(float64(apdus)/n, "apdus/op")
		})
	}
}

// BenchmarkReadNoLatency is the reader's and emulator's own cost (crypto,
// parsing, secure messaging) with an instant link, short APDUs.
func BenchmarkReadNoLatency(b *testing.B) {
	chip := realistic(b, false, 0)
	opt := card.Options{Trust: card.NewTrustStore(cardsim.TestPKI().CSCA)}
	for b.Loop() {
		chip.Reset()
		if _, err := card.Read(context.Background(), card.Emulated{Chip: chip, Removed: cardsim.ErrRemoved}, card.Key{CAN: chip.CAN()}, opt, nil); err != nil {
			b.Fatal(err)
		}
	}
}
