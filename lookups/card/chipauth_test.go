package card

import (
	"bytes"
	"context"
	"crypto/elliptic"
	"testing"

	"motcua/lookups/card/icao"
)

// katVectors are the known answers of testdata/kat.txt, computed by
// testdata/gen-kat.sh with Python's cryptography package and openssl.
func katVectors(t *testing.T) icao.Vectors {
	t.Helper()
	v, err := icao.LoadVectors("testdata/kat.txt")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestChipAuthenticationKnownAnswer: with a session at known keys, the
// reader sends exactly the MSE:Set AT and GENERAL AUTHENTICATE of
// id-CA-ECDH-AES-CBC-CMAC-128 computed apart, and switches to the session
// keys derived from the ECDH secret; chip authentication stays pending
// until an answer under those keys verifies.
func TestChipAuthenticationKnownAnswer(t *testing.T) {
	v := katVectors(t)
	sc := &scripted{t: t, steps: [][2][]byte{
		{vhex(t, v, "CA MSE:Set AT command"), vhex(t, v, "CA MSE:Set AT response")},
		{vhex(t, v, "CA GENERAL AUTHENTICATE command"), vhex(t, v, "CA GENERAL AUTHENTICATE response")},
	}}
	point, err := icao.ParsePoint(elliptic.P256(), vhex(t, v, "CA chip public key"))
	if err != nil {
		t.Fatal(err)
	}
	s := &session{link: NewLink(sc, nil)}
	s.secure(&icao.Keys{Cipher: icao.AES128, Enc: vhex(t, v, "CA session KSenc before"), Mac: vhex(t, v, "CA session KSmac before"), SSC: make([]byte, 16)})
	rd := &reading{s: s, res: &Result{Files: map[int]State{}}, rnd: bytes.NewReader(vhex(t, v, "CA terminal private key")),
		sec: &SecurityInfos{
			ChipAuth: []CAInfo{{Protocol: append(append([]int{}, icao.OIDCAECDH...), 2), Version: 1, KeyID: -1}},
			ChipKeys: []CAKey{{Curve: elliptic.P256(), Point: point, KeyID: -1}},
		}}
	if err := rd.chipAuth(context.Background()); err != nil {
		t.Fatal(err)
	}
	if sc.i != len(sc.steps) {
		t.Fatalf("%d of %d commands", sc.i, len(sc.steps))
	}
	if !bytes.Equal(s.keys.Enc, vhex(t, v, "CA KSenc")) || !bytes.Equal(s.keys.Mac, vhex(t, v, "CA KSmac")) || !bytes.Equal(s.keys.SSC, make([]byte, 16)) {
		t.Fatalf("keys after chip authentication %X %X %X", s.keys.Enc, s.keys.Mac, s.keys.SSC)
	}
	if rd.res.Chip != Pending {
		t.Fatalf("chip authentication %v before any answer under its keys", rd.res.Chip)
	}
	rd.settleChip()
	if rd.res.Chip != Pending {
		t.Fatal("passed without a verified answer")
	}
	s.verified++ // an answer under the new keys verified
	rd.settleChip()
	if rd.res.Chip != Passed {
		t.Fatalf("chip authentication %v after a verified answer", rd.res.Chip)
	}
}
