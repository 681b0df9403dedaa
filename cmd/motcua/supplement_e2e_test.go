package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"motcua/internal/demo"
	"motcua/internal/testenv"
)

// TestSupplementPathInTmux is the reception's supplement path in the real program on a real
// terminal (issue 14, end-to-end test 2): a citizen is identified, the declaration filled and
// reviewed; the clerk asks for a supplement (Mẫu 02), which is printed with what is missing and
// the guidance; at a new visit the slip's QR line (read from the printed PDF, typed as a
// handheld scanner types it) brings the declaration back on the identification screen; it is
// received and its receipt printed.
func TestSupplementPathInTmux(t *testing.T) {
	t.Parallel()
	pdftotext := testenv.NeedTool(t, "pdftotext", "poppler-utils")
	pdftoppm := testenv.NeedTool(t, "pdftoppm", "poppler-utils")
	zbarimg := testenv.NeedTool(t, "zbarimg", "zbar-tools")
	dir := demoStore(t)
	who := featured(t, "single")
	s := startTmux(t, 150, 50, fmt.Sprintf("env %s=1 %s demo --data-dir %s", asBinary, os.Args[0], dir))

	s.waitFor("Bước 1 — Xác định công dân")
	s.text(who.ID)
	s.keys("Enter")
	s.waitFor("Bước 2 — Thông tin công dân")
	s.keys("Enter")
	s.waitFor("Bước 3 — Chọn thủ tục")
	s.keys("Enter")
	s.waitFor("Bước 4 — Tờ khai cấp Giấy xác nhận tình trạng hôn nhân")
	s.text("1") // "Để đăng ký kết hôn"
	s.keys("C-n")
	if !s.waitCursor("Kết hôn với", 40*time.Second) {
		t.Fatalf("ctrl+n did not reach the partner's name:\n%s", s.screen())
	}
	s.text("Lê Văn Thử")
	s.keys("C-n")
	if !s.waitCursor("Nơi đăng ký kết hôn", 40*time.Second) {
		t.Fatalf("ctrl+n did not reach the marriage place:\n%s", s.screen())
	}
	s.text("ba dinh")
	s.waitFor("Phường Ba Đình")
	s.keys("F10")
	s.waitFor("Bước 5 — Xem lại")

	// the supplement: the checklist's declaration form, with guidance
	s.text("b")
	s.waitFor("Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)")
	s.keys("Enter")
	s.waitFor("Thiếu/sai")
	s.keys("Tab")
	s.text("Mang theo bản chính để đối chiếu")
	s.keys("Enter")
	s.waitFor("1 giấy tờ trên phiếu")
	s.keys("F10")
	scr := s.waitFor("Đã lập phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)")
	slip := regexp.MustCompile(`DEMO\.00004-\d{6}-BS01\d{4}`).FindString(scr)
	if slip == "" {
		t.Fatalf("no slip code on the screen:\n%s", scr)
	}
	slipPDF := filepath.Join(dir, "receipts", slip+".pdf")
	if !strings.Contains(scr, slipPDF) {
		t.Errorf("the screen does not say where the slip was printed (%s):\n%s", slipPDF, scr)
	}
	txt, err := exec.Command(pdftotext, "-layout", slipPDF, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", slipPDF, err)
	}
	text := strings.Join(strings.Fields(string(txt)), " ")
	for _, want := range []string{"PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", slip, who.Name, "Cấp giấy xác nhận tình trạng hôn nhân",
		"Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", "Chưa nộp giấy tờ này", "Mang theo bản chính để đối chiếu", "Cán bộ Demo"} {
		if !strings.Contains(text, want) {
			t.Errorf("slip text lacks %q:\n%s", want, text)
		}
	}
	// the slip's QR code, as a scanner reads it
	prefix := filepath.Join(t.TempDir(), "slip")
	if out, err := exec.Command(pdftoppm, "-png", "-r", "200", "-f", "1", "-l", "1", slipPDF, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	raw, err := exec.Command(zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", prefix+"-1.png").Output()
	if err != nil {
		t.Fatalf("zbarimg found no QR code on the slip: %v", err)
	}
	line := strings.TrimSpace(string(raw))
	if !strings.Contains(line, slip) {
		t.Fatalf("the slip's QR code carries %q, not its code %s", line, slip)
	}

	// the next citizen; then the first comes back with the slip
	s.keys("Enter")
	scr = s.waitFor("Bước 1 — Xác định công dân")
	if strings.Contains(scr, who.Name) {
		t.Errorf("previous citizen still on screen:\n%s", scr)
	}
	s.text(line)
	s.keys("Enter")
	scr = s.waitFor("Đã mở lại tờ khai theo phiếu " + slip)
	if !strings.Contains(scr, "Bước 4 — Tờ khai cấp Giấy xác nhận tình trạng hôn nhân") || !strings.Contains(scr, "Lê Văn Thử") {
		t.Errorf("the declaration is not back as it was:\n%s", scr)
	}
	s.keys("F10")
	s.waitFor("Tờ khai giữ theo phiếu yêu cầu bổ sung " + slip)
	s.keys("Enter")
	scr = s.waitFor("Đã tiếp nhận hồ sơ")
	code := regexp.MustCompile(`DEMO\.00004-\d{6}-01\d{4}`).FindString(scr)
	if code == "" {
		t.Fatalf("no dossier code on the receipt screen:\n%s", scr)
	}
	receipt := filepath.Join(dir, "receipts", code+".pdf")
	s.waitFor(receipt)
	s.keys("C-c")

	txt, err = exec.Command(pdftotext, "-layout", receipt, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", receipt, err)
	}
	text = string(txt)
	for _, want := range []string{"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", code, who.Name, "Cấp giấy xác nhận tình trạng hôn nhân"} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt text lacks %q:\n%s", want, text)
		}
	}
	// the kept declaration went with the reception: no draft is left
	out, errOut, rc := motcua(t, "draft", "list", "--demo", "--data-dir", dir, "--operator", demo.OperatorID, "--json")
	if rc != 0 {
		t.Fatalf("draft list: exit %d: %s", rc, errOut)
	}
	var drafts []json.RawMessage
	if err := json.Unmarshal([]byte(out), &drafts); err != nil || len(drafts) != 0 {
		t.Errorf("drafts left after the reception: %s (%v)", out, err)
	}
}
