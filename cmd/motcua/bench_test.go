//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"motcua/internal/testenv"
	"motcua/lookups/sandbox"
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

// BenchmarkBatchRun is `motcua batch run` of 20 new marital-status dossiers
// per iteration on the demo (look-up, validation, code, save with the
// outbox, send to the loopback sandbox), with their receipts gathered into
// one PDF: the dossiers per second of a backlog entry.
func BenchmarkBatchRun(b *testing.B) {
	dir := b.TempDir()
	id := ""
	for _, f := range sandbox.Featured() {
		if f.Kind == "single" {
			id = f.ID
		}
	}
	const rows = 20
	iter := 0
	var errb bytes.Buffer
	for b.Loop() {
		b.StopTimer()
		var in bytes.Buffer
		in.WriteString("subject.id,purpose,purpose_other\n")
		for j := range rows {
			fmt.Fprintf(&in, "%s,other,Hồ sơ tồn đọng số %d-%d\n", id, iter, j)
		}
		iter++
		csvPath := filepath.Join(dir, fmt.Sprintf("in-%d.csv", iter))
		if err := os.WriteFile(csvPath, in.Bytes(), 0o600); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		errb.Reset()
		code := run([]string{"batch", "run", "--demo", "--data-dir", dir, "--service", "xac-nhan-tthn", "--in", csvPath,
			"--receipts", filepath.Join(dir, fmt.Sprintf("bien-nhan-%d.pdf", iter))}, strings.NewReader(""), io.Discard, &errb)
		if code != exitOK {
			b.Fatalf("batch run: exit %d: %s", code, errb.String())
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "dossiers/s")
}
