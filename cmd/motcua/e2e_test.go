package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"motcua/forms"
	"motcua/internal/testenv"
)

// tmuxSession runs a command in a private tmux server and reads its screen.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func startTmux(t *testing.T, width, height int, command string) *tmuxSession {
	t.Helper()
	testenv.NeedTool(t, "tmux", "tmux")
	s := &tmuxSession{t: t, socket: fmt.Sprintf("motcua-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	s.run("new-session", "-d", "-s", "main", "-x", fmt.Sprint(width), "-y", fmt.Sprint(height), command)
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// keys sends tmux key names (Enter, Tab, F2, C-c) or literal text (-l).
func (s *tmuxSession) keys(k ...string) { s.run(append([]string{"send-keys", "-t", "main"}, k...)...) }
func (s *tmuxSession) text(txt string)  { s.run("send-keys", "-t", "main", "-l", txt) }
func (s *tmuxSession) screen() string   { return s.run("capture-pane", "-p", "-t", "main") }

// waitFor polls the screen until it contains want.
func (s *tmuxSession) waitFor(want string) string {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		scr := s.screen()
		if strings.Contains(scr, want) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("screen never showed %q; last screen:\n%s", want, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// motcua runs the program (this test binary acting as it) and returns its output and exit code.
func motcua(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asBinary+"=1")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run motcua %v: %v", args, err)
	}
	return o.String(), e.String(), 0
}

type person struct {
	ID, Name, Kind string
}

func featured(t *testing.T, kind string) person {
	t.Helper()
	out, _, code := motcua(t, "sandbox", "persons", "--json")
	if code != 0 {
		t.Fatalf("sandbox persons: exit %d", code)
	}
	var list []person
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	for _, p := range list {
		if p.Kind == kind {
			return p
		}
	}
	t.Fatalf("no featured person of kind %q", kind)
	return person{}
}

// TestCounterFlowInTmux serves one synthetic citizen from card tap to printed
// receipt in the real program on a real terminal, runs CLI commands while the
// TUI holds the data directory, and checks the saved dossier and the receipt.
func TestCounterFlowInTmux(t *testing.T) {
	pdftotext := testenv.NeedTool(t, "pdftotext", "poppler-utils")
	dir := t.TempDir()
	who := featured(t, "single")
	s := startTmux(t, 150, 50, fmt.Sprintf("env %s=1 %s demo --data-dir %s", asBinary, os.Args[0], dir))

	s.waitFor("Bước 1 — Xác định công dân")
	s.keys("F2")
	s.waitFor("Chạm thẻ — thẻ ảo (demo)")
	// pick the never-married person's card in the list
	scr := s.screen()
	lines := strings.Split(scr, "\n")
	idx, first := -1, -1
	for i, l := range lines {
		if regexp.MustCompile(`\d{12}  `).MatchString(l) {
			if first < 0 {
				first = i
			}
			if strings.Contains(l, who.ID) {
				idx = i - first
			}
		}
	}
	if idx < 0 {
		t.Fatalf("card of %s not in the list:\n%s", who.ID, scr)
	}
	for range idx {
		s.keys("Down")
	}
	s.keys("Enter")
	scr = s.waitFor("Bước 2 — Thông tin công dân")
	for _, want := range []string{who.Name, who.ID, "Thường trú", "không cần giấy xác nhận cư trú", "Hộ gia đình", "[chip]"} {
		if !strings.Contains(scr, want) {
			t.Errorf("resident panel lacks %q:\n%s", want, scr)
		}
	}
	s.keys("Enter")
	s.waitFor("Bước 3 — Chọn thủ tục")
	s.keys("Enter")
	scr = s.waitFor("Bước 4 — Tờ khai cấp Giấy xác nhận tình trạng hôn nhân")
	if !strings.Contains(scr, "[chip]") || !strings.Contains(scr, "[CSDL") {
		t.Errorf("form does not mark prefilled sources:\n%s", scr)
	}
	// the cursor starts on the first missing field: the purpose of use
	s.text("1") // "Để đăng ký kết hôn"
	s.keys("Tab")
	// the partner's slot (a card or ID would fill the next fields); a partner
	// without a Vietnamese ID is typed
	s.waitFor("Người dự định kết hôn")
	s.keys("Tab")
	s.text("Lê Văn Thử")
	s.keys("Tab", "Tab") // no Vietnamese ID number
	s.text("Hộ chiếu số C1234567")
	s.keys("Tab")
	s.text("UBND phường Ba Đình, Hà Nội")
	s.keys("F10")
	scr = s.waitFor("Bước 5 — Xem lại")
	for _, want := range []string{"Lê Văn Thử", "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân (bản chính, 1)", "không yêu cầu giấy xác nhận cư trú"} {
		if !strings.Contains(scr, want) {
			t.Errorf("review lacks %q:\n%s", want, scr)
		}
	}
	s.keys("Enter")
	scr = s.waitFor("Đã tiếp nhận hồ sơ")
	code := regexp.MustCompile(`DEMO\.00004-\d{6}-01\d{4}`).FindString(scr)
	if code == "" {
		t.Fatalf("no dossier code on the receipt screen:\n%s", scr)
	}
	if !strings.Contains(scr, "đã gửi") {
		t.Errorf("dossier not reported as submitted:\n%s", scr)
	}

	// While the TUI holds the data directory: CLI commands work, a second TUI is refused.
	out, errOut, rc := motcua(t, "dossier", "list", "--demo", "--data-dir", dir, "--json")
	if rc != 0 || !strings.Contains(out, code) {
		t.Fatalf("dossier list while the TUI runs: exit %d, out %q, err %q", rc, out, errOut)
	}
	out, errOut, rc = motcua(t, "lookup", "--demo", "--data-dir", dir, "--operator", "cb.test", "--purpose", "check", who.ID)
	if rc != 0 || !strings.Contains(out, who.Name) {
		t.Fatalf("lookup while the TUI runs: exit %d, out %q, err %q", rc, out, errOut)
	}
	_, errOut, rc = motcua(t, "demo", "--data-dir", dir)
	if rc != 1 || !strings.Contains(errOut, "đang mở motcua ở một cửa sổ khác") {
		t.Fatalf("second TUI: exit %d, stderr %q", rc, errOut)
	}

	// The screen is cleared for the next citizen.
	s.keys("Enter")
	scr = s.waitFor("Bước 1 — Xác định công dân")
	if strings.Contains(scr, who.Name) || strings.Contains(scr, who.ID) {
		t.Errorf("previous citizen still on screen:\n%s", scr)
	}
	s.keys("C-c")

	// The saved dossier: submitted, residence from the database, sources recorded.
	out, errOut, rc = motcua(t, "dossier", "show", code, "--demo", "--data-dir", dir, "--operator", "cb.test", "--json")
	if rc != 0 {
		t.Fatalf("dossier show: exit %d: %s", rc, errOut)
	}
	var d forms.Dossier
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if d.Code != code || d.Status != forms.StatusSubmitted || d.Subject.ID != who.ID || d.Subject.FullName != who.Name {
		t.Errorf("saved dossier: code %s status %s subject %+v", d.Code, d.Status, d.Subject)
	}
	if d.ResidenceSource == nil || d.ResidenceSource.Source != forms.PopulationDatabase || d.ResidenceSource.Origin != "gateway" {
		t.Errorf("residence source not recorded: %+v", d.ResidenceSource)
	}
	sources := map[string]string{}
	for _, f := range d.Fields {
		sources[f.ID] = f.Source
	}
	if sources["subject_name"] != forms.SourceCard || sources["subject_residence"] != forms.SourceDatabase || sources["partner_name"] != forms.SourceClerk {
		t.Errorf("field sources: %v", sources)
	}

	// The receipt PDF: text with diacritics and the dossier code.
	pdf := filepath.Join(dir, "receipts", code+".pdf")
	txt, err := exec.Command(pdftotext, "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", pdf, err)
	}
	text := string(txt)
	for _, want := range []string{"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", code, who.Name, who.ID,
		"Cấp giấy xác nhận tình trạng hôn nhân", "Cơ sở dữ liệu quốc gia về dân cư", "Cán bộ Demo", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt text lacks %q:\n%s", want, text)
		}
	}
	for _, banned := range []string{"CT07", "CT08", "hộ khẩu"} {
		if strings.Contains(text, banned) {
			t.Errorf("receipt mentions a residence paper %q", banned)
		}
	}
}
