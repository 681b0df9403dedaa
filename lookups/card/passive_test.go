package card

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"testing"
)

func FuzzSOD(f *testing.F) {
	f.Add([]byte{0x77, 0x03, 0x30, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, err := ParseSOD(b); err == nil {
			_ = s.CheckSignature()
		}
	})
}

// TestPassiveAuthenticationKnownAnswer checks EF.SODs that openssl signed
// (testdata/gen-kat.sh): the hashes of the data groups, the CMS signature,
// the chain to the CSCA at the signing time, or within the document
// signer's validity when the SOD carries no signed attributes at all.
func TestPassiveAuthenticationKnownAnswer(t *testing.T) {
	v := katVectors(t)
	csca, err := x509.ParseCertificate(vhex(t, v, "PA CSCA certificate"))
	if err != nil {
		t.Fatal(err)
	}
	trust := NewTrustStore(csca)
	dgs := map[int][]byte{1: vhex(t, v, "PA DG1"), 13: vhex(t, v, "PA DG13")}
	for _, c := range []struct {
		name      string
		timeGiven bool
	}{{"PA EF.SOD, signing time", true}, {"PA EF.SOD, no signed attributes", false}} {
		t.Run(c.name, func(t *testing.T) {
			sod, err := ParseSOD(vhex(t, v, c.name))
			if err != nil {
				t.Fatal(err)
			}
			if sod.HashAlg != crypto.SHA256 || len(sod.Hashes) != 2 || sod.Signer == nil {
				t.Fatalf("%+v", sod)
			}
			for n, b := range dgs {
				if !bytes.Equal(sod.HashFile(b), sod.Hashes[n]) {
					t.Errorf("DG%d hash", n)
				}
			}
			tampered := append([]byte{}, dgs[13]...)
			tampered[len(tampered)-1] ^= 1
			if bytes.Equal(sod.HashFile(tampered), sod.Hashes[13]) {
				t.Error("tampered DG13 hashes the same")
			}
			if err := sod.CheckSignature(); err != nil {
				t.Fatal(err)
			}
			if sod.SigningTime.IsZero() == c.timeGiven {
				t.Fatalf("signing time %v", sod.SigningTime)
			}
			at := sod.SigningTime
			if at.IsZero() {
				at = sod.Signer.NotBefore
			}
			if err := trust.chains(sod.Signer, at); err != nil {
				t.Fatal(err)
			}
			if err := trust.chains(sod.Signer, sod.Signer.NotAfter.AddDate(1, 0, 0)); !errors.Is(err, ErrChainTime) {
				t.Errorf("a year after the signer expired: %v", err)
			}
			if err := NewTrustStore().chains(sod.Signer, at); !errors.Is(err, ErrNoCSCA) {
				t.Errorf("empty store: %v", err)
			}
			broken := vhex(t, v, c.name)
			broken[len(broken)-5] ^= 1 // inside the signature
			if s, err := ParseSOD(broken); err == nil && s.CheckSignature() == nil {
				t.Error("a changed signature verifies")
			}
		})
	}
}
