package card

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"motcua/lookups/card/icao"
)

// scripted is a card that answers a fixed conversation and fails the test
// on any command that differs from the script.
type scripted struct {
	t     *testing.T
	steps [][2][]byte // command, response
	i     int
}

func (s *scripted) ATR() []byte { return nil }

func (s *scripted) Transmit(_ context.Context, cmd []byte) ([]byte, error) {
	if s.i >= len(s.steps) {
		s.t.Fatalf("unexpected command %X after the script", cmd)
	}
	st := s.steps[s.i]
	s.i++
	if st[0] != nil && !bytes.Equal(cmd, st[0]) {
		s.t.Fatalf("command %d:\n got %X\nwant %X", s.i, cmd, st[0])
	}
	return st[1], nil
}

func vectors(t *testing.T, name string) icao.Vectors {
	t.Helper()
	v, err := icao.LoadVectors("icao/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func vhex(t *testing.T, v icao.Vectors, name string) []byte {
	t.Helper()
	b, err := v.Hex(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// TestBACReaderKnownAnswer replays ICAO 9303-11 Appendix D from the
// terminal's side: the reader must send exactly the example's commands.
func TestBACReaderKnownAnswer(t *testing.T) {
	v := vectors(t, "icao-9303-bac.txt")
	ext := vhex(t, v, "E.IFD")
	ext = append(append(append(unhex("0082000028"), ext...), vhex(t, v, "M.IFD")...), 0x28)
	sc := &scripted{t: t, steps: [][2][]byte{
		{unhex("0084000008"), append(vhex(t, v, "RND.IC"), 0x90, 0x00)},
		{ext, append(vhex(t, v, "EXTERNAL_AUTH_response"), 0x90, 0x00)},
		{vhex(t, v, "SELECT_EF_COM_command"), vhex(t, v, "SELECT_EF_COM_response")},
		{vhex(t, v, "READ_4_command"), vhex(t, v, "READ_4_response")},
		{vhex(t, v, "READ_18_at_4_command"), vhex(t, v, "READ_18_at_4_response")},
	}}
	s := &session{link: NewLink(sc, nil)}
	rnd := bytes.NewReader(append(vhex(t, v, "RND.IFD"), vhex(t, v, "K.IFD")...))
	ctx := context.Background()
	if err := s.bac(ctx, Key{DocNo: "L898902C<", Birth: "690806", Expiry: "940623"}, rnd); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.keys.Enc, vhex(t, v, "KSenc")) || !bytes.Equal(s.keys.Mac, vhex(t, v, "KSmac")) || !bytes.Equal(s.keys.SSC, vhex(t, v, "SSC")) {
		t.Fatalf("session keys %X %X %X", s.keys.Enc, s.keys.Mac, s.keys.SSC)
	}
	if _, err := s.send(ctx, Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x01, 0x1E}}, "select EF.COM"); err != nil {
		t.Fatal(err)
	}
	got, err := s.send(ctx, Command{INS: 0xB0, Ne: 4}, "read")
	if err != nil || !bytes.Equal(got, vhex(t, v, "READ_4_plain")) {
		t.Fatalf("read 4: %X %v", got, err)
	}
	got, err = s.send(ctx, Command{INS: 0xB0, P2: 4, Ne: 18}, "read")
	if err != nil || !bytes.Equal(got, vhex(t, v, "READ_18_at_4_plain")) {
		t.Fatalf("read 18: %X %v", got, err)
	}
}

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
