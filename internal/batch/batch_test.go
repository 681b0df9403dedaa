package batch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"motcua/forms"
	"motcua/forms/calendar"
	"motcua/internal/batch"
	"motcua/internal/batchio"
	"motcua/internal/counter"
	"motcua/lookups/gateway"
	"motcua/lookups/sandbox"
	"motcua/offline"
	"motcua/printing"
)

const service = "xac-nhan-tthn"

type fixture struct {
	svc      *counter.Service
	store    *offline.Store
	stop     func()
	dir      string
	printDir string // the file printer's folder
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, func(*counter.Config) {})
}

// newFixtureWith is newFixture with the counter's settings changed by set.
func newFixtureWith(t *testing.T, set func(*counter.Config)) *fixture {
	t.Helper()
	srv := sandbox.NewServer(sandbox.Default(), sandbox.Options{})
	url, stop, err := sandbox.Start("127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	gw, err := gateway.New(gateway.Config{BaseURL: url, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	store, err := offline.Open(t.TempDir(), offline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := counter.Config{
		Agency: counter.Agency{Code: "G22.99.08", Parent: "UBND PHƯỜNG THỬ NGHIỆM", Name: "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
			Address: "Địa chỉ thử nghiệm", Place: "Phường Thử Nghiệm", ResultPlace: "Bộ phận Tiếp nhận và Trả kết quả"},
		Counter: 1, CacheTTL: 24 * time.Hour, CutoffHour: 15, ReturnHour: 8,
	}
	set(&cfg)
	printDir := t.TempDir()
	svc, err := counter.New(cfg, counter.Deps{Gateway: gw, Store: store, Printer: printing.NewFilePrinter(printDir), Calendar: calendar.Default()})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, store: store, stop: stop, dir: t.TempDir(), printDir: printDir}
}

func featured(t *testing.T, kind string) string {
	t.Helper()
	for _, f := range sandbox.Featured() {
		if f.Kind == kind {
			return f.ID
		}
	}
	t.Fatalf("no featured person of kind %q", kind)
	return ""
}

var clerk = counter.Operator{ID: "canbo", Name: "Cán Bộ Thử", Role: offline.RoleClerk}

// run runs the engine over the CSV text, with the results collected.
func (f *fixture) run(t *testing.T, csv string, o batch.Options) (batch.Summary, []batch.Result, error) {
	t.Helper()
	path := filepath.Join(f.dir, fmt.Sprintf("in-%d.csv", time.Now().UnixNano()))
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := batchio.Open(path, batchio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	spec, _ := forms.Lookup(service)
	var res []batch.Result
	o.Service, o.Spec, o.In = f.svc, spec, in
	if o.Operator.ID == "" {
		o.Operator = clerk
	}
	o.Plan, _ = batch.Plan(batch.Columns(spec), in.Header())
	o.Report = func(r batch.Result) error { res = append(res, r); return nil }
	sum, err := batch.Run(context.Background(), o)
	return sum, res, err
}

// dossiers counts the stored dossiers per purpose text (one per row of the tests' files).
func (f *fixture) dossiers(t *testing.T) map[string]int {
	t.Helper()
	infos, err := f.store.ListDossiers(offline.DossierFilter{Service: service})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, info := range infos {
		blob, _, err := f.store.GetDossier(info.Code)
		if err != nil {
			t.Fatal(err)
		}
		var d forms.Dossier
		if err := json.Unmarshal(blob, &d); err != nil {
			t.Fatal(err)
		}
		for _, fl := range d.Fields {
			if fl.ID == "purpose_other" {
				out[fl.Value]++
			}
		}
	}
	return out
}

// input is n good rows (distinct purposes) with, after row 5, a bad ID, a duplicate of row
// 1, an empty row and a row missing a required field.
func input(t *testing.T, n int) (string, int) {
	var b strings.Builder
	b.WriteString("subject.id,purpose,purpose_other\n")
	kinds := []string{"single", "divorced", "widowed", "temporary"}
	bad := 0
	for i := range n {
		fmt.Fprintf(&b, "%s,other,Hồ sơ số %d\n", featured(t, kinds[i%len(kinds)]), i)
		if i == 5 {
			b.WriteString("07930000,other,Số sai\n")
			fmt.Fprintf(&b, "%s,other,Hồ sơ số 0\n", featured(t, kinds[0]))
			b.WriteString(",,\n")
			fmt.Fprintf(&b, "%s,other,\n", featured(t, "single"))
			bad = 2
		}
	}
	return b.String(), bad
}

// Rows go through in groups, are reported in the file's order with their results, received
// once each (also when the file is run again), and their receipts are gathered in one PDF.
func TestRunInGroupsExactlyOnce(t *testing.T) {
	f := newFixture(t)
	const n = 21
	csv, bad := input(t, n)
	pdf := filepath.Join(f.dir, "bien-nhan.pdf")
	sum, res, err := f.run(t, csv, batch.Options{GroupSize: 4, Receipts: pdf})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != n+4 || sum.Received != n || sum.Failed != bad || sum.Skipped != 2 || len(sum.Codes) != n || sum.Receipts != pdf {
		t.Errorf("summary %+v", sum)
	}
	if !slices.IsSortedFunc(res, func(a, b batch.Result) int { return a.Line - b.Line }) {
		t.Errorf("results not in the file's order: %v", res)
	}
	status := map[int]string{}
	for _, r := range res {
		status[r.Line] = r.Status
		if r.Status == batch.StatusOK && (r.Code == "" || r.Msg != string(forms.StatusSubmitted)) {
			t.Errorf("line %d: received as %+v", r.Line, r)
		}
	}
	if status[8] != batch.StatusError || status[9] != batch.StatusDuplicate || status[11] != batch.StatusError || len(status) != n+3 {
		t.Errorf("bad rows: %v", status)
	}
	got := f.dossiers(t)
	if len(got) != n {
		t.Errorf("%d dossiers, want %d", len(got), n)
	}
	for p, c := range got {
		if c != 1 {
			t.Errorf("%q: %d dossiers", p, c)
		}
	}
	// each receipt kept for reprints, and all of them in the run's PDF, in order
	var codes []string
	for _, r := range res {
		if r.Status == batch.StatusOK {
			codes = append(codes, r.Code)
			if _, err := f.store.GetReceipt(r.Code); err != nil {
				t.Errorf("%s: receipt not kept: %v", r.Code, err)
			}
		}
	}
	if !slices.Equal(codes, sum.Codes) || !slices.IsSorted(codes) {
		t.Errorf("codes %v, summary %v: not in the file's order", codes, sum.Codes)
	}
	blob, err := os.ReadFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if pages := bytes.Count(blob, []byte("/Type /Page\n")); !bytes.HasPrefix(blob, []byte("%PDF-")) || pages != n {
		t.Errorf("the run's PDF (%d bytes, %d pages) is not the batch document of %d receipts", len(blob), pages, n)
	}
	if m, _ := filepath.Glob(filepath.Join(f.dir, ".*.tmp")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}

	// again: nothing new, the rows done
	sum, res, err = f.run(t, csv, batch.Options{GroupSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Received != 0 || sum.Skipped != n+2 || sum.Failed != bad {
		t.Errorf("second run: %+v", sum)
	}
	for _, r := range res {
		if r.Status == batch.StatusDone && !slices.Contains(codes, r.Code) {
			t.Errorf("done row with an unknown code: %+v", r)
		}
	}
	if len(f.dossiers(t)) != n {
		t.Errorf("the second run received again")
	}
	// both runs in the access log
	log, err := f.store.AccessLog()
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, e := range log {
		if e.Action == batch.ActionBatch {
			details = append(details, e.Detail)
		}
	}
	want := []string{fmt.Sprintf("%s;r=%d;ok=%d;f=%d;s=2;dry=0", service, n+4, n, bad), fmt.Sprintf("%s;r=%d;ok=0;f=%d;s=%d;dry=0", service, n+4, bad, n+2)}
	if !slices.Equal(details, want) {
		t.Errorf("audit details %q, want %q", details, want)
	}
}

// A dry run checks every row and saves nothing.
func TestDryRunSavesNothing(t *testing.T) {
	f := newFixture(t)
	csv, bad := input(t, 9)
	sum, res, err := f.run(t, csv, batch.Options{GroupSize: 4, DryRun: true, Receipts: filepath.Join(f.dir, "x.pdf")})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Received != 9 || sum.Failed != bad || len(sum.Codes) != 0 || sum.Receipts != "" {
		t.Errorf("summary %+v", sum)
	}
	for _, r := range res {
		if r.Status == batch.StatusOK {
			t.Errorf("dry run received %+v", r)
		}
	}
	if n := len(f.dossiers(t)); n != 0 {
		t.Errorf("dry run saved %d dossiers", n)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "x.pdf")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dry run wrote a receipts file: %v", err)
	}
}

// The rights are the use case's: an operator who may not run batches (a volunteer) is
// refused by the engine and by the group reception itself, whatever the front end did.
func TestRunNeedsTheBatchRight(t *testing.T) {
	f := newFixture(t)
	csv, _ := input(t, 3)
	vol := counter.Operator{ID: "tinhnguyen", Role: offline.RoleVolunteer}
	_, res, err := f.run(t, csv, batch.Options{Operator: vol})
	if !errors.Is(err, counter.ErrForbidden) || len(res) != 0 {
		t.Fatalf("volunteer's run: %v, %d results", err, len(res))
	}
	spec, _ := forms.Lookup(service)
	decl := f.svc.NewDeclaration(spec)
	if _, err := f.svc.ReceiveGroup(context.Background(), vol, []counter.GroupItem{{Decl: decl}}, counter.GroupOptions{}); !errors.Is(err, counter.ErrForbidden) {
		t.Errorf("volunteer's group reception: %v", err)
	}
	if n := len(f.dossiers(t)); n != 0 {
		t.Errorf("%d dossiers saved", n)
	}
}

// With the gateway gone, the rows are filled from the cached look-ups (a warning each), and
// received: kept in the outbox for the sync worker, reported "queued".
func TestRunWithTheLinkDown(t *testing.T) {
	f := newFixture(t)
	csv, _ := input(t, 5)
	if _, _, err := f.run(t, csv, batch.Options{DryRun: true}); err != nil { // caches the look-ups
		t.Fatal(err)
	}
	f.stop()
	sum, res, err := f.run(t, csv, batch.Options{GroupSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Received != 5 {
		t.Fatalf("summary %+v %v", sum, res)
	}
	for _, r := range res {
		if r.Status == batch.StatusOK && r.Msg != string(forms.StatusQueued) {
			t.Errorf("line %d: %q, want queued", r.Line, r.Msg)
		}
	}
	out, err := f.store.ListOutbox(offline.OutboxPending)
	if err != nil || len(out) != 5 {
		t.Errorf("outbox: %d pending (%v), want 5", len(out), err)
	}
}

// Rows received under the engine before this one are not received again: a row marked done,
// a row left pending whose dossier was saved (found by its persons), while a row left
// pending without a dossier and a failed row are received.
func TestEarlierCheckpointsHonoured(t *testing.T) {
	f := newFixture(t)
	spec, _ := forms.Lookup(service)
	single, divorced := featured(t, "single"), featured(t, "divorced")
	rows := []string{
		single + ",other,Đã nhận",
		divorced + ",other,Đang nhận",
		featured(t, "widowed") + ",other,Chưa nhận",
		featured(t, "temporary") + ",other,Lỗi",
	}
	plan, _ := batch.Plan(batch.Columns(spec), []string{"subject.id", "purpose", "purpose_other"})
	key := func(row string) string {
		c := strings.Split(row, ",")
		k := batch.RowKey(plan, map[string]string{"subject.id": c[0], "purpose": c[1], "purpose_other": c[2]})
		return fmt.Sprintf("%x", k)
	}
	receive := func(id, purpose string) string {
		in := f.svc.NewIntake(spec)
		if err := in.FillByID(context.Background(), "subject", id, clerk); err != nil {
			t.Fatal(err)
		}
		decl := in.Declaration()
		if p := counter.SetValues(decl, []counter.Value{{Path: "purpose", Text: "other"}, {Path: "purpose_other", Text: purpose}}); p != nil {
			t.Fatal(p[0])
		}
		out, err := f.svc.ReceiveWith(context.Background(), decl, clerk, nil, "", counter.ReceiveOptions{NoPrint: true})
		if err != nil {
			t.Fatal(err)
		}
		return out.Dossier.Code
	}
	run := "batch/v1/" + service
	done := receive(single, "Đã nhận")
	mark := fmt.Sprintf("pending:%d", time.Now().Add(-time.Minute).UnixNano())
	pending := receive(divorced, "Đang nhận")
	if err := f.store.Update(func(tx *offline.Tx) error {
		for k, v := range map[string]string{key(rows[0]): done, key(rows[1]): mark, key(rows[2]): mark, key(rows[3]): ""} {
			if err := tx.MarkDone(run, k, v); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sum, res, err := f.run(t, "subject.id,purpose,purpose_other\n"+strings.Join(rows, "\n")+"\n", batch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Received != 2 || sum.Skipped != 2 {
		t.Errorf("summary %+v", sum)
	}
	want := []batch.Result{{Line: 2, Status: batch.StatusDone, Code: done}, {Line: 3, Status: batch.StatusDone, Code: pending}}
	for i, w := range want {
		if res[i].Line != w.Line || res[i].Status != w.Status || res[i].Code != w.Code {
			t.Errorf("result %d: %+v, want %+v", i, res[i], w)
		}
	}
	for p, c := range f.dossiers(t) {
		if c != 1 {
			t.Errorf("%q: %d dossiers", p, c)
		}
	}
}

func TestRowKey(t *testing.T) {
	spec, _ := forms.Lookup(service)
	plan, extra := batch.Plan(batch.Columns(spec), []string{"purpose", "subject.id", "zzz"})
	if len(extra) != 1 || plan[0].Name != "subject.id" {
		t.Fatalf("plan %v extra %v", plan, extra)
	}
	a := batch.RowKey(plan, map[string]string{"subject.id": "1", "purpose": "other", "zzz": "x"})
	b := batch.RowKey(plan, map[string]string{"subject.id": " 1 ", "purpose": "other"})
	c := batch.RowKey(plan, map[string]string{"subject.id": "1", "purpose": "marry"})
	if a != b || a == c || batch.RowKey(plan, map[string]string{"purpose": ""}) != ([32]byte{}) {
		t.Errorf("row keys: %x %x %x", a, b, c)
	}
}

// A run that prints (Options.Print) tells, per row, what did not print: the row is received
// (once: a rerun receives and prints nothing), its result says that its receipt and its
// control sheet did not print and wait in the print queue, and the summary counts such rows;
// once the printer is back the queue prints them.
func TestRunReportsPrintFailures(t *testing.T) {
	f := newFixtureWith(t, func(c *counter.Config) { c.ControlSheet = true })
	if err := os.RemoveAll(f.printDir); err != nil { // the printer is off
		t.Fatal(err)
	}
	csv := "subject.id,purpose,purpose_other\n"
	for i, kind := range []string{"single", "divorced", "widowed"} {
		csv += fmt.Sprintf("%s,other,Hồ sơ số %d\n", featured(t, kind), i)
	}
	sum, res, err := f.run(t, csv, batch.Options{Print: true})
	if err != nil || sum.Received != 3 || sum.Failed != 0 {
		t.Fatalf("run: %v %+v %+v", err, sum, res)
	}
	if sum.PrintFailed != 3 || sum.PrintQueued != 3 {
		t.Errorf("the summary does not count the rows not printed: %+v", sum)
	}
	for _, r := range res {
		if r.Status != batch.StatusOK || !r.PrintQueued || !strings.Contains(r.PrintError, "giấy biên nhận") ||
			!strings.Contains(r.PrintError, "phiếu kiểm soát") || !strings.Contains(r.PrintError, "sẽ tự in") {
			t.Errorf("line %d: %+v", r.Line, r)
		}
	}
	// a rerun: nothing received, nothing printed, nothing said about printing
	sum, res, err = f.run(t, csv, batch.Options{Print: true})
	if err != nil || sum.Received != 0 || sum.Skipped != 3 || sum.PrintFailed != 0 {
		t.Fatalf("rerun: %v %+v", err, sum)
	}
	for _, r := range res {
		if r.PrintError != "" {
			t.Errorf("rerun, line %d: %+v", r.Line, r)
		}
	}
	if n := len(f.dossiers(t)); n != 3 {
		t.Errorf("%d dossiers", n)
	}
	if err := os.MkdirAll(f.printDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if n, w, err := f.svc.RetryPrintsWith(context.Background(), clerk, counter.RetryOptions{Now: true}); err != nil || n != 6 || w != 0 {
		t.Errorf("the queue printed %d, %d waiting, %v", n, w, err)
	}
}
