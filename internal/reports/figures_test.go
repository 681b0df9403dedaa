package reports_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"motcua/internal/counter"
	"motcua/internal/reports"
	"motcua/internal/reports/reportstest"
	"motcua/internal/testenv"
	"motcua/offline"
)

var supervisor = reportstest.Supervisor

// The figures, worked out by hand from the history (reportstest/history.go) and the sandbox's
// schedule of the handling agencies (lookups/sandbox/workflow.go): the agencies work 07:30 to
// 17:00 on the calendar's working days (24/11 is a holiday); an "early" procedure has its result
// at half of the working time from reception to the appointment, an "on_time" one on the due
// day at 07:30, before the 08:00 appointment, a "late" one on a working day after the due day,
// a "supplement" one waits for the citizen, a "stop" one stops.
//
//	L0  20/11 15:30 typed    early       due 27/11, result 25/11: carried over, settled early
//	L1  23/11 chip proven    early       result 25/11
//	L2  23/11 chip proven    on_time     result 27/11 07:30, due 27/11: on time
//	L3  23/11 data signed    on_time     likewise: on time
//	L4  23/11 QR             late        result 30/11 (Monday), due 27/11: late
//	L5  24/11 typed          supplement  waits for the citizen: pending, due 30/11: past
//	L6  25/11 typed          stop        stopped 26/11
//	L7  25/11 chip (cache)   on_time     result 30/11 07:30, due 30/11: on time
//	L8  26/11 QR             withdrawn the same morning
//	L9  30/11 chip proven    on_time     result 03/12, due 03/12: on time
//	C1  02/12 chip proven    early       copy certification (chung-thuc-ban-sao), to be done the
//	                                     same day: result 02/12, due 02/12: on time
//	H1  02/12 typed          early       household business registration, 3 days: due 07/12,
//	                                     result 03/12: early
//	W1  02/12 typed          early       a will certified, 2 days: due 04/12, result 03/12: early
//	L10 04/12 QR             late        still with the agency, due 09/12: pending in time
//	R1  24/11 counter 02     early       result 26/11
//	R2  24/11 counter 02     late        result 01/12, due 30/11: late
//
// The ratings, all on 4/12: at counter 01, L1 very satisfied, L2 not satisfied, L3 satisfied;
// at counter 02, R1 satisfied, R2 very satisfied, and L9 (received at counter 01) satisfied.
// Counter 01 learns counter 02's from the ward's list only (R1 and R2 as other counters'
// entries, L9's into its own record); the list also carries L1..L3's ratings, counted once.
var want = reports.Counts{CarriedOver: 1, Received: 15, InPerson: 15, Settled: 12, Early: 5, OnTime: 5, Late: 2,
	Pending: 2, PendingInTime: 1, PendingLate: 1, Stopped: 1, Withdrawn: 1, Supplement: 1, SupplementSlips: 1, Refused: 1}

// wantTTHN are the figures of the marriage-status service (all but C1, H1 and W1); wantCopy
// C1's, wantHKD H1's; W1's are H1's.
var (
	wantTTHN = reports.Counts{CarriedOver: 1, Received: 12, InPerson: 12, Settled: 9, Early: 3, OnTime: 4, Late: 2,
		Pending: 2, PendingInTime: 1, PendingLate: 1, Stopped: 1, Withdrawn: 1, Supplement: 1, SupplementSlips: 1, Refused: 1}
	wantCopy = reports.Counts{Received: 1, InPerson: 1, Settled: 1, OnTime: 1}
	wantHKD  = reports.Counts{Received: 1, InPerson: 1, Settled: 1, Early: 1}
)

// The fees, counter 01's: C1, one 2-page original, 3 copies at 2 × 2,000 đồng a copy (TT
// 226/2016): 12,000 đồng; at the copy desk on 2/12, 10 copies of a 2-page original (40,000
// đồng) and 3 copies of a 1-page original, exempt; H1's provincial fee, which the schedule does
// not give: unknown, no đồng; W1's, exempt.
var wantFees = reports.Fees{
	Certifications: reports.FeeRow{Name: reports.CertificationsLabel, FeeCount: counter.FeeCount{Cases: 2, Units: 13, Amount: 40000, Exempt: 1}},
	Procedures: []reports.FeeRow{{Procedure: "chung-thuc-ban-sao", Name: "Chứng thực bản sao từ bản chính",
		FeeCount: counter.FeeCount{Cases: 1, Units: 1, Amount: 12000}},
		{Procedure: "chung-thuc-hop-dong", Name: "Chứng thực hợp đồng, giao dịch", FeeCount: counter.FeeCount{Cases: 1, Units: 1, Exempt: 1}},
		{Procedure: "dang-ky-ho-kinh-doanh", Name: "Đăng ký hộ kinh doanh", FeeCount: counter.FeeCount{Cases: 1, Units: 1, Unknown: 1}}},
	Dossiers: counter.FeeCount{Cases: 3, Units: 3, Amount: 12000, Exempt: 1, Unknown: 1},
	Total:    52000,
}

// wantDays: received, settled (results of L0 and L1 25/11, R1 26/11, L2 and L3 27/11, L4 and
// L7 30/11, R2 01/12, C1 02/12, L9, W1 and H1 03/12) and this counter's look-ups, per day.
var wantDays = map[string][3]int{
	"2026-11-23": {4, 0, 4}, "2026-11-24": {3, 0, 1}, "2026-11-25": {2, 2, 2}, "2026-11-26": {1, 1, 1}, "2026-11-27": {0, 2, 0},
	"2026-11-28": {0, 0, 0}, "2026-11-29": {0, 0, 0}, "2026-11-30": {1, 2, 1}, "2026-12-01": {0, 1, 0}, "2026-12-02": {3, 1, 3}, "2026-12-03": {0, 3, 0},
	"2026-12-04": {1, 0, 1},
}

// checkReport compares a report with the hand-written figures.
func checkReport(t *testing.T, r *reports.Report) {
	t.Helper()
	if r.Totals != want {
		t.Errorf("totals\n got %+v\nwant %+v", r.Totals, want)
	}
	if len(r.Services) != 4 || r.Services[0].Service != "xac-nhan-tthn" || r.Services[0].Counts != wantTTHN ||
		r.Services[1].Service != "chung-thuc-ban-sao" || r.Services[1].Counts != wantCopy ||
		r.Services[2].Service != "chung-thuc-hop-dong" || r.Services[2].Counts != wantHKD ||
		r.Services[3].Service != "dang-ky-ho-kinh-doanh" || r.Services[3].Counts != wantHKD {
		t.Errorf("services: %+v", r.Services)
	}
	if r.Local != 13 || r.Remote != 2 || !r.Fresh {
		t.Errorf("local %d remote %d fresh %v, want 13, 2, true", r.Local, r.Remote, r.Fresh)
	}
	if f := r.Fees; f.Certifications != wantFees.Certifications || !slices.Equal(f.Procedures, wantFees.Procedures) ||
		f.Dossiers != wantFees.Dossiers || f.Total != wantFees.Total {
		t.Errorf("fees\n got %+v\nwant %+v", f, wantFees)
	}
	// carried over and received = settled, pending, stopped and withdrawn
	if n := r.Totals; n.CarriedOver+n.Received != n.Settled+n.Pending+n.Stopped+n.Withdrawn {
		t.Errorf("figures do not add up: %+v", n)
	}
	if len(r.Days) != 14 {
		t.Fatalf("%d days, want 14", len(r.Days))
	}
	for _, d := range r.Days {
		w := wantDays[d.Date]
		if d.Received != w[0] || d.Settled != w[1] || d.Lookups != w[2] {
			t.Errorf("day %s: %+v, want %v", d.Date, d, w)
		}
	}
	// satisfaction over the ward: very satisfied L1 and R2, satisfied L3, R1 and L9, not
	// satisfied L2: 5 of 6
	s := r.Satisfaction
	if s.Rated != 6 || s.Satisfied != 5 || s.Options[0].N != 2 || s.Options[1].N != 3 || s.Options[2].N != 0 || s.Options[3].N != 1 ||
		s.Share != 5.0/6 {
		t.Errorf("satisfaction: %+v", s)
	}
	// look-ups of this counter's log, L1..L10, C1, H1 and W1 (L0's, on 20/11, is before the
	// period): cb01 for L1-L4, L9, C1 and W1, cb02 for L5-L8, L10 and H1; L7's from the cache;
	// six chip reads
	// (the copy desk's requests look nothing up)
	lk := r.Lookups
	tallies := func(ts []reports.Tally) map[string]int {
		m := map[string]int{}
		for _, x := range ts {
			m[x.Code] = x.N
		}
		return m
	}
	if lk.Total != 13 || lk.CardReads != 6 {
		t.Errorf("look-ups %d, card reads %d; want 13, 6", lk.Total, lk.CardReads)
	}
	for name, pair := range map[string][2]map[string]int{
		"purpose":  {tallies(lk.ByPurpose), {"reception": 13}},
		"operator": {tallies(lk.ByOperator), {"cb01": 7, "cb02": 6}},
		"outcome":  {tallies(lk.ByOutcome), {"ok": 12, "cache": 1}},
	} {
		if len(pair[0]) != len(pair[1]) {
			t.Errorf("look-ups by %s: %v, want %v", name, pair[0], pair[1])
		}
		for k, v := range pair[1] {
			if pair[0][k] != v {
				t.Errorf("look-ups by %s: %v, want %v", name, pair[0], pair[1])
			}
		}
	}
	// Đề án 06 over L1..L10, C1, H1 and W1: residence from the database for all (L7's from
	// the cache, fetched at 09:42 for L6, used at 11:00: 1.3 h); chip proven L1 L2 L7 L9 C1,
	// signed L3, QR L4 L8 L10, typed L5 L6 H1 W1
	d := r.DeAn06
	wantD := reports.DeAn06{Received: 13, Known: 13, ResidenceLive: 12, ResidenceCache: 1, WithResidence: 13,
		FromDatabase: reports.Share{N: 13, Of: 13, Share: 1}, OldestCache: 78 * 60, Chip: 5, Signed: 1, QR: 3, Typed: 4,
		ByChip: reports.Share{N: 6, Of: 13, Share: 6.0 / 13}, ChipProven: reports.Share{N: 5, Of: 13, Share: 5.0 / 13},
		FromCache: reports.Share{N: 1, Of: 13, Share: 1.0 / 13}, MeasuredSum: 13}
	if d != wantD {
		t.Errorf("Đề án 06\n got %+v\nwant %+v", d, wantD)
	}
	// at the counter: the marriage-status service's 5 7 4 10 6 8 3 9 2 5 minutes: median 5.5
	// min, 90 % within 9 min; C1's 4 minutes, H1's 6, W1's 7; all 13: median 6 min (the 7th),
	// 90 % within 9 (the 12th)
	wantCT := []reports.CounterTime{{Name: "Tất cả thủ tục", N: 13, Median: 360, P90: 540},
		{Service: "xac-nhan-tthn", Name: "Cấp giấy xác nhận tình trạng hôn nhân", N: 10, Median: 330, P90: 540},
		{Service: "chung-thuc-ban-sao", Name: "Chứng thực bản sao từ bản chính", N: 1, Median: 240, P90: 240},
		{Service: "chung-thuc-hop-dong", Name: "Chứng thực hợp đồng, giao dịch", N: 1, Median: 420, P90: 420},
		{Service: "dang-ky-ho-kinh-doanh", Name: "Đăng ký hộ kinh doanh", N: 1, Median: 360, P90: 360}}
	if !slices.Equal(r.CounterTime, wantCT) {
		t.Errorf("counter times\n got %+v\nwant %+v", r.CounterTime, wantCT)
	}
}

func TestFiguresAddUp(t *testing.T) {
	pdftotext := testenv.NeedTool(t, "pdftotext", "poppler-utils")
	w, r := reportstest.Fortnight(t)
	checkReport(t, r)

	// the charts' data
	charts := map[string]reports.Chart{}
	for _, tb := range reports.Tables(r) {
		if tb.Chart != nil {
			charts[tb.Key] = *tb.Chart
		}
	}
	wantCharts := map[string][]float64{"hoso": {12, 1, 1, 1}, "kenh": {15, 0, 0}, "tiendo": {5, 5, 2, 1, 1}, "hailong": {2, 3, 0, 1},
		"tracuu": {7, 6}, "dean06": {5, 1, 3, 4}, "thoigian": {330, 240, 420, 360},
		"ngay": {4, 3, 2, 1, 0, 0, 0, 1, 0, 3, 0, 1, 0, 0}, "phi": {40000, 12000, 0, 0}}
	for k, v := range wantCharts {
		if got := charts[k].Values; !equalFloats(got, v) {
			t.Errorf("chart %s: %v, want %v", k, got, v)
		}
	}

	// the JSON
	var buf bytes.Buffer
	if err := reports.WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var back reports.Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	checkReport(t, &back)

	// the text (what `report show` prints)
	buf.Reset()
	if err := reports.WriteText(&buf, r); err != nil {
		t.Fatal(err)
	}
	shown := strings.Join(strings.Fields(buf.String()), " ")
	for _, line := range []string{
		"Cấp giấy xác nhận tình trạng hôn nhân 1 12 9 3 4 2 2 1 1 1 1", "Chứng thực bản sao từ bản chính 0 1 1 0 1 0 0 0 0 0 0",
		"Chứng thực hợp đồng, giao dịch 0 1 1 1 0 0 0 0 0 0 0", "Đăng ký hộ kinh doanh 0 1 1 1 0 0 0 0 0 0 0",
		"Tổng cộng 1 15 12 5 5 2 2 1 1 1 1", "Giải quyết trước hạn 5 41,7 %", "Đang giải quyết quá hạn 1 50,0 %",
		"Hài lòng và rất hài lòng 5 83,3 %", "Rất hài lòng 2 33,3 %", "Hài lòng 3 50,0 %", "Tổng số ý kiến 6", "Cán bộ: cb01 7 53,8 %",
		"Xác định công dân bằng thẻ gắn chip 6 13 46,2 %", "Tất cả thủ tục 13 6:00 9:00", "Chứng thực bản sao từ bản chính 1 4:00 4:00",
		"Chứng thực hợp đồng, giao dịch 1 7:00 7:00", "Đăng ký hộ kinh doanh 1 6:00 6:00", "01/12/2026 0 1 0", "02/12/2026 3 1 3",
		"03/12/2026 0 3 0", "Chứng thực bản sao tại bàn chứng thực 2 13 40.000 1 0", "Chứng thực bản sao từ bản chính 1 1 12.000 0 0",
		"Chứng thực hợp đồng, giao dịch 1 1 0 1 0", "Đăng ký hộ kinh doanh 1 1 0 0 1", "Tổng cộng 5 16 52.000 2 1",
	} {
		if !strings.Contains(shown, line) {
			t.Errorf("text lacks %q:\n%s", line, buf.String())
		}
	}

	// the workbook's cells, read back
	dir := t.TempDir()
	xlsx := filepath.Join(dir, "bao-cao.xlsx")
	if err := reports.Export(xlsx, r, w.One.Agency()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, c := range []struct{ sheet, cell, want string }{
		{"Ho so", "A5", "Cấp giấy xác nhận tình trạng hôn nhân"}, {"Ho so", "B5", "1"}, {"Ho so", "C5", "12"}, {"Ho so", "D5", "9"},
		{"Ho so", "E5", "3"}, {"Ho so", "F5", "4"}, {"Ho so", "G5", "2"}, {"Ho so", "H5", "2"}, {"Ho so", "I5", "1"}, {"Ho so", "J5", "1"},
		{"Ho so", "K5", "1"}, {"Ho so", "L5", "1"}, {"Ho so", "A6", "Chứng thực bản sao từ bản chính"}, {"Ho so", "C6", "1"},
		{"Ho so", "F6", "1"}, {"Ho so", "A7", "Chứng thực hợp đồng, giao dịch"}, {"Ho so", "E7", "1"},
		{"Ho so", "A8", "Đăng ký hộ kinh doanh"}, {"Ho so", "E8", "1"}, {"Ho so", "A9", "Tổng cộng"}, {"Ho so", "C9", "15"}, {"Ho so", "D9", "12"},
		{"Hinh thuc", "B5", "15"}, {"Hinh thuc", "B6", "0"}, {"Tien do", "B5", "5"}, {"Tien do", "B6", "5"}, {"Tien do", "B7", "2"},
		{"Tien do", "B8", "1"}, {"Tien do", "B9", "1"}, {"Bo sung tu choi", "B5", "1"}, {"Bo sung tu choi", "C5", "1"},
		{"Bo sung tu choi", "D5", "1"}, {"Hai long", "B5", "2"}, {"Hai long", "B6", "3"}, {"Hai long", "B7", "0"}, {"Hai long", "B8", "1"}, {"Hai long", "B9", "5"}, {"Hai long", "B10", "6"},
		{"Tra cuu CSDL", "B5", "13"}, {"Tra cuu CSDL", "A6", "Cán bộ: cb01"}, {"Tra cuu CSDL", "B6", "7"}, {"Tra cuu CSDL", "B7", "6"},
		{"Tra cuu CSDL", "B8", "12"}, {"Tra cuu CSDL", "B9", "1"}, {"Tra cuu CSDL", "B10", "13"}, {"Tra cuu CSDL", "B11", "6"},
		{"De an 06", "B5", "13"}, {"De an 06", "B6", "12"}, {"De an 06", "B7", "1"}, {"De an 06", "B11", "6"},
		{"De an 06", "B12", "5"}, {"De an 06", "B13", "1"}, {"De an 06", "B14", "3"}, {"De an 06", "B15", "4"}, {"De an 06", "B16", "1"},
		{"De an 06", "B17", "1.3"}, {"Thoi gian tai quay", "B5", "13"}, {"Thoi gian tai quay", "C5", "360"}, {"Thoi gian tai quay", "D5", "540"},
		{"Thoi gian tai quay", "B7", "1"}, {"Thoi gian tai quay", "C7", "240"}, {"Thoi gian tai quay", "A8", "Chứng thực hợp đồng, giao dịch"},
		{"Thoi gian tai quay", "C8", "420"}, {"Thoi gian tai quay", "A9", "Đăng ký hộ kinh doanh"}, {"Thoi gian tai quay", "C9", "360"},
		{"Theo ngay", "A5", "23/11/2026"}, {"Theo ngay", "B5", "4"}, {"Theo ngay", "C5", "0"}, {"Theo ngay", "D5", "4"}, {"Theo ngay", "C13", "1"},
		{"Theo ngay", "A14", "02/12/2026"}, {"Theo ngay", "B14", "3"}, {"Theo ngay", "C14", "1"}, {"Theo ngay", "D14", "3"},
		{"Theo ngay", "B15", "0"}, {"Theo ngay", "C15", "3"},
		{"Theo ngay", "A16", "04/12/2026"}, {"Theo ngay", "B16", "1"}, {"Theo ngay", "C16", "0"}, {"Theo ngay", "D16", "1"},
		{"Phi le phi", "A5", reports.CertificationsLabel}, {"Phi le phi", "B5", "2"}, {"Phi le phi", "C5", "13"}, {"Phi le phi", "D5", "40000"},
		{"Phi le phi", "E5", "1"}, {"Phi le phi", "F5", "0"}, {"Phi le phi", "A6", "Chứng thực bản sao từ bản chính"}, {"Phi le phi", "B6", "1"},
		{"Phi le phi", "C6", "1"}, {"Phi le phi", "D6", "12000"}, {"Phi le phi", "E6", "0"}, {"Phi le phi", "F6", "0"},
		{"Phi le phi", "A7", "Chứng thực hợp đồng, giao dịch"}, {"Phi le phi", "B7", "1"}, {"Phi le phi", "C7", "1"}, {"Phi le phi", "D7", "0"},
		{"Phi le phi", "E7", "1"}, {"Phi le phi", "F7", "0"},
		{"Phi le phi", "A8", "Đăng ký hộ kinh doanh"}, {"Phi le phi", "B8", "1"}, {"Phi le phi", "C8", "1"}, {"Phi le phi", "D8", "0"},
		{"Phi le phi", "E8", "0"}, {"Phi le phi", "F8", "1"},
		{"Phi le phi", "A9", "Tổng cộng"}, {"Phi le phi", "B9", "5"}, {"Phi le phi", "C9", "16"}, {"Phi le phi", "D9", "52000"},
		{"Phi le phi", "E9", "2"}, {"Phi le phi", "F9", "1"},
	} {
		got, err := f.GetCellValue(c.sheet, c.cell, excelize.Options{RawCellValue: true})
		if err != nil || got != c.want {
			t.Errorf("%s!%s = %q (%v), want %q", c.sheet, c.cell, got, err, c.want)
		}
	}
	// the amounts are numbers shown with thousands separators
	if got, err := f.GetCellValue("Phi le phi", "D9"); err != nil || got != "52,000" {
		t.Errorf("Phi le phi!D9 shown as %q (%v), want 52,000", got, err)
	}
	// every sheet with a chart has a native chart over its cells
	zr, err := zip.OpenReader(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var chartXML strings.Builder
	nCharts := 0
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "xl/charts/chart") {
			nCharts++
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			chartXML.WriteString(strings.ReplaceAll(string(b), "&#39;", "'"))
		}
	}
	if nCharts != 9 {
		t.Errorf("%d charts in the workbook, want 9", nCharts)
	}
	for _, ref := range []string{"'Ho so'!$C$5:$C$8", "'Phi le phi'!$D$5:$D$8", "'Tien do'!$B$5:$B$9", "'Tra cuu CSDL'!$B$6:$B$7", "'De an 06'!$B$12:$B$15", "'Theo ngay'!$B$5:$B$18"} {
		if !strings.Contains(chartXML.String(), ref) {
			t.Errorf("no chart over %s", ref)
		}
	}

	// the PDF's text
	pdf := filepath.Join(dir, "bao-cao.pdf")
	if err := reports.Export(pdf, r, w.One.Agency()); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	txt := strings.Join(strings.Fields(string(out)), " ")
	for _, s := range []string{"BÁO CÁO TÌNH HÌNH TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ", "(Từ ngày 23/11/2026 đến ngày 06/12/2026)",
		"Tổng cộng 1 15 12 5 5 2 2 1 1 1 1", "Giải quyết trước hạn 5 41,7 %", "Đang giải quyết trong hạn 1 50,0 %",
		"Hài lòng và rất hài lòng 5 83,3 %", "Cán bộ: cb02 6 46,2 %", "Kết quả: Dùng bản lưu tạm (mất kết nối) 1 7,7 %",
		"Xác định công dân bằng thẻ gắn chip 6 13 46,2 %", "Phục vụ bằng bản lưu tạm khi mất kết nối 1 13 7,7 %",
		"Tất cả thủ tục 13 6:00 9:00", "23/11/2026 4 0 4", "02/12/2026 3 1 3", "10. Phí, lệ phí thu tại quầy này",
		"Chứng thực bản sao tại bàn chứng thực 2 13 40.000 1 0", "Chứng thực bản sao từ bản chính 1 1 12.000 0 0",
		"Chứng thực hợp đồng, giao dịch 1 1 0 1 0", "Đăng ký hộ kinh doanh 1 1 0 0 1", "Tổng cộng 5 16 52.000 2 1"} {
		if !strings.Contains(txt, s) {
			t.Errorf("PDF text lacks %q", s)
		}
	}
	// the bars' values are written beside them: the timeliness chart's five
	if !strings.Contains(txt, "Giải quyết trước hạn 5 Giải quyết đúng hạn 5 Giải quyết quá hạn 2 Đang giải quyết trong hạn 1 Đang giải quyết quá hạn 1") {
		t.Errorf("PDF chart of the timeliness lacks its values:\n%s", txt)
	}
	// and the fees' bars, grouped like the table's amounts
	if !strings.Contains(txt, "Biểu đồ: Số tiền thu theo thủ tục (đồng) Chứng thực bản sao tại bàn chứng thực 40.000 Chứng thực bản sao từ bản chính 12.000") {
		t.Errorf("PDF chart of the fees lacks its grouped amounts:\n%s", txt)
	}
	if os.Getenv("MOTCUA_KEEP_REPORT") != "" {
		_ = os.WriteFile(os.Getenv("MOTCUA_KEEP_REPORT")+".xlsx", mustRead(t, xlsx), 0o600)
		_ = os.WriteFile(os.Getenv("MOTCUA_KEEP_REPORT"), mustRead(t, pdf), 0o600)
	}
}

func mustRead(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Only a supervisor gets the report: the use case refuses a clerk and a volunteer.
func TestReportSupervisorOnly(t *testing.T) {
	w := reportstest.NewWard(t)
	p := reports.Today(w.Clk.Now())
	for _, role := range []string{offline.RoleClerk, offline.RoleVolunteer} {
		_, err := reports.Compute(context.Background(), w.One, counter.Operator{ID: "x01", Role: role}, p, reports.Options{})
		if !errors.Is(err, counter.ErrForbidden) {
			t.Errorf("%s: %v, want ErrForbidden", role, err)
		}
	}
	if _, err := reports.Compute(context.Background(), w.One, supervisor, p, reports.Options{}); err != nil {
		t.Errorf("supervisor: %v", err)
	}
	if _, err := reports.Compute(context.Background(), w.One, supervisor, reports.Period{From: p.To, To: p.From}, reports.Options{}); !errors.Is(err, reports.ErrPeriod) {
		t.Errorf("reversed period: %v", err)
	}
}

// The export's format follows the extension; others are refused.
func TestExportFormat(t *testing.T) {
	for _, name := range []string{"a.xlsx", "B.PDF"} {
		if _, err := reports.FormatOf(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, name := range []string{"a.csv", "a", "a.xls", "a.pdf.txt"} {
		if _, err := reports.FormatOf(name); !errors.Is(err, reports.ErrFormat) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
