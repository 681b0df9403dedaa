package forms

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"motcua/lookups"
)

// All people below are synthetic; the IDs follow the documented digit rules.
var (
	ict        = time.FixedZone("ICT", 7*3600)
	fixedNow   = time.Date(2026, time.March, 10, 9, 30, 0, 0, ict)
	cardReadAt = fixedNow.Add(-2 * time.Minute)
	fetchedAt  = fixedNow.Add(-1 * time.Minute)
	clerkAt    = fixedNow.Add(5 * time.Minute)
)

const (
	subjectID = "001090123456" // Hà Nội, male, born 1990
	spouseID  = "001190654321" // Hà Nội, female, born 1990
)

func spec(t testing.TB) *Spec {
	t.Helper()
	s, ok := Lookup("xac-nhan-tthn")
	if !ok {
		t.Fatal("service xac-nhan-tthn not in catalog")
	}
	return s
}

func syntheticCard() *lookups.Citizen {
	return &lookups.Citizen{
		ID: subjectID, OldID: "012345678", FullName: "Đỗ Văn Mẫu",
		BirthDate: lookups.NewDate(1990, time.April, 15), Sex: lookups.Male,
		Nationality: "Việt Nam", Ethnicity: "Kinh", Religion: "Không",
		PlaceOfOrigin: "Xã Thử Nghiệm, Tỉnh Ví Dụ", CardAddress: "Số 1 Đường Mẫu, Phường Cũ, Quận Cũ, Hà Nội",
		IssueDate: lookups.NewDate(2021, time.June, 1), CardKind: lookups.CardCCCD2021,
	}
}

func syntheticResident() *lookups.Resident {
	return &lookups.Resident{
		Citizen:    *syntheticCard(),
		BirthPlace: "Bệnh viện Thử Nghiệm",
		Permanent: &lookups.Residence{Kind: lookups.Permanent, Address: lookups.Address{
			Detail: "Số 1 Đường Mẫu", WardName: "Phường Ví Dụ", ProvinceName: "Thành phố Hà Nội"}},
		Temporary: &lookups.Residence{Kind: lookups.Temporary, Address: lookups.Address{
			Detail: "Số 2 Ngõ Thử", WardName: "Phường Tạm", ProvinceName: "Thành phố Hà Nội"}},
		CurrentPlace: &lookups.Residence{Kind: lookups.Current, Address: lookups.Address{
			Detail: "Số 3 Phố Hiện", WardName: "Phường Nay", ProvinceName: "Thành phố Hà Nội"}},
		MaritalStatus: lookups.NeverMarried,
		Phone:         "0912345678",
		Email:         "mau@example.vn",
	}
}

func prefillInput() PrefillInput {
	return PrefillInput{
		Card: syntheticCard(), CardSource: SourceCard, CardReadAt: cardReadAt,
		Resident: syntheticResident(), Origin: lookups.Origin{Source: SourceDatabase, FetchedAt: fetchedAt},
		Agency: "Ủy ban nhân dân phường Ví Dụ", Place: "Phường Ví Dụ",
		Now: fixedNow, Clock: func() time.Time { return clerkAt },
	}
}

// prefilled returns a complete, valid declaration: everything from card,
// database and config, the clerk typed only the purpose.
func prefilled(t testing.TB) *Declaration {
	t.Helper()
	d := Prefill(spec(t), prefillInput())
	mustSet(t, d, "purpose", "marry")
	mustSet(t, d, "partner_name", "Vũ Thị Ví Dụ")
	mustSet(t, d, "marriage_place", "Ủy ban nhân dân phường Ví Dụ")
	return d
}

// typed returns a complete, valid declaration typed entirely by the clerk.
func typed(t testing.TB) *Declaration {
	t.Helper()
	d := NewDeclaration(spec(t), Env{Now: fixedNow, Clock: func() time.Time { return clerkAt }})
	for _, kv := range [][2]string{
		{"addressee", "Ủy ban nhân dân phường Ví Dụ"},
		{"for_other_person", "no"},
		{"subject_name", "Đỗ Văn Mẫu"},
		{"subject_birth_date", "15/04/1990"},
		{"subject_sex", "Nam"},
		{"subject_ethnicity", "Kinh"},
		{"subject_nationality", "Việt Nam"},
		{"subject_residence", "Số 1 Đường Mẫu, Phường Ví Dụ, Thành phố Hà Nội"},
		{"subject_id", subjectID},
		{"confirm_period", "no"},
		{"marital_status", "single"},
		{"purpose", "other"},
		{"purpose_other", "Bổ sung hồ sơ vay vốn"},
		{"copies", "2"},
		{"pledge_place", "Phường Ví Dụ"},
		{"pledge_date", "10/03/2026"},
	} {
		mustSet(t, d, kv[0], kv[1])
	}
	return d
}

func mustSet(t testing.TB, d *Declaration, id, v string) {
	t.Helper()
	if err := d.Set(id, v); err != nil {
		t.Fatalf("Set(%s): %v", id, err)
	}
}

func finalizeInput() FinalizeInput {
	return FinalizeInput{
		Code: "000.00.12.H62-260310-0001", Agency: "Ủy ban nhân dân phường Ví Dụ",
		Counter: "Quầy 1", Operator: "op-001",
		ReceivedAt: fixedNow, Appointment: time.Date(2026, time.March, 13, 9, 30, 0, 0, ict),
	}
}

func TestCatalog(t *testing.T) {
	cat := Catalog()
	want := []string{"xac-nhan-tthn", "khai-sinh", "khai-tu", "ket-hon", "thuong-tru", "tam-tru", "tam-vang",
		"lien-thong-khai-sinh", "lien-thong-khai-tu"}
	ids := map[string]*Spec{}
	for _, c := range cat {
		ids[c.ID] = c
	}
	for _, id := range want {
		if ids[id] == nil {
			t.Errorf("catalog lacks %s", id)
		}
	}
	s := spec(t)
	if ids[s.ID] != s {
		t.Error("Lookup and Catalog disagree")
	}
	if s.Name != "Cấp giấy xác nhận tình trạng hôn nhân" || s.Version == "" || s.ProcessingDays != 3 || s.Agency == "" {
		t.Errorf("spec header: %q %q %d %q", s.Name, s.Version, s.ProcessingDays, s.Agency)
	}
	if _, ok := Lookup("no-such-service"); ok {
		t.Error("Lookup found an unknown id")
	}
	l, err := Load("xac-nhan-tinh-trang-hon-nhan.toml")
	if err != nil || l.ID != s.ID {
		t.Fatalf("Load: %v", err)
	}
	if _, err := Load("missing"); err == nil {
		t.Error("Load of a missing spec succeeded")
	}
	for _, f := range s.Fields() {
		if f.Label == "" || !knownTypes[f.Type] {
			t.Errorf("field %s: label %q type %q", f.ID, f.Label, f.Type)
		}
	}
}

func TestCompleteValidDeclaration(t *testing.T) {
	for name, build := range map[string]func(testing.TB) *Declaration{"prefilled": prefilled, "typed": typed} {
		t.Run(name, func(t *testing.T) {
			d := build(t)
			if p := d.Validate(); len(p) != 0 {
				t.Fatalf("Validate: %+v", p)
			}
			if m := d.Missing(); len(m) != 0 {
				t.Fatalf("Missing: %v", m)
			}
			dos, err := Finalize(d, finalizeInput())
			if err != nil {
				t.Fatalf("Finalize: %v", err)
			}
			want := lookups.PersonRef{ID: subjectID, FullName: "Đỗ Văn Mẫu", BirthDate: lookups.NewDate(1990, time.April, 15), Sex: lookups.Male}
			if dos.Subject != want {
				t.Errorf("Subject = %+v, want %+v", dos.Subject, want)
			}
			if dos.ServiceID != "xac-nhan-tthn" || dos.ServiceName != spec(t).Name || dos.Status != StatusFinalized {
				t.Errorf("dossier header %+v", dos)
			}
			if dos.IdempotencyKey == "" || len(dos.IdempotencyKey) != 32 {
				t.Errorf("idempotency key %q", dos.IdempotencyKey)
			}
		})
	}
}

func TestPrefilledValues(t *testing.T) {
	d := prefilled(t)
	want := map[string]string{
		"addressee":             "Ủy ban nhân dân phường Ví Dụ",
		"for_other_person":      "no",
		"phone":                 "0912345678",
		"email":                 "mau@example.vn",
		"subject_name":          "Đỗ Văn Mẫu",
		"subject_birth_date":    "15/04/1990",
		"subject_sex":           "Nam",
		"subject_ethnicity":     "Kinh",
		"subject_nationality":   "Việt Nam",
		"subject_residence":     "Số 1 Đường Mẫu, Phường Ví Dụ, Thành phố Hà Nội",
		"subject_id":            subjectID,
		"subject_id_issue_date": "01/06/2021",
		"confirm_period":        "no",
		"marital_status":        "single",
		"copies":                "1",
		"pledge_place":          "Phường Ví Dụ",
		"pledge_date":           "10/03/2026",
	}
	for id, v := range want {
		if got := d.Value(id); got != v {
			t.Errorf("%s = %q, want %q", id, got, v)
		}
	}
}

func TestProvenance(t *testing.T) {
	cases := []struct {
		name, field string
		source      lookups.ValueSource
		at          time.Time
		in          func(*PrefillInput)
	}{
		{"card name", "subject_name", SourceCard, cardReadAt, nil},
		{"card id", "subject_id", SourceCard, cardReadAt, nil},
		{"database residence", "subject_residence", SourceDatabase, fetchedAt, nil},
		{"database marital status", "marital_status", SourceDatabase, fetchedAt, nil},
		{"cache residence", "subject_residence", SourceCache, fetchedAt, func(in *PrefillInput) { in.Origin.Source = "cache" }},
		{"config agency", "addressee", SourceConfig, fixedNow, nil},
		{"today", "pledge_date", SourceDefault, fixedNow, nil},
		{"default copies", "copies", SourceDefault, fixedNow, nil},
		{"qr id", "subject_id", SourceQR, cardReadAt, func(in *PrefillInput) { in.CardSource = SourceQR }},
		// QR letters may be mangled: the name comes from the database instead.
		{"qr name from database", "subject_name", SourceDatabase, fetchedAt, func(in *PrefillInput) { in.CardSource = SourceQR }},
		{"qr name without database", "subject_name", SourceQR, cardReadAt, func(in *PrefillInput) { in.CardSource = SourceQR; in.LettersTrusted = true; in.Resident = nil }},
		// Untrusted QR letters never fill a field; its ID and dates may.
		{"untrusted qr name without database", "subject_name", "", time.Time{}, func(in *PrefillInput) { in.CardSource = SourceQR; in.Resident = nil }},
		{"untrusted qr ethnicity without database", "subject_ethnicity", "", time.Time{}, func(in *PrefillInput) { in.CardSource = SourceQR; in.Resident = nil }},
		{"untrusted qr address without database", "subject_residence", "", time.Time{}, func(in *PrefillInput) { in.CardSource = SourceQR; in.Resident = nil }},
		{"untrusted qr id without database", "subject_id", SourceQR, cardReadAt, func(in *PrefillInput) { in.CardSource = SourceQR; in.Resident = nil }},
		{"untrusted qr issue date without database", "subject_id_issue_date", SourceQR, cardReadAt, func(in *PrefillInput) { in.CardSource = SourceQR; in.Resident = nil }},
		{"database when no card", "subject_name", SourceDatabase, fetchedAt, func(in *PrefillInput) { in.Card = nil }},
		{"default nationality", "subject_nationality", SourceDefault, fixedNow, func(in *PrefillInput) { in.Card = nil; in.Resident = nil }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := prefillInput()
			if c.in != nil {
				c.in(&in)
			}
			d := Prefill(spec(t), in)
			p := d.Provenance(c.field)
			if p.Source != c.source || !p.At.Equal(c.at) {
				t.Errorf("provenance = %+v, want %s at %v", p, c.source, c.at)
			}
		})
	}

	t.Run("clerk edit", func(t *testing.T) {
		d := prefilled(t)
		mustSet(t, d, "subject_residence", "Số 9 Đường Khác, Phường Ví Dụ, Thành phố Hà Nội")
		if p := d.Provenance("subject_residence"); p.Source != SourceClerk || !p.At.Equal(clerkAt) {
			t.Errorf("after edit provenance = %+v", p)
		}
		dos, err := Finalize(d, finalizeInput())
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]FieldValue{}
		for _, f := range dos.Fields {
			got[f.ID] = f
		}
		if f := got["subject_residence"]; f.Source != SourceClerk || !f.At.Equal(clerkAt) {
			t.Errorf("dossier residence %+v", f)
		}
		if f := got["subject_name"]; f.Source != SourceCard || !f.At.Equal(cardReadAt) || f.Label == "" {
			t.Errorf("dossier name %+v", f)
		}
		if f := got["marital_status"]; f.Value != "single" || f.Text != "Chưa đăng ký kết hôn với ai" {
			t.Errorf("dossier marital status %+v", f)
		}
		rs := dos.ResidenceSource
		if rs == nil || rs.Source != "Cơ sở dữ liệu quốc gia về dân cư" || rs.Origin != SourceDatabase || !rs.At.Equal(fetchedAt) {
			t.Errorf("ResidenceSource = %+v", rs)
		}
	})

	t.Run("read-only from card", func(t *testing.T) {
		d := prefilled(t)
		if err := d.Set("subject_id", "001090999999"); !errors.Is(err, ErrReadOnly) {
			t.Errorf("Set read-only: %v", err)
		}
		if err := d.Set("subject_id", subjectID); err != nil { // same value: no change
			t.Errorf("Set same value: %v", err)
		}
		if d.Value("subject_id") != subjectID {
			t.Error("read-only value changed")
		}
		if err := d.Set("no_such_field", "x"); !errors.Is(err, ErrUnknownField) {
			t.Errorf("unknown field: %v", err)
		}
	})

	t.Run("NFC", func(t *testing.T) {
		d := typed(t)
		decomposed := "Đo\u0302\u0303 Va\u0306n Ma\u0302\u0303u" // "Đỗ Văn Mẫu" decomposed
		mustSet(t, d, "subject_name", decomposed)
		if d.Value("subject_name") != "Đỗ Văn Mẫu" {
			t.Errorf("not NFC: %q", d.Value("subject_name"))
		}
		if p := d.Validate(); len(p) != 0 {
			t.Errorf("Validate: %+v", p)
		}
	})
}

// scenario names a set of edits that make other fields relevant.
var scenarios = map[string][][2]string{
	"self single other-purpose": nil,
	"for other person": {{"for_other_person", "yes"}, {"requester_name", "Phạm Thị Thử"},
		{"requester_id", "001190123456"}, {"requester_residence", "Số 5 Đường Mẫu, Phường Ví Dụ"},
		{"requester_relation", "Chị gái"}},
	"married":       {{"marital_status", "married"}, {"spouse_name", "Vũ Thị Ví Dụ"}, {"spouse_id", spouseID}},
	"period":        {{"confirm_period", "yes"}, {"period_from", "01/01/2015"}, {"period_to", "31/12/2019"}, {"period_place", "Xã Thử, Tỉnh Ví Dụ"}},
	"to marry":      {{"purpose", "marry"}, {"partner_name", "Vũ Thị Ví Dụ"}, {"marriage_place", "Ủy ban nhân dân phường Ví Dụ"}},
	"divorced":      {{"marital_status", "divorced"}},
	"widowed":       {{"marital_status", "widowed"}},
	"contact typed": {{"phone", "0987 654 321"}, {"email", "thu@example.vn"}},
}

func scenario(t *testing.T, name string) *Declaration {
	d := typed(t)
	for _, kv := range scenarios[name] {
		mustSet(t, d, kv[0], kv[1])
	}
	if p := d.Validate(); len(p) != 0 {
		t.Fatalf("scenario %s not valid: %+v", name, p)
	}
	return d
}

func TestEachRequiredFieldMissing(t *testing.T) {
	covered := map[string]bool{}
	for name := range scenarios {
		for _, f := range spec(t).Fields() {
			d := scenario(t, name)
			if !f.Required || !d.Relevant(f.ID) {
				continue
			}
			covered[f.ID] = true
			t.Run(name+"/"+f.ID, func(t *testing.T) {
				mustSet(t, d, f.ID, "  ")
				probs := d.Validate()
				if len(probs) != 1 || probs[0].FieldID != f.ID || probs[0].Code != "required" || probs[0].Message == "" {
					t.Fatalf("Validate = %+v, want one required problem on %s", probs, f.ID)
				}
				if m := d.Missing(); !slices.Equal(m, []string{f.ID}) {
					t.Errorf("Missing = %v", m)
				}
				if p := d.ValidateField(f.ID); len(p) != 1 || p[0].Code != "required" {
					t.Errorf("ValidateField = %+v", p)
				}
				if _, err := Finalize(d, finalizeInput()); err == nil {
					t.Error("Finalize accepted a declaration with a missing field")
				}
			})
		}
	}
	for _, f := range spec(t).Fields() {
		if f.Required && !covered[f.ID] {
			t.Errorf("required field %s not covered by any scenario", f.ID)
		}
	}
}

func TestConstraintViolations(t *testing.T) {
	cases := []struct {
		scenario, field, value, code, msg string
		also                              []string // other fields the value rightly upsets
	}{
		{"", "subject_birth_date", "31/02/1990", "type", "dd/mm/yyyy", nil},
		{"", "subject_birth_date", "1990-04-15", "type", "dd/mm/yyyy", nil},
		{"", "subject_birth_date", "15/04/90", "type", "dd/mm/yyyy", nil},
		{"", "subject_birth_date", "11/03/2026", "constraint", "Ngày sinh không được sau ngày hôm nay.", []string{"subject_id"}},
		{"", "pledge_date", "01/01/2030", "constraint", "Ngày làm tờ khai", nil},
		{"", "subject_id_issue_date", "01/01/1980", "constraint", "Ngày cấp không được trước ngày sinh.", nil},
		{"period", "period_to", "31/12/2014", "constraint", "Ngày kết thúc phải sau ngày bắt đầu.", nil},
		{"period", "period_from", "01/01/1989", "constraint", "Ngày bắt đầu không được trước ngày sinh.", nil},
		{"", "phone", "012345678", "type", "10 chữ số", nil},
		{"", "phone", "09123456789", "type", "10 chữ số", nil},
		{"", "phone", "0212345678", "type", "10 chữ số", nil},
		{"", "phone", "09a2345678", "type", "10 chữ số", nil},
		{"", "email", "mau", "type", "thư điện tử", nil},
		{"", "email", "mau@example", "type", "thư điện tử", nil},
		{"", "email", "Mẫu <mau@example.vn>", "type", "thư điện tử", nil},
		{"", "subject_id", "00109012345", "type", "", nil},
		{"", "subject_id", "00109012345X", "type", "", nil},
		{"", "subject_id", "001190123456", "constraint", "không khớp", nil}, // female digit for a man
		{"", "subject_id", "001085123456", "constraint", "không khớp", nil}, // born 1985 by the digits
		{"for other person", "requester_id", "12345", "type", "", nil},
		{"married", "spouse_id", "1234567890123", "type", "", nil},
		{"", "subject_name", "Đỗ Văn 123", "constraint", "chữ cái", nil},
		{"", "subject_name", strings.Repeat("Mẫu ", 30), "constraint", "100 ký tự", nil},
		{"", "copies", "0", "constraint", "từ 1 đến 10", nil},
		{"", "copies", "11", "constraint", "từ 1 đến 10", nil},
		{"", "copies", "hai", "type", "số nguyên", nil},
		{"", "marital_status", "engaged", "type", "danh sách", nil},
		{"", "subject_sex", "nam giới", "type", "danh sách", nil},
		{"married", "purpose", "marry", "constraint", "đang có vợ/chồng", nil},
	}
	for _, c := range cases {
		t.Run(c.field+"="+c.value, func(t *testing.T) {
			name := c.scenario
			if name == "" {
				name = "self single other-purpose"
			}
			d := scenario(t, name)
			mustSet(t, d, c.field, c.value)
			if c.field == "purpose" && c.value == "marry" {
				mustSet(t, d, "partner_name", "Vũ Thị Ví Dụ")
				mustSet(t, d, "marriage_place", "Phường Ví Dụ")
			}
			probs := d.Validate()
			for _, also := range c.also {
				i := slices.IndexFunc(probs, func(p Problem) bool { return p.FieldID == also })
				if i < 0 {
					t.Fatalf("no problem on %s: %+v", also, probs)
				}
				probs = slices.Delete(probs, i, i+1)
			}
			if len(probs) != 1 || probs[0].FieldID != c.field || probs[0].Code != c.code || !strings.Contains(probs[0].Message, c.msg) || probs[0].Message == "" {
				t.Fatalf("Validate = %+v, want one %s problem on %s mentioning %q", probs, c.code, c.field, c.msg)
			}
			if fp := d.ValidateField(c.field); len(fp) != 1 || fp[0] != probs[0] {
				t.Errorf("ValidateField = %+v", fp)
			}
			var ve *ValidationError
			if _, err := Finalize(d, finalizeInput()); !errors.As(err, &ve) || len(ve.Problems) != 1+len(c.also) {
				t.Errorf("Finalize error = %v", err)
			}
		})
	}
}

func TestAcceptedVariants(t *testing.T) {
	cases := []struct{ field, value, stored string }{
		{"phone", "0912 345 678", "0912345678"},
		{"phone", "+84 912 345 678", "0912345678"},
		{"phone", "0912.345.678", "0912345678"},
		{"phone", "84912345678", "0912345678"},
		{"subject_birth_date", "15-4-1990", "15/04/1990"},
		{"subject_birth_date", "15.04.1990", "15/04/1990"},
		{"pledge_date", "10/03/2026", "10/03/2026"}, // today is not the future
		{"email", "Mau@Example.VN", "mau@example.vn"},
		{"copies", " 3 ", "3"},
		{"subject_name", "  Đỗ   Văn  Mẫu ", "Đỗ Văn Mẫu"},
	}
	for _, c := range cases {
		t.Run(c.field+"="+c.value, func(t *testing.T) {
			d := typed(t)
			mustSet(t, d, c.field, c.value)
			if p := d.Validate(); len(p) != 0 {
				t.Fatalf("Validate: %+v", p)
			}
			dos, err := Finalize(d, finalizeInput())
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range dos.Fields {
				if f.ID == c.field && f.Value != c.stored {
					t.Errorf("stored %q, want %q", f.Value, c.stored)
				}
			}
		})
	}
}

func fieldIDs(d *Dossier) []string {
	var ids []string
	for _, f := range d.Fields {
		ids = append(ids, f.ID)
	}
	return ids
}

func docNames(d *Dossier) []string {
	var n []string
	for _, x := range d.Documents {
		n = append(n, x.Name)
	}
	return n
}

func TestRelevanceSpouse(t *testing.T) {
	d := typed(t)
	for _, id := range []string{"spouse_name", "spouse_id"} {
		if d.Relevant(id) {
			t.Errorf("%s relevant while single", id)
		}
	}
	mustSet(t, d, "marital_status", "married")
	if !d.Relevant("spouse_name") || !d.Relevant("spouse_id") {
		t.Fatal("spouse fields not relevant while married")
	}
	if m := d.Missing(); !slices.Equal(m, []string{"spouse_name"}) {
		t.Errorf("Missing = %v, want [spouse_name]", m)
	}
	mustSet(t, d, "spouse_name", "Vũ Thị Ví Dụ")
	mustSet(t, d, "spouse_id", "bad")
	if p := d.Validate(); len(p) != 1 || p[0].FieldID != "spouse_id" {
		t.Errorf("Validate = %+v", p)
	}
	// Back to single: the spouse values are kept but ignored and not in the dossier.
	mustSet(t, d, "marital_status", "single")
	if d.Relevant("spouse_name") || len(d.Validate()) != 0 || len(d.ValidateField("spouse_id")) != 0 {
		t.Fatalf("spouse fields still checked while single: %+v", d.Validate())
	}
	dos, err := Finalize(d, finalizeInput())
	if err != nil {
		t.Fatal(err)
	}
	if ids := fieldIDs(dos); slices.Contains(ids, "spouse_name") || slices.Contains(ids, "spouse_id") {
		t.Errorf("dossier holds spouse fields: %v", ids)
	}
	// Prefill of a married resident fills the spouse from the database.
	in := prefillInput()
	in.Resident.MaritalStatus = lookups.Married
	in.Resident.Spouse = &lookups.PersonRef{ID: spouseID, FullName: "Vũ Thị Ví Dụ"}
	p := Prefill(spec(t), in)
	if p.Value("spouse_name") != "Vũ Thị Ví Dụ" || p.Value("spouse_id") != spouseID || p.Provenance("spouse_name").Source != SourceDatabase {
		t.Errorf("spouse prefill: %q %q %+v", p.Value("spouse_name"), p.Value("spouse_id"), p.Provenance("spouse_name"))
	}
}

func TestRelevanceDocuments(t *testing.T) {
	const form = "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân"
	const divorce = "Bản sao bản án/quyết định ly hôn đã có hiệu lực pháp luật"
	cases := map[string][]string{
		"self single other-purpose": {form},
		"divorced":                  {form, divorce},
		"married":                   {form},
		"for other person":          {form, "Văn bản ủy quyền (khi yêu cầu cấp cho người khác mà không phải người thân)"},
	}
	for name, want := range cases {
		dos, err := Finalize(scenario(t, name), finalizeInput())
		if err != nil {
			t.Fatal(err)
		}
		if got := docNames(dos); !slices.Equal(got, want) {
			t.Errorf("%s: documents %v, want %v", name, got, want)
		}
		if dos.Documents[0].Count != 1 || !dos.Documents[0].Original {
			t.Errorf("%s: form document %+v", name, dos.Documents[0])
		}
	}
}

func TestForOtherPerson(t *testing.T) {
	d := prefilled(t)
	requester := []string{"requester_name", "requester_id", "requester_residence", "requester_relation"}
	if d.Value("for_other_person") != "no" {
		t.Fatalf("default for_other_person = %q", d.Value("for_other_person"))
	}
	for _, id := range requester {
		if d.Relevant(id) {
			t.Errorf("%s relevant when the requester is the person confirmed", id)
		}
	}
	mustSet(t, d, "for_other_person", "yes")
	if m := d.Missing(); !slices.Equal(m, requester) {
		t.Fatalf("Missing = %v, want %v", m, requester)
	}
	for _, kv := range scenarios["for other person"][1:] {
		mustSet(t, d, kv[0], kv[1])
	}
	dos, err := Finalize(d, finalizeInput())
	if err != nil {
		t.Fatal(err)
	}
	ids := fieldIDs(dos)
	for _, id := range requester {
		if !slices.Contains(ids, id) {
			t.Errorf("dossier lacks %s", id)
		}
	}
	if dos.Subject.ID != subjectID || dos.Subject.FullName != "Đỗ Văn Mẫu" {
		t.Errorf("subject became %+v", dos.Subject)
	}
	mustSet(t, d, "for_other_person", "no")
	dos, err = Finalize(d, finalizeInput())
	if err != nil {
		t.Fatal(err)
	}
	if ids := fieldIDs(dos); slices.Contains(ids, "requester_name") {
		t.Errorf("requester fields kept for self: %v", ids)
	}
}

func TestNoResidencePaper(t *testing.T) {
	// The residence declaration CT01 itself is a form, not a proof: what no
	// service may ask for are confirmations of residence and household books.
	forbidden := []string{"xác nhận cư trú", "xác nhận thông tin về cư trú", "ct07", "ct08", "hộ khẩu", "sổ tạm trú"}
	check := func(where, name string) {
		low := strings.ToLower(name)
		for _, f := range forbidden {
			if strings.Contains(low, f) {
				t.Errorf("%s: document %q mentions %q", where, name, f)
			}
		}
	}
	for _, s := range Catalog() {
		for _, p := range s.Procedures() {
			for _, d := range p.Documents {
				check(s.ID, d.Name)
			}
		}
	}
	for name := range scenarios {
		dos, err := Finalize(scenario(t, name), finalizeInput())
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range dos.Documents {
			check(name, d.Name)
		}
	}
	// And Load refuses a spec that asks for one.
	for _, doc := range []string{"Giấy xác nhận thông tin về cư trú (CT07)", "Bản sao sổ hộ khẩu", "Mẫu CT08"} {
		src := minimalSpec("") + fmt.Sprintf("\n[[procedures.documents]]\nname = %q\ncount = 1\n", doc)
		if _, err := Parse([]byte(src)); err == nil || !strings.Contains(err.Error(), "residence paper") {
			t.Errorf("Parse accepted document %q: %v", doc, err)
		}
	}
}

func TestDossierVersionJSONAndHash(t *testing.T) {
	d := prefilled(t)
	dos, err := Finalize(d, finalizeInput())
	if err != nil {
		t.Fatal(err)
	}
	if dos.SpecVersion != spec(t).Version || dos.SpecVersion == "" {
		t.Errorf("SpecVersion = %q", dos.SpecVersion)
	}
	b, err := json.Marshal(dos)
	if err != nil {
		t.Fatal(err)
	}
	var back Dossier
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.SpecVersion != dos.SpecVersion || back.IdempotencyKey != dos.IdempotencyKey || back.Subject != dos.Subject {
		t.Errorf("JSON round trip lost data: %+v", back)
	}
	h := dos.ContentHash()
	if !strings.HasPrefix(h, "sha256:") || back.ContentHash() != h {
		t.Errorf("hash %q changed across JSON: %q", h, back.ContentHash())
	}
	back.Status = StatusSubmitted
	back.IdempotencyKey = "other"
	if back.ContentHash() != h {
		t.Error("hash depends on status or idempotency key")
	}
	// Re-finalizing keeps the key; a changed value changes the hash.
	mustSet(t, d, "copies", "2")
	dos2, err := Finalize(d, finalizeInput())
	if err != nil {
		t.Fatal(err)
	}
	if dos2.IdempotencyKey != dos.IdempotencyKey {
		t.Error("idempotency key changed on re-finalize")
	}
	if dos2.ContentHash() == h {
		t.Error("hash did not change with a value")
	}
	other, err := Finalize(prefilled(t), finalizeInput())
	if err != nil {
		t.Fatal(err)
	}
	if other.IdempotencyKey == dos.IdempotencyKey {
		t.Error("two declarations share an idempotency key")
	}
	if other.ContentHash() != h {
		t.Error("same content, different hash")
	}
}

func TestFinalizeInputChecked(t *testing.T) {
	for name, mod := range map[string]func(*FinalizeInput){
		"no code":             func(in *FinalizeInput) { in.Code = "" },
		"no operator":         func(in *FinalizeInput) { in.Operator = "" },
		"no received time":    func(in *FinalizeInput) { in.ReceivedAt = time.Time{} },
		"appointment earlier": func(in *FinalizeInput) { in.Appointment = fixedNow.Add(-time.Hour) },
	} {
		in := finalizeInput()
		mod(&in)
		if _, err := Finalize(typed(t), in); !errors.Is(err, ErrFinalizeInput) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestPrefillSourcesResolve(t *testing.T) {
	in := prefillInput()
	r := in.Resident
	r.Spouse = &lookups.PersonRef{ID: spouseID, FullName: "Vũ Thị Ví Dụ", BirthDate: lookups.NewDate(1990, 1, 2)}
	r.Father = &lookups.PersonRef{ID: "001060111111", FullName: "Đỗ Văn Cha"}
	r.Mother = &lookups.PersonRef{ID: "001160222222", FullName: "Lê Thị Mẹ"}
	r.RelationToHead = "Chủ hộ"
	r.DeathDate = lookups.NewDate(2026, 1, 1)
	r.MaritalHistory = []lookups.MaritalEvent{{Kind: lookups.Married, Date: lookups.NewDate(2015, 5, 20),
		Spouse: *r.Spouse, Place: "UBND phường Ví Dụ"}}
	r.Household = &lookups.Household{FileNumber: "HS-001", Head: lookups.Member{PersonRef: lookups.PersonRef{ID: subjectID, FullName: "Đỗ Văn Mẫu"}}}
	r.Permanent.Since = lookups.NewDate(2010, 3, 4)
	r.Temporary.Since, r.Temporary.Until = lookups.NewDate(2025, 9, 1), lookups.NewDate(2027, 9, 1)
	pd := &PersonData{Card: in.Card, CardSource: SourceCard, Resident: r}
	for key := range cardKeys {
		if cardValue(pd, key) == "" {
			t.Errorf("card.%s resolved to nothing", key)
		}
	}
	for key := range dbKeys {
		if addressKeys[key] || key == "household.members" {
			if res, ok := residenceOf(r, key); key != "household.members" && (!ok || res == nil) {
				t.Errorf("db.%s resolved to nothing", key)
			}
			continue
		}
		if dbValue(r, key) == "" {
			t.Errorf("db.%s resolved to nothing", key)
		}
	}
	if res, _ := residenceOf(r, "residence"); res.Kind != lookups.Current {
		t.Errorf("db.residence should prefer the current place: %+v", res)
	}
	r.CurrentPlace = nil
	if res, _ := residenceOf(r, "residence"); res.Kind != lookups.Temporary {
		t.Errorf("db.residence without current place: %+v", res)
	}
}

func minimalSpec(relevant string) string {
	s := `id = "t"
name = "Thử"
version = "1"

[[procedures]]
id = "p"
name = "Thủ tục"
agency = "Ủy ban nhân dân cấp xã"

[[sections]]
id = "s"
title = "Mục"

[[sections.fields]]
id = "a"
type = "choice"
label = "A"
choices = [{ value = "x", label = "X" }, { value = "y", label = "Y" }]
`
	if relevant != "" {
		s += fmt.Sprintf("\n[[sections.fields]]\nid = \"b\"\ntype = \"text\"\nlabel = \"B\"\nrelevant = %q\n", relevant)
	}
	return s
}

func TestParseRejectsBadSpecs(t *testing.T) {
	if _, err := Parse([]byte(minimalSpec("a == 'x'"))); err != nil {
		t.Fatalf("good minimal spec rejected: %v", err)
	}
	field := func(body string) string { return minimalSpec("") + "\n[[sections.fields]]\nid = \"b\"\n" + body + "\n" }
	cases := []struct{ name, src, want string }{
		{"malformed relevant", minimalSpec("a == "), "field b"},
		{"unterminated string", minimalSpec("a == 'x"), "field b"},
		{"and without rhs", minimalSpec("a == 'x' and"), "field b"},
		{"unknown field in relevant", minimalSpec("zz == 'x'"), "field b"},
		{"self cycle", minimalSpec("b == 'x'"), "cycle"},
		{"unknown type", field("type = \"colour\"\nlabel = \"B\""), "field b"},
		{"unknown prefill", field("type = \"text\"\nlabel = \"B\"\nprefill = \"card.shoeSize\""), "field b"},
		{"unknown key", field("type = \"text\"\nlabel = \"B\"\nrequird = true"), "requird"},
		{"bad regex", field("type = \"text\"\nlabel = \"B\"\nconstraints = [{ kind = \"pattern\", params = { regex = \"(\" }, message = \"m\" }]"), "field b"},
		{"unknown constraint", field("type = \"text\"\nlabel = \"B\"\nconstraints = [{ kind = \"shiny\", message = \"m\" }]"), "field b"},
		{"constraint without message", field("type = \"date\"\nlabel = \"B\"\nconstraints = [{ kind = \"not_future\" }]"), "field b"},
		{"bad expr constraint", field("type = \"text\"\nlabel = \"B\"\nconstraints = [{ kind = \"expr\", params = { expr = \"a ==\" }, message = \"m\" }]"), "field b"},
		{"choice default not a choice", field("type = \"choice\"\nlabel = \"B\"\ndefault = \"z\"\nchoices = [{ value = \"x\", label = \"X\" }]"), "field b"},
		{"duplicate id", minimalSpec("") + "\n[[sections.fields]]\nid = \"a\"\ntype = \"text\"\nlabel = \"A2\"\n", "duplicate"},
		{"bad document relevant", minimalSpec("") + "\n[[procedures.documents]]\nname = \"Giấy\"\ncount = 1\nrelevant = \"a === 'x'\"\n", "Giấy"},
		{"no version", strings.Replace(minimalSpec(""), `version = "1"`, "", 1), "version"},
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

// A field whose relevance depends on a non-relevant field sees it as empty.
func TestRelevanceChain(t *testing.T) {
	src := minimalSpec("a == 'x'") + "\n[[sections.fields]]\nid = \"c\"\ntype = \"text\"\nlabel = \"C\"\nrequired = true\nrelevant = \"b == 'go'\"\n"
	s, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d := NewDeclaration(s, Env{})
	mustSet(t, d, "a", "x")
	mustSet(t, d, "b", "go")
	if !d.Relevant("c") || !slices.Equal(d.Missing(), []string{"c"}) {
		t.Fatalf("c should be relevant and missing: %v", d.Missing())
	}
	mustSet(t, d, "a", "y") // b is hidden, so c is too, though b still holds "go"
	if d.Relevant("b") || d.Relevant("c") || len(d.Missing()) != 0 {
		t.Errorf("chain not followed: b %v c %v missing %v", d.Relevant("b"), d.Relevant("c"), d.Missing())
	}
}

func BenchmarkValidateDeclaration(b *testing.B) {
	d := prefilled(b)
	mustSet(b, d, "for_other_person", "yes")
	mustSet(b, d, "confirm_period", "yes")
	b.ReportAllocs()
	for b.Loop() {
		_ = d.Set("requester_name", "Phạm Thị Thử")
		if len(d.Validate()) == 0 {
			b.Fatal("expected problems")
		}
	}
}

func TestNormalizeDate(t *testing.T) {
	today := lookups.NewDate(2026, time.December, 5)
	for in, want := range map[string]string{
		"28112026":   "28/11/2026",
		"281126":     "28/11/2026",
		"061226":     "06/12/1926", // tomorrow in 2026 is in the future: the latest past one is 1926
		"051226":     "05/12/2026",
		"140596":     "14/05/1996",
		"010130":     "01/01/1930",
		"31022020":   "31022020", // no such day: left for the date check
		"28/11/2026": "28/11/2026",
		"2811":       "2811",
		"abc":        "abc",
	} {
		if got := NormalizeDate(in, today); got != want {
			t.Errorf("NormalizeDate(%q) = %q, want %q", in, got, want)
		}
	}
}
