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
	"motcua/offline"
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
	alternateFirstFrames(b, bare, bin, "demo", "--data-dir", data)
}

// alternateFirstFrames starts the bare program and the program (with args) in turn, once per
// iteration (only the program's start is timed), and reports the medians of both, their ratio
// (x-bare) and the processor time each used until its first frame; it returns the program's
// median wall and processor times.
func alternateFirstFrames(b *testing.B, bare, bin string, args ...string) (wall, cpu time.Duration) {
	b.Helper()
	var bareTimes, times, bareCPU, cpus []time.Duration
	for b.Loop() {
		b.StopTimer()
		t0 := time.Now()
		quit, c := firstFrame(b, bare)
		bareTimes = append(bareTimes, time.Since(t0))
		bareCPU = append(bareCPU, c)
		quit()
		b.StartTimer()
		t0 = time.Now()
		quit, c = firstFrame(b, bin, args...)
		times = append(times, time.Since(t0))
		cpus = append(cpus, c)
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
	return median(times), median(cpus)
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

// BenchmarkBatchRun is the whole `motcua batch run` command (demo start,
// reading the file, look-ups, validation, codes, save with the outbox, send to
// the loopback sandbox) over a file of distinct synthetic persons, reported in
// dossiers (rows) per second:
//
//   - receipts: every row received, the receipts gathered into one PDF. The
//     file has 9,999 rows, the most one counter can code in a day
//     (offline.MaxDossiersPerDay: the code's running number has four digits).
//   - dry-run: 10,000 rows looked up and checked, nothing saved.
//
// Every iteration starts from a new demo store (created before the timer:
// its two operators' passphrases cost argon2id), so the rows are new each time.
func BenchmarkBatchRun(b *testing.B) {
	for _, c := range []struct {
		name string
		rows int
		args []string
	}{
		{"receipts", offline.MaxDossiersPerDay, []string{"--receipts"}},
		{"dry-run", 10000, []string{"--dry-run"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			work := b.TempDir()
			csvPath := filepath.Join(work, "in.csv")
			if err := os.WriteFile(csvPath, batchBenchRows(b, c.rows), 0o600); err != nil {
				b.Fatal(err)
			}
			iter := 0
			var errb bytes.Buffer
			for b.Loop() {
				b.StopTimer()
				iter++
				dir := filepath.Join(work, fmt.Sprintf("data-%d", iter))
				if code := run([]string{"dossier", "list", "--demo", "--data-dir", dir}, strings.NewReader(""), io.Discard, &errb); code != exitOK {
					b.Fatalf("create the demo store: exit %d: %s", code, errb.String())
				}
				args := []string{"batch", "run", "--demo", "--data-dir", dir, "--service", "xac-nhan-tthn", "--in", csvPath}
				if c.args[0] == "--receipts" {
					args = append(args, "--receipts", filepath.Join(work, fmt.Sprintf("bien-nhan-%d.pdf", iter)))
				} else {
					args = append(args, c.args...)
				}
				errb.Reset()
				b.StartTimer()
				code := run(args, strings.NewReader(""), io.Discard, &errb)
				if code != exitOK {
					b.Fatalf("batch run: exit %d: %.2000s", code, errb.String())
				}
			}
			b.ReportMetric(float64(c.rows*b.N)/b.Elapsed().Seconds(), "dossiers/s")
		})
	}
}

// batchBenchRows is a marital-status input of n rows, each about another
// living adult of the demo's synthetic population (purpose "other").
func batchBenchRows(b *testing.B, n int) []byte {
	b.Helper()
	pop := sandbox.Default()
	var in bytes.Buffer
	in.WriteString("subject.id,purpose,purpose_other\n")
	rows := 0
	for i := 0; i < pop.Size() && rows < n; i++ {
		r := pop.Person(i)
		if r.Deceased() || r.Citizen.BirthDate.Year == 0 || r.Citizen.BirthDate.Year > 2006 {
			continue
		}
		fmt.Fprintf(&in, "%s,other,Bổ sung hồ sơ vay vốn số %d\n", r.Citizen.ID, rows)
		rows++
	}
	if rows < n {
		b.Fatalf("only %d living adults in the demo population", rows)
	}
	return in.Bytes()
}
