package main

import (
	"runtime/debug"
	"sync"
	"testing"
)

// The collector is held only for the counter screen (motcua, motcua demo);
// every other command gets it back before it runs, with the settings the
// process started with. Not in parallel: it changes the process's collector
// settings and holdGC's state, which the commands run in process read.
func TestStartGCHeldForTheCounterScreenOnly(t *testing.T) {
	a := &app{}
	root := a.rootCmd()
	counter := map[string]bool{"": true, "demo": true}
	for _, c := range root.Commands() {
		if got := counterScreen(c); got != counter[c.Name()] {
			t.Errorf("counterScreen(%q) = %v", c.Name(), got)
		}
		for _, sub := range c.Commands() {
			if counterScreen(sub) {
				t.Errorf("counterScreen(%q %q) = true", c.Name(), sub.Name())
			}
		}
	}
	if !counterScreen(root) {
		t.Error("the root command (the counter screen) is not held")
	}

	// hold then release: the settings come back as they were
	before := debug.SetGCPercent(137)
	defer debug.SetGCPercent(before)
	fresh := func() { startGC.held, startGC.once = false, sync.Once{} } // as the process starts (go test -count=2)
	fresh()
	defer fresh()
	holdGC()
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Errorf("held collector's percent %d, want off", p)
	}
	if l := debug.SetMemoryLimit(-1); l != startHeapLimit {
		t.Errorf("held memory limit %d, want %d", l, startHeapLimit)
	}
	releaseGC()
	if p := debug.SetGCPercent(-1); p != 137 {
		t.Errorf("released percent %d, want the process's 137", p)
	}
	debug.SetGCPercent(137)
	releaseGC() // once only: a later call changes nothing
	if p := debug.SetGCPercent(-1); p != 137 {
		t.Errorf("a second release changed the percent to %d", p)
	}
}
