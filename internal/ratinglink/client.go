package ratinglink

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unicode/utf8"

	"motcua/forms"
	"motcua/forms/lifecycle"
)

// ErrNoCounter says no counter screen runs with this data directory (no channel file, or
// nothing listens where it says).
var ErrNoCounter = errors.New("ratinglink: no counter screen to connect to")

// Limits on a question set the rating screen accepts (a digit answers a question).
const (
	maxQuestions = 20
	maxOptions   = 9
	maxText      = 500
)

// Msg is what the counter sends the rating screen: a question set, a withdrawal, the
// outcome of the answers, or the end of the connection (Err).
type Msg struct {
	Ask    *Ask
	Cancel string // the question set withdrawn
	Done   *Outcome
	Err    error // the connection ended; no more messages
}

// Outcome is the counter's word on the answers sent.
type Outcome struct {
	ID      string
	OK      bool
	Message string // Vietnamese, when not OK
}

// Client is the rating screen's end.
type Client struct {
	c    *conn
	msgs chan Msg
	stop chan struct{}
	once sync.Once
}

// Dial reads dir/FileName, connects to the counter and authenticates both ways.
func Dial(ctx context.Context, dir string) (*Client, error) {
	b, err := readSmall(filepath.Join(dir, FileName), 4096)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, ErrNoCounter
		}
		return nil, fmt.Errorf("ratinglink: %w", err)
	}
	var cf channelFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cf); err != nil {
		return nil, fmt.Errorf("%w: channel file: %v", ErrFrame, err)
	}
	secret, err := hex.DecodeString(cf.Secret)
	if err != nil || len(secret) != 32 {
		return nil, fmt.Errorf("%w: channel file: bad secret", ErrFrame)
	}
	host, _, err := net.SplitHostPort(cf.Addr)
	if err != nil || host != "127.0.0.1" { // the file is outside input too: loopback only
		return nil, fmt.Errorf("%w: channel file: address %q is not on loopback", ErrFrame, cf.Addr)
	}
	d := net.Dialer{Timeout: handshakeTimeout}
	raw, err := d.DialContext(ctx, "tcp", cf.Addr)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoCounter, err)
	}
	c := newConn(raw)
	if err := clientHandshake(c, secret); err != nil {
		raw.Close()
		return nil, err
	}
	cl := &Client{c: c, msgs: make(chan Msg, 8), stop: make(chan struct{})}
	go cl.read()
	go pinger(c, cl.stop)
	return cl, nil
}

func clientHandshake(c *conn, secret []byte) error {
	deadline := time.Now().Add(handshakeTimeout)
	cn := newNonce()
	if err := c.write(frame{T: tHello, V: version, Nonce: cn}); err != nil {
		return err
	}
	hello, err := c.read(deadline)
	if err != nil {
		return err
	}
	if hello.T != tHello || hello.V != version || !validNonce(hello.Nonce) {
		return fmt.Errorf("%w: expected hello v%d", ErrFrame, version)
	}
	if !macOK(secret, hello.MAC, "counter", cn, hello.Nonce) {
		return ErrAuth
	}
	if err := c.write(frame{T: tAuth, MAC: mac(secret, "screen", cn, hello.Nonce)}); err != nil {
		return err
	}
	ready, err := c.read(deadline)
	if err != nil {
		return err
	}
	if ready.T != tReady {
		return fmt.Errorf("%w: expected ready", ErrFrame)
	}
	return nil
}

// Messages delivers the counter's messages; the last one carries Err.
func (cl *Client) Messages() <-chan Msg { return cl.msgs }

// Answer sends the citizen's answers to the question set id.
func (cl *Client) Answer(id string, r lifecycle.Rating) error {
	return cl.c.write(frame{T: tAnswer, ID: id, Rating: &r})
}

// Skip says the citizen declined to answer the question set id.
func (cl *Client) Skip(id string) error { return cl.c.write(frame{T: tSkip, ID: id}) }

// Close ends the connection.
func (cl *Client) Close() error {
	cl.once.Do(func() { close(cl.stop) })
	return cl.c.c.Close()
}

func (cl *Client) read() {
	defer close(cl.msgs)
	for {
		f, err := cl.c.read(time.Time{})
		var m Msg
		if err == nil {
			m, err = message(f)
		}
		if err != nil {
			cl.Close()
			select { // a reader also sees the channel close
			case cl.msgs <- Msg{Err: err}:
			default:
			}
			return
		}
		if m == (Msg{}) {
			continue // a ping
		}
		select {
		case cl.msgs <- m:
		case <-cl.stop:
			return
		}
	}
}

// message checks a frame from the counter.
func message(f frame) (Msg, error) {
	switch f.T {
	case tPing:
		return Msg{}, nil
	case tAsk:
		if f.Ask == nil || !validID(f.Ask.ID) {
			return Msg{}, fmt.Errorf("%w: ask without id", ErrFrame)
		}
		if err := checkAsk(f.Ask); err != nil {
			return Msg{}, err
		}
		return Msg{Ask: f.Ask}, nil
	case tCancel:
		if !validID(f.ID) {
			return Msg{}, fmt.Errorf("%w: cancel without id", ErrFrame)
		}
		return Msg{Cancel: f.ID}, nil
	case tDone:
		if !validID(f.ID) || utf8.RuneCountInString(f.Message) > maxText {
			return Msg{}, fmt.Errorf("%w: bad done", ErrFrame)
		}
		return Msg{Done: &Outcome{ID: f.ID, OK: f.OK, Message: f.Message}}, nil
	}
	return Msg{}, fmt.Errorf("%w: unexpected %q", ErrFrame, f.T)
}

// checkAsk bounds a question set: a few questions, at most nine options each (a digit
// answers), texts of a line or two.
func checkAsk(a *Ask) error {
	s := a.Set
	bad := func(what string) error { return fmt.Errorf("%w: question set: %s", ErrFrame, what) }
	switch {
	case s == nil || len(s.Questions) == 0 || len(s.Questions) > maxQuestions:
		return bad("no questions or too many")
	case utf8.RuneCountInString(a.Code) > 64 || utf8.RuneCountInString(a.Service) > maxText || len(s.Version) > 64:
		return bad("code, service or version too long")
	}
	for _, q := range s.Questions {
		if !validID(q.ID) || q.Text == "" || utf8.RuneCountInString(q.Text) > maxText || len(q.Options) < 2 || len(q.Options) > maxOptions {
			return bad("a question's id, text or options")
		}
		for _, o := range q.Options {
			if !validID(o.ID) || o.Text == "" || utf8.RuneCountInString(o.Text) > maxText {
				return bad("an option's id or text")
			}
		}
	}
	return nil
}

// Answers builds the rating of a question set from the options chosen (by question id; a
// question left out is not answered).
func Answers(s *forms.RatingSet, chosen map[string]string) lifecycle.Rating {
	r := lifecycle.Rating{Set: s.Version}
	for _, q := range s.Questions {
		if a, ok := chosen[q.ID]; ok {
			r.Answers = append(r.Answers, lifecycle.RatingAnswer{Question: q.ID, Answer: a})
		}
	}
	return r
}

func readSmall(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return b, nil
}
