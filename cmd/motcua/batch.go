package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"motcua/forms"
	"motcua/internal/batch"
	"motcua/internal/batchio"
	"motcua/internal/counter"
	"motcua/lookups/vntext"
)

// Scripted bulk entry: `motcua batch template` and `motcua batch run`. The
// engine (groups, look-ups, receptions, receipts, exactly-once checkpoints)
// is internal/batch; here are the flags, the files and what is printed.

func init() { register((*app).batchCmd) }

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
của lần chạy vào một tệp PDF; --print in từng giấy ra máy in đã cấu hình như ở quầy (kèm phiếu
kiểm soát Mẫu 06 nếu cấu hình printer.control_sheet bật; tệp --receipts không gồm phiếu này). Không
có hai cờ này: giấy biên nhận chỉ được lưu (in lại bằng motcua receipt reprint). Cột received_at ghi thời
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
			cols := batch.Columns(spec)
			switch strings.ToLower(filepath.Ext(out)) {
			case ".csv":
				if err := batch.WriteTemplateCSV(out, cols); err != nil {
					return failure("Không ghi được tệp "+out+".", err)
				}
				for _, c := range cols {
					fmt.Fprintf(a.stdout, "%s\t%s\n", c.Name, c.Desc)
				}
			case ".xlsx":
				if err := batch.WriteTemplateXLSX(out, spec, cols); err != nil {
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

// batchOptions are the flags of `batch run`.
type batchOptions struct {
	service, in, out, receipts, encoding string
	print, dryRun, asJSON                bool
	every, limit                         int
}

// Result rows: one per received row, one per problem of a failed row; print_error says what
// of a received row did not print (and whether it waits to print by itself).
var batchResultColumns = []string{"row", "status", "code", "field", "error_code", "message", "print_error"}

// Set by the crash tests (through TestMain): batchInTx is called inside a
// group's unit of work after the row on that line is written, batchAfterCommit
// once a group has committed; batchGroupSize is the rows of a group (0: the
// engine's default).
var (
	batchInTx        func(line int)
	batchAfterCommit func()
	batchGroupSize   int
)

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
	in, err := batchio.Open(o.in, batchio.Options{Encoding: o.encoding})
	if err != nil {
		return tableErr(o.in, err)
	}
	defer in.Close()
	plan, extra := batch.Plan(batch.Columns(spec), in.Header())
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
		if results, err = batchio.Create(o.out, batchResultColumns); err != nil {
			return tableErr(o.out, err)
		}
	}
	report := func(r batch.Result) error {
		if results != nil {
			return results.Write(map[string]string{"row": strconv.Itoa(r.Line), "status": r.Status, "code": r.Code,
				"field": r.Field, "error_code": r.ErrorCode, "message": r.Msg, "print_error": r.PrintError})
		}
		if r.PrintError != "" {
			fmt.Fprintf(a.stderr, "Dòng %d (hồ sơ %s, đã tiếp nhận): %s\n", r.Line, vntext.Display(r.Code), vntext.Display(r.PrintError))
		}
		if r.Status == batch.StatusError {
			show := vntext.Display // the message may carry the gateway's words, the field a file's
			if r.Field != "" {
				fmt.Fprintf(a.stderr, "Dòng %d: %s: %s [%s]\n", r.Line, show(r.Field), show(r.Msg), show(r.ErrorCode))
			} else {
				fmt.Fprintf(a.stderr, "Dòng %d: %s [%s]\n", r.Line, show(r.Msg), show(r.ErrorCode))
			}
		}
		return nil
	}
	prog := newProgress(a.stderr, o.every)
	if prog.tty {
		prog.total = countLines(o.in) - 1 // the header; an estimate for the time left
	}
	sum, runErr := batch.Run(ctx, batch.Options{Service: e.svc, Spec: spec, Operator: op, In: in, Plan: plan,
		DryRun: o.dryRun, Print: o.print, Receipts: o.receipts, Limit: o.limit,
		Report: report, Progress: prog.tick, GroupSize: batchGroupSize, InTx: batchInTx, AfterCommit: batchAfterCommit})
	prog.done(sum)
	if results != nil {
		if err := results.Close(); err != nil && runErr == nil {
			runErr = failure("Không ghi được tệp kết quả "+o.out+".", err)
		}
	}
	a.printBatchSummary(sum, o)
	switch {
	case runErr == nil:
	case errors.Is(runErr, batch.ErrRead):
		return readErr("Không đọc được tiếp tệp "+o.in+": "+batchio.Explain(runErr)+" Các dòng trước đó đã xử lý xong; sửa tệp rồi chạy lại cùng lệnh.", runErr)
	case errors.Is(runErr, batch.ErrReceipts):
		return failure("Không ghi được tệp giấy biên nhận "+o.receipts+"; các hồ sơ đã được tiếp nhận, in lại bằng motcua receipt reprint.", runErr)
	case errors.Is(runErr, batch.ErrAudit):
		return failure("Không ghi được nhật ký truy cập.", runErr)
	case errors.Is(runErr, batch.ErrStore):
		return failure("Không ghi hoặc đọc được kho dữ liệu: "+counter.Explain(runErr)+" Các dòng đã báo tiếp nhận đã được lưu; chạy lại cùng lệnh để làm tiếp.", runErr)
	case errors.Is(runErr, counter.ErrForbidden):
		return refusal(runErr, counter.Explain(runErr))
	default:
		return runErr
	}
	if sum.Failed > 0 {
		return &exitError{code: exitPartial, msg: fmt.Sprintf("%d/%d dòng bị lỗi; sửa các dòng đó rồi chạy lại cùng lệnh (các dòng đã tiếp nhận được bỏ qua).", sum.Failed, sum.Rows)}
	}
	return nil
}

func (a *app) printBatchSummary(sum batch.Summary, o batchOptions) {
	if o.asJSON {
		_ = newJSONEncoder(a.stdout).Encode(sum)
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
	if sum.PrintFailed > 0 {
		fmt.Fprintf(a.stdout, "%d hồ sơ đã tiếp nhận nhưng chưa in được giấy biên nhận hoặc phiếu kiểm soát", sum.PrintFailed)
		if sum.PrintQueued > 0 {
			fmt.Fprintf(a.stdout, "; %d hồ sơ đã lưu để tự in khi máy in hoạt động lại (xem motcua print queue, in ngay: motcua print retry --now)", sum.PrintQueued)
		}
		fmt.Fprintln(a.stdout, ".")
	}
	if sum.Stopped {
		fmt.Fprintln(a.stdout, "Lệnh dừng giữa chừng; chạy lại cùng lệnh để làm tiếp.")
	}
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

func (p *progress) tick(s batch.Summary) {
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

func (p *progress) done(batch.Summary) {
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
