package card

import (
	"context"
	"errors"
	"fmt"

	"motcua/lookups/card/icao"
)

// File identifiers and short EF identifiers of the LDS (ICAO 9303-10).
const (
	FIDCardAccess uint16 = 0x011C
	FIDCOM        uint16 = 0x011E
	FIDSOD        uint16 = 0x011D
)

// DGFID is the file identifier of data group n.
func DGFID(n int) uint16 { return 0x0100 | uint16(n) }

// AID of the eMRTD application.
var AID = []byte{0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01}

// selectCardAccess reads EF.CardAccess at the master file level. SELECT MF
// answers 6D00 on Vietnamese cards, so the EF is selected directly.
func (s *session) readCardAccess(ctx context.Context) ([]byte, error) {
	if _, err := s.send(ctx, Command{CLA: 0, INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x01, 0x1C}}, "select EF.CardAccess"); err != nil {
		return nil, err
	}
	return s.readSelected(ctx, "EF.CardAccess")
}

// selectApplet selects the eMRTD application.
func (s *session) selectApplet(ctx context.Context) error {
	_, err := s.send(ctx, Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: AID}, "select eMRTD application")
	return err
}

// readFile reads a whole elementary file of the applet: the first chunk by
// short EF identifier (which selects it, saving a SELECT), the rest by
// offset. A chip that refuses the short identifier with a verified status
// (sfiRefused) gets a SELECT instead, under the same keys, and every later
// file is selected too. A refusal without secure messaging is an
// *UnprotectedError with SFI set: the session is closed, and only the
// caller can restart access control.
func (s *session) readFile(ctx context.Context, fid uint16, what string) (data []byte, err error) {
	if s.noSFI {
		return s.readBySelect(ctx, fid, what)
	}
	sfi := byte(fid & 0x1F)
	chunk := s.maxChunk()
	first, err := s.send(ctx, Command{INS: 0xB0, P1: 0x80 | sfi, P2: 0, Ne: chunk, Extended: chunk > 256}, "read "+what)
	if sw, ok := SW(err); ok && sfiRefused(sw) {
		data, err := s.readBySelect(ctx, fid, what)
		if err == nil {
			s.noSFI = true
		}
		return data, err
	}
	var ue *UnprotectedError
	if errors.As(err, &ue) && sfiRefused(ue.SW) {
		ue.SFI = true
	}
	if err != nil {
		return nil, err
	}
	return s.readRest(ctx, first, what)
}

// sfiRefused tells the status words chips answer to a READ BINARY by short
// EF identifier they do not support (or not for that file).
func sfiRefused(sw uint16) bool {
	switch sw {
	case 0x6A86, 0x6981, SWWrongOffset, SWFileNotFound:
		return true
	}
	return false
}

// readBySelect selects an EF by its identifier and reads it from the start.
func (s *session) readBySelect(ctx context.Context, fid uint16, what string) ([]byte, error) {
	if _, err := s.send(ctx, Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(fid >> 8), byte(fid)}}, "select "+what); err != nil {
		return nil, err
	}
	return s.readSelected(ctx, what)
}

// readSelected reads the currently selected file from offset 0.
func (s *session) readSelected(ctx context.Context, what string) ([]byte, error) {
	first, err := s.send(ctx, Command{INS: 0xB0, Ne: min(s.maxChunk(), 256), Extended: false}, "read "+what)
	if err != nil {
		return nil, err
	}
	return s.readRest(ctx, first, what)
}

func (s *session) readRest(ctx context.Context, first []byte, what string) ([]byte, error) {
	hdr, n, err := icao.TLVHeaderLen(first)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadResponse, what, err)
	}
	total := hdr + n
	if total > 0x7FFF {
		return nil, fmt.Errorf("%w: %s of %d bytes is beyond this reader's offsets", ErrBadResponse, what, total)
	}
	data := make([]byte, 0, total)
	data = append(data, first[:min(len(first), total)]...)
	for len(data) < total {
		ne := min(s.maxChunk(), total-len(data))
		part, err := s.send(ctx, Command{INS: 0xB0, P1: byte(len(data) >> 8), P2: byte(len(data)), Ne: ne, Extended: s.extended && ne > 256}, "read "+what)
		if err != nil {
			return nil, err
		}
		if len(part) == 0 {
			return nil, fmt.Errorf("%w: %s ends at %d of %d bytes", ErrBadResponse, what, len(data), total)
		}
		data = append(data, part[:min(len(part), total-len(data))]...)
	}
	return data, nil
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
