//go:build linux

package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"motcua/lookups/gateway"
	"motcua/lookups/gateway/hostile"
)

// TestReconcileMemoryUnderHostileBatchAnswers runs the program as a
// subprocess, built without the race detector (as it ships): `reconcile
// --workers 64` over 64,000 records (64 batch look-ups in flight) against a
// gateway whose every batch answer is 200 MB long, or the largest answer the
// contract allows (32 MiB, every result valid). The subprocess reports its
// peak resident memory, VmHWM from its own /proc/self/status, when the
// command has ended (runMeasuredBin, peakMemoryFile); it stays under 300 MB.
// (The ru_maxrss of wait4 would not do: it counts the parent's memory at the
// fork.) The figures are in docs/BENCHMARKS.md.
func TestReconcileMemoryUnderHostileBatchAnswers(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the program and moves 2 GiB over loopback")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "motcua.test")
	// This package's test binary without -race: the real program (run) plus
	// the VmHWM report. Built before isolate: the go command needs the
	// user's build and module caches.
	build := exec.Command("go", "test", "-c", "-o", bin, "motcua/cmd/motcua")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go test -c: %v\n%s", err, out)
	}
	isolate(t)

	// 64,000 records: valid ID numbers (not real persons: the gateway is the test's).
	prefix := featuredID(t, "single")[:6]
	var in bytes.Buffer
	in.WriteString("id,name,birth_date\n")
	const records = 64 * gateway.MaxBatchIDs
	for i := range records {
		fmt.Fprintf(&in, "%s%06d,Nguyễn Văn An,01/01/1990\n", prefix, i)
	}
	inPath := filepath.Join(dir, "danhsach.csv")
	if err := os.WriteFile(inPath, in.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		answer func(http.ResponseWriter, gateway.BatchRequest)
		exit   int
	}{
		{"control: small answers, nobody found", nil, exitOK},
		{"200 MB answers", hostile.HugeBatch(200 << 20), exitPartial},
		{"200 MB of results", hostile.ManyResults(200 << 20), exitPartial},
		{"32 MiB valid answers", hostile.FullAnswers(gateway.MaxBatchBodyBytes - 4096), exitOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gw := hostile.Start(t)
			if tc.answer != nil {
				gw.SetBatch(tc.answer)
			}
			data := filepath.Join(t.TempDir(), "data")
			cfg := filepath.Join(filepath.Dir(data), "config.toml")
			// A generous time limit: the 64 answers of 32 MiB, of unknown length,
			// are read one after the other, and a call's budget (here its one
			// attempt's) runs while it waits its turn; the test is about memory.
			if err := os.WriteFile(cfg, []byte(fmt.Sprintf("counter = 1\n[agency]\ncode = \"G01.00004\"\n[gateway]\nurl = %q\ntimeout = \"5m\"\nretries = 0\n", gw.URL)), 0o600); err != nil {
				t.Fatal(err)
			}
			env := []string{"MOTCUA_OPERATOR=" + hostileOperator, "MOTCUA_PASSPHRASE=" + hostilePass, "MOTCUA_NEW_PASSPHRASE=" + hostilePass}
			at := []string{"--config", cfg, "--data-dir", data}
			if o, e, code, _ := runMeasuredBin(t, bin, env, append(at, "operator", "init", hostileOperator, "--name", "Giám sát Thử")...); code != 0 {
				t.Fatalf("operator init: exit %d\n%s%s", code, o, e)
			}
			out := filepath.Join(filepath.Dir(data), "ketqua.csv")
			o, e, code, hwm := runMeasuredBin(t, bin, env, append(at, "reconcile", "--in", inPath, "--out", out, "--workers", "64")...)
			if code != tc.exit {
				t.Fatalf("reconcile: exit %d, want %d\n%s%s", code, tc.exit, o, e)
			}
			if n := gw.BatchRequests(); n < 64 {
				t.Fatalf("%d batch look-ups reached the gateway, want 64", n)
			}
			got, _ := os.ReadFile(out)
			if n := bytes.Count(got, []byte("\n")); n != records+1 {
				t.Errorf("%d lines in the result, want %d", n, records+1)
			}
			if tc.exit == exitOK && bytes.Contains(got, []byte(",error,")) {
				t.Errorf("valid answers gave error rows")
			}
			t.Logf("%s: VmHWM of `motcua reconcile --workers 64` = %.1f MiB (%d records, %d batch look-ups); %s",
				tc.name, float64(hwm)/(1<<20), records, gw.BatchRequests(), strings.TrimSpace(firstLine(o)))
			if hwm >= peakLimit {
				t.Errorf("peak resident memory %.1f MiB, bound %d MB", float64(hwm)/(1<<20), peakLimit>>20)
			}
		})
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
