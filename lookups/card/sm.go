package card

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"

	"motcua/lookups/card/icao"
)

// session is the reader's end of one conversation with a chip: plain until
// access control succeeds, then wrapped in secure messaging. Once secure
// messaging has started it never falls back to plain text: an answer that
// is not secured, or fails its MAC, closes the session, and nothing more is
// sent until access control runs again (restart).
type session struct {
	link     *Link
	keys     *icao.Keys // nil: plain (before access control) or closed
	extended bool       // the card takes extended-length APDUs
	closed   bool       // secure messaging ended: every send fails until restart
	verified int        // answers whose MAC verified under the current keys
	noSFI    bool       // the chip refused a short EF identifier: read by SELECT
}

// secure switches to secure messaging under k (access control or chip
// authentication succeeded).
func (s *session) secure(k *icao.Keys) { s.keys, s.closed, s.verified = k, false, 0 }

// restart forgets the secure channel before access control runs again.
func (s *session) restart() { s.keys, s.closed, s.verified = nil, false, 0 }

// close ends secure messaging for good (until restart).
func (s *session) close() { s.keys, s.closed = nil, true }

// send transmits c (protected when a secure channel is open) and returns the
// response data. A status other than 9000 (or 6282, end of file reached,
// with data) is a *StatusError naming what; under secure messaging the
// status is the one the chip put in the verified DO99. An answer to a
// secured command that is not secured is an *UnprotectedError, one that
// fails its check ErrSecureMessaging: both close the session.
func (s *session) send(ctx context.Context, c Command, what string) ([]byte, error) {
	if s.closed {
		return nil, fmt.Errorf("%s: %w", what, ErrSessionClosed)
	}
	if s.keys == nil {
		data, sw, err := s.link.Transmit(ctx, c.Bytes())
		if err != nil {
			return nil, err
		}
		if sw != SWOK && (sw != SWEndOfFile || len(data) == 0) {
			return nil, &StatusError{SW: sw, What: what}
		}
		return data, nil
	}
	raw, err := s.protect(c)
	if err != nil {
		return nil, err
	}
	data, sw, err := s.link.Transmit(ctx, raw)
	if err != nil {
		return nil, err
	}
	plain, inner, err := s.unprotect(data, sw)
	if err != nil {
		s.close()
		var ue *UnprotectedError
		if errors.As(err, &ue) {
			ue.What = what
			return nil, ue
		}
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	s.verified++
	if inner != SWOK && (inner != SWEndOfFile || len(plain) == 0) {
		return nil, &StatusError{SW: inner, What: what}
	}
	return plain, nil
}

// protect wraps c in secure messaging (ICAO 9303-11 §9.8.6).
func (s *session) protect(c Command) ([]byte, error) {
	k := s.keys
	bs := k.Cipher.BlockSize()
	header := []byte{c.CLA | 0x0C, c.INS, c.P1, c.P2}
	var do87, do97 []byte
	k.Increment() // the counter first: AES derives the IV from it
	if len(c.Data) > 0 {
		ct, err := k.Encrypt(icao.Pad(c.Data, bs))
		if err != nil {
			return nil, err
		}
		if c.INS&1 == 1 { // odd INS: data already BER-TLV, DO85 without the padding indicator
			do87 = icao.Encode(0x85, ct)
		} else {
			do87 = icao.Encode(0x87, []byte{0x01}, ct)
		}
	}
	if c.Ne > 0 {
		switch {
		case c.Ne > 256:
			do97 = []byte{0x97, 0x02, byte(c.Ne >> 8), byte(c.Ne)}
		default:
			do97 = []byte{0x97, 0x01, byte(c.Ne)}
		}
	}
	m := append(icao.Pad(header, bs), do87...)
	m = append(m, do97...)
	mac, err := k.Sum(m)
	if err != nil {
		return nil, err
	}
	body := append(append(append([]byte{}, do87...), do97...), icao.Encode(0x8E, mac)...)
	out := Command{CLA: header[0], INS: c.INS, P1: c.P1, P2: c.P2, Data: body, Ne: 256}
	if c.Ne > 256 || len(body) > 255 || (s.extended && c.Ne > 0 && c.Extended) {
		out.Extended, out.Ne = true, 65536
	}
	return out.Bytes(), nil
}

// unprotect checks and decrypts a secured response; inner is the status
// word the chip put in DO99. An answer without secure-messaging objects is
// an *UnprotectedError (a chip that dropped the channel, or a clone that
// cannot answer under the keys); an answer whose objects are malformed or
// whose MAC is wrong is ErrSecureMessaging. Neither is ever taken as data.
func (s *session) unprotect(data []byte, sw uint16) (plain []byte, inner uint16, err error) {
	k := s.keys
	k.Increment()
	if len(data) == 0 {
		if sw == SWOK {
			return nil, 0, fmt.Errorf("%w: empty secured response", ErrSecureMessaging)
		}
		return nil, 0, &UnprotectedError{SW: sw}
	}
	objs, err := icao.ParseAll(data)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrSecureMessaging, err)
	}
	var do87, do99, mac []byte
	var macced []byte
	for _, o := range objs {
		switch o.Tag {
		case 0x87, 0x85:
			if do87 != nil || mac != nil {
				return nil, 0, fmt.Errorf("%w: data object out of place", ErrSecureMessaging)
			}
			do87 = o.Value
			if o.Tag == 0x87 {
				if len(do87) == 0 || do87[0] != 0x01 {
					return nil, 0, fmt.Errorf("%w: DO87 without padding indicator", ErrSecureMessaging)
				}
				do87 = do87[1:]
			}
			macced = append(macced, o.Raw...)
		case 0x99:
			if do99 != nil || mac != nil {
				return nil, 0, fmt.Errorf("%w: DO99 out of place", ErrSecureMessaging)
			}
			do99 = o.Value
			macced = append(macced, o.Raw...)
		case 0x8E:
			if mac != nil {
				return nil, 0, fmt.Errorf("%w: two DO8E", ErrSecureMessaging)
			}
			mac = o.Value
		default:
			return nil, 0, fmt.Errorf("%w: unexpected object %X", ErrSecureMessaging, o.Tag)
		}
	}
	if mac == nil || len(do99) != 2 {
		return nil, 0, fmt.Errorf("%w: response lacks DO99 or DO8E", ErrSecureMessaging)
	}
	want, err := k.Sum(macced)
	if err != nil {
		return nil, 0, err
	}
	if subtle.ConstantTimeCompare(want, mac) != 1 {
		return nil, 0, fmt.Errorf("%w: wrong MAC", ErrSecureMessaging)
	}
	inner = uint16(do99[0])<<8 | uint16(do99[1])
	if len(do87) > 0 {
		if plain, err = k.Decrypt(do87); err != nil {
			return nil, 0, fmt.Errorf("%w: %v", ErrSecureMessaging, err)
		}
	}
	return plain, inner, nil
}

// maxChunk is the largest plaintext a READ BINARY may ask for so that the
// secured response still fits: 256 bytes for short APDUs (DO87 header 3,
// padding indicator 1, DO99 4, DO8E 10), much more with extended length.
func (s *session) maxChunk() int {
	if s.keys == nil {
		if s.extended {
			return 0x7F00
		}
		return 256
	}
	if s.extended {
		return 0x7F00 - 32
	}
	bs := s.keys.Cipher.BlockSize()
	ct := (256 - 3 - 1 - 4 - 10) / bs * bs // largest whole-block ciphertext
	return ct - 1                          // at least one padding byte
}
