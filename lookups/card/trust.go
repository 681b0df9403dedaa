package card

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

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
