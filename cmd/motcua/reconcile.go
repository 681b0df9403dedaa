package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"motcua/internal/batchio"
	"motcua/internal/counter"
	"motcua/internal/reconcile"
	"motcua/lookups"
	"motcua/offline"
)

func init() { register((*app).reconcileCmd) }

// ActionReconcile is the audit action of a reconcile run; Detail holds its counts.
const ActionReconcile = "reconcile"

const reconcileLong = `Đối chiếu một danh sách (số định danh, họ tên, ngày sinh, địa chỉ nếu có) với CSDL dân cư.
Kết quả chỉ ghi khớp/không khớp cho từng trường, không bao giờ ghi dữ liệu của CSDL:
  name, birth_date, address: match (khớp), tone_only (khớp, chỉ khác vị trí dấu thanh: Hoà/Hòa),
  diacritics_only (một bên viết không dấu, bỏ dấu thì khớp), mismatch (không khớp), old_address (địa chỉ cũ trước 2025 của
  cùng nơi), not_given (để trống), invalid (không đọc được)
  status: checked, deceased (đã mất), not_found, invalid_id, invalid_input, error (chưa đối chiếu được)
Cột đầu vào: id/so_dinh_danh, name/ho_ten, birth_date/ngay_sinh, address/dia_chi (tùy chọn).
Tệp vào: CSV (UTF-8, hoặc --encoding windows-1258, tcvn3, vni), JSON Lines, XLSX.
Tệp kết quả (--out): CSV hoặc JSON Lines. Chạy lại cùng lệnh thì tiếp tục từ bản ghi chưa đối chiếu
(--restart để làm lại từ đầu). Chỉ cán bộ giám sát được chạy; mỗi lần chạy được ghi nhật ký.
Mã thoát 3 khi có bản ghi chưa đối chiếu được do lỗi cổng dữ liệu.`

type reconcileOptions struct {
	in, out, encoding string
	workers           int
	rate              float64
	asJSON, restart   bool
}

func (a *app) reconcileCmd() *cobra.Command {
	var o reconcileOptions
	cmd := &cobra.Command{
		Use:     "reconcile",
		Short:   "Đối chiếu danh sách với CSDL dân cư (chỉ báo khớp/không khớp)",
		Long:    reconcileLong,
		Example: "  motcua reconcile --in danhsach.csv --out ketqua.csv\n  motcua reconcile --in ds.csv --encoding tcvn3 --out kq.jsonl --workers 8 --rate 20 --json",
		Args:    noArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return a.reconcileRun(cmd.Context(), o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.in, "in", "", "tệp danh sách cần đối chiếu (.csv, .jsonl, .xlsx), bắt buộc")
	f.StringVar(&o.out, "out", "", "tệp kết quả (.csv hoặc .jsonl); không có thì in ra màn hình")
	f.StringVar(&o.encoding, "encoding", "", "bảng mã của tệp CSV: utf-8 (mặc định), windows-1258, tcvn3, vni")
	f.IntVar(&o.workers, "workers", 4, "số lượt tra cứu đồng thời tới cổng dữ liệu (1-64)")
	f.Float64Var(&o.rate, "rate", 0, "số lượt tra cứu tối đa mỗi giây (mỗi lượt tới 1000 người); 0 = không giới hạn")
	f.BoolVar(&o.asJSON, "json", false, "in tổng kết dạng JSON")
	f.BoolVar(&o.restart, "restart", false, "bỏ kết quả đã có trong --out, đối chiếu lại từ đầu")
	return cmd
}

func (a *app) reconcileRun(ctx context.Context, o reconcileOptions) error {
	switch {
	case o.in == "":
		return usageErr("thiếu tệp danh sách: --in TỆP")
	case o.workers < 1 || o.workers > 64:
		return usageErr("--workers phải từ 1 đến 64")
	case o.rate < 0:
		return usageErr("--rate không được âm")
	case o.out != "" && reconcile.OutputFormat(o.out) == "":
		return usageErr("tệp kết quả phải có đuôi .csv, .jsonl hoặc .xlsx")
	case o.out != "" && filepath.Clean(o.out) == filepath.Clean(o.in):
		return usageErr("tệp kết quả không được trùng tệp danh sách")
	}
	if err := a.needGatewayConfig(); err != nil {
		return err
	}
	e, op, err := a.openAs(counter.ActReconcile)
	if err != nil {
		return err
	}
	defer e.Close()
	if e.gw == nil {
		return e.needGateway()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	sum, resumed, runErr := a.reconcileWith(ctx, o, e.gw, op.ID)
	if sum != nil {
		detail, outcome := reconcileAudit(sum, runErr)
		if err := e.office.LogAccess(op, offline.AccessEntry{Purpose: lookups.PurposeReconcile,
			Action: ActionReconcile, Outcome: outcome, Detail: detail}); err != nil && runErr == nil {
			runErr = failure("Không ghi được nhật ký truy cập; kết quả đối chiếu vẫn giữ nguyên.", err)
		}
		a.printReconcileSummary(o, sum, resumed)
	}
	if runErr != nil {
		return runErr
	}
	return reconcileExit(sum)
}

// reconcileExit is exit code 3 when some records could not be checked.
func reconcileExit(sum *reconcile.Summary) error {
	if n := sum.Unchecked(); n > 0 {
		return &exitError{code: exitPartial, msg: fmt.Sprintf("%d bản ghi chưa đối chiếu được do lỗi cổng dữ liệu (status=error). "+
			"Lọc các dòng đó thành danh sách mới rồi chạy lại khi cổng dữ liệu hoạt động.", n)}
	}
	return nil
}

// reconcileWith runs the reconciliation with look: it opens the input and
// the output (resuming after the records already there), streams, and
// returns the summary of this run and the number of records skipped.
func (a *app) reconcileWith(ctx context.Context, o reconcileOptions, look reconcile.BatchLooker, operator string) (*reconcile.Summary, int, error) {
	r, err := batchio.Open(o.in, batchio.Options{Encoding: o.encoding})
	if err != nil {
		var fe *batchio.FormatError
		switch {
		case errors.As(err, &fe):
			return nil, 0, &exitError{code: exitUsage, msg: "Tệp danh sách không đọc được: " + fe.Error(), err: err}
		case errors.Is(err, batchio.ErrUnsupported):
			return nil, 0, usageErr("không đọc được tệp %s: cần .csv, .jsonl hoặc .xlsx; bảng mã utf-8, windows-1258, tcvn3 hoặc vni", filepath.Base(o.in))
		}
		return nil, 0, &exitError{code: exitUsage, msg: "Tệp danh sách " + o.in + ": " + batchio.Explain(err), err: err}
	}
	defer r.Close()
	cols, err := reconcile.MapColumns(r.Header())
	if err != nil {
		return nil, 0, &exitError{code: exitUsage, msg: err.Error() + ". Xem: motcua reconcile --help"}
	}
	src := &reconcile.TableSource{R: r, Cols: cols}

	var out *reconcile.Output
	done := 0
	if o.out != "" {
		out, done, err = reconcile.OpenOutput(o.out, o.restart)
		if err != nil {
			if errors.Is(err, reconcile.ErrNotOurs) {
				return nil, 0, usageErr("tệp %s đã có và không phải kết quả đối chiếu; chọn tệp khác", o.out)
			}
			if errors.Is(err, reconcile.ErrNoResume) {
				return nil, 0, usageErr("tệp %s đã có: kết quả .xlsx không chạy tiếp được; dùng --restart, hoặc tệp .csv/.jsonl cho danh sách dài", o.out)
			}
			return nil, 0, failure("Tệp kết quả "+o.out+": "+batchio.Explain(err), err)
		}
		if err := reconcile.Skip(src, done); err != nil {
			out.Close()
			return nil, 0, failure("Tệp kết quả có nhiều bản ghi hơn danh sách: không phải của danh sách này. Dùng --restart hoặc tệp kết quả khác.", err)
		}
	} else {
		format := "csv"
		if o.asJSON {
			format = "jsonl"
		}
		if out, err = reconcile.NewOutput(a.stdout, format); err != nil {
			return nil, 0, failure("Không ghi được kết quả.", err)
		}
	}

	prog := newRecProgress(a.stderr, done)
	lastFlush := time.Now()
	sum, runErr := reconcile.Run(ctx, src, look, reconcile.Options{
		Meta:    lookups.CallMeta{Operator: operator, Purpose: lookups.PurposeReconcile},
		Workers: o.workers, Rate: o.rate,
		Progress: func(s *reconcile.Summary) {
			if time.Since(lastFlush) >= time.Second { // the checkpoint: what is on disk is done
				if err := out.Flush(); err == nil {
					lastFlush = time.Now()
				}
			}
			prog.tick(s.Records)
		},
	}, out.Write)
	prog.end(sum.Records)
	if err := out.Close(); err != nil && runErr == nil {
		runErr = failure("Không ghi được tệp kết quả.", err)
	}
	switch {
	case runErr == nil:
	case errors.Is(runErr, context.Canceled):
		runErr = failure("Đã dừng đối chiếu. Chạy lại cùng lệnh để tiếp tục từ bản ghi chưa đối chiếu.", runErr)
	default:
		var ee *exitError
		if !errors.As(runErr, &ee) {
			runErr = readErr("Đối chiếu bị dừng do lỗi đọc/ghi tệp: "+batchio.Explain(runErr)+" Sửa lỗi rồi chạy lại cùng lệnh để tiếp tục.", runErr)
		}
	}
	return sum, done, runErr
}

// reconcileAudit is the audit entry's Detail (counts, at most 64 bytes, no
// spaces) and Outcome.
func reconcileAudit(s *reconcile.Summary, err error) (detail, outcome string) {
	bad := s.Status[reconcile.StatusInvalidID] + s.Status[reconcile.StatusInvalidInput]
	detail = fmt.Sprintf("n=%d,ok=%d,nf=%d,dc=%d,iv=%d,er=%d", s.Records, s.Status[reconcile.StatusChecked],
		s.Status[reconcile.StatusNotFound], s.Status[reconcile.StatusDeceased], bad, s.Unchecked())
	if len(detail) > 64 {
		detail = fmt.Sprintf("n=%d,er=%d", s.Records, s.Unchecked())
	}
	switch {
	case err != nil:
		outcome = "error"
	case s.Unchecked() > 0:
		outcome = "partial"
	default:
		outcome = "ok"
	}
	return detail, outcome
}

var recVerdictNames = []struct{ code, label string }{
	{reconcile.Match, "khớp"},
	{reconcile.ToneOnly, "khớp (chỉ khác vị trí dấu thanh)"},
	{reconcile.DiacriticsOnly, "một bên viết không dấu"},
	{reconcile.OldAddress, "địa chỉ cũ trước 2025 của cùng nơi"},
	{reconcile.Mismatch, "không khớp"},
	{reconcile.Invalid, "không đọc được"},
	{reconcile.NotGiven, "để trống"},
}

func (a *app) printReconcileSummary(o reconcileOptions, s *reconcile.Summary, resumed int) {
	w := a.stdout
	if o.out == "" { // the results are on stdout
		w = a.stderr
	}
	if o.asJSON {
		enc := newJSONEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(struct { // the summary goes to a terminal or a pipe: nothing to do if it fails
			*reconcile.Summary
			Resumed   int    `json:"resumed"`
			Unchecked int    `json:"unchecked"`
			Out       string `json:"out,omitempty"`
		}{s, resumed, s.Unchecked(), o.out})
		return
	}
	if resumed > 0 {
		fmt.Fprintf(w, "Tiếp tục sau %d bản ghi đã có trong %s.\n", resumed, o.out)
	}
	fmt.Fprintf(w, "Đã xử lý %d bản ghi:\n", s.Records)
	for _, st := range []struct{ code, label string }{
		{reconcile.StatusChecked, "Đã đối chiếu"},
		{reconcile.StatusDeceased, "Đã đối chiếu, CSDL ghi đã mất"},
		{reconcile.StatusNotFound, "Không tìm thấy trong CSDL"},
		{reconcile.StatusInvalidID, "Số định danh không hợp lệ"},
		{reconcile.StatusInvalidInput, "Dòng sai định dạng"},
		{reconcile.StatusError, "Chưa đối chiếu được (lỗi cổng dữ liệu)"},
	} {
		fmt.Fprintf(w, "  %-40s %d\n", st.label+":", s.Status[st.code])
	}
	for _, f := range []struct{ key, label string }{{"name", "Họ tên"}, {"birth_date", "Ngày sinh"}, {"address", "Địa chỉ"}} {
		line := ""
		for _, v := range recVerdictNames {
			if n := s.Fields[f.key][v.code]; n > 0 {
				if line != "" {
					line += "; "
				}
				line += fmt.Sprintf("%s %d", v.label, n)
			}
		}
		if line == "" {
			line = "—"
		}
		fmt.Fprintf(w, "%s: %s\n", f.label, line)
	}
	if o.out != "" {
		fmt.Fprintf(w, "Kết quả: %s\n", o.out)
	}
}

// recProgress shows the progress: one line redrawn on a terminal, a plain
// line every 10 seconds otherwise (logs, pipes).
type recProgress struct {
	w        io.Writer
	tty      bool
	start    time.Time
	last     time.Time
	base     int
	shownAny bool
}

func newRecProgress(w io.Writer, skipped int) *recProgress {
	f, ok := w.(*os.File)
	return &recProgress{w: w, tty: ok && term.IsTerminal(f.Fd()), start: time.Now(), last: time.Now(), base: skipped}
}

func (p *recProgress) tick(n int) {
	every := 10 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	if time.Since(p.last) < every {
		return
	}
	p.last = time.Now()
	p.show(n)
}

func (p *recProgress) show(n int) {
	rate := float64(n) / max(time.Since(p.start).Seconds(), 1e-3)
	msg := fmt.Sprintf("Đối chiếu: %d bản ghi (%.0f bản ghi/giây)", p.base+n, rate)
	if p.tty {
		fmt.Fprintf(p.w, "\r%s\x1b[K", msg)
	} else {
		fmt.Fprintln(p.w, msg)
	}
	p.shownAny = true
}

func (p *recProgress) end(n int) {
	if p.tty && p.shownAny {
		p.show(n)
		fmt.Fprintln(p.w)
	}
}
