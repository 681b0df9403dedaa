package reconcile

import (
	"strings"

	"motcua/lookups"
	"motcua/lookups/units"
	"motcua/lookups/vntext"
)

// Field verdicts.
const (
	Match          = "match"           // the same (case and white space aside)
	ToneOnly       = "tone_only"       // the same after tone-mark folding only (Hoà / Hòa): counts as a match
	DiacriticsOnly = "diacritics_only" // one of the two names carries no Vietnamese mark at all and they agree without marks (Nguyen Thi Hoa / Nguyễn Thị Hoà)
	Mismatch       = "mismatch"        // different
	OldAddress     = "old_address"     // the pre-2025 form of the resident's current address
	NotGiven       = "not_given"       // the record has no value for the field
	Invalid        = "invalid"         // the record's value cannot be read (e.g. not a date)
)

// Record statuses.
const (
	StatusChecked      = "checked"       // found and compared
	StatusDeceased     = "deceased"      // found, compared, and the database records a death
	StatusNotFound     = "not_found"     // no resident with that ID
	StatusInvalidID    = "invalid_id"    // not a valid personal ID number: not sent
	StatusInvalidInput = "invalid_input" // the input line is malformed
	StatusError        = "error"         // could not be checked (gateway failure)
)

// Fields compared, in output order.
var Fields = []string{"name", "birth_date", "address"}

// Input is one record of the list.
type Input struct {
	Line      int    // line (or row) in the input file
	ID        string // personal ID number
	Name      string
	BirthDate string // dd/mm/yyyy or yyyy-mm-dd
	Address   string // optional: "detail, ward, province" or the pre-2025 "detail, ward, district, province"
	// Problem, when set, marks a malformed input line (Vietnamese reason); the
	// record is reported as invalid_input and not checked.
	Problem string
}

// Result is the verdict on one record: the record's own line and ID, and
// verdicts only. It never carries a value of the database.
type Result struct {
	Line      int    `json:"line"`
	ID        string `json:"id"`
	Status    string `json:"status"`
	Name      string `json:"name,omitempty"`
	BirthDate string `json:"birth_date,omitempty"`
	Address   string `json:"address,omitempty"`
	Message   string `json:"message,omitempty"` // Vietnamese, for invalid and error records
}

// Compare checks in against the resident r.
func Compare(in Input, r *lookups.Resident) Result {
	out := Result{Line: in.Line, ID: in.ID, Status: StatusChecked}
	if r.Deceased() {
		out.Status = StatusDeceased
	}
	out.Name = CompareName(in.Name, r.Citizen.FullName)
	out.BirthDate = CompareDate(in.BirthDate, r.Citizen.BirthDate)
	out.Address = CompareAddress(in.Address, r)
	return out
}

// CompareName compares a name from the list with the database's
// (vntext.CompareNames): two marked names that differ in a mark ("Hoa" and
// "Hoà", "Thu" and "Thư") are a mismatch; diacritics_only is given only when
// one whole name carries no mark at all.
func CompareName(in, db string) string {
	if vntext.Clean(in) == "" {
		return NotGiven
	}
	switch vntext.CompareNames(in, db) {
	case vntext.NamesEqual:
		return Match
	case vntext.NamesTonePlacement:
		return ToneOnly
	case vntext.NamesUnmarked:
		return DiacriticsOnly
	}
	return Mismatch
}

// ParseDate reads a list's date: dd/mm/yyyy (also with '-' or '.') or yyyy-mm-dd.
func ParseDate(s string) (lookups.Date, bool) {
	s = strings.TrimSpace(s)
	if d, err := lookups.ParseDate(s); err == nil {
		return d, true
	}
	if d, err := lookups.ParseISODate(s); err == nil {
		return d, true
	}
	return lookups.Date{}, false
}

// CompareDate compares a date from the list with the database's.
func CompareDate(in string, db lookups.Date) string {
	if strings.TrimSpace(in) == "" {
		return NotGiven
	}
	d, ok := ParseDate(in)
	switch {
	case !ok:
		return Invalid
	case d == db:
		return Match
	}
	return Mismatch
}

// CompareAddress compares an address from the list with the resident's
// residences (permanent, temporary, current place): Match when it is the
// current (two-level) address of one of them, OldAddress when it is the
// pre-2025 form of the same place, Mismatch otherwise.
func CompareAddress(in string, r *lookups.Resident) string {
	parts := splitAddress(in)
	if len(parts) == 0 {
		return NotGiven
	}
	var rs []*lookups.Residence
	for _, x := range []*lookups.Residence{r.Permanent, r.Temporary, r.CurrentPlace} {
		if x != nil {
			rs = append(rs, x)
		}
	}
	for _, x := range rs {
		if currentMatch(parts, x.Address) {
			return Match
		}
	}
	for _, x := range rs {
		if oldMatch(parts, x) {
			return OldAddress
		}
	}
	return Mismatch
}

func splitAddress(s string) []string {
	var parts []string
	for p := range strings.SplitSeq(s, ",") {
		if p = vntext.Clean(p); p != "" {
			parts = append(parts, p)
		}
	}
	return parts
}

func currentMatch(parts []string, a lookups.Address) bool {
	n := len(parts)
	if n < 2 || a.WardName == "" {
		return false
	}
	return unitEqual(parts[n-1], a.ProvinceName) && unitEqual(parts[n-2], a.WardName) &&
		eq(strings.Join(parts[:n-2], ", "), a.Detail)
}

func oldMatch(parts []string, x *lookups.Residence) bool {
	n := len(parts)
	if n < 3 {
		return false
	}
	detail := strings.Join(parts[:n-3], ", ")
	l := x.Legacy
	if l.Ward != "" && unitEqual(parts[n-3], l.Ward) && unitEqual(parts[n-2], l.District) &&
		unitEqual(parts[n-1], l.Province) && eq(detail, l.Detail) {
		return true
	}
	if x.Address.WardCode == "" || !eq(detail, x.Address.Detail) && !eq(detail, l.Detail) {
		return false
	}
	w, ok := units.ResolveOld(parts[n-3], parts[n-2], parts[n-1])
	if !ok {
		return false
	}
	for _, c := range w.NewCodes {
		if c == x.Address.WardCode {
			return true
		}
	}
	return false
}

// unitPrefixes are the type words a list may write or omit before a unit's
// name, longest first, in search-key form.
var unitPrefixes = []string{"thanh pho ", "dac khu ", "thi tran ", "thi xa ", "phuong ", "quan ", "huyen ", "tinh ", "tp. ", "tp ", "xa ", "p. ", "q. ", "h. ", "tt. ", "tx. "}

// unitEqual compares unit names, tolerating a missing or abbreviated type
// word ("TP. Hà Nội" / "Thành phố Hà Nội" / "Hà Nội"); the names themselves
// must be equal up to tone-mark placement and case.
func unitEqual(a, b string) bool {
	if eq(a, b) {
		return true
	}
	return eq(stripUnit(a), stripUnit(b))
}

// eq is vntext.Equal with cheap exits: byte equality, and different search
// keys (texts that are Equal have equal search keys; Equal costs more).
func eq(a, b string) bool {
	if a == b {
		return true
	}
	if vntext.SearchKey(a) != vntext.SearchKey(b) {
		return false
	}
	return vntext.Equal(a, b)
}

func stripUnit(s string) string {
	k := vntext.SearchKey(s)
	for _, p := range unitPrefixes {
		if strings.HasPrefix(k, p) {
			// The prefix is ASCII in search-key form; cut the same number of
			// words from the original to keep its diacritics.
			words := strings.Fields(s)
			cut := len(strings.Fields(p))
			if cut < len(words) {
				return strings.Join(words[cut:], " ")
			}
			return s
		}
	}
	return s
}
