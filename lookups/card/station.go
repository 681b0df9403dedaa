package card

import (
	"context"
	"errors"
	"fmt"

	"motcua/lookups"
)

// Station is where the clerk taps a card: a PC/SC reader, or the chip
// emulator holding the synthetic persons' cards (demo and training).
type Station interface {
	// Name is shown in the status bar.
	Name() string
	// Virtual lists the cards that can be "tapped" by choosing them; nil
	// for a physical reader.
	Virtual() []lookups.CardInfo
	// Read reads the card on the reader (or the chosen virtual card) with
	// key, reporting each step to progress.
	Read(ctx context.Context, virtualID string, key Key, progress func(Progress)) (*Result, error)
}

// Emulated adapts a chip answering APDUs in-process (the emulator) to a
// Transport. Removed is the chip's "card removed" error.
type Emulated struct {
	Chip interface {
		ATR() []byte
		Transmit([]byte) ([]byte, error)
	}
	Removed error
}

// ATR implements Transport.
func (e Emulated) ATR() []byte { return e.Chip.ATR() }

// Transmit implements Transport.
func (e Emulated) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	resp, err := e.Chip.Transmit(apdu)
	if err != nil && e.Removed != nil && errors.Is(err, e.Removed) {
		return nil, fmt.Errorf("%w (%v)", ErrRemoved, err)
	}
	return resp, err
}

// PCSCStation reads cards on a PC/SC reader.
type PCSCStation struct {
	P      *PCSC
	Reader string // preferred reader name (substring); "" = first contactless
	Opt    Options
}

// Name implements Station.
func (s *PCSCStation) Name() string {
	if s.Reader != "" {
		return s.Reader
	}
	return "PC/SC"
}

// Virtual implements Station: a physical reader has no virtual cards.
func (s *PCSCStation) Virtual() []lookups.CardInfo { return nil }

// Read implements Station.
func (s *PCSCStation) Read(ctx context.Context, _ string, key Key, progress func(Progress)) (*Result, error) {
	readers, err := s.P.Readers()
	if err != nil {
		return nil, err
	}
	r, err := Pick(readers, s.Reader)
	if err != nil {
		return nil, err
	}
	conn, err := s.P.Connect(r.Name)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return Read(ctx, conn, key, s.Opt, progress)
}

// Watch reports reader and card changes (see PCSC.Watch).
func (s *PCSCStation) Watch(ctx context.Context) <-chan ReaderEvent { return s.P.Watch(ctx) }
