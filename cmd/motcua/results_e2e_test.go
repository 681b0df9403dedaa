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

	"github.com/xuri/excelize/v2"

	"motcua/forms/lifecycle"
	"motcua/internal/testenv"
	"motcua/lookups/sandbox"
	"motcua/printing"
)

// window is a second tmux window of the session (the rating screen facing the citizen).
type window struct {
	s    *tmuxSession
	name string
}

func (s *tmuxSession) newWindow(name, command string) window {
	s.run("new-window", "-d", "-t", "main", "-n", name, command) // -d: the counter's window stays current
	return window{s: s, name: name}
}

func (w window) screen() string  { return w.s.run("capture-pane", "-p", "-t", "main:"+w.name) }
func (w window) text(txt string) { w.s.run("send-keys", "-t", "main:"+w.name, "-l", txt) }

func (w window) waitFor(want string) string {
	w.s.t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for {
		scr := w.screen()
		if strings.Contains(scr, want) {
			return scr
		}
		if time.Now().After(deadline) {
			w.s.t.Fatalf("window %s never showed %q; last screen:\n%s", w.name, want, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// scanUntilReady scans the receipt's QR line at the results desk until the
// dossier shows its result ready (the sandbox's agencies work on their
// schedule), and returns the screen.
func (s *tmuxSession) scanUntilReady(line string) string {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s.waitFor("Quét mã QR trên giấy biên nhận")
		s.text(line)
		s.keys("Enter")
		scr := s.waitFor("Người nhận: chạm thẻ")
		if strings.Contains(scr, "đã có kết quả, chờ trả") {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the result never became ready:\n%s", scr)
		}
		s.keys("Escape") // another dossier: the same one again, a moment later
		time.Sleep(300 * time.Millisecond)
	}
}

// dossierStatus is `motcua dossier status CODE --json` of a demo data directory.
func dossierStatus(t *testing.T, args ...string) statusOut {
	t.Helper()
	out, errOut, rc := motcua(t, append([]string{"dossier", "status", "--json"}, args...)...)
	var st statusOut
	if rc != 0 || json.Unmarshal([]byte(out), &st) != nil {
		t.Fatalf("dossier status %v: exit %d, out %q, err %q", args, rc, out, errOut)
	}
	return st
}

// TestResultsDeskInTmux is issue 14's end-to-end path (1) in the real program on a
// real terminal: a dossier received at the counter (card tap, declaration,
// receipt); the demo sandbox's agencies make its result ready on a quick,
// deterministic schedule (every dossier on time, the whole processing in 2 s);
// the results desk scans the receipt's QR line; the requester taps their card;
// "trả kết quả" (the demo's province uses the hand-over slip: printed); the citizen rates on the rating screen of a second window; the
// dossier then shows returned, not late, and the book lists it returned.
func TestResultsDeskInTmux(t *testing.T) {
	t.Parallel()
	pdftotext := testenv.NeedTool(t, "pdftotext", "poppler-utils")
	dir := demoStore(t)
	who := featured(t, "single")
	bin := fmt.Sprintf("env %s=1 %s", asBinary, os.Args[0])
	s := startTmux(t, 150, 50, fmt.Sprintf(`%s demo --data-dir %s --workflow '{"span":"2s","onTime":1}'`, bin, dir))
	s.waitFor("Bước 1 — Xác định công dân")
	citizen := s.newWindow("citizen", fmt.Sprintf("%s rating-screen --demo --data-dir %s", bin, dir))
	citizen.waitFor("Xin chào ông/bà")

	// the reception, as the clerk does it (TestCounterFlowInTmux)
	s.tapCard(who.ID)
	s.waitFor("✓ Chip đã xác thực")
	s.waitFor("Bước 2 — Thông tin công dân")
	s.keys("Enter")
	s.waitFor("Bước 3 — Chọn thủ tục")
	s.keys("Enter")
	s.waitFor("Bước 4 — Tờ khai cấp Giấy xác nhận tình trạng hôn nhân")
	s.text("1")
	s.keys("C-n")
	if !s.waitCursor("Kết hôn với", 20*time.Second) {
		t.Fatalf("ctrl+n did not reach the partner's name:\n%s", s.screen())
	}
	s.text("Lê Văn Thử")
	s.keys("C-n")
	if !s.waitCursor("Nơi đăng ký kết hôn", 20*time.Second) {
		t.Fatalf("ctrl+n did not reach the marriage place:\n%s", s.screen())
	}
	s.text("ba dinh")
	s.waitFor("Phường Ba Đình")
	s.keys("F10")
	s.waitFor("Bước 5 — Xem lại")
	s.keys("Enter")
	scr := s.waitFor("Đã tiếp nhận hồ sơ")
	code := regexp.MustCompile(`DEMO\.00004-\d{6}-01\d{4}`).FindString(scr)
	if code == "" {
		t.Fatalf("no dossier code on the receipt screen:\n%s", scr)
	}
	s.keys("Enter")
	s.waitFor("Bước 1 — Xác định công dân")

	// the results desk: the receipt's QR line, as the scanner types it
	s.keys("F5")
	scr = s.scanUntilReady(printing.QRContent(printing.Receipt{DossierCode: code}))
	for _, want := range []string{code, "Cấp giấy xác nhận tình trạng hôn nhân", who.Name + " hoặc người có giấy ủy quyền", "Kết quả "} {
		if !strings.Contains(scr, want) {
			t.Errorf("the dossier at the results desk lacks %q:\n%s", want, scr)
		}
	}
	// the requester taps their card (the identification screen's chip path)
	s.tapCard(who.ID)
	s.waitFor("Người nộp hồ sơ. Nhấn Enter để trả kết quả")
	s.waitFor("xác thực chip đạt")
	scr = s.screen()
	if !strings.Contains(scr, who.ID+" (chip trên thẻ)") || !strings.Contains(scr, who.Name) {
		t.Errorf("the receiver is not shown as read from the chip:\n%s", scr)
	}
	s.keys("Enter")
	scr = s.waitFor("Đã trả kết quả lúc")
	if !strings.Contains(scr, "đã báo") || !strings.Contains(scr, "Câu hỏi đang hiện trên màn hình đánh giá") {
		t.Errorf("the hand-over screen:\n%s", scr)
	}
	// the demo's province uses the hand-over slip: printed beside the receipt
	slip := filepath.Join(dir, "receipts", code+"-ban-giao.pdf")
	if !strings.Contains(scr, "Phiếu bàn giao") || !strings.Contains(scr, "đã in") {
		t.Errorf("the hand-over screen does not say the slip was printed:\n%s", scr)
	}
	txt, err := exec.Command(pdftotext, "-layout", slip, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", slip, err)
	}
	if flat := strings.Join(strings.Fields(string(txt)), " "); !strings.Contains(flat, "PHIẾU BÀN GIAO KẾT QUẢ") ||
		!strings.Contains(flat, "Người nhận kết quả: "+who.Name) || !strings.Contains(flat, "là người nộp hồ sơ") {
		t.Errorf("hand-over slip text:\n%s", txt)
	}

	// the citizen rates on their screen: a digit per answer, 0 leaves the optional one
	cs := citizen.waitFor("Câu 1/3")
	if !strings.Contains(cs, "Hồ sơ "+code) {
		t.Errorf("the rating screen does not name the dossier:\n%s", cs)
	}
	citizen.text("1")
	citizen.waitFor("Câu 2/3")
	citizen.text("1")
	citizen.waitFor("Câu 3/3")
	citizen.text("0")
	citizen.waitFor("Cảm ơn ông/bà đã đánh giá!")
	s.waitFor("Đã ghi đánh giá của công dân (trên màn hình đánh giá của công dân)")

	// while the counter runs: its state from the gateway and this machine
	st := dossierStatus(t, code, "--demo", "--data-dir", dir, "--local")
	if st.Stage != string(lifecycle.StageReturned) || st.Timeliness == lifecycle.TimelyLate || st.ReturnedAt.IsZero() {
		t.Fatalf("status after the hand-over: stage %s, timeliness %q, returned %v", st.Stage, st.Timeliness, st.ReturnedAt)
	}
	var returned, rated int
	for _, h := range st.History {
		switch lifecycle.Event(h.Event) {
		case lifecycle.EventReturned:
			returned++
		case lifecycle.EventRated:
			rated++
		}
		if h.By != "" && h.Origin == lifecycle.OriginCounter && (h.Event == string(lifecycle.EventReturned) || h.Event == string(lifecycle.EventRated)) && h.By != "demo.canbo" {
			t.Errorf("%s recorded under %q, not the clerk", h.Event, h.By)
		}
	}
	if returned != 1 || rated != 1 {
		t.Errorf("history: %d hand-overs, %d ratings; want 1 and 1: %+v", returned, rated, st.History)
	}
	if len(st.Pending) != 0 {
		t.Errorf("events not sent upstream: %+v", st.Pending)
	}
	// the book lists it returned
	out := filepath.Join(t.TempDir(), "so.xlsx")
	today := time.Now().Format("02/01/2006")
	if o, e, rc := motcua(t, "book", "export", "--demo", "--data-dir", dir, "--from", today, "--to", today, "--out", out); rc != 0 {
		t.Fatalf("book export: exit %d: %s %s", rc, o, e)
	}
	wb, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	rows, _ := wb.GetRows(wb.GetSheetName(0))
	found := false
	for _, row := range rows {
		if len(row) > 12 && row[1] == code && row[12] == "đã trả kết quả" && row[11] != "" {
			found = true
		}
	}
	if !found {
		t.Errorf("the book does not list %s returned: %q", code, rows)
	}

	// the counter closes: the rating screen says so and waits for it
	s.keys("C-c")
	citizen.waitFor("Chưa kết nối được với màn hình quầy")
}

// TestResultsDeskOfflineInTmux: the link is down at the hand-over. The results
// desk opens the dossier from this machine's data, records the hand-over and
// the rating (answered on the clerk's screen) and says they wait; nothing
// reaches the gateway; when the link returns the counter's sync worker sends
// both, each exactly once.
func TestResultsDeskOfflineInTmux(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("a real counter screen against a sandbox")
	}
	e := newRightsEnv(t) // a real configuration; e.ready's result is ready within 50 ms
	time.Sleep(100 * time.Millisecond)
	// the counter knows the result is there (a status with the link up), as it would from its pulls
	if st := dossierStatus(t, "--config", e.cfg, "--data-dir", e.dir, "--operator", "gs01", e.ready); st.Stage != string(lifecycle.StageResultReady) {
		t.Fatalf("the dossier is %s, not ready", st.Stage)
	}
	s := startTmux(t, 150, 50, fmt.Sprintf("env MOTCUA_SYNC_EVERY=1s %s=1 %s --config %s --data-dir %s", asBinary, os.Args[0], e.cfg, e.dir))
	s.waitFor("Mã cán bộ")
	s.text("cb01")
	s.keys("Tab")
	s.text(e.pass["cb01"])
	s.keys("Enter")
	s.waitFor("Bước 1 — Xác định công dân")
	if err := e.srv.SetFaults(sandbox.Faults{Outage: sandbox.OutageRefuse}); err != nil {
		t.Fatal(err)
	}
	s.keys("F5")
	s.waitFor("Quét mã QR trên giấy biên nhận")
	s.text(e.ready)
	s.keys("Enter")
	scr := s.waitFor("Người nhận: chạm thẻ")
	if !strings.Contains(scr, "Mất kết nối hệ thống") || !strings.Contains(scr, "đã có kết quả, chờ trả") {
		t.Fatalf("offline, the dossier does not open from this machine's data:\n%s", scr)
	}
	s.text(featuredID(t, "single"))
	s.keys("Enter")
	s.waitFor("Người nộp hồ sơ. Nhấn Enter để trả kết quả")
	s.keys("Enter")
	scr = s.waitFor("Đã trả kết quả lúc")
	if !strings.Contains(scr, "chưa báo được — đã ghi trên máy") {
		t.Errorf("the hand-over does not say it waits for the link:\n%s", scr)
	}
	s.waitFor("Câu 1/3")
	s.text("2")
	s.waitFor("Câu 2/3")
	s.text("1")
	s.waitFor("Câu 3/3")
	s.text("1")
	scr = s.waitFor("Đã ghi đánh giá của công dân (trên màn hình quầy)")
	if !strings.Contains(scr, "Chưa báo lên hệ thống: sẽ tự gửi khi có kết nối") {
		t.Errorf("the rating does not say it waits for the link:\n%s", scr)
	}
	count := func() (returned, rated int) {
		for _, ev := range e.srv.Events() {
			if ev.Code != e.ready {
				continue
			}
			switch lifecycle.Event(ev.Kind) {
			case lifecycle.EventReturned:
				returned++
			case lifecycle.EventRated:
				rated++
			}
		}
		return returned, rated
	}
	time.Sleep(1500 * time.Millisecond) // a sync period or more with the link down
	if r, q := count(); r != 0 || q != 0 {
		t.Fatalf("events reached the gateway through an outage: %d hand-overs, %d ratings", r, q)
	}
	if err := e.srv.SetFaults(sandbox.Faults{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		r, q := count()
		if r == 1 && q == 1 {
			break
		}
		if r > 1 || q > 1 {
			t.Fatalf("events sent twice: %d hand-overs, %d ratings", r, q)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the events never drained: %d hand-overs, %d ratings; screen:\n%s", r, q, s.screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2500 * time.Millisecond) // more sync periods: nothing is sent again
	if r, q := count(); r != 1 || q != 1 {
		t.Fatalf("after more syncs: %d hand-overs, %d ratings", r, q)
	}
	s.keys("C-c")
}
