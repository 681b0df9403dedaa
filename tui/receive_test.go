package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

// Enter on the review receives the dossier, whose reception deletes its draft: a draft save
// still running (a slow store) must not re-create the draft after it. The reception waits for
// the save, as a slip does (TestSlipWaitsForDraftSave), and the keys wait with it.
func TestReceiveWaitsForDraftSave(t *testing.T) {
	h := newHarness(t)
	openForm(h)
	h.typ("2")
	h.key(tea.KeyTab)
	h.typ("Bổ sung hồ sơ")
	draft := h.model().d.v.draftID
	if draft == "" {
		t.Fatal("no draft for the declaration")
	}
	// F10 shows the review and saves the draft, slowly: its command is left running
	h.be.saveGate = make(chan struct{})
	var cmd tea.Cmd
	h.m, cmd = h.m.Update(tea.KeyPressMsg{Code: tea.KeyF10})
	saved := make(chan []tea.Msg, 1)
	go func() { saved <- run(cmd) }()
	h.want("Bước 5 — Xem lại")

	h.key(tea.KeyEnter) // receive, while the save runs
	h.be.mu.Lock()
	early := len(h.be.received)
	h.be.mu.Unlock()
	if early != 0 {
		t.Error("the reception did not wait for the draft save that runs")
	}
	if h.model().f.busy == "" {
		t.Error("the reception waiting for the save is not shown running")
	}
	close(h.be.saveGate)
	for _, msg := range <-saved {
		h.send(msg)
	}

	h.want("Đã tiếp nhận hồ sơ")
	h.be.mu.Lock()
	defer h.be.mu.Unlock()
	if len(h.be.received) != 1 {
		t.Fatalf("%d receptions", len(h.be.received))
	}
	if _, ok := h.be.drafts[draft]; ok {
		t.Error("the draft save that ran re-created the draft the reception deleted")
	}
}
