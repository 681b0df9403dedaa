package forms

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"motcua/lookups"
)

// Status of a dossier. Finalize produces StatusFinalized; the store and the
// sync worker move it on.
type Status string

const (
	StatusFinalized Status = "finalized" // validated, saved, not yet sent
	StatusQueued    Status = "queued"    // waiting in the outbox
	StatusSubmitted Status = "submitted" // accepted by the dossier endpoint
	StatusRejected  Status = "rejected"  // refused by the dossier endpoint
)

// Label is the status in Vietnamese, as a clerk reads it (the code itself when unknown).
func (s Status) Label() string {
	switch s {
	case StatusFinalized:
		return "đã tiếp nhận, chưa gửi"
	case StatusQueued:
		return "chờ gửi lại"
	case StatusSubmitted:
		return "đã gửi"
	case StatusRejected:
		return "bị từ chối"
	}
	return string(s)
}

// PopulationDatabase is how the residence source is named to the citizen.
const PopulationDatabase = "Cơ sở dữ liệu quốc gia về dân cư"

// FieldValue is one declared value with its provenance.
type FieldValue struct {
	ID     string              `json:"id"`
	Label  string              `json:"label"`
	Value  string              `json:"value"`          // cleaned; dates dd/mm/yyyy; choice value
	Text   string              `json:"text,omitempty"` // the choice's Vietnamese label
	Source lookups.ValueSource `json:"source"`
	At     time.Time           `json:"at"`
}

// DocumentItem is one paper received.
type DocumentItem struct {
	Name     string `json:"name"`
	Original bool   `json:"original"`
	Count    int    `json:"count"`
}

// ResidenceSource says that residence data came from the population database, not from a paper.
type ResidenceSource struct {
	Source string              `json:"source"` // PopulationDatabase
	Origin lookups.ValueSource `json:"origin"` // SourceDatabase or SourceCache
	At     time.Time           `json:"at"`
}

// ProcedureRecord is one procedure of the dossier, with its own agency,
// processing time and appointment (set by the counter: SetAppointments).
type ProcedureRecord struct {
	ID             string         `json:"id"`
	Name           string         `json:"name"`
	Agency         string         `json:"agency"`
	ProcessingDays int            `json:"processingDays"`
	Appointment    time.Time      `json:"appointment"`
	Form           string         `json:"form,omitempty"`
	Official       string         `json:"official,omitempty"`
	ResultValidity string         `json:"resultValidity,omitempty"`
	FieldIDs       []string       `json:"fieldIds"` // top-level fields of this procedure's form that hold a value
	Documents      []DocumentItem `json:"documents"`
	// Fee is the procedure's fee in đồng (the spec's fee field); FeeKnown
	// says the field held an amount (false: no fee field, or an amount the
	// schedule does not give, e.g. a provincial duty not yet configured).
	Fee      int64 `json:"fee,omitempty"`
	FeeKnown bool  `json:"feeKnown,omitempty"`
}

// PersonRecord is a filled person slot: who, and where the identity and the record came from.
type PersonRecord struct {
	Slot      string              `json:"slot"`
	Label     string              `json:"label"`
	ID        string              `json:"id"`
	FullName  string              `json:"fullName"`
	Source    lookups.ValueSource `json:"source"`           // SourceCard, SourceQR or SourceTyped
	At        time.Time           `json:"at"`               // when the card was read or the ID typed
	Origin    lookups.ValueSource `json:"origin,omitempty"` // database record: SourceDatabase or SourceCache ("" when none)
	FetchedAt time.Time           `json:"fetchedAt,omitempty"`
}

// Dossier is what is saved and submitted: one dossier code, one record per procedure.
type Dossier struct {
	Code            string            `json:"code"`
	ServiceID       string            `json:"serviceId"`
	ServiceName     string            `json:"serviceName"`
	SpecVersion     string            `json:"specVersion"`
	Agency          string            `json:"agency"`
	Counter         string            `json:"counter"`
	Operator        string            `json:"operator"`
	ReceivedAt      time.Time         `json:"receivedAt"`
	Appointment     time.Time         `json:"appointment"` // the latest procedure appointment
	Subject         lookups.PersonRef `json:"subject"`
	Persons         []PersonRecord    `json:"persons,omitempty"`
	Procedures      []ProcedureRecord `json:"procedures"`
	Fields          []FieldValue      `json:"fields"`
	Documents       []DocumentItem    `json:"documents"` // every document received, shared ones once
	ResidenceSource *ResidenceSource  `json:"residenceSource,omitempty"`
	IdempotencyKey  string            `json:"idempotencyKey"`
	Status          Status            `json:"status"`
}

// FinalizeInput is what the counter adds when the declaration is complete.
type FinalizeInput struct {
	Code       string
	Agency     string
	Counter    string
	Operator   string
	ReceivedAt time.Time
	// Appointment, when set, is given to every procedure; otherwise call
	// Dossier.SetAppointments.
	Appointment time.Time
}

// ValidationError is returned by Finalize when the declaration has problems.
type ValidationError struct{ Problems []Problem }

func (e *ValidationError) Error() string {
	ids := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		ids[i] = p.FieldID + ":" + p.Code
	}
	return fmt.Sprintf("forms: declaration has %d problem(s): %s", len(e.Problems), strings.Join(ids, ", "))
}

// ErrFinalizeInput is returned when FinalizeInput lacks a code, operator or received time.
var ErrFinalizeInput = errors.New("forms: finalize needs a dossier code, an operator and a received time, and an appointment not before it")

// ErrAppointment is returned by SetAppointments for an appointment before the received time.
var ErrAppointment = errors.New("forms: appointment before the received time")

// Finalize turns a valid declaration into a dossier. It refuses a declaration
// with problems (*ValidationError). Only relevant, non-empty values are kept.
// The idempotency key is generated by the first Finalize of a declaration
// (or restored with its draft) and reused by later ones.
func Finalize(decl *Declaration, in FinalizeInput) (*Dossier, error) {
	if in.Code == "" || in.Operator == "" || in.ReceivedAt.IsZero() ||
		(!in.Appointment.IsZero() && in.Appointment.Before(in.ReceivedAt)) {
		return nil, ErrFinalizeInput
	}
	if probs := decl.Validate(); len(probs) > 0 {
		return nil, &ValidationError{Problems: probs}
	}
	if decl.idemKey == "" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("forms: idempotency key: %w", err)
		}
		decl.idemKey = hex.EncodeToString(b[:])
	}
	s := decl.spec
	d := &Dossier{
		Code:           in.Code,
		ServiceID:      s.ID,
		ServiceName:    s.Name,
		SpecVersion:    s.Version,
		Agency:         in.Agency,
		Counter:        in.Counter,
		Operator:       in.Operator,
		ReceivedAt:     in.ReceivedAt,
		Appointment:    in.Appointment,
		IdempotencyKey: decl.idemKey,
		Status:         StatusFinalized,
	}
	kept := map[*Field]bool{}
	add := func(f *Field, row int, st *fieldState) {
		v := clean(st.c[partMain].v)
		if v == "" && (f.Type != TypeAddress || st.c[partWard].v == "") {
			return
		}
		kept[topOf(f)] = true
		path := pathOf(f, row)
		fv := FieldValue{ID: path, Label: f.Label, Value: canonical(f, v), Source: st.c[partMain].p.Source, At: st.c[partMain].p.At}
		switch f.Type {
		case TypeChoice:
			fv.Text = decl.choiceLabel(f, row, v)
		case TypeMultiChoice:
			var labels []string
			for _, one := range strings.Split(v, ";") {
				labels = append(labels, decl.choiceLabel(f, row, strings.TrimSpace(one)))
			}
			fv.Text = strings.Join(labels, "; ")
		}
		d.Fields = append(d.Fields, fv)
		if f.Type == TypeAddress {
			for _, part := range []int{partDetail, partWard} {
				c := st.c[part]
				if c.v == "" {
					continue
				}
				pv := FieldValue{ID: path + map[int]string{partDetail: ".detail", partWard: ".ward"}[part], Label: f.Label,
					Value: clean(c.v), Source: c.p.Source, At: c.p.At}
				if part == partWard {
					pv.Text = sourceLabel(ChoicesWards, "", c.v)
				}
				d.Fields = append(d.Fields, pv)
			}
		}
	}
	for _, f := range s.fields {
		if !decl.relevantInst(f, 0) {
			continue
		}
		if f.Type == TypeGroup {
			for n, row := range decl.rows[f.gidx] {
				for k := range f.Sub {
					if decl.relevantInst(&f.Sub[k], n+1) {
						add(&f.Sub[k], n+1, &row[k])
					}
				}
			}
			continue
		}
		add(f, 0, &decl.top[f.index])
	}
	for _, doc := range decl.Documents() {
		d.Documents = append(d.Documents, DocumentItem{Name: doc.Name, Original: doc.Original, Count: doc.Count})
	}
	for i := range s.procedures {
		if !decl.procRelevant(i) {
			continue
		}
		pr := &s.procedures[i]
		rec := ProcedureRecord{ID: pr.ID, Name: pr.Name, Agency: pr.Agency, ProcessingDays: pr.ProcessingDays,
			Appointment: in.Appointment, Form: pr.Form, Official: pr.Official, ResultValidity: pr.ResultValidity,
			FieldIDs: []string{}, Documents: []DocumentItem{}}
		for _, f := range s.fields {
			if kept[f] && (len(f.procs) == 0 || slices.Contains(f.procs, i)) {
				rec.FieldIDs = append(rec.FieldIDs, f.ID)
			}
		}
		for _, doc := range decl.procDocuments(i) {
			rec.Documents = append(rec.Documents, DocumentItem{Name: doc.Name, Original: doc.Original, Count: doc.Count})
		}
		if pr.Fee != "" {
			f := s.byID[pr.Fee]
			if v, err := strconv.ParseInt(clean(decl.readRef(f, 0, partMain)), 10, 64); err == nil && v >= 0 {
				rec.Fee, rec.FeeKnown = v, true
			}
		}
		d.Procedures = append(d.Procedures, rec)
	}
	var residentOrigin *lookups.Origin
	for i, p := range s.persons {
		pd := decl.persons[i]
		if pd == nil || !decl.personRelevant(i) {
			continue
		}
		pr := PersonRecord{Slot: p.ID, Label: p.Label, ID: pd.ID(), FullName: pd.FullName(), Source: pd.CardSource, At: pd.At}
		if pr.Source == "" {
			pr.Source = SourceTyped
		}
		if pd.Resident != nil {
			pr.Origin, pr.FetchedAt = pd.Origin.Source, pd.Origin.FetchedAt
			if residentOrigin == nil || p.ID == s.Subject.Person {
				o := pd.Origin
				residentOrigin = &o
			}
		}
		d.Persons = append(d.Persons, pr)
	}
	get := func(id string) string {
		if id == "" {
			return ""
		}
		f := s.byID[id]
		return canonical(f, clean(decl.readRef(f, 0, partMain)))
	}
	d.Subject = lookups.PersonRef{ID: get(s.Subject.ID), FullName: get(s.Subject.Name), Sex: lookups.Sex(get(s.Subject.Sex))}
	if b, err := lookups.ParseDate(get(s.Subject.BirthDate)); err == nil {
		d.Subject.BirthDate = b
	}
	if i, ok := s.personIdx[s.Subject.Person]; ok && decl.persons[i] != nil {
		pd := decl.persons[i]
		c := pd.Card
		if c == nil && pd.Resident != nil {
			c = &pd.Resident.Citizen
		}
		if d.Subject.ID == "" {
			d.Subject.ID = pd.ID()
		}
		if d.Subject.FullName == "" {
			d.Subject.FullName = pd.FullName()
		}
		if c != nil && d.Subject.BirthDate.IsZero() {
			d.Subject.BirthDate = c.BirthDate
		}
		if c != nil && d.Subject.Sex == "" {
			d.Subject.Sex = c.Sex
		}
	}
	if o := residentOrigin; o != nil {
		d.ResidenceSource = &ResidenceSource{Source: PopulationDatabase, Origin: o.Source, At: o.FetchedAt}
	}
	return d, nil
}

func topOf(f *Field) *Field {
	if f.parent != nil {
		return f.parent
	}
	return f
}

func (d *Declaration) choiceLabel(f *Field, row int, v string) string {
	label := f.choiceSet[v]
	if f.ChoicesFrom != "" {
		label = sourceLabel(f.ChoicesFrom, d.filterValue(f, row), v)
	}
	if label == "" && f.Open {
		return v // free text of an open list
	}
	return label
}

// SetAppointments sets each procedure's appointment from fn (e.g. the
// working-day calendar applied to its processing days) and the dossier's
// Appointment to the latest one.
func (d *Dossier) SetAppointments(fn func(ProcedureRecord) (time.Time, error)) error {
	var latest time.Time
	for i := range d.Procedures {
		t, err := fn(d.Procedures[i])
		if err != nil {
			return fmt.Errorf("forms: appointment of %s: %w", d.Procedures[i].ID, err)
		}
		if t.Before(d.ReceivedAt) {
			return fmt.Errorf("%w: %s", ErrAppointment, d.Procedures[i].ID)
		}
		d.Procedures[i].Appointment = t
		if t.After(latest) {
			latest = t
		}
	}
	d.Appointment = latest
	return nil
}

// clean trims and collapses inner white space.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// canonical writes a valid value in its one stored form.
func canonical(f *Field, v string) string {
	switch f.Type {
	case TypeDate:
		if dt, err := lookups.ParseDate(v); err == nil {
			return dt.String()
		}
	case TypePhone:
		if n, ok := NormalizePhone(v); ok {
			return n
		}
	case TypeNumber:
		if n, err := strconv.Atoi(v); err == nil {
			return strconv.Itoa(n)
		}
	case TypeEmail:
		return strings.ToLower(v)
	}
	return v
}

// ContentHash is a stable digest of what the dossier declares (service,
// version, code, agency, counter, operator, times, subject, persons,
// procedures with their appointments, field values, documents), for dedupe
// and conflict detection. Status, the idempotency key and provenance are
// left out, so re-sending or a status change keeps the hash.
func (d *Dossier) ContentHash() string {
	type kv struct{ ID, Value string }
	type proc struct {
		ID, Agency, Appointment string
		Days                    int
		Documents               []DocumentItem
	}
	c := struct {
		Code, ServiceID, SpecVersion, Agency, Counter, Operator string
		ReceivedAt, Appointment                                 string
		Subject                                                 lookups.PersonRef
		Persons                                                 []kv
		Procedures                                              []proc
		Fields                                                  []kv
		Documents                                               []DocumentItem
	}{
		Code: d.Code, ServiceID: d.ServiceID, SpecVersion: d.SpecVersion, Agency: d.Agency,
		Counter: d.Counter, Operator: d.Operator,
		ReceivedAt: d.ReceivedAt.UTC().Format(time.RFC3339Nano), Appointment: d.Appointment.UTC().Format(time.RFC3339Nano),
		Subject: d.Subject, Documents: d.Documents,
	}
	for _, p := range d.Persons {
		c.Persons = append(c.Persons, kv{p.Slot, p.ID})
	}
	for _, p := range d.Procedures {
		c.Procedures = append(c.Procedures, proc{p.ID, p.Agency, p.Appointment.UTC().Format(time.RFC3339Nano), p.ProcessingDays, p.Documents})
	}
	for _, f := range d.Fields {
		c.Fields = append(c.Fields, kv{f.ID, f.Value})
	}
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // plain strings and ints: cannot fail
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
