package sandbox

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"motcua/lookups"
	"motcua/lookups/pid"
	"motcua/lookups/vntext"
)

func TestDeterministic(t *testing.T) {
	a, b := New(42, 5000), New(42, 5000)
	c := New(43, 5000)
	same := 0
	for _, i := range []int{0, 1, 17, 999, 2500, 4999} {
		ja, _ := json.Marshal(a.Person(i))
		jb, _ := json.Marshal(b.Person(i))
		jc, _ := json.Marshal(c.Person(i))
		if string(ja) != string(jb) {
			t.Errorf("person %d differs between two populations of the same seed", i)
		}
		if string(ja) == string(jc) {
			same++
		}
	}
	if same > 0 {
		t.Errorf("%d persons identical across different seeds", same)
	}
	if a.Size() != 5000 || New(1, 0).Size() != 1 || New(1, MaxSize+5).Size() != MaxSize {
		t.Errorf("sizes: %d %d %d", a.Size(), New(1, 0).Size(), New(1, MaxSize+5).Size())
	}
}

func TestDefaultAddressable(t *testing.T) {
	p := Default()
	if p.Size() < 100_000 {
		t.Fatalf("Default size %d < 100000", p.Size())
	}
	idx := []int{0, 1, 2, 3, 12345, 50_000, 77_777, p.Size() - 2, p.Size() - 1}
	for i := 0; i < p.Size(); i += 997 {
		idx = append(idx, i)
	}
	for _, i := range idx {
		r := p.Person(i)
		if r == nil {
			t.Fatalf("Person(%d) nil", i)
		}
		got, ok := p.Resident(r.Citizen.ID)
		if !ok || !reflect.DeepEqual(got, r) {
			t.Fatalf("Resident(Person(%d).ID) does not round-trip", i)
		}
		if j, ok := p.IndexOf(r.Citizen.ID); !ok || j != i {
			t.Fatalf("IndexOf(Person(%d).ID) = %d, %v", i, j, ok)
		}
		if err := pid.Validate(r.Citizen.ID, r.Citizen.BirthDate, r.Citizen.Sex); err != nil {
			t.Fatalf("person %d: invalid ID: %v", i, err)
		}
	}
	if p.Person(-1) != nil || p.Person(p.Size()) != nil {
		t.Error("Person out of range should be nil")
	}
}

func TestNotFound(t *testing.T) {
	p := New(7, 1000)
	id := p.Person(10).Citizen.ID
	seqOut := id[:6] + "001000" // index == size
	otherYear := id[:4] + string('0'+(id[4]-'0'+1)%10) + id[5:]
	otherProv := "099" + id[3:]
	for _, bad := range []string{"", "123", "abcdefghijkl", seqOut, otherYear, otherProv, id + "0"} {
		if _, ok := p.Resident(bad); ok {
			t.Errorf("Resident(%q) found", bad)
		}
		if _, ok := p.Card(bad); ok {
			t.Errorf("Card(%q) found", bad)
		}
	}
}

// TestAllValid walks a whole population: IDs, household consistency, cards.
// make soak walks the whole default population.
func TestAllValid(t *testing.T) {
	p := New(DefaultSeed+1, 30_000)
	if os.Getenv("MOTCUA_SOAK") != "" {
		p = Default()
	}
	counts := map[string]int{}
	for h := 0; h < p.Households(); h++ {
		ms := p.household(h)
		byID := map[string]member{}
		for _, m := range ms {
			byID[m.res.Citizen.ID] = m
		}
		for k, m := range ms {
			r := m.res
			c := r.Citizen
			if err := pid.Validate(c.ID, c.BirthDate, c.Sex); err != nil {
				t.Fatalf("household %d slot %d: %v", h, k, err)
			}
			if !c.BirthDate.Valid() || RefDate.Before(c.BirthDate) {
				t.Fatalf("%s: bad birth date %v", c.ID, c.BirthDate)
			}
			if c.FullName != vntext.NFC(c.FullName) || len(strings.Fields(c.FullName)) < 3 {
				t.Fatalf("%s: bad name %q", c.ID, c.FullName)
			}
			counts[string(r.MaritalStatus)]++
			if k == 0 && r.RelationToHead != "Chủ hộ" {
				t.Fatalf("%s: slot 0 is %q", c.ID, r.RelationToHead)
			}
			// Household: the living are listed, the dead are not.
			if r.Deceased() {
				counts["deceased"]++
				if r.Household != nil {
					t.Fatalf("%s: deceased but listed in a household", c.ID)
				}
				if r.DeathDate.Before(c.BirthDate) || RefDate.Before(r.DeathDate) {
					t.Fatalf("%s: death date %v out of range", c.ID, r.DeathDate)
				}
			} else {
				hh := r.Household
				if hh == nil || hh.Head.Relation != "Chủ hộ" || hh.Head.ID != ms[0].res.Citizen.ID {
					t.Fatalf("%s: bad household head", c.ID)
				}
				in := false
				for _, mem := range hh.Members {
					o, ok := byID[mem.ID]
					if !ok || o.res.Citizen.FullName != mem.FullName || o.res.RelationToHead != mem.Relation || o.res.Deceased() {
						t.Fatalf("%s: household member %s does not match a living person", c.ID, mem.ID)
					}
					in = in || mem.ID == c.ID
				}
				if !in {
					t.Fatalf("%s: not in own household", c.ID)
				}
				if hh.Address != r.Permanent.Address {
					t.Fatalf("%s: household address differs from permanent residence", c.ID)
				}
			}
			if r.Permanent == nil || r.Permanent.Address.WardCode == "" || r.Permanent.Legacy.Ward == "" {
				t.Fatalf("%s: missing permanent residence", c.ID)
			}
			if m.oldSplit {
				counts["split"]++
			}
			// Parents in the household: real persons, 18-40 years older, right sex.
			for _, pr := range []*lookups.PersonRef{r.Father, r.Mother} {
				if pr == nil || pr.ID == "" {
					continue
				}
				o, ok := byID[pr.ID]
				if !ok || o.res.Citizen.FullName != pr.FullName || o.res.Citizen.BirthDate != pr.BirthDate || o.res.Citizen.Sex != pr.Sex {
					t.Fatalf("%s: parent ref %s does not match", c.ID, pr.ID)
				}
				gap := c.BirthDate.Year - pr.BirthDate.Year
				if gap < 18 || gap > 40 {
					t.Fatalf("%s: parent %d years older", c.ID, gap)
				}
			}
			if r.Father != nil && r.Father.Sex != lookups.Male || r.Mother != nil && r.Mother.Sex != lookups.Female {
				t.Fatalf("%s: parent of the wrong sex", c.ID)
			}
			// Marriage.
			switch r.MaritalStatus {
			case lookups.Married:
				if r.Spouse == nil || len(r.MaritalHistory) == 0 {
					t.Fatalf("%s: married without spouse", c.ID)
				}
				o, ok := byID[r.Spouse.ID]
				if !ok || o.res.Citizen.Sex == c.Sex {
					t.Fatalf("%s: spouse not in the household", c.ID)
				}
				if o.res.MaritalStatus == lookups.Married && (o.res.Spouse == nil || o.res.Spouse.ID != c.ID) {
					t.Fatalf("%s: spouse refs are not mutual", c.ID)
				}
				if o.res.MaritalStatus == lookups.Widowed && o.res.MaritalHistory[len(o.res.MaritalHistory)-1].Spouse.ID != c.ID {
					t.Fatalf("%s: widowed spouse names someone else", c.ID)
				}
				if o.res.MaritalStatus != lookups.Married && o.res.MaritalStatus != lookups.Widowed {
					t.Fatalf("%s: spouse status %s", c.ID, o.res.MaritalStatus)
				}
				if o.res.MaritalStatus == lookups.Widowed && !r.Deceased() {
					t.Fatalf("%s: spouse widowed but person alive", c.ID)
				}
			case lookups.Divorced:
				if r.Spouse != nil || len(r.MaritalHistory) != 2 || r.MaritalHistory[1].Kind != lookups.Divorced ||
					!r.MaritalHistory[0].Date.Before(r.MaritalHistory[1].Date) {
					t.Fatalf("%s: inconsistent divorce", c.ID)
				}
			case lookups.Widowed:
				last := r.MaritalHistory[len(r.MaritalHistory)-1]
				if r.Spouse != nil || last.Kind != lookups.Widowed {
					t.Fatalf("%s: inconsistent widowhood", c.ID)
				}
				if o, ok := byID[last.Spouse.ID]; ok && (!o.res.Deceased() || o.res.DeathDate != last.Date) {
					t.Fatalf("%s: late spouse not recorded dead on the widowhood date", c.ID)
				}
			case lookups.NeverMarried:
				if r.Spouse != nil || len(r.MaritalHistory) != 0 {
					t.Fatalf("%s: single with a marital history", c.ID)
				}
			default:
				t.Fatalf("%s: status %q", c.ID, r.MaritalStatus)
			}
			for _, e := range r.MaritalHistory {
				if e.Kind == lookups.Married && ageAt(c.BirthDate, e.Date) < 18 {
					t.Fatalf("%s: married at %d", c.ID, ageAt(c.BirthDate, e.Date))
				}
			}
			// Temporary residence.
			if r.Temporary != nil {
				counts["temporary"]++
				if r.CurrentPlace == nil || r.Temporary.Address.WardCode == r.Permanent.Address.WardCode ||
					!r.Temporary.Since.Before(r.Temporary.Until) {
					t.Fatalf("%s: inconsistent temporary residence", c.ID)
				}
			}
			// Card.
			age := ageAt(c.BirthDate, RefDate)
			if m.card == nil {
				if age >= 15 && !r.Deceased() {
					t.Fatalf("%s: adult of %d without card", c.ID, age)
				}
				continue
			}
			cd := *m.card
			if age < 14 {
				t.Fatalf("%s: card at %d", c.ID, age)
			}
			if !vntext.Equal(cd.FullName, c.FullName) {
				t.Fatalf("%s: card name %q vs %q", c.ID, cd.FullName, c.FullName)
			}
			if cd.FullName != c.FullName {
				counts["tone"]++
			}
			if cd.ID != c.ID || cd.IssueDate != c.IssueDate || cd.CardAddress == "" || ageAt(c.BirthDate, cd.IssueDate) < 14 {
				t.Fatalf("%s: inconsistent card", c.ID)
			}
			if cd.ExpiryText == "" && !cd.IssueDate.Before(cd.ExpiryDate) || cd.ExpiryText != "" && !cd.ExpiryDate.IsZero() {
				t.Fatalf("%s: card expiry %v / %q", c.ID, cd.ExpiryDate, cd.ExpiryText)
			}
			wantKind := lookups.CardCCCD2021
			if !cd.IssueDate.Before(canCuocFrom) {
				wantKind = lookups.CardCC2024
			}
			if cd.CardKind != wantKind {
				t.Fatalf("%s: card kind %s issued %v", c.ID, cd.CardKind, cd.IssueDate)
			}
			if cd.IssueDate.Before(reformFrom) && cd.CardAddress != r.Permanent.Legacy.String() {
				t.Fatalf("%s: card issued before the reform should print the old address", c.ID)
			}
			if cd.OldID != "" {
				if err := pid.ValidateOld(cd.OldID); err != nil {
					t.Fatalf("%s: old ID: %v", c.ID, err)
				}
			}
		}
	}
	for _, k := range []string{"single", "married", "divorced", "widowed", "deceased", "temporary", "split", "tone"} {
		if counts[k] < 30 {
			t.Errorf("only %d persons of kind %q in %d", counts[k], k, p.Size())
		}
	}
	t.Logf("counts: %v", counts)
}

func TestExpiry(t *testing.T) {
	b := lookups.NewDate(2000, 5, 10)
	tests := []struct {
		issue lookups.Date
		want  lookups.Date
		text  string
	}{
		{lookups.NewDate(2021, 1, 1), lookups.NewDate(2025, 5, 10), ""}, // 20 -> 25
		{lookups.NewDate(2023, 6, 1), lookups.NewDate(2040, 5, 10), ""}, // 23 (within 2 years of 25) -> 40
		{lookups.NewDate(2038, 6, 1), lookups.NewDate(2060, 5, 10), ""}, // 38 -> 60
		{lookups.NewDate(2059, 6, 1), lookups.Date{}, "Không thời hạn"}, // 59
	}
	for _, tt := range tests {
		got, text := expiry(b, tt.issue)
		if got != tt.want || text != tt.text {
			t.Errorf("expiry(issued %v) = %v %q, want %v %q", tt.issue, got, text, tt.want, tt.text)
		}
	}
}

func TestRestyle(t *testing.T) {
	tests := []struct{ in, old, new string }{
		{"Nguyễn Thị Thủy", "Nguyễn Thị Thuỷ", "Nguyễn Thị Thủy"},
		{"Lê Văn Hòa", "Lê Văn Hoà", "Lê Văn Hòa"},
		{"Hoàng Văn Toàn", "Hoàng Văn Toàn", "Hoàng Văn Toàn"},
		{"Trần Thị Thùy", "Trần Thị Thuỳ", "Trần Thị Thùy"},
	}
	for _, tt := range tests {
		if got := restyle(tt.in, true); got != tt.old {
			t.Errorf("restyle(%q, old) = %q", tt.in, got)
		}
		if got := restyle(tt.old, false); got != tt.new {
			t.Errorf("restyle(%q, new) = %q", tt.old, got)
		}
	}
	if hasToneVariant("Hoàng Văn Toàn") || !hasToneVariant("Lê Văn Hoà") {
		t.Error("hasToneVariant")
	}
}

func TestFeatured(t *testing.T) {
	fs := Featured()
	if len(fs) < 6 || len(fs) > 10 {
		t.Fatalf("%d featured persons", len(fs))
	}
	p := Default()
	seen := map[string]bool{}
	for _, f := range fs {
		if seen[f.Kind] || f.Note == "" || f.Note != vntext.NFC(f.Note) {
			t.Errorf("featured %q: duplicate kind or bad note", f.Kind)
		}
		seen[f.Kind] = true
		r, ok := p.Resident(f.ID)
		if !ok {
			t.Fatalf("featured %q: ID not found", f.Kind)
		}
		card, hasCard := CardOf(f.ID)
		alive := !r.Deceased()
		var good bool
		switch f.Kind {
		case "single":
			good = alive && r.MaritalStatus == lookups.NeverMarried && ageAt(r.Citizen.BirthDate, RefDate) >= 20
		case "married":
			good = alive && r.MaritalStatus == lookups.Married && r.Spouse != nil && r.Spouse.ID != ""
		case "divorced":
			good = alive && r.MaritalStatus == lookups.Divorced
		case "widowed":
			sp, ok := p.Resident(r.MaritalHistory[0].Spouse.ID)
			good = alive && r.MaritalStatus == lookups.Widowed && ok && sp.Deceased()
		case "deceased":
			good = r.Deceased()
		case "temporary":
			good = alive && r.Temporary != nil && r.CurrentPlace != nil
		case "old_tone":
			good = hasCard && card.FullName != r.Citizen.FullName && vntext.Equal(card.FullName, r.Citizen.FullName) &&
				vntext.FoldTone(card.FullName) != card.FullName
		case "split_ward":
			good = hasCard && card.CardAddress == r.Permanent.Legacy.String()
		case "child":
			good = !hasCard && ageAt(r.Citizen.BirthDate, RefDate) < 14 && r.Father != nil && r.Father.ID != ""
		default:
			t.Errorf("unknown featured kind %q", f.Kind)
			continue
		}
		if !good {
			t.Errorf("featured %q (%s) lacks its property", f.Kind, f.Note)
		}
	}
	for _, k := range []string{"single", "married", "divorced", "widowed", "deceased", "temporary", "old_tone", "split_ward"} {
		if !seen[k] {
			t.Errorf("no featured %q", k)
		}
	}
}

func BenchmarkResident(b *testing.B) {
	p := Default()
	ids := make([]string, 256)
	for i := range ids {
		ids[i] = p.Person(i * (p.Size() / len(ids))).Citizen.ID
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := p.Resident(ids[i%len(ids)]); !ok {
			b.Fatal("not found")
		}
	}
}

func BenchmarkNewDefault(b *testing.B) {
	for i := 0; i < b.N; i++ {
		New(DefaultSeed, DefaultSize)
	}
}
