package counter_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"motcua/forms/lifecycle"
	"motcua/internal/counter"
	"motcua/lookups/sandbox"
	"motcua/offline"
)

func TestLateWatch(t *testing.T) {
	f := newWorkflowFixture(t, sandbox.Workflow{OnTime: 1})
	d := receiveOne(t, f) // due Friday 27/11 (24/11 is a holiday)
	ids := func(items []counter.LateItem) []string {
		var out []string
		for _, i := range items {
			out = append(out, i.Code)
		}
		return out
	}
	two, err := f.svc.LateWatch(clerk, counter.LateWatchOptions{Days: 2})
	if err != nil || len(two) != 0 {
		t.Fatalf("within 2 working days (25, 26/11): %v %v", ids(two), err)
	}
	three, err := f.svc.LateWatch(clerk, counter.LateWatchOptions{Days: 3})
	if err != nil || len(three) != 1 || three[0].Code != d.Code || three[0].DaysLeft != 3 || three[0].Past || three[0].Late {
		t.Fatalf("within 3 working days: %+v %v", three, err)
	}
	f.clock.Advance(7 * 24 * time.Hour) // Monday 30/11: past
	past, err := f.svc.LateWatch(clerk, counter.LateWatchOptions{})
	if err != nil || len(past) != 1 || !past[0].Past || !past[0].Late || past[0].DaysLeft != -1 {
		t.Fatalf("past: %+v %v", past, err)
	}
	// a result takes it off the watch
	if err := f.store.Update(func(tx *offline.Tx) error {
		info, _, err := tx.LifeInfo(d.Code)
		if err != nil {
			return err
		}
		blob, _, err := tx.GetLife(d.Code)
		if err != nil {
			return err
		}
		info.Stage = string(lifecycle.StageResultReady)
		return tx.PutLife(info, blob)
	}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.LateWatch(clerk, counter.LateWatchOptions{}); len(got) != 0 {
		t.Errorf("a dossier with its result is watched: %v", ids(got))
	}
}

// The book over this counter's dossiers and the other counters' (from the gateway's list),
// its filters, and its workbook: every cell text, a formula-like value guarded.
func TestBookFiltersAndWorkbook(t *testing.T) {
	f := newWorkflowFixture(t, sandbox.Workflow{Seed: 3, OnTime: 0.6, Late: 0.3, Stop: 0.1, Others: 6, OtherDays: 20})
	d := receiveOne(t, f)
	// a dossier of last week, returned late, whose applicant's name looks like a formula
	recv := time.Date(2026, time.November, 16, 9, 0, 0, 0, hcm(t))
	l := lifecycle.NewLife(lifecycle.Start{Code: agencyCode + "-261116-010007", Service: "tam-vang", ServiceName: "Khai báo tạm vắng",
		ReceivedAt: recv, By: "cb01", Agency: agencyCode, Counter: "01",
		Applicant:  lifecycle.Applicant{Name: `=HYPERLINK("http://evil.example","Bấm")`, ID: featured(t, "married"), Address: "+84 phố Thử"},
		Procedures: []lifecycle.Procedure{{ID: "tam-vang", Name: "Khai báo tạm vắng", Agency: "Công an phường", Appointment: recv.Add(24 * time.Hour)}}})
	for _, c := range []lifecycle.Change{
		{Event: lifecycle.EventResultReady, At: recv.Add(72 * time.Hour), By: "agency", Origin: lifecycle.OriginAgency},
		{Event: lifecycle.EventReturned, At: recv.Add(96 * time.Hour), By: "cb01", Receiver: &lifecycle.Receiver{ID: featured(t, "married"), Name: "Người Nhận", Relation: lifecycle.ReceiverRequester}},
	} {
		if _, err := l.Apply(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.store.Update(func(tx *offline.Tx) error { return putLifeForTest(tx, l) }); err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, time.November, 1, 0, 0, 0, 0, hcm(t))
	to := time.Date(2026, time.December, 1, 0, 0, 0, 0, hcm(t))
	res, err := f.svc.Book(ctx, clerk, counter.BookFilter{From: from, To: to, Refresh: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Fresh || res.Local != 2 || res.Remote < 20 || len(res.Book.Rows) != res.Local+res.Remote {
		t.Fatalf("book: fresh %v, %d local, %d remote, %d rows", res.Fresh, res.Local, res.Remote, len(res.Book.Rows))
	}
	named := 0
	for i, r := range res.Book.Rows {
		if r.No != i+1 || r.Code == "" || r.ReceivedAt.Before(from) || !r.ReceivedAt.Before(to) || r.Stage == "" || r.Channel == "" {
			t.Errorf("row %+v", r)
		}
		if r.Counter != "01" && r.Applicant != "" {
			named++
		}
	}
	if named == 0 {
		t.Error("no other counter's applicant named after the refresh")
	}
	yes := true
	late, err := f.svc.Book(ctx, clerk, counter.BookFilter{From: from, To: to, Late: &yes, Counter: "01"})
	if err != nil || len(late.Book.Rows) != 1 || late.Book.Rows[0].Code != l.Code || late.Book.Rows[0].Timeliness != "quá hạn" ||
		late.Book.Rows[0].Receiver != "Người Nhận" || !strings.Contains(late.Book.Filter, "quá hạn") {
		t.Fatalf("late filter: %+v %v", late, err)
	}
	svc, err := f.svc.Book(ctx, clerk, counter.BookFilter{Service: "xac-nhan-tthn", OwnOnly: true})
	if err != nil || len(svc.Book.Rows) != 1 || svc.Book.Rows[0].Code != d.Code {
		t.Fatalf("service filter: %+v %v", svc, err)
	}
	if _, err := f.svc.Book(ctx, clerk, counter.BookFilter{From: to, To: from}); err == nil {
		t.Error("a period ending before it starts")
	}
	// offline: the book from this machine's data, said so
	setFaults(t, f, sandbox.Faults{Outage: sandbox.OutageDrop})
	off, err := f.svc.Book(ctx, clerk, counter.BookFilter{From: from, To: to, Refresh: true})
	if err != nil || !off.Offline || off.Remote != res.Remote {
		t.Fatalf("offline book: %v %+v", err, off)
	}
	setFaults(t, f, sandbox.Faults{})

	out := filepath.Join(t.TempDir(), "so-theo-doi.xlsx")
	if err := counter.ExportBookXLSX(out, late.Book); err != nil {
		t.Fatal(err)
	}
	wb, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	sheet := wb.GetSheetName(0)
	rows, err := wb.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	header := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 1 && r[1] == "Mã hồ sơ" })
	if header < 0 || len(rows) != header+2 || rows[header+1][1] != l.Code {
		t.Fatalf("workbook rows: %q", rows)
	}
	for col, want := range map[int]string{5: `=HYPERLINK("http://evil.example","Bấm")`, 6: "+84 phố Thử"} {
		cell, _ := excelize.CoordinatesToCellName(col, header+2)
		if v, _ := wb.GetCellValue(sheet, cell); v != want {
			t.Errorf("%s = %q, want %q", cell, v, want)
		}
		if fml, _ := wb.GetCellFormula(sheet, cell); fml != "" {
			t.Errorf("%s is a formula: %q", cell, fml)
		}
		style, err := wb.GetCellStyle(sheet, cell)
		if err != nil || wb.Styles.CellXfs.Xf[style].QuotePrefix == nil || !*wb.Styles.CellXfs.Xf[style].QuotePrefix {
			t.Errorf("%s: no quote prefix on a formula-like value (style %d, %v)", cell, style, err)
		}
	}
	code, _ := excelize.CoordinatesToCellName(2, header+2)
	if style, _ := wb.GetCellStyle(sheet, code); wb.Styles.CellXfs.Xf[style].QuotePrefix != nil {
		t.Errorf("a plain value has the quote prefix")
	}
}
