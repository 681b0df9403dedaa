package counter_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/forms"
	"motcua/forms/calendar"
	"motcua/forms/lifecycle"
	"motcua/internal/counter"
	"motcua/internal/testenv"
	"motcua/lookups/gateway"
	"motcua/lookups/sandbox"
	"motcua/offline"
	"motcua/printing"
)

// slipFixture is newWorkflowFixture for a province that uses the hand-over slip.
func slipFixture(t *testing.T) *fixture {
	t.Helper()
	return printFixture(t, func(c *counter.Config) { c.HandoverSlip = true })
}

// printFixture is newWorkflowFixture printing to a folder, with the printer settings set
// by set.
func printFixture(t *testing.T, set func(*counter.Config)) *fixture {
	t.Helper()
	return printFixtureVia(t, set, nil)
}

// printFixtureVia is printFixture whose service prints through via(the folder's printer)
// (nil: the folder's printer itself); the fixture's printer stays the folder's.
func printFixtureVia(t *testing.T, set func(*counter.Config), via func(*printing.FilePrinter) printing.Printer) *fixture {
	t.Helper()
	clk := &clock{t: time.Date(2026, time.November, 23, 10, 0, 0, 0, hcm(t))}
	srv := sandbox.NewServer(sandbox.Default(), sandbox.Options{Clock: clk.Now, Workflow: &sandbox.Workflow{OnTime: 1, Span: time.Hour}})
	url, stop, err := sandbox.Start("127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	gw, err := gateway.New(gateway.Config{BaseURL: url, Timeout: 2 * time.Second, Retries: -1, BreakerFailures: -1})
	if err != nil {
		t.Fatal(err)
	}
	store, err := offline.Open(t.TempDir(), offline.Options{Clock: clk.Now, LockWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pr := printing.NewFilePrinter(dir)
	cfg := counter.Config{
		Agency: counter.Agency{Code: agencyCode, Parent: "UBND PHƯỜNG THỬ NGHIỆM", Name: "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
			Place: "Phường Thử Nghiệm", ResultPlace: "Bộ phận Một cửa phường Thử Nghiệm"},
		Counter: 1, CacheTTL: 24 * time.Hour, CutoffHour: 15, ReturnHour: 8, Location: hcm(t),
	}
	if set != nil {
		set(&cfg)
	}
	var through printing.Printer = pr
	if via != nil {
		through = via(pr)
	}
	svc, err := counter.New(cfg, counter.Deps{Gateway: gw, Store: store, Printer: through, Calendar: calendar.Default(), Specs: forms.Catalog(), Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, store: store, srv: srv, printer: pr, clock: clk, stop: stop, receiptDir: dir}
}

// Where the province uses the hand-over slip, the hand-over prints it beside the receipt
// (which it leaves alone), once: a rerun prints nothing; elsewhere nothing is printed.
func TestHandOverPrintsSlip(t *testing.T) {
	pdftotext := testenv.NeedTool(t, "pdftotext", "poppler-utils")
	f := slipFixture(t)
	d := receiveOne(t, f)
	receipt, err := os.ReadFile(f.printer.Path(d.Code))
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	req := counter.HandOverRequest{Code: d.Code, Receiver: lifecycle.Receiver{ID: featured(t, "married"), Name: "Người Được Ủy Quyền", Source: forms.SourceCard},
		Authorisation: "Giấy ủy quyền số 12/UQ ngày 20/11/2026"}
	out, err := f.svc.HandOver(ctx, clerk, req)
	if err != nil || out.SlipErr != nil {
		t.Fatalf("hand-over: %v, slip %v", err, out.SlipErr)
	}
	if want := filepath.Join(f.receiptDir, d.Code+"-ban-giao.pdf"); out.SlipPath != want {
		t.Fatalf("slip printed at %q, want %q", out.SlipPath, want)
	}
	if fi, err := os.Stat(out.SlipPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("slip file: %v %v", fi, err)
	}
	if now, _ := os.ReadFile(f.printer.Path(d.Code)); !bytes.Equal(now, receipt) {
		t.Error("the hand-over slip replaced the receipt")
	}
	txt, err := exec.Command(pdftotext, "-layout", out.SlipPath, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(string(txt)), " ")
	for _, want := range []string{"PHIẾU BÀN GIAO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", d.Code, "Người nhận kết quả: Người Được Ủy Quyền",
		"nhận thay theo Giấy ủy quyền số 12/UQ ngày 20/11/2026", "trả kết quả trước hạn", "NGƯỜI NHẬN KẾT QUẢ"} {
		if !strings.Contains(flat, want) {
			t.Errorf("slip text lacks %q:\n%s", want, txt)
		}
	}
	if err := os.Remove(out.SlipPath); err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.HandOver(ctx, clerk, req)
	if err != nil || !again.Duplicate || again.SlipPath != "" {
		t.Fatalf("rerun: %v %+v", err, again)
	}
	if _, err := os.Stat(out.SlipPath); !os.IsNotExist(err) {
		t.Error("a rerun printed the slip again")
	}

	g := newWorkflowFixture(t, sandbox.Workflow{OnTime: 1, Span: time.Hour}) // a province without the slip
	d = receiveOne(t, g)
	g.clock.Advance(time.Hour)
	out, err = g.svc.HandOver(ctx, clerk, counter.HandOverRequest{Code: d.Code, Receiver: lifecycle.Receiver{ID: d.Subject.ID}})
	if err != nil || out.SlipPath != "" || out.SlipErr != nil {
		t.Fatalf("without the slip: %v %+v", err, out)
	}
	if _, err := os.Stat(filepath.Join(g.receiptDir, d.Code+"-ban-giao.pdf")); !os.IsNotExist(err) {
		t.Error("a slip printed where the province does not use it")
	}
}
