package wardyear_test

import (
	"testing"

	"motcua/internal/wardyear"
	"motcua/offline"
)

// The same options write the same year: the same summary, the same index, the same counts.
func TestBuildDeterministic(t *testing.T) {
	opt := wardyear.Options{Dossiers: 600, Lookups: 900, Batch: 250}
	var got [2]struct {
		sum    wardyear.Summary
		codes  string
		counts uint64
	}
	for i := range got {
		s, err := offline.Open(t.TempDir(), offline.Options{})
		if err != nil {
			t.Fatal(err)
		}
		sum, err := wardyear.Build(s, opt)
		if err != nil {
			t.Fatal(err)
		}
		sum.BuildDuration = 0
		got[i].sum = sum
		err = s.View(func(tx *offline.Tx) error {
			if err := tx.ScanLifeFacts(func(li *offline.LifeInfo) error {
				got[i].codes += li.Code + li.Stage + li.Timeliness + "|"
				return nil
			}); err != nil {
				return err
			}
			return tx.AccessCounts(sum.From, sum.To, func(c offline.AccessCount) error { got[i].counts += c.N; return nil })
		})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Dossiers != 600 || sum.Local+sum.Remote != 600 || sum.Lookups != 900 || got[i].counts != 900 {
			t.Errorf("summary %+v, %d look-ups counted", sum, got[i].counts)
		}
	}
	if got[0].codes != got[1].codes || got[0].sum.Local != got[1].sum.Local || got[0].sum.Pending != got[1].sum.Pending {
		t.Error("two builds with the same options differ")
	}
}
