//go:build linux

package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"motcua/internal/testenv"
)

// BenchmarkStartToFirstFrame measures from starting the program (`motcua
// demo`: a new process, the in-process sandbox, the store, the TUI) until its
// first frame with the identification screen is written; then it quits.
func BenchmarkStartToFirstFrame(b *testing.B) {
	dir := b.TempDir()
	// the demo store is created (and its passphrases printed) on the first
	// start only: create it before timing, as a counter starts every morning
	warm := exec.Command(os.Args[0], "dossier", "list", "--demo", "--data-dir", dir)
	warm.Env = append(os.Environ(), asBinary+"=1")
	if out, err := warm.CombinedOutput(); err != nil {
		b.Fatalf("create the demo store: %v\n%s", err, out)
	}
	for b.Loop() {
		master, slave, err := testenv.OpenPTY(120, 40)
		if err != nil {
			b.Skipf("no pseudo-terminal: %v", err)
		}
		cmd := exec.Command(os.Args[0], "demo", "--data-dir", dir)
		cmd.Env = append(os.Environ(), asBinary+"=1", "TERM=xterm-256color")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		if err := waitOutput(master, "Xác định công dân", 20*time.Second); err != nil {
			cmd.Process.Kill()
			b.Fatal(err)
		}
		b.StopTimer()
		master.Write([]byte{0x03}) // ctrl+c
		go io.Copy(io.Discard, master)
		if err := cmd.Wait(); err != nil {
			b.Fatalf("program did not quit cleanly: %v", err)
		}
		slave.Close()
		master.Close()
		b.StartTimer()
	}
}

func waitOutput(r io.Reader, want string, timeout time.Duration) error {
	done := make(chan error, 1)
	go func() {
		var buf bytes.Buffer
		chunk := make([]byte, 4096)
		for {
			n, err := r.Read(chunk)
			buf.Write(chunk[:n])
			if strings.Contains(buf.String(), want) {
				done <- nil
				return
			}
			if err != nil {
				done <- err
				return
			}
		}
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		return io.ErrNoProgress
	}
}
