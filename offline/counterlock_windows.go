//go:build windows

package offline

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// The locked byte range lies far past the holder info, so other programs can still read it
// (LockFileEx locks are mandatory on Windows). bbolt uses the same trick.
const lockOffset = ^uint32(0)

// tryLockFile takes an exclusive LockFileEx lock without blocking; false when someone else holds it.
func tryLockFile(f *os.File) (bool, error) {
	ol := &windows.Overlapped{Offset: lockOffset, OffsetHigh: lockOffset}
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, windows.ERROR_LOCK_VIOLATION), errors.Is(err, windows.ERROR_IO_PENDING):
		return false, nil
	default:
		return false, err
	}
}

func unlockFile(f *os.File) error {
	ol := &windows.Overlapped{Offset: lockOffset, OffsetHigh: lockOffset}
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, ol)
}
