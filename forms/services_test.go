package forms

import (
	"fmt"
	"os"
	"strings"
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
	p := PersonData{Resident: r, Origin: lookups.Origin{Source: "gateway", FetchedAt: svcNow}, At: svcNow}
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

func dumpDecl(t testing.TB, d *Declaration) {
	var b strings.Builder
	for _, f := range d.Spec().Fields() {
		paths := []string{f.ID}
		if f.Type == TypeGroup {
			paths = nil
			for n := 1; n <= d.Rows(f.ID); n++ {
				for _, s := range f.Sub {
					paths = append(paths, fmt.Sprintf("%s.%d.%s", f.ID, n, s.ID))
				}
			}
		}
		for _, p := range paths {
			fmt.Fprintf(&b, "%-28s rel=%-5v req=%-5v %-10s %q\n", p, d.Relevant(p), f.Required, d.Provenance(p).Source, d.Value(p))
		}
	}
	fmt.Fprintf(&b, "MISSING %v\nPROBLEMS %v\nPENDING %v\nPROCS %v\nNOTES %v\n", d.Missing(), d.Validate(), d.PendingPersons(), procIDs(d.Procedures()), d.Notes())
	os.WriteFile("/tmp/w/"+d.Spec().ID+".dump", []byte(b.String()), 0o644)
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
	mother, father   *lookups.Resident // married couple, mother of childbearing age with household
	deceased, relative *lookups.Resident // deceased with a living adult in the same household
	bride, groom     *lookups.Resident // never married adults
	single           *lookups.Resident // featured "single"
	mover            *lookups.Resident // adult with a household, not its head
	otherHead        *lookups.Resident // head of another household
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

func cast(t testing.TB) people {
	t.Helper()
	pop := sandbox.Default()
	var p people
	p.mother = findPerson(t, "married mother", func(r *lookups.Resident) bool {
		return isAdultWithCard(r) && r.Citizen.Sex == lookups.Female && r.MaritalStatus == lookups.Married &&
			r.Citizen.BirthDate.Year >= 1986 && r.Spouse != nil && r.Spouse.ID != "" && r.Household != nil &&
			r.Permanent != nil && r.Household.Head.ID == r.Spouse.ID
	})
	p.father, _ = pop.Resident(p.mother.Spouse.ID)
	p.deceased, _ = pop.Resident(featured(t, "deceased"))
	for _, m := range p.deceased.Household.Members {
		if r, ok := pop.Resident(m.ID); ok && m.ID != p.deceased.Citizen.ID && isAdultWithCard(r) {
			p.relative = r
			break
		}
	}
	if p.relative == nil {
		t.Fatal("no living adult in the deceased's household")
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

func TestProbeServices(t *testing.T) {
	if os.Getenv("PROBE") == "" {
		t.Skip()
	}
	c := cast(t)
	fill := map[string][][2]string{
		"xac-nhan-tinh-trang-hon-nhan": {{"subject", c.single.Citizen.ID}},
		"khai-sinh":                    {{"requester", c.mother.Citizen.ID}, {"mother", c.mother.Citizen.ID}, {"father", c.father.Citizen.ID}},
		"lien-thong-khai-sinh":         {{"requester", c.mother.Citizen.ID}, {"mother", c.mother.Citizen.ID}, {"father", c.father.Citizen.ID}},
		"khai-tu":                      {{"requester", c.relative.Citizen.ID}, {"deceased", c.deceased.Citizen.ID}},
		"lien-thong-khai-tu":           {{"requester", c.relative.Citizen.ID}, {"deceased", c.deceased.Citizen.ID}},
		"ket-hon":                      {{"wife", c.bride.Citizen.ID}, {"husband", c.groom.Citizen.ID}},
		"thuong-tru":                   {{"applicant", c.mover.Citizen.ID}},
		"tam-tru":                      {{"applicant", c.mover.Citizen.ID}},
		"tam-vang":                     {{"person", c.mover.Citizen.ID}},
	}
	for id, slots := range fill {
		s, ok := Lookup(id)
		if !ok {
			t.Fatalf("no spec %s", id)
		}
		d := NewDeclaration(s, svcEnv())
		for _, sl := range slots {
			if err := d.FillPerson(sl[0], personData(t, sl[1])); err != nil {
				t.Fatal(err)
			}
		}
		for _, pp := range d.PendingPersons() {
			d.FillPerson(pp.Slot, personData(t, pp.ID))
		}
		dumpDecl(t, d)
	}
	t.Logf("%+v", c)
}
