package forms

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"motcua/lookups"
	"motcua/lookups/sandbox"
)

var svcLoc = func() *time.Location {
	l, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		return time.FixedZone("ICT", 7*3600)
	}
	return l
}()

// svcNow is the fixed counter time of every service test: Monday 23/11/2026 10:00.
var svcNow = time.Date(2026, time.November, 23, 10, 0, 0, 0, svcLoc)

func svcEnv() Env {
	return Env{Agency: "Ủy ban nhân dân phường Ba Đình", Place: "Phường Ba Đình, Thành phố Hà Nội",
		Now: svcNow, Clock: func() time.Time { return svcNow }}
}

// personData builds what the counter has for a sandbox person: the card (when
// the person has one) and the database record.
func personData(t testing.TB, id string) PersonData {
	t.Helper()
	pop := sandbox.Default()
	r, ok := pop.Resident(id)
	if !ok {
		t.Fatalf("sandbox has no person %s", id)
	}
	p := PersonData{Resident: r, Origin: lookups.Origin{Source: SourceDatabase, FetchedAt: svcNow}, At: svcNow}
	if c, ok := pop.Card(id); ok {
		p.Card, p.CardSource = &c, SourceCard
	}
	return p
}

// findPerson scans the sandbox population in index order for the first person matching.
func findPerson(t testing.TB, what string, match func(r *lookups.Resident) bool) *lookups.Resident {
	t.Helper()
	pop := sandbox.Default()
	for i := 0; i < pop.Size(); i++ {
		if r := pop.Person(i); match(r) {
			return r
		}
	}
	t.Fatalf("sandbox has no %s", what)
	return nil
}

func procIDs(ps []Procedure) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func isAdultWithCard(r *lookups.Resident) bool {
	if !r.DeathDate.IsZero() {
		return false
	}
	_, ok := sandbox.Default().Card(r.Citizen.ID)
	return ok && r.Citizen.BirthDate.Year <= 2000
}

// people are the sandbox persons the service tests use, found once.
type people struct {
	mother, father     *lookups.Resident // married couple, mother of childbearing age with household
	deceased, relative *lookups.Resident // deceased with a living adult in the same household
	bride, groom       *lookups.Resident // never married adults
	single             *lookups.Resident // featured "single"
	mover              *lookups.Resident // adult with a household, not its head
	otherHead          *lookups.Resident // head of another household
}

func featured(t testing.TB, kind string) string {
	for _, f := range sandbox.Featured() {
		if f.Kind == kind {
			return f.ID
		}
	}
	t.Fatalf("no featured %s", kind)
	return ""
}

var (
	castOnce sync.Once
	castVal  people
)

func cast(t testing.TB) people {
	t.Helper()
	castOnce.Do(func() { castVal = findCast(t) })
	return castVal
}

func findCast(t testing.TB) people {
	t.Helper()
	pop := sandbox.Default()
	var p people
	p.mother = findPerson(t, "married mother", func(r *lookups.Resident) bool {
		return isAdultWithCard(r) && r.Citizen.Sex == lookups.Female && r.MaritalStatus == lookups.Married &&
			r.Citizen.BirthDate.Year >= 1986 && r.Spouse != nil && r.Spouse.ID != "" && r.Household != nil &&
			r.Permanent != nil && r.Household.Head.ID == r.Spouse.ID
	})
	p.father, _ = pop.Resident(p.mother.Spouse.ID)
	// The deceased (featured: database death date, has a card) and a living adult
	// relative of the same family as requester.
	p.deceased, _ = pop.Resident(featured(t, "deceased"))
	di, _ := pop.IndexOf(p.deceased.Citizen.ID)
	for i := max(0, di-15); i < di+15 && p.relative == nil; i++ {
		r := pop.Person(i)
		if r == nil || !isAdultWithCard(r) || r.Household == nil {
			continue
		}
		for _, ref := range []*lookups.PersonRef{r.Spouse, r.Father, r.Mother} {
			if ref != nil && ref.ID == p.deceased.Citizen.ID {
				p.relative = r
			}
		}
	}
	if p.relative == nil {
		t.Fatal("no living adult relative of the deceased")
	}
	p.bride = findPerson(t, "bride", func(r *lookups.Resident) bool {
		return isAdultWithCard(r) && r.Citizen.Sex == lookups.Female && r.MaritalStatus == lookups.NeverMarried && r.Citizen.BirthDate.Year >= 1990
	})
	p.groom = findPerson(t, "groom", func(r *lookups.Resident) bool {
		return isAdultWithCard(r) && r.Citizen.Sex == lookups.Male && r.MaritalStatus == lookups.NeverMarried && r.Citizen.BirthDate.Year >= 1990
	})
	p.single, _ = pop.Resident(featured(t, "single"))
	p.mover = findPerson(t, "mover", func(r *lookups.Resident) bool {
		return isAdultWithCard(r) && r.Household != nil && r.Household.Head.ID != r.Citizen.ID && r.Permanent != nil && r.Temporary == nil && len(r.Household.Members) >= 3
	})
	p.otherHead = findPerson(t, "other head", func(r *lookups.Resident) bool {
		return isAdultWithCard(r) && r.Household != nil && r.Household.Head.ID == r.Citizen.ID && r.Permanent != nil && r.Household.Head.ID != p.mover.Household.Head.ID
	})
	return p
}

// kv is one clerk action: Set(path, value); a value "-row" removes row n of the
// group path ("members.2"), "-rows" every row of the group, "+row" adds a row
// to the group; a path "@slot" fills that person slot with the sandbox person of ID value.
type kv struct{ path, value string }

type procWant struct {
	id, agency string
	days       int
}

type constraintCase struct {
	name string
	sets []kv
	path string // the field expected to carry the problem
	msg  string
}

type relevanceCase struct {
	name    string
	sets    []kv
	slots   map[string]string // slot -> sandbox ID (filled after sets)
	clear   []string          // slots cleared
	on, off []string          // paths relevant / not relevant afterwards
	procs   []string          // relevant procedures afterwards (nil: not checked)
	docs    []string          // documents afterwards (nil: not checked)
	valid   bool              // the declaration still validates (after extra sets)
}

type calcCase struct {
	name string
	sets []kv
	path string
	want string
}

type serviceCase struct {
	spec      string
	slots     func(c people) []kv // slot, sandbox ID, in counter order
	typed     func(c people) []kv // what the clerk types, in order
	procs     []procWant
	persons   []string // slots recorded in the dossier
	docs      []string // documents checklist of the valid declaration
	consts    []constraintCase
	relevance []relevanceCase
	calcs     []calcCase
	// keepRequired lists required fields whose clearing yields additional problems (path -> extra problem paths).
	extra map[string][]string
}

func fillSlot(t testing.TB, d *Declaration, slot, id string) {
	t.Helper()
	if err := d.FillPerson(slot, personData(t, id)); err != nil {
		t.Fatalf("fill %s: %v", slot, err)
	}
	resolvePending(t, d)
}

// resolvePending looks up the derived slots (household head, spouse) as the counter does.
func resolvePending(t testing.TB, d *Declaration) {
	t.Helper()
	for n := 0; n < 5; n++ {
		pp := d.PendingPersons()
		if len(pp) == 0 {
			return
		}
		for _, p := range pp {
			if err := d.FillPerson(p.Slot, personData(t, p.ID)); err != nil {
				t.Fatalf("fill pending %s: %v", p.Slot, err)
			}
		}
	}
}

func apply(t testing.TB, d *Declaration, sets []kv) {
	t.Helper()
	for _, s := range sets {
		if slot, ok := strings.CutPrefix(s.path, "@"); ok {
			id := s.value
			if id == "$mother" {
				id = cast(t).mother.Citizen.ID
			}
			fillSlot(t, d, slot, id)
			continue
		}
		if s.value == "+row" {
			if _, err := d.AddRow(s.path); err != nil {
				t.Fatalf("add row to %s: %v", s.path, err)
			}
			continue
		}
		if s.value == "-rows" {
			for d.Rows(s.path) > 0 {
				if err := d.RemoveRow(s.path, d.Rows(s.path)); err != nil {
					t.Fatalf("remove rows of %s: %v", s.path, err)
				}
			}
			continue
		}
		if s.value == "-row" {
			g, n, _ := strings.Cut(s.path, ".")
			var row int
			fmt.Sscan(n, &row)
			if err := d.RemoveRow(g, row); err != nil {
				t.Fatalf("remove row %s: %v", s.path, err)
			}
			continue
		}
		if err := d.Set(s.path, s.value); err != nil {
			t.Fatalf("Set(%s, %q): %v", s.path, s.value, err)
		}
	}
}

func (sc serviceCase) specOf(t testing.TB) *Spec {
	s, ok := Lookup(sc.spec)
	if !ok {
		t.Fatalf("no spec %s", sc.spec)
	}
	return s
}

// slotsOnly returns a declaration with the counter slots filled and nothing typed.
func (sc serviceCase) slotsOnly(t testing.TB) *Declaration {
	t.Helper()
	d := NewDeclaration(sc.specOf(t), svcEnv())
	for _, s := range sc.slots(cast(t)) {
		fillSlot(t, d, s.path, s.value)
	}
	return d
}

func (sc serviceCase) valid(t testing.TB) *Declaration {
	t.Helper()
	d := sc.slotsOnly(t)
	apply(t, d, sc.typed(cast(t)))
	return d
}

func svcFinalizeInput() FinalizeInput {
	return FinalizeInput{Code: "000.00.01.H01-261123-0001", Agency: "Ủy ban nhân dân phường Ba Đình",
		Counter: "Quầy 1", Operator: "canbo01", ReceivedAt: svcNow}
}

func problemPaths(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.FieldID+":"+p.Code)
	}
	return out
}

func docNamesOf(items []DocumentItem) []string {
	var out []string
	for _, d := range items {
		out = append(out, d.Name)
	}
	return out
}

func isResidencePaper(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "sổ hộ khẩu") || strings.Contains(n, "xác nhận cư trú") || strings.Contains(n, "giấy xác nhận thông tin về cư trú")
}

func runService(t *testing.T, sc serviceCase) {
	spec := sc.specOf(t)

	t.Run("valid", func(t *testing.T) {
		d := sc.valid(t)
		if p := d.Validate(); len(p) > 0 {
			t.Fatalf("valid declaration has problems: %v", p)
		}
		if m := d.Missing(); len(m) > 0 {
			t.Fatalf("valid declaration misses %v", m)
		}
		dos, err := Finalize(d, svcFinalizeInput())
		if err != nil {
			t.Fatalf("finalize: %v", err)
		}
		if dos.SpecVersion != spec.Version || dos.ServiceID != spec.ID {
			t.Errorf("dossier spec %s %s, want %s %s", dos.ServiceID, dos.SpecVersion, spec.ID, spec.Version)
		}
		var got []procWant
		for _, pr := range dos.Procedures {
			got = append(got, procWant{pr.ID, pr.Agency, pr.ProcessingDays})
			if len(pr.FieldIDs) == 0 {
				t.Errorf("procedure %s keeps no field", pr.ID)
			}
		}
		if !slices.Equal(got, sc.procs) {
			t.Errorf("procedures\n got %v\nwant %v", got, sc.procs)
		}
		var slots []string
		for _, p := range dos.Persons {
			slots = append(slots, p.Slot)
			if p.ID == "" || p.FullName == "" {
				t.Errorf("person %s without ID or name", p.Slot)
			}
		}
		if !slices.Equal(slots, sc.persons) {
			t.Errorf("persons %v, want %v", slots, sc.persons)
		}
		docs := docNamesOf(dos.Documents)
		if !slices.Equal(docs, sc.docs) {
			t.Errorf("documents\n got %q\nwant %q", docs, sc.docs)
		}
		seen := map[string]bool{}
		for _, n := range docs {
			if seen[n] {
				t.Errorf("document %q listed twice", n)
			}
			seen[n] = true
			if isResidencePaper(n) {
				t.Errorf("residence paper asked for: %q", n)
			}
		}
		typed, total := 0, 0
		var typedIDs []string
		for _, f := range dos.Fields {
			if strings.HasSuffix(f.ID, ".detail") || strings.HasSuffix(f.ID, ".ward") {
				continue
			}
			total++
			if f.Source == SourceClerk {
				typed++
				typedIDs = append(typedIDs, f.ID)
			}
		}
		t.Logf("%s: clerk typed %d of %d kept values: %v", spec.ID, typed, total, typedIDs)
	})

	t.Run("required", func(t *testing.T) {
		base := sc.valid(t)
		var paths []string
		for _, f := range spec.Fields() {
			if f.Type == TypeGroup {
				for n := 1; n <= base.Rows(f.ID); n++ {
					for _, s := range f.Sub {
						p := fmt.Sprintf("%s.%d.%s", f.ID, n, s.ID)
						if s.Required && !s.Calculated() && base.Relevant(p) {
							paths = append(paths, p)
						}
					}
				}
				continue
			}
			if f.Required && !f.Calculated() && base.Relevant(f.ID) {
				paths = append(paths, f.ID)
			}
		}
		if len(paths) == 0 {
			t.Fatal("no required field")
		}
		for _, p := range paths {
			d := sc.valid(t)
			f, _ := spec.Field(strings.SplitN(p, ".", 2)[0])
			err := d.Set(p, "")
			if f.Type == TypeAddress && err == nil {
				err = d.Set(p+".ward", "")
			}
			if errors.Is(err, ErrReadOnly) {
				continue // card/database value: cleared only by clearing the slot
			}
			if err != nil {
				t.Errorf("clear %s: %v", p, err)
				continue
			}
			want := append([]string{p + ":required"}, sc.extra[p]...)
			got := problemPaths(d.Validate())
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("clear %s: problems %v, want %v", p, got, want)
			}
			if m := d.Missing(); !slices.Contains(m, p) {
				t.Errorf("clear %s: Missing() = %v", p, m)
			}
			if _, err := Finalize(d, svcFinalizeInput()); err == nil {
				t.Errorf("clear %s: finalized anyway", p)
			}
		}
	})

	for _, c := range sc.consts {
		t.Run("constraint/"+c.name, func(t *testing.T) {
			d := sc.valid(t)
			apply(t, d, c.sets)
			var found bool
			for _, p := range d.Validate() {
				if p.FieldID == c.path && p.Message == c.msg {
					found = true
				}
			}
			if !found {
				t.Errorf("want %s: %q; got %v", c.path, c.msg, d.Validate())
			}
		})
	}

	for _, r := range sc.relevance {
		t.Run("relevance/"+r.name, func(t *testing.T) {
			d := sc.valid(t)
			for _, s := range r.clear {
				d.ClearPerson(s)
			}
			apply(t, d, r.sets)
			for slot, id := range r.slots {
				fillSlot(t, d, slot, id)
			}
			for _, p := range r.on {
				if !d.Relevant(p) {
					t.Errorf("%s not relevant", p)
				}
			}
			for _, p := range r.off {
				if d.Relevant(p) {
					t.Errorf("%s relevant", p)
				}
			}
			if r.procs != nil {
				if got := procIDs(d.Procedures()); !slices.Equal(got, r.procs) {
					t.Errorf("procedures %v, want %v", got, r.procs)
				}
			}
			if r.docs != nil {
				var names []string
				for _, doc := range d.Documents() {
					names = append(names, doc.Name)
				}
				if !slices.Equal(names, r.docs) {
					t.Errorf("documents\n got %q\nwant %q", names, r.docs)
				}
			}
			if r.valid {
				if p := d.Validate(); len(p) > 0 {
					t.Errorf("problems %v", p)
				}
				if _, err := Finalize(d, svcFinalizeInput()); err != nil {
					t.Errorf("finalize: %v", err)
				}
			}
		})
	}

	for _, c := range sc.calcs {
		t.Run("calc/"+c.name, func(t *testing.T) {
			d := sc.valid(t)
			apply(t, d, c.sets)
			if got := d.Value(c.path); got != c.want {
				t.Errorf("%s = %q, want %q", c.path, got, c.want)
			}
		})
	}

	t.Run("draft", func(t *testing.T) {
		d := sc.slotsOnly(t)
		typed := sc.typed(cast(t))
		half := len(typed) / 2
		apply(t, d, typed[:half])
		data, err := d.MarshalDraft()
		if err != nil {
			t.Fatal(err)
		}
		r, err := RestoreDraftFor(spec, data)
		if err != nil {
			t.Fatal(err)
		}
		r.SetClock(func() time.Time { return svcNow })
		for _, f := range spec.Fields() {
			if f.Type != TypeGroup && r.Value(f.ID) != d.Value(f.ID) {
				t.Errorf("restored %s = %q, want %q", f.ID, r.Value(f.ID), d.Value(f.ID))
			}
		}
		apply(t, r, typed[half:])
		if p := r.Validate(); len(p) > 0 {
			t.Fatalf("resumed declaration has problems: %v", p)
		}
		got, err := Finalize(r, svcFinalizeInput())
		if err != nil {
			t.Fatal(err)
		}
		want, err := Finalize(sc.valid(t), svcFinalizeInput())
		if err != nil {
			t.Fatal(err)
		}
		if got.SpecVersion != spec.Version {
			t.Errorf("spec version %q", got.SpecVersion)
		}
		gv, wv := map[string]string{}, map[string]string{}
		for _, f := range got.Fields {
			gv[f.ID] = f.Value + "|" + string(f.Source)
		}
		for _, f := range want.Fields {
			wv[f.ID] = f.Value + "|" + string(f.Source)
		}
		for k, v := range wv {
			if gv[k] != v {
				t.Errorf("resumed %s = %q, direct %q", k, gv[k], v)
			}
		}
		if len(gv) != len(wv) {
			t.Errorf("resumed keeps %d values, direct %d", len(gv), len(wv))
		}
	})
}

func ward(r *lookups.Resident) string     { return r.Permanent.Address.WardCode }
func province(r *lookups.Resident) string { return r.Permanent.Address.ProvinceCode }

const (
	agencyUBND    = "Ủy ban nhân dân cấp xã"
	agencyCAX     = "Công an cấp xã"
	agencyBHXH    = "Bảo hiểm xã hội cơ sở"
	agencyMaiTang = "Bảo hiểm xã hội cơ sở hoặc Ủy ban nhân dân cấp xã (theo chế độ của người đã chết)"
)

var serviceCases = []serviceCase{
	{
		spec:  "xac-nhan-tthn",
		slots: func(c people) []kv { return []kv{{"subject", c.single.Citizen.ID}} },
		typed: func(c people) []kv {
			return []kv{{"purpose", "other"}, {"purpose_other", "Bổ sung hồ sơ tuyển dụng"}}
		},
		procs:   []procWant{{"xac-nhan-tthn", "Ủy ban nhân dân cấp xã nơi người yêu cầu thường trú", 3}},
		persons: []string{"subject"},
		docs:    []string{"Tờ khai cấp Giấy xác nhận tình trạng hôn nhân"},
		consts: []constraintCase{
			{"copies", []kv{{"copies", "11"}}, "copies", "Số lượng bản phải từ 1 đến 10."},
			{"married to marry", []kv{{"marital_status", "married"}, {"spouse_name", "Nguyễn Văn Bình"}, {"purpose", "marry"}, {"partner_name", "Trần Văn Cường"}, {"marriage_place", "UBND xã"}},
				"purpose", "Người đang có vợ/chồng không được cấp giấy xác nhận để đăng ký kết hôn."},
			{"period order", []kv{{"confirm_period", "yes"}, {"period_from", "01/01/2020"}, {"period_to", "01/01/2019"}, {"period_place", "Hà Nội"}},
				"period_to", "Ngày kết thúc phải sau ngày bắt đầu."},
		},
		relevance: []relevanceCase{
			{name: "for other person", sets: []kv{{"for_other_person", "yes"}}, on: []string{"requester_name", "requester_id", "requester_relation"}},
			{name: "for self", off: []string{"requester_name", "requester_id", "period_from", "partner_name", "spouse_name"}, on: []string{"purpose_other"}},
			{name: "marry", sets: []kv{{"purpose", "marry"}}, on: []string{"partner_name", "marriage_place"}, off: []string{"purpose_other"}},
			{name: "divorced document", sets: []kv{{"marital_status", "divorced"}},
				docs: []string{"Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", "Bản sao bản án/quyết định ly hôn đã có hiệu lực pháp luật"}},
		},
	},
	{
		spec:    "ket-hon",
		slots:   func(c people) []kv { return []kv{{"wife", c.bride.Citizen.ID}, {"husband", c.groom.Citizen.ID}} },
		typed:   func(c people) []kv { return nil },
		procs:   []procWant{{"ket-hon", agencyUBND, 0}},
		persons: []string{"wife", "husband"},
		consts: []constraintCase{
			{"wife married", []kv{{"@wife", "$mother"}}, "wife_marital_status",
				"Bên nữ đang có vợ/chồng theo Cơ sở dữ liệu: không được đăng ký kết hôn (Luật Hôn nhân và gia đình, Điều 5)."},
			{"marriage count", []kv{{"husband_marriage_count", "2"}}, "husband_marriage_count",
				"Lần kết hôn không khớp tình trạng hôn nhân: chưa kết hôn thì là lần 1, đã ly hôn hoặc vợ/chồng đã chết thì từ lần 2."},
			{"husband under 20", []kv{{"husband_birth_date", "01/01/2008"}}, "husband_birth_date",
				"Bên nam chưa đủ 20 tuổi: chưa đủ tuổi kết hôn (Luật Hôn nhân và gia đình, Điều 8)."},
		},
		calcs: []calcCase{{"issue place 2021 card", nil, "wife_id_issue_place", "Cục Cảnh sát quản lý hành chính về trật tự xã hội"}},
	},
	{
		spec: "khai-sinh",
		slots: func(c people) []kv {
			return []kv{{"requester", c.mother.Citizen.ID}, {"mother", c.mother.Citizen.ID}, {"father", c.father.Citizen.ID}}
		},
		typed: func(c people) []kv {
			return []kv{{"child_name", "Bùi Minh An"}, {"child_birth_date", "10/11/2026"}, {"child_sex", "Nam"},
				{"child_birth_place.ward", ward(c.mother)}, {"child_birth_place.detail", "Trạm y tế xã"},
				{"marriage_cert_number", "12"}, {"marriage_cert_date", "15/03/2012"}, {"marriage_cert_place", "Ủy ban nhân dân xã"}}
		},
		procs:   []procWant{{"khai-sinh", agencyUBND, 0}},
		persons: []string{"requester", "mother", "father"},
		docs:    []string{"Giấy chứng sinh (hoặc văn bản xác nhận của người làm chứng, giấy cam đoan về việc sinh)"},
		consts: []constraintCase{
			{"birth in future", []kv{{"child_birth_date", "24/11/2026"}}, "child_birth_date", "Ngày sinh không được sau ngày hôm nay."},
			{"name with digits", []kv{{"child_name", "Bùi An 2"}}, "child_name", "Họ tên chỉ gồm chữ cái và khoảng trắng."},
			{"copies", []kv{{"want_copies", "yes"}, {"copies", "0"}}, "copies", "Số lượng bản sao phải từ 1 đến 10."},
		},
		calcs: []calcCase{
			{"date in words", nil, "child_birth_date_words", "Ngày mười tháng mười một năm hai nghìn không trăm hai mươi sáu"},
			{"requester is the mother", nil, "requester_relation", "Mẹ"},
		},
		relevance: []relevanceCase{
			{name: "no father", clear: []string{"father"}, off: []string{"father_name", "father_id"}, on: []string{"marriage_cert_number"}, valid: true},
			{name: "mother single", sets: []kv{{"mother_marital_status", "single"}}, clear: []string{"father"},
				off: []string{"marriage_cert_number", "marriage_cert_date", "marriage_cert_place"}, valid: true},
		},
	},
	{
		spec: "lien-thong-khai-sinh",
		slots: func(c people) []kv {
			return []kv{{"requester", c.mother.Citizen.ID}, {"mother", c.mother.Citizen.ID}, {"father", c.father.Citizen.ID}}
		},
		typed: func(c people) []kv {
			return []kv{{"child_name", "Bùi Minh An"}, {"child_birth_date", "10/11/2026"}, {"child_sex", "Nam"},
				{"child_birth_place.ward", ward(c.mother)}, {"child_birth_place.detail", "Trạm y tế xã"},
				{"marriage_cert_number", "12"}, {"marriage_cert_date", "15/03/2012"}, {"marriage_cert_place", "Ủy ban nhân dân xã"},
				{"owner_kind", "head"}, {"head_opinion", "on_form"}, {"bhyt_clinic", "Trạm y tế xã"}}
		},
		procs:   []procWant{{"khai-sinh", agencyUBND, 1}, {"thuong-tru", agencyCAX, 3}, {"bhyt", agencyBHXH, 3}},
		persons: []string{"requester", "mother", "father", "head_m"},
		docs:    []string{"Giấy chứng sinh (hoặc văn bản xác nhận của người làm chứng, giấy cam đoan về việc sinh)"},
		consts: []constraintCase{
			{"birth in future", []kv{{"child_birth_date", "24/11/2026"}}, "child_birth_date", "Ngày sinh không được sau ngày hôm nay."},
			{"name with digits", []kv{{"child_name", "Bùi An 2"}}, "child_name", "Họ tên chỉ gồm chữ cái và khoảng trắng."},
			{"copies", []kv{{"want_copies", "yes"}, {"copies", "0"}}, "copies", "Số lượng bản sao phải từ 1 đến 10."},
		},
		calcs: []calcCase{
			{"date in words", nil, "child_birth_date_words", "Ngày mười tháng mười một năm hai nghìn không trăm hai mươi sáu"},
			{"requester is the mother", nil, "requester_relation", "Mẹ"},
			{"relation to head", nil, "relation_to_head", "Con"},
			{"request text", nil, "request_text", "Đăng ký thường trú cho trẻ Bùi Minh An tại Thôn 6, Xã Sín Chéng, Lào Cai"},
		},
		relevance: []relevanceCase{
			{name: "child under 6", on: []string{"bhyt_clinic"}, procs: []string{"khai-sinh", "thuong-tru", "bhyt"}},
			{name: "child born 7 years ago", sets: []kv{{"child_birth_date", "10/11/2019"}}, off: []string{"bhyt_clinic", "bhyt_guardian"},
				procs: []string{"khai-sinh", "thuong-tru"}, docs: []string{"Giấy chứng sinh (hoặc văn bản xác nhận của người làm chứng, giấy cam đoan về việc sinh)"}, valid: true},
			{name: "residence with father", sets: []kv{{"residence_with", "father"}}, on: []string{"father_relation_to_head"}, off: []string{"mother_relation_to_head"}},
			{name: "owner other person", sets: []kv{{"owner_kind", "other_person"}}, on: []string{"owner_name", "owner_id", "owner_opinion"}},
			{name: "no father", clear: []string{"father"}, off: []string{"father_name"}, procs: []string{"khai-sinh", "thuong-tru", "bhyt"}},
		},
	},
	{
		spec: "khai-tu",
		slots: func(c people) []kv {
			return []kv{{"requester", c.relative.Citizen.ID}, {"deceased", c.deceased.Citizen.ID}}
		},
		typed: func(c people) []kv {
			return []kv{{"death_place.ward", ward(c.deceased)}, {"death_place.detail", "Tại nhà riêng"}, {"death_cause", "Bệnh già"},
				{"death_notice_date", "03/01/2022"}, {"death_notice_issuer", "Trạm y tế xã"}}
		},
		procs:   []procWant{{"khai-tu", agencyUBND, 0}},
		persons: []string{"requester", "deceased"},
		docs:    []string{"Giấy báo tử hoặc giấy tờ thay thế Giấy báo tử"},
		consts: []constraintCase{
			{"notice before death", []kv{{"death_notice_date", "01/01/2022"}}, "death_notice_date", "Ngày cấp giấy báo tử không được trước ngày chết."},
			{"death time", []kv{{"death_time", "25:00"}}, "death_time", "Giờ chết ghi dạng giờ:phút, ví dụ 14:30."},
		},
		calcs: []calcCase{{"requester is a child", nil, "requester_relation", "Con"}},
		relevance: []relevanceCase{
			{name: "relative", on: []string{"requester_relation"}, off: []string{"requester_relation_other", "copies"}},
			{name: "copies", sets: []kv{{"want_copies", "yes"}}, on: []string{"copies"}, valid: true},
		},
	},
	{
		spec: "lien-thong-khai-tu",
		slots: func(c people) []kv {
			return []kv{{"requester", c.relative.Citizen.ID}, {"deceased", c.deceased.Citizen.ID}}
		},
		typed: func(c people) []kv {
			return []kv{{"death_place.ward", ward(c.deceased)}, {"death_place.detail", "Tại nhà riêng"}, {"death_cause", "Bệnh già"},
				{"death_notice_date", "03/01/2022"}, {"death_notice_issuer", "Trạm y tế xã"}, {"allowance_regime", "bhxh"}}
		},
		procs:   []procWant{{"khai-tu", agencyUBND, 0}, {"xoa-thuong-tru", agencyCAX, 1}, {"tro-cap-mai-tang", agencyMaiTang, 3}},
		persons: []string{"requester", "deceased"},
		docs:    []string{"Giấy báo tử hoặc giấy tờ thay thế Giấy báo tử"},
		consts: []constraintCase{
			{"notice before death", []kv{{"death_notice_date", "01/01/2022"}}, "death_notice_date", "Ngày cấp giấy báo tử không được trước ngày chết."},
			{"bank account", []kv{{"payment_method", "bank"}, {"bank_account", "12ab"}, {"bank_name", "Ngân hàng"}}, "bank_account", "Số tài khoản gồm 6 đến 20 chữ số."},
		},
		calcs: []calcCase{
			{"receiver is the requester", nil, "receiver_relation", "Con"},
		},
		relevance: []relevanceCase{
			{name: "no allowance", sets: []kv{{"allowance_regime", "none"}}, procs: []string{"khai-tu", "xoa-thuong-tru"},
				off: []string{"payment_method", "receiver_same", "bank_account"}, valid: true},
			{name: "bank payment", sets: []kv{{"payment_method", "bank"}}, on: []string{"bank_account", "bank_name"}},
			{name: "other receiver", sets: []kv{{"receiver_same", "no"}}, on: []string{"receiver_other_name", "receiver_other_id"}},
		},
	},
	{
		spec: "thuong-tru",
		slots: func(c people) []kv {
			return []kv{{"applicant", c.mover.Citizen.ID}}
		},
		typed: func(c people) []kv {
			return []kv{{"addressee", "Công an phường Ba Đình"}, {"reg_case", "join_relative"},
				{"new_province", province(c.otherHead)}, {"new_ward", ward(c.otherHead)}, {"new_detail", c.otherHead.Permanent.Address.Detail},
				{"household_mode", "join"}, {"@head", c.otherHead.Citizen.ID}, {"relation_to_head", "Con"},
				{"dwelling_basis", "gcn"}, {"owner_kind", "head"}, {"head_opinion", "on_form"}, {"owner_opinion", "on_form"},
				{"members.3", "-row"}, {"members.1", "-row"}, {"members.1.moving", "yes"}}
		},
		procs:   []procWant{{"thuong-tru", agencyCAX, 7}},
		persons: []string{"applicant", "head"},
		docs:    []string{"Tờ khai thay đổi thông tin cư trú (Mẫu CT01)"},
		consts: []constraintCase{
			{"rented needs lease", []kv{{"reg_case", "rented"}}, "dwelling_basis", "Chỗ ở thuê, mượn, ở nhờ phải có hợp đồng hoặc văn bản cho thuê, cho mượn, cho ở nhờ."},
			{"new household head owner", []kv{{"household_mode", "new"}}, "owner_kind", "Khi lập hộ mới, người đề nghị là chủ hộ: chọn \"Người đề nghị\"."},
		},
		relevance: []relevanceCase{
			{name: "new household", sets: []kv{{"household_mode", "new"}, {"reg_case", "own_home"}, {"owner_kind", "applicant"}}, clear: []string{"head"},
				off: []string{"head_name", "head_id", "head_opinion", "owner_opinion"}, on: []string{"head_name_self"}, valid: true},
			{name: "members moving", on: []string{"members.1.moving"}},
		},
	},
	{
		spec: "tam-tru",
		slots: func(c people) []kv {
			return []kv{{"applicant", c.mover.Citizen.ID}}
		},
		typed: func(c people) []kv {
			return []kv{{"addressee", "Công an phường Ba Đình"}, {"reg_case", "rented"},
				{"new_province", province(c.otherHead)}, {"new_ward", ward(c.otherHead)}, {"new_detail", c.otherHead.Permanent.Address.Detail},
				{"stay_to", "23/11/2027"}, {"household_mode", "new"},
				{"dwelling_basis", "lease"}, {"owner_kind", "other_person"}, {"@owner", c.otherHead.Citizen.ID}, {"owner_opinion", "on_form"},
				{"members.3", "-row"}, {"members.2", "-row"}, {"members.1", "-row"}}
		},
		procs:   []procWant{{"tam-tru", agencyCAX, 3}},
		persons: []string{"applicant", "owner"},
		docs:    []string{"Tờ khai thay đổi thông tin cư trú (Mẫu CT01)", "Hợp đồng hoặc văn bản cho thuê, cho mượn, cho ở nhờ chỗ ở hợp pháp"},
		consts: []constraintCase{
			{"end before start", []kv{{"stay_to", "01/11/2026"}}, "stay_to", "Ngày kết thúc tạm trú phải sau ngày bắt đầu."},
			{"more than two years", []kv{{"stay_to", "24/12/2028"}}, "stay_to", "Thời hạn tạm trú tối đa 02 năm: chọn ngày kết thúc không quá 02 năm kể từ hôm nay."},
			{"start in the past", []kv{{"stay_from", "01/11/2026"}}, "stay_from", "Ngày bắt đầu tạm trú không được trước ngày hôm nay."},
		},
		calcs: []calcCase{{"request text", nil, "request_text", "Đăng ký tạm trú từ ngày 23/11/2026 đến ngày 23/11/2027"}},
		relevance: []relevanceCase{
			{name: "dwelling in database", sets: []kv{{"dwelling_in_db", "yes"}}, docs: []string{"Tờ khai thay đổi thông tin cư trú (Mẫu CT01)"}, valid: true},
			{name: "owner organization", clear: []string{"owner"},
				// the household rows the clerk removed stay removed (TestGroupPrefillKeepsRowsRemoved)
				sets: []kv{{"owner_kind", "organization"}, {"owner_org_name", "Công ty TNHH Nhà ở"}},
				off:  []string{"owner_name", "owner_id"}, on: []string{"owner_org_name"}, valid: true},
		},
	},
	{
		spec: "tam-vang",
		slots: func(c people) []kv {
			return []kv{{"person", c.mover.Citizen.ID}}
		},
		typed: func(c people) []kv {
			return []kv{{"addressee", "Công an phường Ba Đình"}, {"absence_case", "c"}, {"absence_to", "23/05/2027"},
				{"dest_province", province(c.otherHead)}, {"dest_ward", ward(c.otherHead)}, {"dest_detail", c.otherHead.Permanent.Address.Detail},
				{"absence_reason", "Đi làm việc theo hợp đồng"},
				{"members.3", "-row"}, {"members.2", "-row"}, {"members.1", "-row"}}
		},
		procs:   []procWant{{"tam-vang", agencyCAX, 1}},
		persons: []string{"person", "head"},
		docs:    []string{"Tờ khai thay đổi thông tin cư trú (Mẫu CT01)"},
		consts: []constraintCase{
			{"end before start", []kv{{"absence_to", "01/11/2026"}}, "absence_to", "Ngày kết thúc tạm vắng phải sau ngày bắt đầu."},
			{"reason too short", []kv{{"absence_reason", "đi"}}, "absence_reason", "Lý do tạm vắng từ 3 đến 200 ký tự."},
			{"declare before leaving", []kv{{"absence_case", "a"}, {"absence_from", "01/11/2026"}}, "absence_from", "Trường hợp này phải khai báo trước khi đi: ngày bắt đầu không được trước hôm nay."},
		},
		calcs: []calcCase{{"request text", nil, "request_text", "Khai báo tạm vắng từ ngày 23/11/2026 đến ngày 23/05/2027 - lý do: Đi làm việc theo hợp đồng"}},
		relevance: []relevanceCase{
			{name: "adult: no declarant", off: []string{"declarant_name", "declarant_id"}},
		},
	},
}

func TestServices(t *testing.T) {
	for _, sc := range serviceCases {
		t.Run(sc.spec, func(t *testing.T) { runService(t, sc) })
	}
}

// TestGroupPrefillKeepsRowsRemoved: the clerk removes every household row
// of a group prefilled from <slot>.db.household.members (nobody moves along),
// then fills or clears another slot (the owner): the removed rows must not
// come back.
func TestGroupPrefillKeepsRowsRemoved(t *testing.T) {
	sc := serviceCases[slices.IndexFunc(serviceCases, func(c serviceCase) bool { return c.spec == "tam-tru" })]
	d := sc.valid(t)
	if n := d.Rows("members"); n != 0 {
		t.Fatalf("valid declaration has %d member rows", n)
	}
	d.ClearPerson("owner")
	if n := d.Rows("members"); n != 0 {
		t.Errorf("after clearing the owner slot the group has %d rows again, want 0", n)
	}
}

// BenchmarkRevalidateBirthBundle is the catalog's largest bundle (birth +
// permanent residence + BHYT card), complete, re-validated after one
// keystroke in the child's name: what the counter does on every key.
func BenchmarkRevalidateBirthBundle(b *testing.B) {
	sc := serviceCases[slices.IndexFunc(serviceCases, func(c serviceCase) bool { return c.spec == "lien-thong-khai-sinh" })]
	d := sc.valid(b)
	vals := [2]string{"Bùi Ngọc Ánh", "Bùi Ngọc Ánhh"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if err := d.Set("child_name", vals[i%2]); err != nil {
			b.Fatal(err)
		}
		if p := d.Validate(); len(p) != 0 {
			b.Fatal(p)
		}
	}
}
