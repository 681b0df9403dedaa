package qr

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"motcua/lookups"
	"motcua/lookups/pid"
)

// Synthetic, made-up persons only.
var (
	birthA = lookups.NewDate(1991, time.July, 9)
	birthB = lookups.NewDate(2004, time.February, 29)
	idA    = mustBuild("001", lookups.Female, birthA, 123456) // 001191123456
	idB    = mustBuild("079", lookups.Male, birthB, 7)        // 079204000007
	nameA  = "Trần Thị Thử Nghiệm"
	addrA  = "Số 1 đường Mẫu, Phường Ví Dụ, Quận Hư Cấu, Hà Nội"
	nameB  = "Lê Văn Giả Định"
	addrB  = "Tổ 9, Phường Thí Điểm, Thành phố Hồ Chí Minh"
)

func mustBuild(code string, sex lookups.Sex, birth lookups.Date, seq int) string {
	id, err := pid.Build(code, sex, birth, seq)
	if err != nil {
		panic(err)
	}
	return id
}

func line(fields ...string) string { return strings.Join(fields, "|") }

func validA() string {
	return line(idA, "012345678", nameA, "09071991", "Nữ", addrA, "15032022")
}

func TestParseValid2021(t *testing.T) {
	c, err := Parse(validA())
	if err != nil {
		t.Fatal(err)
	}
	want := lookups.Citizen{
		ID: idA, OldID: "012345678", FullName: nameA, BirthDate: birthA, Sex: lookups.Female,
		CardAddress: addrA, IssueDate: lookups.NewDate(2022, time.March, 15),
	}
	if c.Citizen != want {
		t.Errorf("Citizen = %+v\nwant %+v", c.Citizen, want)
	}
	if !c.LettersTrusted || len(c.Warnings) != 0 || c.Extra != nil {
		t.Errorf("trusted=%v warnings=%v extra=%v", c.LettersTrusted, c.Warnings, c.Extra)
	}
}

func TestParseCases(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantField string // "" = no error
		wantErr   error
		check     func(t *testing.T, c Card)
	}{
		{
			name: "2024 card with extra fields",
			in:   line(idB, "", nameB, "29022004", "Nam", addrB, "01082024", "", "Lê Văn Cha|Nguyễn Thị Mẹ"),
			check: func(t *testing.T, c Card) {
				if !slices.Equal(c.Extra, []string{"", "Lê Văn Cha", "Nguyễn Thị Mẹ"}) {
					t.Errorf("Extra = %q", c.Extra)
				}
				if c.Citizen.OldID != "" || c.Citizen.Sex != lookups.Male || !c.LettersTrusted {
					t.Errorf("card = %+v", c)
				}
			},
		},
		{
			name: "CRLF and spaces",
			in:   "  " + validA() + "\r\n",
			check: func(t *testing.T, c Card) {
				if c.Citizen.IssueDate != lookups.NewDate(2022, 3, 15) {
					t.Errorf("IssueDate = %v", c.Citizen.IssueDate)
				}
			},
		},
		{
			name: "spaces inside fields collapsed",
			in:   line(" "+idA+" ", "", "Trần  Thị   Thử Nghiệm ", "09071991", " Nữ ", addrA, "15032022"),
			check: func(t *testing.T, c Card) {
				if c.Citizen.FullName != nameA || c.Citizen.ID != idA {
					t.Errorf("card = %+v", c.Citizen)
				}
			},
		},
		{name: "empty", in: "\r\n", wantField: FieldLine, wantErr: ErrEmpty},
		{name: "truncated after name", in: line(idA, "", nameA), wantField: FieldBirthDate, wantErr: ErrTruncated},
		{name: "truncated no bars", in: idA, wantField: FieldOldID, wantErr: ErrTruncated},
		{name: "truncated six fields", in: line(idA, "", nameA, "09071991", "Nữ", addrA), wantField: FieldIssueDate, wantErr: ErrTruncated},
		{name: "31 February birth", in: line(idA, "", nameA, "31021991", "Nữ", addrA, "15032022"), wantField: FieldBirthDate, wantErr: lookups.ErrBadDate},
		{name: "day 00 month 13 issue", in: line(idA, "", nameA, "09071991", "Nữ", addrA, "00132022"), wantField: FieldIssueDate, wantErr: lookups.ErrBadDate},
		{name: "month 13 birth", in: line(idA, "", nameA, "09131991", "Nữ", addrA, "15032022"), wantField: FieldBirthDate, wantErr: lookups.ErrBadDate},
		{name: "date with slashes", in: line(idA, "", nameA, "09/07/1991", "Nữ", addrA, "15032022"), wantField: FieldBirthDate, wantErr: lookups.ErrBadDate},
		{name: "issue before birth", in: line(idA, "", nameA, "09071991", "Nữ", addrA, "15031990"), wantField: FieldIssueDate, wantErr: ErrOrder},
		{name: "old ID 8 digits", in: line(idA, "01234567", nameA, "09071991", "Nữ", addrA, "15032022"), wantField: FieldOldID, wantErr: ErrBadOldID},
		{name: "old ID with letter", in: line(idA, "01234567X", nameA, "09071991", "Nữ", addrA, "15032022"), wantField: FieldOldID, wantErr: ErrBadOldID},
		{name: "ID 11 digits", in: line(idA[:11], "", nameA, "09071991", "Nữ", addrA, "15032022"), wantField: FieldID},
		{name: "ID unknown province", in: line("099"+idA[3:], "", nameA, "09071991", "Nữ", addrA, "15032022"), wantField: FieldID},
		{name: "ID year disagrees with birth", in: line(idA, "", nameA, "09071992", "Nữ", addrA, "15032022"), wantField: FieldID},
		{name: "ID century disagrees with birth", in: line(idA, "", nameA, "09072091", "Nữ", addrA, "15032092"), wantField: FieldID},
		{name: "sex disagrees with ID", in: line(idA, "", nameA, "09071991", "Nam", addrA, "15032022"), wantField: FieldSex, wantErr: ErrBadSex},
		{name: "Nu disagrees with ID", in: line(idB, "", nameB, "29022004", "Nu", addrB, "01082024"), wantField: FieldSex, wantErr: ErrBadSex},
		{
			name: "Nu without marks",
			in:   line(idA, "", nameA, "09071991", "NU", addrA, "15032022"),
			check: func(t *testing.T, c Card) {
				if c.Citizen.Sex != lookups.Female || c.LettersTrusted || !slices.Contains(c.Warnings, WarnNoMarks) {
					t.Errorf("card = %+v", c)
				}
			},
		},
		{
			name: "scanner dropped every mark",
			in:   line(idA, "", "Tran Thi Thu Nghiem", "09071991", "Nu", "So 1 duong Mau, Phuong Vi Du, Quan Hu Cau, Ha Noi", "15032022"),
			check: func(t *testing.T, c Card) {
				if c.LettersTrusted || c.Citizen.Sex != lookups.Female || !slices.Contains(c.Warnings, WarnNoMarks) {
					t.Errorf("card = %+v", c)
				}
			},
		},
		{
			name: "question marks for letters",
			in:   line(idA, "", "Tr?n Th? Th? Nghi?m", "09071991", "N?", "S? 1 ???ng M?u, H? N?i", "15032022"),
			check: func(t *testing.T, c Card) {
				if c.LettersTrusted || c.Citizen.Sex != lookups.Female {
					t.Errorf("card = %+v", c)
				}
				if !slices.Contains(c.Warnings, WarnMangled) || !slices.Contains(c.Warnings, WarnSexFromID) {
					t.Errorf("warnings = %q", c.Warnings)
				}
			},
		},
		{
			name: "mojibake (UTF-8 read as Windows-1252)",
			in:   line(idB, "", "LÃª VÄƒn Giáº£ Äá»‹nh", "29022004", "Nam", addrB, "01082024"),
			check: func(t *testing.T, c Card) {
				if c.LettersTrusted || !slices.Contains(c.Warnings, WarnMangled) {
					t.Errorf("card = %+v", c)
				}
			},
		},
		{
			name: "invalid UTF-8 and control characters",
			in:   line(idB, "", "L\xff V\x01n", "29022004", "Nam", addrB, "01082024"),
			check: func(t *testing.T, c Card) {
				if c.LettersTrusted || !slices.Contains(c.Warnings, WarnMangled) {
					t.Errorf("card = %+v", c)
				}
			},
		},
		{
			name: "ASCII-only name but marked address: warn, still trusted",
			in:   line(idB, "", "Kha Minh Tam", "29022004", "Nam", addrB, "01082024"),
			check: func(t *testing.T, c Card) {
				if !c.LettersTrusted || !slices.Equal(c.Warnings, []string{WarnNameASCII}) {
					t.Errorf("trusted=%v warnings=%q", c.LettersTrusted, c.Warnings)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.in)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if perr := pid.Validate(c.Citizen.ID, c.Citizen.BirthDate, c.Citizen.Sex); perr != nil {
					t.Errorf("parsed card has invalid ID: %v", perr)
				}
				if tt.check != nil {
					tt.check(t, c)
				}
				return
			}
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("Parse error = %v, want *Error", err)
			}
			if qe.Field != tt.wantField {
				t.Errorf("Field = %q, want %q (%v)", qe.Field, tt.wantField, qe)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v does not wrap %v", qe.Err, tt.wantErr)
			}
			if qe.Message == "" || qe.Error() != qe.Message {
				t.Errorf("Message = %q", qe.Message)
			}
			if strings.Contains(qe.Message, nameA) || strings.Contains(qe.Message, addrA) {
				t.Errorf("message leaks personal data: %q", qe.Message)
			}
			if c.Citizen.ID != "" {
				t.Errorf("card returned with error: %+v", c)
			}
		})
	}
}

func TestParseTruncatedNamesField(t *testing.T) {
	_, err := Parse(line(idA, "", nameA))
	if err == nil || !strings.Contains(err.Error(), "ngày sinh") {
		t.Errorf("error = %v, want it to name the missing birth date", err)
	}
}

func TestParseNFD(t *testing.T) {
	nfc, err := Parse(validA())
	if err != nil {
		t.Fatal(err)
	}
	in := norm.NFD.String(validA())
	if in == validA() {
		t.Fatal("test input has no decomposable letters")
	}
	nfd, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	if nfd.Citizen != nfc.Citizen || nfd.LettersTrusted != nfc.LettersTrusted || !slices.Equal(nfd.Warnings, nfc.Warnings) {
		t.Errorf("NFD parse = %+v, NFC parse = %+v", nfd, nfc)
	}
	extra, err := Parse(norm.NFD.String(validA() + "|Nguyễn Thị Mẹ"))
	if err != nil || extra.Extra[0] != "Nguyễn Thị Mẹ" {
		t.Errorf("extra not NFC: %q, %v", extra.Extra, err)
	}
}

func TestLooksLikeQR(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{validA(), true},
		{validA() + "\r\n", true},
		{line(idB, "", nameB, "29022004", "Nam", addrB, "01082024", "x", "y"), true},
		{line(idA, "", nameA), false},
		{idA, false},
		{"Trần Thị Thử Nghiệm", false},
		{line("abc", "", nameA, "09071991", "Nữ", addrA, "15032022"), false},
		{line(idA[:11], "", nameA, "09071991", "Nữ", addrA, "15032022"), false},
		{"", false},
	}
	for _, tt := range tests {
		if got := LooksLikeQR(tt.in); got != tt.want {
			t.Errorf("LooksLikeQR(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	in := validA() + "\r\n"
	for b.Loop() {
		if _, err := Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseLimits: a line or field beyond its limit is refused with its own
// message, naming the field and never speaking of a cut line.
func TestParseLimits(t *testing.T) {
	long := strings.Repeat("Nguyễn ", 5000/7)
	for _, tc := range []struct {
		name, in, field string
	}{
		{"5,000-character name", line(idA, "", long, "09071991", "Nữ", addrA, "15032022"), FieldLine},
		{"500-character name", line(idA, "", long[:500], "09071991", "Nữ", addrA, "15032022"), FieldFullName},
		{"name one over the limit", line(idA, "", strings.Repeat("a", MaxName+1), "09071991", "Nữ", addrA, "15032022"), FieldFullName},
		{"address over the limit", line(idA, "", nameA, "09071991", "Nữ", strings.Repeat("Số 1 ", MaxAddress/5+1), "15032022"), FieldAddress},
		{"line over the limit", validA() + "|" + strings.Repeat("x|", MaxLine/2), FieldLine},
		{"huge line", strings.Repeat("0", 1<<20), FieldLine},
		{"too many fields", validA() + strings.Repeat("|", MaxExtraFields+1), FieldLine},
		{"extra field over the limit", validA() + "|" + strings.Repeat("b", MaxExtraField+1), FieldLine},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrTooLong) || e.Field != tc.field {
				t.Fatalf("err = %v (%#v), want ErrTooLong on %s", err, e, tc.field)
			}
			if strings.Contains(e.Message, "bị cắt") || !strings.Contains(e.Message, "quét lại") {
				t.Errorf("message %q", e.Message)
			}
		})
	}
	// at the limits: accepted
	atLimit := line(idA, "", strings.Repeat("a", MaxName), "09071991", "Nữ", strings.Repeat("b", MaxAddress), "15032022")
	if _, err := Parse(atLimit); err != nil {
		t.Errorf("fields at their limits: %v", err)
	}
}

// TestParseControlCharacters: control and format characters never stay in
// a field: stripped from the letters (which are then not trusted), refused
// in the digit fields.
func TestParseControlCharacters(t *testing.T) {
	for _, name := range []string{"Trần\x00 Thị Thử Nghiệm", "Trần Thị\u200b Thử Nghiệm", "Trần\x1b[31m Thị", "Trần Thị\u202e Thử"} {
		c, err := Parse(line(idA, "", name, "09071991", "Nữ", addrA+"\x07", "15032022"))
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if strings.ContainsFunc(c.Citizen.FullName+c.Citizen.CardAddress, isControl) {
			t.Errorf("%q: control character kept: %q %q", name, c.Citizen.FullName, c.Citizen.CardAddress)
		}
		if c.LettersTrusted || !slices.Contains(c.Warnings, WarnMangled) {
			t.Errorf("%q: trusted %v warnings %v", name, c.LettersTrusted, c.Warnings)
		}
	}
	for _, tc := range []struct{ in, field string }{
		{line(idA[:5]+"\x00"+idA[5:], "", nameA, "09071991", "Nữ", addrA, "15032022"), FieldID},
		{line(idA, "", nameA, "0907\x001991", "Nữ", addrA, "15032022"), FieldBirthDate},
		{line(idA, "0123\t45678", nameA, "09071991", "Nữ", addrA, "15032022"), FieldOldID},
	} {
		_, err := Parse(tc.in)
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrControl) || e.Field != tc.field {
			t.Errorf("%q: err = %v, want ErrControl on %s", tc.in, err, tc.field)
		}
	}
	c, err := Parse(validA() + "|Lê Văn\x00 Cha")
	if err != nil || c.Extra[0] != "Lê Văn Cha" {
		t.Errorf("extra field: %q %v", c.Extra, err)
	}
}
