package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"motcua/internal/demo"
	"motcua/internal/testenv"
)

// TestCopyDeskInTmux: ten copies of one two-page original for a citizen identified by a
// card tap, on the copy certification desk of the real program in a real terminal, every
// key counted as in TestCounterFlowInTmux (issue 16: at most 25 from the tap to the
// certification printed); then the register is exported from the desk.
func TestCopyDeskInTmux(t *testing.T) {
	t.Parallel()
	pdftotext := testenv.NeedTool(t, "pdftotext", "poppler-utils")
	dir := demoStore(t)
	who := featured(t, "single")
	s := startTmux(t, 150, 50, fmt.Sprintf("env %s=1 %s demo --data-dir %s", asBinary, os.Args[0], dir))
	s.waitFor("Bước 1 — Xác định công dân")
	s.pressed = 0
	s.tapCard(who.ID)
	s.waitFor("Bước 2 — Thông tin công dân")
	s.keys("F7")
	s.waitFor("Người yêu cầu: " + who.Name + " — " + who.ID + " (chip trên thẻ)")
	s.text("3") // Bằng tốt nghiệp: the document box picks it by its digit
	s.text("2") // pages
	s.keys("Tab")
	s.text("10") // copies
	s.waitFor("Tổng phí: 40.000 đồng")
	s.keys("F10")
	scr := s.waitFor("Đã ghi vào sổ chứng thực, quyển")
	number := regexp.MustCompile(`Số (01\d{5})`).FindStringSubmatch(scr)
	if number == nil {
		t.Fatalf("no certification number:\n%s", scr)
	}
	s.waitFor("đã in lời chứng và biên lai thu phí")
	t.Logf("10 copies of a 2-page original by card tap: %d keys from the tap to the certification printed", s.pressed)
	if s.pressed > 25 {
		t.Errorf("the copy desk took %d keys, more than 25", s.pressed)
	}
	text := func(path string) string {
		t.Helper()
		out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext %s: %v", path, err)
		}
		return string(out)
	}
	blocks := text(filepath.Join(dir, "receipts", "chungthuc-"+number[1]+".pdf"))
	if n := strings.Count(blocks, "Số chứng thực: "+number[1]); n != 10 {
		t.Errorf("%d certification blocks for 10 copies", n)
	}
	receipt := text(filepath.Join(dir, "receipts", "bienlai-"+number[1]+".pdf"))
	for _, want := range []string{"BIÊN LAI THU PHÍ, LỆ PHÍ", who.Name, "40.000", "Bốn mươi nghìn đồng"} {
		if !strings.Contains(receipt, want) {
			t.Errorf("fee receipt lacks %q:\n%s", want, receipt)
		}
	}

	s.keys("F9")
	s.waitFor("Đã xuất sổ chứng thực")
	year := time.Now().Year()
	reg := text(filepath.Join(dir, "exports", fmt.Sprintf("so-chung-thuc-%d.pdf", year)))
	for _, want := range []string{"SỔ CHỨNG THỰC BẢN SAO TỪ BẢN CHÍNH", number[1], who.Name, "Bằng tốt nghiệp"} {
		if !strings.Contains(reg, want) {
			t.Errorf("exported register lacks %q:\n%s", want, reg)
		}
	}
	wb, err := excelize.OpenFile(filepath.Join(dir, "exports", fmt.Sprintf("so-chung-thuc-%d.xlsx", year)))
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	rows, err := wb.GetRows("So chung thuc")
	if err != nil || len(rows) == 0 || rows[len(rows)-1][0] != number[1] {
		t.Errorf("XLSX register: %v %q", err, rows)
	}
	s.keys("Enter")
	if scr := s.waitFor("Bước 1 — Xác định công dân"); strings.Contains(scr, who.ID) {
		t.Errorf("the desk was not cleared for the next citizen:\n%s", scr)
	}
}

// The scripted desk: numbers follow each other, the register exports to XLSX and PDF, a
// volunteer is refused.
func TestCertifyCLI(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := demoStore(t)
	id := featuredID(t, "single")
	r := runCLI(t, "certify", "copies", "--demo", "--data-dir", dir, "--id", id, "--name", "Phạm Thu Ngân",
		"--original", "Bằng tốt nghiệp: bản chính:2:10", "--original", "Giấy khai sinh:1:1")
	if r.code != 0 || !strings.Contains(r.stdout, "Số chứng thực 0100001") || !strings.Contains(r.stdout, "Số chứng thực 0100002") ||
		!strings.Contains(r.stdout, "Bằng tốt nghiệp: bản chính — 10 bản sao × 2 trang — 40.000 đồng") || !strings.Contains(r.stdout, "Tổng phí: 42.000 đồng.") {
		t.Fatalf("certify copies: %+v", r)
	}
	for _, bad := range [][]string{
		{"--id", id, "--name", "X"},                           // no original
		{"--id", id, "--name", "X", "--original", "Giấy"},     // no counts
		{"--id", id, "--name", "X", "--original", "Giấy:a:1"}, // not a number
		{"--id", id, "--name", "X", "--original", "Giấy:1:1", "--layout", "poster"},
	} {
		if r := runCLI(t, append([]string{"certify", "copies", "--demo", "--data-dir", dir}, bad...)...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", bad, r.code, exitUsage, r.stderr)
		}
	}
	if r := runCLI(t, "certify", "copies", "--demo", "--data-dir", dir, "--id", "123", "--name", "X", "--original", "Giấy:1:1"); r.code == 0 ||
		!strings.Contains(r.stderr, "Chưa xác định được người yêu cầu chứng thực") {
		t.Errorf("a bad ID: %+v", r)
	}
	for _, ext := range []string{"xlsx", "pdf"} {
		out := filepath.Join(t.TempDir(), "so."+ext)
		r := runCLI(t, "certify", "register", "--demo", "--data-dir", dir, "--out", out)
		if r.code != 0 || !strings.Contains(r.stdout, "Đã xuất 2 việc chứng thực") || !strings.Contains(r.stdout, "tổng phí 42.000 đồng") {
			t.Fatalf("register %s: %+v", ext, r)
		}
		if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", out, st, err)
		}
	}
	if r := runCLI(t, "certify", "register", "--demo", "--data-dir", dir, "--out", "so.csv"); r.code != exitUsage {
		t.Errorf("register to .csv: exit %d", r.code)
	}
	// a dossier with a fee: its receipt says the fee, its fee receipt can be printed
	declPath := filepath.Join(t.TempDir(), "decl.json")
	decl := `{"service": "chung-thuc-ban-sao", "persons": {"requester": {"id": "` + id + `"}},
 "values": {"originals.1.doc_name": "Giấy khai sinh", "originals.1.pages": "2", "originals.1.copies": "10"}}`
	if err := os.WriteFile(declPath, []byte(decl), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, "dossier", "submit", "--demo", "--data-dir", dir, declPath)
	code := strings.TrimSpace(strings.SplitN(r.stdout, "\n", 2)[0])
	if r.code != 0 || code == "" {
		t.Fatalf("dossier submit: %+v", r)
	}
	feePDF := filepath.Join(t.TempDir(), "fee.pdf")
	if r := runCLI(t, "receipt", "fee", "--demo", "--data-dir", dir, code, "--out", feePDF); r.code != 0 {
		t.Fatalf("receipt fee: %+v", r)
	}
	pdftotext := testenv.NeedTool(t, "pdftotext", "poppler-utils")
	for path, wants := range map[string][]string{
		feePDF: {"BIÊN LAI THU PHÍ, LỆ PHÍ", "Số: " + code, "40.000", "Bốn mươi nghìn đồng"},
		filepath.Join(dir, "receipts", code+".pdf"): {"6. Phí, lệ phí: Chứng thực bản sao từ bản chính: 40.000 đồng"},
	} {
		b, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range wants {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s lacks %q:\n%s", filepath.Base(path), w, b)
			}
		}
	}

	// a volunteer neither certifies nor reads the register
	asDemoOperator(t, dir, demo.VolunteerID)
	if r := runCLI(t, "certify", "copies", "--demo", "--data-dir", dir, "--id", id, "--name", "Phạm Thu Ngân", "--original", "Giấy:1:1"); r.code != exitFailure ||
		!strings.Contains(r.stderr, "Chứng thực bản sao cần quyền") {
		t.Errorf("a volunteer certifies: %+v", r)
	}
	if r := runCLI(t, "certify", "register", "--demo", "--data-dir", dir, "--out", filepath.Join(t.TempDir(), "so.xlsx")); r.code != exitFailure ||
		!strings.Contains(r.stderr, "Sổ chứng thực cần quyền") {
		t.Errorf("a volunteer exports the register: %+v", r)
	}
}
