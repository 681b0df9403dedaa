package counter_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"motcua/internal/counter"
	"motcua/internal/testenv"
	"motcua/offline"
)

func copyRequest(id string) counter.CopyRequest {
	return counter.CopyRequest{Requester: counter.CopyRequester{ID: id, Name: "Trần Thị Thử", Source: "chip"},
		Originals: []counter.CopyOriginal{{Document: "Bằng tốt nghiệp trung học phổ thông", Pages: 2, Copies: 10}}}
}

// Ten copies of a two-page original: one register number, 2 × 2,000 đồng a copy (TT
// 226/2016), ten blocks and a fee receipt printed; the register lists it, in PDF and XLSX.
func TestCertifyCopies(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := featured(t, "single")
	res, err := f.svc.CertifyCopies(ctx, counter.Operator{ID: "cb01", Name: "Lê Cán Bộ"}, copyRequest(id))
	if err != nil {
		t.Fatal(err)
	}
	if res.PrintErr != nil {
		t.Fatalf("print: %v", res.PrintErr)
	}
	if len(res.Items) != 1 || res.Items[0].Number != "0100001" || res.Items[0].FeePerCopy != 4000 || res.Items[0].Fee != 40000 || res.Total != 40000 || !res.AllKnown {
		t.Fatalf("result %+v", res)
	}
	if res.Volume != "2026-SCT/BS" {
		t.Errorf("volume %q", res.Volume)
	}
	// A second request: the next number; two originals, two numbers; a 30-page original is
	// 2×2,000 + 28×1,000 = 32,000 a copy.
	req := copyRequest(id)
	req.Originals = append(req.Originals, counter.CopyOriginal{Document: "Hợp đồng lao động", Pages: 30, Copies: 1})
	res2, err := f.svc.CertifyCopies(ctx, counter.Operator{ID: "cb01"}, req)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Items[0].Number != "0100002" || res2.Items[1].Number != "0100003" || res2.Items[1].Fee != 32000 || res2.Total != 72000 {
		t.Fatalf("second request %+v", res2.Items)
	}
	pdftotext := testenv.NeedTool(t, "pdftotext", "poppler-utils")
	text := func(path string) string {
		t.Helper()
		out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext %s: %v", path, err)
		}
		return string(out)
	}
	blocks := text(filepath.Join(f.receiptDir, "chungthuc-0100001.pdf"))
	if n := strings.Count(blocks, "Số chứng thực: 0100001"); n != 10 {
		t.Errorf("%d blocks printed for 10 copies:\n%s", n, blocks)
	}
	for _, want := range []string{"CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH", "Quyển số: 2026-SCT/BS", "Phường Thử Nghiệm, ngày 23 tháng 11 năm 2026", "Bản sao 10/10"} {
		if !strings.Contains(blocks, want) {
			t.Errorf("blocks lack %q", want)
		}
	}
	receipt := text(filepath.Join(f.receiptDir, "bienlai-0100001.pdf"))
	for _, want := range []string{"BIÊN LAI THU PHÍ, LỆ PHÍ", "Số: 0100001", "Trần Thị Thử", "10 bản sao × 2 trang", "40.000", "Bốn mươi nghìn đồng", "Lê Cán Bộ"} {
		if !strings.Contains(receipt, want) {
			t.Errorf("fee receipt lacks %q:\n%s", want, receipt)
		}
	}

	reg, err := f.svc.CertRegister(counter.Operator{ID: "cb01"}, counter.CertRegisterFilter{Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.Rows) != 3 || reg.Total != "112.000" || reg.Rows[2].Document != "Hợp đồng lao động" || reg.Rows[0].RequestID != id {
		t.Fatalf("register %+v", reg)
	}
	dir := t.TempDir()
	pdfPath, xlsxPath := filepath.Join(dir, "so.pdf"), filepath.Join(dir, "so.xlsx")
	if err := counter.ExportCertRegisterPDF(pdfPath, reg); err != nil {
		t.Fatal(err)
	}
	regText := text(pdfPath)
	for _, want := range []string{"SỔ CHỨNG THỰC BẢN SAO TỪ BẢN CHÍNH", "0100001", "0100003", "Trần Thị Thử", "112.000"} {
		if !strings.Contains(regText, want) {
			t.Errorf("register PDF lacks %q", want)
		}
	}
	if err := counter.ExportCertRegisterXLSX(xlsxPath, reg); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(xlsxPath); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("xlsx: %v %v", st, err)
	}
	wb, err := excelize.OpenFile(xlsxPath)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	rows, err := wb.GetRows("So chung thuc")
	if err != nil {
		t.Fatal(err)
	}
	last := rows[len(rows)-1]
	if last[0] != "0100003" || last[4] != "Hợp đồng lao động" || last[7] != "32.000" {
		t.Errorf("last XLSX row %q", last)
	}

	// The access log names the numbers, never the requester.
	log := accessLog(t, f.store)
	var certified []string
	for _, e := range log {
		if e.Action == offline.ActionCertify {
			certified = append(certified, e.Detail)
		}
	}
	if strings.Join(certified, " ") != "number=0100001 number=0100002 number=0100003" {
		t.Errorf("access log of certifications: %v", certified)
	}
	assertNoRawID(t, log, id)
}

func TestCertifyCopiesRefusesBadRequests(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := featured(t, "single")
	for name, mod := range map[string]func(*counter.CopyRequest){
		"no ID":             func(r *counter.CopyRequest) { r.Requester.ID = "" },
		"bad ID":            func(r *counter.CopyRequest) { r.Requester.ID = "12345" },
		"no name":           func(r *counter.CopyRequest) { r.Requester.Name = "  " },
		"control character": func(r *counter.CopyRequest) { r.Originals[0].Document = "Bằng\x1b[2J" },
		"no original":       func(r *counter.CopyRequest) { r.Originals = nil },
		"no pages":          func(r *counter.CopyRequest) { r.Originals[0].Pages = 0 },
		"too many copies":   func(r *counter.CopyRequest) { r.Originals[0].Copies = counter.MaxCopies + 1 },
		"source":            func(r *counter.CopyRequest) { r.Requester.Source = "guess" },
	} {
		req := copyRequest(id)
		mod(&req)
		_, err := f.svc.CertifyCopies(ctx, counter.Operator{ID: "cb01"}, req)
		if !errors.Is(err, counter.ErrCopyRequest) && !errors.Is(err, counter.ErrCopyRequester) {
			t.Errorf("%s: %v", name, err)
		}
		if msg := counter.Explain(err); msg == "" || strings.Contains(msg, "counter:") {
			t.Errorf("%s: message %q", name, msg)
		}
	}
	// nothing was taken from the register
	res, err := f.svc.CertifyCopies(ctx, counter.Operator{ID: "cb01"}, copyRequest(id))
	if err != nil || res.Items[0].Number != "0100001" {
		t.Fatalf("first valid request after refusals: %v %+v", err, res)
	}
}

// An exemption charges nothing and says why on the fee receipt and in the register.
func TestCertifyCopiesExempt(t *testing.T) {
	f := newFixture(t)
	req := copyRequest(featured(t, "single"))
	req.Exempt = "Theo quyết định của Chủ tịch UBND"
	res, err := f.svc.CertifyCopies(context.Background(), counter.Operator{ID: "cb01"}, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 0 || res.Items[0].Fee != 0 {
		t.Fatalf("exempt request charged %d", res.Total)
	}
	reg, err := f.svc.CertRegister(counter.Operator{ID: "cb01"}, counter.CertRegisterFilter{Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	if reg.Rows[0].Fee != "miễn" || !strings.Contains(reg.Rows[0].Note, "Chủ tịch") {
		t.Errorf("register row %+v", reg.Rows[0])
	}
}
