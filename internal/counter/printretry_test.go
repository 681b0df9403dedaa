package counter_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/internal/counter"
	"motcua/lookups/sandbox"
	"motcua/offline"
)

// Every printed document that fails to print waits in the print queue as receipts do: the
// supplement and refusal slips (Mẫu 02, 03), the control sheet (Mẫu 06) and the hand-over
// slip. The clerk is told it will print by itself (counter.ErrPrintQueued); once the printer
// works again and the backoff has passed, each prints once, and never again.
func TestFailedFormPrintsAreRetried(t *testing.T) {
	f := slipFixture(t)
	decl, id, _ := declaration(t, f, false)
	blob, err := decl.MarshalDraft()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"draft-s", "draft-r"} {
		if err := f.svc.SaveDraft(ctx, counter.DraftSave{ID: d, Service: "xac-nhan-tthn", SubjectID: id, Blob: blob}, clerk); err != nil {
			t.Fatal(err)
		}
	}
	sup, err := f.svc.AskSupplement(ctx, clerk, counter.SupplementRequest{DraftID: "draft-s",
		Items: []lifecycle.SupplementItem{{Document: "Bản án ly hôn", Problem: "Thiếu bản sao có chứng thực"}}})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := f.svc.Refuse(ctx, clerk, counter.RefusalRequest{DraftID: "draft-r", Reasons: []string{forms.ReasonOther}, Note: "Hồ sơ đã nộp ở quầy khác"})
	if err != nil {
		t.Fatal(err)
	}
	d := receiveOne(t, f)
	f.clock.Advance(time.Hour) // the result is ready

	// the printer goes off (its folder is gone, as in the receipts' test)
	if err := os.RemoveAll(f.receiptDir); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		do   func() (string, error)
	}{
		{"supplement slip", func() (string, error) { return f.svc.PrintSlip(ctx, clerk, sup.Info.Code) }},
		{"refusal slip", func() (string, error) { return f.svc.PrintSlip(ctx, clerk, ref.Info.Code) }},
		{"control sheet", func() (string, error) { return f.svc.PrintControlSheet(ctx, clerk, d.Code) }},
		{"hand-over slip", func() (string, error) {
			out, err := f.svc.HandOver(ctx, clerk, counter.HandOverRequest{Code: d.Code, Receiver: lifecycle.Receiver{ID: d.Subject.ID}})
			if err != nil {
				t.Fatalf("the hand-over was not recorded: %v", err)
			}
			return out.SlipPath, out.SlipErr
		}},
	} {
		path, err := c.do()
		if err == nil || path != "" {
			t.Fatalf("%s printed without a printer: %q %v", c.name, path, err)
		}
		if !errors.Is(err, counter.ErrPrintQueued) {
			t.Errorf("%s: the clerk is not told it will print by itself: %v", c.name, err)
		}
		if msg := counter.Explain(err); !strings.Contains(msg, "thư mục") {
			t.Errorf("%s: the clerk is not told why: %q", c.name, msg)
		}
	}
	if n, w, err := f.svc.RetryPrints(ctx, clerk.ID); err != nil || n != 0 || w != 4 {
		t.Fatalf("retry before the backoff: printed %d, waiting %d, %v", n, w, err)
	}

	// the printer is back: after the backoff each document prints, once
	if err := os.MkdirAll(f.receiptDir, 0o700); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	if n, w, err := f.svc.RetryPrints(ctx, clerk.ID); err != nil || n != 4 || w != 0 {
		t.Fatalf("retry: printed %d, waiting %d, %v", n, w, err)
	}
	files := map[string]string{
		sup.Info.Code + ".pdf":          "PHIẾU YÊU CẦU BỔ SUNG",
		ref.Info.Code + ".pdf":          "TỪ CHỐI",
		d.Code + "-phieu-kiem-soat.pdf": "PHIẾU KIỂM SOÁT",
		d.Code + "-ban-giao.pdf":        "PHIẾU BÀN GIAO",
	}
	for name, want := range files {
		path := filepath.Join(f.receiptDir, name)
		pdf, err := os.ReadFile(path)
		if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
			t.Fatalf("%s not printed: %v", name, err)
		}
		if text := strings.Join(strings.Fields(pdfText(t, path)), " "); !strings.Contains(text, want) {
			t.Errorf("%s lacks %q:\n%s", name, want, text)
		}
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
	// the access log holds each failure and each retry, the hand-over slip's too
	logged := map[string]int{}
	for _, e := range accessLog(t, f.store) {
		if e.Action == offline.ActionPrint && e.Detail != "" {
			logged[e.Detail+" "+e.Outcome]++
		}
	}
	for _, want := range []string{"slip=" + sup.Info.Code, "slip=" + ref.Info.Code, "control-sheet", "handover-slip"} {
		if logged[want+" error"] != 1 || logged[want+" retry_ok"] != 1 {
			t.Errorf("access log of %s: %v", want, logged)
		}
	}
	f.clock.Advance(time.Hour)
	if n, w, err := f.svc.RetryPrints(ctx, clerk.ID); err != nil || n != 0 || w != 0 {
		t.Fatalf("retry after all printed: printed %d, waiting %d, %v", n, w, err)
	}
	for name := range files {
		if _, err := os.Stat(filepath.Join(f.receiptDir, name)); !os.IsNotExist(err) {
			t.Errorf("%s printed twice", name)
		}
	}
}

// A document printed by hand once the printer is back (the slip screen's i, a receipt
// reprinted from the history) leaves the queue: the retry does not print it a second time.
func TestPrintByHandLeavesTheQueue(t *testing.T) {
	f := slipFixture(t)
	if err := os.RemoveAll(f.receiptDir); err != nil {
		t.Fatal(err)
	}
	decl, id, _ := declaration(t, f, false)
	out, err := f.svc.Receive(ctx, decl, clerk, []string{id}, "")
	if err != nil || !errors.Is(out.PrintErr, counter.ErrPrintQueued) {
		t.Fatalf("receive: %v, print %v", err, out.PrintErr)
	}
	code := out.Dossier.Code
	if _, err := f.svc.PrintControlSheet(ctx, clerk, code); !errors.Is(err, counter.ErrPrintQueued) {
		t.Fatalf("control sheet: %v", err)
	}
	if err := os.MkdirAll(f.receiptDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Reprint(ctx, code, clerk); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PrintControlSheet(ctx, clerk, code); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	if n, w, err := f.svc.RetryPrints(ctx, clerk.ID); err != nil || n != 0 || w != 0 {
		t.Fatalf("retry after the prints by hand: printed %d, waiting %d, %v", n, w, err)
	}
}

// The other documents the counter prints wait in the print queue as the forms do when the
// printer fails: the apology letter (Mẫu 04), a copy certification's blocks and its fee
// receipt, a dossier's fee receipt. The clerk is told it will print by itself; once the
// printer is back each prints once, under its own job name (the file printer's same files),
// and the access log holds each failure and each retry.
func TestFailedOtherPrintsAreRetried(t *testing.T) {
	f := printFixture(t, func(*counter.Config) {})
	late := receiveOne(t, f)
	if err := f.srv.ForceOutcome(late.Code, sandbox.OutcomeLate); err != nil {
		t.Fatal(err)
	}
	feeOut, err := f.svc.Receive(ctx, copyDeclaration(t, f), clerk, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	fee := feeOut.Dossier.Code
	f.clock.Advance(time.Hour)
	when, err := f.svc.NewAppointment(clerk, late.Code, 2)
	if err != nil {
		t.Fatal(err)
	}
	ap, err := f.svc.Extend(ctx, clerk, late.Code, "", when, "Cần xác minh thêm.", counter.StepOptions{})
	if err != nil {
		t.Fatal(err)
	}

	if err := os.RemoveAll(f.receiptDir); err != nil { // the printer goes off
		t.Fatal(err)
	}
	var number string
	for _, c := range []struct {
		name string
		do   func() error
	}{
		{"apology letter", func() error {
			path, err := f.svc.PrintApology(ctx, clerk, ap.Letter)
			if err == nil || path != "" {
				t.Errorf("apology printed without a printer: %q", path)
			}
			return err
		}},
		{"certification", func() error {
			res, err := f.svc.CertifyCopies(ctx, clerk, copyRequest(featured(t, "single")))
			if err != nil {
				t.Fatalf("certify: %v", err)
			}
			number = res.Items[0].Number
			return res.PrintErr
		}},
		{"fee receipt", func() error {
			pdf, err := f.svc.PrintDossierFeeReceipt(ctx, clerk, fee)
			if len(pdf) == 0 {
				t.Error("the fee receipt's PDF is not returned")
			}
			return err
		}},
	} {
		err := c.do()
		if !errors.Is(err, counter.ErrPrintQueued) {
			t.Errorf("%s: the clerk is not told it will print by itself: %v", c.name, err)
		}
		if msg := counter.Explain(err); !strings.Contains(msg, "thư mục") {
			t.Errorf("%s: the clerk is not told why: %q", c.name, msg)
		}
	}
	if n, w, err := f.svc.RetryPrints(ctx, clerk.ID); err != nil || n != 0 || w != 4 {
		t.Fatalf("retry before the backoff: printed %d, waiting %d, %v", n, w, err)
	}
	if err := os.MkdirAll(f.receiptDir, 0o700); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	if n, w, err := f.svc.RetryPrints(ctx, clerk.ID); err != nil || n != 4 || w != 0 {
		t.Fatalf("retry: printed %d, waiting %d, %v", n, w, err)
	}
	files := map[string]string{
		late.Code + "-mau04.pdf":       "XIN LỖI",
		"chungthuc-" + number + ".pdf": "CHỨNG THỰC",
		"bienlai-" + number + ".pdf":   "BIÊN LAI",
		"bienlai-" + fee + ".pdf":      "BIÊN LAI",
	}
	for name, want := range files {
		path := filepath.Join(f.receiptDir, name)
		pdf, err := os.ReadFile(path)
		if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
			t.Fatalf("%s not printed: %v", name, err)
		}
		if text := strings.Join(strings.Fields(pdfText(t, path)), " "); !strings.Contains(strings.ToUpper(text), want) {
			t.Errorf("%s lacks %q:\n%s", name, want, text)
		}
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
	logged := map[string]int{}
	for _, e := range accessLog(t, f.store) {
		if e.Action == offline.ActionPrint && e.Detail != "" {
			logged[e.Detail+" "+e.DossierCode+" "+e.Outcome]++
		}
	}
	for _, want := range []string{"apology " + late.Code, "cert=" + number + " ", "cert-fee=" + number + " ", "fee-receipt " + fee} {
		if logged[want+" error"] != 1 || logged[want+" retry_ok"] != 1 {
			t.Errorf("access log of %q: %v", want, logged)
		}
	}
	f.clock.Advance(time.Hour)
	if n, w, err := f.svc.RetryPrints(ctx, clerk.ID); err != nil || n != 0 || w != 0 {
		t.Fatalf("retry after all printed: printed %d, waiting %d, %v", n, w, err)
	}
	for name := range files {
		if _, err := os.Stat(filepath.Join(f.receiptDir, name)); !os.IsNotExist(err) {
			t.Errorf("%s printed twice", name)
		}
	}
}
