package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"github.com/xuri/excelize/v2"

	"motcua/forms"
	"motcua/internal/batchio"
	"motcua/internal/counter"
	"motcua/lookups"
	"motcua/lookups/vntext"
	"motcua/offline"
	"motcua/printing"
)

// Scripted bulk entry: `motcua batch template` and `motcua batch run`.
// Each row of the input goes through the counter's path (fillDecl in
// declfill.go, then counter.Service.Receive); a per-row checkpoint in the
// store (offline.Tx.Done/MarkDone) makes a re-run skip the rows already
// received, so a killed run resumes without duplicates.

func init() { register((*app).batchCmd) }

// ActionBatch is the access-log action of a batch run (Detail: counts).
const ActionBatch = "batch"

// Reserved columns of the input table.
const (
	colReceivedAt = "received_at"
	colOfficer    = "officer"
)

// batchColumn is one column of a service's input table.
type batchColumn struct {
	Name string // "subject.id", "purpose", "members.1.name", "received_at"
	Desc string // Vietnamese
	Slot string // person slot for "<slot>.id" columns
}

// batchColumns lists the input columns of a service: the ID of each person
// slot filled at the counter, the fields in the spec's order (groups as
// numbered columns up to the group's maximum, or 3), then the optional
// backlog columns.
func batchColumns(spec *forms.Spec) []batchColumn {
	var cols []batchColumn
	for _, p := range spec.Persons() {
		if kind, _ := p.Derived(spec); kind != "" {
			continue // looked up from another slot, as at the counter
		}
		d := "Số định danh cá nhân (12 chữ số) — " + p.Label
		if p.Required {
			d += " (bắt buộc)"
		}
		cols = append(cols, batchColumn{Name: p.ID + ".id", Desc: d, Slot: p.ID})
	}
	for _, f := range spec.Fields() {
		if f.Calculated() {
			continue
		}
		if f.Type == forms.TypeGroup {
			n := f.Max
			if n <= 0 {
				n = 3
			}
			for i := 1; i <= n; i++ {
				for k := range f.Sub {
					sub := &f.Sub[k]
					if sub.Calculated() {
						continue
					}
					cols = append(cols, batchColumn{Name: fmt.Sprintf("%s.%d.%s", f.ID, i, sub.ID),
						Desc: fmt.Sprintf("%s — dòng %d: %s", f.Label, i, fieldDesc(sub))})
				}
			}
			continue
		}
		cols = append(cols, batchColumn{Name: f.ID, Desc: fieldDesc(f)})
	}
	return append(cols,
		batchColumn{Name: colReceivedAt, Desc: "Thời điểm tiếp nhận gốc của hồ sơ tồn đọng, dd/mm/yyyy hh:mm (không bắt buộc)"},
		batchColumn{Name: colOfficer, Desc: "Họ tên cán bộ tiếp nhận in trên giấy biên nhận (không bắt buộc; mặc định: cán bộ chạy lệnh)"})
}

func fieldDesc(f *forms.Field) string {
	d := f.Label
	if f.Required {
		d += " (bắt buộc)"
	}
	switch f.Type {
	case forms.TypeDate:
		if !strings.Contains(f.Hint, "dd/mm/yyyy") {
			d += "; dạng dd/mm/yyyy"
		}
	case forms.TypeChoice, forms.TypeMultiChoice:
		if len(f.Choices) > 0 {
			var cs []string
			for _, c := range f.Choices {
				cs = append(cs, c.Value+" = "+c.Label)
			}
			d += "; giá trị: " + strings.Join(cs, ", ")
		}
	}
	if f.Hint != "" {
		d += ". " + f.Hint
	}
	return d
}

const batchTemplateLong = `Ghi tệp mẫu nhập liệu hàng loạt cho một thủ tục (CSV hoặc XLSX theo đuôi tệp --out).

Các cột: số định danh của từng người cần tra cứu ("<vị trí>.id", ví dụ subject.id; người suy ra như
chủ hộ, vợ/chồng được tra cứu tự động), mã các trường của tờ khai theo thứ tự trong mẫu thủ tục
(nhóm lặp là các cột đánh số, ví dụ members.1.name), và hai cột không bắt buộc: received_at
(thời điểm tiếp nhận gốc của hồ sơ tồn đọng, dd/mm/yyyy hh:mm) và officer (cán bộ tiếp nhận).
Mỗi dòng là một hồ sơ; ô để trống là không khai.

Mô tả tiếng Việt của từng cột: với XLSX nằm ở trang "Hướng dẫn"; với CSV (chỉ có một dòng tiêu đề)
được in ra đầu ra chuẩn.`

const batchRunLong = `Tiếp nhận hàng loạt hồ sơ từ một bảng (CSV, JSON Lines hoặc XLSX; xem "motcua batch template").

Mỗi dòng đi đúng con đường của màn hình quầy: tra cứu người theo số định danh, điền sẵn, kiểm tra,
cấp mã hồ sơ, lưu hồ sơ cùng hàng đợi gửi, gửi lên hệ thống và giấy biên nhận. Dòng sai được báo
(số dòng, trường, lý do, mã lỗi) vào tệp kết quả --out (hoặc đầu ra lỗi) và lệnh chạy tiếp.

Chạy lại cùng tệp: các dòng đã tiếp nhận được bỏ qua (mỗi dòng có điểm kiểm tra trong kho dữ liệu,
theo thủ tục và nội dung dòng), nên lệnh bị ngắt giữa chừng chạy lại không tạo hồ sơ trùng. Hai
dòng giống hệt nhau chỉ tạo một hồ sơ.

--dry-run chỉ tra cứu và kiểm tra, không cấp mã, không lưu. --receipts FILE.pdf ghi giấy biên nhận
của lần chạy vào một tệp PDF; --print in từng giấy ra máy in đã cấu hình như ở quầy. Không có hai
cờ này: giấy biên nhận chỉ được lưu (in lại bằng motcua receipt reprint). Cột received_at ghi thời
điểm tiếp nhận gốc của hồ sơ giấy nhập sau (ngày hẹn tính từ đó; mã hồ sơ là của ngày nhập).

Cần quyền cán bộ một cửa hoặc giám sát. Mỗi lần chạy được ghi vào nhật ký truy cập.

Mã thoát: 0 mọi dòng đều được tiếp nhận (hoặc hợp lệ với --dry-run), 1 lỗi, 2 sai cú pháp lệnh hoặc
tệp, 3 có dòng bị lỗi.`

func (a *app) batchCmd() *cobra.Command {
	cmd := groupCmd("batch", "Nhập hồ sơ hàng loạt từ bảng: tệp mẫu, chạy")
	cmd.AddCommand(a.batchTemplateCmd(), a.batchRunCmd())
	return cmd
}

func (a *app) batchTemplateCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:     "template SERVICE",
		Short:   "Ghi tệp mẫu nhập liệu (CSV hoặc XLSX) của một thủ tục",
		Long:    batchTemplateLong,
		Example: "  motcua batch template xac-nhan-tthn --out tthn.xlsx",
		Args:    exactArgs(1, "mã thủ tục"),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, ok := forms.Lookup(args[0])
			if !ok {
				return usageErr("không có thủ tục %q (xem motcua forms list)", args[0])
			}
			if out == "" {
				return usageErr("thiếu --out FILE.csv hoặc FILE.xlsx")
			}
			cols := batchColumns(spec)
			switch strings.ToLower(filepath.Ext(out)) {
			case ".csv":
				if err := writeTemplateCSV(out, cols); err != nil {
					return failure("Không ghi được tệp "+out+".", err)
				}
				for _, c := range cols {
					fmt.Fprintf(a.stdout, "%s\t%s\n", c.Name, c.Desc)
				}
			case ".xlsx":
				if err := writeTemplateXLSX(out, spec, cols); err != nil {
					return failure("Không ghi được tệp "+out+".", err)
				}
			default:
				return usageErr("tệp mẫu phải có đuôi .csv hoặc .xlsx: %s", out)
			}
			fmt.Fprintf(a.stderr, "Đã ghi tệp mẫu %s (%d cột).\n", out, len(cols))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "tệp mẫu cần ghi (.csv hoặc .xlsx)")
	return cmd
}

func writeTemplateCSV(path string, cols []batchColumn) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	w, err := createTable(path, names)
	if err != nil {
		return err
	}
	return w.Close()
}

// writeTemplateXLSX writes the header on the first sheet (with the
// description as a cell comment) and a "Hướng dẫn" sheet: column, description.
// Every cell is a text cell formatted as text (excelize keeps it in memory:
// no temporary file), as batchio writes workbooks.
func writeTemplateXLSX(path string, spec *forms.Spec, cols []batchColumn) error {
	f := excelize.NewFile()
	defer f.Close()
	const data, help = "Hồ sơ", "Hướng dẫn"
	if err := f.SetSheetName("Sheet1", data); err != nil {
		return err
	}
	if _, err := f.NewSheet(help); err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@"
	if err != nil {
		return err
	}
	setText := func(sheet, cell, v string) error {
		if err := f.SetCellStr(sheet, cell, v); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, cell, cell, text)
	}
	for i, c := range cols {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := setText(data, cell, c.Name); err != nil {
			return err
		}
		if err := f.AddComment(data, excelize.Comment{Cell: cell, Author: "motcua", Paragraph: []excelize.RichTextRun{{Text: c.Desc}}}); err != nil {
			return err
		}
	}
	rows := [][]string{{"Thủ tục", spec.ID + " — " + spec.Name}, {"Cột", "Mô tả"}}
	for _, c := range cols {
		rows = append(rows, []string{c.Name, c.Desc})
	}
	for i, r := range rows {
		for j, v := range r {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := setText(help, cell, v); err != nil {
				return err
			}
		}
	}
	return f.SaveAs(path)
}

// batchOptions are the flags of `batch run`.
type batchOptions struct {
	service, in, out, receipts, encoding string
	print, dryRun, asJSON                bool
	every, limit                         int
}

// batchSummary is the end of a run (--json on stdout).
type batchSummary struct {
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
}

// Result rows: one per received row, one per problem of a failed row.
var batchResultColumns = []string{"row", "status", "code", "field", "error_code", "message"}

// batchCrashAfterReceive, when set (tests), ends the run right after the
// n-th reception and before its checkpoint, like a kill at the worst time.
var batchCrashAfterReceive int

func (a *app) batchRunCmd() *cobra.Command {
	var o batchOptions
	cmd := &cobra.Command{
		Use:     "run",
		Short:   "Tiếp nhận hàng loạt hồ sơ từ bảng (CSV, JSON Lines, XLSX)",
		Long:    batchRunLong,
		Example: "  motcua batch run --service xac-nhan-tthn --in tthn.csv --out ket-qua.csv --receipts bien-nhan.pdf",
		Args:    noArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return a.batchRun(cmd.Context(), o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.service, "service", "", "mã thủ tục (bắt buộc)")
	f.StringVar(&o.in, "in", "", "tệp đầu vào .csv, .jsonl hoặc .xlsx (bắt buộc)")
	f.StringVar(&o.out, "out", "", "tệp kết quả .csv, .jsonl hoặc .xlsx (mặc định: lỗi ra đầu ra lỗi)")
	f.StringVar(&o.receipts, "receipts", "", "ghi giấy biên nhận của lần chạy vào một tệp PDF")
	f.BoolVar(&o.print, "print", false, "chỉ in từng giấy biên nhận ra máy in đã cấu hình (như ở quầy)")
	f.BoolVar(&o.dryRun, "dry-run", false, "chỉ tra cứu và kiểm tra, không cấp mã, không lưu")
	f.BoolVar(&o.asJSON, "json", false, "in tổng kết dạng JSON")
	f.StringVar(&o.encoding, "encoding", "", "bảng mã của tệp CSV: utf-8 (mặc định), windows-1258, tcvn3, vni")
	f.IntVar(&o.every, "progress-every", 1000, "khi không chạy trong cửa sổ dòng lệnh: in tiến độ sau mỗi N dòng")
	f.IntVar(&o.limit, "limit", 0, "dừng sau N dòng (chạy lại để làm tiếp)")
	return cmd
}

func (a *app) batchRun(ctx context.Context, o batchOptions) error {
	start := time.Now()
	if o.service == "" || o.in == "" {
		return usageErr("cần --service và --in")
	}
	spec, ok := forms.Lookup(o.service)
	if !ok {
		return usageErr("không có thủ tục %q (xem motcua forms list)", o.service)
	}
	if o.print && o.receipts != "" {
		return usageErr("chỉ dùng một trong --receipts và --print")
	}
	if o.receipts != "" && !strings.EqualFold(filepath.Ext(o.receipts), ".pdf") {
		return usageErr("--receipts phải là tệp .pdf: %s", o.receipts)
	}
	in, err := openTable(o.in, batchio.Options{Encoding: o.encoding})
	if err != nil {
		return tableErr(o.in, err)
	}
	defer in.Close()
	cols := batchColumns(spec)
	plan, extra := planColumns(cols, in.Header())
	if len(plan) == 0 {
		return usageErr("tệp %s không có cột nào của thủ tục %s (xem motcua batch template %s)", o.in, spec.ID, spec.ID)
	}
	if len(extra) > 0 {
		fmt.Fprintf(a.stderr, "Lưu ý: bỏ qua các cột không thuộc thủ tục %s: %s\n", spec.ID, strings.Join(extra, ", "))
	}
	e, op, err := a.openReceiving(counter.ActBatchRun)
	if err != nil {
		return err
	}
	defer e.Close()
	var results batchio.Writer
	if o.out != "" {
		if results, err = createTable(o.out, batchResultColumns); err != nil {
			return tableErr(o.out, err)
		}
	}
	report := func(row int, status, code, field, errCode, msg string) error {
		if results != nil {
			return results.Write(map[string]string{"row": strconv.Itoa(row), "status": status, "code": code,
				"field": field, "error_code": errCode, "message": msg})
		}
		if status == "error" {
			show := vntext.Display // the message may carry the gateway's words, the field a file's
			if field != "" {
				fmt.Fprintf(a.stderr, "Dòng %d: %s: %s [%s]\n", row, show(field), show(msg), show(errCode))
			} else {
				fmt.Fprintf(a.stderr, "Dòng %d: %s [%s]\n", row, show(msg), show(errCode))
			}
		}
		return nil
	}

	sum := batchSummary{Service: spec.ID, DryRun: o.dryRun}
	run := "batch/v1/" + spec.ID
	prog := newProgress(a.stderr, o.every)
	if prog.tty {
		prog.total = countLines(o.in) - 1 // the header; an estimate for the time left
	}
	var receipts []printing.Receipt
	var runErr error
	loc := e.svc.Now().Location()

	// One row at a time, in the file's order: the store is a single file
	// that serialises its units of work (concurrent look-ups only wait for
	// it), and codes then follow the file.
	seen := map[[32]byte]int{}
	for {
		if ctx.Err() != nil || (o.limit > 0 && sum.Rows >= o.limit) {
			sum.Stopped = true
			break
		}
		j := &batchJob{}
		rec, err := in.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		j.rec = rec
		if !errors.As(err, &j.format) && err != nil {
			runErr = readErr("Không đọc được tiếp tệp "+o.in+": "+batchio.Explain(err)+" Các dòng trước đó đã xử lý xong; sửa tệp rồi chạy lại cùng lệnh.", err)
			break
		}
		sum.Rows++
		if j.format == nil {
			j.key = rowKey(plan, rec.Fields)
		}
		switch first, dup := seen[j.key]; {
		case j.format != nil:
			sum.Failed++
			runErr = report(j.format.Line, "error", "", "", "format", j.format.Reason)
		case j.key == ([32]byte{}):
			sum.Skipped++ // an empty row
		case dup:
			sum.Skipped++
			runErr = report(rec.Line, "duplicate", "", "", "", fmt.Sprintf("Trùng với dòng %d; không tiếp nhận lần nữa.", first))
		default:
			seen[j.key] = rec.Line
			f := a.batchFill(ctx, e, spec, run, plan, j, op, loc, o.dryRun)
			switch {
			case f.err != nil:
				runErr = failure("Không đọc được điểm kiểm tra trong kho dữ liệu.", f.err)
			case f.done:
				sum.Skipped++
				runErr = report(rec.Line, "done", f.code, "", "", "Đã tiếp nhận ở lần chạy trước.")
			case len(f.probs) > 0:
				sum.Failed++
				for _, p := range f.probs {
					if runErr = report(rec.Line, "error", "", strings.TrimPrefix(p.Field, "person:"), p.Code, p.Message); runErr != nil {
						break
					}
				}
			case o.dryRun:
				sum.Received++
				runErr = report(rec.Line, "valid", "", "", "", "")
			default:
				var crashed bool
				crashed, runErr = a.batchReceive(ctx, e, run, j, f, op, op.Name, &sum, &receipts, o.receipts != "", o.print, report)
				if crashed {
					sum.Stopped = true
				}
			}
		}
		if runErr != nil || sum.Stopped {
			break
		}
		prog.tick(sum)
	}
	prog.done(sum)
	if results != nil {
		if err := results.Close(); err != nil && runErr == nil {
			runErr = failure("Không ghi được tệp kết quả "+o.out+".", err)
		}
	}
	if len(receipts) > 0 {
		if err := writeBatchReceipts(o.receipts, receipts); err != nil && runErr == nil {
			runErr = failure("Không ghi được tệp giấy biên nhận "+o.receipts+"; các hồ sơ đã được tiếp nhận, in lại bằng motcua receipt reprint.", err)
		} else if err == nil {
			sum.Receipts = o.receipts
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
	if o.dryRun {
		dry = 1
	}
	// a short code (64 bytes, no spaces): the service, then the counts
	counts := fmt.Sprintf("r=%d;ok=%d;f=%d;s=%d;dry=%d", sum.Rows, sum.Received, sum.Failed, sum.Skipped, dry)
	detail := spec.ID + ";" + counts
	if len(detail) > 64 {
		detail = counts
	}
	if err := e.office.LogAccess(op, offline.AccessEntry{Purpose: lookups.PurposeReception, Action: ActionBatch, Outcome: outcome, Detail: detail}); err != nil && runErr == nil {
		runErr = failure("Không ghi được nhật ký truy cập.", err)
	}
	a.printBatchSummary(sum, o)
	if runErr != nil {
		return runErr
	}
	if sum.Failed > 0 {
		return &exitError{code: exitPartial, msg: fmt.Sprintf("%d/%d dòng bị lỗi; sửa các dòng đó rồi chạy lại cùng lệnh (các dòng đã tiếp nhận được bỏ qua).", sum.Failed, sum.Rows)}
	}
	return nil
}

func (a *app) printBatchSummary(sum batchSummary, o batchOptions) {
	if o.asJSON {
		_ = json.NewEncoder(a.stdout).Encode(sum)
		return
	}
	verb := "tiếp nhận"
	if o.dryRun {
		verb = "hợp lệ (chạy thử, chưa lưu)"
	}
	fmt.Fprintf(a.stdout, "Thủ tục %s: %d dòng; %d %s; %d lỗi; %d bỏ qua (đã làm hoặc trùng). %.0f dòng/giây.\n",
		sum.Service, sum.Rows, sum.Received, verb, sum.Failed, sum.Skipped, sum.RowsPerSecond)
	if o.out != "" {
		fmt.Fprintln(a.stdout, "Kết quả từng dòng:", o.out)
	}
	if sum.Receipts != "" {
		fmt.Fprintln(a.stdout, "Giấy biên nhận:", sum.Receipts)
	}
	if sum.Stopped {
		fmt.Fprintln(a.stdout, "Lệnh dừng giữa chừng; chạy lại cùng lệnh để làm tiếp.")
	}
}

func writeBatchReceipts(path string, rs []printing.Receipt) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if err := printing.RenderBatchPDF(f, rs, printing.Options{}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ---- rows

// colPlan maps an input column to its role.
type colPlan struct {
	name string
	slot string // "<slot>.id"
	pos  int    // template order
}

// planColumns keeps the header's columns that belong to the template, in the
// template's order (a field set after those it depends on), and lists the others.
func planColumns(cols []batchColumn, header []string) (plan []colPlan, extra []string) {
	pos := map[string]int{}
	for i, c := range cols {
		pos[c.Name] = i
	}
	for _, h := range header {
		h = strings.TrimSpace(h)
		i, ok := pos[h]
		if !ok {
			if h != "" {
				extra = append(extra, h)
			}
			continue
		}
		plan = append(plan, colPlan{name: h, slot: cols[i].Slot, pos: i})
	}
	sort.Slice(plan, func(i, j int) bool { return plan[i].pos < plan[j].pos })
	return plan, extra
}

type batchRow struct {
	persons             map[string]string
	values              orderedValues
	receivedAt, officer string
}

func splitRow(plan []colPlan, fields map[string]string) batchRow {
	r := batchRow{persons: map[string]string{}}
	for _, c := range plan {
		v := strings.TrimSpace(fields[c.name])
		if v == "" {
			continue
		}
		switch {
		case c.slot != "":
			r.persons[c.slot] = v
		case c.name == colReceivedAt:
			r.receivedAt = v
		case c.name == colOfficer:
			r.officer = v
		default:
			r.values = append(r.values, struct{ Path, Text string }{c.name, v})
		}
	}
	return r
}

// rowKey is the SHA-256 of the row's non-empty template cells (column order
// and extra columns do not matter); zero for an empty row. The store keys it
// again with its secret before keeping it.
func rowKey(plan []colPlan, fields map[string]string) [32]byte {
	h := sha256.New()
	n := 0
	for _, c := range plan { // plan is in template order
		v := strings.TrimSpace(fields[c.name])
		if v == "" {
			continue
		}
		n++
		fmt.Fprintf(h, "%s\x00%s\x00", c.name, v)
	}
	var k [32]byte
	if n > 0 {
		h.Sum(k[:0])
	}
	return k
}

func parseReceivedAt(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"02/01/2006 15:04", "2/1/2006 15:04", "02/01/2006"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("received_at %q: not dd/mm/yyyy hh:mm", s)
}

// ---- one row

// batchJob is one row on its way through the run.
type batchJob struct {
	rec    batchio.Record
	format *batchio.FormatError // a malformed line
	key    [32]byte             // zero: an empty row
}

// batchFill is a checked row: done in an earlier run, or filled
// (problems, or a declaration ready to receive).
type batchFill struct {
	done  bool
	code  string
	row   batchRow
	decl  *forms.Declaration
	ids   []string
	probs []*fillProblem
	err   error     // the store failed
	at    time.Time // the original reception of a backlog dossier (zero: now)
}

// batchFill checks a row's checkpoint, then fills its declaration as the
// counter does (look-ups, prefill, values, validation).
func (a *app) batchFill(ctx context.Context, e *env, spec *forms.Spec, run string, plan []colPlan, j *batchJob, op counter.Operator, loc *time.Location, dryRun bool) batchFill {
	key := hex.EncodeToString(j.key[:])
	code, done, err := a.batchCheckpoint(e, spec, run, key, plan, j.rec.Fields)
	if err != nil || done {
		return batchFill{done: done, code: code, err: err}
	}
	f := batchFill{row: splitRow(plan, j.rec.Fields)}
	if f.row.receivedAt != "" {
		at, err := parseReceivedAt(f.row.receivedAt, loc)
		switch {
		case err != nil:
			f.probs = append(f.probs, &fillProblem{Field: colReceivedAt, Code: "type", Message: "Thời điểm tiếp nhận không đúng dạng dd/mm/yyyy hh:mm."})
		case at.After(e.svc.Now()):
			f.probs = append(f.probs, &fillProblem{Field: colReceivedAt, Code: "constraint", Message: "Thời điểm tiếp nhận gốc không được sau thời điểm hiện tại."})
		}
		if len(f.probs) > 0 {
			return f
		}
		f.at = at
	}
	f.decl, f.ids, _, f.probs = fillDecl(ctx, e.svc, spec, f.row.persons, f.row.values, op)
	return f
}

// batchReceive receives a filled row: a "pending" checkpoint, the counter's
// Receive (code, save, outbox, send, receipt), then the code as checkpoint.
// crashed: the test hook stopped the run between the two.
func (a *app) batchReceive(ctx context.Context, e *env, run string, j *batchJob, f batchFill, op counter.Operator, officer string,
	sum *batchSummary, receipts *[]printing.Receipt, keepReceipts, printEach bool, report func(int, string, string, string, string, string) error) (bool, error) {
	key := hex.EncodeToString(j.key[:])
	if err := e.store.Update(func(tx *offline.Tx) error {
		return tx.MarkDone(run, key, pendingMark(e.svc.Now()))
	}); err != nil {
		return false, failure("Không ghi được điểm kiểm tra vào kho dữ liệu.", err)
	}
	out, err := e.svc.ReceiveWith(ctx, f.decl, op, f.ids, "", counter.ReceiveOptions{
		ReceivedAt: f.at, NoPrint: !printEach, Officer: f.row.officer})
	if err != nil {
		sum.Failed++
		_ = e.store.Update(func(tx *offline.Tx) error { return tx.MarkDone(run, key, "") }) // nothing was saved
		return false, report(j.rec.Line, "error", "", "", "receive", "Chưa tiếp nhận được hồ sơ: "+counter.Explain(err))
	}
	if batchCrashAfterReceive > 0 && sum.Received+1 == batchCrashAfterReceive {
		return true, nil
	}
	d := out.Dossier
	if err := e.store.Update(func(tx *offline.Tx) error { return tx.MarkDone(run, key, d.Code) }); err != nil {
		return false, failure("Không ghi được điểm kiểm tra vào kho dữ liệu.", err)
	}
	sum.Received++
	sum.Codes = append(sum.Codes, d.Code)
	if f.row.officer != "" {
		officer = f.row.officer
	}
	if keepReceipts {
		*receipts = append(*receipts, e.svc.Receipt(d, officer))
	}
	return false, report(j.rec.Line, "ok", d.Code, "", "", string(d.Status))
}

// ---- checkpoints

const pendingPrefix = "pending:"

// pendingMark is the checkpoint value of a row whose reception has started:
// if the run dies before the dossier code is recorded, the next run looks
// for the dossier received since then (see batchCheckpoint).
func pendingMark(t time.Time) string { return pendingPrefix + strconv.FormatInt(t.UnixNano(), 10) }

// batchCheckpoint reports whether the row was received by an earlier run. A
// row left "pending" by a killed run is resolved by looking for a dossier of
// the service received since the mark whose persons are the row's: found,
// the row is done (and recorded so); not found, it is received again.
func (a *app) batchCheckpoint(e *env, spec *forms.Spec, run, key string, plan []colPlan, fields map[string]string) (string, bool, error) {
	var code string
	var done bool
	if err := e.store.View(func(tx *offline.Tx) error {
		var err error
		code, done, err = tx.Done(run, key)
		return err
	}); err != nil || !done {
		return "", false, err
	}
	since, pending := strings.CutPrefix(code, pendingPrefix)
	if !pending {
		if code == "" {
			return "", false, nil // a reception that failed: try again
		}
		return code, true, nil
	}
	ns, err := strconv.ParseInt(since, 10, 64)
	if err != nil {
		return "", false, fmt.Errorf("batch: bad pending mark: %w", err)
	}
	row := splitRow(plan, fields)
	infos, err := e.store.ListDossiers(offline.DossierFilter{Service: spec.ID, From: time.Unix(0, ns)})
	if err != nil {
		return "", false, err
	}
	for _, info := range infos {
		blob, _, err := e.store.GetDossier(info.Code)
		if err != nil {
			return "", false, err
		}
		var d forms.Dossier
		if err := json.Unmarshal(blob, &d); err != nil {
			return "", false, fmt.Errorf("batch: dossier %s: %w", info.Code, err)
		}
		if samePersons(d.Persons, row.persons) {
			err := e.store.Update(func(tx *offline.Tx) error { return tx.MarkDone(run, key, d.Code) })
			return d.Code, err == nil, err
		}
	}
	return "", false, nil
}

func samePersons(have []forms.PersonRecord, want map[string]string) bool {
	if len(want) == 0 {
		return false
	}
	for slot, id := range want {
		if !slices.ContainsFunc(have, func(p forms.PersonRecord) bool { return p.Slot == slot && p.ID == id }) {
			return false
		}
	}
	return true
}

// ---- tables

// openTable and createTable read and write the run's tables (batchio).
func openTable(path string, opt batchio.Options) (batchio.Reader, error) {
	return batchio.Open(path, opt)
}

func createTable(path string, columns []string) (batchio.Writer, error) {
	return batchio.Create(path, columns)
}

// ---- progress

// progress shows how a run goes: on a terminal one line redrawn (bar, rate,
// time left when the row count is known), otherwise a plain line every n rows.
type progress struct {
	w     io.Writer
	tty   bool
	every int
	start time.Time
	last  time.Time
	total int // 0: unknown
}

func newProgress(w io.Writer, every int) *progress {
	p := &progress{w: w, every: every, start: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(f.Fd()) {
		p.tty = true
	}
	return p
}

func (p *progress) tick(s batchSummary) {
	now := time.Now()
	rate := float64(s.Rows) / max(now.Sub(p.start).Seconds(), 1e-9)
	if p.tty {
		if now.Sub(p.last) < 100*time.Millisecond {
			return
		}
		p.last = now
		fmt.Fprintf(p.w, "\r\x1b[K%s %d dòng · %d lỗi · %.0f dòng/giây%s", bar(s.Rows, p.total), s.Rows, s.Failed, rate, p.eta(s.Rows, rate))
		return
	}
	if p.every > 0 && s.Rows%p.every == 0 {
		fmt.Fprintf(p.w, "Đã xử lý %d dòng (%d lỗi, %.0f dòng/giây)%s\n", s.Rows, s.Failed, rate, p.eta(s.Rows, rate))
	}
}

func (p *progress) eta(done int, rate float64) string {
	if p.total <= 0 || rate <= 0 || done >= p.total {
		return ""
	}
	left := time.Duration(float64(p.total-done) / rate * float64(time.Second))
	return ", còn khoảng " + left.Round(time.Second).String()
}

func (p *progress) done(s batchSummary) {
	if p.tty {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// countLines counts the lines of a CSV or JSON Lines file (0 for XLSX or on error).
func countLines(path string) int {
	if batchio.FormatOf(path) == "xlsx" {
		return 0
	}
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	n := 0
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err != nil {
			return n
		}
	}
}

func bar(done, total int) string {
	const width = 20
	if total <= 0 {
		spin := []string{"|", "/", "-", "\\"}
		return "[" + spin[done%len(spin)] + "]"
	}
	n := min(width, done*width/total)
	return "[" + strings.Repeat("█", n) + strings.Repeat("░", width-n) + "]"
}
