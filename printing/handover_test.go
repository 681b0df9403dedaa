package printing

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// Incomplete or oversized input is refused with a clerk's message.
func TestHandoverSlipInvalid(t *testing.T) {
	for name, mut := range map[string]func(*HandoverSlip){
		"no receiver":     func(h *HandoverSlip) { h.Receiver = "" },
		"no code":         func(h *HandoverSlip) { h.DossierCode = " " },
		"no date":         func(h *HandoverSlip) { h.Date = time.Time{} },
		"no result":       func(h *HandoverSlip) { h.Results = nil },
		"long name":       func(h *HandoverSlip) { h.Receiver = strings.Repeat("x", MaxLineRunes+1) },
		"too many papers": func(h *HandoverSlip) { h.Results = make([]HandoverItem, MaxListItems+1) },
	} {
		h := sampleHandover()
		mut(&h)
		var buf bytes.Buffer
		err := RenderHandoverSlip(&buf, h, Options{})
		var pe *Error
		if !errors.Is(err, ErrInvalidForm) || !errors.As(err, &pe) || pe.Clerk == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
}
