package reconcile

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/pid"
)

// Source streams the input records; Next returns io.EOF at the end.
type Source interface {
	Next() (Input, error)
}

// BatchLooker is the gateway's batch look-up (*gateway.Client). Run asks for
// gateway.ViewIdentity: it needs no household or relatives.
type BatchLooker interface {
	LookupBatchView(ctx context.Context, ids []string, view string, meta lookups.CallMeta) ([]gateway.BatchResult, error)
}

// Options tune a run.
type Options struct {
	Meta      lookups.CallMeta // operator, purpose (reconcile)
	Workers   int              // concurrent batch look-ups; default 4
	Rate      float64          // look-ups (requests) per second towards the gateway; 0 = no limit
	BatchSize int              // IDs per look-up, 1..gateway.MaxBatchIDs; default the maximum
	// Progress, when set, is called after each batch is emitted, on the
	// calling goroutine, with the running summary (do not keep it).
	Progress func(*Summary)
}

// Summary counts the records of a run.
type Summary struct {
	Records int                       `json:"records"`
	Status  map[string]int            `json:"status"` // StatusChecked, StatusNotFound ... -> count
	Fields  map[string]map[string]int `json:"fields"` // "name" -> Match, ToneOnly ... -> count
}

// NewSummary returns an empty summary.
func NewSummary() *Summary {
	s := &Summary{Status: map[string]int{}, Fields: map[string]map[string]int{}}
	for _, f := range Fields {
		s.Fields[f] = map[string]int{}
	}
	return s
}

// Add counts r.
func (s *Summary) Add(r Result) {
	s.Records++
	s.Status[r.Status]++
	for i, v := range []string{r.Name, r.BirthDate, r.Address} {
		if v != "" {
			s.Fields[Fields[i]][v]++
		}
	}
}

// Unchecked is the number of records that could not be checked (gateway errors).
func (s *Summary) Unchecked() int { return s.Status[StatusError] }

type job struct {
	in   []Input
	out  []Result
	done chan struct{}
}

// Run reads src, looks the records up in batches with opts.Workers concurrent
// calls under the rate limit, and calls emit with one Result per input record,
// in input order. Gateway failures do not stop the run: the batch's records
// get StatusError. Run stops at the first error of src (other than io.EOF) or
// of emit, or when ctx ends; the summary counts what was emitted.
func Run(ctx context.Context, src Source, look BatchLooker, opts Options, emit func(Result) error) (*Summary, error) {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.BatchSize <= 0 || opts.BatchSize > gateway.MaxBatchIDs {
		opts.BatchSize = gateway.MaxBatchIDs
	}
	ctx, cancel := context.WithCancel(ctx)
	lim := newBucket(opts.Rate)
	jobs := make(chan *job, opts.Workers)
	order := make(chan *job, 2*opts.Workers) // bounds the batches in flight: memory stays flat

	var srcErr error
	go func() { // producer
		defer close(order)
		defer close(jobs)
		for {
			j := &job{done: make(chan struct{})}
			for len(j.in) < opts.BatchSize {
				in, err := src.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					srcErr = err
					break
				}
				j.in = append(j.in, in)
			}
			if len(j.in) > 0 {
				select {
				case order <- j:
				case <-ctx.Done():
					return
				}
				select {
				case jobs <- j:
				case <-ctx.Done():
					return
				}
			}
			if len(j.in) < opts.BatchSize {
				return // end of input or an error
			}
		}
	}()
	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.out = check(ctx, j.in, look, lim, opts.Meta)
				close(j.done)
			}
		}()
	}
	defer func() { cancel(); wg.Wait() }()

	sum := NewSummary()
	for j := range order {
		select {
		case <-j.done:
		case <-ctx.Done():
		}
		if err := ctx.Err(); err != nil {
			return sum, err // the batch may hold "canceled" errors: never write them
		}
		for _, r := range j.out {
			if err := emit(r); err != nil {
				return sum, err
			}
			sum.Add(r)
		}
		if opts.Progress != nil {
			opts.Progress(sum)
		}
	}
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	return sum, srcErr // read after order is closed: the producer has returned
}

// check handles one batch.
func check(ctx context.Context, in []Input, look BatchLooker, lim *bucket, meta lookups.CallMeta) []Result {
	out := make([]Result, len(in))
	ids := make([]string, 0, len(in))
	idx := make([]int, 0, len(in)) // position in `in` of each ID sent
	for i, r := range in {
		switch {
		case r.Problem != "":
			out[i] = Result{Line: r.Line, ID: r.ID, Status: StatusInvalidInput, Message: r.Problem}
		case pid.Validate(r.ID, lookups.Date{}, "") != nil:
			out[i] = Result{Line: r.Line, ID: r.ID, Status: StatusInvalidID, Message: msgInvalidID}
		default:
			ids = append(ids, r.ID)
			idx = append(idx, i)
		}
	}
	if len(ids) == 0 {
		return out
	}
	var res []gateway.BatchResult
	err := lim.wait(ctx)
	if err == nil {
		res, err = look.LookupBatchView(ctx, ids, gateway.ViewIdentity, meta)
	}
	if err == nil && len(res) != len(ids) {
		err = errors.New("reconcile: batch answer of the wrong length")
	}
	for k, i := range idx {
		r := in[i]
		switch {
		case err != nil:
			out[i] = Result{Line: r.Line, ID: r.ID, Status: StatusError, Message: gateway.ClerkMessage(err)}
		case !res[k].Found || res[k].Resident == nil:
			out[i] = Result{Line: r.Line, ID: r.ID, Status: StatusNotFound}
		default:
			out[i] = Compare(r, res[k].Resident)
		}
	}
	return out
}

const msgInvalidID = "Số định danh không hợp lệ (cần 12 chữ số đúng quy tắc). Kiểm tra lại danh sách."

// bucket is a token bucket: rate tokens per second, bursts of up to
// max(1, rate) tokens. A nil bucket never waits.
type bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
}

func newBucket(rate float64) *bucket {
	if rate <= 0 {
		return nil
	}
	b := &bucket{rate: rate, burst: max(1, rate), now: time.Now}
	b.tokens, b.last = b.burst, b.now()
	return b
}

// reserve takes one token and returns how long to wait before using it.
func (b *bucket) reserve() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

func (b *bucket) wait(ctx context.Context) error {
	if b == nil {
		return ctx.Err()
	}
	d := b.reserve()
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
