package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"motcua/forms"
	"motcua/internal/counter"
	"motcua/offline"
	"motcua/printing"
)

// Receipts are kept (sealed) in the store for reprints.

func init() { register((*app).receiptCmd) }

func (a *app) receiptCmd() *cobra.Command {
	cmd := groupCmd("receipt", "Giấy biên nhận đã lưu: in lại")
	var out string
	reprint := &cobra.Command{
		Use:   "reprint CODE",
		Short: "In lại giấy biên nhận của một hồ sơ (ra máy in đã cấu hình, hoặc --out FILE)",
		Args:  exactArgs(1, "mã hồ sơ"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := a.operatorID(); err != nil {
				return err
			}
			e, op, err := a.openAs(counter.ActReceiptPrint)
			if err != nil {
				return err
			}
			defer e.Close()
			code := args[0]
			pdf, err := e.office.ReceiptPDF(op, code)
			if err != nil {
				return refusal(err, "Không có giấy biên nhận của hồ sơ "+code+" trên máy này.")
			}
			if out != "" {
				if err := os.WriteFile(out, pdf, 0o600); err != nil {
					return failure("Không ghi được tệp "+out+".", err)
				}
				fmt.Fprintf(a.stdout, "Đã ghi giấy biên nhận vào %s.\n", out)
				return nil
			}
			job := printing.Job{DossierCode: code, PDF: pdf}
			if r, ok := e.receiptOf(code); ok {
				job.Receipt = &r // a thermal printer lays the receipt out itself
			}
			if err := e.printer.Print(cmd.Context(), job); err != nil {
				return failure("Không in được giấy biên nhận; đã lưu, thử lại sau.", err)
			}
			where := e.printer.Name()
			if e.printer == printing.Printer(e.files) {
				where = e.files.Path(code)
			}
			fmt.Fprintf(a.stdout, "Đã in lại giấy biên nhận: %s\n", where)
			return nil
		},
	}
	reprint.Flags().StringVar(&out, "out", "", "ghi bản PDF vào tệp này thay vì gửi máy in")
	cmd.AddCommand(reprint, a.feeReceiptCmd())
	return cmd
}

// feeReceiptCmd prints the fee receipt (biên lai thu phí, lệ phí) of a stored dossier.
func (a *app) feeReceiptCmd() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "fee CODE",
		Short: "In biên lai thu phí, lệ phí của một hồ sơ (ra máy in đã cấu hình, hoặc --out FILE)",
		Args:  exactArgs(1, "mã hồ sơ"),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, op, err := a.openReceiving(counter.ActReceiptPrint)
			if err != nil {
				return err
			}
			defer e.Close()
			code := args[0]
			if out != "" {
				fr, err := e.svc.DossierFeeReceipt(op, code)
				if err != nil {
					return refusal(err, counter.Explain(err))
				}
				pdf, err := printing.RenderFeeReceiptBytes(fr, printing.Options{Size: e.cfg.Printer.Size})
				if err != nil {
					return failure(counter.Explain(err), err)
				}
				if err := os.WriteFile(out, pdf, 0o600); err != nil {
					return failure("Không ghi được tệp "+out+".", err)
				}
				fmt.Fprintf(a.stdout, "Đã ghi biên lai thu phí, lệ phí vào %s.\n", out)
				return nil
			}
			if _, err := e.svc.PrintDossierFeeReceipt(cmd.Context(), op, code); err != nil {
				var perr *printing.Error
				if errors.Is(err, counter.ErrPrintQueued) || errors.As(err, &perr) {
					return failure(printFailure("Biên lai thu phí, lệ phí của hồ sơ "+code, err), err)
				}
				return refusal(err, counter.Explain(err))
			}
			fmt.Fprintf(a.stdout, "Đã in biên lai thu phí, lệ phí của hồ sơ %s.\n", code)
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "ghi bản PDF vào tệp này thay vì gửi máy in")
	return c
}

// receiptOf rebuilds the receipt content of a stored dossier.
func (e *env) receiptOf(code string) (printing.Receipt, bool) {
	if e.svc == nil {
		return printing.Receipt{}, false
	}
	var blob []byte
	if err := e.store.View(func(tx *offline.Tx) error {
		var err error
		blob, _, err = tx.GetDossier(code)
		return err
	}); err != nil {
		return printing.Receipt{}, false
	}
	var d forms.Dossier
	if json.Unmarshal(blob, &d) != nil {
		return printing.Receipt{}, false
	}
	return e.svc.Receipt(&d, d.Operator), true
}
