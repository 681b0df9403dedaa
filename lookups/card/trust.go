package card

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"motcua/lookups/card/icao"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// TrustStore holds the CSCA certificates the document signers must chain
// to, and the revocation lists (CRLs) of those CSCAs.
type TrustStore struct {
	pool    *x509.CertPool
	certs   []*x509.Certificate
	entries []TrustEntry
	revoked map[string]map[string]bool // CRL issuer (raw subject) -> revoked serial numbers
}

// TrustEntry is one thing the store trusts, for `card trust list`.
type TrustEntry struct {
	Kind      string    `json:"kind"` // "csca" or "crl"
	Country   string    `json:"country"`
	Subject   string    `json:"subject"` // the CSCA, or the CRL's issuer
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"` // a CRL's next update
	Revoked   int       `json:"revoked,omitempty"`
	Source    string    `json:"source"` // the file, and the master list it came in
}

// Errors of the trust store.
var (
	// ErrNoCSCA: the document signer does not chain to any trusted CSCA.
	ErrNoCSCA = errors.New("card: no trusted CSCA for this document signer")
	// ErrRevoked: a CRL of the CSCA revokes the document signer.
	ErrRevoked = errors.New("card: the document signer certificate is revoked")
	// ErrChainTime: the chain is not valid at the time the data were signed.
	ErrChainTime = errors.New("card: the certificate chain is not valid when the data were signed")
)

// NewTrustStore returns a store holding certs.
func NewTrustStore(certs ...*x509.Certificate) *TrustStore {
	t := &TrustStore{pool: x509.NewCertPool(), revoked: map[string]map[string]bool{}}
	for _, c := range certs {
		t.Add(c)
	}
	return t
}

// Add trusts one more CSCA certificate.
func (t *TrustStore) Add(c *x509.Certificate) { t.add(c, "") }

func (t *TrustStore) add(c *x509.Certificate, source string) {
	for _, have := range t.certs {
		if bytes.Equal(have.Raw, c.Raw) {
			return // the same CSCA from two files or master lists
		}
	}
	t.pool.AddCert(c)
	t.certs = append(t.certs, c)
	t.entries = append(t.entries, TrustEntry{Kind: "csca", Country: country(c.Subject), Subject: c.Subject.String(),
		NotBefore: c.NotBefore, NotAfter: c.NotAfter, Source: source})
}

func country(n pkix.Name) string {
	if len(n.Country) > 0 {
		return n.Country[0]
	}
	return ""
}

// Len is the number of CSCA certificates.
func (t *TrustStore) Len() int {
	if t == nil {
		return 0
	}
	return len(t.certs)
}

// Entries lists what the store trusts: CSCA certificates and CRLs, with
// the file each came from.
func (t *TrustStore) Entries() []TrustEntry {
	if t == nil {
		return nil
	}
	return slices.Clone(t.entries)
}

// LoadTrustStore reads files and directories: CSCA certificates (PEM or
// DER: .pem .crt .cer .der), ICAO master lists (.ml: a CMS SignedData over
// a CscaMasterList) and CRLs (.crl, or X509 CRL blocks in PEM). A master
// list is accepted only when its signer chains to a CSCA already trusted
// (from a certificate file, or from a master list accepted before it); a
// CRL only when a trusted CSCA signed it. Anything else is an error naming
// the file: a trust store is never partly loaded by surprise.
func LoadTrustStore(paths ...string) (*TrustStore, error) {
	t := NewTrustStore()
	var certFiles, lists, crls []string
	for _, p := range paths {
		if p == "" {
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		files := []string{p}
		if st.IsDir() {
			files = nil
			entries, err := os.ReadDir(p)
			if err != nil {
				return nil, err
			}
			for _, e := range entries {
				if !e.IsDir() {
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
		}
		for _, f := range files {
			switch strings.ToLower(filepath.Ext(f)) {
			case ".pem", ".crt", ".cer", ".der":
				certFiles = append(certFiles, f)
			case ".ml":
				lists = append(lists, f)
			case ".crl":
				crls = append(crls, f)
			default:
				if !st.IsDir() { // a file named explicitly must be read
					certFiles = append(certFiles, f)
				}
			}
		}
	}
	for _, f := range certFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		pemCRLs, err := t.addCertBytes(b, f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, der := range pemCRLs {
			if err := t.addCRL(der, f); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
		}
	}
	// Master lists, until none more can be accepted: one may be signed
	// under a CSCA that another brings.
	pending := map[string]error{}
	for _, f := range lists {
		pending[f] = nil
	}
	for progress := true; progress && len(pending) > 0; {
		progress = false
		for _, f := range slices.Sorted(mapKeys(pending)) {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			if err := t.addMasterList(b, f); err != nil {
				pending[f] = err
				continue
			}
			delete(pending, f)
			progress = true
		}
	}
	for _, f := range slices.Sorted(mapKeys(pending)) {
		return nil, fmt.Errorf("%s: %w", f, pending[f])
	}
	for _, f := range crls {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if blk, _ := pem.Decode(b); blk != nil {
			b = blk.Bytes
		}
		if err := t.addCRL(b, f); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
	}
	return t, nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// addCertBytes adds the certificates of a PEM or DER file and returns the
// DER of the CRLs a PEM file carries.
func (t *TrustStore) addCertBytes(b []byte, source string) (crls [][]byte, err error) {
	found := false
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		switch blk.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, err
			}
			t.add(c, source)
			found = true
		case "X509 CRL":
			crls = append(crls, blk.Bytes)
			found = true
		}
	}
	if found {
		return crls, nil
	}
	c, err := x509.ParseCertificate(b)
	if err != nil {
		return nil, fmt.Errorf("no certificate: %v", err)
	}
	t.add(c, source)
	return nil, nil
}

// oidCscaMasterList is id-icao-cscaMasterList (ICAO Doc 9303-12 §9).
var oidCscaMasterList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 2}

type cscaMasterList struct {
	Version  int
	CertList []asn1.RawValue `asn1:"set"`
}

// addMasterList verifies an ICAO master list (its CMS signature, its
// signer's chain to a CSCA already trusted) and trusts the CSCAs it lists.
func (t *TrustStore) addMasterList(b []byte, source string) error {
	if blk, _ := pem.Decode(b); blk != nil {
		b = blk.Bytes
	}
	ct, err := eContentType(b)
	if err != nil {
		return fmt.Errorf("not a master list: %v", err)
	}
	if !ct.Equal(oidCscaMasterList) {
		return fmt.Errorf("not a master list: content type %v", ct)
	}
	p7, err := parsePKCS7(b)
	if err != nil {
		return fmt.Errorf("master list: %v", err)
	}
	signer := p7.GetOnlySigner()
	if signer == nil {
		return errors.New("master list: no single signer")
	}
	if err := verifyCMS(p7); err != nil {
		return fmt.Errorf("master list signature: %v", err)
	}
	at := time.Now()
	var st time.Time
	if err := p7.UnmarshalSignedAttribute(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}, &st); err == nil {
		at = st
	}
	inter := x509.NewCertPool()
	for _, c := range p7.Certificates {
		inter.AddCert(c)
	}
	if t.Len() == 0 {
		return errors.New("master list: its signer does not chain to a trusted CSCA (install the CSCA that signs it first)")
	}
	if _, err := signer.Verify(x509.VerifyOptions{Roots: t.pool, Intermediates: inter, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return fmt.Errorf("master list: its signer does not chain to a trusted CSCA (install the CSCA that signs it first): %v", err)
	}
	var ml cscaMasterList
	if rest, err := asn1.Unmarshal(p7.Content, &ml); err != nil || len(rest) != 0 {
		return fmt.Errorf("master list content: %v", err)
	}
	n := 0
	for _, raw := range ml.CertList {
		c, err := x509.ParseCertificate(raw.FullBytes)
		if err != nil {
			continue // one unreadable entry does not void the list
		}
		t.add(c, source+" (danh sách chính)")
		n++
	}
	if n == 0 {
		return errors.New("master list without a readable certificate")
	}
	return nil
}

// eContentType reads the encapsulated content type of a CMS SignedData:
// ContentInfo { OID, [0] SignedData { version, digests, { eContentType, ... } ... } }.
func eContentType(b []byte) (asn1.ObjectIdentifier, error) {
	ci, _, err := icao.ParseTLV(b)
	if err != nil || ci.Tag != 0x30 {
		return nil, errors.New("not a CMS ContentInfo")
	}
	kids, err := ci.Children()
	if err != nil || len(kids) < 2 || kids[1].Tag != 0xA0 {
		return nil, errors.New("not a CMS ContentInfo")
	}
	sd, _, err := icao.ParseTLV(kids[1].Value)
	if err != nil || sd.Tag != 0x30 {
		return nil, errors.New("not a CMS SignedData")
	}
	fields, err := sd.Children()
	if err != nil || len(fields) < 3 || fields[2].Tag != 0x30 {
		return nil, errors.New("not a CMS SignedData")
	}
	encap, err := fields[2].Children()
	if err != nil || len(encap) == 0 || encap[0].Tag != 0x06 {
		return nil, errors.New("no encapsulated content type")
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(encap[0].Raw, &oid); err != nil {
		return nil, err
	}
	return oid, nil
}

// addCRL trusts a CRL signed by a trusted CSCA.
func (t *TrustStore) addCRL(der []byte, source string) error {
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return fmt.Errorf("CRL: %v", err)
	}
	var issuer *x509.Certificate
	for _, c := range t.certs {
		if bytes.Equal(c.RawSubject, crl.RawIssuer) && crl.CheckSignatureFrom(c) == nil {
			issuer = c
			break
		}
	}
	if issuer == nil {
		return errors.New("CRL not signed by a trusted CSCA (install its CSCA first)")
	}
	key := string(crl.RawIssuer)
	if t.revoked[key] == nil {
		t.revoked[key] = map[string]bool{}
	}
	for _, e := range crl.RevokedCertificateEntries {
		t.revoked[key][e.SerialNumber.String()] = true
	}
	t.entries = append(t.entries, TrustEntry{Kind: "crl", Country: country(issuer.Subject), Subject: issuer.Subject.String(),
		NotBefore: crl.ThisUpdate, NotAfter: crl.NextUpdate, Revoked: len(crl.RevokedCertificateEntries), Source: source})
	return nil
}

// isRevoked reports whether a CRL of c's issuer lists c.
func (t *TrustStore) isRevoked(c *x509.Certificate) bool {
	return t.revoked[string(c.RawIssuer)][new(big.Int).Set(c.SerialNumber).String()]
}

// chains checks that the document signer ds chains to a trusted CSCA at
// time at (when the data were signed) and is not revoked.
func (t *TrustStore) chains(ds *x509.Certificate, at time.Time) error {
	if t.Len() == 0 {
		return fmt.Errorf("%w: empty trust store", ErrNoCSCA)
	}
	if t.isRevoked(ds) {
		return ErrRevoked
	}
	_, err := ds.Verify(x509.VerifyOptions{Roots: t.pool, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	var ie x509.CertificateInvalidError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ie) && ie.Reason == x509.Expired:
		return fmt.Errorf("%w: %v", ErrChainTime, err)
	}
	return fmt.Errorf("%w: %v", ErrNoCSCA, err)
}
