package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/lookups"
	"motcua/lookups/gateway"
)

var testPop = New(7, 300)

func startServer(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	s, err := Open(testPop, opts)
	if err != nil {
		t.Fatal(err)
	}
	url, stop, err := Start("127.0.0.1:0", s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(); s.Close() })
	return s, url
}

func call(t *testing.T, method, url string, body []byte, hdr map[string]string) (int, []byte, error) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, buf.Bytes(), nil
}

func sub(code, payload string) []byte {
	b, _ := json.Marshal(gateway.Submission{Code: code, Service: "xac-nhan-hon-nhan", SpecVersion: "2025.1",
		SubjectID: testPop.Person(1).Citizen.ID, ReceivedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		Payload: json.RawMessage(payload)})
	return b
}

func submitHdr(key string) map[string]string {
	return map[string]string{gateway.HeaderOperator: "canbo01", gateway.HeaderPurpose: lookups.PurposeSubmit,
		gateway.HeaderIdempotencyKey: key}
}

func TestAdminFaults(t *testing.T) {
	s, url := startServer(t, Options{Token: "t0ken"})
	put := func(body string) (int, []byte) {
		st, b, err := call(t, http.MethodPut, url+"/_sandbox/faults", []byte(body), nil)
		if err != nil {
			t.Fatal(err)
		}
		return st, b
	}
	st, b := put(`{"latency":"20ms","jitter":"5ms","errorRate":0.25,"errorStatus":503,"hangRate":0.1,"loseRate":0.05,"retryAfter":"2s","seed":9}`)
	want := Faults{Latency: 20 * time.Millisecond, Jitter: 5 * time.Millisecond, ErrorRate: 0.25, ErrorStatus: 503,
		HangRate: 0.1, LoseRate: 0.05, RetryAfter: 2 * time.Second, Seed: 9}
	if st != 200 || s.Faults() != want {
		t.Fatalf("PUT: %d %s -> %+v", st, b, s.Faults())
	}
	st, b, _ = call(t, http.MethodGet, url+"/_sandbox/faults", nil, nil)
	var got Faults
	if st != 200 || json.Unmarshal(b, &got) != nil || got != want || !strings.Contains(string(b), `"latency":"20ms"`) {
		t.Fatalf("GET: %d %s", st, b)
	}
	for _, bad := range []string{`{"errorRate":1.5}`, `{"hangRate":-0.1}`, `{"outage":"sometimes"}`,
		`{"errorStatus":404}`, `{"latency":"soon"}`, `{"latency":"-1s"}`, `{"typo":1}`, `[]`} {
		if st, b := put(bad); st != 400 || !strings.Contains(string(b), "bad_request") {
			t.Errorf("PUT %s: %d %s", bad, st, b)
		}
	}
	if s.Faults() != want {
		t.Errorf("a refused PUT changed the faults: %+v", s.Faults())
	}

	// The admin API answers during an outage and needs no token; {} clears.
	if st, _ := put(`{"outage":"drop"}`); st != 200 {
		t.Fatal(st)
	}
	if _, _, err := call(t, http.MethodGet, url+"/v1/health", nil, nil); err == nil {
		t.Error("health answered during a drop outage")
	}
	if st, _ := put(`{"outage":"503","retryAfter":"1500ms"}`); st != 200 {
		t.Fatal(st)
	}
	req, _ := http.NewRequest(http.MethodGet, url+"/v1/health", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("refusal: %v %+v", err, resp)
	}
	resp.Body.Close()
	if st, _ := put(`{}`); st != 200 || s.Faults() != (Faults{}) {
		t.Fatalf("clear: %d %+v", st, s.Faults())
	}
	if st, _, err := call(t, http.MethodGet, url+"/v1/health", nil, nil); err != nil || st != 200 {
		t.Fatalf("after clearing: %d %v", st, err)
	}
	stats := s.Stats()
	// net/http may resend a GET whose reused connection was dropped: count at least one.
	if stats.Dropped < 1 || stats.Refused != 1 || stats.Requests != stats.Dropped+2 {
		t.Errorf("stats %+v", stats)
	}
	if st, _, _ := call(t, http.MethodGet, url+"/_sandbox/nothing", nil, nil); st != 404 {
		t.Errorf("unknown admin path: %d", st)
	}
	if st, _, _ := call(t, http.MethodDelete, url+"/_sandbox/faults", nil, nil); st != 405 {
		t.Errorf("DELETE faults: %d", st)
	}
}

func TestAdminLoopbackOnly(t *testing.T) {
	tests := []struct {
		remote string
		ok     bool
	}{
		{"127.0.0.1:5000", true},
		{"127.8.9.10:1", true},
		{"[::1]:5000", true},
		{"[::ffff:127.0.0.1]:80", true},
		{"192.0.2.1:1234", false},
		{"[2001:db8::1]:80", false},
		{"10.0.0.5:80", false},
		{"garbage", false},
	}
	s := NewServer(testPop, Options{})
	for _, tt := range tests {
		if got := loopback(tt.remote); got != tt.ok {
			t.Errorf("loopback(%q) = %v", tt.remote, got)
		}
		for _, path := range []string{"/_sandbox/stats", "/_sandbox/dossiers", "/_sandbox/faults"} {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.RemoteAddr = tt.remote
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if (rec.Code == 200) != tt.ok || (!tt.ok && rec.Code != http.StatusForbidden) {
				t.Errorf("%s from %s: %d", path, tt.remote, rec.Code)
			}
		}
	}
}

func TestFaultDrawsDeterministic(t *testing.T) {
	f := Faults{ErrorRate: 0.3, HangRate: 0.1, LoseRate: 0.2, Jitter: 10 * time.Millisecond, Seed: 42}
	seq := func(seed uint64) []faultPlan {
		r := rand.New(rand.NewPCG(seed, seed^0x6d6f74637561))
		out := make([]faultPlan, 2000)
		for i := range out {
			out[i] = f.draw(r)
		}
		return out
	}
	a, b, c := seq(42), seq(42), seq(43)
	same, hang, fail, lose := true, 0, 0, 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("draw %d differs for one seed", i)
		}
		if a[i] != c[i] {
			same = false
		}
		if a[i].delay < 0 || a[i].delay > 10*time.Millisecond {
			t.Fatalf("delay %v", a[i].delay)
		}
		switch {
		case a[i].hang:
			hang++
		case a[i].fail != 0:
			if a[i].fail != 500 {
				t.Fatalf("status %d", a[i].fail)
			}
			fail++
		case a[i].lose:
			lose++
		}
	}
	if same {
		t.Error("another seed gave the same draws")
	}
	// Expected shares: hang 10%, fail 90%*30% = 27%, lose 90%*70%*20% = 12.6%.
	for _, x := range []struct {
		name   string
		n      int
		lo, hi int
	}{{"hang", hang, 140, 260}, {"fail", fail, 460, 620}, {"lose", lose, 190, 320}} {
		if x.n < x.lo || x.n > x.hi {
			t.Errorf("%s: %d of 2000", x.name, x.n)
		}
	}
	// SetFaults restarts the sequence from the seed.
	s := NewServer(testPop, Options{Faults: f})
	var first []faultPlan
	for range 2 {
		if err := s.SetFaults(f); err != nil {
			t.Fatal(err)
		}
		var got []faultPlan
		for range 50 {
			s.fmu.Lock()
			got = append(got, s.faults.draw(s.rng))
			s.fmu.Unlock()
		}
		if first == nil {
			first = got
		} else if !equalPlans(first, got) {
			t.Error("SetFaults did not restart the draws")
		}
	}
}

func equalPlans(a, b []faultPlan) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestHangEndsWithTheCallerOrTheServer(t *testing.T) {
	s, err := Open(testPop, Options{Faults: Faults{HangRate: 1}})
	if err != nil {
		t.Fatal(err)
	}
	url, stop, err := Start("127.0.0.1:0", s)
	if err != nil {
		t.Fatal(err)
	}
	// The caller gives up: the hang ends with its context.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/v1/health", nil)
	start := time.Now()
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 10*time.Second { // the hang is endless: any bound proves it ended
		t.Errorf("hang held the caller %v", d)
	}
	// A call that would hang forever does not hold up stopping the server.
	go http.Get(url + "/v1/health") //nolint:errcheck // it hangs until the server stops: its answer is not the point
	deadline := time.Now().Add(time.Second)
	for s.Stats().Hung < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	start = time.Now()
	stop()
	if d := time.Since(start); d > 10*time.Second { // the hung call is endless: any bound proves stop did not wait
		t.Errorf("stop took %v with a hung call", d)
	}
}

func TestLostAnswerIsStored(t *testing.T) {
	s, url := startServer(t, Options{Faults: Faults{LoseRate: 1}})
	if _, _, err := call(t, http.MethodPost, url+"/v1/dossiers", sub("C-LOST", `{"a":1}`), submitHdr("k-lost")); err == nil {
		t.Fatal("a lost answer arrived")
	}
	if ds := s.Dossiers(); len(ds) != 1 || ds[0].IdempotencyKey != "k-lost" {
		t.Fatalf("stored %d", len(ds))
	}
	if err := s.SetFaults(Faults{}); err != nil {
		t.Fatal(err)
	}
	if st, _, err := call(t, http.MethodPost, url+"/v1/dossiers", sub("C-LOST", `{"a":1}`), submitHdr("k-lost")); err != nil || st != 200 {
		t.Fatalf("retry: %d %v", st, err)
	}
	if st := s.Stats(); st.Lost < 1 || st.Replays != 1 || st.Accepted != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestDuplicateAccountingAndAdminList(t *testing.T) {
	s, url := startServer(t, Options{})
	steps := []struct {
		name, code, payload, key string
		status                   int
	}{
		{"first", "C-1", `{"a":1}`, "k1", 201},
		{"replay", "C-1", `{"a":1}`, "k1", 200},
		{"replay again", "C-1", `{ "a" : 1 }`, "k1", 200},
		{"duplicate: same content, new key", "C-1", `{"a":1}`, "k2", 201},
		{"key reused for other content", "C-2", `{"a":1}`, "k1", 409},
		{"code with other content", "C-1", `{"a":2}`, "k3", 409},
		{"second dossier", "C-2", `{"b":1}`, "k4", 201},
	}
	for _, st := range steps {
		got, body, err := call(t, http.MethodPost, url+"/v1/dossiers", sub(st.code, st.payload), submitHdr(st.key))
		if err != nil || got != st.status {
			t.Fatalf("%s: %d %s %v", st.name, got, body, err)
		}
	}
	want := Stats{Requests: 7, Submissions: 7, Accepted: 3, Replays: 2, Duplicates: 1, Conflicts: 2}
	if got := s.Stats(); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}
	st, body, err := call(t, http.MethodGet, url+"/_sandbox/stats", nil, nil)
	var ws Stats
	if err != nil || st != 200 || gateway.DecodeStrict(bytes.NewReader(body), &ws) != nil || ws != want {
		t.Errorf("GET stats: %d %s", st, body)
	}
	st, body, err = call(t, http.MethodGet, url+"/_sandbox/dossiers", nil, nil)
	var list []AdminDossier
	if err != nil || st != 200 || gateway.DecodeStrict(bytes.NewReader(body), &list) != nil {
		t.Fatalf("GET dossiers: %d %s", st, body)
	}
	var rows []string
	for _, d := range list {
		rows = append(rows, d.Code+"/"+d.IdempotencyKey+"/"+map[bool]string{true: "dup", false: "first"}[d.Duplicate])
		if d.Hash == "" || d.Operator != "canbo01" || d.AcceptedAt.IsZero() {
			t.Errorf("row %+v", d)
		}
	}
	if got := strings.Join(rows, " "); got != "C-1/k1/first C-1/k2/dup C-2/k4/first" {
		t.Errorf("dossiers: %s", got)
	}
	if strings.Contains(string(body), testPop.Person(1).Citizen.ID) {
		t.Error("the admin list shows the subject's ID")
	}
}

func TestStoreSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dossiers.jsonl")
	clock := func() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) }
	s1, url := startServer(t, Options{StorePath: path, Clock: clock})
	for _, k := range []struct{ code, key string }{{"C-1", "k1"}, {"C-2", "k2"}, {"C-1", "k3"}} {
		if st, b, err := call(t, http.MethodPost, url+"/v1/dossiers", sub(k.code, `{"x":"Nguyễn"}`), submitHdr(k.key)); err != nil || st != 201 {
			t.Fatalf("%+v: %d %s %v", k, st, b, err)
		}
	}
	before := s1.Dossiers()
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("store file: %v %v", fi, err)
	}

	// Simulate a crash in the middle of the next append: a torn last line.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if _, err := f.WriteString(`{"submission":{"code":"C-9","serv`); err != nil {
		t.Fatal(err)
	}
	f.Close()

	s2, url2 := startServer(t, Options{StorePath: path, Clock: clock})
	after := s2.Dossiers()
	if len(after) != 3 || !after[2].Duplicate || after[1].Duplicate {
		t.Fatalf("reloaded %d dossiers", len(after))
	}
	for i := range before {
		bj, _ := json.Marshal(before[i])
		aj, _ := json.Marshal(after[i])
		if string(bj) != string(aj) {
			t.Errorf("dossier %d differs after restart:\n%s\n%s", i, bj, aj)
		}
	}
	// The restarted server still deduplicates by key, and still flags duplicates.
	if st, _, err := call(t, http.MethodPost, url2+"/v1/dossiers", sub("C-2", `{"x":"Nguyễn"}`), submitHdr("k2")); err != nil || st != 200 {
		t.Fatalf("replay after restart: %d %v", st, err)
	}
	if st, _, err := call(t, http.MethodPost, url2+"/v1/dossiers", sub("C-2", `{"x":"other"}`), submitHdr("k2")); err != nil || st != 409 {
		t.Fatalf("key conflict after restart: %d %v", st, err)
	}
	if st, _, err := call(t, http.MethodPost, url2+"/v1/dossiers", sub("C-2", `{"x":"Nguyễn"}`), submitHdr("k5")); err != nil || st != 201 {
		t.Fatalf("duplicate after restart: %d %v", st, err)
	}
	if st := s2.Stats(); st.Replays != 1 || st.Duplicates != 1 || st.Conflicts != 1 {
		t.Errorf("stats %+v", st)
	}
	s2.Close()
	data, _ := os.ReadFile(path)
	if n := bytes.Count(data, []byte("\n")); n != 4 || !bytes.HasSuffix(data, []byte("}\n")) {
		t.Errorf("store has %d lines:\n%s", n, data)
	}

	// Damage before the last line is not silently skipped.
	lines := bytes.SplitAfter(data, []byte("\n"))
	damaged := append(append([]byte{}, lines[0]...), []byte("{broken\n")...)
	for _, l := range lines[1:] {
		damaged = append(damaged, l...)
	}
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(bad, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(testPop, Options{StorePath: bad}); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("damaged store: %v", err)
	}
	if _, err := Open(testPop, Options{StorePath: filepath.Join(t.TempDir(), "no", "such", "dir", "x.jsonl")}); err == nil {
		t.Error("unwritable store accepted")
	}
	if _, err := Open(testPop, Options{Faults: Faults{ErrorRate: 2}}); err == nil {
		t.Error("invalid faults accepted")
	}
}

func TestLatencyAndErrorsThroughHTTP(t *testing.T) {
	s, url := startServer(t, Options{Faults: Faults{Latency: 40 * time.Millisecond, ErrorRate: 1, ErrorStatus: 502, RetryAfter: time.Second}})
	start := time.Now()
	req, _ := http.NewRequest(http.MethodGet, url+"/v1/health", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var eb gateway.ErrorBody
	if resp.StatusCode != 502 || resp.Header.Get("Retry-After") != "1" || gateway.DecodeStrict(resp.Body, &eb) != nil || eb.Error.Code != gateway.CodeInternal {
		t.Fatalf("%d %q %+v", resp.StatusCode, resp.Header.Get("Retry-After"), eb)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("answered after %v despite 40ms latency", d)
	}
	if st := s.Stats(); st.Failed != 1 || st.Requests != 1 {
		t.Errorf("stats %+v", st)
	}
}
