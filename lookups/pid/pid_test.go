package pid

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"motcua/lookups"
)

func problemCodes(err error) []string {
	var e *Error
	if !errors.As(err, &e) {
		return nil
	}
	var codes []string
	for _, p := range e.Problems {
		codes = append(codes, p.Code)
	}
	return codes
}

func TestValidate(t *testing.T) {
	b1985 := lookups.NewDate(1985, time.March, 4)
	b2003 := lookups.NewDate(2003, time.December, 31)
	tests := []struct {
		name  string
		id    string
		birth lookups.Date
		sex   lookups.Sex
		want  []string // problem codes, nil = valid
	}{
		{"valid no context", "001085000123", lookups.Date{}, "", nil},
		{"valid male 1985", "001085000123", b1985, lookups.Male, nil},
		{"valid female 2003", "079303123456", b2003, lookups.Female, nil},
		{"valid female 1900s", "096185999999", b1985, lookups.Female, nil},
		{"valid 2100s male", "001400000001", lookups.NewDate(2100, 1, 1), lookups.Male, nil},
		{"valid 2200s female", "001799000001", lookups.NewDate(2299, 1, 1), lookups.Female, nil},
		{"foreign code not checked", "840085000123", b1985, lookups.Male, nil},
		{"too short", "00108500012", lookups.Date{}, "", []string{CodeLength}},
		{"too long", "0010850001234", lookups.Date{}, "", []string{CodeLength}},
		{"empty", "", lookups.Date{}, "", []string{CodeLength}},
		{"letters", "00108500012A", lookups.Date{}, "", []string{CodeDigits}},
		{"spaces and short", "001 085 001", lookups.Date{}, "", []string{CodeDigits, CodeLength}},
		{"unicode digits", "００１085000123", lookups.Date{}, "", []string{CodeDigits}},
		{"spaces right length", "001 085 0001", lookups.Date{}, "", []string{CodeDigits}},
		{"unknown province 099", "099085000123", lookups.Date{}, "", []string{CodeProvince}},
		{"unknown province 003", "003085000123", lookups.Date{}, "", []string{CodeProvince}},
		{"province 000", "000085000123", lookups.Date{}, "", []string{CodeProvince}},
		{"digit 4 is 8", "001885000123", lookups.Date{}, "", []string{CodeSexCentury}},
		{"digit 4 is 9", "001985000123", lookups.Date{}, "", []string{CodeSexCentury}},
		{"sex mismatch", "001085000123", b1985, lookups.Female, []string{CodeSexCentury}},
		{"sex mismatch no birth", "001185000123", lookups.Date{}, lookups.Male, []string{CodeSexCentury}},
		{"century mismatch", "001285000123", b1985, lookups.Male, []string{CodeSexCentury}},
		{"year mismatch", "001086000123", b1985, lookups.Male, []string{CodeBirthYear}},
		{"everything wrong", "099386000123", b1985, lookups.Male, []string{CodeProvince, CodeSexCentury, CodeBirthYear}},
		{"unknown sex string ignored", "001085000123", b1985, "X", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.id, tt.birth, tt.sex)
			got := problemCodes(err)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate(%q) = %v, want nil", tt.id, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate(%q) = nil, want %v", tt.id, tt.want)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Validate(%q) codes = %v, want %v (%v)", tt.id, got, tt.want, err)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	err := Validate("0991", lookups.Date{}, "")
	if got, want := err.Error(), "Số định danh phải có đúng 12 chữ số (đang có 4 ký tự)."; got != want {
		t.Errorf("length message = %q, want %q", got, want)
	}
	err = Validate("099085000123", lookups.Date{}, "")
	if got, want := err.Error(), "Mã tỉnh nơi đăng ký khai sinh 099 không tồn tại. Hãy kiểm tra lại 3 chữ số đầu."; got != want {
		t.Errorf("province message = %q, want %q", got, want)
	}
	err = Validate("001085000123", lookups.NewDate(1985, 1, 1), lookups.Female)
	if got, want := err.Error(), "Chữ số thứ 4 (giới tính, thế kỷ sinh) không khớp với ngày sinh/giới tính."; got != want {
		t.Errorf("sex message = %q, want %q", got, want)
	}
	var e *Error
	if !errors.As(Validate("099985000123", lookups.Date{}, ""), &e) || !e.Has(CodeProvince) || !e.Has(CodeSexCentury) || e.Has(CodeLength) {
		t.Errorf("Has: unexpected problems %+v", e)
	}
}

func TestProvince(t *testing.T) {
	codes := ProvinceCodes()
	if len(codes) != 63 {
		t.Fatalf("ProvinceCodes: %d codes, want 63", len(codes))
	}
	if !slices.IsSorted(codes) {
		t.Error("ProvinceCodes not sorted")
	}
	codes[0] = "xxx" // must be a copy
	if ProvinceCodes()[0] != "001" {
		t.Error("ProvinceCodes returned shared slice")
	}
	for _, tt := range []struct{ code, name string }{{"001", "Hà Nội"}, {"079", "TP Hồ Chí Minh"}, {"096", "Cà Mau"}, {"046", "Thừa Thiên Huế"}} {
		if n, ok := Province(tt.code); !ok || n != tt.name {
			t.Errorf("Province(%q) = %q, %v; want %q", tt.code, n, ok, tt.name)
		}
	}
	for _, c := range []string{"003", "099", "97", "1", ""} {
		if _, ok := Province(c); ok {
			t.Errorf("Province(%q) found", c)
		}
	}
}

func TestDecode(t *testing.T) {
	info, err := Decode("079303123456")
	if err != nil {
		t.Fatal(err)
	}
	want := Info{RegistrationCode: "079", ProvinceName: "TP Hồ Chí Minh", Sex: lookups.Female, Century: 2000, BirthYear: 2003, Sequence: "123456"}
	if info != want {
		t.Errorf("Decode = %+v, want %+v", info, want)
	}
	info, err = Decode("840498000001")
	if err != nil || !info.Foreign || info.BirthYear != 2198 || info.Sex != lookups.Male {
		t.Errorf("Decode foreign = %+v, %v", info, err)
	}
	if _, err := Decode("001985000123"); err == nil {
		t.Error("Decode accepted digit 4 = 9")
	}
}

func TestBuild(t *testing.T) {
	id, err := Build("001", lookups.Female, lookups.NewDate(1990, time.June, 15), 42)
	if err != nil {
		t.Fatal(err)
	}
	if id != "001190000042" {
		t.Errorf("Build = %q, want 001190000042", id)
	}
	id, err = Build("079", lookups.Male, lookups.NewDate(2024, time.February, 29), 999999)
	if err != nil || id != "079224999999" {
		t.Errorf("Build = %q, %v; want 079224999999", id, err)
	}
	bad := []struct {
		name  string
		code  string
		sex   lookups.Sex
		birth lookups.Date
		seq   int
	}{
		{"unknown province", "099", lookups.Male, lookups.NewDate(1990, 1, 1), 1},
		{"short code", "01", lookups.Male, lookups.NewDate(1990, 1, 1), 1},
		{"bad sex", "001", "", lookups.NewDate(1990, 1, 1), 1},
		{"invalid date", "001", lookups.Male, lookups.NewDate(1990, 2, 30), 1},
		{"year 1899", "001", lookups.Male, lookups.NewDate(1899, 12, 31), 1},
		{"year 2300", "001", lookups.Male, lookups.NewDate(2300, 1, 1), 1},
		{"negative seq", "001", lookups.Male, lookups.NewDate(1990, 1, 1), -1},
		{"seq too big", "001", lookups.Male, lookups.NewDate(1990, 1, 1), 1000000},
	}
	for _, tt := range bad {
		if id, err := Build(tt.code, tt.sex, tt.birth, tt.seq); err == nil {
			t.Errorf("%s: Build = %q, want error", tt.name, id)
		}
	}
}

// TestBuildAlwaysValidates is the property test: whatever valid parts Build
// accepts, its output validates against the same birth date and sex and
// decodes back to them.
func TestBuildAlwaysValidates(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	codes := ProvinceCodes()
	for i := 0; i < 20000; i++ {
		code := codes[r.IntN(len(codes))]
		if r.IntN(10) == 0 {
			code = string(rune('1'+r.IntN(9))) + string(rune('0'+r.IntN(10))) + string(rune('0'+r.IntN(10)))
		}
		sex := lookups.Male
		if r.IntN(2) == 1 {
			sex = lookups.Female
		}
		start := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
		birth := lookups.DateOf(start.AddDate(0, 0, r.IntN(400*366)))
		if birth.Year > 2299 {
			continue
		}
		seq := r.IntN(1000000)
		id, err := Build(code, sex, birth, seq)
		if err != nil {
			t.Fatalf("Build(%s, %s, %s, %d): %v", code, sex, birth, seq, err)
		}
		if err := Validate(id, birth, sex); err != nil {
			t.Fatalf("Build output %q does not validate: %v", id, err)
		}
		info, err := Decode(id)
		if err != nil || info.Sex != sex || info.BirthYear != birth.Year || info.RegistrationCode != code {
			t.Fatalf("Decode(%q) = %+v, %v", id, info, err)
		}
	}
}

func TestValidateOld(t *testing.T) {
	tests := []struct {
		id   string
		want []string
	}{
		{"012345678", nil},
		{"12345678", []string{CodeLength}},
		{"0123456789", []string{CodeLength}},
		{"01234567A", []string{CodeDigits}},
		{"", []string{CodeLength}},
		{"012 34567", []string{CodeDigits}},
	}
	for _, tt := range tests {
		got := problemCodes(ValidateOld(tt.id))
		if !slices.Equal(got, tt.want) {
			t.Errorf("ValidateOld(%q) codes = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func FuzzValidate(f *testing.F) {
	f.Add("001085000123", 1985, 3, 4, "Nam")
	f.Add("099985000123", 0, 0, 0, "")
	f.Add("０", 2000, 2, 29, "Nữ")
	f.Fuzz(func(t *testing.T, id string, y, m, d int, sex string) {
		err := Validate(id, lookups.NewDate(y, time.Month(m), d), lookups.Sex(sex))
		if err == nil && len(id) != 12 {
			t.Fatalf("accepted %q", id)
		}
	})
}

func BenchmarkValidate(b *testing.B) {
	birth := lookups.NewDate(1985, time.March, 4)
	for b.Loop() {
		if err := Validate("001085000123", birth, lookups.Male); err != nil {
			b.Fatal(err)
		}
	}
}
