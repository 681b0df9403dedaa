package wardyear_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"motcua/forms/lifecycle"
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
	if got[0].codes != got[1].codes || !slices.Equal(got[0].sum.Codes, got[1].sum.Codes) || got[0].sum.Local != got[1].sum.Local || got[0].sum.Pending != got[1].sum.Pending {
		t.Error("two builds with the same options differ")
	}
}

// A small year: every dossier is there once, this counter's with a sealed life and its
// reception facts, the others' as index entries; the stages, the lateness, the apologies, the
// supplements, the ends and the ratings the book and the reports count all occur; the index
// entry of a life received here is Info of its sealed life.
func TestBuildSmallYear(t *testing.T) {
	st, err := offline.Open(t.TempDir(), offline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := wardyear.Build(st, wardyear.Options{Dossiers: 3000, Lookups: 10, Batch: 700})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Local+sum.Remote != 3000 || sum.Local < 500 || sum.Local > 1000 || len(sum.Codes) != 3000 ||
		sum.SettledOrEnded+sum.Pending != 3000 {
		t.Fatalf("summary %d local, %d remote, %d codes, %d settled, %d pending", sum.Local, sum.Remote, len(sum.Codes),
			sum.SettledOrEnded, sum.Pending)
	}
	stages := map[string]int{}
	var late, extended, supplement, ended, rated, local int
	err = st.View(func(tx *offline.Tx) error {
		ds, err := tx.ListDossiers(offline.DossierFilter{})
		if err != nil {
			return err
		}
		if len(ds) != sum.Local {
			t.Errorf("%d dossier records for the history, %d received here", len(ds), sum.Local)
		}
		cs, err := tx.CacheStats(24 * time.Hour)
		if err != nil {
			return err
		}
		if cs.Entries != sum.Cached || cs.Entries == 0 {
			t.Errorf("cache %+v, %d written", cs, sum.Cached)
		}
		infos, err := tx.ListLife(nil)
		if err != nil {
			return err
		}
		if len(infos) != 3000 {
			t.Errorf("%d index entries", len(infos))
		}
		for _, i := range infos {
			stages[i.Stage]++
			late += b2i(i.Late)
			extended += b2i(i.Extended)
			supplement += b2i(!i.SupplementAt.IsZero())
			ended += b2i(!i.EndedAt.IsZero())
			rated += b2i(!i.RatedAt.IsZero())
			if i.Remote {
				if i.Reception != nil || !i.RatedAt.IsZero() {
					t.Errorf("%s from the ward's list has reception facts or a rating", i.Code)
				}
				continue
			}
			local++
			if _, _, err := tx.GetDossier(i.Code); err != nil {
				return err
			}
			blob, stored, err := tx.GetLife(i.Code)
			if err != nil {
				return err
			}
			var l lifecycle.Life
			if err := json.Unmarshal(blob, &l); err != nil {
				return err
			}
			want := wardyear.Info(&l, sum.From.Location())
			want.Reception, want.UpdatedAt = stored.Reception, stored.UpdatedAt
			if a, b := mustJSON(t, want), mustJSON(t, stored); a != b || stored.Reception == nil {
				t.Errorf("%s: index entry %s\nInfo of its life %s", i.Code, b, a)
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
	if late == 0 || extended == 0 || supplement == 0 || ended == 0 || rated == 0 {
		t.Errorf("late %d, extended %d, supplement %d, ended %d, rated %d", late, extended, supplement, ended, rated)
	}
	sorted := slices.Clone(sum.Codes)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(sum.Codes) {
		t.Error("a code twice")
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
