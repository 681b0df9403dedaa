package tui

import (
	"context"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"motcua/lookups"
	"motcua/offline"
)

// Adversary tests of Options.Open and its typeahead queue: what the clerk does
// while the counter opens beside its first frame (keys, a paste, help, a
// resize, ctrl+c) reaches the counter in the order it was done, once.

// openingHarness is a harness whose counter opens through Options.Open, held
// until the test calls the returned function (which delivers the opening's
// messages, as the program would once Open returns).
func openingHarness(t *testing.T) (*harness, func()) {
	t.Helper()
	be := &fakeBackend{residents: map[string]*lookups.Resident{}, now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	be.residents[id1] = resident(id1, "Trần Thị Hòa", lookups.NeverMarried)
	be.path = &updatePath{updateG: goid()}
	t.Cleanup(func() { be.path.check(t) })
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) }) // an opening the test never finishes
	open := func(context.Context) (Backend, Operator, error) {
		<-release
		return be, Operator{ID: "demo.canbo", Name: "Cán bộ Demo", Role: offline.RoleClerk}, nil
	}
	m := New(Options{Open: open, Location: time.UTC, Login: loginRefused})
	m.f.noTimers = true
	h := &harness{t: t, m: m, be: be}
	h.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	started, initCmd := make(chan []tea.Msg, 1), h.model().Init()
	go func() { started <- run(initCmd) }()
	return h, func() {
		once.Do(func() { close(release) })
		for _, msg := range <-started {
			h.send(msg)
		}
	}
}

func (h *harness) lookupCount() int {
	h.be.mu.Lock()
	defer h.be.mu.Unlock()
	return len(h.be.lookups)
}

// resident shown: the harness's only resident is id1's
func (h *harness) showsResident() bool { return h.on(scrResident) }

// An ID pasted (bracketed paste: a scanner or the clipboard) while the counter
// opens reaches the identification screen like the keys typed around it, in
// order: DEFECT on main, the paste is dropped while the keys are queued.
func TestAdversaryOpenPasteDuringOpenIsKept(t *testing.T) {
	// control: the identification screen takes a paste when nothing runs
	ctl := newHarness(t)
	ctl.send(tea.PasteMsg{Content: id1[:6]})
	if got := ctl.model().identify().typed(); got != id1[:6] {
		t.Fatalf("control: a paste on the open counter gives %q, want %q", got, id1[:6])
	}

	h, opened := openingHarness(t)
	h.typ(id1[:3])
	h.send(tea.PasteMsg{Content: id1[3:9]})
	h.typ(id1[9:])
	opened()
	if got := h.model().identify().typed(); got != id1 {
		t.Errorf("typed %q, pasted %q, typed %q while the counter opened: the screen holds %q, want %q",
			id1[:3], id1[3:9], id1[9:], got, id1)
	}
}

// A paste that arrives after the counter opened but before the keys typed
// during the opening are replayed comes after them: DEFECT on main, it is put
// in front of them (the paste skips the replay the keys wait for).
func TestAdversaryOpenPasteAfterOpenWaitsForReplay(t *testing.T) {
	h, _ := openingHarness(t)
	h.typ(id1[:3])
	// the counter opens: the replay of the three keys is scheduled, not run yet
	m, cmd := h.m.Update(openedMsg{backend: h.be, op: Operator{ID: "demo.canbo", Name: "Cán bộ Demo", Role: offline.RoleClerk}})
	// the clerk's paste arrives before the replay's message
	m, _ = m.Update(tea.PasteMsg{Content: id1[3:]})
	h.m = m
	for _, msg := range run(cmd) {
		h.send(msg)
	}
	if got := h.model().identify().typed(); got != id1 {
		t.Errorf("typed %q then pasted %q: the screen holds %q, want %q", id1[:3], id1[3:], got, id1)
	}
}

// F1 pressed after an ID and its Enter were typed while the counter opens:
// the ID is looked up first (it was typed first), then help shows. DEFECT on
// main: help opens at once, and the replayed keys go to the help overlay, which
// drops the digits and closes on the Enter: the ID typed is lost.
func TestAdversaryOpenHelpDuringOpenKeepsKeysTypedBefore(t *testing.T) {
	h, opened := openingHarness(t)
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.key(tea.KeyF1)
	opened()
	if n := h.lookupCount(); n != 1 || !h.showsResident() {
		t.Errorf("ID and Enter typed before F1 while the counter opened: %d look-ups, resident shown %v; want the ID looked up", n, h.showsResident())
	}
}

// ctrl+c while the counter opens ends the program at once (it does not wait
// for the opening, nor is it queued behind it).
func TestAdversaryOpenCtrlCDuringOpenQuits(t *testing.T) {
	h, _ := openingHarness(t)
	h.typ("00")
	_, cmd := h.m.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	if cmd == nil {
		t.Fatal("ctrl+c while the counter opens: no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("ctrl+c while the counter opens does not end the program")
	}
}

// A resize while the counter opens is taken at once (the frame is redrawn at
// the new size) and the keys typed around it are replayed all the same.
func TestAdversaryOpenResizeDuringOpen(t *testing.T) {
	h, opened := openingHarness(t)
	h.typ(id1[:6])
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	if f := h.model().f; f.width != 80 || f.height != 24 {
		t.Fatalf("resize while opening: %dx%d, want 80x24", f.width, f.height)
	}
	h.typ(id1[6:])
	h.key(tea.KeyEnter)
	opened()
	if n := h.lookupCount(); n != 1 {
		t.Errorf("%d look-ups, want 1", n)
	}
	h.want("Trần Thị Hòa")
}

// Keys typed while the counter opens are replayed exactly once, also when a
// replayed key starts a command (the Enter's look-up): the keys after it wait
// for that command, then reach the screen it leads to, none twice.
func TestAdversaryOpenReplayAcrossACommand(t *testing.T) {
	h, opened := openingHarness(t)
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.typ(id1) // typed ahead of the look-up's answer, too
	h.key(tea.KeyEnter)
	opened()
	if n := h.lookupCount(); n != 1 {
		t.Fatalf("%d look-ups: want the ID typed first looked up once (the rest went to the resident's screen)", n)
	}
	if q := h.model().typeahead; len(q) != 0 {
		t.Errorf("%d keys still waiting after the counter settled", len(q))
	}
}
