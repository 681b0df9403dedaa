package cardsim

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"fmt"
	"maps"
	"slices"
	"time"

	"motcua/lookups/card/icao"
)

var (
	oidSignedData      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidSHA256          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidContentType     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
)

// buildSOD signs the hashes of the data groups (ICAO 9303-10 §4.6.2): a CMS
// SignedData whose content is an LDSSecurityObject, built by hand because
// CMS libraries insist on the id-data content type.
// Without a signing time (noTime) the signed attributes are the content
// type and the digest only, as on some cards.
func buildSOD(dgs map[int][]byte, pki *PKI, now time.Time, noTime bool, size int) ([]byte, error) {
	sha := seq(icao.EncodeOID(oidSHA256))
	var hashes [][]byte
	for _, n := range slices.Sorted(maps.Keys(dgs)) {
		h := sha256.Sum256(dgs[n])
		hashes = append(hashes, seq(derInt(n), icao.Encode(0x04, h[:])))
	}
	eContent := seq(derInt(0), sha, seq(hashes...))

	signingTime, err := asn1.Marshal(now.UTC().Truncate(time.Second))
	if err != nil {
		return nil, fmt.Errorf("cardsim: signing time: %w", err)
	}
	digest := sha256.Sum256(eContent)
	attrs := [][]byte{
		seq(icao.EncodeOID(oidContentType), derSet(icao.EncodeOID(icao.OIDLDSSecurityObject))),
		seq(icao.EncodeOID(oidMessageDigest), derSet(icao.Encode(0x04, digest[:]))),
	}
	if !noTime {
		attrs = append(attrs, seq(icao.EncodeOID(oidSigningTime), derSet(signingTime)))
	}
	// The signature covers the attributes encoded as a SET (tag 31); the
	// SignerInfo carries the same content under [0] IMPLICIT.
	signed := derSet(attrs...)
	h := sha256.Sum256(signed)
	sig, err := ecdsa.SignASN1(rand.Reader, pki.DSKey, h[:])
	if err != nil {
		return nil, fmt.Errorf("cardsim: signing the SOD: %w", err)
	}
	serial, err := asn1.Marshal(pki.DS.SerialNumber)
	if err != nil {
		return nil, err
	}
	_, attrsContent, err := tlvContent(signed)
	if err != nil {
		return nil, err
	}
	signerInfo := seq(
		derInt(1),
		seq(pki.DS.RawIssuer, serial),
		sha,
		icao.Encode(0xA0, attrsContent),
		seq(icao.EncodeOID(oidECDSAWithSHA256)),
		icao.Encode(0x04, sig),
	)
	if size > 0 {
		// Real SODs run to about 2 KB (RSA document signers, longer
		// certificates); an unsigned attribute pads this one to a size,
		// outside the signature as unsigned attributes are.
		natural := len(wrapSOD(sha, eContent, pki, signerInfo))
		if pad := size - natural - 40; pad > 0 {
			signerInfo = seq(
				derInt(1),
				seq(pki.DS.RawIssuer, serial),
				sha,
				icao.Encode(0xA0, attrsContent),
				seq(icao.EncodeOID(oidECDSAWithSHA256)),
				icao.Encode(0x04, sig),
				icao.Encode(0xA1, seq(icao.EncodeOID(oidPadding), derSet(icao.Encode(0x04, make([]byte, pad))))),
			)
		}
	}
	return wrapSOD(sha, eContent, pki, signerInfo), nil
}

// wrapSOD wraps a signer info into EF.SOD.
func wrapSOD(sha, eContent []byte, pki *PKI, signerInfo []byte) []byte {
	signedData := seq(
		derInt(3),
		derSet(sha),
		seq(icao.EncodeOID(icao.OIDLDSSecurityObject), icao.Encode(0xA0, icao.Encode(0x04, eContent))),
		icao.Encode(0xA0, pki.DS.Raw),
		derSet(signerInfo),
	)
	contentInfo := seq(icao.EncodeOID(oidSignedData), icao.Encode(0xA0, signedData))
	return icao.Encode(0x77, contentInfo)
}

// tlvContent splits one encoded object into its tag and content octets.
func tlvContent(b []byte) (uint32, []byte, error) {
	t, _, err := icao.ParseTLV(b)
	if err != nil {
		return 0, nil, err
	}
	return t.Tag, t.Value, nil
}
