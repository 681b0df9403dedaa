package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/gateway/hostile"
)

// The client against a gateway that misbehaves (lookups/gateway/hostile).

func hostileClient(t *testing.T, url string, cfg gateway.Config) *gateway.Client {
	t.Helper()
	cfg.BaseURL = url
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	cfg = fast(cfg)
	c, err := gateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var submitMeta = lookups.CallMeta{Operator: "canbo01", Purpose: lookups.PurposeSubmit, DossierCode: "G01.00004-261123-010001"}

func TestSubmitAcceptsOnlyAnAcknowledgementOfThisDossier(t *testing.T) {
	gw := hostile.Start(t)
	c := hostileClient(t, gw.URL, gateway.Config{})
	for _, tc := range []struct {
		name string
		ack  func(gateway.Submission) hostile.Answer
	}{
		{"empty object", hostile.AckEmpty},
		{"null", hostile.AckNull},
		{"another dossier's code", hostile.AckForeign},
		{"status not in the contract", hostile.AckUnknownStatus},
		{"rejected inside a 2xx", hostile.AckRejected},
		{"no acceptance time", func(s gateway.Submission) hostile.Answer {
			return hostile.Answer{Status: 201, Body: `{"code":"` + s.Code + `","status":"received","acceptedAt":"0001-01-01T00:00:00Z"}`}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gw.SetAck(tc.ack)
			ack, err := c.Submit(context.Background(), submission("G01.00004-261123-010001", `{"a":1}`), "key-1", submitMeta)
			if err == nil {
				t.Fatalf("a bad acknowledgement %+v counts as one", ack)
			}
			if !errors.Is(err, gateway.ErrUnacknowledged) || !errors.Is(err, gateway.ErrBadResponse) {
				t.Errorf("err %v, want ErrUnacknowledged (a kind of ErrBadResponse)", err)
			}
			msg := gateway.ClerkMessage(err)
			if !strings.Contains(msg, "chưa xác nhận") || !strings.Contains(msg, "gửi lại") {
				t.Errorf("clerk message %q does not say the dossier was not acknowledged and will be sent again", msg)
			}
		})
	}
	gw.SetAck(hostile.AckOK)
	if ack, err := c.Submit(context.Background(), submission("G01.00004-261123-010001", `{"a":1}`), "key-1", submitMeta); err != nil ||
		ack.Code != "G01.00004-261123-010001" || ack.Status != gateway.StatusReceived {
		t.Fatalf("a correct acknowledgement: %+v %v", ack, err)
	}
}

// TestRedirectsAreRefused: a 3xx never takes a dossier, a token or a look-up
// elsewhere, whatever the method, the status and the target.
func TestRedirectsAreRefused(t *testing.T) {
	const token = "bi-mat-cua-phuong"
	sink := hostile.Start(t) // another port of the same host
	id := pop.Person(5).Citizen.ID
	targets := map[string]string{
		"same host, another port": sink.URL,
		"another host":            strings.Replace(sink.URL, "127.0.0.1", "localhost", 1),
	}
	for _, status := range []int{301, 302, 303, 307, 308} {
		for where, to := range targets {
			t.Run(http.StatusText(status)+" to "+where, func(t *testing.T) {
				gw := hostile.Start(t)
				gw.RedirectTo(status, to)
				before := len(sink.Requests())
				c := hostileClient(t, gw.URL, gateway.Config{Token: token})
				_, err := c.Submit(context.Background(), submission("G01.00004-261123-010002", `{"a":1}`), "key-2", submitMeta)
				if !errors.Is(err, gateway.ErrBadResponse) {
					t.Errorf("submit through a redirect: err %v, want ErrBadResponse", err)
				}
				if _, _, err := c.Lookup(context.Background(), id, meta); !errors.Is(err, gateway.ErrBadResponse) {
					t.Errorf("lookup through a redirect: err %v, want ErrBadResponse", err)
				}
				if _, err := c.LookupBatch(context.Background(), []string{id}, batchMeta); !errors.Is(err, gateway.ErrBadResponse) {
					t.Errorf("batch through a redirect: err %v, want ErrBadResponse", err)
				}
				if err := c.Health(context.Background()); err == nil {
					t.Error("health through a redirect: no error")
				}
				for _, r := range sink.Requests()[before:] {
					t.Errorf("the redirect target received %s %s (token %q, %d bytes of body)", r.Method, r.Path, r.Authorization, len(r.Body))
				}
				if n := len(gw.Requests()); n != 4 {
					t.Errorf("%d requests to the gateway, want 4 (a redirect is not retried)", n)
				}
			})
		}
	}
	t.Run("https to http", func(t *testing.T) {
		gw := hostile.StartTLS(t)
		plain := hostile.Start(t)
		gw.RedirectTo(307, plain.URL)
		c := hostileClient(t, gw.URL, gateway.Config{Token: token, HTTPClient: gw.Client()})
		if _, err := c.Submit(context.Background(), submission("G01.00004-261123-010003", `{"a":1}`), "key-3", submitMeta); !errors.Is(err, gateway.ErrBadResponse) {
			t.Errorf("err %v, want ErrBadResponse", err)
		}
		if n := len(plain.Requests()); n != 0 {
			t.Errorf("%d requests went from https to plain http", n)
		}
		if len(gw.Requests()) != 1 || gw.Requests()[0].Authorization != "Bearer "+token {
			t.Errorf("the https gateway itself got %d requests", len(gw.Requests()))
		}
	})
}

// TestBatchAnswersAreReadWithinLimits: a batch answer is read as a stream and
// given up as soon as it breaks a limit: one result larger than a look-up
// answer may be, more results than IDs, a run of blanks.
func TestBatchAnswersAreReadWithinLimits(t *testing.T) {
	const size = 200 << 20
	ids := []string{pop.Person(6).Citizen.ID, pop.Person(7).Citizen.ID}
	for _, tc := range []struct {
		name   string
		answer func(http.ResponseWriter, gateway.BatchRequest)
	}{
		{"one giant name", hostile.HugeBatch(size)},
		{"more results than IDs", hostile.ManyResults(size)},
		{"blanks", hostile.Blanks(size)},
	} {
		for _, view := range []string{gateway.ViewFull, gateway.ViewIdentity} {
			t.Run(tc.name+" "+view, func(t *testing.T) {
				gw := hostile.Start(t)
				gw.SetBatch(tc.answer)
				ct := &countingTransport{rt: http.DefaultTransport.(*http.Transport).Clone()}
				c := hostileClient(t, gw.URL, gateway.Config{Timeout: 2 * time.Minute, HTTPClient: &http.Client{Transport: ct}})
				_, err := c.LookupBatchView(context.Background(), ids, view, batchMeta)
				if !errors.Is(err, gateway.ErrBadResponse) {
					t.Fatalf("err %v, want ErrBadResponse", err)
				}
				// The client stops reading at the broken limit (one result may
				// weigh 1 MiB), far below the 32 MiB a whole answer may have.
				if n := ct.read.Load(); n > 4<<20 {
					t.Errorf("the client read %.1f MiB of the answer before giving up", float64(n)/(1<<20))
				}
			})
		}
	}
	t.Run("identity view with a household", func(t *testing.T) {
		gw := hostile.Start(t)
		full := pop.Person(6)
		gw.SetBatch(func(w http.ResponseWriter, req gateway.BatchRequest) {
			b, _ := json.Marshal(gateway.BatchResponse{FetchedAt: time.Now().UTC(), Results: []gateway.BatchResult{
				{ID: ids[0], Found: true, Resident: full}, {ID: ids[1]}}})
			_, _ = w.Write(b) // a stub's write: the client's result is what the test checks
		})
		c := hostileClient(t, gw.URL, gateway.Config{})
		if _, err := c.LookupBatchView(context.Background(), ids, gateway.ViewIdentity, batchMeta); full.Household != nil && !errors.Is(err, gateway.ErrBadResponse) {
			t.Errorf("an identity answer with a household: err %v, want ErrBadResponse", err)
		}
		if res, err := c.LookupBatchView(context.Background(), ids, gateway.ViewFull, batchMeta); err != nil || !res[0].Found || res[1].Found {
			t.Errorf("the same answer for the full view: %v %v", res, err)
		}
	})
}

// TestGatewayMessagesAreNeutralised: the Vietnamese message of an error
// answer reaches the clerk, but never its terminal controls.
func TestGatewayMessagesAreNeutralised(t *testing.T) {
	gw := hostile.Start(t)
	gw.FailEvery(400, "bad_request\x1b[2J", "Hồ sơ thiếu giấy tờ. "+hostile.Poison)
	c := hostileClient(t, gw.URL, gateway.Config{})
	_, err := c.Submit(context.Background(), submission("G01.00004-261123-010004", `{"a":1}`), "key-4", submitMeta)
	var ge *gateway.Error
	if !errors.As(err, &ge) || !errors.Is(err, gateway.ErrRejected) {
		t.Fatalf("err %v", err)
	}
	for _, s := range []string{ge.Message, ge.Code, gateway.ClerkMessage(err), err.Error()} {
		for _, ctl := range hostile.Controls {
			if strings.Contains(s, ctl) {
				t.Errorf("%q holds %q", s, ctl)
			}
		}
	}
	if !strings.Contains(gateway.ClerkMessage(err), "Hồ sơ thiếu giấy tờ.") {
		t.Errorf("the gateway's own words are lost: %q", gateway.ClerkMessage(err))
	}
}

// countingTransport counts the bytes the client reads from answer bodies.
type countingTransport struct {
	rt   http.RoundTripper
	read atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(r)
	if resp != nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.read}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}
