// Package ratinglink is the loopback channel between the counter screen and the
// citizen-facing rating screen (`motcua rating-screen`), a second terminal turned to the
// citizen at the results desk.
//
// The counter process owns the data directory's store (bbolt takes it whole), so the rating
// screen cannot open it: the running counter listens on 127.0.0.1 on a random port and writes
// the port and a per-session secret into <data dir>/rating-screen.json (0600, replaced at each
// start, removed at exit). The rating screen reads that file, connects, and both sides prove
// they hold the secret (HMAC-SHA256 over both sides' nonces: the secret never crosses the
// socket, so a process that took the port after the counter ended learns nothing). The
// counter then sends a question set when the clerk hands a result over; the screen sends the
// answers (or a skip) back; the counter records them through counter.Rate under the clerk's
// operator, so every right is checked where it always is.
//
// Every byte on the socket is hostile: frames are single JSON lines of at most MaxFrame bytes,
// decoded strictly; a connection that does not finish the handshake within 5 s,
// or stays silent longer than 45 s (each side pings every 15 s), is closed; a few handshakes at a time; one rating
// screen at a time (a newer one, authenticated, replaces the older). No unix sockets: it works
// the same on Windows.
package ratinglink

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"motcua/forms"
	"motcua/forms/lifecycle"
)

// FileName is the channel's file in the data directory.
const FileName = "rating-screen.json"

// Limits of the channel.
const (
	MaxFrame      = 64 << 10 // one JSON line, the question set included
	maxHandshakes = 4
	version       = 1
)

// Timeouts of the channel (variables for the tests).
var (
	handshakeTimeout = 5 * time.Second
	idleTimeout      = 45 * time.Second // no frame (pings included) for this long: the peer is gone
	pingEvery        = 15 * time.Second
	writeTimeout     = 5 * time.Second
)

// ErrFrame says a frame too long, not JSON, or not what the protocol expects there.
var ErrFrame = errors.New("ratinglink: bad frame")

// ErrAuth says the peer does not hold the session's secret.
var ErrAuth = errors.New("ratinglink: authentication failed")

// Ask is a question set the counter puts to the citizen.
type Ask struct {
	ID      string           `json:"id"`   // one per hand-over
	Code    string           `json:"code"` // the dossier's code (no personal data)
	Service string           `json:"service,omitempty"`
	Set     *forms.RatingSet `json:"set"`
}

// frame is every message on the wire; T says which fields matter.
type frame struct {
	T       string            `json:"t"`
	V       int               `json:"v,omitempty"`
	Nonce   string            `json:"nonce,omitempty"`
	MAC     string            `json:"mac,omitempty"`
	ID      string            `json:"id,omitempty"`
	Ask     *Ask              `json:"ask,omitempty"`
	Rating  *lifecycle.Rating `json:"rating,omitempty"`
	Message string            `json:"message,omitempty"`
	OK      bool              `json:"ok,omitempty"`
}

// Frame kinds.
const (
	tHello  = "hello"  // both ways: version and nonce (the counter's carries its MAC)
	tAuth   = "auth"   // screen → counter: the screen's MAC
	tReady  = "ready"  // counter → screen: authenticated
	tAsk    = "ask"    // counter → screen: a question set
	tAnswer = "answer" // screen → counter: the answers
	tSkip   = "skip"   // screen → counter: the citizen declined
	tDone   = "done"   // counter → screen: the answers were recorded (or not: OK false, Message)
	tCancel = "cancel" // counter → screen: the question set is withdrawn (answered at the counter)
	tPing   = "ping"   // both ways: keeps the idle deadline away
)

// conn is one framed connection: one reader, writers one at a time.
type conn struct {
	c   net.Conn
	r   *bufio.Reader
	wmu sync.Mutex
}

func newConn(c net.Conn) *conn { return &conn{c: c, r: bufio.NewReaderSize(c, MaxFrame+1)} }

// read reads one frame before deadline (zero: idleTimeout from now).
func (c *conn) read(deadline time.Time) (frame, error) {
	if deadline.IsZero() {
		deadline = time.Now().Add(idleTimeout)
	}
	if err := c.c.SetReadDeadline(deadline); err != nil {
		return frame{}, err
	}
	line, err := c.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return frame{}, fmt.Errorf("%w: longer than %d bytes", ErrFrame, MaxFrame)
	}
	if err != nil {
		return frame{}, err
	}
	var f frame
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return frame{}, fmt.Errorf("%w: %v", ErrFrame, err)
	}
	if dec.More() {
		return frame{}, fmt.Errorf("%w: trailing data", ErrFrame)
	}
	return f, nil
}

func (c *conn) write(f frame) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	if len(b) >= MaxFrame {
		return fmt.Errorf("%w: %d bytes to send, more than %d", ErrFrame, len(b), MaxFrame)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.c.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	_, err = c.c.Write(append(b, '\n'))
	return err
}

// newNonce is 32 random bytes in hex.
func newNonce() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// mac proves who holds the secret: role says which side speaks, so that one side's MAC
// cannot be reflected back as the other's.
func mac(secret []byte, role, screenNonce, counterNonce string) string {
	h := hmac.New(sha256.New, secret)
	_, _ = io.WriteString(h, "motcua-rating\x00"+role+"\x00"+screenNonce+"\x00"+counterNonce)
	return hex.EncodeToString(h.Sum(nil))
}

func macOK(secret []byte, got, role, screenNonce, counterNonce string) bool {
	want := mac(secret, role, screenNonce, counterNonce)
	return hmac.Equal([]byte(got), []byte(want))
}

// validNonce: 64 hex digits.
func validNonce(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// validID: a short identifier of letters, digits and dashes.
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-' && r != '.' && r != '_' {
			return false
		}
	}
	return true
}
