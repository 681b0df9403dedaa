package reports_test

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"motcua/internal/counter"
	"motcua/internal/reports"
	"motcua/internal/testenv"
)

// bigReport is a busy ward's month, by hand: counts and amounts of thousands everywhere.
func bigReport() *reports.Report {
	loc := time.FixedZone("ICT", 7*3600)
	c := reports.Counts{CarriedOver: 1020, Received: 12345, InPerson: 9000, Online: 3045, Post: 300, Settled: 11000, Early: 4000,
		OnTime: 5500, Late: 1500, Pending: 2365, PendingInTime: 1365, PendingLate: 1000, Stopped: 0, Withdrawn: 0,
		Supplement: 1001, SupplementSlips: 1002, Refused: 1003}
	r := &reports.Report{From: time.Date(2026, 11, 1, 0, 0, 0, 0, loc), To: time.Date(2026, 11, 3, 0, 0, 0, 0, loc),
		AsOf: time.Date(2026, 11, 3, 0, 0, 0, 0, loc), GeneratedAt: time.Date(2026, 11, 3, 9, 0, 0, 0, loc), Agency: "G22.99.08",
		Local: 12345, Remote: 4321, Totals: c,
		Services: []reports.ServiceCounts{{Service: "xac-nhan-tthn", Name: "Cấp giấy xác nhận tình trạng hôn nhân", Counts: c}},
		Channels: []reports.ChannelCount{{Channel: "in_person", Label: "trực tiếp", N: 9000}, {Channel: "online", Label: "trực tuyến", N: 3045},
			{Channel: "post", Label: "bưu chính", N: 300}},
		Days: []reports.Day{{Date: "2026-11-01", Received: 6000, Settled: 5000, Lookups: 7000}, {Date: "2026-11-02", Received: 6345, Settled: 6000, Lookups: 8000}},
		Satisfaction: reports.Satisfaction{Question: "Ông/bà có hài lòng không?", Rated: 2500, Satisfied: 2000,
			Options: []reports.Option{{ID: "a", Label: "Hài lòng", N: 2000}, {ID: "b", Label: "Không hài lòng", N: 500}}},
		Lookups: reports.Lookups{Total: 15000, ByPurpose: []reports.Tally{{Code: "reception", Label: "Tiếp nhận", N: 15000}},
			ByOperator: []reports.Tally{{Code: "cb01", Label: "cb01", N: 9000}, {Code: "cb02", Label: "cb02", N: 6000}},
			ByOutcome:  []reports.Tally{{Code: "ok", Label: "CSDL trả lời", N: 15000}}, CardReads: 7500},
		DeAn06: reports.DeAn06{Received: 12345, Known: 12345, ResidenceLive: 12000, ResidenceCache: 345, WithResidence: 12345,
			FromDatabase: reports.Share{N: 12345, Of: 12345, Share: 1}, OldestCache: 1234.5 * 3600, Chip: 6000, Signed: 1000, QR: 3000, Typed: 2345,
			ByChip: reports.Share{N: 7000, Of: 12345, Share: 7000.0 / 12345}, FromCache: reports.Share{N: 345, Of: 12345, Share: 345.0 / 12345}},
		CounterTime: []reports.CounterTime{{Name: "Tất cả thủ tục", N: 12345, Median: 1500, P90: 61000},
			{Service: "xac-nhan-tthn", Name: "Cấp giấy xác nhận tình trạng hôn nhân", N: 12345, Median: 1500, P90: 61000}},
		Fees: reports.Fees{Certifications: reports.FeeRow{Name: reports.CertificationsLabel, FeeCount: counter.FeeCount{Cases: 1500, Units: 4000, Amount: 1250000, Exempt: 1000}},
			Procedures: []reports.FeeRow{{Procedure: "chung-thuc-ban-sao", Name: "Chứng thực bản sao từ bản chính",
				FeeCount: counter.FeeCount{Cases: 2000, Units: 2000, Amount: 16000000, Unknown: 1000}}},
			Dossiers: counter.FeeCount{Cases: 2000, Units: 2000, Amount: 16000000, Unknown: 1000}, Total: 17250000},
	}
	return r
}

// Every count and amount of thousands in the report's PDF is grouped with dots, as the
// screen and `report show` write them (1.250.000): in the tables, beside the bars, in the notes.
func TestPDFGroupsThousands(t *testing.T) {
	pdftotext := testenv.NeedTool(t, "pdftotext", "poppler-utils")
	r := bigReport()
	pdf := filepath.Join(t.TempDir(), "bao-cao.pdf")
	if err := reports.Export(pdf, r, counter.Agency{Code: "G22.99.08", Parent: "UBND PHƯỜNG THỬ", Name: "BỘ PHẬN MỘT CỬA", Place: "Phường Thử"}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	txt := strings.Join(strings.Fields(string(out)), " ")
	for _, s := range []string{
		"Tổng cộng 1.020 12.345 11.000 4.000 5.500 1.500 2.365 1.365 1.000 0 0",                       // the table
		"Biểu đồ: Hồ sơ tiếp nhận trong kỳ theo thủ tục Cấp giấy xác nhận tình trạng hôn nhân 12.345", // its bar
		"Trực tiếp 9.000 Trực tuyến 3.045 Bưu chính 300",                                              // the channels' bars
		"Giải quyết trước hạn 4.000 Giải quyết đúng hạn 5.500 Giải quyết quá hạn 1.500",               // the timeliness bars
		"cb01 9.000 cb02 6.000", "01/11/2026 6.000 02/11/2026 6.345",
		"Cấp giấy xác nhận tình trạng hôn nhân 1.500", // the median in seconds
		"Tất cả thủ tục 12.345 25:00 1.016:40",        // minutes of thousands
		"Bản lưu tạm cũ nhất đã dùng (giờ) 1.234,50",
		"Chứng thực bản sao tại bàn chứng thực 1.250.000 Chứng thực bản sao từ bản chính 16.000.000", // the fees' bars
		"Tổng cộng 3.500 6.000 17.250.000 1.000 1.000", "12.345 tại quầy này, 4.321 tại các quầy khác",
	} {
		if !strings.Contains(txt, s) {
			t.Errorf("PDF text lacks %q", s)
		}
	}
	// no run of four digits or more is left ungrouped, but the year of the date line
	for _, m := range regexp.MustCompile(`(\S*) (\d{4,})\b`).FindAllStringSubmatch(txt, -1) {
		if m[1] != "năm" {
			t.Errorf("ungrouped number %q after %q", m[2], m[1])
		}
	}
	if t.Failed() {
		t.Logf("PDF text:\n%s", txt)
	}
}
