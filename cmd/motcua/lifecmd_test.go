package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"motcua/internal/testenv"
)

// The life's commands, as a clerk scripts them: status, hand-over (who may collect), an
// apology with a new appointment in working days, reruns returning the first step, the book's
// export, and their usage errors.
func TestDossierLifeCommands(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the life's commands against a sandbox")
	}
	e := newRightsEnv(t)
	cb := e.operator("cb01")
	time.Sleep(100 * time.Millisecond) // the sandbox's agencies work within 50 ms

	r := e.run(t, cb, "dossier", "status", "--json", e.ready)
	var st statusOut
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &st) != nil || st.Stage != "result_ready" || !st.Fresh || len(st.History) < 3 {
		t.Fatalf("status: %s", r)
	}
	r = e.run(t, cb, "dossier", "return", e.ready, "--receiver", featuredID(t, "married"))
	if r.code != exitFailure || !strings.Contains(r.stderr, "giấy ủy quyền") {
		t.Errorf("a stranger without authorisation: %s", r)
	}
	r = e.run(t, cb, "dossier", "return", e.ready, "--receiver", featuredID(t, "single"), "--source", "card", "--json")
	var step stepResult
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &step) != nil || step.Stage != "returned" || step.Duplicate || !step.Sent || step.Form == nil {
		t.Fatalf("hand-over: %s", r)
	}
	r = e.run(t, cb, "dossier", "return", e.ready, "--receiver", featuredID(t, "single"), "--source", "card", "--json")
	var again stepResult
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &again) != nil || !again.Duplicate || again.Seq != step.Seq {
		t.Errorf("the same hand-over again: %s", r)
	}
	r = e.run(t, cb, "dossier", "return", e.ready, "--receiver", featuredID(t, "married"), "--authorisation", "Giấy ủy quyền số 1")
	if r.code != exitFailure || !strings.Contains(r.stderr, "với nội dung khác") {
		t.Errorf("another hand-over of the same dossier: %s", r)
	}

	r = e.run(t, cb, "dossier", "extend", e.toExtend, "--days", "2", "--reason", "Chờ xác minh", "--json")
	var ext stepResult
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &ext) != nil || ext.Event != "extended" {
		t.Fatalf("extend: %s", r)
	}
	if r := e.run(t, cb, "dossier", "extend", e.toExtend, "--days", "2", "--reason", "Chờ xác minh"); r.code != exitOK || !strings.Contains(r.stdout, "đã được ghi trước đó") {
		t.Errorf("the same apology again: %s", r)
	}
	for _, bad := range [][]string{
		{"dossier", "extend", e.toExtend, "--to", "31/02/2026", "--reason", "x"},
		{"dossier", "extend", e.toExtend, "--reason", "x"},
		{"dossier", "status", "không phải mã"},
		{"dossier", "supplement", "--draft", "d-gs01", "--item", "chỉ một phần"},
		{"dossier", "stop", e.toStop},
		{"book", "export", "--from", "01/12/2026", "--to", "31/12/2026", "--out", filepath.Join(e.work, "so.odt")},
		{"book", "export", "--from", "31/12/2026", "--to", "01/12/2026", "--out", filepath.Join(e.work, "so.xlsx")},
	} {
		if r := e.run(t, cb, bad...); r.code != exitUsage {
			t.Errorf("%v: %s", bad, r)
		}
	}

	out := filepath.Join(e.work, "so-theo-doi.xlsx")
	today := time.Now()
	r = e.run(t, cb, "book", "export", "--from", today.AddDate(0, 0, -1).Format("02/01/2006"), "--to", today.Format("02/01/2006"), "--out", out)
	if r.code != exitOK || !strings.Contains(r.stdout, "Đã xuất 4 hồ sơ") {
		t.Fatalf("book export: %s", r)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("book file: %v %v", fi, err)
	}
	wb, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	rows, _ := wb.GetRows(wb.GetSheetName(0))
	found := false
	for _, row := range rows {
		if len(row) > 12 && row[1] == e.ready && row[12] == "đã trả kết quả" && row[11] != "" {
			found = true
		}
	}
	if !found {
		t.Errorf("the returned dossier is not in the book: %q", rows)
	}
	// the same book as an A4 PDF in the form's columns (Mẫu 07), dates DD/MM/YYYY
	pdf := filepath.Join(e.work, "so-theo-doi.pdf")
	r = e.run(t, cb, "book", "export", "--from", today.AddDate(0, 0, -1).Format("02/01/2006"), "--to", today.Format("02/01/2006"), "--out", pdf)
	if r.code != exitOK || !strings.Contains(r.stdout, "Đã xuất 4 hồ sơ") || !strings.Contains(r.stdout, pdf) {
		t.Fatalf("book export --out .pdf: %s", r)
	}
	if fi, err := os.Stat(pdf); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("book PDF: %v %v", fi, err)
	}
	if tool := testenv.NeedTool(t, "pdftotext", "poppler-utils"); tool != "" {
		txt, err := exec.Command(tool, "-layout", pdf, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		text := strings.Join(strings.Fields(string(txt)), " ")
		period := "Từ " + today.AddDate(0, 0, -1).Format("02/01/2006") + " đến " + today.Format("02/01/2006")
		for _, want := range []string{"SỔ THEO DÕI HỒ SƠ", period, "Mã hồ sơ", "Tên TTHC", "Ghi chú", "Đã xin lỗi,",
			today.Format("02/01/2006")} {
			if !strings.Contains(text, want) {
				t.Errorf("book PDF text lacks %q:\n%s", want, txt)
			}
		}
		// the codes break inside their cells: the ready dossier's date part is there
		if !strings.Contains(text, e.ready[strings.LastIndex(e.ready, "-")+1:]) {
			t.Errorf("book PDF lacks %s:\n%s", e.ready, txt)
		}
	}
	// the filters are the XLSX's: only returned dossiers
	r = e.run(t, cb, "book", "export", "--from", today.AddDate(0, 0, -1).Format("02/01/2006"), "--to", today.Format("02/01/2006"),
		"--state", "returned", "--out", filepath.Join(e.work, "so-da-tra.pdf"))
	if r.code != exitOK || !strings.Contains(r.stdout, "Đã xuất 1 hồ sơ") {
		t.Errorf("book export --state returned --out .pdf: %s", r)
	}
	r = e.run(t, cb, "queue", "sync", "--json")
	var rep struct {
		Events struct {
			Waiting int `json:"waiting"`
		} `json:"events"`
		Pull struct {
			Listed int `json:"listed"`
		} `json:"pull"`
	}
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &rep) != nil || rep.Events.Waiting != 0 {
		t.Errorf("queue sync: %s", r)
	}
}
