package forms

import (
	"errors"
	"slices"
	"testing"
)

func moreCase(t *testing.T, spec string) serviceCase {
	t.Helper()
	castMore(t)
	i := slices.IndexFunc(moreCases, func(x serviceCase) bool { return x.spec == spec })
	if i < 0 {
		t.Fatalf("no case %s", spec)
	}
	return moreCases[i]
}

// A document shown electronically (VNeID, a national database) is recorded on the
// checklist, kept in the draft, and received without a paper or a copy.
func TestDocumentShownElectronically(t *testing.T) {
	sc := moreCase(t, "chung-thuc-hop-dong")
	d := sc.valid(t)
	const cert = "Bản sao giấy chứng nhận quyền sở hữu, quyền sử dụng tài sản (kèm bản chính để đối chiếu)"
	if err := d.ShowElectronically(cert, true); err != nil {
		t.Fatal(err)
	}
	if src, ok := d.ShownElectronically(cert); !ok || src != DefaultElectronicSource {
		t.Fatalf("shown electronically: %q %v", src, ok)
	}
	if err := d.ShowElectronically("Giấy không có trong danh mục", true); !errors.Is(err, ErrNotElectronic) {
		t.Errorf("a paper not on the checklist: %v", err)
	}
	blob, err := d.MarshalDraft()
	if err != nil {
		t.Fatal(err)
	}
	r, err := RestoreDraft(blob)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.ShownElectronically(cert); !ok {
		t.Fatal("the draft lost the document shown electronically")
	}
	dos, err := Finalize(r, svcFinalizeInput())
	if err != nil {
		t.Fatal(err)
	}
	var got DocumentItem
	for _, it := range dos.Documents {
		if it.Name == cert {
			got = it
		}
	}
	if !got.Electronic || got.Count != 0 || got.Source != DefaultElectronicSource {
		t.Errorf("dossier document %+v", got)
	}
	if it := dos.Procedures[0].Documents; !slices.ContainsFunc(it, func(x DocumentItem) bool { return x.Name == cert && x.Electronic }) {
		t.Errorf("procedure documents %+v", it)
	}
	// taken back: a paper again
	if err := r.ShowElectronically(cert, false); err != nil {
		t.Fatal(err)
	}
	dos, _ = Finalize(r, svcFinalizeInput())
	for _, it := range dos.Documents {
		if it.Name == cert && (it.Electronic || it.Count != 1) {
			t.Errorf("taken back: %+v", it)
		}
	}
}

// A declaration form is filled at the counter: it is never "shown electronically".
func TestDeclarationFormIsNotElectronic(t *testing.T) {
	sc := moreCase(t, "gia-han-tam-tru")
	d := sc.valid(t)
	for _, doc := range d.Documents() {
		err := d.ShowElectronically(doc.Name, true)
		if CanShowElectronically(doc) != (err == nil) {
			t.Errorf("%q: %v", doc.Name, err)
		}
		if doc.Name == "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)" && err == nil {
			t.Errorf("the CT01 declaration was recorded as shown electronically")
		}
	}
}

// A procedure with a fee field is marked charged; an exemption is named.
func TestProcedureFeeChargedAndExempt(t *testing.T) {
	sc := moreCase(t, "chung-thuc-hop-dong")
	d := sc.valid(t)
	dos, err := Finalize(d, svcFinalizeInput())
	if err != nil {
		t.Fatal(err)
	}
	p := dos.Procedures[0]
	if !p.Charged || !p.FeeKnown || p.Fee != 50000 || p.FeeExempt != "" {
		t.Fatalf("procedure fee %+v", p)
	}
	if err := d.Set("fee_exempt", "yes"); err != nil {
		t.Fatal(err)
	}
	dos, err = Finalize(d, svcFinalizeInput())
	if err != nil {
		t.Fatal(err)
	}
	if p := dos.Procedures[0]; !p.Charged || p.Fee != 0 || p.FeeExempt == "" {
		t.Fatalf("exempt procedure %+v", p)
	}
	// a procedure without a fee field is not charged
	sc = moreCase(t, "xoa-tam-tru")
	dos, err = Finalize(sc.valid(t), svcFinalizeInput())
	if err != nil {
		t.Fatal(err)
	}
	if dos.Procedures[0].Charged {
		t.Errorf("xoa-tam-tru charged: %+v", dos.Procedures[0])
	}
}
