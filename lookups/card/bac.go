package card

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"motcua/lookups/card/icao"
)

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
		if sw, ok := SW(err); ok && keyRefused(sw) {
			return &AccessError{Method: "BAC", SW: sw, Err: err}
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
		return &AccessError{Method: "BAC", Err: errors.New("the chip's BAC answer has a wrong MAC")}
	}
	plain, err := icao.CBCDecrypt(icao.TDES, kenc, resp[:32])
	if err != nil {
		return err
	}
	if !bytes.Equal(plain[:8], rndIC) || !bytes.Equal(plain[8:16], rndIFD) {
		return &AccessError{Method: "BAC", Err: errors.New("BAC nonces do not match")}
	}
	seed := make([]byte, 16)
	subtle.XORBytes(seed, kIFD, plain[16:32])
	s.secure(&icao.Keys{Cipher: icao.TDES, Enc: icao.KDF(seed, icao.KDFEnc, icao.TDES), Mac: icao.KDF(seed, icao.KDFMac, icao.TDES),
		SSC: concat(rndIC[4:], rndIFD[4:])})
	return nil
}
