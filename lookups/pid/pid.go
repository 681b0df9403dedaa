package pid

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"motcua/lookups"
)

// Problem is one reason an ID number is invalid.
type Problem struct {
	Code    string // machine code: "length", "digits", "province", "sex_century", "birth_year"
	Message string // Vietnamese, for the clerk
}

// Error is returned by Validate; it lists every problem found.
type Error struct{ Problems []Problem }

// Error joins the Vietnamese messages of every problem. The messages quote at
// most a few digits of the number (a province code, two year digits), never
// the whole number.
func (e *Error) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Message
	}
	return strings.Join(msgs, " ")
}

// Has reports whether the error contains a problem with the given code.
func (e *Error) Has(code string) bool {
	for _, p := range e.Problems {
		if p.Code == code {
			return true
		}
	}
	return false
}

// Problem codes.
const (
	CodeLength     = "length"
	CodeDigits     = "digits"
	CodeProvince   = "province"
	CodeSexCentury = "sex_century"
	CodeBirthYear  = "birth_year"
)

// provinces is the old 63-province list of birth-registration codes
// (domain README, section 2).
var provinces = map[string]string{
	"001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn", "008": "Tuyên Quang",
	"010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu", "014": "Sơn La", "015": "Yên Bái",
	"017": "Hòa Bình", "019": "Thái Nguyên", "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang",
	"025": "Phú Thọ", "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
	"033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định", "037": "Ninh Bình",
	"038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh", "044": "Quảng Bình", "045": "Quảng Trị",
	"046": "Thừa Thiên Huế", "048": "Đà Nẵng", "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định",
	"054": "Phú Yên", "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
	"064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng", "070": "Bình Phước",
	"072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai", "077": "Bà Rịa-Vũng Tàu", "079": "TP Hồ Chí Minh",
	"080": "Long An", "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long",
	"087": "Đồng Tháp", "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang",
	"094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}

var provinceCodes = func() []string {
	codes := make([]string, 0, len(provinces))
	for c := range provinces {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes
}()

// Province returns the old-63-province name for a 3-digit birth-registration code.
func Province(code string) (string, bool) {
	name, ok := provinces[code]
	return name, ok
}

// ProvinceCodes returns the 63 known 3-digit codes in ascending order.
func ProvinceCodes() []string { return slices.Clone(provinceCodes) }

// IsForeignCode reports whether a 3-digit registration code is a foreign-country
// code (first digit not 0). The country list is not known to the project, so
// such codes are accepted without further check.
func IsForeignCode(code string) bool {
	return len(code) == 3 && allDigits(code) && code[0] != '0'
}

// Info is what the digits of a well-formed 12-digit ID say.
type Info struct {
	RegistrationCode string      // digits 1-3
	ProvinceName     string      // "" for a foreign-country code
	Foreign          bool        // the registration code is a foreign-country code
	Sex              lookups.Sex // from digit 4
	Century          int         // 1900, 2000, 2100 or 2200, from digit 4
	BirthYear        int         // Century + digits 5-6
	Sequence         string      // digits 7-12
}

// Decode reads the parts of an ID. It returns the Validate error (without
// birth date and sex) when the ID is not valid.
func Decode(id string) (Info, error) {
	if err := Validate(id, lookups.Date{}, ""); err != nil {
		return Info{}, err
	}
	d := int(id[3] - '0')
	century := 1900 + 100*(d/2)
	sex := lookups.Male
	if d%2 == 1 {
		sex = lookups.Female
	}
	code := id[:3]
	name, _ := Province(code)
	return Info{
		RegistrationCode: code,
		ProvinceName:     name,
		Foreign:          code[0] != '0',
		Sex:              sex,
		Century:          century,
		BirthYear:        century + int(id[4]-'0')*10 + int(id[5]-'0'),
		Sequence:         id[6:],
	}, nil
}

// Validate checks a 12-digit ID. birth and sex may be zero/empty when unknown;
// when given, the sex/century digit and the birth-year digits must agree with them.
//
// A registration code whose first digit is not 0 is a foreign-country code
// (README section 2); the project has no list of those, so it is accepted
// unchecked. Digit 4 must be 0-7 (1900s to 2200s); 8 and 9 are rejected as
// unknown.
func Validate(id string, birth lookups.Date, sex lookups.Sex) error {
	var probs []Problem
	if !allDigits(id) {
		probs = append(probs, Problem{CodeDigits, "Số định danh chỉ được gồm chữ số 0–9 (không có chữ, dấu cách hay dấu chấm)."})
	}
	if n := utf8.RuneCountInString(id); n != 12 {
		probs = append(probs, Problem{CodeLength, fmt.Sprintf("Số định danh phải có đúng 12 chữ số (đang có %d ký tự).", n)})
	}
	if len(probs) > 0 {
		return &Error{probs}
	}

	code := id[:3]
	if code[0] == '0' {
		if _, ok := provinces[code]; !ok {
			probs = append(probs, Problem{CodeProvince, fmt.Sprintf("Mã tỉnh nơi đăng ký khai sinh %s không tồn tại. Hãy kiểm tra lại 3 chữ số đầu.", code)})
		}
	}

	d := int(id[3] - '0')
	if d > 7 {
		probs = append(probs, Problem{CodeSexCentury, fmt.Sprintf("Chữ số thứ 4 (giới tính, thế kỷ sinh) là %d, chỉ được từ 0 đến 7.", d)})
	} else {
		mismatch := false
		if !birth.IsZero() && birth.Year-birth.Year%100 != 1900+100*(d/2) {
			mismatch = true
		}
		switch sex {
		case lookups.Male:
			mismatch = mismatch || d%2 != 0
		case lookups.Female:
			mismatch = mismatch || d%2 != 1
		}
		if mismatch {
			probs = append(probs, Problem{CodeSexCentury, "Chữ số thứ 4 (giới tính, thế kỷ sinh) không khớp với ngày sinh/giới tính."})
		}
	}

	if !birth.IsZero() {
		yy := int(id[4]-'0')*10 + int(id[5]-'0')
		if birth.Year < 0 || birth.Year%100 != yy {
			probs = append(probs, Problem{CodeBirthYear, fmt.Sprintf("Chữ số thứ 5–6 (năm sinh) là %02d, không khớp với năm sinh %d.", yy, birth.Year)})
		}
	}

	if len(probs) > 0 {
		return &Error{probs}
	}
	return nil
}

// Build assembles a valid ID from its parts (province code "001", sex, birth date, 6-digit sequence).
// The code may also be a foreign-country code (3 digits, first not 0). Birth
// years from 1900 to 2299 can be encoded.
func Build(provinceCode string, sex lookups.Sex, birth lookups.Date, seq int) (string, error) {
	if _, ok := provinces[provinceCode]; !ok && !IsForeignCode(provinceCode) {
		return "", fmt.Errorf("pid: unknown registration code %q", provinceCode)
	}
	var s int
	switch sex {
	case lookups.Male:
		s = 0
	case lookups.Female:
		s = 1
	default:
		return "", fmt.Errorf("pid: sex must be %q or %q", lookups.Male, lookups.Female)
	}
	if !birth.Valid() {
		return "", fmt.Errorf("pid: invalid birth date %s", birth.ISO())
	}
	if birth.Year < 1900 || birth.Year > 2299 {
		return "", fmt.Errorf("pid: birth year %d outside 1900-2299", birth.Year)
	}
	if seq < 0 || seq > 999999 {
		return "", fmt.Errorf("pid: sequence %d outside 0-999999", seq)
	}
	d := 2*((birth.Year-1900)/100) + s
	id := fmt.Sprintf("%s%d%02d%06d", provinceCode, d, birth.Year%100, seq)
	if err := Validate(id, birth, sex); err != nil {
		return "", fmt.Errorf("pid: built an invalid ID: %w", err)
	}
	return id, nil
}

// ValidateOld checks a 9-digit CMND number (digits only).
func ValidateOld(id string) error {
	var probs []Problem
	if !allDigits(id) {
		probs = append(probs, Problem{CodeDigits, "Số CMND chỉ được gồm chữ số 0–9."})
	}
	if n := utf8.RuneCountInString(id); n != 9 {
		probs = append(probs, Problem{CodeLength, fmt.Sprintf("Số CMND cũ phải có đúng 9 chữ số (đang có %d ký tự).", n)})
	}
	if len(probs) > 0 {
		return &Error{probs}
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
