package cardsim

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/asn1"
	"io"
	"math/big"

	"motcua/lookups/card/icao"
)

// Protocols the chip offers (AES-128 only, like the Vietnamese cards).
var (
	oidPACE = oidChild(icao.OIDPACEECDHGM, 2) // id-PACE-ECDH-GM-AES-CBC-CMAC-128
	oidCA   = oidChild(icao.OIDCAECDH, 2)     // id-CA-ECDH-AES-CBC-CMAC-128
)

func oidChild(parent asn1.ObjectIdentifier, arc int) asn1.ObjectIdentifier {
	out := make(asn1.ObjectIdentifier, 0, len(parent)+1)
	return append(append(out, parent...), arc)
}

// oidValue is the content octets of an OID: what MSE:Set AT carries in DO80.
func oidValue(oid asn1.ObjectIdentifier) []byte {
	der := icao.EncodeOID(oid)
	return der[2:]
}

// externalAuthenticate is the chip's half of BAC's mutual authentication
// (ICAO 9303-11 §4.3).
func (c *Card) externalAuthenticate(cmd command, secure bool) result {
	rndIC := c.rndIC
	c.rndIC = nil
	if c.prof.NoBAC || c.mrzInfo == "" {
		return fail(swSecurityStatus) // BAC refused
	}
	if secure {
		return fail(swConditionsNotMet)
	}
	if cmd.p1 != 0 || cmd.p2 != 0 {
		return fail(swWrongP1P2)
	}
	if len(cmd.data) != 40 {
		return fail(swWrongLength)
	}
	if rndIC == nil {
		return fail(swConditionsNotMet) // no GET CHALLENGE before
	}
	kenc, kmac := icao.BACKeys(c.mrzInfo)
	eifd, mifd := cmd.data[:32], cmd.data[32:]
	mac, err := icao.RetailMAC(kmac, icao.Pad(eifd, 8))
	if err != nil || subtle.ConstantTimeCompare(mac, mifd) != 1 {
		return fail(swAuthFailed)
	}
	s, err := icao.CBCDecrypt(icao.TDES, kenc, eifd)
	if err != nil || !bytes.Equal(s[8:16], rndIC) {
		return fail(swAuthFailed)
	}
	rndIFD, kifd := s[:8], s[16:32]
	kic := make([]byte, 16)
	if _, err := io.ReadFull(c.rand, kic); err != nil {
		return fail(swNoDiagnosis)
	}
	r := append(append(append([]byte{}, rndIC...), rndIFD...), kic...)
	eic, err := icao.CBCEncrypt(icao.TDES, kenc, r)
	if err != nil {
		return fail(swNoDiagnosis)
	}
	mic, err := icao.RetailMAC(kmac, icao.Pad(eic, 8))
	if err != nil {
		return fail(swNoDiagnosis)
	}
	seed := make([]byte, 16)
	subtle.XORBytes(seed, kifd, kic)
	c.sm = &icao.Keys{
		Cipher: icao.TDES,
		Enc:    icao.KDF(seed, icao.KDFEnc, icao.TDES),
		Mac:    icao.KDF(seed, icao.KDFMac, icao.TDES),
		SSC:    append(append([]byte{}, rndIC[4:]...), rndIFD[4:]...),
	}
	// Many chips select the applet implicitly: BAC at the MF level leaves
	// the reader in the eMRTD application.
	if !c.inApplet {
		c.inApplet, c.ef = true, 0
	}
	return ok(append(eic, mic...))
}

// paceState is a PACE run in progress.
type paceState struct {
	step   int // the GENERAL AUTHENTICATE expected next, 1..4
	kpi    []byte
	s      []byte
	mapped icao.Point // Ĝ
	pkIFD  []byte     // terminal's ephemeral public key
	pkIC   []byte     // chip's ephemeral public key
	keys   *icao.Keys
}

func (c *Card) manageSecurityEnvironment(cmd command, secure bool) result {
	if (cmd.p1 != 0xC1 && cmd.p1 != 0x41) || cmd.p2 != 0xA4 {
		return fail(swWrongP1P2) // only Set AT (no terminal authentication)
	}
	objs, err := icao.ParseAll(cmd.data)
	if err != nil {
		return fail(swWrongData)
	}
	var proto, ref, param []byte
	for _, o := range objs {
		switch o.Tag {
		case 0x80:
			proto = o.Value
		case 0x83:
			ref = o.Value
		case 0x84:
			param = o.Value
		}
	}
	if cmd.p1 == 0x41 {
		return c.setChipAuthentication(proto, secure)
	}
	// PACE (P1 = C1: mutual authentication)
	c.pace = nil
	if c.paceCurve == nil || !bytes.Equal(proto, oidValue(oidPACE)) {
		return fail(swWrongData)
	}
	if param != nil && (len(param) != 1 || int(param[0]) != c.paceParam) {
		return fail(swWrongData)
	}
	var kpi []byte
	switch {
	case bytes.Equal(ref, []byte{0x01}) && c.mrzInfo != "":
		kpi = icao.PasswordKey(icao.AES128, c.mrzInfo, true)
	case bytes.Equal(ref, []byte{0x02}):
		kpi = icao.PasswordKey(icao.AES128, c.can, false)
	default:
		return fail(swWrongData) // no such password (PIN, PUK) on this card
	}
	c.pace = &paceState{step: 1, kpi: kpi}
	return ok(nil)
}

// paceStep answers one GENERAL AUTHENTICATE of PACE with generic mapping
// (ICAO 9303-11 §4.4). Any failure abandons the run.
func (c *Card) paceStep(cmd command) result {
	st := c.pace
	if st == nil {
		return fail(swConditionsNotMet)
	}
	c.pace = nil // restored below when the step succeeds
	chained := cmd.cla&0x10 != 0
	if chained != (st.step < 4) || cmd.p1 != 0 || cmd.p2 != 0 {
		return fail(swLastCommandExpected)
	}
	dyn, rest, err := icao.ParseTLV(cmd.data)
	if err != nil || dyn.Tag != 0x7C || len(rest) != 0 {
		return fail(swWrongData)
	}
	objs, err := dyn.Children()
	if err != nil {
		return fail(swWrongData)
	}
	get := func(tag uint32) []byte {
		if len(objs) != 1 || objs[0].Tag != tag {
			return nil
		}
		return objs[0].Value
	}
	curve := c.paceCurve
	switch st.step {
	case 1: // encrypted nonce
		if len(objs) != 0 {
			return fail(swWrongData)
		}
		st.s = make([]byte, 16)
		if _, err := io.ReadFull(c.rand, st.s); err != nil {
			return fail(swNoDiagnosis)
		}
		z, err := icao.CBCEncrypt(icao.AES128, st.kpi, st.s)
		if err != nil {
			return fail(swNoDiagnosis)
		}
		st.step, c.pace = 2, st
		return ok(icao.Encode(0x7C, icao.Encode(0x80, z)))
	case 2: // mapping
		pk, err := icao.ParsePoint(curve, get(0x81))
		if err != nil {
			return fail(swWrongData)
		}
		sk, err := icao.RandomScalar(curve, c.rand)
		if err != nil {
			return fail(swNoDiagnosis)
		}
		h := icao.Mul(curve, pk, sk)
		st.mapped = icao.MapGeneric(curve, st.s, h)
		if !curve.IsOnCurve(h.X, h.Y) || !curve.IsOnCurve(st.mapped.X, st.mapped.Y) { //nolint:staticcheck // PACE's mapped points, brainpool too: crypto/ecdh has no such check
			return fail(swWrongData) // point at infinity
		}
		mine := icao.Mul(curve, icao.Generator(curve), sk)
		st.step, c.pace = 3, st
		return ok(icao.Encode(0x7C, icao.Encode(0x82, mine.Bytes(curve))))
	case 3: // key agreement on the mapped generator
		raw := get(0x83)
		pk, err := icao.ParsePoint(curve, raw)
		if err != nil {
			return fail(swWrongData)
		}
		sk, err := icao.RandomScalar(curve, c.rand)
		if err != nil {
			return fail(swNoDiagnosis)
		}
		mine := icao.Mul(curve, st.mapped, sk).Bytes(curve)
		if bytes.Equal(mine, raw) {
			return fail(swWrongData) // a reflected key (ICAO 9303-11 §4.4.3.3)
		}
		st.pkIFD, st.pkIC = append([]byte(nil), raw...), mine
		st.keys = icao.NewKeys(icao.AES128, icao.SharedX(curve, pk, sk))
		st.step, c.pace = 4, st
		return ok(icao.Encode(0x7C, icao.Encode(0x84, mine)))
	}
	// step 4: mutual authentication with tokens
	proto := icao.EncodeOID(oidPACE)
	want, err := icao.Token(icao.AES128, st.keys.Mac, icao.PublicKeyTemplate(proto, st.pkIC))
	if err != nil {
		return fail(swNoDiagnosis)
	}
	tifd := get(0x85)
	if len(tifd) != len(want) || subtle.ConstantTimeCompare(tifd, want) != 1 {
		return fail(swAuthFailed)
	}
	tic, err := icao.Token(icao.AES128, st.keys.Mac, icao.PublicKeyTemplate(proto, st.pkIFD))
	if err != nil {
		return fail(swNoDiagnosis)
	}
	c.sm = st.keys
	return ok(icao.Encode(0x7C, icao.Encode(0x86, tic)))
}

func (c *Card) setChipAuthentication(proto []byte, secure bool) result {
	c.caReady = false
	if !secure {
		return fail(swSecurityStatus)
	}
	if c.caCurve == nil || !bytes.Equal(proto, oidValue(oidCA)) {
		return fail(swWrongData)
	}
	c.caReady = true
	return ok(nil)
}

// chipAuthenticate is chip authentication's key agreement (ICAO 9303-11
// §6.2): the answer goes under the current keys, the next APDU under keys
// from the static chip key and the terminal's ephemeral key.
func (c *Card) chipAuthenticate(cmd command) result {
	if !c.caReady {
		return fail(swConditionsNotMet)
	}
	c.caReady = false
	if cmd.p1 != 0 || cmd.p2 != 0 {
		return fail(swWrongP1P2)
	}
	dyn, rest, err := icao.ParseTLV(cmd.data)
	if err != nil || dyn.Tag != 0x7C || len(rest) != 0 {
		return fail(swWrongData)
	}
	objs, err := dyn.Children()
	if err != nil || len(objs) != 1 || objs[0].Tag != 0x80 {
		return fail(swWrongData)
	}
	pk, err := icao.ParsePoint(c.caCurve, objs[0].Value)
	if err != nil {
		return fail(swWrongData)
	}
	c.nextKeys = icao.NewKeys(icao.AES128, icao.SharedX(c.caCurve, pk, c.caPriv))
	return ok([]byte{0x7C, 0x00})
}

// internalAuthenticate signs the terminal's challenge with the active
// authentication key (ICAO 9303-11 §6.1).
func (c *Card) internalAuthenticate(cmd command, secure bool) result {
	if c.aaECDSA == nil && c.aaRSA == nil {
		return fail(swINSNotSupported)
	}
	if !secure {
		return fail(swSecurityStatus)
	}
	if cmd.p1 != 0 || cmd.p2 != 0 {
		return fail(swWrongP1P2)
	}
	if len(cmd.data) != 8 {
		return fail(swWrongLength)
	}
	if c.aaECDSA != nil {
		h := sha256.Sum256(cmd.data)
		r, s, err := ecdsa.Sign(c.rand, c.aaECDSA, h[:])
		if err != nil {
			return fail(swNoDiagnosis)
		}
		sig := make([]byte, 64) // plain format: r || s
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return ok(sig)
	}
	// ISO/IEC 9796-2 digital signature scheme 1 with SHA-1, partial message
	// recovery: 6A || M1 || SHA-1(M1 || M2) || BC, M2 being the challenge.
	k := c.aaRSA.Size()
	m1 := make([]byte, k-2-sha1.Size)
	if _, err := io.ReadFull(c.rand, m1); err != nil {
		return fail(swNoDiagnosis)
	}
	h := sha1.New()
	h.Write(m1)
	h.Write(cmd.data)
	f := append(append(append([]byte{0x6A}, m1...), h.Sum(nil)...), 0xBC)
	// crypto/rsa offers no raw private-key operation; the emulator does not
	// need it to be constant-time.
	s := new(big.Int).Exp(new(big.Int).SetBytes(f), c.aaRSA.D, c.aaRSA.N)
	return ok(s.FillBytes(make([]byte, k)))
}
