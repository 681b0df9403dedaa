package card

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/smallstep/pkcs7"

	"motcua/lookups/card/icao"
)

// State is the outcome of one check, shown to the clerk.
type State int

const (
	Pending     State = iota // not done yet
	Passed                   // verified
	Untrusted                // passive authentication: signature valid, CSCA not in the trust store
	Failed                   // the check failed: the data or the chip is not genuine
	NotOffered               // the card does not offer it
	Interrupted              // the read stopped before the check could run
)

func (s State) String() string {
	switch s {
	case Pending:
		return "pending"
	case Passed:
		return "passed"
	case Untrusted:
		return "csca_unknown"
	case Failed:
		return "failed"
	case NotOffered:
		return "not_offered"
	case Interrupted:
		return "interrupted"
	}
	return "unknown"
}

// MarshalText writes the state's name.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Label is the Vietnamese label the clerk sees.
func (s State) Label() string {
	switch s {
	case Pending:
		return "đang kiểm tra"
	case Passed:
		return "đạt"
	case Untrusted:
		return "chữ ký hợp lệ, chưa có chứng thư CSCA"
	case Failed:
		return "KHÔNG ĐẠT"
	case NotOffered:
		return "thẻ không hỗ trợ"
	case Interrupted:
		return "chưa kiểm tra được"
	}
	return ""
}

// ---- EF.SOD ------------------------------------------------------------

// SOD is the parsed document security object.
type SOD struct {
	HashAlg     crypto.Hash
	Hashes      map[int][]byte // data-group number -> hash
	Signer      *x509.Certificate
	SigningTime time.Time // zero when the SOD carries none
	p7          *pkcs7.PKCS7
}

type ldsSecurityObject struct {
	Version int
	HashAlg pkix.AlgorithmIdentifier
	Hashes  []struct {
		DG   int
		Hash []byte
	}
}

var (
	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

func hashOf(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	switch {
	case oid.Equal(oidSHA1):
		return crypto.SHA1, nil
	case oid.Equal(oidSHA224):
		return crypto.SHA224, nil
	case oid.Equal(oidSHA256):
		return crypto.SHA256, nil
	case oid.Equal(oidSHA384):
		return crypto.SHA384, nil
	case oid.Equal(oidSHA512):
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("hash algorithm %s", oid)
}

// ParseSOD decodes EF.SOD (77 { CMS SignedData { LDSSecurityObject } }).
// It checks structure only; Verify checks the signature.
func ParseSOD(b []byte) (*SOD, error) {
	t, _, err := icao.ParseTLV(b)
	if err != nil || t.Tag != 0x77 {
		return nil, ldsErr("EF.SOD", orTag(err, t.Tag))
	}
	p7, err := parsePKCS7(t.Value)
	if err != nil {
		return nil, ldsErr("EF.SOD", err)
	}
	var lso ldsSecurityObject
	if _, err := asn1.Unmarshal(p7.Content, &lso); err != nil {
		return nil, ldsErr("EF.SOD", fmt.Errorf("LDS security object: %v", err))
	}
	h, err := hashOf(lso.HashAlg.Algorithm)
	if err != nil {
		return nil, ldsErr("EF.SOD", err)
	}
	s := &SOD{HashAlg: h, Hashes: map[int][]byte{}, p7: p7, Signer: p7.GetOnlySigner()}
	for _, e := range lso.Hashes {
		s.Hashes[e.DG] = e.Hash
	}
	var st time.Time
	if err := p7.UnmarshalSignedAttribute(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}, &st); err == nil {
		s.SigningTime = st
	}
	return s, nil
}

// parsePKCS7 shields the reader from a panic in the CMS library on hostile input.
func parsePKCS7(b []byte) (p7 *pkcs7.PKCS7, err error) {
	defer func() {
		if r := recover(); r != nil {
			p7, err = nil, fmt.Errorf("CMS structure: %v", r)
		}
	}()
	p7, err = pkcs7.Parse(b)
	if err == nil && len(p7.Content) == 0 {
		err = errors.New("CMS without content")
	}
	return p7, err
}

// HashFile returns the hash of a data group file under the SOD's algorithm.
func (s *SOD) HashFile(b []byte) []byte {
	h := s.HashAlg.New()
	h.Write(b)
	return h.Sum(nil)
}

// CheckSignature verifies the CMS signature with the document signer's
// certificate carried in the SOD.
func (s *SOD) CheckSignature() (err error) {
	if s.Signer == nil {
		return errors.New("the SOD names no single document signer")
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("SOD signature: %v", r)
		}
	}()
	return s.p7.Verify()
}

// ---- trust store -------------------------------------------------------

// TrustStore holds the CSCA certificates the document signers must chain to.
type TrustStore struct {
	pool  *x509.CertPool
	certs []*x509.Certificate
}

// NewTrustStore returns a store holding certs.
func NewTrustStore(certs ...*x509.Certificate) *TrustStore {
	t := &TrustStore{pool: x509.NewCertPool()}
	for _, c := range certs {
		t.Add(c)
	}
	return t
}

// Add trusts one more CSCA certificate.
func (t *TrustStore) Add(c *x509.Certificate) {
	t.pool.AddCert(c)
	t.certs = append(t.certs, c)
}

// Len is the number of CSCA certificates.
func (t *TrustStore) Len() int {
	if t == nil {
		return 0
	}
	return len(t.certs)
}

// LoadTrustStore reads CSCA certificates (PEM or DER, .pem .crt .cer .der)
// from files and directories.
func LoadTrustStore(paths ...string) (*TrustStore, error) {
	t := NewTrustStore()
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
				switch strings.ToLower(filepath.Ext(e.Name())) {
				case ".pem", ".crt", ".cer", ".der":
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			if err := t.addBytes(b); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
		}
	}
	return t, nil
}

func (t *TrustStore) addBytes(b []byte) error {
	found := false
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return err
		}
		t.Add(c)
		found = true
	}
	if found {
		return nil
	}
	c, err := x509.ParseCertificate(b)
	if err != nil {
		return fmt.Errorf("no certificate: %v", err)
	}
	t.Add(c)
	return nil
}

// chains reports whether ds chains to a trusted CSCA at time at.
func (t *TrustStore) chains(ds *x509.Certificate, at time.Time) error {
	if t.Len() == 0 {
		return errors.New("empty trust store")
	}
	_, err := ds.Verify(x509.VerifyOptions{Roots: t.pool, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	return err
}

// ---- active authentication ---------------------------------------------

// activeAuth sends INTERNAL AUTHENTICATE with a fresh challenge and checks
// the signature with the DG15 key: a cloned chip has the data but not the key.
func (s *session) activeAuth(ctx context.Context, pub crypto.PublicKey, sigAlg asn1.ObjectIdentifier, rnd io.Reader) error {
	challenge := make([]byte, 8)
	if _, err := io.ReadFull(rnd, challenge); err != nil {
		return err
	}
	sig, err := s.send(ctx, Command{INS: 0x88, Data: challenge, Ne: 256}, "internal authenticate")
	if err != nil {
		return err
	}
	return checkAA(pub, sigAlg, challenge, sig)
}

// checkAA verifies an active-authentication signature over challenge.
func checkAA(pub crypto.PublicKey, sigAlg asn1.ObjectIdentifier, challenge, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return checkISO9796(k, challenge, sig)
	case *ecdsa.PublicKey:
		var hashes []crypto.Hash
		switch {
		case sigAlg.Equal(icao.OIDECDSAPlainSHA1):
			hashes = []crypto.Hash{crypto.SHA1}
		case sigAlg.Equal(icao.OIDECDSAPlainSHA224):
			hashes = []crypto.Hash{crypto.SHA224}
		case sigAlg.Equal(icao.OIDECDSAPlainSHA256):
			hashes = []crypto.Hash{crypto.SHA256}
		case sigAlg.Equal(icao.OIDECDSAPlainSHA384):
			hashes = []crypto.Hash{crypto.SHA384}
		case sigAlg.Equal(icao.OIDECDSAPlainSHA512):
			hashes = []crypto.Hash{crypto.SHA512}
		default: // DG14 did not say: try the usual ones
			hashes = []crypto.Hash{crypto.SHA256, crypto.SHA1, crypto.SHA384, crypto.SHA512}
		}
		n := (k.Curve.Params().BitSize + 7) / 8
		for _, h := range hashes {
			d := digest(h, challenge)
			if len(sig) == 2*n {
				r, s := new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])
				if ecdsa.Verify(k, d, r, s) {
					return nil
				}
			} else if ecdsa.VerifyASN1(k, d, sig) {
				return nil
			}
		}
		return errors.New("active authentication: ECDSA signature does not verify")
	}
	return fmt.Errorf("active authentication: key type %T", pub)
}

func digest(h crypto.Hash, b []byte) []byte {
	switch h {
	case crypto.SHA1:
		s := sha1.Sum(b)
		return s[:]
	case crypto.SHA224:
		s := sha256.Sum224(b)
		return s[:]
	case crypto.SHA256:
		s := sha256.Sum256(b)
		return s[:]
	case crypto.SHA384:
		s := sha512.Sum384(b)
		return s[:]
	}
	s := sha512.Sum512(b)
	return s[:]
}

// checkISO9796 verifies an ISO/IEC 9796-2 scheme 1 signature with message
// recovery: m = sig^e mod n = 6A || M1 || H(M1 || challenge) || trailer.
func checkISO9796(k *rsa.PublicKey, challenge, sig []byte) error {
	if len(sig) == 0 || len(sig) > k.Size() {
		return errors.New("active authentication: RSA signature of wrong size")
	}
	c := new(big.Int).SetBytes(sig)
	if c.Cmp(k.N) >= 0 {
		return errors.New("active authentication: RSA signature out of range")
	}
	m := new(big.Int).Exp(c, big.NewInt(int64(k.E)), k.N)
	em := m.FillBytes(make([]byte, k.Size()))
	if em[len(em)-1]&0x0F != 0x0C { // a signature may be given as min(s, n-s) (ISO 9796-2)
		alt := new(big.Int).Sub(k.N, m).FillBytes(make([]byte, k.Size()))
		if alt[len(alt)-1]&0x0F == 0x0C {
			em = alt
		}
	}
	if em[0] != 0x6A {
		return errors.New("active authentication: RSA signature without the 9796-2 header")
	}
	var h crypto.Hash
	t := 1
	switch {
	case em[len(em)-1] == 0xBC:
		h = crypto.SHA1
	case em[len(em)-1] == 0xCC:
		t = 2
		switch em[len(em)-2] {
		case 0x33:
			h = crypto.SHA1
		case 0x34:
			h = crypto.SHA256
		case 0x35:
			h = crypto.SHA512
		case 0x36:
			h = crypto.SHA384
		case 0x38:
			h = crypto.SHA224
		default:
			return fmt.Errorf("active authentication: hash identifier %02X", em[len(em)-2])
		}
	default:
		return errors.New("active authentication: RSA signature without a known trailer")
	}
	hl := h.Size()
	if len(em) < 1+hl+t {
		return errors.New("active authentication: RSA key too small")
	}
	m1 := em[1 : len(em)-hl-t]
	d := em[len(em)-hl-t : len(em)-t]
	if !bytes.Equal(digest(h, append(append([]byte{}, m1...), challenge...)), d) {
		return errors.New("active authentication: RSA signature does not match the challenge")
	}
	return nil
}
