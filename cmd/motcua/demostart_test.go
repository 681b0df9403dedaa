//go:build linux

package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"motcua/internal/testenv"
)

// The counter screen starts the demo beside its first frame (tui.Options.Open):
// a demo that cannot start still ends the program with the reason and exit
// code 1, as when it started before the screen, not with a screen left open
// or a crash on the parts it never made.
func TestDemoStartFailureEndsTheCounterScreen(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := demoStore(t)
	// a key file that no longer opens the store (damaged, or from another store)
	if err := os.WriteFile(filepath.Join(dir, "demo.key"), []byte("not a key file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	master, slave, err := testenv.OpenPTY(120, 40)
	if err != nil {
		t.Fatalf("no pseudo-terminal: %v", err)
	}
	defer master.Close()
	cmd := exec.Command(os.Args[0], "demo", "--data-dir", dir)
	cmd.Env = environ(t, asBinary+"=1", "TERM=xterm-256color")
	var errOut bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, &errOut
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	var screen bytes.Buffer
	go func() { _, _ = io.Copy(&screen, master) }()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute): // a hang guard only
		_ = cmd.Process.Kill()
		t.Fatalf("the counter screen did not end when its demo could not start; stderr %q", errOut.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(errOut.String(), "Không khởi động được môi trường demo") {
		t.Fatalf("demo with a damaged key file: %v\nstderr %q", err, errOut.String())
	}
	if strings.Contains(errOut.String(), "panic") {
		t.Errorf("the screen's end speaks of parts that never started: stderr %q", errOut.String())
	}
}
