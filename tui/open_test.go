package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"motcua/lookups"
	"motcua/offline"
)

// Options.Open: the counter opens while its first screen is drawn. The first
// frame is already the identification screen; keys typed before the counter
// is open wait and are replayed in order once it is: the ID typed and its
// Enter reach the look-up, none is lost and none runs early.
func TestOpenBesideFirstFrame(t *testing.T) {
	be := &fakeBackend{residents: map[string]*lookups.Resident{}, now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	be.residents[id1] = resident(id1, "Trần Thị Hòa", lookups.NeverMarried)
	be.path = &updatePath{updateG: goid()}
	t.Cleanup(func() { be.path.check(t) })
	release := make(chan struct{})
	opened := 0
	open := func(context.Context) (Backend, Operator, error) {
		<-release
		opened++
		return be, Operator{ID: "demo.canbo", Name: "Cán bộ Demo", Role: offline.RoleClerk}, nil
	}
	m := New(Options{Open: open, Location: time.UTC, Login: loginRefused})
	m.f.noTimers = true
	h := &harness{t: t, m: m, be: be}
	h.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	h.want("Xác định công dân", "Đang mở kho dữ liệu của quầy", "đang mở quầy")
	if !h.on(scrIdentify) {
		t.Fatalf("first screen %d, want the identification screen", h.model().f.screen)
	}

	started, initCmd := make(chan []tea.Msg, 1), h.model().Init()
	go func() { started <- run(initCmd) }()
	h.typ(id1)
	h.key(tea.KeyEnter)
	be.mu.Lock()
	early := len(be.lookups)
	be.mu.Unlock()
	if early != 0 || len(h.model().typeahead) != len(id1)+1 {
		t.Fatalf("before the counter is open: %d look-ups, %d keys waiting (want 0 and %d)", early, len(h.model().typeahead), len(id1)+1)
	}
	close(release)
	for _, msg := range <-started {
		h.send(msg)
	}
	if opened != 1 {
		t.Fatalf("Open called %d times", opened)
	}
	be.mu.Lock()
	n := len(be.lookups)
	be.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d look-ups after opening, want the one typed ahead", n)
	}
	h.want("Trần Thị Hòa", "Cán bộ: demo.canbo")
	if strings.Contains(h.screen(), "Đang mở kho dữ liệu") {
		t.Errorf("the opening label stays after the counter opened:\n%s", h.screen())
	}
}

// A counter that cannot open ends the program (its caller reports why), and
// the keys typed meanwhile are dropped, not replayed against nothing.
func TestOpenFailureEndsProgram(t *testing.T) {
	m := New(Options{Open: func(context.Context) (Backend, Operator, error) { return nil, Operator{}, errors.New("no store") },
		Location: time.UTC})
	m.f.noTimers = true
	next, _ := m.Update(tea.KeyPressMsg{Code: '0', Text: "0"})
	next, cmd := next.Update(openedMsg{err: errors.New("no store")})
	if cmd == nil {
		t.Fatal("no command after a failed open")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("a failed open does not end the program")
	}
	if got := next.(Model); len(got.typeahead) != 0 || got.f.be != nil {
		t.Fatalf("after a failed open: %d keys waiting, backend %v", len(got.typeahead), got.f.be)
	}
}
