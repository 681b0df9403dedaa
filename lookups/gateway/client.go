package gateway

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"motcua/lookups"
	"motcua/lookups/vntext"
)

// Defaults used when the corresponding Config field is zero.
const (
	DefaultTimeout         = 5 * time.Second        // one attempt
	DefaultRetries         = 2                      // extra attempts after the first
	DefaultBackoffBase     = 200 * time.Millisecond // first back-off ceiling, doubled per attempt
	DefaultBackoffMax      = 2 * time.Second        // back-off ceiling
	DefaultBreakerFailures = 5                      // consecutive failures that open the circuit
	DefaultBreakerCooldown = 30 * time.Second       // how long an open circuit answers at once
)

// Config configures a Client.
type Config struct {
	BaseURL string        // e.g. "https://gateway.example/" (the client appends /v1/...)
	Token   string        // bearer token; empty sends no Authorization header
	Timeout time.Duration // per attempt, including reading the answer; default 5s

	// Budget bounds a whole operation, retries and back-off included; default
	// Timeout + Retries*Timeout/2, at least Timeout. The caller's context may
	// end it earlier.
	Budget time.Duration
	// Retries is the number of extra attempts for idempotent calls (all four
	// operations: Submit is idempotent thanks to its Idempotency-Key). 0 means
	// DefaultRetries, negative means none.
	Retries     int
	BackoffBase time.Duration // default DefaultBackoffBase; the wait is uniform in [0, min(max, base*2^n)] (full jitter)
	BackoffMax  time.Duration // default DefaultBackoffMax

	// BreakerFailures consecutive transport/5xx failures open the circuit; 0
	// means DefaultBreakerFailures, negative never opens it.
	BreakerFailures int
	BreakerCooldown time.Duration // default DefaultBreakerCooldown

	// TLS for an https BaseURL: CAFile (PEM) replaces the system roots;
	// CertFile and KeyFile (PEM, both or neither) are the client certificate
	// for mutual TLS. Setting any of them with an http BaseURL is an error.
	CAFile, CertFile, KeyFile string

	// HTTPClient defaults to a client with sane transport timeouts; it excludes
	// the TLS files. Its CheckRedirect is replaced: the client follows no redirect.
	HTTPClient *http.Client
	Clock      func() time.Time // default time.Now (for the breaker)
	Rand       func() float64   // uniform in [0,1) for the jitter; default math/rand/v2
}

// Client speaks the gateway contract. It is safe for concurrent use.
type Client struct {
	base        *url.URL
	token       string
	timeout     time.Duration
	budget      time.Duration
	retries     int
	backoffBase time.Duration
	backoffMax  time.Duration
	hc          *http.Client
	br          *breaker
	mem         *memBudget // bytes of answers read at once (answerMemory)
	rand        func() float64
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
	c := &Client{base: u, token: cfg.Token, timeout: cfg.Timeout, hc: cfg.HTTPClient, rand: cfg.Rand,
		retries: cfg.Retries, backoffBase: cfg.BackoffBase, backoffMax: cfg.BackoffMax, budget: cfg.Budget}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	switch {
	case c.retries == 0:
		c.retries = DefaultRetries
	case c.retries < 0:
		c.retries = 0
	}
	if c.backoffBase <= 0 {
		c.backoffBase = DefaultBackoffBase
	}
	if c.backoffMax <= 0 {
		c.backoffMax = DefaultBackoffMax
	}
	if c.backoffMax < c.backoffBase {
		c.backoffMax = c.backoffBase
	}
	if c.budget <= 0 {
		c.budget = c.timeout + time.Duration(c.retries)*c.timeout/2
	}
	if c.budget < c.timeout {
		c.budget = c.timeout
	}
	if c.rand == nil {
		c.rand = rand.Float64
	}
	threshold := cfg.BreakerFailures
	if threshold == 0 {
		threshold = DefaultBreakerFailures
	}
	cooldown := cfg.BreakerCooldown
	if cooldown <= 0 {
		cooldown = DefaultBreakerCooldown
	}
	clock := cfg.Clock
	if clock == nil {
		clock = time.Now
	}
	c.br = newBreaker(threshold, cooldown, clock)

	tlsWanted := cfg.CAFile != "" || cfg.CertFile != "" || cfg.KeyFile != ""
	if tlsWanted && u.Scheme != "https" {
		return nil, errors.New("gateway: ca_file, cert_file and key_file need an https base URL")
	}
	if tlsWanted && c.hc != nil {
		return nil, errors.New("gateway: TLS files cannot be combined with a custom HTTPClient")
	}
	if c.hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.ResponseHeaderTimeout = c.timeout
		tr.MaxIdleConnsPerHost = 8
		if tlsWanted {
			tc, err := tlsConfig(cfg.CAFile, cfg.CertFile, cfg.KeyFile)
			if err != nil {
				return nil, err
			}
			tr.TLSClientConfig = tc
		}
		c.hc = &http.Client{Transport: tr}
	}
	// Never follow a redirect, whatever client was given (see errRedirected).
	hc := *c.hc
	hc.CheckRedirect = refuseRedirect
	c.hc = &hc
	c.mem = newMemBudget(answerMemory)
	return c, nil
}

// State returns the link's current state.
func (c *Client) State() LinkState { return c.br.state() }

// OnStateChange registers f to be called on every change of the link's
// Status, in order, on the goroutine of the call that caused it. f must be
// quick (hand the state over to the UI and return) and must not block on calls
// of this client.
func (c *Client) OnStateChange(f func(LinkState)) {
	if f != nil {
		c.br.onChange(f)
	}
}

// Health checks that the gateway answers: one attempt, without retries. It is
// the link's watch, beside the circuit breaker rather than through it: it goes
// out even while the circuit is open, without taking the half-open probe's
// place (a look-up after the cool-down still probes), and any answer closes the
// circuit, so look-ups and queued dossiers go live again as soon as the link is
// back. Its failure counts like any other but never opens the circuit again.
func (c *Client) Health(ctx context.Context) error {
	var h HealthResponse
	err := c.attempt(ctx, &call{op: "health", method: http.MethodGet, path: BasePath + "/health",
		limit: MaxBodyBytes, decode: strictInto(&h)})
	c.br.done(false, err)
	if err != nil {
		return err
	}
	if h.Status != "ok" {
		return &Error{Op: "health", Status: http.StatusOK, kind: ErrServer, Err: errors.New("health status is not ok")}
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
	err := c.do(ctx, &call{op: "lookup", method: http.MethodGet, path: BasePath + "/citizens/" + id, meta: &meta,
		limit: MaxBodyBytes, decode: strictInto(&out)})
	if err != nil {
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
	return &res, lookups.Origin{Source: lookups.SourceDatabase, FetchedAt: fetched}, nil
}

// Submit sends a dossier. The idempotency key makes retries safe: the same key
// returns the first answer. The same dossier code with other content fails with
// an error matching ErrConflict.
//
// Only an acknowledgement of this dossier counts: a 2xx answer must name the
// submission's code with a status of the contract (StatusReceived) and the
// time it was accepted. Any other 2xx (an empty object, null, another code,
// an unknown status, "rejected") gives an error matching ErrUnacknowledged
// (and ErrBadResponse): the dossier is not sent.
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
	err = c.do(ctx, &call{op: "submit", method: http.MethodPost, path: BasePath + "/dossiers", meta: &meta, body: body,
		idemKey: idempotencyKey, limit: MaxBodyBytes, decode: strictInto(&ack)})
	if err != nil {
		return Ack{}, err
	}
	if err := checkAck(ack, sub.Code); err != nil {
		return Ack{}, &Error{Op: "submit", Status: http.StatusOK, kind: ErrUnacknowledged, Err: err}
	}
	return ack, nil
}

// Status returns what the gateway knows of a submitted dossier. Like
// Submit, an answer that is not about this dossier, or has a status the
// contract does not define, gives an error matching ErrUnacknowledged.
func (c *Client) Status(ctx context.Context, code string, meta lookups.CallMeta) (Ack, error) {
	if err := meta.Validate(); err != nil {
		return Ack{}, &Error{Op: "status", kind: ErrMissingMeta, Err: err}
	}
	if code == "" {
		return Ack{}, &Error{Op: "status", kind: ErrInvalidInput, Err: errors.New("empty dossier code")}
	}
	var ack Ack
	err := c.do(ctx, &call{op: "status", method: http.MethodGet, path: BasePath + "/dossiers/" + url.PathEscape(code), meta: &meta,
		limit: MaxBodyBytes, decode: strictInto(&ack)})
	if err != nil {
		return Ack{}, err
	}
	if err := checkAck(ack, code); err != nil {
		return Ack{}, &Error{Op: "status", Status: http.StatusOK, kind: ErrUnacknowledged, Err: err}
	}
	return ack, nil
}

// AckStatuses are the dossier statuses of the contract (Ack.status): the
// only ones an acknowledgement may carry.
var AckStatuses = []string{StatusReceived}

// checkAck reports why ack does not acknowledge the dossier code (English,
// no personal data; the code is not personal).
func checkAck(ack Ack, code string) error {
	switch {
	case ack.Code == "" && ack.Status == "":
		return errors.New("empty acknowledgement")
	case ack.Code != code:
		return errors.New("acknowledgement names another dossier")
	case !slices.Contains(AckStatuses, ack.Status):
		return fmt.Errorf("acknowledgement status %q is not in the contract", clip(ack.Status, 40))
	case ack.AcceptedAt.IsZero():
		return errors.New("acknowledgement without acceptedAt")
	}
	return nil
}

// call is one operation of the contract as do and attempt run it.
type call struct {
	op, method, path string
	meta             *lookups.CallMeta // nil for health
	body             []byte            // nil for a GET
	idemKey          string
	// readOnly marks a POST that only reads (the batch look-up): it is
	// retried like a GET.
	readOnly bool
	// limit bounds the body of a 2xx answer; decode reads it (the reader
	// fails past the limit) into the caller's value.
	limit  int64
	decode func(*answerReader) error
}

// do runs one operation: attempts within the budget, retried with back-off
// when the call is idempotent and the failure transient, honouring
// Retry-After, through the breaker. Every operation, the batch look-up
// included, goes through this one loop.
func (c *Client) do(ctx context.Context, k *call) error {
	// Every operation of the contract is idempotent: GETs by nature, the
	// batch POST because it only reads, the submission thanks to its
	// Idempotency-Key. A POST without one is never retried.
	idempotent := k.method == http.MethodGet || k.readOnly || k.idemKey != ""
	ctx, cancel := context.WithTimeout(ctx, c.budget)
	defer cancel()
	var last error
	for attempt := 0; ; attempt++ {
		ok, probe := c.br.allow()
		if !ok {
			if last != nil {
				return last // the breaker opened during our retries: the real cause says more
			}
			return &Error{Op: k.op, kind: ErrCircuitOpen, RetryAfter: c.br.untilProbe()}
		}
		err := c.attempt(ctx, k)
		c.br.done(probe, err)
		if err == nil {
			return nil
		}
		last = err
		if !idempotent || attempt >= c.retries || !retryable(err) {
			return err
		}
		wait := c.backoff(attempt)
		var ge *Error
		if errors.As(err, &ge) && ge.RetryAfter > wait {
			wait = ge.RetryAfter
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= wait {
			return err // no time left for another attempt after the wait
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

// backoff is the full-jitter wait before retry number attempt+1.
func (c *Client) backoff(attempt int) time.Duration {
	ceil := c.backoffMax
	if attempt < 30 {
		if d := c.backoffBase << attempt; d > 0 && d < ceil {
			ceil = d
		}
	}
	return time.Duration(c.rand() * float64(ceil))
}

// retryable reports transient failures: no answer, a timeout, 5xx, 408, 429.
// Other 4xx, malformed answers and cancellation are final.
func retryable(err error) bool {
	var ge *Error
	if !errors.As(err, &ge) {
		return false
	}
	switch {
	case ge.kind == ErrCanceled:
		return false
	case ge.Status == http.StatusRequestTimeout || ge.Status == http.StatusTooManyRequests || ge.Status >= 500:
		return true
	case ge.Status != 0:
		return false
	}
	return ge.kind == ErrUnreachable || ge.kind == ErrTimeout
}

// errRedirected is the cause of a 3xx answer. The client follows no
// redirect, for any method: following one would send the dossier, the
// look-up and the bearer token to a place the configuration did not name
// (another port, another host, plain http).
var errRedirected = errors.New("redirect refused: the client follows none")

// refuseRedirect is the HTTP client's CheckRedirect: the 3xx answer itself
// comes back to attempt, which refuses it.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// attempt runs one HTTP exchange and decodes its answer. Its time limit
// (the client's Timeout) runs while the request goes out and the answer is
// read, not while the call waits for its share of the answer memory.
func (c *Client) attempt(ctx context.Context, k *call) error {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	start := time.Now()
	timer := time.AfterFunc(c.timeout, func() { cancel(context.DeadlineExceeded) })
	defer timer.Stop()
	u := *c.base
	u.Path = c.base.Path + k.path
	u.RawPath = ""
	var rd io.Reader
	if k.body != nil {
		rd = bytes.NewReader(k.body)
	}
	req, err := http.NewRequestWithContext(actx, k.method, u.String(), rd)
	if err != nil {
		return &Error{Op: k.op, kind: ErrInvalidInput, Err: errors.New("cannot build request")}
	}
	req.Header.Set("Accept", "application/json")
	if k.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if m := k.meta; m != nil {
		req.Header.Set(HeaderOperator, m.Operator)
		req.Header.Set(HeaderPurpose, m.Purpose)
		if m.DossierCode != "" {
			req.Header.Set(HeaderDossierCode, m.DossierCode)
		}
	}
	if k.idemKey != "" {
		req.Header.Set(HeaderIdempotencyKey, k.idemKey)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return transportError(k.op, actx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return &Error{Op: k.op, Status: resp.StatusCode, kind: ErrRedirected, Err: errRedirected}
	}
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	limit := int64(MaxBodyBytes) // an error body
	if ok {
		limit = k.limit
	}
	if resp.ContentLength > limit {
		if !ok {
			return statusError(k.op, resp, nil, time.Now())
		}
		return &Error{Op: k.op, Status: resp.StatusCode, kind: ErrBadResponse,
			Err: fmt.Errorf("answer of %d bytes, larger than %d", resp.ContentLength, limit)}
	}
	// Wait for the answer's share of memory with the attempt's clock stopped.
	share := limit
	if resp.ContentLength >= 0 {
		share = resp.ContentLength
	}
	spent := time.Since(start)
	running := timer.Stop()
	release, err := c.mem.acquire(ctx, share)
	if err != nil {
		// The gateway answered; the call ran out of time waiting for its turn
		// to read (or was canceled): not a failure of the link.
		kind := errAnswerWait
		if !errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
			kind = ErrCanceled
		}
		return &Error{Op: k.op, Status: resp.StatusCode, kind: kind, Err: err}
	}
	defer release()
	if running {
		timer.Reset(max(c.timeout-spent, 0))
	}
	body := newAnswerReader(resp.Body, min(limit, share))
	if !ok {
		return statusError(k.op, resp, body, time.Now())
	}
	if err := k.decode(body); err != nil {
		if actx.Err() != nil {
			return transportError(k.op, actx, err)
		}
		return &Error{Op: k.op, Status: resp.StatusCode, kind: ErrBadResponse, Err: err}
	}
	return nil
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
// Bad or past values give 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 || n > 24*3600 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// transportError classifies a failure where no complete answer arrived. The
// cause keeps no URL (it may hold an ID number). ctx is the attempt's: its
// cause tells the attempt's time limit (context.DeadlineExceeded) from the
// caller's cancellation.
func transportError(op string, ctx context.Context, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	kind := ErrUnreachable
	var ne net.Error
	var (
		alert  tls.AlertError
		verify *tls.CertificateVerificationError
		unk    x509.UnknownAuthorityError
		host   x509.HostnameError
	)
	cause := context.Cause(ctx)
	switch {
	case errors.As(err, &alert), errors.As(err, &verify), errors.As(err, &unk), errors.As(err, &host),
		// net/http flattens the peer's alert into text when it arrives on the first read.
		strings.Contains(err.Error(), "remote error: tls: "):
		// The TLS handshake failed: a certificate problem, not a passing outage.
		kind = ErrUnauthorized
	case errors.Is(cause, context.DeadlineExceeded):
		kind = ErrTimeout
		if errors.Is(err, context.Canceled) { // the attempt's own limit cancels its request
			err = context.DeadlineExceeded
		}
	case cause != nil:
		kind = ErrCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		kind = ErrTimeout
	case errors.Is(err, context.Canceled):
		kind = ErrCanceled
	}
	return &Error{Op: op, kind: kind, Err: err}
}

// statusError turns a non-2xx answer into an *Error, reading the contract's
// error body from body (nil: not read) when present. The gateway's code and
// message are text from outside: the message is neutralised for a terminal
// (vntext.Display) and clipped, the code kept only when it looks like one.
func statusError(op string, resp *http.Response, body io.Reader, now time.Time) error {
	e := &Error{Op: op, Status: resp.StatusCode, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now)}
	var eb ErrorBody
	switch {
	case body == nil:
		e.Err = errors.New("error body too large")
	default:
		if err := decodeAll(body, &eb); err == nil {
			e.Code, e.Message = errorCode(eb.Error.Code), clip(vntext.Display(eb.Error.Message), maxMessageRunes)
		} else {
			e.Err = fmt.Errorf("unreadable error body: %w", err)
		}
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
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusTooManyRequests:
		e.kind = ErrServer
	case resp.StatusCode >= 400:
		e.kind = ErrRejected
	default:
		e.kind = ErrBadResponse
	}
	return e
}

// maxMessageRunes bounds a message of the gateway shown to the clerk.
const maxMessageRunes = 300

// clip keeps at most n runes of s.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// errorCode keeps a gateway's error code when it looks like one (letters,
// digits, '_', '.', '-'; at most 64), else drops it: it is shown in lists.
func errorCode(s string) string {
	if len(s) > 64 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return ""
		}
	}
	return s
}
