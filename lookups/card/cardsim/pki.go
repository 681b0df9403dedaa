package cardsim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"motcua/lookups/card/icao"
	"sync"
	"time"
)

// PKI is a test document-signing chain: a country signing CA and the
// document signer that signs the cards' SODs.
type PKI struct {
	CSCA    *x509.Certificate
	CSCAKey *ecdsa.PrivateKey
	DS      *x509.Certificate
	DSKey   *ecdsa.PrivateKey
}

var (
	testPKIOnce, otherPKIOnce sync.Once
	testPKI, otherPKI         *PKI
)

// TestPKI returns the project's test CSCA and document signer. The keys are
// derived from fixed labels, so every process (the simulator and a reader
// run separately) has the same CSCA key; the certificates are made once per
// process.
func TestPKI() *PKI {
	testPKIOnce.Do(func() { testPKI = mustPKI("motcua cardsim test PKI v1") })
	return testPKI
}

// OtherPKI returns an unrelated chain with the same names, for testing a
// reader faced with an unknown CSCA.
func OtherPKI() *PKI {
	otherPKIOnce.Do(func() { otherPKI = mustPKI("motcua cardsim other PKI v1") })
	return otherPKI
}

// CSCAPEM returns the CSCA certificate in PEM form (the reader's trust list).
func (p *PKI) CSCAPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.CSCA.Raw})
}

func mustPKI(label string) *PKI {
	p, err := newPKI(label)
	if err != nil {
		panic(err) // only fixed inputs: a failure is a programming error
	}
	return p
}

// derivedKey turns a label into a P-256 key: the SHA-256 of the label (and
// a counter, in the unlikely case the hash is not below the group order).
func derivedKey(label string) (*ecdsa.PrivateKey, error) {
	for i := range 16 {
		h := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", label, i)))
		if k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), h[:]); err == nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("cardsim: no key for %q", label)
}

func newPKI(label string) (*PKI, error) {
	cscaKey, err := derivedKey(label + " CSCA")
	if err != nil {
		return nil, err
	}
	dsKey, err := derivedKey(label + " DS")
	if err != nil {
		return nil, err
	}
	org := []string{"motcua (thử nghiệm)"}
	csca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Country: []string{"VN"}, Organization: org, CommonName: "CSCA thử nghiệm motcua — không dùng thật"},
		NotBefore:             time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, csca, csca, &cscaKey.PublicKey, cscaKey)
	if err != nil {
		return nil, fmt.Errorf("cardsim: CSCA certificate: %w", err)
	}
	if csca, err = x509.ParseCertificate(der); err != nil {
		return nil, err
	}
	ds := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{Country: []string{"VN"}, Organization: org, CommonName: "Document Signer thử nghiệm motcua"},
		NotBefore:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if der, err = x509.CreateCertificate(rand.Reader, ds, csca, &dsKey.PublicKey, cscaKey); err != nil {
		return nil, fmt.Errorf("cardsim: DS certificate: %w", err)
	}
	if ds, err = x509.ParseCertificate(der); err != nil {
		return nil, err
	}
	return &PKI{CSCA: csca, CSCAKey: cscaKey, DS: ds, DSKey: dsKey}, nil
}

// WithDS returns a chain with the same CSCA and a new document signer,
// derived from label, valid from notBefore to notAfter (an expired signer,
// or one a CRL revokes).
func (p *PKI) WithDS(label string, serial int64, notBefore, notAfter time.Time) (*PKI, error) {
	key, err := derivedKey(label + " DS")
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{Country: []string{"VN"}, Organization: []string{"motcua (thử nghiệm)"}, CommonName: "Document Signer thử nghiệm motcua " + label},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.CSCA, &key.PublicKey, p.CSCAKey)
	if err != nil {
		return nil, fmt.Errorf("cardsim: DS certificate: %w", err)
	}
	ds, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &PKI{CSCA: p.CSCA, CSCAKey: p.CSCAKey, DS: ds, DSKey: key}, nil
}

// CRL is a revocation list of p's CSCA listing the certificates given.
func (p *PKI) CRL(revoked ...*x509.Certificate) ([]byte, error) {
	var entries []x509.RevocationListEntry
	now := time.Now()
	for _, c := range revoked {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: c.SerialNumber, RevocationTime: now.Add(-time.Hour)})
	}
	return x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: now.Add(-time.Hour),
		NextUpdate: now.Add(90 * 24 * time.Hour), RevokedCertificateEntries: entries}, p.CSCA, p.CSCAKey)
}

// oidCscaMasterList is id-icao-cscaMasterList (ICAO Doc 9303-12).
var oidCscaMasterList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 2}

// MasterList builds an ICAO CSCA master list carrying cscas: a CMS
// SignedData over CscaMasterList { version 0, SET OF Certificate }, signed
// by a master-list signer that p's CSCA issues for the purpose.
func (p *PKI) MasterList(cscas ...*x509.Certificate) ([]byte, error) {
	key, err := derivedKey("master list signer " + p.CSCA.Subject.String())
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(77),
		Subject:      pkix.Name{Country: []string{"VN"}, Organization: []string{"motcua (thử nghiệm)"}, CommonName: "Master List Signer thử nghiệm motcua"},
		NotBefore:    p.CSCA.NotBefore,
		NotAfter:     p.CSCA.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.CSCA, &key.PublicKey, p.CSCAKey)
	if err != nil {
		return nil, fmt.Errorf("cardsim: master list signer: %w", err)
	}
	signer, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	var certs [][]byte
	for _, c := range cscas {
		certs = append(certs, c.Raw)
	}
	content := seq(derInt(0), derSet(certs...))
	return cmsSigned(oidCscaMasterList, content, signer, key, time.Now())
}

// cmsSigned wraps content of type eType in a CMS SignedData (ContentInfo)
// signed with key, the signer's certificate included.
func cmsSigned(eType asn1.ObjectIdentifier, content []byte, cert *x509.Certificate, key *ecdsa.PrivateKey, at time.Time) ([]byte, error) {
	sha := seq(icao.EncodeOID(oidSHA256))
	st, err := asn1.Marshal(at.UTC().Truncate(time.Second))
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(content)
	signed := derSet(
		seq(icao.EncodeOID(oidContentType), derSet(icao.EncodeOID(eType))),
		seq(icao.EncodeOID(oidSigningTime), derSet(st)),
		seq(icao.EncodeOID(oidMessageDigest), derSet(icao.Encode(0x04, digest[:]))),
	)
	h := sha256.Sum256(signed)
	sig, err := ecdsa.SignASN1(rand.Reader, key, h[:])
	if err != nil {
		return nil, err
	}
	serial, err := asn1.Marshal(cert.SerialNumber)
	if err != nil {
		return nil, err
	}
	_, attrs, err := tlvContent(signed)
	if err != nil {
		return nil, err
	}
	signerInfo := seq(derInt(1), seq(cert.RawIssuer, serial), sha, icao.Encode(0xA0, attrs), seq(icao.EncodeOID(oidECDSAWithSHA256)), icao.Encode(0x04, sig))
	signedData := seq(derInt(3), derSet(sha), seq(icao.EncodeOID(eType), icao.Encode(0xA0, icao.Encode(0x04, content))),
		icao.Encode(0xA0, cert.Raw), derSet(signerInfo))
	return seq(icao.EncodeOID(oidSignedData), icao.Encode(0xA0, signedData)), nil
}
