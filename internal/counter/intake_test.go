package counter_test

import (
	"context"
	"testing"
	"time"

	"motcua/forms"
	"motcua/internal/counter"
	"motcua/lookups"
)

// prefillWithCard starts a declaration with its first slot filled from a card
// read at the counter (source "card" or "qr") and the database's record,
// through the intake as the counter screen does.
func prefillWithCard(svc *counter.Service, spec *forms.Spec, card *lookups.Citizen, source string, res *lookups.Resident, origin lookups.Origin) (*forms.Declaration, error) {
	in := svc.NewIntake(spec)
	data := forms.PersonData{Card: card, CardSource: forms.SourceCard, Resident: res, Origin: origin}
	if source == "qr" {
		data.CardSource = forms.SourceQR
	}
	return in.Declaration(), in.Fill(in.PrimarySlot(), data)
}

// The intake offers the persons identified during the visit for the other
// slots, fills a derived slot from a known person without a look-up, and
// points at the next empty slot.
func TestIntakeOffersKnownPersons(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	spec, ok := forms.Lookup("lien-thong-khai-sinh")
	if !ok {
		t.Fatal("birth bundle not in the catalog")
	}
	fatherID := featured(t, "married")
	father, origin, err := f.svc.Lookup(ctx, fatherID, lookups.CallMeta{Operator: clerk.ID, Purpose: lookups.PurposeReception})
	if err != nil || father.Spouse == nil {
		t.Fatalf("father: %v %+v", err, father)
	}
	mother, morigin, err := f.svc.Lookup(ctx, father.Spouse.ID, lookups.CallMeta{Operator: clerk.ID, Purpose: lookups.PurposeReception})
	if err != nil {
		t.Fatal(err)
	}
	in := f.svc.NewIntake(spec)
	if got := in.PrimarySlot(); got != "requester" {
		t.Fatalf("primary slot %q", got)
	}
	// the mother registers the birth: she fills the requester's slot
	if err := in.Fill("requester", forms.PersonData{Resident: mother, Origin: morigin, CardSource: forms.SourceTyped}); err != nil {
		t.Fatal(err)
	}
	if got := in.NextEmptySlot("requester"); got != "mother" {
		t.Fatalf("next empty slot after the requester: %q, want mother", got)
	}
	cands := in.Candidates("mother")
	if len(cands) != 1 || cands[0].ID() != mother.Citizen.ID {
		t.Fatalf("candidates for the mother's slot: %+v", cands)
	}
	if err := in.Fill("mother", cands[0]); err != nil {
		t.Fatal(err)
	}
	if in.SlotOf(mother.Citizen.ID) == "" || in.Declaration().Value("mother_id") != mother.Citizen.ID {
		t.Fatal("the mother's slot is not filled")
	}
	// the household head (the father here) is known once his record is looked up
	if err := in.Fill("father", forms.PersonData{Resident: father, Origin: origin, CardSource: forms.SourceTyped, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, p := range in.NextLookups() {
		if p.ID == fatherID {
			t.Errorf("the household head %s is asked for again although he was identified in this visit", p.Slot)
		}
	}
	if len(in.LookedUp()) != 2 {
		t.Errorf("looked up %v, want the mother and the father", in.LookedUp())
	}
}
