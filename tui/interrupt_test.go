package tui

import (
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"motcua/lookups"
	"motcua/offline"
)

// forgetfulBackend counts the volunteer clean-ups.
type forgetfulBackend struct {
	*fakeBackend
	forgot atomic.Int32
}

func (b *forgetfulBackend) ForgetLookups() (int, error) { b.forgot.Add(1); return 0, nil }

// runAll runs cmd and the commands of the batches and sequences it returns,
// and gives back every other message.
func runAll(t *testing.T, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if v := reflect.ValueOf(msg); v.IsValid() && v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeFor[tea.Cmd]() {
		var out []tea.Msg
		for i := range v.Len() {
			out = append(out, runAll(t, v.Index(i).Interface().(tea.Cmd))...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// An interrupt (Ctrl+C delivered as a console event on Windows, SIGINT)
// closes the counter as the quit key does: the program quits without an
// error. (A volunteer's look-ups are never cached: nothing to forget.)
func TestInterruptQuitsLikeTheQuitKey(t *testing.T) {
	be := &forgetfulBackend{fakeBackend: &fakeBackend{residents: map[string]*lookups.Resident{}, now: time.Now()}}
	m := New(Options{Backend: be, Operator: Operator{ID: "tn01", Name: "Tình nguyện viên", Role: offline.RoleVolunteer}, Location: time.UTC})
	msg := Interrupts(m, tea.InterruptMsg{})
	if _, ok := msg.(tea.InterruptMsg); ok {
		t.Fatal("the filter lets the interrupt through: the program would stop with an error")
	}
	_, cmd := m.Update(msg)
	quit := false
	for _, out := range runAll(t, cmd) {
		if _, ok := out.(tea.QuitMsg); ok {
			quit = true
		}
	}
	if !quit {
		t.Error("the interrupt does not quit the program")
	}
	// Other messages pass the filter unchanged.
	if got := Interrupts(m, tea.KeyPressMsg{Code: 'a'}); !reflect.DeepEqual(got, tea.KeyPressMsg{Code: 'a'}) {
		t.Errorf("a key press came out of the filter as %#v", got)
	}
}
