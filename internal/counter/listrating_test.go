package counter_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"motcua/forms"
	"motcua/forms/calendar"
	"motcua/internal/counter"
	"motcua/lookups/gateway"
	"motcua/lookups/gateway/hostile"
	"motcua/offline"
	"motcua/printing"
)

// lockedBuffer is a log's output, written by the service and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// The ratings of the ward's list are another machine's word: the pull takes the one that
// fits the rating set as a rating taken here must, and leaves out, with a log line that names
// neither the applicant nor the answers, one that does not (a question or an option the set
// lacks, a question answered twice, a required one not answered, another set, a time ahead of
// the clock, an id the contract does not allow); the dossiers are indexed all the same.
func TestPullTakesOnlyRatingsThatFit(t *testing.T) {
	clk := &clock{t: time.Date(2026, time.December, 4, 10, 0, 0, 0, hcm(t))}
	recv := time.Date(2026, time.November, 24, 9, 0, 0, 0, hcm(t))
	set := forms.Ratings().Version
	ans := func(qa ...string) []gateway.RatingAnswer {
		var out []gateway.RatingAnswer
		for i := 0; i+1 < len(qa); i += 2 {
			out = append(out, gateway.RatingAnswer{Question: qa[i], Answer: qa[i+1]})
		}
		return out
	}
	rated := clk.Now().Add(-time.Hour)
	ratings := []gateway.ListedRating{
		{Set: set, RatedAt: rated, Answers: ans("hai-long", "rat-hai-long", "thai-do", "tan-tinh")},                     // fits
		{Set: set, RatedAt: rated, Answers: ans("hai-long", "sieu-hai-long", "thai-do", "tan-tinh")},                    // no such option
		{Set: set, RatedAt: rated, Answers: ans("hai-long", "hai-long", "thai-do", "tan-tinh", "cau-moi", "co")},        // no such question
		{Set: set, RatedAt: rated, Answers: ans("hai-long", "hai-long", "thai-do", "tan-tinh", "hai-long", "hai-long")}, // twice
		{Set: set, RatedAt: rated, Answers: ans("thai-do", "tan-tinh")},                                                 // the first question unanswered
		{Set: "2019.1", RatedAt: rated, Answers: ans("hai-long", "hai-long", "thai-do", "tan-tinh")},                    // another set
		{Set: set, RatedAt: clk.Now().Add(48 * time.Hour), Answers: ans("hai-long", "hai-long", "thai-do", "tan-tinh")}, // ahead of the clock
		{Set: set, RatedAt: rated, Answers: ans("hai-long", "hài lòng", "thai-do", "tan-tinh")},                         // not an id: the client's
	}
	page := gateway.DossierPage{}
	for i := range ratings {
		page.Items = append(page.Items, gateway.AgencyDossier{Code: fmt.Sprintf("%s-261124-02%04d", agencyCode, i+1), Service: "xac-nhan-tthn",
			Counter: "02", Channel: "in_person", Stage: "returned", ReceivedAt: recv, Due: recv.Add(72 * time.Hour),
			Appointment: recv.Add(72 * time.Hour), ResultAt: recv.Add(48 * time.Hour), ReturnedAt: recv.Add(50 * time.Hour),
			UpdatedAt: rated, Applicant: "Nguyễn Văn Đối Kháng", Rating: &ratings[i]})
	}
	svc, store, logs := listService(t, clk, page)
	rep, err := svc.PullLife(context.Background())
	if err != nil || rep.Remote != len(ratings) {
		t.Fatalf("pull: %+v %v", rep, err)
	}
	var infos []offline.LifeInfo
	if err := store.View(func(tx *offline.Tx) (err error) { infos, err = tx.ListLife(nil); return err }); err != nil {
		t.Fatal(err)
	}
	if len(infos) != len(ratings) {
		t.Fatalf("%d dossiers indexed, want %d", len(infos), len(ratings))
	}
	for i, info := range infos {
		if i == 0 {
			if !info.RatedAt.Equal(rated) || strings.Join(info.Rating, " ") != "hai-long=rat-hai-long thai-do=tan-tinh" {
				t.Errorf("the rating that fits: %v %v", info.RatedAt, info.Rating)
			}
			continue
		}
		if !info.RatedAt.IsZero() || len(info.Rating) > 0 || !info.Remote || info.Stage != "returned" {
			t.Errorf("dossier %s: rated %v %v, remote %v, stage %s", info.Code, info.RatedAt, info.Rating, info.Remote, info.Stage)
		}
	}
	out := logs.String()
	if n := strings.Count(out, "listed rating left out"); n != len(ratings)-2 {
		t.Errorf("%d ratings logged as left out, want %d:\n%s", n, len(ratings)-2, out)
	}
	if !strings.Contains(out, "ratings that break the contract left out") || !strings.Contains(out, page.Items[1].Code) {
		t.Errorf("log lacks the contract's drop or a dossier's code:\n%s", out)
	}
	for _, secret := range []string{"Nguyễn", "Kháng", "sieu-hai-long", "cau-moi", "hài lòng"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log carries %q:\n%s", secret, out)
		}
	}
}

// listService is a counter service whose gateway answers every search of the agency's list
// with page (a hostile gateway: the tests make the page), over a plain store, logging into
// the buffer it returns.
func listService(t *testing.T, clk *clock, page gateway.DossierPage) (*counter.Service, *offline.Store, *lockedBuffer) {
	t.Helper()
	gw := hostile.Start(t)
	gw.AnswerEvery(func(r *http.Request) (hostile.Answer, bool) {
		if strings.HasSuffix(r.URL.Path, "/dossiers:search") {
			return hostile.JSON(200, page), true
		}
		return hostile.Answer{}, false
	})
	c, err := gateway.New(gateway.Config{BaseURL: gw.URL, Timeout: 10 * time.Second, Retries: -1, BreakerFailures: -1})
	if err != nil {
		t.Fatal(err)
	}
	store, err := offline.Open(t.TempDir(), offline.Options{Clock: clk.Now, LockWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	svc, err := counter.New(counter.Config{Agency: counter.Agency{Code: agencyCode, Parent: "UBND PHƯỜNG THỬ NGHIỆM",
		Name: "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ", Place: "Phường Thử Nghiệm"}, Counter: 1, CacheTTL: 24 * time.Hour, CutoffHour: 15, ReturnHour: 8},
		counter.Deps{Gateway: c, Store: store, Printer: printing.NewFilePrinter(t.TempDir()), Calendar: calendar.Default(),
			Specs: forms.Catalog(), Clock: clk.Now, Log: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return svc, store, logs
}
