package demo

import (
	"context"
	"fmt"
	"sync"
	"time"

	"motcua/lookups"
	"motcua/lookups/card"
	"motcua/lookups/card/cardsim"
	"motcua/lookups/sandbox"
)

// Station is the demo's virtual card reader. Tapping a card runs the real
// chip-reading code (PACE, secure messaging, passive, active and chip
// authentication) against the chip emulator holding that synthetic
// person's card, signed by the test PKI the demo trusts. Two training cards
// show what a clerk sees when a check fails: a cloned chip and a card whose
// data was altered.
type Station struct {
	population func() *sandbox.Population // built on first use too
	pop        *sandbox.Population
	opt        card.Options
	// the card list and the trust store are made on first use (finding the
	// featured persons generates households, the test PKI signs certificates):
	// the counter's first screen does not wait for them
	list  sync.Once
	cards []lookups.CardInfo
	fault map[string]cardsim.Profile // training cards: virtual ID -> fault profile
	real  map[string]string          // training card -> the person whose data it carries
	// Latency is the emulated link's delay per APDU (a contactless link is
	// about 30 ms; the demo uses less so a tap stays quick).
	Latency time.Duration

	mu    sync.Mutex
	chips map[string]*cardsim.Card
}

// Training card identifiers (not personal IDs: they never reach the gateway
// as such; the card carries its person's real synthetic ID).
const (
	ClonedCard   = "the-sao-chep"
	TamperedCard = "the-bi-sua"
	// PassiveOnlyCard carries no active or chip authentication: its data
	// are signed, but nothing proves it is the original chip.
	PassiveOnlyCard = "the-khong-chong-sao-chep"
)

// NewStation is the virtual reader of pop's cards: the featured persons'
// cards, the married persons' spouses (so both parents of a newborn can
// tap), and the training cards.
func NewStation(pop *sandbox.Population) *Station {
	return newStation(func() *sandbox.Population { return pop })
}

// newStation is NewStation of the population population returns, asked for
// when the cards are first listed.
func newStation(population func() *sandbox.Population) *Station {
	return &Station{population: population, chips: map[string]*cardsim.Card{}, Latency: 8 * time.Millisecond}
}

// listCards finds the cards of the station (once).
func (s *Station) listCards() {
	s.list.Do(s.findCards)
}

func (s *Station) findCards() {
	s.pop = s.population()
	s.opt.Trust = card.NewTrustStore(cardsim.TestPKI().CSCA)
	pop := s.pop
	s.fault, s.real = map[string]cardsim.Profile{}, map[string]string{}
	var first string
	for _, f := range sandbox.Featured() {
		c, ok := pop.Card(f.ID)
		if !ok {
			continue
		}
		if first == "" {
			first = f.ID
		}
		s.cards = append(s.cards, lookups.CardInfo{ID: f.ID, Name: c.FullName, Note: f.Note})
		if res, ok := pop.Resident(f.ID); ok && f.Kind == "married" && res.Spouse != nil {
			if sc, ok := pop.Card(res.Spouse.ID); ok {
				s.cards = append(s.cards, lookups.CardInfo{ID: sc.ID, Name: sc.FullName,
					Note: "Vợ/chồng của " + c.FullName + " — dùng để thử liên thông khai sinh (cha, mẹ chạm thẻ)"})
			}
		}
	}
	if first != "" {
		c, _ := pop.Card(first)
		s.cards = append(s.cards,
			lookups.CardInfo{ID: ClonedCard, Name: c.FullName, Note: "Thẻ tập huấn: chip sao chép (xác thực chủ động phải báo KHÔNG ĐẠT)"},
			lookups.CardInfo{ID: TamperedCard, Name: c.FullName, Note: "Thẻ tập huấn: dữ liệu chip bị sửa (chữ ký số phải báo KHÔNG ĐẠT)"},
			lookups.CardInfo{ID: PassiveOnlyCard, Name: c.FullName, Note: "Thẻ tập huấn: chip không có chống sao chép (dữ liệu đúng chữ ký, phải đối chiếu ảnh chân dung)"})
		s.real[ClonedCard], s.real[TamperedCard], s.real[PassiveOnlyCard] = first, first, first
		s.fault[ClonedCard] = cardsim.Profile{Cloned: true}
		s.fault[TamperedCard] = cardsim.Profile{TamperDG13: true}
		s.fault[PassiveOnlyCard] = cardsim.Profile{NoChipAuth: true, AA: "none"}
	}
}

// Trust is the trust store the demo reads with: the test CSCA.
func (s *Station) Trust() *card.TrustStore {
	s.listCards()
	return s.opt.Trust
}

// Name is shown in the status bar.
func (s *Station) Name() string { return "thẻ ảo (demo, chip mô phỏng)" }

// Virtual lists the cards that can be tapped.
func (s *Station) Virtual() []lookups.CardInfo {
	s.listCards()
	return s.cards
}

// Chip returns the emulated chip of a virtual card, built on first use.
func (s *Station) Chip(id string) (*cardsim.Card, error) {
	s.listCards()
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.chips[id]; ok {
		c.Reset()
		return c, nil
	}
	person := id
	prof := s.fault[id]
	if r, ok := s.real[id]; ok {
		person = r
	}
	c, err := NewChip(s.pop, person, prof)
	if err != nil {
		return nil, err
	}
	s.chips[id] = c
	return c, nil
}

// NewChip builds the emulated chip of a person of pop with prof (the test
// PKI signs it).
func NewChip(pop *sandbox.Population, id string, prof cardsim.Profile) (*cardsim.Card, error) {
	cit, ok := pop.Card(id)
	if !ok {
		return nil, fmt.Errorf("demo: no card for this person")
	}
	var father, mother, spouse string
	if r, ok := pop.Resident(id); ok {
		if r.Father != nil {
			father = r.Father.FullName
		}
		if r.Mother != nil {
			mother = r.Mother.FullName
		}
		if r.Spouse != nil {
			spouse = r.Spouse.FullName
		}
	}
	return cardsim.New(cardsim.PersonFromCitizen(cit, father, mother, spouse), prof, cardsim.TestPKI())
}

// Read taps the virtual card id. Without a key the clerk reads the number
// printed on the card: its last 6 digits are the CAN.
func (s *Station) Read(ctx context.Context, id string, key card.Key, progress func(card.Progress)) (*card.Result, error) {
	chip, err := s.Chip(id)
	if err != nil {
		return nil, err
	}
	if key == (card.Key{}) {
		key = card.Key{CAN: chip.CAN()}
	}
	return card.Read(ctx, slowChip{chip, s.Latency}, key, s.opt, progress) // Chip made the list and the trust store
}

// slowChip adds the emulated link's per-APDU delay in front of the chip,
// honouring cancellation.
type slowChip struct {
	c       *cardsim.Card
	latency time.Duration
}

func (t slowChip) ATR() []byte { return t.c.ATR() }

func (t slowChip) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if t.latency > 0 {
		timer := time.NewTimer(t.latency)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		}
	}
	return card.Emulated{Chip: t.c, Removed: cardsim.ErrRemoved}.Transmit(ctx, apdu)
}
