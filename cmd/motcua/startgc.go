package main

import (
	"github.com/spf13/cobra"
	"runtime/debug"
	"sync"
	"time"
)

// The counter screen's start allocates a few megabytes that live on (the
// sandbox's population, the store's pages, the screens) beside much that does
// not; collecting while it starts costs the clerk more than a collection just
// after the first frame, when the screen waits for keys (a ward PC has two
// cores: a collection competes with drawing the screen). So main turns the
// collector off until a moment after the first frame, within a memory limit
// that a start-up going wrong would reach; every other command turns it back
// on before it does anything (cobra's PersistentPreRun).

// startHeapLimit bounds the heap while the collector waits: reaching it
// collects as usual.
const startHeapLimit = 256 << 20

// startGCHold is how long the counter screen keeps the collector waiting: its
// first frame comes within about a tenth of a second on a ward PC.
const startGCHold = time.Second

var startGC struct {
	once    sync.Once
	held    bool
	percent int   // the GOGC the process was started with
	limit   int64 // and its GOMEMLIMIT
}

// holdGC turns the collector off until releaseGC (main only: tests run
// commands without it).
func holdGC() {
	startGC.held = true
	startGC.percent = debug.SetGCPercent(-1)
	startGC.limit = debug.SetMemoryLimit(-1)
	if startGC.limit > startHeapLimit {
		debug.SetMemoryLimit(startHeapLimit)
	}
}

// releaseGC gives the collector back the settings the process started with.
func releaseGC() {
	if !startGC.held {
		return
	}
	startGC.once.Do(func() {
		debug.SetGCPercent(startGC.percent)
		debug.SetMemoryLimit(startGC.limit)
	})
}

// releaseGCAfterStart releases the collector a moment after the counter
// screen's first frame.
func releaseGCAfterStart() {
	if startGC.held {
		time.AfterFunc(startGCHold, releaseGC)
	}
}

// counterScreen reports whether cmd runs the counter screen (motcua, motcua demo).
func counterScreen(cmd *cobra.Command) bool {
	return !cmd.HasParent() || (cmd.Name() == "demo" && cmd.Parent() == cmd.Root())
}
