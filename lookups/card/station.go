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
	conn, err := connect(ctx, s.P, r.Name)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return Read(ctx, conn, key, s.Opt, progress)
}

// connect opens the card within ctx: a reader stuck behind a silent chip
// may keep SCardConnect waiting too. A connection that comes too late is
// closed as soon as it does.
func connect(ctx context.Context, p *PCSC, reader string) (*Connection, error) {
	type answer struct {
		conn *Connection
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		c, err := p.Connect(reader)
		done <- answer{c, err}
	}()
	select {
	case a := <-done:
		return a.conn, a.err
	case <-ctx.Done():
		go func() {
			if a := <-done; a.err == nil {
				a.conn.Close()
			}
		}()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w: SCardConnect still waiting: %w", ErrNoAnswer, ctx.Err())
		}
		return nil, ctx.Err()
	}
}

// Watch reports reader and card changes (see PCSC.Watch).
func (s *PCSCStation) Watch(ctx context.Context) <-chan ReaderEvent { return s.P.Watch(ctx) }
