package forms

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/pelletier/go-toml/v2"
)

// The fields of each official paper form, with the spec fields that fill
// them (forms/official/<procedure>.toml), measure how much a clerk still
// types when the card and the population database are available.
//
//go:embed official/*.toml
var officialFS embed.FS

// OfficialForm is the field list of one procedure's paper form.
type OfficialForm struct {
	Procedure string          `toml:"procedure"`
	Form      string          `toml:"form"`
	Source    string          `toml:"source"`
	Fields    []OfficialField `toml:"fields"`
}

// OfficialField is one field of the paper form and the spec fields (ids, or
// group columns "<group>.<sub>") that fill it, in whichever spec implements
// the procedure.
type OfficialField struct {
	Label     string   `toml:"label"`
	CoveredBy []string `toml:"covered_by"`
	// FilledBy names what fills the field outside the declaration, at the counter: "register"
	// (the certification register's number, internal/counter certify.go), "signer" (the
	// official who signs), "registration" (the act registered at the same time gives it).
	// Such a field counts as filled automatically.
	FilledBy string `toml:"filled_by"`
}

// FilledByKinds are the values of OfficialField.FilledBy.
var FilledByKinds = []string{"register", "signer", "registration"}

var officialForms = sync.OnceValues(func() (map[string]*OfficialForm, error) {
	names, err := fs.Glob(officialFS, "official/*.toml")
	if err != nil {
		return nil, err
	}
	out := map[string]*OfficialForm{}
	for _, n := range names {
		b, err := officialFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		var o OfficialForm
		dec := toml.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o); err != nil {
			return nil, fmt.Errorf("forms: %s: %w", n, err)
		}
		if want := strings.TrimSuffix(path.Base(n), ".toml"); o.Procedure != want {
			return nil, fmt.Errorf("forms: %s names procedure %q", n, o.Procedure)
		}
		for _, f := range o.Fields {
			if f.FilledBy != "" && !slices.Contains(FilledByKinds, f.FilledBy) {
				return nil, fmt.Errorf("forms: %s: field %q: filled_by %q is not one of %v", n, f.Label, f.FilledBy, FilledByKinds)
			}
		}
		out[o.Procedure] = &o
	}
	return out, nil
})

// Official returns the paper form's field list of a procedure.
func Official(id string) (*OfficialForm, bool) {
	m, err := officialForms()
	if err != nil {
		return nil, false
	}
	o, ok := m[id]
	return o, ok
}

// How an official field gets its value.
const (
	FilledAuto      = "auto"      // card, database, configuration or a calculation
	FilledDefault   = "default"   // a default the clerk only confirms
	FilledTyped     = "typed"     // the clerk types it
	FilledUncovered = "uncovered" // no spec field fills it (a gap in the spec)
)

// ProcedureStats counts, for one procedure of a service, the fields of its
// paper form by how they get their value.
type ProcedureStats struct {
	Procedure     string   `json:"procedure"`
	Name          string   `json:"name"`
	Form          string   `json:"form"`
	Official      int      `json:"official"`
	Auto          int      `json:"auto"`
	Default       int      `json:"default"`
	Typed         int      `json:"typed"`
	Uncovered     int      `json:"uncovered"`
	TypedLabels   []string `json:"typedLabels,omitempty"`
	UncoveredList []string `json:"uncoveredLabels,omitempty"`
}

// ServiceStats is the measure of one service: per procedure, and the spec
// fields the clerk types for the whole declaration, each counted once even
// when several procedures' forms need it.
type ServiceStats struct {
	Service     string           `json:"service"`
	Name        string           `json:"name"`
	Procedures  []ProcedureStats `json:"procedures"`
	Official    int              `json:"official"`    // paper-form fields of every procedure
	TypedFields []string         `json:"typedFields"` // distinct spec fields the clerk types
	Errors      []string         `json:"errors,omitempty"`
}

// TypedShare is the typed spec fields over the paper-form fields.
func (s ServiceStats) TypedShare() float64 {
	if s.Official == 0 {
		return 0
	}
	return float64(len(s.TypedFields)) / float64(s.Official)
}

// Stats measures a service against the paper forms of its procedures,
// assuming cards and the database are available for every person slot.
// Relevance is not evaluated: a conditional field counts as if it applied.
func Stats(spec *Spec) ServiceStats {
	st := ServiceStats{Service: spec.ID, Name: spec.Name}
	typed := map[string]bool{}
	for _, p := range spec.Procedures() {
		ps := ProcedureStats{Procedure: p.ID, Name: p.Name, Form: p.Form}
		id := p.Official
		if id == "" {
			id = p.ID
		}
		o, ok := Official(id)
		if !ok {
			st.Errors = append(st.Errors, fmt.Sprintf("procedure %s: no official field list %q", p.ID, id))
			st.Procedures = append(st.Procedures, ps)
			continue
		}
		for _, of := range o.Fields {
			ps.Official++
			class, fields := spec.classify(of.CoveredBy)
			if of.FilledBy != "" {
				class = FilledAuto
			}
			switch class {
			case FilledAuto:
				ps.Auto++
			case FilledDefault:
				ps.Default++
			case FilledTyped:
				ps.Typed++
				ps.TypedLabels = append(ps.TypedLabels, of.Label)
				for _, f := range fields {
					typed[f] = true
				}
			default:
				ps.Uncovered++
				ps.UncoveredList = append(ps.UncoveredList, of.Label)
			}
		}
		st.Official += ps.Official
		st.Procedures = append(st.Procedures, ps)
	}
	for f := range typed {
		st.TypedFields = append(st.TypedFields, f)
	}
	sort.Strings(st.TypedFields)
	return st
}

// classify tells how the best of the covering spec fields gets its value,
// and returns the covering fields that exist in the spec.
func (s *Spec) classify(ids []string) (string, []string) {
	best, rank := FilledUncovered, 0
	var found []string
	for _, id := range ids {
		f, group := s.lookupField(id)
		if f == nil {
			continue
		}
		found = append(found, id)
		c, r := classifyField(f, group)
		if r > rank {
			best, rank = c, r
		}
	}
	return best, found
}

// lookupField finds a top-level field, or a group column "<group>.<sub>".
func (s *Spec) lookupField(id string) (f, group *Field) {
	if f, ok := s.byID[id]; ok {
		return f, nil
	}
	g, sub, ok := strings.Cut(id, ".")
	if !ok {
		return nil, nil
	}
	gf, ok := s.byID[g]
	if !ok || gf.Type != TypeGroup {
		return nil, nil
	}
	for i := range gf.Sub {
		if gf.Sub[i].ID == sub {
			return &gf.Sub[i], gf
		}
	}
	return nil, nil
}

// classifyField ranks: auto 3, default 2, typed 1.
func classifyField(f, group *Field) (string, int) {
	if f.calc != nil || len(f.prefill) > 0 {
		return FilledAuto, 3
	}
	if group != nil && len(group.prefill) > 0 {
		switch f.ID {
		case "id", "name", "birth_date", "sex", "relation":
			return FilledAuto, 3 // household members fill these columns
		}
	}
	if f.Default != "" {
		return FilledDefault, 2
	}
	return FilledTyped, 1
}
