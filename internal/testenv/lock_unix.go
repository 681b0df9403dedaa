//go:build unix

package testenv

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// MachineLock takes a lock shared by every process on the machine, so that
// tests using a machine-wide resource (pcscd, whose pid file and socket are
// fixed, and the vpcd port) do not collide when two suites run at once, from
// two clones. It blocks until the lock is free; release gives it back (the
// kernel does too when the process dies). The lock file lives in /tmp, not
// in TMPDIR, because two suites may have different TMPDIRs.
func MachineLock(name string) (release func(), err error) {
	path := filepath.Join("/tmp", "motcua-"+name+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, fmt.Errorf("machine lock %s: %w", path, err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("machine lock %s: %w", path, err)
	}
	return func() {
		_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
	}, nil
}
