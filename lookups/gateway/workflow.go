package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"motcua/lookups"
)

// The dossier's life after reception (openapi.yaml, "workflow"): a counter follows what the
// handling agencies do with its dossiers (progress and history, result documents), sees the
// dossiers every counter of its agency received (the agency's list, for the dossier book and
// the late watch), and tells the gateway what happens at the counter (a supplement received,
// the result handed over, the citizen's rating...) as events, each with its idempotency key.
// The strings of stages, channels and event kinds are forms.Stage, forms.Channel and
// forms.Event's.

// Purposes of the workflow calls (X-Purpose).
const (
	PurposeFollow = "follow" // a counter follows a dossier (status, sync, results desk)
	PurposeBook   = "book"   // the agency's list (dossier book, late watch)
)

// CodeInvalidTransition says the event is not allowed in the dossier's stage upstream (409).
const CodeInvalidTransition = "invalid_transition"

// Stages, channels and event kinds of the contract.
var (
	Stages     = []string{"received", "processing", "supplement_requested", "result_ready", "returned", "stopped", "withdrawn"}
	Channels   = []string{"in_person", "online", "post"}
	EventKinds = []string{"received", "started", "supplement_requested", "supplement_received", "result_ready", "returned",
		"stopped", "extended", "withdrawn", "rated"}
	// CounterEventKinds are the events a counter posts.
	CounterEventKinds = []string{"supplement_requested", "supplement_received", "extended", "stopped", "withdrawn", "returned", "rated"}
)

// Step origins.
const (
	OriginAgency  = "agency"
	OriginCounter = "counter"
)

// Bounds of the workflow answers: a longer answer is not one the contract gives.
const (
	MaxHistory    = 500  // steps of one dossier
	MaxProcedures = 20   // procedures of one dossier
	MaxPage       = 1000 // dossiers of one page of the agency's list
	maxDocuments  = 50   // result documents of one procedure
)

// SupplementItem is one thing a dossier lacks.
type SupplementItem struct {
	Document string `json:"document"`
	Problem  string `json:"problem"`
	Guidance string `json:"guidance,omitempty"`
}

// Step is one event in a dossier's history as the gateway keeps it.
type Step struct {
	Seq         int              `json:"seq"`
	Kind        string           `json:"kind"`
	Procedure   string           `json:"procedure,omitempty"` // "" for the whole dossier
	Stage       string           `json:"stage"`               // the dossier's stage after the step
	At          time.Time        `json:"at"`
	Origin      string           `json:"origin"` // OriginAgency or OriginCounter
	Actor       string           `json:"actor"`  // the handling agency, or the counter's operator ID
	Agency      string           `json:"agency,omitempty"`
	Counter     string           `json:"counter,omitempty"`
	Reason      string           `json:"reason,omitempty"`
	Items       []SupplementItem `json:"items,omitempty"`
	Appointment time.Time        `json:"appointment,omitzero"`
	Key         string           `json:"key,omitempty"` // a counter event's idempotency key
}

// ProcedureProgress is one procedure of a dossier upstream.
type ProcedureProgress struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Agency      string    `json:"agency"`
	Stage       string    `json:"stage"`
	Due         time.Time `json:"due"`
	Appointment time.Time `json:"appointment"`
	ResultAt    time.Time `json:"resultAt,omitzero"`
}

// Person is a person of the workflow answers (the applicant).
type Person struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

// Progress answers GET /v1/dossiers/{code}/progress: the dossier's stage, procedures and history.
type Progress struct {
	Code        string              `json:"code"`
	Agency      string              `json:"agency"`
	Counter     string              `json:"counter"`
	Service     string              `json:"service"`
	Channel     string              `json:"channel"`
	Stage       string              `json:"stage"`
	ReceivedAt  time.Time           `json:"receivedAt"`
	Due         time.Time           `json:"due"`
	Appointment time.Time           `json:"appointment"`
	ResultAt    time.Time           `json:"resultAt,omitzero"`
	ReturnedAt  time.Time           `json:"returnedAt,omitzero"`
	Applicant   *Person             `json:"applicant,omitempty"`
	Procedures  []ProcedureProgress `json:"procedures"`
	History     []Step              `json:"history"`
}

// ResultDocument is one paper a procedure produced.
type ResultDocument struct {
	Name     string    `json:"name"`
	Number   string    `json:"number,omitempty"`
	Issuer   string    `json:"issuer,omitempty"`
	IssuedAt time.Time `json:"issuedAt,omitzero"`
	Copies   int       `json:"copies,omitempty"`
}

// ProcedureResults are a procedure's result documents.
type ProcedureResults struct {
	ID        string           `json:"id"`
	Documents []ResultDocument `json:"documents"`
}

// Results answers GET /v1/dossiers/{code}/results.
type Results struct {
	Code       string             `json:"code"`
	Procedures []ProcedureResults `json:"procedures"`
}

// AgencyDossier is one dossier of the agency's list: no personal data but the applicant's
// name, which a gateway may withhold.
type AgencyDossier struct {
	Code        string    `json:"code"`
	Service     string    `json:"service"`
	Counter     string    `json:"counter"`
	Channel     string    `json:"channel"`
	Stage       string    `json:"stage"`
	ReceivedAt  time.Time `json:"receivedAt"`
	Due         time.Time `json:"due"`
	Appointment time.Time `json:"appointment"`
	ResultAt    time.Time `json:"resultAt,omitzero"`
	ReturnedAt  time.Time `json:"returnedAt,omitzero"`
	UpdatedAt   time.Time `json:"updatedAt"`
	Late        bool      `json:"late,omitempty"`
	Extended    bool      `json:"extended,omitempty"`
	Applicant   string    `json:"applicant,omitempty"`
	// Rating is the citizen's rating when the dossier has one (at whichever counter it was
	// given), for the ward's satisfaction figures.
	Rating *ListedRating `json:"rating,omitempty"`
}

// ListedRating is a dossier's rating in the agency's list: the rating set's version, when,
// and the answers (ids of the set's questions and options); never the comment, a free text
// that may name people.
type ListedRating struct {
	Set     string         `json:"set"`
	RatedAt time.Time      `json:"ratedAt"`
	Answers []RatingAnswer `json:"answers"`
}

// MaxRatingAnswers bounds the answers of a listed rating (a rating set has a few questions).
const MaxRatingAnswers = 20

// Validate reports what is wrong with a listed rating of a dossier received at receivedAt
// (English, for logs; no value is quoted, the answers are not the client's to print): a set
// and ids of at most 32 bytes of letters, digits, '.', '-' and '_'; 1 to MaxRatingAnswers
// answers; a time, not before the reception.
func (r ListedRating) Validate(receivedAt time.Time) error {
	switch {
	case !ratingID(r.Set):
		return errors.New("rating set version empty, too long or not an id")
	case r.RatedAt.IsZero() || r.RatedAt.Before(receivedAt):
		return errors.New("rating without a time, or rated before the dossier was received")
	case len(r.Answers) == 0 || len(r.Answers) > MaxRatingAnswers:
		return fmt.Errorf("rating with %d answers (1 to %d)", len(r.Answers), MaxRatingAnswers)
	}
	for _, a := range r.Answers {
		if !ratingID(a.Question) || !ratingID(a.Answer) {
			return errors.New("rating answer whose question or option is empty, too long or not an id")
		}
	}
	return nil
}

// ratingID reports whether s is an id of the rating set: 1 to 32 bytes of ASCII letters,
// digits, '.', '-' and '_'.
func ratingID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// DossierQuery is the body of POST /v1/agencies/{agency}/dossiers:search. Dates are civil
// dates (YYYY-MM-DD) of reception, To inclusive; UpdatedSince keeps the dossiers changed since
// then; Cursor continues a listing (the Next of the previous page).
type DossierQuery struct {
	From         string    `json:"from,omitempty"`
	To           string    `json:"to,omitempty"`
	Stages       []string  `json:"stages,omitempty"`
	UpdatedSince time.Time `json:"updatedSince,omitzero"`
	Cursor       string    `json:"cursor,omitempty"`
	Limit        int       `json:"limit,omitempty"`
}

// Validate reports what is wrong with a query (English, for logs and the 400 answer).
func (q DossierQuery) Validate() error {
	for _, d := range []string{q.From, q.To} {
		if d == "" {
			continue
		}
		if _, err := lookups.ParseISODate(d); err != nil {
			return fmt.Errorf("query date %q is not YYYY-MM-DD", clipText(d, 20))
		}
	}
	for _, s := range q.Stages {
		if !slices.Contains(Stages, s) {
			return fmt.Errorf("query stage %q is not in the contract", clipText(s, 30))
		}
	}
	if q.Limit < 0 || q.Limit > MaxPage || len(q.Cursor) > 200 {
		return errors.New("query limit or cursor out of range")
	}
	return nil
}

// DossierPage answers a search: up to Limit dossiers, ordered by code, and the cursor of the
// next page ("" at the end).
type DossierPage struct {
	Items []AgencyDossier `json:"items"`
	Next  string          `json:"next,omitempty"`
	// DroppedRatings counts the ratings the client took out of the answer because they break
	// the contract (ListedRating.Validate): the dossiers stay, without them. Not on the wire.
	DroppedRatings int `json:"-"`
	// DroppedItems counts the dossiers the client took out of the answer because they break
	// the contract (no code, an unknown stage or channel): one bad entry does not cost the
	// page, nor, page after page, every pull after it.
	DroppedItems int `json:"-"`
}

// Receiver is who collected a result.
type Receiver struct {
	ID            string `json:"id"`
	Name          string `json:"name,omitempty"`
	Relation      string `json:"relation"` // requester or authorised
	Authorisation string `json:"authorisation,omitempty"`
	Source        string `json:"source,omitempty"` // card, qr or typed
}

// RatingAnswer is one answer of a rating.
type RatingAnswer struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// Rating is a citizen's satisfaction rating.
type Rating struct {
	Set     string         `json:"set"`
	Answers []RatingAnswer `json:"answers"`
	Comment string         `json:"comment,omitempty"`
}

// CounterEvent is the body of POST /v1/dossiers/{code}/events.
type CounterEvent struct {
	Kind        string           `json:"kind"`
	At          time.Time        `json:"at"`
	Operator    string           `json:"operator"`
	Counter     string           `json:"counter,omitempty"`
	Procedure   string           `json:"procedure,omitempty"`
	Reason      string           `json:"reason,omitempty"`
	Items       []SupplementItem `json:"items,omitempty"`
	Appointment time.Time        `json:"appointment,omitzero"`
	Receiver    *Receiver        `json:"receiver,omitempty"`
	Rating      *Rating          `json:"rating,omitempty"`
}

// Validate reports what an event lacks (English, for logs and the 400 answer).
func (e CounterEvent) Validate() error {
	switch {
	case !slices.Contains(CounterEventKinds, e.Kind):
		return fmt.Errorf("event kind %q is not one a counter posts", clipText(e.Kind, 30))
	case e.At.IsZero() || e.Operator == "":
		return errors.New("event without time or operator")
	case e.Kind == "returned" && (e.Receiver == nil || e.Receiver.ID == ""):
		return errors.New("returned event without receiver")
	case e.Kind == "rated" && (e.Rating == nil || len(e.Rating.Answers) == 0):
		return errors.New("rated event without answers")
	case e.Kind == "extended" && e.Appointment.IsZero():
		return errors.New("extended event without appointment")
	}
	return nil
}

// EventAck answers a posted event: the dossier, the event's key and kind, its place in the
// history and the dossier's stage after it.
type EventAck struct {
	Code       string    `json:"code"`
	Key        string    `json:"key"`
	Kind       string    `json:"kind"`
	Seq        int       `json:"seq"`
	Stage      string    `json:"stage"`
	AcceptedAt time.Time `json:"acceptedAt"`
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// workflowCall runs one operation of the workflow contract through the client's one
// operation loop (deadlines, retries, the breaker).
// A search is a POST that only reads: it is retried like a GET. Every answer
// is read within MaxBodyBytes and decoded strictly into out.
func (c *Client) workflowCall(ctx context.Context, op, method, path string, meta *lookups.CallMeta, body []byte, idemKey string, out any) error {
	return c.do(ctx, &call{op: op, method: method, path: path, meta: meta, body: body, idemKey: idemKey,
		readOnly: strings.HasSuffix(path, ":search"), limit: MaxBodyBytes, decode: strictInto(out)})
}

func badAnswer(op, why string) error {
	return &Error{Op: op, Status: http.StatusOK, kind: ErrBadResponse, Err: errors.New(why)}
}

func checkCode(op, code string) error {
	if code == "" || len(code) > 64 || strings.ContainsAny(code, "/?#%\\ \t\r\n") {
		return &Error{Op: op, kind: ErrInvalidInput, Err: errors.New("dossier code empty, too long or with URL characters")}
	}
	return nil
}

// Progress returns a dossier's stage, procedures and history upstream. An answer about
// another dossier, with a stage or an event the contract does not have, or longer than its
// bounds, is ErrBadResponse.
func (c *Client) Progress(ctx context.Context, code string, meta lookups.CallMeta) (Progress, error) {
	const op = "progress"
	if err := meta.Validate(); err != nil {
		return Progress{}, &Error{Op: op, kind: ErrMissingMeta, Err: err}
	}
	if err := checkCode(op, code); err != nil {
		return Progress{}, err
	}
	var p Progress
	if err := c.workflowCall(ctx, op, http.MethodGet, BasePath+"/dossiers/"+url.PathEscape(code)+"/progress", &meta, nil, "", &p); err != nil {
		return Progress{}, err
	}
	switch {
	case p.Code != code:
		return Progress{}, badAnswer(op, "answer is about another dossier")
	case !slices.Contains(Stages, p.Stage):
		return Progress{}, badAnswer(op, "stage not in the contract")
	case len(p.History) > MaxHistory || len(p.Procedures) > MaxProcedures || len(p.Procedures) == 0:
		return Progress{}, badAnswer(op, "history or procedures out of bounds")
	}
	for _, pr := range p.Procedures {
		if pr.ID == "" || !slices.Contains(Stages, pr.Stage) {
			return Progress{}, badAnswer(op, "procedure without id or with an unknown stage")
		}
	}
	for i, s := range p.History {
		if s.Seq != i+1 || !slices.Contains(EventKinds, s.Kind) || !slices.Contains(Stages, s.Stage) ||
			(s.Origin != OriginAgency && s.Origin != OriginCounter) || s.At.IsZero() {
			return Progress{}, badAnswer(op, fmt.Sprintf("history step %d malformed", i+1))
		}
	}
	return p, nil
}

// Results returns the result documents of each procedure of a dossier.
func (c *Client) Results(ctx context.Context, code string, meta lookups.CallMeta) (Results, error) {
	const op = "results"
	if err := meta.Validate(); err != nil {
		return Results{}, &Error{Op: op, kind: ErrMissingMeta, Err: err}
	}
	if err := checkCode(op, code); err != nil {
		return Results{}, err
	}
	var r Results
	if err := c.workflowCall(ctx, op, http.MethodGet, BasePath+"/dossiers/"+url.PathEscape(code)+"/results", &meta, nil, "", &r); err != nil {
		return Results{}, err
	}
	if r.Code != code || len(r.Procedures) > MaxProcedures {
		return Results{}, badAnswer(op, "answer is about another dossier or too long")
	}
	for _, p := range r.Procedures {
		if p.ID == "" || len(p.Documents) > maxDocuments {
			return Results{}, badAnswer(op, "procedure without id or too many documents")
		}
	}
	return r, nil
}

// AgencyDossiers returns one page of the dossiers the agency's counters received, filtered by
// q. The call only reads.
func (c *Client) AgencyDossiers(ctx context.Context, agency string, q DossierQuery, meta lookups.CallMeta) (DossierPage, error) {
	const op = "agency-dossiers"
	if err := meta.Validate(); err != nil {
		return DossierPage{}, &Error{Op: op, kind: ErrMissingMeta, Err: err}
	}
	if err := checkCode(op, agency); err != nil {
		return DossierPage{}, err
	}
	if err := q.Validate(); err != nil {
		return DossierPage{}, &Error{Op: op, kind: ErrInvalidInput, Err: err}
	}
	limit := q.Limit
	if limit == 0 {
		limit = MaxPage
	}
	body, err := json.Marshal(q)
	if err != nil {
		return DossierPage{}, &Error{Op: op, kind: ErrInvalidInput, Err: err}
	}
	var page DossierPage
	if err := c.workflowCall(ctx, op, http.MethodPost, BasePath+"/agencies/"+url.PathEscape(agency)+"/dossiers:search", &meta, body, "", &page); err != nil {
		return DossierPage{}, err
	}
	if len(page.Items) > limit || len(page.Next) > 200 {
		return DossierPage{}, badAnswer(op, "more dossiers than asked for, or a cursor too long")
	}
	kept := page.Items[:0]
	for _, d := range page.Items {
		if d.Code == "" || len(d.Code) > 64 || !slices.Contains(Stages, d.Stage) || (d.Channel != "" && !slices.Contains(Channels, d.Channel)) {
			page.DroppedItems++
			continue
		}
		kept = append(kept, d)
	}
	page.Items = kept
	// a rating is one fact of a dossier: one that breaks the contract is dropped (and
	// counted), the dossier and the rest of the page are kept
	for i := range page.Items {
		d := &page.Items[i]
		if d.Rating != nil && d.Rating.Validate(d.ReceivedAt) != nil {
			d.Rating = nil
			page.DroppedRatings++
		}
	}
	return page, nil
}

// PostEvent tells the gateway what happened to a dossier at the counter. The idempotency key
// makes a retry safe: the same key and event return the first acknowledgement. An event the
// dossier's stage upstream does not allow fails with ErrConflict (code invalid_transition);
// the same key with another event, ErrConflict too (idempotency_key_conflict).
func (c *Client) PostEvent(ctx context.Context, code string, ev CounterEvent, key string, meta lookups.CallMeta) (EventAck, error) {
	const op = "event"
	if err := meta.Validate(); err != nil {
		return EventAck{}, &Error{Op: op, kind: ErrMissingMeta, Err: err}
	}
	if err := checkCode(op, code); err != nil {
		return EventAck{}, err
	}
	if key == "" || len(key) > 200 {
		return EventAck{}, &Error{Op: op, kind: ErrInvalidInput, Err: errors.New("idempotency key empty or too long")}
	}
	if err := ev.Validate(); err != nil {
		return EventAck{}, &Error{Op: op, kind: ErrInvalidInput, Err: err}
	}
	body, err := json.Marshal(ev)
	if err != nil || len(body) > MaxBodyBytes {
		return EventAck{}, &Error{Op: op, kind: ErrInvalidInput, Err: errors.New("event cannot be encoded within the body limit")}
	}
	var ack EventAck
	if err := c.workflowCall(ctx, op, http.MethodPost, BasePath+"/dossiers/"+url.PathEscape(code)+"/events", &meta, body, key, &ack); err != nil {
		return EventAck{}, err
	}
	if ack.Code != code || ack.Key != key || ack.Kind != ev.Kind || ack.AcceptedAt.IsZero() || ack.Seq <= 0 {
		return EventAck{}, badAnswer(op, "acknowledgement is not about this event")
	}
	return ack, nil
}
