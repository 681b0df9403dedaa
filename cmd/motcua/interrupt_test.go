//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// An interrupt (SIGINT here; on Windows, Ctrl+C or Ctrl+Break delivered as a
// console event, as Wine always does) closes the counter as its quit key
// does: exit 0, not "stopped because of an error".
func TestCounterInterruptQuits(t *testing.T) {
	t.Parallel()
	dir := demoStore(t)
	s := startTmux(t, 150, 50, fmt.Sprintf("env %s=1 sh -c 'echo $$ >%s/pid; exec %s demo --data-dir %s 2>%s/stderr.txt'; echo MOTCUA-EXITED $?; sleep 60",
		asBinary, dir, os.Args[0], dir, dir))
	s.waitFor("Bước 1 — Xác định công dân")
	b, err := os.ReadFile(filepath.Join(dir, "pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	scr := s.waitFor("MOTCUA-EXITED")
	stderr, _ := os.ReadFile(filepath.Join(dir, "stderr.txt"))
	if !strings.Contains(scr, "MOTCUA-EXITED 0") || len(stderr) > 0 {
		t.Fatalf("after an interrupt the counter did not close cleanly; stderr: %q\nscreen:\n%s", stderr, scr)
	}
}
