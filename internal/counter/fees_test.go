package counter_test

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/forms"
	"motcua/internal/counter"
	"motcua/internal/testenv"
	"motcua/lookups"
	"motcua/lookups/sandbox"
	"motcua/offline"
)

// copyDeclaration is a complete declaration of the copy-certification service (a
// procedure with a fee): two originals, 40,000 + 6,000 đồng.
func copyDeclaration(t testing.TB, f *fixture) *forms.Declaration {
	t.Helper()
	id := featured(t, "single")
	card, _ := sandbox.Default().Card(id)
	res, origin, err := f.svc.Lookup(context.Background(), id, lookups.CallMeta{Operator: "cb01", Purpose: lookups.PurposeReception})
	if err != nil {
		t.Fatal(err)
	}
	spec, ok := forms.Lookup("chung-thuc-ban-sao")
	if !ok {
		t.Fatal("copy certification not in the catalog")
	}
	decl, err := prefillWithCard(f.svc, spec, &card, "card", res, origin)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{{"originals.1.doc_name", "Giấy khai sinh"}, {"originals.1.pages", "2"}, {"originals.1.copies", "10"},
		{"originals", "+row"}, {"originals.2.doc_name", "Bằng tốt nghiệp"}, {"originals.2.pages", "1"}, {"originals.2.copies", "3"}} {
		var err error
		if kv[1] == "+row" {
			_, err = decl.AddRow(kv[0])
		} else {
			err = decl.Set(kv[0], kv[1])
		}
		if err != nil {
			t.Fatalf("%s: %v", kv[0], err)
		}
	}
	if p := decl.Validate(); len(p) > 0 || len(decl.Missing()) > 0 {
		t.Fatalf("declaration: %v, missing %v", p, decl.Missing())
	}
	return decl
}

// The receipt of a dossier with a fee shows it (item 6) and a document shown electronically
// as such; the fee receipt can be printed; the fees are counted for the reports.
func TestReceiptFeesFeeReceiptAndFeesCollected(t *testing.T) {
	pdftotext := testenv.NeedTool(t, "pdftotext", "poppler-utils")
	f := newFixture(t)
	ctx := context.Background()
	decl := copyDeclaration(t, f)
	const original = "Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao (xuất trình để đối chiếu)"
	if err := decl.ShowElectronically(original, true); err != nil {
		t.Fatal(err)
	}
	out, err := f.svc.Receive(ctx, decl, clerk, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	code := out.Dossier.Code
	text := func(path string) string {
		t.Helper()
		b, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext %s: %v", path, err)
		}
		return strings.Join(strings.Fields(string(b)), " ")
	}
	receipt := text(out.ReceiptPath)
	for _, want := range []string{"6. Phí, lệ phí: Chứng thực bản sao từ bản chính: 46.000 đồng",
		"Điện tử", "(xuất trình điện tử qua VNeID hoặc cơ sở dữ liệu quốc gia, không thu bản sao)"} {
		if !strings.Contains(receipt, want) {
			t.Errorf("receipt lacks %q:\n%s", want, receipt)
		}
	}
	r := f.svc.Receipt(out.Dossier, "x")
	if len(r.Fees) != 1 || r.Fees[0].Amount != 46000 || !r.Fees[0].Known {
		t.Errorf("receipt fees %+v", r.Fees)
	}

	pdf, err := f.svc.PrintDossierFeeReceipt(ctx, clerk, code)
	if err != nil || len(pdf) == 0 {
		t.Fatal(err)
	}
	fee := text(filepath.Join(f.receiptDir, "bienlai-"+code+".pdf"))
	for _, want := range []string{"BIÊN LAI THU PHÍ, LỆ PHÍ", "Số: " + code, "Phí, lệ phí: Chứng thực bản sao từ bản chính", "46.000",
		"Bốn mươi sáu nghìn đồng", "Nguyễn Thị Thử"} {
		if !strings.Contains(fee, want) {
			t.Errorf("fee receipt lacks %q:\n%s", want, fee)
		}
	}
	// a dossier without a fee has no fee receipt
	plain, _, _ := declaration(t, f, false)
	out2, err := f.svc.Receive(ctx, plain, clerk, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PrintDossierFeeReceipt(ctx, clerk, out2.Dossier.Code); !errors.Is(err, counter.ErrNoFee) {
		t.Errorf("fee receipt of a dossier without a fee: %v", err)
	}

	// the desk's certifications and the dossiers' fees, counted
	if _, err := f.svc.CertifyCopies(ctx, clerk, copyRequest(featured(t, "single"))); err != nil {
		t.Fatal(err)
	}
	exempt := copyRequest(featured(t, "single"))
	exempt.Exempt = "Theo quyết định miễn phí"
	if _, err := f.svc.CertifyCopies(ctx, clerk, exempt); err != nil {
		t.Fatal(err)
	}
	tot, err := f.svc.FeesCollected(counter.Operator{ID: "cb01"}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if tot.Certifications != (counter.FeeCount{Cases: 2, Units: 20, Amount: 40000, Exempt: 1}) {
		t.Errorf("certifications %+v", tot.Certifications)
	}
	if tot.Dossiers != (counter.FeeCount{Cases: 1, Units: 1, Amount: 46000}) || tot.Procedures["chung-thuc-ban-sao"].Amount != 46000 {
		t.Errorf("dossiers %+v, procedures %+v", tot.Dossiers, tot.Procedures)
	}
	if tot.Total != 86000 {
		t.Errorf("total %d, want 86000", tot.Total)
	}
	// the dossier's index entry holds its fees, so that they are counted without opening it;
	// an entry written before that (no fees recorded) is counted from the dossier itself
	var blob []byte
	var info offline.DossierInfo
	if err := f.store.View(func(tx *offline.Tx) error {
		blob, info, err = tx.GetDossier(code)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !info.FeesRecorded || len(info.Fees) != 1 || info.Fees[0] != (offline.FeeFact{Procedure: "chung-thuc-ban-sao", Amount: 46000, Known: true}) {
		t.Errorf("index entry's fees: %v %+v", info.FeesRecorded, info.Fees)
	}
	info.Fees, info.FeesRecorded = nil, false
	if err := f.store.PutDossier(info, blob); err != nil {
		t.Fatal(err)
	}
	if old, err := f.svc.FeesCollected(counter.Operator{ID: "cb01"}, time.Time{}, time.Time{}); err != nil ||
		old.Dossiers != tot.Dossiers || old.Procedures["chung-thuc-ban-sao"] != tot.Procedures["chung-thuc-ban-sao"] || old.Total != 86000 {
		t.Errorf("from an older index entry: %+v %v", old, err)
	}
	// a period that excludes everything
	later := f.clock.Now().Add(time.Hour)
	if tot, err := f.svc.FeesCollected(counter.Operator{ID: "cb01"}, later, time.Time{}); err != nil || tot.Total != 0 || tot.Certifications.Cases != 0 {
		t.Errorf("later period: %+v %v", tot, err)
	}
}
