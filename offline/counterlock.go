package offline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// ErrCounterLocked is returned by LockCounter when another counter program (in this or
// another process) holds the data directory. The error is a *CounterLockedError.
var ErrCounterLocked = errors.New("offline: counter already open for this data directory")

// CounterHolder is what the lock file says about the program holding it.
type CounterHolder struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host"`
	Since time.Time `json:"since"`
}

// CounterLockedError tells who holds the counter lock (Holder is zero when the file could
// not be read, e.g. the holder has not written it yet).
type CounterLockedError struct {
	Dir    string
	Holder CounterHolder
}

func (e *CounterLockedError) Error() string {
	return fmt.Sprintf("%v: %s (pid %d on %q since %s)", ErrCounterLocked, e.Dir, e.Holder.PID, e.Holder.Host, e.Holder.Since.Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrCounterLocked) true.
func (e *CounterLockedError) Is(target error) bool { return target == ErrCounterLocked }

// CounterLock is the held counter lock of a data directory: an OS file lock on
// <dir>/counter.lock, which the OS releases if the process dies. It is not the data lock:
// units of work on the store run whoever holds it.
type CounterLock struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// LockCounter takes the counter lock of dir (created 0700 if missing) without waiting.
// The lock file records pid, host and start time for the message another program shows.
func LockCounter(dir string) (*CounterLock, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("offline: data directory %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("offline: creating data directory: %w", err)
	}
	path := filepath.Join(abs, LockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("offline: opening counter lock: %w", err)
	}
	locked, err := tryLockFile(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("offline: locking %s: %w", path, err)
	}
	if !locked {
		e := &CounterLockedError{Dir: abs}
		if b, rerr := io.ReadAll(io.LimitReader(f, 4096)); rerr == nil {
			_ = json.Unmarshal(b, &e.Holder) // unreadable or empty info leaves Holder zero
		}
		f.Close()
		return nil, e
	}
	host, _ := os.Hostname()
	info, _ := json.Marshal(CounterHolder{PID: os.Getpid(), Host: host, Since: time.Now()})
	if err := writeHolder(f, info); err != nil {
		_ = unlockFile(f)
		f.Close()
		return nil, fmt.Errorf("offline: writing counter lock info: %w", err)
	}
	return &CounterLock{f: f, path: path}, nil
}

// writeHolder records who holds the lock. It is not synced to the disk: another program
// reads it while the lock is held, from the page cache, and after a crash of the machine the
// lock is free and the info is not read.
func writeHolder(f *os.File, info []byte) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt(info, 0)
	return err
}

// Path returns the lock file's path.
func (l *CounterLock) Path() string { return l.path }

// Release clears the holder info and gives the lock back. Calling it again does nothing.
func (l *CounterLock) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	// The file itself stays: removing it would let two programs lock two different files.
	terr := l.f.Truncate(0)
	uerr := unlockFile(l.f)
	cerr := l.f.Close()
	l.f = nil
	if err := errors.Join(terr, uerr, cerr); err != nil {
		return fmt.Errorf("offline: releasing counter lock: %w", err)
	}
	return nil
}
