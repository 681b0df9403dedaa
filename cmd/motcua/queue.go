package main

import (
	"fmt"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"motcua/internal/counter"
	"motcua/offline"
)

func init() { register(func(a *app) *cobra.Command { return a.queueCmd() }) }

func (a *app) queueCmd() *cobra.Command {
	cmd := groupCmd("queue", "Hàng đợi gửi hồ sơ lên hệ thống (hồ sơ đã tiếp nhận, chưa gửi được)")
	cmd.Long = `Mỗi hồ sơ được lưu cùng một mục trong hàng đợi gửi ngay khi tiếp nhận. Hồ sơ chưa gửi được
(mất kết nối, cổng dữ liệu lỗi) được gửi lại sau, luôn với cùng một khóa chống gửi trùng; hồ sơ bị cổng
dữ liệu từ chối được để riêng kèm lý do, không gửi lại.`
	cmd.AddCommand(a.queueListCmd(), a.queueSyncCmd())
	return cmd
}

// queueRow is one line of `queue list --json`: no personal data.
type queueRow struct {
	Code        string    `json:"code"`
	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"nextAttempt,omitzero"`
	Reason      string    `json:"reason,omitempty"`  // the gateway's error code (rejected)
	Message     string    `json:"message,omitempty"` // why: the Vietnamese message of the refusal, or of the last failed attempt
	LastError   string    `json:"lastError,omitempty"`
	EnqueuedAt  time.Time `json:"enqueuedAt"`
	SentAt      time.Time `json:"sentAt,omitzero"`
}

func queueStateLabel(s offline.OutboxState) string {
	switch s {
	case offline.OutboxPending:
		return "chờ gửi"
	case offline.OutboxSending:
		return "đang gửi"
	case offline.OutboxSent:
		return "đã gửi"
	case offline.OutboxRejected:
		return "bị từ chối"
	}
	return string(s)
}

func (a *app) queueListCmd() *cobra.Command {
	var (
		asJSON bool
		states []string
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Liệt kê hàng đợi gửi (mã hồ sơ, trạng thái, số lần gửi, lần gửi tiếp, lý do)",
		Long: `Liệt kê hàng đợi gửi: mã hồ sơ, trạng thái (chờ gửi, đang gửi, đã gửi, bị từ chối), số lần đã
gửi, thời điểm gửi lại và lý do (vì sao bị từ chối, hoặc vì sao lần gửi trước chưa được). Không có dữ
liệu cá nhân. Hồ sơ đã gửi được giữ trong danh sách 7 ngày.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var want []offline.OutboxState
			for _, s := range states {
				st := offline.OutboxState(strings.TrimSpace(s))
				switch st {
				case offline.OutboxPending, offline.OutboxSending, offline.OutboxSent, offline.OutboxRejected:
					want = append(want, st)
				default:
					return usageErr("trạng thái %q không có (pending, sending, sent, rejected)", s)
				}
			}
			e, op, err := a.openAs(counter.ActQueueList)
			if err != nil {
				return err
			}
			defer e.Close()
			list, err := e.office.Outbox(op, want...)
			if err != nil {
				return refusal(err, offline.ClerkMessage(err))
			}
			rows := make([]queueRow, 0, len(list))
			for _, x := range list {
				r := queueRow{Code: x.Code, State: string(x.State), Attempts: x.Attempts, Reason: x.Reason, Message: x.Message,
					LastError: x.LastError, EnqueuedAt: x.EnqueuedAt, SentAt: x.SentAt}
				switch x.State {
				case offline.OutboxPending:
					r.NextAttempt = x.NextAttempt
				case offline.OutboxSending:
					r.NextAttempt = x.LeaseUntil
				}
				rows = append(rows, r)
			}
			loc := e.cfg.Location()
			return printList(a.stdout, asJSON, rows, "Hàng đợi gửi trống.", "MÃ HỒ SƠ\tTRẠNG THÁI\tSỐ LẦN GỬI\tGỬI LẠI LÚC\tLÝ DO", func(r queueRow) string {
				next := ""
				if !r.NextAttempt.IsZero() {
					next = r.NextAttempt.In(loc).Format("15:04:05 02/01/2006")
				}
				reason := r.Message
				if r.Reason != "" {
					reason = r.Message + " (" + r.Reason + ")"
				}
				return fmt.Sprintf("%s\t%s\t%d\t%s\t%s", r.Code, queueStateLabel(offline.OutboxState(r.State)), r.Attempts, next, reason)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "in dạng JSON")
	cmd.Flags().StringSliceVar(&states, "state", nil, "chỉ các trạng thái này (pending, sending, sent, rejected)")
	return cmd
}

func (a *app) queueSyncCmd() *cobra.Command {
	var (
		asJSON, watch, now bool
		every              time.Duration
		limit              int
	)
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Gửi các hồ sơ đang chờ lên hệ thống",
		Long: `Gửi các hồ sơ đến lượt trong hàng đợi (mỗi hồ sơ với khóa chống gửi trùng của nó, nên gửi lại
không bao giờ tạo hồ sơ trùng). Nhiều lệnh cùng chạy, hoặc cùng màn hình quầy, vẫn gửi mỗi hồ sơ một lần.
Hồ sơ gửi lỗi được hẹn gửi lại sau (chờ tăng dần); --now gửi ngay cả các hồ sơ đang chờ đến lượt.
Với --watch: gửi lặp lại mỗi --every cho đến khi dừng (Ctrl+C).

Mã thoát: 0 mọi hồ sơ đã gửi xong, 1 lỗi, 3 còn hồ sơ chưa gửi được hoặc vừa bị từ chối.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 0 || every < 0 {
				return usageErr("--limit và --every không được âm")
			}
			if err := a.needGatewayConfig(); err != nil {
				return err
			}
			e, _, err := a.openAs(counter.ActQueueSync)
			if err != nil {
				return err
			}
			defer e.Close()
			if err := e.needGateway(); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			if watch {
				if every == 0 {
					every = 30 * time.Second
				}
				_ = e.svc.RunSyncNotify(ctx, every, func(rep counter.DrainReport, err error) {
					if err != nil {
						fmt.Fprintln(a.stderr, "motcua:", offline.ClerkMessage(err))
						return
					}
					if len(rep.Sent)+len(rep.Retry)+len(rep.Rejected) > 0 || asJSON || rep.AuditRollback {
						a.printDrain(rep, asJSON, e.cfg.Location())
					}
				})
				return nil
			}
			rep, err := e.svc.DrainWith(ctx, counter.DrainOptions{Limit: limit, IgnoreBackoff: now})
			if err != nil {
				return refusal(err, offline.ClerkMessage(err))
			}
			a.printDrain(rep, asJSON, e.cfg.Location())
			if len(rep.Rejected) > 0 || rep.Waiting > 0 {
				return &exitError{code: exitPartial, msg: fmt.Sprintf("còn %d hồ sơ chưa gửi được, %d hồ sơ bị từ chối (xem motcua queue list)",
					rep.Waiting, len(rep.Rejected))}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "in kết quả dạng JSON (một dòng mỗi lượt)")
	f.BoolVar(&watch, "watch", false, "gửi lặp lại cho đến khi dừng")
	f.BoolVar(&now, "now", false, "gửi ngay cả hồ sơ chưa đến lượt gửi lại")
	f.DurationVar(&every, "every", 30*time.Second, "khoảng cách giữa hai lượt gửi với --watch")
	f.IntVar(&limit, "limit", 0, "gửi tối đa bấy nhiêu hồ sơ (0: tất cả)")
	return cmd
}

func (a *app) printDrain(rep counter.DrainReport, asJSON bool, loc *time.Location) {
	if asJSON {
		if rep.Sent == nil {
			rep.Sent = []string{}
		}
		if rep.Retry == nil {
			rep.Retry = []string{}
		}
		if rep.Rejected == nil {
			rep.Rejected = []string{}
		}
		_ = newJSONEncoder(a.stdout).Encode(rep)
		return
	}
	fmt.Fprintf(a.stdout, "Đã gửi: %d. Gửi lỗi, sẽ gửi lại: %d. Bị từ chối: %d. Còn chờ gửi: %d.\n",
		len(rep.Sent), len(rep.Retry), len(rep.Rejected), rep.Waiting)
	for _, c := range rep.Rejected {
		fmt.Fprintf(a.stdout, "  bị từ chối: %s (lý do: motcua queue list --state rejected)\n", c)
	}
	if rep.LinkDown {
		fmt.Fprintln(a.stdout, "Mất kết nối cổng dữ liệu: dừng gửi, sẽ thử lại sau.")
	}
	if rep.Waiting > 0 && !rep.NextAttempt.IsZero() {
		fmt.Fprintf(a.stdout, "Lượt gửi lại tiếp theo: %s.\n", rep.NextAttempt.In(loc).Format("15:04:05 02/01/2006"))
	}
	if rep.AuditRollback {
		fmt.Fprintln(a.stderr, "CẢNH BÁO: "+offline.ClerkMessage(offline.ErrAuditRollback)+" Kiểm tra: motcua audit verify")
	}
}
