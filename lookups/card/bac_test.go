package card

import (
	"bytes"
	"context"
	"testing"
)

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
