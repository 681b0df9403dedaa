package ratinglink

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"motcua/forms/lifecycle"
)

// Event is what became of a question set the counter asked.
type Event struct {
	ID        string
	Rating    *lifecycle.Rating // the citizen's answers (nil otherwise)
	Skipped   bool              // the citizen declined on the rating screen
	Gone      bool              // the rating screen went away before answering
	Cancelled bool              // the counter withdrew it (Cancel)
}

// Server is the counter's end: it listens on loopback while the counter screen runs.
type Server struct {
	ln     net.Listener
	secret []byte
	path   string
	log    *slog.Logger
	events chan Event
	slots  chan struct{} // handshakes running

	mu     sync.Mutex
	screen *conn // the authenticated rating screen (nil: none)
	asked  *Ask  // the question set waiting for its answers
	closed bool
}

// channelFile is the data directory's file: where to connect and the session's secret.
type channelFile struct {
	Addr   string `json:"addr"`
	Secret string `json:"secret"`
	PID    int    `json:"pid"`
}

// Listen opens the channel on 127.0.0.1 (a random port) and writes dir/FileName (0600).
// log takes the channel's troubles (nil: none).
func Listen(dir string, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("ratinglink: listen: %w", err)
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // never fails (crypto/rand)
	s := &Server{ln: ln, secret: secret, path: filepath.Join(dir, FileName), log: log,
		events: make(chan Event, 16), slots: make(chan struct{}, maxHandshakes)}
	b, _ := json.Marshal(channelFile{Addr: ln.Addr().String(), Secret: hex.EncodeToString(secret), PID: os.Getpid()})
	if err := writePrivate(s.path, b); err != nil {
		ln.Close()
		return nil, fmt.Errorf("ratinglink: %w", err)
	}
	go s.accept()
	return s, nil
}

// writePrivate replaces path with b, readable by its owner only.
func writePrivate(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".rating-screen-*")
	if err != nil {
		return err
	}
	name := f.Name()
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := errors.Join(werr, cerr, os.Chmod(name, 0o600)); err != nil {
		os.Remove(name)
		return err
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		return err
	}
	return nil
}

// Events delivers what became of the question sets asked.
func (s *Server) Events() <-chan Event { return s.events }

// Addr is where the server listens.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Connected reports whether a rating screen is connected and authenticated.
func (s *Server) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.screen != nil
}

// Ask puts a question set to the rating screen; false when none is connected (or the
// sending failed): the clerk asks on the counter's screen.
func (s *Server) Ask(a Ask) bool {
	s.mu.Lock()
	c := s.screen
	if c == nil || s.closed {
		s.mu.Unlock()
		return false
	}
	s.asked = &a
	s.mu.Unlock()
	if err := c.write(frame{T: tAsk, Ask: &a}); err != nil {
		s.log.Warn("rating screen: ask not sent", "err", err)
		s.drop(c)
		return false
	}
	return true
}

// Cancel withdraws the question set id (the clerk answered or skipped at the counter); an
// Event with Cancelled follows, so that whoever waits for id stops.
func (s *Server) Cancel(id string) {
	s.mu.Lock()
	c := s.screen
	if s.asked != nil && s.asked.ID == id {
		s.asked = nil
	} else {
		c = nil
	}
	s.mu.Unlock()
	if c != nil {
		if err := c.write(frame{T: tCancel, ID: id}); err != nil {
			s.drop(c)
		}
	}
	s.emit(Event{ID: id, Cancelled: true})
}

// Done tells the rating screen whether the answers of id were recorded.
func (s *Server) Done(id string, ok bool, message string) {
	s.mu.Lock()
	c := s.screen
	s.mu.Unlock()
	if c == nil {
		return
	}
	if err := c.write(frame{T: tDone, ID: id, OK: ok, Message: message}); err != nil {
		s.drop(c)
	}
}

// Close stops listening, drops the rating screen and removes the channel's file.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	c := s.screen
	s.screen = nil
	s.mu.Unlock()
	err := s.ln.Close()
	if c != nil {
		c.c.Close()
	}
	if rerr := os.Remove(s.path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	return err
}

func (s *Server) emit(ev Event) {
	select {
	case s.events <- ev:
	default:
		s.log.Warn("rating screen: event dropped (nobody waits)", "id", ev.ID)
	}
}

func (s *Server) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("rating screen: accept", "err", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		select {
		case s.slots <- struct{}{}:
			go s.serve(c)
		default: // too many handshakes at once: a flood, not a screen
			c.Close()
		}
	}
}

// serve authenticates a connection and then reads its frames until it ends.
func (s *Server) serve(raw net.Conn) {
	c := newConn(raw)
	err := s.handshake(c)
	<-s.slots
	if err != nil {
		s.log.Warn("rating screen: connection refused", "err", err)
		raw.Close()
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		raw.Close()
		return
	}
	old, asked := s.screen, s.asked
	s.screen = c
	s.mu.Unlock()
	if old != nil {
		old.c.Close() // a newer screen replaces it (the citizen's terminal restarted)
	}
	if asked != nil { // the question set waiting goes to the new screen
		if err := c.write(frame{T: tAsk, Ask: asked}); err != nil {
			s.drop(c)
			return
		}
	}
	stop := make(chan struct{})
	defer close(stop)
	go pinger(c, stop)
	for {
		f, err := c.read(time.Time{})
		if err != nil {
			if !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.EOF) {
				s.log.Warn("rating screen: connection dropped", "err", err)
			}
			s.drop(c)
			return
		}
		if err := s.take(c, f); err != nil {
			s.log.Warn("rating screen: connection dropped", "err", err)
			s.drop(c)
			return
		}
	}
}

func (s *Server) handshake(c *conn) error {
	deadline := time.Now().Add(handshakeTimeout)
	hello, err := c.read(deadline)
	if err != nil {
		return err
	}
	if hello.T != tHello || hello.V != version || !validNonce(hello.Nonce) {
		return fmt.Errorf("%w: expected hello v%d", ErrFrame, version)
	}
	sn := newNonce()
	if err := c.write(frame{T: tHello, V: version, Nonce: sn, MAC: mac(s.secret, "counter", hello.Nonce, sn)}); err != nil {
		return err
	}
	auth, err := c.read(deadline)
	if err != nil {
		return err
	}
	if auth.T != tAuth || !macOK(s.secret, auth.MAC, "screen", hello.Nonce, sn) {
		return ErrAuth
	}
	return c.write(frame{T: tReady})
}

// take handles one frame of the authenticated screen.
func (s *Server) take(c *conn, f frame) error {
	switch f.T {
	case tPing:
		return nil
	case tAnswer, tSkip:
	default:
		return fmt.Errorf("%w: unexpected %q", ErrFrame, f.T)
	}
	s.mu.Lock()
	current := s.screen == c && s.asked != nil && s.asked.ID == f.ID
	if current {
		s.asked = nil
	}
	s.mu.Unlock()
	if !current {
		return nil // an answer to a question set withdrawn: the counter moved on
	}
	if f.T == tSkip {
		s.emit(Event{ID: f.ID, Skipped: true})
		return nil
	}
	if f.Rating == nil {
		s.emit(Event{ID: f.ID, Gone: true})
		return fmt.Errorf("%w: answer without rating", ErrFrame)
	}
	s.emit(Event{ID: f.ID, Rating: f.Rating})
	return nil
}

// drop forgets the screen c (if it is still the one) and closes it; a question set waiting
// for it is reported Gone.
func (s *Server) drop(c *conn) {
	s.mu.Lock()
	var gone string
	if s.screen == c {
		s.screen = nil
		if s.asked != nil {
			gone, s.asked = s.asked.ID, nil
		}
	}
	s.mu.Unlock()
	c.c.Close()
	if gone != "" {
		s.emit(Event{ID: gone, Gone: true})
	}
}

// pinger writes a ping every pingEvery until stop.
func pinger(c *conn, stop <-chan struct{}) {
	t := time.NewTicker(pingEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if err := c.write(frame{T: tPing}); err != nil {
				c.c.Close()
				return
			}
		}
	}
}
