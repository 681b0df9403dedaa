//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"motcua/internal/testenv"
	"motcua/lookups/sandbox"
)

// BenchmarkStartToFirstFrame measures from starting the program (`motcua
// demo`: a new process, the in-process sandbox, the store, the TUI) until its
// first frame with the identification screen is written; then it quits. Its
// anchor, measured in the same run and alternated with it, is a bare Bubble
// Tea v2 program (testdata/bareprogram) drawing one line: the figure that
// matters is the ratio, reported as x-bare.
func BenchmarkStartToFirstFrame(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "motcua")
	bare := filepath.Join(dir, "bareprogram")
	for out, pkg := range map[string]string{bin: ".", bare: "./testdata/bareprogram"} {
		if msg, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
			b.Fatalf("go build %s: %v\n%s", pkg, err, msg)
		}
	}
	data := filepath.Join(dir, "data")
	// the demo store is created (and its passphrases printed) on the first
	// start only: create it before timing, as a counter starts every morning
	if out, err := exec.Command(bin, "dossier", "list", "--demo", "--data-dir", data).CombinedOutput(); err != nil {
		b.Fatalf("create the demo store: %v\n%s", err, out)
	}
	var bareTimes, times, bareCPU, cpus []time.Duration
	for b.Loop() {
		b.StopTimer()
		t0 := time.Now()
		quit, cpu := firstFrame(b, bare)
		bareTimes = append(bareTimes, time.Since(t0))
		bareCPU = append(bareCPU, cpu)
		quit()
		b.StartTimer()
		t0 = time.Now()
		quit, cpu = firstFrame(b, bin, "demo", "--data-dir", data)
		times = append(times, time.Since(t0))
		cpus = append(cpus, cpu)
		b.StopTimer()
		quit()
		b.StartTimer()
	}
	// medians: on a shared machine one start delayed by another program's burst
	// would weigh on a mean of either
	b.ReportMetric(float64(median(times).Nanoseconds()), "median-ns")
	b.ReportMetric(float64(median(bareTimes).Nanoseconds()), "bare-median-ns")
	b.ReportMetric(float64(median(times))/float64(median(bareTimes)), "x-bare")
	// the processor time each spent until its first frame: what start costs,
	// whatever else the machine does at the time
	b.ReportMetric(float64(median(cpus).Nanoseconds()), "cpu-ns")
	b.ReportMetric(float64(median(bareCPU).Nanoseconds()), "bare-cpu-ns")
}

// cpuTime is the processor time the threads of process pid have used so far
// (the first field of each thread's schedstat, in nanoseconds).
func cpuTime(pid int) time.Duration {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	var sum time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		var ns int64
		if _, err := fmt.Sscan(string(b), &ns); err == nil {
			sum += time.Duration(ns)
		}
	}
	return sum
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// firstFrame starts the program on a pseudo-terminal and returns once its
// identification screen is written, with the function that quits it (ctrl+c)
// and the processor time the program had used by then.
func firstFrame(b *testing.B, prog string, args ...string) (quit func(), cpu time.Duration) {
	master, slave, err := testenv.OpenPTY(120, 40)
	if err != nil {
		b.Skipf("no pseudo-terminal: %v", err)
	}
	cmd := exec.Command(prog, args...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	if err := waitOutput(master, "Xác định công dân", 20*time.Second); err != nil {
		_ = cmd.Process.Kill()
		b.Fatalf("%s: no first frame: %v", filepath.Base(prog), err)
	}
	cpu = cpuTime(cmd.Process.Pid)
	return func() {
		_, _ = master.Write([]byte{0x03}) // ctrl+c
		go func() { _, _ = io.Copy(io.Discard, master) }()
		if err := cmd.Wait(); err != nil {
			b.Fatalf("%s did not quit cleanly: %v", filepath.Base(prog), err)
		}
		slave.Close()
		master.Close()
	}, cpu
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
