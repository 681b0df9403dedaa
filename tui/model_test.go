package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"motcua/forms"
	"motcua/internal/counter"
	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/pid"
	"motcua/offline"
)

// fakeBackend answers from memory so these tests exercise the TUI alone; the
// end-to-end test in cmd/motcua runs the real parts in a real terminal.
type fakeBackend struct {
	residents map[string]*lookups.Resident
	lookupErr error
	lookups   []lookups.CallMeta
	received  []*forms.Declaration
	drafts    map[string][]byte
	reprinted []string
	now       time.Time
	path      *updatePath // notes I/O calls made on Update's goroutine
}

func (b *fakeBackend) Lookup(_ context.Context, id string, meta lookups.CallMeta) (*lookups.Resident, lookups.Origin, error) {
	b.path.io("Lookup")
	b.lookups = append(b.lookups, meta)
	if b.lookupErr != nil {
		return nil, lookups.Origin{}, b.lookupErr
	}
	r, ok := b.residents[id]
	if !ok {
		return nil, lookups.Origin{}, lookups.ErrNotFound
	}
	return r, lookups.Origin{Source: "gateway", FetchedAt: b.now}, nil
}
func (b *fakeBackend) GatewayStatus(context.Context) error {
	b.path.io("GatewayStatus")
	return nil
}
func (b *fakeBackend) PrinterStatus(context.Context) (string, error) {
	b.path.io("PrinterStatus")
	return "PDF", nil
}
func (b *fakeBackend) Services() []*forms.Spec { return forms.Catalog() }
func (b *fakeBackend) NewDeclaration(spec *forms.Spec) *forms.Declaration {
	return forms.NewDeclaration(spec, forms.Env{Agency: "UBND PHƯỜNG THỬ NGHIỆM", Place: "Phường Thử Nghiệm",
		Now: b.now, Clock: func() time.Time { return b.now }})
}
func (b *fakeBackend) SaveDraft(_ context.Context, id, service string, blob []byte, op Operator, step string) error {
	b.path.io("SaveDraft")
	if b.drafts == nil {
		b.drafts = map[string][]byte{}
	}
	b.drafts[id] = blob
	return nil
}
func (b *fakeBackend) Drafts(context.Context) ([]offline.DraftInfo, error) {
	b.path.io("Drafts")
	var out []offline.DraftInfo
	for id := range b.drafts {
		out = append(out, offline.DraftInfo{ID: id, Service: "xac-nhan-tthn", Operator: "cb.test", UpdatedAt: b.now})
	}
	return out, nil
}
func (b *fakeBackend) LoadDraft(_ context.Context, id string) (*forms.Declaration, error) {
	b.path.io("LoadDraft")
	return forms.RestoreDraft(b.drafts[id])
}
func (b *fakeBackend) Receive(_ context.Context, decl *forms.Declaration, op Operator, ids []string, draftID string) (counter.Outcome, error) {
	b.path.io("Receive")
	b.received = append(b.received, decl)
	d, err := forms.Finalize(decl, forms.FinalizeInput{Code: "T.01-261123-010001", Agency: "T.01", Counter: "01",
		Operator: op.ID, ReceivedAt: b.now, Appointment: b.now.Add(96 * time.Hour)})
	if err != nil {
		return counter.Outcome{}, err
	}
	d.Status = forms.StatusSubmitted
	delete(b.drafts, draftID)
	return counter.Outcome{Dossier: d, Submitted: true, ReceiptPath: "/tmp/x.pdf"}, nil
}
func (b *fakeBackend) Explain(err error) string { return counter.Explain(err) }
func (b *fakeBackend) Now() time.Time           { return b.now }

// synthetic, made-up persons
var (
	birth1 = lookups.NewDate(1996, time.May, 14)
	id1    = mustID("001", lookups.Female, birth1, 424242)
)

func mustID(code string, sex lookups.Sex, b lookups.Date, seq int) string {
	id, err := pid.Build(code, sex, b, seq)
	if err != nil {
		panic(err)
	}
	return id
}

func resident(id, name string, status lookups.MaritalStatus) *lookups.Resident {
	addr := lookups.Address{Detail: "Số 9, ngõ Mẫu", WardName: "Phường Ba Đình", ProvinceName: "Thành phố Hà Nội"}
	return &lookups.Resident{
		Citizen:       lookups.Citizen{ID: id, FullName: name, BirthDate: birth1, Sex: lookups.Female, Nationality: "Việt Nam", Ethnicity: "Kinh"},
		Permanent:     &lookups.Residence{Kind: lookups.Permanent, Address: addr},
		MaritalStatus: status,
		Phone:         "0912345678",
	}
}

type harness struct {
	t  *testing.T
	m  tea.Model
	be *fakeBackend
}

func newHarness(t *testing.T) *harness {
	be := &fakeBackend{residents: map[string]*lookups.Resident{}, now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	be.residents[id1] = resident(id1, "Trần Thị Hòa", lookups.NeverMarried)
	be.path = &updatePath{updateG: goid()}
	t.Cleanup(func() { be.path.check(t) })
	m := New(Options{Backend: be, Operator: Operator{ID: "cb.test", Name: "Cán bộ Thử"}, Location: time.UTC})
	h := &harness{t: t, m: m, be: be}
	h.send(tea.WindowSizeMsg{Width: 140, Height: 60})
	return h
}

// send delivers msg and runs the I/O commands it starts (look-up, card read,
// reception) synchronously; timers (spinner, status polling, blink) are dropped.
func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	queue := []tea.Msg{msg}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 100 {
			h.t.Fatal("message loop does not settle")
		}
		var cmd tea.Cmd
		h.m, cmd = h.m.Update(queue[0])
		queue = append(queue[1:], h.run(cmd)...)
	}
}

func (h *harness) run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	// Run the command (and a batch's members) concurrently; whatever has not
	// answered within the grace period is a timer (spinner, status polling).
	results := make(chan tea.Msg, 64)
	var start func(c tea.Cmd)
	pending := 0
	start = func(c tea.Cmd) {
		pending++
		go func() { results <- c() }()
	}
	start(cmd)
	var out []tea.Msg
	grace := time.After(100 * time.Millisecond)
	for pending > 0 {
		select {
		case msg := <-results:
			pending--
			switch msg := msg.(type) {
			case tea.BatchMsg:
				for _, c := range msg {
					if c != nil {
						start(c)
					}
				}
			case lookupMsg, chipDoneMsg, chipProgressMsg, receivedMsg, statusMsg, draftSavedMsg, draftsMsg, draftLoadedMsg, loginMsg,
				historyMsg, reprintedMsg:
				out = append(out, msg)
			}
		case <-grace:
			return out
		}
	}
	return out
}

func (h *harness) key(code rune) { h.send(tea.KeyPressMsg{Code: code}) }
func (h *harness) typ(s string) {
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}
func (h *harness) model() Model   { return h.m.(Model) }
func (h *harness) screen() string { return ansi.Strip(h.m.View().Content) }

func (h *harness) want(parts ...string) {
	h.t.Helper()
	scr := h.screen()
	for _, p := range parts {
		if !strings.Contains(scr, p) {
			h.t.Fatalf("screen lacks %q:\n%s", p, scr)
		}
	}
}

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
	if m := h.model(); m.card == nil || m.cardSource != "qr" || m.card.FullName != "Trần Thị Hoà" {
		t.Fatalf("card not kept from the QR: %+v", m.card)
	}
}

func TestMalformedQR(t *testing.T) {
	h := newHarness(t)
	h.typ(id1 + "||Trần Thị Hoà|1405")
	h.key(tea.KeyEnter)
	h.want("Mã QR không đọc được")
	if h.model().screen != scrIdentify || len(h.be.lookups) != 0 {
		t.Fatal("a malformed QR must stay on the identify screen without a look-up")
	}
}

// TestOverlongQRSaysSo: a scan beyond the QR limits gets its own message
// ("quá giới hạn"), not the one of a line cut short by the input field.
func TestOverlongQRSaysSo(t *testing.T) {
	h := newHarness(t)
	h.typ(id1 + "||" + strings.Repeat("Trần ", 120) + "|14051996|Nữ|Số 9, Hà Nội|01022022")
	h.key(tea.KeyEnter)
	m := h.model()
	if !strings.Contains(m.message, "quá giới hạn") || strings.Contains(m.message, "bị cắt") || len(h.be.lookups) != 0 {
		t.Fatalf("message %q, %d look-ups", m.message, len(h.be.lookups))
	}
}

func TestLookupErrorsInVietnamese(t *testing.T) {
	h := newHarness(t)
	h.be.lookupErr = &gateway.Error{Op: "lookup", Err: errors.New("dial tcp: connection refused")}
	h.typ(id1)
	h.key(tea.KeyEnter)
	if m := h.model(); m.screen != scrIdentify || !m.msgErr || m.message != counter.Explain(h.be.lookupErr) {
		t.Fatalf("screen %d, message %q", m.screen, m.message)
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
	h.key(tea.KeyEnter)
	h.want("đã mất: không tiếp nhận hồ sơ")
	if h.model().screen != scrResident {
		t.Fatal("service choice must be blocked")
	}
}

func openForm(h *harness) {
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
	m := h.model()
	if m.screen != scrForm || m.form.current().path != "purpose" {
		t.Fatalf("cursor on %q, want the purpose field", m.form.current().path)
	}
}

func TestChoiceFilterIgnoresDiacritics(t *testing.T) {
	h := newHarness(t)
	openForm(h)
	h.typ("khac") // "Mục đích khác"
	if v := h.model().form.decl.Value("purpose"); v != "other" {
		t.Fatalf("purpose = %q after typing 'khac'", v)
	}
	h.key(tea.KeyRight)
	if v := h.model().form.decl.Value("purpose"); v == "other" {
		t.Fatal("→ did not move to the next choice")
	}
}

func TestInlineErrorWhileTyping(t *testing.T) {
	h := newHarness(t)
	openForm(h)
	m := h.model()
	m.form.focusPath("phone")
	h.m = m
	for range 10 {
		h.key(tea.KeyBackspace)
	}
	h.typ("0123")
	h.want("⚠")
	if !strings.Contains(h.model().form.errs["phone"], "điện thoại") {
		t.Fatalf("phone error: %q", h.model().form.errs["phone"])
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
	m := h.model()
	if m.resident != nil || m.card != nil || m.form != nil || m.outcome != nil || len(m.lookups) != 0 {
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
	old := h.model().seq - 1
	h.send(lookupMsg{seq: old, resident: resident(id1, "Người Cũ", lookups.Married)})
	if h.model().screen != scrIdentify {
		t.Fatal("a stale look-up result changed the screen")
	}
}

// A declaration is saved as a draft after each step and resumed with F3 from
// the identification screen, with its values and their sources.
func TestDraftSavedAndResumed(t *testing.T) {
	h := newHarness(t)
	openForm(h)
	h.typ("2") // purpose: other
	h.key(tea.KeyTab)
	h.typ("Bổ sung hồ sơ")
	if len(h.be.drafts) != 1 {
		t.Fatalf("%d drafts saved, want 1", len(h.be.drafts))
	}
	// the clerk leaves the citizen: back to the identification screen
	h.key(tea.KeyEscape) // form -> services
	h.key(tea.KeyEscape) // services -> resident
	h.key(tea.KeyEscape) // resident -> next citizen
	h.want("Bước 1 — Xác định công dân")
	h.key(tea.KeyF3)
	h.want("Hồ sơ đang soạn dở", "Cấp giấy xác nhận tình trạng hôn nhân")
	h.key(tea.KeyEnter)
	h.want("Đã mở lại hồ sơ soạn dở", "Bước 4")
	m := h.model()
	if got := m.form.decl.Value("purpose_other"); got != "Bổ sung hồ sơ" {
		t.Fatalf("resumed purpose_other = %q", got)
	}
	if src := m.form.decl.Provenance("subject_name").Source; src != forms.SourceDatabase {
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
	h := newHarness(t)
	m := h.model()
	m.opt.IdleLock = time.Minute
	logins := 0
	m.opt.Login = func(_ context.Context, id, pass string) (Backend, Operator, error) {
		logins++
		if pass != "mat-khau-dung" {
			return nil, Operator{}, errors.New("wrong passphrase")
		}
		return h.be, Operator{ID: id, Name: "Cán bộ Thử", Role: "clerk"}, nil
	}
	h.m = m
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.want("Trần Thị Hòa")
	m = h.model()
	m.lastKey = time.Now().Add(-2 * time.Minute)
	h.m = m
	h.send(idleTickMsg{})
	h.want("Đăng nhập", "Màn hình đã khóa")
	if strings.Contains(h.screen(), "Trần Thị Hòa") || h.model().resident != nil {
		t.Fatal("the citizen is still on the locked screen")
	}
	h.key(tea.KeyTab) // to the ID field
	h.key(tea.KeyTab) // back to the passphrase
	h.typ("sai-mat-khau")
	h.key(tea.KeyEnter)
	if h.model().screen != scrLogin {
		t.Fatal("a wrong passphrase unlocked the counter")
	}
	h.typ("mat-khau-dung")
	h.key(tea.KeyEnter)
	h.want("Bước 1 — Xác định công dân", "Xin chào")
	if logins != 2 {
		t.Fatalf("%d login attempts, want 2", logins)
	}
}

// When a supervisor rotates the data key (a key file revoked, an operator disabled) the
// session's key is the old one: the next sync round's error sends the counter back to the
// login screen, with the reason.
func TestKeyRotationLocksTheScreen(t *testing.T) {
	h := newHarness(t)
	m := h.model()
	m.opt.Login = func(context.Context, string, string) (Backend, Operator, error) { return h.be, Operator{}, nil }
	h.m = m
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.want("Trần Thị Hòa")
	h.send(syncedMsg{err: fmt.Errorf("drain: %w", offline.ErrKeyRotated)})
	h.want("Đăng nhập", "Hãy đăng nhập lại")
	if h.model().screen != scrLogin || strings.Contains(h.screen(), "Trần Thị Hòa") {
		t.Fatal("the counter did not go back to the login screen")
	}
}

// Keys typed while a look-up runs are not lost: they are replayed in order
// once it answers (a clerk typing ahead, a scanner sending a line).
func TestTypeaheadReplayedInOrder(t *testing.T) {
	h := newHarness(t)
	h.typ(id1)
	next, _ := h.m.Update(tea.KeyPressMsg{Code: tea.KeyEnter}) // starts the look-up; its answer is held back
	m := next.(Model)
	if m.busy == "" {
		t.Fatal("the look-up did not start")
	}
	next, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyEnter}) // typed ahead: choose a service
	next, _ = next.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	m = next.(Model)
	if len(m.typeahead) != 2 || m.screen != scrIdentify {
		t.Fatalf("typeahead %d, screen %d", len(m.typeahead), m.screen)
	}
	// the look-up's answer, as its command would deliver it
	res, origin := h.be.residents[id1], lookups.Origin{Source: "gateway", FetchedAt: h.be.now}
	next, cmd := m.Update(lookupMsg{seq: m.seq, id: id1, resident: res, origin: origin})
	m = next.(Model)
	if !m.replayPending || cmd == nil {
		t.Fatal("no replay scheduled after the answer")
	}
	next, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyUp}) // a newer key queues behind the typed-ahead ones
	next, _ = next.Update(replayMsg{})
	m = next.(Model)
	if m.screen != scrServices || len(m.typeahead) != 0 || m.svcIdx != 0 {
		t.Fatalf("after replay: screen %d, typeahead %d, service %d (want services, 0, 0: Enter, Down, Up)", m.screen, len(m.typeahead), m.svcIdx)
	}
}

func (b *fakeBackend) Recent(context.Context, int) ([]offline.DossierInfo, error) {
	b.path.io("Recent")
	return []offline.DossierInfo{{Code: "T.01-261123-010002", State: "submitted", Service: "xac-nhan-tthn", ReceivedAt: b.now},
		{Code: "T.01-261123-010001", State: "queued", Service: "khai-sinh", ReceivedAt: b.now}}, nil
}

func (b *fakeBackend) Reprint(_ context.Context, code string, op Operator) (string, error) {
	b.path.io("Reprint")
	b.reprinted = append(b.reprinted, code+"/"+op.ID)
	return "/tmp/" + code + ".pdf", nil
}

// F4 lists the dossiers received on this machine; Enter reprints a receipt.
func TestHistoryReprint(t *testing.T) {
	h := newHarness(t)
	h.key(tea.KeyF4)
	h.want("Hồ sơ đã tiếp nhận trên máy này", "T.01-261123-010002", "Đăng ký khai sinh")
	h.key(tea.KeyDown)
	h.key(tea.KeyEnter)
	h.want("Đã in lại biên nhận T.01-261123-010001")
	if len(h.be.reprinted) != 1 || h.be.reprinted[0] != "T.01-261123-010001/cb.test" {
		t.Fatalf("reprinted %v", h.be.reprinted)
	}
}
