package wardyear

import (
	"slices"
	"testing"

	"motcua/forms/lifecycle"
	"motcua/offline"
)

// A small ward-year: every dossier is there once, this counter's with a sealed life, the
// others' as index entries; the stages and the lateness the book filters on all occur; the
// same options give the same dossiers.
func TestFillSmallYear(t *testing.T) {
	fill := func() (*offline.Store, Summary) {
		st, err := offline.Open(t.TempDir(), offline.Options{})
		if err != nil {
			t.Fatal(err)
		}
		sum, err := Fill(st, Options{Dossiers: 3000, Batch: 700})
		if err != nil {
			t.Fatal(err)
		}
		return st, sum
	}
	st, sum := fill()
	if sum.Local+sum.Remote != 3000 || sum.Local < 500 || sum.Local > 1000 || len(sum.Codes) != 3000 {
		t.Fatalf("summary %d local, %d remote, %d codes", sum.Local, sum.Remote, len(sum.Codes))
	}
	stages := map[string]int{}
	var late, extended, local int
	err := st.View(func(tx *offline.Tx) error {
		infos, err := tx.ListLife(nil)
		if err != nil {
			return err
		}
		if len(infos) != 3000 {
			t.Errorf("%d index entries", len(infos))
		}
		for _, i := range infos {
			stages[i.Stage]++
			if i.Late {
				late++
			}
			if i.Extended {
				extended++
			}
			if !i.Remote {
				local++
				if _, _, err := tx.GetLife(i.Code); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if local != sum.Local {
		t.Errorf("%d local entries, summary says %d", local, sum.Local)
	}
	for _, s := range lifecycle.Stages {
		if stages[string(s)] == 0 {
			t.Errorf("no dossier %s: %v", s, stages)
		}
	}
	if late == 0 || extended == 0 {
		t.Errorf("late %d, extended %d", late, extended)
	}
	sorted := slices.Clone(sum.Codes)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(sum.Codes) {
		t.Error("a code twice")
	}
	if _, again := fill(); !slices.Equal(again.Codes, sum.Codes) {
		t.Error("the same options gave other dossiers")
	}
}
