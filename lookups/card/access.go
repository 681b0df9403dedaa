package card

import (
	"bytes"
	"context"
	"crypto/elliptic"
	"crypto/subtle"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"strings"

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

// Key is the access key the clerk or a scan supplies.
type Key struct {
	CAN string // 6 digits: the last 6 of the personal ID number
	// MRZ key for BAC (and PACE with the MRZ): document number (the last 9
	// digits of the ID on Vietnamese cards), birth and expiry dates YYMMDD.
	DocNo, Birth, Expiry string
}

// KeyFromID builds the key from a 12-digit personal ID: its last 6 digits are the CAN.
func KeyFromID(id string) Key {
	if len(id) >= 6 {
		return Key{CAN: id[len(id)-6:]}
	}
	return Key{}
}

// KeyFromDigits reads what a clerk types to open a chip: the 12-digit ID
// or its last 6 digits (the CAN). ok is false for anything else.
func KeyFromDigits(s string) (k Key, ok bool) {
	if (len(s) != 12 && len(s) != 6) || !allDigits(s) {
		return Key{}, false
	}
	return KeyFromID(s), true
}

// ParseMRZKey reads "DOCNO/YYMMDD/YYMMDD".
func ParseMRZKey(s string) (Key, error) {
	parts := strings.Split(strings.ToUpper(strings.TrimSpace(s)), "/")
	if len(parts) != 3 || len(parts[1]) != 6 || len(parts[2]) != 6 || parts[0] == "" {
		return Key{}, fmt.Errorf("MRZ key must be DOCNO/YYMMDD/YYMMDD")
	}
	k := Key{DocNo: parts[0], Birth: parts[1], Expiry: parts[2]}
	if _, err := icao.MRZInfo(k.DocNo, k.Birth, k.Expiry); err != nil {
		return Key{}, err
	}
	return k, nil
}

func (k Key) hasMRZ() bool { return k.DocNo != "" && k.Birth != "" && k.Expiry != "" }

// PACEInfo is one PACE protocol the card announces in EF.CardAccess.
type PACEInfo struct {
	Protocol asn1.ObjectIdentifier
	Version  int
	ParamID  int
}

// supported reports whether this reader implements the protocol: ECDH
// generic mapping with a curve it knows.
func (p PACEInfo) supported() bool {
	if len(p.Protocol) != len(icao.OIDPACEECDHGM)+1 || !p.Protocol[:len(icao.OIDPACEECDHGM)].Equal(icao.OIDPACEECDHGM) {
		return false
	}
	if _, err := icao.CipherOf(p.Protocol); err != nil {
		return false
	}
	_, err := icao.CurveByParamID(p.ParamID)
	return err == nil
}

// selectCardAccess reads EF.CardAccess at the master file level. SELECT MF
// answers 6D00 on Vietnamese cards, so the EF is selected directly.
func (s *session) readCardAccess(ctx context.Context) ([]byte, error) {
	if _, err := s.send(ctx, Command{CLA: 0, INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x01, 0x1C}}, "select EF.CardAccess"); err != nil {
		return nil, err
	}
	return s.readSelected(ctx, "EF.CardAccess")
}

// bac runs Basic Access Control (ICAO 9303-11 §4.3) with the MRZ key.
func (s *session) bac(ctx context.Context, key Key, rnd io.Reader) error {
	info, err := icao.MRZInfo(key.DocNo, key.Birth, key.Expiry)
	if err != nil {
		return err
	}
	kenc, kmac := icao.BACKeys(info)
	rndIC, err := s.send(ctx, Command{INS: 0x84, Ne: 8}, "get challenge")
	if err != nil {
		return err
	}
	if len(rndIC) != 8 {
		return fmt.Errorf("%w: challenge of %d bytes", ErrBadResponse, len(rndIC))
	}
	buf := make([]byte, 24)
	if _, err := io.ReadFull(rnd, buf); err != nil {
		return err
	}
	rndIFD, kIFD := buf[:8], buf[8:]
	e, err := icao.CBCEncrypt(icao.TDES, kenc, concat(rndIFD, rndIC, kIFD))
	if err != nil {
		return err
	}
	m, err := icao.RetailMAC(kmac, icao.Pad(e, 8))
	if err != nil {
		return err
	}
	resp, err := s.send(ctx, Command{INS: 0x82, Data: concat(e, m), Ne: 40}, "external authenticate")
	if err != nil {
		if sw, ok := SW(err); ok && (sw == SWAuthFailed || sw == SWSecurityStatus || sw>>8 == 0x63) {
			return fmt.Errorf("%w (BAC): %v", ErrAccessDenied, err)
		}
		return err
	}
	if len(resp) != 40 {
		return fmt.Errorf("%w: BAC answer of %d bytes", ErrBadResponse, len(resp))
	}
	mic, err := icao.RetailMAC(kmac, icao.Pad(resp[:32], 8))
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(mic, resp[32:]) != 1 {
		return fmt.Errorf("%w: BAC answer MAC", ErrAccessDenied)
	}
	plain, err := icao.CBCDecrypt(icao.TDES, kenc, resp[:32])
	if err != nil {
		return err
	}
	if !bytes.Equal(plain[:8], rndIC) || !bytes.Equal(plain[8:16], rndIFD) {
		return fmt.Errorf("%w: BAC nonces do not match", ErrAccessDenied)
	}
	seed := make([]byte, 16)
	subtle.XORBytes(seed, kIFD, plain[16:32])
	s.keys = &icao.Keys{Cipher: icao.TDES, Enc: icao.KDF(seed, icao.KDFEnc, icao.TDES), Mac: icao.KDF(seed, icao.KDFMac, icao.TDES),
		SSC: concat(rndIC[4:], rndIFD[4:])}
	return nil
}

// pace runs PACE with ECDH generic mapping (ICAO 9303-11 §4.4) with the
// CAN, or the MRZ information when mrz is set.
func (s *session) pace(ctx context.Context, info PACEInfo, password string, mrz bool, rnd io.Reader) error {
	c, err := icao.CipherOf(info.Protocol)
	if err != nil {
		return err
	}
	curve, err := icao.CurveByParamID(info.ParamID)
	if err != nil {
		return err
	}
	ref := byte(0x02) // CAN
	if mrz {
		ref = 0x01
	}
	oid := icao.EncodeOID(info.Protocol)
	mse := concat(icao.Encode(0x80, oid[2:]), []byte{0x83, 0x01, ref}, []byte{0x84, 0x01, byte(info.ParamID)})
	if _, err := s.send(ctx, Command{INS: 0x22, P1: 0xC1, P2: 0xA4, Data: mse}, "MSE:Set AT (PACE)"); err != nil {
		return err
	}
	// 1. encrypted nonce
	z, err := s.generalAuthenticate(ctx, true, nil, 0x80)
	if err != nil {
		return err
	}
	kpi := icao.PasswordKey(c, password, mrz)
	nonce, err := icao.CBCDecrypt(c, kpi, z)
	if err != nil {
		return fmt.Errorf("%w: nonce: %v", ErrBadResponse, err)
	}
	// 2. mapping
	skMap, err := icao.RandomScalar(curve, rnd)
	if err != nil {
		return err
	}
	pkMap := icao.Mul(curve, icao.Generator(curve), skMap)
	raw, err := s.generalAuthenticate(ctx, true, icao.Encode(0x81, pkMap.Bytes(curve)), 0x82)
	if err != nil {
		return err
	}
	chipMap, err := icao.ParsePoint(curve, raw)
	if err != nil {
		return fmt.Errorf("%w: chip mapping key: %v", ErrBadResponse, err)
	}
	g := icao.MapGeneric(curve, nonce, icao.Mul(curve, chipMap, skMap))
	// 3. key agreement on the mapped generator
	skEph, err := icao.RandomScalar(curve, rnd)
	if err != nil {
		return err
	}
	pkEph := icao.Mul(curve, g, skEph)
	raw, err = s.generalAuthenticate(ctx, true, icao.Encode(0x83, pkEph.Bytes(curve)), 0x84)
	if err != nil {
		return err
	}
	chipEph, err := onCurve(curve, raw)
	if err != nil {
		return err
	}
	if chipEph.X.Cmp(pkEph.X) == 0 && chipEph.Y.Cmp(pkEph.Y) == 0 {
		return fmt.Errorf("%w: the chip echoed the terminal's key", ErrBadResponse)
	}
	keys := icao.NewKeys(c, icao.SharedX(curve, chipEph, skEph))
	// 4. mutual authentication
	tIFD, err := icao.Token(c, keys.Mac, icao.PublicKeyTemplate(oid, chipEph.Bytes(curve)))
	if err != nil {
		return err
	}
	tIC, err := s.generalAuthenticate(ctx, false, icao.Encode(0x85, tIFD), 0x86)
	if err != nil {
		if sw, ok := SW(err); ok && (sw == SWAuthFailed || sw>>8 == 0x63 || sw == SWSecurityStatus) {
			return fmt.Errorf("%w (PACE): %v", ErrAccessDenied, err)
		}
		return err
	}
	want, err := icao.Token(c, keys.Mac, icao.PublicKeyTemplate(oid, pkEph.Bytes(curve)))
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(want, tIC) != 1 {
		return fmt.Errorf("%w: the chip's PACE token is wrong", ErrAccessDenied)
	}
	s.keys = keys
	return nil
}

func onCurve(c elliptic.Curve, raw []byte) (icao.Point, error) {
	p, err := icao.ParsePoint(c, raw)
	if err != nil {
		return icao.Point{}, fmt.Errorf("%w: chip key: %v", ErrBadResponse, err)
	}
	return p, nil
}

// generalAuthenticate sends one GENERAL AUTHENTICATE step (7C-wrapped data,
// command chaining unless last) and returns the value of the answer's tag want.
func (s *session) generalAuthenticate(ctx context.Context, chained bool, data []byte, want uint32) ([]byte, error) {
	cla := byte(0x00)
	if chained {
		cla = 0x10
	}
	resp, err := s.send(ctx, Command{CLA: cla, INS: 0x86, Data: icao.Encode(0x7C, data), Ne: 256}, "general authenticate")
	if err != nil {
		return nil, err
	}
	outer, ok := icao.Find(resp, 0x7C)
	if !ok {
		return nil, fmt.Errorf("%w: general authenticate answer without 7C", ErrBadResponse)
	}
	if want == 0 {
		return outer, nil
	}
	v, ok := icao.Find(outer, want)
	if !ok {
		return nil, fmt.Errorf("%w: general authenticate answer without %X", ErrBadResponse, want)
	}
	return v, nil
}

// selectApplet selects the eMRTD application.
func (s *session) selectApplet(ctx context.Context) error {
	_, err := s.send(ctx, Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: AID}, "select eMRTD application")
	return err
}

// readFile reads a whole elementary file of the applet: the first chunk by
// short EF identifier (which selects it, saving a SELECT), the rest by
// offset. absent is true when the card does not have the file.
func (s *session) readFile(ctx context.Context, fid uint16, what string) (data []byte, err error) {
	sfi := byte(fid & 0x1F)
	chunk := s.maxChunk()
	first, err := s.send(ctx, Command{INS: 0xB0, P1: 0x80 | sfi, P2: 0, Ne: chunk, Extended: chunk > 256}, "read "+what)
	if sw, ok := SW(err); ok && (sw == 0x6A86 || sw == 0x6981 || sw == 0x6B00) {
		// no short EF identifiers: select by FID and read from the start
		if _, err := s.send(ctx, Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(fid >> 8), byte(fid)}}, "select "+what); err != nil {
			return nil, err
		}
		return s.readSelected(ctx, what)
	}
	if err != nil {
		return nil, err
	}
	return s.readRest(ctx, first, what)
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

var errNoPACE = errors.New("card: no supported PACE protocol announced")
