package counter_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"motcua/internal/counter"
	"motcua/lookups/gateway"
	"motcua/offline"
)

// One bad entry in the ward's list (a stage the contract lacks, a service code the store
// refuses) is left out and counted; the rest of the list is indexed and the pull's mark moves
// on, so the same entry does not stop every pull after it. The log names neither the bad
// values nor the applicants.
func TestPullLeavesOutBadEntries(t *testing.T) {
	clk := &clock{t: time.Date(2026, time.December, 4, 10, 0, 0, 0, hcm(t))}
	recv := time.Date(2026, time.November, 24, 9, 0, 0, 0, hcm(t))
	entry := func(code, service, stage string) gateway.AgencyDossier {
		return gateway.AgencyDossier{Code: agencyCode + "-261124-02" + code, Service: service, Counter: "02", Channel: "in_person",
			Stage: stage, ReceivedAt: recv, Due: recv.Add(72 * time.Hour), Appointment: recv.Add(72 * time.Hour),
			UpdatedAt: clk.Now().Add(-time.Hour), Applicant: "Trần Văn Độc Hại"}
	}
	page := gateway.DossierPage{Items: []gateway.AgencyDossier{
		entry("0001", "khai-sinh", "processing"),
		entry("0002", "khai-sinh", "archived"),           // a stage the contract lacks: the client's
		entry("0003", "khai sinh độc hại", "processing"), // a service code the store refuses: the pull's
		entry("0004", "ket-hon", "received"),
	}}
	svc, store, logs := listService(t, clk, page)
	rep, err := svc.PullLife(context.Background())
	if err != nil || rep.Remote != 2 || rep.Skipped != 2 {
		t.Fatalf("pull: %+v %v; want 2 indexed, 2 left out", rep, err)
	}
	var codes []string
	if err := store.View(func(tx *offline.Tx) error {
		infos, err := tx.ListLife(nil)
		for _, i := range infos {
			codes = append(codes, i.Code)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(codes, " ") != page.Items[0].Code+" "+page.Items[3].Code {
		t.Errorf("indexed %v", codes)
	}
	var mark time.Time
	if err := store.View(func(tx *offline.Tx) (err error) { mark, err = tx.LifeMark(counter.PullMark); return err }); err != nil || !mark.Equal(clk.Now()) {
		t.Errorf("the pull's mark %v (%v), want %v: the next pull would ask from the start again", mark, err, clk.Now())
	}
	// the dossier book refreshed from the same list: the bad entries do not cost it either
	res, err := svc.Book(context.Background(), clerk, counter.BookFilter{From: recv.Add(-24 * time.Hour), To: clk.Now(), Refresh: true})
	if err != nil || res.Offline || len(res.Book.Rows) != 2 {
		t.Fatalf("book from the list with bad entries: %v, offline %v, %d rows", err, res != nil && res.Offline, func() int {
			if res == nil {
				return -1
			}
			return len(res.Book.Rows)
		}())
	}
	out := logs.String()
	for _, secret := range []string{"Độc Hại", "độc hại", "archived"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log carries %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "dossiers that break the contract left out") || !strings.Contains(out, "dossiers the store refuses left out") {
		t.Errorf("the log does not say what was left out:\n%s", out)
	}
}
