package batch

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"motcua/forms"
	"motcua/internal/batchio"
	"motcua/internal/counter"
	"motcua/lookups"
	"motcua/offline"
	"motcua/printing"
)

// ActionBatch is the access-log action of a batch run (Detail: counts).
const ActionBatch = "batch"

// DefaultGroupSize is how many rows a group holds: one batch look-up and one fsync'd
// reception for them (well under gateway.MaxBatchIDs persons).
const DefaultGroupSize = 200

// Options are a run's settings.
type Options struct {
	Service  *counter.Service
	Spec     *forms.Spec
	Operator counter.Operator
	In       batchio.Reader
	Plan     []Planned // Plan(Columns(Spec), In.Header())
	DryRun   bool      // look up and check only: no code, nothing saved
	Print    bool      // print each receipt on the configured printer, as at the counter
	// Receipts, when set, is the PDF file the run's receipts are gathered into (in the
	// file's order). It is written under a temporary name and renamed at the end.
	Receipts  string
	Limit     int // stop after this many rows (0: none)
	GroupSize int // default DefaultGroupSize

	// Report is told what became of each row, in the file's order (one call per problem of
	// a failed row); a received row only once its group has committed. An error stops the
	// run.
	Report func(Result) error
	// Progress is called after each row is reported.
	Progress func(Summary)
	// InTx, when set (crash tests), is called inside a group's unit of work after the row
	// on line `line` is written, before the commit.
	InTx func(line int)
	// AfterCommit, when set (crash tests), is called once a group has committed, before it
	// is sent, its receipts kept and its rows reported.
	AfterCommit func()
}

// Row statuses of a Result.
const (
	StatusOK        = "ok"        // received: Code
	StatusValid     = "valid"     // --dry-run: the row would be received
	StatusError     = "error"     // not received: Field, ErrorCode, Message
	StatusDone      = "done"      // received by an earlier run: Code
	StatusDuplicate = "duplicate" // the same as an earlier row of the file
)

// Result is what became of a row.
type Result struct {
	Line                                int
	Status, Code, Field, ErrorCode, Msg string
	// PrintError says (Vietnamese) what of a row received with Options.Print did not print
	// (its receipt, its control sheet) and why; PrintQueued: all of it waits in the print
	// queue and prints by itself once the printer works (counter.ErrPrintQueued). The row is
	// received all the same.
	PrintError  string
	PrintQueued bool
}

// Summary is the end of a run.
type Summary struct {
	Service       string   `json:"service"`
	DryRun        bool     `json:"dryRun"`
	Rows          int      `json:"rows"`
	Received      int      `json:"received"` // dossiers received in this run (valid rows with --dry-run)
	Failed        int      `json:"failed"`
	Skipped       int      `json:"skipped"` // done in an earlier run, or a duplicate row
	Codes         []string `json:"codes,omitempty"`
	Receipts      string   `json:"receipts,omitempty"`
	Seconds       float64  `json:"seconds"`
	RowsPerSecond float64  `json:"rowsPerSecond"`
	Stopped       bool     `json:"stopped,omitempty"` // --limit reached or interrupted: run again to finish
	// PrintFailed counts the rows received in this run whose receipt or control sheet did
	// not print (Result.PrintError), PrintQueued those of them whose documents wait in the
	// print queue (Result.PrintQueued).
	PrintFailed int `json:"printFailed,omitempty"`
	PrintQueued int `json:"printQueued,omitempty"`
}

// The kinds of a run's failure (errors.Is); Explain says each in Vietnamese.
var (
	ErrRead     = errors.New("batch: input not readable further")
	ErrStore    = errors.New("batch: store failed")
	ErrReceipts = errors.New("batch: receipts file not written")
	ErrAudit    = errors.New("batch: access log not written")
)

// runError is a run's failure: its kind and cause.
type runError struct{ kind, err error }

func (e *runError) Error() string   { return e.kind.Error() + ": " + e.err.Error() }
func (e *runError) Unwrap() []error { return []error{e.kind, e.err} }

// job is a row on its way through the run.
type job struct {
	rec    batchio.Record
	format *batchio.FormatError // a malformed line
	key    [32]byte             // zero: an empty row
	dupOf  int                  // the line of the same earlier row (0: none)
	row    row
	at     time.Time // the original reception of a backlog dossier (zero: now)

	filled  counter.Filled
	results []Result
	code    string
}

func (j *job) hexKey() string { return hex.EncodeToString(j.key[:]) }

// Run receives (or with DryRun checks) the rows of o.In. The summary holds what was done
// even when the run stops with an error; the error is one of the kinds above, or the
// counter's (rights).
func Run(ctx context.Context, o Options) (Summary, error) {
	start := time.Now()
	svc, op, spec := o.Service, o.Operator, o.Spec
	sum := Summary{Service: spec.ID, DryRun: o.DryRun}
	// the rights are the use case's: a batch run, and each step's own (look-up, reception)
	if err := svc.Allow(op, counter.ActBatchRun); err != nil {
		return sum, err
	}
	if o.GroupSize <= 0 {
		o.GroupSize = DefaultGroupSize
	}
	var pdf *pdfStream
	if o.Receipts != "" && !o.DryRun {
		var err error
		if pdf, err = startPDF(o.Receipts); err != nil {
			return sum, &runError{ErrReceipts, err}
		}
		defer pdf.abort()
	}
	r := &runner{o: o, svc: svc, op: op, spec: spec, seen: map[[32]byte]int{}, loc: svc.Now().Location(), legacy: legacyRun + spec.ID}
	runErr := r.loop(ctx, &sum, pdf)
	if pdf != nil {
		if err := pdf.finish(); err != nil && runErr == nil {
			runErr = &runError{ErrReceipts, err}
		} else if err == nil && pdf.n > 0 {
			sum.Receipts = o.Receipts
		}
	}
	sum.Seconds = time.Since(start).Seconds()
	if sum.Seconds > 0 {
		sum.RowsPerSecond = float64(sum.Rows) / sum.Seconds
	}
	outcome := "ok"
	if sum.Failed > 0 || runErr != nil {
		outcome = "partial"
	}
	dry := 0
	if o.DryRun {
		dry = 1
	}
	// a short code (64 bytes, no spaces): the service, then the counts
	counts := fmt.Sprintf("r=%d;ok=%d;f=%d;s=%d;dry=%d", sum.Rows, sum.Received, sum.Failed, sum.Skipped, dry)
	detail := spec.ID + ";" + counts
	if len(detail) > 64 {
		detail = counts
	}
	if err := svc.LogAccess(op, offline.AccessEntry{Purpose: lookups.PurposeReception, Action: ActionBatch, Outcome: outcome, Detail: detail}); err != nil && runErr == nil {
		runErr = &runError{ErrAudit, err}
	}
	return sum, runErr
}

type runner struct {
	o      Options
	svc    *counter.Service
	op     counter.Operator
	spec   *forms.Spec
	seen   map[[32]byte]int
	loc    *time.Location
	legacy string // the checkpoint run of the engine before this one
}

// loop reads the rows group after group and works on each.
func (r *runner) loop(ctx context.Context, sum *Summary, pdf *pdfStream) error {
	for {
		var group []*job
		var readErr error
		for len(group) < r.o.GroupSize {
			if ctx.Err() != nil || (r.o.Limit > 0 && sum.Rows+len(group) >= r.o.Limit) {
				sum.Stopped = true
				break
			}
			rec, err := r.o.In.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			j := &job{rec: rec}
			if !errors.As(err, &j.format) && err != nil {
				readErr = &runError{ErrRead, err}
				break
			}
			group = append(group, j)
		}
		if len(group) > 0 {
			if err := r.group(ctx, group, sum, pdf); err != nil {
				return err
			}
		}
		if readErr != nil {
			return readErr
		}
		if len(group) < r.o.GroupSize || sum.Stopped {
			return nil
		}
	}
}

// group works on one group of rows and reports them in order.
func (r *runner) group(ctx context.Context, group []*job, sum *Summary, pdf *pdfStream) error {
	var fresh []*job
	for _, j := range group {
		switch {
		case j.format != nil:
			j.results = []Result{{Line: j.format.Line, Status: StatusError, ErrorCode: "format", Msg: j.format.Reason}}
			continue
		}
		j.key = RowKey(r.o.Plan, j.rec.Fields)
		if j.key == ([32]byte{}) {
			continue // an empty row: skipped without a word
		}
		if first, dup := r.seen[j.key]; dup {
			j.dupOf = first
			j.results = []Result{{Line: j.rec.Line, Status: StatusDuplicate, Msg: fmt.Sprintf("Trùng với dòng %d; không tiếp nhận lần nữa.", first)}}
			continue
		}
		r.seen[j.key] = j.rec.Line
		j.row = splitRow(r.o.Plan, j.rec.Fields)
		fresh = append(fresh, j)
	}
	todo, err := r.skipDone(ctx, fresh)
	if err != nil {
		return err
	}
	todo = r.checkReceivedAt(todo)
	if err := r.fill(ctx, todo); err != nil {
		return err
	}
	var filled []*job
	for _, j := range todo {
		if j.results == nil {
			filled = append(filled, j)
		}
	}
	if r.o.DryRun {
		for _, j := range filled {
			j.results = []Result{{Line: j.rec.Line, Status: StatusValid}}
		}
	} else if err := r.receive(ctx, filled, pdf); err != nil {
		return err
	}
	return r.report(group, sum)
}

// key is the idempotency key of a row's reception.
func (r *runner) key(j *job) string { return "batch/v2/" + r.spec.ID + "/" + j.hexKey() }

// skipDone reports the rows received by an earlier run (their receipts kept if that run
// was killed before) and returns the others.
func (r *runner) skipDone(ctx context.Context, js []*job) ([]*job, error) {
	if len(js) == 0 {
		return nil, nil
	}
	keys, officers := make([]string, len(js)), make([]string, len(js))
	for i, j := range js {
		keys[i], officers[i] = r.key(j), j.row.officer
	}
	if r.o.DryRun {
		officers = nil // a dry run writes nothing
	}
	codes, err := r.svc.ReceivedKeys(ctx, r.op, keys, officers)
	if err != nil {
		return nil, storeErr(err)
	}
	old, err := r.legacyDone(js)
	if err != nil {
		return nil, storeErr(err)
	}
	var todo []*job
	for i, j := range js {
		code := codes[i]
		if code == "" {
			code = old[i]
		}
		if code != "" {
			j.results = []Result{{Line: j.rec.Line, Status: StatusDone, Code: code, Msg: "Đã tiếp nhận ở lần chạy trước."}}
			continue
		}
		todo = append(todo, j)
	}
	return todo, nil
}

// storeErr keeps the counter's refusals (rights) as they are and marks the rest as the store's.
func storeErr(err error) error {
	if errors.Is(err, counter.ErrForbidden) {
		return err
	}
	return &runError{ErrStore, err}
}

// checkReceivedAt reads the backlog column of each row; a bad one fails the row.
func (r *runner) checkReceivedAt(js []*job) []*job {
	var ok []*job
	now := r.svc.Now()
	for _, j := range js {
		if s := j.row.receivedAt; s != "" {
			at, err := parseReceivedAt(s, r.loc)
			switch {
			case err != nil:
				j.results = []Result{{Line: j.rec.Line, Status: StatusError, Field: ColReceivedAt, ErrorCode: "type", Msg: "Thời điểm tiếp nhận không đúng dạng dd/mm/yyyy hh:mm."}}
				continue
			case at.After(now):
				j.results = []Result{{Line: j.rec.Line, Status: StatusError, Field: ColReceivedAt, ErrorCode: "constraint", Msg: "Thời điểm tiếp nhận gốc không được sau thời điểm hiện tại."}}
				continue
			}
			j.at = at
		}
		ok = append(ok, j)
	}
	return ok
}

// fill fills the rows' declarations with the group's look-ups made together.
func (r *runner) fill(ctx context.Context, js []*job) error {
	if len(js) == 0 {
		return nil
	}
	reqs := make([]counter.FillRequest, len(js))
	for i, j := range js {
		reqs[i] = counter.FillRequest{Persons: j.row.persons, Values: j.row.values}
	}
	filled, err := r.svc.FillGroup(ctx, r.spec, reqs, r.op)
	if err != nil {
		return storeErr(err)
	}
	for i, j := range js {
		f := filled[i]
		if len(f.Problems) > 0 {
			for _, p := range f.Problems {
				j.results = append(j.results, Result{Line: j.rec.Line, Status: StatusError, Field: strings.TrimPrefix(p.Field, "person:"), ErrorCode: p.Code, Msg: p.Message})
			}
			continue
		}
		j.filled = f
	}
	return nil
}

// receive receives the filled rows of a group in one unit of work, then hands their
// receipts to the PDF.
func (r *runner) receive(ctx context.Context, js []*job, pdf *pdfStream) error {
	if len(js) == 0 {
		return nil
	}
	items := make([]counter.GroupItem, len(js))
	for i, j := range js {
		items[i] = counter.GroupItem{Decl: j.filled.Decl, ReceptionIDs: j.filled.IDs, Opts: counter.ReceiveOptions{
			Key: r.key(j), ReceivedAt: j.at, NoPrint: !r.o.Print, Officer: j.row.officer}}
	}
	gopt := counter.GroupOptions{AfterCommit: r.o.AfterCommit}
	if r.o.InTx != nil {
		gopt.InTx = func(i int) { r.o.InTx(js[i].rec.Line) }
	}
	outs, err := r.svc.ReceiveGroup(ctx, r.op, items, gopt)
	if err != nil {
		return storeErr(err)
	}
	var receipts []printing.Receipt
	for i, j := range js {
		o := outs[i]
		switch {
		case o.Err != nil:
			j.results = []Result{{Line: j.rec.Line, Status: StatusError, ErrorCode: "receive", Msg: "Chưa tiếp nhận được hồ sơ: " + counter.Explain(o.Err)}}
		case o.Duplicate:
			// received meanwhile under the same key (another run of the same file)
			res := Result{Line: j.rec.Line, Status: StatusDone, Code: o.Dossier.Code, Msg: "Đã tiếp nhận ở lần chạy trước."}
			// what that run left to print is printed now (counter.finishEarlier): its failure too is told
			res.PrintError, res.PrintQueued = printProblem(o.Outcome)
			j.results = []Result{res}
		default:
			d := o.Dossier
			j.code = d.Code
			res := Result{Line: j.rec.Line, Status: StatusOK, Code: d.Code, Msg: string(d.Status)}
			res.PrintError, res.PrintQueued = printProblem(o.Outcome)
			j.results = []Result{res}
			switch {
			case pdf == nil:
			case o.Receipt != nil: // the receipt kept, its QR code encoded once for both
				receipts = append(receipts, *o.Receipt)
			default:
				officer := j.row.officer // as on the receipt kept: the row's, the operator's name, the operator
				if officer == "" {
					officer = r.op.Name
				}
				if officer == "" {
					officer = r.op.ID
				}
				receipts = append(receipts, r.svc.Receipt(d, officer))
			}
		}
	}
	if pdf != nil && len(receipts) > 0 {
		pdf.add(receipts)
	}
	return nil
}

// printProblem is what of a received row did not print, in Vietnamese ("" when all that was
// to print printed), and whether all of it waits in the print queue.
func printProblem(o counter.Outcome) (string, bool) {
	var parts []string
	queued := true
	for _, p := range []struct {
		what string
		err  error
	}{{"giấy biên nhận", o.PrintErr}, {"phiếu kiểm soát (Mẫu 06)", o.ControlSheetErr}} {
		if p.err == nil {
			continue
		}
		parts = append(parts, "Chưa in được "+p.what+": "+counter.Explain(p.err))
		queued = queued && errors.Is(p.err, counter.ErrPrintQueued)
	}
	if len(parts) == 0 {
		return "", false
	}
	msg := strings.Join(parts, " ")
	if queued {
		msg += " Đã lưu, sẽ tự in khi máy in hoạt động lại (motcua print retry)."
	}
	return msg, queued
}

// report tells the rows of a group, in order, and counts them.
func (r *runner) report(group []*job, sum *Summary) error {
	for _, j := range group {
		sum.Rows++
		switch {
		case j.results == nil: // an empty row
			sum.Skipped++
		case j.results[0].Status == StatusError:
			sum.Failed++
		case j.results[0].Status == StatusDone || j.results[0].Status == StatusDuplicate:
			sum.Skipped++
		default:
			sum.Received++
			if j.code != "" {
				sum.Codes = append(sum.Codes, j.code)
			}
		}
		if len(j.results) > 0 && j.results[0].PrintError != "" { // a row of an earlier run printed now too
			res := j.results[0]
			sum.PrintFailed++
			if res.PrintQueued {
				sum.PrintQueued++
			}
		}
		for _, res := range j.results {
			if r.o.Report != nil {
				if err := r.o.Report(res); err != nil {
					return err
				}
			}
		}
		if r.o.Progress != nil {
			r.o.Progress(*sum)
		}
	}
	return nil
}

// ---- the run's PDF

// pdfStream adds the receipts of each group to the run's PDF on a goroutine of its own, in
// the order of the groups, while the next group is worked on.
type pdfStream struct {
	path, tmp string
	w         *printing.BatchWriter
	groups    chan []printing.Receipt
	done      chan error
	n         int
	finished  bool
	err       error // the writer's, when the run stopped before finish
}

func startPDF(path string) (*pdfStream, error) {
	w, err := printing.NewBatchWriter(printing.Options{})
	if err != nil {
		return nil, err
	}
	p := &pdfStream{path: path, tmp: filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp"), w: w,
		groups: make(chan []printing.Receipt, 2), done: make(chan error, 1)}
	go func() {
		var err error
		for rs := range p.groups {
			if err == nil {
				err = p.w.Add(rs...)
			}
		}
		p.done <- err
	}()
	return p, nil
}

func (p *pdfStream) add(rs []printing.Receipt) {
	p.n += len(rs)
	p.groups <- rs
}

// finish waits for the last group and writes the file (nothing when no receipt was added).
func (p *pdfStream) finish() error {
	p.finished = true
	close(p.groups)
	if err := <-p.done; err != nil {
		return err
	}
	if p.n == 0 {
		return nil
	}
	f, err := os.OpenFile(p.tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if err := p.w.Finish(f); err != nil {
		f.Close()
		os.Remove(p.tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(p.tmp)
		return err
	}
	return os.Rename(p.tmp, p.path)
}

// abort ends the goroutine of a run that stopped before finish.
func (p *pdfStream) abort() {
	if !p.finished {
		p.finished = true
		close(p.groups)
		p.err = <-p.done // the run failed already: its error is the one reported
	}
}
