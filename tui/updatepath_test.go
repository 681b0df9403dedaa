package tui

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

// The TUI never does I/O on its update path: every call that may reach the
// gateway, the store, the printer or the card (look-up, status checks,
// drafts, reception, history, reprint, card reads) runs inside a tea.Cmd, on
// another goroutine than Update's. The harness calls Update on the test's
// goroutine; the fake backend and station note the goroutine of each I/O
// call, and every harness test fails if one ran on Update's goroutine. This is
// structural: it holds however slow the machine or the gateway is.

// goid is the current goroutine's ID, from its stack header ("goroutine N [").
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	n, _ := strconv.ParseUint(string(b), 10, 64)
	return n
}

// updatePath records I/O calls made on the update goroutine.
type updatePath struct {
	mu       sync.Mutex
	updateG  uint64
	offences []string
}

// io notes an I/O call named op on the current goroutine.
func (u *updatePath) io(op string) {
	if u == nil {
		return
	}
	g := goid()
	u.mu.Lock()
	defer u.mu.Unlock()
	if g == u.updateG {
		u.offences = append(u.offences, op)
	}
}

func (u *updatePath) check(t *testing.T) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.offences) > 0 {
		t.Errorf("I/O on the TUI's update path (Update's goroutine): %v", u.offences)
	}
}

// A check of the check: a backend call made on the harness's goroutine is caught.
func TestUpdatePathGuardCatchesIO(t *testing.T) {
	u := &updatePath{updateG: goid()}
	u.io("Lookup")
	done := make(chan struct{})
	go func() { u.io("Receive"); close(done) }()
	<-done
	if len(u.offences) != 1 || u.offences[0] != "Lookup" {
		t.Fatalf("offences %v, want [Lookup]", u.offences)
	}
}
