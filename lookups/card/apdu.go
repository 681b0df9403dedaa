package card

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// Command is one command APDU.
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte
	Ne               int // expected response length: 0 none, 256 (short) or 65536 (extended) for "all"
	Extended         bool
}

// Bytes encodes the APDU in its short or extended form.
func (c Command) Bytes() []byte {
	out := []byte{c.CLA, c.INS, c.P1, c.P2}
	ext := c.Extended || len(c.Data) > 255 || c.Ne > 256
	if len(c.Data) > 0 {
		if ext {
			out = append(out, 0, byte(len(c.Data)>>8), byte(len(c.Data)))
		} else {
			out = append(out, byte(len(c.Data)))
		}
		out = append(out, c.Data...)
	}
	if c.Ne > 0 {
		switch {
		case ext && len(c.Data) > 0:
			out = append(out, byte(c.Ne>>8), byte(c.Ne)) // 65536 encodes as 0000
		case ext:
			out = append(out, 0, byte(c.Ne>>8), byte(c.Ne))
		default:
			out = append(out, byte(c.Ne)) // 256 encodes as 00
		}
	}
	return out
}

// Status words the reader acts on.
const (
	SWOK               = 0x9000
	SWSecurityStatus   = 0x6982
	SWFileNotFound     = 0x6A82
	SWWrongLength      = 0x6700
	SWSMObjectsWrong   = 0x6988
	SWEndOfFile        = 0x6282
	SWWrongOffset      = 0x6B00
	SWInsNotSupported  = 0x6D00
	SWAuthFailed       = 0x6300
	SWConditionsNotMet = 0x6985
	SWWrongData        = 0x6A80
)

// StatusError is a status word other than 9000.
type StatusError struct {
	SW   uint16
	What string // what the command did, for the log ("read DG13")
}

func (e *StatusError) Error() string { return fmt.Sprintf("card: %s: status %04X", e.What, e.SW) }

// SW returns the status word of err when it is a StatusError.
func SW(err error) (uint16, bool) {
	var se *StatusError
	if errors.As(err, &se) {
		return se.SW, true
	}
	return 0, false
}

// UnprotectedError is a chip answering a secured command without secure
// messaging (a bare status word). The session is closed: the reader never
// goes on in plain text.
type UnprotectedError struct {
	SW   uint16
	What string // the command ("read DG13")
	SFI  bool   // the command was a READ BINARY by short EF identifier
}

func (e *UnprotectedError) Error() string {
	return fmt.Sprintf("card: %s: status %04X without secure messaging", e.What, e.SW)
}

// Is makes every UnprotectedError match ErrUnprotected.
func (e *UnprotectedError) Is(target error) bool { return target == ErrUnprotected }

// AccessError is access control refused with the key given: the wrong CAN
// or MRZ key, or a chip that is not the one the key belongs to.
type AccessError struct {
	Method string // "PACE-CAN", "PACE-MRZ" or "BAC": which key was refused
	SW     uint16 // the chip's status word, 0 when the chip's own proof failed
	Err    error
}

func (e *AccessError) Error() string {
	return fmt.Sprintf("card: access key refused (%s): %v", e.Method, e.Err)
}

// Is makes every AccessError match ErrAccessDenied.
func (e *AccessError) Is(target error) bool { return target == ErrAccessDenied }

func (e *AccessError) Unwrap() error { return e.Err }

// keyRefused tells the status words chips answer to a mutual
// authentication with the wrong key: 6300 and 63Cx (tries left), 6982,
// and 6988 or 6A80 from chips that treat the cryptogram as bad data.
func keyRefused(sw uint16) bool {
	return sw>>8 == 0x63 || sw == SWSecurityStatus || sw == SWSMObjectsWrong || sw == SWWrongData
}

// Errors of the link to the card.
var (
	// ErrRemoved: the card left the field (or the reader was unplugged) mid-read.
	ErrRemoved = errors.New("card: card removed")
	// ErrNoReader: no PC/SC reader is attached.
	ErrNoReader = errors.New("card: no reader")
	// ErrNoCard: the reader holds no card.
	ErrNoCard = errors.New("card: no card on the reader")
	// ErrAccessDenied: neither PACE nor BAC opened the chip with the key given.
	ErrAccessDenied = errors.New("card: access key refused")
	// ErrNeedMRZ: the card offers no PACE this reader speaks, and BAC needs
	// the MRZ key (document number, birth and expiry dates).
	ErrNeedMRZ = errors.New("card: BAC needs the MRZ key")
	// ErrNoKey: the card needs an access key (CAN or MRZ) and none was given.
	ErrNoKey = errors.New("card: no access key")
	// ErrBadResponse: the card answered something the protocol does not allow.
	ErrBadResponse = errors.New("card: malformed response")
	// ErrSecureMessaging: a secured response failed its MAC check or its
	// objects are malformed.
	ErrSecureMessaging = errors.New("card: secure-messaging check failed")
	// ErrUnprotected: the chip answered a secured command in plain text
	// (see UnprotectedError).
	ErrUnprotected = errors.New("card: answer without secure messaging")
	// ErrSessionClosed: secure messaging has ended and access control has
	// not run again; nothing is sent.
	ErrSessionClosed = errors.New("card: secure messaging ended")
	// ErrNoAnswer: the chip or the reader stopped answering in the middle
	// of an APDU; the transmit was abandoned (see Options and PCSCStation).
	ErrNoAnswer = errors.New("card: no answer from the chip or the reader")
	// ErrNoDG13: the chip has no DG13, so it is not a Vietnamese identity
	// card (a passport, a foreign card).
	ErrNoDG13 = errors.New("card: no DG13 on the chip")
	// ErrPCSCUnavailable: this build has no PC/SC support.
	ErrPCSCUnavailable = errors.New("card: PC/SC is not available in this build")
)

// Transport carries raw APDUs to one card: a PC/SC connection or the
// emulator in-process.
type Transport interface {
	// Transmit sends a command APDU and returns the response with its status
	// word. It returns ErrRemoved (wrapped) when the card has gone.
	Transmit(ctx context.Context, apdu []byte) ([]byte, error)
	// ATR is the card's answer to reset.
	ATR() []byte
}

// Link wraps a transport with what every APDU needs: GET RESPONSE for 61xx,
// the re-issue of a command answered 6Cxx, counting, and the optional trace.
type Link struct {
	t     Transport
	count atomic.Int64
	trace io.Writer
	dead  atomic.Bool // a transmit was abandoned: the transport is not touched again
}

// MaxTransmit bounds one APDU when the read's context carries no deadline
// of its own (card.timeout normally bounds the whole read, every APDU in it).
const MaxTransmit = 30 * time.Second

// NewLink wraps t. trace, when non-nil, receives one line per APDU with the
// command header and the status word — never data.
func NewLink(t Transport, trace io.Writer) *Link { return &Link{t: t, trace: trace} }

// APDUs returns the number of APDUs exchanged so far.
func (l *Link) APDUs() int { return int(l.count.Load()) }

// ATR returns the card's answer to reset.
func (l *Link) ATR() []byte { return l.t.ATR() }

// Transmit sends raw and returns the response data and status word.
func (l *Link) Transmit(ctx context.Context, raw []byte) ([]byte, uint16, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	resp, sw, err := l.once(ctx, raw)
	if err != nil {
		return nil, 0, err
	}
	if sw>>8 == 0x6C && len(raw) >= 5 { // wrong Le: re-issue with the exact length
		again := append([]byte{}, raw...)
		again[len(again)-1] = byte(sw)
		if resp, sw, err = l.once(ctx, again); err != nil {
			return nil, 0, err
		}
	}
	var data []byte
	data = append(data, resp...)
	for rounds := 0; sw>>8 == 0x61; rounds++ { // more data: GET RESPONSE
		if rounds > 1024 {
			return nil, 0, fmt.Errorf("%w: endless GET RESPONSE", ErrBadResponse)
		}
		if resp, sw, err = l.once(ctx, []byte{raw[0] & 0x03, 0xC0, 0, 0, byte(sw)}); err != nil {
			return nil, 0, err
		}
		data = append(data, resp...)
	}
	return data, sw, nil
}

func (l *Link) once(ctx context.Context, raw []byte) ([]byte, uint16, error) {
	l.count.Add(1)
	resp, err := l.watch(ctx, raw)
	if err != nil {
		if l.trace != nil {
			fmt.Fprintf(l.trace, "apdu %02X %02X %02X %02X -> error\n", raw[0], at(raw, 1), at(raw, 2), at(raw, 3))
		}
		return nil, 0, err
	}
	if len(resp) < 2 {
		return nil, 0, fmt.Errorf("%w: response of %d bytes", ErrBadResponse, len(resp))
	}
	sw := uint16(resp[len(resp)-2])<<8 | uint16(resp[len(resp)-1])
	if l.trace != nil {
		fmt.Fprintf(l.trace, "apdu %02X %02X %02X %02X len=%d -> %04X len=%d\n", raw[0], at(raw, 1), at(raw, 2), at(raw, 3), len(raw), sw, len(resp)-2)
	}
	return resp[:len(resp)-2], sw, nil
}

func at(b []byte, i int) byte {
	if i < len(b) {
		return b[i]
	}
	return 0
}

// watch runs one transmit under a watchdog: a chip or driver that stops
// answering in the middle of an APDU would keep it blocked for as long as
// it likes (SCardTransmit cannot be cancelled). When the context ends (the
// read's timeout, or MaxTransmit without one) the call is abandoned: its
// goroutine is left to finish on its own, the link is dead from then on,
// and the error is ErrNoAnswer. A transport that can release what the call
// holds does so itself (Connection abandons its PC/SC context).
func (l *Link) watch(ctx context.Context, raw []byte) ([]byte, error) {
	if l.dead.Load() {
		return nil, fmt.Errorf("%w (the link was abandoned)", ErrNoAnswer)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, MaxTransmit)
		defer cancel()
	}
	type answer struct {
		resp []byte
		err  error
	}
	done := make(chan answer, 1) // buffered: an abandoned call does not block on it
	start := time.Now()
	go func() {
		resp, err := l.t.Transmit(ctx, raw)
		done <- answer{resp, err}
	}()
	select {
	case a := <-done:
		return a.resp, a.err
	case <-ctx.Done():
		l.dead.Store(true)
		if errors.Is(ctx.Err(), context.Canceled) { // stopped on purpose, not a silent chip
			return nil, fmt.Errorf("card: APDU abandoned: %w", ctx.Err())
		}
		return nil, fmt.Errorf("%w: APDU %02X %02X abandoned after %v: %w", ErrNoAnswer, at(raw, 1), at(raw, 2), time.Since(start).Round(time.Millisecond), ctx.Err())
	}
}
