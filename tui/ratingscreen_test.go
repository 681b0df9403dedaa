package tui

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/internal/ratinglink"
)

// miniProgram runs a model as tea.Program does, without a terminal: Update on
// one goroutine, each command on its own, their messages queued back.
type miniProgram struct {
	mu   sync.Mutex
	m    tea.Model
	msgs chan tea.Msg
	stop chan struct{}
}

func startMini(t *testing.T, m tea.Model) *miniProgram {
	p := &miniProgram{m: m, msgs: make(chan tea.Msg, 64), stop: make(chan struct{})}
	t.Cleanup(func() { close(p.stop) })
	go func() {
		for {
			select {
			case <-p.stop:
				return
			case msg := <-p.msgs:
				p.mu.Lock()
				var cmd tea.Cmd
				p.m, cmd = p.m.Update(msg)
				p.mu.Unlock()
				p.exec(cmd)
			}
		}
	}()
	p.exec(m.Init())
	return p
}

func (p *miniProgram) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		switch msg := msg.(type) {
		case nil:
			return
		case tea.BatchMsg:
			for _, c := range msg {
				p.exec(c)
			}
			return
		}
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeFor[tea.Cmd]() {
			for i := range v.Len() {
				p.exec(v.Index(i).Interface().(tea.Cmd))
			}
			return
		}
		p.send(msg)
	}()
}

func (p *miniProgram) send(msg tea.Msg) {
	select {
	case p.msgs <- msg:
	case <-p.stop:
	}
}

func (p *miniProgram) screen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return ansi.Strip(p.m.View().Content)
}

// waitScreen polls until the screen shows want (an error after 20 s: a hang).
func (p *miniProgram) waitScreen(want string) error {
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(p.screen(), want) {
		if time.Now().After(deadline) {
			return errors.New("rating screen never showed " + want + ":\n" + p.screen())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

func (p *miniProgram) typ(s string) {
	for _, r := range s {
		p.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// ratingPair is a counter screen (the harness, with a real ratinglink.Server)
// and a rating screen connected to it over loopback.
func ratingPair(t *testing.T) (*harness, *miniProgram, *ratinglink.Server) {
	t.Helper()
	dir := t.TempDir()
	srv, err := ratinglink.Listen(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	h := newHarnessWith(t, Options{RatingLink: srv})
	citizen := startMini(t, NewRatingScreen(RatingScreenOptions{RetryEvery: 50 * time.Millisecond,
		Dial: func(ctx context.Context) (RatingClient, error) { return ratinglink.Dial(ctx, dir) }}))
	if err := citizen.waitScreen("Xin chào ông/bà"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !srv.Connected() {
		if time.Now().After(deadline) {
			t.Fatal("the rating screen never connected")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return h, citizen, srv
}

// The two screens over the real channel: the clerk hands the result over,
// the question set appears on the citizen's screen, the citizen answers with
// digits, the counter records the answers through Rate under the clerk's
// operator and the citizen's screen thanks them.
func TestRatingScreenEndToEnd(t *testing.T) {
	h, citizen, _ := ratingPair(t)
	answered := make(chan error, 1)
	go func() {
		if err := citizen.waitScreen("Câu 1/3"); err != nil {
			answered <- err
			return
		}
		if !strings.Contains(citizen.screen(), "Hồ sơ "+codeReady) || !strings.Contains(citizen.screen(), "Rất hài lòng") {
			answered <- errors.New("the question set lacks the dossier or its options:\n" + citizen.screen())
			return
		}
		citizen.typ("7") // not an option
		if err := citizen.waitScreen("Xin chọn một số từ 1 đến 4"); err != nil {
			answered <- err
			return
		}
		citizen.typ("2")
		if err := citizen.waitScreen("Câu 2/3"); err != nil {
			answered <- err
			return
		}
		citizen.typ("13")
		answered <- citizen.waitScreen("Cảm ơn ông/bà đã đánh giá!")
	}()
	openResults(h, codeReady)
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.key(tea.KeyEnter) // hand over: the question set goes to the rating screen, the answers come back
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
	h.want("Đã ghi đánh giá của công dân (trên màn hình đánh giá của công dân)")
	rs := h.be.results.ratings
	if len(rs) != 1 || rs[0].op != "cb.test" || rs[0].code != codeReady || len(rs[0].rating.Answers) != 3 ||
		rs[0].rating.Answers[0].Answer != "hai-long" || rs[0].rating.Answers[1].Answer != "tan-tinh" || rs[0].rating.Answers[2].Answer != "nhieu" {
		t.Fatalf("ratings recorded: %+v", rs)
	}
}

// The citizen declines on their screen: nothing is recorded, the clerk is told.
func TestRatingScreenDecline(t *testing.T) {
	h, citizen, _ := ratingPair(t)
	declined := make(chan error, 1)
	go func() {
		if err := citizen.waitScreen("Câu 1/3"); err != nil {
			declined <- err
			return
		}
		citizen.send(tea.KeyPressMsg{Code: tea.KeyEscape})
		declined <- citizen.waitScreen("không đánh giá")
	}()
	openResults(h, codeReady)
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.key(tea.KeyEnter)
	if err := <-declined; err != nil {
		t.Fatal(err)
	}
	h.want("Công dân không đánh giá (chọn trên màn hình đánh giá).")
	if len(h.be.results.ratings) != 0 {
		t.Fatalf("a declined rating was recorded: %+v", h.be.results.ratings)
	}
}

// The rating screen goes away while asked: the clerk is told and answers on
// the counter's screen; the screen reconnects by itself.
func TestRatingScreenGone(t *testing.T) {
	h, citizen, srv := ratingPair(t)
	gone := make(chan error, 1)
	go func() {
		if err := citizen.waitScreen("Câu 1/3"); err != nil {
			gone <- err
			return
		}
		citizen.mu.Lock()
		c := citizen.m.(RatingScreen).client
		citizen.mu.Unlock()
		gone <- c.Close() // the citizen's terminal drops
	}()
	openResults(h, codeReady)
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.key(tea.KeyEnter)
	if err := <-gone; err != nil {
		t.Fatal(err)
	}
	h.want("Màn hình đánh giá của công dân mất kết nối", "Câu 1/3")
	h.typ("11")
	h.typ("0")
	h.want("Đã ghi đánh giá của công dân (trên màn hình quầy)")
	if len(h.be.results.ratings) != 1 {
		t.Fatalf("ratings: %+v", h.be.results.ratings)
	}
	if err := citizen.waitScreen("Xin chào ông/bà"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !srv.Connected() {
		if time.Now().After(deadline) {
			t.Fatal("the rating screen did not reconnect")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// fakeClient is a rating screen's channel that nothing sends on.
type fakeClient struct{ ch chan ratinglink.Msg }

func (c fakeClient) Messages() <-chan ratinglink.Msg       { return c.ch }
func (c fakeClient) Answer(string, lifecycle.Rating) error { return nil }
func (c fakeClient) Skip(string) error                     { return nil }
func (c fakeClient) Close() error                          { return nil }

// The rating screen's states at 80x24 and 120x40 (see TestGolden).
func TestGoldenRatingScreen(t *testing.T) {
	ask := &ratinglink.Ask{ID: "a1", Code: codeReady, Set: forms.Ratings()}
	states := []struct {
		name string
		msgs []tea.Msg
	}{
		{"lost", []tea.Msg{rcDialMsg{err: ratinglink.ErrNoCounter}}},
		{"waiting", nil},
		{"question", []tea.Msg{rcLinkMsg{gen: 1, ok: true, m: ratinglink.Msg{Ask: ask}}}},
		{"optional", []tea.Msg{rcLinkMsg{gen: 1, ok: true, m: ratinglink.Msg{Ask: ask}},
			tea.KeyPressMsg{Code: '1', Text: "1"}, tea.KeyPressMsg{Code: '1', Text: "1"}}},
		{"thanks", []tea.Msg{rcLinkMsg{gen: 1, ok: true, m: ratinglink.Msg{Ask: ask}},
			rcLinkMsg{gen: 1, ok: true, m: ratinglink.Msg{Done: &ratinglink.Outcome{ID: "a1", OK: true}}}}},
	}
	for _, sc := range states {
		for _, size := range []struct{ w, h int }{{80, 24}, {120, 40}} {
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, size.w, size.h), func(t *testing.T) {
				var m tea.Model = NewRatingScreen(RatingScreenOptions{Dial: func(context.Context) (RatingClient, error) { return nil, nil }})
				m, _ = m.Update(tea.WindowSizeMsg{Width: size.w, Height: size.h})
				if sc.name != "lost" {
					m, _ = m.Update(rcDialMsg{c: fakeClient{ch: make(chan ratinglink.Msg)}})
				}
				for _, msg := range sc.msgs {
					m, _ = m.Update(msg)
				}
				golden.RequireEqual(t, ansi.Strip(m.View().Content))
			})
		}
	}
}
