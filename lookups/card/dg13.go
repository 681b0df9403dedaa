package card

import (
	"errors"
	"motcua/lookups"
	"motcua/lookups/card/icao"
	"motcua/lookups/vntext"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Identity is the holder's data from DG13 (with DG1 when read).
type Identity struct {
	lookups.Citizen
	Marks  string `json:"marks,omitempty"` // identifying marks (2021 cards)
	Father string `json:"father,omitempty"`
	Mother string `json:"mother,omitempty"`
	Spouse string `json:"spouse,omitempty"`
	// Unknown lists item numbers the parser did not recognise (kept for the
	// next layout change, never their values).
	Unknown []int `json:"unknownItems,omitempty"`
}

// ParseDG13 decodes DG13 defensively: tag 6D, items SEQUENCE { INTEGER n,
// value } found at any depth, strings of either type, missing and unknown
// items tolerated. Only the structure must be well-formed BER.
func ParseDG13(b []byte) (*Identity, error) {
	t, _, err := icao.ParseTLV(b)
	if err != nil || t.Tag != 0x6D {
		return nil, ldsErr("DG13", orTag(err, t.Tag))
	}
	items := map[int][]string{}
	var order []int
	var walk func(v []byte, depth int) error
	walk = func(v []byte, depth int) error {
		if depth > 8 {
			return errors.New("nested too deep")
		}
		objs, err := icao.ParseAll(v)
		if err != nil {
			return err
		}
		for _, o := range objs {
			if !o.Constructed() {
				continue
			}
			kids, err := o.Children()
			if err != nil {
				return err
			}
			if len(kids) > 0 && kids[0].Tag == 0x02 && len(kids[0].Value) >= 1 && len(kids[0].Value) <= 2 {
				n := 0
				for _, c := range kids[0].Value {
					n = n<<8 | int(c)
				}
				if _, seen := items[n]; !seen {
					order = append(order, n)
				}
				var strs []string
				for _, k := range kids[1:] {
					collectStrings(k, &strs, 0)
				}
				items[n] = append(items[n], strs...)
				continue
			}
			if err := walk(o.Value, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(t.Value, 0); err != nil {
		return nil, ldsErr("DG13", err)
	}
	if len(items) == 0 {
		return nil, ldsErr("DG13", errors.New("no items"))
	}
	first := func(n int) string {
		if v := items[n]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	id := &Identity{}
	c := &id.Citizen
	c.ID = first(1)
	c.FullName = first(2)
	if d, err := lookups.ParseDate(first(3)); err == nil {
		c.BirthDate = d
	} else if y := first(3); len(y) == 4 && allDigits(y) { // year only, as some birth records are
		yy, _ := strconv.Atoi(y)
		c.BirthDate = lookups.Date{Year: yy}
	}
	switch sx := vntext.FoldTone(first(4)); {
	case strings.EqualFold(sx, "Nam"):
		c.Sex = lookups.Male
	case strings.EqualFold(sx, "Nữ"):
		c.Sex = lookups.Female
	}
	c.Nationality = first(5)
	c.Ethnicity = first(6)
	c.Religion = first(7)
	c.PlaceOfOrigin = first(8)
	c.CardAddress = first(9)
	id.Marks = first(10)
	if d, err := lookups.ParseDate(first(11)); err == nil {
		c.IssueDate = d
	}
	if d, err := lookups.ParseDate(first(12)); err == nil {
		c.ExpiryDate = d
	} else {
		c.ExpiryText = first(12)
	}
	if p := items[13]; len(p) > 0 {
		id.Father = p[0]
		if len(p) > 1 {
			id.Mother = p[1]
		}
	}
	id.Spouse = first(14)
	c.OldID = first(15)
	for _, n := range order {
		if n < 1 || n > 16 {
			id.Unknown = append(id.Unknown, n)
		}
	}
	return id, nil
}

// collectStrings appends every string found under o, depth first.
func collectStrings(o icao.TLV, out *[]string, depth int) {
	if depth > 8 {
		return
	}
	switch o.Tag {
	case 0x0C, 0x13, 0x14, 0x16, 0x1A, 0x04: // UTF8, Printable, T61, IA5, Visible, OCTET STRING
		*out = append(*out, cardString(o.Value))
		return
	case 0x1E: // BMPString
		*out = append(*out, bmpString(o.Value))
		return
	}
	if o.Constructed() {
		kids, err := o.Children()
		if err != nil {
			return
		}
		for _, k := range kids {
			collectStrings(k, out, depth+1)
		}
	}
}

// cardString decodes a card string: UTF-8 whatever the tag says (cards put
// UTF-8 in PrintableString), Latin-1 as a last resort, NFC, trimmed.
func cardString(b []byte) string {
	s := string(b)
	if !utf8.ValidString(s) {
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		s = string(r)
	}
	return vntext.Clean(strings.Trim(s, "\x00"))
}

func bmpString(b []byte) string {
	r := make([]rune, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		r = append(r, rune(b[i])<<8|rune(b[i+1]))
	}
	return vntext.Clean(string(r))
}
