package tui

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"motcua/offline"
)

// Second adversary pass over the typeahead queue (model.go key, dispatch, enqueue): what the
// clerk does at the login screen while the store unlocks.

// loginBusy is a harness at the login screen, the operator ID and the passphrase typed, whose
// Enter has started the unlock: the returned command is the unlock, not run yet (the key
// derivation takes its second).
func loginBusy(t *testing.T, pass string) (*harness, tea.Cmd) {
	t.Helper()
	var h *harness
	h = newHarnessWith(t, Options{Login: func(_ context.Context, id, p string) (Backend, Operator, error) {
		return h.be, Operator{ID: id, Name: "Cán bộ Thử", Role: offline.RoleClerk}, nil
	}})
	h.want("Đăng nhập")
	h.typ("cb.test")
	h.key(tea.KeyEnter)
	h.typ(pass)
	m, cmd := h.m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	h.m = m
	if h.model().f.busy == "" {
		t.Fatal("the login's Enter did not start the unlock")
	}
	return h, cmd
}

// Keys typed at the login screen while the store unlocks are dropped (they were meant for
// the login's fields, and must not land in the counter it opens). A paste there (the
// passphrase pasted again from a password manager, a scanner) is no different. DEFECT on main:
// dispatch queues a PasteMsg whenever a command runs, without looking at the screen, and the
// replay after the login puts the pasted passphrase into the identification screen's ID field,
// in clear on the counter's screen.
func TestAdversary2PasteDuringLoginDoesNotReachTheCounter(t *testing.T) {
	const pass = "mat-khau-dung-9"
	h, unlock := loginBusy(t, pass)
	h.typ("typed")                      // dropped, as before
	h.send(tea.PasteMsg{Content: pass}) // pasted while the unlock runs
	for _, msg := range run(unlock) {
		h.send(msg)
	}
	h.want("Xin chào")
	if got := h.model().identify().typed(); got != "" {
		t.Errorf("the identification screen holds %q after the login: what was pasted at the login screen reached the counter", got)
	}
	if strings.Contains(h.screen(), pass) {
		t.Error("the passphrase pasted at the login screen shows on the counter's screen")
	}
	if q := h.model().typeahead; len(q) != 0 {
		t.Errorf("%d messages still queued after the login", len(q))
	}
}

// F1 at the login screen while the store unlocks does not open help over the counter the
// login opens, nor is it held for it (guard: the login's keys are dropped).
func TestAdversary2HelpDuringLoginIsNotReplayed(t *testing.T) {
	h, unlock := loginBusy(t, "mat-khau")
	h.key(tea.KeyF1)
	for _, msg := range run(unlock) {
		h.send(msg)
	}
	h.want("Xin chào")
	if h.model().help.open {
		t.Error("F1 pressed during the unlock opened help over the counter")
	}
}

// A paste far longer than a QR line while a command runs is kept as one message, and the
// keys typed after it are queued behind it; replayed, they leave the field as the same paste
// and keys leave it when nothing runs (guard: the cap counts messages, a paste is one).
func TestAdversary2LongPasteThenKeysDuringCommand(t *testing.T) {
	long := strings.Repeat("0", 4*maxInput)
	ctl := newHarness(t)
	ctl.send(tea.PasteMsg{Content: long})
	ctl.typ("12")
	want := ctl.model().identify().typed()

	h, opened := openingHarness(t)
	h.send(tea.PasteMsg{Content: long})
	h.typ("12")
	if q := h.model().typeahead; len(q) != 3 {
		t.Fatalf("%d messages queued, want the paste and two keys", len(q))
	}
	opened()
	if got := h.model().identify().typed(); got != want {
		t.Errorf("a long paste and two keys while the counter opened leave %d characters, %d when nothing runs", len(got), len(want))
	}
}
