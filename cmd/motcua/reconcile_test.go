package main

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/internal/demo"
	"motcua/internal/reconcile"
	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/sandbox"
	"motcua/offline"
)

// reconcileInput writes a CSV list of featured persons with deliberate
// differences and returns its path and the database values that must never
// appear in the output.
func reconcileInput(t *testing.T, dir string) (string, []string) {
	t.Helper()
	res := func(kind string) *lookups.Resident {
		r, ok := sandbox.Default().Resident(featuredID(t, kind))
		if !ok {
			t.Fatal(kind)
		}
		return r
	}
	single, oldTone, married, divorced := res("single"), res("old_tone"), res("married"), res("divorced")
	split, dead := res("split_ward"), res("deceased")
	card, _ := sandbox.CardOf(oldTone.Citizen.ID)
	wrong := lookups.DateOf(divorced.Citizen.BirthDate.Time(time.UTC).AddDate(0, 1, 0))
	rows := [][]string{
		{"STT", "Số định danh", "Họ và tên", "Ngày sinh", "Địa chỉ"},
		{"1", single.Citizen.ID, single.Citizen.FullName, single.Citizen.BirthDate.String(), single.Permanent.Address.String()},
		{"2", oldTone.Citizen.ID, card.FullName, oldTone.Citizen.BirthDate.String(), ""},
		{"3", married.Citizen.ID, stripDiacritics(married.Citizen.FullName), married.Citizen.BirthDate.String(), ""},
		{"4", divorced.Citizen.ID, divorced.Citizen.FullName, wrong.String(), ""},
		{"5", split.Citizen.ID, split.Citizen.FullName, split.Citizen.BirthDate.String(), split.Permanent.Legacy.String()},
		{"6", single.Citizen.ID[:6] + "999999", "Nguyễn Văn An", "01/01/1990", ""},
		{"7", dead.Citizen.ID, dead.Citizen.FullName, dead.Citizen.BirthDate.String(), ""},
	}
	path := filepath.Join(dir, "danhsach.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\uFEFF"); err != nil {
		t.Fatal(err)
	}
	cw := csv.NewWriter(f)
	cw.UseCRLF = true
	if err := cw.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var secrets []string
	for _, r := range []*lookups.Resident{single, oldTone, married, divorced, split, dead} {
		secrets = append(secrets, r.Citizen.FullName, r.Citizen.BirthDate.String(), r.Permanent.Address.String())
	}
	secrets = append(secrets, divorced.Citizen.BirthDate.String(), stripDiacritics(married.Citizen.FullName))
	return path, secrets
}

func stripDiacritics(s string) string {
	out := []rune{}
	for _, r := range s {
		k := []rune(baseLetter(r))
		out = append(out, k...)
	}
	return string(out)
}

// baseLetter maps one letter to its base letter, keeping case.
func baseLetter(r rune) string {
	const from = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
	const to = "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd"
	lower := []rune(strings.ToLower(string(r)))[0]
	for i, f := range []rune(from) {
		if f == lower {
			b := string([]rune(to)[i])
			if lower != r {
				b = strings.ToUpper(b)
			}
			return b
		}
	}
	return string(r)
}

func readRecResults(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}

func TestReconcileDemo(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := demoStore(t)
	in, secrets := reconcileInput(t, dir)
	out := filepath.Join(dir, "ketqua.csv")
	asDemoOperator(t, dir, demo.OperatorID) // a supervisor's work: the passphrase, not the key file
	r := runCLI(t, "--demo", "--data-dir", dir, "reconcile", "--in", in, "--out", out, "--workers", "2", "--rate", "50")
	if r.code != 0 {
		t.Fatal(r)
	}
	rows := readRecResults(t, out)
	want := []string{ // status, name, birth_date, address
		"checked match match match",
		"checked tone_only match not_given",
		"checked diacritics_only match not_given",
		"checked match mismatch not_given",
		"checked match match old_address",
		"not_found   ",
		"deceased match match not_given",
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d\n%s", len(rows), len(want), r)
	}
	for i, w := range want {
		if got := strings.Join(rows[i][2:6], " "); got != w {
			t.Errorf("row %d: %q, want %q", i+1, got, w)
		}
	}
	b, _ := os.ReadFile(out)
	for _, s := range secrets {
		if s != "" && (strings.Contains(string(b), s) || strings.Contains(r.stdout+r.stderr, s)) {
			t.Errorf("a database value %q is in the output", s)
		}
	}
	for _, s := range []string{"Đã xử lý 7 bản ghi", "Họ tên: khớp 4; khớp (chỉ khác vị trí dấu thanh) 1; một bên viết không dấu 1", "địa chỉ cũ trước 2025 của cùng nơi 1", "Không tìm thấy trong CSDL:"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("summary lacks %q:\n%s", s, r.stdout)
		}
	}

	// The run is in the audit log, with its counts.
	store, err := offline.UnlockWithKeyFile(dir, filepath.Join(dir, "demo.key"), offline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log, err := store.AccessLog()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range log {
		if e.Action == ActionReconcile {
			found = true
			if e.Purpose != lookups.PurposeReconcile || e.Operator != demo.OperatorID || e.Outcome != "ok" || e.Detail != "n=7,ok=5,nf=1,dc=1,iv=0,er=0" {
				t.Errorf("audit entry %+v", e)
			}
		}
	}
	if !found {
		t.Error("no reconcile entry in the audit log")
	}

	// Re-running resumes: nothing left to do, nothing duplicated.
	r = runCLI(t, "--demo", "--data-dir", dir, "reconcile", "--in", in, "--out", out, "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"resumed": 7`) || !strings.Contains(r.stdout, `"records": 0`) {
		t.Fatal(r)
	}
	if got := readRecResults(t, out); len(got) != 7 {
		t.Fatalf("%d rows after a re-run", len(got))
	}

	// A killed run: keep 3 records and a partial line; the re-run completes it exactly once.
	full, _ := os.ReadFile(out)
	lines := strings.SplitAfter(string(full), "\n")
	if err := os.WriteFile(out, []byte(strings.Join(lines[:4], "")+lines[4][:10]), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, "--demo", "--data-dir", dir, "reconcile", "--in", in, "--out", out)
	if r.code != 0 || !strings.Contains(r.stdout, "Tiếp tục sau 3 bản ghi") {
		t.Fatal(r)
	}
	if again, _ := os.ReadFile(out); string(again) != string(full) {
		t.Errorf("resumed output differs:\n%s\nwant\n%s", again, full)
	}
}

func TestReconcileNeedsSupervisor(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := demoStore(t)
	in, _ := reconcileInput(t, dir)
	// the demo's key file has a clerk's rights, whoever it names
	r := runCLI(t, "--demo", "--data-dir", dir, "reconcile", "--in", in, "--out", filepath.Join(dir, "kq.csv"))
	if r.code != exitFailure || !strings.Contains(r.stderr, "không làm được bằng tệp khóa") || !strings.Contains(r.stderr, "quyền giám sát") {
		t.Fatal(r)
	}
	asDemoOperator(t, dir, demo.VolunteerID)
	r = runCLI(t, "--demo", "--data-dir", dir, "reconcile", "--in", in, "--out", filepath.Join(dir, "kq.csv"))
	if r.code != exitFailure || !strings.Contains(r.stderr, "cần quyền giám sát") {
		t.Fatal(r)
	}
	if _, err := os.Stat(filepath.Join(dir, "kq.csv")); err == nil {
		t.Error("a refused run wrote an output file")
	}
}

func TestReconcileUsage(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := t.TempDir()
	for _, args := range [][]string{
		{"reconcile"},
		{"reconcile", "--in", "a.csv", "--out", "b.txt"},
		{"reconcile", "--in", "a.csv", "--workers", "0"},
		{"reconcile", "--in", "a.csv", "--out", "a.csv"},
	} {
		r := runCLI(t, append([]string{"--demo", "--data-dir", dir}, args...)...)
		if r.code != exitUsage {
			t.Errorf("%v: %s", args, r)
		}
	}
}

type failingLooker struct{}

func (failingLooker) LookupBatchView(context.Context, []string, string, lookups.CallMeta) ([]gateway.BatchResult, error) {
	return nil, &gateway.Error{Op: "lookup_batch", Status: 503}
}

func TestReconcileGatewayErrorsArePartial(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in, _ := reconcileInput(t, dir)
	a := &app{stdout: &strings.Builder{}, stderr: &strings.Builder{}}
	out := filepath.Join(dir, "kq.jsonl")
	sum, _, err := a.reconcileWith(context.Background(), reconcileOptions{in: in, out: out, workers: 2}, failingLooker{}, "cb01")
	if err != nil {
		t.Fatal(err)
	}
	if sum.Unchecked() != 7 {
		t.Errorf("%d unchecked", sum.Unchecked())
	}
	detail, outcome := reconcileAudit(sum, nil)
	if outcome != "partial" || !strings.HasSuffix(detail, "er=7") {
		t.Errorf("audit %s %s", detail, outcome)
	}
	b, _ := os.ReadFile(out)
	if strings.Count(string(b), `"status":"error"`) != 7 || !strings.Contains(string(b), "cổng dữ liệu") {
		t.Errorf("output:\n%s", b)
	}
	if _, _, err := a.reconcileWith(context.Background(), reconcileOptions{in: in, out: out, workers: 2}, failingLooker{}, "cb01"); err != nil {
		t.Fatal(err)
	}
	var ee *exitError
	if err := reconcileExit(sum); !errors.As(err, &ee) || ee.code != exitPartial {
		t.Errorf("exit %v, want code 3", err)
	}
	if err := reconcileExit(reconcile.NewSummary()); err != nil {
		t.Errorf("exit %v for a clean run", err)
	}
}
