package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"motcua/forms"
	"motcua/internal/counter"
	"motcua/internal/ratinglink"
	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/offline"
)

func TestTypedIDInvalid(t *testing.T) {
	h := newHarness(t)
	h.typ("12345")
	h.key(tea.KeyEnter)
	h.want("12 chữ số")
	if len(h.be.lookups) != 0 {
		t.Fatal("an invalid ID must not reach the gateway")
	}
}

func TestTypedIDLooksUpWithReceptionPurpose(t *testing.T) {
	h := newHarness(t)
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.want("Bước 2 — Thông tin công dân", "Trần Thị Hòa", "Phường Ba Đình")
	if len(h.be.lookups) != 1 || h.be.lookups[0].Purpose != lookups.PurposeReception || h.be.lookups[0].Operator != "cb.test" {
		t.Fatalf("look-up meta: %+v", h.be.lookups)
	}
}

func TestQRScanFillsCardAndNotesToneMarks(t *testing.T) {
	h := newHarness(t)
	// the card prints the old tone placement (Hoà), the database the new one (Hòa)
	h.typ(fmt.Sprintf("%s||Trần Thị Hoà|14051996|Nữ|Số 9, ngõ Mẫu, Phường Cũ, Quận Cũ, Hà Nội|01022022", id1))
	h.key(tea.KeyEnter)
	h.want("[QR]", "chỉ khác CSDL", "cách đặt dấu", "Địa chỉ in trên thẻ")
	if v := h.model().d.v; v.card == nil || v.cardSource != forms.SourceQR || v.card.FullName != "Trần Thị Hoà" {
		t.Fatalf("card not kept from the QR: %+v", v.card)
	}
}

func TestMalformedQR(t *testing.T) {
	h := newHarness(t)
	h.typ(id1 + "||Trần Thị Hoà|1405")
	h.key(tea.KeyEnter)
	h.want("Mã QR bị cắt", "gõ số định danh")
	if scr := h.screen(); strings.Count(scr, "Hãy quét lại") != 1 {
		t.Errorf("the QR message repeats itself:\n%s", scr)
	}
	if !h.on(scrIdentify) || len(h.be.lookups) != 0 {
		t.Fatal("a malformed QR must stay on the identify screen without a look-up")
	}
}

func TestLookupErrorsInVietnamese(t *testing.T) {
	h := newHarness(t)
	h.be.lookupErr = &gateway.Error{Op: "lookup", Err: errors.New("dial tcp: connection refused")}
	h.typ(id1)
	h.key(tea.KeyEnter)
	if f := h.model().f; !h.on(scrIdentify) || !f.noticeErr || f.notice != counter.Explain(h.be.lookupErr) {
		t.Fatalf("screen %d, message %q", f.screen, f.notice)
	}
	h.be.lookupErr = nil
	h.key(tea.KeyEscape)
	h.typ(mustID("079", lookups.Male, lookups.NewDate(1980, 1, 2), 5))
	h.key(tea.KeyEnter)
	h.want("Không có công dân mang số định danh này")
}

func TestDeceasedCannotStartADossier(t *testing.T) {
	h := newHarness(t)
	r := resident(id1, "Trần Thị Hòa", lookups.Widowed)
	r.DeathDate = lookups.NewDate(2024, 3, 1)
	h.be.residents[id1] = r
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.want("CÔNG DÂN ĐÃ MẤT ngày 01/03/2024")
	if strings.Contains(h.screen(), "chọn thủ tục") {
		t.Errorf("the panel of a deceased person offers a service:\n%s", h.screen())
	}
	h.key(tea.KeyEnter)
	h.want("đã mất: không tiếp nhận hồ sơ")
	if !h.on(scrResident) {
		t.Fatal("service choice must be blocked")
	}
}

func openForm(h *harness) {
	h.t.Helper()
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.key(tea.KeyEnter) // choose a service
	h.key(tea.KeyEnter) // the marital-status confirmation
	h.want("Bước 4 — Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", "[CSDL 10:00]")
}

func TestFormReviewJumpsToFirstProblem(t *testing.T) {
	h := newHarness(t)
	openForm(h)
	h.key(tea.KeyF10)
	h.want("Còn 1 ô chưa đúng hoặc còn thiếu")
	if !h.on(scrForm) || h.model().d.form.current().path != "purpose" {
		t.Fatalf("cursor on %q, want the purpose field", h.model().d.form.current().path)
	}
}

func TestChoiceFilterIgnoresDiacritics(t *testing.T) {
	h := newHarness(t)
	openForm(h)
	h.typ("khac") // "Mục đích khác"
	if v := h.model().d.form.decl.Value("purpose"); v != "other" {
		t.Fatalf("purpose = %q after typing 'khac'", v)
	}
	h.key(tea.KeyRight)
	if v := h.model().d.form.decl.Value("purpose"); v == "other" {
		t.Fatal("→ did not move to the next choice")
	}
}

func TestInlineErrorWhileTyping(t *testing.T) {
	h := newHarness(t)
	openForm(h)
	h.model().d.form.focusPath("phone")
	for range 10 {
		h.key(tea.KeyBackspace)
	}
	h.typ("0123")
	h.want("⚠")
	if !strings.Contains(h.model().d.form.errs["phone"], "điện thoại") {
		t.Fatalf("phone error: %q", h.model().d.form.errs["phone"])
	}
}

// A date is typed as digits only and shown as dd/mm/yyyy.
func TestDateTypedAsDigits(t *testing.T) {
	h := newHarness(t)
	openForm(h)
	fs := h.model().d.form
	fs.focusPath("subject_id_issue_date")
	for range 12 {
		h.key(tea.KeyBackspace)
	}
	h.typ("01022022")
	if v := fs.decl.Value("subject_id_issue_date"); v != "01/02/2022" {
		t.Fatalf("issue date = %q, want 01/02/2022", v)
	}
	if msg, ok := fs.errs["subject_id_issue_date"]; ok {
		t.Fatalf("digits refused: %s", msg)
	}
}

// Ctrl+N goes forward to the next field still missing and wraps around.
func TestNextMissingGoesForwardAndWraps(t *testing.T) {
	h := newHarness(t)
	openForm(h)
	fs := h.model().d.form
	h.typ("1") // purpose: to marry: partner name and marriage place become required
	miss := fs.missingKeys()
	if len(miss) < 2 {
		t.Fatalf("want at least two missing rows, got %v", miss)
	}
	var seen []string
	for range len(miss) + 1 {
		h.send(tea.KeyPressMsg{Code: 'n', Mod: tea.ModCtrl})
		seen = append(seen, fs.key(fs.current()))
	}
	if seen[0] == seen[1] || seen[len(miss)] != seen[0] {
		t.Fatalf("ctrl+n visited %v over missing %v: want each in turn, then back to the first", seen, miss)
	}
}

func TestWholeFlowAndReset(t *testing.T) {
	h := newHarness(t)
	openForm(h)
	h.typ("2")
	h.key(tea.KeyTab)
	h.typ("Bổ sung hồ sơ")
	h.key(tea.KeyF10)
	h.want("Bước 5 — Xem lại", "Bổ sung hồ sơ", "không yêu cầu giấy xác nhận cư trú")
	h.key(tea.KeyEnter)
	h.want("Đã tiếp nhận hồ sơ", "T.01-261123-010001", "đã gửi")
	if len(h.be.received) != 1 {
		t.Fatal("dossier not handed to the backend")
	}
	h.key(tea.KeyEnter)
	h.want("Bước 1 — Xác định công dân")
	v := h.model().d.v
	if v.resident != nil || v.card != nil || v.intake != nil || v.outcome != nil || len(v.looked) != 0 {
		t.Fatal("the previous citizen's data was not cleared")
	}
	if strings.Contains(h.screen(), "Trần Thị Hòa") {
		t.Fatal("the previous citizen is still on screen")
	}
}

func TestStaleLookupResultDropped(t *testing.T) {
	h := newHarness(t)
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.key(tea.KeyEscape) // next citizen
	old := h.model().f.seq - 1
	h.send(lookupMsg{seq: old, resident: resident(id1, "Người Cũ", lookups.Married)})
	if !h.on(scrIdentify) {
		t.Fatal("a stale look-up result changed the screen")
	}
}

// A declaration is saved as a draft after each step; leaving it says so; the
// same service for the same citizen resumes it instead of a blank one; F3
// lists the drafts with whom they are about, in a stable order.
func TestDraftKeptResumedAndListed(t *testing.T) {
	h := newHarness(t)
	openForm(h)
	h.typ("2") // purpose: other
	h.key(tea.KeyTab)
	h.typ("Bổ sung hồ sơ")
	if len(h.be.drafts) != 1 {
		t.Fatalf("%d drafts saved, want 1", len(h.be.drafts))
	}
	h.key(tea.KeyEscape) // form -> services: the draft is kept, and the clerk is told
	h.want("Đã lưu bản nháp")
	h.key(tea.KeyEnter) // the same service again: the draft comes back
	h.want("Đã mở lại hồ sơ soạn dở", "Bổ sung hồ sơ")
	if len(h.be.drafts) != 1 {
		t.Fatalf("%d drafts after reopening the same service, want 1", len(h.be.drafts))
	}
	h.key(tea.KeyEscape)
	h.key(tea.KeyEscape) // services -> resident
	h.key(tea.KeyEscape) // resident -> next citizen
	h.want("Bước 1 — Xác định công dân")
	h.key(tea.KeyF3)
	h.want("Hồ sơ đang soạn dở", "Cấp giấy xác nhận tình trạng hôn nhân", "Trần Thị Hòa")
	h.key(tea.KeyEnter)
	h.want("Đã mở lại hồ sơ soạn dở", "Bước 4")
	fs := h.model().d.form
	if got := fs.decl.Value("purpose_other"); got != "Bổ sung hồ sơ" {
		t.Fatalf("resumed purpose_other = %q", got)
	}
	if src := fs.decl.Provenance("subject_name").Source; src != forms.SourceDatabase {
		t.Fatalf("resumed subject_name source = %q, want database", src)
	}
	h.key(tea.KeyF10)
	h.key(tea.KeyEnter)
	h.want("Đã tiếp nhận hồ sơ")
	if len(h.be.drafts) != 0 {
		t.Fatal("the draft was not dropped when the dossier was received")
	}
}

// After the idle time the screen clears the citizen and asks for a login;
// logging in again brings the counter back.
func TestIdleLockAndLogin(t *testing.T) {
	var h *harness
	logins := 0
	h = newHarnessWith(t, Options{IdleLock: time.Minute, Login: func(_ context.Context, id, pass string) (Backend, Operator, error) {
		logins++
		if pass != "mat-khau-dung" {
			return nil, Operator{}, errors.New("wrong passphrase")
		}
		return h.be, Operator{ID: id, Name: "Cán bộ Thử", Role: "clerk"}, nil
	}})
	h.want("Đăng nhập")
	h.typ("cb.test")
	h.key(tea.KeyEnter)
	h.typ("mat-khau-dung")
	h.key(tea.KeyEnter)
	h.want("Bước 1 — Xác định công dân", "Xin chào")
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.want("Trần Thị Hòa")
	m := h.model()
	m.lastKey = time.Now().Add(-2 * time.Minute)
	h.m = m
	h.send(idleTickMsg{})
	h.want("Đăng nhập", "Màn hình đã khóa")
	if strings.Contains(h.screen(), "Trần Thị Hòa") || h.model().d.v.resident != nil {
		t.Fatal("the citizen is still on the locked screen")
	}
	h.typ("sai-mat-khau")
	h.key(tea.KeyEnter)
	if !h.on(scrLogin) {
		t.Fatal("a wrong passphrase unlocked the counter")
	}
	h.typ("mat-khau-dung")
	h.key(tea.KeyEnter)
	h.want("Bước 1 — Xác định công dân", "Xin chào")
	if logins != 3 {
		t.Fatalf("%d login attempts, want 3", logins)
	}
}

// Each login starts the session's timers (queue, cache sweep) and each lock
// ends them: after locks and logins one chain runs, not one per login.
func TestSessionTimersDoNotMultiply(t *testing.T) {
	var h *harness
	h = newHarnessWith(t, Options{IdleLock: time.Minute, Login: func(_ context.Context, id, _ string) (Backend, Operator, error) {
		return h.be, Operator{ID: id, Name: "Cán bộ Thử", Role: "clerk"}, nil
	}})
	drains := func() int { h.be.mu.Lock(); defer h.be.mu.Unlock(); return h.be.drains }
	var ticks []tea.Msg
	h.typ("cb.test")
	h.key(tea.KeyEnter)
	for range 3 {
		h.typ("mat-khau") // after a lock the ID is kept
		h.key(tea.KeyEnter)
		h.want("Xin chào")
		s := h.model().f.session
		ticks = append(ticks, syncTickMsg{session: s}, sweepTickMsg{session: s})
		m := h.model()
		m.lastKey = time.Now().Add(-2 * time.Minute)
		h.m = m
		h.send(idleTickMsg{})
		h.want("Đăng nhập")
	}
	h.typ("mat-khau")
	h.key(tea.KeyEnter)
	before := drains()
	for _, tick := range ticks { // the earlier sessions' timers firing now
		if _, cmd := h.m.Update(tick); cmd != nil {
			t.Fatalf("%T of an ended session still runs work", tick)
		}
	}
	h.send(syncTickMsg{session: h.model().f.session})
	if got := drains() - before; got != 1 {
		t.Errorf("the current session's tick drained %d times, want 1", got)
	}
	// a start scheduled before a login is dropped: the login started the session
	if _, cmd := h.m.Update(sessionStartMsg{session: 0}); cmd != nil {
		t.Error("a stale session start runs work")
	}
}

// Keys typed while a look-up runs are not lost: they are replayed in order
// once it answers (a clerk typing ahead, a scanner sending a line).
func TestTypeaheadReplayedInOrder(t *testing.T) {
	h := newHarness(t)
	h.typ(id1)
	next, _ := h.m.Update(tea.KeyPressMsg{Code: tea.KeyEnter}) // starts the look-up; its answer is held back
	m := next.(Model)
	if m.f.busy == "" {
		t.Fatal("the look-up did not start")
	}
	next, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyEnter}) // typed ahead: choose a service
	next, _ = next.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	m = next.(Model)
	if len(m.typeahead) != 2 || m.f.screen != scrIdentify {
		t.Fatalf("typeahead %d, screen %d", len(m.typeahead), m.f.screen)
	}
	// the look-up's answer, as its command would deliver it
	res, origin := h.be.residents[id1], lookups.Origin{Source: lookups.SourceDatabase, FetchedAt: h.be.now}
	next, cmd := m.Update(lookupMsg{seq: m.f.seq, id: id1, resident: res, origin: origin})
	m = next.(Model)
	if !m.replayPending || cmd == nil {
		t.Fatal("no replay scheduled after the answer")
	}
	next, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyUp}) // a newer key queues behind the typed-ahead ones
	next, _ = next.Update(replayMsg{})
	m = next.(Model)
	svc := m.screens[scrServices].(*servicesScreen)
	if m.f.screen != scrServices || len(m.typeahead) != 0 || svc.list.cur != 0 {
		t.Fatalf("after replay: screen %d, typeahead %d, service %d (want services, 0, 0: Enter, Down, Up)", m.f.screen, len(m.typeahead), svc.list.cur)
	}
}

// F4 lists the dossiers received on this machine, states in Vietnamese;
// Enter reprints a receipt; the notice goes when the clerk leaves.
func TestHistoryReprint(t *testing.T) {
	h := newHarness(t)
	h.key(tea.KeyF4)
	h.want("Hồ sơ đã tiếp nhận trên máy này", "T.01-261123-010002", "Đăng ký khai sinh", "đã gửi", "chờ gửi lại")
	if strings.Contains(h.screen(), "submitted") {
		t.Errorf("an English state on the F4 list:\n%s", h.screen())
	}
	h.key(tea.KeyDown)
	h.key(tea.KeyEnter)
	h.want("Đã in lại biên nhận T.01-261123-010001")
	if len(h.be.reprinted) != 1 || h.be.reprinted[0] != "T.01-261123-010001/cb.test" {
		t.Fatalf("reprinted %v", h.be.reprinted)
	}
	h.key(tea.KeyEscape)
	if strings.Contains(h.screen(), "Đã in lại biên nhận") {
		t.Errorf("the reprint notice stays after Esc:\n%s", h.screen())
	}
}

// Services are picked by number or by typing part of the name without
// diacritics; a same-day service says so.
func TestServicesByNumberAndFilter(t *testing.T) {
	h := newHarness(t)
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.key(tea.KeyEnter)
	h.want("Bước 3 — Chọn thủ tục", "trong ngày")
	if strings.Contains(h.screen(), "(0 ngày làm việc)") {
		t.Errorf("a same-day service reads 0 working days:\n%s", h.screen())
	}
	h.typ("ket hon")
	h.want("Lọc: ket hon")
	h.key(tea.KeyEnter)
	h.want("Bước 4 — Tờ khai đăng ký kết hôn")
	h.key(tea.KeyEscape)
	h.typ("2")
	h.want("Bước 4")
}

// F1 shows every key of the screen and the status bar in full.
func TestHelpOverlay(t *testing.T) {
	h := newHarness(t)
	openForm(h)
	h.key(tea.KeyF1)
	h.want("Trợ giúp", "F10", "xem lại", "ctrl+n", "ô còn thiếu", "Biên nhận: PDF (thư mục biên nhận)")
	h.key(tea.KeyEscape)
	h.want("Bước 4")
}

// At 80 columns the keys that finish a screen stay on the hint line.
func TestHintLineKeepsFinishingKeysAt80Columns(t *testing.T) {
	h := newHarness(t)
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	openForm(h)
	lines := strings.Split(strings.TrimRight(h.screen(), "\n"), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, "F10") || !strings.Contains(last, "esc") {
		t.Fatalf("hint line at 80 columns lacks F10 or esc: %q", last)
	}
}

// F12 turns on the built-in Telex typing for the form's text fields (and the
// status bar says so); the identification input is left alone (a QR line).
func TestTelexInFormFields(t *testing.T) {
	h := newHarness(t)
	openForm(h)
	h.typ("2") // purpose: other
	h.key(tea.KeyTab)
	h.key(tea.KeyF12)
	h.want("Telex")
	h.typ("Boor sung hoof sow")
	if got := h.model().d.form.decl.Value("purpose_other"); got != "Bổ sung hồ sơ" {
		t.Fatalf("typed with Telex: %q, want %q", got, "Bổ sung hồ sơ")
	}
	h.key(tea.KeyF12)
	h.typ(" aa")
	if got := h.model().d.form.decl.Value("purpose_other"); got != "Bổ sung hồ sơ aa" {
		t.Fatalf("typed with Telex off: %q", got)
	}
}

// When a supervisor rotates the data key (a key file revoked, an operator disabled) the
// session's key is the old one: the next sync round's error sends the counter back to the
// login screen, with the reason.
func TestKeyRotationLocksTheScreen(t *testing.T) {
	var h *harness
	h = newHarnessWith(t, Options{Login: func(context.Context, string, string) (Backend, Operator, error) {
		return h.be, Operator{ID: "cb.test", Name: "Cán bộ Thử", Role: "clerk"}, nil
	}})
	h.typ("cb.test")
	h.key(tea.KeyEnter)
	h.typ("mat-khau")
	h.key(tea.KeyEnter)
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.want("Trần Thị Hòa")
	h.send(syncedMsg{err: fmt.Errorf("drain: %w", offline.ErrKeyRotated)})
	h.want("Đăng nhập", "Hãy đăng nhập lại")
	if !h.on(scrLogin) || strings.Contains(h.screen(), "Trần Thị Hòa") {
		t.Fatal("the counter did not go back to the login screen")
	}
}

// ctrl+l locks the counter by hand: the citizen is cleared and the login asks for the next
// operator, who may be another (a supervisor after a clerk's key file). Without a login (a
// counter given its backend) it does nothing; while a command runs it waits its turn.
func TestLockKeySwitchesOperator(t *testing.T) {
	var h *harness
	h = newHarnessWith(t, Options{Login: func(_ context.Context, id, pass string) (Backend, Operator, error) {
		if pass != "mat-khau-dung" {
			return nil, Operator{}, errors.New("wrong passphrase")
		}
		return h.be, Operator{ID: id, Name: "Cán bộ " + id, Role: "supervisor"}, nil
	}})
	h.typ("cb.mot")
	h.key(tea.KeyEnter)
	h.typ("mat-khau-dung")
	h.key(tea.KeyEnter)
	h.want("Xin chào")
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.want("Trần Thị Hòa")
	h.send(tea.KeyPressMsg{Code: 'l', Mod: tea.ModCtrl})
	h.want("Đăng nhập", "Màn hình đã khóa")
	if strings.Contains(h.screen(), "Trần Thị Hòa") || h.model().d.v.resident != nil || h.model().f.be != nil {
		t.Fatal("the citizen or the backend is still there after ctrl+l")
	}
	// another operator logs in: the ID field is kept, so it is cleared and typed again
	h.key(tea.KeyTab)
	for range len("cb.mot") {
		h.key(tea.KeyBackspace)
	}
	h.typ("gs.hai")
	h.key(tea.KeyEnter)
	h.typ("mat-khau-dung")
	h.key(tea.KeyEnter)
	h.want("Xin chào")
	if got := h.model().f.op.ID; got != "gs.hai" {
		t.Errorf("logged in as %q after the lock, want gs.hai", got)
	}

	// a right the key file lacks: the message says how to log in
	if msg := h.model().f.explain(&counter.ForbiddenError{Action: counter.ActReport, Operator: "keyfile:k1", Role: "clerk", KeyFile: true}); !strings.Contains(msg, "ctrl+l") {
		t.Errorf("a key file's refusal does not say how to log in: %q", msg)
	}

	// a counter given its backend (no login) is not locked by the key
	g := newHarness(t)
	g.send(tea.KeyPressMsg{Code: 'l', Mod: tea.ModCtrl})
	if g.on(scrLogin) || g.model().f.be == nil {
		t.Error("ctrl+l locked a counter that has no login")
	}
}

// fakeLink is a rating screen that is connected, takes every question set and notes the
// ones withdrawn.
type fakeLink struct {
	mu        sync.Mutex
	asked     []string
	cancelled []string
	events    chan ratinglink.Event
}

func (l *fakeLink) Connected() bool { return true }
func (l *fakeLink) Ask(a ratinglink.Ask) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked = append(l.asked, a.ID)
	return true
}
func (l *fakeLink) Cancel(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cancelled = append(l.cancelled, id)
}
func (l *fakeLink) Done(string, bool, string)       {}
func (l *fakeLink) Events() <-chan ratinglink.Event { return l.events }

// ctrl+l while the citizen rates on their own screen withdraws the question set there and
// empties the results desk; keys typed after a ctrl+l that waited for a command do not go
// into the login's fields.
func TestLockWithdrawsTheRatingAndDropsLaterKeys(t *testing.T) {
	var h *harness
	link := &fakeLink{events: make(chan ratinglink.Event)}
	close(link.events) // the harness runs commands to their end: the listener ends at once
	h = newHarnessWith(t, Options{RatingLink: link, Login: func(_ context.Context, id, pass string) (Backend, Operator, error) {
		return h.be, Operator{ID: id, Name: "Cán bộ " + id, Role: "clerk"}, nil
	}})
	h.typ("cb.mot")
	h.key(tea.KeyEnter)
	h.typ("mat-khau")
	h.key(tea.KeyEnter)
	h.want("Xin chào")
	openResults(h, codeReady)
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.key(tea.KeyEnter) // handed over: the question set goes to the rating screen
	link.mu.Lock()
	asked := slices.Clone(link.asked)
	link.mu.Unlock()
	if len(asked) != 1 {
		t.Fatalf("question sets asked: %v", asked)
	}
	h.send(tea.KeyPressMsg{Code: 'l', Mod: tea.ModCtrl})
	h.want("Đăng nhập", "Màn hình đã khóa")
	link.mu.Lock()
	cancelled := slices.Clone(link.cancelled)
	link.mu.Unlock()
	if !slices.Equal(cancelled, asked) {
		t.Errorf("withdrawn %v, want %v", cancelled, asked)
	}
	if strings.Contains(h.screen(), codeReady) || h.model().d.results.dv != nil {
		t.Error("the dossier handed over is still on the results desk after the lock")
	}

	// a ctrl+l typed while a command runs, then keys: locked once it ends, the keys dropped
	h.key(tea.KeyEnter) // log in again (the ID kept)
	h.typ("mat-khau")
	h.key(tea.KeyEnter)
	h.want("Xin chào")
	m := h.model()
	m.f.busy = "Đang tra cứu…"
	h.m = m
	h.send(tea.KeyPressMsg{Code: 'l', Mod: tea.ModCtrl})
	h.typ("0793")
	m = h.model()
	m.f.busy = ""
	h.m = m
	h.send(tea.WindowSizeMsg{Width: 120, Height: 40}) // any message: the queue is replayed
	h.want("Đăng nhập")
	if l := h.model().login(); strings.Contains(l.id.Value(), "0793") || strings.Contains(l.pass.Value(), "0793") {
		t.Errorf("keys typed after ctrl+l reached the login: ID %q, passphrase %q", l.id.Value(), l.pass.Value())
	}
}
