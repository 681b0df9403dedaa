package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"motcua/lookups/gateway"
)

// Outage modes of Faults.Outage.
const (
	OutageNone   = ""     // no outage
	OutageRefuse = "503"  // every call answers 503 at once
	OutageDrop   = "drop" // every call's connection is closed without an answer
)

// Faults are the misbehaviours the sandbox injects into /v1 calls, for the
// chaos test and for training. The zero value injects nothing. Draws come from
// a generator seeded with Seed, so one sequence of calls sees one sequence of
// faults.
type Faults struct {
	Latency     time.Duration // added before every answer
	Jitter      time.Duration // plus a uniform extra delay in [0, Jitter]
	ErrorRate   float64       // share of calls answered with ErrorStatus before any processing
	ErrorStatus int           // default 500 (internal); 502, 503 and 504 are useful too
	HangRate    float64       // share of calls accepted and never answered until the request context ends
	LoseRate    float64       // share of calls processed (a submission is stored) whose answer is then lost (connection closed)
	Outage      string        // OutageNone, OutageRefuse or OutageDrop
	RetryAfter  time.Duration // when set, injected 5xx and refusals carry Retry-After (whole seconds)
	Seed        uint64        // seeds the draws; SetFaults restarts the sequence
}

// faultsJSON is the admin endpoint's wire form: durations as "250ms".
type faultsJSON struct {
	Latency     string  `json:"latency,omitempty"`
	Jitter      string  `json:"jitter,omitempty"`
	ErrorRate   float64 `json:"errorRate,omitempty"`
	ErrorStatus int     `json:"errorStatus,omitempty"`
	HangRate    float64 `json:"hangRate,omitempty"`
	LoseRate    float64 `json:"loseRate,omitempty"`
	Outage      string  `json:"outage,omitempty"`
	RetryAfter  string  `json:"retryAfter,omitempty"`
	Seed        uint64  `json:"seed,omitempty"`
}

func durString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// MarshalJSON writes durations as Go duration strings.
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultsJSON{Latency: durString(f.Latency), Jitter: durString(f.Jitter),
		ErrorRate: f.ErrorRate, ErrorStatus: f.ErrorStatus, HangRate: f.HangRate, LoseRate: f.LoseRate,
		Outage: f.Outage, RetryAfter: durString(f.RetryAfter), Seed: f.Seed})
}

// UnmarshalJSON reads the admin endpoint's form strictly (unknown fields fail).
func (f *Faults) UnmarshalJSON(b []byte) error {
	var w faultsJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return err
	}
	var out Faults
	for _, d := range []struct {
		s   string
		dst *time.Duration
	}{{w.Latency, &out.Latency}, {w.Jitter, &out.Jitter}, {w.RetryAfter, &out.RetryAfter}} {
		if d.s == "" {
			continue
		}
		v, err := time.ParseDuration(d.s)
		if err != nil {
			return err
		}
		*d.dst = v
	}
	out.ErrorRate, out.ErrorStatus, out.HangRate, out.LoseRate = w.ErrorRate, w.ErrorStatus, w.HangRate, w.LoseRate
	out.Outage, out.Seed = w.Outage, w.Seed
	*f = out
	return nil
}

// Validate reports values out of range.
func (f Faults) Validate() error {
	for _, r := range []float64{f.ErrorRate, f.HangRate, f.LoseRate} {
		if r < 0 || r > 1 || r != r {
			return errors.New("sandbox faults: rates must be within 0..1")
		}
	}
	if f.Latency < 0 || f.Jitter < 0 || f.RetryAfter < 0 {
		return errors.New("sandbox faults: durations must not be negative")
	}
	if f.ErrorStatus != 0 && (f.ErrorStatus < 500 || f.ErrorStatus > 599) {
		return fmt.Errorf("sandbox faults: errorStatus %d is not 5xx", f.ErrorStatus)
	}
	switch f.Outage {
	case OutageNone, OutageRefuse, OutageDrop:
	default:
		return fmt.Errorf("sandbox faults: outage %q (want \"\", %q or %q)", f.Outage, OutageRefuse, OutageDrop)
	}
	return nil
}

// faultPlan is what the faults decided for one call.
type faultPlan struct {
	delay      time.Duration
	refuse     bool // answer 503 (outage)
	drop       bool // close the connection before processing
	hang       bool
	fail       int // status to answer before processing, 0 for none
	lose       bool
	retryAfter time.Duration
}

// draw decides the faults of one call. Called with the faults lock held.
func (f *Faults) draw(r *rand.Rand) faultPlan {
	p := faultPlan{delay: f.Latency, retryAfter: f.RetryAfter}
	switch f.Outage {
	case OutageRefuse:
		p.refuse = true
		return p
	case OutageDrop:
		p.drop = true
		return p
	}
	if f.Jitter > 0 {
		p.delay += time.Duration(r.Int64N(int64(f.Jitter) + 1))
	}
	// One draw per kind, always taken, so that the sequence does not depend on
	// which faults fired before.
	h, e, l := r.Float64(), r.Float64(), r.Float64()
	switch {
	case h < f.HangRate:
		p.hang = true
	case e < f.ErrorRate:
		p.fail = f.ErrorStatus
		if p.fail == 0 {
			p.fail = http.StatusInternalServerError
		}
	case l < f.LoseRate:
		p.lose = true
	}
	return p
}

// SetFaults replaces the injected faults at run time and restarts the draws
// from f.Seed.
func (s *Server) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	s.fmu.Lock()
	s.faults = f
	s.rng = rand.New(rand.NewPCG(f.Seed, f.Seed^0x6d6f74637561))
	s.fmu.Unlock()
	return nil
}

// Faults returns the faults in force.
func (s *Server) Faults() Faults {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	return s.faults
}

// inject applies the faults to one /v1 call. It returns false when the call
// was answered (or dropped) by a fault; lose tells the caller to process the
// call and then drop the answer.
func (s *Server) inject(w http.ResponseWriter, r *http.Request) (proceed, lose bool) {
	s.fmu.Lock()
	p := s.faults.draw(s.rng)
	s.fmu.Unlock()
	if p.delay > 0 {
		t := time.NewTimer(p.delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return false, false
		}
	}
	retryAfter := func() {
		if p.retryAfter > 0 {
			secs := int64((p.retryAfter + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		}
	}
	switch {
	case p.refuse:
		s.count(func(st *Stats) { st.Refused++ })
		retryAfter()
		writeError(w, http.StatusServiceUnavailable, gateway.CodeInternal, "Cổng dữ liệu đang tạm ngừng phục vụ. Thử lại sau.")
		return false, false
	case p.drop:
		s.count(func(st *Stats) { st.Dropped++ })
		panic(http.ErrAbortHandler) // closes the connection without an answer
	case p.hang:
		s.count(func(st *Stats) { st.Hung++ })
		<-r.Context().Done()
		return false, false
	case p.fail != 0:
		s.count(func(st *Stats) { st.Failed++ })
		retryAfter()
		writeError(w, p.fail, gateway.CodeInternal, "Lỗi nội bộ cổng dữ liệu (giả lập).")
		return false, false
	}
	return true, p.lose
}

// discard is a ResponseWriter that drops the answer of a lost call.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header {
	if d.h == nil {
		d.h = http.Header{}
	}
	return d.h
}
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}
