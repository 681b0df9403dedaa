package forms

import (
	"strings"
	"testing"
)

func TestOfficialListsLoad(t *testing.T) {
	m, err := officialForms()
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range Catalog() {
		for _, p := range spec.Procedures() {
			id := p.Official
			if id == "" {
				id = p.ID
			}
			if m[id] == nil {
				t.Errorf("%s/%s: no official field list %q", spec.ID, p.ID, id)
			}
		}
	}
}

func TestStatsCountsAndShare(t *testing.T) {
	for _, spec := range Catalog() {
		st := Stats(spec)
		if len(st.Errors) > 0 {
			t.Errorf("%s: %v", spec.ID, st.Errors)
		}
		sum := 0
		for _, p := range st.Procedures {
			if p.Auto+p.Default+p.Typed+p.Uncovered != p.Official {
				t.Errorf("%s/%s: classes do not add up: %+v", spec.ID, p.Procedure, p)
			}
			sum += p.Official
		}
		if sum != st.Official || st.Official == 0 {
			t.Errorf("%s: official total %d, procedures %d", spec.ID, st.Official, sum)
		}
		t.Logf("%-22s official %3d, typed %2d (%.0f%%): %s", spec.ID, st.Official, len(st.TypedFields),
			100*st.TypedShare(), strings.Join(st.TypedFields, ", "))
	}
}

// A field typed for one procedure of a bundle is typed once for the whole
// declaration, and a prefilled field is never counted as typed.
func TestStatsBundleCountsSharedFieldsOnce(t *testing.T) {
	spec, ok := Lookup("lien-thong-khai-sinh")
	if !ok {
		t.Skip("birth bundle not in the catalog")
	}
	st := Stats(spec)
	perProc := 0
	for _, p := range st.Procedures {
		perProc += p.Typed
	}
	if len(st.TypedFields) >= perProc {
		t.Errorf("bundle typed fields %d not fewer than the per-procedure sum %d", len(st.TypedFields), perProc)
	}
	for _, f := range st.TypedFields {
		fd, group := spec.lookupField(f)
		if c, _ := classifyField(fd, group); c != FilledTyped {
			t.Errorf("%s counted as typed but is %s", f, c)
		}
	}
}

// `motcua forms stats` covers every procedure of the catalog, each with its official list,
// and the procedures of issue 16 leave no field of their paper forms uncovered but the
// numbers of the registers motcua does not keep (signatures, contracts).
func TestStatsCoverEveryProcedure(t *testing.T) {
	allowed := map[string]int{"chung-thuc-chu-ky": 1, "chung-thuc-hop-dong": 1}
	for _, spec := range Catalog() {
		st := Stats(spec)
		if len(st.Errors) > 0 {
			t.Errorf("%s: %v", spec.ID, st.Errors)
		}
		if len(st.Procedures) != len(spec.Procedures()) {
			t.Errorf("%s: %d procedures measured of %d", spec.ID, len(st.Procedures), len(spec.Procedures()))
		}
		for _, p := range st.Procedures {
			if p.Official == 0 {
				t.Errorf("%s/%s: no paper-form field measured", spec.ID, p.Procedure)
			}
			if strings.HasPrefix(spec.ID, "lien-thong-") || len(spec.Procedures()) > 1 {
				continue // the bundles of the first catalog: their gaps are documented in FORMS-STATS.md
			}
			if p.Uncovered > allowed[p.Procedure] {
				t.Errorf("%s/%s: %d paper-form fields uncovered: %v", spec.ID, p.Procedure, p.Uncovered, p.UncoveredList)
			}
		}
	}
}
