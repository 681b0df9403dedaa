package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"motcua/forms"
	"motcua/internal/counter"
	"motcua/internal/reports"
	"motcua/internal/reports/reportstest"
	"motcua/lookups"
	"motcua/lookups/card"
	"motcua/offline"
)

// reportBackend is the fake backend with the leadership's report of the known history
// (internal/reports/reportstest), or a refusal.
type reportBackend struct {
	*fakeBackend
	r     *reports.Report
	err   error
	asked []reports.Period
}

func (b *reportBackend) Report(_ context.Context, op Operator, p reports.Period) (*reports.Report, error) {
	b.path.io("Report")
	b.mu.Lock()
	defer b.mu.Unlock()
	b.asked = append(b.asked, p)
	if op.Role != offline.RoleSupervisor {
		return nil, &counter.ForbiddenError{Action: counter.ActReport, Operator: op.ID, Role: op.Role}
	}
	return b.r, b.err
}

// newReportHarness is the harness with the report backend, the operator of role, in w x h.
func newReportHarness(t *testing.T, r *reports.Report, role string, w, h int) (*harness, *reportBackend) {
	t.Helper()
	fb := &fakeBackend{residents: map[string]*lookups.Resident{}, now: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	fb.path = &updatePath{updateG: goid()}
	t.Cleanup(func() { fb.path.check(t) })
	be := &reportBackend{fakeBackend: fb, r: r}
	m := New(Options{Backend: be, Operator: Operator{ID: "gs01", Name: "Giám sát Thử", Role: role}, Location: time.UTC,
		Agency: "UBND PHƯỜNG THỬ NGHIỆM"})
	m.f.noTimers = true
	hs := &harness{t: t, m: m, be: fb}
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	for _, msg := range run(m.Init()) {
		hs.send(msg)
	}
	return hs, be
}

var fortnightReport = func() func(t *testing.T) *reports.Report {
	var r *reports.Report
	return func(t *testing.T) *reports.Report {
		if r == nil {
			_, r = reportstest.Fortnight(t)
		}
		return r
	}
}()

// The supervisor's screen shows the known history's figures (worked out by hand in
// internal/reports/figures_test.go), one table at a time, with its chart.
func TestReportsScreenFigures(t *testing.T) {
	r := fortnightReport(t)
	h, be := newReportHarness(t, r, offline.RoleSupervisor, 120, 40)
	h.want("F6 báo cáo")
	h.key(tea.KeyF6)
	if !h.on(scrReports) {
		t.Fatalf("F6 did not open the reports:\n%s", h.screen())
	}
	h.want("Tiếp nhận 15 (trực tiếp 15, trực tuyến 0, bưu chính 0); kỳ trước chuyển sang 1",
		"Đã giải quyết 12: trước hạn 5, đúng hạn 5, quá hạn 2", "Đang giải quyết 2: trong hạn 1, quá hạn 1; dừng 1, rút 1",
		"Quầy này 13, quầy khác 2 hồ sơ", "Theo ngày  █▆▅▃▁▁▁▃▁▆▁▃▁▁  (cao nhất 4)")
	flat := func() string { return strings.Join(strings.Fields(h.screen()), " ") }
	for _, want := range []string{
		// too wide for the screen: each row's label, then its columns and values
		"Cấp giấy xác nhận tình trạng hôn nhân Kỳ trước chuyển sang 1 · Tiếp nhận trong kỳ 12 · Đã giải quyết 9 · trước hạn 3 · đúng hạn 4 · quá hạn 2 Đang giải quyết 2 · trong hạn 1 · quá hạn 1 · Dừng 1 · Rút 1",
		"Tổng cộng Kỳ trước chuyển sang 1 · Tiếp nhận trong kỳ 15",
		"Cấp giấy xác nhận tình trạng hôn nhân │" + strings.Repeat("█", 118-37-10) + " 12", // a body of 118 cells: the label 37, the axis and the value 10
	} {
		if !strings.Contains(flat(), want) {
			t.Errorf("screen lacks %q:\n%s", want, h.screen())
		}
	}
	// → through the tables: timeliness, satisfaction, look-ups, Đề án 06, counter time, fees
	checks := map[int][]string{
		2: {"Giải quyết trước hạn 5 41,7 %", "Giải quyết đúng hạn 5 41,7 %", "Đang giải quyết quá hạn 1 50,0 %"},
		4: {"Rất hài lòng 2 33,3 %", "Hài lòng 3 50,0 %", "Hài lòng và rất hài lòng 5 83,3 %", "Tổng số ý kiến 6"},
		5: {"Cán bộ: cb01 7 53,8 %", "Kết quả: Dùng bản lưu tạm (mất kết nối) 1 7,7 %", "Lượt đọc thẻ căn cước gắn chip 6"},
		6: {"Xác định công dân bằng thẻ gắn chip 6 13 46,2 %", "Thẻ gắn chip, chip xác thực là thẻ gốc 5 13 38,5 %",
			"Phục vụ bằng bản lưu tạm khi mất kết nối 1 13 7,7 %"},
		7: {"Tất cả thủ tục 13 6:00 9:00", "Chứng thực bản sao từ bản chính 1 4:00 4:00", "Chứng thực hợp đồng, giao dịch 1 7:00 7:00"},
		9: {"10. Phí, lệ phí thu tại quầy này", "Chứng thực bản sao tại bàn chứng thực 2 13 40.000 1 0",
			"Chứng thực bản sao từ bản chính 1 1 12.000 0 0", "Chứng thực hợp đồng, giao dịch 1 1 0 1 0", "Đăng ký hộ kinh doanh 1 1 0 0 1",
			"Tổng cộng 5 16 52.000 2 1"},
	}
	for i := 1; i < len(reports.Tables(r)); i++ {
		h.key(tea.KeyRight)
		for _, want := range checks[i] {
			if !strings.Contains(flat(), want) {
				t.Errorf("table %d lacks %q:\n%s", i+1, want, h.screen())
			}
		}
	}
	// the periods: today, this week, this month, a range typed
	h.typ("1")
	h.want("Báo cáo hôm nay")
	h.typ("2")
	h.want("Báo cáo tuần này")
	h.typ("4")
	h.typ("23/11/2026 06/12/2026")
	h.key(tea.KeyEnter)
	h.want("Báo cáo khoảng ngày: từ ngày 23/11/2026 đến ngày 06/12/2026")
	want := []reports.Period{
		reports.ThisMonth(be.now), reports.Today(be.now), reports.ThisWeek(be.now),
		reports.Days(lookups.Date{Year: 2026, Month: 11, Day: 23}, lookups.Date{Year: 2026, Month: 12, Day: 6}, time.UTC),
	}
	if fmt.Sprint(be.asked) != fmt.Sprint(want) {
		t.Errorf("periods asked\n got %v\nwant %v", be.asked, want)
	}
	h.key(tea.KeyEscape)
	if !h.on(scrIdentify) {
		t.Error("esc did not go back")
	}
}

// A clerk pressing F6 is refused by the use case, told which right is missing, and stays.
func TestReportsScreenClerkRefused(t *testing.T) {
	h, _ := newReportHarness(t, &reports.Report{}, offline.RoleClerk, 80, 24)
	if strings.Contains(h.screen(), "F6 báo cáo") {
		t.Error("the F6 hint is shown to a clerk")
	}
	h.key(tea.KeyF6)
	if h.on(scrReports) {
		t.Fatal("a clerk reached the reports")
	}
	h.want("Chưa lập được báo cáo", "giám sát")
}

// The supervisor's screen at 80x24 and 120x40: the first table and the Đề án 06 table.
func TestReportsGolden(t *testing.T) {
	r := fortnightReport(t)
	for _, sc := range []struct {
		name   string
		rights int // → presses
	}{{"dossiers", 0}, {"dean06", 6}, {"days", 8}, {"fees", 9}} {
		for _, size := range []struct{ w, h int }{{80, 24}, {120, 40}} {
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, size.w, size.h), func(t *testing.T) {
				h, _ := newReportHarness(t, r, offline.RoleSupervisor, size.w, size.h)
				h.key(tea.KeyF6)
				for range sc.rights {
					h.key(tea.KeyRight)
				}
				golden.RequireEqual(t, ansi.Strip(h.m.View().Content))
			})
		}
	}
}

// What the reports need from a reception at the counter screen: the person's time is the
// visit's first identification (not when the service was chosen) and a chip read's proof is
// recorded once its checks are decided: chip proven, or only the data signed.
func TestReceptionRecordsIdentificationAndProof(t *testing.T) {
	for _, c := range []struct {
		name  string
		final func(r *card.Result)
		proof string
	}{
		{"chip proven", nil, forms.ProofChip},
		{"data signed only", func(r *card.Result) { r.Active, r.Chip = card.NotOffered, card.NotOffered }, forms.ProofSigned},
	} {
		t.Run(c.name, func(t *testing.T) {
			steps, last := script(id1, c.final)
			st := &fakeStation{virtual: []lookups.CardInfo{{ID: id1}}, steps: steps, final: last}
			h := chipHarness(t, st)
			identified := h.be.now
			h.key(tea.KeyF2)
			h.key(tea.KeyEnter) // the card is read and looked up
			h.be.mu.Lock()
			h.be.now = identified.Add(4 * time.Minute) // the citizen explains what they need
			h.be.mu.Unlock()
			h.key(tea.KeyEnter) // choose a service
			h.key(tea.KeyEnter) // the marital-status confirmation
			h.typ("2")
			h.key(tea.KeyTab)
			h.typ("Bổ sung hồ sơ")
			h.key(tea.KeyF10)
			h.key(tea.KeyEnter)
			if len(h.be.received) != 1 {
				t.Fatalf("nothing received:\n%s", h.screen())
			}
			decl := h.be.received[0]
			p, ok := decl.Person(decl.Spec().Subject.Person)
			if !ok {
				t.Fatal("the subject's slot is empty")
			}
			if !p.At.Equal(identified) || p.Proof != c.proof || p.CardSource != forms.SourceCard {
				t.Errorf("person at %v proof %q source %q; want %v, %q, card", p.At, p.Proof, p.CardSource, identified, c.proof)
			}
		})
	}
}
