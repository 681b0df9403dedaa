package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/internal/counter"
	"motcua/offline"
)

// fakeSupervision is what the fake backend's supervisor's part recorded.
type fakeSupervision struct {
	extended []string // code/new appointment/reason
	printed  []string
	exported []string
	filters  []counter.BookFilter
	refuse   error // every call refused (a volunteer)
}

func (b *fakeBackend) lateItems() []counter.LateItem {
	day := func(d int) time.Time { return time.Date(2026, 11, 23+d, 8, 0, 0, 0, time.UTC) }
	return []counter.LateItem{
		{LifeInfo: offline.LifeInfo{Code: "T.01-261117-010003", Stage: "processing", Service: "xac-nhan-tthn", Counter: "01", Due: day(-2), Appointment: day(-2)},
			DaysLeft: -2, Past: true, Late: true},
		{LifeInfo: offline.LifeInfo{Code: "T.01-261118-020001", Stage: "received", Service: "khai-sinh", Counter: "02", Due: day(0), Appointment: day(0), Remote: true}},
		{LifeInfo: offline.LifeInfo{Code: "T.01-261119-010007", Stage: "supplement_requested", Service: "xac-nhan-tthn", Counter: "01", Due: day(-1),
			Appointment: day(1), Extended: true}, DaysLeft: 1, Late: true},
	}
}

func (b *fakeBackend) LateWatch(Operator, counter.LateWatchOptions) ([]counter.LateItem, error) {
	b.path.io("LateWatch")
	if b.sup.refuse != nil {
		return nil, b.sup.refuse
	}
	return b.lateItems(), nil
}

func (b *fakeBackend) NewAppointment(_ Operator, code string, days int) (time.Time, error) {
	b.path.io("NewAppointment")
	// the fake's calendar: working days Monday to Friday from today
	d := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	for n := 0; n < days; {
		d = d.AddDate(0, 0, 1)
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			n++
		}
	}
	return d, nil
}

func (b *fakeBackend) Extend(_ context.Context, op Operator, code, _ string, when time.Time, reason string, _ counter.StepOptions) (counter.ApologyOutcome, error) {
	b.path.io("Extend")
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sup.extended = append(b.sup.extended, code+"/"+when.Format("02/01/2006")+"/"+reason)
	return counter.ApologyOutcome{LifeOutcome: counter.LifeOutcome{Life: &lifecycle.Life{Code: code}, Sent: true},
		Letter: forms.ApologyLetter{DossierCode: code, NewAppointment: when, Reason: reason}}, nil
}

func (b *fakeBackend) PrintApology(_ context.Context, _ Operator, l forms.ApologyLetter) (string, error) {
	b.path.io("PrintApology")
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sup.printed = append(b.sup.printed, l.DossierCode)
	if b.outcomes.printErr != nil {
		return "", b.outcomes.printErr
	}
	return "/tmp/" + l.DossierCode + "-mau04.pdf", nil
}

func (b *fakeBackend) Book(_ context.Context, _ Operator, f counter.BookFilter) (*counter.BookResult, error) {
	b.path.io("Book")
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sup.refuse != nil {
		return nil, b.sup.refuse
	}
	b.sup.filters = append(b.sup.filters, f)
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	rows := []forms.BookRow{
		{No: 1, Code: "T.01-261120-010001", ServiceName: "Cấp giấy xác nhận tình trạng hôn nhân", Applicant: "Trần Thị Hòa", ReceivedAt: at,
			Stage: "đã trả kết quả", Timeliness: "đúng hạn", Counter: "01"},
		{No: 2, Code: "T.01-261120-020001", ServiceName: "Đăng ký khai sinh", ReceivedAt: at, Stage: "đang giải quyết", Counter: "02"},
		{No: 3, Code: "T.01-261121-010002", ServiceName: "Đăng ký khai sinh", Applicant: "Lê Văn Minh", ReceivedAt: at.AddDate(0, 0, 1),
			Stage: "đã tiếp nhận", Timeliness: "quá hạn", Counter: "01"},
	}
	return &counter.BookResult{Book: forms.Book{From: f.From, To: f.To, Rows: rows}, Fresh: true, Local: 2, Remote: 1}, nil
}

func (b *fakeBackend) ExportBook(_ context.Context, _ Operator, book forms.Book, path string) error {
	b.path.io("ExportBook")
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sup.exported = append(b.sup.exported, path)
	return nil
}

// The late watch: F7 lists the dossiers, the past one first; Enter prepares the apology with
// the new appointment computed in working days; PgUp adds a day; Enter records it through
// Extend and prints Mẫu 04, saying where.
func TestLateWatchApology(t *testing.T) {
	h := newHarness(t)
	h.key(tea.KeyF8)
	if !h.on(scrLate) {
		t.Fatalf("F7 did not open the late watch:\n%s", h.screen())
	}
	h.want("T.01-261117-010003", "QUÁ HẠN 2 ngày", "hẹn hôm nay", "còn 1 ngày, hẹn lại")
	h.key(tea.KeyEnter) // the first, most urgent
	h.want("Mẫu 04", "T.01-261117-010003", "thêm 2 ngày làm việc", "25/11/2026", defaultApologyReason)
	h.key(tea.KeyPgUp) // one working day more
	h.want("thêm 3 ngày làm việc", "26/11/2026")
	h.key(tea.KeyEnter)
	be := h.be
	if len(be.sup.extended) != 1 || be.sup.extended[0] != "T.01-261117-010003/26/11/2026/"+defaultApologyReason {
		t.Fatalf("extended %v", be.sup.extended)
	}
	if len(be.sup.printed) != 1 {
		t.Fatalf("printed %v", be.sup.printed)
	}
	h.want("Đã ghi xin lỗi, hẹn lại hồ sơ T.01-261117-010003 ngày 26/11/2026", "T.01-261117-010003-mau04.pdf")
	if !h.on(scrLate) || h.model().screens[scrLate].(*lateScreen).code != "" {
		t.Error("not back on the list after the apology")
	}
	// an empty reason is refused
	h.key(tea.KeyEnter)
	ls := h.model().screens[scrLate].(*lateScreen)
	ls.reason.SetValue("")
	h.key(tea.KeyEnter)
	h.want("Ghi lý do chậm trả kết quả")
	if len(be.sup.extended) != 1 {
		t.Errorf("recorded without a reason: %v", be.sup.extended)
	}
	h.key(tea.KeyEscape) // leave the apology
	h.key(tea.KeyEscape) // leave the watch
	if !h.on(scrIdentify) {
		t.Errorf("esc did not go back:\n%s", h.screen())
	}
}

// The book: F8 opens this month's book from the gateway's list too; the filters reach the
// use case; F5 and F6 export what is shown and say where the file went; a bad date is
// refused before any call.
func TestBookScreen(t *testing.T) {
	h := newHarnessWith(t, Options{ExportDir: "/srv/xuat"})
	h.key(tea.KeyF9)
	if !h.on(scrBook) {
		t.Fatalf("F8 did not open the book:\n%s", h.screen())
	}
	h.want("Sổ theo dõi hồ sơ (Mẫu 07)", "01/11/2026", "23/11/2026", "3 hồ sơ (2 tiếp nhận tại máy này, 1 của quầy khác)",
		"T.01-261120-010001", "Trần Thị Hòa", "đang giải quyết")
	be := h.be
	f := be.sup.filters[0]
	if !f.Refresh || !f.From.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) || !f.To.Equal(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("first filter %+v", f)
	}
	// counter 02, late only, returned dossiers
	h.send(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}) // counter
	h.key(tea.KeyRight)
	h.key(tea.KeyRight)
	h.send(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}) // late
	h.key(tea.KeyRight)
	h.send(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}) // stage
	for range 5 {
		h.key(tea.KeyRight)
	}
	h.want("Quầy: ‹02›", "Quá hạn: ‹chỉ quá hạn›", "Trạng thái: ‹"+lifecycle.StageReturned.Label()+"›")
	h.key(tea.KeyEnter)
	f = be.sup.filters[len(be.sup.filters)-1]
	if f.Counter != "02" || f.Late == nil || !*f.Late || len(f.Stages) != 1 || f.Stages[0] != lifecycle.StageReturned {
		t.Errorf("filter %+v", f)
	}
	h.key(tea.KeyF5)
	h.key(tea.KeyF6)
	if len(be.sup.exported) != 2 || !strings.HasPrefix(be.sup.exported[0], "/srv/xuat/so-theo-doi-20261101-20261123-") ||
		!strings.HasSuffix(be.sup.exported[0], ".xlsx") || !strings.HasSuffix(be.sup.exported[1], ".pdf") {
		t.Fatalf("exported %v", be.sup.exported)
	}
	h.want("Đã xuất 3 hồ sơ vào tệp /srv/xuat/so-theo-doi-20261101-20261123-")
	// a bad date: no call
	calls := len(be.sup.filters)
	for range 3 { // from the stage: service, to, from
		h.send(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
	}
	ls := h.model().screens[scrBook].(*bookScreen)
	if ls.focus != bookFrom {
		t.Fatalf("focus %d", ls.focus)
	}
	for range 10 {
		h.key(tea.KeyBackspace)
	}
	h.typ("31/02/2026")
	h.key(tea.KeyEnter)
	h.want("ngày bắt đầu phải dạng DD/MM/YYYY")
	if len(be.sup.filters) != calls {
		t.Error("a bad date reached the use case")
	}
}

// A refusal of the use case (a volunteer has no right to the book) is said, nothing shown.
func TestSupervisionRefused(t *testing.T) {
	h := newHarness(t)
	h.be.sup.refuse = errors.New("counter: operator tn01 (volunteer) may not book")
	h.key(tea.KeyF9)
	if h.on(scrBook) {
		t.Error("the book opened on a refusal")
	}
	h.want("Không lập được sổ theo dõi hồ sơ")
	h.key(tea.KeyF8)
	h.want("Không mở được danh sách theo dõi hạn")
}
