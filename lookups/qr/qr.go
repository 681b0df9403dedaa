package qr

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"motcua/lookups"
	"motcua/lookups/pid"
)

// Card is what a scanned QR line says.
type Card struct {
	Citizen        lookups.Citizen // ID, OldID, FullName, BirthDate, Sex, CardAddress, IssueDate filled
	Extra          []string        // fields after the seventh, raw (NFC)
	LettersTrusted bool            // false when name/address look mangled by a keyboard-mode scanner
	Warnings       []string        // Vietnamese notes for the clerk (e.g. letters mangled: take name from chip/database)
}

// Error is a QR line that cannot be used. Message is Vietnamese for the clerk
// and never quotes the name or address; Err is the cause, for logs.
type Error struct {
	Field   string // "id", "oldId", "fullName", "birthDate", "sex", "address", "issueDate", "line"
	Message string // Vietnamese
	Err     error
}

func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.Err }

// Field names, in the order of the QR line.
const (
	FieldID        = "id"
	FieldOldID     = "oldId"
	FieldFullName  = "fullName"
	FieldBirthDate = "birthDate"
	FieldSex       = "sex"
	FieldAddress   = "address"
	FieldIssueDate = "issueDate"
	FieldLine      = "line"
)

var fieldOrder = []string{FieldID, FieldOldID, FieldFullName, FieldBirthDate, FieldSex, FieldAddress, FieldIssueDate}

var fieldLabel = map[string]string{
	FieldID:        "số định danh",
	FieldOldID:     "số CMND cũ",
	FieldFullName:  "họ và tên",
	FieldBirthDate: "ngày sinh",
	FieldSex:       "giới tính",
	FieldAddress:   "nơi thường trú",
	FieldIssueDate: "ngày cấp",
}

// Errors wrapped in Error.Err.
var (
	ErrEmpty     = errors.New("qr: empty line")
	ErrTruncated = errors.New("qr: line has fewer than 7 fields")
	ErrBadOldID  = errors.New("qr: old ID is not 9 digits")
	ErrBadSex    = errors.New("qr: sex disagrees with the ID")
	ErrOrder     = errors.New("qr: issue date before birth date")
	ErrTooLong   = errors.New("qr: line or field beyond its limit")
	ErrControl   = errors.New("qr: control character in a digit field")
)

// Limits of a card QR line, in characters: generous for what the cards
// carry (a name of a few dozen letters, an address of a few lines), far
// below what a runaway scanner or pasted text produces. A line or field
// beyond them is refused with its own message, never cut.
const (
	MaxLine        = 1024 // the whole line
	MaxName        = 100  // the full name
	MaxAddress     = 300  // the address
	MaxExtraField  = 300  // each field after the seventh (2024 cards)
	MaxExtraFields = 16   // how many such fields
)

// fieldMax is the limit of each text field (the digit fields are checked
// exactly by their own rules).
var fieldMax = map[string]int{FieldFullName: MaxName, FieldAddress: MaxAddress}

// Warnings shown to the clerk.
const (
	WarnMangled    = "Chữ có dấu trong mã QR bị máy quét làm hỏng. Số định danh vẫn đúng; hãy lấy họ tên và địa chỉ từ chip hoặc CSDL dân cư."
	WarnNoMarks    = "Họ tên và địa chỉ trong mã QR không có dấu: có thể máy quét đã bỏ dấu. Hãy lấy họ tên và địa chỉ từ chip hoặc CSDL dân cư."
	WarnNameASCII  = "Họ tên trong mã QR không có dấu tiếng Việt. Hãy đối chiếu với chip hoặc CSDL dân cư."
	WarnSexFromID  = "Không đọc được giới tính trong mã QR; đã lấy giới tính theo chữ số thứ 4 của số định danh."
	WarnSerialHint = "Nếu lỗi này lặp lại, hãy chuyển máy quét sang chế độ cổng nối tiếp (USB CDC/serial) để nhận đúng chữ có dấu."
)

// Parse reads one QR line as a scanner types it: surrounding spaces and
// CR/LF are trimmed, the text is NFC-normalized, the seven known fields are
// read by position and any further fields are kept in Extra.
//
// On error the returned Card is empty. A Card returned without error always
// has a valid ID consistent with its birth date and sex.
func Parse(line string) (Card, error) {
	line = strings.TrimSpace(line)
	// Length first, before any work on the text: a byte count bounds the
	// rune count from above, so a huge line is refused without decoding it.
	if n := len(line); n > utf8.UTFMax*MaxLine || utf8.RuneCountInString(line) > MaxLine {
		return Card{}, &Error{FieldLine, fmt.Sprintf("Mã QR dài hơn %d ký tự: không phải mã QR của thẻ căn cước (hoặc máy quét gửi thừa dữ liệu). Hãy quét lại mã QR trên thẻ.", MaxLine),
			fmt.Errorf("%w: line of %d bytes", ErrTooLong, n)}
	}
	line = norm.NFC.String(strings.ToValidUTF8(line, "\uFFFD"))
	if line == "" {
		return Card{}, &Error{FieldLine, "Chưa nhận được mã QR. Hãy quét lại mặt thẻ có mã QR.", ErrEmpty}
	}
	fields := strings.Split(line, "|")
	if len(fields) < len(fieldOrder) {
		missing := fieldOrder[len(fields)]
		return Card{}, &Error{missing, fmt.Sprintf("Mã QR bị cắt: thiếu trường %s. Hãy quét lại.", fieldLabel[missing]), ErrTruncated}
	}
	if extra := len(fields) - len(fieldOrder); extra > MaxExtraFields {
		return Card{}, &Error{FieldLine, fmt.Sprintf("Mã QR có %d trường, quá nhiều so với mã QR trên thẻ căn cước. Hãy quét lại mã QR trên thẻ.", len(fields)),
			fmt.Errorf("%w: %d fields", ErrTooLong, len(fields))}
	}
	var c Card
	c.LettersTrusted = true
	stripped := false
	for i, name := range fieldOrder {
		f := strings.TrimSpace(fields[i])
		if name == FieldFullName || name == FieldAddress || name == FieldSex {
			// Letters: a control or format character is the mark of a
			// scanner typing what it could not map. Strip it; the letters
			// are no longer trusted.
			if clean := stripControls(f); clean != f {
				f, stripped = clean, true
			}
		} else if hasControls(f) {
			return Card{}, &Error{name, fmt.Sprintf("Trường %s trong mã QR có ký tự điều khiển: máy quét gửi sai dữ liệu. Hãy quét lại.", fieldLabel[name]),
				fmt.Errorf("%w: %s", ErrControl, name)}
		}
		if max, ok := fieldMax[name]; ok && utf8.RuneCountInString(f) > max {
			n := utf8.RuneCountInString(f)
			return Card{}, &Error{name, fmt.Sprintf("Trường %s trong mã QR dài %d ký tự, quá giới hạn %d: mã QR không đúng. Hãy quét lại hoặc đọc chip.", fieldLabel[name], n, max),
				fmt.Errorf("%w: %s of %d characters", ErrTooLong, name, n)}
		}
		fields[i] = f
	}
	cit := &c.Citizen
	cit.ID = fields[0]
	cit.OldID = fields[1]
	cit.FullName = collapseSpaces(fields[2])
	cit.CardAddress = collapseSpaces(fields[5])
	for i, f := range fields[len(fieldOrder):] {
		f = stripControls(f)
		if n := utf8.RuneCountInString(f); n > MaxExtraField {
			return Card{}, &Error{FieldLine, fmt.Sprintf("Trường thứ %d của mã QR dài %d ký tự, quá giới hạn %d: mã QR không đúng. Hãy quét lại hoặc đọc chip.", len(fieldOrder)+i+1, n, MaxExtraField),
				fmt.Errorf("%w: field %d of %d characters", ErrTooLong, len(fieldOrder)+i+1, n)}
		}
		c.Extra = append(c.Extra, f)
	}

	// Digits first: they survive keyboard-mode scanners.
	if err := pid.ValidateOld(cit.OldID); cit.OldID != "" && err != nil {
		return Card{}, &Error{FieldOldID, "Số CMND cũ trong mã QR phải có 9 chữ số hoặc để trống. Hãy quét lại.", fmt.Errorf("%w: %w", ErrBadOldID, err)}
	}
	var err error
	if cit.BirthDate, err = parseDate(fields[3]); err != nil {
		return Card{}, &Error{FieldBirthDate, "Ngày sinh trong mã QR không phải ngày hợp lệ (ngày tháng năm viết liền DDMMYYYY). Hãy quét lại.", err}
	}
	if cit.IssueDate, err = parseDate(fields[6]); err != nil {
		return Card{}, &Error{FieldIssueDate, "Ngày cấp trong mã QR không phải ngày hợp lệ (ngày tháng năm viết liền DDMMYYYY). Hãy quét lại.", err}
	}
	if cit.IssueDate.Before(cit.BirthDate) {
		return Card{}, &Error{FieldIssueDate, "Ngày cấp trong mã QR trước ngày sinh. Hãy quét lại hoặc đọc chip.", ErrOrder}
	}
	if err := pid.Validate(cit.ID, cit.BirthDate, ""); err != nil {
		return Card{}, &Error{FieldID, "Số định danh trong mã QR không hợp lệ: " + err.Error(), err}
	}
	info, _ := pid.Decode(cit.ID) // valid: checked above

	sex, exact := parseSex(fields[4])
	switch {
	case sex == "":
		cit.Sex = info.Sex
		c.LettersTrusted = false
		c.Warnings = append(c.Warnings, WarnSexFromID)
	case sex != info.Sex:
		return Card{}, &Error{FieldSex, "Giới tính trong mã QR không khớp với chữ số thứ 4 của số định danh. Hãy kiểm tra lại với chip hoặc CSDL dân cư.", ErrBadSex}
	default:
		cit.Sex = sex
		if !exact {
			c.LettersTrusted = false // "Nu" for "Nữ": marks were dropped
		}
	}

	switch {
	case stripped || mangled(cit.FullName) || mangled(cit.CardAddress) || mangled(fields[4]):
		c.LettersTrusted = false
		c.Warnings = append(c.Warnings, WarnMangled, WarnSerialHint)
	case isASCII(cit.FullName) && isASCII(cit.CardAddress):
		c.LettersTrusted = false
		c.Warnings = append(c.Warnings, WarnNoMarks, WarnSerialHint)
	case !c.LettersTrusted:
		c.Warnings = append(c.Warnings, WarnNoMarks, WarnSerialHint)
	case isASCII(cit.FullName):
		// A few names legitimately have no marks: warn, still trust.
		c.Warnings = append(c.Warnings, WarnNameASCII)
	}
	return c, nil
}

// LooksLikeQR reports whether s looks like a scanned card QR line rather than
// typed text: at least seven '|'-separated fields, the first of them 12 digits.
func LooksLikeQR(s string) bool {
	s = strings.TrimSpace(s)
	if strings.Count(s, "|") < len(fieldOrder)-1 {
		return false
	}
	first, _, _ := strings.Cut(s, "|")
	first = strings.TrimSpace(first)
	if len(first) != 12 {
		return false
	}
	for i := 0; i < len(first); i++ {
		if first[i] < '0' || first[i] > '9' {
			return false
		}
	}
	return true
}

func parseDate(s string) (lookups.Date, error) {
	if len(s) != 8 {
		return lookups.Date{}, fmt.Errorf("%w: want DDMMYYYY, got %d characters", lookups.ErrBadDate, utf8.RuneCountInString(s))
	}
	for i := 0; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return lookups.Date{}, fmt.Errorf("%w: non-digit in DDMMYYYY", lookups.ErrBadDate)
		}
	}
	n := func(a, b int) int {
		v := 0
		for i := a; i < b; i++ {
			v = v*10 + int(s[i]-'0')
		}
		return v
	}
	d := lookups.NewDate(n(4, 8), time.Month(n(2, 4)), n(0, 2))
	if !d.Valid() {
		return lookups.Date{}, fmt.Errorf("%w: day or month out of range", lookups.ErrBadDate)
	}
	return d, nil
}

// parseSex maps the sex field. exact is false when the value was recognized
// only without its diacritics ("Nu").
func parseSex(s string) (sex lookups.Sex, exact bool) {
	switch strings.ToLower(s) {
	case "nam":
		return lookups.Male, true
	case "nữ":
		return lookups.Female, true
	case "nu":
		return lookups.Female, false
	}
	return "", false
}

// mangled reports characters a Vietnamese name or address cannot contain but a
// keyboard-mode scanner (or a wrong code page) produces: '?', U+FFFD, control
// characters, and letters outside the Vietnamese alphabet such as the
// mojibake of UTF-8 read as Windows-1252 ("Nguyá»…n").
func mangled(s string) bool {
	for _, r := range s {
		switch {
		case r == '?' || r == utf8.RuneError:
			return true
		case unicode.IsControl(r):
			return true
		case r < utf8.RuneSelf:
			continue
		case unicode.IsLetter(r) && vietLetters()[r]:
			continue
		default:
			return true
		}
	}
	return false
}

// isControl reports the characters no card field holds: C0 and C1 controls
// (NUL, ESC, DEL...) and format characters (zero-width, bidirectional overrides).
func isControl(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }

func hasControls(s string) bool { return strings.IndexFunc(s, isControl) >= 0 }

func stripControls(s string) string {
	if !hasControls(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return -1
		}
		return r
	}, s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func collapseSpaces(s string) string { return strings.Join(strings.Fields(s), " ") }

// vietLetters holds every non-ASCII letter of the Vietnamese alphabet
// (precomposed, both cases): vowels with their tone marks, and đ/Đ. Made on
// first use: a QR read, not the program's start.
var vietLetters = sync.OnceValue(func() map[rune]bool {
	m := map[rune]bool{'đ': true, 'Đ': true}
	tones := []string{"", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
	for _, base := range []string{"a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"} {
		for _, t := range tones {
			for _, r := range norm.NFC.String(base + t) {
				if r >= utf8.RuneSelf {
					m[r] = true
					m[unicode.ToUpper(r)] = true
				}
			}
		}
	}
	return m
})
