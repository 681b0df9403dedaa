package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"motcua/internal/counter"
	"motcua/lookups"
)

// The copy desk from a card tap: F7, a document by its digit, pages, copies, F10.
func TestCopiesDeskFromCardTap(t *testing.T) {
	steps, last := script(id1, nil)
	st := &fakeStation{virtual: []lookups.CardInfo{{ID: id1, Name: "Trần Thị Hòa", Note: "thẻ thử"}}, steps: steps, final: last}
	h := newHarnessWith(t, Options{Reader: st})
	st.path = h.be.path
	h.key(tea.KeyF2)
	h.typ("1")
	if !h.on(scrResident) {
		t.Fatalf("the card tap did not reach step 2:\n%s", h.screen())
	}
	h.key(tea.KeyF7)
	h.want("Chứng thực bản sao từ bản chính", "Người yêu cầu: Trần Thị Hòa — "+id1+" (chip trên thẻ)")
	h.typ("3") // Bằng tốt nghiệp
	h.want("Bằng tốt nghiệp")
	h.typ("2")
	h.key(tea.KeyTab)
	h.typ("10")
	h.want("Phí", "40.000 đ", "Tổng phí: 40.000 đồng")
	h.key(tea.KeyF10)
	h.want("Đã ghi vào sổ chứng thực, quyển 2026-SCT/BS", "Số 0100001", "10 bản sao × 2 trang", "Tổng phí: 40.000 đồng")
	if n := len(h.be.certified); n != 1 {
		t.Fatalf("%d certifications", n)
	}
	req := h.be.certified[0]
	if req.Requester.ID != id1 || req.Requester.Source != "chip" || len(req.Originals) != 1 ||
		req.Originals[0] != (counter.CopyOriginal{Document: "Bằng tốt nghiệp", Pages: 2, Copies: 10}) {
		t.Errorf("request %+v", req)
	}
	h.key(tea.KeyEnter) // the next citizen
	if !h.on(scrIdentify) || strings.Contains(h.screen(), "Trần Thị Hòa") {
		t.Fatalf("not cleared for the next citizen:\n%s", h.screen())
	}
}

// Several originals (ctrl+a), a typed name, digits only in the counts, F9 exports the register.
func TestCopiesDeskSeveralOriginals(t *testing.T) {
	h := newHarness(t)
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.key(tea.KeyF7)
	h.want("(số định danh đã tra cứu)")
	h.typ("Giấy xác nhận")
	h.key(tea.KeyTab)
	h.typ("3x") // the letter is not taken
	h.key(tea.KeyTab)
	h.typ("2")
	h.want("Phí                  10.000 đ")
	h.send(tea.KeyPressMsg{Code: 'a', Mod: tea.ModCtrl})
	h.want("1. Giấy xác nhận — 3 trang × 2 bản sao — 10.000 đ")
	h.typ("1") // Giấy khai sinh, 1 page, 1 copy
	h.key(tea.KeyF10)
	h.want("Số 0100001", "Số 0100002", "Tổng phí: 12.000 đồng")
	if got := h.be.certified[0].Originals; len(got) != 2 || got[1].Document != "Giấy khai sinh" || got[1].Pages != 1 || got[1].Copies != 1 {
		t.Errorf("originals %+v", got)
	}
	h.key(tea.KeyF9)
	h.want("Đã xuất sổ chứng thực", "so-chung-thuc-2026.xlsx")
}

// Without an identified citizen the desk says what to do and certifies nothing.
func TestCopiesDeskNeedsIdentity(t *testing.T) {
	h := newHarness(t)
	h.key(tea.KeyF7)
	h.want("Chưa xác định người yêu cầu")
	h.typ("3")
	h.key(tea.KeyF10)
	if len(h.be.certified) != 0 {
		t.Fatal("certified without a requester")
	}
	h.key(tea.KeyEscape)
	if !h.on(scrIdentify) {
		t.Fatal("Esc did not go back")
	}
}

// On the review screen a digit records the n-th document as shown electronically (and
// takes it back); the declaration received carries it; the declaration form itself cannot.
func TestReviewRecordsDocumentsShownElectronically(t *testing.T) {
	h := newHarness(t)
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.key(tea.KeyEnter) // the services
	h.typ("chung thuc ban sao")
	h.key(tea.KeyEnter)
	h.want("Bước 4")
	decl := h.model().d.v.intake.Declaration()
	if decl.Spec().ID != "chung-thuc-ban-sao" {
		t.Fatalf("opened %s", decl.Spec().ID)
	}
	for _, kv := range [][2]string{{"originals.1.doc_name", "Giấy khai sinh"}, {"originals.1.pages", "2"}, {"originals.1.copies", "10"}} {
		if err := decl.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	h.key(tea.KeyF10)
	h.want("Bước 5 — Xem lại", "1. Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao")
	h.typ("1")
	h.want("— xuất trình điện tử (VNeID hoặc cơ sở dữ liệu", "đã ghi xuất trình điện tử")
	h.typ("2")
	h.typ("2") // and back: a paper again
	h.want("Giấy tờ 2: công dân nộp giấy.")
	h.key(tea.KeyEnter)
	got := h.be.received[len(h.be.received)-1]
	docs := got.Documents()
	if _, ok := got.ShownElectronically(docs[0].Name); !ok {
		t.Error("the declaration received lost the document shown electronically")
	}
	if _, ok := got.ShownElectronically(docs[1].Name); ok {
		t.Error("the document taken back is still electronic")
	}
	// the receipt screen says the fee and prints the fee receipt
	h.want("Đã tiếp nhận hồ sơ", "Phí, lệ phí", "Chứng thực bản sao từ bản chính: 40.000 đồng — F8: in biên lai thu phí")
	h.key(tea.KeyF8)
	h.want("Đã in biên lai thu phí, lệ phí.")
	if len(h.be.feeReceipts) != 1 {
		t.Errorf("fee receipts printed: %v", h.be.feeReceipts)
	}
	// one that cannot be printed waits to print by itself, said with the receipts' words
	h.be.outcomes.printErr = queuedPrint("Máy in tắt.")
	h.key(tea.KeyF8)
	h.want("Biên lai thu phí, lệ phí chưa in được (đã lưu để in lại): Máy in tắt.")
}

// A declaration form (Tờ khai) is filled at the counter: never shown electronically.
func TestReviewRefusesElectronicDeclarationForm(t *testing.T) {
	h := newHarness(t)
	openForm(h)
	h.typ("2")
	h.key(tea.KeyTab)
	h.typ("Bổ sung hồ sơ")
	h.key(tea.KeyF10)
	h.want("Bước 5 — Xem lại", "1. Tờ khai")
	h.typ("1")
	h.want("Tờ khai do cán bộ điền tại quầy")
}
