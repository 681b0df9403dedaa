package counter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"motcua/forms"
	"motcua/lookups"
)

// Intake fills one declaration from the persons of a visit. Each person slot
// (requester, mother, father, household head…) is filled from a person
// identified at the counter (chip, QR code or typed ID, with the database's
// record); derived persons (a household head, a spouse) whose ID another
// slot's record reveals are looked up by themselves; and every person already
// identified during the visit is offered for the other slots, so that a
// father who tapped his card as the requester is not asked to tap it again.
//
// The counter screen, `dossier submit` and `batch run` fill declarations
// through it. Its methods do no I/O except FillByID and Complete, which look
// persons up through the service (scripts call them; the TUI runs look-ups
// in its commands and hands the answers to Fill).
type Intake struct {
	svc    *Service // nil: FillByID and Complete are not available (the TUI looks up in its commands)
	clock  func() time.Time
	decl   *forms.Declaration
	known  []forms.PersonData // persons identified during the visit, first identified first
	looked []string           // personal IDs looked up for this declaration
	asked  map[string]bool    // derived look-ups already handed out ("slot/ID")
	warn   []string
}

// NewIntake starts an empty declaration of spec in the counter's context,
// with the look-ups of FillByID and Complete going through the service.
func (s *Service) NewIntake(spec *forms.Spec) *Intake {
	in := OpenIntake(s.NewDeclaration(spec), s.clock)
	in.svc = s
	return in
}

// OpenIntake fills decl (new, or a draft resumed: the persons already in its
// slots count as identified during the visit); clock dates the persons filled
// (time.Now when nil).
func OpenIntake(decl *forms.Declaration, clock func() time.Time) *Intake {
	if clock == nil {
		clock = time.Now
	}
	in := &Intake{clock: clock, decl: decl, asked: map[string]bool{}}
	for _, p := range decl.Spec().Persons() {
		if pd, ok := decl.Person(p.ID); ok {
			in.noteKnown(pd)
			if id := pd.ID(); id != "" && !slices.Contains(in.looked, id) {
				in.looked = append(in.looked, id)
			}
		}
	}
	return in
}

// Declaration is the declaration being filled.
func (in *Intake) Declaration() *forms.Declaration { return in.decl }

// Spec is the declaration's service.
func (in *Intake) Spec() *forms.Spec { return in.decl.Spec() }

// LookedUp returns the personal IDs looked up for this declaration, for the
// access log's link to the dossier.
func (in *Intake) LookedUp() []string { return slices.Clone(in.looked) }

// Warnings returns what the clerk or the operator should know about the
// look-ups (a record served from the cache, a derived person not found).
func (in *Intake) Warnings() []string { return slices.Clone(in.warn) }

// NoteLookup records that id was looked up for this declaration (a look-up
// made before the service was chosen, or by the TUI's command).
func (in *Intake) NoteLookup(id string) {
	if id != "" && !slices.Contains(in.looked, id) {
		in.looked = append(in.looked, id)
	}
}

// Identified records a person identified during the visit without putting
// them in a slot (the citizen served, before the service is chosen).
func (in *Intake) Identified(p forms.PersonData) { in.noteKnown(p) }

func (in *Intake) noteKnown(p forms.PersonData) {
	id := p.ID()
	if id == "" {
		return
	}
	for i, k := range in.known {
		if k.ID() == id {
			// the richer data wins: a record beats none, a chip beats a QR code
			if richer(p, k) {
				in.known[i] = p
			}
			return
		}
	}
	in.known = append(in.known, p)
}

// richer reports whether a says more about the person than b.
func richer(a, b forms.PersonData) bool {
	if (a.Resident != nil) != (b.Resident != nil) {
		return a.Resident != nil
	}
	if (a.Card != nil) != (b.Card != nil) {
		return a.Card != nil
	}
	return a.CardSource == forms.SourceCard && b.CardSource != forms.SourceCard
}

// PrimarySlot is the slot the first identified person fills: the first slot
// filled at the counter ("" when the service has no person slot).
func (in *Intake) PrimarySlot() string {
	spec := in.decl.Spec()
	for _, p := range spec.Persons() {
		if kind, _ := p.Derived(spec); kind == "" {
			return p.ID
		}
	}
	return ""
}

// Fill puts a person into a slot; the person counts as identified during the
// visit. Derived slots that the person's record reveals are handed out by
// NextLookups.
func (in *Intake) Fill(slot string, p forms.PersonData) error {
	if p.At.IsZero() {
		p.At = in.clock()
	}
	if err := in.decl.FillPerson(slot, p); err != nil {
		return err
	}
	in.noteKnown(p)
	in.NoteLookup(p.ID())
	return nil
}

// Clear empties a slot (the person stays known to the visit).
func (in *Intake) Clear(slot string) { in.decl.ClearPerson(slot) }

// Label is a slot's label ("" for an unknown slot).
func (in *Intake) Label(slot string) string {
	for _, p := range in.decl.Spec().Persons() {
		if p.ID == slot {
			return p.Label
		}
	}
	return ""
}

// NextLookups returns the derived persons to look up now (a household head
// or spouse whose ID a filled slot revealed), each handed out once.
func (in *Intake) NextLookups() []forms.PendingPerson {
	var out []forms.PendingPerson
	for _, p := range in.decl.PendingPersons() {
		k := p.Slot + "/" + p.ID
		if in.asked[k] {
			continue
		}
		in.asked[k] = true
		// a person identified during the visit fills the slot without a look-up
		if pd, ok := in.knownByID(p.ID); ok && pd.Resident != nil {
			if err := in.decl.FillPerson(p.Slot, pd); err == nil {
				continue
			}
		}
		out = append(out, p)
	}
	return out
}

func (in *Intake) knownByID(id string) (forms.PersonData, bool) {
	for _, k := range in.known {
		if k.ID() == id {
			return k, true
		}
	}
	return forms.PersonData{}, false
}

// SlotOf returns the slot a person fills in the declaration ("" when none).
func (in *Intake) SlotOf(id string) string {
	for _, p := range in.decl.Spec().Persons() {
		if pd, ok := in.decl.Person(p.ID); ok && pd.ID() == id {
			return p.ID
		}
	}
	return ""
}

// Candidates returns the persons identified during the visit who may fill
// slot: every known person not already in it, those in no slot first.
func (in *Intake) Candidates(slot string) []forms.PersonData {
	cur := ""
	if pd, ok := in.decl.Person(slot); ok {
		cur = pd.ID()
	}
	var free, placed []forms.PersonData
	for _, k := range in.known {
		switch id := k.ID(); {
		case id == cur:
		case in.SlotOf(id) == "":
			free = append(free, k)
		default:
			placed = append(placed, k)
		}
	}
	return append(free, placed...)
}

// CounterSlots returns the relevant slots filled at the counter (not derived),
// in the spec's order.
func (in *Intake) CounterSlots() []forms.Person {
	spec := in.decl.Spec()
	var out []forms.Person
	for _, p := range spec.Persons() {
		if kind, _ := p.Derived(spec); kind == "" && in.decl.PersonRelevant(p.ID) {
			out = append(out, p)
		}
	}
	return out
}

// NextEmptySlot returns the first relevant counter slot still empty after
// slot `after` in the spec's order, wrapping around ("" when every one is
// filled); required slots come before optional ones.
func (in *Intake) NextEmptySlot(after string) string {
	slots := in.CounterSlots()
	start := 0
	for i, p := range slots {
		if p.ID == after {
			start = i + 1
		}
	}
	for _, required := range []bool{true, false} {
		for i := range slots {
			p := slots[(start+i)%len(slots)]
			if _, ok := in.decl.Person(p.ID); !ok && p.Required == required {
				return p.ID
			}
		}
	}
	return ""
}

// FillByID looks a person up by ID (the cache serves when the link is down)
// and fills slot with the record: the scripted commands' way to fill a slot.
func (in *Intake) FillByID(ctx context.Context, slot, id string, op Operator) error {
	if in.Label(slot) == "" {
		return fmt.Errorf("%w: %q", forms.ErrUnknownPerson, slot)
	}
	if in.svc == nil {
		return errors.New("counter: this intake has no service to look persons up")
	}
	res, origin, err := in.svc.Lookup(ctx, id, lookups.CallMeta{Operator: op.ID, Purpose: lookups.PurposeReception})
	return in.FillLooked(slot, id, LookupResult{Resident: res, Origin: origin, Err: err})
}

// FillLooked fills slot with the answer of a look-up of id made for this
// declaration (FillByID's, or one of Service.LookupMany's): the ID counts as
// looked up, a cached answer is a warning, a failed one the error.
func (in *Intake) FillLooked(slot, id string, r LookupResult) error {
	label := in.Label(slot)
	if label == "" {
		return fmt.Errorf("%w: %q", forms.ErrUnknownPerson, slot)
	}
	in.NoteLookup(id)
	if r.Err != nil {
		return r.Err
	}
	if r.Origin.Source == lookups.SourceCache {
		in.warn = append(in.warn, fmt.Sprintf("%s: dùng dữ liệu lưu tạm lúc %s (mất kết nối cổng dữ liệu).",
			label, r.Origin.FetchedAt.In(in.svc.loc()).Format("15:04 02/01/2006")))
	}
	return in.Fill(slot, forms.PersonData{Resident: r.Resident, Origin: r.Origin, CardSource: forms.SourceTyped, At: in.svc.clock()})
}

// Complete looks up every derived person the filled slots reveal, until none
// is left; a person not found is a warning, not a failure.
func (in *Intake) Complete(ctx context.Context, op Operator) {
	for {
		next := in.NextLookups()
		if len(next) == 0 {
			return
		}
		for _, p := range next {
			if err := in.FillByID(ctx, p.Slot, p.ID, op); err != nil {
				in.warn = append(in.warn, "Không tra cứu được "+strings.ToLower(p.Label)+": "+Explain(err))
			}
		}
	}
}
