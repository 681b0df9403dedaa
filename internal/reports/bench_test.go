//go:build unix

package reports_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"motcua/forms/calendar"
	"motcua/internal/counter"
	"motcua/internal/reports"
	"motcua/internal/wardyear"
	"motcua/lookups/gateway"
	"motcua/offline"
	"motcua/printing"
)

// A ward's year in a store (internal/wardyear: 200,000 dossiers, a quarter received at this
// counter, and 1,000,000 look-ups in the access log), built once per test binary.
var wardYearOnce struct {
	sync.Once
	dir string
	sum wardyear.Summary
	err error
}

func wardYear(b *testing.B) (*counter.Service, wardyear.Summary) {
	b.Helper()
	wardYearOnce.Do(func() {
		dir, err := os.MkdirTemp("", "motcua-wardyear-")
		if err != nil {
			wardYearOnce.err = err
			return
		}
		wardYearOnce.dir = dir
		s, err := offline.Open(dir, offline.Options{LockWait: time.Minute})
		if err != nil {
			wardYearOnce.err = err
			return
		}
		wardYearOnce.sum, wardYearOnce.err = wardyear.Build(s, wardyear.Options{})
	})
	if wardYearOnce.err != nil {
		b.Fatal(wardYearOnce.err)
	}
	sum := wardYearOnce.sum
	store, err := offline.Open(wardYearOnce.dir, offline.Options{LockWait: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	gw, err := gateway.New(gateway.Config{BaseURL: "http://127.0.0.1:9", Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	now := sum.To.Add(-7 * time.Hour)
	svc, err := counter.New(counter.Config{Agency: counter.Agency{Code: "G22.99.08", Parent: "UBND PHƯỜNG THỬ NGHIỆM", Name: "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
		Place: "Phường Thử Nghiệm"}, Counter: 1, Location: sum.From.Location()},
		counter.Deps{Gateway: gw, Store: store, Printer: printing.NewFilePrinter(b.TempDir()), Calendar: calendar.Default(),
			Clock: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("ward year: %d dossiers (%d here, %d from the ward's list), %d look-ups, built in %s", sum.Dossiers, sum.Local, sum.Remote,
		sum.Lookups, sum.BuildDuration.Round(time.Millisecond))
	return svc, sum
}

// TestMain removes the ward year's store after the benchmarks.
func TestMain(m *testing.M) {
	code := m.Run()
	if wardYearOnce.dir != "" {
		_ = os.RemoveAll(wardYearOnce.dir)
	}
	os.Exit(code)
}

func yearReport(b *testing.B, svc *counter.Service, sum wardyear.Summary) *reports.Report {
	r, err := reports.Compute(context.Background(), svc, reportSupervisor, reports.Period{From: sum.From, To: sum.To}, reports.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if r.Totals.Received != sum.Dossiers || r.Lookups.Total != sum.Lookups {
		b.Fatalf("the year's report counts %d dossiers and %d look-ups, the store holds %d and %d", r.Totals.Received, r.Lookups.Total,
			sum.Dossiers, sum.Lookups)
	}
	return r
}

var reportSupervisor = counter.Operator{ID: "gs01", Role: offline.RoleSupervisor}

// BenchmarkComputeWardYear: the report of the whole year from the local store (the ward's
// list synced: no gateway call).
func BenchmarkComputeWardYear(b *testing.B) {
	svc, sum := wardYear(b)
	cpu := cpuTime()
	for b.Loop() {
		yearReport(b, svc, sum)
	}
	reportCPU(b, cpu)
}

// cpuTime is the process's user and system CPU time: on a shared machine the wall time of an
// iteration waits for the other processes, its CPU time does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, since time.Duration) {
	if n := b.N; n > 0 {
		b.ReportMetric(float64((cpuTime()-since).Milliseconds())/float64(n), "cpu-ms/op")
	}
}

// BenchmarkExportWardYear: the year's report computed and written as XLSX, and as PDF.
func BenchmarkExportWardYear(b *testing.B) {
	svc, sum := wardYear(b)
	dir := b.TempDir()
	for _, ext := range []string{".xlsx", ".pdf"} {
		b.Run(ext[1:], func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				r := yearReport(b, svc, sum)
				if err := reports.Export(filepath.Join(dir, "nam"+ext), r, svc.Agency()); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
	}
}
