package counter_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"motcua/forms"
	"motcua/forms/calendar"
	"motcua/forms/lifecycle"
	"motcua/internal/counter"
	"motcua/internal/wardyear"
	"motcua/lookups/gateway"
	"motcua/lookups/sandbox"
	"motcua/offline"
	"motcua/printing"
)

// The ward-year benchmarks: the dossier book over 200,000 dossiers (filter, XLSX export) and
// opening a dossier by code at the results desk, on an encrypted store filled once per run
// by internal/wardyear.Build (the dossiers of the year up to 23 November through the state
// machine, and its 1,000,000 look-ups, in bulk transactions of 20,000).

// wardYearStore is a ward-year store of one size.
type wardYearStore struct {
	once sync.Once
	dir  string
	st   *offline.Store
	sum  wardyear.Summary
	err  error
	took time.Duration
}

var years = struct {
	sync.Mutex
	by map[int]*wardYearStore
}{by: map[int]*wardYearStore{}}

const yearPass = "mật khẩu giám sát năm"

var yearOp = counter.Operator{ID: "gs01", Name: "Giám sát", Role: offline.RoleSupervisor}

// yearNow is when the ward-year stores are looked at.
func yearNow(tb testing.TB) time.Time {
	return time.Date(2026, time.November, 23, 10, 0, 0, 0, hcm(tb))
}

// wardYearOf is the store of a ward-year of n dossiers (with 5n look-ups in the access log and
// n/2 answers in the cache), built on first use in bulk transactions, removed at the end of the
// run.
func wardYearOf(b *testing.B, n int) (*offline.Store, wardyear.Summary) {
	b.Helper()
	years.Lock()
	y := years.by[n]
	if y == nil {
		y = &wardYearStore{}
		years.by[n] = y
	}
	years.Unlock()
	y.once.Do(func() {
		if y.dir, y.err = os.MkdirTemp("", "motcua-wardyear-"); y.err != nil {
			return
		}
		clk := func() time.Time { return yearNow(b) }
		y.st, y.err = offline.Init(y.dir, offline.Operator{ID: "gs01", Name: "Giám sát", Role: offline.RoleSupervisor}, yearPass,
			offline.Options{KDF: rightsKDF, Clock: clk, LockWait: 20 * time.Second})
		if y.err != nil {
			return
		}
		begin := time.Now()
		y.sum, y.err = wardyear.Build(y.st, yearOptions(b, n))
		y.took = time.Since(begin)
	})
	if y.err != nil {
		b.Fatal(y.err)
	}
	b.Logf("ward-year store: %d dossiers (%d received here), %d look-ups, %d cached answers, built in %v", y.sum.Dossiers, y.sum.Local,
		y.sum.Lookups, y.sum.Cached, y.took.Round(time.Millisecond))
	return y.st, y.sum
}

// yearOptions are the generator's options for a store of n dossiers.
func yearOptions(tb testing.TB, n int) wardyear.Options {
	return wardyear.Options{Agency: agencyCode, Now: yearNow(tb), Location: hcm(tb), Dossiers: n, Lookups: 5 * n}
}

// wardYear is the store of a whole ward-year: 200,000 dossiers.
func wardYear(b *testing.B) (*offline.Store, wardyear.Summary) { return wardYearOf(b, 200_000) }

func TestMain(m *testing.M) {
	code := m.Run()
	for _, y := range years.by {
		if y.dir != "" {
			os.RemoveAll(y.dir)
		}
	}
	os.Exit(code)
}

// yearService is a counter over the ward-year store; url "" is a gateway that cannot be
// reached (the link is down).
func yearService(b *testing.B, url string) *counter.Service {
	b.Helper()
	st, _ := wardYear(b)
	return yearServiceOn(b, st, url)
}

// yearServiceOn is a counter over st (see yearService).
func yearServiceOn(b testing.TB, st *offline.Store, url string) *counter.Service {
	b.Helper()
	if url == "" {
		url = "http://127.0.0.1:1"
	}
	gw, err := gateway.New(gateway.Config{BaseURL: url, Timeout: 2 * time.Second, Retries: -1})
	if err != nil {
		b.Fatal(err)
	}
	clk := func() time.Time { return yearNow(b) }
	svc, err := counter.New(counter.Config{Agency: counter.Agency{Code: agencyCode, Parent: "UBND PHƯỜNG THỬ NGHIỆM",
		Name: "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ", Place: "Phường Thử Nghiệm"}, Counter: 1, CacheTTL: 24 * time.Hour,
		CutoffHour: 15, ReturnHour: 8, Location: hcm(b)},
		counter.Deps{Gateway: gw, Store: st, Printer: printing.NewFilePrinter(b.TempDir()), Calendar: calendar.Default(),
			Specs: forms.Catalog(), Clock: clk})
	if err != nil {
		b.Fatal(err)
	}
	return svc
}

// reportCPU adds the process's CPU time per operation since start (all goroutines, the
// garbage collector's included) to the benchmark's result.
func reportCPU(b *testing.B, start time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
	}
}

// localCode is a code received here, in the middle of the year.
func localCode(b *testing.B, st *offline.Store, sum wardyear.Summary) string {
	b.Helper()
	for _, c := range sum.Codes[len(sum.Codes)/2:] {
		var ok bool
		if err := st.View(func(tx *offline.Tx) error {
			i, found, err := tx.LifeInfo(c)
			ok = found && !i.Remote
			return err
		}); err != nil {
			b.Fatal(err)
		}
		if ok {
			return c
		}
	}
	b.Fatal("no dossier received here")
	return ""
}

// BenchmarkBookYearFilter: the book of one month (about 19,000 of the 200,000 dossiers) with
// the late ones only, no gateway.
func BenchmarkBookYearFilter(b *testing.B) {
	svc := yearService(b, "")
	late := true
	loc := hcm(b)
	f := counter.BookFilter{From: time.Date(2026, 10, 1, 0, 0, 0, 0, loc), To: time.Date(2026, 11, 1, 0, 0, 0, 0, loc), Late: &late}
	var rows int
	cpu0 := cpuTime()
	for b.Loop() {
		res, err := svc.Book(ctx, yearOp, f)
		if err != nil {
			b.Fatal(err)
		}
		rows = len(res.Book.Rows)
	}
	reportCPU(b, cpu0)
	b.ReportMetric(float64(rows), "rows")
}

// BenchmarkBookYearMonth: the whole book of one month, every dossier (no filter but the dates).
func BenchmarkBookYearMonth(b *testing.B) {
	svc := yearService(b, "")
	loc := hcm(b)
	f := counter.BookFilter{From: time.Date(2026, 10, 1, 0, 0, 0, 0, loc), To: time.Date(2026, 11, 1, 0, 0, 0, 0, loc)}
	var rows int
	cpu0 := cpuTime()
	for b.Loop() {
		res, err := svc.Book(ctx, yearOp, f)
		if err != nil {
			b.Fatal(err)
		}
		rows = len(res.Book.Rows)
	}
	reportCPU(b, cpu0)
	b.ReportMetric(float64(rows), "rows")
}

// BenchmarkBookYearAll: the book of the whole year, 200,000 rows.
func BenchmarkBookYearAll(b *testing.B) {
	svc := yearService(b, "")
	var rows int
	cpu0 := cpuTime()
	for b.Loop() {
		res, err := svc.Book(ctx, yearOp, counter.BookFilter{})
		if err != nil {
			b.Fatal(err)
		}
		rows = len(res.Book.Rows)
	}
	reportCPU(b, cpu0)
	b.ReportMetric(float64(rows), "rows")
}

// BenchmarkBookYearXLSX: the year's book (200,000 rows) made and written to an XLSX file.
func BenchmarkBookYearXLSX(b *testing.B) {
	svc := yearService(b, "")
	out := filepath.Join(b.TempDir(), "so.xlsx")
	cpu0 := cpuTime()
	for b.Loop() {
		res, err := svc.Book(ctx, yearOp, counter.BookFilter{})
		if err != nil {
			b.Fatal(err)
		}
		if err := counter.ExportBookXLSX(out, res.Book); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu0)
	if fi, err := os.Stat(out); err == nil {
		b.ReportMetric(float64(fi.Size())/1e6, "MB")
	}
}

// BenchmarkOpenResultLocal: the results desk opens a dossier by its code with the link down
// (the refused connection, then this machine's record among 200,000).
func BenchmarkOpenResultLocal(b *testing.B) {
	svc := yearService(b, "")
	st, sum := wardYear(b)
	code := localCode(b, st, sum)
	cpu0 := cpuTime()
	for b.Loop() {
		v, err := svc.OpenResult(ctx, yearOp, code)
		if err != nil || v.Life.Code != code || !v.Offline {
			b.Fatalf("%v %+v", err, v)
		}
	}
	reportCPU(b, cpu0)
}

// BenchmarkOpenResultGateway: the results desk opens a dossier by its code through the
// gateway (the sandbox on loopback: progress and results, the life brought up to date in the
// store).
func BenchmarkOpenResultGateway(b *testing.B) {
	f := newWorkflowFixture(b, sandbox.Workflow{OnTime: 1, Span: time.Millisecond})
	decl, _, _ := declaration(b, f, false)
	out, err := f.svc.Receive(ctx, decl, clerk, nil, "")
	if err != nil {
		b.Fatal(err)
	}
	code := out.Dossier.Code
	cpu0 := cpuTime()
	for b.Loop() {
		v, err := f.svc.OpenResult(ctx, clerk, code)
		if err != nil || !v.Fresh {
			b.Fatalf("%v %+v", err, v)
		}
	}
	reportCPU(b, cpu0)
}

// The generator writes the index entry the counter writes (wardyear.Info is counter's
// lifeInfo; the reception facts are the reception's, not the life's): a dossier received here, apologised for and late, read back, has the same entry.
func TestWardYearInfoIsTheCounters(t *testing.T) {
	f := newWorkflowFixture(t, sandbox.Workflow{Late: 1, Span: time.Millisecond})
	d := receiveOne(t, f)
	when, err := f.svc.NewAppointment(clerk, d.Code, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Extend(ctx, clerk, d.Code, "", when, "Cần xác minh thêm.", counter.StepOptions{}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(30 * 24 * time.Hour)
	if _, err := f.svc.DossierStatus(ctx, clerk, d.Code, true); err != nil {
		t.Fatal(err)
	}
	var l lifecycle.Life
	var info offline.LifeInfo
	err = f.store.View(func(tx *offline.Tx) error {
		blob, i, err := tx.GetLife(d.Code)
		info = i
		if err == nil {
			err = json.Unmarshal(blob, &l)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if l.Stage != lifecycle.StageResultReady || !info.Late || !info.Extended {
		t.Fatalf("stage %s, index %+v: not the late, extended dossier the test needs", l.Stage, info)
	}
	got := wardyear.Info(&l, hcm(t))
	got.UpdatedAt, got.Reception = info.UpdatedAt, info.Reception
	if gb, _ := json.Marshal(got); string(gb) != string(mustJSON(t, info)) {
		t.Errorf("wardyear.Info = %s\ncounter wrote  %s", gb, mustJSON(t, info))
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
