package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"motcua/lookups/gateway"
)

func TestBatchEndpoint(t *testing.T) {
	p := New(5, 500)
	s := NewServer(p, Options{})
	a, b := p.Person(10).Citizen.ID, p.Person(11).Citizen.ID
	badCheck := a[:6] + "000499"
	if _, ok := p.IndexOf(badCheck); ok {
		t.Skip("constructed ID happens to exist")
	}
	post := func(body string, hdr bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/v1/citizens:batch", strings.NewReader(body))
		if hdr {
			r.Header.Set(gateway.HeaderOperator, "cb01")
			r.Header.Set(gateway.HeaderPurpose, "reconcile")
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w
	}
	w := post(`{"ids":["`+a+`","`+badCheck+`","`+b+`","999999999999"]}`, true)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var out gateway.BatchResponse
	if err := gateway.DecodeStrict(bytes.NewReader(w.Body.Bytes()), &out); err != nil {
		t.Fatal(err)
	}
	want := []bool{true, false, true, false}
	if len(out.Results) != 4 {
		t.Fatalf("%d results", len(out.Results))
	}
	for i, f := range want {
		if out.Results[i].Found != f {
			t.Errorf("result %d found=%v, want %v", i, out.Results[i].Found, f)
		}
	}
	if got, _ := json.Marshal(out.Results[0].Resident); !bytes.Equal(got, mustJSON(t, p.Person(10))) {
		t.Error("batch resident differs from Person")
	}

	w = post(`{"ids":["`+a+`"],"view":"identity"}`, true)
	var idv gateway.BatchResponse
	if err := gateway.DecodeStrict(bytes.NewReader(w.Body.Bytes()), &idv); err != nil || len(idv.Results) != 1 {
		t.Fatalf("identity view: %v %s", err, w.Body)
	}
	if r := idv.Results[0].Resident; r.Household != nil || r.Father != nil || r.Phone != "" || r.Citizen.ID != a || r.Permanent == nil {
		t.Errorf("identity view holds more or less than identity: %+v", r)
	}

	for _, tc := range []struct {
		name, body string
		hdr        bool
		status     int
		code       string
	}{
		{"no headers", `{"ids":["` + a + `"]}`, false, 400, gateway.CodeOperatorRequired},
		{"empty", `{"ids":[]}`, true, 400, gateway.CodeBadRequest},
		{"unknown field", `{"ids":["` + a + `"],"x":1}`, true, 400, gateway.CodeBadRequest},
		{"bad view", `{"ids":["` + a + `"],"view":"all"}`, true, 400, gateway.CodeBadRequest},
		{"short id", `{"ids":["123"]}`, true, 400, gateway.CodeInvalidID},
		{"too many", `{"ids":[` + strings.Repeat(`"`+a+`",`, gateway.MaxBatchIDs) + `"` + a + `"]}`, true, 400, gateway.CodeBadRequest},
	} {
		w := post(tc.body, tc.hdr)
		var eb gateway.ErrorBody
		_ = json.Unmarshal(w.Body.Bytes(), &eb)
		if w.Code != tc.status || eb.Error.Code != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, w.Code, eb.Error.Code, tc.status, tc.code)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func BenchmarkLookupBatch(b *testing.B) {
	p := New(7, 100_000)
	ids := make([]string, gateway.MaxBatchIDs)
	for i := range ids {
		ids[i] = p.Person(i * 97 % p.Size()).Citizen.ID
	}
	b.ResetTimer()
	for b.Loop() {
		p.lookupBatch(ids, false)
	}
	b.ReportMetric(float64(b.N*len(ids))/b.Elapsed().Seconds(), "persons/s")
}
