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
