package card

import (
	"context"
	"motcua/lookups/card/icao"
)

// chipAuth runs chip authentication (ICAO 9303-11 §6.2) with the DG14 key
// and switches secure messaging to the keys it yields: a chip without the
// private key cannot answer the next command. The check stays Pending until
// an answer secured under those keys verifies (settleChip).
func (rd *reading) chipAuth(ctx context.Context) error {
	sec := rd.sec
	if len(sec.ChipAuth) == 0 || len(sec.ChipKeys) == 0 {
		return nil // NotOffered
	}
	info := sec.ChipAuth[0]
	key := sec.ChipKeys[0]
	for _, k := range sec.ChipKeys {
		if info.KeyID >= 0 && k.KeyID == info.KeyID {
			key = k
		}
	}
	c, err := icao.CipherOf(info.Protocol)
	if err != nil || !hasPrefix(info.Protocol, icao.OIDCAECDH) {
		rd.res.Chip, rd.res.ChipNote = NotOffered, "Thẻ dùng giao thức xác thực chip chưa hỗ trợ."
		return nil
	}
	rd.res.Chip = Pending
	sk, err := icao.RandomScalar(key.Curve, rd.rnd)
	if err != nil {
		return err
	}
	pk := icao.Mul(key.Curve, icao.Generator(key.Curve), sk).Bytes(key.Curve)
	var keyRef []byte
	if info.KeyID >= 0 {
		keyRef = icao.Encode(0x84, []byte{byte(info.KeyID)})
	}
	s := rd.s
	if c == icao.TDES {
		_, err = s.send(ctx, Command{INS: 0x22, P1: 0x41, P2: 0xA6, Data: concat(icao.Encode(0x91, pk), keyRef)}, "MSE:Set KAT")
	} else {
		oid := icao.EncodeOID(info.Protocol)
		if _, err = s.send(ctx, Command{INS: 0x22, P1: 0x41, P2: 0xA4, Data: concat(icao.Encode(0x80, oid[2:]), keyRef)}, "MSE:Set AT (CA)"); err == nil {
			_, err = s.generalAuthenticate(ctx, false, icao.Encode(0x80, pk), 0)
		}
	}
	if err != nil {
		if _, ok := SW(err); ok {
			rd.res.Chip, rd.res.ChipNote = Failed, "Chip từ chối xác thực chip."
			return nil
		}
		return err
	}
	rd.caKeys = icao.NewKeys(c, icao.SharedX(key.Curve, key.Point, sk))
	s.secure(rd.caKeys)
	return nil
}

// settleChip passes chip authentication once an answer secured under the
// keys it yielded has verified: only the holder of the DG14 private key
// can produce one. A plain answer, or a later read, proves nothing.
func (rd *reading) settleChip() {
	if rd.res.Chip == Pending && rd.caKeys != nil && rd.s.keys == rd.caKeys && rd.s.verified > 0 {
		rd.res.Chip = Passed
	}
}
