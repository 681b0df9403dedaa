package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/sandbox"
)

var meta = lookups.CallMeta{Operator: "canbo01", Purpose: lookups.PurposeCheck}

var pop = sandbox.New(99, 2000)

func newPair(t testing.TB, opts sandbox.Options, cfg gateway.Config) (*gateway.Client, *sandbox.Server, string) {
	t.Helper()
	srv := sandbox.NewServer(pop, opts)
	url, stop, err := sandbox.Start("127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	cfg.BaseURL = url
	c, err := gateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv, url
}

func TestNewConfig(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "not a url", "http://"} {
		if _, err := gateway.New(gateway.Config{BaseURL: u}); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
}

func TestLookup(t *testing.T) {
	c, _, _ := newPair(t, sandbox.Options{}, gateway.Config{})
	ctx := context.Background()
	if err := c.Health(ctx); err != nil {
		t.Fatal(err)
	}
	want := pop.Person(1234)
	got, origin, err := c.Lookup(ctx, want.Citizen.ID, meta)
	if err != nil {
		t.Fatal(err)
	}
	wj, _ := json.Marshal(want)
	gj, _ := json.Marshal(got)
	if string(wj) != string(gj) {
		t.Errorf("resident differs after the round trip:\n%s\n%s", wj, gj)
	}
	if origin.Source != lookups.SourceDatabase || origin.FetchedAt.IsZero() {
		t.Errorf("origin %+v", origin)
	}

	unknown := want.Citizen.ID[:6] + "999999" // beyond the population
	tests := []struct {
		name, id string
		kind     error
		msg      string
	}{
		{"not found", unknown, lookups.ErrNotFound, "Không tìm thấy công dân"},
		{"bad province code", "003" + want.Citizen.ID[3:], gateway.ErrInvalidID, "Số định danh"},
		{"not digits (local)", "12345678901x", gateway.ErrInvalidID, "Số định danh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := c.Lookup(ctx, tt.id, meta)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want %v", err, tt.kind)
			}
			if m := gateway.ClerkMessage(err); !strings.Contains(m, tt.msg) {
				t.Errorf("clerk message %q", m)
			}
			if strings.Contains(err.Error(), tt.id) {
				t.Errorf("error text leaks the ID: %v", err)
			}
		})
	}
}

func TestMetaRequired(t *testing.T) {
	var hits atomic.Int32
	srv := sandbox.NewServer(pop, sandbox.Options{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		srv.ServeHTTP(w, r)
	}))
	defer ts.Close()
	id := pop.Person(3).Citizen.ID

	// Locally: no request leaves the client.
	c, _ := gateway.New(gateway.Config{BaseURL: ts.URL})
	for _, m := range []lookups.CallMeta{{Purpose: "check"}, {Operator: "canbo01"}} {
		_, _, err := c.Lookup(context.Background(), id, m)
		if !errors.Is(err, gateway.ErrMissingMeta) || !strings.Contains(gateway.ClerkMessage(err), "Thiếu mã cán bộ") {
			t.Errorf("local check: %v", err)
		}
		if _, err := c.Status(context.Background(), "X-1", m); !errors.Is(err, gateway.ErrMissingMeta) {
			t.Errorf("status local check: %v", err)
		}
		if _, err := c.Submit(context.Background(), gateway.Submission{}, "k", m); !errors.Is(err, gateway.ErrMissingMeta) {
			t.Errorf("submit local check: %v", err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d requests reached the server", n)
	}

	// By the server, for a raw request.
	tests := []struct{ op, purpose, code string }{
		{"", "check", gateway.CodeOperatorRequired},
		{"canbo01", "", gateway.CodePurposeRequired},
		{"", "", gateway.CodeOperatorRequired},
	}
	for _, tt := range tests {
		for _, path := range []string{"/v1/citizens/" + id, "/v1/dossiers/X-1"} {
			req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
			if tt.op != "" {
				req.Header.Set(gateway.HeaderOperator, tt.op)
			}
			if tt.purpose != "" {
				req.Header.Set(gateway.HeaderPurpose, tt.purpose)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body gateway.ErrorBody
			if err := gateway.DecodeStrict(resp.Body, &body); err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || body.Error.Code != tt.code || body.Error.Message == "" {
				t.Errorf("%s op=%q purpose=%q: %d %+v", path, tt.op, tt.purpose, resp.StatusCode, body)
			}
		}
	}
	// Health needs no metadata.
	resp, err := http.Get(ts.URL + "/v1/health")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("health: %v %v", err, resp)
	}
	resp.Body.Close()
}

func TestBearerToken(t *testing.T) {
	id := pop.Person(5).Citizen.ID
	tests := []struct {
		name, token string
		ok          bool
	}{
		{"right token", "s3cret", true},
		{"wrong token", "guess", false},
		{"no token", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := newPair(t, sandbox.Options{Token: "s3cret"}, gateway.Config{Token: tt.token})
			_, _, err := c.Lookup(context.Background(), id, meta)
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v", err)
			}
			if !tt.ok && (!errors.Is(err, gateway.ErrUnauthorized) || !strings.Contains(gateway.ClerkMessage(err), "quyền truy cập")) {
				t.Errorf("err = %v / %q", err, gateway.ClerkMessage(err))
			}
		})
	}
}

func submission(code, payload string) gateway.Submission {
	return gateway.Submission{Code: code, Service: "xac-nhan-hon-nhan", SpecVersion: "2025.1",
		SubjectID: pop.Person(7).Citizen.ID, ReceivedAt: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC),
		Payload: json.RawMessage(payload)}
}

func TestSubmitIdempotentAndConflict(t *testing.T) {
	clock := func() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) }
	c, srv, _ := newPair(t, sandbox.Options{Clock: clock}, gateway.Config{})
	ctx := context.Background()
	sub := submission("G22.99.08-260302-0001", `{"a": 1, "b": "Hòa"}`)

	first, err := c.Submit(ctx, sub, "key-1", meta)
	if err != nil {
		t.Fatal(err)
	}
	if first.Code != sub.Code || first.Status != gateway.StatusReceived || !first.AcceptedAt.Equal(clock()) {
		t.Fatalf("ack %+v", first)
	}
	// Replay with the same key: same answer, one stored dossier.
	again, err := c.Submit(ctx, sub, "key-1", meta)
	if err != nil || again != first {
		t.Fatalf("replay: %+v %v", again, err)
	}
	// Same code and content under a new key (white space and key order differ):
	// the sandbox deduplicates only by key, so this is accepted again and
	// counted as a duplicate, to keep the client's bug visible.
	same := submission(sub.Code, `{"b":"Hòa","a":1}`)
	if a, err := c.Submit(ctx, same, "key-2", meta); err != nil || a.Code != first.Code {
		t.Fatalf("same content, new key: %+v %v", a, err)
	}
	if st := srv.Stats(); st.Duplicates != 1 || st.Replays != 1 || st.Accepted != 2 {
		t.Fatalf("stats %+v", st)
	}
	// Same code, other content: conflict.
	_, err = c.Submit(ctx, submission(sub.Code, `{"a":2}`), "key-3", meta)
	var ge *gateway.Error
	if !errors.Is(err, gateway.ErrConflict) || !errors.As(err, &ge) || ge.Code != gateway.CodeCodeConflict || ge.Status != http.StatusConflict {
		t.Fatalf("conflict: %v", err)
	}
	if !strings.Contains(gateway.ClerkMessage(err), "nội dung khác") {
		t.Errorf("clerk message %q", gateway.ClerkMessage(err))
	}
	// Same key, other content: conflict too.
	if _, err := c.Submit(ctx, submission("G22.99.08-260302-0002", `{}`), "key-1", meta); !errors.Is(err, gateway.ErrConflict) {
		t.Fatalf("key reuse: %v", err)
	}
	ds := srv.Dossiers()
	if len(ds) != 2 || ds[0].Duplicate || !ds[1].Duplicate || ds[1].IdempotencyKey != "key-2" {
		t.Fatalf("stored dossiers: %d", len(ds))
	}
	if d := ds[0]; d.Meta.Operator != "canbo01" || d.IdempotencyKey != "key-1" {
		t.Errorf("stored %+v", d.Meta)
	}
	if st := srv.Stats(); st.Conflicts != 2 {
		t.Errorf("conflicts %d", st.Conflicts)
	}

	st, err := c.Status(ctx, sub.Code, meta)
	if err != nil || st != first {
		t.Fatalf("status: %+v %v", st, err)
	}
	if _, err := c.Status(ctx, "G22.99.08-260302-9999", meta); !errors.Is(err, lookups.ErrNotFound) {
		t.Fatalf("status of unknown: %v", err)
	}

	// Local refusals.
	if _, err := c.Submit(ctx, sub, "", meta); !errors.Is(err, gateway.ErrInvalidInput) {
		t.Errorf("no key: %v", err)
	}
	if _, err := c.Submit(ctx, submission("X", `[1]`), "k", meta); !errors.Is(err, gateway.ErrInvalidInput) {
		t.Errorf("array payload: %v", err)
	}
}

func TestSubmitRawStatusCodes(t *testing.T) {
	_, _, url := newPair(t, sandbox.Options{}, gateway.Config{})
	body, _ := json.Marshal(submission("C-1", `{"x":1}`))
	post := func(key, b string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, url+"/v1/dossiers", strings.NewReader(b))
		req.Header.Set(gateway.HeaderOperator, "canbo01")
		req.Header.Set(gateway.HeaderPurpose, "submit")
		if key != "" {
			req.Header.Set(gateway.HeaderIdempotencyKey, key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var eb gateway.ErrorBody
		json.NewDecoder(resp.Body).Decode(&eb)
		return resp.StatusCode, eb.Error.Code
	}
	tests := []struct {
		name, key, body string
		status          int
		code            string
	}{
		{"missing key", "", string(body), 400, gateway.CodeIdempotencyMissing},
		{"unknown field", "k0", `{"code":"C-2","extra":1}`, 400, gateway.CodeBadRequest},
		{"too large", "k1", `{"code":"` + strings.Repeat("x", gateway.MaxBodyBytes) + `"}`, 413, gateway.CodeTooLarge},
		{"first", "k2", string(body), 201, ""},
		{"replay", "k2", string(body), 200, ""},
	}
	for _, tt := range tests {
		if st, code := post(tt.key, tt.body); st != tt.status || code != tt.code {
			t.Errorf("%s: %d %q, want %d %q", tt.name, st, code, tt.status, tt.code)
		}
	}
}

func TestTimeout(t *testing.T) {
	// The answer would come after 30 s: the client gives up long before (the
	// bound proves it did not wait; it is no latency budget).
	c, _, _ := newPair(t, sandbox.Options{Faults: sandbox.Faults{Latency: 30 * time.Second}}, gateway.Config{Timeout: 50 * time.Millisecond})
	start := time.Now()
	_, _, err := c.Lookup(context.Background(), pop.Person(1).Citizen.ID, meta)
	if !errors.Is(err, gateway.ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("the client waited %v for a 30 s answer with a 50 ms timeout", d)
	}
	if m := gateway.ClerkMessage(err); m != "Cổng dữ liệu dân cư không trả lời kịp. Thử lại sau ít phút." {
		t.Errorf("clerk message %q", m)
	}
}

func TestUnreachableAndCanceled(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close() // nothing listens there any more
	c, _ := gateway.New(gateway.Config{BaseURL: url, Timeout: time.Second})
	err := c.Health(context.Background())
	if !errors.Is(err, gateway.ErrUnreachable) {
		t.Fatalf("err = %v", err)
	}
	if m := gateway.ClerkMessage(err); m != "Không kết nối được cổng dữ liệu dân cư. Kiểm tra mạng rồi thử lại." {
		t.Errorf("clerk message %q", m)
	}

	c2, _, _ := newPair(t, sandbox.Options{Faults: sandbox.Faults{Latency: time.Second}}, gateway.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(30 * time.Millisecond); cancel() }()
	if _, _, err := c2.Lookup(ctx, pop.Person(1).Citizen.ID, meta); !errors.Is(err, gateway.ErrCanceled) {
		t.Fatalf("canceled: %v", err)
	}
}

func TestBadResponses(t *testing.T) {
	id := pop.Person(2).Citizen.ID
	good, _ := json.Marshal(gateway.LookupResponse{Resident: *pop.Person(2), FetchedAt: time.Now()})
	tests := []struct {
		name   string
		status int
		body   string
		kind   error
	}{
		{"unknown field", 200, `{"resident":{"citizen":{"id":"` + id + `"}},"fetchedAt":"2026-01-01T00:00:00Z","extra":true}`, gateway.ErrBadResponse},
		{"trailing data", 200, string(good) + `{}`, gateway.ErrBadResponse},
		{"not JSON", 200, `<html>proxy login</html>`, gateway.ErrBadResponse},
		{"too large", 200, `{"resident":{"citizen":{"id":"` + id + `","fullName":"` + strings.Repeat("a", gateway.MaxBodyBytes) + `"}}}`, gateway.ErrBadResponse},
		{"another person", 200, strings.Replace(string(good), id, id[:11]+"9", -1), gateway.ErrBadResponse},
		{"server error", 500, `oops`, gateway.ErrServer},
		{"proxy 502", 502, ``, gateway.ErrUnreachable},
		{"rejected with message", 422, `{"error":{"code":"x","message":"Thiếu thông tin."}}`, gateway.ErrRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer ts.Close()
			c, _ := gateway.New(gateway.Config{BaseURL: ts.URL})
			_, _, err := c.Lookup(context.Background(), id, meta)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want %v", err, tt.kind)
			}
			if gateway.ClerkMessage(err) == "" {
				t.Error("empty clerk message")
			}
		})
	}
	// A good answer from a stub decodes.
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(good) }))
	defer ts.Close()
	c, _ := gateway.New(gateway.Config{BaseURL: ts.URL + "/"})
	if _, _, err := c.Lookup(context.Background(), id, meta); err != nil {
		t.Fatal(err)
	}
}

func TestClerkMessageNil(t *testing.T) {
	if gateway.ClerkMessage(nil) != "" || gateway.ClerkMessage(errors.New("x")) == "" {
		t.Error("ClerkMessage")
	}
}

func BenchmarkGatewayLookup(b *testing.B) {
	c, _, _ := newPair(b, sandbox.Options{}, gateway.Config{})
	ids := make([]string, 64)
	for i := range ids {
		ids[i] = pop.Person(i * 31).Citizen.ID
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := c.Lookup(ctx, ids[i%len(ids)], meta); err != nil {
			b.Fatal(err)
		}
	}
}
