package cardsim

import (
	"bytes"
	"encoding/hex"
	"testing"

	"motcua/lookups/card/icao"
)

func vectors(t *testing.T, name string) icao.Vectors {
	t.Helper()
	v, err := icao.LoadVectors("../icao/testdata/" + name)
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

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func exchange(t *testing.T, c *Card, what string, cmd, want []byte) {
	t.Helper()
	got, err := c.Transmit(cmd)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s:\n got %X\nwant %X", what, got, want)
	}
}

// TestBACKnownAnswer replays ICAO 9303-11 Appendix D: the chip's answers
// must be byte-exact given the worked example's random values.
func TestBACKnownAnswer(t *testing.T) {
	v := vectors(t, "icao-9303-bac.txt")
	rnd := append(vhex(t, v, "RND.IC"), vhex(t, v, "K.IC")...)
	c, err := NewKnownAnswer(KnownAnswer{
		Files: map[uint16][]byte{fidCOM: mustHex("60145F0104303130365F36063034303030305C026175")},
		DocNo: "L898902C<", Birth: "690806", Expiry: "940623",
	}, Profile{Rand: bytes.NewReader(rnd), NoPACE: true})
	if err != nil {
		t.Fatal(err)
	}
	ok := []byte{0x90, 0x00}
	exchange(t, c, "GET CHALLENGE", mustHex("0084000008"), append(vhex(t, v, "RND.IC"), ok...))
	ext := append(append(append(mustHex("0082000028"), vhex(t, v, "E.IFD")...), vhex(t, v, "M.IFD")...), 0x28)
	exchange(t, c, "EXTERNAL AUTHENTICATE", ext, append(vhex(t, v, "EXTERNAL_AUTH_response"), ok...))
	for _, step := range []string{"SELECT_EF_COM", "READ_4", "READ_18_at_4"} {
		exchange(t, c, step, vhex(t, v, step+"_command"), vhex(t, v, step+"_response"))
	}
}

// TestPACEKnownAnswer replays ICAO 9303-11 Appendix G.1 (generic mapping,
// brainpoolP256r1, MRZ password) with the chip's nonce and keys fed in.
func TestPACEKnownAnswer(t *testing.T) {
	v := vectors(t, "icao-9303-pace-g1.txt")
	rnd := mustHex("3F00C4D39D153F2B2A214A078D899B22" +
		"498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560" +
		"107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A")
	c, err := NewKnownAnswer(KnownAnswer{
		Files: map[uint16][]byte{fidCardAccess: vhex(t, v, "PACEInfo (EF.CardAccess, wrapped in a SET)")},
		DocNo: "T22000129", Birth: "640812", Expiry: "101031",
	}, Profile{Rand: bytes.NewReader(rnd)})
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, c, "MSE:Set AT", vhex(t, v, "MSE:Set AT command"), []byte{0x90, 0x00})
	for _, step := range []struct{ cmd, resp string }{
		{"GA 1 command (get encrypted nonce)", "GA 1 response"},
		{"GA 2 command (mapping data 81)", "GA 2 response (chip mapping data 82)"},
		{"GA 3 command (ephemeral key 83)", "GA 3 response (chip ephemeral key 84)"},
		{"GA 4 command (terminal token 85)", "GA 4 response (chip token 86)"},
	} {
		exchange(t, c, step.cmd, vhex(t, v, step.cmd), vhex(t, v, step.resp))
	}
	// The session runs with the example's keys: select the applet under SM.
	tm := &term{t: t, card: c, keys: &icao.Keys{Cipher: icao.AES128, Enc: vhex(t, v, "KSenc"), Mac: vhex(t, v, "KSmac"),
		SSC: vhex(t, v, "SSC after PACE")}}
	tm.selectApplet()
}
