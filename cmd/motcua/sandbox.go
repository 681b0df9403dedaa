package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"motcua/lookups/sandbox"
)

func (a *app) sandboxCmd() *cobra.Command {
	cmd := groupCmd("sandbox", "Cổng dữ liệu dân cư giả lập (dữ liệu tổng hợp) cho demo, thử nghiệm và đào tạo")
	var (
		addr, token, storePath, faultsJSON, workflowJSON string
		seed                                             uint64
		size                                             int
	)
	serve := &cobra.Command{
		Use:   "serve",
		Short: "Chạy cổng giả lập như một tiến trình riêng (dừng bằng Ctrl+C)",
		Long: `Chạy cổng dữ liệu dân cư giả lập theo hợp đồng lookups/gateway/openapi.yaml: tra cứu công dân,
nhận hồ sơ (chống gửi trùng theo Idempotency-Key), tra trạng thái hồ sơ; đóng vai các cơ quan giải quyết
(chuyển hồ sơ qua các bước theo lịch tất định, --workflow) và sinh hồ sơ của các quầy khác. Mọi công dân là người tổng hợp,
sinh tất định từ hạt giống (--seed); không có dữ liệu của người thật.`,
		Example: "  motcua sandbox serve --addr 127.0.0.1:8700 --store hoso.jsonl --faults '{\"loseRate\":0.1}'\n  MOTCUA_GATEWAY_URL=http://127.0.0.1:8700 motcua lookup --operator cb01 <ID>",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pop := sandbox.Default()
			if cmd.Flags().Changed("seed") || cmd.Flags().Changed("size") {
				if size < 1 {
					return usageErr("--size phải lớn hơn 0")
				}
				pop = sandbox.New(seed, size)
			}
			var faults sandbox.Faults
			if faultsJSON != "" {
				if err := json.Unmarshal([]byte(faultsJSON), &faults); err != nil {
					return usageErr("--faults không hợp lệ: %v", err)
				}
			}
			wf := sandbox.SeededWorkflow
			if workflowJSON != "" {
				wf = sandbox.Workflow{}
				if err := json.Unmarshal([]byte(workflowJSON), &wf); err != nil {
					return usageErr("--workflow không hợp lệ: %v", err)
				}
				if err := wf.Validate(); err != nil {
					return usageErr("--workflow không hợp lệ: %v", err)
				}
			}
			srv, err := sandbox.Open(pop, sandbox.Options{Token: token, StorePath: storePath, Faults: faults, Workflow: &wf})
			if err != nil {
				return failure("Không mở được cổng giả lập (tệp lưu hồ sơ "+storePath+" hoặc --faults).", err)
			}
			defer srv.Close()
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			fmt.Fprintf(a.stderr, "Cổng giả lập: http://%s (%d công dân tổng hợp, hạt giống %d). Ctrl+C để dừng.\n", addr, pop.Size(), pop.Seed())
			err = sandbox.ListenAndServe(ctx, addr, srv)
			if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, context.Canceled) {
				return failure("Không chạy được cổng giả lập trên "+addr+".", err)
			}
			return nil
		},
	}
	f := serve.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8700", "địa chỉ lắng nghe (chỉ nên dùng loopback)")
	f.StringVar(&token, "token", "", "bắt buộc Authorization: Bearer TOKEN")
	f.Uint64Var(&seed, "seed", sandbox.DefaultSeed, "hạt giống sinh dữ liệu")
	f.IntVar(&size, "size", sandbox.DefaultSize, "số công dân")
	f.StringVar(&storePath, "store", "", "tệp lưu các hồ sơ đã nhận (JSON lines, ghi bền trước khi trả lời): khởi động lại vẫn chống gửi trùng; mốc nhật ký các quầy gửi lên nằm trong tệp <tệp>.heads")
	f.StringVar(&faultsJSON, "faults", "", `lỗi giả lập từ đầu, JSON như PUT /_sandbox/faults, ví dụ '{"errorRate":0.2,"latency":"200ms"}'`)
	f.StringVar(&workflowJSON, "workflow", "", `cách các cơ quan giả lập giải quyết hồ sơ, JSON như PUT /_sandbox/workflow, ví dụ '{"span":"2m","onTime":0.8,"late":0.2,"others":12,"otherDays":60}' (mặc định: phần lớn đúng hạn, một số sớm, trễ, cần bổ sung, dừng; thời gian thật; hồ sơ các quầy khác 60 ngày)`)
	var asJSON bool
	persons := &cobra.Command{
		Use:   "persons",
		Short: "Liệt kê các công dân tổng hợp dùng để thử (số định danh, họ tên, đặc điểm)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			type row struct {
				ID   string `json:"id"`
				Name string `json:"name"`
				Kind string `json:"kind"`
				Note string `json:"note"`
			}
			var rows []row
			pop := sandbox.Default()
			for _, f := range sandbox.Featured() {
				r, ok := pop.Resident(f.ID)
				if !ok {
					continue
				}
				rows = append(rows, row{f.ID, r.Citizen.FullName, f.Kind, f.Note})
			}
			if asJSON {
				return newJSONEncoder(a.stdout).Encode(rows)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "SỐ ĐỊNH DANH\tHỌ TÊN\tĐẶC ĐIỂM")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Name, r.Note)
			}
			return tw.Flush()
		},
	}
	persons.Flags().BoolVar(&asJSON, "json", false, "in dạng JSON")
	cmd.AddCommand(serve, persons)
	return cmd
}
