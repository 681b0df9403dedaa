package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"motcua/internal/counter"
	"motcua/offline"
)

// The print queue from the command line: the documents that did not print (a receipt, a
// slip, a control sheet, ...) wait there and print by themselves while the counter screen
// runs; `print queue` lists them and `print retry` prints them without it (a command's
// receipt when no counter screen runs on this machine). The rights are the use case's
// (counter.ActPrintRetry).

func init() { register((*app).printCmd) }

func (a *app) printCmd() *cobra.Command {
	cmd := groupCmd("print", "Hàng đợi in: giấy tờ chưa in được (máy in tắt, hết giấy), in lại khi máy in hoạt động")
	cmd.AddCommand(a.printQueueCmd(), a.printRetryCmd())
	return cmd
}

// printRow is one line of `print queue --json`: no personal data.
type printRow struct {
	Kind        string    `json:"kind"`
	Label       string    `json:"label"` // Vietnamese
	Code        string    `json:"code"`
	Pending     bool      `json:"pending,omitempty"` // a reception's, not tried yet (its run was cut short)
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"nextAttempt,omitzero"`
	LastError   string    `json:"lastError,omitempty"` // English
	Since       time.Time `json:"since"`
}

// printKindLabel names a print job's document for the operator.
func printKindLabel(kind string) string {
	switch kind {
	case offline.PrintReceipt:
		return "Giấy biên nhận"
	case offline.PrintSlip:
		return "Phiếu yêu cầu bổ sung / từ chối (Mẫu 02, 03)"
	case offline.PrintControlSheet:
		return "Phiếu kiểm soát (Mẫu 06)"
	case offline.PrintHandover:
		return "Phiếu bàn giao kết quả"
	case offline.PrintApology:
		return "Văn bản xin lỗi (Mẫu 04)"
	case offline.PrintCertificate:
		return "Lời chứng bản sao"
	case offline.PrintCertFee:
		return "Biên lai phí chứng thực"
	case offline.PrintFeeReceipt:
		return "Biên lai thu phí, lệ phí"
	}
	return kind
}

// printFailure is what a command says of a document that did not print: why, and, when it
// waits in the print queue (counter.ErrPrintQueued), that it prints by itself.
func printFailure(what string, err error) string {
	if errors.Is(err, counter.ErrPrintQueued) {
		return what + " chưa in được (đã lưu, sẽ tự in khi máy in hoạt động lại; in ngay: motcua print retry --now): " + counter.Explain(err)
	}
	return what + " chưa in được: " + counter.Explain(err)
}

func (a *app) printQueueCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "queue",
		Short: "Liệt kê giấy tờ đang chờ in lại (loại, mã, số lần in, lần in tiếp, lỗi)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, op, err := a.openReceiving(counter.ActPrintRetry)
			if err != nil {
				return err
			}
			defer e.Close()
			list, err := e.svc.PrintQueue(op)
			if err != nil {
				return refusal(err, counter.Explain(err))
			}
			rows := make([]printRow, 0, len(list))
			for _, j := range list {
				r := printRow{Kind: j.Kind, Label: printKindLabel(j.Kind), Code: j.Code, Pending: j.Pending, Attempts: j.Attempts,
					LastError: j.LastError, Since: j.Since}
				if !j.Pending {
					r.NextAttempt = j.NextAt
				}
				rows = append(rows, r)
			}
			loc := e.cfg.Location()
			return printList(a.stdout, asJSON, rows, "Không có giấy tờ nào chờ in.", "LOẠI\tMÃ\tSỐ LẦN IN\tIN LẠI LÚC", func(r printRow) string {
				next := "chưa in (lệnh tiếp nhận bị ngắt: chạy lại lệnh đó, hoặc sau 10 phút tự in lại)"
				if !r.Pending {
					next = r.NextAttempt.In(loc).Format("15:04:05 02/01/2006")
				}
				return fmt.Sprintf("%s\t%s\t%d\t%s", r.Label, r.Code, r.Attempts, next)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "in dạng JSON")
	return cmd
}

// printRetryResult is the --json output of `print retry`.
type printRetryResult struct {
	Printed int `json:"printed"`
	Waiting int `json:"waiting"`
}

func (a *app) printRetryCmd() *cobra.Command {
	var asJSON, now bool
	cmd := &cobra.Command{
		Use:   "retry",
		Short: "In lại các giấy tờ đang chờ in (đến lượt; --now: tất cả)",
		Long: `In lại các giấy tờ chưa in được đã đến lượt in lại (chờ tăng dần sau mỗi lần lỗi); --now in ngay tất
cả, khi máy in đã hoạt động lại. Mỗi giấy tờ in xong một lần thì ra khỏi hàng đợi: không in hai lần.
Màn hình quầy cũng tự in lại khi đang chạy.

Mã thoát: 0 không còn giấy tờ chờ in, 1 lỗi, 3 còn giấy tờ chưa in được (xem motcua print queue).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, op, err := a.openReceiving(counter.ActPrintRetry)
			if err != nil {
				return err
			}
			defer e.Close()
			printed, waiting, err := e.svc.RetryPrintsWith(cmd.Context(), op, counter.RetryOptions{Now: now})
			if err != nil {
				return refusal(err, counter.Explain(err))
			}
			if asJSON {
				if err := newJSONEncoder(a.stdout).Encode(printRetryResult{Printed: printed, Waiting: waiting}); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(a.stdout, "Đã in: %d. Còn chờ in: %d.\n", printed, waiting)
			}
			if waiting > 0 {
				return &exitError{code: exitPartial, msg: fmt.Sprintf("còn %d giấy tờ chưa in được (xem motcua print queue)", waiting)}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "in kết quả dạng JSON")
	cmd.Flags().BoolVar(&now, "now", false, "in ngay cả giấy tờ chưa đến lượt in lại")
	return cmd
}
