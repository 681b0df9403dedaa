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
)

//go:embed services/*.toml
var servicesFS embed.FS

// FieldType is the kind of value a field holds.
type FieldType string

const (
	TypeText   FieldType = "text"
	TypeDate   FieldType = "date"   // dd/mm/yyyy
	TypePID    FieldType = "pid"    // 12-digit personal ID number
	TypePhone  FieldType = "phone"  // Vietnamese mobile number
	TypeEmail  FieldType = "email"  //
	TypeNumber FieldType = "number" // whole number
	TypeChoice FieldType = "choice" // one of Choices
)

var knownTypes = map[FieldType]bool{
	TypeText: true, TypeDate: true, TypePID: true, TypePhone: true,
	TypeEmail: true, TypeNumber: true, TypeChoice: true,
}

// Spec is one service: what the clerk fills in and what the citizen hands over.
// Specs are data (services/*.toml); Load checks them completely.
type Spec struct {
	ID             string     `toml:"id"`
	Name           string     `toml:"name"`      // Vietnamese service name
	Version        string     `toml:"version"`   // spec version, kept in every dossier
	FormName       string     `toml:"form_name"` // the official declaration form
	Template       string     `toml:"template"`  // legal source of the form template
	Agency         string     `toml:"agency"`    // handling agency (text)
	ProcessingDays int        `toml:"processing_days"`
	ResultValidity string     `toml:"result_validity"`
	Subject        SubjectMap `toml:"subject"`
	Documents      []Document `toml:"documents"`
	Sections       []Section  `toml:"sections"`

	fields  []*Field          // form order
	byID    map[string]*Field // field id -> field
	secOf   []int             // field index -> section index
	fileRef string
}

// SubjectMap names the fields that identify the person the dossier is about.
type SubjectMap struct {
	ID        string `toml:"id"`
	Name      string `toml:"name"`
	BirthDate string `toml:"birth_date"`
	Sex       string `toml:"sex"`
	Residence string `toml:"residence"` // printed as the citizen's address on the receipt
	Phone     string `toml:"phone"`     // printed on the receipt
}

// Section is a titled group of fields.
type Section struct {
	ID       string  `toml:"id"`
	Title    string  `toml:"title"`
	Note     string  `toml:"note"`     // fixed text printed with the section (e.g. the pledge)
	Relevant string  `toml:"relevant"` // expression; empty means always
	Fields   []Field `toml:"fields"`

	relevant *Expr
}

// Field is one input of the declaration.
type Field struct {
	ID              string       `toml:"id"`
	Type            FieldType    `toml:"type"`
	Label           string       `toml:"label"`
	Hint            string       `toml:"hint"`
	Required        bool         `toml:"required"`
	RequiredMessage string       `toml:"required_message"`
	Constraints     []Constraint `toml:"constraints"`
	ReadOnly        bool         `toml:"read_only"` // not editable once prefilled from a card or the database
	Default         string       `toml:"default"`
	Prefill         string       `toml:"prefill"` // sources tried in order, separated by '|'
	Choices         []Choice     `toml:"choices"`
	Relevant        string       `toml:"relevant"` // expression; empty means always

	relevant *Expr
	prefill  []string
	index    int
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
}

// Document is one paper the citizen hands over.
type Document struct {
	Name     string `toml:"name"`
	Original bool   `toml:"original"` // original (bản chính) or copy (bản sao)
	Count    int    `toml:"count"`
	Relevant string `toml:"relevant"`

	relevant *Expr
}

// Fields returns the fields in form order.
func (s *Spec) Fields() []*Field { return s.fields }

// Field returns the field with that id.
func (s *Spec) Field(id string) (*Field, bool) { f, ok := s.byID[id]; return f, ok }

// ChoiceLabel returns the Vietnamese label of a choice value ("" if unknown).
func (f *Field) ChoiceLabel(value string) string {
	for _, c := range f.Choices {
		if c.Value == value {
			return c.Label
		}
	}
	return ""
}

// prefillKeys lists the prefill sources Prefill understands.
var prefillKeys = map[string]bool{
	"card.id": true, "card.oldId": true, "card.fullName": true, "card.birthDate": true,
	"card.sex": true, "card.ethnicity": true, "card.nationality": true, "card.religion": true,
	"card.placeOfOrigin": true, "card.address": true, "card.issueDate": true,
	"db.id": true, "db.fullName": true, "db.birthDate": true, "db.sex": true,
	"db.ethnicity": true, "db.nationality": true, "db.birthPlace": true,
	"db.permanent": true, "db.temporary": true, "db.current": true, "db.residence": true,
	"db.maritalStatus": true, "db.spouse.fullName": true, "db.spouse.id": true,
	"db.spouse.birthDate": true, "db.phone": true, "db.email": true,
	"meta.today": true, "config.agency": true, "config.place": true,
}

// forbiddenDocuments are residence papers no service may ask for: residence
// data comes from the population database (NĐ 104/2022).
var forbiddenDocuments = []string{"ct07", "ct08", "hộ khẩu", "sổ tạm trú", "xác nhận cư trú", "xác nhận thông tin về cư trú"}

var fieldIDRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

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

// Parse decodes and checks a spec; unknown keys, unknown types, bad
// expressions, unknown prefill sources and residence papers are errors
// naming the field (or document) at fault.
func Parse(data []byte) (*Spec, error) {
	var s Spec
	dec := toml.NewDecoder(bytes.NewReader(norm.NFC.Bytes(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		var strict *toml.StrictMissingError
		if errors.As(err, &strict) {
			return nil, fmt.Errorf("decode: unknown keys:\n%s", strict.String())
		}
		return nil, fmt.Errorf("decode: %w", err)
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return &s, nil
}

func (s *Spec) check() error {
	if s.ID == "" || s.Name == "" || s.Version == "" {
		return fmt.Errorf("spec needs id, name and version")
	}
	if s.ProcessingDays < 0 {
		return fmt.Errorf("spec %s: negative processing_days", s.ID)
	}
	s.byID = map[string]*Field{}
	for si := range s.Sections {
		sec := &s.Sections[si]
		for fi := range sec.Fields {
			f := &sec.Fields[fi]
			if !fieldIDRe.MatchString(f.ID) {
				return fmt.Errorf("spec %s: bad field id %q", s.ID, f.ID)
			}
			if _, dup := s.byID[f.ID]; dup {
				return fmt.Errorf("spec %s: field %s: duplicate id", s.ID, f.ID)
			}
			f.index = len(s.fields)
			s.byID[f.ID] = f
			s.fields = append(s.fields, f)
			s.secOf = append(s.secOf, si)
		}
	}
	for si := range s.Sections {
		sec := &s.Sections[si]
		if sec.Relevant != "" {
			e, err := s.parseRefs(sec.Relevant)
			if err != nil {
				return fmt.Errorf("spec %s: section %s: relevant: %w", s.ID, sec.ID, err)
			}
			sec.relevant = e
		}
	}
	for _, f := range s.fields {
		if err := s.checkField(f); err != nil {
			return fmt.Errorf("spec %s: field %s: %w", s.ID, f.ID, err)
		}
	}
	if err := s.checkCycles(); err != nil {
		return fmt.Errorf("spec %s: %w", s.ID, err)
	}
	for i := range s.Documents {
		d := &s.Documents[i]
		if d.Name == "" || d.Count < 1 {
			return fmt.Errorf("spec %s: document %d needs a name and a count of at least 1", s.ID, i+1)
		}
		low := strings.ToLower(d.Name)
		for _, bad := range forbiddenDocuments {
			if strings.Contains(low, bad) {
				return fmt.Errorf("spec %s: document %q is a residence paper (%q): residence comes from the population database", s.ID, d.Name, bad)
			}
		}
		if d.Relevant != "" {
			e, err := s.parseRefs(d.Relevant)
			if err != nil {
				return fmt.Errorf("spec %s: document %q: relevant: %w", s.ID, d.Name, err)
			}
			d.relevant = e
		}
	}
	for role, id := range map[string]string{"id": s.Subject.ID, "name": s.Subject.Name, "birth_date": s.Subject.BirthDate, "sex": s.Subject.Sex, "residence": s.Subject.Residence, "phone": s.Subject.Phone} {
		if id == "" {
			continue
		}
		if _, ok := s.byID[id]; !ok {
			return fmt.Errorf("spec %s: subject.%s names unknown field %q", s.ID, role, id)
		}
	}
	return nil
}

// parseRefs parses an expression and checks that every field it reads exists.
func (s *Spec) parseRefs(src string) (*Expr, error) {
	e, err := ParseExpr(src)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", src, err)
	}
	for _, r := range e.Refs() {
		if _, ok := s.byID[r]; !ok {
			return nil, fmt.Errorf("%q: unknown field %q", src, r)
		}
	}
	return e, nil
}

func (s *Spec) checkField(f *Field) error {
	if !knownTypes[f.Type] {
		return fmt.Errorf("unknown type %q", f.Type)
	}
	if f.Label == "" {
		return fmt.Errorf("missing label")
	}
	if f.Type == TypeChoice {
		if len(f.Choices) == 0 {
			return fmt.Errorf("choice field without choices")
		}
		seen := map[string]bool{}
		for _, c := range f.Choices {
			if c.Value == "" || c.Label == "" || seen[c.Value] {
				return fmt.Errorf("choice %q: empty or duplicate value or empty label", c.Value)
			}
			seen[c.Value] = true
		}
		if f.Default != "" && !seen[f.Default] {
			return fmt.Errorf("default %q is not one of the choices", f.Default)
		}
	} else if len(f.Choices) > 0 {
		return fmt.Errorf("choices on a %s field", f.Type)
	}
	if f.Relevant != "" {
		e, err := s.parseRefs(f.Relevant)
		if err != nil {
			return fmt.Errorf("relevant: %w", err)
		}
		f.relevant = e
	}
	if f.Prefill != "" {
		for _, k := range strings.Split(f.Prefill, "|") {
			k = strings.TrimSpace(k)
			if !prefillKeys[k] {
				return fmt.Errorf("unknown prefill source %q", k)
			}
			f.prefill = append(f.prefill, k)
		}
	}
	for i := range f.Constraints {
		if err := s.checkConstraint(f, &f.Constraints[i]); err != nil {
			return fmt.Errorf("constraint %s: %w", f.Constraints[i].Kind, err)
		}
	}
	return nil
}

func (s *Spec) checkConstraint(f *Field, c *Constraint) error {
	if c.Message == "" {
		return fmt.Errorf("missing message")
	}
	allowed := map[string][]string{
		"length": {"min", "max"}, "pattern": {"regex"}, "range": {"min", "max"},
		"not_future": nil, "not_before": {"field"}, "pid_matches": {"birth", "sex"}, "expr": {"expr"},
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
		g, ok := s.byID[id]
		if !ok {
			return fmt.Errorf("param %s names unknown field %q", k, id)
		}
		if want != "" && g.Type != want {
			return fmt.Errorf("param %s: field %q is %s, want %s", k, id, g.Type, want)
		}
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
		if c.expr, err = s.parseRefs(c.Params["expr"]); err != nil {
			return err
		}
	}
	return nil
}

// checkCycles rejects relevance conditions that depend on themselves.
func (s *Spec) checkCycles() error {
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(s.fields))
	var visit func(i int) error
	visit = func(i int) error {
		color[i] = grey
		for _, r := range s.relevanceRefs(i) {
			j := s.byID[r].index
			switch color[j] {
			case grey:
				return fmt.Errorf("field %s: relevance cycle through %s", s.fields[i].ID, r)
			case white:
				if err := visit(j); err != nil {
					return err
				}
			}
		}
		color[i] = black
		return nil
	}
	for i := range s.fields {
		if color[i] == white {
			if err := visit(i); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Spec) relevanceRefs(i int) []string {
	var refs []string
	if e := s.Sections[s.secOf[i]].relevant; e != nil {
		refs = e.Refs()
	}
	if e := s.fields[i].relevant; e != nil {
		refs = append(refs, e.Refs()...)
	}
	return refs
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
		sort.Slice(catalog, func(i, j int) bool { return catalog[i].ID < catalog[j].ID })
	})
	return catalog
}

// Lookup returns the catalog's service with that id.
func Lookup(id string) (*Spec, bool) {
	Catalog()
	s, ok := catalogByID[id]
	return s, ok
}
