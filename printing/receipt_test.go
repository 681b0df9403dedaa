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

var hcm = time.FixedZone("ICT", 7*3600)

// sampleReceipt is a synthetic receipt: made-up person, made-up ID, made-up code.
func sampleReceipt(nProc, nDoc int) Receipt {
	recv := time.Date(2026, 11, 23, 10, 5, 0, 0, hcm)
	r := Receipt{
		ParentAgency:  "UBND phường Ba Đình",
		Agency:        "Bộ phận Tiếp nhận và Trả kết quả",
		AgencyAddress: "Số 1 phố Giả Định, phường Ba Đình, thành phố Hà Nội",
		Place:         "Phường Ba Đình",
		DossierCode:   "G22.99.08-261123-0004",
		Officer:       "Trần Văn Thử",
		CitizenName:   "Nguyễn Thị Hoà",
		CitizenID:     "001099000123",
		Phone:         "0900000000",
		Address:       "Số 12, ngõ 34 phố Mẫu Thử, phường Ba Đình, thành phố Hà Nội",
		ReceivedAt:    recv,
		ResultPlace:   "Bộ phận Tiếp nhận và Trả kết quả, UBND phường Ba Đình",
		ResidenceFrom: "Cơ sở dữ liệu quốc gia về dân cư",
		ResidenceAt:   time.Date(2026, 11, 23, 10, 4, 0, 0, hcm),
		LookupURL:     "https://dichvucong.example.vn/tra-cuu",
	}
	procs := []string{
		"Đăng ký thường trú",
		"Đăng ký khai sinh",
		"Cấp Thẻ bảo hiểm y tế cho người dưới 6 tuổi",
		"Đăng ký tạm trú",
	}
	for i := 0; i < nProc; i++ {
		r.Procedures = append(r.Procedures, Procedure{
			Name:        procs[i%len(procs)],
			Appointment: recv.AddDate(0, 0, 3+i).Add(time.Duration(i) * time.Hour),
		})
	}
	docs := []Document{
		{Name: "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)", Original: true, Count: 1},
		{Name: "Giấy tờ, tài liệu chứng minh việc sở hữu chỗ ở hợp pháp (hợp đồng mua bán nhà ở có công chứng, chứng thực)", Original: false, Count: 1},
		{Name: "Văn bản đồng ý cho đăng ký thường trú của chủ hộ", Original: true, Count: 2},
	}
	for i := 0; i < nDoc; i++ {
		d := docs[i%len(docs)]
		if i >= len(docs) {
			d.Name = fmt.Sprintf("Giấy tờ bổ sung số %02d", i+1)
		}
		r.Documents = append(r.Documents, d)
	}
	return r
}

var fixedCreation = time.Date(2026, 11, 23, 10, 6, 0, 0, time.UTC)

// needTool returns the path of a poppler (or zbar) tool, skipping when it is missing,
// unless CI=true, where a missing tool fails the test.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		msg := fmt.Sprintf("%s not found: install the Debian package %s (apt-get install -y %s)", name, pkg, pkg)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

func renderToFile(t *testing.T, r Receipt) string {
	t.Helper()
	return renderToFileSize(t, r, "")
}

func renderToFileSize(t *testing.T, r Receipt, size string) string {
	t.Helper()
	pdf, err := RenderPDFBytes(r, Options{Size: size, CreationDate: fixedCreation})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "receipt.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("PRINTING_DUMP_DIR"); dir != "" { // for looking at the layout by hand
		_ = os.WriteFile(filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+".pdf"), pdf, 0o644)
	}
	return path
}

func pdfText(t *testing.T, path string) string {
	t.Helper()
	bin := needTool(t, "pdftotext", "poppler-utils")
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func pageCount(t *testing.T, path string) int {
	t.Helper()
	bin := needTool(t, "pdfinfo", "poppler-utils")
	out, err := exec.Command(bin, path).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	var n int
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "Pages:") {
			if _, err := fmt.Sscan(strings.TrimPrefix(line, "Pages:"), &n); err != nil {
				t.Fatalf("pdfinfo %q: %v", line, err)
			}
		}
	}
	return n
}

// squash folds runs of white space so wrapped or spaced-out layout text compares simply.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestRenderTextContent(t *testing.T) {
	path := renderToFile(t, sampleReceipt(1, 3))
	text := pdfText(t, path)
	flat := squash(text)
	for _, want := range []string{
		"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
		"Độc lập - Tự do - Hạnh phúc",
		"UBND PHƯỜNG BA ĐÌNH",
		"BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
		"Phường Ba Đình, ngày 23 tháng 11 năm 2026",
		"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
		"Mã hồ sơ: G22.99.08-261123-0004",
		"Nguyễn Thị Hoà",
		"001099000123",
		"Trần Văn Thử",
		"Nội dung yêu cầu giải quyết: Đăng ký thường trú",
		"Thời gian nhận hồ sơ: 10 giờ 05 phút, ngày 23 tháng 11 năm 2026",
		"Thời gian trả kết quả giải quyết hồ sơ: 10 giờ 05 phút, ngày 26 tháng 11 năm 2026",
		"Bản chính", "Bản sao",
		"Tờ khai thay đổi thông tin cư trú (Mẫu CT01)",
		"Thông tin về cư trú được khai thác từ Cơ sở dữ liệu quốc gia về dân cư lúc 10:04 ngày 23/11/2026",
		"không phải nộp giấy tờ chứng minh nơi cư trú",
		"Quét mã để tra cứu hồ sơ",
		"NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("PDF text lacks %q\n--- text ---\n%s", want, text)
		}
	}
	if strings.Contains(flat, "Trang 1/") {
		t.Errorf("a one-page receipt should carry no page number")
	}
	if n := pageCount(t, path); n != 1 {
		t.Errorf("pages = %d, want 1", n)
	}
}

func TestRenderDecomposedInputIsNormalized(t *testing.T) {
	r := sampleReceipt(1, 1)
	r.CitizenName = "Nguye\u0302\u0303n Thi\u0323 Hoa\u0300" // NFD "Nguyễn Thị Hoà"
	text := squash(pdfText(t, renderToFile(t, r)))
	if !strings.Contains(text, "Nguyễn Thị Hoà") {
		t.Errorf("decomposed name not printed as NFC; text:\n%s", text)
	}
}

func TestRenderLongListsFlowToNextPage(t *testing.T) {
	r := sampleReceipt(4, 24)
	r.Notes = []string{"Công dân mang theo giấy tiếp nhận này khi đến nhận kết quả."}
	path := renderToFile(t, r)
	n := pageCount(t, path)
	if n < 2 {
		t.Fatalf("pages = %d, want at least 2 for 24 documents", n)
	}
	text := pdfText(t, path)
	flat := squash(text)
	for _, want := range []string{
		"Nội dung yêu cầu giải quyết (4 thủ tục):",
		"Cấp Thẻ bảo hiểm y tế cho người dưới 6 tuổi",
		"Đăng ký tạm trú: 13 giờ 05 phút, ngày 29 tháng 11 năm 2026",
		"Giấy tờ bổ sung số 24",
		fmt.Sprintf("Trang 1/%d", n), fmt.Sprintf("Trang %d/%d", n, n),
		"Ghi chú:",
		"NGƯỜI TIẾP NHẬN HỒ SƠ",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	// The table header is repeated on the page the table continues on.
	pages := strings.Split(text, "\f")
	if len(pages) < 2 || !strings.Contains(pages[1], "Tên giấy tờ") {
		t.Errorf("page 2 does not repeat the table header")
	}
	// Every document row is printed exactly once (no row lost or split at the break).
	for i := 4; i <= 24; i++ {
		if c := strings.Count(flat, fmt.Sprintf("Giấy tờ bổ sung số %02d", i)); c != 1 {
			t.Errorf("document %d printed %d times", i, c)
		}
	}
}

func TestRenderDeterministic(t *testing.T) {
	r := sampleReceipt(2, 5)
	a, err := RenderPDFBytes(r, Options{CreationDate: fixedCreation})
	if err != nil {
		t.Fatal(err)
	}
	b, err := RenderPDFBytes(r, Options{CreationDate: fixedCreation})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("same input and CreationDate gave different bytes")
	}
	c, err := RenderPDFBytes(r, Options{CreationDate: fixedCreation.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, c) {
		t.Fatal("CreationDate is not written into the PDF")
	}
	if !bytes.HasPrefix(a, []byte("%PDF-")) {
		t.Fatal("output is not a PDF")
	}
}

func TestRenderValidation(t *testing.T) {
	ok := sampleReceipt(1, 1)
	cases := []struct {
		name   string
		mutate func(*Receipt)
		opt    Options
	}{
		{"no code", func(r *Receipt) { r.DossierCode = "  " }, Options{}},
		{"no received time", func(r *Receipt) { r.ReceivedAt = time.Time{} }, Options{}},
		{"no procedure", func(r *Receipt) { r.Procedures = nil }, Options{}},
		{"unnamed procedure", func(r *Receipt) { r.Procedures[0].Name = "" }, Options{}},
		{"negative count", func(r *Receipt) { r.Documents[0].Count = -1 }, Options{}},
		{"unknown size", func(r *Receipt) {}, Options{Size: "Letter"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := sampleReceipt(1, 1)
			tc.mutate(&r)
			_, err := RenderPDFBytes(r, tc.opt)
			var pe *Error
			if !errors.As(err, &pe) || pe.Clerk == "" {
				t.Fatalf("err = %v, want *Error with a clerk message", err)
			}
		})
	}
	if _, err := RenderPDFBytes(ok, Options{Size: "a4"}); err != nil {
		t.Fatalf("valid receipt: %v", err)
	}
}

func TestRenderBlanksForMissingOptionalFields(t *testing.T) {
	r := sampleReceipt(1, 0)
	r.Phone, r.Officer, r.ResidenceFrom, r.LookupURL, r.AgencyAddress = "", "", "", "", ""
	r.Procedures[0].Appointment = time.Time{}
	flat := squash(pdfText(t, renderToFile(t, r)))
	for _, want := range []string{"Số điện thoại: …", "(Không có giấy tờ kèm theo)", "…… giờ …… phút"} {
		if !strings.Contains(flat, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	if strings.Contains(flat, "Thông tin về cư trú") {
		t.Errorf("residence note printed without a source")
	}
}

func TestFormatVNTime(t *testing.T) {
	cases := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 11, 23, 10, 5, 0, 0, hcm), "10 giờ 05 phút, ngày 23 tháng 11 năm 2026"},
		{time.Date(2026, 2, 5, 7, 30, 0, 0, hcm), "07 giờ 30 phút, ngày 05 tháng 02 năm 2026"},
		{time.Date(2026, 3, 9, 16, 0, 0, 0, hcm), "16 giờ 00 phút, ngày 09 tháng 3 năm 2026"},
		{time.Date(2027, 1, 1, 0, 0, 0, 0, hcm), "00 giờ 00 phút, ngày 01 tháng 01 năm 2027"},
	}
	for _, tc := range cases {
		if got := FormatVNTime(tc.in); got != tc.want {
			t.Errorf("FormatVNTime(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := FormatShortTime(time.Date(2026, 11, 23, 10, 4, 0, 0, hcm)); got != "10:04 ngày 23/11/2026" {
		t.Errorf("FormatShortTime = %q", got)
	}
}

func TestQRContent(t *testing.T) {
	cases := []struct{ url, want string }{
		{"", "G22.99.08-261123-0004"},
		{"https://x.example.vn/tra-cuu", "https://x.example.vn/tra-cuu?ma=G22.99.08-261123-0004"},
		{"https://x.example.vn/tra-cuu?lang=vi", "https://x.example.vn/tra-cuu?lang=vi&ma=G22.99.08-261123-0004"},
		{"https://x.example.vn/hs/{ma}", "https://x.example.vn/hs/G22.99.08-261123-0004"},
	}
	for _, tc := range cases {
		r := Receipt{DossierCode: "G22.99.08-261123-0004", LookupURL: tc.url}
		if got := QRContent(r); got != tc.want {
			t.Errorf("QRContent(%q) = %q, want %q", tc.url, got, tc.want)
		}
	}
}

func BenchmarkRenderPDF(b *testing.B) {
	r := sampleReceipt(1, 3)
	opt := Options{CreationDate: fixedCreation}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderPDFBytes(r, opt); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPrintableMapsOutsideCharacters(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Nguyễn Thị Hoà", "Nguyễn Thị Hoà"},
		{"Số 5\tngõ 7", "Số 5 ngõ 7"},
		{"dòng 1\ndòng 2", "dòng 1\ndòng 2"},
		{"phố 漢 😀", "phố ? ?"},
		{"“Mẫu CT01” — 10.000 ₫…", "“Mẫu CT01” — 10.000 ₫…"},
	}
	for _, tc := range cases {
		if got := printable(tc.in); got != tc.want {
			t.Errorf("printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRenderA5(t *testing.T) {
	t.Run("single procedure fits one page", func(t *testing.T) {
		path := renderToFileSize(t, sampleReceipt(1, 3), "a5")
		if n := pageCount(t, path); n != 1 {
			t.Errorf("pages = %d, want 1", n)
		}
		out, err := exec.Command(needTool(t, "pdfinfo", "poppler-utils"), path).Output()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out), "x 595.28 pts (A5)") {
			t.Errorf("page size is not A5 portrait:\n%s", out)
		}
		flat := squash(pdfText(t, path))
		for _, want := range []string{
			"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
			"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Mã hồ sơ: G22.99.08-261123-0004",
			"Nội dung yêu cầu giải quyết: Đăng ký thường trú",
			"Thời gian trả kết quả giải quyết hồ sơ: 10 giờ 05 phút, ngày 26 tháng 11 năm 2026",
			"Quét mã để tra cứu hồ sơ", "NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ",
		} {
			if !strings.Contains(flat, want) {
				t.Errorf("A5 text lacks %q", want)
			}
		}
	})
	t.Run("bundle lists every appointment", func(t *testing.T) {
		flat := squash(pdfText(t, renderToFileSize(t, sampleReceipt(3, 3), "A5")))
		for _, want := range []string{
			"Nội dung yêu cầu giải quyết (3 thủ tục):",
			"Đăng ký thường trú: 10 giờ 05 phút, ngày 26 tháng 11 năm 2026",
			"Đăng ký khai sinh: 11 giờ 05 phút, ngày 27 tháng 11 năm 2026",
			"Cấp Thẻ bảo hiểm y tế cho người dưới 6 tuổi: 12 giờ 05 phút, ngày 28 tháng 11 năm 2026",
		} {
			if !strings.Contains(flat, want) {
				t.Errorf("A5 bundle text lacks %q", want)
			}
		}
	})
	t.Run("long receipt flows, signatures together", func(t *testing.T) {
		path := renderToFileSize(t, sampleReceipt(4, 24), "A5")
		n := pageCount(t, path)
		if n < 2 {
			t.Fatalf("pages = %d, want at least 2 for 24 documents on A5", n)
		}
		pages := strings.Split(pdfText(t, path), "\f")
		for i := 1; i <= n; i++ {
			if !strings.Contains(squash(pages[i-1]), fmt.Sprintf("Trang %d/%d", i, n)) {
				t.Errorf("page %d lacks its number", i)
			}
		}
		last := squash(pages[n-1])
		for _, want := range []string{"NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ", "Nguyễn Thị Hoà", "Trần Văn Thử"} {
			if !strings.Contains(last, want) {
				t.Errorf("last page lacks %q: signature blocks split", want)
			}
		}
		flat := squash(strings.Join(pages, " "))
		for i := 4; i <= 24; i++ {
			if c := strings.Count(flat, fmt.Sprintf("Giấy tờ bổ sung số %02d", i)); c != 1 {
				t.Errorf("document %d printed %d times", i, c)
			}
		}
	})
}

func BenchmarkRenderPDFA5(b *testing.B) {
	r := sampleReceipt(1, 3)
	opt := Options{Size: "A5", CreationDate: fixedCreation}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderPDFBytes(r, opt); err != nil {
			b.Fatal(err)
		}
	}
}

// countPages counts the pages of a PDF written by this package.
func countPages(pdf []byte) int { return bytes.Count(pdf, []byte("/Type /Page\n")) }

// A bundle's receipt tightened to fit one A4 page is printed on as many pages as its
// measure found: the printed document breaks pages at the tightened layout's bottom, as
// the measure does. Found when the untightened page break was kept: the citizen's long
// name under the signature wrapped past it, its last word went alone to a second page and
// the officer's block was drawn at the foot of that page.
func TestTightenedReceiptPrintsAsMeasured(t *testing.T) {
	for extra := 5; extra <= 6; extra++ {
		r := sampleReceipt(2, 6)
		r.CitizenName = "Nguyễn Thị Hoà Bình An Khang Thịnh Vượng Phúc Lộc Thọ Minh" + strings.Repeat(" Anh", extra)
		n := r.normalized()
		code, err := encodeQR(n)
		if err != nil {
			t.Fatal(err)
		}
		g := fitted(n, geomA4, code)
		if g.fs == geomA4.fs {
			t.Fatalf("name + %d: the receipt is not tightened, the case no longer tests the tightened layout", extra)
		}
		want := measure(n, g, code)
		pdf, err := RenderPDFBytes(r, Options{CreationDate: fixedCreation})
		if err != nil {
			t.Fatal(err)
		}
		if got := countPages(pdf); got != want || got != 1 {
			t.Errorf("name + %d, tightened to %.2f: printed on %d pages, measured %d", extra, g.fs, got, want)
		}
	}
}

// The signature blocks stay together on one page when a signer's name wraps over several
// lines: their height counts the name's lines. Before, a long name near the foot of an A5
// page ran over it, its last words alone on a second page with the officer's block.
func TestLongNameKeepsSignaturesTogether(t *testing.T) {
	for _, nDoc := range []int{2, 4} {
		r := sampleReceipt(1, nDoc)
		r.CitizenName = "Nguyễn Thị Hoà Bình An Khang Thịnh Vượng Phúc Lộc Thọ Minh Anh Anh Anh"
		text := pdfText(t, renderToFileSize(t, r, "A5"))
		pages := strings.Split(strings.TrimSuffix(text, "\f"), "\f")
		last := squash(pages[len(pages)-1])
		// the name wraps beside the officer's block: its first and last words
		for _, want := range []string{"NGƯỜI NỘP HỒ SƠ", "Nguyễn Thị Hoà Bình", "Minh Anh Anh Anh", "NGƯỜI TIẾP NHẬN HỒ SƠ", r.Officer} {
			if !strings.Contains(last, want) {
				t.Errorf("%d documents: the last page lacks %q: %s", nDoc, want, last)
			}
		}
	}
}
