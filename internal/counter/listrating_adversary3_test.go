package counter_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"motcua/forms"
	"motcua/forms/calendar"
	"motcua/internal/counter"
	"motcua/lookups/gateway"
	"motcua/lookups/sandbox"
	"motcua/offline"
	"motcua/printing"
)

// Third adversary pass over the ward list's ratings (PullLife, remoteInfo, listedRating).

// A hostile list entry whose code carries a citizen's name and ID number (the client lets any
// code of 1 to 64 bytes through; the store refuses one with spaces) and a rating of a set this
// counter does not know. The entry is left out (the store refuses its code) and, as the pull
// promises, its values are not logged. DEFECT on main: remoteInfo calls listedRating before
// the entry is checked (lifesync.go remoteInfo -> listedRating), and listedRating logs the
// rating's refusal with the entry's code as it came: the name and the ID number reach the log.
func TestAdversary3HostileCodeWithABadRatingStaysOutOfTheLog(t *testing.T) {
	clk := &clock{t: time.Date(2026, time.December, 4, 10, 0, 0, 0, hcm(t))}
	recv := time.Date(2026, time.November, 24, 9, 0, 0, 0, hcm(t))
	page := gateway.DossierPage{Items: []gateway.AgencyDossier{{
		Code: "Lê Thị Bí Mật 079301000123", Service: "khai-sinh", Counter: "02", Channel: "in_person", Stage: "returned",
		ReceivedAt: recv, Due: recv.Add(72 * time.Hour), Appointment: recv.Add(72 * time.Hour), UpdatedAt: clk.Now().Add(-time.Hour),
		Rating: &gateway.ListedRating{Set: "2019.1", RatedAt: clk.Now().Add(-time.Hour),
			Answers: []gateway.RatingAnswer{{Question: "hai-long", Answer: "hai-long"}}},
	}}}
	svc, _, logs := listService(t, clk, page)
	rep, err := svc.PullLife(context.Background())
	if err != nil || rep.Skipped != 1 {
		t.Fatalf("pull: %+v %v; want the entry left out", rep, err)
	}
	if _, err := svc.Book(context.Background(), clerk, counter.BookFilter{From: recv.Add(-24 * time.Hour), To: clk.Now(), Refresh: true}); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	for _, secret := range []string{"079301000123", "Bí Mật"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log carries %q from a list entry the store refused:\n%s", secret, out)
		}
	}
}

// The ward's satisfaction counts another counter's rating from the list (the index entry of a
// remote dossier). A clerk then opens that dossier (`dossier status`, F-key status with
// refresh): refresh keeps it here from now on (a life record, from the gateway's progress,
// whose rating step carries no answers). The rating must still count in the ward's
// satisfaction. DEFECT on main: refresh -> refreshWith(..., rated=nil) writes the life without
// the rating, and its index entry (lifeInfo) replaces the remote one: RatedAt and Rating are
// gone; later pulls do not bring it back (PutRemoteLife never replaces a dossier with a
// record here; the own-dossier path only rates history steps after the ones taken).
func TestAdversary3OpeningARemoteRatedDossierKeepsItsRating(t *testing.T) {
	clk := &clock{t: time.Date(2026, time.November, 23, 16, 0, 0, 0, hcm(t))}
	srv := sandbox.NewServer(sandbox.Default(), sandbox.Options{Clock: clk.Now,
		Workflow: &sandbox.Workflow{Seed: 1, OnTime: 1, Others: 12, OtherDays: 20}})
	url, stop, err := sandbox.Start("127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	gw, err := gateway.New(gateway.Config{BaseURL: url, Timeout: 5 * time.Second, Retries: -1, BreakerFailures: -1})
	if err != nil {
		t.Fatal(err)
	}
	store, err := offline.Open(t.TempDir(), offline.Options{Clock: clk.Now, LockWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := counter.New(counter.Config{Agency: counter.Agency{Code: agencyCode, Parent: "UBND PHƯỜNG THỬ NGHIỆM",
		Name: "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ", Place: "Phường Thử Nghiệm"}, Counter: 1, CacheTTL: 24 * time.Hour, CutoffHour: 15, ReturnHour: 8, Location: hcm(t)},
		counter.Deps{Gateway: gw, Store: store, Printer: printing.NewFilePrinter(t.TempDir()), Calendar: calendar.Default(),
			Specs: forms.Catalog(), Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PullLife(ctx); err != nil {
		t.Fatal(err)
	}
	rated := func() map[string]offline.LifeInfo {
		out := map[string]offline.LifeInfo{}
		if err := store.View(func(tx *offline.Tx) error {
			infos, err := tx.ListLife(nil)
			for _, i := range infos {
				if len(i.Rating) > 0 {
					out[i.Code] = i
				}
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := rated()
	if len(before) == 0 {
		t.Fatal("no rated dossier of another counter in the ward's list")
	}
	var code string
	for c := range before {
		if code == "" || c < code {
			code = c
		}
	}
	if _, err := svc.DossierStatus(ctx, clerk, code, true); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PullLife(ctx); err != nil {
		t.Fatal(err)
	}
	after := rated()
	if i, ok := after[code]; !ok || strings.Join(i.Rating, " ") != strings.Join(before[code].Rating, " ") {
		t.Errorf("dossier %s rated %v at another counter; after a clerk opened it: %v (%d rated dossiers, %d before)",
			code, before[code].Rating, after[code].Rating, len(after), len(before))
	}
}
