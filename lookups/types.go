package lookups

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sex as written on the card and in the population database.
type Sex string

const (
	Male   Sex = "Nam"
	Female Sex = "Nữ"
)

// Date is a civil date (no time zone), as birth, issue and expiry dates are.
// The zero value means "unknown". JSON form: "YYYY-MM-DD".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date y-m-d.
func NewDate(y int, m time.Month, d int) Date { return Date{Year: y, Month: m, Day: d} }

// DateOf returns the civil date of t in t's location.
func DateOf(t time.Time) Date { y, m, d := t.Date(); return Date{y, m, d} }

// IsZero reports whether the date is unknown.
func (d Date) IsZero() bool { return d.Year == 0 && d.Month == 0 && d.Day == 0 }

// Valid reports whether the date exists in the calendar.
func (d Date) Valid() bool {
	if d.Year < 1 || d.Month < 1 || d.Month > 12 || d.Day < 1 {
		return false
	}
	return d.Time(time.UTC).Day() == d.Day
}

// Time returns midnight of the date in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Before reports whether d is strictly before e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// String formats the date the Vietnamese way: dd/mm/yyyy ("" when unknown).
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, int(d.Month), d.Year)
}

// ISO formats the date as YYYY-MM-DD ("" when unknown).
func (d Date) ISO() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// ErrBadDate is returned by the date parsers for text that is not a valid date.
var ErrBadDate = errors.New("invalid date")

// ParseDate parses dd/mm/yyyy (also d/m/yyyy, with '-' or '.' as separator).
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	var parts []string
	for _, sep := range []string{"/", "-", "."} {
		if strings.Count(s, sep) == 2 {
			parts = strings.Split(s, sep)
			break
		}
	}
	if len(parts) != 3 || len(parts[0]) < 1 || len(parts[0]) > 2 || len(parts[1]) < 1 || len(parts[1]) > 2 || len(parts[2]) != 4 {
		return Date{}, fmt.Errorf("%w: %q", ErrBadDate, s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || strings.ContainsAny(p, "+-") {
			return Date{}, fmt.Errorf("%w: %q", ErrBadDate, s)
		}
		n[i] = v
	}
	out := Date{n[2], time.Month(n[1]), n[0]}
	if !out.Valid() {
		return Date{}, fmt.Errorf("%w: %q", ErrBadDate, s)
	}
	return out, nil
}

// ParseISODate parses YYYY-MM-DD.
func ParseISODate(s string) (Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Date{}, fmt.Errorf("%w: %q", ErrBadDate, s)
	}
	return DateOf(t), nil
}

// MarshalText implements encoding.TextMarshaler (YYYY-MM-DD, empty when unknown).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.ISO()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseISODate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Address is a current (post-July-2025, two-level) address: detail, ward, province.
type Address struct {
	Detail       string `json:"detail,omitempty"` // house number, street, hamlet (số nhà, đường, thôn/tổ)
	WardCode     string `json:"wardCode,omitempty"`
	WardName     string `json:"wardName,omitempty"`
	ProvinceCode string `json:"provinceCode,omitempty"`
	ProvinceName string `json:"provinceName,omitempty"`
}

// String joins the non-empty parts: "detail, ward, province".
func (a Address) String() string { return joinNonEmpty(a.Detail, a.WardName, a.ProvinceName) }

// LegacyAddress is a pre-2025 three-level address as printed on cards and old records.
type LegacyAddress struct {
	Detail   string `json:"detail,omitempty"`
	Ward     string `json:"ward,omitempty"`
	District string `json:"district,omitempty"`
	Province string `json:"province,omitempty"`
}

// String joins the non-empty parts: "detail, ward, district, province".
func (a LegacyAddress) String() string {
	return joinNonEmpty(a.Detail, a.Ward, a.District, a.Province)
}

func joinNonEmpty(parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += ", "
		}
		out += p
	}
	return out
}

// CardKind tells the two card generations apart.
type CardKind string

const (
	CardCCCD2021 CardKind = "CCCD"    // Căn cước công dân gắn chip (from 2021)
	CardCC2024   CardKind = "CANCUOC" // Căn cước (from 1/7/2024)
)

// Citizen is a person's identity as on the chip card (or its QR code).
type Citizen struct {
	ID            string   `json:"id"`              // 12-digit personal ID number
	OldID         string   `json:"oldId,omitempty"` // 9-digit CMND number
	FullName      string   `json:"fullName"`
	BirthDate     Date     `json:"birthDate"`
	Sex           Sex      `json:"sex"`
	Nationality   string   `json:"nationality,omitempty"`
	Ethnicity     string   `json:"ethnicity,omitempty"`
	Religion      string   `json:"religion,omitempty"`
	PlaceOfOrigin string   `json:"placeOfOrigin,omitempty"` // quê quán / nơi đăng ký khai sinh
	CardAddress   string   `json:"cardAddress,omitempty"`   // residence text as printed on the card
	IssueDate     Date     `json:"issueDate,omitempty"`
	ExpiryDate    Date     `json:"expiryDate,omitempty"`
	ExpiryText    string   `json:"expiryText,omitempty"` // e.g. "Không thời hạn" when the card does not expire
	CardKind      CardKind `json:"cardKind,omitempty"`
}

// PersonRef names another person of the database (parent, spouse, household member).
type PersonRef struct {
	ID        string `json:"id,omitempty"`
	FullName  string `json:"fullName"`
	BirthDate Date   `json:"birthDate,omitempty"`
	Sex       Sex    `json:"sex,omitempty"`
}

// ResidenceKind distinguishes the residence registrations.
type ResidenceKind string

const (
	Permanent ResidenceKind = "permanent" // thường trú
	Temporary ResidenceKind = "temporary" // tạm trú
	Current   ResidenceKind = "current"   // nơi ở hiện tại
)

// Residence is one residence registration of a person.
type Residence struct {
	Kind    ResidenceKind `json:"kind"`
	Address Address       `json:"address"`
	Legacy  LegacyAddress `json:"legacy,omitempty"` // the same place as written before the 2025 reform
	Since   Date          `json:"since,omitempty"`
	Until   Date          `json:"until,omitempty"` // temporary residence end
}

// Member is a household member and their relation to the head.
type Member struct {
	PersonRef
	Relation string `json:"relation"` // quan hệ với chủ hộ: "Chủ hộ", "Vợ", "Con", ...
}

// Household is the residence household (hộ gia đình) a person belongs to.
type Household struct {
	FileNumber string   `json:"fileNumber,omitempty"` // số hồ sơ cư trú
	Head       Member   `json:"head"`
	Members    []Member `json:"members"` // every member including the head
	Address    Address  `json:"address"`
}

// MaritalStatus as recorded in the population database.
type MaritalStatus string

const (
	NeverMarried MaritalStatus = "single"   // chưa đăng ký kết hôn
	Married      MaritalStatus = "married"  // đang có vợ/chồng
	Divorced     MaritalStatus = "divorced" // đã ly hôn
	Widowed      MaritalStatus = "widowed"  // vợ/chồng đã chết
)

// Label is the Vietnamese wording of the status.
func (m MaritalStatus) Label() string {
	switch m {
	case NeverMarried:
		return "Chưa đăng ký kết hôn với ai"
	case Married:
		return "Đang có vợ/chồng"
	case Divorced:
		return "Đã đăng ký kết hôn nhưng đã ly hôn"
	case Widowed:
		return "Đã đăng ký kết hôn nhưng vợ/chồng đã chết"
	}
	return "Không rõ"
}

// MaritalEvent is one entry of a person's marital history.
type MaritalEvent struct {
	Kind   MaritalStatus `json:"kind"` // married, divorced, widowed
	Date   Date          `json:"date"`
	Spouse PersonRef     `json:"spouse"`
	Place  string        `json:"place,omitempty"` // registering authority
}

// Resident is what the population database holds about a person.
type Resident struct {
	Citizen        Citizen        `json:"citizen"`
	BirthPlace     string         `json:"birthPlace,omitempty"`
	Permanent      *Residence     `json:"permanent,omitempty"`
	Temporary      *Residence     `json:"temporary,omitempty"`
	CurrentPlace   *Residence     `json:"currentPlace,omitempty"`
	Household      *Household     `json:"household,omitempty"`
	RelationToHead string         `json:"relationToHead,omitempty"`
	Father         *PersonRef     `json:"father,omitempty"`
	Mother         *PersonRef     `json:"mother,omitempty"`
	Spouse         *PersonRef     `json:"spouse,omitempty"`
	MaritalStatus  MaritalStatus  `json:"maritalStatus,omitempty"`
	MaritalHistory []MaritalEvent `json:"maritalHistory,omitempty"`
	DeathDate      Date           `json:"deathDate,omitempty"`
	Phone          string         `json:"phone,omitempty"`
	Email          string         `json:"email,omitempty"`
}

// Deceased reports whether the database records a date of death.
func (r *Resident) Deceased() bool { return !r.DeathDate.IsZero() }

// Purpose codes carried by every look-up and submission.
const (
	PurposeReception = "reception" // identity check before a service is chosen
	PurposeDossier   = "dossier"   // look-up made for a named dossier
	PurposeSubmit    = "submit"    // dossier submission
	PurposeReconcile = "reconcile" // list reconciliation
	PurposeCheck     = "check"     // operator's manual check (motcua lookup)
)

// CallMeta is who makes a call and why; the gateway rejects calls without both.
type CallMeta struct {
	Operator    string `json:"operator"`
	Purpose     string `json:"purpose"`
	DossierCode string `json:"dossierCode,omitempty"`
}

// Validate reports a missing operator or purpose.
func (m CallMeta) Validate() error {
	if m.Operator == "" {
		return errors.New("call without operator ID")
	}
	if m.Purpose == "" {
		return errors.New("call without purpose code")
	}
	return nil
}

// Origin says where a looked-up record came from and when.
type Origin struct {
	Source    ValueSource `json:"source"`    // SourceDatabase (live) or SourceCache
	FetchedAt time.Time   `json:"fetchedAt"` // when the gateway produced the record
	// Masked: sensitive values (ethnicity, religion) were withheld from this operator.
	Masked bool `json:"masked,omitempty"`
}

// Source is anything that answers a resident look-up by personal ID number.
type Source interface {
	Lookup(ctx context.Context, id string, meta CallMeta) (*Resident, Origin, error)
}

// ErrNotFound is returned when the database holds no person with that ID.
var ErrNotFound = errors.New("no resident with that ID")

// CardInfo is one card a virtual reader offers to "tap" (demo and training).
type CardInfo struct {
	ID   string
	Name string
	Note string // Vietnamese one-liner shown in the list
}
