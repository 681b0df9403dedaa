package counter_test

import (
	"fmt"
	"testing"
	"time"

	"motcua/forms"
	"motcua/forms/calendar"
	"motcua/internal/counter"
	"motcua/internal/reports"
	"motcua/internal/wardyear"
	"motcua/lookups/gateway"
	"motcua/offline"
	"motcua/printing"
)

// The ward-year benchmarks of issue 17: the counter's work at 20,000 and at 200,000 dossiers
// (each store built once per run by wardYearOf, 5 look-ups a dossier in the access log, the
// cache half as full as there are dossiers). Each benchmark runs both sizes and logs the ratio
// of the larger to the smaller, for the wall time and for the CPU time per operation (the
// process's, all goroutines and the garbage collector included, the refills between
// iterations left out): the issue wants the larger costing at most 12 times the smaller.
// One size alone: -bench 'WardYear.*/dossiers=20000'.

var yearSizes = []int{20_000, 200_000}

// eachYear runs the operation prepare returns at each size; reset, when not nil, runs before
// each iteration with the timer stopped (a purge's cache is filled again).
func eachYear(b *testing.B, prepare func(b *testing.B, st *offline.Store, sum wardyear.Summary) (run, reset func() error)) {
	type cost struct{ wall, cpu float64 }
	got := map[int]cost{}
	for _, n := range yearSizes {
		b.Run(fmt.Sprintf("dossiers=%d", n), func(b *testing.B) {
			st, sum := wardYearOf(b, n)
			run, reset := prepare(b, st, sum)
			var wall, cpu time.Duration
			for b.Loop() {
				if reset != nil {
					b.StopTimer()
					if err := reset(); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				c0, w0 := cpuTime(), time.Now()
				if err := run(); err != nil {
					b.Fatal(err)
				}
				wall += time.Since(w0)
				cpu += cpuTime() - c0
			}
			b.ReportMetric(float64(cpu)/float64(b.N)/1e6, "cpu-ms/op")
			got[n] = cost{float64(wall) / float64(b.N), float64(cpu) / float64(b.N)}
		})
	}
	small, large := got[yearSizes[0]], got[yearSizes[1]]
	if small.wall > 0 && large.wall > 0 {
		r := fmt.Sprintf("wall x%.1f", large.wall/small.wall)
		if small.cpu > 0 {
			r += fmt.Sprintf(", cpu x%.1f", large.cpu/small.cpu)
		}
		// the parent of sub-benchmarks prints no log of its own: the ratio goes to the output
		fmt.Printf("%s: %d against %d dossiers: %s\n", b.Name(), yearSizes[1], yearSizes[0], r)
	}
}

// BenchmarkWardYearStart: what the counter does before its first screen, on the ward-year's
// data directory: unlock the store with a passphrase (the test KDF: argon2id's own cost does
// not depend on the data), build the counter service (the store opens per unit of work:
// nothing stays open).
// cmd/motcua BenchmarkWardYearFirstFrame measures the whole program to its first frame.
func BenchmarkWardYearStart(b *testing.B) {
	eachYear(b, func(b *testing.B, st *offline.Store, _ wardyear.Summary) (func() error, func() error) {
		gw, err := gateway.New(gateway.Config{BaseURL: "http://127.0.0.1:1", Timeout: 2 * time.Second, Retries: -1})
		if err != nil {
			b.Fatal(err)
		}
		clk := func() time.Time { return yearNow(b) }
		printer := printing.NewFilePrinter(b.TempDir())
		return func() error {
			s, _, err := offline.Unlock(st.Dir(), "gs01", yearPass, offline.Options{Clock: clk, LockWait: 20 * time.Second})
			if err != nil {
				return err
			}
			_, err = counter.New(counter.Config{Agency: counter.Agency{Code: agencyCode, Parent: "UBND PHƯỜNG THỬ NGHIỆM",
				Name: "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ", Place: "Phường Thử Nghiệm"}, Counter: 1, CacheTTL: 24 * time.Hour,
				CutoffHour: 15, ReturnHour: 8, Location: hcm(b)},
				counter.Deps{Gateway: gw, Store: s, Printer: printer, Calendar: calendar.Default(), Specs: forms.Catalog(), Clock: clk})
			return err
		}, nil
	})
}

// BenchmarkWardYearHistory: the history screen (F4): the 200 dossiers last received here.
func BenchmarkWardYearHistory(b *testing.B) {
	eachYear(b, func(b *testing.B, st *offline.Store, sum wardyear.Summary) (func() error, func() error) {
		svc := yearServiceOn(b, st, "")
		return func() error {
			list, err := svc.Recent(ctx, 200)
			if err == nil && (len(list) != 200 || list[0].ReceivedAt.Before(list[199].ReceivedAt)) {
				err = fmt.Errorf("history of %d dossiers, not the last 200 first", len(list))
			}
			return err
		}, nil
	})
}

// BenchmarkWardYearBookMonth: the dossier book of October, every dossier.
func BenchmarkWardYearBookMonth(b *testing.B) {
	eachYear(b, func(b *testing.B, st *offline.Store, sum wardyear.Summary) (func() error, func() error) {
		svc := yearServiceOn(b, st, "")
		loc := hcm(b)
		f := counter.BookFilter{From: time.Date(2026, 10, 1, 0, 0, 0, 0, loc), To: time.Date(2026, 11, 1, 0, 0, 0, 0, loc)}
		return func() error {
			res, err := svc.Book(ctx, yearOp, f)
			if err == nil && len(res.Book.Rows) < sum.Dossiers/15 {
				err = fmt.Errorf("a month of %d rows out of %d dossiers", len(res.Book.Rows), sum.Dossiers)
			}
			return err
		}, nil
	})
}

// BenchmarkWardYearBookAll: the dossier book of the whole year.
func BenchmarkWardYearBookAll(b *testing.B) {
	eachYear(b, func(b *testing.B, st *offline.Store, sum wardyear.Summary) (func() error, func() error) {
		svc := yearServiceOn(b, st, "")
		return func() error {
			res, err := svc.Book(ctx, yearOp, counter.BookFilter{})
			if err == nil && len(res.Book.Rows) != sum.Dossiers {
				err = fmt.Errorf("the year's book has %d rows, the store %d dossiers", len(res.Book.Rows), sum.Dossiers)
			}
			return err
		}, nil
	})
}

// BenchmarkWardYearReport: the leadership's report of the year (internal/reports) from the
// local store.
func BenchmarkWardYearReport(b *testing.B) {
	eachYear(b, func(b *testing.B, st *offline.Store, sum wardyear.Summary) (func() error, func() error) {
		svc := yearServiceOn(b, st, "")
		p := reports.Period{From: sum.From, To: sum.To}
		return func() error {
			r, err := reports.Compute(ctx, svc, yearOp, p, reports.Options{})
			if err == nil && (r.Totals.Received != sum.Dossiers || r.Lookups.Total != sum.Lookups) {
				err = fmt.Errorf("the report counts %d dossiers and %d look-ups, the store holds %d and %d", r.Totals.Received,
					r.Lookups.Total, sum.Dossiers, sum.Lookups)
			}
			return err
		}, nil
	})
}

// BenchmarkWardYearAuditVerify: `motcua audit verify` offline: the whole audit chain checked
// (hash chain and MAC of every entry; 1,000,000 look-ups at 200,000 dossiers).
func BenchmarkWardYearAuditVerify(b *testing.B) {
	eachYear(b, func(b *testing.B, st *offline.Store, sum wardyear.Summary) (func() error, func() error) {
		office := counter.NewOffice(st)
		return func() error {
			rep, err := office.VerifyAudit(yearOp)
			if err == nil && (!rep.OK || rep.Entries < sum.Lookups) {
				err = fmt.Errorf("audit report %+v for %d look-ups", rep, sum.Lookups)
			}
			return err
		}, nil
	})
}

// BenchmarkWardYearCachePurge: `motcua cache purge`: every cached answer deleted (half as many
// as dossiers), then the file compacted; the cache is filled again between iterations.
func BenchmarkWardYearCachePurge(b *testing.B) {
	eachYear(b, func(b *testing.B, st *offline.Store, sum wardyear.Summary) (func() error, func() error) {
		office := counter.NewOffice(st)
		opt := yearOptions(b, sum.Dossiers)
		first := true
		return func() error {
				n, before, after, err := office.PurgeCache(yearOp, false, 24*time.Hour)
				if err == nil && (n != sum.Cached || after >= before) {
					err = fmt.Errorf("purged %d of %d cached answers, file %d -> %d bytes", n, sum.Cached, before, after)
				}
				return err
			}, func() error {
				if first { // Build filled it
					first = false
					return nil
				}
				_, err := wardyear.FillCache(st, opt)
				return err
			}
	})
}

// BenchmarkWardYearCompact: the compaction alone (the store rewritten into a fresh file).
func BenchmarkWardYearCompact(b *testing.B) {
	eachYear(b, func(b *testing.B, st *offline.Store, _ wardyear.Summary) (func() error, func() error) {
		return func() error {
			_, after, err := st.Compact()
			if err == nil && after == 0 {
				err = fmt.Errorf("compacted into an empty file")
			}
			return err
		}, nil
	})
}

// BenchmarkWardYearIndexBuild: the one-time work of the first unlock of a store written
// before the indexes by reception time (offline/received.go): the unlock with a passphrase
// (test KDF) that builds them. The indexes are dropped again before each iteration.
func BenchmarkWardYearIndexBuild(b *testing.B) {
	eachYear(b, func(b *testing.B, st *offline.Store, _ wardyear.Summary) (func() error, func() error) {
		clk := func() time.Time { return yearNow(b) }
		return func() error {
				_, _, err := offline.Unlock(st.Dir(), "gs01", yearPass, offline.Options{KDF: rightsKDF, Clock: clk, LockWait: 20 * time.Second})
				return err
			}, func() error {
				dropReceivedIndexes(b, st)
				return nil
			}
	})
}
