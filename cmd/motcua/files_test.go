package main

import (
	"bytes"
	"fmt"
	"motcua/internal/demo"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/xuri/excelize/v2"

	"motcua/internal/batchio"
	"motcua/internal/batchio/xlsxtest"
)

// Files from outside: hostile workbooks, formula injection, and the
// messages people read about files.

// peakLimit is the peak resident memory (VmHWM) a run may reach on a
// hostile file.
const peakLimit = 300 << 20

// runGuard ends a measured run that hangs.
const runGuard = 3 * time.Minute

// runMeasured runs the program (this test binary) with extra environment and
// returns its output, exit code and peak resident memory in bytes (VmHWM,
// written by the program itself as it ends). A watchdog kills it when its
// resident memory passes 1 GiB, so that a regression cannot exhaust the
// machine (the peak is then the figure seen), or when it still runs after
// runGuard (a guard against a hang, far from any normal run).
func runMeasured(t *testing.T, env []string, args ...string) (stdout, stderr string, code int, peak int64) {
	t.Helper()
	return runMeasuredBin(t, os.Args[0], env, args...)
}

// runMeasuredBin is runMeasured with another build of this test binary (bin),
// e.g. one without the race detector.
func runMeasuredBin(t *testing.T, bin string, env []string, args ...string) (stdout, stderr string, code int, peak int64) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("VmHWM comes from Linux's /proc")
	}
	hwm := filepath.Join(t.TempDir(), "vmhwm")
	cmd := exec.Command(bin, args...)
	cmd.Env = environ(t, append([]string{asBinary + "=1", peakMemoryFile + "=" + hwm}, env...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var killedAt atomic.Int64
	var hung atomic.Bool
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		guard := time.After(runGuard)
		for {
			select {
			case <-done:
				return
			case <-guard:
				hung.Store(true)
				_ = cmd.Process.Kill() // it may end meanwhile: Wait reports either way
				return
			case <-tick.C:
				if rss := statusKB(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid), "VmRSS:") << 10; rss > 1<<30 {
					killedAt.Store(rss)
					_ = cmd.Process.Kill() // it may end meanwhile: Wait reports either way
					return
				}
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run motcua %v: %v", args, err)
	}
	if hung.Load() {
		t.Errorf("still running after %v: killed", runGuard)
		return o.String(), e.String(), code, statusKB(hwm, "VmHWM:") << 10
	}
	if k := killedAt.Load(); k > 0 {
		t.Errorf("killed at %d MB resident", k>>20)
		return o.String(), e.String(), code, k
	}
	peak = statusKB(hwm, "VmHWM:") << 10
	if peak == 0 {
		t.Fatalf("no peak memory reported (exit %d): %s", code, e.String())
	}
	return o.String(), e.String(), code, peak
}

// statusKB reads a "Name:  123 kB" line of a /proc status file.
func statusKB(path, name string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, name); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// english finds what must never reach a person: log lines and Go's or the
// packages' English error text.
var english = regexp.MustCompile(`level=|\berr=|batchio|(?:^|[\s"(])(?:zip|json|xml|open|read): |no such file|permission denied|not a valid|unexpected EOF|inflates|declares|is a directory|MAC|forged|entry \d`)

var vietnameseLetter = regexp.MustCompile(`[ạảãáàâầấậẩẫăằắặẳẵđêềếệểễôồốộổỗơờớợởỡưừứựửữíìịỉĩúùụủũóòọỏõéèẹẻẽýỳỵỷỹ]`)

// noEnglish fails when out holds English error text or log lines.
func noEnglish(t *testing.T, what, out string) {
	t.Helper()
	if m := english.FindString(out); m != "" {
		t.Errorf("%s shows %q to a person:\n%s", what, m, out)
	}
}

// TestHostileWorkbooksRefused: batch run --dry-run and reconcile refuse
// workbooks whose parts inflate to gigabytes (the zip directory says so, or
// lies about it) with a Vietnamese message, under 300 MB of peak resident
// memory, leaving no temporary file; the cause is in the data directory's log.
func TestHostileWorkbooksRefused(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds gigabyte-inflating workbooks")
	}
	isolate(t)
	dir := t.TempDir()
	data, tmp := demoStore(t), filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	asDemoOperator(t, data, demo.OperatorID) // reconcile is a supervisor's work: the passphrase, not the key file
	const gib = 1 << 30
	// One sheet for both commands; its second row takes purpose and name from the shared strings.
	header := xlsxtest.SheetHead + xlsxtest.Row(1, "subject.id", "purpose", "id", "name", "birth_date")
	valid := xlsxtest.With(xlsxtest.Valid(), xlsxtest.Part{Name: "xl/worksheets/sheet1.xml", Head: header +
		`<row r="2"><c t="inlineStr"><is><t>066303000006</t></is></c><c t="s"><v>0</v></c>` +
		`<c t="inlineStr"><is><t>066303000006</t></is></c><c t="s"><v>0</v></c><c t="inlineStr"><is><t>01/01/2003</t></is></c></row>`,
		Tail: xlsxtest.SheetTail})
	cases := []struct {
		name string
		part xlsxtest.Part
	}{
		{"sharedStrings.xml inflating to 1 GiB", xlsxtest.Part{Name: "xl/sharedStrings.xml",
			Head: xlsxtest.SharedStringsHead, Fill: "<si><t>aaaaaaaaaaaaaaaaaaaa</t></si>", Tail: xlsxtest.SharedStringsTail, Size: gib}},
		{"styles.xml inflating to 1 GiB", xlsxtest.Part{Name: "xl/styles.xml",
			Head: xlsxtest.StylesHead, Fill: "<numFmts/>", Tail: xlsxtest.StylesTail, Size: gib}},
		{"workbook.xml inflating to 1 GiB", xlsxtest.Part{Name: "xl/workbook.xml",
			Head: xlsxtest.WorkbookHead, Fill: "<bookViews/>", Tail: xlsxtest.WorkbookTail, Size: gib}},
		{"a sheet inflating to 2 GiB", xlsxtest.Part{Name: "xl/worksheets/sheet1.xml",
			Head: header, Fill: "<row/>", Tail: xlsxtest.SheetTail, Size: 2 * gib}},
		{"sharedStrings.xml declaring 1 KiB, inflating to 1 GiB", xlsxtest.Part{Name: "xl/sharedStrings.xml",
			Head: xlsxtest.SharedStringsHead, Fill: "<si><t>aaaaaaaaaaaaaaaaaaaa</t></si>", Tail: xlsxtest.SharedStringsTail, Size: gib, Declare: 1024}},
		{"a sheet declaring 4 KiB, inflating to 2 GiB", xlsxtest.Part{Name: "xl/worksheets/sheet1.xml",
			Head: header, Fill: "<row/>", Tail: xlsxtest.SheetTail, Size: 2 * gib, Declare: 4096}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := filepath.Join(dir, fmt.Sprintf("hostile%d.xlsx", i))
			if err := xlsxtest.WriteFile(in, xlsxtest.With(valid, c.part)); err != nil {
				t.Fatal(err)
			}
			st, _ := os.Stat(in)
			for _, args := range [][]string{
				{"batch", "run", "--demo", "--data-dir", data, "--service", batchService, "--in", in, "--dry-run"},
				{"reconcile", "--demo", "--data-dir", data, "--in", in, "--out", filepath.Join(dir, "kq.csv")},
			} {
				out, errOut, code, peak := runMeasured(t, []string{"TMPDIR=" + tmp}, args...)
				t.Logf("%s, %d KB file: %s: exit %d, peak %d MB: %s", c.name, st.Size()>>10, args[0], code, peak>>20, strings.TrimSpace(errOut))
				if code != exitUsage {
					t.Errorf("%s: exit %d, want %d\n%s%s", args[0], code, exitUsage, out, errOut)
				}
				if !strings.Contains(errOut, "tệp Excel") || !vietnameseLetter.MatchString(errOut) {
					t.Errorf("%s: no Vietnamese reason:\n%s", args[0], errOut)
				}
				noEnglish(t, args[0], out+errOut)
				if peak >= peakLimit {
					t.Errorf("%s: peak resident memory %d MB, limit %d MB", args[0], peak>>20, peakLimit>>20)
				}
				if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
					t.Errorf("%s left %d temporary files, e.g. %s", args[0], len(ents), ents[0].Name())
				}
			}
		})
	}
	if log, _ := os.ReadFile(filepath.Join(data, "motcua.log")); !strings.Contains(string(log), "too_large") {
		t.Errorf("the causes are not in the data directory's log:\n%s", log)
	}
}

// TestBatchKilledLeavesNoTemporaryFile: a batch run on a workbook whose
// sheet is over 16 MiB (about 25 MB), killed with SIGKILL while it works, leaves nothing in
// its temporary directory (excelize copied such a sheet to a temporary file).
func TestBatchKilledLeavesNoTemporaryFile(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("a 25 MB sheet")
	}
	isolate(t)
	dir := t.TempDir()
	data, tmp := demoStore(t), filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "big.xlsx")
	w, err := batchio.Create(in, []string{"subject.id", "purpose", "purpose_other", "ghi_chu"})
	if err != nil {
		t.Fatal(err)
	}
	id := featuredID(t, "single")
	note := strings.Repeat("Tổ dân phố số 5, phường Bến Nghé. ", 8) // rows of about 500 bytes
	for i := range 48_000 {
		if err := w.Write(map[string]string{"subject.id": id, "purpose": "other",
			"purpose_other": fmt.Sprintf("Hồ sơ tồn đọng số %d", i), "ghi_chu": note}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "batch", "run", "--demo", "--data-dir", data, "--service", batchService, "--in", in,
		"--dry-run", "--progress-every", "20")
	cmd.Env = environ(t, asBinary+"=1", "TMPDIR="+tmp)
	var errOut syncBuffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second) // a guard against a hang, not a budget
	for !strings.Contains(errOut.String(), "Đã xử lý 20 dòng") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL) // it may have ended: the checks below tell
	_ = cmd.Wait()                          // "signal: killed" is the expected error
	if !strings.Contains(errOut.String(), "Đã xử lý 20 dòng") {
		t.Fatalf("the run did not get going:\n%s", errOut.String())
	}
	if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
		t.Errorf("a killed run left %d temporary files, e.g. %s", len(ents), ents[0].Name())
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestInputFileErrorsAreVietnamese: files that cannot be read get a
// Vietnamese reason per cause, never Go's English error, and exit 2; the
// cause goes to the data directory's log.
func TestInputFileErrorsAreVietnamese(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := t.TempDir()
	data := demoStore(t)
	if r := runCLI(t, "dossier", "list", "--demo", "--data-dir", data); r.code != 0 {
		t.Fatal(r)
	}
	asDemoOperator(t, data, demo.OperatorID) // reconcile is a supervisor's work
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notzip := write("notzip.xlsx", "subject.id,purpose\n1,2\n")
	xls := write("old.xlsx", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"+strings.Repeat("\x00", 600))
	badUTF8 := write("bad.csv", "subject.id,purp\xffose\n1,2\n")
	badJSON := write("bad.json", "{\n  \"service\": \"xac-nhan-tthn\",\n  \"persons\": {\n  }\n  \"values\": {}\n}\n")
	unknown := write("unknown.json", `{"service":"xac-nhan-tthn","people":{}}`)
	wrongType := write("type.json", `{"service":"xac-nhan-tthn","values":{"purpose":3}}`)
	missing := filepath.Join(dir, "khong-co.csv")
	folder := filepath.Join(dir, "thu-muc.csv")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	var zipNoBook bytes.Buffer
	if err := xlsxtest.Write(&zipNoBook, []xlsxtest.Part{{Name: "a.txt", Head: "x"}}); err != nil {
		t.Fatal(err)
	}
	noBook := write("nobook.xlsx", zipNoBook.String())

	batch := func(in string) []string {
		return []string{"batch", "run", "--demo", "--data-dir", data, "--service", batchService, "--in", in, "--dry-run"}
	}
	rec := func(in string) []string { return []string{"reconcile", "--demo", "--data-dir", data, "--in", in} }
	submit := func(in string) []string { return []string{"dossier", "submit", "--demo", "--data-dir", data, in} }
	for _, c := range []struct {
		args []string
		want string
	}{
		{batch(notzip), "không phải bảng tính Excel .xlsx"},
		{rec(notzip), "không phải bảng tính Excel .xlsx"},
		{batch(xls), "Excel cũ (.xls) hoặc có đặt mật khẩu"},
		{batch(noBook), "không phải bảng tính Excel"},
		{batch(missing), "không có tệp này"},
		{rec(missing), "không có tệp này"},
		{batch(folder), "thư mục"},
		{batch(badUTF8), "dòng 1: văn bản không phải UTF-8"},
		{submit(badJSON), "không đúng định dạng JSON ở dòng 5"},
		{submit(unknown), `có trường "people" không thuộc tờ khai`},
		{submit(wrongType), `giá trị của trường "purpose" phải là một chuỗi`},
		{submit(missing), "không có tệp này"},
	} {
		r := runCLI(t, c.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: want exit 2 and %q\n%s", c.args[:2], c.want, r)
		}
		noEnglish(t, strings.Join(c.args[:2], " "), r.stdout+r.stderr)
	}
	log, _ := os.ReadFile(filepath.Join(data, "motcua.log"))
	for _, want := range []string{"not_xlsx", "old_excel", "not_found", "invalid character"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("the log lacks the cause %q:\n%s", want, log)
		}
	}
	if strings.Contains(string(log), dir) {
		t.Errorf("the log holds file paths:\n%s", log)
	}
}

// TestCommandsLogToTheDataDirectory: dossier submit and batch run with the
// gateway unreachable queue their dossiers; the counter's warnings go to the
// data directory's log, never to the terminal.
func TestCommandsLogToTheDataDirectory(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := t.TempDir()
	data := demoStore(t)
	id := featuredID(t, "single")
	// Cache the person with the demo gateway, then use the store with a gateway that does not answer.
	if r := runCLI(t, "lookup", "--demo", "--data-dir", data, "--purpose", "check", id); r.code != 0 {
		t.Fatal(r)
	}
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte(`[agency]
code = "G01.00004"
parent = "UBND PHƯỜNG THỬ"
name = "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"
place = "Phường Thử"
[gateway]
url = "http://127.0.0.1:1"
retries = 0
`), 0o600); err != nil {
		t.Fatal(err)
	}
	common := []string{"--config", cfg, "--data-dir", data, "--key-file", filepath.Join(data, "demo.key"), "--operator", "demo.canbo"}
	decl := filepath.Join(dir, "decl.json")
	if err := os.WriteFile(decl, []byte(`{"service":"xac-nhan-tthn","persons":{"subject":{"id":"`+id+`"}},"values":{"purpose":"other","purpose_other":"Vay vốn"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte("subject.id,purpose,purpose_other\n"+id+",other,Hồ sơ tồn đọng\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		append([]string{"dossier", "submit", decl}, common...),
		append([]string{"batch", "run", "--service", batchService, "--in", in}, common...),
	} {
		r := runCLI(t, args...)
		if r.code != exitOK || !strings.Contains(r.stderr+r.stdout, "G01.00004-") && !strings.Contains(r.stdout, "1 tiếp nhận") {
			t.Fatalf("%v: want a queued dossier\n%s", args[:2], r)
		}
		noEnglish(t, strings.Join(args[:2], " "), r.stdout+r.stderr)
	}
	log, _ := os.ReadFile(filepath.Join(data, "motcua.log"))
	if !strings.Contains(string(log), "level=WARN") || !strings.Contains(string(log), "dossier not submitted") {
		t.Errorf("the warnings are not in the data directory's log:\n%s", log)
	}
}

// TestAuditVerifyReasonIsVietnamese: a changed audit entry is reported with
// a Vietnamese reason, not the chain's English problem text.
func TestAuditVerifyReasonIsVietnamese(t *testing.T) {
	t.Parallel()
	isolate(t)
	data := demoStore(t)
	if r := runCLI(t, "lookup", "--demo", "--data-dir", data, "--purpose", "check", featuredID(t, "single")); r.code != 0 {
		t.Fatal(r)
	}
	db, err := bolt.Open(filepath.Join(data, "motcua.db"), 0o600, &bolt.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("access_log"))
		k, v := b.Cursor().Last()
		return b.Put(k, bytes.Replace(v, []byte(`"outcome":"ok"`), []byte(`"outcome":"no"`), 1))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "audit", "verify", "--demo", "--data-dir", data)
	if r.code != exitFailure || !strings.Contains(r.stderr, "Nhật ký KHÔNG toàn vẹn") || !strings.Contains(r.stderr, "đã bị sửa hoặc bị làm giả") {
		t.Fatalf("audit verify of a changed entry:\n%s", r)
	}
	noEnglish(t, "audit verify", r.stdout+r.stderr)
}

// TestReconcileGuardsFormulaIDs: an input ID such as =HYPERLINK(...) comes
// back in the CSV result with a leading apostrophe, so a spreadsheet shows
// it as text instead of running it.
func TestReconcileGuardsFormulaIDs(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "ds.csv"), filepath.Join(dir, "kq.csv")
	if err := os.WriteFile(in, []byte("id,name,birth_date\n\"=HYPERLINK(\"\"http://x/\"\",\"\"x\"\")\",A,01/01/1990\n+84912345678,B,01/01/1990\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := demoStore(t)
	asDemoOperator(t, data, demo.OperatorID) // reconcile is a supervisor's work
	r := runCLI(t, "--demo", "--data-dir", data, "reconcile", "--in", in, "--out", out)
	if r.code != exitOK {
		t.Fatal(r)
	}
	rows := readRecResults(t, out)
	if len(rows) != 2 || rows[0][1] != `'=HYPERLINK("http://x/","x")` || rows[1][1] != "'+84912345678" {
		t.Errorf("IDs written back as %q", rows)
	}
}

// TestBatchTemplateCellsAreText: the XLSX template's cells are text cells
// in the text format, so that nothing typed or pasted there turns into a formula.
func TestBatchTemplateCellsAreText(t *testing.T) {
	t.Parallel()
	isolate(t)
	out := filepath.Join(t.TempDir(), "t.xlsx")
	if r := runCLI(t, "batch", "template", batchService, "--out", out); r.code != exitOK {
		t.Fatal(r)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		rows, _ := f.GetRows(sheet)
		for i, row := range rows {
			for j := range row {
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				if formula, _ := f.GetCellFormula(sheet, cell); formula != "" {
					t.Errorf("%s!%s is a formula", sheet, cell)
				}
				st, _ := f.GetCellStyle(sheet, cell)
				s, err := f.GetStyle(st)
				if err != nil || s.NumFmt != 49 {
					t.Errorf("%s!%s is not formatted as text (style %d)", sheet, cell, st)
				}
			}
		}
	}
}

// TestWorkbookAtTheLimits: a workbook whose shared-string table is just
// under its limit (about 31 MB of strings, half a million of them, compressed
// 60:1, under the ratio limit) is read, in bounded memory: the largest
// table a workbook may bring (the peak is logged for docs/BENCHMARKS.md).
func TestWorkbookAtTheLimits(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("a 31 MB shared-string table")
	}
	isolate(t)
	dir := t.TempDir()
	data := demoStore(t)
	// A unit of 400 distinct strings (24 KB, within deflate's 32 KB window), repeated.
	var unit strings.Builder
	x := uint32(2463534242)
	for unit.Len() < 24<<10 {
		unit.WriteString("<si><t>")
		for range 40 {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			unit.WriteByte("0123456789abcdef"[x%16])
		}
		unit.WriteString("</t></si>")
	}
	head := xlsxtest.SharedStringsHead
	tail := xlsxtest.SharedStringsTail
	n := int64((batchio.MaxXLSXSharedStrings - 1<<20) / unit.Len())
	parts := xlsxtest.With(xlsxtest.Valid(), xlsxtest.Part{Name: "xl/sharedStrings.xml", Head: head, Fill: unit.String(), Tail: tail,
		Size: int64(len(head)+len(tail)) + n*int64(unit.Len())})
	in := filepath.Join(dir, "big-strings.xlsx")
	if err := xlsxtest.WriteFile(in, parts); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(in)
	_, errOut, code, peak := runMeasured(t, []string{"TMPDIR=" + t.TempDir()}, "batch", "run", "--demo", "--data-dir", data,
		"--service", batchService, "--in", in, "--dry-run")
	if code != exitOK && code != exitPartial {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	noEnglish(t, "batch run", errOut)
	if peak >= peakLimit {
		t.Errorf("peak resident memory %d MB, limit %d MB", peak>>20, peakLimit>>20)
	}
	t.Logf("%d MB of shared strings in a %d KB file: batch run --dry-run exit %d, peak resident memory %d MB",
		n*int64(unit.Len())>>20, st.Size()>>10, code, peak>>20)
}
