package icao

import (
	"crypto/elliptic"
	"encoding/asn1"
	"fmt"

	"github.com/ProtonMail/go-crypto/brainpool"
)

// Object identifiers of ICAO 9303-11 and BSI TR-03110.
var (
	OIDPACE              = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4}
	OIDPACEECDHGM        = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2}
	OIDCA                = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3}
	OIDCAECDH            = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2}
	OIDPKECDH            = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 1, 2}
	OIDTA                = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 2}
	OIDAA                = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 5}
	OIDLDSSecurityObject = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}

	OIDECPublicKey       = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	OIDCurveP256         = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	OIDCurveP384         = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	OIDCurveBrainpool256 = asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 7}
	OIDCurveBrainpool384 = asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 11}

	// ecdsa-plain-signatures (BSI TR-03111): r || s, used by active authentication.
	OIDECDSAPlainSHA1   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 1}
	OIDECDSAPlainSHA224 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 2}
	OIDECDSAPlainSHA256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 3}
	OIDECDSAPlainSHA384 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 4}
	OIDECDSAPlainSHA512 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 5}
)

// CipherOf returns the cipher named by the last arc of a PACE or chip
// authentication protocol OID (1 3DES, 2 AES-128, 3 AES-192, 4 AES-256).
func CipherOf(protocol asn1.ObjectIdentifier) (Cipher, error) {
	if len(protocol) == 0 {
		return 0, fmt.Errorf("icao: empty protocol identifier")
	}
	switch protocol[len(protocol)-1] {
	case 1:
		return TDES, nil
	case 2:
		return AES128, nil
	case 3:
		return AES192, nil
	case 4:
		return AES256, nil
	}
	return 0, fmt.Errorf("icao: protocol %s names no known cipher", protocol)
}

// Standardized domain parameter IDs (ICAO 9303-11 §9.5.1) with a curve here.
const (
	ParamP256         = 12
	ParamBrainpool256 = 13
	ParamP384         = 15
	ParamBrainpool384 = 16
)

// CurveByParamID returns the elliptic curve of a standardized domain parameter ID.
func CurveByParamID(id int) (elliptic.Curve, error) {
	switch id {
	case ParamP256:
		return elliptic.P256(), nil
	case ParamBrainpool256:
		return brainpool.P256r1(), nil
	case ParamP384:
		return elliptic.P384(), nil
	case ParamBrainpool384:
		return brainpool.P384r1(), nil
	}
	return nil, fmt.Errorf("icao: domain parameters %d are not supported", id)
}

// CurveByOID returns the named curve of oid.
func CurveByOID(oid asn1.ObjectIdentifier) (elliptic.Curve, error) {
	switch {
	case oid.Equal(OIDCurveP256):
		return elliptic.P256(), nil
	case oid.Equal(OIDCurveP384):
		return elliptic.P384(), nil
	case oid.Equal(OIDCurveBrainpool256):
		return brainpool.P256r1(), nil
	case oid.Equal(OIDCurveBrainpool384):
		return brainpool.P384r1(), nil
	}
	return nil, fmt.Errorf("icao: curve %s is not supported", oid)
}

// CurveOID is the inverse of CurveByOID.
func CurveOID(c elliptic.Curve) (asn1.ObjectIdentifier, error) {
	switch c.Params().Name {
	case "P-256":
		return OIDCurveP256, nil
	case "P-384":
		return OIDCurveP384, nil
	case "brainpoolP256r1":
		return OIDCurveBrainpool256, nil
	case "brainpoolP384r1":
		return OIDCurveBrainpool384, nil
	}
	return nil, fmt.Errorf("icao: curve %s has no identifier here", c.Params().Name)
}

// CurveByPrime finds a supported curve from explicit domain parameters by
// its prime and generator (chip authentication keys often carry them).
func CurveByPrime(p, gx []byte) (elliptic.Curve, error) {
	for _, c := range []elliptic.Curve{elliptic.P256(), brainpool.P256r1(), elliptic.P384(), brainpool.P384r1()} {
		pp := c.Params()
		if pp.P.Cmp(new(bigInt).SetBytes(p)) == 0 && pp.Gx.Cmp(new(bigInt).SetBytes(gx)) == 0 {
			return c, nil
		}
	}
	return nil, fmt.Errorf("icao: explicit domain parameters of no supported curve")
}

// EncodeOID returns the DER object (tag 06) of oid.
func EncodeOID(oid asn1.ObjectIdentifier) []byte {
	b, err := asn1.Marshal(oid)
	if err != nil {
		panic(err) // only for malformed identifiers, which are constants here
	}
	return b
}
