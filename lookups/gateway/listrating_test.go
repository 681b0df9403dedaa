package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"motcua/lookups"
	"motcua/lookups/gateway"
)

// A gateway's ratings in the agency's list are hostile: one that breaks the contract (an id
// that is not one, too many answers, no time, a time before the reception) is taken out of
// its dossier, which stays, and counted; a page too large for the contract is refused whole.
func TestListedRatingsAreChecked(t *testing.T) {
	recv := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	good := gateway.ListedRating{Set: "2026.1", RatedAt: recv.Add(72 * time.Hour),
		Answers: []gateway.RatingAnswer{{Question: "hai-long", Answer: "rat-hai-long"}, {Question: "thai-do", Answer: "tan-tinh"}}}
	many := good
	many.Answers = nil
	for i := range 21 {
		many.Answers = append(many.Answers, gateway.RatingAnswer{Question: fmt.Sprintf("q%d", i), Answer: "a"})
	}
	with := func(f func(r *gateway.ListedRating)) *gateway.ListedRating {
		r := good
		r.Answers = append([]gateway.RatingAnswer(nil), good.Answers...)
		f(&r)
		return &r
	}
	ratings := []*gateway.ListedRating{
		&good, // kept
		nil,   // no rating: nothing to drop
		with(func(r *gateway.ListedRating) { r.Answers[0].Answer = "rất hài lòng" }),
		with(func(r *gateway.ListedRating) { r.Answers[1].Question = strings.Repeat("q", 33) }),
		with(func(r *gateway.ListedRating) { r.Answers[0].Answer = "" }),
		with(func(r *gateway.ListedRating) { r.Answers = nil }),
		&many,
		with(func(r *gateway.ListedRating) { r.RatedAt = time.Time{} }),
		with(func(r *gateway.ListedRating) { r.RatedAt = recv.Add(-time.Minute) }),
		with(func(r *gateway.ListedRating) { r.Set = "2026.1\x1b[2J" }),
	}
	page := gateway.DossierPage{}
	for i, r := range ratings {
		page.Items = append(page.Items, gateway.AgencyDossier{Code: fmt.Sprintf("G01-261123-02%04d", i), Service: "khai-sinh", Counter: "02",
			Channel: "in_person", Stage: "returned", ReceivedAt: recv, Due: recv.Add(96 * time.Hour), Appointment: recv.Add(96 * time.Hour),
			UpdatedAt: recv.Add(72 * time.Hour), Rating: r})
	}
	body, _ := json.Marshal(page)
	var answer []byte
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(answer) // a stub's write: the client's checks are what the test sees
	}))
	defer ts.Close()
	c, err := gateway.New(gateway.Config{BaseURL: ts.URL, Retries: -1, BreakerFailures: -1})
	if err != nil {
		t.Fatal(err)
	}
	meta := lookups.CallMeta{Operator: "cb01", Purpose: gateway.PurposeBook}
	answer = body
	got, err := c.AgencyDossiers(context.Background(), "G01", gateway.DossierQuery{}, meta)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != len(ratings) || got.DroppedRatings != len(ratings)-2 {
		t.Fatalf("%d dossiers, %d ratings dropped; want %d, %d", len(got.Items), got.DroppedRatings, len(ratings), len(ratings)-2)
	}
	if r := got.Items[0].Rating; r == nil || r.Set != good.Set || len(r.Answers) != 2 || !r.RatedAt.Equal(good.RatedAt) {
		t.Errorf("the good rating: %+v", r)
	}
	for i, d := range got.Items[1:] {
		if d.Rating != nil {
			t.Errorf("dossier %d kept a rating that breaks the contract: %+v", i+1, d.Rating)
		}
		if d.Code != page.Items[i+1].Code || d.Stage != "returned" {
			t.Errorf("dossier %d changed: %+v", i+1, d)
		}
	}
	// a rating of 40,000 answers does not fit in an answer of the contract: the page is refused
	huge := good
	huge.Answers = nil
	for range 40000 {
		huge.Answers = append(huge.Answers, gateway.RatingAnswer{Question: "hai-long", Answer: "rat-hai-long"})
	}
	page.Items[0].Rating = &huge
	answer, _ = json.Marshal(page)
	if _, err := c.AgencyDossiers(context.Background(), "G01", gateway.DossierQuery{}, meta); !errors.Is(err, gateway.ErrBadResponse) {
		t.Errorf("a page over the size limit: %v, want ErrBadResponse", err)
	}
}
