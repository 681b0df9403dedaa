package forms

import (
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"motcua/forms/fees"
	"motcua/lookups"
	"motcua/lookups/pid"
	"motcua/lookups/units"
)

// Value sources recorded with every value (lookups.ValueSource, the one
// vocabulary; named here too for the forms' readers).
const (
	SourceCard       = lookups.SourceCard
	SourceQR         = lookups.SourceQR
	SourceDatabase   = lookups.SourceDatabase
	SourceCache      = lookups.SourceCache
	SourceConfig     = lookups.SourceConfig
	SourceClerk      = lookups.SourceClerk
	SourceDefault    = lookups.SourceDefault
	SourceCalculated = lookups.SourceCalculated
	SourceTyped      = lookups.SourceTyped
)

// SourceLabel says in Vietnamese where a value came from.
func SourceLabel(source lookups.ValueSource) string { return source.Label() }

// Provenance says where a value came from and when (and, for card and
// database values, from which person slot).
type Provenance struct {
	Source lookups.ValueSource `json:"source"`
	At     time.Time           `json:"at"`
	Slot   string              `json:"slot,omitempty"`
}

// Problem is one reason a declaration cannot be finalized. FieldID is a
// path ("child_name", "members.2.name", "home.ward") or "person:<slot>".
type Problem struct {
	FieldID string `json:"fieldId"`
	Code    string `json:"code"`    // "required", "type", "choice", "constraint", "rows", "person", "unknown"
	Message string `json:"message"` // Vietnamese, for the clerk
}

var (
	// ErrReadOnly is returned by Set for a calculated field, or a read-only
	// field that holds a value from a card or the database.
	ErrReadOnly = errors.New("field is read-only")
	// ErrUnknownField is returned for a path the spec (or the rows) does not have.
	ErrUnknownField = errors.New("unknown field")
	// ErrUnknownPerson is returned for a person slot the spec does not have.
	ErrUnknownPerson = errors.New("unknown person slot")
	// ErrMaxRows is returned by AddRow when the group is full.
	ErrMaxRows = errors.New("group has its maximum number of rows")
)

// Env is the counter's context of a declaration.
type Env struct {
	Agency string           // the receiving agency, for "config.agency"
	Place  string           // where the declaration is made, for "config.place"
	Police string           // the commune police (residence procedures' addressee), for "config.police"
	Clinic string           // the ward's first-care health station (BHYT), for "config.clinic"
	Now    time.Time        // creation time, "meta.today" (Clock() when zero)
	Clock  func() time.Time // the clock of later edits (time.Now when nil)
	// Fees is the fee schedule table the fee() function reads (the embedded
	// default when nil; a ward's edited file otherwise, see CheckFees).
	Fees *fees.Table
}

// PersonData is what fills a person slot.
type PersonData struct {
	Card       *lookups.Citizen    `json:"card,omitempty"`       // identity from chip or QR (nil when typed)
	CardSource lookups.ValueSource `json:"cardSource,omitempty"` // SourceCard or SourceQR
	// LettersTrusted says, for a QR scan (SourceQR), that its letters came
	// through intact (qr.Card.LettersTrusted). Without it the scan's letters
	// (name, address, ethnicity...) never fill a field: only its digits (ID,
	// old ID), dates and sex (checked against the ID) do.
	LettersTrusted bool              `json:"lettersTrusted,omitempty"`
	Resident       *lookups.Resident `json:"resident,omitempty"` // database record (nil when not found / offline)
	Origin         lookups.Origin    `json:"origin"`
	At             time.Time         `json:"at"` // when the card was read or the ID typed
	// Proof is, for a chip read (SourceCard), what the chip's checks proved: ProofChip or
	// ProofSigned ("" when not known).
	Proof string `json:"proof,omitempty"`
}

// What a chip read proved (PersonData.Proof, PersonRecord.Proof).
const (
	ProofChip   = "chip"   // the data are the issuer's and the chip is the original (active or chip authentication)
	ProofSigned = "signed" // the data are the issuer's (passive authentication); the chip itself is not proven
)

// NoteProof records what the chip's checks proved for the person in slot, once they are
// decided (a reception may start while they run); it changes no value. It reports whether
// the slot holds a chip read.
func (d *Declaration) NoteProof(slot, proof string) bool {
	i, ok := d.spec.personIdx[slot]
	if !ok || d.persons[i] == nil || d.persons[i].CardSource != SourceCard {
		return false
	}
	d.persons[i].Proof = proof
	return true
}

// ID returns the person's personal ID number (card first, then database).
func (p PersonData) ID() string {
	if p.Card != nil && p.Card.ID != "" {
		return p.Card.ID
	}
	if p.Resident != nil {
		return p.Resident.Citizen.ID
	}
	return ""
}

// FullName returns the person's name (database first when the card came by
// QR; never the letters of an untrusted scan).
func (p PersonData) FullName() string {
	if p.Resident != nil && (p.Card == nil || p.CardSource == SourceQR) {
		return p.Resident.Citizen.FullName
	}
	if p.Card != nil && !p.untrustedLetters() {
		return p.Card.FullName
	}
	return ""
}

// untrustedLetters reports a QR scan whose letters may be mangled.
func (p PersonData) untrustedLetters() bool { return p.CardSource == SourceQR && !p.LettersTrusted }

// PendingPerson is a derived slot ready to be looked up by ID.
type PendingPerson struct {
	Slot  string
	Label string
	ID    string
}

type cell struct {
	v string
	p Provenance
}

// fieldState is one field instance: its cells (address parts) and the
// memo of the current evaluation pass.
type fieldState struct {
	c    [3]cell
	rel  int8 // 0 unknown, 1 relevant, 2 not relevant
	calc int8 // 0 not computed, 1 computing, 2 computed
}

type note struct{ Path, Text string }

// Declaration is a filled-in form: values by path (as typed or displayed,
// dates dd/mm/yyyy), where each came from, the person slots and rows.
// Every change re-runs one evaluation pass (calculations, relevance memo).
type Declaration struct {
	spec *Spec
	env  Env

	// Clock gives "now" for edits and for "not in the future" checks.
	Clock func() time.Time

	top        []fieldState
	rows       [][][]fieldState // group index -> rows -> sub-field states
	rowsEdited map[string]bool  // groups whose rows the clerk added or removed: prefill leaves them alone
	persons    []*PersonData
	personRel  []int8
	procRel    []int8
	wardOnly   map[string][]string // address ward path -> candidate ward codes (split old ward)
	notes      []note
	idemKey    string
	fees       *fees.Table       // nil: the embedded default
	electronic map[string]string // document name -> where it was shown electronically
	ctx        evalCtx
}

// NewDeclaration returns a declaration of spec with configuration values,
// defaults and the minimum group rows; persons are filled by FillPerson.
func NewDeclaration(spec *Spec, env Env) *Declaration {
	d := newDecl(spec, env)
	for _, g := range spec.groups {
		for i := 0; i < g.Min; i++ {
			d.rows[g.gidx] = append(d.rows[g.gidx], d.newRow(g))
		}
	}
	d.applyPrefill()
	d.changed()
	return d
}

func newDecl(spec *Spec, env Env) *Declaration {
	d := &Declaration{
		spec:      spec,
		env:       env,
		Clock:     env.Clock,
		top:       make([]fieldState, len(spec.fields)),
		rows:      make([][][]fieldState, len(spec.groups)),
		persons:   make([]*PersonData, len(spec.persons)),
		personRel: make([]int8, len(spec.persons)),
		procRel:   make([]int8, len(spec.procedures)),
		wardOnly:  map[string][]string{},
		fees:      env.Fees,
	}
	if d.Clock == nil {
		d.Clock = time.Now
	}
	if d.env.Now.IsZero() {
		d.env.Now = d.Clock()
	}
	d.ctx = evalCtx{d: d, now: d.now}
	return d
}

// Spec returns the declaration's spec.
func (d *Declaration) Spec() *Spec { return d.spec }

func (d *Declaration) now() time.Time {
	if d.Clock != nil {
		return d.Clock()
	}
	return time.Now()
}

func (d *Declaration) newRow(g *Field) []fieldState {
	row := make([]fieldState, len(g.Sub))
	for k := range g.Sub {
		if def := g.Sub[k].Default; def != "" {
			row[k].c[partMain] = cell{def, Provenance{Source: SourceDefault, At: d.env.Now}}
		}
	}
	return row
}

// ---- paths

type ref struct {
	f    *Field
	row  int // 1-based row of a sub-field, 0 otherwise
	part int
}

// resolve parses a path without allocating.
func (d *Declaration) resolve(path string) (ref, bool) {
	head, rest, _ := strings.Cut(path, ".")
	f, ok := d.spec.byID[head]
	if !ok {
		return ref{}, false
	}
	r := ref{f: f}
	if f.Type == TypeGroup {
		if rest == "" {
			return r, true
		}
		num, rest2, ok := strings.Cut(rest, ".")
		n, okn := parseInt(num)
		if !ok || !okn || n < 1 || n > len(d.rows[f.gidx]) {
			return ref{}, false
		}
		subID, part, _ := strings.Cut(rest2, ".")
		r.f, r.row = nil, n
		for k := range f.Sub {
			if f.Sub[k].ID == subID {
				r.f = &f.Sub[k]
			}
		}
		if r.f == nil {
			return ref{}, false
		}
		rest = part
	}
	switch {
	case rest == "":
	case r.f.Type == TypeAddress && rest == "detail":
		r.part = partDetail
	case r.f.Type == TypeAddress && rest == "ward":
		r.part = partWard
	default:
		return ref{}, false
	}
	return r, true
}

// pathOf builds the path of a field instance (part main).
func pathOf(f *Field, row int) string {
	if f.parent == nil {
		return f.ID
	}
	return f.parent.ID + "." + strconv.Itoa(row) + "." + f.ID
}

func (d *Declaration) state(f *Field, row int) *fieldState {
	if f.parent == nil {
		return &d.top[f.index]
	}
	rows := d.rows[f.parent.gidx]
	if row < 1 || row > len(rows) {
		return nil
	}
	return &rows[row-1][f.index]
}

// ---- evaluation pass

// changed starts a new evaluation pass: memos are reset and every
// calculation is recomputed (in dependency order, through readRef).
func (d *Declaration) changed() {
	for i := range d.top {
		d.top[i].rel, d.top[i].calc = 0, 0
	}
	for _, rows := range d.rows {
		for _, row := range rows {
			for k := range row {
				row[k].rel, row[k].calc = 0, 0
			}
		}
	}
	clear(d.personRel)
	clear(d.procRel)
	d.ctx.today = lookups.Date{}
	for _, f := range d.spec.calculated {
		if f.parent == nil {
			d.compute(f, 0, &d.top[f.index])
			continue
		}
		for n := range d.rows[f.parent.gidx] {
			d.compute(f, n+1, &d.rows[f.parent.gidx][n][f.index])
		}
	}
}

func (d *Declaration) compute(f *Field, row int, st *fieldState) {
	if st.calc != 0 {
		return
	}
	st.calc = 1
	v := strings.TrimSpace(d.evalIn(f.calc, row))
	if v != st.c[partMain].v {
		if v == "" {
			st.c[partMain] = cell{}
		} else {
			st.c[partMain] = cell{v, Provenance{Source: SourceCalculated, At: d.now()}}
		}
	}
	st.calc = 2
}

func (d *Declaration) evalIn(e *Expr, row int) string {
	old := d.ctx.row
	d.ctx.row = row
	v := e.root.eval(&d.ctx)
	d.ctx.row = old
	return v
}

// readRef is what an expression reads: ” when the field is not relevant.
func (d *Declaration) readRef(f *Field, row, part int) string {
	st := d.state(f, row)
	if st == nil || !d.relevantInst(f, row) {
		return ""
	}
	if f.calc != nil && st.calc == 0 {
		d.compute(f, row, st)
	}
	return st.c[part].v
}

func (d *Declaration) relevantInst(f *Field, row int) bool {
	st := d.state(f, row)
	if st == nil {
		return false
	}
	switch st.rel {
	case 1:
		return true
	case 2:
		return false
	}
	st.rel = 2 // provisional; Load rejected cycles
	ok := true
	if f.parent != nil {
		ok = d.relevantInst(f.parent, 0)
	} else {
		sec := &d.spec.Sections[f.section]
		if sec.relevant != nil {
			ok = truthy(d.evalIn(sec.relevant, 0))
		}
		if ok && sec.person >= 0 {
			ok = d.personRelevant(sec.person)
		}
		if ok && len(f.procs) > 0 {
			ok = false
			for _, j := range f.procs {
				if d.procRelevant(j) {
					ok = true
					break
				}
			}
		}
	}
	if ok && f.relevant != nil {
		ok = truthy(d.evalIn(f.relevant, row))
	}
	if ok {
		st.rel = 1
	}
	return ok
}

// PersonRelevant reports whether a person slot applies given the current values.
func (d *Declaration) PersonRelevant(slot string) bool {
	i, ok := d.spec.personIdx[slot]
	return ok && d.personRelevant(i)
}

func (d *Declaration) personRelevant(i int) bool {
	switch d.personRel[i] {
	case 1:
		return true
	case 2:
		return false
	}
	d.personRel[i] = 2
	ok := true
	if e := d.spec.persons[i].relevant; e != nil {
		ok = truthy(d.evalIn(e, 0))
	}
	if ok {
		d.personRel[i] = 1
	}
	return ok
}

func (d *Declaration) procRelevant(i int) bool {
	switch d.procRel[i] {
	case 1:
		return true
	case 2:
		return false
	}
	d.procRel[i] = 2
	ok := true
	if e := d.spec.procedures[i].relevant; e != nil {
		ok = truthy(d.evalIn(e, 0))
	}
	if ok {
		d.procRel[i] = 1
	}
	return ok
}

// sumRows adds up a group column over the rows (when the group applies):
// values that are not whole numbers (empty, not relevant) count as nothing;
// a sum beyond the expressions' range is ”.
func (d *Declaration) sumRows(g, sub *Field) string {
	total := 0
	if d.relevantInst(g, 0) {
		for n := range d.rows[g.gidx] {
			v, ok := parseInt(strings.TrimSpace(d.readRef(sub, n+1, partMain)))
			if !ok {
				continue
			}
			if total, ok = arith('+', total, v); !ok {
				return ""
			}
		}
	}
	return strconv.Itoa(total)
}

// SetFees sets the fee schedule table fee() reads (nil: the embedded default)
// and recomputes: a restored draft starts with the default.
func (d *Declaration) SetFees(t *fees.Table) {
	d.fees = t
	d.env.Fees = t
	d.changed()
}

func (d *Declaration) countRows(g *Field) int {
	if !d.relevantInst(g, 0) {
		return 0
	}
	return len(d.rows[g.gidx])
}

func (d *Declaration) slotFilled(i int) bool {
	return d.persons[i] != nil && d.personRelevant(i)
}

// ---- reading

// Value returns the value at path as typed or prefilled (NFC), "" when empty
// or unknown. A group's path gives its number of rows.
func (d *Declaration) Value(path string) string {
	r, ok := d.resolve(path)
	if !ok {
		return ""
	}
	if r.f.Type == TypeGroup {
		return strconv.Itoa(len(d.rows[r.f.gidx]))
	}
	return d.state(r.f, r.row).c[r.part].v
}

// Provenance returns where the value at path came from (zero when never set).
func (d *Declaration) Provenance(path string) Provenance {
	r, ok := d.resolve(path)
	if !ok || r.f.Type == TypeGroup {
		return Provenance{}
	}
	return d.state(r.f, r.row).c[r.part].p
}

// Relevant reports whether the field at path applies given the current values.
func (d *Declaration) Relevant(path string) bool {
	r, ok := d.resolve(path)
	return ok && d.relevantInst(r.f, r.row)
}

// Rows returns the number of rows of a group (0 for anything else).
func (d *Declaration) Rows(group string) int {
	if g, ok := d.spec.byID[group]; ok && g.Type == TypeGroup {
		return len(d.rows[g.gidx])
	}
	return 0
}

// Choices returns the choices offered at path: the static list, the source
// list after its filter, or for an address's ".ward" the wards (only the
// candidate wards when the old ward on the card was split).
func (d *Declaration) Choices(path string) []Choice {
	r, ok := d.resolve(path)
	if !ok {
		return nil
	}
	f := r.f
	if f.Type == TypeAddress {
		if r.part != partWard {
			return nil
		}
		if codes, ok := d.wardOnly[path]; ok {
			return wardChoices(codes)
		}
		return sourceChoices(ChoicesWards, "")
	}
	if f.ChoicesFrom != "" {
		return sourceChoices(f.ChoicesFrom, d.filterValue(f, r.row))
	}
	return f.Choices
}

// ChoiceLabel is the label of value among the choices at path (a ward's name
// for an address's ".ward"; the text itself for an open list's free text; ""
// when value is not a choice there).
func (d *Declaration) ChoiceLabel(path, value string) string {
	r, ok := d.resolve(path)
	if !ok || value == "" {
		return ""
	}
	if r.f.Type == TypeAddress {
		if r.part != partWard {
			return ""
		}
		return sourceLabel(ChoicesWards, "", value)
	}
	return d.choiceLabel(r.f, r.row, value)
}

func (d *Declaration) filterValue(f *Field, row int) string {
	if f.filter == nil {
		return ""
	}
	return strings.TrimSpace(d.readRef(f.filter.f, row, partMain))
}

// ---- writing

// Set stores text typed by the clerk (NFC-normalized, source "clerk").
// Blank text clears the value (and keeps it from being prefilled again).
// Setting an address's ".detail" or ".ward" rebuilds its display text.
func (d *Declaration) Set(path, text string) error {
	r, ok := d.resolve(path)
	if !ok || r.f.Type == TypeGroup {
		return fmt.Errorf("forms: set %q: %w", path, ErrUnknownField)
	}
	f := r.f
	st := d.state(f, r.row)
	if f.calc != nil {
		return fmt.Errorf("forms: set %q: %w", path, ErrReadOnly)
	}
	text = norm.NFC.String(text)
	if strings.TrimSpace(text) == "" {
		text = ""
	}
	if f.Type == TypeDate {
		text = NormalizeDate(text, lookups.DateOf(d.now()))
	}
	if f.ReadOnly && st.c[r.part].v != "" && text != st.c[r.part].v && isRecordSource(st.c[r.part].p.Source) {
		return fmt.Errorf("forms: set %q: %w", path, ErrReadOnly)
	}
	p := Provenance{Source: SourceClerk, At: d.now()}
	st.c[r.part] = cell{text, p}
	if f.Type == TypeAddress && r.part != partMain {
		if codes, ok := d.wardOnly[path]; ok && r.part == partWard && contains(codes, text) {
			// a candidate ward chosen: the question is answered
			delete(d.wardOnly, path)
			d.dropNote(path[:len(path)-len(".ward")])
		}
		st.c[partMain] = cell{addressText(st.c[partDetail].v, st.c[partWard].v), p}
	}
	d.changed()
	return nil
}

func isRecordSource(s lookups.ValueSource) bool {
	switch s {
	case SourceCard, SourceQR, SourceDatabase, SourceCache:
		return true
	}
	return false
}

// addressText is the display text of an address: "detail, ward, province".
func addressText(detail, wardCode string) string {
	a := lookups.Address{Detail: strings.TrimSpace(detail)}
	if w, ok := units.WardByCode(strings.TrimSpace(wardCode)); ok {
		a.WardName = w.Name
		if p, ok := units.ProvinceByCode(w.ProvinceCode); ok {
			a.ProvinceName = p.Name
		}
	}
	return a.String()
}

// AddRow appends an empty row to a group and returns its number (from 1).
func (d *Declaration) AddRow(group string) (int, error) {
	g, ok := d.spec.byID[group]
	if !ok || g.Type != TypeGroup {
		return 0, fmt.Errorf("forms: add row to %q: %w", group, ErrUnknownField)
	}
	if len(d.rows[g.gidx]) >= g.Max {
		return 0, fmt.Errorf("forms: add row to %q: %w (%d)", group, ErrMaxRows, g.Max)
	}
	d.rows[g.gidx] = append(d.rows[g.gidx], d.newRow(g))
	d.markRowsEdited(group)
	d.changed()
	return len(d.rows[g.gidx]), nil
}

// markRowsEdited records that the clerk chose the rows of a group: a later
// household prefill (another person filled) must not bring removed rows back.
func (d *Declaration) markRowsEdited(group string) {
	if d.rowsEdited == nil {
		d.rowsEdited = map[string]bool{}
	}
	d.rowsEdited[group] = true
}

// RemoveRow removes row n (from 1) of a group; later rows move up.
func (d *Declaration) RemoveRow(group string, n int) error {
	g, ok := d.spec.byID[group]
	if !ok || g.Type != TypeGroup || n < 1 || n > len(d.rows[g.gidx]) {
		return fmt.Errorf("forms: remove row %d of %q: %w", n, group, ErrUnknownField)
	}
	rows := d.rows[g.gidx]
	d.rows[g.gidx] = append(rows[:n-1:n-1], rows[n:]...)
	d.markRowsEdited(group)
	// Row-keyed state (ward candidates, notes) moves with the rows.
	renum := func(p string) (string, bool) {
		prefix := group + "."
		if !strings.HasPrefix(p, prefix) {
			return p, true
		}
		num, rest, _ := strings.Cut(p[len(prefix):], ".")
		k, _ := strconv.Atoi(num)
		switch {
		case k == n:
			return "", false
		case k > n:
			return prefix + strconv.Itoa(k-1) + "." + rest, true
		}
		return p, true
	}
	wo := map[string][]string{}
	for p, c := range d.wardOnly {
		if q, keep := renum(p); keep {
			wo[q] = c
		}
	}
	d.wardOnly = wo
	var ns []note
	for _, x := range d.notes {
		if q, keep := renum(x.Path); keep {
			ns = append(ns, note{q, x.Text})
		}
	}
	d.notes = ns
	d.changed()
	return nil
}

// Notes returns Vietnamese notes for the clerk (e.g. an old ward split
// between several new wards, to choose), in the order they arose.
func (d *Declaration) Notes() []string {
	out := make([]string, 0, len(d.notes))
	for _, n := range d.notes {
		out = append(out, n.Text)
	}
	return out
}

func (d *Declaration) setNote(path, text string) {
	d.dropNote(path)
	d.notes = append(d.notes, note{path, text})
}

func (d *Declaration) dropNote(path string) {
	for i, n := range d.notes {
		if n.Path == path {
			d.notes = append(d.notes[:i:i], d.notes[i+1:]...)
			return
		}
	}
}

// ---- procedures and documents

// Procedures returns the relevant procedures in spec order.
func (d *Declaration) Procedures() []Procedure {
	var out []Procedure
	for i := range d.spec.procedures {
		if d.procRelevant(i) {
			out = append(out, d.spec.procedures[i])
		}
	}
	return out
}

// Documents returns the papers the citizen hands over: the relevant documents
// of the relevant procedures, a shared document once.
func (d *Declaration) Documents() []Document {
	var out []Document
	seen := map[string]bool{}
	for i := range d.spec.procedures {
		if !d.procRelevant(i) {
			continue
		}
		for _, doc := range d.procDocuments(i) {
			if doc.Shared != "" {
				if seen[doc.Shared] {
					continue
				}
				seen[doc.Shared] = true
			}
			out = append(out, doc)
		}
	}
	return out
}

func (d *Declaration) procDocuments(i int) []Document {
	var out []Document
	for _, doc := range d.spec.procedures[i].Documents {
		if doc.relevant != nil && !truthy(d.evalIn(doc.relevant, 0)) {
			continue
		}
		out = append(out, doc)
	}
	return out
}

// ---- validation

// Missing returns the paths of required, relevant values still empty, in
// form order: required person slots first ("person:<slot>"), a group with
// fewer rows than its minimum, then row fields ("members.2.name").
func (d *Declaration) Missing() []string {
	var out []string
	for i, p := range d.spec.persons {
		if p.Required && d.persons[i] == nil && d.personRelevant(i) {
			out = append(out, "person:"+p.ID)
		}
	}
	for _, f := range d.spec.fields {
		if !d.relevantInst(f, 0) {
			continue
		}
		if f.Type == TypeGroup {
			rows := d.rows[f.gidx]
			if len(rows) < f.Min || (f.Required && len(rows) == 0) {
				out = append(out, f.ID)
			}
			for n := range rows {
				for k := range f.Sub {
					sub := &f.Sub[k]
					if sub.Required && d.empty(sub, n+1) && d.relevantInst(sub, n+1) {
						out = append(out, pathOf(sub, n+1))
					}
				}
			}
			continue
		}
		if f.Required && d.empty(f, 0) {
			out = append(out, f.ID)
		}
	}
	return out
}

// empty reports a missing value: for an address, a missing ward.
func (d *Declaration) empty(f *Field, row int) bool {
	st := d.state(f, row)
	if f.Type == TypeAddress {
		return strings.TrimSpace(st.c[partWard].v) == ""
	}
	return strings.TrimSpace(st.c[partMain].v) == ""
}

// Validate checks the person slots and every relevant value: required, type,
// choice, constraints, and group row counts.
func (d *Declaration) Validate() []Problem {
	var out []Problem
	for i := range d.spec.persons {
		out = d.checkPerson(i, out)
	}
	today := d.ctx.todayDate()
	for _, f := range d.spec.fields {
		out = d.checkInst(f, 0, today, out)
		if f.Type == TypeGroup && d.relevantInst(f, 0) {
			for n := range d.rows[f.gidx] {
				for k := range f.Sub {
					out = d.checkInst(&f.Sub[k], n+1, today, out)
				}
			}
		}
	}
	return out
}

// ValidateField checks the value at path (nothing when it is not relevant),
// for as-you-type feedback. An address part checks the address.
func (d *Declaration) ValidateField(path string) []Problem {
	if slot, ok := strings.CutPrefix(path, "person:"); ok {
		if i, ok := d.spec.personIdx[slot]; ok {
			return d.checkPerson(i, nil)
		}
	}
	r, ok := d.resolve(path)
	if !ok {
		return []Problem{{FieldID: path, Code: "unknown", Message: "Trường không có trong tờ khai."}}
	}
	return d.checkInst(r.f, r.row, d.ctx.todayDate(), nil)
}

func (d *Declaration) checkPerson(i int, out []Problem) []Problem {
	p := &d.spec.persons[i]
	if !d.personRelevant(i) {
		return out
	}
	data := d.persons[i]
	switch {
	case data == nil && p.Required:
		return append(out, Problem{FieldID: "person:" + p.ID, Code: "person",
			Message: "Chưa có thông tin " + lowerFirst(p.Label) + ": chạm thẻ, quét mã QR hoặc nhập số định danh cá nhân."})
	case data != nil && p.Verify && data.Resident == nil:
		return append(out, Problem{FieldID: "person:" + p.ID, Code: "person",
			Message: "Chưa đối chiếu được " + lowerFirst(p.Label) + " với Cơ sở dữ liệu quốc gia về dân cư: tra cứu lại hoặc kiểm tra số định danh."})
	}
	return out
}

func lowerFirst(s string) string {
	for i, r := range s {
		return strings.ToLower(string(r)) + s[i+len(string(r)):]
	}
	return s
}

func (d *Declaration) checkInst(f *Field, row int, today lookups.Date, out []Problem) []Problem {
	if !d.relevantInst(f, row) {
		return out
	}
	if f.Type == TypeGroup {
		n := len(d.rows[f.gidx])
		switch {
		case n < f.Min || (f.Required && n == 0):
			msg := f.RequiredMessage
			if msg == "" {
				msg = fmt.Sprintf("%s: cần ít nhất %d dòng.", f.Label, max(f.Min, 1))
			}
			out = append(out, Problem{FieldID: f.ID, Code: "rows", Message: msg})
		case n > f.Max:
			out = append(out, Problem{FieldID: f.ID, Code: "rows", Message: fmt.Sprintf("%s: nhiều nhất %d dòng.", f.Label, f.Max)})
		}
		return out
	}
	st := d.state(f, row)
	if d.empty(f, row) {
		if f.Required {
			msg := f.RequiredMessage
			if msg == "" {
				msg = "Chưa nhập " + lowerFirst(f.Label) + "."
				if f.Type == TypeAddress {
					msg = "Chưa chọn phường/xã của " + lowerFirst(f.Label) + "."
				}
			}
			out = append(out, Problem{FieldID: pathOf(f, row), Code: "required", Message: msg})
		}
		if f.Type != TypeAddress {
			return out
		}
	}
	v := strings.TrimSpace(st.c[partMain].v)
	if msg, code := d.checkType(f, row, st); msg != "" {
		return append(out, Problem{FieldID: pathOf(f, row), Code: code, Message: msg})
	}
	if v == "" {
		return out
	}
	for ci := range f.Constraints {
		c := &f.Constraints[ci]
		if !d.holds(f, row, c, v, today) {
			out = append(out, Problem{FieldID: pathOf(f, row), Code: "constraint", Message: c.Message})
		}
	}
	return out
}

// checkType returns a Vietnamese message and code when the value is not one of f's type.
func (d *Declaration) checkType(f *Field, row int, st *fieldState) (string, string) {
	v := strings.TrimSpace(st.c[partMain].v)
	switch f.Type {
	case TypeDate:
		if _, ok := parseDMY(v); !ok {
			return "Ngày không hợp lệ: nhập theo dạng ngày/tháng/năm (dd/mm/yyyy).", "type"
		}
	case TypePID:
		if err := pid.Validate(v, lookups.Date{}, ""); err != nil {
			return pidMessage(err), "type"
		}
	case TypePhone:
		if _, ok := NormalizePhone(v); !ok {
			return "Số điện thoại di động phải có 10 chữ số và bắt đầu bằng 0 (ví dụ 09xxxxxxxx).", "type"
		}
	case TypeEmail:
		if !validEmail(v) {
			return "Địa chỉ thư điện tử không hợp lệ (ví dụ ten@example.vn).", "type"
		}
	case TypeNumber:
		if _, ok := parseInt(v); !ok {
			return "Phải nhập một số nguyên.", "type"
		}
	case TypeChoice:
		if !d.choiceOK(f, row, v) {
			return "Giá trị không có trong danh sách lựa chọn.", "type"
		}
	case TypeMultiChoice:
		for rest := v; rest != ""; {
			var one string
			one, rest, _ = strings.Cut(rest, ";")
			if !d.choiceOK(f, row, strings.TrimSpace(one)) {
				return "Giá trị không có trong danh sách lựa chọn.", "type"
			}
		}
	case TypeAddress:
		w := strings.TrimSpace(st.c[partWard].v)
		if w == "" {
			return "", ""
		}
		if _, ok := units.WardByCode(w); !ok {
			return "Phường/xã không có trong danh mục đơn vị hành chính hiện hành: chọn lại.", "choice"
		}
		if codes, ok := d.wardOnly[pathOf(f, row)+".ward"]; ok && !contains(codes, w) {
			return "Phường/xã cũ trên thẻ nay thuộc một trong các phường/xã đã gợi ý: chọn trong danh sách.", "choice"
		}
	}
	return "", ""
}

func (d *Declaration) choiceOK(f *Field, row int, v string) bool {
	if f.Open && v != "" {
		return true
	}
	if f.ChoicesFrom != "" {
		return sourceLabel(f.ChoicesFrom, d.filterValue(f, row), v) != ""
	}
	return f.choiceSet[v] != ""
}

// pidMessage joins the Vietnamese problems of a pid error.
func pidMessage(err error) string {
	var pe *pid.Error
	if errors.As(err, &pe) && len(pe.Problems) > 0 {
		msgs := make([]string, len(pe.Problems))
		for i, p := range pe.Problems {
			msgs[i] = p.Message
		}
		return strings.Join(msgs, " ")
	}
	return "Số định danh cá nhân không hợp lệ: kiểm tra lại 12 chữ số."
}

func (d *Declaration) holds(f *Field, row int, c *Constraint, v string, today lookups.Date) bool {
	param := func(k string) string {
		r := c.refs[k]
		if r == nil {
			return ""
		}
		return d.readRef(r.f, row, r.part)
	}
	switch c.Kind {
	case "length":
		n := len([]rune(v))
		return n >= c.min && n <= c.max
	case "pattern":
		return c.re.MatchString(v)
	case "range":
		n, _ := parseInt(v)
		return n >= c.min && n <= c.max
	case "not_future":
		dt, _ := parseDMY(v)
		return !today.Before(dt)
	case "min_age", "max_age":
		dt, _ := parseDMY(v)
		a := ageYears(dt, today)
		if c.Kind == "min_age" {
			return a >= c.min
		}
		return a <= c.min
	case "not_before":
		other, ok := parseDMY(param("field"))
		if !ok {
			return true // the other field reports its own problem
		}
		dt, _ := parseDMY(v)
		return !dt.Before(other)
	case "pid_matches":
		birth, _ := parseDMY(param("birth"))
		sex := lookups.Sex(strings.TrimSpace(param("sex")))
		return pid.Validate(v, birth, sex) == nil
	case "expr":
		return truthy(d.evalIn(c.expr, row))
	}
	return false
}

// NormalizePhone returns a Vietnamese mobile number as its 10 digits
// (spaces, dots and dashes dropped, +84/84 turned into 0) and whether it is one.
func NormalizePhone(s string) (string, bool) {
	var buf [16]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(buf) {
				return "", false
			}
			buf[n] = c
			n++
		case c == ' ' || c == '.' || c == '-':
		case c == '+' && i == 0:
		default:
			return "", false
		}
	}
	b := buf[:n]
	if strings.HasPrefix(s, "+84") || (n == 11 && b[0] == '8' && b[1] == '4') {
		if n < 3 {
			return "", false
		}
		b[1] = '0'
		b = b[1:]
	}
	if len(b) != 10 || b[0] != '0' || !strings.ContainsRune("35789", rune(b[1])) {
		return "", false
	}
	return string(b), true
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return strings.Contains(domain, ".") && !strings.HasSuffix(domain, ".")
}

// NormalizeDate turns a date typed as digits only into dd/mm/yyyy: "28112026"
// (ddmmyyyy) and "281126" (ddmmyy, whose year is the latest one not after
// today: 26 is 2026 in 2026, 30 is 1930). Other text comes back unchanged
// (trimmed), for the date check to judge.
func NormalizeDate(text string, today lookups.Date) string {
	s := strings.TrimSpace(text)
	if strings.Trim(s, "0123456789") != "" || (len(s) != 6 && len(s) != 8) {
		return text
	}
	day, month := atoi2(s[0:2]), atoi2(s[2:4])
	year := 0
	if len(s) == 8 {
		year = atoi2(s[4:6])*100 + atoi2(s[6:8])
	} else {
		yy := atoi2(s[4:6])
		year = today.Year/100*100 + yy
		if d := lookups.NewDate(year, time.Month(month), day); today.Before(d) {
			year -= 100
		}
	}
	d := lookups.NewDate(year, time.Month(month), day)
	if !d.Valid() {
		return text
	}
	return d.String()
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

// ---- documents shown electronically (Chỉ thị 24/CT-TTg, Công văn 159/TTg-CĐS, 2025)

// DefaultElectronicSource is where a document is shown electronically when its spec names no
// source.
const DefaultElectronicSource = "VNeID hoặc cơ sở dữ liệu quốc gia"

// ErrNotElectronic says the document cannot be recorded as shown electronically (it is not on
// the checklist, or it is the declaration itself).
var ErrNotElectronic = errors.New("forms: this document cannot be shown electronically")

// CanShowElectronically reports whether a document of the checklist may be recorded as
// shown electronically: any paper the citizen would bring, not the declaration the counter
// fills in (a "Tờ khai").
func CanShowElectronically(doc Document) bool {
	return !strings.HasPrefix(strings.ToLower(strings.TrimSpace(doc.Name)), "tờ khai")
}

// ShowElectronically records that the citizen showed the checklist's document name
// electronically (on: no paper, no copy taken) or takes the record back (off).
func (d *Declaration) ShowElectronically(name string, on bool) error {
	for _, doc := range d.Documents() {
		if doc.Name != name {
			continue
		}
		if !CanShowElectronically(doc) {
			return ErrNotElectronic
		}
		if !on {
			delete(d.electronic, name)
			return nil
		}
		if d.electronic == nil {
			d.electronic = map[string]string{}
		}
		src := doc.Electronic
		if src == "" {
			src = DefaultElectronicSource
		}
		d.electronic[name] = src
		return nil
	}
	return ErrNotElectronic
}

// ShownElectronically returns where the document was shown electronically, if it was.
func (d *Declaration) ShownElectronically(name string) (string, bool) {
	src, ok := d.electronic[name]
	return src, ok
}
