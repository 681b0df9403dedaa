package sandbox

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"motcua/forms/lifecycle"
	"motcua/lookups"
	"motcua/lookups/gateway"
)

// The workflow endpoints of the contract (openapi.yaml): progress, results, the agency's list
// and the counters' events; and the admin API's workflow controls:
//
//	GET /_sandbox/workflow                the schedule in force (Workflow, JSON)
//	PUT /_sandbox/workflow                replace it: {"span":"30s","onTime":1,"others":0}
//	PUT /_sandbox/workflow/outcome/{code} force a dossier's outcome: {"outcome":"late"} ("" clears)
//	GET /_sandbox/events                  the counters' events accepted (no personal data)

type workflowState struct {
	mu     sync.Mutex
	opts   Workflow
	events map[string][]acceptedEvent // by dossier code, in acceptance order
	byKey  map[string]acceptedEvent
	all    []acceptedEvent
	forced map[string]string
	file   *os.File
	seeds  map[string]seedSet // by agency
}

type seedSet struct {
	day   string
	cases map[string]*wfCase
}

// AdminEvent is one row of GET /_sandbox/events.
type AdminEvent struct {
	Code       string    `json:"code"`
	Key        string    `json:"key"`
	Kind       string    `json:"kind"`
	Seq        int       `json:"seq"`
	Operator   string    `json:"operator"`
	AcceptedAt time.Time `json:"acceptedAt"`
}

func (s *Server) initWorkflow(w Workflow, path string) error {
	if err := w.Validate(); err != nil {
		return err
	}
	s.wf = &workflowState{opts: w, events: map[string][]acceptedEvent{}, byKey: map[string]acceptedEvent{},
		forced: map[string]string{}, seeds: map[string]seedSet{}}
	if path != "" {
		if err := s.wf.load(path); err != nil {
			return err
		}
	}
	s.mux.HandleFunc("GET /v1/dossiers/{code}/progress", s.guard(s.progress))
	s.mux.HandleFunc("GET /v1/dossiers/{code}/results", s.guard(s.results))
	s.mux.HandleFunc("POST /v1/dossiers/{code}/events", s.guard(s.postEvent))
	s.mux.HandleFunc("POST /v1/agencies/{agency}/dossiers:search", s.guard(s.searchDossiers))
	s.admin.HandleFunc("GET /_sandbox/workflow", func(rw http.ResponseWriter, _ *http.Request) { writeJSON(rw, http.StatusOK, s.Workflow()) })
	s.admin.HandleFunc("PUT /_sandbox/workflow", func(rw http.ResponseWriter, r *http.Request) {
		var wf Workflow
		body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, 64<<10))
		if err == nil {
			err = json.Unmarshal(body, &wf)
		}
		if err == nil {
			err = s.SetWorkflow(wf)
		}
		if err != nil {
			writeError(rw, http.StatusBadRequest, "bad_request", "Lịch giải quyết giả lập không hợp lệ: "+err.Error())
			return
		}
		writeJSON(rw, http.StatusOK, s.Workflow())
	})
	s.admin.HandleFunc("PUT /_sandbox/workflow/outcome/{code}", func(rw http.ResponseWriter, r *http.Request) {
		var body struct {
			Outcome string `json:"outcome"`
		}
		if err := gateway.DecodeStrict(http.MaxBytesReader(rw, r.Body, 4096), &body); err != nil || s.ForceOutcome(r.PathValue("code"), body.Outcome) != nil {
			writeError(rw, http.StatusBadRequest, "bad_request", "Kết quả giả lập không hợp lệ (on_time, early, late, supplement, stop).")
			return
		}
		writeJSON(rw, http.StatusOK, body)
	})
	s.admin.HandleFunc("GET /_sandbox/events", func(rw http.ResponseWriter, _ *http.Request) { writeJSON(rw, http.StatusOK, s.Events()) })
	return nil
}

// Workflow returns the schedule in force.
func (s *Server) Workflow() Workflow {
	s.wf.mu.Lock()
	defer s.wf.mu.Unlock()
	return s.wf.opts
}

// SetWorkflow replaces the schedule (every dossier's life is recomputed with it).
func (s *Server) SetWorkflow(w Workflow) error {
	if err := w.Validate(); err != nil {
		return err
	}
	s.wf.mu.Lock()
	s.wf.opts, s.wf.seeds = w, map[string]seedSet{}
	s.wf.mu.Unlock()
	return nil
}

// ForceOutcome makes every procedure of the dossier code take outcome ("" goes back to the
// drawn one).
func (s *Server) ForceOutcome(code, outcome string) error {
	switch outcome {
	case "", OutcomeOnTime, OutcomeEarly, OutcomeLate, OutcomeSupplement, OutcomeStop:
	default:
		return fmt.Errorf("sandbox: unknown outcome %q", outcome)
	}
	s.wf.mu.Lock()
	defer s.wf.mu.Unlock()
	if outcome == "" {
		delete(s.wf.forced, code)
	} else {
		s.wf.forced[code] = outcome
	}
	return nil
}

// Events returns the counters' events accepted, in order.
func (s *Server) Events() []AdminEvent {
	s.wf.mu.Lock()
	defer s.wf.mu.Unlock()
	out := make([]AdminEvent, 0, len(s.wf.all))
	for _, e := range s.wf.all {
		out = append(out, AdminEvent{Code: e.Code, Key: e.Key, Kind: e.Event.Kind, Seq: e.Ack.Seq, Operator: e.Event.Operator, AcceptedAt: e.Ack.AcceptedAt})
	}
	return out
}

// Life returns a dossier's life as the sandbox sees it now (false when it knows no such dossier).
func (s *Server) Life(code string) (*lifecycle.Life, bool) {
	s.wf.mu.Lock()
	defer s.wf.mu.Unlock()
	c, ok := s.caseLocked(code)
	if !ok {
		return nil, false
	}
	return s.lifeLocked(c, s.opts.Clock()), true
}

// caseLocked finds a dossier: one a counter submitted, or one seeded for its agency. Called
// with wf.mu held.
func (s *Server) caseLocked(code string) (*wfCase, bool) {
	s.mu.Lock()
	d, ok := s.byCode[code]
	s.mu.Unlock()
	if ok {
		return caseOf(d, s.wf.opts.Span)
	}
	agency, _, _ := strings.Cut(code, "-")
	c, ok := s.seedsLocked(agency)[code]
	return c, ok
}

func (s *Server) seedsLocked(agency string) map[string]*wfCase {
	now := s.opts.Clock()
	day := now.In(ict).Format("2006-01-02")
	if set, ok := s.wf.seeds[agency]; ok && set.day == day {
		return set.cases
	}
	set := seedSet{day: day, cases: map[string]*wfCase{}}
	for _, c := range s.wf.opts.withDefaults().seedCases(s.pop, agency, now) {
		set.cases[c.code] = c
	}
	s.wf.seeds[agency] = set
	return set.cases
}

func (s *Server) lifeLocked(c *wfCase, now time.Time) *lifecycle.Life {
	return s.wf.opts.withDefaults().simulate(c, s.wf.events[c.code], s.wf.forced, now)
}

func (s *Server) progress(w http.ResponseWriter, r *http.Request, _ lookups.CallMeta) {
	s.wf.mu.Lock()
	c, ok := s.caseLocked(r.PathValue("code"))
	var p gateway.Progress
	if ok {
		p = progressOf(c, s.lifeLocked(c, s.opts.Clock()))
	}
	s.wf.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, gateway.CodeNotFound, "Không tìm thấy hồ sơ có mã này.")
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) results(w http.ResponseWriter, r *http.Request, _ lookups.CallMeta) {
	s.wf.mu.Lock()
	c, ok := s.caseLocked(r.PathValue("code"))
	var res gateway.Results
	if ok {
		res = resultsOf(c, s.lifeLocked(c, s.opts.Clock()))
	}
	s.wf.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, gateway.CodeNotFound, "Không tìm thấy hồ sơ có mã này.")
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) searchDossiers(w http.ResponseWriter, r *http.Request, _ lookups.CallMeta) {
	agency := r.PathValue("agency")
	var q gateway.DossierQuery
	if err := gateway.DecodeStrict(http.MaxBytesReader(w, r.Body, 64<<10), &q); err != nil || q.Validate() != nil {
		writeError(w, http.StatusBadRequest, gateway.CodeBadRequest, "Điều kiện tìm hồ sơ không hợp lệ.")
		return
	}
	limit := q.Limit
	if limit == 0 {
		limit = gateway.MaxPage
	}
	from, to := q.From, q.To
	now := s.opts.Clock()
	s.wf.mu.Lock()
	var cases []*wfCase
	for _, c := range s.seedsLocked(agency) {
		cases = append(cases, c)
	}
	s.mu.Lock()
	stored := make([]*StoredDossier, 0, len(s.byCode))
	for _, d := range s.byCode {
		stored = append(stored, d)
	}
	s.mu.Unlock()
	for _, d := range stored {
		if c, ok := caseOf(d, s.wf.opts.Span); ok && c.agency == agency {
			cases = append(cases, c)
		}
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].code < cases[j].code })
	page := gateway.DossierPage{Items: []gateway.AgencyDossier{}}
	for _, c := range cases {
		if q.Cursor != "" && c.code <= q.Cursor {
			continue
		}
		day := c.receivedAt.In(ict).Format("2006-01-02")
		if (from != "" && day < from) || (to != "" && day > to) {
			continue
		}
		life := s.lifeLocked(c, now)
		item := listItem(c, life, now)
		if len(q.Stages) > 0 && !slices.Contains(q.Stages, item.Stage) {
			continue
		}
		if !q.UpdatedSince.IsZero() && item.UpdatedAt.Before(q.UpdatedSince) {
			continue
		}
		if len(page.Items) == limit {
			page.Next = page.Items[len(page.Items)-1].Code
			break
		}
		page.Items = append(page.Items, item)
	}
	s.wf.mu.Unlock()
	writeJSON(w, http.StatusOK, page)
}

// eventHash is the content of an event as its idempotency key covers it.
func eventHash(code string, e gateway.CounterEvent) string {
	b, _ := json.Marshal(e)
	h := sha256.New()
	h.Write([]byte(code))
	h.Write([]byte{0})
	h.Write(canonicalJSON(b))
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Server) postEvent(w http.ResponseWriter, r *http.Request, _ lookups.CallMeta) {
	code := r.PathValue("code")
	key := strings.TrimSpace(r.Header.Get(gateway.HeaderIdempotencyKey))
	if key == "" || len(key) > 200 {
		writeError(w, http.StatusBadRequest, gateway.CodeIdempotencyMissing, "Thiếu khóa chống gửi trùng (Idempotency-Key).")
		return
	}
	var ev gateway.CounterEvent
	if err := gateway.DecodeStrict(http.MaxBytesReader(w, r.Body, gateway.MaxBodyBytes), &ev); err != nil || ev.Validate() != nil {
		writeError(w, http.StatusBadRequest, gateway.CodeBadRequest, "Sự kiện hồ sơ không đúng định dạng.")
		return
	}
	hash := eventHash(code, ev)
	s.wf.mu.Lock()
	defer s.wf.mu.Unlock()
	if old, ok := s.wf.byKey[key]; ok {
		if old.Hash != hash {
			writeError(w, http.StatusConflict, gateway.CodeKeyConflict, "Khóa chống gửi trùng đã dùng cho sự kiện khác.")
			return
		}
		writeJSON(w, http.StatusOK, old.Ack)
		return
	}
	c, ok := s.caseLocked(code)
	if !ok {
		writeError(w, http.StatusNotFound, gateway.CodeNotFound, "Không tìm thấy hồ sơ có mã này.")
		return
	}
	now := s.opts.Clock()
	life := s.lifeLocked(c, now)
	st, err := life.Apply(changeOf(ev, key, now))
	if err != nil {
		msg := "Sự kiện không phù hợp với trạng thái hồ sơ trên hệ thống."
		var te *lifecycle.TransitionError
		var ce *lifecycle.ChangeError
		switch {
		case errors.As(err, &te):
			msg = te.Message()
		case errors.As(err, &ce):
			msg = ce.Message
		}
		writeError(w, http.StatusConflict, gateway.CodeInvalidTransition, msg)
		return
	}
	ae := acceptedEvent{Code: code, Key: key, Hash: hash, Event: ev,
		Ack: gateway.EventAck{Code: code, Key: key, Kind: ev.Kind, Seq: st.Seq, Stage: string(life.Stage), AcceptedAt: now.UTC()}}
	if err := s.wf.persist(ae); err != nil {
		writeError(w, http.StatusInternalServerError, gateway.CodeInternal, "Cổng dữ liệu không lưu được sự kiện. Thử lại sau.")
		return
	}
	s.wf.remember(ae)
	writeJSON(w, http.StatusCreated, ae.Ack)
}

// remember keeps an accepted event. Called with mu held.
func (wf *workflowState) remember(ae acceptedEvent) {
	wf.events[ae.Code] = append(wf.events[ae.Code], ae)
	wf.byKey[ae.Key] = ae
	wf.all = append(wf.all, ae)
}

// persist appends an event to the events file (when any) and syncs it. Called with mu held.
func (wf *workflowState) persist(ae acceptedEvent) error {
	if wf.file == nil {
		return nil
	}
	b, err := json.Marshal(ae)
	if err != nil {
		return err
	}
	if _, err := wf.file.Write(append(b, '\n')); err != nil {
		return err
	}
	return wf.file.Sync()
}

// load reads the events kept in path (created when missing) and keeps it open for appending;
// a torn last line (never acknowledged) is cut off, damage elsewhere is an error.
func (wf *workflowState) load(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sandbox events: %w", err)
	}
	r := bufio.NewReader(f)
	var good int64
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("sandbox events %s: %w", path, err)
		}
		var ae acceptedEvent
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ae); err != nil || ae.Key == "" || ae.Code == "" {
			if _, perr := r.Peek(1); errors.Is(perr, io.EOF) {
				break
			}
			f.Close()
			return fmt.Errorf("sandbox events %s: line %d is damaged", path, n)
		}
		wf.remember(ae)
		good += int64(len(line))
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return fmt.Errorf("sandbox events: %w", err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("sandbox events: %w", err)
	}
	wf.file = f
	return nil
}

func (wf *workflowState) close() error {
	wf.mu.Lock()
	defer wf.mu.Unlock()
	if wf.file == nil {
		return nil
	}
	err := wf.file.Close()
	wf.file = nil
	return err
}
