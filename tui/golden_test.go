package tui

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"motcua/lookups"
	"motcua/lookups/card"
)

// Every screen at 80x24 and 120x40, compared with testdata/<test>/<size>.golden
// (plain text: the screens must read without colour). After a deliberate
// change, look at the screens and rewrite them with
//
//	go test ./tui -run TestGolden -update
func TestGolden(t *testing.T) {
	screens := []struct {
		name  string
		setup func(h *harness)
	}{
		{"login", func(h *harness) {}},
		{"identify", func(h *harness) {}},
		{"cards", func(h *harness) { h.key(tea.KeyF2) }},
		{"chip-identity", func(h *harness) { h.key(tea.KeyF2); h.typ("1") }},
		{"resident", func(h *harness) { h.typ(id1); h.key(tea.KeyEnter) }},
		{"services", func(h *harness) { h.typ(id1); h.key(tea.KeyEnter); h.key(tea.KeyEnter) }},
		{"form", func(h *harness) { openForm(h) }},
		{"form-slot-candidates", func(h *harness) {
			openForm(h)
			h.typ("1")                                         // to marry: the partner's slot appears
			h.model().d.form.focusPath("slot:partner")         // the slot offers the persons of the visit
			h.send(tea.KeyPressMsg{Code: tea.KeyDown, Mod: 0}) // and back, to render after a key
			h.send(tea.KeyPressMsg{Code: tea.KeyUp})
		}},
		{"review", func(h *harness) {
			openForm(h)
			h.typ("2")
			h.key(tea.KeyTab)
			h.typ("Bổ sung hồ sơ")
			h.key(tea.KeyF10)
		}},
		{"receipt", func(h *harness) {
			openForm(h)
			h.typ("2")
			h.key(tea.KeyTab)
			h.typ("Bổ sung hồ sơ")
			h.key(tea.KeyF10)
			h.key(tea.KeyEnter)
		}},
		{"drafts", func(h *harness) {
			openForm(h)
			h.typ("2")
			h.key(tea.KeyEscape)
			h.key(tea.KeyEscape)
			h.key(tea.KeyEscape)
			h.key(tea.KeyF3)
		}},
		{"history", func(h *harness) { h.key(tea.KeyF4) }},
		// the reception's other outcomes (outcome.go)
		{"supplement", func(h *harness) {
			reviewed(h)
			h.typ("b")
			h.key(tea.KeyEnter)
			h.key(tea.KeyTab)
			h.typ("Mang theo bản chính để đối chiếu")
			h.key(tea.KeyEnter)
		}},
		{"supplement-edit", func(h *harness) { reviewed(h); h.typ("b"); h.key(tea.KeyDown); h.key(tea.KeyEnter) }},
		{"refuse", func(h *harness) { reviewed(h); h.typ("t") }},
		{"refuse-note", func(h *harness) { reviewed(h); h.typ("t"); h.typ("1"); h.typ("Đã cấp ngày 10/11") }},
		{"slip-supplement", func(h *harness) { reviewed(h); h.typ("b"); h.key(tea.KeyEnter); h.key(tea.KeyEnter); h.key(tea.KeyF10) }},
		{"slip-refusal", func(h *harness) {
			reviewed(h)
			h.typ("t")
			h.typ("1")
			h.typ("Đã cấp ngày 10/11")
			h.key(tea.KeyEnter)
		}},
		{"receipt-control", func(h *harness) { reviewed(h); h.key(tea.KeyEnter); h.typ("k") }},
		{"identify-slip-unknown", func(h *harness) { h.typ("T.01-261123-BS019999"); h.key(tea.KeyEnter) }},
		{"late-watch", func(h *harness) { h.key(tea.KeyF8) }},
		{"late-apology", func(h *harness) { h.key(tea.KeyF8); h.key(tea.KeyEnter) }},
		{"book", func(h *harness) { h.key(tea.KeyF9) }},
		{"help", func(h *harness) { openForm(h); h.key(tea.KeyF1) }},
		{"results-scan", func(h *harness) { h.key(tea.KeyF5) }},
		{"results-dossier", func(h *harness) { openResults(h, codeReady) }},
		{"results-authorisation", func(h *harness) {
			openResults(h, codeReady)
			h.typ(qrLine(id2, "Lê Văn Thử", "Nam"))
			h.key(tea.KeyEnter)
		}},
		{"results-rating", func(h *harness) { openResults(h, codeReady); h.typ(id1); h.key(tea.KeyEnter); h.key(tea.KeyEnter) }},
		{"results-done", func(h *harness) {
			openResults(h, codeReady)
			h.typ(id1)
			h.key(tea.KeyEnter)
			h.key(tea.KeyEnter)
			h.typ("110")
		}},
		{"results-refused", func(h *harness) { openResults(h, codeWaiting); h.typ(id1); h.key(tea.KeyEnter); h.key(tea.KeyEnter) }},
		{"copies", func(h *harness) {
			h.key(tea.KeyF2)
			h.typ("1")
			h.key(tea.KeyF7)
			h.typ("3")
			h.typ("2")
			h.key(tea.KeyTab)
			h.typ("10")
		}},
		{"copies-done", func(h *harness) {
			h.key(tea.KeyF2)
			h.typ("1")
			h.key(tea.KeyF7)
			h.typ("3")
			h.typ("2")
			h.key(tea.KeyTab)
			h.typ("10")
			h.key(tea.KeyF10)
		}},
	}
	for _, sc := range screens {
		for _, size := range []struct{ w, h int }{{80, 24}, {120, 40}} {
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, size.w, size.h), func(t *testing.T) {
				steps, last := script(id1, nil)
				st := &fakeStation{virtual: []lookups.CardInfo{{ID: id1, Name: "Trần Thị Hòa", Note: "thẻ thử"}}, steps: steps, final: last}
				opt := Options{Reader: st, Agency: "UBND PHƯỜNG THỬ NGHIỆM"}
				if sc.name == "login" {
					opt.Login = loginRefused
				}
				h := newHarnessWith(t, opt)
				st.path = h.be.path
				h.send(tea.WindowSizeMsg{Width: size.w, Height: size.h})
				sc.setup(h)
				golden.RequireEqual(t, ansi.Strip(h.m.View().Content))
			})
		}
	}
}

var _ card.Station = (*fakeStation)(nil)
