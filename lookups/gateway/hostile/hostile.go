// Package hostile is a misbehaving population-data gateway for tests: an HTTP
// server on loopback that speaks the paths of the contract (openapi.yaml) but
// answers in the bad ways a peer the project did not write may answer. It is
// written apart from the sandbox (lookups/sandbox) and shares none of its
// handlers, so that the client and the counter are tested against a peer that
// does not share their assumptions.
//
// Every answer is chosen by the test: acknowledgements that do not acknowledge
// (empty, null, another dossier's code, a status the contract does not
// define), redirects to another port or host, batch answers of any size
// streamed without holding them in memory, and text (names, addresses, error
// messages) carrying terminal control sequences. The server records what it
// received, so that a test can prove that nothing (no dossier, no token)
// reached a place it must not reach.
package hostile

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"motcua/lookups"
	"motcua/lookups/gateway"
)

// Poison is text that drives a terminal instead of being read: it clears the
// screen, sets the window title (OSC 0 ... BEL), returns the carriage and
// starts a new line to forge one of its own, reverses what follows (bidi
// override) and opens a hyperlink (OSC 8).
const Poison = "\x1b[2J\x1b[H\x1b]0;motcua bi chiem\x07\rĐÃ GỬI THÀNH CÔNG\nTình trạng: \u202eđộc thân\u202c \x1b]8;;http://evil.example/\x1b\\bấm\x1b]8;;\x1b\\\u009b31m"

// Controls are the bytes and characters of Poison that must never reach a
// terminal: a test asserts that output holds none of them.
var Controls = []string{"\x1b", "\x07", "\r", "\u202e", "\u202c", "\u009b"}

// Answer is a canned answer: status, headers, body.
type Answer struct {
	Status int
	Header http.Header
	Body   string
}

// JSON is a 200 (or status) answer with v encoded as JSON.
func JSON(status int, v any) Answer {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return Answer{Status: status, Body: string(b)}
}

// Canned acknowledgements of a submission that do not acknowledge it.
var (
	// AckEmpty answers 201 with an empty object.
	AckEmpty = func(gateway.Submission) Answer { return Answer{Status: http.StatusCreated, Body: "{}"} }
	// AckNull answers 201 with JSON null.
	AckNull = func(gateway.Submission) Answer { return Answer{Status: http.StatusCreated, Body: "null"} }
	// AckForeign acknowledges another dossier's code.
	AckForeign = func(sub gateway.Submission) Answer {
		return JSON(http.StatusCreated, gateway.Ack{Code: sub.Code + "-KHAC", Status: gateway.StatusReceived, AcceptedAt: time.Now().UTC()})
	}
	// AckUnknownStatus answers a status the contract does not define.
	AckUnknownStatus = func(sub gateway.Submission) Answer {
		return JSON(http.StatusCreated, gateway.Ack{Code: sub.Code, Status: "queued-somewhere", AcceptedAt: time.Now().UTC()})
	}
	// AckRejected says "rejected" inside a 2xx.
	AckRejected = func(sub gateway.Submission) Answer {
		return JSON(http.StatusOK, gateway.Ack{Code: sub.Code, Status: "rejected", AcceptedAt: time.Now().UTC()})
	}
	// AckOK is a correct acknowledgement (the control case).
	AckOK = func(sub gateway.Submission) Answer {
		return JSON(http.StatusCreated, gateway.Ack{Code: sub.Code, Status: gateway.StatusReceived, AcceptedAt: time.Now().UTC()})
	}
)

// Request is what the server received (the body up to 4 MiB).
type Request struct {
	Method        string
	Host          string // the Host header
	Path          string
	Authorization string
	Header        http.Header
	Body          []byte
}

// Server is a running hostile gateway.
type Server struct {
	// URL is the base URL to configure the client with (http(s)://127.0.0.1:port).
	URL string
	ts  *httptest.Server

	mu        sync.Mutex
	reqs      []Request
	residents map[string]any
	ack       func(gateway.Submission) Answer
	batch     func(w http.ResponseWriter, req gateway.BatchRequest)
	every     func(r *http.Request) (Answer, bool)
}

// Start starts a hostile gateway on 127.0.0.1 for the test; it stops at the
// test's end. Until told otherwise it answers health, knows nobody (404),
// acknowledges submissions correctly and finds nobody in a batch.
func Start(t testing.TB) *Server { return start(t, false) }

// StartTLS is Start over https with a test certificate; Client returns an
// HTTP client that trusts it.
func StartTLS(t testing.TB) *Server { return start(t, true) }

func start(t testing.TB, tls bool) *Server {
	t.Helper()
	s := &Server{residents: map[string]any{}, ack: AckOK}
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.ts.Listener.Close()
	s.ts.Listener = ln
	if tls {
		s.ts.StartTLS()
	} else {
		s.ts.Start()
	}
	s.URL = s.ts.URL
	t.Cleanup(s.Close)
	return s
}

// Close stops the server.
func (s *Server) Close() {
	s.ts.CloseClientConnections()
	s.ts.Close()
}

// Client is an HTTP client that trusts the server's test certificate (StartTLS).
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Port is the server's TCP port.
func (s *Server) Port() string {
	_, port, _ := net.SplitHostPort(s.ts.Listener.Addr().String())
	return port
}

// Requests returns what the server received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// SetResident serves r (any JSON value: a *lookups.Resident, or a map to
// send fields the contract does not know) for GET /v1/citizens/{id}.
func (s *Server) SetResident(id string, r any) {
	s.mu.Lock()
	s.residents[id] = r
	s.mu.Unlock()
}

// SetAck chooses the answer to POST /v1/dossiers.
func (s *Server) SetAck(f func(gateway.Submission) Answer) {
	s.mu.Lock()
	s.ack = f
	s.mu.Unlock()
}

// SetBatch chooses how POST /v1/citizens:batch is answered: f writes the
// whole answer (status, headers, body) itself, so that it can stream any size.
func (s *Server) SetBatch(f func(w http.ResponseWriter, req gateway.BatchRequest)) {
	s.mu.Lock()
	s.batch = f
	s.mu.Unlock()
}

// AnswerEvery answers every request (health included) with f's answer when
// f returns true, before any path is considered: redirects, errors.
func (s *Server) AnswerEvery(f func(r *http.Request) (Answer, bool)) {
	s.mu.Lock()
	s.every = f
	s.mu.Unlock()
}

// RedirectTo answers every request with status (301, 302, 303, 307, 308)
// and a Location of base followed by the request's path.
func (s *Server) RedirectTo(status int, base string) {
	s.AnswerEvery(func(r *http.Request) (Answer, bool) {
		h := http.Header{}
		h.Set("Location", strings.TrimSuffix(base, "/")+r.URL.Path)
		return Answer{Status: status, Header: h, Body: `{"moved":true}`}, true
	})
}

// FailEvery answers every request but health with status and an error body
// of the contract carrying code and message (e.g. Poison).
func (s *Server) FailEvery(status int, code, message string) {
	s.AnswerEvery(func(r *http.Request) (Answer, bool) {
		if strings.HasSuffix(r.URL.Path, "/health") {
			return Answer{}, false
		}
		return JSON(status, gateway.ErrorBody{Error: gateway.ErrorDetail{Code: code, Message: message}}), true
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	s.mu.Lock()
	s.reqs = append(s.reqs, Request{Method: r.Method, Host: r.Host, Path: r.URL.Path,
		Authorization: r.Header.Get("Authorization"), Header: r.Header.Clone(), Body: body})
	every, ack, batch := s.every, s.ack, s.batch
	s.mu.Unlock()
	if every != nil {
		if a, ok := every(r); ok {
			write(w, a)
			return
		}
	}
	p := strings.TrimPrefix(r.URL.Path, gateway.BasePath)
	switch {
	case r.Method == http.MethodGet && p == "/health":
		write(w, JSON(http.StatusOK, gateway.HealthResponse{Status: "ok", Time: time.Now().UTC()}))
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/citizens/"):
		id := strings.TrimPrefix(p, "/citizens/")
		s.mu.Lock()
		res, ok := s.residents[id]
		s.mu.Unlock()
		if !ok {
			write(w, JSON(http.StatusNotFound, gateway.ErrorBody{Error: gateway.ErrorDetail{Code: gateway.CodeNotFound, Message: "Không tìm thấy."}}))
			return
		}
		write(w, JSON(http.StatusOK, map[string]any{"resident": res, "fetchedAt": time.Now().UTC()}))
	case r.Method == http.MethodPost && p == "/dossiers":
		var sub gateway.Submission
		if err := json.Unmarshal(body, &sub); err != nil {
			write(w, JSON(http.StatusBadRequest, gateway.ErrorBody{Error: gateway.ErrorDetail{Code: gateway.CodeBadRequest, Message: "Sai định dạng."}}))
			return
		}
		write(w, ack(sub))
	case r.Method == http.MethodPost && p == "/citizens:batch":
		var req gateway.BatchRequest
		if err := json.Unmarshal(body, &req); err != nil {
			write(w, JSON(http.StatusBadRequest, gateway.ErrorBody{Error: gateway.ErrorDetail{Code: gateway.CodeBadRequest, Message: "Sai định dạng."}}))
			return
		}
		if batch == nil {
			res := gateway.BatchResponse{FetchedAt: time.Now().UTC()}
			for _, id := range req.IDs {
				res.Results = append(res.Results, gateway.BatchResult{ID: id})
			}
			write(w, JSON(http.StatusOK, res))
			return
		}
		batch(w, req)
	default:
		write(w, JSON(http.StatusNotFound, gateway.ErrorBody{Error: gateway.ErrorDetail{Code: gateway.CodeNotFound, Message: "Không có."}}))
	}
}

func write(w http.ResponseWriter, a Answer) {
	for k, vs := range a.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	if a.Status == 0 {
		a.Status = http.StatusOK
	}
	w.WriteHeader(a.Status)
	_, _ = io.WriteString(w, a.Body)
}

// Poisoned returns a copy of r with Poison in its names, addresses,
// relations and other free text, its ID numbers and dates kept (so that the
// client accepts it as the answer about that person).
func Poisoned(r *lookups.Resident) *lookups.Resident {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	var cp lookups.Resident
	if err := json.Unmarshal(b, &cp); err != nil {
		panic(err)
	}
	p := func(s *string) {
		if *s != "" {
			*s = *s + " " + Poison
		}
	}
	c := &cp.Citizen
	for _, s := range []*string{&c.FullName, &c.Nationality, &c.Ethnicity, &c.Religion, &c.PlaceOfOrigin, &c.CardAddress, &cp.BirthPlace, &cp.RelationToHead} {
		p(s)
	}
	for _, x := range []*lookups.Residence{cp.Permanent, cp.Temporary, cp.CurrentPlace} {
		if x != nil {
			for _, s := range []*string{&x.Address.Detail, &x.Address.WardName, &x.Address.ProvinceName, &x.Legacy.Detail, &x.Legacy.Ward, &x.Legacy.District, &x.Legacy.Province} {
				p(s)
			}
		}
	}
	for _, ref := range []*lookups.PersonRef{cp.Father, cp.Mother, cp.Spouse} {
		if ref != nil {
			p(&ref.FullName)
		}
	}
	if h := cp.Household; h != nil {
		p(&h.FileNumber)
		p(&h.Head.FullName)
		p(&h.Address.Detail)
		for i := range h.Members {
			p(&h.Members[i].FullName)
			p(&h.Members[i].Relation)
		}
	}
	return &cp
}

// HugeBatch returns a batch answer of size bytes (a 200 OK) that never
// holds more than a few kilobytes in the server: a well-formed beginning
// whose first resident's name goes on for the whole size. It stops quietly
// when the client hangs up.
func HugeBatch(size int64) func(w http.ResponseWriter, req gateway.BatchRequest) {
	return func(w http.ResponseWriter, req gateway.BatchRequest) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		id := req.IDs[0]
		head := `{"results":[{"id":"` + id + `","found":true,"resident":{"citizen":{"id":"` + id + `","sex":"Nam","birthDate":"1990-01-01","fullName":"`
		n, err := io.WriteString(w, head)
		if err != nil {
			return
		}
		chunk := bytes.Repeat([]byte("Nguyễn "), 4096)
		for left := size - int64(n); left > 0; {
			c := chunk
			if int64(len(c)) > left {
				c = c[:left]
			}
			m, err := w.Write(c)
			if err != nil {
				return
			}
			left -= int64(m)
		}
	}
}

// ManyResults returns a batch answer of about size bytes made of tiny
// results, far more of them than IDs were asked for, streamed.
func ManyResults(size int64) func(w http.ResponseWriter, req gateway.BatchRequest) {
	return func(w http.ResponseWriter, req gateway.BatchRequest) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		id := req.IDs[0]
		one := []byte(`{"id":"` + id + `","found":false},`)
		if _, err := io.WriteString(w, `{"fetchedAt":"2026-01-01T00:00:00Z","results":[`); err != nil {
			return
		}
		block := bytes.Repeat(one, (64<<10)/len(one))
		for sent := int64(0); sent < size; {
			m, err := w.Write(block)
			if err != nil {
				return
			}
			sent += int64(m)
		}
	}
}

// Blanks returns a batch answer that opens its result list and then sends
// size bytes of white space (valid JSON between tokens).
func Blanks(size int64) func(w http.ResponseWriter, req gateway.BatchRequest) {
	return func(w http.ResponseWriter, req gateway.BatchRequest) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		if _, err := io.WriteString(w, `{"results":[`); err != nil {
			return
		}
		chunk := bytes.Repeat([]byte(" \n\t"), 16<<10)
		for sent := int64(0); sent < size; {
			m, err := w.Write(chunk)
			if err != nil {
				return
			}
			sent += int64(m)
		}
	}
}

// FullAnswers returns well-formed batch answers of about size bytes each,
// within every limit of the contract: every ID found, each resident's card
// address filling its share (size over the number of IDs). It is the largest
// answer a client must accept, streamed.
func FullAnswers(size int64) func(w http.ResponseWriter, req gateway.BatchRequest) {
	return func(w http.ResponseWriter, req gateway.BatchRequest) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		share := max(int64(1), size/int64(len(req.IDs))-200)
		filler := []byte(strings.Repeat("x", int(share)))
		if _, err := io.WriteString(w, `{"fetchedAt":"2026-01-01T00:00:00Z","results":[`); err != nil {
			return
		}
		for i, id := range req.IDs {
			sep := ","
			if i == 0 {
				sep = ""
			}
			head := sep + `{"id":"` + id + `","found":true,"resident":{"citizen":{"id":"` + id +
				`","fullName":"Nguyễn Văn An","birthDate":"1990-01-01","sex":"Nam","cardAddress":"`
			if _, err := io.WriteString(w, head); err != nil {
				return
			}
			if _, err := w.Write(filler); err != nil {
				return
			}
			if _, err := io.WriteString(w, `"}}}`); err != nil {
				return
			}
		}
		_, _ = io.WriteString(w, "]}")
	}
}

// BatchRequests counts the batch look-ups the server received.
func (s *Server) BatchRequests() int {
	n := 0
	for _, r := range s.Requests() {
		if strings.HasSuffix(r.Path, "/citizens:batch") {
			n++
		}
	}
	return n
}
