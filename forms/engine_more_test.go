package forms

import (
	"slices"
	"strings"
	"testing"
	"time"

	"motcua/forms/fees"
)

func TestExprArithmetic(t *testing.T) {
	vals := map[string]string{"a": "7", "b": "3", "z": "", "s": "Thử", "big": "999999999999", "d": "31/01/2024"}
	get := func(id string) string { return vals[id] }
	now := time.Date(2026, 3, 15, 10, 0, 0, 0, ict)
	cases := []struct{ src, want string }{
		{"2 + 3 * 4", "14"},
		{"(2 + 3) * 4", "20"},
		{"a - b - 1", "3"}, // left to right
		{"-b + a", "4"},
		{"- - a", "7"},
		{"a*b", "21"},
		{"a + b > 9", "yes"}, // arithmetic binds tighter than comparison
		{"a + b == 10", "yes"},
		{"a + z", ""}, // an empty operand gives empty
		{"s * 2", ""},
		{"big * big", ""}, // overflow gives empty
		{"min(a, b, 5)", "3"},
		{"max(a, b, 5)", "7"},
		{"min(a, z)", ""},
		{"max(a * 2, 10)", "14"},
		{"add_months(d, 1)", "29/02/2024"}, // clamped to the month's end, leap year
		{"add_months(d, 13)", "28/02/2025"},
		{"add_months('15/03/2026', 24)", "15/03/2028"},
		{"add_months('15/03/2026', -3)", "15/12/2025"},
		{"add_months(z, 1)", ""},
		{"add_months(d, s)", ""},
		{"fee('chung-thuc-ban-sao', 3)", "5000"},
		{"fee('chung-thuc-ban-sao', a) * b", "27000"},
		{"fee('chung-thuc-ban-sao', z)", ""},
		{"fee('ho-tich-nhan-cha-me-con', 1)", ""}, // provincial amount not written: unknown
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			e, err := ParseExpr(c.src)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.Value(get, now); got != c.want {
				t.Errorf("= %q, want %q", got, c.want)
			}
		})
	}
	for _, bad := range []string{"a +", "* a", "a + * b", "fee(x, 1)", "fee('x')", "sum(a)", "sum('x.y')", "min()", "add_months(d)"} {
		if _, err := ParseExpr(bad); err == nil {
			t.Errorf("ParseExpr(%q) accepted", bad)
		}
	}
}

// copySpec is a copy-certification-like spec: rows of originals with pages
// and copies, a fee per row from the schedule table, and the total.
const copySpec = `id = "t-copies"
name = "Thử bản sao"
version = "1"

[[procedures]]
id = "p"
name = "Chứng thực"
agency = "Ủy ban nhân dân cấp xã"
fee = "total"

[[refusal_reasons]]
id = "hu-hong"
text = "Bản chính bị hư hỏng, cũ nát, không xác định được nội dung"
basis = "NĐ 23/2015/NĐ-CP, Điều 22"

[[refusal_reasons]]
id = "tay-xoa"
text = "Bản chính bị tẩy xóa, sửa chữa"

[[sections]]
id = "s"
title = "Bản sao"

[[sections.fields]]
id = "exempt"
type = "choice"
label = "Miễn phí"
default = "no"
choices = [{ value = "no", label = "Không" }, { value = "yes", label = "Có" }]

[[sections.fields]]
id = "copies"
type = "group"
label = "Bản chính"
min = 1
max = 5

[[sections.fields.fields]]
id = "name"
type = "text"
label = "Tên giấy tờ"
required = true

[[sections.fields.fields]]
id = "pages"
type = "number"
label = "Số trang"
default = "1"
required = true

[[sections.fields.fields]]
id = "count"
type = "number"
label = "Số bản sao"
default = "1"
required = true

[[sections.fields.fields]]
id = "fee"
type = "number"
label = "Phí"
calculate = "fee('chung-thuc-ban-sao', copies.pages) * copies.count"

[[sections.fields]]
id = "total"
type = "number"
label = "Tổng phí"
calculate = "if(exempt == 'yes', 0, sum(copies.fee))"
`

func TestSumFeeAndProcedureFee(t *testing.T) {
	s, err := Parse([]byte(copySpec))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.FeeSchedules(); !slices.Equal(got, []string{"chung-thuc-ban-sao"}) {
		t.Errorf("FeeSchedules = %v", got)
	}
	if r := s.RefusalReasons(); len(r) != 2 || r[0].ID != "hu-hong" || r[0].Basis == "" || r[1].Text == "" {
		t.Errorf("RefusalReasons = %+v", r)
	}
	d := NewDeclaration(s, Env{Now: svcNow, Clock: func() time.Time { return svcNow }})
	if got := d.Value("total"); got != "2000" {
		t.Errorf("one default row: total %q, want 2000", got)
	}
	mustSet(t, d, "copies.1.name", "Giấy khai sinh")
	mustSet(t, d, "copies.1.pages", "2")
	mustSet(t, d, "copies.1.count", "10")
	if got := d.Value("copies.1.fee"); got != "40000" {
		t.Errorf("10 copies of 2 pages: %q, want 40000", got)
	}
	n, err := d.AddRow("copies")
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || d.Value("copies.2.pages") != "1" {
		t.Fatalf("new row %d, pages %q", n, d.Value("copies.2.pages"))
	}
	mustSet(t, d, "copies.2.name", "Sổ đỏ")
	mustSet(t, d, "copies.2.pages", "250") // capped at 200,000 a copy
	mustSet(t, d, "copies.2.count", "2")
	if got := d.Value("total"); got != "440000" {
		t.Errorf("total %q, want 440000", got)
	}
	// An incomplete row counts as nothing.
	mustSet(t, d, "copies.2.pages", "")
	if got := d.Value("total"); got != "40000" {
		t.Errorf("total with an empty row %q, want 40000", got)
	}
	mustSet(t, d, "copies.2.pages", "3")
	dos, err := Finalize(d, svcFinalizeInput())
	if err != nil {
		t.Fatal(err)
	}
	if p := dos.Procedures[0]; p.Fee != 50000 || !p.FeeKnown {
		t.Errorf("procedure fee %d known %v, want 50000", p.Fee, p.FeeKnown)
	}
	mustSet(t, d, "exempt", "yes")
	if dos, _ = Finalize(d, svcFinalizeInput()); dos.Procedures[0].Fee != 0 || !dos.Procedures[0].FeeKnown {
		t.Errorf("exempt fee %d known %v", dos.Procedures[0].Fee, dos.Procedures[0].FeeKnown)
	}
	// The row fee is calculated: the clerk cannot type it.
	if err := d.Set("copies.1.fee", "1"); err == nil {
		t.Error("a calculated row fee was set")
	}
}

// A ward's edited fee table (Env.Fees, SetFees) is what fee() reads; a draft
// restored starts with the default until SetFees, and Clone keeps the table.
func TestFeesFromTheWardTable(t *testing.T) {
	s, err := Parse([]byte(copySpec))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(fees.DefaultFile()), "to = 2\nrate = 2000\n", "to = 2\nrate = 3000\n", 1)
	tb, err := fees.Load(strings.NewReader(edited))
	if err != nil {
		t.Fatal(err)
	}
	d := NewDeclaration(s, Env{Now: svcNow, Fees: tb})
	if got := d.Value("total"); got != "3000" {
		t.Fatalf("ward table: total %q, want 3000", got)
	}
	c, err := d.Clone()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Value("total"); got != "3000" {
		t.Errorf("clone: total %q, want 3000", got)
	}
	data, err := d.MarshalDraft()
	if err != nil {
		t.Fatal(err)
	}
	r, err := RestoreDraftFor(s, data)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Value("total"); got != "2000" {
		t.Errorf("restored draft before SetFees: total %q, want the default 2000", got)
	}
	r.SetFees(tb)
	if got := r.Value("total"); got != "3000" {
		t.Errorf("restored draft after SetFees: total %q, want 3000", got)
	}
}

func TestCheckFees(t *testing.T) {
	if err := CheckFees(fees.Default()); err != nil {
		t.Fatalf("default table: %v", err)
	}
	without := strings.Replace(string(fees.DefaultFile()), `id = "chung-thuc-chu-ky"`, `id = "chu-ky-doi-ten"`, 1)
	tb, err := fees.Load(strings.NewReader(without))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckFees(tb); err == nil || !strings.Contains(err.Error(), "chung-thuc-chu-ky") {
		t.Errorf("CheckFees = %v, want the missing schedule named", err)
	}
}

func TestParseRejectsBadFeesAndReasons(t *testing.T) {
	rep := func(old, new string) string {
		if !strings.Contains(copySpec, old) {
			panic("fixture: " + old)
		}
		return strings.Replace(copySpec, old, new, 1)
	}
	cases := []struct{ name, src, want string }{
		{"unknown schedule", rep("fee('chung-thuc-ban-sao'", "fee('chung-thuc-ban-goc'"), "field copies.fee"},
		{"sum of a non-group", rep("sum(copies.fee)", "sum(exempt.fee)"), "field total"},
		{"sum of an unknown column", rep("sum(copies.fee)", "sum(copies.price)"), "field total"},
		{"sum cycle", rep("calculate = \"fee('chung-thuc-ban-sao', copies.pages) * copies.count\"", "calculate = \"total\""), "field copies.fee"},
		{"sum relevance cycle", rep("label = \"Số trang\"", "label = \"Số trang\"\nrelevant = \"total > 0\""), "cycle"},
		{"procedure fee not a number", rep("fee = \"total\"", "fee = \"exempt\""), "procedure p"},
		{"procedure fee unknown", rep("fee = \"total\"", "fee = \"price\""), "procedure p"},
		{"reason duplicate", rep("id = \"tay-xoa\"", "id = \"hu-hong\""), "refusal reason"},
		{"reason without text", rep("text = \"Bản chính bị tẩy xóa, sửa chữa\"", "text = \"  \""), "refusal reason"},
		{"reason unknown key", rep("basis = \"NĐ 23/2015/NĐ-CP, Điều 22\"", "law = \"x\""), "refusal reason hu-hong"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.src))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want mention of %q", err, c.want)
			}
		})
	}
}

// A slot filled with "father:<slot>" or "mother:<slot>" is looked up by the
// parent's ID from the other slot's database record, like a household head.
func TestParentSlots(t *testing.T) {
	src := `id = "t-parents"
name = "Thử"
version = "1"

[[persons]]
id = "child"
label = "Người con"
required = true

[[persons]]
id = "mother"
label = "Mẹ"
fill = "mother:child"

[[persons]]
id = "father"
label = "Cha"
fill = "father:child"

[[procedures]]
id = "p"
name = "Thủ tục"
agency = "Ủy ban nhân dân cấp xã"

[[sections]]
id = "s"
title = "Mục"

[[sections.fields]]
id = "mother_name"
type = "text"
label = "Mẹ"
prefill = "mother.db.fullName|child.db.mother.fullName"

[[sections.fields]]
id = "mother_ethnicity"
type = "text"
label = "Dân tộc của mẹ"
prefill = "mother.db.ethnicity"
`
	s, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if kind, from := s.Persons()[1].Derived(s); kind != "mother" || from != "child" {
		t.Errorf("Derived = %q %q", kind, from)
	}
	child := personData(t, featured(t, "child"))
	d := NewDeclaration(s, svcEnv())
	if err := d.FillPerson("child", child); err != nil {
		t.Fatal(err)
	}
	pp := d.PendingPersons()
	want := []PendingPerson{{Slot: "mother", Label: "Mẹ", ID: child.Resident.Mother.ID}, {Slot: "father", Label: "Cha", ID: child.Resident.Father.ID}}
	if !slices.Equal(pp, want) {
		t.Fatalf("PendingPersons = %+v, want %+v", pp, want)
	}
	if got := d.Value("mother_name"); got != child.Resident.Mother.FullName {
		t.Errorf("before the look-up, mother_name %q from the child's record", got)
	}
	resolvePending(t, d)
	if p := d.Provenance("mother_ethnicity"); p.Slot != "mother" || d.Value("mother_ethnicity") == "" {
		t.Errorf("mother_ethnicity %q %+v, want the mother's own record", d.Value("mother_ethnicity"), p)
	}
	// Another child: the parents derived from the first one are cleared.
	if err := d.FillPerson("child", personData(t, cast(t).single.Citizen.ID)); err != nil {
		t.Fatal(err)
	}
	if mp, ok := d.Person("mother"); ok && mp.ID() == child.Resident.Mother.ID {
		t.Error("the first child's mother stayed in the slot")
	}
}
