package cardsim

import (
	"bytes"
	"io"

	"motcua/lookups/card/icao"
)

// File identifiers.
const (
	fidCardAccess uint16 = 0x011C
	fidCOM        uint16 = 0x011E
	fidSOD        uint16 = 0x011D
	fidDG3        uint16 = 0x0103
)

func dgFID(n int) uint16 { return 0x0100 | uint16(n) }

// aidMRTD is the eMRTD application identifier.
var aidMRTD = []byte{0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01}

// result is what a command handler answers before secure messaging or the
// T=0 transformation.
type result struct {
	data []byte
	sw   uint16
}

func ok(data []byte) result { return result{data: data, sw: swOK} }
func fail(sw uint16) result { return result{sw: sw} }

func (c *Card) process(raw []byte) []byte {
	cmd, sw := parseAPDU(raw)
	if sw != 0 {
		return status(nil, sw)
	}
	if cmd.ext && !c.prof.Extended {
		// Rejected by the transport layer, before secure messaging: the
		// session and its counter stay as they were.
		return status(nil, swWrongLength)
	}
	if cmd.cla&^0x1C != 0 { // only the interindustry class without channels
		return status(nil, swCLANotSupported)
	}
	if cmd.cla&0x0C == 0x0C {
		return c.secure(cmd)
	}
	if cmd.cla&0x0C != 0 { // proprietary SM formats
		return status(nil, swSMNotSupported)
	}
	if cmd.ins == insGetResponse {
		return c.getResponse(cmd)
	}
	c.pending = nil
	// ICAO 9303-11: a plain command during secure messaging ends the session.
	if c.sm != nil && !c.lax {
		c.dropSession()
		if c.inApplet {
			c.ef = 0
		}
	}
	r := c.dispatch(cmd, false)
	if c.prof.T0 && len(r.data) > 0 && r.sw == swOK {
		// T=0 style: the data waits for GET RESPONSE.
		c.pending = r.data
		return status(nil, 0x6100|uint16(byte(len(r.data))))
	}
	return status(r.data, r.sw)
}

// getResponse hands out data kept back by the T=0 style. It is not an
// ordinary command: it must not end a session just established by the
// command whose answer it fetches.
func (c *Card) getResponse(cmd command) []byte {
	if len(c.pending) == 0 {
		return status(nil, swConditionsNotMet)
	}
	if cmd.p1 != 0 || cmd.p2 != 0 {
		return status(nil, swWrongP1P2)
	}
	if !cmd.hasLe {
		return status(nil, swWrongLength)
	}
	n := min(cmd.ne, len(c.pending))
	data := c.pending[:n]
	c.pending = c.pending[n:]
	if len(c.pending) > 0 {
		return status(data, 0x6100|uint16(byte(len(c.pending))))
	}
	c.pending = nil
	return status(data, swOK)
}

func (c *Card) dispatch(cmd command, secure bool) result {
	if cmd.cla&0x10 != 0 && cmd.ins != insGeneralAuth {
		return fail(swChainingUnsupported)
	}
	switch cmd.ins {
	case insSelect:
		return c.selectFile(cmd)
	case insReadBinary, insReadBinaryOdd:
		return c.readBinary(cmd, secure)
	case insGetChallenge:
		return c.getChallenge(cmd)
	case insExternalAuth:
		return c.externalAuthenticate(cmd, secure)
	case insMSE:
		return c.manageSecurityEnvironment(cmd, secure)
	case insGeneralAuth:
		if secure {
			return c.chipAuthenticate(cmd)
		}
		return c.paceStep(cmd)
	case insInternalAuth:
		return c.internalAuthenticate(cmd, secure)
	}
	return fail(swINSNotSupported)
}

func (c *Card) selectFile(cmd command) result {
	switch cmd.p1 {
	case 0x04: // by DF name
		if !bytes.Equal(cmd.data, aidMRTD) {
			return fail(swFileNotFound)
		}
		c.inApplet, c.ef = true, 0
		if cmd.p2&0x0C == 0x0C {
			return ok(nil)
		}
		return ok(icao.Encode(0x6F, icao.Encode(0x84, aidMRTD))) // FCI
	case 0x00:
		// These chips do not implement selecting the MF at all.
		if len(cmd.data) == 0 || bytes.Equal(cmd.data, []byte{0x3F, 0x00}) {
			return fail(swINSNotSupported)
		}
		fallthrough // an EF identifier: as P1 = 02
	case 0x02: // EF under the current DF
		if len(cmd.data) != 2 {
			return fail(swWrongLength)
		}
		fid := uint16(cmd.data[0])<<8 | uint16(cmd.data[1])
		content, sw := c.lookup(fid)
		if sw != 0 {
			return fail(sw)
		}
		c.ef = fid
		if cmd.p2&0x0C == 0x0C {
			return ok(nil)
		}
		// FCP: size, EF type, identifier
		size := []byte{byte(len(content) >> 8), byte(len(content))}
		return ok(icao.Encode(0x62, icao.Encode(0x80, size), icao.Encode(0x82, []byte{0x01}), icao.Encode(0x83, cmd.data)))
	}
	return fail(swWrongP1P2)
}

// lookup finds an EF of the current DF and applies the access rules:
// applet files need BAC or PACE, Profile.Deny overrides, DG3 needs EAC.
func (c *Card) lookup(fid uint16) ([]byte, uint16) {
	files := c.mf
	if c.inApplet {
		files = c.app
	}
	// Before any selection the chip guards the applet's files as an
	// implicitly selected applet would (6982, not 6A82); after PACE the
	// terminal must select the applet first.
	_, inApp := c.app[fid]
	_, inMF := c.mf[fid]
	if c.sm == nil && !c.lax && (c.inApplet || inApp && !inMF) {
		return nil, swSecurityStatus
	}
	if sw, ok := c.prof.Deny[fid]; ok {
		return nil, sw
	}
	content, ok := files[fid]
	if !ok {
		return nil, swFileNotFound
	}
	if c.inApplet && fid == fidDG3 {
		return nil, swSecurityStatus // fingerprints: extended access control only
	}
	return content, 0
}

func (c *Card) readBinary(cmd command, secure bool) result {
	var (
		fid uint16
		off int
	)
	if cmd.ins == insReadBinary {
		if cmd.p1&0x80 != 0 { // short EF identifier, P2 = offset
			if c.prof.NoSFI {
				return fail(swWrongP1P2)
			}
			sfi := cmd.p1 & 0x1F
			if cmd.p1&0x60 != 0 || sfi == 0 || sfi == 0x1F {
				return fail(swWrongP1P2)
			}
			fid, off = 0x0100|uint16(sfi), int(cmd.p2)
		} else {
			fid, off = c.ef, int(cmd.p1p2()&0x7FFF)
		}
	} else {
		// Odd INS: P1-P2 names the file (0000 = current EF, 0001-001E an
		// SFI, otherwise an FID) and DO54 holds the offset.
		switch p := cmd.p1p2(); {
		case p == 0:
			fid = c.ef
		case p <= 0x1E:
			fid = 0x0100 | p
		default:
			fid = p
		}
		do54, rest, err := icao.ParseTLV(cmd.data)
		if err != nil || do54.Tag != 0x54 || len(rest) != 0 || len(do54.Value) == 0 || len(do54.Value) > 3 {
			return fail(swWrongData)
		}
		for _, b := range do54.Value {
			off = off<<8 | int(b)
		}
	}
	if fid == 0 {
		return fail(swNoCurrentEF)
	}
	content, sw := c.lookup(fid)
	if sw != 0 {
		return fail(sw)
	}
	c.ef = fid
	if !cmd.hasLe {
		return fail(swWrongLength)
	}
	if off >= len(content) {
		return fail(swWrongOffset)
	}
	avail := len(content) - off
	if cmd.ins == insReadBinaryOdd {
		// the answer is DO53 and must fit in Ne with its header
		n := min(avail, max(0, cmd.ne-1-len(icao.EncodeLength(cmd.ne))))
		if n == 0 {
			return fail(swWrongLength)
		}
		return ok(icao.Encode(0x53, content[off:off+n]))
	}
	if c.prof.T0 && !secure && !c.inApplet && fid == fidCardAccess && !cmd.leZero {
		// T=0: a wrong P3 gets 6Cxx with the exact length to ask for.
		if exact := min(avail, 256); cmd.ne != exact {
			return fail(0x6C00 | uint16(byte(exact)))
		}
	}
	n := min(avail, cmd.ne)
	return ok(append([]byte(nil), content[off:off+n]...))
}

func (c *Card) getChallenge(cmd command) result {
	if cmd.p1 != 0 || cmd.p2 != 0 {
		return fail(swWrongP1P2)
	}
	if cmd.ne != 8 {
		return fail(swWrongLength)
	}
	rnd := make([]byte, 8)
	if _, err := io.ReadFull(c.rand, rnd); err != nil {
		return fail(swNoDiagnosis)
	}
	c.rndIC = rnd
	return ok(append([]byte(nil), rnd...))
}
