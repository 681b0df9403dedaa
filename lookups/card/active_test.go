package card

import (
	"crypto/x509"
	"testing"

	"motcua/lookups/card/icao"
)

// TestActiveAuthenticationKnownAnswer checks signatures made apart (Python
// cryptography): RSA with ISO/IEC 9796-2 scheme 1 (SHA-1, trailer BC), also
// given as n-s, and ECDSA P-256 in the plain r||s format; a wrong challenge
// or a changed byte fails.
func TestActiveAuthenticationKnownAnswer(t *testing.T) {
	v := katVectors(t)
	challenge := vhex(t, v, "AA challenge")
	rsaKey, err := x509.ParsePKIXPublicKey(vhex(t, v, "AA RSA public key (SPKI)"))
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := x509.ParsePKIXPublicKey(vhex(t, v, "AA ECDSA public key (SPKI)"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		key  any
		alg  []int
		sig  []byte
	}{
		{"RSA ISO 9796-2", rsaKey, nil, vhex(t, v, "AA RSA ISO 9796-2 signature")},
		{"RSA ISO 9796-2 as n-s", rsaKey, nil, vhex(t, v, "AA RSA ISO 9796-2 signature n-s")},
		{"ECDSA plain SHA-256, algorithm from DG14", ecKey, icao.OIDECDSAPlainSHA256, vhex(t, v, "AA ECDSA plain signature SHA-256")},
		{"ECDSA plain SHA-256, algorithm not given", ecKey, nil, vhex(t, v, "AA ECDSA plain signature SHA-256")},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := checkAA(c.key, c.alg, challenge, c.sig); err != nil {
				t.Fatal(err)
			}
			other := append([]byte{}, challenge...)
			other[0] ^= 1
			if checkAA(c.key, c.alg, other, c.sig) == nil {
				t.Error("another challenge accepted")
			}
			bad := append([]byte{}, c.sig...)
			bad[len(bad)/2] ^= 0x10
			if checkAA(c.key, c.alg, challenge, bad) == nil {
				t.Error("a changed signature accepted")
			}
		})
	}
	if checkAA(ecKey, icao.OIDECDSAPlainSHA1, challenge, vhex(t, v, "AA ECDSA plain signature SHA-256")) == nil {
		t.Error("the signature checked under the wrong hash")
	}
}
