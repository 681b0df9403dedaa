package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// What a command could not print waits in the print queue: `print queue` lists it (kinds and
// codes, no personal data) and `print retry` prints it without the counter screen, once; the
// copy certification's blocks and fee receipt wait as the receipt does, and the command says
// they print by themselves (text and --json). A volunteer may not touch the queue.
func TestPrintQueueCommands(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("receives dossiers against a sandbox")
	}
	e := newRightsEnv(t)
	cb := e.operator("cb01")
	base, err := os.ReadFile(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	withPrinter := func(printer string) {
		t.Helper()
		if err := os.WriteFile(e.cfg, append(append([]byte(nil), base...), "[printer]\n"+printer...), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// the printer off (an IPP queue nobody answers)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	off := "http://" + l.Addr().String() + "/printers/quay1"
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	withPrinter("kind = \"ipp\"\nuri = \"" + off + "\"\ntimeout = \"5s\"\n")
	r := e.run(t, cb, "dossier", "submit", e.submitFile(t))
	if r.code != exitOK || !strings.Contains(r.stderr, "Chưa in được giấy biên nhận (đã lưu để in lại)") {
		t.Fatalf("submit with the printer off: %s", r)
	}
	code := strings.TrimSpace(r.stdout)
	r = e.run(t, cb, "certify", "copies", "--json", "--id", featuredID(t, "single"), "--name", "Trần Thị Thử", "--original", "Bằng tốt nghiệp:2:3")
	var cert certifyResult
	if r.code != exitFailure || json.Unmarshal([]byte(r.stdout), &cert) != nil || len(cert.Items) != 1 {
		t.Fatalf("certify with the printer off: %s", r)
	}
	number := cert.Items[0].Number
	if !cert.PrintQueued || !strings.Contains(cert.PrintError, "Không kết nối được máy in") {
		t.Errorf("the JSON does not say the certification waits to print: %+v", cert)
	}
	if !strings.Contains(r.stderr, "sẽ tự in khi máy in hoạt động lại") {
		t.Errorf("the clerk is not told the certification prints by itself:\n%s", r)
	}

	r = e.run(t, cb, "print", "queue", "--json")
	var rows []printRow
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &rows) != nil {
		t.Fatalf("print queue: %s", r)
	}
	got := map[string]bool{}
	for _, row := range rows {
		got[row.Kind+" "+row.Code] = row.Attempts == 1 && !row.Pending && row.LastError != ""
	}
	if len(got) != 3 || !got["receipt "+code] || !got["certification "+number] || !got["cert-fee "+number] {
		t.Errorf("print queue %s", r.stdout)
	}
	if r := e.run(t, e.operator("tn01"), "print", "queue"); r.code == exitOK {
		t.Errorf("a volunteer listed the print queue: %s", r)
	}
	if r := e.run(t, e.operator("tn01"), "print", "retry", "--now"); r.code == exitOK || strings.Contains(r.stdout, "Đã in") {
		t.Errorf("a volunteer printed the queue: %s", r)
	}

	// the printer back (the PDF folder): before the backoff nothing prints, --now prints all, once
	withPrinter("")
	r = e.run(t, cb, "print", "retry")
	if r.code != exitPartial || !strings.Contains(r.stdout, "Đã in: 0. Còn chờ in: 3.") {
		t.Errorf("retry before the backoff: %s", r)
	}
	r = e.run(t, cb, "print", "retry", "--now", "--json")
	var res printRetryResult
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &res) != nil || res.Printed != 3 || res.Waiting != 0 {
		t.Fatalf("print retry --now: %s", r)
	}
	for _, name := range []string{code, "chungthuc-" + number, "bienlai-" + number} {
		if _, err := os.Stat(filepath.Join(e.dir, "receipts", name+".pdf")); err != nil {
			t.Errorf("%s not printed: %v", name, err)
		}
	}
	r = e.run(t, cb, "print", "queue")
	if r.code != exitOK || !strings.Contains(r.stdout, "Không có giấy tờ nào chờ in.") {
		t.Errorf("print queue after the retry: %s", r)
	}
	r = e.run(t, cb, "print", "retry", "--now")
	if r.code != exitOK || !strings.Contains(r.stdout, "Đã in: 0. Còn chờ in: 0.") {
		t.Errorf("a second retry: %s", r)
	}
}
