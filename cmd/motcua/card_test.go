package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"motcua/internal/demo"
	cardpkg "motcua/lookups/card"
	"motcua/lookups/card/cardsim"
)

// TestCardReadJSONAlwaysAnObject: card read --json prints one JSON object
// on stdout whatever happens, with the error when the read failed before
// the identity.
func TestCardReadJSONAlwaysAnObject(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := demoStore(t)
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"no card for that ID", []string{"card", "read", "--demo", "--data-dir", dir, "--id", "001089012345", "--json"}, exitFailure},
		{"no key", []string{"card", "read", "--demo", "--data-dir", dir, "--json"}, exitUsage},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, c.args...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, c.code, r)
			}
			var out map[string]any
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatalf("stdout is not one JSON object: %v\n%s", err, r)
			}
			if out["error"] == "" || out["error"] == nil || out["verdict"] != "not_read" {
				t.Errorf("object %v", out)
			}
		})
	}
}

// TestCardReadJSONFieldNames: one naming style (the MRZ object carried Go
// names and "BadChecks": null), "<" written as is.
func TestCardReadJSONFieldNames(t *testing.T) {
	t.Parallel()
	isolate(t)
	r := runCLI(t, "card", "read", "--demo", "--data-dir", demoStore(t), "--id", featuredID(t, "single"), "--json")
	if r.code != exitOK {
		t.Fatalf("%s", r)
	}
	if strings.Contains(r.stdout, `\u003c`) || !strings.Contains(r.stdout, "<<") {
		t.Errorf("MRZ escaped:\n%s", r.stdout)
	}
	var out struct {
		MRZ      map[string]any `json:"mrz"`
		Verdict  string         `json:"verdict"`
		MRZMatch string         `json:"mrzMatch"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	for k, v := range out.MRZ {
		if k[0] < 'a' || k[0] > 'z' {
			t.Errorf("MRZ field %q", k)
		}
		if v == nil {
			t.Errorf("MRZ field %q is null", k)
		}
	}
	if checks, ok := out.MRZ["badChecks"].([]any); !ok || len(checks) != 0 {
		t.Errorf("badChecks %v", out.MRZ["badChecks"])
	}
	if out.Verdict != "passed" || out.MRZMatch != "passed" {
		t.Errorf("verdict %q, mrz %q", out.Verdict, out.MRZMatch)
	}
}

// TestCardReadPassiveOnly: its own verdict, words and exit code.
func TestCardReadPassiveOnly(t *testing.T) {
	t.Parallel()
	isolate(t)
	r := runCLI(t, "card", "read", "--demo", "--data-dir", demoStore(t), "--card", demo.PassiveOnlyCard)
	if r.code != exitUnproven || !strings.Contains(r.stdout, "CHƯA CHỨNG MINH ĐƯỢC LÀ CHIP GỐC") || !strings.Contains(r.stderr, "ảnh chân dung") ||
		strings.Contains(r.stdout, "THẺ THẬT") {
		t.Fatalf("%s", r)
	}
}

// TestCardReadOneTruth: a card pulled after the checks were decided keeps
// its verdict and says only the portrait is missing; one pulled before is
// "not verified yet", whatever states it had.
func TestCardReadOneTruth(t *testing.T) {
	t.Parallel()
	pulled := errors.Join(cardpkg.ErrRemoved)
	decided := &cardpkg.Result{Passive: cardpkg.Passed, Active: cardpkg.Passed, Chip: cardpkg.Passed, MRZMatch: cardpkg.Passed,
		Files: map[int]cardpkg.State{2: cardpkg.Interrupted}}
	var stderr bytes.Buffer
	err := cardReadOutcome(&stderr, decided, pulled)
	if exitCode(err) != exitOK || !strings.Contains(stderr.String(), "Đã xác thực xong") || strings.Contains(stderr.String(), "Chưa xác thực xong") {
		t.Errorf("decided, then pulled: exit %d, %q", exitCode(err), stderr.String())
	}
	stderr.Reset()
	early := &cardpkg.Result{Passive: cardpkg.Interrupted, Active: cardpkg.Passed, Chip: cardpkg.Passed, Files: map[int]cardpkg.State{}}
	err = cardReadOutcome(&stderr, early, pulled)
	if exitCode(err) != exitFailure || !strings.Contains(err.Error(), "Chưa xác thực xong") || stderr.Len() != 0 {
		t.Errorf("pulled before the checks: exit %d, %v, %q", exitCode(err), err, stderr.String())
	}
}

// TestCardTrustList: what the trust store holds, with the file each came
// from: a CSCA file, the CSCAs of a master list it accepts, a CRL.
func TestCardTrustList(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := t.TempDir()
	ts := filepath.Join(dir, "csca")
	if err := os.MkdirAll(ts, 0o700); err != nil {
		t.Fatal(err)
	}
	root, other := cardsim.TestPKI(), cardsim.OtherPKI()
	ml, err := root.MasterList(other.CSCA)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := root.CRL(other.DS)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"csca.pem": root.CSCAPEM(), "master.ml": ml, "vn.crl": crl} {
		if err := os.WriteFile(filepath.Join(ts, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	conf := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("[card]\ntrust_store = [%q]\n", ts)), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "card", "trust", "list", "--config", conf, "--json")
	if r.code != exitOK {
		t.Fatalf("%s", r)
	}
	var rows []struct{ Kind, Country, Subject, NotAfter, Source string }
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, row := range rows {
		kinds[row.Kind+" "+filepath.Base(strings.Fields(row.Source)[0])] = row.Country
	}
	if len(rows) != 3 || kinds["csca csca.pem"] != "VN" || kinds["csca master.ml"] != "VN" || kinds["crl vn.crl"] != "VN" {
		t.Fatalf("rows %+v", rows)
	}
	r = runCLI(t, "card", "trust", "list", "--config", conf)
	if r.code != exitOK || !strings.Contains(r.stdout, "master.ml (danh sách chính)") || !strings.Contains(r.stdout, "2045-01-01") {
		t.Errorf("%s", r)
	}
	// a master list whose signer nobody trusts: the file is named
	if err := os.Remove(filepath.Join(ts, "csca.pem")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(ts, "vn.crl")); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, "card", "trust", "list", "--config", conf)
	if r.code != exitFailure || !strings.Contains(r.stderr, "master.ml") {
		t.Errorf("%s", r)
	}
}

// TestCardSimFaults: every fault the emulator offers is named by card sim.
func TestCardSimFaults(t *testing.T) {
	t.Parallel()
	isolate(t)
	r := runCLI(t, "card", "sim", "--person", featuredID(t, "single"), "--fault", "bogus")
	if r.code != exitUsage {
		t.Fatalf("%s", r)
	}
	for _, f := range []string{"passive-only", "no-sfi", "unprotected-errors", "com-omits-dg15", "hang", "dg13-latin1", "mrz-off"} {
		if !strings.Contains(r.stderr, f) {
			t.Errorf("fault %s not offered: %s", f, r.stderr)
		}
	}
}
