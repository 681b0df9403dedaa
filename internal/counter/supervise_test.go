package counter_test

import (
	"bytes"
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
	"motcua/printing"
)

// The forms the results desk and the late watch print come from real steps: a hand-over's
// slip and an apology's letter map to printable forms (PrintHandoverSlipOf, PrintApologyOf),
// the apology is printed on the counter's printer, and the book is exported to both formats
// by extension.
func TestPrintedFormsFromSteps(t *testing.T) {
	volunteer := counter.Operator{ID: "tn01", Name: "Tình nguyện", Role: offline.RoleVolunteer}
	f := newWorkflowFixture(t, sandbox.Workflow{OnTime: 1, Span: time.Hour})
	d := receiveOne(t, f)
	late := receiveOne(t, f)
	if err := f.srv.ForceOutcome(late.Code, sandbox.OutcomeLate); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	out, err := f.svc.HandOver(ctx, clerk, counter.HandOverRequest{Code: d.Code, Receiver: lifecycle.Receiver{ID: featured(t, "married"),
		Name: "Người Được Ủy Quyền", Source: forms.SourceCard}, Authorisation: "Giấy ủy quyền số 12/UQ ngày 20/11/2026"})
	if err != nil {
		t.Fatal(err)
	}
	slip := counter.PrintHandoverSlipOf(out.Slip)
	var buf bytes.Buffer
	if err := printing.RenderHandoverSlip(&buf, slip, printing.Options{}); err != nil {
		t.Fatalf("the hand-over slip does not print: %v\n%+v", err, slip)
	}
	if slip.Receiver != "Người Được Ủy Quyền" || slip.Authorisation == "" || len(slip.Results) != 1 || slip.Results[0].Number == "" {
		t.Errorf("slip %+v", slip)
	}

	when, err := f.svc.NewAppointment(clerk, late.Code, 2)
	if err != nil {
		t.Fatal(err)
	}
	ap, err := f.svc.Extend(ctx, clerk, late.Code, "", when, "Cần xác minh thêm.", counter.StepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	path, err := f.svc.PrintApology(ctx, clerk, ap.Letter)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != late.Code+"-mau04.pdf" {
		t.Errorf("printed to %s", path)
	}
	if pdf, err := os.ReadFile(path); err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Errorf("the printed letter: %v", err)
	}
	if _, err := f.svc.PrintApology(ctx, volunteer, ap.Letter); err == nil {
		t.Error("a volunteer printed an apology")
	}

	res, err := f.svc.Book(ctx, clerk, counter.BookFilter{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"so.xlsx", "so.pdf"} {
		p := filepath.Join(dir, name)
		if err := f.svc.ExportBook(ctx, clerk, res.Book, p); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", name, fi, err)
		}
	}
	if err := f.svc.ExportBook(ctx, clerk, res.Book, filepath.Join(dir, "so.csv")); err == nil || !strings.Contains(err.Error(), "not .xlsx or .pdf") {
		t.Errorf("a .csv book: %v", err)
	}
	if err := f.svc.ExportBook(ctx, volunteer, res.Book, filepath.Join(dir, "v.xlsx")); err == nil {
		t.Error("a volunteer exported the book")
	}
}
