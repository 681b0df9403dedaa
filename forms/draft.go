package forms

import (
	"encoding/json"
	"errors"
	"fmt"
	"motcua/lookups"
	"time"
)

// ErrSpecChanged is returned by RestoreDraft when the draft was made with
// another version of the spec (or a spec no longer in the catalog).
var ErrSpecChanged = errors.New("forms: the draft's spec version differs from the current spec")

const draftFormat = 2

type draftValue struct {
	Path   string              `json:"path"`
	Value  string              `json:"value"`
	Source lookups.ValueSource `json:"source,omitempty"`
	At     time.Time           `json:"at,omitzero"`
	Slot   string              `json:"slot,omitempty"`
}

type draftJSON struct {
	Format      int                   `json:"format"`
	SpecID      string                `json:"specId"`
	SpecVersion string                `json:"specVersion"`
	Agency      string                `json:"agency,omitempty"`
	Place       string                `json:"place,omitempty"`
	Police      string                `json:"police,omitempty"`
	Clinic      string                `json:"clinic,omitempty"`
	Created     time.Time             `json:"created"`
	Rows        map[string]int        `json:"rows,omitempty"`
	RowsEdited  map[string]bool       `json:"rowsEdited,omitempty"`
	Values      []draftValue          `json:"values"`
	Persons     map[string]PersonData `json:"persons,omitempty"`
	WardOnly    map[string][]string   `json:"wardOnly,omitempty"`
	Notes       []note                `json:"notes,omitempty"`
	Key         string                `json:"idempotencyKey,omitempty"`
}

// MarshalDraft returns the declaration as JSON: spec id and version, every
// value with its provenance, rows, persons, notes and the idempotency key.
// It holds personal data: the caller seals it before storing.
func (d *Declaration) MarshalDraft() ([]byte, error) {
	dj := draftJSON{Format: draftFormat, SpecID: d.spec.ID, SpecVersion: d.spec.Version,
		Agency: d.env.Agency, Place: d.env.Place, Police: d.env.Police, Clinic: d.env.Clinic, Created: d.env.Now, Rows: map[string]int{},
		Persons: map[string]PersonData{}, WardOnly: d.wardOnly, Notes: d.notes, Key: d.idemKey, RowsEdited: d.rowsEdited}
	addState := func(path string, f *Field, st *fieldState) {
		for part, suffix := range [3]string{"", ".detail", ".ward"} {
			c := st.c[part]
			if c.v == "" && c.p.Source == "" {
				continue
			}
			if part != partMain && f.Type != TypeAddress {
				break
			}
			dj.Values = append(dj.Values, draftValue{path + suffix, c.v, c.p.Source, c.p.At, c.p.Slot})
		}
	}
	for _, f := range d.spec.fields {
		if f.Type == TypeGroup {
			dj.Rows[f.ID] = len(d.rows[f.gidx])
			for n, row := range d.rows[f.gidx] {
				for k := range f.Sub {
					addState(pathOf(&f.Sub[k], n+1), &f.Sub[k], &row[k])
				}
			}
			continue
		}
		addState(f.ID, f, &d.top[f.index])
	}
	for i, p := range d.persons {
		if p != nil {
			dj.Persons[d.spec.persons[i].ID] = *p
		}
	}
	return json.Marshal(dj)
}

// RestoreDraft rebuilds a declaration from MarshalDraft's output with the
// catalog's spec; ErrSpecChanged when that spec's version differs.
func RestoreDraft(data []byte) (*Declaration, error) {
	var head struct {
		SpecID string `json:"specId"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("forms: restore draft: %w", err)
	}
	spec, ok := Lookup(head.SpecID)
	if !ok {
		return nil, fmt.Errorf("%w: spec %q not in the catalog", ErrSpecChanged, head.SpecID)
	}
	return RestoreDraftFor(spec, data)
}

// RestoreDraftFor is RestoreDraft with a given spec (same id and version).
func RestoreDraftFor(spec *Spec, data []byte) (*Declaration, error) {
	var dj draftJSON
	if err := json.Unmarshal(data, &dj); err != nil {
		return nil, fmt.Errorf("forms: restore draft: %w", err)
	}
	if dj.Format != draftFormat {
		return nil, fmt.Errorf("forms: restore draft: unknown format %d", dj.Format)
	}
	if dj.SpecID != spec.ID || dj.SpecVersion != spec.Version {
		return nil, fmt.Errorf("%w: draft %s %s, spec %s %s", ErrSpecChanged, dj.SpecID, dj.SpecVersion, spec.ID, spec.Version)
	}
	d := newDecl(spec, Env{Agency: dj.Agency, Place: dj.Place, Police: dj.Police, Clinic: dj.Clinic, Now: dj.Created})
	for _, g := range spec.groups {
		n := dj.Rows[g.ID]
		if n < 0 || n > g.Max {
			return nil, fmt.Errorf("forms: restore draft: group %s has %d rows", g.ID, n)
		}
		d.rows[g.gidx] = make([][]fieldState, n)
		for i := range d.rows[g.gidx] {
			d.rows[g.gidx][i] = make([]fieldState, len(g.Sub))
		}
	}
	for _, v := range dj.Values {
		r, ok := d.resolve(v.Path)
		if !ok || r.f.Type == TypeGroup {
			return nil, fmt.Errorf("forms: restore draft: unknown path %q", v.Path)
		}
		d.state(r.f, r.row).c[r.part] = cell{v.Value, Provenance{v.Source, v.At, v.Slot}}
	}
	for slot, p := range dj.Persons {
		i, ok := spec.personIdx[slot]
		if !ok {
			return nil, fmt.Errorf("forms: restore draft: unknown person slot %q", slot)
		}
		cp := p
		d.persons[i] = &cp
	}
	if dj.WardOnly != nil {
		d.wardOnly = dj.WardOnly
	}
	d.notes = dj.Notes
	d.idemKey = dj.Key
	d.rowsEdited = dj.RowsEdited
	d.changed()
	return d, nil
}

// SetClock sets the clock of later edits (a restored draft uses time.Now).
func (d *Declaration) SetClock(clock func() time.Time) {
	if clock == nil {
		clock = time.Now
	}
	d.Clock = clock
}

// Clone returns an independent copy of the declaration (values, sources,
// persons, rows, notes, idempotency key): work in the background (reception)
// gets a copy while the screen keeps drawing the original.
func (d *Declaration) Clone() (*Declaration, error) {
	data, err := d.MarshalDraft()
	if err != nil {
		return nil, err
	}
	c, err := RestoreDraftFor(d.spec, data)
	if err != nil {
		return nil, err
	}
	c.SetClock(d.Clock)
	if d.fees != nil {
		c.SetFees(d.fees)
	}
	return c, nil
}
