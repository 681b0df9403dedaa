package counter_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/internal/counter"
	"motcua/internal/testenv"
	"motcua/lookups/sandbox"
)

// pdfText is the text of a PDF file (pdftotext).
func pdfText(t *testing.T, path string) string {
	t.Helper()
	bin := testenv.NeedTool(t, "pdftotext", "poppler-utils")
	out, err := exec.Command(bin, "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	return string(out)
}

// The reception slips print through the counter's printer (here its folder of PDFs), with
// what the clerk recorded; the control sheet of a received dossier prints beside its receipt.
func TestPrintSlipsAndControlSheet(t *testing.T) {
	f := newWorkflowFixture(t, sandbox.Workflow{OnTime: 1})
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
		Items: []lifecycle.SupplementItem{{Document: "Bản án ly hôn", Problem: "Thiếu bản sao có chứng thực", Guidance: "Nộp bản sao có chứng thực"}}})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := f.svc.Refuse(ctx, clerk, counter.RefusalRequest{DraftID: "draft-r", Reasons: []string{forms.ReasonOther}, Note: "Hồ sơ đã nộp ở quầy khác"})
	if err != nil {
		t.Fatal(err)
	}
	d := receiveOne(t, f)
	for _, c := range []struct {
		name string
		do   func() (string, error)
		want []string
	}{
		{"supplement", func() (string, error) { return f.svc.PrintSlip(ctx, clerk, sup.Info.Code) },
			[]string{"PHIẾU YÊU CẦU BỔ SUNG", sup.Info.Code, "Bản án ly hôn", "Thiếu bản sao có chứng thực"}},
		{"refusal", func() (string, error) { return f.svc.PrintSlip(ctx, clerk, ref.Info.Code) },
			[]string{"TỪ CHỐI", "Hồ sơ đã nộp ở quầy khác"}},
		{"control sheet", func() (string, error) { return f.svc.PrintControlSheet(ctx, clerk, d.Code) },
			[]string{"PHIẾU KIỂM SOÁT", d.Code, "Nhận: Ủy ban nhân dân phường Thử Nghiệm"}},
	} {
		path, err := c.do()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !strings.HasPrefix(path, f.receiptDir) || path == f.printer.Path(d.Code) {
			t.Errorf("%s printed to %q", c.name, path)
		}
		pdf, err := os.ReadFile(path)
		if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
			t.Fatalf("%s: %v", c.name, err)
		}
		text := strings.Join(strings.Fields(pdfText(t, path)), " ")
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q:\n%s", c.name, w, text)
			}
		}
	}
	if _, err := os.Stat(f.printer.Path(d.Code)); err != nil {
		t.Errorf("the receipt is gone: %v", err)
	}
}
