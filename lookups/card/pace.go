package card

import (
	"context"
	"crypto/elliptic"
	"crypto/subtle"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"motcua/lookups/card/icao"
)

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
		if sw, ok := SW(err); ok && keyRefused(sw) {
			return &AccessError{Method: paceMethod(mrz), SW: sw, Err: err}
		}
		return err
	}
	want, err := icao.Token(c, keys.Mac, icao.PublicKeyTemplate(oid, pkEph.Bytes(curve)))
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(want, tIC) != 1 {
		return &AccessError{Method: paceMethod(mrz), Err: errors.New("the chip's PACE token is wrong")}
	}
	s.secure(keys)
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

var errNoPACE = errors.New("card: no supported PACE protocol announced")

func paceMethod(mrz bool) string {
	if mrz {
		return "PACE-MRZ"
	}
	return "PACE-CAN"
}
