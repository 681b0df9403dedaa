package sandbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/pid"
)

// Options configure a sandbox Server.
type Options struct {
	Token string           // when set, calls must carry "Authorization: Bearer <Token>"
	Clock func() time.Time // default time.Now
	// Faults injected from the start; change them at run time with SetFaults
	// or PUT /_sandbox/faults.
	Faults Faults
	// StorePath, when set, keeps accepted dossiers in that file (append-only
	// JSON lines, fsynced before the answer), so that a restarted sandbox
	// still deduplicates. Use Open to learn about an unreadable file.
	StorePath string
	// HeadsPath, when set, keeps the audit heads counters send (anchor.go) in that file;
	// default StorePath+".heads" when StorePath is set, else in memory only.
	HeadsPath string
	// Workflow is how the sandbox plays the handling agencies (workflow.go); nil:
	// DefaultWorkflow. The counters' events are kept in EventsPath, default
	// StorePath+".events" when StorePath is set, else in memory only.
	Workflow   *Workflow
	EventsPath string
}

// StoredDossier is a submission the server accepted.
type StoredDossier struct {
	Submission     gateway.Submission `json:"submission"`
	IdempotencyKey string             `json:"idempotencyKey"`
	Hash           string             `json:"hash"` // SHA-256 of the submission's content
	Meta           lookups.CallMeta   `json:"meta"`
	Ack            gateway.Ack        `json:"ack"`
	// Duplicate marks a second acceptance of a dossier code with the same
	// content under another idempotency key: the client's bug, kept visible.
	Duplicate bool `json:"duplicate,omitempty"`
}

// Stats count what the server saw since it started (not persisted).
type Stats struct {
	Requests    int64 `json:"requests"`    // /v1 calls, faulted or not
	Submissions int64 `json:"submissions"` // POST /v1/dossiers that passed the faults and validation
	Accepted    int64 `json:"accepted"`    // stored: first acceptances and duplicates
	Replays     int64 `json:"replays"`     // same idempotency key, same content: the first answer again
	Duplicates  int64 `json:"duplicates"`  // same code and content under a new key: stored again (a client bug)
	Conflicts   int64 `json:"conflicts"`   // 409: key reused for other content, or code with other content
	Failed      int64 `json:"failed"`      // injected 5xx
	Hung        int64 `json:"hung"`        // injected hangs
	Lost        int64 `json:"lost"`        // processed, answer dropped
	Refused     int64 `json:"refused"`     // outage: 503
	Dropped     int64 `json:"dropped"`     // outage: connection closed
}

// Server implements the gateway contract (openapi.yaml) over a Population,
// with injectable faults and a loopback-only admin API under /_sandbox/.
// Submissions are kept in memory (and in Options.StorePath when set); they are
// deduplicated only by idempotency key. It never logs personal data.
type Server struct {
	pop   *Population
	opts  Options
	mux   *http.ServeMux
	admin *http.ServeMux

	fmu    sync.Mutex
	faults Faults
	rng    *rand.Rand

	smu   sync.Mutex
	stats Stats

	mu        sync.Mutex
	byCode    map[string]*StoredDossier // the first acceptance of each code
	byKey     map[string]*StoredDossier
	ordered   []*StoredDossier
	store     *os.File
	storeSize int64 // bytes of whole records in store

	anchors anchorStore // audit heads (anchor.go)

	wf *workflowState // the handling agencies (workflow.go)
}

// NewServer returns the sandbox gateway for pop (Default() when nil). It
// panics when Options.Faults are invalid or Options.StorePath cannot be
// opened; use Open to get an error instead.
func NewServer(pop *Population, opts Options) *Server {
	s, err := Open(pop, opts)
	if err != nil {
		panic(err)
	}
	return s
}

// Open returns the sandbox gateway for pop (Default() when nil), loading the
// dossiers kept in Options.StorePath when set. Close releases the file.
func Open(pop *Population, opts Options) (*Server, error) {
	if pop == nil {
		pop = Default()
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	s := &Server{pop: pop, opts: opts, mux: http.NewServeMux(), admin: http.NewServeMux(),
		byCode: map[string]*StoredDossier{}, byKey: map[string]*StoredDossier{}}
	if err := s.SetFaults(opts.Faults); err != nil {
		return nil, err
	}
	if opts.StorePath != "" {
		if err := s.load(opts.StorePath); err != nil {
			return nil, err
		}
		if opts.HeadsPath == "" {
			opts.HeadsPath = opts.StorePath + ".heads"
		}
	}
	if opts.HeadsPath != "" {
		if err := s.anchors.load(opts.HeadsPath); err != nil {
			s.Close()
			return nil, err
		}
	}
	s.mux.HandleFunc("GET /v1/health", s.health)
	s.mux.HandleFunc("GET /v1/citizens/{id}", s.guard(s.citizen))
	s.mux.HandleFunc("POST /v1/citizens:batch", s.guard(s.batch))
	s.mux.HandleFunc("POST /v1/dossiers", s.guard(s.submit))
	s.mux.HandleFunc("GET /v1/dossiers/{code}", s.guard(s.status))
	s.routeAnchors()
	wf := DefaultWorkflow
	if opts.Workflow != nil {
		wf = *opts.Workflow
	}
	if opts.EventsPath == "" && opts.StorePath != "" {
		opts.EventsPath = opts.StorePath + ".events"
	}
	if err := s.initWorkflow(wf, opts.EventsPath); err != nil {
		s.Close()
		return nil, err
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, gateway.CodeNotFound, "Không có chức năng này trên cổng dữ liệu.")
	})
	s.routeAdmin()
	return s, nil
}

// Close closes the store file (when any). The server must not be used after.
func (s *Server) Close() error {
	aerr := s.anchors.close()
	if s.wf != nil {
		aerr = errors.Join(aerr, s.wf.close())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store == nil {
		return aerr
	}
	err := s.store.Close()
	s.store = nil
	return errors.Join(err, aerr)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	s.count(func(st *Stats) { st.Requests++ })
	proceed, lose := s.inject(w, r)
	if !proceed {
		return
	}
	if lose {
		s.mux.ServeHTTP(&discard{}, r)
		s.count(func(st *Stats) { st.Lost++ })
		panic(http.ErrAbortHandler) // the work is done, the answer never arrives
	}
	s.mux.ServeHTTP(w, r)
}

// Dossiers returns the accepted submissions in arrival order, duplicates included.
func (s *Server) Dossiers() []StoredDossier {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]StoredDossier, len(s.ordered))
	for i, d := range s.ordered {
		out[i] = *d
	}
	return out
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.smu.Lock()
	defer s.smu.Unlock()
	return s.stats
}

func (s *Server) count(f func(*Stats)) {
	s.smu.Lock()
	f(&s.stats)
	s.smu.Unlock()
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
	s.count(func(st *Stats) { st.Submissions++ })

	s.mu.Lock()
	defer s.mu.Unlock()
	// Deduplicate by idempotency key only: a replay returns the first answer.
	if d, ok := s.byKey[key]; ok {
		if d.Hash != hash {
			s.count(func(st *Stats) { st.Conflicts++ })
			writeError(w, http.StatusConflict, gateway.CodeKeyConflict, "Khóa chống gửi trùng đã dùng cho hồ sơ khác.")
			return
		}
		s.count(func(st *Stats) { st.Replays++ })
		writeJSON(w, http.StatusOK, d.Ack)
		return
	}
	first, dup := s.byCode[sub.Code]
	if dup && first.Hash != hash {
		s.count(func(st *Stats) { st.Conflicts++ })
		writeError(w, http.StatusConflict, gateway.CodeCodeConflict, "Mã hồ sơ đã được gửi với nội dung khác.")
		return
	}
	// A new key for a code already received with the same content is the
	// client's bug (it lost the key): accept it again, visibly, as a real
	// gateway without code deduplication would, and count it.
	d := &StoredDossier{Submission: sub, IdempotencyKey: key, Hash: hash, Meta: meta, Duplicate: dup,
		Ack: gateway.Ack{Code: sub.Code, Status: gateway.StatusReceived, AcceptedAt: s.opts.Clock().UTC()}}
	if err := s.persist(d); err != nil {
		writeError(w, http.StatusInternalServerError, gateway.CodeInternal, "Cổng dữ liệu không lưu được hồ sơ. Thử lại sau.")
		return
	}
	s.remember(d)
	s.count(func(st *Stats) {
		st.Accepted++
		if dup {
			st.Duplicates++
		}
	})
	writeJSON(w, http.StatusCreated, d.Ack)
}

// remember indexes an accepted dossier. Called with mu held.
func (s *Server) remember(d *StoredDossier) {
	s.byKey[d.IdempotencyKey] = d
	if _, ok := s.byCode[d.Submission.Code]; !ok {
		s.byCode[d.Submission.Code] = d
	}
	s.ordered = append(s.ordered, d)
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
	// The length up front lets a client reserve just the memory the answer needs.
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client went away: nothing to do
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
	// Requests live in ctx: stopping the server ends hung and delayed calls.
	hs.BaseContext = func(net.Listener) context.Context { return ctx }
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
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
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
