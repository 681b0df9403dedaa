package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"motcua/lookups"
)

// DefaultTimeout bounds one call when Config.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// Config configures a Client.
type Config struct {
	BaseURL    string        // e.g. "https://gateway.example/" (the client appends /v1/...)
	Token      string        // bearer token; empty sends no Authorization header
	Timeout    time.Duration // per call, including reading the answer; default 5s
	HTTPClient *http.Client  // default: a client with sane transport timeouts
}

// Client speaks the gateway contract. It is safe for concurrent use.
type Client struct {
	base    *url.URL
	token   string
	timeout time.Duration
	hc      *http.Client
}

var _ lookups.Source = (*Client)(nil)

// New checks the configuration and returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("gateway: empty base URL")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("gateway: base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("gateway: base URL must be http(s)://host[:port][/path], got scheme %q", u.Scheme)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	c := &Client{base: u, token: cfg.Token, timeout: cfg.Timeout, hc: cfg.HTTPClient}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.ResponseHeaderTimeout = c.timeout
		tr.MaxIdleConnsPerHost = 8
		c.hc = &http.Client{Transport: tr}
	}
	return c, nil
}

// Health checks that the gateway answers.
func (c *Client) Health(ctx context.Context) error {
	var h HealthResponse
	if err := c.do(ctx, "health", http.MethodGet, BasePath+"/health", nil, nil, "", &h); err != nil {
		return err
	}
	if h.Status != "ok" {
		return &Error{Op: "health", Status: http.StatusOK, kind: ErrServer, Err: fmt.Errorf("status %q", h.Status)}
	}
	return nil
}

// Lookup fetches the resident with that personal ID number. A missing person
// gives an error matching lookups.ErrNotFound.
func (c *Client) Lookup(ctx context.Context, id string, meta lookups.CallMeta) (*lookups.Resident, lookups.Origin, error) {
	if err := meta.Validate(); err != nil {
		return nil, lookups.Origin{}, &Error{Op: "lookup", kind: ErrMissingMeta, Err: err}
	}
	if len(id) != 12 || strings.Trim(id, "0123456789") != "" {
		return nil, lookups.Origin{}, &Error{Op: "lookup", Code: CodeInvalidID, kind: ErrInvalidID,
			Err: errors.New("ID is not 12 digits")}
	}
	var out LookupResponse
	if err := c.do(ctx, "lookup", http.MethodGet, BasePath+"/citizens/"+id, &meta, nil, "", &out); err != nil {
		return nil, lookups.Origin{}, err
	}
	if out.Resident.Citizen.ID != id {
		return nil, lookups.Origin{}, &Error{Op: "lookup", Status: http.StatusOK, kind: ErrBadResponse,
			Err: errors.New("answer is about another ID")}
	}
	fetched := out.FetchedAt
	if fetched.IsZero() {
		fetched = time.Now()
	}
	res := out.Resident
	return &res, lookups.Origin{Source: "gateway", FetchedAt: fetched}, nil
}

// Submit sends a dossier. The idempotency key makes retries safe: the same key
// returns the first answer. The same dossier code with other content fails with
// an error matching ErrConflict.
func (c *Client) Submit(ctx context.Context, sub Submission, idempotencyKey string, meta lookups.CallMeta) (Ack, error) {
	if err := meta.Validate(); err != nil {
		return Ack{}, &Error{Op: "submit", kind: ErrMissingMeta, Err: err}
	}
	if idempotencyKey == "" {
		return Ack{}, &Error{Op: "submit", kind: ErrInvalidInput, Err: errors.New("empty idempotency key")}
	}
	if err := sub.Validate(); err != nil {
		return Ack{}, &Error{Op: "submit", kind: ErrInvalidInput, Err: err}
	}
	body, err := json.Marshal(sub)
	if err != nil {
		return Ack{}, &Error{Op: "submit", kind: ErrInvalidInput, Err: err}
	}
	if len(body) > MaxBodyBytes {
		return Ack{}, &Error{Op: "submit", kind: ErrInvalidInput, Err: errTooLarge}
	}
	var ack Ack
	if err := c.do(ctx, "submit", http.MethodPost, BasePath+"/dossiers", &meta, body, idempotencyKey, &ack); err != nil {
		return Ack{}, err
	}
	return ack, nil
}

// Status returns what the gateway knows of a submitted dossier.
func (c *Client) Status(ctx context.Context, code string, meta lookups.CallMeta) (Ack, error) {
	if err := meta.Validate(); err != nil {
		return Ack{}, &Error{Op: "status", kind: ErrMissingMeta, Err: err}
	}
	if code == "" {
		return Ack{}, &Error{Op: "status", kind: ErrInvalidInput, Err: errors.New("empty dossier code")}
	}
	var ack Ack
	if err := c.do(ctx, "status", http.MethodGet, BasePath+"/dossiers/"+url.PathEscape(code), &meta, nil, "", &ack); err != nil {
		return Ack{}, err
	}
	return ack, nil
}

// do runs one call and decodes a 2xx answer into out.
func (c *Client) do(ctx context.Context, op, method, path string, meta *lookups.CallMeta, body []byte, idemKey string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u := *c.base
	u.Path = c.base.Path + path
	u.RawPath = ""
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return &Error{Op: op, kind: ErrInvalidInput, Err: errors.New("cannot build request")}
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if meta != nil {
		req.Header.Set(HeaderOperator, meta.Operator)
		req.Header.Set(HeaderPurpose, meta.Purpose)
		if meta.DossierCode != "" {
			req.Header.Set(HeaderDossierCode, meta.DossierCode)
		}
	}
	if idemKey != "" {
		req.Header.Set(HeaderIdempotencyKey, idemKey)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return transportError(op, ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err := DecodeStrict(resp.Body, out); err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return transportError(op, ctx, err)
			}
			return &Error{Op: op, Status: resp.StatusCode, kind: ErrBadResponse, Err: err}
		}
		return nil
	}
	return statusError(op, resp)
}

// transportError classifies a failure where no complete answer arrived. The
// cause keeps no URL (it may hold an ID number).
func transportError(op string, ctx context.Context, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	kind := ErrUnreachable
	var ne net.Error
	switch {
	case errors.Is(ctx.Err(), context.Canceled) && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		kind = ErrCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(ctx.Err(), context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		kind = ErrTimeout
	case errors.Is(err, context.Canceled):
		kind = ErrCanceled
	}
	return &Error{Op: op, kind: kind, Err: err}
}

// statusError turns a non-2xx answer into an *Error, reading the contract's error body when present.
func statusError(op string, resp *http.Response) error {
	e := &Error{Op: op, Status: resp.StatusCode}
	var body ErrorBody
	if err := DecodeStrict(resp.Body, &body); err == nil {
		e.Code, e.Message = body.Error.Code, body.Error.Message
	} else {
		e.Err = fmt.Errorf("unreadable error body: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound && (e.Code == CodeNotFound || e.Code == ""):
		e.kind = lookups.ErrNotFound
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		e.kind = ErrUnauthorized
	case resp.StatusCode == http.StatusConflict:
		e.kind = ErrConflict
	case e.Code == CodeInvalidID:
		e.kind = ErrInvalidID
	case e.Code == CodeOperatorRequired || e.Code == CodePurposeRequired:
		e.kind = ErrMissingMeta
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusGatewayTimeout:
		e.kind = ErrTimeout
	case resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusServiceUnavailable:
		e.kind = ErrUnreachable
	case resp.StatusCode >= 500:
		e.kind = ErrServer
	case resp.StatusCode >= 400:
		e.kind = ErrRejected
	default:
		e.kind = ErrBadResponse
	}
	return e
}
