package sandbox

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"motcua/lookups"
	"motcua/lookups/gateway"
)

func TestServerRoutes(t *testing.T) {
	p := New(5, 500)
	clock := func() time.Time { return time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC) }
	s := NewServer(p, Options{Clock: clock})
	id := p.Person(42).Citizen.ID
	tests := []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/v1/health", 200, ""},
		{"GET", "/v1/citizens/" + id, 200, ""},
		{"GET", "/v1/citizens/12345", 400, gateway.CodeInvalidID},
		{"GET", "/v1/citizens/" + id[:6] + "000600", 404, gateway.CodeNotFound},
		{"GET", "/v1/nothing", 404, gateway.CodeNotFound},
		{"DELETE", "/v1/citizens/" + id, 404, gateway.CodeNotFound},
		{"GET", "/v1/dossiers/none", 404, gateway.CodeNotFound},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, tt.path, nil)
		req.Header.Set(gateway.HeaderOperator, "canbo01")
		req.Header.Set(gateway.HeaderPurpose, lookups.PurposeCheck)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, rec.Code, tt.status)
			continue
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("%s %s: content type %q", tt.method, tt.path, ct)
		}
		if tt.code != "" {
			var eb gateway.ErrorBody
			if err := gateway.DecodeStrict(rec.Body, &eb); err != nil || eb.Error.Code != tt.code || eb.Error.Message == "" {
				t.Errorf("%s %s: body %+v %v", tt.method, tt.path, eb, err)
			}
		}
	}
	// The look-up answer carries the clock and the generated resident.
	req := httptest.NewRequest("GET", "/v1/citizens/"+id, nil)
	req.Header.Set(gateway.HeaderOperator, "canbo01")
	req.Header.Set(gateway.HeaderPurpose, lookups.PurposeCheck)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	var lr gateway.LookupResponse
	if err := gateway.DecodeStrict(rec.Body, &lr); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(p.Person(42))
	got, _ := json.Marshal(lr.Resident)
	if string(want) != string(got) || !lr.FetchedAt.Equal(clock()) {
		t.Errorf("look-up answer differs")
	}
}

func TestListenAndServeStops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ListenAndServe(ctx, addr, NewServer(New(1, 10), Options{})) }()
	var resp *http.Response
	for i := 0; i < 50; i++ {
		if resp, err = http.Get("http://" + addr + "/v1/health"); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v", err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("server did not stop")
	}
}
