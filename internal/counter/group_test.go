package counter_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"motcua/forms"
	"motcua/internal/counter"
	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/offline"
	"motcua/printing"
)

// LookupMany answers as Lookup does each ID (a found person cached, not found, an invalid
// number), looks an ID given twice up once, logs one access entry per person looked up, and
// with the gateway gone answers from the cache.
func TestLookupManyAnswersAsLookup(t *testing.T) {
	f, g := newFixture(t), newFixture(t)
	single, divorced, unknown := featured(t, "single"), featured(t, "divorced"), unknownID(t)
	ids := []string{single, unknown, "12345", single, divorced}
	got, err := f.svc.LookupMany(context.Background(), ids, checkMeta)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) {
		t.Fatalf("%d answers for %d IDs", len(got), len(ids))
	}
	for i, id := range ids {
		res, origin, err := g.svc.Lookup(context.Background(), id, checkMeta)
		a := got[i]
		switch {
		case err != nil:
			if a.Err == nil || counter.Explain(a.Err) != counter.Explain(err) || a.Resident != nil {
				t.Errorf("%d: answer %+v, Lookup's error %v", i, a, err)
			}
		case a.Err != nil || a.Resident.Citizen != res.Citizen || a.Origin.Source != origin.Source || !a.Origin.FetchedAt.Equal(origin.FetchedAt):
			t.Errorf("%d: answer %+v (%v), Lookup's %+v %+v", i, a.Resident, a.Err, res.Citizen, origin)
		}
	}
	if !errors.Is(got[1].Err, lookups.ErrNotFound) || !errors.Is(got[2].Err, gateway.ErrInvalidID) {
		t.Errorf("errors %v, %v", got[1].Err, got[2].Err)
	}
	log := accessLog(t, f.store)
	var outcomes []string
	for _, e := range log {
		outcomes = append(outcomes, e.Outcome)
		if e.Action != offline.ActionLookup || e.Operator != "cb01" {
			t.Errorf("entry %+v", e)
		}
	}
	if want := []string{"ok", "not_found", "error", "ok"}; !slices.Equal(outcomes, want) {
		t.Errorf("access outcomes %v, want %v (one per person, in order)", outcomes, want)
	}
	assertNoRawID(t, log, single)
	for _, id := range []string{single, divorced} {
		if _, _, ok, _ := f.store.GetLookup(id, 24*time.Hour); !ok {
			t.Errorf("%s… not cached", id[:3])
		}
	}

	f.stop()
	got, err = f.svc.LookupMany(context.Background(), []string{single, unknown}, checkMeta)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Err != nil || got[0].Origin.Source != lookups.SourceCache || got[0].Resident.Citizen.ID != single {
		t.Errorf("link down, cached: %+v %v", got[0].Origin, got[0].Err)
	}
	if !errors.Is(got[1].Err, counter.ErrNotCached) || !errors.Is(got[1].Err, gateway.ErrUnreachable) {
		t.Errorf("link down, not cached: %v", got[1].Err)
	}
	if _, err := f.svc.LookupMany(context.Background(), ids, lookups.CallMeta{Operator: "cb01"}); err == nil {
		t.Error("a look-up without purpose was made")
	}
}

// ReceiveGroup commits the group together: an item refused inside the unit of work (its key
// received another declaration) is set aside and the others received with consecutive
// codes, sent and their receipts kept; an item whose key was received is the first dossier.
func TestReceiveGroupSetsAsideAFailedItem(t *testing.T) {
	f := newFixture(t)
	decl := func() *forms.Declaration { d, _, _ := declaration(t, f, false); return d }
	first, err := f.svc.ReceiveWith(context.Background(), decl(), clerk, nil, "", counter.ReceiveOptions{Key: "k-used", Fingerprint: "a", NoPrint: true})
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.ReceiveWith(context.Background(), decl(), clerk, nil, "", counter.ReceiveOptions{Key: "k-same", NoPrint: true})
	if err != nil {
		t.Fatal(err)
	}
	items := []counter.GroupItem{
		{Decl: decl(), Opts: counter.ReceiveOptions{Key: "k1", NoPrint: true}},
		{Decl: decl(), Opts: counter.ReceiveOptions{Key: "k-used", Fingerprint: "b", NoPrint: true}},
		{Decl: decl(), Opts: counter.ReceiveOptions{Key: "k-same", NoPrint: true}},
		{Decl: decl(), Opts: counter.ReceiveOptions{ReceivedAt: f.clock.Now().Add(time.Hour)}},
		{Decl: decl(), Opts: counter.ReceiveOptions{Key: "k2", NoPrint: true}},
	}
	var written []int
	out, err := f.svc.ReceiveGroup(context.Background(), clerk, items, counter.GroupOptions{InTx: func(i int) { written = append(written, i) }})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(out[1].Err, counter.ErrKeyReused) || !errors.Is(out[3].Err, counter.ErrReceivedInFuture) {
		t.Errorf("refused items: %v, %v", out[1].Err, out[3].Err)
	}
	if !out[2].Duplicate || out[2].Dossier.Code != again.Dossier.Code {
		t.Errorf("item of a received key: %+v", out[2].Outcome)
	}
	a, b := out[0].Dossier, out[4].Dossier
	if out[0].Err != nil || out[4].Err != nil || a == nil || b == nil {
		t.Fatalf("received items: %v, %v", out[0].Err, out[4].Err)
	}
	if a.Code >= b.Code || first.Dossier.Code >= a.Code {
		t.Errorf("codes %s, %s after %s: not in order", a.Code, b.Code, first.Dossier.Code)
	}
	for _, o := range []counter.GroupOutcome{out[0], out[4]} {
		if !o.Submitted || o.Dossier.Status != forms.StatusSubmitted {
			t.Errorf("%s: submitted %v, status %s (%v)", o.Dossier.Code, o.Submitted, o.Dossier.Status, o.SubmitErr)
		}
		kept, err := f.store.GetReceipt(o.Dossier.Code)
		if err != nil {
			t.Errorf("%s: receipt not kept: %v", o.Dossier.Code, err)
		}
		// the receipt kept comes back with its QR code encoded, for the batch run's PDF
		if o.Receipt == nil || o.Receipt.QR == nil || o.Receipt.DossierCode != o.Dossier.Code {
			t.Fatalf("%s: outcome's receipt %+v", o.Dossier.Code, o.Receipt)
		}
		if again, err := printing.RenderPDFBytes(*o.Receipt, printing.Options{}); err != nil || !bytes.Equal(again, kept) {
			t.Errorf("%s: the outcome's receipt is not the one kept (%v)", o.Dossier.Code, err)
		}
	}
	for _, i := range []int{1, 2, 3} {
		if out[i].Receipt != nil {
			t.Errorf("item %d has a receipt", i)
		}
	}
	infos, err := f.store.ListDossiers(offline.DossierFilter{})
	if err != nil || len(infos) != 4 {
		t.Errorf("%d dossiers stored (%v), want 4", len(infos), err)
	}
	if !slices.Contains(written, 0) || !slices.Contains(written, 4) {
		t.Errorf("items written in the unit of work: %v", written)
	}
	codes, err := f.svc.ReceivedKeys(context.Background(), clerk, []string{"k1", "k2", "k-none"}, nil)
	if err != nil || !slices.Equal(codes, []string{a.Code, b.Code, ""}) {
		t.Errorf("received keys %v (%v)", codes, err)
	}
}
