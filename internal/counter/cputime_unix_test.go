//go:build unix

package counter_test

import (
	"syscall"
	"time"
)

// cpuTime is the process's CPU time so far (user and system), for benchmarks that report it
// beside the wall time: on a shared, loaded machine the wall time says more about the others.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
