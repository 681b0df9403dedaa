//go:build cgo || windows

package card

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ebfe/scard"
)

// PCSC is a connection to the PC/SC service (pcscd, or WinSCard on Windows).
type PCSC struct {
	ctx *scard.Context
	mu  sync.Mutex
}

// OpenPCSC connects to the PC/SC service.
func OpenPCSC() (*PCSC, error) {
	c, err := scard.EstablishContext()
	if err != nil {
		return nil, pcscErr(err)
	}
	return &PCSC{ctx: c}, nil
}

// Close releases the service context.
func (p *PCSC) Close() error { return p.ctx.Release() }

// Readers lists the attached readers with whether a card is on them.
func (p *PCSC) Readers() ([]ReaderInfo, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	names, err := p.ctx.ListReaders()
	if err != nil {
		if errors.Is(err, scard.ErrNoReadersAvailable) {
			return nil, nil
		}
		return nil, pcscErr(err)
	}
	states := make([]scard.ReaderState, len(names))
	for i, n := range names {
		states[i] = scard.ReaderState{Reader: n, CurrentState: scard.StateUnaware}
	}
	if len(states) > 0 {
		if err := p.ctx.GetStatusChange(states, 0); err != nil && !errors.Is(err, scard.ErrTimeout) {
			return nil, pcscErr(err)
		}
	}
	out := make([]ReaderInfo, len(names))
	for i, n := range names {
		out[i] = ReaderInfo{Name: n, Contactless: isContactless(n), CardPresent: states[i].EventState&scard.StatePresent != 0, ATR: states[i].Atr}
	}
	return out, nil
}

// Connection is an exclusive connection to the card on one reader, inside a
// PC/SC transaction so no other program interleaves APDUs. It has a PC/SC
// context of its own: a transmit that never returns (a chip or driver
// gone silent in the middle of an APDU) is abandoned together with that
// context, and the station's context, which lists readers and watches for
// cards, stays usable.
type Connection struct {
	ctx  *scard.Context
	card *scard.Card
	atr  []byte

	mu        sync.Mutex
	busy      chan struct{} // closed when the transmit in flight returns; nil when none
	abandoned bool
}

// Connect opens the card on reader exclusively, in a new PC/SC context.
func (p *PCSC) Connect(reader string) (*Connection, error) {
	ctx, err := scard.EstablishContext()
	if err != nil {
		return nil, pcscErr(err)
	}
	c, err := ctx.Connect(reader, scard.ShareExclusive, scard.ProtocolAny)
	if err != nil {
		_ = ctx.Release()
		return nil, pcscErr(err)
	}
	// On the error paths the first error is the one to report; the clean-up's are not.
	if err := c.BeginTransaction(); err != nil {
		_ = c.Disconnect(scard.ResetCard)
		_ = ctx.Release()
		return nil, pcscErr(err)
	}
	st, err := c.Status()
	if err != nil {
		_ = c.EndTransaction(scard.LeaveCard)
		_ = c.Disconnect(scard.ResetCard)
		_ = ctx.Release()
		return nil, pcscErr(err)
	}
	return &Connection{ctx: ctx, card: c, atr: st.Atr}, nil
}

// ATR implements Transport.
func (c *Connection) ATR() []byte { return c.atr }

// Transmit implements Transport. It returns when ctx ends even if
// SCardTransmit does not: the connection is then abandoned (ErrNoAnswer),
// and released in the background once the call comes back, if ever.
func (c *Connection) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.abandoned {
		c.mu.Unlock()
		return nil, fmt.Errorf("%w (the connection was abandoned)", ErrNoAnswer)
	}
	busy := make(chan struct{})
	c.busy = busy
	c.mu.Unlock()
	type answer struct {
		resp []byte
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		resp, err := c.card.Transmit(apdu)
		close(busy) // before the answer: a Close right after it must not see a call in flight
		done <- answer{resp, err}
	}()
	var a answer
	select {
	case a = <-done:
	case <-ctx.Done():
		c.mu.Lock()
		c.abandoned = true
		c.mu.Unlock()
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, fmt.Errorf("card: transmit abandoned: %w", ctx.Err())
		}
		return nil, fmt.Errorf("%w: SCardTransmit still blocked, connection abandoned: %w", ErrNoAnswer, ctx.Err())
	}
	if a.err != nil {
		return nil, pcscErr(a.err)
	}
	resp := a.resp
	if len(resp) < 2 {
		// Some drivers (vpcd among them) answer nothing when the card has
		// gone instead of failing: ask the reader, which may take a polling
		// period to notice.
		for range 15 {
			st, err := c.card.Status()
			switch {
			case err != nil:
				return nil, pcscErr(err)
			case st.State&scard.Present == 0 && st.State&scard.Swallowed == 0:
				return nil, fmt.Errorf("%w (no answer, card absent)", ErrRemoved)
			}
			sleepCtx(ctx, 100*time.Millisecond)
		}
		return nil, fmt.Errorf("%w: response of %d bytes", ErrBadResponse, len(resp))
	}
	return resp, nil
}

// Close ends the transaction and resets the card, so the next read starts
// from a fresh chip session, and releases the connection's PC/SC context.
// An abandoned connection is closed in the background once its transmit
// returns: Close itself never blocks on a silent chip.
func (c *Connection) Close() error {
	c.mu.Lock()
	abandoned, busy := c.abandoned, c.busy
	if busy != nil {
		select {
		case <-busy:
		default: // a transmit still in flight: whoever waited for it gave up
			abandoned, c.abandoned = true, true
		}
	}
	c.mu.Unlock()
	closeAll := func() error {
		_ = c.card.EndTransaction(scard.LeaveCard) // Disconnect ends it too; its error says more
		err := c.card.Disconnect(scard.ResetCard)
		_ = c.ctx.Release()
		return err
	}
	if abandoned && busy != nil {
		go func() {
			<-busy
			_ = closeAll()
		}()
		return nil
	}
	return closeAll()
}

// pcscErr maps PC/SC errors onto this package's.
func pcscErr(err error) error {
	switch {
	case errors.Is(err, scard.ErrRemovedCard), errors.Is(err, scard.ErrResetCard), errors.Is(err, scard.ErrUnpoweredCard),
		errors.Is(err, scard.ErrReaderUnavailable), errors.Is(err, scard.ErrUnknownReader):
		return fmt.Errorf("%w (%v)", ErrRemoved, err)
	case errors.Is(err, scard.ErrNoSmartcard):
		return fmt.Errorf("%w (%v)", ErrNoCard, err)
	case errors.Is(err, scard.ErrNoReadersAvailable):
		return fmt.Errorf("%w (%v)", ErrNoReader, err)
	case errors.Is(err, scard.ErrNoService), errors.Is(err, scard.ErrServiceStopped):
		return fmt.Errorf("%w (%v)", ErrNoService, err)
	}
	return err
}

// Watch reports reader and card changes until ctx is done, from a goroutine
// blocked in SCardGetStatusChange (with the PnP pseudo-reader, so attached
// and unplugged readers are seen too). Each event carries the full state.
// The goroutine has its own PC/SC context: a context blocked in a wait
// would hold up a Connect on the same one.
func (p *PCSC) Watch(ctx context.Context) <-chan ReaderEvent {
	out := make(chan ReaderEvent, 4)
	go func() {
		defer close(out)
		var w *PCSC
		for w == nil {
			var err error
			if w, err = OpenPCSC(); err != nil {
				select {
				case out <- ReaderEvent{Err: err}:
				case <-ctx.Done():
					return
				}
				sleepCtx(ctx, 2*time.Second)
				if ctx.Err() != nil {
					return
				}
			}
		}
		defer w.Close()
		p := w
		send := func(ev ReaderEvent) bool {
			select {
			case out <- ev:
				return true
			case <-ctx.Done():
				return false
			}
		}
		stop := context.AfterFunc(ctx, func() { _ = p.ctx.Cancel() }) // wakes GetStatusChange; nothing to do if it fails
		defer stop()
		const pnp = `\\?PnP?\Notification`
		var last string
		for ctx.Err() == nil {
			readers, err := p.Readers()
			if err != nil {
				if key := "error: " + err.Error(); key != last {
					last = key
					if !send(ReaderEvent{Err: err}) {
						return
					}
				}
				sleepCtx(ctx, 2*time.Second)
				continue
			}
			if key := fmt.Sprint(readers); key != last {
				last = key
				if !send(ReaderEvent{Readers: readers}) {
					return
				}
			}
			states := []scard.ReaderState{{Reader: pnp, CurrentState: scard.StateFlag(uint32(len(readers)) << 16)}}
			for _, r := range readers {
				cur := scard.StateEmpty
				if r.CardPresent {
					cur = scard.StatePresent
				}
				states = append(states, scard.ReaderState{Reader: r.Name, CurrentState: cur})
			}
			err = p.ctx.GetStatusChange(states, 5*time.Second)
			switch {
			case err == nil, errors.Is(err, scard.ErrTimeout):
			case errors.Is(err, scard.ErrCancelled):
				return
			default:
				sleepCtx(ctx, 500*time.Millisecond) // e.g. a reader vanished between list and wait
			}
		}
	}()
	return out
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
