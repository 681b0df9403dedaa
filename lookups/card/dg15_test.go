package card

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"testing"

	"github.com/ProtonMail/go-crypto/brainpool"

	"motcua/lookups/card/icao"
)

// dg15EC encodes DG15 with an EC key whose curve is named by a PACE parameter ID, a form
// crypto/x509 does not parse, so ParseDG15 decodes it itself.
func dg15EC(t *testing.T, paramID int, point []byte) []byte {
	t.Helper()
	params, err := asn1.Marshal(paramID)
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(spki{
		Algorithm: pkix.AlgorithmIdentifier{Algorithm: icao.OIDECPublicKey, Parameters: asn1.RawValue{FullBytes: params}},
		PublicKey: asn1.BitString{Bytes: point, BitLength: 8 * len(point)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return icao.Encode(0x6F, der)
}

// TestParseDG15ECCurves: a NIST key comes out of crypto/ecdsa's parser (its Bytes work), a
// brainpool key with the same point; a point off the curve is refused on both.
func TestParseDG15ECCurves(t *testing.T) {
	for _, tc := range []struct {
		name    string
		paramID int
		curve   elliptic.Curve
	}{
		{"P-256", icao.ParamP256, elliptic.P256()},
		{"brainpoolP256r1", icao.ParamBrainpool256, brainpool.P256r1()},
		{"brainpoolP384r1", icao.ParamBrainpool384, brainpool.P384r1()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := icao.RandomScalar(tc.curve, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			p := icao.Mul(tc.curve, icao.Generator(tc.curve), d)
			point := p.Bytes(tc.curve)
			got, err := ParseDG15(dg15EC(t, tc.paramID, point))
			if err != nil {
				t.Fatalf("ParseDG15: %v", err)
			}
			pub, ok := got.(*ecdsa.PublicKey)
			if !ok || pub.Curve != tc.curve {
				t.Fatalf("ParseDG15 = %T on %v, want *ecdsa.PublicKey on %s", got, pub, tc.name)
			}
			if tc.curve == elliptic.P256() {
				b, err := pub.Bytes()
				if err != nil || !bytes.Equal(b, point) {
					t.Errorf("Bytes() = %x, %v; want %x", b, err, point)
				}
			} else if pub.X.Cmp(p.X) != 0 || pub.Y.Cmp(p.Y) != 0 { //nolint:staticcheck // brainpool keys have only their coordinates
				t.Errorf("brainpool key's point differs from the one encoded")
			}
			off := append([]byte{}, point...)
			off[len(off)-1] ^= 1
			if _, err := ParseDG15(dg15EC(t, tc.paramID, off)); !errors.Is(err, icao.ErrPoint) {
				t.Errorf("point off the curve: err = %v, want ErrPoint", err)
			}
		})
	}
}
