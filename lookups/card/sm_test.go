package card

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"motcua/lookups/card/icao"
)

// vectorSession is a session holding the ICAO 9303-11 Appendix D session
// keys and send-sequence counter, as BAC leaves them.
func vectorSession(t *testing.T, sc *scripted) *session {
	t.Helper()
	v := vectors(t, "icao-9303-bac.txt")
	s := &session{link: NewLink(sc, nil)}
	s.secure(&icao.Keys{Cipher: icao.TDES, Enc: vhex(t, v, "KSenc"), Mac: vhex(t, v, "KSmac"), SSC: vhex(t, v, "SSC")})
	return s
}

// TestSecureMessagingKnownAnswer replays the secured SELECT and READ BINARY
// of ICAO 9303-11 Appendix D (3DES) from the session keys alone.
func TestSecureMessagingKnownAnswer(t *testing.T) {
	v := vectors(t, "icao-9303-bac.txt")
	sc := &scripted{t: t, steps: [][2][]byte{
		{vhex(t, v, "SELECT_EF_COM_command"), vhex(t, v, "SELECT_EF_COM_response")},
		{vhex(t, v, "READ_4_command"), vhex(t, v, "READ_4_response")},
		{vhex(t, v, "READ_18_at_4_command"), vhex(t, v, "READ_18_at_4_response")},
	}}
	s := vectorSession(t, sc)
	ctx := context.Background()
	if _, err := s.send(ctx, Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x01, 0x1E}}, "select EF.COM"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.send(ctx, Command{INS: 0xB0, Ne: 4}, "read"); err != nil || !bytes.Equal(got, vhex(t, v, "READ_4_plain")) {
		t.Fatalf("read 4: %X %v", got, err)
	}
	if got, err := s.send(ctx, Command{INS: 0xB0, P2: 4, Ne: 18}, "read"); err != nil || !bytes.Equal(got, vhex(t, v, "READ_18_at_4_plain")) {
		t.Fatalf("read 18: %X %v", got, err)
	}
	if s.verified != 3 {
		t.Errorf("%d verified answers, want 3", s.verified)
	}
}

// TestSecureMessagingNeverFallsBack: an answer that is not secured, or not
// verified, closes the session; the next command is not sent at all.
func TestSecureMessagingNeverFallsBack(t *testing.T) {
	v := vectors(t, "icao-9303-bac.txt")
	good := vhex(t, v, "READ_4_response")
	wrongMAC := append([]byte{}, good...)
	wrongMAC[len(wrongMAC)-3] ^= 1
	for _, c := range []struct {
		name string
		resp []byte
		want error
	}{
		{"bare status word", []byte{0x6A, 0x86}, ErrUnprotected},
		{"bare 6982", []byte{0x69, 0x82}, ErrUnprotected},
		{"empty 9000", []byte{0x90, 0x00}, ErrSecureMessaging},
		{"file bytes in clear", []byte{0x60, 0x14, 0x5F, 0x01, 0x90, 0x00}, ErrSecureMessaging},
		{"no DO8E", append(append([]byte{}, good[:len(good)-12]...), 0x90, 0x00), ErrSecureMessaging},
		{"wrong MAC", wrongMAC, ErrSecureMessaging},
		{"DO99 alone", []byte{0x99, 0x02, 0x90, 0x00, 0x90, 0x00}, ErrSecureMessaging},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc := &scripted{t: t, steps: [][2][]byte{
				{vhex(t, v, "SELECT_EF_COM_command"), vhex(t, v, "SELECT_EF_COM_response")},
				{vhex(t, v, "READ_4_command"), c.resp},
			}}
			s := vectorSession(t, sc)
			ctx := context.Background()
			if _, err := s.send(ctx, Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x01, 0x1E}}, "select EF.COM"); err != nil {
				t.Fatal(err)
			}
			_, err := s.send(ctx, Command{INS: 0xB0, Ne: 4}, "read EF.COM")
			if !errors.Is(err, c.want) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
			if _, ok := SW(err); ok {
				t.Errorf("%v taken as a status of the chip", err)
			}
			// nothing more goes out, secured or not (the script would fail on it)
			if _, err := s.send(ctx, Command{INS: 0xB0, P2: 4, Ne: 18}, "read EF.COM"); !errors.Is(err, ErrSessionClosed) {
				t.Fatalf("after the session closed: %v", err)
			}
			s.restart()
			if s.keys != nil || s.closed {
				t.Error("restart left the session closed")
			}
		})
	}
}

// FuzzSecureMessagingResponse feeds arbitrary secured responses to the
// reader's unwrapping: it must reject, never panic, and never accept an
// answer without a verified MAC.
func FuzzSecureMessagingResponse(f *testing.F) {
	f.Add(unhex("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED"), uint16(0x9000))
	f.Add([]byte{0x99, 0x02, 0x90, 0x00}, uint16(0x9000))
	f.Add([]byte{}, uint16(0x6A86))
	f.Fuzz(func(t *testing.T, b []byte, sw uint16) {
		for _, c := range []icao.Cipher{icao.TDES, icao.AES128} {
			s := &session{keys: icao.NewKeys(c, []byte("shared secret"))}
			if _, _, err := s.unprotect(b, sw); err == nil && !bytes.Contains(b, []byte{0x8E}) {
				t.Fatalf("accepted %X without a MAC", b)
			}
		}
	})
}
