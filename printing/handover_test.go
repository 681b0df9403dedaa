package printing

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func sampleHandover(auth string) HandoverSlip {
	return HandoverSlip{
		Letterhead: sampleHead, Date: formDay.Add(72 * time.Hour), DossierCode: "G22.99.08-261123-0004",
		ServiceName: "Cấp giấy xác nhận tình trạng hôn nhân", Applicant: sampleApplicant,
		ReceivedAt: formDay, Appointment: formDay.Add(96 * time.Hour), Timeliness: "trước hạn",
		Results: []HandoverResult{{Procedure: "Cấp giấy xác nhận tình trạng hôn nhân", Name: "Giấy xác nhận tình trạng hôn nhân",
			Number: "123/2026/XNTTHN", Issuer: "UBND phường Ba Đình", Copies: 2}},
		Receiver: HandoverReceiver{Name: "Lê Văn Thử", ID: "001096515151", Authorisation: auth},
		Officer:  "Trần Văn Thử",
	}
}

// The hand-over slip: A5, the dossier, the result papers, the times, who received and
// how (the requester, or the authorisation's reference), both signatures.
func TestHandoverSlipText(t *testing.T) {
	for name, c := range map[string]struct {
		slip  HandoverSlip
		texts []string
	}{
		"authorised": {sampleHandover("Giấy ủy quyền số 12/UQ ngày 20/11/2026"), []string{
			"Nhận thay người nộp hồ sơ theo giấy ủy quyền: Giấy ủy quyền số 12/UQ ngày 20/11/2026"}},
		"requester": {sampleHandover(""), []string{"Là người nộp hồ sơ."}},
	} {
		t.Run(name, func(t *testing.T) {
			path := renderFormFile(t, "handover-"+name, func(w *bytes.Buffer) error { return RenderHandoverSlip(w, c.slip, Options{}) })
			if got := pageSize(t, path); got != paperA5 {
				t.Errorf("paper %q, want A5", got)
			}
			text := pdfText(t, path)
			flat := squash(text)
			for _, s := range append([]string{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "UBND PHƯỜNG BA ĐÌNH",
				"PHIẾU BÀN GIAO KẾT QUẢ GIẢI QUYẾT HỒ SƠ", "Mã hồ sơ: G22.99.08-261123-0004",
				"Thủ tục: Cấp giấy xác nhận tình trạng hôn nhân", "Người nộp hồ sơ: Nguyễn Thị Hoà",
				"(trước hạn)", "1. Giấy xác nhận tình trạng hôn nhân, số 123/2026/XNTTHN, do UBND phường Ba Đình cấp (2 bản)",
				"Người nhận: Lê Văn Thử", "Số định danh cá nhân: 001096515151",
				"NGƯỜI TRẢ KẾT QUẢ", "NGƯỜI NHẬN KẾT QUẢ", "Trần Văn Thử"}, c.texts...) {
				if !strings.Contains(flat, s) {
					t.Errorf("PDF text lacks %q", s)
				}
			}
			if t.Failed() {
				t.Logf("--- text ---\n%s", text)
			}
		})
	}
}

// Incomplete or oversized input is refused with a clerk's message.
func TestHandoverSlipInvalid(t *testing.T) {
	for name, mut := range map[string]func(*HandoverSlip){
		"no receiver":     func(h *HandoverSlip) { h.Receiver.ID = "" },
		"no code":         func(h *HandoverSlip) { h.DossierCode = " " },
		"no date":         func(h *HandoverSlip) { h.Date = time.Time{} },
		"long name":       func(h *HandoverSlip) { h.Receiver.Name = strings.Repeat("x", MaxLineRunes+1) },
		"too many papers": func(h *HandoverSlip) { h.Results = make([]HandoverResult, MaxListItems+1) },
	} {
		h := sampleHandover("")
		mut(&h)
		var buf bytes.Buffer
		err := RenderHandoverSlip(&buf, h, Options{})
		var pe *Error
		if !errors.Is(err, ErrInvalidForm) || !errors.As(err, &pe) || pe.Clerk == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
}
