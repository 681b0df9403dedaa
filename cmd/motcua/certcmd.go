package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"motcua/internal/counter"
	"motcua/lookups"
	"motcua/lookups/vntext"
	"motcua/printing"
)

func init() { register((*app).certifyCmd) }

// certifyCmd is the copy certification desk for scripts: certify copies, export the register.
func (a *app) certifyCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "certify",
		Short: "Chứng thực bản sao từ bản chính: cấp số chứng thực, in lời chứng, biên lai; xuất sổ chứng thực",
	}
	c.AddCommand(a.certifyCopiesCmd(), a.certifyRegisterCmd())
	return c
}

// parseOriginal reads "TÊN GIẤY TỜ:SỐ TRANG:SỐ BẢN" (the name may hold colons: the numbers are
// the last two fields).
func parseOriginal(s string) (counter.CopyOriginal, error) {
	i := strings.LastIndex(s, ":")
	if i < 0 {
		return counter.CopyOriginal{}, usageErr("--original %q: cần dạng \"TÊN GIẤY TỜ:SỐ TRANG:SỐ BẢN\"", s)
	}
	j := strings.LastIndex(s[:i], ":")
	if j < 0 {
		return counter.CopyOriginal{}, usageErr("--original %q: cần dạng \"TÊN GIẤY TỜ:SỐ TRANG:SỐ BẢN\"", s)
	}
	pages, err1 := strconv.Atoi(strings.TrimSpace(s[j+1 : i]))
	copies, err2 := strconv.Atoi(strings.TrimSpace(s[i+1:]))
	if err1 != nil || err2 != nil {
		return counter.CopyOriginal{}, usageErr("--original %q: số trang và số bản phải là số", s)
	}
	return counter.CopyOriginal{Document: strings.TrimSpace(s[:j]), Pages: pages, Copies: copies}, nil
}

// certifyResult is the --json output of certify copies.
type certifyResult struct {
	*counter.CopyResult
	PrintError string `json:"printError,omitempty"` // Vietnamese
	// PrintQueued: what did not print waits in the print queue and prints by itself.
	PrintQueued bool `json:"printQueued,omitempty"`
}

func (a *app) certifyCopiesCmd() *cobra.Command {
	var id, name, exempt, layout string
	var originals []string
	var asJSON bool
	c := &cobra.Command{
		Use:   "copies --id SỐ_ĐỊNH_DANH --name \"HỌ TÊN\" --original \"TÊN GIẤY TỜ:SỐ TRANG:SỐ BẢN\"...",
		Short: "Chứng thực bản sao: mỗi bản chính một số chứng thực, phí theo biểu phí, in lời chứng từng bản sao và biên lai thu phí",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if id == "" || name == "" || len(originals) == 0 {
				return usageErr("cần --id, --name và ít nhất một --original \"TÊN GIẤY TỜ:SỐ TRANG:SỐ BẢN\"")
			}
			req := counter.CopyRequest{Requester: counter.CopyRequester{ID: id, Name: name, Source: "typed"}, Exempt: exempt}
			switch layout {
			case "", "sticker":
				req.Layout = printing.LayoutSticker
			case "copy":
				req.Layout = printing.LayoutOnCopy
			default:
				return usageErr("--layout %q không có (sticker: nhãn dán; copy: in lên trang cuối bản sao)", layout)
			}
			for _, o := range originals {
				orig, err := parseOriginal(o)
				if err != nil {
					return err
				}
				req.Originals = append(req.Originals, orig)
			}
			e, op, err := a.openReceiving(counter.ActCertify)
			if err != nil {
				return err
			}
			defer e.Close()
			res, err := e.svc.CertifyCopies(cmd.Context(), op, req)
			if err != nil {
				return refusal(err, counter.Explain(err))
			}
			if asJSON {
				out := certifyResult{CopyResult: res}
				if res.PrintErr != nil {
					out.PrintError = counter.Explain(res.PrintErr)
					out.PrintQueued = errors.Is(res.PrintErr, counter.ErrPrintQueued)
				}
				if err := newJSONEncoder(a.stdout).Encode(out); err != nil {
					return err
				}
			} else {
				for _, it := range res.Items {
					fee := printing.FormatMoney(it.Fee) + " đồng"
					switch {
					case res.Exempt != "":
						fee = "miễn phí"
					case !it.FeeKnown:
						fee = "chưa có mức phí trong biểu phí"
					}
					fmt.Fprintf(a.stdout, "Số chứng thực %s (quyển %s): %s — %d bản sao × %d trang — %s\n", it.Number, res.Volume,
						vntext.Display(it.Document), it.Copies, it.Pages, fee)
				}
				fmt.Fprintf(a.stdout, "Tổng phí: %s đồng.\n", printing.FormatMoney(res.Total))
			}
			if res.PrintErr != nil {
				return failure("Đã ghi vào sổ chứng thực; "+printFailure("lời chứng hoặc biên lai", res.PrintErr), res.PrintErr)
			}
			return nil
		},
	}
	fl := c.Flags()
	fl.StringVar(&id, "id", "", "số định danh cá nhân của người yêu cầu")
	fl.StringVar(&name, "name", "", "họ tên người yêu cầu")
	fl.StringArrayVar(&originals, "original", nil, "bản chính: \"TÊN GIẤY TỜ:SỐ TRANG:SỐ BẢN SAO\" (lặp lại cho nhiều bản chính)")
	fl.StringVar(&exempt, "exempt", "", "trường hợp miễn phí (ghi lý do)")
	fl.StringVar(&layout, "layout", "sticker", "kiểu in lời chứng: sticker (nhãn dán) hoặc copy (in lên trang cuối bản sao)")
	fl.BoolVar(&asJSON, "json", false, "in kết quả dạng JSON")
	return c
}

func (a *app) certifyRegisterCmd() *cobra.Command {
	var year int
	var from, to, out string
	c := &cobra.Command{
		Use:   "register --year NĂM --out TỆP.xlsx|TỆP.pdf",
		Short: "Xuất sổ chứng thực bản sao từ bản chính của một năm (hoặc một kỳ) ra XLSX hoặc PDF",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageErr("cần --out TỆP.xlsx hoặc TỆP.pdf")
			}
			ext := strings.ToLower(filepath.Ext(out))
			if ext != ".xlsx" && ext != ".pdf" {
				return usageErr("--out phải là tệp .xlsx hoặc .pdf")
			}
			e, op, err := a.openReceiving(counter.ActCertRegister)
			if err != nil {
				return err
			}
			defer e.Close()
			loc := e.cfg.Location()
			f := counter.CertRegisterFilter{Year: year}
			if from != "" {
				d, err := lookups.ParseDate(from)
				if err != nil {
					return usageErr("--from %q: ngày phải dạng DD/MM/YYYY", from)
				}
				f.From = d.Time(loc)
				if f.Year == 0 {
					f.Year = f.From.Year()
				}
			}
			if to != "" {
				d, err := lookups.ParseDate(to)
				if err != nil {
					return usageErr("--to %q: ngày phải dạng DD/MM/YYYY", to)
				}
				f.To = d.Time(loc).AddDate(0, 0, 1)
			}
			if f.Year == 0 {
				f.Year = e.svc.Now().In(loc).Year()
			}
			reg, err := e.svc.CertRegister(op, f)
			if err != nil {
				return refusal(err, counter.Explain(err))
			}
			if ext == ".pdf" {
				err = counter.ExportCertRegisterPDF(out, reg)
			} else {
				err = counter.ExportCertRegisterXLSX(out, reg)
			}
			if err != nil {
				return failure("Không ghi được tệp "+out+": "+counter.Explain(err), err)
			}
			e.svc.CertRegisterExported(op, len(reg.Rows), strings.TrimPrefix(ext, "."))
			fmt.Fprintf(a.stdout, "Đã xuất %d việc chứng thực (quyển %s, tổng phí %s đồng) vào %s.\n", len(reg.Rows), reg.Volume, reg.Total, out)
			return nil
		},
	}
	fl := c.Flags()
	fl.IntVar(&year, "year", 0, "năm của sổ (mặc định: năm nay, hoặc năm của --from)")
	fl.StringVar(&from, "from", "", "từ ngày DD/MM/YYYY (trong năm của sổ)")
	fl.StringVar(&to, "to", "", "đến hết ngày DD/MM/YYYY")
	fl.StringVar(&out, "out", "", "tệp ra .xlsx hoặc .pdf")
	return c
}
