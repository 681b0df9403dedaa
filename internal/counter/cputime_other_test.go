//go:build !unix

package counter_test

import "time"

// cpuTime is not measured here (the benchmarks then report 0 CPU ms/op).
func cpuTime() time.Duration { return 0 }
