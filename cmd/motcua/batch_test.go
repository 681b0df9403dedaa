package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"motcua/forms"
	"motcua/internal/batch"
	"motcua/internal/batchio"
	"motcua/internal/testenv"
	"motcua/offline"
)

const batchService = "xac-nhan-tthn"

// batchGoodKinds are featured persons whose marital-status dossier needs no
// more than the purpose.
var batchGoodKinds = []string{"single", "divorced", "widowed", "temporary"}

type batchCase struct {
	line      int    // line in the CSV
	errorCode string // "" for a good row
	field     string
}

// writeBatchCSV writes the test input: the good rows, then one bad row of each
// kind. It returns the cases by line.
func writeBatchCSV(t *testing.T, path string) []batchCase {
	t.Helper()
	var b strings.Builder
	b.WriteString("\ufeffsubject.id,purpose,purpose_other,extra_note,pledge_date\r\n") // BOM, CRLF, an extra column
	var cases []batchCase
	line := 1
	add := func(row string, c batchCase) {
		line++
		b.WriteString(row + "\r\n")
		c.line = line
		cases = append(cases, c)
	}
	for i, k := range batchGoodKinds {
		add(fmt.Sprintf("%s,other,Bổ sung hồ sơ vay vốn %d,ghi chú,", featuredID(t, k), i), batchCase{})
	}
	add("07930000,other,Vay vốn,,", batchCase{errorCode: "person", field: "subject"})                             // invalid ID
	add(featuredID(t, "single")+",other,,,", batchCase{errorCode: "required", field: "purpose_other"})            // missing required field
	add(featuredID(t, "single")+",sometimes,Vay vốn,,", batchCase{errorCode: "type", field: "purpose"})           // not a choice
	add(featuredID(t, "single")+",other,Vay vốn,,31/02/2026", batchCase{errorCode: "type", field: "pledge_date"}) // wrong date
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return cases
}

func readResults(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := csv.NewReader(f)
	rows, err := rd.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows[0][0] = strings.TrimPrefix(rows[0][0], "\ufeff") // batchio writes a BOM for Excel
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, c := range rows[0] {
			m[c] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// openDemoStore opens the demo data directory's store (after the command ended).
func openDemoStore(t *testing.T, dir string) *offline.Store {
	t.Helper()
	s, err := offline.UnlockWithKeyFile(dir, filepath.Join(dir, "demo.key"), offline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dossiersBySubject counts the stored dossiers of the service per subject ID.
func dossiersBySubject(t *testing.T, dir string) map[string]int {
	t.Helper()
	s := openDemoStore(t, dir)
	infos, err := s.ListDossiers(offline.DossierFilter{Service: batchService})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, info := range infos {
		blob, _, err := s.GetDossier(info.Code)
		if err != nil {
			t.Fatal(err)
		}
		var d forms.Dossier
		if err := json.Unmarshal(blob, &d); err != nil {
			t.Fatal(err)
		}
		out[d.Subject.ID]++
	}
	return out
}

func TestBatchRunReportsBadRowsAndIsExactlyOnce(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir, work := demoStore(t), t.TempDir()
	in, res, pdf := filepath.Join(work, "in.csv"), filepath.Join(work, "results.csv"), filepath.Join(work, "receipts.pdf")
	cases := writeBatchCSV(t, in)
	args := []string{"batch", "run", "--demo", "--data-dir", dir, "--service", batchService, "--in", in, "--out", res, "--receipts", pdf}

	r := runCLI(t, args...)
	if r.code != exitPartial {
		t.Fatalf("first run: want exit %d\n%s", exitPartial, r)
	}
	if !strings.Contains(r.stderr, "extra_note") {
		t.Errorf("extra column not reported:\n%s", r)
	}
	results := readResults(t, res)
	var codes []string
	for _, c := range cases {
		var got []map[string]string
		for _, row := range results {
			if row["row"] == fmt.Sprint(c.line) {
				got = append(got, row)
			}
		}
		if len(got) == 0 {
			t.Errorf("line %d not in the results", c.line)
			continue
		}
		if c.errorCode == "" {
			if got[0]["status"] != "ok" || got[0]["code"] == "" {
				t.Errorf("line %d: want a dossier code, got %v", c.line, got)
			}
			codes = append(codes, got[0]["code"])
			continue
		}
		if !slices.ContainsFunc(got, func(m map[string]string) bool {
			return m["status"] == "error" && m["error_code"] == c.errorCode && m["field"] == c.field && m["message"] != ""
		}) {
			t.Errorf("line %d: want error %s on %s, got %v", c.line, c.errorCode, c.field, got)
		}
	}
	if len(codes) != len(batchGoodKinds) {
		t.Fatalf("codes %v", codes)
	}

	// the receipts of the run in one PDF
	if tool := testenv.NeedTool(t, "pdftotext", "poppler-utils"); tool != "" {
		out, err := exec.Command(tool, pdf, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range codes {
			if !strings.Contains(string(out), c) {
				t.Errorf("receipt PDF lacks %s", c)
			}
		}
	}

	// the same input again: nothing new, the done rows reported as such
	r = runCLI(t, args...)
	if r.code != exitPartial {
		t.Fatalf("second run: want exit %d\n%s", exitPartial, r)
	}
	for id, n := range dossiersBySubject(t, dir) {
		if n != 1 {
			t.Errorf("subject %s…: %d dossiers, want 1", id[:3], n)
		}
	}
	if n := len(dossiersBySubject(t, dir)); n != len(batchGoodKinds) {
		t.Errorf("%d subjects with dossiers, want %d", n, len(batchGoodKinds))
	}
	for _, row := range readResults(t, res) {
		if row["status"] == "ok" {
			t.Errorf("second run received again: %v", row)
		}
		if row["status"] == "done" && !slices.Contains(codes, row["code"]) {
			t.Errorf("done row with an unknown code: %v", row)
		}
	}

	// both runs in the audit log, counts in Detail, no personal data
	log, err := openDemoStore(t, dir).AccessLog()
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, e := range log {
		if e.Action == batch.ActionBatch {
			details = append(details, e.Detail)
		}
	}
	want := []string{batchService + ";r=8;ok=4;f=4;s=0;dry=0", batchService + ";r=8;ok=0;f=4;s=4;dry=0"}
	if !slices.Equal(details, want) {
		t.Errorf("audit details %q, want %q", details, want)
	}
}

// A run stopped by --limit is finished by running it again: every row once.
func TestBatchRunResumesAfterLimit(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir, work := demoStore(t), t.TempDir()
	in := filepath.Join(work, "in.csv")
	var b strings.Builder
	b.WriteString("subject.id,purpose,purpose_other\n")
	for i, k := range batchGoodKinds {
		fmt.Fprintf(&b, "%s,other,Vay vốn lần %d\n", featuredID(t, k), i)
	}
	if err := os.WriteFile(in, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"batch", "run", "--demo", "--data-dir", dir, "--service", batchService, "--in", in, "--json"}

	r := runCLI(t, append(args, "--limit", "1")...)
	if r.code != exitOK || !strings.Contains(r.stdout, `"stopped":true`) {
		t.Fatalf("limited run:\n%s", r)
	}
	if n := len(dossiersBySubject(t, dir)); n != 1 {
		t.Fatalf("after the limited run: %d dossiers, want 1", n)
	}
	r = runCLI(t, args...)
	if r.code != exitOK {
		t.Fatalf("resumed run:\n%s", r)
	}
	var sum batch.Summary
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Received != 3 || sum.Skipped != 1 {
		t.Errorf("resumed run: %+v, want 3 received and 1 skipped", sum)
	}
	got := dossiersBySubject(t, dir)
	if len(got) != len(batchGoodKinds) {
		t.Errorf("%d subjects with dossiers, want %d", len(got), len(batchGoodKinds))
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("subject %s…: %d dossiers, want 1", id[:3], n)
		}
	}
}

func TestBatchTemplate(t *testing.T) {
	t.Parallel()
	isolate(t)
	work := t.TempDir()
	for _, name := range []string{"t.csv", "t.xlsx"} {
		out := filepath.Join(work, name)
		r := runCLI(t, "batch", "template", batchService, "--out", out)
		if r.code != exitOK {
			t.Fatalf("%s:\n%s", name, r)
		}
		rd, err := batchio.Open(out, batchio.Options{})
		if err != nil {
			t.Fatal(err)
		}
		h := rd.Header()
		rd.Close()
		for _, c := range []string{"subject.id", "purpose", "purpose_other", batch.ColReceivedAt, batch.ColOfficer} {
			if !slices.Contains(h, c) {
				t.Errorf("%s: no column %s in %v", name, c, h)
			}
		}
		if slices.Contains(h, "household_head.id") {
			t.Errorf("%s: derived slot has a column", name)
		}
		if name == "t.csv" && !strings.Contains(r.stdout, "purpose_other\tMục đích khác") {
			t.Errorf("CSV descriptions not printed:\n%s", r.stdout)
		}
	}
	if r := runCLI(t, "batch", "template", "khong-co", "--out", filepath.Join(work, "x.csv")); r.code != exitUsage {
		t.Errorf("unknown service: %s", r)
	}
}

// TestBatchDryRun10k validates a 10,000-row workbook without saving
// anything, in a process of its own whose peak resident memory stays under
// the limit (the figure is in docs/BENCHMARKS.md).
func TestBatchDryRun10k(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("10,000 look-ups")
	}
	isolate(t)
	dir, work := demoStore(t), t.TempDir() // the demo store first: its creation (argon2id) is not the run's
	in := filepath.Join(work, "big.xlsx")
	w, err := batchio.Create(in, []string{"subject.id", "purpose", "purpose_other"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 10000
	for i := range n {
		if err := w.Write(map[string]string{"subject.id": featuredID(t, batchGoodKinds[i%len(batchGoodKinds)]),
			"purpose": "other", "purpose_other": fmt.Sprintf("Hồ sơ số %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out, errOut, code, peak := runMeasured(t, nil, "batch", "run", "--demo", "--data-dir", dir, "--service", batchService, "--in", in, "--dry-run", "--json")
	el := time.Since(start)
	if code != exitOK {
		t.Fatalf("exit %d\n%.2000s", code, errOut)
	}
	var sum batch.Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Rows != n || sum.Received != n || sum.Failed != 0 || len(sum.Codes) != 0 {
		t.Errorf("summary %+v", sum)
	}
	if !strings.Contains(errOut, "Đã xử lý 10000 dòng") {
		t.Errorf("no periodic progress lines:\n%.500s", errOut)
	}
	if got := dossiersBySubject(t, dir); len(got) != 0 {
		t.Errorf("dry run saved dossiers: %v", len(got))
	}
	if peak >= peakLimit {
		t.Errorf("peak resident memory %d MB, limit %d MB", peak>>20, peakLimit>>20)
	}
	t.Logf("dry run of a %d-row workbook: %v, %.0f rows/s (command's own figure %.0f rows/s), peak resident memory %d MB",
		n, el, float64(n)/el.Seconds(), sum.RowsPerSecond, peak>>20)
}
