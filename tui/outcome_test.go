package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"motcua/forms"
	"motcua/internal/counter"
	"motcua/lookups"
	"motcua/offline"
	"motcua/printing"
)

// fakeOutcomes are the fake backend's slips and control sheets.
type fakeOutcomes struct {
	slips    map[string]*counter.SlipOutcome
	printed  []string // slips printed, in order
	controls []string // dossiers whose control sheet was printed
	printErr error
	// withReceipt: the reception prints the control sheet itself, as counter.Service does
	// where printer.control_sheet is on
	withReceipt bool
}

// receptionSheet is what the fake reception did of the control sheet (b.mu held).
func (b *fakeBackend) receptionSheet(out *counter.Outcome) {
	switch {
	case !b.outcomes.withReceipt:
	case b.outcomes.printErr != nil:
		out.ControlSheetErr = b.outcomes.printErr
	default:
		b.outcomes.controls = append(b.outcomes.controls, out.Dossier.Code)
		out.ControlSheetPath = "/tmp/" + out.Dossier.Code + "-phieu-kiem-soat.pdf"
	}
}

func (b *fakeBackend) slipDecl(draftID string) (*forms.Declaration, error) {
	r, ok := b.drafts[draftID]
	if !ok {
		return nil, offline.ErrNotFound
	}
	return forms.RestoreDraft(r.save.Blob)
}

func (b *fakeBackend) newSlip(kind, prefix, draftID string) (*counter.SlipOutcome, string, error) {
	decl, err := b.slipDecl(draftID)
	if err != nil {
		return nil, "", err
	}
	if b.outcomes.slips == nil {
		b.outcomes.slips = map[string]*counter.SlipOutcome{}
	}
	code := fmt.Sprintf("T.01-261123-%s01%04d", prefix, len(b.outcomes.slips)+1)
	name := ""
	if p, ok := decl.Person(decl.Spec().Subject.Person); ok {
		name = p.FullName()
	}
	out := &counter.SlipOutcome{Info: offline.SlipInfo{Code: code, Kind: kind, Service: decl.Spec().ID, DraftID: draftID, At: b.now}}
	b.outcomes.slips[code] = out
	return out, name, nil
}

func (b *fakeBackend) AskSupplement(_ context.Context, _ Operator, req counter.SupplementRequest) (counter.SlipOutcome, error) {
	b.path.io("AskSupplement")
	b.mu.Lock()
	defer b.mu.Unlock()
	out, name, err := b.newSlip(offline.SlipSupplement, "BS", req.DraftID)
	if err != nil {
		return counter.SlipOutcome{}, err
	}
	out.Supplement = &forms.SupplementSlip{SlipCode: out.Info.Code, QR: out.Info.Code, ServiceName: "Cấp giấy xác nhận tình trạng hôn nhân",
		Items: req.Items}
	out.Supplement.Citizen.Name = name
	return *out, nil
}

func (b *fakeBackend) Refuse(_ context.Context, _ Operator, req counter.RefusalRequest) (counter.SlipOutcome, error) {
	b.path.io("Refuse")
	b.mu.Lock()
	defer b.mu.Unlock()
	if req.Reasons[0] == forms.ReasonOther && req.Note == "" {
		return counter.SlipOutcome{}, &counter.SlipError{Message: "Lý do khác: hãy ghi rõ lý do."}
	}
	out, name, err := b.newSlip(offline.SlipRefusal, "TC", req.DraftID)
	if err != nil {
		return counter.SlipOutcome{}, err
	}
	out.Info.Reasons, out.Info.DraftID = req.Reasons, ""
	out.Refusal = &forms.RefusalSlip{SlipCode: out.Info.Code, ServiceName: "Cấp giấy xác nhận tình trạng hôn nhân", Note: req.Note}
	for _, id := range req.Reasons {
		if r, ok := forms.LookupRefusal(out.Info.Service, id); ok && id != forms.ReasonOther {
			out.Refusal.Reasons = append(out.Refusal.Reasons, r.Text)
		}
	}
	out.Refusal.Citizen.Name = name
	delete(b.drafts, req.DraftID)
	return *out, nil
}

func (b *fakeBackend) PrintSlip(_ context.Context, _ Operator, code string) (string, error) {
	b.path.io("PrintSlip")
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.outcomes.printErr != nil {
		return "", b.outcomes.printErr
	}
	b.outcomes.printed = append(b.outcomes.printed, code)
	return "/tmp/" + code + ".pdf", nil
}

func (b *fakeBackend) ResumeSlip(_ context.Context, _ Operator, line string) (counter.ResumedSlip, error) {
	b.path.io("ResumeSlip")
	b.mu.Lock()
	defer b.mu.Unlock()
	code, err := counter.ParseCodeLine(line)
	if err != nil {
		return counter.ResumedSlip{}, &counter.SlipError{Message: "Không đọc được mã phiếu yêu cầu bổ sung. Quét lại mã QR trên phiếu hoặc gõ mã phiếu."}
	}
	out, ok := b.outcomes.slips[code]
	if !ok || out.Info.Kind != offline.SlipSupplement {
		return counter.ResumedSlip{}, &counter.SlipError{Message: "Không có phiếu " + code + " trên máy này: phiếu lập ở quầy khác, hoặc tờ khai đã được chuyển đi."}
	}
	decl, err := b.slipDecl(out.Info.DraftID)
	if err != nil {
		return counter.ResumedSlip{}, err
	}
	return counter.ResumedSlip{Info: out.Info, DraftID: out.Info.DraftID, Decl: decl}, nil
}

func (b *fakeBackend) PrintControlSheet(_ context.Context, _ Operator, code string) (string, error) {
	b.path.io("PrintControlSheet")
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.outcomes.printErr != nil {
		return "", b.outcomes.printErr
	}
	b.outcomes.controls = append(b.outcomes.controls, code)
	return "/tmp/" + code + "-phieu-kiem-soat.pdf", nil
}

// reviewed fills the form (openForm's service) and shows the review.
func reviewed(h *harness) {
	h.t.Helper()
	openForm(h)
	h.typ("2")
	h.key(tea.KeyTab)
	h.typ("Bổ sung hồ sơ")
	h.key(tea.KeyF10)
	h.want("Bước 5 — Xem lại", "b bổ sung hồ sơ")
}

const checklistDoc = "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân (bản chính, 1)"

// The supplement path on the counter screen: the checklist, a document
// marked (Enter, its guidance, Enter), the slip recorded and printed, the
// screen saying where; the citizen comes back, the slip's QR line on the
// identification screen brings the declaration back; it is received.
func TestSupplementSlipAndResume(t *testing.T) {
	h := newHarness(t)
	reviewed(h)
	h.typ("b")
	h.want("Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)", checklistDoc, "Giấy tờ khác (ghi tên)")
	h.key(tea.KeyF10)
	h.want("Chưa ghi giấy tờ nào")
	if len(h.be.outcomes.slips) != 0 {
		t.Fatal("a slip without items was made")
	}
	h.key(tea.KeyEnter) // edit the first document: its problem is filled
	h.want("Thiếu/sai", defaultProblem)
	h.key(tea.KeyTab)
	h.typ("Mang theo bản chính để đối chiếu")
	h.key(tea.KeyEnter)
	h.want("[x] "+checklistDoc, "1 giấy tờ trên phiếu")
	h.key(tea.KeyDown) // the other document: named by the clerk
	h.key(tea.KeyEnter)
	h.typ("Giấy xác nhận cũ")
	h.key(tea.KeyEnter) // the problem is filled
	h.want("[x] Giấy xác nhận cũ", "2 giấy tờ trên phiếu", "[ ] Giấy tờ khác (ghi tên)…")
	h.key(tea.KeyDown) // a third paper, named, then dropped again
	h.key(tea.KeyEnter)
	h.typ("Giấy tờ bỏ")
	h.key(tea.KeyEnter)
	h.want("[x] Giấy tờ bỏ", "3 giấy tờ trên phiếu")
	h.send(tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl})
	if strings.Contains(h.screen(), "Giấy tờ bỏ") {
		t.Fatalf("ctrl+d did not drop the paper:\n%s", h.screen())
	}
	h.want("2 giấy tờ trên phiếu")
	h.key(tea.KeyF10)
	if !h.on(scrSlip) {
		t.Fatalf("not on the slip screen:\n%s", h.screen())
	}
	code := "T.01-261123-BS010001"
	h.want("Đã lập phiếu yêu cầu bổ sung", code, "/tmp/"+code+".pdf", "Trần Thị Hòa", "quét mã QR trên phiếu")
	sl := h.be.outcomes.slips[code]
	if sl == nil || len(sl.Supplement.Items) != 2 || sl.Supplement.Items[0].Problem != defaultProblem ||
		sl.Supplement.Items[0].Guidance != "Mang theo bản chính để đối chiếu" || sl.Supplement.Items[1].Document != "Giấy xác nhận cũ" {
		t.Fatalf("slip recorded: %+v", sl)
	}
	if len(h.be.outcomes.printed) != 1 {
		t.Errorf("printed %v", h.be.outcomes.printed)
	}
	draft := sl.Info.DraftID
	if _, ok := h.be.drafts[draft]; !ok {
		t.Fatal("the declaration was not kept")
	}

	// the next citizen, then the first one comes back with the slip
	h.key(tea.KeyEnter)
	if !h.on(scrIdentify) || h.model().d.v.intake != nil {
		t.Fatal("the screen was not cleared for the next citizen")
	}
	h.typ(code + "\r")
	h.key(tea.KeyEnter)
	if !h.on(scrForm) {
		t.Fatalf("the slip's line did not bring the declaration back:\n%s", h.screen())
	}
	h.want("Đã mở lại tờ khai theo phiếu " + code)
	h.key(tea.KeyF10)
	h.want("Tờ khai giữ theo phiếu yêu cầu bổ sung " + code)
	h.key(tea.KeyEnter)
	h.want("Đã tiếp nhận hồ sơ")
	if _, ok := h.be.drafts[draft]; ok || len(h.be.received) != 1 {
		t.Errorf("received %d, the kept draft left behind: %v", len(h.be.received), ok)
	}
}

func TestRefusalAtReview(t *testing.T) {
	h := newHarness(t)
	reviewed(h)
	h.typ("t")
	h.want("Từ chối tiếp nhận hồ sơ (Mẫu 03)", "Lý do khác")
	reasons := forms.RefusalReasons("xac-nhan-tthn")
	h.key(tea.KeyEnd)
	h.key(tea.KeyEnter) // the last: the other reason
	h.want("Lý do khác", "Ghi thêm")
	h.key(tea.KeyEnter)
	h.want("Lý do khác: hãy ghi rõ lý do từ chối.")
	if len(h.be.outcomes.slips) != 0 {
		t.Fatal("refused without the other reason's text")
	}
	h.key(tea.KeyEscape) // another reason after all
	h.typ("1")
	h.want(reasons[0].Text)
	h.typ("Đã cấp ngày 10/11")
	h.key(tea.KeyEnter)
	h.want("Đã lập phiếu từ chối tiếp nhận hồ sơ (Mẫu 03)", "T.01-261123-TC010001", reasons[0].Text, "Đã cấp ngày 10/11", "/tmp/T.01-261123-TC010001.pdf")
	sl := h.be.outcomes.slips["T.01-261123-TC010001"]
	if sl == nil || len(sl.Info.Reasons) != 1 || sl.Info.Reasons[0] != reasons[0].ID || sl.Refusal.Note != "Đã cấp ngày 10/11" {
		t.Fatalf("refusal recorded: %+v", sl)
	}
	h.key(tea.KeyEnter)
	if !h.on(scrIdentify) {
		t.Fatal("not back to the identification")
	}
}

// queuedPrint is a print failure the counter put in its print queue (counter.printDoc).
func queuedPrint(clerk string) error {
	return fmt.Errorf("%w (%w)", &printing.Error{Clerk: clerk, Err: errors.New("test: printer off")}, counter.ErrPrintQueued)
}

// A slip that cannot be printed is kept and waits to print by itself: the screen says so
// with the receipts' words; i prints it again now.
func TestSlipPrintFailure(t *testing.T) {
	h := newHarness(t)
	reviewed(h)
	h.be.outcomes.printErr = queuedPrint("Máy in kẹt giấy.")
	h.typ("b")
	h.key(tea.KeyEnter)
	h.key(tea.KeyEnter)
	h.key(tea.KeyF10)
	h.want("Phiếu yêu cầu bổ sung", "chưa in được (đã lưu để in lại): Máy in kẹt giấy.", "i in lại phiếu")
	h.typ("i")
	h.want("Phiếu yêu cầu bổ sung chưa in được (đã lưu để in lại): Máy in kẹt giấy.")
	h.be.outcomes.printErr = nil
	h.typ("i")
	h.want("Đã in lại phiếu: /tmp/T.01-261123-BS010001.pdf")
}

// A control sheet that cannot be printed waits to print by itself, said with the receipts'
// words; one the printer cannot ever take (a thermal printer) is not said to wait.
func TestControlSheetPrintFailure(t *testing.T) {
	h := newHarness(t)
	reviewed(h)
	h.key(tea.KeyEnter)
	h.be.outcomes.printErr = queuedPrint("Máy in tắt.")
	h.typ("k")
	h.want("Phiếu kiểm soát chưa in được (đã lưu để in lại): Máy in tắt.")
	h.be.outcomes.printErr = counter.ErrThermalForm
	h.typ("k")
	h.want("Phiếu kiểm soát chưa in được: Máy in nhiệt chỉ in giấy biên nhận")
	if strings.Contains(h.screen(), "đã lưu để in lại") {
		t.Errorf("a form the thermal printer refuses is said to wait:\n%s", h.screen())
	}
}

// The identification line is hostile: a line that is no card's nor ID gets
// Vietnamese words and the screen stays; nothing is opened.
func TestSlipLineHostile(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct{ line, want string }{
		{"T.01-261123-010001", "Đây là mã giấy biên nhận hồ sơ T.01-261123-010001"},
		{"T.01-261123-BS019999", "Không có phiếu T.01-261123-BS019999 trên máy này"},
		{"AB-CD-EF\x1b[2J", "Không đọc được mã phiếu yêu cầu bổ sung"},
		{"https://evil.example/x?ma=../../etc", "Không đọc được mã phiếu yêu cầu bổ sung"},
		{strings.Repeat("A", 3*maxInput), "Dòng quét quá dài"},
	} {
		h.send(tea.PasteMsg{Content: c.line})
		h.key(tea.KeyEnter)
		if !h.on(scrIdentify) || h.model().d.v.intake != nil {
			t.Fatalf("%q opened something", c.line)
		}
		h.want(c.want)
	}
}

// The control sheet: k on the receipt screen prints it; the screen prints nothing by itself
// (the reception does where configured: TestControlSheetWithReceipt).
func TestControlSheet(t *testing.T) {
	h := newHarness(t)
	reviewed(h)
	h.key(tea.KeyEnter)
	h.want("Đã tiếp nhận hồ sơ", "k in phiếu kiểm soát")
	if len(h.be.outcomes.controls) != 0 {
		t.Fatal("printed without being asked")
	}
	h.typ("k")
	h.want("Đã in phiếu kiểm soát", "/tmp/T.01-261123-010001-phieu-kiem-soat.pdf")
	if len(h.be.outcomes.controls) != 1 {
		t.Fatalf("control sheets %v", h.be.outcomes.controls)
	}

}

// Where the reception printed the control sheet with the receipt (printer.control_sheet, the
// use case's decision), the receipt screen says where it went, or that it did not print and
// waits in the print queue, and prints none itself; k still prints it by hand.
func TestControlSheetWithReceipt(t *testing.T) {
	h := newHarness(t)
	h.be.outcomes.withReceipt = true
	reviewed(h)
	h.key(tea.KeyEnter)
	h.want("Đã tiếp nhận hồ sơ", "Phiếu kiểm soát", "/tmp/T.01-261123-010001-phieu-kiem-soat.pdf")
	if len(h.be.outcomes.controls) != 1 { // the screen printed none more
		t.Fatalf("control sheets %v", h.be.outcomes.controls)
	}

	h = newHarness(t)
	h.be.outcomes.withReceipt = true
	reviewed(h)
	h.be.outcomes.printErr = queuedPrint("Máy in tắt.")
	h.key(tea.KeyEnter)
	h.want("Đã tiếp nhận hồ sơ", "Phiếu kiểm soát", "chưa in được (đã lưu để in lại): Máy in tắt.")
	h.be.outcomes.printErr = nil
	h.typ("k")
	h.want("Đã in phiếu kiểm soát", "/tmp/T.01-261123-010001-phieu-kiem-soat.pdf")
	if len(h.be.outcomes.controls) != 1 {
		t.Fatalf("control sheets %v", h.be.outcomes.controls)
	}
}

// A slip waits for the draft save that runs (the use case reads the draft):
// it starts when the save answers, and the keys typed meanwhile wait.
func TestSlipWaitsForDraftSave(t *testing.T) {
	h := newHarness(t)
	reviewed(h)
	h.typ("b")
	h.key(tea.KeyEnter)
	h.key(tea.KeyEnter)
	m := h.model()
	m.d.v.saving = true // a save is on its way
	h.key(tea.KeyF10)
	if len(h.be.outcomes.slips) != 0 || m.f.busy == "" {
		t.Fatalf("the slip did not wait for the save: %d slips, busy %q", len(h.be.outcomes.slips), m.f.busy)
	}
	h.key(tea.KeyEnter) // waits too
	h.send(draftSavedMsg{seq: m.f.seq})
	if len(h.be.outcomes.slips) != 1 || len(h.be.outcomes.printed) != 1 {
		t.Fatalf("the slip did not follow the save: %d slips", len(h.be.outcomes.slips))
	}
	if !h.on(scrIdentify) { // the slip screen came, then the Enter typed meanwhile
		t.Fatalf("the key typed meanwhile was lost:\n%s", h.screen())
	}
}

// The apology letter (Mẫu 04) and the certification's blocks and fee receipt that cannot be
// printed wait to print by themselves, said with the receipts' words.
func TestOtherPrintFailuresWait(t *testing.T) {
	h := newHarness(t)
	h.be.outcomes.printErr = queuedPrint("Máy in tắt.")
	h.key(tea.KeyF8)
	h.key(tea.KeyEnter)
	h.want("Mẫu 04")
	h.key(tea.KeyEnter)
	h.want("Đã ghi xin lỗi, hẹn lại hồ sơ T.01-261117-010003", "Văn bản xin lỗi (Mẫu 04) chưa in được (đã lưu để in lại): Máy in tắt.")
	h.key(tea.KeyEscape)

	steps, last := script(id1, nil)
	st := &fakeStation{virtual: []lookups.CardInfo{{ID: id1, Name: "Trần Thị Hòa", Note: "thẻ thử"}}, steps: steps, final: last}
	h = newHarnessWith(t, Options{Reader: st})
	st.path = h.be.path
	h.be.outcomes.printErr = queuedPrint("Máy in tắt.")
	h.key(tea.KeyF2)
	h.typ("1")
	h.key(tea.KeyF7)
	h.typ("3")
	h.typ("2")
	h.key(tea.KeyTab)
	h.typ("10")
	h.key(tea.KeyF10)
	h.want("Đã ghi sổ (số 0100001); lời chứng, biên lai thu phí chưa in được (đã lưu để in lại): Máy in tắt.")
}
