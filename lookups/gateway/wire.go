package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"motcua/lookups"
)

// BasePath is the path prefix of every endpoint of the contract.
const BasePath = "/v1"

// MaxBodyBytes bounds every request and response body of the contract (1 MiB).
const MaxBodyBytes = 1 << 20

// Headers of the contract.
const (
	HeaderOperator       = "X-Operator-ID"
	HeaderPurpose        = "X-Purpose"
	HeaderDossierCode    = "X-Dossier-Code"
	HeaderIdempotencyKey = "Idempotency-Key"
)

// Error codes of the contract (ErrorDetail.Code).
const (
	CodeOperatorRequired   = "operator_required"
	CodePurposeRequired    = "purpose_required"
	CodeUnauthorized       = "unauthorized"
	CodeInvalidID          = "invalid_id"
	CodeNotFound           = "not_found"
	CodeIdempotencyMissing = "idempotency_key_required"
	CodeCodeConflict       = "code_conflict"
	CodeKeyConflict        = "idempotency_key_conflict"
	CodeBadRequest         = "bad_request"
	CodeTooLarge           = "payload_too_large"
	CodeInternal           = "internal"
)

// Dossier statuses.
const (
	StatusReceived = "received"
)

// HealthResponse answers GET /v1/health.
type HealthResponse struct {
	Status string    `json:"status"`
	Time   time.Time `json:"time"`
}

// LookupResponse answers GET /v1/citizens/{id}.
type LookupResponse struct {
	Resident  lookups.Resident `json:"resident"`
	FetchedAt time.Time        `json:"fetchedAt"`
}

// Submission is the body of POST /v1/dossiers. Payload is an opaque JSON object
// (the dossier as the forms engine serialises it).
type Submission struct {
	Code        string          `json:"code"`
	Service     string          `json:"service"`
	SpecVersion string          `json:"specVersion"`
	SubjectID   string          `json:"subjectId"`
	ReceivedAt  time.Time       `json:"receivedAt"`
	Payload     json.RawMessage `json:"payload"`
}

// Validate reports what a submission lacks (English, for logs and the 400 answer).
func (s Submission) Validate() error {
	switch {
	case s.Code == "":
		return errors.New("submission without dossier code")
	case s.Service == "":
		return errors.New("submission without service")
	case s.SpecVersion == "":
		return errors.New("submission without spec version")
	case s.ReceivedAt.IsZero():
		return errors.New("submission without receivedAt")
	}
	p := bytes.TrimSpace(s.Payload)
	if len(p) == 0 || p[0] != '{' || !json.Valid(p) {
		return errors.New("submission payload is not a JSON object")
	}
	return nil
}

// Ack answers POST /v1/dossiers and GET /v1/dossiers/{code}.
type Ack struct {
	Code       string    `json:"code"`
	Status     string    `json:"status"`
	AcceptedAt time.Time `json:"acceptedAt"`
}

// ErrorBody is the body of every non-2xx answer.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is a machine code and a Vietnamese message for the clerk.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// DecodeStrict decodes exactly one JSON value from r into v, rejecting unknown
// fields, trailing data and bodies over MaxBodyBytes.
func DecodeStrict(r io.Reader, v any) error {
	data, err := io.ReadAll(io.LimitReader(r, MaxBodyBytes+1))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if len(data) > MaxBodyBytes {
		return errTooLarge
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

// ErrBodyTooLarge is returned by DecodeStrict for bodies over MaxBodyBytes.
var ErrBodyTooLarge = errTooLarge

var errTooLarge = fmt.Errorf("body larger than %d bytes", MaxBodyBytes)
