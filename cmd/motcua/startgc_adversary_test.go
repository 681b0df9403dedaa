package main

import (
	"io"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/cobra"
)

// Adversary guards of startgc.go: no command but the counter screen runs with the collector
// off. Cobra runs only the nearest PersistentPreRun(E) of a command and its parents (unless
// EnableTraverseRunHooks): a command group that adds its own would silently skip the root's,
// and `batch run` under it would process a file of thousands of rows with the collector off
// until the 256 MiB limit. Not in parallel: it changes the process's collector settings.
func TestAdversaryStartGCEveryCommandReachesTheRootHook(t *testing.T) {
	root := (&app{}).rootCmd()
	if cobra.EnableTraverseRunHooks {
		t.Skip("every hook runs: nothing to shadow the root's")
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for p := c; p != nil; p = p.Parent() {
			if p.PersistentPreRun != nil || p.PersistentPreRunE != nil {
				if p != root {
					t.Errorf("%q: its persistent hook is %q's, not the root's: the collector stays off while it runs",
						c.CommandPath(), p.CommandPath())
				}
				break
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// A command run the way main runs it, with the collector held as main holds it, gets it back
// before it does anything, with the settings the process started with.
func TestAdversaryStartGCGivenBackToACommand(t *testing.T) {
	before := debug.SetGCPercent(91)
	defer debug.SetGCPercent(before)
	limit := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(limit)
	fresh := func() { startGC.held, startGC.once = false, sync.Once{} }
	fresh()
	defer fresh()
	holdGC()
	var out strings.Builder
	a := &app{getenv: func(string) string { return "" }}
	if code := a.run([]string{"version"}, strings.NewReader(""), &out, io.Discard); code != 0 {
		t.Fatalf("version: exit %d", code)
	}
	if p := debug.SetGCPercent(91); p != 91 {
		t.Errorf("after a command: the collector's percent is %d, want the process's 91", p)
	}
	if l := debug.SetMemoryLimit(-1); l != limit {
		t.Errorf("after a command: memory limit %d, want the process's %d", l, limit)
	}
}
