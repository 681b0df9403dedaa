package reports_test

import (
	"context"
	"os"
	"testing"

	"motcua/internal/counter"
	"motcua/internal/reports"
	"motcua/lookups"
	"motcua/offline"
)

func TestZZDump(t *testing.T) {
	w := newWard(t)
	w.history()
	p := reports.Days(lookups.DateOf(w.at(23, 0, 0)), lookups.DateOf(w.at(23, 0, 0).AddDate(0, 0, 13)), w.loc)
	r, err := reports.Compute(context.Background(), w.one, counter.Operator{ID: "gs01", Role: offline.RoleSupervisor}, p, reports.Options{Refresh: true})
	if err != nil {
		t.Fatal(err)
	}
	reports.WriteText(os.Stdout, r)
	w.store.View(func(tx *offline.Tx) error {
		return tx.ScanLifeFacts(func(i *offline.LifeInfo) error {
			t.Logf("%s %s %s recv=%s due=%s res=%s end=%s sup=%s tim=%s late=%v remote=%v", i.Code, i.Stage, i.Channel, i.ReceivedAt.In(w.loc).Format("02/01 15:04"),
				i.Due.In(w.loc).Format("02/01 15:04"), i.ResultAt.In(w.loc).Format("02/01 15:04"), i.EndedAt.In(w.loc).Format("02/01 15:04"), i.SupplementAt.In(w.loc).Format("02/01 15:04"), i.Timeliness, i.Late, i.Remote)
			return nil
		})
	})
}
