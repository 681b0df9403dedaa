package cardsim

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"testing"
	"time"

	"github.com/smallstep/pkcs7"

	"motcua/lookups/card/icao"
)

type ldsHashes struct {
	Version   int
	Algorithm asn1.RawValue
	Hashes    []struct {
		N    int
		Hash []byte
	}
}

// sodContent parses EF.SOD with smallstep/pkcs7, verifies the signature and
// returns the data-group hashes it signs.
func sodContent(t *testing.T, c *Card) (*pkcs7.PKCS7, map[int][]byte) {
	t.Helper()
	sod := mustValue(t, c.File(fidSOD), 0x77)
	p7, err := pkcs7.Parse(sod)
	if err != nil {
		t.Fatal(err)
	}
	if err := p7.Verify(); err != nil {
		t.Fatalf("SOD signature: %v", err)
	}
	var lds ldsHashes
	if rest, err := asn1.Unmarshal(p7.Content, &lds); err != nil || len(rest) != 0 {
		t.Fatalf("LDSSecurityObject: %v", err)
	}
	out := map[int][]byte{}
	for _, h := range lds.Hashes {
		out[h.N] = h.Hash
	}
	return p7, out
}

func TestSOD(t *testing.T) {
	when := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	c := issue(t, Profile{ParamID: icao.ParamP256, Now: func() time.Time { return when }})
	p7, hashes := sodContent(t, c)
	ds := p7.GetOnlySigner()
	if ds == nil || !bytes.Equal(ds.Raw, TestPKI().DS.Raw) {
		t.Fatal("SOD not signed by the test document signer")
	}
	var signingTime time.Time
	if err := p7.UnmarshalSignedAttribute(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}, &signingTime); err != nil || !signingTime.Equal(when) {
		t.Errorf("signing time %v %v", signingTime, err)
	}
	var ct asn1.ObjectIdentifier
	if err := p7.UnmarshalSignedAttribute(oidContentType, &ct); err != nil || !ct.Equal(icao.OIDLDSSecurityObject) {
		t.Errorf("content type %v %v", ct, err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(TestPKI().CSCA)
	if _, err := ds.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: when}); err != nil {
		t.Errorf("DS does not chain to the test CSCA: %v", err)
	}
	other := x509.NewCertPool()
	other.AddCert(OtherPKI().CSCA)
	if _, err := ds.Verify(x509.VerifyOptions{Roots: other, CurrentTime: when}); err == nil {
		t.Error("DS chains to the other CSCA")
	}
	want := []int{1, 2, 3, 13, 14, 15}
	if len(hashes) != len(want) {
		t.Errorf("%d hashes, want %d", len(hashes), len(want))
	}
	for _, n := range want {
		h := sha256.Sum256(c.File(dgFID(n)))
		if !bytes.Equal(hashes[n], h[:]) {
			t.Errorf("DG%d hash mismatch", n)
		}
	}

	// Altered DG13: the signature still verifies, only DG13's hash breaks.
	c = issue(t, Profile{ParamID: icao.ParamP256, TamperDG13: true, AA: "none", NoChipAuth: true})
	_, hashes = sodContent(t, c)
	if len(hashes) != 4 {
		t.Errorf("%d hashes without DG14/DG15, want 4", len(hashes))
	}
	for n := range hashes {
		h := sha256.Sum256(c.File(dgFID(n)))
		if bytes.Equal(hashes[n], h[:]) == (n == 13) {
			t.Errorf("DG%d: hash match %v", n, n != 13)
		}
	}
	f, _ := dg13Fields(t, c.File(0x010D))
	if f[2][0] == testPerson().FullName {
		t.Error("tampered DG13 still has the name")
	}

	// A card signed by the other PKI carries the other DS.
	c, err := New(testPerson(), Profile{ParamID: icao.ParamP256, AA: "none"}, OtherPKI())
	if err != nil {
		t.Fatal(err)
	}
	p7, _ = sodContent(t, c)
	if _, err := p7.GetOnlySigner().Verify(x509.VerifyOptions{Roots: roots}); err == nil {
		t.Error("other PKI's DS chains to the test CSCA")
	}
}

func TestPKIChain(t *testing.T) {
	p := TestPKI()
	if TestPKI() != p {
		t.Error("TestPKI built twice")
	}
	k, err := derivedKey("motcua cardsim test PKI v1 CSCA")
	if err != nil || !k.Equal(p.CSCAKey) {
		t.Error("CSCA key not derived from its label")
	}
	if OtherPKI().CSCAKey.Equal(p.CSCAKey) || OtherPKI().DSKey.Equal(p.DSKey) {
		t.Error("other PKI shares keys")
	}
	if OtherPKI().CSCA.Subject.String() != p.CSCA.Subject.String() {
		t.Error("other PKI has other names")
	}
	cn := p.CSCA.Subject.CommonName
	if cn != "CSCA thử nghiệm motcua — không dùng thật" || p.CSCA.SerialNumber.Int64() != 1 || !p.CSCA.IsCA ||
		p.CSCA.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign || p.CSCA.NotAfter.Year() != 2045 {
		t.Errorf("CSCA %q serial %v CA %v usage %v", cn, p.CSCA.SerialNumber, p.CSCA.IsCA, p.CSCA.KeyUsage)
	}
	if p.DS.Subject.CommonName != "Document Signer thử nghiệm motcua" || p.DS.KeyUsage != x509.KeyUsageDigitalSignature ||
		p.DS.NotAfter.Year() != 2040 || p.DS.CheckSignatureFrom(p.CSCA) != nil {
		t.Errorf("DS %q", p.DS.Subject)
	}
	block, _ := pem.Decode(p.CSCAPEM())
	if block == nil || !bytes.Equal(block.Bytes, p.CSCA.Raw) {
		t.Error("CSCAPEM")
	}
}
