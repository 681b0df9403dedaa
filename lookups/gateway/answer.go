package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync"
)

// Reading answers. Whatever the gateway sends, the client holds at most a
// bounded amount of it: every answer is read through an answerReader that
// stops at the call's size limit (MaxBodyBytes, or MaxBatchBodyBytes for a
// batch look-up), and the bytes of the answers being read at one time, over
// every concurrent call of the client, stay within answerMemory (a call waits
// for its share before it reads, without the wait counting against its
// attempt). A batch answer is decoded as a stream, result by result, each
// result within MaxBodyBytes, so that no copy of the whole answer is made.

// answerMemory bounds the bytes of answers being read and decoded at once by
// one client: the largest answer the contract allows, and room for single
// look-ups beside it. Answers that announce their length reserve just that,
// so many small ones go on at once; two answers of unknown length as large
// as a batch answer may be are read one after the other.
const answerMemory = MaxBatchBodyBytes + 4*MaxBodyBytes

// errAnswerTooLarge is the cause of an answer that goes on past its limit.
type errAnswerTooLarge struct{ what string }

func (e errAnswerTooLarge) Error() string { return e.what }

// answerReader reads an answer's body and fails with errAnswerTooLarge when
// the body goes on past stop (at most limit). The batch decoder moves stop
// along, one result at a time.
type answerReader struct {
	r     io.Reader
	n     int64 // bytes read so far
	limit int64 // the whole answer's limit
	stop  int64 // where reading stops now (<= limit)
	part  string
	index int // the result number the part is about (0: none)
}

func newAnswerReader(r io.Reader, limit int64) *answerReader {
	return &answerReader{r: r, limit: limit, stop: limit}
}

// stopAt lets the reader go at most n bytes past the decoder's position off,
// within the answer's limit; part (and index, when not 0) name what is read
// for the error.
func (a *answerReader) stopAt(off, n int64, part string, index int) {
	a.stop = min(a.limit, off+n)
	a.part, a.index = part, index
}

// tooLarge says which limit the answer broke.
func (a *answerReader) tooLarge() error {
	switch {
	case a.stop == a.limit:
		return errAnswerTooLarge{fmt.Sprintf("answer larger than %d bytes", a.limit)}
	case a.index > 0:
		return errAnswerTooLarge{fmt.Sprintf("%s %d larger than its limit", a.part, a.index)}
	}
	return errAnswerTooLarge{a.part + " larger than its limit"}
}

func (a *answerReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if a.n >= a.stop {
		// At the stop: the answer may end exactly here; one more byte says it does not.
		var one [1]byte
		n, err := io.ReadFull(a.r, one[:])
		if n > 0 {
			return 0, a.tooLarge()
		}
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		return 0, err
	}
	if rest := a.stop - a.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := a.r.Read(p)
	a.n += int64(n)
	return n, err
}

// strictInto decodes exactly one JSON value into out (a pointer), unknown
// fields and trailing data rejected; out is zeroed first, so that a retried
// call never keeps a field of an earlier, broken answer.
func strictInto(out any) func(*answerReader) error {
	return func(r *answerReader) error {
		if v := reflect.ValueOf(out); v.Kind() == reflect.Pointer && !v.IsNil() {
			v.Elem().SetZero()
		}
		return decodeAll(r, out)
	}
}

// decodeAll reads r to its end, then decodes one JSON value strictly.
func decodeAll(r io.Reader, v any) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode body: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("decode body: trailing data after the JSON value")
	}
	return nil
}

// memBudget is a weighted semaphore of bytes, first come first served (a
// large reservation is not starved by small ones).
type memBudget struct {
	mu      sync.Mutex
	size    int64
	used    int64
	waiters []*memWaiter
}

type memWaiter struct {
	n     int64
	ready chan struct{}
}

func newMemBudget(size int64) *memBudget { return &memBudget{size: size} }

// acquire reserves n bytes (at most the budget's size), waiting until they
// are free or ctx ends; release gives them back.
func (b *memBudget) acquire(ctx context.Context, n int64) (release func(), err error) {
	n = max(0, min(n, b.size))
	b.mu.Lock()
	if len(b.waiters) == 0 && b.used+n <= b.size {
		b.used += n
		b.mu.Unlock()
		return b.releaser(n), nil
	}
	w := &memWaiter{n: n, ready: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return b.releaser(n), nil
	case <-ctx.Done():
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-w.ready: // granted meanwhile: give it back
		b.used -= n
	default:
		for i, x := range b.waiters {
			if x == w {
				b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
				break
			}
		}
	}
	b.grant()
	return nil, ctx.Err()
}

func (b *memBudget) releaser(n int64) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			b.used -= n
			b.grant()
			b.mu.Unlock()
		})
	}
}

// grant wakes the waiters, in order, whose share is free. Called with mu held.
func (b *memBudget) grant() {
	for len(b.waiters) > 0 {
		w := b.waiters[0]
		if b.used+w.n > b.size {
			return
		}
		b.used += w.n
		b.waiters = b.waiters[1:]
		close(w.ready)
	}
}
