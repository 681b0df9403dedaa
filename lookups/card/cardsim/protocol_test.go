package cardsim

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"math/big"
	"sync"
	"testing"
	"time"

	"motcua/lookups/card/icao"
)

var appletFiles = []uint16{fidCOM, fidSOD, 0x0101, 0x0102, 0x010D, 0x010E, 0x010F}

func readAll(t *testing.T, tm *term, chunk int) {
	t.Helper()
	for _, fid := range appletFiles {
		got, sw := tm.readFile(fid, chunk)
		if sw != 0x9000 || !bytes.Equal(got, tm.card.File(fid)) {
			t.Errorf("EF %04X: SW %04X, %d bytes, want %d", fid, sw, len(got), len(tm.card.File(fid)))
		}
	}
}

func TestReadWithBAC(t *testing.T) {
	c := issue(t, Profile{NoPACE: true, ParamID: icao.ParamP256})
	tm := &term{t: t, card: c}
	// EF.CardAccess absent, MF not selectable, files need access control
	// (also before the applet is selected).
	if _, sw := tm.tx(mustHex("00B0810004")); sw != 0x6982 {
		t.Errorf("READ DG1 by SFI before any selection: %04X", sw)
	}
	if _, sw := tm.tx(mustHex("00A4020C020B01")); sw != 0x6A82 {
		t.Errorf("SELECT of a missing EF: %04X", sw)
	}
	if _, sw := tm.tx(mustHex("00A4020C02011C")); sw != 0x6A82 {
		t.Errorf("SELECT EF.CardAccess: %04X", sw)
	}
	if _, sw := tm.tx(mustHex("00A4000C023F00")); sw != 0x6D00 {
		t.Errorf("SELECT MF: %04X", sw)
	}
	tm.okTx("SELECT AID", mustHex("00A4040C07A0000002471001"))
	if _, sw := tm.tx(mustHex("00A4020C020101")); sw != 0x6982 {
		t.Errorf("plain SELECT DG1: %04X", sw)
	}
	if _, sw := tm.tx(mustHex("00B0810000")); sw != 0x6982 {
		t.Errorf("plain READ DG1 by SFI: %04X", sw)
	}
	if sw := tm.bac("123456789", "900715", "300715"); sw != 0x6300 {
		t.Errorf("BAC with a wrong key: %04X", sw)
	}
	tm.bacCard()
	readAll(t, tm, 0xDF)
	// read by short EF identifier, then on in the selected file
	part := tm.mustSec(0xB0, 0x80|0x01, 0, nil, 16)
	part = append(part, tm.mustSec(0xB0, 0, 16, nil, 0)...)
	if want := c.File(0x0101); !bytes.Equal(part, want[:min(len(want), 16+256)]) {
		t.Errorf("SFI read %X", part)
	}
	// odd READ BINARY with DO54 offset
	got := tm.mustSec(0xB1, 0, 0, icao.Encode(0x54, []byte{0x00, 0x05}), 0x20)
	if v := mustValue(t, got, 0x53); !bytes.Equal(v, c.File(0x0101)[5:5+len(v)]) || len(v) == 0 {
		t.Errorf("B1 read %X", got)
	}
	// beyond the end
	if _, sw, _ := tm.sec(0xB0, 0x7F, 0x00, nil, 4); sw != 0x6B00 {
		t.Errorf("read beyond the end: %04X", sw)
	}
	// DG3 needs EAC, DG11 does not exist
	if _, sw := tm.readFile(fidDG3, 0xDF); sw != 0x6982 {
		t.Errorf("DG3: %04X", sw)
	}
	if _, sw := tm.readFile(0x010B, 0xDF); sw != 0x6A82 {
		t.Errorf("DG11: %04X", sw)
	}
}

// BAC without SELECT AID: the applet is selected implicitly.
func TestBACImplicitSelection(t *testing.T) {
	c := issue(t, Profile{ParamID: icao.ParamP256, AA: "none"})
	tm := &term{t: t, card: c}
	tm.bacCard()
	if got, _ := tm.readFile(fidCOM, 0xDF); !bytes.Equal(got, c.File(fidCOM)) {
		t.Error("EF.COM after implicit selection")
	}
}

func TestReadWithPACE(t *testing.T) {
	for _, param := range []int{icao.ParamBrainpool256, icao.ParamP256} {
		for _, ref := range []byte{1, 2} {
			c := issue(t, Profile{ParamID: param, NoBAC: true})
			tm := &term{t: t, card: c}
			tm.okTx("SELECT EF.CardAccess", mustHex("00A4020C02011C"))
			ca := tm.okTx("READ EF.CardAccess", mustHex("00B0000000"))
			if !bytes.Equal(ca, c.File(fidCardAccess)) {
				t.Errorf("EF.CardAccess %X", ca)
			}
			if sw := tm.pace(ref); sw != 0x9000 {
				t.Fatalf("PACE param %d ref %d: %04X", param, ref, sw)
			}
			tm.selectApplet()
			if param == icao.ParamP256 && ref == 2 {
				readAll(t, tm, 0xDF)
			} else if got, _ := tm.readFile(0x0101, 0xDF); !bytes.Equal(got, c.File(0x0101)) {
				t.Error("DG1 after PACE")
			}
			// NoBAC: BAC refused
			if sw := tm.bac(c.MRZ()); sw != 0x6982 {
				t.Errorf("BAC on a PACE-only card: %04X", sw)
			}
		}
	}
}

func TestPACEFailures(t *testing.T) {
	c := issue(t, Profile{ParamID: icao.ParamP256})
	tm := &term{t: t, card: c}
	// wrong CAN: the token check fails, no session
	if sw := tm.paceWith(2, icao.ParamP256, icao.PasswordKey(icao.AES128, "000000", false)); sw != 0x6300 {
		t.Errorf("PACE with a wrong CAN: %04X", sw)
	}
	if _, sw := tm.tx(mustHex("0CA4040C00")); sw != 0x6882 {
		t.Errorf("secured command without session: %04X", sw)
	}
	// parameters and protocols the chip does not offer
	mse := func(hexData string) uint16 {
		_, sw := tm.tx(buildAPDU(0, 0x22, 0xC1, 0xA4, mustHex(hexData), -1, false))
		return sw
	}
	if sw := mse("800A04007F0007020204020283010284010D"); sw != 0x6A80 {
		t.Errorf("MSE with brainpool on a P-256 card: %04X", sw)
	}
	if sw := mse("800A04007F00070202040204830102"); sw != 0x6A80 {
		t.Errorf("MSE with AES-256: %04X", sw)
	}
	if sw := mse("800A04007F00070202040202830103"); sw != 0x6A80 {
		t.Errorf("MSE with a PIN: %04X", sw)
	}
	// GA out of order or without chaining
	if _, sw := tm.tx(mustHex("10860000027C0000")); sw != 0x6985 {
		t.Errorf("GA without MSE: %04X", sw)
	}
	if sw := mse("800A04007F00070202040202830102"); sw != 0x9000 {
		t.Errorf("MSE: %04X", sw)
	}
	if _, sw := tm.tx(mustHex("00860000027C0000")); sw != 0x6883 {
		t.Errorf("GA 1 without chaining: %04X", sw)
	}
	// an invalid mapping point
	tm.tx(buildAPDU(0, 0x22, 0xC1, 0xA4, mustHex("800A04007F00070202040202830102"), -1, false))
	tm.tx(mustHex("10860000027C0000"))
	bad := make([]byte, 65)
	bad[0] = 4
	if _, sw := tm.tx(buildAPDU(0x10, 0x86, 0, 0, icao.Encode(0x7C, icao.Encode(0x81, bad)), 0, false)); sw != 0x6A80 {
		t.Errorf("GA 2 with a point off the curve: %04X", sw)
	}
	// NoPACE
	c = issue(t, Profile{ParamID: icao.ParamP256, NoPACE: true})
	tm = &term{t: t, card: c}
	if sw := mse("800A04007F0007020204020283010284010C"); sw != 0x6A80 {
		t.Errorf("MSE on a BAC-only card: %04X", sw)
	}
}

func TestSecureMessagingFaults(t *testing.T) {
	c := issue(t, Profile{ParamID: icao.ParamP256})
	tm := &term{t: t, card: c}
	tm.bacCard()
	// a command with a wrong MAC: 6988, session over
	tm.keys.Increment()
	if _, sw := tm.tx(mustHex("0CA4040C158709016375432908C044F68E08BF8B92D635FF24F800")); sw != 0x6988 {
		t.Errorf("wrong command MAC: %04X", sw)
	}
	if _, sw := tm.tx(mustHex("0CA4040C00")); sw != 0x6882 {
		t.Errorf("after a wrong MAC the session lives on: %04X", sw)
	}
	// a plain command ends the session
	tm.bacCard()
	tm.tx(mustHex("00A4040C07A0000002471001"))
	if _, sw := tm.tx(mustHex("0CB0000000")); sw != 0x6882 {
		t.Errorf("after a plain command the session lives on: %04X", sw)
	}

	// WrongMAC: responses fail the terminal's check
	c = issue(t, Profile{ParamID: icao.ParamP256, WrongMAC: true})
	tm = &term{t: t, card: c}
	tm.bacCard()
	if _, sw, err := tm.sec(0xA4, 0x04, 0x0C, aidMRTD, -1); err != errResponseMAC || sw != 0x9000 {
		t.Errorf("WrongMAC: %04X %v", sw, err)
	}

	// Deny
	c = issue(t, Profile{ParamID: icao.ParamP256, Deny: map[uint16]uint16{0x010F: 0x6A82, 0x0102: 0x6982}})
	tm = &term{t: t, card: c}
	tm.bacCard()
	if _, sw := tm.readFile(0x010F, 0xDF); sw != 0x6A82 {
		t.Errorf("denied DG15: %04X", sw)
	}
	if _, sw, _ := tm.sec(0xB0, 0x82, 0, nil, 4); sw != 0x6982 {
		t.Errorf("denied DG2 by SFI: %04X", sw)
	}
	if _, sw := tm.readFile(0x0101, 0xDF); sw != 0x9000 {
		t.Errorf("DG1: %04X", sw)
	}
}

// TestLaxChipFaults: NoSFI refuses short EF identifiers (6A86, verified);
// UnprotectedErrors answers errors with a bare status word and serves plain
// reads afterwards; BadSMStatus is what a command it cannot verify gets.
func TestLaxChipFaults(t *testing.T) {
	c := issue(t, Profile{ParamID: icao.ParamP256, NoSFI: true})
	tm := &term{t: t, card: c}
	tm.bacCard()
	if resp, sw, err := tm.sec(0xB0, 0x81, 0, nil, 4); sw != 0x6A86 || err != nil || len(resp) != 0 {
		t.Errorf("NoSFI: READ BINARY by SFI: %X %04X %v", resp, sw, err)
	}
	if got, sw := tm.readFile(0x0101, 0xDF); sw != 0x9000 || !bytes.Equal(got, c.File(0x0101)) {
		t.Errorf("NoSFI: DG1 by SELECT: %04X", sw)
	}

	c = issue(t, Profile{ParamID: icao.ParamP256, NoSFI: true, UnprotectedErrors: true})
	tm = &term{t: t, card: c}
	tm.bacCard()
	tm.keys.Increment()
	mac, _ := tm.keys.Sum(append(icao.Pad([]byte{0x0C, 0xB0, 0x81, 0x00}, 8), 0x97, 0x01, 0x04))
	resp, sw := tm.tx(buildAPDU(0x0C, 0xB0, 0x81, 0x00, append([]byte{0x97, 0x01, 0x04}, icao.Encode(0x8E, mac)...), 0, false))
	if sw != 0x6A86 || len(resp) != 0 {
		t.Errorf("UnprotectedErrors: %X %04X, want a bare 6A86", resp, sw)
	}
	tm.okTx("plain SELECT DG1 after the bare answer", mustHex("00A4020C020101"))
	if got := tm.okTx("plain READ DG1", mustHex("00B0000004")); !bytes.Equal(got, c.File(0x0101)[:4]) {
		t.Errorf("lax chip: plain read %X", got)
	}
	// a fresh access control still works, and ends the lax state on Reset
	tm.bacCard()
	if got, sw := tm.readFile(0x0101, 0xDF); sw != 0x9000 || !bytes.Equal(got, c.File(0x0101)) {
		t.Errorf("after BAC again: %04X", sw)
	}
	c.Reset()
	if _, sw := tm.tx(mustHex("00A4020C020101")); sw != 0x6982 {
		t.Errorf("plain SELECT after Reset: %04X", sw)
	}

	c = issue(t, Profile{ParamID: icao.ParamP256, BadSMStatus: 0x6A86})
	tm = &term{t: t, card: c}
	tm.bacCard()
	tm.keys.Increment()
	if _, sw := tm.tx(mustHex("0CA4040C158709016375432908C044F68E08BF8B92D635FF24F800")); sw != 0x6A86 {
		t.Errorf("BadSMStatus: %04X", sw)
	}
}

func TestRemoveAfterAndReset(t *testing.T) {
	c := issue(t, Profile{ParamID: icao.ParamP256, RemoveAfter: 5})
	tm := &term{t: t, card: c}
	tm.bacCard() // 2 APDUs
	tm.selectApplet()
	tm.okTx("select", mustHex("00A4040C07A0000002471001"))
	c.Reset()
	if _, sw := tm.tx(mustHex("0CA4040C00")); sw != 0x6882 {
		t.Errorf("session survived Reset: %04X", sw)
	}
	if c.APDUs() != 5 {
		t.Errorf("%d APDUs", c.APDUs())
	}
	for range 2 {
		if _, err := c.Transmit(mustHex("00A4040C07A0000002471001")); err != ErrRemoved {
			t.Fatalf("after RemoveAfter: %v", err)
		}
	}
	c.Reset()
	if _, err := c.Transmit(mustHex("00A4040C07A0000002471001")); err != ErrRemoved {
		t.Fatalf("a removed card came back: %v", err)
	}
}

func TestLatency(t *testing.T) {
	c := issue(t, Profile{ParamID: icao.ParamP256, Latency: 30 * time.Millisecond})
	start := time.Now()
	if _, err := c.Transmit(mustHex("00A4040C07A0000002471001")); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("APDU took %v", d)
	}
}

func TestExtendedLength(t *testing.T) {
	short := issue(t, Profile{ParamID: icao.ParamP256})
	ext := issue(t, Profile{ParamID: icao.ParamP256, Extended: true})
	for _, c := range []*Card{short, ext} {
		atr := c.ATR()
		if atr[0] != 0x3B || int(atr[1]&0x0F) != len(atr)-5 || atr[2] != 0x80 || atr[3] != 0x01 {
			t.Errorf("ATR %X", atr)
		}
		x := byte(0)
		for _, b := range atr[1:] {
			x ^= b
		}
		if x != 0 {
			t.Errorf("ATR %X: bad TCK", atr)
		}
	}
	if short.ATR()[10] != 0x80 || ext.ATR()[10] != 0xC0 {
		t.Errorf("card capabilities %X / %X", short.ATR(), ext.ATR())
	}
	// extended SELECT AID
	cmd := mustHex("00A4040C000007A0000002471001")
	if r, _ := short.Transmit(cmd); !bytes.Equal(r, []byte{0x67, 0x00}) {
		t.Errorf("extended APDU on a short-only card: %X", r)
	}
	if r, _ := ext.Transmit(cmd); !bytes.Equal(r, []byte{0x90, 0x00}) {
		t.Errorf("extended APDU: %X", r)
	}
	// whole DG2 in one secured extended read
	tm := &term{t: t, card: ext}
	tm.bacCard()
	tm.ext = true
	tm.mustSec(0xA4, 0x02, 0x0C, []byte{0x01, 0x02}, -1)
	dg2 := tm.mustSec(0xB0, 0, 0, nil, 0) // Le 0000: up to 65536
	if !bytes.Equal(dg2, ext.File(0x0102)) {
		t.Errorf("extended read of DG2: %d bytes of %d", len(dg2), len(ext.File(0x0102)))
	}
	// DG2 bigger than 32 KiB: the tail needs odd READ BINARY
	big := issue(t, Profile{ParamID: icao.ParamP256, Extended: true, DG2Size: 40000, AA: "none"})
	tm = &term{t: t, card: big, ext: true}
	tm.bacCard()
	tm.mustSec(0xA4, 0x02, 0x0C, []byte{0x01, 0x02}, -1)
	got := tm.mustSec(0xB0, 0, 0, nil, 0x7FFF)
	for len(got) < len(big.File(0x0102)) {
		r := tm.mustSec(0xB1, 0, 0, icao.Encode(0x54, []byte{byte(len(got) >> 16), byte(len(got) >> 8), byte(len(got))}), 0)
		got = append(got, mustValue(t, r, 0x53)...)
	}
	if !bytes.Equal(got, big.File(0x0102)) {
		t.Error("DG2 read with B1")
	}
}

func TestT0(t *testing.T) {
	c := issue(t, Profile{ParamID: icao.ParamP256, T0: true})
	tm := &term{t: t, card: c}
	n := len(c.File(fidCardAccess))
	tm.okTx("select", mustHex("00A4020C02011C"))
	if _, sw := tm.tx(mustHex("00B0000004")); sw != 0x6C00|uint16(n) {
		t.Errorf("READ with a wrong Le: %04X, want 6C%02X", sw, n)
	}
	_, sw := tm.tx([]byte{0x00, 0xB0, 0x00, 0x00, byte(n)})
	if sw != 0x6100|uint16(n) {
		t.Fatalf("READ with the right Le: %04X", sw)
	}
	// GET RESPONSE in two parts
	part1, sw := tm.tx([]byte{0x00, 0xC0, 0x00, 0x00, 4})
	if sw != 0x6100|uint16(n-4) {
		t.Errorf("GET RESPONSE: %04X", sw)
	}
	part2 := tm.okTx("GET RESPONSE", []byte{0x00, 0xC0, 0x00, 0x00, byte(n - 4)})
	if !bytes.Equal(append(part1, part2...), c.File(fidCardAccess)) {
		t.Error("EF.CardAccess through GET RESPONSE")
	}
	if _, sw := tm.tx(mustHex("00C0000010")); sw != 0x6985 {
		t.Errorf("GET RESPONSE with nothing pending: %04X", sw)
	}
	// BAC and PACE through GET RESPONSE, then secure messaging as usual
	if _, sw := tm.tx(mustHex("0084000008")); sw != 0x6108 {
		t.Errorf("GET CHALLENGE: %04X", sw)
	}
	tm.t0 = true
	tm.bacCard()
	if got, sw := tm.readFile(0x0101, 0xDF); sw != 0x9000 || !bytes.Equal(got, c.File(0x0101)) {
		t.Errorf("DG1 after BAC on T=0: %04X", sw)
	}
	c.Reset()
	if sw := tm.pace(2); sw != 0x9000 {
		t.Fatalf("PACE on T=0: %04X", sw)
	}
	tm.selectApplet()
}

func TestActiveAuthentication(t *testing.T) {
	challenge := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	for _, tc := range []struct {
		aa     string
		cloned bool
	}{{"ecdsa", false}, {"ecdsa", true}, {"rsa", false}, {"rsa", true}} {
		c := issue(t, Profile{ParamID: icao.ParamP256, AA: tc.aa, Cloned: tc.cloned})
		tm := &term{t: t, card: c}
		if _, sw := tm.tx(buildAPDU(0, 0x88, 0, 0, challenge, 0, false)); sw != 0x6982 {
			t.Errorf("AA without access control: %04X", sw)
		}
		tm.bacCard()
		sig := tm.mustSec(0x88, 0, 0, challenge, 0)
		pub, err := x509.ParsePKIXPublicKey(mustValue(t, c.File(0x010F), 0x6F))
		if err != nil {
			t.Fatal(err)
		}
		var valid bool
		switch k := pub.(type) {
		case *ecdsa.PublicKey:
			h := sha256.Sum256(challenge)
			valid = len(sig) == 64 && ecdsa.Verify(k, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
		case *rsa.PublicKey:
			m := new(big.Int).Exp(new(big.Int).SetBytes(sig), big.NewInt(int64(k.E)), k.N).FillBytes(make([]byte, k.Size()))
			if m[0] == 0x6A && m[len(m)-1] == 0xBC {
				m1, hash := m[1:len(m)-21], m[len(m)-21:len(m)-1]
				want := sha1.Sum(append(append([]byte{}, m1...), challenge...))
				valid = bytes.Equal(hash, want[:])
			}
		}
		if valid == tc.cloned {
			t.Errorf("AA %s cloned=%v: signature valid %v", tc.aa, tc.cloned, valid)
		}
	}
	c := issue(t, Profile{ParamID: icao.ParamP256, AA: "none"})
	tm := &term{t: t, card: c}
	tm.bacCard()
	if _, sw, _ := tm.sec(0x88, 0, 0, challenge, 0); sw != 0x6D00 {
		t.Errorf("AA without a key: %04X", sw)
	}
}

func TestChipAuthentication(t *testing.T) {
	for _, clone := range []bool{false, true} {
		c := issue(t, Profile{ParamID: icao.ParamP256, AA: "none", CloneCA: clone})
		tm := &term{t: t, card: c}
		tm.bacCard()
		tm.selectApplet()
		dg14, _ := tm.readFile(0x010E, 0xDF)
		// the chip's public key: the BIT STRING after the named curve
		curveOID := icao.EncodeOID(icao.OIDCurveP256)
		i := bytes.Index(dg14, curveOID)
		bits, _, err := icao.ParseTLV(dg14[i+len(curveOID):])
		if i < 0 || err != nil || bits.Tag != 0x03 {
			t.Fatalf("DG14 %X", dg14)
		}
		chipPub, err := icao.ParsePoint(testCurve, bits.Value[1:])
		if err != nil {
			t.Fatal(err)
		}
		sk, _ := icao.RandomScalar(testCurve, randReader{})
		pk := icao.Mul(testCurve, icao.Generator(testCurve), sk).Bytes(testCurve)
		tm.mustSec(0x22, 0x41, 0xA4, icao.Encode(0x80, oidValue(oidCA)), -1)
		resp := tm.mustSec(0x86, 0, 0, icao.Encode(0x7C, icao.Encode(0x80, pk)), 0)
		if !bytes.Equal(resp, []byte{0x7C, 0x00}) {
			t.Errorf("GA response %X", resp)
		}
		tm.keys = icao.NewKeys(icao.AES128, icao.SharedX(testCurve, chipPub, sk))
		_, sw, err := tm.sec(0xB0, 0x81, 0, nil, 8)
		if clone {
			if sw != 0x6988 {
				t.Errorf("cloned CA: %04X %v", sw, err)
			}
		} else if err != nil || sw != 0x9000 {
			t.Errorf("after CA: %04X %v", sw, err)
		}
	}
	// without a CA key
	c := issue(t, Profile{ParamID: icao.ParamP256, NoChipAuth: true})
	tm := &term{t: t, card: c}
	tm.bacCard()
	if _, sw, _ := tm.sec(0x22, 0x41, 0xA4, icao.Encode(0x80, oidValue(oidCA)), -1); sw != 0x6A80 {
		t.Errorf("CA without key: %04X", sw)
	}
}

type randReader struct{}

func (randReader) Read(p []byte) (int, error) { copy(p, random(len(p))); return len(p), nil }

func TestConcurrentTransmit(t *testing.T) {
	c := issue(t, Profile{ParamID: icao.ParamP256})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if r, err := c.Transmit(mustHex("0084000008")); err != nil || len(r) != 10 {
					t.Errorf("GET CHALLENGE: %X %v", r, err)
				}
			}
		})
	}
	wg.Wait()
	if c.APDUs() != 160 {
		t.Errorf("%d APDUs", c.APDUs())
	}
}

// TestHangAfterAndRelease: the chip stops answering in the middle of an
// APDU; Release ends the hang as a removal.
func TestHangAfterAndRelease(t *testing.T) {
	c := issue(t, Profile{ParamID: icao.ParamP256, HangAfter: 1})
	if _, err := c.Transmit(mustHex("00A4040C07A0000002471001")); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Transmit(mustHex("00A4020C02011E"))
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("answered: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	c.Release()
	c.Release()
	if err := <-done; err != ErrRemoved {
		t.Fatalf("after Release: %v", err)
	}
}
