package forms

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"motcua/lookups"
	"motcua/lookups/units"
)

// PrefillInput is the version-1 way to start a declaration: one person (the
// spec's first counter slot) and the counter's configuration.
//
// Deprecated: use NewDeclaration and FillPerson.
type PrefillInput struct {
	Card       *lookups.Citizen    // identity read from the card or its QR code
	CardSource lookups.ValueSource // SourceCard or SourceQR (SourceCard when empty)
	// LettersTrusted: the QR scan's letters are intact (see PersonData).
	LettersTrusted bool
	CardReadAt     time.Time // when the card was read (Now when zero)

	Resident *lookups.Resident // the population database's record of the same person
	Origin   lookups.Origin    // where Resident came from: Source SourceDatabase or SourceCache, and when

	Agency string // the receiving agency, for "config.agency"
	Place  string // where the declaration is made, for "config.place"

	Now   time.Time        // prefill time, also "meta.today" (time.Now() when zero)
	Clock func() time.Time // the declaration's clock afterwards (time.Now when nil)
}

// Prefill returns a declaration of spec with the first counter-filled person
// slot filled from in (when the spec has one and in has a card or record).
//
// Deprecated: use NewDeclaration and FillPerson.
func Prefill(spec *Spec, in PrefillInput) *Declaration {
	if in.Now.IsZero() {
		if in.Clock != nil {
			in.Now = in.Clock()
		} else {
			in.Now = time.Now()
		}
	}
	d := NewDeclaration(spec, Env{Agency: in.Agency, Place: in.Place, Now: in.Now, Clock: in.Clock})
	if in.Card == nil && in.Resident == nil {
		return d
	}
	at := in.CardReadAt
	if at.IsZero() {
		at = in.Now
	}
	for _, p := range spec.persons {
		if p.derive == "" {
			_ = d.FillPerson(p.ID, PersonData{Card: in.Card, CardSource: in.CardSource, LettersTrusted: in.LettersTrusted, Resident: in.Resident, Origin: in.Origin, At: at})
			break
		}
	}
	return d
}

// FillPerson fills a person slot (card tap, QR scan or typed ID with its
// database record), then prefills from it: values prefilled from an earlier
// person in the slot are replaced, clerk input never is. Slots derived from
// this one (household head, spouse) whose person changed are cleared; a
// derived slot that is this very person is filled with the same data.
func (d *Declaration) FillPerson(slot string, p PersonData) error {
	i, ok := d.spec.personIdx[slot]
	if !ok {
		return fmt.Errorf("forms: fill person %q: %w", slot, ErrUnknownPerson)
	}
	if p.Card != nil && p.CardSource == "" {
		p.CardSource = SourceCard
	}
	if p.Card == nil {
		p.CardSource = ""
	}
	if p.At.IsZero() {
		p.At = d.now()
	}
	d.persons[i] = &p
	d.deriveFrom(i)
	d.applyPrefill()
	d.changed()
	return nil
}

// ClearPerson empties a slot (and the slots derived from it), removing the
// values prefilled from them; clerk input stays.
func (d *Declaration) ClearPerson(slot string) {
	i, ok := d.spec.personIdx[slot]
	if !ok {
		return
	}
	d.persons[i] = nil
	d.deriveFrom(i)
	d.applyPrefill()
	d.changed()
}

// Person returns what fills a slot.
func (d *Declaration) Person(slot string) (PersonData, bool) {
	i, ok := d.spec.personIdx[slot]
	if !ok || d.persons[i] == nil {
		return PersonData{}, false
	}
	return *d.persons[i], true
}

// PendingPersons returns the derived slots, relevant and still empty, whose
// person's ID is known from another slot's database record (the household
// head's ID from the household data, the spouse's, father's or mother's
// ID): the counter looks them up and calls FillPerson.
func (d *Declaration) PendingPersons() []PendingPerson {
	var out []PendingPerson
	for i, p := range d.spec.persons {
		if p.derive == "" || d.persons[i] != nil || !d.personRelevant(i) {
			continue
		}
		if id := d.derivedID(i); id != "" {
			out = append(out, PendingPerson{Slot: p.ID, Label: p.Label, ID: id})
		}
	}
	return out
}

// derivedID is the ID of the person a derived slot should hold ("" when unknown).
func (d *Declaration) derivedID(i int) string {
	p := &d.spec.persons[i]
	src := d.persons[p.from]
	if src == nil || src.Resident == nil {
		return ""
	}
	r := src.Resident
	switch p.derive {
	case "household_head":
		if r.Household != nil {
			return r.Household.Head.ID
		}
	case "spouse":
		if r.Spouse != nil {
			return r.Spouse.ID
		}
	case "father":
		if r.Father != nil {
			return r.Father.ID
		}
	case "mother":
		if r.Mother != nil {
			return r.Mother.ID
		}
	}
	return ""
}

// deriveFrom updates the slots derived from slot i after it changed.
func (d *Declaration) deriveFrom(i int) {
	for j := range d.spec.persons {
		q := &d.spec.persons[j]
		if q.derive == "" || q.from != i {
			continue
		}
		want := d.derivedID(j)
		if cur := d.persons[j]; cur != nil && cur.ID() != want {
			d.persons[j] = nil
		}
		if src := d.persons[i]; d.persons[j] == nil && src != nil && want != "" && src.ID() == want {
			cp := *src
			d.persons[j] = &cp
		}
		d.deriveFrom(j)
	}
}

// applyPrefill recomputes every prefilled value that the clerk has not
// touched: the first source with a value wins; a value whose source went
// away is removed; an empty field gets its default.
func (d *Declaration) applyPrefill() {
	for _, f := range d.spec.prefilled {
		if f.calc != nil {
			continue
		}
		if f.Type == TypeGroup {
			d.prefillGroup(f)
			continue
		}
		st := &d.top[f.index]
		if st.c[partMain].p.Source == SourceClerk || st.c[partDetail].p.Source == SourceClerk || st.c[partWard].p.Source == SourceClerk {
			continue
		}
		found := false
		for _, src := range f.prefill {
			if d.applySource(f, st, src) {
				found = true
				break
			}
		}
		if found {
			continue
		}
		if s := st.c[partMain].p.Source; s != "" && s != SourceDefault {
			st.c = [3]cell{}
			path := pathOf(f, 0)
			delete(d.wardOnly, path+".ward")
			d.dropNote(path)
		}
		if st.c[partMain].v == "" && f.Default != "" {
			st.c[partMain] = cell{f.Default, Provenance{Source: SourceDefault, At: d.env.Now}}
		}
	}
}

// put stores a prefilled value, keeping the earlier time when nothing changed.
func put(c *cell, v string, p Provenance) {
	if c.v == v && c.p.Source == p.Source && c.p.Slot == p.Slot {
		return
	}
	*c = cell{v, p}
}

// applySource prefills f from one source; false when the source gives nothing usable.
func (d *Declaration) applySource(f *Field, st *fieldState, src source) bool {
	switch src.kind {
	case srcConfig:
		v := d.env.Agency
		switch src.name {
		case "place":
			v = d.env.Place
		case "police":
			v = d.env.Police
		case "clinic":
			v = d.env.Clinic
		}
		return d.putText(f, st, norm.NFC.String(strings.TrimSpace(v)), Provenance{Source: SourceConfig, At: d.env.Now})
	case srcMeta:
		return d.putText(f, st, lookups.DateOf(d.env.Now).String(), Provenance{Source: SourceDefault, At: d.env.Now})
	}
	pd := d.persons[src.slot]
	if pd == nil {
		return false
	}
	slot := d.spec.persons[src.slot].ID
	if src.kind == srcCard {
		c := pd.Card
		if c == nil {
			return false
		}
		p := Provenance{Source: pd.CardSource, At: pd.At, Slot: slot}
		if src.name == "address" {
			if pd.CardSource == SourceQR && (pd.Resident != nil || !pd.LettersTrusted) {
				return false
			}
			return d.putCardAddress(f, st, norm.NFC.String(c.CardAddress), p)
		}
		return d.putText(f, st, norm.NFC.String(cardValue(pd, src.name)), p)
	}
	r := pd.Resident
	if r == nil {
		return false
	}
	p := Provenance{Source: SourceDatabase, At: pd.Origin.FetchedAt, Slot: slot}
	if pd.Origin.Source == SourceCache {
		p.Source = SourceCache
	}
	if res, ok := residenceOf(r, src.name); ok {
		if res == nil || res.Address.String() == "" {
			return false
		}
		a := res.Address
		if f.Type != TypeAddress {
			return d.putText(f, st, norm.NFC.String(a.String()), p)
		}
		put(&st.c[partMain], norm.NFC.String(a.String()), p)
		put(&st.c[partDetail], norm.NFC.String(a.Detail), p)
		put(&st.c[partWard], a.WardCode, p)
		return true
	}
	return d.putText(f, st, norm.NFC.String(dbValue(r, src.name)), p)
}

// putText stores a text value; a choice value must be one of the choices.
func (d *Declaration) putText(f *Field, st *fieldState, v string, p Provenance) bool {
	if v == "" {
		return false
	}
	if (f.Type == TypeChoice && !d.choiceOK(f, 0, v)) || f.Type == TypeAddress {
		return false
	}
	put(&st.c[partMain], v, p)
	return true
}

// cardValue is one value of the card. Letters typed by a keyboard-mode QR
// scanner are often mangled: with a database record, text comes from it,
// and the letters of a scan not trusted never fill a field (its digits,
// dates and sex, checked against the ID, do).
func cardValue(pd *PersonData, name string) string {
	c := pd.Card
	switch name {
	case "id":
		return c.ID
	case "oldId":
		return c.OldID
	case "birthDate":
		return c.BirthDate.String()
	case "sex":
		return string(c.Sex)
	case "issueDate":
		return c.IssueDate.String()
	}
	if pd.CardSource == SourceQR && (pd.Resident != nil || !pd.LettersTrusted) {
		return ""
	}
	switch name {
	case "fullName":
		return c.FullName
	case "ethnicity":
		return c.Ethnicity
	case "nationality":
		return c.Nationality
	case "religion":
		return c.Religion
	case "placeOfOrigin":
		return c.PlaceOfOrigin
	case "address":
		return c.CardAddress
	}
	return ""
}

// residenceOf returns the residence a source names (ok false for other sources).
func residenceOf(r *lookups.Resident, name string) (*lookups.Residence, bool) {
	switch name {
	case "permanent":
		return r.Permanent, true
	case "temporary":
		return r.Temporary, true
	case "current":
		return r.CurrentPlace, true
	case "residence":
		for _, x := range []*lookups.Residence{r.CurrentPlace, r.Temporary, r.Permanent} {
			if x != nil && x.Address.String() != "" {
				return x, true
			}
		}
		return nil, true
	}
	return nil, false
}

func dbValue(r *lookups.Resident, name string) string {
	c := &r.Citizen
	ref := func(p *lookups.PersonRef, what string) string {
		if p == nil {
			return ""
		}
		switch what {
		case "fullName":
			return p.FullName
		case "id":
			return p.ID
		case "birthDate":
			return p.BirthDate.String()
		}
		return ""
	}
	if who, what, ok := strings.Cut(name, "."); ok {
		switch who {
		case "spouse":
			return ref(r.Spouse, what)
		case "father":
			return ref(r.Father, what)
		case "mother":
			return ref(r.Mother, what)
		case "marriage":
			// the latest registered marriage of the database's marital history
			var ev *lookups.MaritalEvent
			for i := range r.MaritalHistory {
				if r.MaritalHistory[i].Kind == lookups.Married {
					ev = &r.MaritalHistory[i]
				}
			}
			if ev == nil {
				return ""
			}
			switch what {
			case "date":
				return ev.Date.String()
			case "place":
				return ev.Place
			}
			return ""
		case "permanent", "temporary":
			res := r.Permanent
			if who == "temporary" {
				res = r.Temporary
			}
			if res == nil {
				return ""
			}
			switch what {
			case "since":
				return res.Since.String()
			case "until":
				return res.Until.String()
			}
			return ""
		case "household":
			h := r.Household
			if h == nil {
				return ""
			}
			switch what {
			case "head.fullName":
				return h.Head.FullName
			case "head.id":
				return h.Head.ID
			case "fileNumber":
				return h.FileNumber
			}
		}
		return ""
	}
	switch name {
	case "id":
		return c.ID
	case "fullName":
		return c.FullName
	case "birthDate":
		return c.BirthDate.String()
	case "sex":
		return string(c.Sex)
	case "ethnicity":
		return c.Ethnicity
	case "religion":
		return c.Religion
	case "nationality":
		return c.Nationality
	case "placeOfOrigin":
		return c.PlaceOfOrigin
	case "birthPlace":
		return r.BirthPlace
	case "maritalStatus":
		return string(r.MaritalStatus)
	case "phone":
		return r.Phone
	case "email":
		return r.Email
	case "relationToHead":
		return r.RelationToHead
	case "deathDate":
		return r.DeathDate.String()
	}
	return ""
}

// OldAddress is a pre-2025 address converted to the current wards.
type OldAddress struct {
	Detail     string // house number, street, hamlet
	Old        units.OldWard
	Resolved   bool     // the old ward was found
	WardCodes  []string // current wards it became (more than one: split)
	WardCode   string   // the current ward when there is exactly one
	Display    string   // current address text when the ward is known
	SourceText string
}

// ConvertOldAddress splits a card's three-level address ("detail, ward,
// district, province") on commas and finds the current ward(s) of the old ward.
func ConvertOldAddress(text string) OldAddress {
	out := OldAddress{SourceText: text}
	var parts []string
	for _, p := range strings.Split(text, ",") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	n := len(parts)
	if n < 3 {
		out.Detail = strings.Join(parts, ", ")
		return out
	}
	w, ok := units.ResolveOld(parts[n-3], parts[n-2], parts[n-1])
	out.Detail = strings.Join(parts[:n-3], ", ")
	if !ok {
		return out
	}
	out.Resolved, out.Old, out.WardCodes = true, w, w.NewCodes
	if len(w.NewCodes) == 1 {
		out.WardCode = w.NewCodes[0]
		out.Display = addressText(out.Detail, out.WardCode)
	}
	return out
}

// putCardAddress prefills from the card's old address: one current ward sets
// it; a split ward leaves the ward to choose among the candidates, with a note.
func (d *Declaration) putCardAddress(f *Field, st *fieldState, text string, p Provenance) bool {
	if text == "" {
		return false
	}
	a := ConvertOldAddress(text)
	if f.Type != TypeAddress {
		v := a.Display
		if v == "" {
			v = text
		}
		put(&st.c[partMain], v, p)
		return true
	}
	path := pathOf(f, 0)
	switch {
	case a.WardCode != "":
		put(&st.c[partMain], a.Display, p)
		put(&st.c[partDetail], a.Detail, p)
		put(&st.c[partWard], a.WardCode, p)
		delete(d.wardOnly, path+".ward")
		d.dropNote(path)
	case len(a.WardCodes) > 1:
		put(&st.c[partMain], a.Detail, p)
		put(&st.c[partDetail], a.Detail, p)
		st.c[partWard] = cell{}
		d.wardOnly[path+".ward"] = a.WardCodes
		var names []string
		for _, c := range wardChoices(a.WardCodes) {
			names = append(names, c.Label)
		}
		d.setNote(path, fmt.Sprintf("%s: %s (%s) trước năm 2025 nay thuộc nhiều phường/xã (%s). Hỏi công dân và chọn phường/xã mới.",
			f.Label, a.Old.Name, a.Old.District, strings.Join(names, ", ")))
	default:
		put(&st.c[partMain], text, p)
		put(&st.c[partDetail], a.Detail, p)
		st.c[partWard] = cell{}
		delete(d.wardOnly, path+".ward")
		d.setNote(path, fmt.Sprintf("%s: không xác định được phường/xã hiện nay từ địa chỉ trên thẻ. Hỏi công dân và chọn phường/xã mới.", f.Label))
	}
	return true
}

// prefillGroup fills a group's rows from a slot's household members (the
// slot's own person left out), unless the clerk has typed in a row.
func (d *Declaration) prefillGroup(g *Field) {
	if d.rowsEdited[g.ID] {
		return
	}
	rows := d.rows[g.gidx]
	prefilled := false
	for _, row := range rows {
		for k := range row {
			for _, c := range row[k].c {
				switch {
				case c.p.Source == SourceClerk:
					return
				case isRecordSource(c.p.Source):
					prefilled = true
				}
			}
		}
	}
	var members []lookups.Member
	var p Provenance
	for _, src := range g.prefill {
		pd := d.persons[src.slot]
		if pd == nil || pd.Resident == nil || pd.Resident.Household == nil {
			continue
		}
		p = Provenance{Source: SourceDatabase, At: pd.Origin.FetchedAt, Slot: d.spec.persons[src.slot].ID}
		if pd.Origin.Source == SourceCache {
			p.Source = SourceCache
		}
		self := pd.ID()
		for _, m := range pd.Resident.Household.Members {
			if m.ID == "" || m.ID != self {
				members = append(members, m)
			}
		}
		break
	}
	if len(members) == 0 {
		if prefilled {
			d.rows[g.gidx] = nil
			for i := 0; i < g.Min; i++ {
				d.rows[g.gidx] = append(d.rows[g.gidx], d.newRow(g))
			}
		}
		return
	}
	if len(members) > g.Max {
		members = members[:g.Max]
	}
	out := make([][]fieldState, 0, max(len(members), g.Min))
	for _, m := range members {
		row := d.newRow(g)
		for k := range g.Sub {
			var v string
			switch g.Sub[k].ID {
			case "id":
				v = m.ID
			case "name":
				v = m.FullName
			case "birth_date":
				v = m.BirthDate.String()
			case "sex":
				v = string(m.Sex)
			case "relation":
				v = m.Relation
			}
			if v = norm.NFC.String(v); v != "" {
				row[k].c[partMain] = cell{v, p}
			}
		}
		out = append(out, row)
	}
	for len(out) < g.Min {
		out = append(out, d.newRow(g))
	}
	d.rows[g.gidx] = out
}
