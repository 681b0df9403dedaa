package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"motcua/lookups"
)

// MaxBatchIDs is the largest number of IDs in one POST /v1/citizens:batch.
const MaxBatchIDs = 1000

// MaxBatchBodyBytes bounds the answer of a batch look-up: about 1,000 residents
// with their households (32 MiB). Requests stay under MaxBodyBytes.
const MaxBatchBodyBytes = 32 << 20

// Views of a batch answer.
const (
	// ViewFull answers whole residents, as GET /v1/citizens/{id} does.
	ViewFull = "full"
	// ViewIdentity answers only what a list check needs (data minimisation):
	// the citizen, the residences and the date of death; no household,
	// relatives, marital history or contact details.
	ViewIdentity = "identity"
)

// BatchRequest is the body of POST /v1/citizens:batch. View is ViewFull
// (default when empty) or ViewIdentity.
type BatchRequest struct {
	IDs  []string `json:"ids"`
	View string   `json:"view,omitempty"`
}

// IdentityView returns the part of r that ViewIdentity answers.
func IdentityView(r *lookups.Resident) *lookups.Resident {
	return &lookups.Resident{Citizen: r.Citizen, Permanent: r.Permanent, Temporary: r.Temporary,
		CurrentPlace: r.CurrentPlace, DeathDate: r.DeathDate}
}

// BatchResult is the answer for one ID of a batch, in the order of the request.
// Resident is set only when Found; an ID that is not a valid personal ID number
// is reported as not found.
type BatchResult struct {
	ID       string            `json:"id"`
	Found    bool              `json:"found"`
	Resident *lookups.Resident `json:"resident,omitempty"`
}

// BatchResponse answers POST /v1/citizens:batch.
type BatchResponse struct {
	Results   []BatchResult `json:"results"`
	FetchedAt time.Time     `json:"fetchedAt"`
}

// ValidBatchID reports whether id has the form the batch endpoint accepts (12 digits).
func ValidBatchID(id string) bool {
	return len(id) == 12 && strings.Trim(id, "0123456789") == ""
}

// LookupBatch fetches up to MaxBatchIDs whole residents in one call. The
// results are in the order of ids (duplicates allowed), one per ID; a person
// the database does not hold has Found false. The call is a read, so it is
// retried like Lookup; it goes through the same circuit breaker.
func (c *Client) LookupBatch(ctx context.Context, ids []string, meta lookups.CallMeta) ([]BatchResult, error) {
	return c.LookupBatchView(ctx, ids, ViewFull, meta)
}

// LookupBatchView is LookupBatch with the view to answer: ViewFull or
// ViewIdentity (smaller and faster: what list reconciliation needs).
func (c *Client) LookupBatchView(ctx context.Context, ids []string, view string, meta lookups.CallMeta) ([]BatchResult, error) {
	const op = "lookup_batch"
	if view != ViewFull && view != ViewIdentity {
		return nil, &Error{Op: op, kind: ErrInvalidInput, Err: fmt.Errorf("unknown batch view %q", view)}
	}
	if err := meta.Validate(); err != nil {
		return nil, &Error{Op: op, kind: ErrMissingMeta, Err: err}
	}
	if len(ids) == 0 || len(ids) > MaxBatchIDs {
		return nil, &Error{Op: op, kind: ErrInvalidInput, Err: fmt.Errorf("batch of %d IDs (want 1..%d)", len(ids), MaxBatchIDs)}
	}
	for i, id := range ids {
		if !ValidBatchID(id) {
			return nil, &Error{Op: op, Code: CodeInvalidID, kind: ErrInvalidID, Err: fmt.Errorf("ID number %d of the batch is not 12 digits", i+1)}
		}
	}
	body, err := json.Marshal(BatchRequest{IDs: ids, View: view})
	if err != nil {
		return nil, &Error{Op: op, kind: ErrInvalidInput, Err: err}
	}
	var out BatchResponse
	if err := c.doRead(ctx, op, BasePath+"/citizens:batch", &meta, body, MaxBatchBodyBytes, &out); err != nil {
		return nil, err
	}
	if len(out.Results) != len(ids) {
		return nil, &Error{Op: op, Status: http.StatusOK, kind: ErrBadResponse,
			Err: fmt.Errorf("%d results for %d IDs", len(out.Results), len(ids))}
	}
	for i := range out.Results {
		r := &out.Results[i]
		switch {
		case r.ID != ids[i]:
			return nil, &Error{Op: op, Status: http.StatusOK, kind: ErrBadResponse, Err: fmt.Errorf("result %d is about another ID", i+1)}
		case r.Found && (r.Resident == nil || r.Resident.Citizen.ID != r.ID):
			return nil, &Error{Op: op, Status: http.StatusOK, kind: ErrBadResponse, Err: fmt.Errorf("result %d: resident missing or about another ID", i+1)}
		case !r.Found && r.Resident != nil:
			return nil, &Error{Op: op, Status: http.StatusOK, kind: ErrBadResponse, Err: fmt.Errorf("result %d: not found but carries a resident", i+1)}
		}
	}
	return out.Results, nil
}

// doRead is do for a POST that only reads (always retryable), decoding an
// answer of up to limit bytes.
// TODO(lead): fold into do/attempt with a limit parameter; kept separate here
// so as not to touch client.go while it is owned elsewhere.
func (c *Client) doRead(ctx context.Context, op, path string, meta *lookups.CallMeta, body []byte, limit int64, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.budget)
	defer cancel()
	var last error
	for attempt := 0; ; attempt++ {
		ok, probe := c.br.allow()
		if !ok {
			if last != nil {
				return last
			}
			return &Error{Op: op, kind: ErrCircuitOpen, RetryAfter: c.br.untilProbe()}
		}
		err := c.attemptRead(ctx, op, path, meta, body, limit, out)
		c.br.done(probe, err)
		if err == nil {
			return nil
		}
		last = err
		if attempt >= c.retries || !retryable(err) {
			return err
		}
		wait := c.backoff(attempt)
		var ge *Error
		if errors.As(err, &ge) && ge.RetryAfter > wait {
			wait = ge.RetryAfter
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= wait {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
	}
}

func (c *Client) attemptRead(ctx context.Context, op, path string, meta *lookups.CallMeta, body []byte, limit int64, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u := *c.base
	u.Path = c.base.Path + path
	u.RawPath = ""
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return &Error{Op: op, kind: ErrInvalidInput, Err: errors.New("cannot build request")}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set(HeaderOperator, meta.Operator)
	req.Header.Set(HeaderPurpose, meta.Purpose)
	if meta.DossierCode != "" {
		req.Header.Set(HeaderDossierCode, meta.DossierCode)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return transportError(op, ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err := decodeStrictLimit(resp.Body, out, limit); err != nil {
			if ctx.Err() != nil {
				return transportError(op, ctx, err)
			}
			return &Error{Op: op, Status: resp.StatusCode, kind: ErrBadResponse, Err: err}
		}
		return nil
	}
	return statusError(op, resp, time.Now())
}

// decodeStrictLimit is DecodeStrict with another size limit. It decodes from
// the stream (no copy of the whole body).
func decodeStrictLimit(r io.Reader, v any, limit int64) error {
	lr := &io.LimitedReader{R: r, N: limit + 1}
	dec := json.NewDecoder(lr)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if lr.N <= 0 {
			return fmt.Errorf("body larger than %d bytes", limit)
		}
		return fmt.Errorf("decode body: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if lr.N <= 0 {
			return fmt.Errorf("body larger than %d bytes", limit)
		}
		return errors.New("decode body: trailing data after the JSON value")
	}
	if lr.N <= 0 {
		return fmt.Errorf("body larger than %d bytes", limit)
	}
	return nil
}
