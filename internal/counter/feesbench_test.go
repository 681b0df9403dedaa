package counter_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"motcua/offline"
)

// BenchmarkFeesCollected: the fees of a ward's year at one counter, as the reports count them:
// 50,000 stored dossiers (what internal/wardyear receives at this counter in a year), each a
// copy certification with its fee. "index": the fees read from the dossiers' index entries;
// "opened": index entries written before the fees were in them, each dossier opened.
func BenchmarkFeesCollected(b *testing.B) {
	for _, name := range []string{"index", "opened"} {
		b.Run(name, func(b *testing.B) {
			const n = 50000
			f := newFixture(b)
			out, err := f.svc.Receive(context.Background(), copyDeclaration(b, f), clerk, nil, "")
			if err != nil {
				b.Fatal(err)
			}
			var blob []byte
			var info offline.DossierInfo
			if err := f.store.View(func(tx *offline.Tx) error {
				blob, info, err = tx.GetDossier(out.Dossier.Code)
				return err
			}); err != nil {
				b.Fatal(err)
			}
			if name == "opened" {
				info.Fees, info.FeesRecorded = nil, false
			}
			for i := 0; i < n-1; i += 5000 {
				if err := f.store.Update(func(tx *offline.Tx) error {
					for j := i; j < min(i+5000, n-1); j++ {
						d := info
						d.Code = fmt.Sprintf("B%07d", j)
						if err := tx.PutDossier(d, blob); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			cpu := cpuTime()
			for b.Loop() {
				tot, err := f.svc.FeesCollected(clerk, time.Time{}, time.Time{})
				if err != nil {
					b.Fatal(err)
				}
				if tot.Dossiers.Cases != n || tot.Dossiers.Amount != n*46000 {
					b.Fatalf("%d dossiers, %d đồng; want %d, %d", tot.Dossiers.Cases, tot.Dossiers.Amount, n, n*46000)
				}
			}
			reportCPU(b, cpu)
		})
	}
}
