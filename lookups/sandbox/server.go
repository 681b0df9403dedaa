package sandbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/pid"
)

// Options configure a sandbox Server.
type Options struct {
	Token   string           // when set, calls must carry "Authorization: Bearer <Token>"
	Clock   func() time.Time // default time.Now
	Latency time.Duration    // delay added before every answer (to test timeouts)
}

// StoredDossier is a submission the server accepted.
type StoredDossier struct {
	Submission     gateway.Submission
	IdempotencyKey string
	Hash           string // SHA-256 of the submission's content
	Meta           lookups.CallMeta
	Ack            gateway.Ack
}

// Server implements the gateway contract (openapi.yaml) over a Population.
// Submissions are kept in memory. It never logs personal data.
type Server struct {
	pop  *Population
	opts Options
	mux  *http.ServeMux

	mu      sync.Mutex
	byCode  map[string]*StoredDossier
	byKey   map[string]*StoredDossier
	ordered []*StoredDossier
}

// NewServer returns the sandbox gateway for pop (Default() when nil).
func NewServer(pop *Population, opts Options) *Server {
	if pop == nil {
		pop = Default()
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	s := &Server{pop: pop, opts: opts, mux: http.NewServeMux(),
		byCode: map[string]*StoredDossier{}, byKey: map[string]*StoredDossier{}}
	s.mux.HandleFunc("GET /v1/health", s.health)
	s.mux.HandleFunc("GET /v1/citizens/{id}", s.guard(s.citizen))
	s.mux.HandleFunc("POST /v1/dossiers", s.guard(s.submit))
	s.mux.HandleFunc("GET /v1/dossiers/{code}", s.guard(s.status))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, gateway.CodeNotFound, "Không có chức năng này trên cổng dữ liệu.")
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.opts.Latency > 0 {
		t := time.NewTimer(s.opts.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// Dossiers returns the accepted submissions in arrival order.
func (s *Server) Dossiers() []StoredDossier {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]StoredDossier, len(s.ordered))
	for i, d := range s.ordered {
		out[i] = *d
	}
	return out
}

// guard checks the bearer token and the call metadata before h runs.
func (s *Server) guard(h func(http.ResponseWriter, *http.Request, lookups.CallMeta)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.opts.Token != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.Token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="motcua-sandbox"`)
				writeError(w, http.StatusUnauthorized, gateway.CodeUnauthorized, "Mã truy cập cổng dữ liệu không đúng. Kiểm tra cấu hình.")
				return
			}
		}
		meta := lookups.CallMeta{
			Operator:    strings.TrimSpace(r.Header.Get(gateway.HeaderOperator)),
			Purpose:     strings.TrimSpace(r.Header.Get(gateway.HeaderPurpose)),
			DossierCode: strings.TrimSpace(r.Header.Get(gateway.HeaderDossierCode)),
		}
		if meta.Operator == "" {
			writeError(w, http.StatusBadRequest, gateway.CodeOperatorRequired, "Thiếu mã cán bộ thực hiện (X-Operator-ID).")
			return
		}
		if meta.Purpose == "" {
			writeError(w, http.StatusBadRequest, gateway.CodePurposeRequired, "Thiếu mục đích tra cứu (X-Purpose).")
			return
		}
		h(w, r, meta)
	}
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, gateway.HealthResponse{Status: "ok", Time: s.opts.Clock().UTC()})
}

func (s *Server) citizen(w http.ResponseWriter, r *http.Request, _ lookups.CallMeta) {
	id := r.PathValue("id")
	if err := pid.Validate(id, lookups.Date{}, ""); err != nil {
		msg := "Số định danh cá nhân không hợp lệ."
		var pe *pid.Error
		if errors.As(err, &pe) && len(pe.Problems) > 0 {
			msg = pe.Problems[0].Message
		}
		writeError(w, http.StatusBadRequest, gateway.CodeInvalidID, msg)
		return
	}
	res, ok := s.pop.Resident(id)
	if !ok {
		writeError(w, http.StatusNotFound, gateway.CodeNotFound, "Không tìm thấy công dân có số định danh này.")
		return
	}
	writeJSON(w, http.StatusOK, gateway.LookupResponse{Resident: *res, FetchedAt: s.opts.Clock().UTC()})
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request, meta lookups.CallMeta) {
	key := strings.TrimSpace(r.Header.Get(gateway.HeaderIdempotencyKey))
	if key == "" {
		writeError(w, http.StatusBadRequest, gateway.CodeIdempotencyMissing, "Thiếu khóa chống gửi trùng (Idempotency-Key).")
		return
	}
	var sub gateway.Submission
	if err := gateway.DecodeStrict(http.MaxBytesReader(w, r.Body, gateway.MaxBodyBytes), &sub); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || errors.Is(err, gateway.ErrBodyTooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, gateway.CodeTooLarge, "Hồ sơ quá lớn (tối đa 1 MiB).")
			return
		}
		writeError(w, http.StatusBadRequest, gateway.CodeBadRequest, "Nội dung hồ sơ không đúng định dạng.")
		return
	}
	if err := sub.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, gateway.CodeBadRequest, "Hồ sơ thiếu thông tin bắt buộc.")
		return
	}
	hash := contentHash(sub)

	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.byKey[key]; ok {
		if d.Hash != hash {
			writeError(w, http.StatusConflict, gateway.CodeKeyConflict, "Khóa chống gửi trùng đã dùng cho hồ sơ khác.")
			return
		}
		writeJSON(w, http.StatusOK, d.Ack)
		return
	}
	if d, ok := s.byCode[sub.Code]; ok {
		if d.Hash != hash {
			writeError(w, http.StatusConflict, gateway.CodeCodeConflict, "Mã hồ sơ đã được gửi với nội dung khác.")
			return
		}
		s.byKey[key] = d
		writeJSON(w, http.StatusOK, d.Ack)
		return
	}
	d := &StoredDossier{Submission: sub, IdempotencyKey: key, Hash: hash, Meta: meta,
		Ack: gateway.Ack{Code: sub.Code, Status: gateway.StatusReceived, AcceptedAt: s.opts.Clock().UTC()}}
	s.byKey[key], s.byCode[sub.Code] = d, d
	s.ordered = append(s.ordered, d)
	writeJSON(w, http.StatusCreated, d.Ack)
}

func (s *Server) status(w http.ResponseWriter, r *http.Request, _ lookups.CallMeta) {
	s.mu.Lock()
	d, ok := s.byCode[r.PathValue("code")]
	var ack gateway.Ack
	if ok {
		ack = d.Ack
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, gateway.CodeNotFound, "Không tìm thấy hồ sơ có mã này.")
		return
	}
	writeJSON(w, http.StatusOK, ack)
}

// contentHash hashes everything but the transport: the fields and the payload
// with insignificant white space removed and object keys sorted.
func contentHash(sub gateway.Submission) string {
	h := sha256.New()
	for _, f := range []string{sub.Code, sub.Service, sub.SpecVersion, sub.SubjectID, sub.ReceivedAt.UTC().Format(time.RFC3339Nano)} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	h.Write(canonicalJSON(sub.Payload))
	return hex.EncodeToString(h.Sum(nil))
}

// canonicalJSON re-encodes v with sorted keys (encoding/json sorts map keys).
func canonicalJSON(raw json.RawMessage) []byte {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return raw
	}
	out, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error":{"code":"internal","message":"Lỗi nội bộ cổng dữ liệu."}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, gateway.ErrorBody{Error: gateway.ErrorDetail{Code: code, Message: msg}})
}

// ListenAndServe serves srv on addr until ctx ends, then shuts down gracefully.
func ListenAndServe(ctx context.Context, addr string, srv *Server) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return serve(ctx, ln, srv)
}

func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
}

func serve(ctx context.Context, ln net.Listener, srv *Server) error {
	hs := newHTTPServer(srv)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := hs.Shutdown(sctx); err != nil {
			return err
		}
		<-errc
		return nil
	}
}

// Start serves srv (a server over Default() when nil) on addr, e.g. "127.0.0.1:0",
// in the background and returns its base URL and a stop function that shuts it
// down and waits.
func Start(addr string, srv *Server) (url string, stop func(), err error) {
	if srv == nil {
		srv = NewServer(nil, Options{})
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = serve(ctx, ln, srv)
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	return "http://" + ln.Addr().String(), stop, nil
}
