package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"motcua/internal/counter"
	"motcua/internal/reports"
	"motcua/lookups"
)

// The leadership's reports (issue 15): the figures of a period over the whole ward, shown or
// exported. Supervisor only (counter.ActReport, checked by the use case).

func init() { register((*app).reportCmd) }

func (a *app) reportCmd() *cobra.Command {
	cmd := groupCmd("report", "Báo cáo thống kê cho lãnh đạo phường (chỉ cán bộ giám sát)")
	var from, to, out string
	var asJSON, local bool
	period := func() (reports.Period, *env, counter.Operator, error) {
		if from == "" || to == "" {
			return reports.Period{}, nil, counter.Operator{}, usageErr("cần --from DD/MM/YYYY và --to DD/MM/YYYY")
		}
		df, err := lookups.ParseDate(from)
		if err != nil {
			return reports.Period{}, nil, counter.Operator{}, usageErr("--from %q: ngày phải dạng DD/MM/YYYY", from)
		}
		dt, err := lookups.ParseDate(to)
		if err != nil {
			return reports.Period{}, nil, counter.Operator{}, usageErr("--to %q: ngày phải dạng DD/MM/YYYY", to)
		}
		if dt.Before(df) {
			return reports.Period{}, nil, counter.Operator{}, usageErr("--to phải từ ngày --from trở đi")
		}
		e, op, err := a.openAs(counter.ActReport)
		if err != nil {
			return reports.Period{}, nil, op, err
		}
		if err := e.needGateway(); err != nil {
			e.Close()
			return reports.Period{}, nil, op, err
		}
		p := reports.Days(df, dt, e.cfg.Location())
		if p.To.Sub(p.From).Hours() > 24*reports.MaxDays+1 {
			e.Close()
			return reports.Period{}, nil, op, usageErr("kỳ báo cáo dài quá %d ngày: chọn kỳ ngắn hơn", reports.MaxDays)
		}
		return p, e, op, nil
	}
	compute := func(cmd *cobra.Command) (*reports.Report, *env, error) {
		p, e, op, err := period()
		if err != nil {
			return nil, nil, err
		}
		r, err := reports.Compute(cmd.Context(), e.svc, op, p, reports.Options{Refresh: !local})
		if err != nil {
			e.Close()
			return nil, nil, lifeError(err)
		}
		if r.Offline {
			fmt.Fprintln(a.stderr, "Không kết nối được cổng: số liệu các quầy khác lấy theo danh sách đã đồng bộ trên máy.")
		}
		return r, e, nil
	}
	show := &cobra.Command{
		Use:   "show --from DD/MM/YYYY --to DD/MM/YYYY [--json]",
		Short: "Xem báo cáo thống kê của một khoảng ngày",
		Long: `Báo cáo các hồ sơ của toàn phường (tiếp nhận tại máy này và danh sách các quầy khác lấy từ cổng) từ ngày
--from đến hết ngày --to: tiếp nhận theo thủ tục và hình thức; giải quyết trước hạn, đúng hạn, quá hạn; đang giải quyết
trong hạn, quá hạn; yêu cầu bổ sung, từ chối, dừng, rút; mức độ hài lòng; lượt tra cứu CSDL dân cư theo mục đích và
cán bộ; chỉ tiêu Đề án 06; thời gian tại quầy. Trước khi tính, lệnh đồng bộ danh sách hồ sơ của phường (--local: không
đồng bộ). Chỉ cán bộ giám sát được xem.`,
		Example: "  motcua report show --from 01/11/2026 --to 30/11/2026\n  motcua report show --from 01/11/2026 --to 30/11/2026 --json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, e, err := compute(cmd)
			if err != nil {
				return err
			}
			defer e.Close()
			if asJSON {
				return reports.WriteJSON(a.stdout, r)
			}
			return reports.WriteText(a.stdout, r)
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "in ra JSON")
	export := &cobra.Command{
		Use:   "export --from DD/MM/YYYY --to DD/MM/YYYY --out F.xlsx|F.pdf",
		Short: "Xuất báo cáo thống kê ra tệp XLSX (bảng và biểu đồ Excel) hoặc PDF khổ A4",
		Long: `Xuất báo cáo của kỳ ra tệp: định dạng theo đuôi tệp, .xlsx (mỗi bảng một trang tính, kèm biểu đồ Excel) hoặc
.pdf (khổ A4, kèm biểu đồ cột). Tệp ra chỉ chủ sở hữu đọc được; báo cáo không có dữ liệu cá nhân của công dân.
Chỉ cán bộ giám sát được xuất.`,
		Example: "  motcua report export --from 01/11/2026 --to 30/11/2026 --out bao-cao-thang-11.xlsx\n  motcua report export --from 01/11/2026 --to 30/11/2026 --out bao-cao-thang-11.pdf",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageErr("cần --out TỆP.xlsx hoặc TỆP.pdf")
			}
			if _, err := reports.FormatOf(out); err != nil {
				return usageErr("--out %q: chỉ xuất được tệp %s", out, strings.Join(reports.Formats, " hoặc "))
			}
			r, e, err := compute(cmd)
			if err != nil {
				return err
			}
			defer e.Close()
			if err := reports.Export(out, r, e.svc.Agency()); err != nil {
				if errors.Is(err, reports.ErrFormat) {
					return usageErr("--out %q: chỉ xuất được tệp %s", out, strings.Join(reports.Formats, " hoặc "))
				}
				return failure("Không ghi được tệp "+out+".", err)
			}
			fmt.Fprintf(a.stdout, "Đã xuất báo cáo %s vào %s.\n", strings.ToLower(reports.PeriodLabel(r)[:1])+reports.PeriodLabel(r)[1:], out)
			return nil
		},
	}
	export.Flags().StringVar(&out, "out", "", "tệp ra: .xlsx hoặc .pdf")
	for _, c := range []*cobra.Command{show, export} {
		fl := c.Flags()
		fl.StringVar(&from, "from", "", "từ ngày DD/MM/YYYY")
		fl.StringVar(&to, "to", "", "đến hết ngày DD/MM/YYYY")
		fl.BoolVar(&local, "local", false, "không đồng bộ danh sách hồ sơ của phường trước khi tính")
	}
	cmd.AddCommand(show, export)
	return cmd
}
