package ratinglink

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"motcua/forms"
)

func listen(t *testing.T) (*Server, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Listen(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

func dial(t *testing.T, dir string) *Client {
	t.Helper()
	c, err := Dial(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitConnected polls until the server counts an authenticated screen (the
// handshake's last step is the server's).
func waitConnected(t *testing.T, s *Server, want bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for s.Connected() != want {
		if time.Now().After(deadline) {
			t.Fatalf("Connected() never became %v", want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func next(t *testing.T, c *Client) Msg {
	t.Helper()
	select {
	case m := <-c.Messages():
		return m
	case <-time.After(20 * time.Second):
		t.Fatal("no message from the counter")
	}
	return Msg{}
}

func event(t *testing.T, s *Server) Event {
	t.Helper()
	select {
	case ev := <-s.Events():
		return ev
	case <-time.After(20 * time.Second):
		t.Fatal("no event from the rating screen")
	}
	return Event{}
}

// The round trip: a question set asked, answered, acknowledged; then one
// withdrawn; then one whose screen goes away.
func TestAskAnswer(t *testing.T) {
	s, dir := listen(t)
	if fi, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		t.Fatal(err)
	} else if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("channel file mode %v, want 0600", fi.Mode().Perm())
	}
	if s.Ask(Ask{ID: "a1", Set: forms.Ratings()}) {
		t.Fatal("asked with no screen connected")
	}
	c := dial(t, dir)
	waitConnected(t, s, true)
	set := forms.Ratings()
	if !s.Ask(Ask{ID: "a1", Code: "G01.00004-261123-010001", Set: set}) {
		t.Fatal("ask not sent")
	}
	m := next(t, c)
	if m.Ask == nil || m.Ask.ID != "a1" || len(m.Ask.Set.Questions) != len(set.Questions) {
		t.Fatalf("ask received: %+v", m)
	}
	r := Answers(m.Ask.Set, map[string]string{set.Questions[0].ID: set.Questions[0].Options[0].ID})
	if err := c.Answer("a1", r); err != nil {
		t.Fatal(err)
	}
	ev := event(t, s)
	if ev.ID != "a1" || ev.Rating == nil || ev.Rating.Set != set.Version || len(ev.Rating.Answers) != 1 {
		t.Fatalf("event: %+v", ev)
	}
	s.Done("a1", true, "")
	if m := next(t, c); m.Done == nil || !m.Done.OK {
		t.Fatalf("done: %+v", m)
	}
	// an answer to nothing asked is ignored
	if err := c.Answer("a1", r); err != nil {
		t.Fatal(err)
	}
	// withdrawn: the screen is told, the waiter gets Cancelled
	s.Ask(Ask{ID: "a2", Set: set})
	if m := next(t, c); m.Ask == nil || m.Ask.ID != "a2" {
		t.Fatalf("second ask: %+v", m)
	}
	s.Cancel("a2")
	if m := next(t, c); m.Cancel != "a2" {
		t.Fatalf("cancel: %+v", m)
	}
	if ev := event(t, s); ev.ID != "a2" || !ev.Cancelled {
		t.Fatalf("cancel event: %+v", ev)
	}
	// the screen goes away while asked
	s.Ask(Ask{ID: "a3", Set: set})
	next(t, c)
	c.Close()
	if ev := event(t, s); ev.ID != "a3" || !ev.Gone {
		t.Fatalf("gone event: %+v", ev)
	}
	waitConnected(t, s, false)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); !os.IsNotExist(err) {
		t.Errorf("channel file left after Close: %v", err)
	}
	if _, err := Dial(context.Background(), dir); err == nil {
		t.Error("dialled a closed counter")
	}
}

// A peer without the secret is refused both ways: the counter does not accept
// a screen that guesses, and a screen does not trust a counter that cannot
// prove it holds the secret.
func TestWrongSecret(t *testing.T) {
	s, dir := listen(t)
	// a screen with a wrong secret
	bad := t.TempDir()
	b, _ := os.ReadFile(filepath.Join(dir, FileName))
	var cf channelFile
	if err := json.Unmarshal(b, &cf); err != nil {
		t.Fatal(err)
	}
	cf.Secret = hex.EncodeToString(make([]byte, 32))
	b, _ = json.Marshal(cf)
	if err := os.WriteFile(filepath.Join(bad, FileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Dial(context.Background(), bad); err == nil {
		t.Fatal("a screen with a wrong secret connected")
	}
	if s.Connected() {
		t.Fatal("the server counts a screen that failed the handshake")
	}
	// a screen that goes on with a guessed MAC is dropped by the counter
	raw, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rc := newConn(raw)
	if err := rc.write(frame{T: tHello, V: version, Nonce: newNonce()}); err != nil {
		t.Fatal(err)
	}
	if _, err := rc.read(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := rc.write(frame{T: tAuth, MAC: strings.Repeat("0", 64)}); err != nil {
		t.Fatal(err)
	}
	if f, err := rc.read(time.Now().Add(20 * time.Second)); err == nil {
		t.Fatalf("a guessed MAC got %+v", f)
	}
	if s.Connected() {
		t.Fatal("the server counts a screen with a guessed MAC")
	}
	// a fake counter on another port, with the right file's address replaced
	fake, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	go func() {
		c, err := fake.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		_, _ = r.ReadString('\n')
		_, _ = c.Write([]byte(`{"t":"hello","v":1,"nonce":"` + strings.Repeat("ab", 32) + `","mac":"` + strings.Repeat("00", 32) + `"}` + "\n"))
		_, _ = r.ReadString('\n')
	}()
	b, _ = os.ReadFile(filepath.Join(dir, FileName))
	_ = json.Unmarshal(b, &cf)
	cf.Addr = fake.Addr().String()
	b, _ = json.Marshal(cf)
	if err := os.WriteFile(filepath.Join(bad, FileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Dial(context.Background(), bad); err != ErrAuth {
		t.Fatalf("a counter without the secret: %v, want ErrAuth", err)
	}
	// the file must point at loopback
	cf.Addr = "10.1.2.3:80"
	b, _ = json.Marshal(cf)
	_ = os.WriteFile(filepath.Join(bad, FileName), b, 0o600)
	if _, err := Dial(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("a channel file pointing off the machine: %v", err)
	}
}

// Hostile bytes on the socket: an endless line, garbage, a silent peer; the
// server drops each and still serves a real screen afterwards.
func TestHostileBytes(t *testing.T) {
	old := handshakeTimeout
	handshakeTimeout = 200 * time.Millisecond
	t.Cleanup(func() { handshakeTimeout = old })
	s, dir := listen(t)
	closed := func(c net.Conn) bool {
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
		buf := make([]byte, 4096)
		for {
			if _, err := c.Read(buf); err != nil {
				return !isTimeout(err)
			}
		}
	}
	for name, payload := range map[string]string{
		"oversized": strings.Repeat("x", MaxFrame+10),
		"garbage":   "\x00\xff{not json}\n",
		"unknown":   `{"t":"hello","v":1,"nonce":"` + strings.Repeat("ab", 32) + `","extra":1}` + "\n",
		"answer":    `{"t":"answer","id":"a1","rating":{"set":"x","answers":[]}}` + "\n",
		"silent":    "",
	} {
		c, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if payload != "" {
			go func() { _, _ = c.Write([]byte(payload)) }()
		}
		if !closed(c) {
			t.Errorf("%s: connection not closed by the server", name)
		}
		c.Close()
	}
	if s.Connected() {
		t.Fatal("a hostile peer counts as a screen")
	}
	c := dial(t, dir)
	waitConnected(t, s, true)
	if !s.Ask(Ask{ID: "ok", Set: forms.Ratings()}) {
		t.Fatal("a real screen is not served after the hostile ones")
	}
	if m := next(t, c); m.Ask == nil {
		t.Fatalf("ask: %+v", m)
	}
}

// A counter that sends a question set a digit cannot answer, or a bad frame,
// ends the screen's connection with an error instead of showing it.
func TestClientRefusesBadAsk(t *testing.T) {
	for name, ask := range map[string]*Ask{
		"no set":       {ID: "x"},
		"bad id":       {ID: "x y", Set: forms.Ratings()},
		"ten options":  {ID: "x", Set: tenOptions()},
		"no questions": {ID: "x", Set: &forms.RatingSet{Version: "1"}},
	} {
		if _, err := message(frame{T: tAsk, Ask: ask}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := message(frame{T: "answer", ID: "x"}); err == nil {
		t.Error("a screen accepted an answer frame from the counter")
	}
}

func tenOptions() *forms.RatingSet {
	q := forms.RatingQuestion{ID: "q", Text: "?"}
	for i := range 10 {
		q.Options = append(q.Options, forms.RatingOption{ID: string(rune('a' + i)), Text: "x"})
	}
	return &forms.RatingSet{Version: "1", Questions: []forms.RatingQuestion{q}}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
