package icao

import (
	"bytes"
	"testing"

	"github.com/ProtonMail/go-crypto/brainpool"
)

func mustVectors(t *testing.T, name string) Vectors {
	t.Helper()
	v, err := LoadVectors("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func hx(t *testing.T, v Vectors, name string) []byte {
	t.Helper()
	b, err := v.Hex(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func eq(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s = %X, want %X", what, got, want)
	}
}

func TestCheckDigits(t *testing.T) {
	for _, c := range []struct{ s, d string }{
		{"L898902C<", "3"}, {"690806", "1"}, {"940623", "6"}, {"T22000129", "3"}, {"640812", "5"}, {"101031", "8"},
		{"D23145890", "7"}, {"<<<<<<", "0"},
	} {
		d, ok := CheckDigit(c.s)
		if !ok || string(d) != c.d {
			t.Errorf("CheckDigit(%q) = %q, want %s", c.s, d, c.d)
		}
	}
	if _, ok := CheckDigit("ab"); ok {
		t.Error("lower case accepted")
	}
}

func TestBACKeysKnownAnswer(t *testing.T) {
	v := mustVectors(t, "icao-9303-bac.txt")
	info, err := MRZInfo("L898902C", "690806", "940623")
	if err != nil {
		t.Fatal(err)
	}
	if info != v["MRZ_information"] {
		t.Fatalf("MRZ information %q, want %q", info, v["MRZ_information"])
	}
	kenc, kmac := BACKeys(info)
	eq(t, "Kenc", kenc, hx(t, v, "Kenc"))
	eq(t, "Kmac", kmac, hx(t, v, "Kmac"))

	// session keys from K.IFD xor K.IC, SSC from the nonces
	kifd, kic := hx(t, v, "K.IFD"), hx(t, v, "K.IC")
	seed := make([]byte, 16)
	for i := range seed {
		seed[i] = kifd[i] ^ kic[i]
	}
	eq(t, "KSenc", KDF(seed, KDFEnc, TDES), hx(t, v, "KSenc"))
	eq(t, "KSmac", KDF(seed, KDFMac, TDES), hx(t, v, "KSmac"))

	// E.IFD and M.IFD
	s := append(append(hx(t, v, "RND.IFD"), hx(t, v, "RND.IC")...), kifd...)
	e, err := CBCEncrypt(TDES, kenc, s)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "E.IFD", e, hx(t, v, "E.IFD"))
	m, err := RetailMAC(kmac, Pad(e, 8))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "M.IFD", m, hx(t, v, "M.IFD"))
}

func TestPACEPrimitivesKnownAnswer(t *testing.T) {
	v := mustVectors(t, "icao-9303-pace-g1.txt")
	info, err := MRZInfo("T22000129", "640812", "101031")
	if err != nil {
		t.Fatal(err)
	}
	kpi := PasswordKey(AES128, info, true)
	eq(t, "K_pi", kpi, hx(t, v, "K_pi (password key from the MRZ)"))
	s, err := CBCDecrypt(AES128, kpi, hx(t, v, "encrypted nonce z"))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "s", s, hx(t, v, "decrypted nonce s"))

	c := brainpool.P256r1()
	tmap := Mul(c, Generator(c), hx(t, v, "terminal mapping private key"))
	eq(t, "terminal mapping public x", tmap.X.Bytes(), hx(t, v, "terminal mapping public key x"))
	resp := hx(t, v, "GA 2 response (chip mapping data 82)")
	chipMap, err := ParsePoint(c, resp[4:4+65])
	if err != nil {
		t.Fatal(err)
	}
	h := Mul(c, chipMap, hx(t, v, "terminal mapping private key"))
	eq(t, "H x", h.X.Bytes(), hx(t, v, "shared point H x"))
	g := MapGeneric(c, s, h)
	eq(t, "G~ x", g.X.Bytes(), hx(t, v, "mapped generator G~ x"))
	eq(t, "G~ y", g.Y.Bytes(), hx(t, v, "mapped generator G~ y"))
	teph := Mul(c, g, hx(t, v, "terminal ephemeral private key"))
	eq(t, "terminal ephemeral x", teph.X.Bytes(), hx(t, v, "terminal ephemeral public key x"))
	chipEph := Point{X: bigFrom(hx(t, v, "chip ephemeral public key x")), Y: bigFrom(hx(t, v, "chip ephemeral public key y"))}
	k := SharedX(c, chipEph, hx(t, v, "terminal ephemeral private key"))
	keys := NewKeys(AES128, k)
	eq(t, "KSenc", keys.Enc, hx(t, v, "KSenc"))
	eq(t, "KSmac", keys.Mac, hx(t, v, "KSmac"))
	eq(t, "SSC", keys.SSC, hx(t, v, "SSC after PACE"))

	proto := EncodeOID(append(OIDPACEECDHGM, 2))
	chipTpl := PublicKeyTemplate(proto, chipEph.Bytes(c))
	eq(t, "chip key template", chipTpl, hx(t, v, "public key template for the chip key (7F49)"))
	termTpl := PublicKeyTemplate(proto, teph.Bytes(c))
	eq(t, "terminal key template", termTpl, hx(t, v, "public key template for the terminal key"))
	tifd, err := Token(AES128, keys.Mac, chipTpl)
	if err != nil {
		t.Fatal(err)
	}
	ga4 := hx(t, v, "GA 4 command (terminal token 85)")
	eq(t, "terminal token", tifd, ga4[9:17])
	tic, _ := Token(AES128, keys.Mac, termTpl)
	ga4r := hx(t, v, "GA 4 response (chip token 86)")
	eq(t, "chip token", tic, ga4r[4:12])
}

func bigFrom(b []byte) *bigInt { return new(bigInt).SetBytes(b) }
