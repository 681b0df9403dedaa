package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"motcua/forms"
	"motcua/lookups"
	"motcua/lookups/card"
)

// fakeStation plays a scripted read: progress snapshots, then a result or error.
type fakeStation struct {
	virtual []lookups.CardInfo
	steps   []card.Progress
	final   *card.Result
	err     error
	keys    []card.Key
	path    *updatePath
}

func (s *fakeStation) Name() string                { return "đầu đọc thử" }
func (s *fakeStation) Virtual() []lookups.CardInfo { return s.virtual }
func (s *fakeStation) Read(_ context.Context, _ string, k card.Key, progress func(card.Progress)) (*card.Result, error) {
	s.path.io("card Read")
	s.keys = append(s.keys, k)
	for _, p := range s.steps {
		progress(p)
	}
	return s.final, s.err
}

func chipHarness(t *testing.T, st *fakeStation) *harness {
	h := newHarnessWith(t, Options{Reader: st})
	st.path = h.be.path
	return h
}

func identityOf(id string) *card.Identity {
	return &card.Identity{Citizen: lookups.Citizen{ID: id, FullName: "Trần Thị Hòa", BirthDate: birth1, CardAddress: "Số 9, ngõ Mẫu, Phường Ba Đình"}}
}

func script(id string, final func(r *card.Result)) (steps []card.Progress, last *card.Result) {
	r := &card.Result{Access: "PACE-CAN", Files: map[int]card.State{}}
	steps = append(steps, card.Progress{Stage: card.StageAccess, Step: "Đang mở khóa chip…", Result: r.Clone()})
	r.Identity = identityOf(id)
	steps = append(steps, card.Progress{Stage: card.StageIdentity, Step: "Đã đọc thông tin", Result: r.Clone()})
	r.Passive, r.Active, r.Chip = card.Passed, card.Passed, card.Passed
	if final != nil {
		final(r)
	}
	steps = append(steps, card.Progress{Stage: card.StageVerified, Step: "Đã xác thực", Result: r.Clone()})
	return steps, r
}

func TestChipTapShowsIdentityAndChecks(t *testing.T) {
	steps, last := script(id1, nil)
	st := &fakeStation{virtual: []lookups.CardInfo{{ID: id1, Name: "Trần Thị Hòa"}}, steps: steps, final: last}
	h := chipHarness(t, st)
	h.send(tea.KeyPressMsg{Code: tea.KeyF2})
	h.want("Chạm thẻ", "Trần Thị Hòa")
	h.send(tea.KeyPressMsg{Code: tea.KeyEnter})
	h.want("Bước 2", "✓ Chip đã xác thực", "chữ ký số đạt", "chống sao chép đạt", "xác thực chip đạt")
	if len(h.be.lookups) != 1 || h.model().d.v.cardSource != forms.SourceCard {
		t.Fatalf("look-ups %v source %q", h.be.lookups, h.model().d.v.cardSource)
	}
	if len(h.be.cardReads) != 1 {
		t.Fatalf("card reads logged: %v", h.be.cardReads)
	}
	h.send(tea.KeyPressMsg{Code: tea.KeyEnter})
	h.want("Bước 3")
}

func TestFailedChipCannotReceive(t *testing.T) {
	steps, last := script(id1, func(r *card.Result) {
		r.Active, r.ActiveNote = card.Failed, "Chip không ký đúng thử thách"
	})
	st := &fakeStation{virtual: []lookups.CardInfo{{ID: id1}}, steps: steps, final: last}
	h := chipHarness(t, st)
	h.send(tea.KeyPressMsg{Code: tea.KeyF2})
	h.send(tea.KeyPressMsg{Code: tea.KeyEnter})
	h.want("✗ CHIP KHÔNG XÁC THỰC ĐƯỢC", "chống sao chép KHÔNG ĐẠT", "Chip không ký đúng thử thách")
	h.send(tea.KeyPressMsg{Code: tea.KeyEnter})
	h.want("Bước 2", "không tiếp nhận hồ sơ bằng dữ liệu của thẻ này")
}

// TestPassiveOnlyCardCanReceiveWithPortraitCheck: a card that offers
// neither active nor chip authentication gets its own words, and the clerk
// is told to compare the portrait; the counter may then receive.
func TestPassiveOnlyCardCanReceiveWithPortraitCheck(t *testing.T) {
	steps, last := script(id1, func(r *card.Result) { r.Active, r.Chip = card.NotOffered, card.NotOffered })
	st := &fakeStation{virtual: []lookups.CardInfo{{ID: id1}}, steps: steps, final: last}
	h := chipHarness(t, st)
	h.send(tea.KeyPressMsg{Code: tea.KeyF2})
	h.send(tea.KeyPressMsg{Code: tea.KeyEnter})
	h.want("Bước 2", "chưa chứng minh được chip gốc", "ảnh chân dung")
	if f := h.model().f; f.noticeErr || !strings.Contains(f.notice, "ảnh chân dung") {
		t.Fatalf("message %q (error %v)", f.notice, f.noticeErr)
	}
	h.send(tea.KeyPressMsg{Code: tea.KeyEnter})
	h.want("Bước 3")
}

// TestUnfinishedChipCannotReceive: a read that stopped before its checks
// were decided does not receive with the card's data.
func TestUnfinishedChipCannotReceive(t *testing.T) {
	steps, _ := script(id1, nil)
	steps = steps[:2]
	partial := steps[1].Result.Clone()
	partial.Passive, partial.Active, partial.Chip = card.Interrupted, card.Interrupted, card.Interrupted
	st := &fakeStation{virtual: []lookups.CardInfo{{ID: id1}}, steps: steps, final: partial, err: card.ErrRemoved}
	h := chipHarness(t, st)
	h.send(tea.KeyPressMsg{Code: tea.KeyF2})
	h.send(tea.KeyPressMsg{Code: tea.KeyEnter})
	h.want("Bước 2", "Chưa xác thực xong")
	h.send(tea.KeyPressMsg{Code: tea.KeyEnter})
	if f := h.model().f; f.screen != scrResident || !strings.Contains(f.notice, "gõ số định danh") {
		t.Fatalf("screen %d message %q", f.screen, f.notice)
	}
}

func TestCardRemovedBeforeIdentity(t *testing.T) {
	st := &fakeStation{virtual: []lookups.CardInfo{{ID: id1}}, err: fmt.Errorf("%w (test)", card.ErrRemoved),
		steps: []card.Progress{{Stage: card.StageAccess, Step: "Đang mở khóa chip…", Result: &card.Result{}}}}
	h := chipHarness(t, st)
	h.send(tea.KeyPressMsg{Code: tea.KeyF2})
	h.send(tea.KeyPressMsg{Code: tea.KeyEnter})
	h.want("Bước 1", "Không đọc được thẻ", "Thẻ đã rời đầu đọc")
	if h.model().f.busy != "" || len(h.be.lookups) != 0 {
		t.Fatalf("busy %q look-ups %d", h.model().f.busy, len(h.be.lookups))
	}
	// the screen answers keys again
	h.typ(id1)
	h.send(tea.KeyPressMsg{Code: tea.KeyEnter})
	h.want("Bước 2")
}

func TestCardRemovedWhileVerifying(t *testing.T) {
	steps, _ := script(id1, nil)
	steps = steps[:2] // access, identity
	partial := steps[1].Result.Clone()
	partial.Passive, partial.Active, partial.Chip = card.Interrupted, card.Interrupted, card.Interrupted
	st := &fakeStation{virtual: []lookups.CardInfo{{ID: id1}}, steps: steps, final: partial, err: card.ErrRemoved}
	h := chipHarness(t, st)
	h.send(tea.KeyPressMsg{Code: tea.KeyF2})
	h.send(tea.KeyPressMsg{Code: tea.KeyEnter})
	h.want("Bước 2", "Chưa xác thực xong", "chưa kiểm tra được", "nhấn F2 để đọc lại")
}

// TestCardPulledAfterTheChecks: one truth: the checks were decided, only
// the portrait is missing; the screen does not say "not verified yet".
func TestCardPulledAfterTheChecks(t *testing.T) {
	steps, last := script(id1, nil)
	last.Files = map[int]card.State{2: card.Interrupted}
	last.FaceNote = "Chưa đọc được ảnh chân dung: việc đọc thẻ bị dừng giữa chừng."
	st := &fakeStation{virtual: []lookups.CardInfo{{ID: id1}}, steps: steps, final: last, err: card.ErrRemoved}
	h := chipHarness(t, st)
	h.send(tea.KeyPressMsg{Code: tea.KeyF2})
	h.send(tea.KeyPressMsg{Code: tea.KeyEnter})
	h.want("Bước 2", "✓ Chip đã xác thực", "Chưa đọc được ảnh chân dung")
	if f := h.model().f; strings.Contains(f.notice, "Chưa xác thực xong") || !strings.Contains(f.notice, "Đã xác thực chip") {
		t.Fatalf("message %q", f.notice)
	}
}

func TestPhysicalReaderNeedsTheCAN(t *testing.T) {
	steps, last := script(id1, nil)
	st := &fakeStation{steps: steps, final: last}
	h := chipHarness(t, st)
	h.send(tea.KeyPressMsg{Code: tea.KeyF2})
	h.want("Gõ 6 số cuối")
	if len(st.keys) != 0 {
		t.Fatal("read without a key")
	}
	h.typ(id1[6:])
	h.send(tea.KeyPressMsg{Code: tea.KeyF2})
	h.want("✓ Chip đã xác thực")
	if len(st.keys) != 1 || st.keys[0].CAN != id1[6:] {
		t.Fatalf("keys %+v", st.keys)
	}
}

func TestCardOnReaderStartsRead(t *testing.T) {
	steps, last := script(id1, nil)
	st := &fakeStation{steps: steps, final: last}
	h := chipHarness(t, st)
	h.typ(id1)
	ch := make(chan card.ReaderEvent)
	close(ch) // no further event
	h.send(readerEventMsg{ev: card.ReaderEvent{Readers: []card.ReaderInfo{{Name: "ACS ACR1252", Contactless: true, CardPresent: true}}}, ch: ch})
	h.want("✓ Chip đã xác thực", "Đầu đọc: có thẻ")
	if len(st.keys) != 1 || st.keys[0].CAN != id1[6:] {
		t.Fatalf("keys %+v", st.keys)
	}
}

func TestChipAfterTypedIDUsesItsCAN(t *testing.T) {
	steps, last := script(id1, nil)
	st := &fakeStation{steps: steps, final: last}
	h := chipHarness(t, st)
	h.typ(id1)
	h.send(tea.KeyPressMsg{Code: tea.KeyEnter})
	h.want("Bước 2")
	h.send(tea.KeyPressMsg{Code: tea.KeyF2})
	h.want("✓ Chip đã xác thực")
	if len(st.keys) != 1 || st.keys[0].CAN != id1[6:] || h.model().d.v.cardSource != forms.SourceCard {
		t.Fatalf("keys %+v source %q", st.keys, h.model().d.v.cardSource)
	}
}

// While the chip's checks still run, the clerk may choose the service and
// fill the form; the reception waits until they are decided.
func TestServiceWhileChipVerifies(t *testing.T) {
	steps, _ := script(id1, nil)
	steps = steps[:2] // access, identity: the checks have not ended
	// the harness runs every command to its end, so the read "ends" here with
	// its checks still pending: what the screen sees while they run
	st := &fakeStation{virtual: []lookups.CardInfo{{ID: id1}}, steps: steps, final: steps[1].Result.Clone()}
	h := chipHarness(t, st)
	h.send(tea.KeyPressMsg{Code: tea.KeyF2})
	h.send(tea.KeyPressMsg{Code: tea.KeyEnter})
	h.want("Bước 2", "đang xác thực")
	h.send(tea.KeyPressMsg{Code: tea.KeyEnter})
	h.want("Bước 3")
	h.send(tea.KeyPressMsg{Code: tea.KeyEnter})
	h.want("Bước 4")
	h.typ("2")
	h.key(tea.KeyTab)
	h.typ("Bổ sung hồ sơ")
	h.key(tea.KeyF10)
	h.key(tea.KeyEnter)
	h.want("Đang xác thực chip")
	if len(h.be.received) != 0 {
		t.Fatal("received with the chip's checks still running")
	}
}

// The virtual reader's list keeps its columns when a training card's name is
// longer than an ID number.
func TestVirtualCardsListAligned(t *testing.T) {
	st := &fakeStation{virtual: []lookups.CardInfo{{ID: id1, Name: "Trần Thị Hòa"},
		{ID: "the-khong-chong-sao-chep", Name: "Trần Thị Hòa", Note: "thẻ tập huấn"}}}
	h := chipHarness(t, st)
	h.send(tea.KeyPressMsg{Code: tea.KeyF2})
	h.want("Chạm thẻ", "the-khong-chong-sao-chep")
	var cols []int
	for _, line := range strings.Split(h.screen(), "\n") {
		if strings.Contains(line, "Trần Thị Hòa") {
			cols = append(cols, ansi.StringWidth(line[:strings.Index(line, "Trần Thị Hòa")]))
		}
	}
	if len(cols) != 2 || cols[0] != cols[1] {
		t.Errorf("the names start at columns %v:\n%s", cols, h.screen())
	}
}
