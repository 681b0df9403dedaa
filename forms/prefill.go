package forms

import (
	"time"

	"golang.org/x/text/unicode/norm"

	"motcua/lookups"
)

// PrefillInput is everything known before the clerk types.
type PrefillInput struct {
	Card       *lookups.Citizen // identity read from the card or its QR code (the person confirmed)
	CardSource string           // SourceCard or SourceQR (SourceCard when empty)
	CardReadAt time.Time        // when the card was read (Now when zero)

	Resident *lookups.Resident // the population database's record of the same person
	Origin   lookups.Origin    // where Resident came from: Source "gateway" or "cache", and when

	Agency string // the receiving agency, for "config.agency"
	Place  string // where the declaration is made, for "config.place"

	Now   time.Time        // prefill time, also "meta.today" (time.Now() when zero)
	Clock func() time.Time // the declaration's clock afterwards (time.Now when nil)
}

// Prefill returns a declaration of spec filled from card, database and
// configuration; each value records its source and time. A field whose
// sources give nothing gets the spec's default (source "default").
func Prefill(spec *Spec, in PrefillInput) *Declaration {
	d := NewDeclaration(spec)
	if in.Clock != nil {
		d.Clock = in.Clock
	}
	if in.Now.IsZero() {
		in.Now = d.now()
	}
	if in.CardSource == "" {
		in.CardSource = SourceCard
	}
	if in.CardReadAt.IsZero() {
		in.CardReadAt = in.Now
	}
	if in.Resident != nil {
		o := in.Origin
		d.residentOrigin = &o
	}
	for _, f := range spec.fields {
		for _, key := range f.prefill {
			v, p := resolve(key, &in)
			v = norm.NFC.String(v)
			if v == "" || (f.Type == TypeChoice && f.ChoiceLabel(v) == "") {
				continue
			}
			d.put(f, v, p)
			break
		}
		if d.values[f.index] == "" && f.Default != "" {
			d.put(f, f.Default, Provenance{Source: SourceDefault, At: in.Now})
		}
	}
	return d
}

// resolve returns the value of one prefill source and its provenance.
func resolve(key string, in *PrefillInput) (string, Provenance) {
	switch key {
	case "meta.today":
		return lookups.DateOf(in.Now).String(), Provenance{SourceDefault, in.Now}
	case "config.agency":
		return in.Agency, Provenance{SourceConfig, in.Now}
	case "config.place":
		return in.Place, Provenance{SourceConfig, in.Now}
	}
	if len(key) > 5 && key[:5] == "card." {
		c := in.Card
		if c == nil {
			return "", Provenance{}
		}
		p := Provenance{in.CardSource, in.CardReadAt}
		switch key[5:] {
		case "id":
			return c.ID, p
		case "oldId":
			return c.OldID, p
		case "birthDate":
			return c.BirthDate.String(), p
		case "sex":
			return string(c.Sex), p
		case "issueDate":
			return c.IssueDate.String(), p
		}
		// Letters typed by a keyboard-mode QR scanner are often mangled:
		// when the database has the person, take text from it instead.
		if in.CardSource == SourceQR && in.Resident != nil {
			return "", Provenance{}
		}
		switch key[5:] {
		case "fullName":
			return c.FullName, p
		case "ethnicity":
			return c.Ethnicity, p
		case "nationality":
			return c.Nationality, p
		case "religion":
			return c.Religion, p
		case "placeOfOrigin":
			return c.PlaceOfOrigin, p
		case "address":
			return c.CardAddress, p
		}
		return "", Provenance{}
	}
	r := in.Resident
	if r == nil {
		return "", Provenance{}
	}
	p := Provenance{SourceDatabase, in.Origin.FetchedAt}
	if in.Origin.Source == "cache" {
		p.Source = SourceCache
	}
	c := &r.Citizen
	res := func(x *lookups.Residence) string {
		if x == nil {
			return ""
		}
		return x.Address.String()
	}
	switch key {
	case "db.id":
		return c.ID, p
	case "db.fullName":
		return c.FullName, p
	case "db.birthDate":
		return c.BirthDate.String(), p
	case "db.sex":
		return string(c.Sex), p
	case "db.ethnicity":
		return c.Ethnicity, p
	case "db.nationality":
		return c.Nationality, p
	case "db.birthPlace":
		return r.BirthPlace, p
	case "db.permanent":
		return res(r.Permanent), p
	case "db.temporary":
		return res(r.Temporary), p
	case "db.current":
		return res(r.CurrentPlace), p
	case "db.residence":
		for _, x := range []*lookups.Residence{r.Permanent, r.Temporary, r.CurrentPlace} {
			if s := res(x); s != "" {
				return s, p
			}
		}
		return "", p
	case "db.maritalStatus":
		return string(r.MaritalStatus), p
	case "db.spouse.fullName", "db.spouse.id", "db.spouse.birthDate":
		if r.Spouse == nil {
			return "", p
		}
		switch key {
		case "db.spouse.fullName":
			return r.Spouse.FullName, p
		case "db.spouse.id":
			return r.Spouse.ID, p
		}
		return r.Spouse.BirthDate.String(), p
	case "db.phone":
		return r.Phone, p
	case "db.email":
		return r.Email, p
	}
	return "", Provenance{}
}
