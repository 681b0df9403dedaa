package cardsim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
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
