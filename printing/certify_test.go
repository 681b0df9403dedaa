package printing

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var certDay = time.Date(2026, 12, 5, 9, 30, 0, 0, time.FixedZone("ICT", 7*3600))

// certPDFText renders a PDF with fn, keeps it under the test's directory (MOTCUA_KEEP_PDF=dir
// keeps a copy there to look at) and returns its text as pdftotext reads it.
func certPDFText(t *testing.T, name string, fn func(w *bytes.Buffer) error) string {
	t.Helper()
	bin := needTool(t, "pdftotext", "poppler-utils")
	var buf bytes.Buffer
	if err := fn(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name+".pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if keep := os.Getenv("MOTCUA_KEEP_PDF"); keep != "" {
		_ = os.WriteFile(filepath.Join(keep, name+".pdf"), buf.Bytes(), 0o600)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func wantAll(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("PDF text lacks %q:\n%s", w, text)
		}
	}
}

func certBlocks(n int) CertBlocks {
	var b CertBlocks
	for i := range n {
		b.Blocks = append(b.Blocks, CertBlock{Number: "0300012", Volume: "2026-SCT/BS", Place: "Phường Ba Đình", Date: certDay,
			Copy: i + 1, Copies: n, Pages: 2, Counter: "03"})
	}
	return b
}

func TestCertBlocksStickerSheet(t *testing.T) {
	b := certBlocks(12)
	text := certPDFText(t, "certblocks", func(w *bytes.Buffer) error { return RenderCertBlocks(w, b, Options{}) })
	wantAll(t, text, "CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH", "Số chứng thực: 0300012", "Quyển số: 2026-SCT/BS",
		"Phường Ba Đình, ngày 05 tháng 12 năm 2026", "NGƯỜI THỰC HIỆN CHỨNG THỰC", "Bản sao 1/12", "Bản sao 12/12")
	if n := strings.Count(text, "Số chứng thực: 0300012"); n != 12 {
		t.Errorf("%d blocks printed, want 12", n)
	}
	if n := strings.Count(text, "\f"); n != 2 { // 10 labels a sheet: two pages
		t.Errorf("%d pages, want 2", n)
	}
}

func TestCertBlocksOnCopy(t *testing.T) {
	b := certBlocks(3)
	b.Layout = LayoutOnCopy
	b.Blocks[0].Signer, b.Blocks[0].Name = "PHÓ CHỦ TỊCH", "Nguyễn Văn Chứng"
	text := certPDFText(t, "certoncopy", func(w *bytes.Buffer) error { return RenderCertBlocks(w, b, Options{}) })
	wantAll(t, text, "PHÓ CHỦ TỊCH", "Nguyễn Văn Chứng", "Bản sao 3/3 — 2 trang — quầy 03")
	if n := strings.Count(text, "\f"); n != 3 {
		t.Errorf("%d pages, want one per copy (3)", n)
	}
}

func TestCertBlocksInvalid(t *testing.T) {
	for name, b := range map[string]CertBlocks{
		"none":      {},
		"no number": {Blocks: []CertBlock{{Volume: "2026-SCT/BS", Date: certDay}}},
		"no date":   {Blocks: []CertBlock{{Number: "0300001", Volume: "2026-SCT/BS"}}},
		"layout":    {Blocks: certBlocks(1).Blocks, Layout: "poster"},
		"long":      {Blocks: []CertBlock{{Number: strings.Repeat("9", MaxLineRunes+1), Volume: "2026-SCT/BS", Date: certDay}}},
	} {
		var buf bytes.Buffer
		err := RenderCertBlocks(&buf, b, Options{})
		var pe *Error
		if err == nil || !errors.As(err, &pe) || pe.Clerk == "" {
			t.Errorf("%s: %v, want a printing error with a clerk's message", name, err)
		}
	}
}

func TestCertRegisterPDF(t *testing.T) {
	r := CertRegister{Letterhead: Letterhead{ParentAgency: "UBND phường Ba Đình", Agency: "Bộ phận Tiếp nhận và Trả kết quả", Place: "Phường Ba Đình"},
		Volume: "2026-SCT/BS", From: certDay, To: certDay, Total: "52.000"}
	for i := range 40 {
		r.Rows = append(r.Rows, CertRegisterRow{Number: FormatCertNo(3, i+1), Date: certDay, Requester: "Trần Thị Thử", RequestID: "001190000123",
			Document: "Bằng tốt nghiệp trung học phổ thông", Pages: 2, Copies: 10, Fee: "40.000", Officer: "Lê Cán Bộ"})
	}
	text := certPDFText(t, "certregister", func(w *bytes.Buffer) error { return RenderCertRegister(w, r, Options{}) })
	wantAll(t, text, "SỔ CHỨNG THỰC BẢN SAO TỪ BẢN CHÍNH", "quyển số 2026-SCT/BS", "Số chứng\nthực", "0300001", "0300040",
		"Bằng tốt nghiệp trung học phổ thông", "001190000123", "Tổng phí chứng thực trong kỳ: 52.000 đồng", "Trang 2/")
}

// FormatCertNo mirrors offline.FormatCertNumber for the test's rows.
func FormatCertNo(counter, n int) string { return fmt.Sprintf("%02d%05d", counter, n) }

func TestFeeReceiptPDF(t *testing.T) {
	r := FeeReceipt{Letterhead: Letterhead{ParentAgency: "UBND phường Ba Đình", Agency: "Bộ phận Tiếp nhận và Trả kết quả", Place: "Phường Ba Đình"},
		Number: "0300012", Date: certDay, Payer: "Trần Thị Thử", PayerID: "001190000123", Collector: "Lê Cán Bộ",
		Items: []FeeItem{
			{Name: "Phí chứng thực bản sao từ bản chính", Detail: "10 bản sao × 2 trang, số chứng thực 0300012", Amount: 40000},
			{Name: "Lệ phí đăng ký lại khai sinh", Exempt: "người thuộc hộ nghèo", Amount: 5000},
			{Name: "Lệ phí tách hộ", Unknown: true},
		}}
	if got := r.Total(); got != 40000 {
		t.Fatalf("total %d, want 40000 (exempt and unknown lines count nothing)", got)
	}
	text := certPDFText(t, "feereceipt", func(w *bytes.Buffer) error { return RenderFeeReceipt(w, r, Options{}) })
	wantAll(t, text, "BIÊN LAI THU PHÍ, LỆ PHÍ", "Số: 0300012", "Trần Thị Thử", "Phí chứng thực bản sao từ bản chính",
		"40.000", "Miễn: người thuộc hộ nghèo", "Chưa có mức thu", "Tổng cộng", "Bốn mươi nghìn đồng", "NGƯỜI THU TIỀN", "Tiền mặt")
}

func TestMoneyWords(t *testing.T) {
	for n, want := range map[int64]string{
		0: "Không đồng", 2000: "Hai nghìn đồng", 40000: "Bốn mươi nghìn đồng", 15000: "Mười lăm nghìn đồng",
		21000: "Hai mươi mốt nghìn đồng", 105000: "Một trăm linh năm nghìn đồng", 200000: "Hai trăm nghìn đồng",
		1005000: "Một triệu không trăm linh năm nghìn đồng", 1234567: "Một triệu hai trăm ba mươi tư nghìn năm trăm sáu mươi bảy đồng",
		14: "Mười bốn đồng", 25: "Hai mươi lăm đồng",
	} {
		if got := MoneyWords(n); got != want {
			t.Errorf("MoneyWords(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1.000", 40000: "40.000", 1234567: "1.234.567"} {
		if got := FormatMoney(n); got != want {
			t.Errorf("FormatMoney(%d) = %q, want %q", n, got, want)
		}
	}
}

// The receipt lists a procedure's fee (and an exemption, and a fee the schedule does not
// know) as item 6, and a document shown electronically as such, with no count.
func TestReceiptFeesAndElectronicDocuments(t *testing.T) {
	r := Receipt{ParentAgency: "UBND phường Ba Đình", Agency: "Bộ phận Tiếp nhận và Trả kết quả", Place: "Phường Ba Đình",
		DossierCode: "G22.99.08-261205-010001", Officer: "Lê Cán Bộ", CitizenName: "Trần Thị Thử", CitizenID: "001190000123",
		ReceivedAt: certDay, Procedures: []Procedure{{Name: "Đăng ký lại khai sinh", Appointment: certDay.AddDate(0, 0, 5)}},
		Documents: []Document{{Name: "Tờ khai đăng ký lại khai sinh", Original: true, Count: 1},
			{Name: "Giấy chứng nhận kết hôn của cha mẹ", Electronic: true, Source: "CSDL hộ tịch điện tử"}},
		Fees: []ReceiptFee{{Procedure: "Đăng ký lại khai sinh", Amount: 5000, Known: true}}}
	text := certPDFText(t, "receipt-fees", func(w *bytes.Buffer) error { return RenderPDF(w, r, Options{}) })
	wantAll(t, text, "6. Phí, lệ phí: Đăng ký lại khai sinh: 5.000 đồng", "Điện tử", "(xuất trình điện tử qua CSDL hộ tịch điện tử, không thu", "bản sao)")
	r.Procedures = append(r.Procedures, Procedure{Name: "Cấp bản sao trích lục", Appointment: certDay.AddDate(0, 0, 1)}, Procedure{Name: "Tách hộ"})
	r.Fees = []ReceiptFee{{Procedure: "Đăng ký lại khai sinh", Amount: 5000, Known: true, Exempt: "hộ nghèo"},
		{Procedure: "Cấp bản sao trích lục", Amount: 16000, Known: true}, {Procedure: "Tách hộ"}}
	text = certPDFText(t, "receipt-fees-3", func(w *bytes.Buffer) error { return RenderPDF(w, r, Options{}) })
	wantAll(t, text, "6. Phí, lệ phí:", "Đăng ký lại khai sinh: miễn (hộ nghèo)", "Cấp bản sao trích lục: 16.000 đồng",
		"Tách hộ: theo mức thu của tỉnh (thu theo biên lai)", "Tổng cộng: 16.000 đồng")
	// the thermal receipt says both too
	img, err := RenderThermal(r, Thermal80mm)
	if err != nil || img.Bounds().Dy() == 0 {
		t.Fatalf("thermal: %v", err)
	}
}
