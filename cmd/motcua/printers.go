package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	wire "motcua/internal/app"
	"motcua/internal/config"
	"motcua/printing"
)

func init() { register((*app).printersCmd) }

func (a *app) printersCmd() *cobra.Command {
	cmd := groupCmd("printers", "Máy in biên nhận: xem máy đã cấu hình và tình trạng, in trang thử")
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "Máy in đã cấu hình (và thư mục PDF dự phòng), có kết nối được không",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, d, err := a.loadConfig()
			if err != nil {
				return err
			}
			if d != nil {
				defer d.Close()
			}
			type row struct {
				Role   string `json:"role"`
				Kind   string `json:"kind"`
				Name   string `json:"name"`
				Ready  bool   `json:"ready"`
				Status string `json:"status"`
			}
			files := printing.NewFilePrinter(receiptsDir(cfg.Printer.Dir, cfg.DataDir))
			p, err := newPrinter(cfg, files)
			if err != nil {
				return &exitError{code: exitUsage, msg: "Cấu hình máy in không hợp lệ: " + err.Error(), err: err}
			}
			check := func(role, kind string, p printing.Printer) row {
				ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
				defer cancel()
				r := row{Role: role, Kind: kind, Name: p.Name(), Ready: true, Status: "sẵn sàng"}
				if err := p.Status(ctx); err != nil {
					r.Ready, r.Status = false, printerMessage(err)
				}
				return r
			}
			rows := []row{check("máy in biên nhận", cfg.Printer.Kind, p)}
			if cfg.Printer.Kind != "file" {
				rows = append(rows, check("thư mục PDF (in lại --out, dự phòng)", "file", files))
			}
			if asJSON {
				return newJSONEncoder(a.stdout).Encode(rows)
			}
			for _, r := range rows {
				mark := "●"
				if !r.Ready {
					mark = "✗"
				}
				fmt.Fprintf(a.stdout, "%s %-36s %-7s %s — %s\n", mark, r.Role, r.Kind, r.Name, r.Status)
			}
			for _, r := range rows {
				if !r.Ready {
					return &exitError{code: exitFailure, msg: "Có máy in chưa sẵn sàng."}
				}
			}
			return nil
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "in dạng JSON")
	test := &cobra.Command{
		Use:   "test [NAME]",
		Short: "In một trang thử (giấy biên nhận mẫu, dữ liệu giả) ra máy in đã cấu hình (NAME: tên máy in, hoặc \"file\" cho thư mục PDF)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, d, err := a.loadConfig()
			if err != nil {
				return err
			}
			if d != nil {
				defer d.Close()
			}
			files := printing.NewFilePrinter(receiptsDir(cfg.Printer.Dir, cfg.DataDir))
			p, err := newPrinter(cfg, files)
			if err != nil {
				return &exitError{code: exitUsage, msg: "Cấu hình máy in không hợp lệ: " + err.Error(), err: err}
			}
			if len(args) == 1 {
				switch args[0] {
				case p.Name(), cfg.Printer.Name:
				case "file":
					p = files
				default:
					return usageErr("không có máy in %q (xem motcua printers list)", args[0])
				}
			}
			now := time.Now().In(cfg.Location())
			code := "IN-THU-" + now.Format("060102-150405")
			r := printing.Receipt{
				ParentAgency: cfg.Agency.Parent, Agency: cfg.Agency.Name, Place: cfg.Agency.Place,
				DossierCode: code, Officer: "Trang in thử",
				CitizenName: "Trang in thử — không phải hồ sơ thật", CitizenID: "000000000000",
				Procedures: []printing.Procedure{{Name: "In thử máy in: tiếng Việt có dấu (Ấp Đông, Thành phố Hồ Chí Minh)", Appointment: now.Add(24 * time.Hour)}},
				Documents:  []printing.Document{{Name: "Không có", Original: true, Count: 1}},
				ReceivedAt: now, ResultPlace: cfg.Agency.ResultPlace,
			}
			pdf, err := printing.RenderPDFBytes(r, printing.Options{Size: cfg.Printer.Size})
			if err != nil {
				return failure("Không tạo được trang thử.", err)
			}
			if err := p.Print(cmd.Context(), printing.Job{DossierCode: code, PDF: pdf, Receipt: &r}); err != nil {
				return failure(printerMessage(err), err)
			}
			fmt.Fprintf(a.stdout, "Đã gửi trang thử %s tới %s.\n", code, p.Name())
			return nil
		},
	}
	cmd.AddCommand(list, test)
	return cmd
}

// receiptsDir is the PDF folder: printer.dir, or <data dir>/receipts
// (created, as the counter does when it starts).
func receiptsDir(dir, dataDir string) string {
	if dir == "" {
		dir = filepath.Join(dataDir, "receipts")
	}
	_ = os.MkdirAll(dir, 0o700) // a failure shows in Status and Print
	return dir
}

// newPrinter builds the configured printer (wire.NewPrinter) for commands
// that need no unlocked store.
func newPrinter(cfg config.Config, files *printing.FilePrinter) (printing.Printer, error) {
	return wire.NewPrinter(cfg.Printer, files)
}

// printerMessage is the Vietnamese message of a printer error.
func printerMessage(err error) string {
	var pe *printing.Error
	if errors.As(err, &pe) && pe.Clerk != "" {
		return pe.Clerk
	}
	return "Máy in không sẵn sàng: kiểm tra nguồn, giấy và kết nối."
}
