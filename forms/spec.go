package forms

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pelletier/go-toml/v2"
	"golang.org/x/text/unicode/norm"

	"motcua/forms/fees"
)

//go:embed services/*.toml
var servicesFS embed.FS

// FieldType is the kind of value a field holds.
type FieldType string

const (
	TypeText        FieldType = "text"
	TypeDate        FieldType = "date"        // dd/mm/yyyy
	TypePID         FieldType = "pid"         // 12-digit personal ID number
	TypePhone       FieldType = "phone"       // Vietnamese mobile number
	TypeEmail       FieldType = "email"       //
	TypeNumber      FieldType = "number"      // whole number
	TypeChoice      FieldType = "choice"      // one of the choices
	TypeMultiChoice FieldType = "multichoice" // choices joined by ";"
	TypeAddress     FieldType = "address"     // display text; parts <id>.detail and <id>.ward
	TypeGroup       FieldType = "group"       // repeated rows of sub-fields <id>.<n>.<sub>
)

var knownTypes = map[FieldType]bool{
	TypeText: true, TypeDate: true, TypePID: true, TypePhone: true, TypeEmail: true,
	TypeNumber: true, TypeChoice: true, TypeMultiChoice: true, TypeAddress: true, TypeGroup: true,
}

// Address parts: the display text, the detail (house, street) and the ward code.
const (
	partMain = iota
	partDetail
	partWard
)

// Spec is one service or bundle: person slots, procedures, and what the clerk
// fills in. Specs are data (services/*.toml, docs/FORMS.md); Parse checks
// them completely. A Spec is shared and read-only once loaded.
type Spec struct {
	ID       string
	Name     string // Vietnamese service name
	Version  string // spec version, kept in every dossier and draft
	FormName string // the declaration the citizen signs
	Template string // legal source of the form template
	Subject  SubjectMap
	Sections []Section

	// Agency and ProcessingDays summarize the procedures for callers that
	// show one figure: the first procedure's agency, the longest processing time.
	Agency         string
	ProcessingDays int

	persons    []Person
	procedures []Procedure
	fields     []*Field          // top-level fields in form order
	byID       map[string]*Field // top-level id -> field
	groups     []*Field          // group fields, by gidx
	calculated []*Field          // every field with calculate (top-level and sub-fields)
	prefilled  []*Field          // top-level fields with prefill or default
	personIdx  map[string]int
	procIdx    map[string]int
	fileRef    string
	feeIDs     []string // fee schedules the expressions read, in order of first use
	refusals   []RefusalReason
}

// specFile is the TOML layout of a spec.
type specFile struct {
	ID         string          `toml:"id"`
	Name       string          `toml:"name"`
	Version    string          `toml:"version"`
	FormName   string          `toml:"form_name"`
	Template   string          `toml:"template"`
	Subject    SubjectMap      `toml:"subject"`
	Persons    []Person        `toml:"persons"`
	Procedures []Procedure     `toml:"procedures"`
	Sections   []Section       `toml:"sections"`
	Refusals   []RefusalReason `toml:"refusal_reasons"`
}

// SubjectMap names who the dossier is about and the fields printed on the receipt.
type SubjectMap struct {
	Person    string `toml:"person"` // person slot; fills what the fields below do not
	ID        string `toml:"id"`
	Name      string `toml:"name"`
	BirthDate string `toml:"birth_date"`
	Sex       string `toml:"sex"`
	Residence string `toml:"residence"` // printed as the citizen's address on the receipt
	Phone     string `toml:"phone"`     // printed on the receipt
}

// Person is a person slot of the declaration.
type Person struct {
	ID       string `toml:"id"`
	Label    string `toml:"label"`
	Required bool   `toml:"required"`
	Fill     string `toml:"fill"` // "counter" (default), "household_head:<slot>", "spouse:<slot>", "father:<slot>", "mother:<slot>"
	Relevant string `toml:"relevant"`
	Verify   bool   `toml:"verify"` // must be found in the population database

	relevant *Expr
	derive   string // "", "household_head", "spouse", "father", "mother"
	from     int    // slot derived from
	index    int
	node     int
}

// Derived reports how the slot is filled from another slot ("" when at the counter)
// and that slot's id.
func (p Person) Derived(s *Spec) (kind, from string) {
	if p.derive == "" {
		return "", ""
	}
	return p.derive, s.persons[p.from].ID
}

// Procedure is one administrative procedure of the declaration.
type Procedure struct {
	ID             string `toml:"id"`
	Name           string `toml:"name"`
	Agency         string `toml:"agency"`
	ProcessingDays int    `toml:"processing_days"` // working days; 0 = the same working day
	Form           string `toml:"form"`            // the official form this procedure produces
	Official       string `toml:"official"`        // forms/official/<id>.toml
	Relevant       string `toml:"relevant"`
	ResultValidity string `toml:"result_validity"` // e.g. "6 tháng kể từ ngày cấp"
	// Fee names the number field holding the procedure's fee in đồng (phí,
	// lệ phí; usually calculated with fee()); "" when the spec computes none.
	Fee       string     `toml:"fee"`
	Documents []Document `toml:"documents"`

	relevant *Expr
	index    int
	node     int
}

// Section is a titled group of fields.
type Section struct {
	ID       string  `toml:"id"`
	Title    string  `toml:"title"`
	Note     string  `toml:"note"`     // fixed text printed with the section (e.g. the pledge)
	Relevant string  `toml:"relevant"` // expression; empty means always
	Person   string  `toml:"person"`   // the slot the section is about
	Fields   []Field `toml:"fields"`

	relevant *Expr
	person   int // slot index, -1 when none
}

// Field is one input of the declaration (or a sub-field of a group row).
type Field struct {
	ID              string       `toml:"id"`
	Type            FieldType    `toml:"type"`
	Label           string       `toml:"label"`
	Hint            string       `toml:"hint"`
	Required        bool         `toml:"required"`
	RequiredMessage string       `toml:"required_message"`
	Constraints     []Constraint `toml:"constraints"`
	ReadOnly        bool         `toml:"read_only"` // not editable once it holds a card/database value
	Default         string       `toml:"default"`
	Prefill         string       `toml:"prefill"`   // sources tried in order, separated by '|'
	Calculate       string       `toml:"calculate"` // expression; recomputed on every change
	Choices         []Choice     `toml:"choices"`
	ChoicesFrom     string       `toml:"choices_from"`  // provinces, wards, ethnicities, nationalities
	ChoiceFilter    string       `toml:"choice_filter"` // wards: the province field
	// Open: a choice list that also takes text matching none of its choices,
	// kept as typed (a place abroad where the list holds the wards).
	Open       bool     `toml:"open"`
	Relevant   string   `toml:"relevant"`   // expression; empty means always
	Procedures []string `toml:"procedures"` // procedures whose forms use it (empty: all)
	Min        int      `toml:"min"`        // group rows
	Max        int      `toml:"max"`
	Sub        []Field  `toml:"fields"` // group sub-fields

	relevant  *Expr
	calc      *Expr
	prefill   []source
	index     int    // top-level: position in Spec.fields; sub-field: position in the group
	parent    *Field // the group of a sub-field
	section   int
	gidx      int // group index (groups only)
	procs     []int
	filter    *refNode
	choiceSet map[string]string
	node      int
}

// Choice is one allowed value of a choice field.
type Choice struct {
	Value string `toml:"value"`
	Label string `toml:"label"`
}

// Constraint is a check on a non-empty value beyond its type.
//
// Kinds and params:
//
//	length      min, max (characters)
//	pattern     regex (Go RE2 syntax, matched against the trimmed value)
//	range       min, max (number fields)
//	not_future  (date fields) not after today
//	not_before  field (date fields) not before that field's date
//	min_age     years (date fields) at least that old today
//	max_age     years (date fields) at most that old today (whole years)
//	pid_matches birth, sex (pid fields) ID digits agree with those fields
//	expr        expr: an expression that must hold
type Constraint struct {
	Kind    string            `toml:"kind"`
	Params  map[string]string `toml:"params"`
	Message string            `toml:"message"` // Vietnamese, shown to the clerk

	re   *regexp.Regexp
	min  int
	max  int
	expr *Expr
	refs map[string]*refNode
}

// Document is one paper the citizen hands over.
type Document struct {
	Name     string `toml:"name"`
	Original bool   `toml:"original"` // original (bản chính) or copy (bản sao)
	Count    int    `toml:"count"`
	Relevant string `toml:"relevant"`
	Shared   string `toml:"shared"` // documents with the same key are received once
	// Electronic names where the citizen may show this document electronically instead of
	// handing over a paper (e.g. "CSDL quốc gia về dân cư", "VNeID"); the clerk records it
	// on the checklist (Declaration.ShowElectronically). Empty: any national database or
	// VNeID, as the clerk sees it.
	Electronic string `toml:"electronic"`

	relevant *Expr
}

// Fields returns the top-level fields in form order; a group is one entry
// whose Sub holds its row fields.
func (s *Spec) Fields() []*Field { return s.fields }

// Field returns the top-level field with that id.
func (s *Spec) Field(id string) (*Field, bool) { f, ok := s.byID[id]; return f, ok }

// Persons returns the person slots in file order.
func (s *Spec) Persons() []Person { return s.persons }

// Procedures returns every procedure of the spec in file order.
func (s *Spec) Procedures() []Procedure { return s.procedures }

// RefusalReasons returns the spec's common reasons to refuse a dossier, in file order.
//
// The counter offers forms.RefusalReasons(id), which adds refusals.toml's.
func (s *Spec) RefusalReasons() []RefusalReason { return s.refusals }

// FeeSchedules returns the fee schedule ids the spec's expressions read.
func (s *Spec) FeeSchedules() []string { return s.feeIDs }

// SectionOf returns the section of a top-level field (or of a sub-field's group).
func (s *Spec) SectionOf(f *Field) *Section {
	if f.parent != nil {
		f = f.parent
	}
	return &s.Sections[f.section]
}

// Calculated reports whether the field's value is computed (always read-only).
func (f *Field) Calculated() bool { return f.calc != nil }

// Group returns the group of a sub-field (nil for a top-level field).
func (f *Field) Group() *Field { return f.parent }

// ChoiceLabel returns the Vietnamese label of a choice value ("" if unknown).
// For a ward field with a province filter, any ward is looked up.
func (f *Field) ChoiceLabel(value string) string {
	if f.ChoicesFrom != "" {
		return sourceLabel(f.ChoicesFrom, "", value)
	}
	return f.choiceSet[value]
}

// source is one parsed prefill source.
type source struct {
	key  string
	kind int // srcCard, srcDB, srcConfig, srcMeta
	slot int
	name string
}

const (
	srcCard = iota
	srcDB
	srcConfig
	srcMeta
)

var cardKeys = map[string]bool{
	"id": true, "oldId": true, "fullName": true, "birthDate": true, "sex": true, "ethnicity": true,
	"religion": true, "nationality": true, "placeOfOrigin": true, "address": true, "issueDate": true,
}

var dbKeys = map[string]bool{
	"id": true, "fullName": true, "birthDate": true, "sex": true, "ethnicity": true, "religion": true,
	"nationality": true, "birthPlace": true, "placeOfOrigin": true, "permanent": true, "temporary": true,
	"current": true, "residence": true, "maritalStatus": true, "spouse.fullName": true, "spouse.id": true,
	"spouse.birthDate": true, "father.fullName": true, "father.id": true, "mother.fullName": true,
	"mother.id": true, "phone": true, "email": true, "relationToHead": true,
	"household.head.fullName": true, "household.head.id": true, "household.fileNumber": true,
	"household.members": true, "deathDate": true, "marriage.date": true, "marriage.place": true,
	"permanent.since": true, "temporary.since": true, "temporary.until": true,
}

// addressKeys are the sources an address field may take (structured addresses).
var addressKeys = map[string]bool{"permanent": true, "temporary": true, "current": true, "residence": true, "address": true}

// forbiddenDocuments are residence papers no service may ask for: residence
// data comes from the population database (NĐ 104/2022).
var forbiddenDocuments = []string{"ct07", "ct08", "hộ khẩu", "sổ tạm trú", "xác nhận cư trú", "xác nhận thông tin về cư trú"}

var (
	fieldIDRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	specIDRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
)

// Load reads and checks the embedded spec services/<name>.toml (the ".toml" suffix is optional).
func Load(name string) (*Spec, error) {
	name = strings.TrimSuffix(name, ".toml")
	data, err := servicesFS.ReadFile(path.Join("services", name+".toml"))
	if err != nil {
		return nil, fmt.Errorf("forms: load spec %q: %w", name, err)
	}
	s, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("forms: spec file %s.toml: %w", name, err)
	}
	s.fileRef = name
	return s, nil
}

// Parse decodes and checks a spec. Unknown keys, types, references,
// functions, prefill sources and choice sources, wrong argument counts,
// cycles and residence papers are errors naming the field (or section,
// person, procedure, document) at fault.
func Parse(data []byte) (*Spec, error) {
	data = norm.NFC.Bytes(data)
	var sf specFile
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sf); err != nil {
		var strict *toml.StrictMissingError
		if errors.As(err, &strict) {
			var msgs []string
			for _, e := range strict.Errors {
				row, _ := e.Position()
				msgs = append(msgs, fmt.Sprintf("%s: unknown key %q", locate(data, row), strings.Join(e.Key(), ".")))
			}
			return nil, fmt.Errorf("decode: %s", strings.Join(msgs, "; "))
		}
		return nil, fmt.Errorf("decode: %w", err)
	}
	s := &Spec{ID: sf.ID, Name: sf.Name, Version: sf.Version, FormName: sf.FormName, Template: sf.Template,
		Subject: sf.Subject, Sections: sf.Sections, persons: sf.Persons, procedures: sf.Procedures, refusals: sf.Refusals}
	if err := s.check(); err != nil {
		if s.ID != "" {
			return nil, fmt.Errorf("spec %s: %w", s.ID, err)
		}
		return nil, err
	}
	return s, nil
}

// locate names the table that holds line row (1-based) of a TOML file:
// "field <id>", "section <id>", "person <id>", "procedure <id>" or "line n".
func locate(data []byte, row int) string {
	lines := strings.Split(string(data), "\n")
	if row < 1 || row > len(lines) {
		return fmt.Sprintf("line %d", row)
	}
	hdr := -1
	for i := row - 1; i >= 0; i-- {
		if strings.HasPrefix(strings.TrimSpace(lines[i]), "[") {
			hdr = i
			break
		}
	}
	if hdr < 0 {
		return fmt.Sprintf("line %d", row)
	}
	h := strings.Trim(strings.TrimSpace(lines[hdr]), "[] ")
	kind := map[string]string{"sections.fields": "field", "sections.fields.fields": "field", "sections": "section",
		"persons": "person", "procedures": "procedure", "procedures.documents": "document", "subject": "subject",
		"refusal_reasons": "refusal reason"}[h]
	if kind == "" {
		kind = h
	}
	for i := hdr + 1; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), "["); i++ {
		k, v, ok := strings.Cut(lines[i], "=")
		if !ok {
			continue
		}
		if kk := strings.TrimSpace(k); kk == "id" || (kind == "document" && kk == "name") {
			return kind + " " + strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	return fmt.Sprintf("%s (line %d)", kind, row)
}

func (s *Spec) check() error {
	if s.ID == "" || s.Name == "" || s.Version == "" {
		return fmt.Errorf("spec needs id, name and version")
	}
	if !specIDRe.MatchString(s.ID) {
		return fmt.Errorf("bad spec id %q: use [a-z0-9-]", s.ID)
	}
	node := 0
	// Person slots.
	s.personIdx = map[string]int{}
	for i := range s.persons {
		p := &s.persons[i]
		if !fieldIDRe.MatchString(p.ID) {
			return fmt.Errorf("person %q: bad id", p.ID)
		}
		if _, dup := s.personIdx[p.ID]; dup {
			return fmt.Errorf("person %s: duplicate id", p.ID)
		}
		if p.Label == "" {
			return fmt.Errorf("person %s: missing label", p.ID)
		}
		p.index, p.node = i, node
		node++
		s.personIdx[p.ID] = i
	}
	for i := range s.persons {
		p := &s.persons[i]
		switch kind, from, _ := strings.Cut(p.Fill, ":"); kind {
		case "", "counter":
			if from != "" {
				return fmt.Errorf("person %s: fill %q: counter takes no slot", p.ID, p.Fill)
			}
		case "household_head", "spouse", "father", "mother":
			j, ok := s.personIdx[from]
			if !ok || j == i {
				return fmt.Errorf("person %s: fill %q names unknown slot %q", p.ID, p.Fill, from)
			}
			p.derive, p.from = kind, j
		default:
			return fmt.Errorf("person %s: unknown fill %q", p.ID, p.Fill)
		}
	}
	// Procedures.
	if len(s.procedures) == 0 {
		return fmt.Errorf("spec needs at least one procedure")
	}
	s.procIdx = map[string]int{}
	for i := range s.procedures {
		pr := &s.procedures[i]
		if !specIDRe.MatchString(pr.ID) || pr.Name == "" || pr.Agency == "" {
			return fmt.Errorf("procedure %q: needs an id ([a-z0-9-]), a name and an agency", pr.ID)
		}
		if _, dup := s.procIdx[pr.ID]; dup {
			return fmt.Errorf("procedure %s: duplicate id", pr.ID)
		}
		if pr.ProcessingDays < 0 {
			return fmt.Errorf("procedure %s: negative processing_days", pr.ID)
		}
		pr.index, pr.node = i, node
		node++
		s.procIdx[pr.ID] = i
		if i == 0 {
			s.Agency = pr.Agency
		}
		s.ProcessingDays = max(s.ProcessingDays, pr.ProcessingDays)
	}
	// Fields: ids, indexes and nodes first, so that references can be bound.
	s.byID = map[string]*Field{}
	for si := range s.Sections {
		sec := &s.Sections[si]
		if sec.ID == "" || sec.Title == "" {
			return fmt.Errorf("section %q: needs an id and a title", sec.ID)
		}
		sec.person = -1
		if sec.Person != "" {
			j, ok := s.personIdx[sec.Person]
			if !ok {
				return fmt.Errorf("section %s: unknown person slot %q", sec.ID, sec.Person)
			}
			sec.person = j
		}
		for fi := range sec.Fields {
			f := &sec.Fields[fi]
			if !fieldIDRe.MatchString(f.ID) {
				return fmt.Errorf("section %s: bad field id %q", sec.ID, f.ID)
			}
			if _, dup := s.byID[f.ID]; dup {
				return fmt.Errorf("field %s: duplicate id", f.ID)
			}
			f.index, f.section, f.node = len(s.fields), si, node
			node++
			s.byID[f.ID] = f
			s.fields = append(s.fields, f)
			if f.Type == TypeGroup {
				f.gidx = len(s.groups)
				s.groups = append(s.groups, f)
				seen := map[string]bool{}
				for k := range f.Sub {
					sub := &f.Sub[k]
					if !fieldIDRe.MatchString(sub.ID) || seen[sub.ID] {
						return fmt.Errorf("field %s: bad or duplicate sub-field id %q", f.ID, sub.ID)
					}
					seen[sub.ID] = true
					sub.index, sub.parent, sub.section, sub.node = k, f, si, node
					node++
				}
			}
		}
	}
	// Expressions of persons, procedures and sections.
	for i := range s.persons {
		p := &s.persons[i]
		if p.Relevant != "" {
			e, err := s.bind(p.Relevant, nil)
			if err != nil {
				return fmt.Errorf("person %s: relevant: %w", p.ID, err)
			}
			p.relevant = e
		}
	}
	for i := range s.procedures {
		pr := &s.procedures[i]
		if pr.Relevant != "" {
			e, err := s.bind(pr.Relevant, nil)
			if err != nil {
				return fmt.Errorf("procedure %s: relevant: %w", pr.ID, err)
			}
			pr.relevant = e
		}
		for j := range pr.Documents {
			if err := s.checkDocument(&pr.Documents[j]); err != nil {
				return fmt.Errorf("procedure %s: %w", pr.ID, err)
			}
		}
	}
	for si := range s.Sections {
		sec := &s.Sections[si]
		if sec.Relevant != "" {
			e, err := s.bind(sec.Relevant, nil)
			if err != nil {
				return fmt.Errorf("section %s: relevant: %w", sec.ID, err)
			}
			sec.relevant = e
		}
	}
	for _, f := range s.fields {
		if err := s.checkField(f); err != nil {
			return fmt.Errorf("field %s: %w", f.ID, err)
		}
		for k := range f.Sub {
			sub := &f.Sub[k]
			if err := s.checkField(sub); err != nil {
				return fmt.Errorf("field %s.%s: %w", f.ID, sub.ID, err)
			}
		}
		if f.calc != nil || f.Default != "" || len(f.prefill) > 0 {
			s.prefilled = append(s.prefilled, f)
		}
	}
	for i := range s.procedures {
		pr := &s.procedures[i]
		if pr.Fee == "" {
			continue
		}
		if f, ok := s.byID[pr.Fee]; !ok || f.Type != TypeNumber {
			return fmt.Errorf("procedure %s: fee names %q, not a top-level number field", pr.ID, pr.Fee)
		}
	}
	seenReason := map[string]bool{}
	for i := range s.refusals {
		r := &s.refusals[i]
		r.Text, r.Basis = strings.TrimSpace(r.Text), strings.TrimSpace(r.Basis)
		if !specIDRe.MatchString(r.ID) || seenReason[r.ID] || r.Text == "" || r.Service != "" {
			return fmt.Errorf("refusal reason %q: needs a unique id ([a-z0-9-]) and a text, and no service (it is the spec's)", r.ID)
		}
		seenReason[r.ID] = true
	}
	if err := s.checkCycles(node); err != nil {
		return err
	}
	for role, id := range map[string]string{"id": s.Subject.ID, "name": s.Subject.Name, "birth_date": s.Subject.BirthDate, "sex": s.Subject.Sex, "residence": s.Subject.Residence, "phone": s.Subject.Phone} {
		if id == "" {
			continue
		}
		if f, ok := s.byID[id]; !ok || f.Type == TypeGroup {
			return fmt.Errorf("subject.%s names unknown field %q", role, id)
		}
	}
	if p := s.Subject.Person; p != "" {
		if _, ok := s.personIdx[p]; !ok {
			return fmt.Errorf("subject.person names unknown slot %q", p)
		}
	}
	return nil
}

func (s *Spec) checkDocument(d *Document) error {
	if d.Name == "" || d.Count < 1 {
		return fmt.Errorf("document %q needs a name and a count of at least 1", d.Name)
	}
	low := strings.ToLower(d.Name)
	for _, bad := range forbiddenDocuments {
		if strings.Contains(low, bad) {
			return fmt.Errorf("document %q is a residence paper (%q): residence comes from the population database", d.Name, bad)
		}
	}
	if d.Relevant != "" {
		e, err := s.bind(d.Relevant, nil)
		if err != nil {
			return fmt.Errorf("document %q: relevant: %w", d.Name, err)
		}
		d.relevant = e
	}
	return nil
}

// bind parses an expression and binds its references; group is the group
// whose row the expression is evaluated in (nil outside rows).
func (s *Spec) bind(src string, group *Field) (*Expr, error) {
	e, err := ParseExpr(src)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", src, err)
	}
	var berr error
	e.root.walk(func(n node) {
		if berr != nil {
			return
		}
		switch n := n.(type) {
		case *refNode:
			berr = s.bindRef(n, group)
		case *callNode:
			switch n.fn {
			case "count":
				g, ok := s.byID[n.name]
				if !ok || g.Type != TypeGroup {
					berr = fmt.Errorf("count(%s): not a group", n.name)
				}
				n.group = g
			case "slot":
				j, ok := s.personIdx[n.name]
				if !ok {
					berr = fmt.Errorf("slot(%s): unknown person slot", n.name)
				}
				n.person = j
			case "sum":
				gid, col, _ := strings.Cut(n.name, ".")
				g, ok := s.byID[gid]
				if !ok || g.Type != TypeGroup {
					berr = fmt.Errorf("sum(%s): %q is not a group", n.name, gid)
					return
				}
				for k := range g.Sub {
					if g.Sub[k].ID == col {
						n.group, n.sub = g, &g.Sub[k]
					}
				}
				if n.sub == nil {
					berr = fmt.Errorf("sum(%s): group %s has no field %q", n.name, gid, col)
				}
			case "fee":
				if _, ok := fees.Default().Schedule(n.name); !ok {
					berr = fmt.Errorf("fee(%q): no such fee schedule in forms/fees/vn-fees.toml", n.name)
				} else if !contains(s.feeIDs, n.name) {
					s.feeIDs = append(s.feeIDs, n.name)
				}
			}
		}
	})
	if berr != nil {
		return nil, fmt.Errorf("%q: %w", src, berr)
	}
	return e, nil
}

// bindRef resolves "<id>", "<address>.detail|ward", "<group>.<sub>" (inside
// that group's rows) and "<group>.<sub>.detail|ward".
func (s *Spec) bindRef(n *refNode, group *Field) error {
	parts := strings.Split(n.name, ".")
	f, ok := s.byID[parts[0]]
	if !ok {
		return fmt.Errorf("unknown field %q", n.name)
	}
	rest := parts[1:]
	if f.Type == TypeGroup {
		if len(rest) == 0 {
			return fmt.Errorf("group %q read as a value: use count(%s)", f.ID, f.ID)
		}
		if group != f {
			return fmt.Errorf("%q: a row field is read only inside its group's rows", n.name)
		}
		var sub *Field
		for k := range f.Sub {
			if f.Sub[k].ID == rest[0] {
				sub = &f.Sub[k]
			}
		}
		if sub == nil {
			return fmt.Errorf("unknown field %q", n.name)
		}
		f, rest = sub, rest[1:]
	}
	n.f, n.part = f, partMain
	switch {
	case len(rest) == 0:
		return nil
	case len(rest) == 1 && f.Type == TypeAddress && rest[0] == "detail":
		n.part = partDetail
		return nil
	case len(rest) == 1 && f.Type == TypeAddress && rest[0] == "ward":
		n.part = partWard
		return nil
	}
	return fmt.Errorf("unknown field %q", n.name)
}

func (s *Spec) checkField(f *Field) error {
	if !knownTypes[f.Type] {
		return fmt.Errorf("unknown type %q", f.Type)
	}
	if f.Label == "" {
		return fmt.Errorf("missing label")
	}
	sub := f.parent != nil
	if f.Type == TypeGroup {
		if sub {
			return fmt.Errorf("a group inside a group")
		}
		if len(f.Sub) == 0 || f.Min < 0 || f.Max < 1 || f.Min > f.Max {
			return fmt.Errorf("group needs sub-fields and 0 <= min <= max, max >= 1")
		}
		if f.Calculate != "" || f.Default != "" || len(f.Constraints) > 0 || len(f.Choices) > 0 || f.ChoicesFrom != "" {
			return fmt.Errorf("calculate, default, constraints and choices do not apply to a group")
		}
	} else if len(f.Sub) > 0 || f.Min != 0 || f.Max != 0 {
		return fmt.Errorf("fields, min and max apply only to a group")
	}
	group := f.parent
	if f.Relevant != "" {
		e, err := s.bind(f.Relevant, group)
		if err != nil {
			return fmt.Errorf("relevant: %w", err)
		}
		f.relevant = e
	}
	if f.Calculate != "" {
		if f.Prefill != "" {
			return fmt.Errorf("both calculate and prefill")
		}
		e, err := s.bind(f.Calculate, group)
		if err != nil {
			return fmt.Errorf("calculate: %w", err)
		}
		f.calc = e
		s.calculated = append(s.calculated, f)
	}
	for _, id := range f.Procedures {
		j, ok := s.procIdx[id]
		if !ok {
			return fmt.Errorf("procedures: unknown procedure %q", id)
		}
		f.procs = append(f.procs, j)
	}
	if sub && len(f.Procedures) > 0 {
		return fmt.Errorf("procedures: set it on the group")
	}
	if err := s.checkChoices(f); err != nil {
		return err
	}
	if f.Prefill != "" {
		if sub {
			return fmt.Errorf("prefill on a row field: prefill the group (household members fill sub-fields %s)", "id, name, birth_date, sex, relation")
		}
		for _, k := range strings.Split(f.Prefill, "|") {
			src, err := s.parseSource(strings.TrimSpace(k), f)
			if err != nil {
				return err
			}
			f.prefill = append(f.prefill, src)
		}
	}
	for i := range f.Constraints {
		if err := s.checkConstraint(f, &f.Constraints[i]); err != nil {
			return fmt.Errorf("constraint %s: %w", f.Constraints[i].Kind, err)
		}
	}
	return nil
}

func (s *Spec) checkChoices(f *Field) error {
	isChoice := f.Type == TypeChoice || f.Type == TypeMultiChoice
	if f.Open && f.Type != TypeChoice {
		return fmt.Errorf("open applies only to a choice field")
	}
	if !isChoice {
		if len(f.Choices) > 0 || f.ChoicesFrom != "" || f.ChoiceFilter != "" {
			return fmt.Errorf("choices on a %s field", f.Type)
		}
		return nil
	}
	switch {
	case len(f.Choices) > 0 && f.ChoicesFrom != "":
		return fmt.Errorf("both choices and choices_from")
	case f.ChoicesFrom != "":
		if !choiceSources[f.ChoicesFrom] {
			return fmt.Errorf("unknown choices_from %q (provinces, wards, ethnicities, nationalities)", f.ChoicesFrom)
		}
		if f.ChoiceFilter != "" {
			if f.ChoicesFrom != ChoicesWards {
				return fmt.Errorf("choice_filter applies only to choices_from = \"wards\"")
			}
			r := &refNode{name: f.ChoiceFilter}
			if err := s.bindRef(r, f.parent); err != nil {
				return fmt.Errorf("choice_filter: %w", err)
			}
			if r.f.ChoicesFrom != ChoicesProvinces || r.part != partMain {
				return fmt.Errorf("choice_filter: field %q is not a province choice", f.ChoiceFilter)
			}
			f.filter = r
		}
		if f.Default != "" && f.ChoicesFrom != ChoicesWards {
			for _, v := range splitMulti(f) {
				if sourceLabel(f.ChoicesFrom, "", v) == "" {
					return fmt.Errorf("default %q is not one of the choices", v)
				}
			}
		}
	case len(f.Choices) == 0:
		return fmt.Errorf("choice field without choices")
	default:
		if f.ChoiceFilter != "" {
			return fmt.Errorf("choice_filter applies only to choices_from = \"wards\"")
		}
		f.choiceSet = map[string]string{}
		for _, c := range f.Choices {
			if c.Value == "" || c.Label == "" || f.choiceSet[c.Value] != "" || strings.Contains(c.Value, ";") {
				return fmt.Errorf("choice %q: empty, duplicate or ';' in value, or empty label", c.Value)
			}
			f.choiceSet[c.Value] = c.Label
		}
		for _, v := range splitMulti(f) {
			if f.choiceSet[v] == "" {
				return fmt.Errorf("default %q is not one of the choices", v)
			}
		}
	}
	return nil
}

// splitMulti returns the default's values (one for a choice).
func splitMulti(f *Field) []string {
	if f.Default == "" {
		return nil
	}
	if f.Type == TypeMultiChoice {
		return strings.Split(f.Default, ";")
	}
	return []string{f.Default}
}

func (s *Spec) parseSource(key string, f *Field) (source, error) {
	bad := func(why string) (source, error) {
		return source{}, fmt.Errorf("prefill source %q: %s", key, why)
	}
	switch key {
	case "config.agency", "config.place", "config.police", "config.clinic":
		if f.Type == TypeGroup || f.Type == TypeAddress {
			return bad("not for a " + string(f.Type) + " field")
		}
		return source{key: key, kind: srcConfig, name: key[7:]}, nil
	case "meta.today":
		if f.Type != TypeDate && f.Type != TypeText {
			return bad("not for a " + string(f.Type) + " field")
		}
		return source{key: key, kind: srcMeta, name: "today"}, nil
	}
	slot, rest, ok := strings.Cut(key, ".")
	j, known := s.personIdx[slot]
	if !ok || !known {
		return bad("unknown source (use <slot>.card.<x>, <slot>.db.<x>, config.agency, config.place, meta.today)")
	}
	kind, name, _ := strings.Cut(rest, ".")
	src := source{key: key, slot: j, name: name}
	switch kind {
	case "card":
		if !cardKeys[name] {
			return bad("unknown card value")
		}
		src.kind = srcCard
	case "db":
		if !dbKeys[name] {
			return bad("unknown database value")
		}
		src.kind = srcDB
	default:
		return bad("unknown source")
	}
	switch {
	case f.Type == TypeGroup:
		if src.kind != srcDB || name != "household.members" {
			return bad("a group takes only <slot>.db.household.members")
		}
	case name == "household.members":
		return bad("only a group takes household members")
	case f.Type == TypeAddress:
		if !addressKeys[name] {
			return bad("an address field takes permanent, temporary, current, residence or card address")
		}
	}
	return src, nil
}

func (s *Spec) checkConstraint(f *Field, c *Constraint) error {
	if c.Message == "" {
		return fmt.Errorf("missing message")
	}
	allowed := map[string][]string{
		"length": {"min", "max"}, "pattern": {"regex"}, "range": {"min", "max"},
		"not_future": nil, "not_before": {"field"}, "pid_matches": {"birth", "sex"}, "expr": {"expr"},
		"min_age": {"years"}, "max_age": {"years"},
	}
	keys, ok := allowed[c.Kind]
	if !ok {
		return fmt.Errorf("unknown kind")
	}
	for k := range c.Params {
		if !contains(keys, k) {
			return fmt.Errorf("unknown param %q", k)
		}
	}
	refField := func(k string, want FieldType) error {
		id, ok := c.Params[k]
		if !ok {
			return nil
		}
		r := &refNode{name: id}
		if err := s.bindRef(r, f.parent); err != nil {
			return fmt.Errorf("param %s: %w", k, err)
		}
		if want != "" && r.f.Type != want {
			return fmt.Errorf("param %s: field %q is %s, want %s", k, id, r.f.Type, want)
		}
		if c.refs == nil {
			c.refs = map[string]*refNode{}
		}
		c.refs[k] = r
		return nil
	}
	intParam := func(k string, dflt int) (int, error) {
		v, ok := c.Params[k]
		if !ok {
			return dflt, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("param %s: %w", k, err)
		}
		return n, nil
	}
	var err error
	switch c.Kind {
	case "length", "range":
		if c.Kind == "range" && f.Type != TypeNumber {
			return fmt.Errorf("range on a %s field", f.Type)
		}
		if c.min, err = intParam("min", -1<<31); err != nil {
			return err
		}
		if c.max, err = intParam("max", 1<<31-1); err != nil {
			return err
		}
		if c.min > c.max {
			return fmt.Errorf("min > max")
		}
	case "pattern":
		if c.re, err = regexp.Compile(c.Params["regex"]); err != nil {
			return err
		}
	case "not_future":
		if f.Type != TypeDate {
			return fmt.Errorf("on a %s field", f.Type)
		}
	case "min_age", "max_age":
		if f.Type != TypeDate || c.Params["years"] == "" {
			return fmt.Errorf("needs a date field and a years param")
		}
		if c.min, err = intParam("years", 0); err != nil {
			return err
		}
	case "not_before":
		if f.Type != TypeDate || c.Params["field"] == "" {
			return fmt.Errorf("needs a date field and a field param")
		}
		return refField("field", TypeDate)
	case "pid_matches":
		if f.Type != TypePID {
			return fmt.Errorf("on a %s field", f.Type)
		}
		if err := refField("birth", TypeDate); err != nil {
			return err
		}
		return refField("sex", "")
	case "expr":
		if c.expr, err = s.bind(c.Params["expr"], f.parent); err != nil {
			return err
		}
	}
	return nil
}

// checkCycles rejects relevance conditions and calculations that depend on
// themselves, through fields, sections, groups, procedures and person slots.
func (s *Spec) checkCycles(n int) error {
	deps := make([][]int, n)
	names := make([]string, n)
	exprDeps := func(e *Expr, into []int) []int {
		if e == nil {
			return into
		}
		e.root.walk(func(x node) {
			switch x := x.(type) {
			case *refNode:
				into = append(into, x.f.node)
			case *callNode:
				switch x.fn {
				case "count":
					into = append(into, x.group.node)
				case "sum":
					into = append(into, x.group.node, x.sub.node)
				case "slot":
					into = append(into, s.persons[x.person].node)
				}
			}
		})
		return into
	}
	for i := range s.persons {
		p := &s.persons[i]
		names[p.node] = "person " + p.ID
		deps[p.node] = exprDeps(p.relevant, nil)
	}
	for i := range s.procedures {
		pr := &s.procedures[i]
		names[pr.node] = "procedure " + pr.ID
		deps[pr.node] = exprDeps(pr.relevant, nil)
	}
	fieldDeps := func(f *Field, name string) {
		sec := &s.Sections[f.section]
		d := exprDeps(f.relevant, nil)
		d = exprDeps(f.calc, d)
		if f.parent != nil {
			d = append(d, f.parent.node)
		} else {
			d = exprDeps(sec.relevant, d)
			if sec.person >= 0 {
				d = append(d, s.persons[sec.person].node)
			}
			for _, j := range f.procs {
				d = append(d, s.procedures[j].node)
			}
		}
		names[f.node], deps[f.node] = name, d
	}
	for _, f := range s.fields {
		fieldDeps(f, "field "+f.ID)
		for k := range f.Sub {
			fieldDeps(&f.Sub[k], "field "+f.ID+"."+f.Sub[k].ID)
		}
	}
	color := make([]int8, n)
	var visit func(i int) error
	visit = func(i int) error {
		color[i] = 1
		for _, j := range deps[i] {
			switch color[j] {
			case 1:
				return fmt.Errorf("%s: relevance/calculation cycle through %s", names[i], names[j])
			case 0:
				if err := visit(j); err != nil {
					return err
				}
			}
		}
		color[i] = 2
		return nil
	}
	for i := 0; i < n; i++ {
		if color[i] == 0 {
			if err := visit(i); err != nil {
				return err
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

var (
	catalogOnce sync.Once
	catalog     []*Spec
	catalogByID map[string]*Spec
)

// Catalog returns every embedded service spec, sorted by id. The specs are
// shared: callers must not modify them. An invalid embedded spec is a
// programming error (the tests load every one) and panics.
func Catalog() []*Spec {
	catalogOnce.Do(func() {
		names, err := fs.Glob(servicesFS, "services/*.toml")
		if err != nil {
			panic(err)
		}
		catalogByID = map[string]*Spec{}
		for _, n := range names {
			s, err := Load(strings.TrimSuffix(path.Base(n), ".toml"))
			if err != nil {
				panic(err)
			}
			if catalogByID[s.ID] != nil {
				panic(fmt.Sprintf("forms: duplicate service id %q", s.ID))
			}
			catalogByID[s.ID] = s
			catalog = append(catalog, s)
		}
		sort.SliceStable(catalog, func(i, j int) bool {
			oi, oj := catalogRank(catalog[i].ID), catalogRank(catalog[j].ID)
			if oi != oj {
				return oi < oj
			}
			return catalog[i].ID < catalog[j].ID
		})
	})
	return catalog
}

// catalogOrder is the order the counter lists services in: the first nine
// keep their places (numbers 1-9 the clerks know), then by field: copy and
// signature certification (the counter's highest volume), civil status,
// residence, social support, household business; each bundle after its main
// procedure. Services not listed follow, by id.
var catalogOrder = []string{
	"xac-nhan-tthn", "khai-sinh", "lien-thong-khai-sinh", "khai-tu", "lien-thong-khai-tu",
	"ket-hon", "thuong-tru", "tam-tru", "tam-vang",
	"chung-thuc-ban-sao", "chung-thuc-chu-ky", "chung-thuc-hop-dong",
	"trich-luc-ho-tich", "thay-doi-cai-chinh-ho-tich", "bo-sung-thong-tin-ho-tich", "nhan-cha-me-con",
	"khai-sinh-nhan-cha-me-con", "dang-ky-lai-khai-sinh", "dang-ky-lai-khai-tu", "giam-ho", "cham-dut-giam-ho",
	"gia-han-tam-tru", "xoa-tam-tru", "tach-ho", "dieu-chinh-thong-tin-cu-tru", "xoa-thuong-tru",
	"tro-cap-xa-hoi-hang-thang", "ho-tro-mai-tang",
	"dang-ky-ho-kinh-doanh", "thay-doi-ho-kinh-doanh", "cham-dut-ho-kinh-doanh",
}

func catalogRank(id string) int {
	for i, x := range catalogOrder {
		if x == id {
			return i
		}
	}
	return len(catalogOrder)
}

// Lookup returns the catalog's service with that id.
func Lookup(id string) (*Spec, bool) {
	Catalog()
	s, ok := catalogByID[id]
	return s, ok
}

// CheckFees reports the fee schedules the catalog's specs use that t lacks
// (e.g. a ward's edited fee file with a schedule removed or renamed).
func CheckFees(t *fees.Table) error {
	var missing []string
	for _, s := range Catalog() {
		for _, id := range s.feeIDs {
			if _, ok := t.Schedule(id); !ok && !contains(missing, id) {
				missing = append(missing, id)
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("forms: the fee table lacks schedule(s) %s used by the service specs", strings.Join(missing, ", "))
	}
	return nil
}
