package gateway

import (
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
	err = c.do(ctx, &call{op: op, method: http.MethodPost, path: BasePath + "/citizens:batch", meta: &meta, body: body,
		readOnly: true, limit: MaxBatchBodyBytes,
		decode: func(r *answerReader) error { return decodeBatch(r, ids, view, &out) }})
	if err != nil {
		return nil, err
	}
	if len(out.Results) != len(ids) {
		return nil, &Error{Op: op, Status: http.StatusOK, kind: ErrBadResponse,
			Err: fmt.Errorf("%d results for %d IDs", len(out.Results), len(ids))}
	}
	return out.Results, nil
}

// identityResident is the part of a resident the identity view answers:
// decoding into it refuses an identity answer that carries more (a
// household, relatives, a marital history) before that costs memory.
type identityResident struct {
	Citizen      lookups.Citizen    `json:"citizen"`
	Permanent    *lookups.Residence `json:"permanent,omitempty"`
	Temporary    *lookups.Residence `json:"temporary,omitempty"`
	CurrentPlace *lookups.Residence `json:"currentPlace,omitempty"`
	DeathDate    lookups.Date       `json:"deathDate,omitempty"`
}

type identityResult struct {
	ID       string            `json:"id"`
	Found    bool              `json:"found"`
	Resident *identityResident `json:"resident,omitempty"`
}

// decodeBatch reads a batch answer for ids as a stream: the results one by
// one, each within MaxBodyBytes (what one look-up answer may weigh) and
// checked at once against the ID it answers, never more results than IDs,
// and for the identity view nothing but what that view answers. out is reset
// first (a retried call starts afresh).
func decodeBatch(r *answerReader, ids []string, view string, out *BatchResponse) error {
	*out = BatchResponse{}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	step := func(part string, index int) { r.stopAt(dec.InputOffset(), MaxBodyBytes, part, index) }
	step("the answer's opening", 0)
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	seen := map[string]bool{}
	for dec.More() {
		step("a field name", 0)
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("decode body: %w", err)
		}
		key, _ := tok.(string)
		if seen[key] {
			return fmt.Errorf("decode body: field %q twice", key)
		}
		seen[key] = true
		switch key {
		case "fetchedAt":
			step("fetchedAt", 0)
			if err := dec.Decode(&out.FetchedAt); err != nil {
				return fmt.Errorf("decode body: fetchedAt: %w", err)
			}
		case "results":
			step("results", 0)
			if err := expectDelim(dec, '['); err != nil {
				return err
			}
			out.Results = make([]BatchResult, 0, len(ids))
			for dec.More() {
				i := len(out.Results)
				if i == len(ids) {
					return fmt.Errorf("decode body: more results than the %d IDs asked", len(ids))
				}
				step("result", i+1)
				var res BatchResult
				if view == ViewIdentity {
					var ir identityResult
					if err := dec.Decode(&ir); err != nil {
						return fmt.Errorf("decode body: result %d: %w", i+1, err)
					}
					res = BatchResult{ID: ir.ID, Found: ir.Found}
					if x := ir.Resident; x != nil {
						res.Resident = &lookups.Resident{Citizen: x.Citizen, Permanent: x.Permanent, Temporary: x.Temporary,
							CurrentPlace: x.CurrentPlace, DeathDate: x.DeathDate}
					}
				} else if err := dec.Decode(&res); err != nil {
					return fmt.Errorf("decode body: result %d: %w", i+1, err)
				}
				switch {
				case res.ID != ids[i]:
					return fmt.Errorf("result %d is about another ID", i+1)
				case res.Found && (res.Resident == nil || res.Resident.Citizen.ID != res.ID):
					return fmt.Errorf("result %d: resident missing or about another ID", i+1)
				case !res.Found && res.Resident != nil:
					return fmt.Errorf("result %d: not found but carries a resident", i+1)
				}
				out.Results = append(out.Results, res)
			}
			step("results", 0)
			if err := expectDelim(dec, ']'); err != nil {
				return err
			}
		default:
			return errors.New("decode body: a field the contract does not define")
		}
	}
	step("the answer's end", 0)
	if err := expectDelim(dec, '}'); err != nil {
		return err
	}
	// Nothing but a little white space may follow.
	r.stopAt(dec.InputOffset(), 4<<10, "white space after the answer", 0)
	if _, err := dec.Token(); err != io.EOF {
		var tl errAnswerTooLarge
		if errors.As(err, &tl) {
			return err
		}
		return errors.New("decode body: trailing data after the JSON value")
	}
	return nil
}

// expectDelim reads the next token and checks it is the delimiter d.
func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("decode body: %w", err)
	}
	if got, ok := tok.(json.Delim); !ok || got != d {
		return fmt.Errorf("decode body: want %q", d)
	}
	return nil
}
