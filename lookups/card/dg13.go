package card

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"motcua/lookups"
	"motcua/lookups/card/icao"
	"motcua/lookups/vntext"
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
	// Unreadable lists the items whose value could not be read (see
	// ItemError): their fields are empty.
	Unreadable []int `json:"unreadableItems,omitempty"`
}

// DG13 item numbers (domain reference, section 3).
const (
	itemID = iota + 1
	itemName
	itemBirth
	itemSex
	itemNationality
	itemEthnicity
	itemReligion
	itemOrigin
	itemResidence
	itemMarks
	itemIssue
	itemExpiry
	itemParents
	itemSpouse
	itemOldID
	itemUnknown16 // present on cards, meaning not known: skipped like any unknown item
)

var itemNames = map[int]string{
	itemID: "ID number", itemName: "full name", itemBirth: "birth date", itemSex: "sex", itemNationality: "nationality",
	itemEthnicity: "ethnicity", itemReligion: "religion", itemOrigin: "place of origin", itemResidence: "place of residence",
	itemMarks: "identifying marks", itemIssue: "issue date", itemExpiry: "expiry date", itemParents: "parents",
	itemSpouse: "spouse", itemOldID: "old ID number",
}

// ItemError is one DG13 item whose value cannot be read: an unexpected
// type, invalid UTF-8, a control character, several values where one is
// due, or the item found twice. It names the item, never its value.
type ItemError struct {
	Item   int
	Reason string
}

func (e *ItemError) Error() string {
	return fmt.Sprintf("DG13 item %d (%s): %s", e.Item, itemNames[e.Item], e.Reason)
}

// Is makes an ItemError match ErrLDS.
func (e *ItemError) Is(target error) bool { return target == ErrLDS }

// ParseDG13 decodes DG13 by item number, whatever the nesting. Real cards
// lay it out as 6D { SEQUENCE { INTEGER 1, OBJECT IDENTIFIER, SET { item,
// ... } } }, an item being SEQUENCE { INTEGER n, value... }; older readers
// (and cardsim's bare layout) put the items straight in a SEQUENCE. A
// SEQUENCE that starts with an INTEGER is an item only when none of its
// other elements is an OBJECT IDENTIFIER, a SET or itself item-like: the
// wrapper, which also starts with an INTEGER, is never taken for item 1.
//
// Values are UTF8String or PrintableString (cards put UTF-8 in both; IA5,
// Visible and BMP strings are read too), directly or inside SEQUENCEs
// (parents, spouse). Missing, unknown and reordered items are tolerated.
// An item whose value has an unexpected type, invalid UTF-8 (never decoded
// as Latin-1), a control character or several values where one is due,
// and an item present twice, make ParseDG13 return the identity without
// that field together with the *ItemError(s), joined. A DG13 that is not
// well-formed or holds no item returns a nil identity and a *FileError.
func ParseDG13(b []byte) (*Identity, error) {
	t, _, err := icao.ParseTLV(b)
	if err != nil || t.Tag != 0x6D {
		return nil, ldsErr("DG13", orTag(err, t.Tag))
	}
	w := dg13Walk{values: map[int][]string{}}
	if err := w.walk(t.Value, 0); err != nil {
		return nil, ldsErr("DG13", err)
	}
	if len(w.order) == 0 {
		return nil, ldsErr("DG13", errors.New("no items"))
	}
	return w.identity()
}

type dg13Walk struct {
	values map[int][]string
	order  []int // item numbers in the card's order, each once
	bad    map[int]error
}

func (w *dg13Walk) fail(n int, reason string) {
	if w.bad == nil {
		w.bad = map[int]error{}
	}
	if _, ok := w.bad[n]; !ok {
		w.bad[n] = &ItemError{Item: n, Reason: reason}
	}
}

// itemNumber returns n when o starts like an item: SEQUENCE { INTEGER n, ... }.
func itemNumber(o icao.TLV) (int, []icao.TLV, bool) {
	if o.Tag != 0x30 {
		return 0, nil, false
	}
	kids, err := o.Children()
	if err != nil || len(kids) == 0 || kids[0].Tag != 0x02 || len(kids[0].Value) == 0 || len(kids[0].Value) > 2 || kids[0].Value[0]&0x80 != 0 {
		return 0, nil, false
	}
	n := 0
	for _, c := range kids[0].Value {
		n = n<<8 | int(c)
	}
	return n, kids, true
}

// isItem tells an item from a container that merely starts with an INTEGER
// (the version number of the real-card wrapper).
func isItem(kids []icao.TLV) bool {
	for _, k := range kids[1:] {
		if k.Tag == 0x06 || k.Tag == 0x31 {
			return false
		}
		if _, _, ok := itemNumber(k); ok {
			return false
		}
	}
	return true
}

func (w *dg13Walk) walk(v []byte, depth int) error {
	if depth > 8 {
		return errors.New("nested too deep")
	}
	objs, err := icao.ParseAll(v)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if !o.Constructed() {
			continue // the wrapper's version and object identifier
		}
		if n, kids, ok := itemNumber(o); ok && isItem(kids) {
			w.item(n, kids[1:])
			continue
		}
		if err := w.walk(o.Value, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (w *dg13Walk) item(n int, values []icao.TLV) {
	if slices.Contains(w.order, n) {
		w.fail(n, "present twice")
		delete(w.values, n)
		return
	}
	w.order = append(w.order, n)
	if itemNames[n] == "" {
		return // unknown: its values are not ours to judge
	}
	var strs []string
	for _, v := range values {
		if err := collectStrings(v, &strs, 0); err != nil {
			w.fail(n, err.Error())
			return
		}
	}
	switch n {
	case itemParents:
		if len(strs) > 2 {
			w.fail(n, fmt.Sprintf("%d names, want at most 2", len(strs)))
			return
		}
	default:
		if len(strs) > 1 {
			w.fail(n, fmt.Sprintf("%d values, want one", len(strs)))
			return
		}
	}
	w.values[n] = strs
}

// collectStrings appends the strings of a value: a string, or a SEQUENCE
// (or SET) of values. Any other type is an error.
func collectStrings(o icao.TLV, out *[]string, depth int) error {
	if depth > 4 {
		return errors.New("value nested too deep")
	}
	switch o.Tag {
	case 0x0C, 0x13, 0x16, 0x1A: // UTF8String, PrintableString, IA5String, VisibleString: UTF-8 on cards
		s, err := cardString(o.Value)
		if err != nil {
			return err
		}
		*out = append(*out, s)
		return nil
	case 0x1E: // BMPString
		s, err := bmpString(o.Value)
		if err != nil {
			return err
		}
		*out = append(*out, s)
		return nil
	case 0x30, 0x31:
		kids, err := o.Children()
		if err != nil {
			return fmt.Errorf("malformed value: %v", err)
		}
		for _, k := range kids {
			if err := collectStrings(k, out, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unexpected value type (tag %X)", o.Tag)
}

// cardString decodes a card string: UTF-8 whatever the tag says (cards put
// UTF-8 in PrintableString), NFC, trimmed of spaces and NUL padding. Bytes
// that are not UTF-8, or control characters, are an error: never guessed.
func cardString(b []byte) (string, error) {
	if !utf8.Valid(b) {
		return "", errors.New("invalid UTF-8")
	}
	s := strings.Trim(string(b), "\x00 ")
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", errors.New("control character")
	}
	return vntext.Clean(s), nil
}

func bmpString(b []byte) (string, error) {
	if len(b)%2 != 0 {
		return "", errors.New("BMPString of odd length")
	}
	r := make([]rune, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := rune(b[i])<<8 | rune(b[i+1])
		if c >= 0xD800 && c <= 0xDFFF {
			return "", errors.New("invalid BMPString")
		}
		r = append(r, c)
	}
	return cardString([]byte(string(r)))
}

func (w *dg13Walk) identity() (*Identity, error) {
	first := func(n int) string {
		if v := w.values[n]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	id := &Identity{}
	c := &id.Citizen
	c.ID = first(itemID)
	c.FullName = first(itemName)
	if s := first(itemBirth); s != "" {
		if d, ok := birthDate(s); ok {
			c.BirthDate = d
		} else {
			w.fail(itemBirth, "not a date")
		}
	}
	switch sx := vntext.FoldTone(first(itemSex)); {
	case sx == "":
	case strings.EqualFold(sx, "Nam"):
		c.Sex = lookups.Male
	case strings.EqualFold(sx, "Nữ"):
		c.Sex = lookups.Female
	default:
		w.fail(itemSex, "neither Nam nor Nữ")
	}
	c.Nationality = first(itemNationality)
	c.Ethnicity = first(itemEthnicity)
	c.Religion = first(itemReligion)
	c.PlaceOfOrigin = first(itemOrigin)
	c.CardAddress = first(itemResidence)
	id.Marks = first(itemMarks)
	if s := first(itemIssue); s != "" {
		if d, err := lookups.ParseDate(s); err == nil {
			c.IssueDate = d
		} else {
			w.fail(itemIssue, "not a date")
		}
	}
	if s := first(itemExpiry); s != "" {
		if d, err := lookups.ParseDate(s); err == nil {
			c.ExpiryDate = d
		} else {
			c.ExpiryText = s // "Không thời hạn"
		}
	}
	if p := w.values[itemParents]; len(p) > 0 {
		id.Father = p[0]
		if len(p) > 1 {
			id.Mother = p[1]
		}
	}
	id.Spouse = first(itemSpouse)
	c.OldID = first(itemOldID)
	for _, n := range w.order {
		if itemNames[n] == "" && n != itemUnknown16 {
			id.Unknown = append(id.Unknown, n)
		}
	}
	var errs []error
	for _, n := range slices.Sorted(maps.Keys(w.bad)) {
		id.Unreadable = append(id.Unreadable, n)
		errs = append(errs, w.bad[n])
	}
	return id, errors.Join(errs...)
}

// birthDate reads a birth date: dd/mm/yyyy, or a partial one as some birth
// records are (the year alone, or 00 for an unknown day or month).
func birthDate(s string) (lookups.Date, bool) {
	if d, err := lookups.ParseDate(s); err == nil {
		return d, true
	}
	if len(s) == 4 && allDigits(s) {
		y, _ := strconv.Atoi(s)
		return lookups.Date{Year: y}, y > 0
	}
	parts := strings.Split(s, "/")
	if len(parts) != 3 || len(parts[0]) != 2 || len(parts[1]) != 2 || len(parts[2]) != 4 || !allDigits(parts[0]+parts[1]+parts[2]) {
		return lookups.Date{}, false
	}
	d, _ := strconv.Atoi(parts[0])
	m, _ := strconv.Atoi(parts[1])
	y, _ := strconv.Atoi(parts[2])
	if y == 0 || m > 12 || d > 31 || d != 0 && m == 0 {
		return lookups.Date{}, false
	}
	return lookups.Date{Year: y, Month: time.Month(m), Day: d}, d == 0 // a whole date that does not exist is not partial
}

// itemLabels are the Vietnamese names of the DG13 items, for the clerk.
var itemLabels = map[int]string{
	itemID: "số định danh", itemName: "họ, chữ đệm và tên", itemBirth: "ngày sinh", itemSex: "giới tính", itemNationality: "quốc tịch",
	itemEthnicity: "dân tộc", itemReligion: "tôn giáo", itemOrigin: "quê quán", itemResidence: "nơi thường trú/cư trú",
	itemMarks: "đặc điểm nhận dạng", itemIssue: "ngày cấp", itemExpiry: "ngày hết hạn", itemParents: "cha, mẹ",
	itemSpouse: "vợ/chồng", itemOldID: "số CMND cũ",
}

// unreadableNote tells the clerk which DG13 items could not be read.
func unreadableNote(items []int) string {
	var names []string
	for _, n := range items {
		names = append(names, fmt.Sprintf("%s (mục %d)", itemLabels[n], n))
	}
	return "Không đọc được trên chip: " + strings.Join(names, ", ") + ". Các trường này để trống; lấy từ CSDL dân cư hoặc giấy tờ."
}
