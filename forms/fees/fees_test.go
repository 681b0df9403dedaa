package fees

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultLoads(t *testing.T) {
	tb := Default()
	if len(tb.Schedules()) < 8 {
		t.Fatalf("default table has %d schedules", len(tb.Schedules()))
	}
	for _, s := range tb.Schedules() {
		if s.Basis == "" || s.Name == "" || (s.Kind != KindFee && s.Kind != KindDuty) {
			t.Errorf("%s: incomplete %+v", s.ID, s)
		}
		if !s.Provincial && len(s.Tiers) == 0 {
			t.Errorf("%s: no tiers", s.ID)
		}
	}
	if _, err := Load(strings.NewReader(string(DefaultFile()))); err != nil {
		t.Fatal(err)
	}
}

// The copy-certification fee of TT 226/2016: 2,000 đồng a page for the first
// two pages, 1,000 from the third, at most 200,000 a copy.
func TestCopyCertificationAmounts(t *testing.T) {
	cases := []struct {
		pages int
		want  int64
	}{{0, 0}, {1, 2000}, {2, 4000}, {3, 5000}, {10, 12000}, {198, 200000}, {199, 200000}, {500, 200000}}
	for _, c := range cases {
		got, ok := Default().Amount("chung-thuc-ban-sao", c.pages)
		if !ok || got != c.want {
			t.Errorf("%d pages: %d %v, want %d", c.pages, got, ok, c.want)
		}
	}
	for _, q := range []int{-1, MaxQuantity + 1} {
		if _, ok := Default().Amount("chung-thuc-ban-sao", q); ok {
			t.Errorf("quantity %d accepted", q)
		}
	}
}

func TestFlatAndProvincialAmounts(t *testing.T) {
	tb := Default()
	if got, ok := tb.Amount("chung-thuc-chu-ky", 3); !ok || got != 30000 {
		t.Errorf("3 signature cases: %d %v", got, ok)
	}
	if got, ok := tb.Amount("chung-thuc-hop-dong", 1); !ok || got != 50000 {
		t.Errorf("one contract: %d %v", got, ok)
	}
	if got, ok := tb.Amount("ban-sao-trich-luc-ho-tich", 2); !ok || got != 16000 {
		t.Errorf("two extract copies: %d %v", got, ok)
	}
	// A provincial duty without the province's figure is unknown, not zero.
	if got, ok := tb.Amount("ho-tich-nhan-cha-me-con", 1); ok {
		t.Errorf("provincial duty without tiers gave %d", got)
	}
	if _, ok := tb.Amount("no-such-fee", 1); ok {
		t.Error("unknown schedule gave an amount")
	}
	s, _ := tb.Schedule("ho-tich-nhan-cha-me-con")
	if !s.Provincial || s.Confirmed {
		t.Errorf("provincial schedule flags: %+v", s)
	}
}

// A bounded last tier leaves larger quantities unknown.
func TestBoundedLastTier(t *testing.T) {
	tb, err := Load(strings.NewReader(`
[[schedule]]
id = "x"
name = "X"
kind = "phí"
unit = "bản"
quantity = "trang"
basis = "test"
[[schedule.tier]]
from = 1
to = 5
rate = 100
`))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := tb.Amount("x", 5); !ok || got != 500 {
		t.Errorf("5: %d %v", got, ok)
	}
	if _, ok := tb.Amount("x", 6); ok {
		t.Error("past the last bounded tier accepted")
	}
}

func TestLoadErrors(t *testing.T) {
	head := "[[schedule]]\nid = \"x\"\nname = \"X\"\nkind = \"phí\"\nunit = \"bản\"\nquantity = \"trang\"\nbasis = \"b\"\n"
	tier := func(from, to, rate string) string {
		s := "[[schedule.tier]]\nfrom = " + from + "\n"
		if to != "" {
			s += "to = " + to + "\n"
		}
		return s + "rate = " + rate + "\n"
	}
	cases := []struct {
		name, file, want string
		line             int
	}{
		{"syntax", "[[schedule]\n", "sai cú pháp TOML", 1},
		{"unknown key", head + "price = 3\n", "khóa \"schedule.price\"", 8},
		{"bad id", strings.Replace(head, `"x"`, `"Phí X"`, 1) + tier("1", "", "5"), "id \"Phí X\" không hợp lệ", 1},
		{"duplicate", head + tier("1", "", "5") + head + tier("1", "", "5"), "được ghi hai lần", 11},
		{"no name", strings.Replace(head, `"X"`, `""`, 1) + tier("1", "", "5"), "thiếu name", 1},
		{"kind", strings.Replace(head, `"phí"`, `"thuế"`, 1) + tier("1", "", "5"), "kind phải là", 1},
		{"no basis", strings.Replace(head, "basis = \"b\"\n", "", 1) + tier("1", "", "5"), "thiếu basis", 1},
		{"no tiers", head, "chưa có mức thu", 1},
		{"tier start", head + tier("2", "", "5"), "phải bắt đầu từ 1", 8},
		{"tier gap", head + tier("1", "2", "5") + tier("4", "", "5"), "phải bắt đầu từ 3", 12},
		{"open middle", head + tier("1", "", "5") + tier("1", "", "5"), "chỉ bậc cuối", 8},
		{"negative rate", head + tier("1", "", "-5"), "rate phải từ 0", 8},
		{"reversed", head + tier("1", "2", "5") + tier("3", "2", "5"), "to nhỏ hơn from", 12},
		{"negative cap", head + "cap = -1\n" + tier("1", "", "5"), "cap phải từ 0", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(strings.NewReader(c.file))
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v, want a FileError", err)
			}
			if !strings.Contains(fe.Message, c.want) || fe.Line != c.line {
				t.Errorf("line %d %q, want line %d containing %q", fe.Line, fe.Message, c.line, c.want)
			}
			if !strings.HasPrefix(err.Error(), "Biểu phí, lệ phí") {
				t.Errorf("error text %q", err.Error())
			}
		})
	}
	// A provincial duty may be left without figures.
	if _, err := Load(strings.NewReader(head + "provincial = true\n")); err != nil {
		t.Errorf("provincial without tiers: %v", err)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "fees.toml")
	edited := strings.Replace(string(DefaultFile()), "rate = 10000\n", "rate = 12000\n", 1)
	if err := os.WriteFile(p, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	tb, err := LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := tb.Amount("chung-thuc-chu-ky", 1); got != 12000 {
		t.Errorf("edited amount %d", got)
	}
	if _, err := LoadFile(filepath.Join(dir, "missing.toml")); err == nil {
		t.Error("missing file loaded")
	}
}
