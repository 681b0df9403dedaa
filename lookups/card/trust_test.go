package card_test

import (
	"context"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/lookups/card"
	"motcua/lookups/card/cardsim"
)

func readWith(t *testing.T, prof cardsim.Profile, pki *cardsim.PKI, trust *card.TrustStore) *card.Result {
	t.Helper()
	res, err := readChip(t, prof, pki, trust, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestChainCheckedWhenSigned: without a signing time in EF.SOD the chain is
// checked within the document signer's validity, not at today's date: a
// genuine card outlives its document signer's certificate.
func TestChainCheckedWhenSigned(t *testing.T) {
	expired, err := cardsim.TestPKI().WithDS("expired 2022", 20, time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	res := readWith(t, cardsim.Profile{NoSigningTime: true}, expired, testTrust())
	if res.Passive != card.Passed || res.Verdict() != card.Passed {
		t.Fatalf("no signing time, signer expired since: passive %v (%s)", res.Passive, res.PassiveNote)
	}
	signed2021 := func() time.Time { return time.Date(2021, 5, 1, 0, 0, 0, 0, time.UTC) }
	if res := readWith(t, cardsim.Profile{Now: signed2021}, expired, testTrust()); res.Passive != card.Passed {
		t.Fatalf("signed in 2021: passive %v (%s)", res.Passive, res.PassiveNote)
	}
	// signed after its signer expired: not valid
	if res := readWith(t, cardsim.Profile{}, expired, testTrust()); res.Passive != card.Failed {
		t.Fatalf("signed after the signer expired: passive %v", res.Passive)
	}
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestMasterListsAndCRLs: an ICAO master list brings its CSCAs when its
// signer chains to a CSCA already trusted; a CRL of a trusted CSCA revokes
// a document signer; both are listed with their file.
func TestMasterListsAndCRLs(t *testing.T) {
	root, other := cardsim.TestPKI(), cardsim.OtherPKI()
	ml, err := root.MasterList(other.CSCA, root.CSCA)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writePEM(t, filepath.Join(dir, "csca.pem"), "CERTIFICATE", root.CSCA.Raw)
	if err := os.WriteFile(filepath.Join(dir, "VN_ML.ml"), ml, 0o600); err != nil {
		t.Fatal(err)
	}
	ts, err := card.LoadTrustStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ts.Len() != 2 {
		t.Fatalf("%d CSCAs", ts.Len())
	}
	var fromList bool
	for _, e := range ts.Entries() {
		if e.Kind == "csca" && e.Country == "VN" && strings.Contains(e.Source, "VN_ML.ml") && e.Subject == other.CSCA.Subject.String() {
			fromList = true
		}
	}
	if !fromList {
		t.Errorf("entries %+v", ts.Entries())
	}
	if res := readWith(t, cardsim.Profile{}, other, ts); res.Passive != card.Passed {
		t.Fatalf("card under a CSCA from the master list: %v (%s)", res.Passive, res.PassiveNote)
	}

	// a master list whose signer does not chain to a trusted CSCA is refused, naming the file
	alone := t.TempDir()
	if err := os.WriteFile(filepath.Join(alone, "list.ml"), ml, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := card.LoadTrustStore(alone); err == nil || !strings.Contains(err.Error(), "list.ml") || !strings.Contains(err.Error(), "chain") {
		t.Errorf("unchained master list: %v", err)
	}
	// an EF.SOD is CMS too, but not a master list
	chip, err := cardsim.New(person(t), cardsim.Profile{}, root)
	if err != nil {
		t.Fatal(err)
	}
	sod := chip.File(0x011D)
	notList := t.TempDir()
	writePEM(t, filepath.Join(notList, "csca.pem"), "CERTIFICATE", root.CSCA.Raw)
	if err := os.WriteFile(filepath.Join(notList, "sod.ml"), sod[4:], 0o600); err != nil { // 77 82 xx xx stripped
		t.Fatal(err)
	}
	if _, err := card.LoadTrustStore(notList); err == nil || !strings.Contains(err.Error(), "not a master list") {
		t.Errorf("EF.SOD as a master list: %v", err)
	}

	// a CRL of the trusted CSCA revoking the card's document signer
	revokedDS, err := root.WithDS("revoked", 30, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	crl, err := root.CRL(revokedDS.DS)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "csca.crl"), crl, 0o600); err != nil {
		t.Fatal(err)
	}
	ts, err = card.LoadTrustStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	res := readWith(t, cardsim.Profile{}, revokedDS, ts)
	if res.Passive != card.Failed || !strings.Contains(res.PassiveNote, "thu hồi") || res.Verdict() != card.Failed {
		t.Fatalf("revoked document signer: %v (%s)", res.Passive, res.PassiveNote)
	}
	if res := readWith(t, cardsim.Profile{}, root, ts); res.Passive != card.Passed {
		t.Errorf("another signer of the same CSCA: %v (%s)", res.Passive, res.PassiveNote)
	}
	var crlListed bool
	for _, e := range ts.Entries() {
		crlListed = crlListed || e.Kind == "crl" && e.Revoked == 1 && strings.HasSuffix(e.Source, "csca.crl")
	}
	if !crlListed {
		t.Errorf("CRL not listed: %+v", ts.Entries())
	}
	// a CRL no trusted CSCA signed is refused
	otherCRL, _ := other.CRL(revokedDS.DS)
	bad := t.TempDir()
	writePEM(t, filepath.Join(bad, "csca.pem"), "CERTIFICATE", root.CSCA.Raw)
	writePEM(t, filepath.Join(bad, "other.pem"), "X509 CRL", otherCRL)
	if _, err := card.LoadTrustStore(bad); err == nil || !strings.Contains(err.Error(), "other.pem") {
		t.Errorf("CRL of an untrusted CSCA: %v", err)
	}
	_ = errors.New
	_ = context.Background
}
