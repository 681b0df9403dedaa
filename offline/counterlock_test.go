package offline

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCounterLockSameProcess(t *testing.T) {
	dir := t.TempDir()
	l1, err := LockCounter(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockCounter(dir)
	if !errors.Is(err, ErrCounterLocked) {
		t.Fatalf("second LockCounter: got %v, want ErrCounterLocked", err)
	}
	var le *CounterLockedError
	if !errors.As(err, &le) {
		t.Fatalf("error %T is not a *CounterLockedError", err)
	}
	if le.Holder.PID != os.Getpid() {
		t.Errorf("holder pid %d, want %d", le.Holder.PID, os.Getpid())
	}
	if le.Holder.Since.IsZero() {
		t.Error("holder start time missing")
	}
	if msg := ClerkMessage(err); !strings.Contains(msg, strconv.Itoa(os.Getpid())) || !strings.Contains(msg, "cửa sổ khác") {
		t.Errorf("clerk message %q lacks the holder", msg)
	}
	if err := l1.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l1.Release(); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	l2, err := LockCounter(dir)
	if err != nil {
		t.Fatalf("LockCounter after Release: %v", err)
	}
	defer func() {
		if err := l2.Release(); err != nil {
			t.Error(err)
		}
	}()
}

func TestCounterLockOtherProcess(t *testing.T) {
	dir := t.TempDir()

	// Held by another process, released cleanly.
	h := startHelper(t, "counter", dir)
	_, err := LockCounter(dir)
	var le *CounterLockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrCounterLocked) {
		t.Fatalf("LockCounter while a process holds it: %v", err)
	}
	if le.Holder.PID != h.cmd.Process.Pid {
		t.Errorf("holder pid %d, want helper pid %d", le.Holder.PID, h.cmd.Process.Pid)
	}
	h.finish(t)
	l, err := LockCounter(dir)
	if err != nil {
		t.Fatalf("LockCounter after the holder released: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}

	// Held by a process that dies without releasing: the OS frees the lock.
	h = startHelper(t, "counter", dir)
	if _, err := LockCounter(dir); !errors.Is(err, ErrCounterLocked) {
		t.Fatalf("LockCounter while a second process holds it: %v", err)
	}
	h.kill(t)
	l, err = LockCounter(dir)
	if err != nil {
		t.Fatalf("LockCounter after the holder was killed: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
}

func TestCounterLockIsNotTheDataLock(t *testing.T) {
	dir := t.TempDir()
	h := startHelper(t, "counter", dir)
	s, err := Open(dir, Options{LockWait: 200 * time.Millisecond, OnWait: func() { t.Error("unit of work waited for the counter lock") }})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutLookup("001099000001", []byte("x"), s.now()); err != nil {
		t.Fatalf("PutLookup while another process holds the counter: %v", err)
	}
	if _, _, ok, err := s.GetLookup("001099000001", time.Hour); err != nil || !ok {
		t.Fatalf("GetLookup while another process holds the counter: ok=%v err=%v", ok, err)
	}
	h.finish(t)
}
