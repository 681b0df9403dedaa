package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestReproducesCommittedFile regenerates units.tsv from the unpacked npm
// package and compares it byte for byte with the committed file. The input is
// not in the repository (CI does not have /tmp/vad either), so the test skips
// whenever the input is absent, in CI too; set UNITS_ADDRESS_JSON to point
// at another copy of address.json.
func TestReproducesCommittedFile(t *testing.T) {
	in := os.Getenv("UNITS_ADDRESS_JSON")
	if in == "" {
		in = "/tmp/vad/package/address.json"
	}
	src, err := os.ReadFile(in)
	if os.IsNotExist(err) {
		t.Skipf("%s absent (unpack %s there to run this test)", in, Package)
	}
	if err != nil {
		t.Fatal(err)
	}
	got, stats, err := Generate(src)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", OutputName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("regenerated %s differs from the committed file (%d vs %d bytes); run go generate in lookups/units", OutputName, len(got), len(want))
	}
	want2 := Stats{Provinces: 34, Wards: 3321, MappingRows: 10977, OldWards: 10803, Districts: stats.Districts, Split: 25,
		SkippedNoOldWard: 5, CodeNotAWard: 431, CodeOtherWard: 22}
	if stats != want2 {
		t.Errorf("stats = %+v, want %+v", stats, want2)
	}
	// Deterministic: a second run gives the same bytes.
	again, _, err := Generate(src)
	if err != nil || !bytes.Equal(again, got) {
		t.Errorf("second run differs (err %v)", err)
	}
}

func TestGenerateRejectsBadInput(t *testing.T) {
	for name, src := range map[string]string{
		"not json":       `{`,
		"missing tables": `[{"type":"header"}]`,
		"unknown new ward": `[{"type":"table","name":"provinces","data":[{"province_code":"01","name":"Thành phố Hà Nội"}]},
			{"type":"table","name":"wards","data":[{"ward_code":"00004","name":"Phường Ba Đình","province_code":"01"}]},
			{"type":"table","name":"ward_mappings","data":[{"old_ward_code":"1","old_ward_name":"Phường A","old_district_name":"Quận B",
			"old_province_name":"Thành phố Hà Nội","new_ward_code":"99999","new_ward_name":"Phường Không Có","new_province_name":"Thành phố Hà Nội"}]}]`,
	} {
		if _, _, err := Generate([]byte(src)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
