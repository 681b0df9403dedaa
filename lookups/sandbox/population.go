package sandbox

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"motcua/lookups"
	"motcua/lookups/pid"
	"motcua/lookups/vntext"
)

const (
	// DefaultSeed and DefaultSize define the population of Default().
	DefaultSeed uint64 = 20250701
	DefaultSize int    = 100_000
	// MaxSize is the largest population: the 6-digit ID sequence is the person's index.
	MaxSize = 1_000_000
)

// RefDate is the day the synthetic database describes: ages, deaths and card
// issue dates are computed against it, never against the clock, so the data
// does not change from one run to the next.
var RefDate = lookups.NewDate(2025, time.December, 31)

var (
	cardsFrom    = lookups.NewDate(2021, time.January, 1) // chip CCCD issuing starts
	canCuocFrom  = lookups.NewDate(2024, time.July, 1)    // Căn cước cards (Luật Căn cước 2023)
	reformFrom   = lookups.NewDate(2025, time.July, 1)    // two-level addresses
	nationalityV = "Việt Nam"
)

// Population is a deterministic synthetic population. Nobody is stored: person i
// is regenerated from (seed, household of i) on every call. Only the first index
// of each household is kept (about one int32 per 3.5 persons).
type Population struct {
	seed   uint64
	size   int
	starts []int32
}

// New returns the population of the given seed and size (clamped to 1..MaxSize).
func New(seed uint64, size int) *Population {
	size = max(1, min(size, MaxSize))
	p := &Population{seed: seed, size: size, starts: make([]int32, 0, size/3+1)}
	for idx, h := 0, 0; idx < size; h++ {
		pl := p.plan(h, size-idx)
		p.starts = append(p.starts, int32(idx))
		idx += pl.size()
	}
	return p
}

var (
	defaultOnce sync.Once
	defaultPop  *Population
)

// Default returns the shared population of DefaultSeed and DefaultSize.
func Default() *Population {
	defaultOnce.Do(func() { defaultPop = New(DefaultSeed, DefaultSize) })
	return defaultPop
}

// Size returns the number of persons.
func (p *Population) Size() int { return p.size }

// Seed returns the population's seed.
func (p *Population) Seed() uint64 { return p.seed }

// Households returns the number of households.
func (p *Population) Households() int { return len(p.starts) }

// Person returns person i (0 <= i < Size()), or nil out of range.
func (p *Population) Person(i int) *lookups.Resident {
	if i < 0 || i >= p.size {
		return nil
	}
	h, start := p.householdOf(i)
	ms := p.household(h)
	r := ms[i-start].res
	return &r
}

// IndexOf returns the index of the person with that ID, if it is one of the population's.
func (p *Population) IndexOf(id string) (int, bool) {
	if len(id) != 12 || strings.Trim(id, "0123456789") != "" {
		return 0, false
	}
	seq, err := strconv.Atoi(id[6:])
	if err != nil || seq >= p.size {
		return 0, false
	}
	m, ok := p.member(seq)
	if !ok || m.res.Citizen.ID != id {
		return 0, false
	}
	return seq, true
}

// Resident returns the database record of the person with that ID.
func (p *Population) Resident(id string) (*lookups.Resident, bool) {
	i, ok := p.IndexOf(id)
	if !ok {
		return nil, false
	}
	return p.Person(i), true
}

// Card returns the identity as printed on the person's card; false when the ID
// is unknown or the person has no card (under 14).
func (p *Population) Card(id string) (lookups.Citizen, bool) {
	i, ok := p.IndexOf(id)
	if !ok {
		return lookups.Citizen{}, false
	}
	m, _ := p.member(i)
	if m.card == nil {
		return lookups.Citizen{}, false
	}
	return *m.card, true
}

// CardOf returns the card of a person of the Default population.
func CardOf(id string) (lookups.Citizen, bool) { return Default().Card(id) }

// Lookup makes the population a lookups.Source (in-process, no HTTP).
func (p *Population) Lookup(ctx context.Context, id string, meta lookups.CallMeta) (*lookups.Resident, lookups.Origin, error) {
	if err := meta.Validate(); err != nil {
		return nil, lookups.Origin{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, lookups.Origin{}, err
	}
	r, ok := p.Resident(id)
	if !ok {
		return nil, lookups.Origin{}, fmt.Errorf("sandbox lookup: %w", lookups.ErrNotFound)
	}
	return r, lookups.Origin{Source: lookups.SourceDatabase, FetchedAt: time.Now()}, nil
}

func (p *Population) member(i int) (member, bool) {
	if i < 0 || i >= p.size {
		return member{}, false
	}
	h, start := p.householdOf(i)
	return p.household(h)[i-start], true
}

func (p *Population) householdOf(i int) (h, start int) {
	h = sort.Search(len(p.starts), func(k int) bool { return int(p.starts[k]) > i }) - 1
	return h, int(p.starts[h])
}

func (p *Population) capacity(h int) int {
	if h+1 < len(p.starts) {
		return int(p.starts[h+1] - p.starts[h])
	}
	return p.size - int(p.starts[h])
}

// Household kinds.
type hhKind uint8

const (
	kCouple   hhKind = iota // head and spouse, married
	kSingle                 // head never married
	kDivorced               // head divorced, ex-spouse elsewhere
	kWidowed                // head widowed; the late spouse is in the database, deceased
)

// plan is the shape of a household, cheap to compute (New runs it for every household).
type plan struct {
	kind     hhKind
	children int
	grand    bool // the head's widowed mother or father lives with them
}

func (pl plan) size() int {
	n := 1 + pl.children
	if pl.kind == kCouple || pl.kind == kWidowed {
		n++
	}
	if pl.grand {
		n++
	}
	return n
}

const (
	saltPlan uint64 = iota + 0x5A17
	saltBody
)

func (p *Population) plan(h, capacity int) plan {
	r := newRNG(p.seed, uint64(h), saltPlan)
	var pl plan
	switch x := r.intn(100); {
	case x < 68:
		pl.kind = kCouple
	case x < 81:
		pl.kind = kSingle
	case x < 91:
		pl.kind = kDivorced
	default:
		pl.kind = kWidowed
	}
	c := r.intn(100)
	switch pl.kind {
	case kCouple:
		switch {
		case c < 15:
			pl.children = 0
		case c < 45:
			pl.children = 1
		case c < 83:
			pl.children = 2
		default:
			pl.children = 3
		}
	case kDivorced:
		pl.children = c % 3
	case kWidowed:
		pl.children = c % 4
	}
	pl.grand = (pl.kind == kCouple || pl.kind == kSingle) && r.percent(15)
	for pl.size() > capacity { // only the last household of a population is cut
		switch {
		case pl.grand:
			pl.grand = false
		case pl.children > 0:
			pl.children--
		default:
			pl.kind = kSingle
		}
	}
	return pl
}

// member is one generated person with what the generator knows about them.
type member struct {
	res      lookups.Resident
	card     *lookups.Citizen
	oldSplit bool // the household's pre-2025 ward was split in 2025
}

// Persons as the generator builds them before the records are assembled.
type gperson struct {
	sex      lookups.Sex
	birth    lookups.Date
	name     string // as the database writes it
	cardName string // as the card prints it (tone-mark style may differ)
	family   string
	prov     string // birth-registration province code (3 digits)
	id       string
	relation string
	death    lookups.Date
	status   lookups.MaritalStatus
	history  []lookups.MaritalEvent
	spouse   *lookups.PersonRef
	father   *lookups.PersonRef
	mother   *lookups.PersonRef
	since    lookups.Date
	temp     bool
}

func (g *gperson) ref() lookups.PersonRef {
	return lookups.PersonRef{ID: g.id, FullName: g.name, BirthDate: g.birth, Sex: g.sex}
}

func other(s lookups.Sex) lookups.Sex {
	if s == lookups.Male {
		return lookups.Female
	}
	return lookups.Male
}

// household generates every member of household h, in slot order:
// head, spouse (couple, widowed), children, grandparent.
func (p *Population) household(h int) []member {
	u := unitData()
	pl := p.plan(h, p.capacity(h))
	start := int(p.starts[h])
	r := newRNG(p.seed, uint64(h), saltBody)
	ref := RefDate.Year

	home := u.pickHome(&r)
	eth := pickWeighted(&r, ethnicities)
	religion := pickWeighted(&r, religions)
	detail := addressDetail(&r, home.ward)
	addr := home.address(detail)
	legacy := home.legacy(detail)
	homeProv := u.pidCode(home.old.Province, &r)
	originHome := joinNonEmpty(home.old.Name, home.old.District, home.old.Province)

	newPerson := func(sex lookups.Sex, year int, family string, provPct int) *gperson {
		g := &gperson{sex: sex, birth: r.dateIn(year), family: family}
		if g.family == "" {
			g.family = familyName(&r, eth)
		}
		g.name = g.family + " " + middleName(&r, sex, year) + " " + givenName(&r, sex)
		g.prov = homeProv
		if !r.percent(provPct) {
			g.prov = u.pidCodes[r.intn(len(u.pidCodes))]
		}
		return g
	}
	nameOnly := func(sex lookups.Sex, year int, family string) *lookups.PersonRef {
		if family == "" {
			family = familyName(&r, eth)
		}
		return &lookups.PersonRef{FullName: family + " " + middleName(&r, sex, year) + " " + givenName(&r, sex),
			BirthDate: r.dateIn(year), Sex: sex}
	}

	// Head.
	var headSex lookups.Sex
	switch x := r.intn(100); pl.kind {
	case kCouple:
		headSex = map[bool]lookups.Sex{true: lookups.Male, false: lookups.Female}[x < 80]
	case kSingle:
		headSex = map[bool]lookups.Sex{true: lookups.Male, false: lookups.Female}[x < 50]
	case kDivorced:
		headSex = map[bool]lookups.Sex{true: lookups.Male, false: lookups.Female}[x < 45]
	default:
		headSex = map[bool]lookups.Sex{true: lookups.Male, false: lookups.Female}[x < 35]
	}
	kidsSpan := 0
	if pl.children > 0 {
		kidsSpan = 3 * (pl.children - 1)
	}
	var hy int
	switch pl.kind {
	case kCouple, kDivorced:
		hy = r.between(1950, ref-28-kidsSpan)
	case kSingle:
		hy = r.between(1965, ref-20)
	default:
		hy = r.between(1945, ref-30-kidsSpan)
	}
	head := newPerson(headSex, hy, "", 75)
	head.relation = "Chủ hộ"
	people := []*gperson{head}

	// Partner: spouse in the household, or the ex-spouse elsewhere.
	var partner *gperson
	var partnerRef *lookups.PersonRef
	var marriage lookups.Date
	var husbandFamily string
	if pl.kind != kSingle {
		py := hy + r.between(-2, 6)
		if headSex == lookups.Female {
			py = hy - r.between(-2, 6)
		}
		if pl.kind == kDivorced {
			partnerRef = nameOnly(other(headSex), py, "")
		} else {
			partner = newPerson(other(headSex), py, "", 60)
			partner.relation = map[lookups.Sex]string{lookups.Female: "Vợ", lookups.Male: "Chồng"}[partner.sex]
			people = append(people, partner)
			pr := partner.ref()
			partnerRef = &pr
		}
		husbandFamily = head.family
		if headSex == lookups.Female {
			husbandFamily = strings.Fields(partnerRef.FullName)[0]
		}
	}

	// Children.
	var kids []*gperson
	if pl.children > 0 {
		maxP := max(hy, partnerRef.BirthDate.Year)
		limit := ref
		if pl.kind != kCouple {
			limit = ref - 1
		}
		years := make([]int, pl.children)
		years[0] = maxP + r.between(21, 27)
		for k := 1; k < pl.children; k++ {
			years[k] = years[k-1] + r.between(1, 3)
		}
		if d := years[pl.children-1] - limit; d > 0 {
			for k := range years {
				years[k] -= d
			}
		}
		for _, y := range years {
			sex := lookups.Male
			if r.percent(49) {
				sex = lookups.Female
			}
			c := newPerson(sex, y, husbandFamily, 97)
			c.relation = "Con"
			c.status = lookups.NeverMarried
			kids = append(kids, c)
			people = append(people, c)
		}
	}

	// Marriage, divorce, death of the spouse.
	if pl.kind != kSingle {
		hyY, wyY := hy, partnerRef.BirthDate.Year
		if headSex == lookups.Female {
			hyY, wyY = wyY, hyY
		}
		legal := max(hyY+21, wyY+19)
		var my int
		if len(kids) > 0 {
			my = r.between(legal, kids[0].birth.Year)
		} else {
			my = r.between(legal, min(legal+12, ref-1))
		}
		marriage = r.dateIn(my)
		place := registrar(marriage, home)
		married := lookups.MaritalEvent{Kind: lookups.Married, Date: marriage, Place: place}
		switch pl.kind {
		case kCouple:
			head.status, partner.status = lookups.Married, lookups.Married
			hr := head.ref()
			head.spouse, partner.spouse = partnerRef, &hr
			e1, e2 := married, married
			e1.Spouse, e2.Spouse = *partnerRef, hr
			head.history, partner.history = []lookups.MaritalEvent{e1}, []lookups.MaritalEvent{e2}
		case kDivorced:
			head.status = lookups.Divorced
			dy := r.between(my+1, ref)
			e1 := married
			e1.Spouse = *partnerRef
			e2 := lookups.MaritalEvent{Kind: lookups.Divorced, Date: r.dateIn(dy), Spouse: *partnerRef,
				Place: "Tòa án nhân dân " + courtOf(home)}
			head.history = []lookups.MaritalEvent{e1, e2}
		case kWidowed:
			lo := my + 1
			if len(kids) > 0 {
				lo = max(lo, kids[len(kids)-1].birth.Year)
			}
			partner.death = r.dateIn(r.between(min(lo, ref), ref))
			head.status, partner.status = lookups.Widowed, lookups.Married
			hr := head.ref()
			partner.spouse = &hr
			e1, e2 := married, married
			e1.Spouse, e2.Spouse = *partnerRef, hr
			head.history = []lookups.MaritalEvent{e1, {Kind: lookups.Widowed, Date: partner.death, Spouse: *partnerRef}}
			partner.history = []lookups.MaritalEvent{e2}
		}
	} else {
		head.status = lookups.NeverMarried
	}

	// Parents of the children.
	for _, c := range kids {
		var fr, mr lookups.PersonRef
		if headSex == lookups.Male {
			fr, mr = head.ref(), *partnerRef
		} else {
			fr, mr = *partnerRef, head.ref()
		}
		c.father, c.mother = &fr, &mr
	}

	// Grandparent: the head's widowed mother or father.
	var grand *gperson
	if pl.grand {
		gsex := lookups.Female
		if r.percent(30) {
			gsex = lookups.Male
		}
		gy := hy - r.between(24, min(38, hy-1925))
		fam := ""
		if gsex == lookups.Male {
			fam = head.family
		}
		grand = newPerson(gsex, gy, fam, 85)
		grand.relation = map[lookups.Sex]string{lookups.Female: "Mẹ", lookups.Male: "Cha"}[gsex]
		ofam := ""
		if gsex == lookups.Female {
			ofam = head.family
		}
		late := nameOnly(other(gsex), gy+r.between(-2, 2), ofam)
		legal := max(gy, late.BirthDate.Year) + 21
		gm := r.dateIn(r.between(min(legal, hy), hy))
		wy := r.between(hy+1, ref)
		widowed := lookups.MaritalEvent{Kind: lookups.Widowed, Date: r.dateIn(wy), Spouse: *late}
		grand.status = lookups.Widowed
		grand.history = []lookups.MaritalEvent{
			{Kind: lookups.Married, Date: gm, Spouse: *late, Place: registrar(gm, home)}, widowed}
		if r.percent(6) {
			grand.death = r.dateIn(r.between(max(wy, ref-3), ref))
			if grand.death.Before(widowed.Date) {
				grand.death = widowed.Date
			}
		}
		gr := grand.ref()
		if gsex == lookups.Female {
			head.mother, head.father = &gr, late
		} else {
			head.father, head.mother = &gr, late
		}
		people = append(people, grand)
	} else {
		head.father = nameOnly(lookups.Male, hy-r.between(22, 35), head.family)
		head.mother = nameOnly(lookups.Female, hy-r.between(20, 33), "")
	}
	if partner != nil {
		partner.father = nameOnly(lookups.Male, partner.birth.Year-r.between(22, 35), partner.family)
		partner.mother = nameOnly(lookups.Female, partner.birth.Year-r.between(20, 33), "")
	}

	// IDs (the sequence is the person's index), card-style names.
	for k, g := range people {
		id, err := pid.Build(g.prov, g.sex, g.birth, start+k)
		if err != nil {
			panic(fmt.Sprintf("sandbox: generated an invalid ID for index %d: %v", start+k, err))
		}
		g.id = id
		g.cardName = g.name
		if hasToneVariant(g.name) {
			switch x := r.intn(10); {
			case x < 4: // card printed in the old style, database in the new
				g.cardName = restyle(g.name, true)
				g.name = restyle(g.name, false)
			case x < 6: // database kept the old style, card in the new
				g.name = restyle(g.name, true)
				g.cardName = restyle(g.name, false)
			}
		}
	}
	// IDs and names are final only now: rebuild the references between members.
	head.relation = "Chủ hộ"
	if partner != nil {
		pr, hr := partner.ref(), head.ref()
		if partner.spouse != nil {
			partner.spouse = &hr
		}
		if head.spouse != nil {
			head.spouse = &pr
		}
		for i := range head.history {
			head.history[i].Spouse = pr
		}
		for i := range partner.history {
			partner.history[i].Spouse = hr
		}
	}
	for _, c := range kids {
		hr := head.ref()
		var pr lookups.PersonRef
		if partner != nil {
			pr = partner.ref()
		} else {
			pr = *partnerRef
		}
		if headSex == lookups.Male {
			c.father, c.mother = &hr, &pr
		} else {
			c.father, c.mother = &pr, &hr
		}
	}
	if grand != nil {
		gr := grand.ref()
		if grand.sex == lookups.Female {
			head.mother = &gr
		} else {
			head.father = &gr
		}
	}

	// Residence registration dates; temporary residence elsewhere for some.
	head.since = r.dateIn(r.between(max(hy+18, 1995), ref-1))
	for _, g := range people[1:] {
		g.since = later(head.since, g.birth)
		if g == partner {
			g.since = later(head.since, marriage)
		}
	}
	for _, g := range people {
		age := ageAt(g.birth, RefDate)
		if !g.death.IsZero() || age < 18 {
			continue
		}
		switch {
		case g.relation == "Con" && age <= 35 && r.percent(30), pl.kind == kSingle && g == head && r.percent(15):
			g.temp = true
		}
	}

	// Household record (living members only).
	hh := &lookups.Household{FileNumber: fmt.Sprintf("%s%s%07d", "HS", home.ward.ProvinceCode, h), Address: addr}
	for _, g := range people {
		if !g.death.IsZero() {
			continue
		}
		m := lookups.Member{PersonRef: g.ref(), Relation: g.relation}
		if g == head {
			hh.Head = m
		}
		hh.Members = append(hh.Members, m)
	}

	out := make([]member, len(people))
	for k, g := range people {
		res := lookups.Resident{
			Citizen: lookups.Citizen{
				ID: g.id, FullName: g.name, BirthDate: g.birth, Sex: g.sex, Nationality: nationalityV,
				Ethnicity: eth, Religion: religion,
			},
			RelationToHead: g.relation,
			Father:         g.father,
			Mother:         g.mother,
			Spouse:         g.spouse,
			MaritalStatus:  g.status,
			MaritalHistory: g.history,
			DeathDate:      g.death,
			Permanent:      &lookups.Residence{Kind: lookups.Permanent, Address: addr, Legacy: legacy, Since: g.since},
		}
		if g.prov == homeProv {
			res.Citizen.PlaceOfOrigin = originHome
		} else {
			res.Citizen.PlaceOfOrigin, _ = pid.Province(g.prov)
		}
		res.BirthPlace, _ = pid.Province(g.prov)
		if g.birth.Year <= 2004 && r.percent(70) {
			res.Citizen.OldID = fmt.Sprintf("%09d", r.next()%1_000_000_000)
		}
		if g.death.IsZero() {
			res.Household = hh
		}
		if g.temp {
			tw := u.randomHome(&r, home.ward.Code)
			td := addressDetail(&r, tw.ward)
			since := r.dateBetween(addYears(RefDate, -2), addDays(RefDate, -30))
			res.Temporary = &lookups.Residence{Kind: lookups.Temporary, Address: tw.address(td), Legacy: tw.legacy(td),
				Since: since, Until: addYears(since, r.between(1, 2))}
			res.CurrentPlace = &lookups.Residence{Kind: lookups.Current, Address: tw.address(td), Legacy: tw.legacy(td), Since: since}
		}
		age := ageAt(g.birth, RefDate)
		if g.death.IsZero() && age >= 16 && r.percent(85) {
			res.Phone = phone(&r)
		}
		if g.death.IsZero() && age >= 18 && g.birth.Year >= 1970 && r.percent(25) {
			res.Email = email(&r, g)
		}
		card := makeCard(&r, g, &res, legacy, addr)
		out[k] = member{res: res, card: card, oldSplit: home.split}
	}
	return out
}

// makeCard issues the person's card (nil when they never had one: under 14, or
// dead before the chip cards) and copies its data into the database identity.
func makeCard(r *rng, g *gperson, res *lookups.Resident, legacy lookups.LegacyAddress, addr lookups.Address) *lookups.Citizen {
	earliest := later(cardsFrom, addYears(g.birth, 14))
	latest := RefDate
	if !g.death.IsZero() {
		latest = addDays(g.death, -30)
	}
	if latest.Before(earliest) {
		return nil
	}
	issue := r.dateBetween(earliest, latest)
	c := res.Citizen
	c.FullName = g.cardName
	c.IssueDate = issue
	c.CardKind = lookups.CardCCCD2021
	if !issue.Before(canCuocFrom) {
		c.CardKind = lookups.CardCC2024
	}
	if issue.Before(reformFrom) {
		c.CardAddress = legacy.String()
	} else {
		c.CardAddress = addr.String()
	}
	c.ExpiryDate, c.ExpiryText = expiry(g.birth, issue)
	res.Citizen.IssueDate, res.Citizen.ExpiryDate, res.Citizen.ExpiryText, res.Citizen.CardKind =
		c.IssueDate, c.ExpiryDate, c.ExpiryText, c.CardKind
	return &c
}

// expiry applies the renewal ages 25, 40 and 60: a card is valid until the next
// one, or the one after when issued less than two years before it; from 58 on it
// does not expire.
func expiry(birth, issue lookups.Date) (lookups.Date, string) {
	age := ageAt(birth, issue)
	for _, m := range []int{25, 40, 60} {
		if age < m-2 {
			return addYears(birth, m), ""
		}
	}
	return lookups.Date{}, "Không thời hạn"
}

// registrar names the civil-status authority of a marriage registered at date d.
func registrar(d lookups.Date, home homePlace) string {
	if d.Before(reformFrom) {
		return "Ủy ban nhân dân " + joinNonEmpty(home.old.Name, home.old.District, home.old.Province)
	}
	return "Ủy ban nhân dân " + joinNonEmpty(home.ward.Name, home.provName)
}

func courtOf(home homePlace) string {
	if home.old.District != "" {
		return joinNonEmpty(home.old.District, home.old.Province)
	}
	return home.provName
}

func familyName(r *rng, eth string) string {
	if list, ok := minorityFamilies[eth]; ok && r.percent(75) {
		return pick(r, list)
	}
	return pickWeighted(r, kinhFamilies)
}

func middleName(r *rng, sex lookups.Sex, year int) string {
	if sex == lookups.Male {
		return pick(r, maleMiddles)
	}
	if year < 1985 {
		return pick(r, femaleMiddlesOld)
	}
	return pick(r, femaleMiddlesYoung)
}

func givenName(r *rng, sex lookups.Sex) string {
	if sex == lookups.Male {
		return pick(r, maleGivens)
	}
	return pick(r, femaleGivens)
}

var mobilePrefixes = []string{"090", "091", "093", "094", "096", "097", "098", "032", "033", "034", "035",
	"036", "037", "038", "039", "070", "076", "077", "078", "079", "081", "082", "083", "084", "085", "086", "088", "089"}

func phone(r *rng) string {
	return pick(r, mobilePrefixes) + fmt.Sprintf("%07d", r.intn(10_000_000))
}

// email builds a synthetic address on a reserved domain (example.com).
func email(r *rng, g *gperson) string {
	parts := strings.Fields(vntext.SearchKey(g.name))
	local := parts[len(parts)-1] + "." + parts[0]
	return fmt.Sprintf("%s%d@example.com", local, r.between(1, 999))
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}
