package card

import (
	"bytes"
	"context"
	"fmt"
	"motcua/lookups/card/icao"
	"strings"
	"testing"
)

// TestPACEReaderKnownAnswer replays ICAO 9303-11 Appendix G.1 from the
// terminal's side, with the example's terminal keys fed as randomness.
func TestPACEReaderKnownAnswer(t *testing.T) {
	v := vectors(t, "icao-9303-pace-g1.txt")
	ok := []byte{0x90, 0x00}
	sc := &scripted{t: t, steps: [][2][]byte{
		{vhex(t, v, "MSE:Set AT command"), ok},
		{vhex(t, v, "GA 1 command (get encrypted nonce)"), vhex(t, v, "GA 1 response")},
		{vhex(t, v, "GA 2 command (mapping data 81)"), vhex(t, v, "GA 2 response (chip mapping data 82)")},
		{vhex(t, v, "GA 3 command (ephemeral key 83)"), vhex(t, v, "GA 3 response (chip ephemeral key 84)")},
		{vhex(t, v, "GA 4 command (terminal token 85)"), vhex(t, v, "GA 4 response (chip token 86)")},
	}}
	ca, err := v.Hex("PACEInfo (EF.CardAccess, wrapped in a SET)")
	if err != nil {
		t.Fatal(err)
	}
	si, err := ParseSecurityInfos(ca)
	if err != nil || len(si.PACE) != 1 || !si.PACE[0].supported() || si.PACE[0].ParamID != 13 {
		t.Fatalf("EF.CardAccess: %+v %v", si, err)
	}
	s := &session{link: NewLink(sc, nil)}
	rnd := bytes.NewReader(append(vhex(t, v, "terminal mapping private key"), vhex(t, v, "terminal ephemeral private key")...))
	info, err := icao.MRZInfo("T22000129", "640812", "101031")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.pace(context.Background(), si.PACE[0], info, true, rnd); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.keys.Enc, vhex(t, v, "KSenc")) || !bytes.Equal(s.keys.Mac, vhex(t, v, "KSmac")) {
		t.Fatalf("session keys %X %X", s.keys.Enc, s.keys.Mac)
	}
	if sc.i != len(sc.steps) {
		t.Fatalf("%d of %d steps", sc.i, len(sc.steps))
	}
}

// TestPACERejectsWrongChipToken: a chip that does not know the password
// cannot produce the right token.
func TestPACERejectsWrongChipToken(t *testing.T) {
	v := vectors(t, "icao-9303-pace-g1.txt")
	bad := vhex(t, v, "GA 4 response (chip token 86)")
	bad[5] ^= 1
	sc := &scripted{t: t, steps: [][2][]byte{
		{nil, []byte{0x90, 0}},
		{nil, vhex(t, v, "GA 1 response")},
		{nil, vhex(t, v, "GA 2 response (chip mapping data 82)")},
		{nil, vhex(t, v, "GA 3 response (chip ephemeral key 84)")},
		{nil, bad},
	}}
	ca, _ := v.Hex("PACEInfo (EF.CardAccess, wrapped in a SET)")
	si, _ := ParseSecurityInfos(ca)
	s := &session{link: NewLink(sc, nil)}
	rnd := bytes.NewReader(append(vhex(t, v, "terminal mapping private key"), vhex(t, v, "terminal ephemeral private key")...))
	info, _ := icao.MRZInfo("T22000129", "640812", "101031")
	err := s.pace(context.Background(), si.PACE[0], info, true, rnd)
	if err == nil || s.keys != nil {
		t.Fatalf("wrong token accepted: %v", err)
	}
	if !strings.Contains(fmt.Sprint(err), "token") {
		t.Fatalf("error %v", err)
	}
}
