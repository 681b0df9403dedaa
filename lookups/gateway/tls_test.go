package gateway_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"motcua/lookups/gateway"
	"motcua/lookups/sandbox"
)

// testPKI is a throw-away CA with a server certificate for 127.0.0.1 and a
// client certificate, written as PEM files into a temporary directory.
type testPKI struct {
	pool                        *x509.CertPool
	server                      tls.Certificate
	caFile, certFile, keyFile   string
	otherCAFile                 string // a CA that signed nothing here
	strayCertFile, strayKeyFile string // a client certificate from the other CA
}

func newPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	serial := int64(1)
	newCA := func(name string) (*x509.Certificate, *ecdsa.PrivateKey, []byte) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		serial++
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		cert, _ := x509.ParseCertificate(der)
		return cert, key, der
	}
	leaf := func(ca *x509.Certificate, caKey *ecdsa.PrivateKey, name string, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		serial++
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
		if usage == x509.ExtKeyUsageServerAuth {
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, key
	}
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keyDER := func(k *ecdsa.PrivateKey) []byte {
		b, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	ca, caKey, caDER := newCA("motcua test CA")
	other, otherKey, otherDER := newCA("motcua other CA")
	var p testPKI
	p.pool = x509.NewCertPool()
	p.pool.AddCert(ca)
	srvDER, srvKey := leaf(ca, caKey, "gateway", x509.ExtKeyUsageServerAuth)
	p.server = tls.Certificate{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}
	cliDER, cliKey := leaf(ca, caKey, "ward-pc-01", x509.ExtKeyUsageClientAuth)
	strayDER, strayKey := leaf(other, otherKey, "stranger", x509.ExtKeyUsageClientAuth)
	p.caFile = write("ca.pem", "CERTIFICATE", caDER)
	p.otherCAFile = write("other-ca.pem", "CERTIFICATE", otherDER)
	p.certFile = write("client.pem", "CERTIFICATE", cliDER)
	p.keyFile = write("client-key.pem", "PRIVATE KEY", keyDER(cliKey))
	p.strayCertFile = write("stray.pem", "CERTIFICATE", strayDER)
	p.strayKeyFile = write("stray-key.pem", "PRIVATE KEY", keyDER(strayKey))
	return p
}

func TestMutualTLS(t *testing.T) {
	p := newPKI(t)
	ts := httptest.NewUnstartedServer(sandbox.NewServer(pop, sandbox.Options{}))
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{p.server}, ClientCAs: p.pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	var conns atomic.Int32                          // connections opened: one per attempt
	ts.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	ts.StartTLS()
	defer ts.Close()
	if !strings.HasPrefix(ts.URL, "https://127.0.0.1:") {
		t.Fatalf("URL %s", ts.URL)
	}
	id := pop.Person(8).Citizen.ID

	tests := []struct {
		name                      string
		caFile, certFile, keyFile string
		ok                        bool
	}{
		{"CA and client certificate", p.caFile, p.certFile, p.keyFile, true},
		{"no client certificate", p.caFile, "", "", false},
		{"client certificate from another CA", p.caFile, p.strayCertFile, p.strayKeyFile, false},
		{"server not trusted (system roots)", "", p.certFile, p.keyFile, false},
		{"server not trusted (other CA)", p.otherCAFile, p.certFile, p.keyFile, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := gateway.New(gateway.Config{BaseURL: ts.URL, CAFile: tt.caFile, CertFile: tt.certFile,
				KeyFile: tt.keyFile, Timeout: 2 * time.Second, Retries: 3})
			if err != nil {
				t.Fatal(err)
			}
			before := conns.Load()
			_, _, err = c.Lookup(context.Background(), id, meta)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, gateway.ErrUnauthorized) {
				t.Fatalf("err = %v, want ErrUnauthorized", err)
			}
			if n := conns.Load() - before; n != 1 {
				t.Errorf("a certificate problem was tried %d times, want once (no retry)", n)
			}
			if m := gateway.ClerkMessage(err); !strings.Contains(m, "từ chối quyền truy cập") {
				t.Errorf("clerk message %q", m)
			}
		})
	}
}

func TestTLSConfigErrors(t *testing.T) {
	p := newPKI(t)
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  gateway.Config
		msg  string
	}{
		{"TLS files with http", gateway.Config{BaseURL: "http://127.0.0.1:1", CAFile: p.caFile}, "https"},
		{"certificate without key", gateway.Config{BaseURL: "https://127.0.0.1:1", CertFile: p.certFile}, "together"},
		{"key without certificate", gateway.Config{BaseURL: "https://127.0.0.1:1", KeyFile: p.keyFile}, "together"},
		{"missing CA file", gateway.Config{BaseURL: "https://127.0.0.1:1", CAFile: garbage + ".none"}, "ca_file"},
		{"CA file without PEM", gateway.Config{BaseURL: "https://127.0.0.1:1", CAFile: garbage}, "no PEM"},
		{"key does not match", gateway.Config{BaseURL: "https://127.0.0.1:1", CertFile: p.certFile, KeyFile: p.strayKeyFile}, "client certificate"},
		{"TLS files with a custom client", gateway.Config{BaseURL: "https://127.0.0.1:1", CAFile: p.caFile, HTTPClient: &http.Client{}}, "custom"},
	}
	for _, tt := range tests {
		if _, err := gateway.New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.msg)
		}
	}
}
