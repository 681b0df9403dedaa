package reconcile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"motcua/internal/batchio"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/sandbox"
)

var meta = lookups.CallMeta{Operator: "canbo01", Purpose: lookups.PurposeReconcile}

func TestCompareName(t *testing.T) {
	for _, tc := range []struct{ in, db, want string }{
		{"Nguyễn Văn Hòa", "Nguyễn Văn Hòa", Match},
		{"  NGUYỄN  văn hòa ", "Nguyễn Văn Hòa", Match},
		{norm.NFD.String("Nguyễn Văn Hòa"), "Nguyễn Văn Hòa", Match},
		{"Nguyễn Văn Hoà", "Nguyễn Văn Hòa", ToneOnly},
		{"Lê Thị Thuỷ", "Lê Thị Thủy", ToneOnly},
		{"Nguyen Van Hoa", "Nguyễn Văn Hòa", DiacriticsOnly},
		{"Dang Thi Mai", "Đặng Thị Mai", DiacriticsOnly},
		{"NGUYEN THI HOA", "Nguyễn Thị Hoà", DiacriticsOnly},
		// two marked names that differ in a mark are two names
		{"Nguyễn Văn Hoa", "Nguyễn Văn Hòa", Mismatch},
		{"Nguyễn Thị Hoa", "Nguyễn Thị Hoà", Mismatch},
		{"Lê Thị Thu", "Lê Thị Thư", Mismatch},
		{"Trần Văn Hòa", "Nguyễn Văn Hòa", Mismatch},
		{"Nguyễn Văn", "Nguyễn Văn Hòa", Mismatch},
		{"", "Nguyễn Văn Hòa", NotGiven},
	} {
		if got := CompareName(tc.in, tc.db); got != tc.want {
			t.Errorf("CompareName(%q, %q) = %s, want %s", tc.in, tc.db, got, tc.want)
		}
	}
}

func TestCompareDate(t *testing.T) {
	db := lookups.NewDate(1985, time.March, 7)
	for _, tc := range []struct{ in, want string }{
		{"07/03/1985", Match}, {"7/3/1985", Match}, {"1985-03-07", Match}, {"07-03-1985", Match},
		{"08/03/1985", Mismatch}, {"31/02/1985", Invalid}, {"1985", Invalid}, {" ", NotGiven},
	} {
		if got := CompareDate(tc.in, db); got != tc.want {
			t.Errorf("CompareDate(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestUnitEqual(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"TP. Hà Nội", "Thành phố Hà Nội", true},
		{"Hà Nội", "Thành phố Hà Nội", true},
		{"phường ba đình", "Phường Ba Đình", true},
		{"Tỉnh Thanh Hoá", "Tỉnh Thanh Hóa", true},
		{"Ha Noi", "Thành phố Hà Nội", false},
		{"Phường Ba Đình", "Phường Ngọc Hà", false},
	} {
		if got := unitEqual(tc.a, tc.b); got != tc.want {
			t.Errorf("unitEqual(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}

// stripMarks drops every diacritic (đ -> d), keeping case: a list typed without accents.
func stripMarks(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteRune('d')
		case r == 'Đ':
			b.WriteRune('D')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

type sliceSource struct {
	in []Input
	i  int
}

func (s *sliceSource) Next() (Input, error) {
	if s.i >= len(s.in) {
		return Input{}, io.EOF
	}
	s.i++
	return s.in[s.i-1], nil
}

func featured(t testing.TB, kind string) *lookups.Resident {
	t.Helper()
	for _, f := range sandbox.Featured() {
		if f.Kind == kind {
			r, ok := sandbox.Default().Resident(f.ID)
			if !ok {
				t.Fatalf("featured %s not in the population", kind)
			}
			return r
		}
	}
	t.Fatalf("no featured person of kind %q", kind)
	return nil
}

func client(t testing.TB, pop *sandbox.Population) *gateway.Client {
	t.Helper()
	url, stop, err := sandbox.Start("127.0.0.1:0", sandbox.NewServer(pop, sandbox.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	c, err := gateway.New(gateway.Config{BaseURL: url, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRunFeaturedPersons(t *testing.T) {
	single, oldTone, married := featured(t, "single"), featured(t, "old_tone"), featured(t, "married")
	divorced, split, dead, temp := featured(t, "divorced"), featured(t, "split_ward"), featured(t, "deceased"), featured(t, "temporary")
	card, _ := sandbox.CardOf(oldTone.Citizen.ID)
	unknown := single.Citizen.ID[:6] + "999999"
	if _, ok := sandbox.Default().Resident(unknown); ok {
		t.Fatal("the unknown ID exists")
	}
	wrongDay := single.Citizen.BirthDate.Time(time.UTC).AddDate(0, 0, 1)
	in := []Input{
		{ID: single.Citizen.ID, Name: single.Citizen.FullName, BirthDate: single.Citizen.BirthDate.String(), Address: single.Permanent.Address.String()},
		{ID: oldTone.Citizen.ID, Name: card.FullName, BirthDate: oldTone.Citizen.BirthDate.ISO()},
		{ID: married.Citizen.ID, Name: stripMarks(married.Citizen.FullName), BirthDate: married.Citizen.BirthDate.String()},
		{ID: divorced.Citizen.ID, Name: divorced.Citizen.FullName, BirthDate: lookups.DateOf(wrongDay).String()},
		{ID: split.Citizen.ID, Name: split.Citizen.FullName, BirthDate: split.Citizen.BirthDate.String(), Address: split.Permanent.Legacy.String()},
		{ID: unknown, Name: "Nguyễn Văn An", BirthDate: "01/01/1990"},
		{ID: dead.Citizen.ID, Name: dead.Citizen.FullName, BirthDate: dead.Citizen.BirthDate.String()},
		{ID: "12345", Name: "Nguyễn Văn An", BirthDate: "01/01/1990"},
		{Problem: "dòng không phải một đối tượng JSON hợp lệ"},
		{ID: temp.Citizen.ID, Name: temp.Citizen.FullName, BirthDate: temp.Citizen.BirthDate.String(), Address: "Số 1, Phường Không Có, Tỉnh Không Có"},
		{ID: temp.Citizen.ID, Name: temp.Citizen.FullName, BirthDate: temp.Citizen.BirthDate.String(), Address: temp.Temporary.Address.String()},
	}
	for i := range in {
		in[i].Line = i + 2
	}
	want := []Result{
		{Status: StatusChecked, Name: Match, BirthDate: Match, Address: Match},
		{Status: StatusChecked, Name: ToneOnly, BirthDate: Match, Address: NotGiven},
		{Status: StatusChecked, Name: DiacriticsOnly, BirthDate: Match, Address: NotGiven},
		{Status: StatusChecked, Name: Match, BirthDate: Mismatch, Address: NotGiven},
		{Status: StatusChecked, Name: Match, BirthDate: Match, Address: OldAddress},
		{Status: StatusNotFound},
		{Status: StatusDeceased, Name: Match, BirthDate: Match, Address: NotGiven},
		{Status: StatusInvalidID},
		{Status: StatusInvalidInput},
		{Status: StatusChecked, Name: Match, BirthDate: Match, Address: Mismatch},
		{Status: StatusChecked, Name: Match, BirthDate: Match, Address: Match},
	}
	var got []Result
	var buf bytes.Buffer
	out, _ := NewOutput(&buf, "jsonl")
	sum, err := Run(context.Background(), &sliceSource{in: in}, client(t, sandbox.Default()),
		Options{Meta: meta, Workers: 3, BatchSize: 4}, func(r Result) error {
			got = append(got, r)
			return out.Write(r)
		})
	if err != nil {
		t.Fatal(err)
	}
	out.Flush()
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Line != in[i].Line || g.ID != in[i].ID || g.Status != w.Status || g.Name != w.Name || g.BirthDate != w.BirthDate || g.Address != w.Address {
			t.Errorf("record %d: got %+v, want %+v", i, g, w)
		}
	}
	if sum.Records != len(in) || sum.Status[StatusChecked] != 7 || sum.Fields["name"][ToneOnly] != 1 || sum.Unchecked() != 0 {
		t.Errorf("summary %+v", sum)
	}
	// No value of the database in the output.
	text := buf.String()
	for _, r := range []*lookups.Resident{single, oldTone, married, divorced, split, dead, temp} {
		c := r.Citizen
		secrets := []string{c.FullName, stripMarks(c.FullName), c.BirthDate.String(), c.BirthDate.ISO(), r.Permanent.Address.String(), r.Permanent.Legacy.String()}
		if r.Permanent.Address.WardName != "" {
			secrets = append(secrets, r.Permanent.Address.WardName)
		}
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("output holds a database value %q", s)
			}
		}
	}
}

// fakeLooker answers from memory; fail makes chosen calls fail.
type fakeLooker struct {
	pop   *sandbox.Population
	cache sync.Map // id -> *lookups.Resident
	mu    sync.Mutex
	calls int
	fail  func(call int) bool
	delay func(call int) time.Duration
}

func (f *fakeLooker) LookupBatchView(ctx context.Context, ids []string, view string, m lookups.CallMeta) ([]gateway.BatchResult, error) {
	if m.Purpose != lookups.PurposeReconcile || view != gateway.ViewIdentity {
		return nil, errors.New("wrong purpose or view")
	}
	f.mu.Lock()
	f.calls++
	call := f.calls
	f.mu.Unlock()
	if f.delay != nil {
		time.Sleep(f.delay(call))
	}
	if f.fail != nil && f.fail(call) {
		return nil, &gateway.Error{Op: "lookup_batch", Status: 503}
	}
	out := make([]gateway.BatchResult, len(ids))
	for i, id := range ids {
		out[i].ID = id
		if v, ok := f.cache.Load(id); ok {
			out[i].Found, out[i].Resident = true, v.(*lookups.Resident)
			continue
		}
		if r, ok := f.pop.Resident(id); ok {
			f.cache.Store(id, r)
			out[i].Found, out[i].Resident = true, r
		}
	}
	return out, nil
}

// genSource yields n records cycling over the first persons of pop, with
// every 7th name typed without diacritics.
type genSource struct {
	ids, names, dates []string
	n, i              int
}

func newGenSource(pop *sandbox.Population, persons, n int) *genSource {
	g := &genSource{n: n}
	for i := range persons {
		c := pop.Person(i).Citizen
		g.ids, g.names, g.dates = append(g.ids, c.ID), append(g.names, c.FullName), append(g.dates, c.BirthDate.String())
	}
	return g
}

func (g *genSource) Next() (Input, error) {
	if g.i >= g.n {
		return Input{}, io.EOF
	}
	k := g.i % len(g.ids)
	g.i++
	in := Input{Line: g.i + 1, ID: g.ids[k], Name: g.names[k], BirthDate: g.dates[k]}
	if g.i%7 == 0 {
		in.Name = stripMarks(in.Name)
	}
	return in, nil
}

func TestRunKeepsOrderAndSurvivesGatewayErrors(t *testing.T) {
	pop := sandbox.New(3, 3000)
	f := &fakeLooker{pop: pop,
		fail:  func(c int) bool { return c == 3 },
		delay: func(c int) time.Duration { return time.Duration(c*7%5) * time.Millisecond }}
	var got []Result
	sum, err := Run(context.Background(), newGenSource(pop, 3000, 2500), f, Options{Meta: meta, Workers: 4, BatchSize: 100},
		func(r Result) error { got = append(got, r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2500 {
		t.Fatalf("%d results", len(got))
	}
	for i, r := range got {
		if r.Line != i+2 {
			t.Fatalf("result %d has line %d: out of order", i, r.Line)
		}
	}
	if sum.Unchecked() != 100 {
		t.Errorf("%d unchecked records, want one batch of 100", sum.Unchecked())
	}
	if n := sum.Fields["name"][DiacriticsOnly]; n < 300 {
		t.Errorf("%d diacritics-only names, want about 2500/7", n)
	}
	for _, r := range got {
		if r.Status == StatusError && r.Message == "" {
			t.Fatal("error record without a message")
		}
	}
}

func TestRunStopsOnEmitErrorAndCancel(t *testing.T) {
	pop := sandbox.New(3, 500)
	f := &fakeLooker{pop: pop}
	boom := errors.New("disk full")
	n := 0
	_, err := Run(context.Background(), newGenSource(pop, 500, 100_000), f, Options{Meta: meta, Workers: 2, BatchSize: 50},
		func(Result) error {
			if n++; n == 120 {
				return boom
			}
			return nil
		})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want the emit error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	_, err = Run(ctx, newGenSource(pop, 500, 100_000), f, Options{Meta: meta, Workers: 2, BatchSize: 50},
		func(r Result) error {
			if r.Status == StatusError {
				t.Error("a canceled look-up was emitted as a result")
			}
			if n++; n == 10 {
				cancel()
			}
			return nil
		})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want canceled", err)
	}
}

func TestBucket(t *testing.T) {
	now := time.Unix(0, 0)
	b := newBucket(2)
	b.now = func() time.Time { return now }
	b.last = now
	var waits []time.Duration
	for range 4 {
		waits = append(waits, b.reserve())
	}
	want := []time.Duration{0, 0, 500 * time.Millisecond, time.Second}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", waits, want)
		}
	}
	now = now.Add(3 * time.Second) // refills up to the burst only
	if d := b.reserve(); d != 0 {
		t.Errorf("wait %v after a pause", d)
	}
	if newBucket(0) != nil {
		t.Error("rate 0 must not limit")
	}
}

func TestRunRespectsRate(t *testing.T) {
	pop := sandbox.New(3, 500)
	f := &fakeLooker{pop: pop}
	start := time.Now()
	// 6 batches at 20/s with a burst of 20: no wait; at 4/s with a burst of 4: 2 waits of 250 ms.
	if _, err := Run(context.Background(), newGenSource(pop, 500, 60), f, Options{Meta: meta, Workers: 6, BatchSize: 10, Rate: 4},
		func(Result) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("6 calls at 4/s took %v", d)
	}
}

func TestOutputResume(t *testing.T) {
	for _, format := range []string{"csv", "jsonl"} {
		t.Run(format, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out."+format)
			o, done, err := OpenOutput(path, false)
			if err != nil || done != 0 {
				t.Fatal(done, err)
			}
			for i := range 5 {
				if err := o.Write(Result{Line: i + 2, ID: "0010", Status: StatusChecked, Name: Match, Message: "a\nb"}); err != nil {
					t.Fatal(err)
				}
			}
			if err := o.Close(); err != nil {
				t.Fatal(err)
			}
			f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if _, err := f.WriteString(`7,00`); err != nil { // a killed run's partial line
				t.Fatal(err)
			}
			f.Close()
			o, done, err = OpenOutput(path, false)
			if err != nil || done != 5 {
				t.Fatalf("done %d err %v, want 5", done, err)
			}
			if err := o.Write(Result{Line: 7, ID: "0010", Status: StatusNotFound}); err != nil {
				t.Fatal(err)
			}
			o.Close()
			b, _ := os.ReadFile(path)
			lines := strings.Split(strings.TrimRight(string(b), "\r\n"), "\n")
			wantLines := 6
			if format == "csv" {
				wantLines = 7
				if !strings.HasPrefix(lines[0], "\uFEFFline,id,status") {
					t.Errorf("header %q", lines[0])
				}
			}
			if len(lines) != wantLines || strings.Contains(string(b), "7,00\r") || strings.Contains(string(b), "7,00{") {
				t.Fatalf("file:\n%s", b)
			}
			if format == "jsonl" {
				var r Result
				if err := json.Unmarshal([]byte(lines[5]), &r); err != nil || r.Line != 7 || r.Status != StatusNotFound {
					t.Errorf("last line %q: %v", lines[5], err)
				}
			}
			_, done, err = OpenOutput(path, true)
			if err != nil || done != 0 {
				t.Errorf("restart: done %d err %v", done, err)
			}
		})
	}
	other := filepath.Join(t.TempDir(), "list.csv")
	if err := os.WriteFile(other, []byte("id,name\n1,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := OpenOutput(other, false); !errors.Is(err, ErrNotOurs) {
		t.Errorf("err %v, want ErrNotOurs", err)
	}
	if b, _ := os.ReadFile(other); string(b) != "id,name\n1,2\n" {
		t.Error("a foreign file was changed")
	}
	// XLSX: written whole, so a second open without restart is refused
	xl := filepath.Join(t.TempDir(), "x.xlsx")
	o, n, err := OpenOutput(xl, false)
	if err != nil || n != 0 {
		t.Fatalf("xlsx output: %d %v", n, err)
	}
	if err := o.Write(Result{Line: 2, ID: "001196000001", Status: "checked", Name: "match"}); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := batchio.Open(xl, batchio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := r.Next()
	r.Close()
	if err != nil || rec.Fields["id"] != "001196000001" || rec.Fields["name"] != "match" {
		t.Fatalf("xlsx content: %+v %v", rec, err)
	}
	if _, _, err := OpenOutput(xl, false); !errors.Is(err, ErrNoResume) {
		t.Errorf("reopening an xlsx output: %v, want ErrNoResume", err)
	}
	if o, _, err := OpenOutput(xl, true); err != nil {
		t.Errorf("restart of an xlsx output: %v", err)
	} else {
		o.Close()
	}
}

func TestMapColumns(t *testing.T) {
	c, err := MapColumns([]string{"STT", "Số định danh", "Họ và tên", "Ngày sinh", "Địa chỉ"})
	if err != nil || c.ID != "Số định danh" || c.Name != "Họ và tên" || c.BirthDate != "Ngày sinh" || c.Address != "Địa chỉ" {
		t.Errorf("%+v %v", c, err)
	}
	if _, err := MapColumns([]string{"id", "name"}); err == nil || !strings.Contains(err.Error(), "ngày sinh") {
		t.Errorf("err %v", err)
	}
}

// TestStreamMillionRecordsFlatMemory runs 1,000,000 records (1,000 persons
// repeated) through Run and the CSV output and checks the heap stays flat.
func TestStreamMillionRecordsFlatMemory(t *testing.T) {
	n := 1_000_000
	if testing.Short() || raceEnabled {
		n = 100_000
	}
	pop := sandbox.New(11, 1000)
	f := &fakeLooker{pop: pop}
	out, _ := NewOutput(io.Discard, "csv")
	var samples []uint64
	batches := 0
	sum, err := Run(context.Background(), newGenSource(pop, 1000, n), f, Options{Meta: meta, Workers: 4,
		Progress: func(*Summary) {
			if batches++; batches%50 == 0 {
				var ms runtimeMemStats
				readMem(&ms)
				samples = append(samples, ms.HeapAlloc)
			}
		}}, out.Write)
	if err != nil || sum.Records != n {
		t.Fatalf("records %d err %v", sum.Records, err)
	}
	if len(samples) < 2 {
		t.Fatalf("%d samples", len(samples))
	}
	first, peak := samples[0], uint64(0)
	for _, s := range samples {
		peak = max(peak, s)
	}
	t.Logf("%d records: heap first sample %.1f MiB, peak %.1f MiB over %d samples", n, mib(first), mib(peak), len(samples))
	if peak > 64<<20 || peak > 3*first+16<<20 {
		t.Errorf("heap grows: first %.1f MiB, peak %.1f MiB", mib(first), mib(peak))
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func BenchmarkCompare(b *testing.B) {
	r := sandbox.New(1, 100).Person(5)
	in := Input{ID: r.Citizen.ID, Name: stripMarks(r.Citizen.FullName), BirthDate: r.Citizen.BirthDate.String(), Address: r.Permanent.Legacy.String()}
	for b.Loop() {
		Compare(in, r)
	}
}

// BenchmarkReconcile runs b.N records through Run against the sandbox over
// loopback HTTP with the batch look-up (the population's persons in random
// order, as lists are): records/s is the figure of issue 7.
func BenchmarkReconcile(b *testing.B) {
	for _, order := range []string{"random", "sequential"} {
		b.Run(order, func(b *testing.B) {
			pop := sandbox.New(21, 100_000)
			c := client(b, pop)
			persons := 20_000
			g := newGenSource(pop, persons, 0)
			if order == "random" {
				perm := make([]int, persons)
				for i := range perm {
					perm[i] = (i * 7919) % persons
				}
				ids, names, dates := g.ids, g.names, g.dates
				g = &genSource{}
				for _, k := range perm {
					g.ids, g.names, g.dates = append(g.ids, ids[k]), append(g.names, names[k]), append(g.dates, dates[k])
				}
			}
			b.ResetTimer()
			g.n, g.i = b.N, 0
			sum, err := Run(context.Background(), g, c, Options{Meta: meta, Workers: 4}, func(Result) error { return nil })
			if err != nil || sum.Unchecked() > 0 {
				b.Fatalf("err %v, unchecked %d", err, sum.Unchecked())
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// TestOutputGuardsFormulas: an input ID such as =HYPERLINK(...) goes back
// into a CSV result with a leading apostrophe, and into an XLSX result as
// text; JSON Lines keep it as it is.
func TestOutputGuardsFormulas(t *testing.T) {
	const id = `=HYPERLINK("http://x/","x")`
	for _, format := range []string{"csv", "jsonl", "xlsx"} {
		path := filepath.Join(t.TempDir(), "out."+format)
		o, _, err := OpenOutput(path, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Write(Result{Line: 2, ID: id, Status: StatusInvalidID, Message: "-1"}); err != nil {
			t.Fatal(err)
		}
		if err := o.Close(); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		switch format {
		case "csv":
			if !strings.Contains(string(b), `,"'=HYPERLINK(""http://x/"",""x"")",`) || !strings.Contains(string(b), ",'-1\r\n") {
				t.Errorf("CSV result not guarded:\n%s", b)
			}
		case "jsonl":
			var r Result
			if err := json.Unmarshal(b, &r); err != nil || r.ID != id {
				t.Errorf("JSON Lines result %s: %v", b, err)
			}
		case "xlsx":
			r, err := batchio.Open(path, batchio.Options{})
			if err != nil {
				t.Fatal(err)
			}
			rec, err := r.Next()
			r.Close()
			if err != nil || rec.Fields["id"] != id || rec.Fields["message"] != "-1" {
				t.Errorf("XLSX result %v %v", rec, err)
			}
		}
	}
}
