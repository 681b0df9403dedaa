package forms

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"motcua/lookups"
)

// A synthetic bundle spec exercising spec format v2; all people are synthetic.
const bundleSpec = `
id = "lien-thong-thu"
name = "Liên thông thử"
version = "1.0.0"

[subject]
person = "child"
name = "child_name"
birth_date = "child_birth_date"
sex = "child_sex"

[[persons]]
id = "requester"
label = "Người đi khai"
required = true
verify = true

[[persons]]
id = "head"
label = "Chủ hộ"
fill = "household_head:requester"

[[persons]]
id = "spouse"
label = "Vợ/chồng người đi khai"
fill = "spouse:requester"

[[persons]]
id = "child"
label = "Trẻ"

[[procedures]]
id = "khai-sinh"
name = "Đăng ký khai sinh"
agency = "Ủy ban nhân dân cấp xã"
processing_days = 0
[[procedures.documents]]
name = "Giấy chứng sinh"
original = true
count = 1
shared = "gcs"

[[procedures]]
id = "thuong-tru"
name = "Đăng ký thường trú"
agency = "Công an cấp xã"
processing_days = 3
relevant = "register_residence == 'yes'"
[[procedures.documents]]
name = "Giấy chứng sinh"
original = true
count = 1
shared = "gcs"
[[procedures.documents]]
name = "Văn bản đồng ý của chủ sở hữu chỗ ở"
count = 1
relevant = "owner_agrees == 'no'"

[[procedures]]
id = "bhyt"
name = "Cấp thẻ bảo hiểm y tế"
agency = "Bảo hiểm xã hội cấp huyện"
processing_days = 1
relevant = "age_months(child_birth_date) < 72"

[[sections]]
id = "nguoi_khai"
title = "Người đi khai"
person = "requester"

[[sections.fields]]
id = "requester_name"
type = "text"
label = "Họ, chữ đệm, tên người đi khai"
required = true
prefill = "requester.card.fullName|requester.db.fullName"

[[sections.fields]]
id = "requester_id"
type = "pid"
label = "Số định danh cá nhân"
required = true
read_only = true
prefill = "requester.card.id|requester.db.id"

[[sections.fields]]
id = "requester_home"
type = "address"
label = "Nơi thường trú"
required = true
prefill = "requester.db.permanent|requester.card.address"

[[sections.fields]]
id = "head_name"
type = "text"
label = "Họ tên chủ hộ"
prefill = "head.db.fullName|requester.db.household.head.fullName"

[[sections.fields]]
id = "spouse_name"
type = "text"
label = "Họ tên vợ/chồng"
relevant = "slot(spouse) == 'yes'"
prefill = "spouse.db.fullName"

[[sections]]
id = "tre"
title = "Thông tin của trẻ"
person = "child"

[[sections.fields]]
id = "child_name"
type = "text"
label = "Họ, chữ đệm, tên của trẻ"
required = true

[[sections.fields]]
id = "child_birth_date"
type = "date"
label = "Ngày sinh"
required = true
constraints = [{ kind = "not_future", message = "Ngày sinh không được sau hôm nay." }]

[[sections.fields]]
id = "child_birth_words"
type = "text"
label = "Ngày sinh bằng chữ"
calculate = "date_words(child_birth_date)"

[[sections.fields]]
id = "child_sex"
type = "choice"
label = "Giới tính"
required = true
choices = [{ value = "Nam", label = "Nam" }, { value = "Nữ", label = "Nữ" }]

[[sections.fields]]
id = "child_ethnicity"
type = "choice"
label = "Dân tộc"
choices_from = "ethnicities"
default = "Kinh"

[[sections.fields]]
id = "child_nationality"
type = "choice"
label = "Quốc tịch"
choices_from = "nationalities"
default = "Việt Nam"

[[sections.fields]]
id = "birth_province"
type = "choice"
label = "Tỉnh nơi sinh"
choices_from = "provinces"

[[sections.fields]]
id = "birth_ward"
type = "choice"
label = "Xã nơi sinh"
choices_from = "wards"
choice_filter = "birth_province"

[[sections.fields]]
id = "register_residence"
type = "choice"
label = "Đăng ký thường trú cho trẻ"
default = "yes"
choices = [{ value = "yes", label = "Có" }, { value = "no", label = "Không" }]

[[sections.fields]]
id = "owner_agrees"
type = "choice"
label = "Chủ sở hữu chỗ ở đồng ý"
default = "yes"
procedures = ["thuong-tru"]
choices = [{ value = "yes", label = "Có" }, { value = "no", label = "Không" }]

[[sections.fields]]
id = "card_clinic"
type = "text"
label = "Nơi đăng ký khám chữa bệnh ban đầu"
required = true
procedures = ["bhyt"]

[[sections.fields]]
id = "summary"
type = "text"
label = "Tóm tắt"
calculate = "join(' - ', upper(child_name), if(count(members) > 0, 'có người cùng chuyển', ''))"

[[sections]]
id = "ho"
title = "Người cùng thay đổi nơi thường trú"

[[sections.fields]]
id = "members"
type = "group"
label = "Người cùng thay đổi nơi thường trú"
min = 0
max = 3
prefill = "requester.db.household.members"
procedures = ["thuong-tru"]
[[sections.fields.fields]]
id = "name"
type = "text"
label = "Họ tên"
required = true
[[sections.fields.fields]]
id = "id"
type = "pid"
label = "Số định danh cá nhân"
[[sections.fields.fields]]
id = "relation"
type = "text"
label = "Quan hệ với chủ hộ"
required = true
[[sections.fields.fields]]
id = "school"
type = "text"
label = "Trường đang học"
required = true
relevant = "members.relation == 'Con'"
`

const (
	requesterID = subjectID      // male, 1990
	headID      = "001060000007" // male, 1960
	otherID     = "001092000009" // male, 1992
	childBirth  = "05/03/2026"
)

func bundle(t testing.TB) *Spec {
	t.Helper()
	s, err := Parse([]byte(bundleSpec))
	if err != nil {
		t.Fatalf("bundle spec: %v", err)
	}
	return s
}

func household() *lookups.Household {
	m := func(id, name, rel string) lookups.Member {
		return lookups.Member{PersonRef: lookups.PersonRef{ID: id, FullName: name, Sex: lookups.Male}, Relation: rel}
	}
	return &lookups.Household{FileNumber: "HS-THU-1", Head: m(headID, "Đỗ Văn Chủ", "Chủ hộ"),
		Members: []lookups.Member{m(headID, "Đỗ Văn Chủ", "Chủ hộ"), m(requesterID, "Đỗ Văn Mẫu", "Con"), m("", "Đỗ Thị Nhỏ", "Cháu")}}
}

func requesterData() PersonData {
	r := syntheticResident()
	r.Permanent.Address.WardCode = "00097"
	r.Permanent.Address.WardName = "Phường Hồng Hà"
	r.Household = household()
	r.Spouse = &lookups.PersonRef{ID: spouseID, FullName: "Vũ Thị Ví Dụ"}
	return PersonData{Card: syntheticCard(), CardSource: SourceCard, Resident: r,
		Origin: lookups.Origin{Source: SourceDatabase, FetchedAt: fetchedAt}, At: cardReadAt}
}

func headData() PersonData {
	return PersonData{Resident: &lookups.Resident{Citizen: lookups.Citizen{ID: headID, FullName: "Đỗ Văn Chủ Hộ"}},
		Origin: lookups.Origin{Source: "cache", FetchedAt: fetchedAt}, At: clerkAt}
}

func newBundle(t testing.TB) *Declaration {
	return NewDeclaration(bundle(t), Env{Agency: "Ủy ban nhân dân phường Thử", Place: "Phường Thử", Now: fixedNow,
		Clock: func() time.Time { return clerkAt }})
}

// completeBundle is a valid declaration: requester by card, child typed.
func completeBundle(t testing.TB) *Declaration {
	d := newBundle(t)
	if err := d.FillPerson("requester", requesterData()); err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{{"child_name", "Đỗ Minh Thử"}, {"child_birth_date", childBirth}, {"child_sex", "Nam"},
		{"card_clinic", "Trạm y tế phường Thử"}, {"members.1.school", "Trường Thử"}} {
		mustSet(t, d, kv[0], kv[1])
	}
	return d
}

func TestBundlePersonsAndPrefill(t *testing.T) {
	d := newBundle(t)
	if m := d.Missing(); !slices.Contains(m, "person:requester") {
		t.Errorf("Missing without requester = %v", m)
	}
	if len(d.PendingPersons()) != 0 {
		t.Error("pending persons before the requester")
	}
	if err := d.FillPerson("nobody", PersonData{}); !errors.Is(err, ErrUnknownPerson) {
		t.Errorf("unknown slot: %v", err)
	}
	if err := d.FillPerson("requester", requesterData()); err != nil {
		t.Fatal(err)
	}
	if got := d.Value("requester_name"); got != "Đỗ Văn Mẫu" {
		t.Errorf("requester_name = %q", got)
	}
	if p := d.Provenance("requester_name"); p.Source != SourceCard || p.Slot != "requester" || !p.At.Equal(cardReadAt) {
		t.Errorf("provenance %+v", p)
	}
	if got := d.Value("head_name"); got != "Đỗ Văn Chủ" || d.Provenance("head_name").Source != SourceDatabase {
		t.Errorf("head_name from the household = %q", got)
	}
	want := []PendingPerson{{Slot: "head", Label: "Chủ hộ", ID: headID}, {Slot: "spouse", Label: "Vợ/chồng người đi khai", ID: spouseID}}
	if got := d.PendingPersons(); !slices.Equal(got, want) {
		t.Fatalf("PendingPersons = %+v", got)
	}
	if d.Relevant("spouse_name") {
		t.Error("spouse_name relevant before the spouse slot is filled")
	}
	if err := d.FillPerson("head", headData()); err != nil {
		t.Fatal(err)
	}
	if got, p := d.Value("head_name"), d.Provenance("head_name"); got != "Đỗ Văn Chủ Hộ" || p.Source != SourceCache || p.Slot != "head" {
		t.Errorf("head_name from the head's record = %q %+v", got, p)
	}
	if err := d.FillPerson("spouse", PersonData{Resident: &lookups.Resident{Citizen: lookups.Citizen{ID: spouseID, FullName: "Vũ Thị Ví Dụ"}}}); err != nil {
		t.Fatal(err)
	}
	if !d.Relevant("spouse_name") || d.Value("spouse_name") != "Vũ Thị Ví Dụ" {
		t.Errorf("spouse_name %v %q", d.Relevant("spouse_name"), d.Value("spouse_name"))
	}
	if len(d.PendingPersons()) != 0 {
		t.Errorf("still pending: %+v", d.PendingPersons())
	}

	// The clerk edits one prefilled value; then another person takes the requester slot.
	mustSet(t, d, "requester_home.detail", "Số 8 Ngõ Sửa")
	other := requesterData()
	other.Card = nil
	other.Resident.Citizen.ID, other.Resident.Citizen.FullName = otherID, "Trần Văn Khác"
	other.Resident.Household = nil
	other.Resident.Spouse = nil
	if err := d.FillPerson("requester", other); err != nil {
		t.Fatal(err)
	}
	if got := d.Value("requester_name"); got != "Trần Văn Khác" || d.Provenance("requester_name").Source != SourceDatabase {
		t.Errorf("re-fill did not replace the prefilled name: %q", got)
	}
	if got := d.Value("requester_home.detail"); got != "Số 8 Ngõ Sửa" {
		t.Errorf("re-fill overwrote clerk input: %q", got)
	}
	if _, ok := d.Person("head"); ok {
		t.Error("head slot kept after the requester changed household")
	}
	if _, ok := d.Person("spouse"); ok {
		t.Error("spouse slot kept after the requester changed")
	}
	if d.Value("head_name") != "" || d.Rows("members") != 0 {
		t.Errorf("values of the old household kept: %q rows %d", d.Value("head_name"), d.Rows("members"))
	}
	d.ClearPerson("requester")
	if d.Value("requester_name") != "" || d.Value("requester_id") != "" {
		t.Error("ClearPerson left prefilled values")
	}

	// The requester is the household head: the head slot fills itself.
	self := requesterData()
	self.Resident.Household.Head.ID = requesterID
	d2 := newBundle(t)
	if err := d2.FillPerson("requester", self); err != nil {
		t.Fatal(err)
	}
	if p, ok := d2.Person("head"); !ok || p.ID() != requesterID {
		t.Errorf("head slot not filled with the requester: %+v", p)
	}
}

func TestBundleVerifyPerson(t *testing.T) {
	d := completeBundle(t)
	p := requesterData()
	p.Resident = nil
	if err := d.FillPerson("requester", p); err != nil {
		t.Fatal(err)
	}
	probs := d.Validate()
	if !slices.ContainsFunc(probs, func(p Problem) bool { return p.FieldID == "person:requester" && p.Code == "person" }) {
		t.Errorf("unverified requester accepted: %+v", probs)
	}
}

func TestGroups(t *testing.T) {
	d := completeBundle(t)
	// Household prefill: every member but the requester.
	if n := d.Rows("members"); n != 2 {
		t.Fatalf("rows = %d", n)
	}
	if d.Value("members.1.name") != "Đỗ Văn Chủ" || d.Value("members.2.relation") != "Cháu" || d.Provenance("members.1.id").Slot != "requester" {
		t.Errorf("rows: %q %q", d.Value("members.1.name"), d.Value("members.2.relation"))
	}
	// Row relevance: school only for a child of the head.
	mustSet(t, d, "members.1.relation", "Con")
	if !d.Relevant("members.1.school") || d.Relevant("members.2.school") {
		t.Errorf("row relevance: %v %v", d.Relevant("members.1.school"), d.Relevant("members.2.school"))
	}
	mustSet(t, d, "members.1.school", "")
	if m := d.Missing(); !slices.Equal(m, []string{"members.1.school"}) {
		t.Errorf("Missing = %v", m)
	}
	n, err := d.AddRow("members")
	if err != nil || n != 3 {
		t.Fatalf("AddRow = %d %v", n, err)
	}
	if _, err := d.AddRow("members"); !errors.Is(err, ErrMaxRows) {
		t.Errorf("AddRow past max: %v", err)
	}
	if m := d.Missing(); !slices.Equal(m, []string{"members.1.school", "members.3.name", "members.3.relation"}) {
		t.Errorf("Missing = %v", m)
	}
	if err := d.RemoveRow("members", 1); err != nil {
		t.Fatal(err)
	}
	if d.Rows("members") != 2 || d.Value("members.1.relation") != "Cháu" {
		t.Errorf("after RemoveRow: %d %q", d.Rows("members"), d.Value("members.1.relation"))
	}
	if err := d.RemoveRow("members", 5); err == nil {
		t.Error("RemoveRow of a missing row")
	}
	if err := d.Set("members.9.name", "x"); !errors.Is(err, ErrUnknownField) {
		t.Errorf("Set on a missing row: %v", err)
	}
	if got := d.Value("summary"); got != "ĐỖ MINH THỬ - có người cùng chuyển" {
		t.Errorf("summary = %q", got)
	}
	// Clerk input in a row keeps the rows when the requester is filled again.
	mustSet(t, d, "members.2.name", "Tên Sửa")
	if err := d.FillPerson("requester", requesterData()); err != nil {
		t.Fatal(err)
	}
	if d.Rows("members") != 2 || d.Value("members.2.name") != "Tên Sửa" {
		t.Errorf("rows replaced over clerk input: %d", d.Rows("members"))
	}
	// Min rows.
	src := strings.Replace(bundleSpec, "min = 0\nmax = 3", "min = 1\nmax = 3", 1)
	s, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	e := NewDeclaration(s, Env{})
	if e.Rows("members") != 1 {
		t.Errorf("min rows not created: %d", e.Rows("members"))
	}
	_ = e.RemoveRow("members", 1)
	if p := e.ValidateField("members"); len(p) != 1 || p[0].Code != "rows" {
		t.Errorf("below min: %+v", p)
	}
}

func TestAddress(t *testing.T) {
	t.Run("database", func(t *testing.T) {
		d := completeBundle(t)
		if d.Value("requester_home.ward") != "00097" || d.Value("requester_home.detail") != "Số 1 Đường Mẫu" ||
			d.Value("requester_home") != "Số 1 Đường Mẫu, Phường Hồng Hà, Thành phố Hà Nội" {
			t.Errorf("db address: %q / %q / %q", d.Value("requester_home"), d.Value("requester_home.detail"), d.Value("requester_home.ward"))
		}
	})
	card := func(addr string) *Declaration {
		d := newBundle(t)
		p := requesterData()
		p.Resident.Permanent = nil
		p.Card.CardAddress = addr
		if err := d.FillPerson("requester", p); err != nil {
			t.Fatal(err)
		}
		return d
	}
	t.Run("card one ward", func(t *testing.T) {
		d := card("Số 5 Phố Thử, Phường Phúc Xá, Quận Ba Đình, Thành phố Hà Nội")
		if d.Value("requester_home.ward") != "00097" || d.Value("requester_home") != "Số 5 Phố Thử, Phường Hồng Hà, Thành phố Hà Nội" || len(d.Notes()) != 0 {
			t.Errorf("card address: %q %q %v", d.Value("requester_home"), d.Value("requester_home.ward"), d.Notes())
		}
		if p := d.Provenance("requester_home.ward"); p.Source != SourceCard {
			t.Errorf("provenance %+v", p)
		}
	})
	t.Run("card split ward", func(t *testing.T) {
		d := card("Số 7 Ngõ Thử, Phường Dịch Vọng, Quận Cầu Giấy, Thành phố Hà Nội")
		if d.Value("requester_home.ward") != "" || d.Value("requester_home.detail") != "Số 7 Ngõ Thử" {
			t.Errorf("split ward set: %q", d.Value("requester_home.ward"))
		}
		ch := d.Choices("requester_home.ward")
		if len(ch) != 2 || ch[0].Value != "00160" || ch[1].Value != "00166" {
			t.Fatalf("choices = %+v", ch)
		}
		notes := d.Notes()
		if len(notes) != 1 || !strings.Contains(notes[0], "Phường Dịch Vọng") || !strings.Contains(notes[0], "chọn phường/xã mới") {
			t.Errorf("notes = %v", notes)
		}
		if m := d.Missing(); !slices.Contains(m, "requester_home") {
			t.Errorf("Missing = %v", m)
		}
		mustSet(t, d, "requester_home.ward", "00097") // not a candidate
		if p := d.ValidateField("requester_home"); len(p) != 1 || p[0].Code != "choice" {
			t.Errorf("non-candidate ward: %+v", p)
		}
		d = card("Số 7 Ngõ Thử, Phường Dịch Vọng, Quận Cầu Giấy, Thành phố Hà Nội")
		mustSet(t, d, "requester_home.ward", ch[1].Value)
		if len(d.Notes()) != 0 || !strings.HasPrefix(d.Value("requester_home"), "Số 7 Ngõ Thử, "+ch[1].Label) {
			t.Errorf("after choosing: %q %v", d.Value("requester_home"), d.Notes())
		}
		if len(d.Choices("requester_home.ward")) < 3000 {
			t.Error("ward choices still restricted after choosing")
		}
		if p := d.ValidateField("requester_home"); len(p) != 0 {
			t.Errorf("chosen ward: %+v", p)
		}
	})
	t.Run("unknown ward", func(t *testing.T) {
		d := card("Số 1, Phường Không Có, Quận Không Có, Tỉnh Không Có")
		if d.Value("requester_home.ward") != "" || len(d.Notes()) != 1 {
			t.Errorf("unknown old ward: %q %v", d.Value("requester_home.ward"), d.Notes())
		}
		mustSet(t, d, "requester_home.ward", "99999")
		if p := d.ValidateField("requester_home.ward"); len(p) != 1 || p[0].Code != "choice" {
			t.Errorf("bad ward code: %+v", p)
		}
	})
}

func TestCalculationsAndChoices(t *testing.T) {
	d := completeBundle(t)
	if got := d.Value("child_birth_words"); got != "Ngày năm tháng ba năm hai nghìn không trăm hai mươi sáu" {
		t.Errorf("date words = %q", got)
	}
	if d.Provenance("child_birth_words").Source != SourceCalculated {
		t.Error("calculated provenance")
	}
	if err := d.Set("child_birth_words", "x"); !errors.Is(err, ErrReadOnly) {
		t.Errorf("set calculated: %v", err)
	}
	mustSet(t, d, "child_birth_date", "01/01/2026")
	if got := d.Value("child_birth_words"); got != "Ngày một tháng một năm hai nghìn không trăm hai mươi sáu" {
		t.Errorf("recalculated = %q", got)
	}
	mustSet(t, d, "child_birth_date", "")
	if d.Value("child_birth_words") != "" {
		t.Error("calculation kept for an empty date")
	}
	if err := d.Set("requester_id", otherID); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only pid: %v", err)
	}
	// choices_from and the province filter.
	if c := d.Choices("child_ethnicity"); len(c) != 54 || c[0].Value != "Kinh" {
		t.Errorf("ethnicities: %d", len(c))
	}
	if c := d.Choices("child_nationality"); c[0].Value != "Việt Nam" {
		t.Errorf("nationalities start with %q", c[0].Value)
	}
	if c := d.Choices("birth_province"); len(c) != 34 {
		t.Errorf("provinces: %d", len(c))
	}
	if all := d.Choices("birth_ward"); len(all) != 3321 {
		t.Errorf("wards without province: %d", len(all))
	}
	mustSet(t, d, "birth_province", "01")
	wards := d.Choices("birth_ward")
	if len(wards) == 0 || len(wards) >= 3321 {
		t.Fatalf("filtered wards: %d", len(wards))
	}
	mustSet(t, d, "birth_ward", wards[0].Value)
	if p := d.ValidateField("birth_ward"); len(p) != 0 {
		t.Errorf("ward of the province: %+v", p)
	}
	mustSet(t, d, "birth_province", "79")
	if p := d.ValidateField("birth_ward"); len(p) != 1 || p[0].Code != "type" {
		t.Errorf("ward of another province accepted: %+v", p)
	}
	mustSet(t, d, "child_ethnicity", "Không có")
	if p := d.ValidateField("child_ethnicity"); len(p) != 1 {
		t.Errorf("unknown ethnicity: %+v", p)
	}
}

func TestBundleRelevanceProceduresDocuments(t *testing.T) {
	d := completeBundle(t)
	ids := func() []string {
		var out []string
		for _, p := range d.Procedures() {
			out = append(out, p.ID)
		}
		return out
	}
	if got := ids(); !slices.Equal(got, []string{"khai-sinh", "thuong-tru", "bhyt"}) {
		t.Errorf("procedures %v", got)
	}
	docs := d.Documents()
	if len(docs) != 1 || docs[0].Name != "Giấy chứng sinh" {
		t.Errorf("documents (shared once) = %+v", docs)
	}
	mustSet(t, d, "owner_agrees", "no")
	if len(d.Documents()) != 2 {
		t.Errorf("relevant document missing: %+v", d.Documents())
	}
	mustSet(t, d, "register_residence", "no")
	if got := ids(); !slices.Equal(got, []string{"khai-sinh", "bhyt"}) {
		t.Errorf("procedures %v", got)
	}
	if d.Relevant("members") || d.Relevant("members.1.name") || d.Relevant("owner_agrees") || len(d.Documents()) != 1 {
		t.Error("fields of a procedure that does not apply are relevant")
	}
	if d.Value("summary") != "ĐỖ MINH THỬ" {
		t.Errorf("count() of a hidden group: %q", d.Value("summary"))
	}
	mustSet(t, d, "child_birth_date", "01/01/2019") // 7 years old: no BHYT card procedure
	if got := ids(); !slices.Equal(got, []string{"khai-sinh"}) || d.Relevant("card_clinic") {
		t.Errorf("procedures %v", got)
	}
	if len(d.Validate()) != 0 {
		t.Errorf("Validate: %+v", d.Validate())
	}
}

func TestBundleFinalize(t *testing.T) {
	d := completeBundle(t)
	if p := d.Validate(); len(p) != 0 {
		t.Fatalf("Validate: %+v", p)
	}
	in := finalizeInput()
	in.Appointment = time.Time{}
	dos, err := Finalize(d, in)
	if err != nil {
		t.Fatal(err)
	}
	if dos.SpecVersion != "1.0.0" || dos.ServiceID != "lien-thong-thu" {
		t.Errorf("header %s %s", dos.ServiceID, dos.SpecVersion)
	}
	if len(dos.Procedures) != 3 {
		t.Fatalf("procedures %+v", dos.Procedures)
	}
	pr := dos.Procedures[1]
	if pr.ID != "thuong-tru" || pr.Agency != "Công an cấp xã" || pr.ProcessingDays != 3 || len(pr.Documents) != 1 ||
		!slices.Contains(pr.FieldIDs, "members") || !slices.Contains(pr.FieldIDs, "child_name") || slices.Contains(pr.FieldIDs, "card_clinic") {
		t.Errorf("residence record %+v", pr)
	}
	if slices.Contains(dos.Procedures[0].FieldIDs, "members") || !slices.Contains(dos.Procedures[2].FieldIDs, "card_clinic") {
		t.Error("field ids per procedure")
	}
	if len(dos.Documents) != 1 {
		t.Errorf("dossier documents %+v", dos.Documents)
	}
	if dos.Subject.FullName != "Đỗ Minh Thử" || dos.Subject.BirthDate != lookups.NewDate(2026, 3, 5) {
		t.Errorf("subject %+v", dos.Subject)
	}
	if len(dos.Persons) != 1 || dos.Persons[0].Slot != "requester" || dos.Persons[0].ID != requesterID || dos.Persons[0].Source != SourceCard || dos.Persons[0].Origin != SourceDatabase {
		t.Errorf("persons %+v", dos.Persons)
	}
	vals := map[string]FieldValue{}
	for _, f := range dos.Fields {
		vals[f.ID] = f
	}
	if v := vals["members.2.name"]; v.Value != "Đỗ Thị Nhỏ" || v.Source != SourceDatabase {
		t.Errorf("row value %+v", v)
	}
	if v := vals["requester_home.ward"]; v.Value != "00097" || v.Text != "Phường Hồng Hà" {
		t.Errorf("ward value %+v", v)
	}
	h := dos.ContentHash()
	days := map[string]int{}
	err = dos.SetAppointments(func(p ProcedureRecord) (time.Time, error) {
		days[p.ID] = p.ProcessingDays
		return dos.ReceivedAt.AddDate(0, 0, p.ProcessingDays), nil
	})
	if err != nil || !dos.Appointment.Equal(fixedNow.AddDate(0, 0, 3)) || !dos.Procedures[2].Appointment.Equal(fixedNow.AddDate(0, 0, 1)) {
		t.Errorf("SetAppointments: %v %v", err, dos.Appointment)
	}
	if dos.ContentHash() == h {
		t.Error("hash ignores appointments")
	}
	if err := dos.SetAppointments(func(ProcedureRecord) (time.Time, error) { return fixedNow.Add(-time.Hour), nil }); !errors.Is(err, ErrAppointment) {
		t.Errorf("early appointment: %v", err)
	}
}

func TestDrafts(t *testing.T) {
	d := completeBundle(t)
	_ = d.FillPerson("head", headData())
	mustSet(t, d, "members.1.relation", "Con")
	p := requesterData()
	p.Resident.Permanent = nil
	p.Card.CardAddress = "Số 7 Ngõ Thử, Phường Dịch Vọng, Quận Cầu Giấy, Thành phố Hà Nội"
	_ = d.FillPerson("requester", p)
	if _, err := Finalize(d, finalizeInput()); err == nil {
		t.Fatal("finalized without a ward")
	}
	split, _ := d.MarshalDraft()
	sb, err := RestoreDraftFor(bundle(t), split)
	if err != nil {
		t.Fatal(err)
	}
	if len(sb.Choices("requester_home.ward")) != 2 || !slices.Equal(sb.Notes(), d.Notes()) || len(sb.Notes()) != 1 {
		t.Errorf("split-ward question lost in the draft: %v", sb.Notes())
	}
	mustSet(t, d, "requester_home.ward", "00160")
	first, err := Finalize(d, finalizeInput())
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, d, "requester_home.ward", "")
	data, err := d.MarshalDraft()
	if err != nil {
		t.Fatal(err)
	}
	back, err := RestoreDraftFor(bundle(t), data)
	if err != nil {
		t.Fatal(err)
	}
	back.SetClock(func() time.Time { return clerkAt })
	for _, path := range []string{"requester_name", "requester_home", "requester_home.detail", "head_name", "child_birth_words", "members.1.relation", "members.2.name", "summary"} {
		if back.Value(path) != d.Value(path) || back.Provenance(path).Source != d.Provenance(path).Source || !back.Provenance(path).At.Equal(d.Provenance(path).At) {
			t.Errorf("%s: %q %+v, want %q %+v", path, back.Value(path), back.Provenance(path), d.Value(path), d.Provenance(path))
		}
	}
	if back.Rows("members") != d.Rows("members") || !slices.Equal(back.Missing(), d.Missing()) || len(back.Choices("requester_home.ward")) != len(d.Choices("requester_home.ward")) {
		t.Errorf("rows %d missing %v choices %d", back.Rows("members"), back.Missing(), len(back.Choices("requester_home.ward")))
	}
	if hp, ok := back.Person("head"); !ok || hp.ID() != headID {
		t.Error("person slot lost")
	}
	mustSet(t, back, "requester_home.ward", "00160")
	again, err := Finalize(back, finalizeInput())
	if err != nil {
		t.Fatal(err)
	}
	if again.IdempotencyKey != first.IdempotencyKey || again.ContentHash() != first.ContentHash() {
		t.Error("restored draft finalized differently")
	}
	changed := strings.Replace(bundleSpec, `version = "1.0.0"`, `version = "1.1.0"`, 1)
	s2, err := Parse([]byte(changed))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := RestoreDraftFor(s2, data); !errors.Is(err, ErrSpecChanged) {
		t.Errorf("version change: %v", err)
	}
	// The catalog's marital-status spec, through RestoreDraft.
	m := prefilled(t)
	mdata, _ := m.MarshalDraft()
	mb, err := RestoreDraft(mdata)
	if err != nil {
		t.Fatal(err)
	}
	if mb.Value("subject_name") != "Đỗ Văn Mẫu" || len(mb.Validate()) != 0 {
		t.Errorf("restored marital declaration: %q %+v", mb.Value("subject_name"), mb.Validate())
	}
	old := strings.Replace(string(mdata), `"specVersion":"`+m.Spec().Version+`"`, `"specVersion":"1.0.0"`, 1)
	if old == string(mdata) {
		t.Fatal("the draft does not name its spec version")
	}
	if _, err := RestoreDraft([]byte(old)); !errors.Is(err, ErrSpecChanged) {
		t.Errorf("old version restored: %v", err)
	}
}

func TestParseV2Rejects(t *testing.T) {
	rep := func(old, new string) string {
		if !strings.Contains(bundleSpec, old) {
			panic("fixture: " + old)
		}
		return strings.Replace(bundleSpec, old, new, 1)
	}
	cases := []struct{ name, src, want string }{
		{"unknown key in a field", rep("id = \"child_name\"\ntype = \"text\"", "id = \"child_name\"\ntype = \"text\"\ncolour = \"red\""), "field child_name: unknown key"},
		{"unknown key in a sub-field", rep("id = \"school\"", "id = \"school\"\nwidth = 3"), "field school: unknown key"},
		{"unknown ref", rep("relevant = \"slot(spouse) == 'yes'\"", "relevant = \"nobody == 'yes'\""), "field spouse_name"},
		{"unknown function", rep("date_words(child_birth_date)", "words(child_birth_date)"), "field child_birth_words"},
		{"arity", rep("date_words(child_birth_date)", "date_words(child_birth_date, 'x')"), "field child_birth_words"},
		{"join arity", rep("join(' - ', upper(child_name), if(count(members) > 0, 'có người cùng chuyển', ''))", "join(' - ')"), "field summary"},
		{"slot unknown", rep("slot(spouse)", "slot(wife)"), "field spouse_name"},
		{"count not group", rep("count(members)", "count(child_name)"), "field summary"},
		{"group read as value", rep("count(members) > 0", "members != ''"), "field summary"},
		{"row ref outside rows", rep("upper(child_name)", "upper(members.name)"), "field summary"},
		{"calculate cycle", rep("date_words(child_birth_date)", "date_words(child_birth_words)"), "cycle"},
		{"relevance-calc cycle", rep("label = \"Tóm tắt\"", "label = \"Tóm tắt\"\nrelevant = \"summary != ''\""), "cycle"},
		{"procedure cycle", rep("relevant = \"register_residence == 'yes'\"", "relevant = \"owner_agrees == 'yes'\""), "cycle"},
		{"bad choices_from", rep("choices_from = \"ethnicities\"", "choices_from = \"colours\""), "field child_ethnicity"},
		{"filter on non-wards", rep("choices_from = \"ethnicities\"", "choices_from = \"ethnicities\"\nchoice_filter = \"birth_province\""), "field child_ethnicity"},
		{"filter not a province", rep("choice_filter = \"birth_province\"", "choice_filter = \"child_sex\""), "field birth_ward"},
		{"bad default from source", rep("default = \"Kinh\"", "default = \"Sao Hỏa\""), "field child_ethnicity"},
		{"unknown prefill slot", rep("prefill = \"spouse.db.fullName\"", "prefill = \"wife.db.fullName\""), "field spouse_name"},
		{"unknown prefill key", rep("prefill = \"spouse.db.fullName\"", "prefill = \"spouse.db.shoeSize\""), "field spouse_name"},
		{"members on text", rep("prefill = \"spouse.db.fullName\"", "prefill = \"requester.db.household.members\""), "field spouse_name"},
		{"text source on address", rep("prefill = \"requester.db.permanent|requester.card.address\"", "prefill = \"requester.db.fullName\""), "field requester_home"},
		{"residence paper", rep("name = \"Văn bản đồng ý của chủ sở hữu chỗ ở\"", "name = \"Giấy xác nhận thông tin về cư trú\""), "residence paper"},
		{"unknown fill", rep("fill = \"spouse:requester\"", "fill = \"cousin:requester\""), "person spouse"},
		{"fill unknown slot", rep("fill = \"spouse:requester\"", "fill = \"spouse:nobody\""), "person spouse"},
		{"section unknown person", rep("person = \"child\"\n\n[[sections.fields]]", "person = \"baby\"\n\n[[sections.fields]]"), "section tre"},
		{"unknown procedure on field", rep("procedures = [\"bhyt\"]", "procedures = [\"bhxh\"]"), "field card_clinic"},
		{"group max", rep("max = 3", "max = 0"), "field members"},
		{"min on text", rep("id = \"child_name\"\ntype = \"text\"", "id = \"child_name\"\ntype = \"text\"\nmin = 1"), "field child_name"},
		{"prefill on sub-field", rep("id = \"school\"", "id = \"school\"\nprefill = \"requester.db.fullName\""), "field members.school"},
		{"calculate and prefill", rep("calculate = \"date_words(child_birth_date)\"", "calculate = \"date_words(child_birth_date)\"\nprefill = \"meta.today\""), "field child_birth_words"},
		{"no procedures", strings.Replace(strings.Replace(strings.Replace(bundleSpec, "[[procedures]]", "[[old]]", -1), "[[procedures.documents]]", "[[old.documents]]", -1), "procedures = [", "p = [", -1), "unknown key"},
		{"subject unknown slot", rep("person = \"child\"\nname", "person = \"baby\"\nname"), "subject.person"},
		{"min_age on text", rep("label = \"Tóm tắt\"", "label = \"Tóm tắt\"\nconstraints = [{ kind = \"min_age\", params = { years = \"1\" }, message = \"m\" }]"), "field summary"},
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

func TestExprFunctions(t *testing.T) {
	vals := map[string]string{"d": "15/03/2020", "e": "01/04/2020", "n": "9", "m": "10", "s": "Thử", "z": "", "g": "3", "p": "x"}
	get := func(id string) string { return vals[id] }
	now := time.Date(2026, 3, 15, 10, 0, 0, 0, ict)
	cases := []struct{ src, want string }{
		{"d < e", "yes"}, // dates, not text ("15/.." > "01/..")
		{"e > d", "yes"},
		{"d >= '15/3/2020'", "yes"},
		{"n < m", "yes"}, // numbers, not text ("9" > "10")
		{"n <= 9", "yes"},
		{"'b' > 'a'", "yes"},
		{"n == '9'", "yes"},
		{"m != 10", ""},
		{"not (n < m)", ""},
		{"not empty(s) and empty(z)", "yes"},
		{"today()", "15/03/2026"},
		{"age(d)", "6"},
		{"age('16/03/2020')", "5"},
		{"age_months(d)", "72"},
		{"age_months('16/02/2026')", "0"},
		{"age(z)", ""},
		{"date_words(d)", "Ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi"},
		{"join(', ', s, z, 'Hà Nội')", "Thử, Hà Nội"},
		{"if(empty(z), 'trống', 'có')", "trống"},
		{"if(s, 'có', 'trống')", "có"},
		{"upper(s)", "THỬ"},
		{"count(g)", "3"},
		{"slot(p)", "yes"},
		{"slot(z)", ""},
		{"age(d) >= 6 and age_months(d) < 73", "yes"},
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
	for _, bad := range []string{"a < b < c", "f(", "join()", "today(1)", "count('x')", "a ,", "not", "2x == 1"} {
		if _, err := ParseExpr(bad); err == nil {
			t.Errorf("ParseExpr(%q) accepted", bad)
		}
	}
}

func TestNumberAndDateWords(t *testing.T) {
	cases := map[int]string{
		0: "không", 1: "một", 4: "bốn", 5: "năm", 10: "mười", 11: "mười một", 14: "mười bốn", 15: "mười lăm",
		20: "hai mươi", 21: "hai mươi mốt", 24: "hai mươi tư", 25: "hai mươi lăm", 31: "ba mươi mốt",
		100: "một trăm", 105: "một trăm linh năm", 110: "một trăm mười", 1990: "một nghìn chín trăm chín mươi",
		2000: "hai nghìn", 2005: "hai nghìn không trăm linh năm", 2014: "hai nghìn không trăm mười bốn",
		2026: "hai nghìn không trăm hai mươi sáu", 2100: "hai nghìn một trăm",
	}
	for n, want := range cases {
		if got := NumberWords(n); got != want {
			t.Errorf("NumberWords(%d) = %q, want %q", n, got, want)
		}
	}
	dates := map[lookups.Date]string{
		lookups.NewDate(2026, 3, 15):  "Ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi sáu",
		lookups.NewDate(2024, 4, 24):  "Ngày hai mươi tư tháng tư năm hai nghìn không trăm hai mươi tư",
		lookups.NewDate(2001, 12, 21): "Ngày hai mươi mốt tháng mười hai năm hai nghìn không trăm linh một",
		lookups.NewDate(2026, 2, 30):  "",
	}
	for d, want := range dates {
		if got := DateWords(d); got != want {
			t.Errorf("DateWords(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestEthnicitiesAndSources(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range Ethnicities {
		if seen[e] {
			t.Errorf("duplicate ethnicity %q", e)
		}
		seen[e] = true
	}
	if len(Ethnicities) != 54 || Nationalities[0] != "Việt Nam" {
		t.Errorf("%d ethnicities, nationality %q first", len(Ethnicities), Nationalities[0])
	}
}

// largeSpec builds a synthetic bundle of about 80 top-level fields with
// relevance and calculations, and a group (5 rows used) of 6 sub-fields.
func largeSpec(tb testing.TB) *Spec {
	var b strings.Builder
	b.WriteString("id = \"lon\"\nname = \"Lớn\"\nversion = \"1\"\n\n[[persons]]\nid = \"a\"\nlabel = \"A\"\n\n")
	for i, p := range []string{"p1", "p2", "p3"} {
		fmt.Fprintf(&b, "[[procedures]]\nid = %q\nname = \"P\"\nagency = \"A\"\nprocessing_days = %d\nrelevant = \"f0 != 'off%d'\"\n[[procedures.documents]]\nname = \"Giấy %d\"\ncount = 1\nshared = \"g\"\n\n", p, i, i, i)
	}
	for s := 0; s < 8; s++ {
		fmt.Fprintf(&b, "[[sections]]\nid = \"s%d\"\ntitle = \"Mục %d\"\n", s, s)
		if s > 0 {
			fmt.Fprintf(&b, "relevant = \"f0 != 'hide%d'\"\n", s)
		}
		for k := 0; k < 10; k++ {
			i := s*10 + k
			fmt.Fprintf(&b, "\n[[sections.fields]]\nid = \"f%d\"\nlabel = \"Trường %d\"\n", i, i)
			switch {
			case i == 0:
				b.WriteString("type = \"text\"\n")
			case i%10 == 1:
				b.WriteString("type = \"date\"\nrequired = true\nconstraints = [{ kind = \"not_future\", message = \"m\" }]\n")
			case i%10 == 2:
				fmt.Fprintf(&b, "type = \"text\"\ncalculate = \"date_words(f%d)\"\n", i-1)
			case i%10 == 3:
				b.WriteString("type = \"choice\"\nrequired = true\nchoices = [{ value = \"x\", label = \"X\" }, { value = \"y\", label = \"Y\" }]\n")
			case i%10 == 4:
				fmt.Fprintf(&b, "type = \"text\"\nrequired = true\nrelevant = \"f%d == 'x' and age(f%d) >= 18\"\nconstraints = [{ kind = \"pattern\", params = { regex = \"^[\\\\p{L} ]+$\" }, message = \"m\" }]\n", i-1, i-3)
			case i%10 == 5:
				b.WriteString("type = \"pid\"\n")
			case i%10 == 6:
				b.WriteString("type = \"phone\"\n")
			case i%10 == 7:
				b.WriteString("type = \"choice\"\nchoices_from = \"ethnicities\"\n")
			case i%10 == 8:
				fmt.Fprintf(&b, "type = \"number\"\nprocedures = [\"p2\"]\nconstraints = [{ kind = \"range\", params = { min = \"1\", max = \"9\" }, message = \"m\" }]\n")
			default:
				fmt.Fprintf(&b, "type = \"text\"\ncalculate = \"join(' ', f%d, upper(f%d), count(g))\"\n", i-5, i-6)
			}
		}
	}
	b.WriteString("\n[[sections.fields]]\nid = \"g\"\ntype = \"group\"\nlabel = \"Nhóm\"\nmax = 10\nprocedures = [\"p3\"]\n")
	for _, sub := range []string{"name", "id", "birth_date", "sex", "relation", "note"} {
		typ := map[string]string{"id": "pid", "birth_date": "date"}[sub]
		if typ == "" {
			typ = "text"
		}
		fmt.Fprintf(&b, "[[sections.fields.fields]]\nid = %q\ntype = %q\nlabel = \"L\"\nrequired = true\n", sub, typ)
		if sub == "note" {
			b.WriteString("relevant = \"g.relation == 'Con'\"\n")
		}
	}
	s, err := Parse([]byte(b.String()))
	if err != nil {
		tb.Fatalf("large spec: %v\n", err)
	}
	return s
}

func largeDecl(tb testing.TB) *Declaration {
	s := largeSpec(tb)
	d := NewDeclaration(s, Env{Now: fixedNow, Clock: func() time.Time { return clerkAt }})
	for i := 0; i < 80; i++ {
		f := s.fields[i]
		switch {
		case f.calc != nil:
		case f.Type == TypeDate:
			mustSet(tb, d, f.ID, "01/02/1990")
		case f.Type == TypeChoice && f.ChoicesFrom == "":
			mustSet(tb, d, f.ID, "x")
		case f.Type == TypeChoice:
			mustSet(tb, d, f.ID, "Kinh")
		case f.Type == TypePID:
			mustSet(tb, d, f.ID, subjectID)
		case f.Type == TypePhone:
			mustSet(tb, d, f.ID, "0912345678")
		case f.Type == TypeNumber:
			mustSet(tb, d, f.ID, "3")
		default:
			mustSet(tb, d, f.ID, "Chữ Thử")
		}
	}
	for r := 1; r <= 5; r++ {
		if _, err := d.AddRow("g"); err != nil {
			tb.Fatal(err)
		}
		for _, kv := range [][2]string{{"name", "Tên Thử"}, {"id", subjectID}, {"birth_date", "01/01/2000"}, {"sex", "Nam"}, {"relation", "Con"}, {"note", "Ghi chú"}} {
			mustSet(tb, d, fmt.Sprintf("g.%d.%s", r, kv[0]), kv[1])
		}
	}
	return d
}

func TestLargeBundleValid(t *testing.T) {
	d := largeDecl(t)
	if p := d.Validate(); len(p) != 0 {
		t.Fatalf("Validate: %+v", p[:min(len(p), 5)])
	}
	if got := d.Value("f9"); got != "Chữ Thử X 5" {
		t.Errorf("f9 = %q", got)
	}
	mustSet(t, d, "g.3.relation", "Cháu")
	if d.Relevant("g.3.note") || !d.Relevant("g.2.note") {
		t.Error("row relevance")
	}
}

// BenchmarkRevalidateLargeBundle: one keystroke (Set) then re-validating the
// whole declaration (about 80 fields, a group of 5 rows).
func BenchmarkRevalidateLargeBundle(b *testing.B) {
	d := largeDecl(b)
	vals := [2]string{"Chữ Thử", "Chữ Thửa"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if err := d.Set("f14", vals[i%2]); err != nil {
			b.Fatal(err)
		}
		if p := d.Validate(); len(p) != 0 {
			b.Fatal(p)
		}
	}
}
